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

// TestFormatTableCapsWidth: a wide result shows the columns that fit in
// maxTableWidth and says how many more there are.
func TestFormatTableCapsWidth(t *testing.T) {
	columns := make([]string, 40)
	row := make([]value, 40)
	for i := range columns {
		columns[i] = "column"
		row[i] = value{kind: kindInteger, i: int64(i)}
	}
	got := formatTable(columns, [][]value{row}, 3)
	want := "column  column  column  column  column  column  column  column  column  column  column  column  …\n" +
		"     0       1       2       3       4       5       6       7       8       9      10      11  …\n" +
		"(28 more columns not shown)"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := formatTable(columns[:3], [][]value{row[:3]}, 3); got != "column  column  column\n     0       1       2" {
		t.Errorf("a narrow table changed:\n%s", got)
	}
}
