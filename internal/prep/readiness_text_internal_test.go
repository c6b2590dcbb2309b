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
		{1, "The reviews I schedule until then (about 1 review a day) bring it to 90%"},
		{2, "The reviews I schedule until then (about 2 reviews a day) bring it to 90%"},
		{12, "The reviews I schedule until then (about 12 reviews a day) bring it to 90%"},
	}
	for _, tt := range tests {
		rd := Readiness{Target: 0.9, Studied: 3, Recall: 0.5, ReviewsPerDay: tt.perDay, Reachable: true, PlannedRecall: 0.9}
		if got := readinessText(rd, "").String(); !strings.Contains(got, tt.want) {
			t.Errorf("%d a day:\n%s\nwant a line %q", tt.perDay, got, tt.want)
		}
	}
}

// TestReadinessCountsCardsInWords: "1 card", not "1 cards", in the
// readiness paragraph's counts.
func TestReadinessCountsCardsInWords(t *testing.T) {
	tests := []struct {
		rd   Readiness
		want string
	}{
		{Readiness{Unknown: 1}, "Nothing studied yet (1 card not started)"},
		{Readiness{Unknown: 5}, "Nothing studied yet (5 cards not started)"},
		{Readiness{Target: 0.9, Studied: 1, Recall: 0.95}, "95% of the 1 card you have studied."},
		{Readiness{Target: 0.9, Studied: 7, Recall: 0.95}, "95% of the 7 cards you have studied."},
	}
	for _, tt := range tests {
		if got := readinessText(tt.rd, "").String(); !strings.Contains(got, tt.want) {
			t.Errorf("%+v:\n%s\nwant %q", tt.rd, got, tt.want)
		}
	}
}
