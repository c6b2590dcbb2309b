package prep_test

import (
	"context"
	"testing"

	"github.com/prepbot/prepbot/internal/prep"
)

// noGrading is a grader that is never asked to grade here.
type noGrading struct{}

func (noGrading) Grade(context.Context, prep.Exercise, string) (prep.Verdict, error) {
	return prep.Verdict{}, nil
}

// TestUnavailableExercisesSayWhy checks that /py, with no Python grader,
// answers in the words the wiring gave (EngineConfig.Unavailable), which
// only it can fit to the reason and the audience; that a kind without a
// reason keeps the generic answer; and that a reason does not hide a grader
// that is there.
func TestUnavailableExercisesSayWhy(t *testing.T) {
	const why = "Python exercises are off: there is no interpreter at /srv/python.wasm."
	tests := []struct {
		name    string
		graders map[prep.ExerciseKind]prep.Grader
		text    string
		want    string
	}{
		{"no grader, a reason", nil, "/py", why},
		{"no grader, a reason, /python", nil, "/python", why},
		{"no grader, no reason", nil, "/sql", "SQL exercises are not available in this prepbot."},
		{"a grader and a reason", map[prep.ExerciseKind]prep.Grader{prep.PythonExercise: noGrading{}}, "/py", "There are no Python exercises"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"), func(c *prep.EngineConfig) {
				c.Graders = tt.graders
				c.Unavailable = map[prep.ExerciseKind]string{prep.PythonExercise: why}
			})
			if r := h.text(tt.text); !contains(r, prep.Send, tt.want) {
				t.Errorf("%s: want %q in\n%s", tt.text, tt.want, dump(r))
			}
		})
	}
}

// TestStatsCountOnlyWhatCanBeStudied: exercises of a kind with no grader
// (Python with no interpreter) cannot be studied here, so /stats and the
// readiness forecast leave them out; they used to appear as topics with
// their exercises "not started", which no /ask could ever start.
func TestStatsCountOnlyWhatCanBeStudied(t *testing.T) {
	for _, tt := range []struct {
		name       string
		graders    map[prep.ExerciseKind]prep.Grader
		notStarted string
		pyTopic    bool
	}{
		{"no Python grader", map[prep.ExerciseKind]prep.Grader{prep.SQLExercise: noGrading{}}, "6 cards not started", false},
		{"both graders", map[prep.ExerciseKind]prep.Grader{prep.SQLExercise: noGrading{}, prep.PythonExercise: noGrading{}}, "7 cards not started", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"), func(c *prep.EngineConfig) {
				if err := c.Library.AddExercises([]prep.Exercise{
					{ID: "sql-1", Kind: prep.SQLExercise, Title: "Joins", Topic: "Joins", Prompt: prep.Text("Join."), Solution: "SELECT 1"},
					{ID: "py-1", Kind: prep.PythonExercise, Title: "Generators", Topic: "Generators", Prompt: prep.Text("Yield."), Solution: "pass"},
				}); err != nil {
					t.Fatal(err)
				}
				c.Graders = tt.graders
			})
			h.text("/interview 2026-11-09 14:00 UTC")
			r := h.text("/stats")
			if !contains(r, prep.Send, tt.notStarted) {
				t.Errorf("want %q in\n%s", tt.notStarted, dump(r))
			}
			if got := contains(r, prep.Send, "• Generators:"); got != tt.pyTopic {
				t.Errorf("Generators topic shown = %v, want %v:\n%s", got, tt.pyTopic, dump(r))
			}
			if !contains(r, prep.Send, "• Joins: 0/1 seen") {
				t.Errorf("the SQL exercise's topic is missing:\n%s", dump(r))
			}
		})
	}
}

// TestAskPointsOnlyToExercisesThatCanBeGraded: /ask <topic> names the
// exercise command for a topic that only exercises have, but not for a
// kind with no grader (Python with no interpreter): its button would
// only answer that Python is off.
func TestAskPointsOnlyToExercisesThatCanBeGraded(t *testing.T) {
	for _, tt := range []struct {
		name    string
		graders map[prep.ExerciseKind]prep.Grader
		want    bool
	}{
		{"no Python grader", map[prep.ExerciseKind]prep.Grader{prep.SQLExercise: noGrading{}}, false},
		{"a Python grader", map[prep.ExerciseKind]prep.Grader{prep.PythonExercise: noGrading{}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"), func(c *prep.EngineConfig) {
				if err := c.Library.AddExercises([]prep.Exercise{
					{ID: "py-1", Kind: prep.PythonExercise, Title: "Generators", Topic: "Generators", Prompt: prep.Text("Yield."), Solution: "pass"},
				}); err != nil {
					t.Fatal(err)
				}
				c.Graders = tt.graders
			})
			r := h.text("/ask generators")
			if _, got := findButton(r, "/py generators"); got != tt.want {
				t.Errorf("/py generators offered = %v, want %v:\n%s", got, tt.want, dump(r))
			}
		})
	}
}
