package prep_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
)

// answerGrader grades by comparing with the reference solution: the engine's
// exercise flow is under test here, not SQL (internal/sqlcheck tests that).
type answerGrader struct {
	slow chan struct{} // "slow" answers wait for it
}

func (g answerGrader) Grade(ctx context.Context, ex prep.Exercise, answer string) (prep.Verdict, error) {
	switch strings.TrimSpace(answer) {
	case ex.Solution:
		return prep.Verdict{Outcome: prep.Correct}, nil
	case "slow":
		<-g.slow
		return prep.Verdict{Outcome: prep.Correct}, nil
	case "slow wrong":
		<-g.slow
		return prep.Verdict{Outcome: prep.Wrong, Detail: prep.Text("expected 3 rows, got 2")}, nil
	case "boom":
		return prep.Verdict{Outcome: prep.Failed, Detail: prep.Text("near \"boom\": syntax error")}, nil
	}
	return prep.Verdict{Outcome: prep.Wrong, Detail: prep.Text("expected 3 rows, got 2")}, nil
}

func exerciseHarness(t *testing.T, mutate ...func(*prep.EngineConfig)) *harness {
	t.Helper()
	mutate = append([]func(*prep.EngineConfig){func(cfg *prep.EngineConfig) {
		err := cfg.Library.AddExercises([]prep.Exercise{
			{ID: "sql-joins", Kind: prep.SQLExercise, Title: "Labels per annotator", Topic: "Joins", Prompt: prep.Text("Count labels."), Hints: []string{"GROUP BY"}, Solution: "SELECT 1"},
			{ID: "sql-window", Kind: prep.SQLExercise, Title: "Rank annotators", Topic: "Window functions", Prompt: prep.Text("Rank them."), Solution: "SELECT 2"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Graders == nil {
			cfg.Graders = map[prep.ExerciseKind]prep.Grader{prep.SQLExercise: answerGrader{}}
		}
	}}, mutate...)
	return newHarness(t, prep.NewUserKey(prep.Telegram, "1"), mutate...)
}

func TestExerciseRatingsFollowTheAttempts(t *testing.T) {
	cases := []struct {
		name    string
		steps   func(t *testing.T, h *harness)
		rating  prep.Rating
		message string
	}{
		{"first try", func(t *testing.T, h *harness) { h.text("SELECT 1") }, prep.Good, "✅ Correct!"},
		{"after a hint", func(t *testing.T, h *harness) {
			if r := h.press(button(t, h.last, "Hint").Data); !contains(r, prep.Send, "💡 Hint 1/1: GROUP BY") {
				t.Fatalf("hint:\n%s", dump(r))
			}
			h.text("SELECT 1")
		}, prep.Hard, "Hard · next in"},
		{"after a wrong result", func(t *testing.T, h *harness) {
			if r := h.text("SELECT 0"); !contains(r, prep.Send, "❌ Not quite.\nexpected 3 rows, got 2") {
				t.Fatalf("wrong:\n%s", dump(r))
			}
			h.text("SELECT 1")
		}, prep.Again, "Again · next in"},
		{"a syntax error is not a lapse", func(t *testing.T, h *harness) {
			if r := h.text("boom"); !contains(r, prep.Send, "⚠️ That did not run.\nnear \"boom\"") {
				t.Fatalf("error:\n%s", dump(r))
			}
			h.text("SELECT 1")
		}, prep.Good, "Good · next in"},
		{"given up", func(t *testing.T, h *harness) {
			if r := h.press(button(t, h.last, "Show solution").Data); !contains(r, prep.Send, "📖 Solution\nSELECT 1") {
				t.Fatalf("solution:\n%s", dump(r))
			}
		}, prep.Again, "Rank annotators"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := exerciseHarness(t)
			if r := h.text("/sql"); !contains(r, prep.Send, "🧩 SQL · Joins") || !contains(r, prep.Send, "Labels per annotator") {
				t.Fatalf("/sql:\n%s", dump(r))
			}
			tc.steps(t, h)
			if !contains(h.last, prep.Send, tc.message) {
				t.Fatalf("last replies lack %q:\n%s", tc.message, dump(h.last))
			}
			rv := h.reviews()
			if len(rv) != 1 || rv[0].CardID != "sql-joins" || rv[0].Rating != tc.rating {
				t.Fatalf("reviews = %+v, want one %v of sql-joins", rv, tc.rating)
			}
			// The next exercise follows.
			if !contains(h.last, prep.Send, "Rank annotators") {
				t.Fatalf("the next exercise must follow:\n%s", dump(h.last))
			}
		})
	}
}

func TestStaleExerciseButtonsAndAttempts(t *testing.T) {
	h := exerciseHarness(t)
	first := h.text("/sql joins")
	h.text("SELECT 1") // solved; the next exercise is on screen
	if r := h.press(button(t, first, "Hint").Data); !contains(r, prep.Notice, "no longer on screen") {
		t.Fatalf("stale hint:\n%s", dump(r))
	}
	if r := h.press(button(t, first, "Show solution").Data); !contains(r, prep.Notice, "no longer on screen") {
		t.Fatalf("stale solution:\n%s", dump(r))
	}
	if n := len(h.reviews()); n != 1 {
		t.Fatalf("%d reviews, want 1", n)
	}
	if r := h.text("/sql cobol"); !contains(r, prep.Send, "I have no SQL exercises on \"cobol\". Topics: Joins, Window functions.") {
		t.Fatalf("unknown topic:\n%s", dump(r))
	}
	if r := h.text("/py"); !contains(r, prep.Send, "Python exercises are not installed") {
		t.Fatalf("/py without an interpreter:\n%s", dump(r))
	}
}

func TestDueExercisesJoinTheCardRunAndUndo(t *testing.T) {
	h := exerciseHarness(t)
	h.text("/sql window")
	h.text("SELECT 2") // Good: due again in a few days
	h.clock.Advance(30 * 24 * time.Hour)
	if r := h.text("/due"); !contains(r, prep.Send, "• SQL exercises: 1 due") {
		t.Fatalf("/due must count due exercises:\n%s", dump(r))
	}
	h.text("/settings new 0")
	if r := h.text("/ask"); !contains(r, prep.Send, "Rank annotators") {
		t.Fatalf("a due exercise must come up in /ask:\n%s", dump(r))
	}
	h.text("SELECT 0")
	h.text("SELECT 2")
	if r := h.text("/undo"); !contains(r, prep.Send, "Undid the Again result of Rank annotators") || !contains(r, prep.Send, "🧩 SQL") {
		t.Fatalf("undo of an exercise:\n%s", dump(r))
	}
	if n := len(h.reviews()); n != 1 {
		t.Fatalf("%d reviews after undo, want 1", n)
	}
}

// A slow verdict is delivered later to where the attempt was made: the
// user's own chat, or the group (Event.Chat) the attempt was sent in.
func TestSlowGradingAnswersAtOnceAndDeliversTheVerdict(t *testing.T) {
	for _, chat := range []string{"", "-100555"} {
		t.Run("chat="+chat, func(t *testing.T) {
			slow := make(chan struct{})
			var mu sync.Mutex
			var delivered []prep.Reply
			got := make(chan struct{})
			h := exerciseHarness(t, func(cfg *prep.EngineConfig) {
				cfg.Graders = map[prep.ExerciseKind]prep.Grader{prep.SQLExercise: answerGrader{slow: slow}}
				cfg.GradeWait = 10 * time.Millisecond
				cfg.Deliver = func(_ context.Context, user prep.UserKey, replies []prep.Reply) error {
					mu.Lock()
					delivered = append(delivered, replies...)
					mu.Unlock()
					close(got)
					return nil
				}
			})
			h.eng.Handle(context.Background(), prep.Event{User: h.user, Text: "/sql", Chat: chat})
			r := h.eng.Handle(context.Background(), prep.Event{User: h.user, Text: "slow", Chat: chat})
			if len(r) != 1 || !strings.Contains(r[0].Text.String(), "Grading") {
				t.Fatalf("a slow attempt must be acknowledged at once:\n%s", dump(r))
			}
			close(slow)
			select {
			case <-got:
			case <-time.After(10 * time.Second):
				t.Fatal("the verdict was never delivered")
			}
			mu.Lock()
			defer mu.Unlock()
			if !contains(delivered, prep.Send, "✅ Correct!") {
				t.Fatalf("delivered:\n%s", dump(delivered))
			}
			for _, r := range delivered {
				if r.Chat != chat {
					t.Errorf("verdict reply %q delivered to chat %q, want %q (where the attempt was made)", r.Text, r.Chat, chat)
				}
			}
		})
	}
}

func TestExercisesWithoutAGraderAreNotAsked(t *testing.T) {
	h := exerciseHarness(t)
	h.text("/sql window")
	h.text("SELECT 2") // reviewed: due again later
	// The same store, served by an engine without the SQL grader (say the
	// interpreter of that kind is not installed on this machine).
	eng, err := prep.NewEngine(prep.EngineConfig{Store: h.store, Library: h.lib, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h.eng = eng
	h.clock.Advance(60 * 24 * time.Hour)
	h.text("/settings new 0")
	if r := h.text("/ask"); contains(r, prep.Send, "Rank annotators") {
		t.Fatalf("an exercise that cannot be graded was asked:\n%s", dump(r))
	}
	if r := h.text("/due"); contains(r, prep.Send, "SQL exercises") {
		t.Fatalf("/due counts exercises that cannot be graded:\n%s", dump(r))
	}
}

// withPython adds a Python exercise, graded like the SQL ones, so that the
// flow is checked for /py too.
func withPython(t *testing.T) func(*prep.EngineConfig) {
	return func(cfg *prep.EngineConfig) {
		err := cfg.Library.AddExercises([]prep.Exercise{
			{ID: "py-dedupe", Kind: prep.PythonExercise, Title: "De-duplicate", Topic: "Data cleaning", Prompt: prep.Text("Write dedupe(items)."), Hints: []string{"A set remembers what you saw."}, Solution: "def dedupe(xs): ..."},
		})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Graders[prep.PythonExercise] = answerGrader{}
	}
}

// attempts returns the user's stored record of an exercise's attempts.
func (h *harness) attempts(id string) prep.ExerciseAttempts {
	h.tb.Helper()
	var u prep.User
	if err := h.store.View(func(tx prep.Tx) (err error) { u, err = tx.User(h.user); return err }); err != nil {
		h.tb.Fatal(err)
	}
	return u.Attempts[id]
}

// TestLeavingAnExerciseKeepsItsAttempts checks that a wrong answer or a hint
// counts in the exercise's rating however the user leaves the exercise and
// comes back to it before solving it: re-sending the command, studying
// cards in between, /stop, or /undo of its rating.
func TestLeavingAnExerciseKeepsItsAttempts(t *testing.T) {
	wrong := func(t *testing.T, h *harness, answer string) {
		t.Helper()
		if r := h.text(answer); !contains(r, prep.Send, "❌ Not quite.") {
			t.Fatalf("%s must be wrong:\n%s", answer, dump(r))
		}
	}
	hint := func(t *testing.T, h *harness) {
		t.Helper()
		if r := h.press(button(t, h.last, "Hint").Data); !contains(r, prep.Send, "💡 Hint 1/1") {
			t.Fatalf("hint:\n%s", dump(r))
		}
	}
	reopen := func(t *testing.T, h *harness, cmd, title string) {
		t.Helper()
		if r := h.text(cmd); !contains(r, prep.Send, title) || !contains(r, prep.Send, "still count") {
			t.Fatalf("%s must bring %q back with its attempts:\n%s", cmd, title, dump(r))
		}
	}
	cases := []struct {
		name   string
		open   string // the command that opens the exercise
		id     string
		steps  func(t *testing.T, h *harness)
		answer string
		rating prep.Rating
	}{
		{"wrong, /sql again", "/sql joins", "sql-joins", func(t *testing.T, h *harness) {
			wrong(t, h, "SELECT 0")
			reopen(t, h, "/sql joins", "Labels per annotator")
		}, "SELECT 1", prep.Again},
		{"hint, /sql again", "/sql joins", "sql-joins", func(t *testing.T, h *harness) {
			hint(t, h)
			h.text("/sql joins")
			// The hint given is shown again, and it was the only one.
			if !contains(h.last, prep.Send, "💡 Hint 1/1: GROUP BY") || !contains(h.last, prep.Send, "a correct answer now rates Hard") {
				t.Fatalf("the hint must come back with the exercise:\n%s", dump(h.last))
			}
			if _, ok := findButton(h.last, "Hint"); ok {
				t.Fatalf("no hint is left to offer:\n%s", dump(h.last))
			}
		}, "SELECT 1", prep.Hard},
		{"wrong, hint, /sql again", "/sql joins", "sql-joins", func(t *testing.T, h *harness) {
			wrong(t, h, "SELECT 0")
			hint(t, h)
			reopen(t, h, "/sql", "Labels per annotator")
		}, "SELECT 1", prep.Again},
		{"wrong, cards in between", "/sql joins", "sql-joins", func(t *testing.T, h *harness) {
			wrong(t, h, "SELECT 0")
			if r := h.text("/ask sql"); !contains(r, prep.Send, "What is a CTE?") {
				t.Fatalf("/ask:\n%s", dump(r))
			}
			h.press(button(t, h.last, "Show answer").Data)
			h.press(button(t, h.last, "Good").Data)
			reopen(t, h, "/sql joins", "Labels per annotator")
		}, "SELECT 1", prep.Again},
		{"wrong, /stop", "/sql joins", "sql-joins", func(t *testing.T, h *harness) {
			wrong(t, h, "SELECT 0")
			h.text("/stop")
			h.clock.Advance(24 * time.Hour)
			reopen(t, h, "/sql joins", "Labels per annotator")
		}, "SELECT 1", prep.Again},
		{"wrong, another exercise, back", "/sql joins", "sql-joins", func(t *testing.T, h *harness) {
			wrong(t, h, "SELECT 0")
			if r := h.text("/sql window"); !contains(r, prep.Send, "Rank annotators") || contains(r, prep.Send, "still count") {
				t.Fatalf("/sql window:\n%s", dump(r))
			}
			reopen(t, h, "/sql joins", "Labels per annotator")
		}, "SELECT 1", prep.Again},
		{"wrong, /py again", "/py", "py-dedupe", func(t *testing.T, h *harness) {
			wrong(t, h, "def dedupe(xs): return xs")
			reopen(t, h, "/py data", "De-duplicate")
		}, "def dedupe(xs): ...", prep.Again},
		{"hint, /py again", "/py", "py-dedupe", func(t *testing.T, h *harness) {
			hint(t, h)
			h.text("/stop")
			reopen(t, h, "/py", "De-duplicate")
		}, "def dedupe(xs): ...", prep.Hard},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := exerciseHarness(t, withPython(t))
			if r := h.text(tc.open); !contains(r, prep.Send, "🧩") {
				t.Fatalf("%s:\n%s", tc.open, dump(r))
			}
			tc.steps(t, h)
			if r := h.text(tc.answer); !contains(r, prep.Send, "✅ Correct!") || !contains(r, prep.Send, prep.RatingName(tc.rating)+" · next in") {
				t.Fatalf("want %v:\n%s", tc.rating, dump(r))
			}
			var got []prep.Rating
			for _, rv := range h.reviews() {
				if rv.CardID == tc.id {
					got = append(got, rv.Rating)
				}
			}
			if len(got) != 1 || got[0] != tc.rating {
				t.Fatalf("ratings of %s = %v, want one %v", tc.id, got, tc.rating)
			}
			if a := h.attempts(tc.id); a != (prep.ExerciseAttempts{}) {
				t.Fatalf("the rating must end the record, left %+v", a)
			}
		})
	}
}

// TestAnExercisesRecordEndsWithItsRating checks the other side: attempts
// before one rating do not count against the next round of the exercise,
// and undoing a rating brings back what it reflected, no more.
func TestAnExercisesRecordEndsWithItsRating(t *testing.T) {
	h := exerciseHarness(t)
	h.text("/sql joins")
	h.text("SELECT 0")
	if r := h.text("SELECT 1"); !contains(r, prep.Send, "Again · next in") {
		t.Fatalf("after a wrong answer:\n%s", dump(r))
	}
	// Undo, then the same correct answer: still Again, not Good.
	if r := h.text("/undo"); !contains(r, prep.Send, "Undid the Again result") || !contains(r, prep.Send, "a correct answer now rates Again") {
		t.Fatalf("undo:\n%s", dump(r))
	}
	if r := h.text("SELECT 1"); !contains(r, prep.Send, "Again · next in") {
		t.Fatalf("undo must not launder a wrong answer:\n%s", dump(r))
	}
	// The next round starts clean.
	h.clock.Advance(24 * time.Hour)
	if r := h.text("/sql joins"); !contains(r, prep.Send, "Labels per annotator") || contains(r, prep.Send, "still count") {
		t.Fatalf("the next round:\n%s", dump(r))
	}
	if r := h.text("SELECT 1"); !contains(r, prep.Send, "Good · next in") {
		t.Fatalf("a clean round is Good:\n%s", dump(r))
	}
	// Undoing a Good brings back a clean exercise.
	if r := h.text("/undo"); contains(r, prep.Send, "still count") {
		t.Fatalf("undo of a Good:\n%s", dump(r))
	}
	if r := h.text("SELECT 1"); !contains(r, prep.Send, "Good · next in") {
		t.Fatalf("after undoing a Good:\n%s", dump(r))
	}
}

// TestAWrongVerdictForAnExerciseLeftWhileGradingCounts checks that re-opening
// an exercise while a wrong answer is being graded does not launder it, and
// that a verdict arriving after the exercise was rated changes nothing.
func TestAWrongVerdictForAnExerciseLeftWhileGradingCounts(t *testing.T) {
	for _, rateFirst := range []bool{false, true} {
		t.Run(map[bool]string{false: "re-opened", true: "rated meanwhile"}[rateFirst], func(t *testing.T) {
			slow := make(chan struct{})
			delivered := make(chan []prep.Reply, 1)
			h := exerciseHarness(t, func(cfg *prep.EngineConfig) {
				cfg.Graders = map[prep.ExerciseKind]prep.Grader{prep.SQLExercise: answerGrader{slow: slow}}
				cfg.GradeWait = 10 * time.Millisecond
				cfg.Deliver = func(_ context.Context, _ prep.UserKey, replies []prep.Reply) error {
					delivered <- replies
					return nil
				}
			})
			h.text("/sql joins")
			if r := h.text("slow wrong"); !contains(r, prep.Send, "Grading") {
				t.Fatalf("slow attempt:\n%s", dump(r))
			}
			// GradeWait is short so that the slow attempt is answered
			// "Grading…"; a quick one may miss it too on a busy machine,
			// and its verdict then comes through Deliver.
			verdict := func(r []prep.Reply) []prep.Reply {
				if !contains(r, prep.Send, "Grading") {
					return r
				}
				select {
				case r = <-delivered:
					return r
				case <-time.After(10 * time.Second):
					t.Fatal("the verdict was never delivered")
					return nil
				}
			}
			if rateFirst {
				if r := verdict(h.text("SELECT 1")); !contains(r, prep.Send, "Good · next in") {
					t.Fatalf("a correct answer graded first:\n%s", dump(r))
				}
			} else {
				h.text("/sql joins")
			}
			close(slow)
			var r []prep.Reply
			select {
			case r = <-delivered:
			case <-time.After(10 * time.Second):
				t.Fatal("the verdict was never delivered")
			}
			if rateFirst {
				if !contains(r, prep.Send, "nothing was recorded") || h.attempts("sql-joins") != (prep.ExerciseAttempts{}) {
					t.Fatalf("a verdict after the rating must change nothing (%+v):\n%s", h.attempts("sql-joins"), dump(r))
				}
				return
			}
			if !contains(r, prep.Send, "was wrong: it counts when you next solve that exercise") {
				t.Fatalf("stale wrong verdict:\n%s", dump(r))
			}
			if r := verdict(h.text("SELECT 1")); !contains(r, prep.Send, "Again · next in") {
				t.Fatalf("the wrong answer must count:\n%s", dump(r))
			}
		})
	}
}

// TestDueIsTheSameWhateverIsOpen checks that /due counts everything the
// user has, whether nothing, an exercise of a run limited to one kind, or a
// card is on screen.
func TestDueIsTheSameWhateverIsOpen(t *testing.T) {
	h := exerciseHarness(t, withPython(t))
	// Something of each kind falls due: a card and an SQL exercise.
	h.text("/ask sql")
	h.press(button(t, h.last, "Show answer").Data)
	h.press(button(t, h.last, "Good").Data)
	h.text("/sql window")
	h.text("SELECT 2")
	h.text("/stop")
	h.clock.Advance(30 * 24 * time.Hour)
	want := dump(h.text("/due"))
	for _, s := range []string{"2 reviews, 4 new for today", "• SQL: 1 due, 1 new", "• Python: 0 due, 1 new", "• SQL exercises: 1 due"} {
		if !strings.Contains(want, s) {
			t.Fatalf("/due with nothing open lacks %q:\n%s", s, want)
		}
	}
	var question []prep.Reply
	steps := []struct {
		name string
		do   func()
	}{
		{"an SQL exercise", func() { h.text("/sql joins") }},
		{"an SQL exercise after a wrong answer", func() { h.text("SELECT 0") }},
		{"a Python exercise", func() { h.text("/py") }},
		{"a Python exercise of a topic", func() { h.text("/py data") }},
		{"a card", func() { question = h.text("/ask python") }},
		{"a card's answer", func() { h.press(button(t, question, "Show answer").Data) }},
		{"nothing, after /stop", func() { h.text("/stop") }},
	}
	for _, st := range steps {
		st.do()
		if got := dump(h.text("/due")); got != want {
			t.Errorf("/due with %s open:\n%s\nwant, as with nothing open:\n%s", st.name, got, want)
		}
	}
}

// TestDailyQuizCountsEverythingWhileAnExerciseIsOpen checks the daily
// quiz's figures when the user left a /py exercise on screen the day before.
func TestDailyQuizCountsEverythingWhileAnExerciseIsOpen(t *testing.T) {
	h := exerciseHarness(t, withPython(t))
	h.clock.t = time.Date(2026, 11, 2, 20, 0, 0, 0, time.UTC)
	onboard(t, h, "UTC", "09:00")
	h.text("/py")
	h.clock.t = time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	p := h.due(t)
	if len(p) != 1 || !contains(p[0].Replies, prep.Send, "☀️ Your daily quiz: 0 reviews due, 5 new.") {
		t.Fatalf("want a quiz with the 5 new cards, got %+v", p)
	}
}

// TestCaughtUpSaysWhenTheScopeIsNextDue checks the "all caught up" message
// of a run limited to a topic or a kind: it says when the next item of that
// run is due, and never that nothing has been scheduled when something is.
func TestCaughtUpSaysWhenTheScopeIsNextDue(t *testing.T) {
	cases := []struct {
		name  string
		steps []string // typed; "show" and "easy" press those buttons
		again string   // the command sent once the run is done
		want  []string
	}{
		{"/py of a topic", []string{"/py data", "def dedupe(xs): ..."}, "/py data",
			[]string{"🎉 All caught up in Data cleaning!", "Next in Data cleaning: in 10m."}},
		{"/sql of a topic", []string{"/sql window", "SELECT 2"}, "/sql window",
			[]string{"🎉 All caught up in Window functions!", "Next in Window functions: in 10m."}},
		{"/sql of every topic", []string{"/sql", "SELECT 1", "SELECT 2"}, "/sql",
			[]string{"🎉 All caught up!", "Next SQL exercise due in 10m."}},
		{"/ask of a topic", []string{"/ask python", "show", "easy"}, "/ask python",
			[]string{"🎉 All caught up in Python!", "Next in Python: on "}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := exerciseHarness(t, withPython(t))
			for _, s := range tc.steps {
				switch s {
				case "show":
					h.press(button(t, h.last, "Show answer").Data)
				case "easy":
					h.press(button(t, h.last, "Easy").Data)
				default:
					h.text(s)
				}
			}
			// The run that just ended says it too.
			if !contains(h.last, prep.Send, "Session complete") || !contains(h.last, prep.Send, tc.want[1]) {
				t.Fatalf("end of the run lacks %q:\n%s", tc.want[1], dump(h.last))
			}
			r := h.text(tc.again)
			for _, w := range tc.want {
				if !contains(r, prep.Send, w) {
					t.Errorf("%s lacks %q:\n%s", tc.again, w, dump(r))
				}
			}
			if contains(r, prep.Send, "Nothing has been scheduled") {
				t.Errorf("%s says nothing is scheduled:\n%s", tc.again, dump(r))
			}
		})
	}
}

// TestDueWithinTheMinuteIsNotNow checks that what is counted as due and
// what is called "now" agree: an item due in 30 s is not due yet, so it is
// "in under a minute", beside "0 reviews"; once due it is counted, and no
// "next" line contradicts the count.
func TestDueWithinTheMinuteIsNotNow(t *testing.T) {
	cases := []struct {
		name    string
		steps   func(h *harness) // leaves one item due in a minute
		command string
		want    []string
		not     string
	}{
		{"/due, a card's learning step", rateCardAgain, "/due",
			[]string{"Due now: 0 reviews", "Next review in under a minute."}, "Next review now"},
		{"welcome, a card's learning step", rateCardAgain, "/start",
			[]string{"0 reviews due", "Next review in under a minute."}, "Next review now"},
		{"/sql of a topic, an exercise given up", func(h *harness) {
			// A card due later, which must not be "next" while the exercise
			// is due.
			h.text("/ask")
			h.press(button(h.tb, h.last, "Show answer").Data)
			h.press(button(h.tb, h.last, "Easy").Data)
			h.text("/sql window")
			h.press(button(h.tb, h.last, "Show solution").Data) // Again: back in 1m
			h.text("/stop")
		}, "/sql window", []string{"All caught up in Window functions!", "Next in Window functions: in under a minute."}, "now."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := exerciseHarness(t)
			h.user = prep.NewUserKey(prep.Terminal, "ada") // onboarded at once: /start welcomes back
			tc.steps(h)
			h.clock.Advance(30 * time.Second)
			r := h.text(tc.command)
			for _, w := range tc.want {
				if !contains(r, prep.Send, w) {
					t.Errorf("%s lacks %q:\n%s", tc.command, w, dump(r))
				}
			}
			if contains(r, prep.Send, tc.not) {
				t.Errorf("%s says %q:\n%s", tc.command, tc.not, dump(r))
			}
			// Half a minute later it is due, and counted.
			h.clock.Advance(30 * time.Second)
			if r := h.text("/due"); !contains(r, prep.Send, "Due now: 1 review,") || contains(r, prep.Send, "Next review") {
				t.Errorf("/due once it is due:\n%s", dump(r))
			}
		})
	}
}

// rateCardAgain rates a card Again, which brings it back in a minute, and
// leaves nothing else to study today.
func rateCardAgain(h *harness) {
	h.text("/settings new 1")
	h.text("/ask")
	h.press(button(h.tb, h.last, "Show answer").Data)
	h.press(button(h.tb, h.last, "Again").Data)
	h.text("/stop")
}

// TestAskPointsToExerciseTopics checks /ask with a topic that only
// exercises have: the user is sent to the command that serves it.
func TestAskPointsToExerciseTopics(t *testing.T) {
	cases := []struct {
		arg  string
		want string // a line of the reply
		cmd  string // its button
	}{
		{"window", "Window functions has SQL exercises: /sql window", "/sql window"},
		{"Joins", "Joins has SQL exercises: /sql joins", "/sql joins"},
		{"cleaning", "Data cleaning has Python exercises: /py cleaning", "/py cleaning"},
		{"data", "What is idempotency?", ""}, // a card topic comes first
		{"cobol", "I have no topic \"cobol\".", ""},
	}
	for _, tc := range cases {
		t.Run(tc.arg, func(t *testing.T) {
			h := exerciseHarness(t, withPython(t))
			r := h.text("/ask " + tc.arg)
			if !contains(r, prep.Send, tc.want) || tc.cmd != "" && contains(r, prep.Send, "I have no topic") {
				t.Fatalf("/ask %s:\n%s", tc.arg, dump(r))
			}
			if tc.cmd == "" {
				return
			}
			if r := h.press(button(t, r, tc.cmd).Data); !contains(r, prep.Send, "🧩") {
				t.Fatalf("the %s button must open the exercise:\n%s", tc.cmd, dump(r))
			}
		})
	}
}

// TestAmbiguousExerciseTopicOffersTheChoices: "/sql window" matching two
// topics asks which one with a button for each, which starts that topic's
// exercises.
func TestAmbiguousExerciseTopicOffersTheChoices(t *testing.T) {
	h := exerciseHarness(t, func(cfg *prep.EngineConfig) {
		err := cfg.Library.AddExercises([]prep.Exercise{
			{ID: "sql-frames", Kind: prep.SQLExercise, Title: "Running totals", Topic: "Window frames", Prompt: prep.Text("Sum them."), Solution: "SELECT 3"},
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	r := h.text("/sql window")
	if !contains(r, prep.Send, "matches several topics") {
		t.Fatalf("want the choice:\n%s", dump(r))
	}
	button(t, r, "Window functions")
	if r := h.press(button(t, r, "Window frames").Data); !contains(r, prep.Send, "Running totals") {
		t.Fatalf("the topic's button does not start its exercises:\n%s", dump(r))
	}
}

// TestUndoBringsBackTheHintsAndTheWrongAnswer: undoing an exercise rated
// Again after a hint and a wrong answer brings back both, as the review
// recorded them: the hint is shown again and not offered twice.
func TestUndoBringsBackTheHintsAndTheWrongAnswer(t *testing.T) {
	h := exerciseHarness(t)
	h.text("/sql joins")
	h.press(button(t, h.last, "Hint").Data)
	h.text("SELECT 0")
	if r := h.text("SELECT 1"); !contains(r, prep.Send, "Again · next in") {
		t.Fatalf("after a hint and a wrong answer:\n%s", dump(r))
	}
	r := h.text("/undo")
	if !contains(r, prep.Send, "💡 Hint 1/1: GROUP BY") {
		t.Errorf("the hint shown before the rating is not shown again:\n%s", dump(r))
	}
	if _, offered := findButton(r, "Hint"); offered {
		t.Errorf("the hint is offered again, as if never shown:\n%s", dump(r))
	}
	if h.attempts("sql-joins") != (prep.ExerciseAttempts{Hints: 1, Wrong: 1}) {
		t.Errorf("attempts after undo: %+v, want 1 hint and 1 wrong answer", h.attempts("sql-joins"))
	}
}
