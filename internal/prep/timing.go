package prep

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Timing places a checklist item on the interview timeline, relative to the
// interview's start. Two forms exist:
//
//   - an offset, "-3d", "-1h", "+24h", "+1w", "+90m": that long before (-) or
//     after (+) the interview starts. Days and weeks are calendar days in the
//     interview's time zone, at the interview's clock time, so "-5d" before a
//     14:00 interview is 14:00 even when a DST change lies between; hours and
//     minutes are elapsed time ("+24h" is 13:00 the next day if the clocks
//     went back that night);
//   - a day and a clock time, "-1d 19:00", "0d 08:00": that many calendar days
//     from the interview's date, at that local time (in the interview's time
//     zone), so "the evening before" stays 19:00 even across a DST change.
//
// The zero Timing means "not set".
type Timing struct {
	Days    int           // calendar days from the interview's date (both forms; "d" and "w")
	Offset  time.Duration // the offset form's elapsed time ("h" and "m"), added after Days
	Clock   int           // the day-and-clock form: minutes after local midnight
	AtClock bool          // true for the day-and-clock form
	Set     bool          // false for the zero Timing
}

// ErrBadTiming is returned (wrapped) by ParseTiming for text it cannot read.
var ErrBadTiming = errors.New("prep: bad timing")

// ParseTiming reads a timing annotation such as "-3d", "+24h" or "-1d 19:00".
func ParseTiming(s string) (Timing, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 || len(fields) > 2 {
		return Timing{}, fmt.Errorf("%w %q: want an offset like -3d, -1h, +24h or a day and time like -1d 19:00", ErrBadTiming, s)
	}
	amount, unit, err := splitOffset(fields[0])
	if err != nil {
		return Timing{}, fmt.Errorf("%w %q: %v", ErrBadTiming, s, err)
	}
	if len(fields) == 2 {
		if unit != 'd' {
			return Timing{}, fmt.Errorf("%w %q: a clock time needs a day offset such as -1d", ErrBadTiming, s)
		}
		clock, err := ParseClock(fields[1])
		if err != nil {
			return Timing{}, fmt.Errorf("%w %q: %v", ErrBadTiming, s, err)
		}
		return Timing{Days: amount, Clock: clock, AtClock: true, Set: true}, nil
	}
	switch unit {
	case 'm':
		return Timing{Offset: time.Duration(amount) * time.Minute, Set: true}, nil
	case 'h':
		return Timing{Offset: time.Duration(amount) * time.Hour, Set: true}, nil
	case 'w':
		return Timing{Days: amount * 7, Set: true}, nil
	}
	return Timing{Days: amount, Set: true}, nil
}

// splitOffset reads "[+-]N[mhdw]" with N at most 400 days' worth.
func splitOffset(s string) (int, byte, error) {
	if len(s) < 2 {
		return 0, 0, errors.New("want a number and a unit (m, h, d or w)")
	}
	unit := s[len(s)-1]
	if !strings.ContainsRune("mhdw", rune(unit)) {
		return 0, 0, fmt.Errorf("unknown unit %q (use m, h, d or w)", unit)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(s[:len(s)-1], "+"))
	if err != nil || strings.HasPrefix(s, "+-") || strings.HasPrefix(s, "-+") {
		return 0, 0, fmt.Errorf("%q is not a whole number", s[:len(s)-1])
	}
	limit := map[byte]int{'m': 400 * 24 * 60, 'h': 400 * 24, 'd': 400, 'w': 57}[unit]
	if n > limit || n < -limit {
		return 0, 0, errors.New("more than 400 days from the interview")
	}
	return n, unit, nil
}

// ParseClock reads a 24-hour clock time "HH:MM" (or "H:MM") and returns the
// minutes after midnight.
func ParseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(m) != 2 || len(h) == 0 || len(h) > 2 {
		return 0, fmt.Errorf("%q is not a time like 19:00", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || h[0] == '+' || h[0] == '-' {
		return 0, fmt.Errorf("%q is not a time like 19:00", s)
	}
	return hh*60 + mm, nil
}

// FormatClock renders minutes after midnight as "HH:MM".
func FormatClock(minutes int) string {
	return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60)
}

// At resolves the timing against an interview start; the result is in the
// interview's location. Days are counted on the calendar (AddDate keeps the
// wall-clock time), then the elapsed Offset is added.
func (t Timing) At(interview time.Time) time.Time {
	if !t.AtClock {
		return interview.AddDate(0, 0, t.Days).Add(t.Offset)
	}
	y, mo, d := interview.Date()
	return time.Date(y, mo, d+t.Days, t.Clock/60, t.Clock%60, 0, 0, interview.Location())
}

// String renders the timing in the syntax ParseTiming reads. A Timing with
// both Days and Offset (which ParseTiming never makes) renders both parts,
// which ParseTiming refuses rather than misread.
func (t Timing) String() string {
	if !t.Set {
		return ""
	}
	if t.AtClock {
		return fmt.Sprintf("%+dd %s", t.Days, FormatClock(t.Clock))
	}
	var parts []string
	switch {
	case t.Days != 0 && t.Days%7 == 0:
		parts = append(parts, fmt.Sprintf("%+dw", t.Days/7))
	case t.Days != 0:
		parts = append(parts, fmt.Sprintf("%+dd", t.Days))
	}
	d := t.Offset
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	switch {
	case d == 0 && len(parts) == 0:
		return "+0m"
	case d == 0:
	case d%time.Hour == 0:
		parts = append(parts, fmt.Sprintf("%s%dh", sign, d/time.Hour))
	default:
		parts = append(parts, fmt.Sprintf("%s%dm", sign, d/time.Minute))
	}
	return strings.Join(parts, " ")
}

// FormatOffset says exactly how far t is from the interview's start:
// "30m before", "1h 30m after", "1d before", "1d 2h before", "at the
// start". Days are whole calendar days in the interview's time zone, as
// Timing counts them, so a "-5d" slot across a DST change reads "5d
// before", not "4d 23h before"; the rest is elapsed hours and minutes.
// Every unit is kept, to the minute: a checklist slot at +90m read "2h
// after" when rounded, which is when the user would not be looking.
func FormatOffset(t, interview time.Time) string {
	t, interview = t.Round(time.Minute), interview.Round(time.Minute)
	side, from, to := "after", interview, t
	if t.Before(interview) {
		side, from, to = "before", t, interview
	}
	if from.Equal(to) {
		return "at the start"
	}
	// The most whole calendar days that still fit between the two.
	from = from.In(interview.Location())
	days := int(to.Sub(from) / (24 * time.Hour))
	for days > 0 && from.AddDate(0, 0, days).After(to) {
		days--
	}
	for !from.AddDate(0, 0, days+1).After(to) {
		days++
	}
	d := to.Sub(from.AddDate(0, 0, days))
	var parts []string
	if days > 0 {
		parts = append(parts, strconv.Itoa(days)+"d")
	}
	for _, u := range []struct {
		size time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}} {
		if n := d / u.size; n > 0 {
			parts = append(parts, strconv.FormatInt(int64(n), 10)+u.name)
			d -= n * u.size
		}
	}
	return strings.Join(parts, " ") + " " + side
}
