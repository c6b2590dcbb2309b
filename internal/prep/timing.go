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
//   - an offset, "-3d", "-1h", "+24h", "+7d", "+90m": that long before (-) or
//     after (+) the interview starts;
//   - a day and a clock time, "-1d 19:00", "0d 08:00": that many calendar days
//     from the interview's date, at that local time (in the interview's time
//     zone), so "the evening before" stays 19:00 even across a DST change.
//
// The zero Timing means "not set".
type Timing struct {
	Offset  time.Duration // the offset form
	Days    int           // the day-and-clock form: calendar days from the interview date
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
	var d time.Duration
	switch unit {
	case 'm':
		d = time.Duration(amount) * time.Minute
	case 'h':
		d = time.Duration(amount) * time.Hour
	case 'd':
		d = time.Duration(amount) * 24 * time.Hour
	case 'w':
		d = time.Duration(amount) * 7 * 24 * time.Hour
	}
	return Timing{Offset: d, Set: true}, nil
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
// interview's location.
func (t Timing) At(interview time.Time) time.Time {
	if !t.AtClock {
		return interview.Add(t.Offset)
	}
	y, mo, d := interview.Date()
	return time.Date(y, mo, d+t.Days, t.Clock/60, t.Clock%60, 0, 0, interview.Location())
}

// String renders the timing in the syntax ParseTiming reads.
func (t Timing) String() string {
	if !t.Set {
		return ""
	}
	if t.AtClock {
		return fmt.Sprintf("%+dd %s", t.Days, FormatClock(t.Clock))
	}
	d := t.Offset
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	switch {
	case d == 0:
		return "+0m"
	case d%(7*24*time.Hour) == 0:
		return fmt.Sprintf("%s%dw", sign, d/(7*24*time.Hour))
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%s%dd", sign, d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%s%dh", sign, d/time.Hour)
	default:
		return fmt.Sprintf("%s%dm", sign, d/time.Minute)
	}
}

// FormatOffset says exactly how far an instant is from the interview's
// start, d being instant minus start: "30m before", "1h 30m after", "1d
// before", "1d 2h before", "at the start". Every unit is kept, to the
// minute: a checklist slot at +90m read "2h after" when rounded, which is
// when the user would not be looking.
func FormatOffset(d time.Duration) string {
	d = d.Round(time.Minute)
	side := "after"
	if d < 0 {
		side, d = "before", -d
	}
	if d == 0 {
		return "at the start"
	}
	var parts []string
	for _, u := range []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if n := d / u.size; n > 0 {
			parts = append(parts, strconv.FormatInt(int64(n), 10)+u.name)
			d -= n * u.size
		}
	}
	return strings.Join(parts, " ") + " " + side
}
