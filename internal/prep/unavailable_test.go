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
