package prep_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/prep"
)

// simLibrary is a deck of n cards over four topics.
func simLibrary(t testing.TB, n int) *prep.Library {
	var cards []prep.Card
	topics := []string{"SQL", "Python", "Data Engineering", "Behavioral"}
	for i := range n {
		cards = append(cards, prep.Card{ID: fmt.Sprintf("c%03d", i), Topic: topics[i%len(topics)],
			Question: fmt.Sprintf("Question %d", i), Answer: prep.Text("answer")})
	}
	lib, err := prep.NewLibrary(cards, nil)
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// simulateMonth has a learner study every morning for 30 days and returns
// the predicted recall at the interview (day 30, 14:00) of what they studied.
// The learner's memory follows the FSRS model: a seen card is recalled
// (rated Good) with the probability FSRS predicts at that moment, and
// otherwise rated Again; a card seen for the first time is rated Good.
func simulateMonth(t *testing.T, mode bool) (recall float64, reviews int) {
	lib := simLibrary(t, 80)
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "sim"), func(cfg *prep.EngineConfig) { cfg.Library = lib })
	start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	interview := start.AddDate(0, 0, 30).Add(5 * time.Hour)
	h.clock.t = start
	h.text("/settings new 8")
	if mode {
		h.text("/interview " + interview.Format("2006-01-02 15:04") + " UTC")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sched := fsrs.NewFSRS(fsrs.DefaultParam())
	for day := range 30 {
		h.clock.t = start.AddDate(0, 0, day)
		r := h.text("/ask")
		for i := 0; i < 1000; i++ {
			var reveal prep.Button
			found := false
			for _, rep := range r {
				for _, row := range rep.Buttons {
					for _, b := range row {
						if b.Label == "Show answer" {
							reveal, found = b, true
						}
					}
				}
			}
			if !found {
				break // session complete
			}
			var u prep.User
			h.store.View(func(tx prep.Tx) (err error) { u, err = tx.User(h.user); return err })
			rating := "Good"
			if st, err := h.cardState(u.Session.CardID); err == nil {
				p, _ := sched.Retrievability(st.FSRS, h.clock.Now())
				if rng.Float64() >= p {
					rating = "Again"
				}
			}
			h.clock.Advance(20 * time.Second)
			h.press(reveal.Data)
			h.clock.Advance(10 * time.Second)
			r = h.press(button(t, h.last, rating).Data)
			reviews++
		}
	}
	// Predicted recall at the interview, from the stored states.
	var in prep.StatsInput
	h.store.View(func(tx prep.Tx) error {
		for st, err := range tx.CardStates(h.user) {
			if err != nil {
				return err
			}
			in.States = append(in.States, st)
		}
		return nil
	})
	in.Now, in.Location, in.Retention, in.Library = start.AddDate(0, 0, 30), time.UTC, 0.9, lib
	rd := prep.Forecast(in, interview, 0)
	return rd.Recall, reviews
}

// TestInterviewDateModeRaisesRecallOnTheDay is the simulation the README's
// figures come from: run with -v to see them.
func TestInterviewDateModeRaisesRecallOnTheDay(t *testing.T) {
	if testing.Short() {
		t.Skip("a month of simulated reviews")
	}
	without, nWithout := simulateMonth(t, false)
	with, nWith := simulateMonth(t, true)
	t.Logf("predicted recall at the interview after 30 days: plain FSRS %.3f (%d reviews), interview-date mode %.3f (%d reviews)",
		without, nWithout, with, nWith)
	if math.IsNaN(with) || math.IsNaN(without) {
		t.Fatal("no studied cards")
	}
	if with <= without {
		t.Fatalf("interview-date mode must raise recall on the day: %.3f with, %.3f without", with, without)
	}
	if with < prep.InterviewTarget(0.9) {
		t.Fatalf("with the mode, recall on the day should reach the %.2f target, got %.3f", prep.InterviewTarget(0.9), with)
	}
}

func TestInterviewDateModeRules(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.clock.t = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	h.text("/interview 2026-11-26 14:00 UTC")
	h.text("/settings new 1")
	// Rule 2: with 6 days left and 5 unseen cards, the limit of 1 new card
	// a day is raised so that all are introduced 3 days before: 5/3 → 2.
	if r := h.text("/due"); !contains(r, prep.Send, "2 new for today") {
		t.Fatalf("new-card limit before the interview:\n%s", dump(r))
	}
	// Rule 1: Easy on a new card would be days past the interview, with a
	// predicted recall there below the 0.95 target; the review is moved to
	// the start of the day before it, and the button says so.
	h.text("/ask sql")
	r := h.press(button(t, h.last, "Show answer").Data)
	easy := button(t, r, "Easy")
	h.press(easy.Data)
	st, err := h.cardState("sql1")
	if err != nil {
		t.Fatal(err)
	}
	interview := time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC)
	days := interview.Sub(st.FSRS.LastReview).Hours() / 24
	params := fsrs.DefaultParam()
	if r := params.ForgettingCurve(days, st.FSRS.Stability); r >= prep.InterviewTarget(0.9) {
		t.Fatalf("scenario broken: predicted recall %.3f is not below the target", r)
	}
	if want := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC); !st.FSRS.Due.Equal(want) {
		t.Fatalf("due %v, want it moved to %v (button said %q)", st.FSRS.Due, want, easy.Label)
	}
	if easy.Label != "Easy · "+prep.FormatInterval(st.FSRS.Due.Sub(h.clock.Now())) {
		t.Fatalf("button %q does not show the applied interval", easy.Label)
	}
	// After the interview, plain FSRS: Easy schedules past the old date.
	h.clock.t = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	h.text("/ask sql")
	h.press(button(t, h.last, "Show answer").Data)
	h.press(button(t, h.last, "Easy").Data)
	if st, _ := h.cardState("sql1"); !st.FSRS.Due.After(time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("after the interview scheduling must be plain FSRS, due %v", st.FSRS.Due)
	}
}

// TestInterviewNewLimitIsOneForTheDay: before an interview the raised
// new-card limit is the same whatever topic is studied, and stays the same
// all day while the day's new cards are rated.
func TestInterviewNewLimitIsOneForTheDay(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.clock.t = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	// Five days from today's start, less three: five unseen cards over two
	// days raise the limit of one to three a day.
	h.text("/interview 2026-12-05 14:00 UTC")
	h.text("/settings new 1")
	h.text("/ask sql")
	for range 2 {
		h.press(button(t, h.last, "Show answer").Data)
		h.press(button(t, h.last, "Good").Data)
	}
	h.text("/stop")

	// Two introduced, one left today, and any topic may take it.
	r := h.text("/due")
	for _, want := range []string{"1 new for today", "• STAR stories: 0 due, 1 new", "• Python: 0 due, 1 new",
		"Daily limits: 1 new (raised to 3 for your interview; 1 left)"} {
		if !contains(r, prep.Send, want) {
			t.Fatalf("/due lacks %q:\n%s", want, dump(r))
		}
	}
	if r := h.text("/ask star"); !contains(r, prep.Send, "Story 1") {
		t.Fatalf("/ask star must serve its new card under the day's limit:\n%s", dump(r))
	}
	h.press(button(t, h.last, "Show answer").Data)
	h.press(button(t, h.last, "Good").Data)
	h.text("/stop")

	// Later the same day, past the interview's time of day, the limit is
	// still three, all of them used.
	h.clock.t = time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	r = h.text("/due")
	for _, want := range []string{"0 new for today", "Daily limits: 1 new (raised to 3 for your interview; 0 left)"} {
		if !contains(r, prep.Send, want) {
			t.Fatalf("/due later that day lacks %q:\n%s", want, dump(r))
		}
	}
	if r := h.text("/ask python"); contains(r, prep.Send, "List vs tuple?") {
		t.Fatalf("/ask python went past the day's limit:\n%s", dump(r))
	}
}

// putReviewCard stores a review card for the harness user.
func putReviewCard(t *testing.T, h *harness, id string, c fsrs.Card) {
	t.Helper()
	if err := h.store.Update(func(tx prep.Tx) error { return tx.PutCardState(h.user, prep.CardState{CardID: id, FSRS: c}) }); err != nil {
		t.Fatal(err)
	}
}

// TestSettingTheDateAimsReviewsAlreadyScheduled: rule 1 used to apply
// only when a card was rated, so a card studied before the date was set
// kept its review after the interview: the forecast counted on reviews
// the queue never offered. Setting the date now moves it to the day
// before.
func TestSettingTheDateAimsReviewsAlreadyScheduled(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	h.clock.t = now
	// Reviewed 5 days ago, stability 20: due in about two weeks.
	putReviewCard(t, h, "sql1", fsrs.Card{Due: now.AddDate(0, 0, 15), Stability: 20, Difficulty: 5, State: fsrs.Review, Reps: 3,
		LastReview: now.AddDate(0, 0, -5), ScheduledDays: 20})
	// The topic's other card is strong on the day.
	putReviewCard(t, h, "sql2", fsrs.Card{Due: now.AddDate(0, 2, 0), Stability: 300, Difficulty: 3, State: fsrs.Review, Reps: 6,
		LastReview: now.AddDate(0, 0, -1), ScheduledDays: 60})
	h.text("/interview 2026-11-26 14:00 UTC")
	st, err := h.cardState("sql1")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC); !st.FSRS.Due.Equal(want) {
		t.Fatalf("due %v after the date was set, want the day before, %v", st.FSRS.Due, want)
	}
	// The strong card keeps its due: its recall on the day is above the
	// target.
	if st, _ := h.cardState("sql2"); !st.FSRS.Due.Equal(now.AddDate(0, 2, 0)) {
		t.Fatalf("a card strong on the day was moved: due %v", st.FSRS.Due)
	}
	// Moved a month later, or cleared, the review goes back to FSRS's own
	// interval (stability 20 at 0.9: 20 days after the last review); it
	// used to stay at the old eve.
	fsrsDue := now.AddDate(0, 0, 15)
	for _, cmd := range []string{"/interview 2026-12-26 14:00 UTC", "/interview clear"} {
		h.text(cmd)
		if st, _ := h.cardState("sql1"); st.FSRS.Due.Sub(fsrsDue).Abs() > 24*time.Hour {
			t.Errorf("after %s: due %v, want FSRS's own, about %v", cmd, st.FSRS.Due, fsrsDue)
		}
	}
}

// TestInterviewCapKeepsTheRatingsInOrder: Good due on the interview's
// morning and Easy due after it used to end as "Good · 10d, Easy · 9d",
// since only dues after the interview were moved; now every due from the
// start of the day before is, so Easy is never before Good.
func TestInterviewCapKeepsTheRatingsInOrder(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	h.clock.t = now
	h.text("/interview 2026-11-12 14:00 UTC")
	putReviewCard(t, h, "sql1", fsrs.Card{Due: now, Stability: 3, Difficulty: 5, State: fsrs.Review, Reps: 4,
		LastReview: now.AddDate(0, 0, -3), ScheduledDays: 3})
	// Each rating in turn, read back from the store, then undone.
	var last time.Time
	for _, rating := range []string{"Hard", "Good", "Easy"} {
		h.text("/ask sql")
		h.press(button(t, h.last, "Show answer").Data)
		h.press(button(t, h.last, rating).Data)
		st, err := h.cardState("sql1")
		if err != nil {
			t.Fatal(err)
		}
		if st.FSRS.Due.Before(last) {
			t.Fatalf("%s is due %v, before the rating below it (%v)", rating, st.FSRS.Due, last)
		}
		last = st.FSRS.Due
		h.text("/undo")
		h.text("/stop")
	}
}

// TestNewLimitIsNotRaisedInTheLastDays: within the last three days the
// raised limit used to be "every unseen card" (120 new cards ten minutes
// before the interview); the user's own limit stands there.
func TestNewLimitIsNotRaisedInTheLastDays(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.clock.t = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	h.text("/interview 2026-11-22 14:00 UTC")
	h.text("/settings new 1")
	if r := h.text("/due"); !contains(r, prep.Send, "Daily limits: 1 new (1 left)") {
		t.Fatalf("/due two days before:\n%s", dump(r))
	}
}

// TestRetentionAndUnsuspendAimAtTheInterview: a card let back in with
// /unsuspend while an interview is set is aimed at it like the others
// (it kept a review after the interview), and a new desired retention
// aims the reviews again at the target it implies.
func TestRetentionAndUnsuspendAimAtTheInterview(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	h.clock.t = now
	eve := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	weak := fsrs.Card{Due: now.AddDate(0, 0, 15), Stability: 20, Difficulty: 5, State: fsrs.Review, Reps: 3, LastReview: now.AddDate(0, 0, -5), ScheduledDays: 20}
	putReviewCard(t, h, "sql1", weak)
	h.text("/suspend sql1")
	h.text("/interview 2026-11-26 14:00 UTC")
	if st, _ := h.cardState("sql1"); st.FSRS.Due.Equal(eve) {
		t.Fatal("a suspended card was aimed")
	}
	h.text("/unsuspend sql1")
	if st, _ := h.cardState("sql1"); !st.FSRS.Due.Equal(eve) {
		t.Fatalf("let back in: due %v, want the eve %v", st.FSRS.Due, eve)
	}
	// At retention 0.7 the target is 0.85, which the card (recall on the
	// day about 0.92) passes: back to FSRS's own interval at 0.7, past the
	// interview.
	h.text("/settings retention 0.7")
	if st, _ := h.cardState("sql1"); !st.FSRS.Due.After(time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC)) {
		t.Fatalf("after /settings retention 0.7: due %v, want after the interview", st.FSRS.Due)
	}
}

// TestACardReviewedJustBeforeTheEveIsAimed: a card reviewed ten minutes
// before the day before the interview began used to be left alone (the
// eve was "less than an hour away" from its review), so it came back
// after the interview; only a review on the eve itself is the refresher.
func TestACardReviewedJustBeforeTheEveIsAimed(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.clock.t = time.Date(2026, 11, 3, 0, 5, 0, 0, time.UTC)
	last := time.Date(2026, 11, 2, 23, 50, 0, 0, time.UTC)
	putReviewCard(t, h, "sql1", fsrs.Card{Due: last.AddDate(0, 0, 2), Stability: 2, Difficulty: 5, State: fsrs.Review, Reps: 3, LastReview: last, ScheduledDays: 2})
	h.text("/interview 2026-11-04 09:00 UTC")
	if st, _ := h.cardState("sql1"); !st.FSRS.Due.Equal(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("due %v, want the start of the eve", st.FSRS.Due)
	}
	// Reviewed on the eve, it is not moved again.
	putReviewCard(t, h, "sql2", fsrs.Card{Due: h.clock.Now().AddDate(0, 0, 2), Stability: 2, Difficulty: 5, State: fsrs.Review, Reps: 3, LastReview: h.clock.Now(), ScheduledDays: 2})
	h.text("/interview 2026-11-04 10:00 UTC")
	if st, _ := h.cardState("sql2"); !st.FSRS.Due.Equal(h.clock.Now().AddDate(0, 0, 2)) {
		t.Fatalf("a card reviewed on the eve was moved: due %v", st.FSRS.Due)
	}
}
