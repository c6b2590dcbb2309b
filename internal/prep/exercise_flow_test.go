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

func TestSlowGradingAnswersAtOnceAndDeliversTheVerdict(t *testing.T) {
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
	h.text("/sql")
	if r := h.text("slow"); len(r) != 1 || !strings.Contains(r[0].Text.String(), "Grading") {
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
