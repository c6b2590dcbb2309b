package prep_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
)

func TestParseTiming(t *testing.T) {
	interview := time.Date(2026, 12, 3, 14, 0, 0, 0, mustZone("Europe/Berlin"))
	cases := []struct {
		in   string
		at   string // resolved against the interview, local time
		text string // String()
		err  string
	}{
		{in: "-3d", at: "2026-11-30 14:00", text: "-3d"},
		{in: "-1h", at: "2026-12-03 13:00", text: "-1h"},
		{in: "+90m", at: "2026-12-03 15:30", text: "+90m"},
		{in: "+24h", at: "2026-12-04 14:00", text: "+24h"},
		{in: "+1d", at: "2026-12-04 14:00", text: "+1d"},
		{in: "-14d", at: "2026-11-19 14:00", text: "-2w"},
		{in: "+1w", at: "2026-12-10 14:00", text: "+1w"},
		{in: "-1d 19:00", at: "2026-12-02 19:00", text: "-1d 19:00"},
		{in: "0d 08:00", at: "2026-12-03 08:00", text: "+0d 08:00"},
		{in: "-1h 19:00", err: "a clock time needs a day offset"},
		{in: "-3x", err: "unknown unit"},
		{in: "--3d", err: "is not a whole number"},
		{in: "-401d", err: "more than 400 days"},
		{in: "-1d 24:00", err: "is not a time like 19:00"},
		{in: "", err: "want an offset"},
		{in: "-1d 19:00 extra", err: "want an offset"},
	}
	for _, tc := range cases {
		got, err := prep.ParseTiming(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseTiming(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTiming(%q): %v", tc.in, err)
			continue
		}
		if at := got.At(interview).Format("2006-01-02 15:04"); at != tc.at {
			t.Errorf("ParseTiming(%q).At = %s, want %s", tc.in, at, tc.at)
		}
		if got.String() != tc.text {
			t.Errorf("ParseTiming(%q).String() = %q, want %q", tc.in, got.String(), tc.text)
		}
	}
}

func TestDayAndClockTimingSurvivesDST(t *testing.T) {
	// The evening before an interview on Monday 26 Oct 2026, the day after
	// the clocks went back in Berlin, is still 19:00 local time.
	interview := time.Date(2026, 10, 26, 10, 0, 0, 0, mustZone("Europe/Berlin"))
	tm, _ := prep.ParseTiming("-1d 19:00")
	if got := tm.At(interview).Format("2006-01-02 15:04 MST"); got != "2026-10-25 19:00 CET" {
		t.Fatalf("evening before = %s", got)
	}
}

// TestDayOffsetsAreCalendarDaysAcrossDST: "d" and "w" offsets keep the
// interview's clock time when a DST change lies between (a "-5d" reminder
// for a 14:00 interview came at 13:00 local time when days were 24h each);
// "h" and "m" stay elapsed time.
func TestDayOffsetsAreCalendarDaysAcrossDST(t *testing.T) {
	berlin := mustZone("Europe/Berlin")
	spring := time.Date(2026, 3, 30, 14, 0, 0, 0, berlin)  // Mon, CEST since Sun 29 Mar
	autumn := time.Date(2026, 10, 26, 14, 0, 0, 0, berlin) // Mon, CET since Sun 25 Oct
	cases := []struct {
		in        string
		interview time.Time
		at        string
	}{
		{"-5d", spring, "2026-03-25 14:00 CET"},
		{"-3d", spring, "2026-03-27 14:00 CET"},
		{"-2d", spring, "2026-03-28 14:00 CET"},
		{"-1w", spring, "2026-03-23 14:00 CET"},
		{"-48h", spring, "2026-03-28 13:00 CET"}, // elapsed: the lost hour shows
		{"-5d", autumn, "2026-10-21 14:00 CEST"},
		{"+1w", time.Date(2026, 10, 22, 14, 0, 0, 0, berlin), "2026-10-29 14:00 CET"},
		{"+24h", time.Date(2026, 10, 24, 14, 0, 0, 0, berlin), "2026-10-25 13:00 CET"},
	}
	for _, tc := range cases {
		tm, err := prep.ParseTiming(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := tm.At(tc.interview).Format("2006-01-02 15:04 MST"); got != tc.at {
			t.Errorf("%s before %s = %s, want %s", tc.in, tc.interview.Format("2 Jan 15:04 MST"), got, tc.at)
		}
	}
}

func FuzzParseTiming(f *testing.F) {
	for _, s := range []string{"-3d", "+24h", "-1d 19:00", "0d 08:00", "+90m", "-1w", "--1d", "+-3h", "-1d 7:5", "1d 23:59"} {
		f.Add(s)
	}
	interview := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := prep.ParseTiming(s)
		if err != nil {
			return
		}
		// What parses round-trips through String and stays within the
		// documented 400 days.
		again, err := prep.ParseTiming(tm.String())
		if err != nil || again.At(interview) != tm.At(interview) {
			t.Fatalf("%q → %q does not round-trip: %v", s, tm.String(), err)
		}
		if d := tm.At(interview).Sub(interview); d > 401*24*time.Hour || d < -401*24*time.Hour {
			t.Fatalf("%q is %v from the interview", s, d)
		}
	})
}

func FuzzParseInterview(f *testing.F) {
	for _, s := range []string{"2026-12-03 14:00 Europe/Berlin", "2026-12-03 14:00", "2026-02-30 10:00 UTC", "2026-12-03 25:00", "x y z", "2026-12-03 14:00 ../../etc/passwd", "2026-12-03 14:00 europe/berlin"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at, zone, err := prep.ParseInterview(strings.Fields(s), "")
		if err != nil {
			if !strings.HasSuffix(err.Error(), ".") {
				t.Fatalf("error is not a sentence: %q", err)
			}
			return
		}
		if _, zerr := time.LoadLocation(zone); zerr != nil || at.IsZero() {
			t.Fatalf("%q parsed to %v in %q (%v)", s, at, zone, zerr)
		}
	})
}

func FuzzParseZone(f *testing.F) {
	for _, s := range []string{"Europe/Berlin", "utc", "america/new_york", "Local", "../x", "", "Etc/GMT+3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		zone, err := prep.ParseZone(s)
		if err != nil {
			return
		}
		if zone == "Local" || zone == "" {
			t.Fatalf("%q accepted as %q, which is not an IANA zone", s, zone)
		}
		if _, err := time.LoadLocation(zone); err != nil {
			t.Fatalf("%q accepted as %q, which does not load: %v", s, zone, err)
		}
	})
}

func TestFormatOffset(t *testing.T) {
	interview := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "at the start"},
		{20 * time.Second, "at the start"}, // to the minute
		{time.Minute, "1m after"},
		{-30 * time.Minute, "30m before"},
		{time.Hour, "1h after"},
		{-time.Hour, "1h before"},
		{90 * time.Minute, "1h 30m after"},
		{-90 * time.Minute, "1h 30m before"},
		{4 * time.Hour, "4h after"},
		{-19 * time.Hour, "19h before"},
		{23*time.Hour + 59*time.Minute, "23h 59m after"},
		{24 * time.Hour, "1d after"},
		{-24 * time.Hour, "1d before"},
		{-26 * time.Hour, "1d 2h before"},
		{-(26*time.Hour + 5*time.Minute), "1d 2h 5m before"},
		{24*time.Hour + 5*time.Minute, "1d 5m after"},
		{-72 * time.Hour, "3d before"},
		{7 * 24 * time.Hour, "7d after"},
		{-(2*24*time.Hour + 5*time.Hour), "2d 5h before"},
	}
	for _, tc := range cases {
		if got := prep.FormatOffset(interview.Add(tc.d), interview); got != tc.want {
			t.Errorf("FormatOffset(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// TestFormatOffsetCountsCalendarDaysAcrossDST: a "-5d" slot across the
// spring change is 5 days before, as the deck says, not "4d 23h".
func TestFormatOffsetCountsCalendarDaysAcrossDST(t *testing.T) {
	berlin := mustZone("Europe/Berlin")
	spring := time.Date(2026, 3, 30, 14, 0, 0, 0, berlin)
	autumn := time.Date(2026, 10, 26, 14, 0, 0, 0, berlin)
	cases := []struct {
		t, interview time.Time
		want         string
	}{
		{time.Date(2026, 3, 25, 14, 0, 0, 0, berlin), spring, "5d before"},
		{time.Date(2026, 3, 28, 13, 0, 0, 0, berlin), spring, "2d 1h before"}, // -48h: by the clock
		{time.Date(2026, 3, 29, 19, 0, 0, 0, berlin), spring, "19h before"},
		{time.Date(2026, 10, 21, 14, 0, 0, 0, berlin), autumn, "5d before"},
		{time.Date(2026, 11, 2, 14, 0, 0, 0, berlin), time.Date(2026, 10, 22, 14, 0, 0, 0, berlin), "11d after"},
	}
	for _, tc := range cases {
		if got := prep.FormatOffset(tc.t, tc.interview); got != tc.want {
			t.Errorf("FormatOffset(%s, %s) = %q, want %q", tc.t.Format("2 Jan 15:04 MST"), tc.interview.Format("2 Jan 15:04 MST"), got, tc.want)
		}
	}
}

// TestChecklistSlotsSayTheirExactOffset: /checklist puts each section at
// its exact distance from the interview, not a rounded one.
func TestChecklistSlotsSayTheirExactOffset(t *testing.T) {
	when := func(s string) prep.Timing {
		tm, err := prep.ParseTiming(s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	items := []prep.ChecklistItem{
		{ID: "a", Group: "Pre", Section: "Days before", Text: "Revise", When: when("-3d")},
		{ID: "b", Group: "Pre", Section: "Day and a bit", Text: "Plan", When: when("-26h")},
		{ID: "c", Group: "Pre", Section: "Evening before", Text: "Test Zoom", When: when("-1d 19:00")},
		{ID: "d", Group: "Pre", Section: "Just before", Text: "Silence phone", When: when("-30m")},
		{ID: "e", Group: "Post", Section: "Immediately After", Text: "Notes", When: when("+90m")},
		{ID: "f", Group: "Post", Section: "Next day", Text: "Thank-you", When: when("+24h")},
	}
	lib, err := prep.NewLibrary(testLibrary(t).Cards, items)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"), func(cfg *prep.EngineConfig) { cfg.Library = lib })
	h.clock.t = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	h.text("/interview 2026-12-03 14:00 Europe/Berlin")
	r := h.text("/checklist")
	// The moments are in the interview's zone, named since the user's is
	// UTC.
	for _, want := range []string{
		"Days before 0/1 · Mon 30 Nov 14:00 CET (3d before)",
		"Day and a bit 0/1 · Wed 2 Dec 12:00 CET (1d 2h before)",
		"Evening before 0/1 · Wed 2 Dec 19:00 CET (19h before)",
		"Just before 0/1 · Thu 3 Dec 13:30 CET (30m before)",
		"Immediately After 0/1 · Thu 3 Dec 15:30 CET (1h 30m after)",
		"Next day 0/1 · Fri 4 Dec 14:00 CET (1d after)",
	} {
		if !contains(r, prep.Send, want) {
			t.Errorf("/checklist lacks %q:\n%s", want, dump(r))
		}
	}
}

// TestInterviewTimesNameTheirZoneWhenNotTheUsers: checklist moments and the
// countdown are in the interview's time zone, named when the user lives in
// another one, and not named when they live in the same.
func TestInterviewTimesNameTheirZoneWhenNotTheUsers(t *testing.T) {
	for _, tc := range []struct {
		settings string // the user's zone
		want     []string
		not      string
	}{
		{"UTC", []string{"Interview tomorrow at 14:00 CET", "Wed 2 Dec 19:00 CET (19h before)"}, ""},
		{"Europe/Berlin", []string{"Interview tomorrow at 14:00", "Wed 2 Dec 19:00 (19h before)"}, "CET"},
	} {
		h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
		h.clock.t = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
		h.text("/settings timezone " + tc.settings)
		h.text("/interview 2026-12-03 14:00 Europe/Berlin")
		r := h.text("/checklist")
		for _, want := range tc.want {
			if !contains(r, prep.Send, want) {
				t.Errorf("user in %s: /checklist lacks %q:\n%s", tc.settings, want, dump(r))
			}
		}
		if tc.not != "" && contains(r, prep.Send, tc.not) {
			t.Errorf("user in %s: /checklist names the zone:\n%s", tc.settings, dump(r))
		}
	}
}
