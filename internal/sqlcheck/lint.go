package sqlcheck

import (
	"context"
	"errors"
	"fmt"

	"github.com/prepbot/prepbot/internal/prep"
)

// Lint checks what Load cannot see by itself: that every reference solution
// returns at least one row on every dataset, that each hidden dataset gives
// a result other than the sample's (or it could not catch a query that
// hard-codes the sample's answer: a warning), that an exercise has a hidden
// dataset at all (a warning), and that the grader rejects each documented
// wrong answer. Exercises of other kinds are skipped.
func Lint(ctx context.Context, exs []prep.Exercise) prep.Problems {
	var probs prep.Problems
	g := newGrader(Options{TimeLimit: contentTimeLimit, Concurrency: 1})
	for _, pe := range exs {
		if pe.Kind != prep.SQLExercise {
			continue
		}
		ex, ok := pe.Spec.(*Exercise)
		if !ok || ex == nil {
			probs = append(probs, prep.Problem{Pos: pe.Source, Severity: prep.Error,
				Message: fmt.Sprintf("exercise %s has kind sql but no SQL definition (%T)", pe.ID, pe.Spec)})
			continue
		}
		probs = append(probs, lintOne(ctx, g, pe, ex)...)
		if ctx.Err() != nil {
			probs = append(probs, prep.Problem{Pos: pe.Source, Severity: prep.Error, Message: "checking stopped: " + ctx.Err().Error()})
			break
		}
	}
	probs.Sort()
	return probs
}

func lintOne(ctx context.Context, g *Grader, pe prep.Exercise, ex *Exercise) prep.Problems {
	var probs prep.Problems
	add := func(pos prep.Position, sev prep.Severity, format string, args ...any) {
		probs = append(probs, prep.Problem{Pos: pos, Severity: sev, Message: fmt.Sprintf(format, args...)})
	}
	p, err := ex.prepare()
	if err != nil {
		return prep.Problems{problemOf(ex, err)}
	}
	if len(ex.Hidden) == 0 {
		add(ex.Source, prep.Warning, "no hidden dataset: a query that hard-codes the sample's answer would pass; add a \"## Hidden data\" section")
	}
	for i, want := range p.want {
		pos := ex.Solution.Pos
		where := "on the sample data"
		if i > 0 {
			pos = ex.Hidden[i-1].Pos
			where = "on this hidden dataset"
		}
		if len(want.rows) == 0 {
			add(pos, prep.Error, "the solution returns no rows %s, so an empty answer would pass there", where)
		}
		if i > 0 && compare(p.want[0], want, ex.OrderMatters) == nil {
			add(pos, prep.Warning, "the solution gives the same result here as on the sample data, so this dataset cannot catch a query that hard-codes the sample's answer")
		}
	}
	for _, w := range ex.Wrong {
		v, err := g.Grade(ctx, pe, w.SQL)
		switch {
		case err != nil:
			add(w.Pos, prep.Error, "grading this wrong answer failed: %v", errors.Unwrap(err))
		case v.Outcome == prep.Correct:
			add(w.Pos, prep.Error, "this wrong answer is graded correct: fix the answer, the solution or the datasets")
		case v.Outcome != prep.Wrong:
			add(w.Pos, prep.Warning, "this wrong answer does not run to a result (%s); a wrong answer should show a plausible mistake", v.Detail.String())
		}
	}
	return probs
}
