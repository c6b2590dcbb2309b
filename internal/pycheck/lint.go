package pycheck

import (
	"context"
	"fmt"
	"sync"

	"github.com/prepbot/prepbot/internal/prep"
)

// Lint runs what Load cannot check without Python: the reference solution
// must pass its tests, the starter code must not (or the tests test
// nothing), and each documented wrong answer must be graded ❌ Wrong (an
// error if it passes; a warning if it does not run to a result, since a
// wrong answer should show a plausible mistake). Exercises of other kinds
// are skipped. It runs up to the grader's Concurrency attempts at once.
func Lint(ctx context.Context, g *Grader, exs []prep.Exercise) prep.Problems {
	var (
		mu    sync.Mutex
		probs prep.Problems
		wg    sync.WaitGroup
	)
	add := func(p prep.Problem) {
		mu.Lock()
		probs = append(probs, p)
		mu.Unlock()
	}
	for _, pe := range exs {
		if pe.Kind != prep.PythonExercise {
			continue
		}
		ex, ok := pe.Spec.(*Exercise)
		if !ok || ex == nil {
			add(prep.Problem{Pos: pe.Source, Severity: prep.Error,
				Message: fmt.Sprintf("exercise %s has kind python but no Python definition (%T)", pe.ID, pe.Spec)})
			continue
		}
		check := func(code string, pos prep.Position, judge func(prep.Verdict, *report) *prep.Problem) {
			wg.Go(func() {
				v, r, err := g.grade(ctx, ex, code)
				if err != nil {
					add(prep.Problem{Pos: pos, Severity: prep.Error, Message: "grading failed: " + err.Error()})
					return
				}
				if p := judge(v, r); p != nil {
					add(*p)
				}
			})
		}
		check(ex.Solution.Source, ex.Solution.Pos, func(v prep.Verdict, r *report) *prep.Problem {
			if v.Outcome == prep.Correct {
				return nil
			}
			return &prep.Problem{Pos: failurePos(ex, r), Severity: prep.Error,
				Message: "the reference solution does not pass the tests: " + oneLine(v.Detail.String())}
		})
		check(ex.Starter.Source, ex.Starter.Pos, func(v prep.Verdict, _ *report) *prep.Problem {
			if v.Outcome != prep.Correct {
				return nil
			}
			return &prep.Problem{Pos: ex.Starter.Pos, Severity: prep.Error,
				Message: "the starter code passes the tests as it is: the tests check nothing it does not already do"}
		})
		for _, w := range ex.Wrong {
			check(w.Code, w.Pos, func(v prep.Verdict, _ *report) *prep.Problem {
				switch v.Outcome {
				case prep.Wrong:
					return nil
				case prep.Correct:
					return &prep.Problem{Pos: w.Pos, Severity: prep.Error,
						Message: "this wrong answer is graded correct: add a test that catches it"}
				}
				return &prep.Problem{Pos: w.Pos, Severity: prep.Warning,
					Message: "this wrong answer does not run to a result (" + oneLine(v.Detail.String()) + "); a wrong answer should show a plausible mistake"}
			})
		}
	}
	wg.Wait()
	if ctx.Err() != nil {
		probs = append(probs, prep.Problem{Pos: prep.Position{File: "."}, Severity: prep.Error, Message: "checking stopped: " + ctx.Err().Error()})
	}
	probs.Sort()
	return probs
}

// failurePos places a failing reference solution: at the line of the
// solution that raised, else at the failing test, else at the solution's
// code block.
func failurePos(ex *Exercise, r *report) prep.Position {
	switch {
	case r == nil:
	case r.UserLine > 0:
		return prep.Position{File: ex.Solution.Pos.File, Line: ex.Solution.Pos.Line + r.UserLine}
	case r.Line > 0:
		return prep.Position{File: ex.Tests.Pos.File, Line: ex.Tests.Pos.Line + r.Line}
	}
	return ex.Solution.Pos
}

// oneLine squeezes a verdict into one line of a problem report.
func oneLine(s string) string {
	out := make([]rune, 0, len(s))
	space := false
	for _, r := range s {
		if r == '\n' || r == '\t' || r == ' ' {
			space = true
			continue
		}
		if space && len(out) > 0 {
			out = append(out, ' ')
		}
		space = false
		out = append(out, r)
	}
	return clipString(string(out), 300)
}
