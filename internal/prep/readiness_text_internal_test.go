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
		rd := Readiness{Target: 0.9, Studied: 3, Recall: 0.5, ReviewsPerDay: tt.perDay, BusiestDay: tt.perDay, Reachable: true, PlannedRecall: 0.9}
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

// TestReadinessAdviceNamesWhatToChange: short of the target because of the
// review limit, the advice names the limit that would do (it used to
// suggest "/settings retention 0.95" whatever the cause, even to a user at
// 0.97); short with no reviews left to plan, it says so; one short of
// certain never reads "100%".
func TestReadinessAdviceNamesWhatToChange(t *testing.T) {
	tests := []struct {
		rd   Readiness
		want string
	}{
		{Readiness{Target: 0.95, Studied: 40, Recall: 0.8, ReviewsPerDay: 1, BusiestDay: 1, PlannedRecall: 0.89, LimitNeeded: 12},
			"short of your 95% target because of your daily review limit: /settings reviews 12 lets them all in."},
		{Readiness{Target: 0.95, Studied: 3, Recall: 0.8, PlannedRecall: 0.8},
			"No reviews fall due before it: your 95% target is out of reach in the time left"},
		{Readiness{Target: 0.95, Studied: 3, Recall: 0.8, ReviewsPerDay: 2, BusiestDay: 3, PlannedRecall: 0.996, Reachable: true},
			"(about 2 reviews a day, 3 on the busiest) bring it to 99%, past your 95% target"},
		{Readiness{Target: 0.95, Studied: 30, Recall: 0.8, ReviewsPerDay: 5, BusiestDay: 5, PlannedRecall: 0.946, LimitNeeded: 30},
			"bring it to 94%, short of your 95% target"},
	}
	for _, tt := range tests {
		got := readinessText(tt.rd, "").String()
		if !strings.Contains(got, tt.want) || strings.Contains(got, "retention") {
			t.Errorf("%+v:\n%s\nwant %q", tt.rd, got, tt.want)
		}
	}
}
