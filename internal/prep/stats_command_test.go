package prep_test

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/chart"
	"github.com/prepbot/prepbot/internal/prep"
)

// charts is internal/chart behind the engine's Charts interface.
type charts struct{}

func (charts) ReviewsPerDay(days []time.Time, byRating [][4]int) ([]byte, error) {
	return chart.ReviewsPerDay(days, byRating)
}
func (charts) DueForecast(days []time.Time, counts []int) ([]byte, error) {
	return chart.DueForecast(days, counts)
}
func (charts) TopicRecall(topics []string, recall []float64, target float64) ([]byte, error) {
	return chart.TopicRecall(topics, recall, target)
}

func TestStatsShowsFiguresChartsAndReadiness(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "1"), func(cfg *prep.EngineConfig) { cfg.Charts = charts{} })
	h.clock.t = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	h.text("/interview 2026-11-27 14:00 UTC")
	h.text("/ask sql")
	for _, rating := range []string{"Good", "Again"} {
		h.press(button(t, h.last, "Show answer").Data)
		h.press(button(t, h.last, rating).Data)
	}
	r := h.text("/stats")
	for _, want := range []string{
		"Reviews: 2 today, 2 this week · streak 1 day",
		"True retention: 7 days no data · 30 days no data · target 90%",
		"Cards: 3 new · 2 learning · 0 review (0 mastered)",
		"• SQL: 2/2 seen, 0 mastered",
		"Interview readiness",
		"Predicted recall on the day:",
		"Weakest: SQL",
	} {
		if !contains(r, prep.Send, want) {
			t.Errorf("/stats lacks %q:\n%s", want, dump(r))
		}
	}
	var photos int
	for _, rep := range r {
		if rep.Kind != prep.Photo {
			continue
		}
		photos++
		img, err := png.Decode(bytes.NewReader(rep.Image))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", rep.Text.String(), err)
		}
		if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 400 {
			t.Errorf("%s: %v is too small to read on a phone", rep.Text.String(), b)
		}
	}
	if photos != 3 {
		t.Fatalf("%d charts, want 3 (reviews, due forecast, topic recall)", photos)
	}
	// Captions say what the charts' own titles say.
	for _, caption := range []string{"Reviews per day, last 30 days", "Cards due, next 14 days", "Predicted recall on interview day, by topic"} {
		if !contains(r, prep.Photo, caption) {
			t.Errorf("no chart captioned %q:\n%s", caption, dump(r))
		}
	}
	if r := h.text("/interview"); !contains(r, prep.Send, "Predicted recall on the day:") {
		t.Fatalf("/interview must show the forecast:\n%s", dump(r))
	}
}

func TestDailyPushCarriesCountdownAndReadiness(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "2"))
	h.clock.t = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	onboard(t, h, "UTC", "09:00")
	h.text("/interview 2026-11-27 14:00")
	h.text("/ask")
	h.press(button(t, h.last, "Show answer").Data)
	h.press(button(t, h.last, "Easy").Data)
	h.text("/stop")
	h.clock.t = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	var intro string
	for _, p := range h.due(t) {
		for _, r := range p.Replies {
			if s := r.Text.String(); strings.Contains(s, "Your daily quiz") {
				intro = s
			}
		}
	}
	if !strings.Contains(intro, "6 days to your interview") || !strings.Contains(intro, "Predicted recall on interview day:") {
		t.Fatalf("daily push intro = %q", intro)
	}
}

// TestStatsNameWhatTheSQLRateCounts: an SQL exercise counts as solved only
// with no wrong answer before (one solved after a ❌ is rated Again), and
// /stats says so; it said "passed", and showed 0% right after "✅
// Correct!" for a second try.
func TestStatsNameWhatTheSQLRateCounts(t *testing.T) {
	h := exerciseHarness(t)
	h.text("/sql joins")
	h.text("SELECT 0") // wrong
	if r := h.text("SELECT 1"); !contains(r, prep.Send, "✅ Correct!") {
		t.Fatalf("the second try is not correct:\n%s", dump(r))
	}
	if r := h.text("/stats"); !contains(r, prep.Send, "SQL exercises solved with no wrong answer: 0%") {
		t.Errorf("/stats:\n%s", dump(r))
	}
}

// TestStopWithNothingRated: a session ended before any rating says so,
// instead of "0 reviewed, 0 recalled (0%)".
func TestStopWithNothingRated(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.text("/ask")
	if r := h.text("/stop"); !contains(r, prep.Send, "Session ended with nothing rated.") || contains(r, prep.Send, "0 reviewed") {
		t.Errorf("/stop:\n%s", dump(r))
	}
}

// TestSuspendedCardsInStats: suspended cards are counted apart and never
// due in /stats, as /due has them (they were in "Due this week" and each
// topic's due); with every studied card suspended, the readiness says so
// instead of "Nothing studied yet".
func TestSuspendedCardsInStats(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	now := h.clock.Now()
	putReviewCard(t, h, "sql1", fsrs.Card{Due: now.Add(-time.Hour), Stability: 3, Difficulty: 5, State: fsrs.Review, Reps: 3,
		LastReview: now.AddDate(0, 0, -3), ScheduledDays: 3})
	h.text("/suspend sql1")
	h.text("/interview 2026-11-10 14:00 UTC")
	r := h.text("/stats")
	for _, want := range []string{"· 1 suspended", "• SQL: 1/2 seen, 0 mastered, 0 due", "All 1 card you have studied is suspended"} {
		if !contains(r, prep.Send, want) {
			t.Errorf("/stats lacks %q:\n%s", want, dump(r))
		}
	}
	if contains(r, prep.Send, "Nothing studied yet") {
		t.Errorf("/stats says nothing was studied:\n%s", dump(r))
	}
}
