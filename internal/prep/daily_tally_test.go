package prep_test

import (
	"math/rand/v2"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/prep"
)

// storedUser reads the harness user as stored.
func (h *harness) storedUser() prep.User {
	h.tb.Helper()
	var u prep.User
	err := h.store.View(func(tx prep.Tx) (err error) {
		u, err = tx.User(h.user)
		return err
	})
	if err != nil {
		h.tb.Fatal(err)
	}
	return u
}

// recount counts the day's new cards and reviews from the review log, the
// way the daily limits are defined.
func (h *harness) recount(start time.Time) (newCards, reviews int) {
	for _, r := range h.reviews() {
		if _, ok := h.lib.Card(r.CardID); !ok || r.Time.Before(start) {
			continue
		}
		switch r.Before.FSRS.State {
		case fsrs.New:
			newCards++
		case fsrs.Review:
			reviews++ // learning steps are not held back by the limit, nor counted
		}
	}
	return newCards, reviews
}

// TestDailyTallyFollowsTheReviewLog drives random study — ratings, undos,
// days passing and time-zone changes — and checks after every step that the
// cached tally the daily limits use equals a recount of the review log.
func TestDailyTallyFollowsTheReviewLog(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.text("/settings new 3")
	zones := []string{"UTC", "Asia/Tokyo", "America/Los_Angeles", "Europe/Berlin"}
	rng := rand.New(rand.NewPCG(7, 8))
	checked := 0
	for step := 0; step < 400; step++ {
		switch n := rng.IntN(10); {
		case n < 6:
			r := h.text("/ask")
			if b, ok := findButton(r, "Show answer"); ok {
				r = h.press(b.Data)
				if b, ok := findButton(r, []string{"Again", "Hard", "Good", "Easy"}[rng.IntN(4)]); ok {
					h.press(b.Data)
				}
			}
		case n < 8:
			h.text("/undo")
		case n < 9:
			h.clock.Advance(time.Duration(1+rng.IntN(10)) * time.Hour)
		default:
			h.text("/settings timezone " + zones[rng.IntN(len(zones))])
		}
		u := h.storedUser()
		if u.Today.Start.IsZero() {
			continue // no queue built yet
		}
		newCards, reviews := h.recount(u.Today.Start)
		if u.Today.New != newCards || u.Today.Reviews != reviews {
			t.Fatalf("step %d: tally for %s is %d new, %d reviews; the log has %d, %d", step, u.Today.Start, u.Today.New, u.Today.Reviews, newCards, reviews)
		}
		checked++
	}
	if checked < 300 || len(h.reviews()) < 30 {
		t.Fatalf("the walk checked %d steps over %d reviews; it should exercise more", checked, len(h.reviews()))
	}
}

// TestStaleDailyTallyIsRecounted: a tally left from another day, however
// large, does not hold back today's new cards.
func TestStaleDailyTallyIsRecounted(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.text("/settings new 2")
	err := h.store.Update(func(tx prep.Tx) error {
		u, err := tx.User(h.user)
		if err != nil {
			return err
		}
		u.Today = prep.DailyTally{Start: h.clock.Now().Add(-24 * time.Hour).Truncate(24 * time.Hour), New: 99, Reviews: 99}
		return tx.PutUser(u)
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := h.text("/ask"); !contains(r, prep.Send, "What is a CTE?") {
		t.Fatalf("yesterday's tally must not count today:\n%s", dump(r))
	}
	if u := h.storedUser(); u.Today.New != 0 || u.Today.Reviews != 0 || !u.Today.Start.Equal(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("tally after the recount = %+v", u.Today)
	}
	// Two ratings use up the limit; undoing one gives one back.
	for i := 0; i < 2; i++ {
		h.press(button(t, h.last, "Show answer").Data)
		h.press(button(t, h.last, "Easy").Data)
	}
	if !contains(h.last, prep.Send, "Today's new cards are done (3 more wait") {
		t.Fatalf("after two new cards:\n%s", dump(h.last))
	}
	if r := h.text("/undo"); !contains(r, prep.Send, "Here it is again") {
		t.Fatalf("undo:\n%s", dump(r))
	}
	if u := h.storedUser(); u.Today.New != 1 {
		t.Fatalf("after undo the tally has %d new cards, want 1", u.Today.New)
	}
}

// TestLearningStepsLeaveTheReviewLimitAlone: the review limit holds back
// review cards, so only their reviews count against it, as in Anki; a new
// card's learning steps used to use it up, and a due review then waited
// while /due listed it.
func TestLearningStepsLeaveTheReviewLimitAlone(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.text("/ask sql")
	h.press(button(t, h.last, "Show answer").Data)
	h.press(button(t, h.last, "Easy").Data) // a review card, due in days
	h.text("/stop")
	h.clock.Advance(30 * 24 * time.Hour)
	h.text("/settings reviews 2")
	// Three learning steps on a new Python card.
	h.text("/ask python")
	for _, rating := range []string{"Again", "Good", "Again"} {
		h.press(button(t, h.last, "Show answer").Data)
		h.press(button(t, h.last, rating).Data)
		h.clock.Advance(time.Minute)
	}
	h.text("/stop")
	if r := h.text("/due"); !contains(r, prep.Send, "2 reviews (2 left)") {
		t.Errorf("/due after learning steps only:\n%s", dump(r))
	}
	if r := h.text("/ask sql"); !contains(r, prep.Send, "What is a CTE?") {
		t.Fatalf("the due SQL review is not asked:\n%s", dump(r))
	}
}
