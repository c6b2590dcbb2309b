package prep

import (
	"strings"
	"testing"
)

// TestReadinessPaceIsCountedInWords: the pace reads "1 review a day", not
// "1 reviews". readinessText is unexported and a pace of exactly one is
// hard to reach through /stats, so the text is checked directly.
func TestReadinessPaceIsCountedInWords(t *testing.T) {
	tests := []struct {
		perDay int
		want   string
	}{
		{1, "To reach 90%: about 1 review a day until the interview."},
		{2, "To reach 90%: about 2 reviews a day until the interview."},
		{12, "To reach 90%: about 12 reviews a day until the interview."},
	}
	for _, tt := range tests {
		rd := Readiness{Target: 0.9, Studied: 3, Recall: 0.5, ReviewsPerDay: tt.perDay, Reachable: true, PlannedRecall: 0.9}
		if got := readinessText(rd, "").String(); !strings.Contains(got, tt.want) {
			t.Errorf("%d a day:\n%s\nwant a line %q", tt.perDay, got, tt.want)
		}
	}
}
