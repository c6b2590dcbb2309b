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
		{in: "+24h", at: "2026-12-04 14:00", text: "+1d"},
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
