package prep_test

import (
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/prep"
)

func TestLeechIsFlaggedSuspendedAndLetBackIn(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	// A card in review with 7 lapses, due now.
	putNearLeech(t, h)
	h.text("/ask python")
	h.press(button(t, h.last, "Show answer").Data)
	r := h.press(button(t, h.last, "Again").Data)
	if !contains(r, prep.Send, "A leech: List vs tuple?") || !contains(r, prep.Send, "forgotten this card 8 times") {
		t.Fatalf("the 8th lapse must flag a leech:\n%s", dump(r))
	}
	if r := h.press(button(t, r, "Show it with the answer").Data); !contains(r, prep.Send, "Lists are mutable") {
		t.Fatalf("show:\n%s", dump(r))
	}
	h.press(button(t, r, "Suspend it").Data)
	if st, _ := h.cardState("py1"); !st.Suspended {
		t.Fatal("not suspended")
	}
	// A suspended card is not asked, even when due.
	h.clock.Advance(30 * 24 * time.Hour)
	if r := h.text("/ask python"); contains(r, prep.Send, "List vs tuple?") {
		t.Fatalf("a suspended card was asked:\n%s", dump(r))
	}
	r = h.text("/suspended")
	if !contains(r, prep.Send, "List vs tuple? (Python, forgotten 8 times)") {
		t.Fatalf("/suspended:\n%s", dump(r))
	}
	h.press(button(t, r, "1 ▶️ Unsuspend").Data)
	if r := h.text("/ask python"); !contains(r, prep.Send, "List vs tuple?") {
		t.Fatalf("an unsuspended card must be asked again:\n%s", dump(r))
	}
	// Suspending keeps the schedule: the state is otherwise unchanged.
	if st, _ := h.cardState("py1"); st.FSRS.Lapses != 8 || st.Suspended {
		t.Fatalf("state after unsuspend: %+v", st)
	}
}

// TestLeechNoticeOnlyOnALapse: an Again on a relearning step adds no lapse
// and used to repeat the leech notice; and /undo of the Again that made a
// leech reverts the rating but not a suspension made since.
func TestLeechNoticeOnlyOnALapse(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	putNearLeech(t, h)
	h.text("/ask python")
	h.press(button(t, h.last, "Show answer").Data)
	if r := h.press(button(t, h.last, "Again").Data); !contains(r, prep.Send, "A leech") {
		t.Fatalf("the 8th lapse:\n%s", dump(r))
	}
	h.text("/stop")
	h.clock.Advance(10 * time.Minute)
	h.text("/ask python")
	h.press(button(t, h.last, "Show answer").Data)
	if r := h.press(button(t, h.last, "Again").Data); contains(r, prep.Send, "A leech") {
		t.Fatalf("an Again while relearning repeated the notice:\n%s", dump(r))
	}
	// Suspend after the Again, then undo it: the suspension stands.
	h.text("/suspend py1")
	h.text("/undo")
	if st, _ := h.cardState("py1"); !st.Suspended {
		t.Fatal("/undo lifted a suspension made after the rating it undid")
	}
}

// putNearLeech stores py1 as a review card with 7 lapses, due now: one more
// Again makes it a leech.
func putNearLeech(t *testing.T, h *harness) {
	t.Helper()
	putReviewCard(t, h, "py1", fsrs.Card{Due: h.clock.Now().Add(-time.Hour), Stability: 3, Difficulty: 8, State: fsrs.Review, Reps: 20, Lapses: 7,
		LastReview: h.clock.Now().Add(-72 * time.Hour), ScheduledDays: 3})
}
