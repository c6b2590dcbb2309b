package sqlcheck

import "testing"

// TestClipKeepsDatesAndTimesWhole: a cell is cut to maxCell characters,
// except an ISO date or time, whose end is part of its meaning (the sample
// rows of "Latest label per task" showed "2025-03-01 09…").
func TestClipKeepsDatesAndTimesWhole(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"short", "short"},
		{"a rather long annotator name", "a rather long…"},
		{"2025-03-01", "2025-03-01"},
		{"2025-03-01 09:15", "2025-03-01 09:15"},
		{"2025-03-01 09:15:42", "2025-03-01 09:15:42"},
		{"2025-03-01T09:15:42.123Z", "2025-03-01T09:15:42.123Z"},
		{"2025-03-01 09:15:42+02:00", "2025-03-01 09:15:42+02:00"},
		{"2025-03-01 09:15:42 and more", "2025-03-01 09…"},
		{"line one\nline two", "line one line…"},
	} {
		if got := clip(tc.in); got != tc.want {
			t.Errorf("clip(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
