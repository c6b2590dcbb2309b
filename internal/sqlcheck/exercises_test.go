package sqlcheck_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prepbot/prepbot/content"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/sqlcheck"
)

// MustLoad loads the embedded exercises, which must have no problem at
// all, not even a warning.
func MustLoad(tb testing.TB) []prep.Exercise {
	tb.Helper()
	exs, probs := sqlcheck.Load(content.Exercises())
	if len(probs) > 0 {
		tb.Fatalf("the embedded exercises have problems:\n%v", probs.Error())
	}
	return exs
}

// MustGrade grades an answer and fails on a grader error.
func MustGrade(tb testing.TB, g *sqlcheck.Grader, ex prep.Exercise, answer string) prep.Verdict {
	tb.Helper()
	v, err := g.Grade(context.Background(), ex, answer)
	if err != nil {
		tb.Fatalf("%s: grade %q: %v", ex.ID, answer, err)
	}
	if v.Outcome == 0 || len(v.Detail) == 0 {
		tb.Fatalf("%s: grade %q: empty verdict %+v", ex.ID, answer, v)
	}
	return v
}

// testGrader has a roomy time limit: the race detector slows SQLite down
// several times over, and these tests are about verdicts, not speed.
func testGrader() *sqlcheck.Grader {
	return sqlcheck.NewGrader(sqlcheck.Options{TimeLimit: 20 * time.Second})
}

func TestEmbeddedExercises(t *testing.T) {
	exs := MustLoad(t)
	if len(exs) < 20 {
		t.Errorf("%d exercises, want at least 20", len(exs))
	}
	if probs := sqlcheck.Lint(context.Background(), exs); len(probs) > 0 {
		t.Errorf("lint:\n%v", probs.Error())
	}
	// The topics the interview asks about, each with an exercise.
	topics := map[string]int{}
	difficulties := map[sqlcheck.Difficulty]int{}
	ids := map[string]bool{}
	last := sqlcheck.Easy
	for _, ex := range exs {
		spec := ex.Spec.(*sqlcheck.Exercise)
		topics[ex.Topic]++
		difficulties[spec.Difficulty]++
		if spec.Difficulty < last {
			t.Errorf("%s (%s) comes after a %s exercise", ex.ID, spec.Difficulty, last)
		}
		last = spec.Difficulty
		if ids[ex.ID] || !strings.HasPrefix(ex.ID, "sql-") || len(ex.ID) > 32 {
			t.Errorf("bad or duplicate id %q", ex.ID)
		}
		ids[ex.ID] = true
		if ex.Kind != prep.SQLExercise || ex.Title == "" || ex.Solution == "" || len(ex.Hints) == 0 || ex.Source.Line == 0 {
			t.Errorf("%s: incomplete exercise %+v", ex.ID, ex)
		}
		if len(spec.Hidden) == 0 || len(spec.Wrong) == 0 {
			t.Errorf("%s: %d hidden datasets, %d wrong answers; want at least one of each", ex.ID, len(spec.Hidden), len(spec.Wrong))
		}
		// The prompt fits a chat message and shows the tables.
		prompt := ex.Prompt.String()
		if n := utf8.RuneCountInString(prompt); n > prep.MaxCardText {
			t.Errorf("%s: prompt of %d characters", ex.ID, n)
		}
		for _, want := range []string{"Tables:", "Sample rows:", "("} {
			if !strings.Contains(prompt, want) {
				t.Errorf("%s: prompt lacks %q:\n%s", ex.ID, want, prompt)
			}
		}
	}
	for _, topic := range []string{"Joins", "Aggregation", "Window functions", "CTEs", "Data cleaning", "NULL handling",
		"Dates", "Conditional aggregation", "Idempotent loads", "Gaps and islands"} {
		if topics[topic] == 0 {
			t.Errorf("no exercise on %q (topics: %v)", topic, topics)
		}
	}
	for _, d := range []sqlcheck.Difficulty{sqlcheck.Easy, sqlcheck.Medium, sqlcheck.Hard} {
		if difficulties[d] < 4 {
			t.Errorf("%d %s exercises, want at least 4", difficulties[d], d)
		}
	}
}

// TestExerciseAnswers grades, for every exercise, the reference solution,
// each documented wrong answer, the sample's answer hard-coded, and SQL
// that does not run.
func TestExerciseAnswers(t *testing.T) {
	g := testGrader()
	for _, ex := range MustLoad(t) {
		spec := ex.Spec.(*sqlcheck.Exercise)
		t.Run(ex.ID, func(t *testing.T) {
			t.Parallel()
			if v := MustGrade(t, g, ex, ex.Solution); v.Outcome != prep.Correct {
				t.Errorf("the reference solution: %v\n%s", v.Outcome, v.Detail)
			}
			// As a learner would paste it, in a code block.
			if v := MustGrade(t, g, ex, "Here is my answer:\n\n```sql\n"+ex.Solution+"\n```\n"); v.Outcome != prep.Correct {
				t.Errorf("the reference solution in a code block: %v\n%s", v.Outcome, v.Detail)
			}
			for _, w := range spec.Wrong {
				v := MustGrade(t, g, ex, w.SQL)
				if v.Outcome != prep.Wrong {
					t.Errorf("wrong answer at %s: %v, want Wrong\n%s", w.Pos, v.Outcome, v.Detail)
					continue
				}
				// A useful diff: counts or rows, in a few lines.
				d := v.Detail.String()
				if !strings.ContainsAny(d, "0123456789") || strings.Count(d, "\n") > 20 {
					t.Errorf("wrong answer at %s: detail is not a short diff:\n%s", w.Pos, d)
				}
			}
			hard, err := sqlcheck.HardCoded(spec)
			if err != nil {
				t.Fatal(err)
			}
			v := MustGrade(t, g, ex, hard)
			if v.Outcome != prep.Wrong || !strings.Contains(v.Detail.String(), "hidden dataset") {
				t.Errorf("the sample's answer hard-coded: %v, want Wrong on a hidden dataset\n%s\n%s", v.Outcome, hard, v.Detail)
			}
			if strings.Contains(v.Detail.String(), "\n") {
				t.Errorf("a hidden dataset's verdict shows rows:\n%s", v.Detail)
			}
			v = MustGrade(t, g, ex, "SELECT no_such_column FROM "+firstTable(t, ex)+";")
			if v.Outcome != prep.Failed || !strings.Contains(v.Detail.String(), "no such column: no_such_column") {
				t.Errorf("erroring SQL: %v\n%s", v.Outcome, v.Detail)
			}
		})
	}
}

// firstTable is the first table the prompt lists.
func firstTable(t *testing.T, ex prep.Exercise) string {
	t.Helper()
	for _, s := range ex.Prompt {
		if s.Style == prep.CodeBlock {
			name, _, ok := strings.Cut(s.Text, "(")
			if ok {
				return name
			}
		}
	}
	t.Fatalf("%s: no table in the prompt", ex.ID)
	return ""
}

func TestPromptShowsSchemaAndSampleRows(t *testing.T) {
	for _, ex := range MustLoad(t) {
		if ex.ID != "sql-labels-per-annotator" {
			continue
		}
		got := ex.Prompt.String()
		for _, want := range []string{
			"list every annotator who submitted at least one label: their name",
			"annotators(annotator_id, name, country)\nlabels(label_id, task_id, annotator_id, label)",
			"annotators (3 of 4 rows)\nannotator_id  name  country\n           1  Dana  IL",
			"labels (3 of 7 rows)",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("prompt lacks %q:\n%s", want, got)
			}
		}
		return
	}
	t.Fatal("no exercise sql-labels-per-annotator")
}

// TestTasksSayHowValuesCompare: where a right answer could go either way
// (rounded or exact values, seconds or fractions of a day), the task says
// which way the reference goes, so that a learner is not failed for
// guessing the other.
func TestTasksSayHowValuesCompare(t *testing.T) {
	for _, tt := range []struct{ id, says string }{
		{"sql-reliable-annotators-having", "exact average, before any rounding"},
		{"sql-reliable-annotators-having", "as shown (rounded)"},
		{"sql-rank-annotators-by-accuracy", "Rank by the exact share"},
		{"sql-sessionize-submissions", "in seconds, with unixepoch()"},
	} {
		ex := MustExerciseByID(t, tt.id)
		if task := prep.RichText(ex.Spec.(*sqlcheck.Exercise).Task).String(); !strings.Contains(task, tt.says) {
			t.Errorf("%s: the task does not say %q:\n%s", tt.id, tt.says, task)
		}
	}
}
