package sqlcheck_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/sqlcheck"
)

// smallExercise is an exercise written for the grader's own tests: values
// of every storage class, a NULL, a real that equals an integer.
const smallExercise = "# Scores\n\n- topic: Test\n- difficulty: easy\n- order: any\n\n" +
	"## Task\n\nReturn `name, score` of every row.\n\n" +
	"## Schema\n\n```sql\nCREATE TABLE s (name TEXT, score REAL);\n" +
	"INSERT INTO s VALUES ('a', 2), ('b', NULL), ('c', 0.1 + 0.2), ('d', 7);\n```\n\n" +
	"## Solution\n\n```sql\nSELECT name, score FROM s\n```\n\n" +
	"## Hidden data\n\n```sql\nINSERT INTO s VALUES ('x', 1), ('y', NULL);\n```\n"

// MustExercise parses and builds an exercise file, which must have no
// problems.
func MustExercise(tb testing.TB, src string) prep.Exercise {
	tb.Helper()
	spec, probs := sqlcheck.Parse("test.md", []byte(src))
	if len(probs) > 0 {
		tb.Fatalf("parse: %v", probs.Error())
	}
	ex, err := spec.Build()
	if err != nil {
		tb.Fatalf("build: %v", err)
	}
	return ex
}

func TestGradeAnswerForms(t *testing.T) {
	ex := MustExercise(t, smallExercise)
	g := testGrader()
	tests := []struct {
		name, answer string
		want         prep.Outcome
		detailHas    string
	}{
		{"bare", "SELECT name, score FROM s", prep.Correct, "Same result as the reference"},
		{"semicolon and lines", "SELECT name,\n       score\nFROM s\n;", prep.Correct, ""},
		{"sql fence", "```sql\nSELECT name, score FROM s;\n```", prep.Correct, ""},
		{"plain fence with words around", "I think:\n```\nSELECT name, score\nFROM s;\n```\nRight?", prep.Correct, ""},
		{"inline code", "`SELECT name, score FROM s`", prep.Correct, ""},
		{"one-line triple backticks", "```SELECT name, score FROM s```", prep.Correct, ""},
		{"column names ignored", "SELECT name AS n, score AS x FROM s", prep.Correct, ""},
		{"integers equal reals", "SELECT name, CAST(score AS INTEGER) FROM s WHERE name IN ('a', 'd', 'x') UNION ALL SELECT name, score FROM s WHERE name NOT IN ('a', 'd', 'x')", prep.Correct, ""},
		{"within tolerance", "SELECT name, CASE WHEN name = 'c' THEN 0.3 ELSE score END FROM s", prep.Correct, ""},
		{"NULL equals NULL", "SELECT name, NULLIF(score, score + 0) FROM s WHERE score IS NULL UNION ALL SELECT name, score FROM s WHERE score IS NOT NULL", prep.Correct, ""},
		{"row order free", "SELECT name, score FROM s ORDER BY name DESC", prep.Correct, ""},
		{"several statements, the last graded", "CREATE TABLE t AS SELECT * FROM s; UPDATE t SET score = score; SELECT * FROM t;", prep.Correct, ""},
		{"DML changes only the copy", "DELETE FROM s; SELECT * FROM s", prep.Wrong, "Expected 4 rows, got 0"},
		{"text is not a number", "SELECT name, CAST(score AS TEXT) FROM s", prep.Wrong, "'2.0'"},
		{"a NULL is not 0", "SELECT name, COALESCE(score, 0) FROM s", prep.Wrong, "NULL"},
		{"column count", "SELECT name FROM s", prep.Wrong, "Your result has 1 column; the expected one has 2"},
		{"extra rows", "SELECT name, score FROM s UNION ALL SELECT 'e', 5", prep.Wrong, "Expected 4 rows, got 5"},
		{"last statement has no rows", "SELECT * FROM s; DELETE FROM s WHERE 0", prep.Wrong, "End with a SELECT"},
		{"hidden dataset", "SELECT name, score FROM s WHERE name IN ('a', 'b', 'c', 'd')", prep.Wrong, "hidden dataset"},
		// A plain logic error that the sample does not show is not
		// accused of copying the sample: causes are offered, not assumed.
		{"hidden dataset, a logic error", "SELECT name, score FROM s WHERE score IS NOT NULL OR name = 'b'", prep.Wrong,
			"1 row where 2 are expected. The hidden rows may hold cases the sample does not show (NULLs,"},
		{"syntax error", "SELECT name score, FROM s", prep.Failed, "SQLite error"},
		{"error names the line", "SELECT name,\n  nope\nFROM s", prep.Failed, "at line 2: no such column: nope"},
		{"error names the statement", "SELECT 1; SELECT x FROM s", prep.Failed, "(statement 2): no such column: x"},
		{"double quotes are identifiers", `SELECT name, score FROM s WHERE name = "a"`, prep.Failed, "no such column"},
		{"empty", "  \n\t", prep.Failed, "Send your answer as an SQL query"},
		{"empty code block", "```sql\n\n```", prep.Failed, "empty"},
		{"only comments", "-- nothing\n/* still nothing */ ;", prep.Failed, "no SQL statement"},
		{"not SQL", "I don't know, can you give me a hint?", prep.Failed, "does not look like SQL"},
		{"python", "```python\nprint(1)\n```", prep.Failed, "python"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := MustGrade(t, g, ex, tt.answer)
			if v.Outcome != tt.want || !strings.Contains(v.Detail.String(), tt.detailHas) {
				t.Errorf("%q: %v, want %v with %q:\n%s", tt.answer, v.Outcome, tt.want, tt.detailHas, v.Detail)
			}
		})
	}
}

func TestGradeOrderMatters(t *testing.T) {
	ex := MustExercise(t, strings.Replace(strings.Replace(smallExercise, "order: any", "order: matters", 1),
		"SELECT name, score FROM s\n", "SELECT name, score FROM s ORDER BY name\n", 1))
	g := testGrader()
	v := MustGrade(t, g, ex, "SELECT name, score FROM s ORDER BY name DESC")
	if v.Outcome != prep.Wrong || !strings.Contains(v.Detail.String(), "wrong order") || !strings.Contains(v.Detail.String(), "Row 1 should be") {
		t.Errorf("%v:\n%s", v.Outcome, v.Detail)
	}
	if v := MustGrade(t, g, ex, "SELECT name, score FROM s ORDER BY 1"); v.Outcome != prep.Correct {
		t.Errorf("%v:\n%s", v.Outcome, v.Detail)
	}
}

func TestGradeWrongShowsFirstRows(t *testing.T) {
	ex := MustExercise(t, smallExercise)
	v := MustGrade(t, testGrader(), ex, "SELECT name, score + 1 FROM s")
	want := "Both have 4 rows, but 3 rows differ.\n\nExpected but missing:\nname  score\na       2.0\nc       0.3\nd       7.0\n" +
		"In yours but not expected:\nname  score + 1\na           3.0\nc           1.3\nd           8.0\n"
	if got := v.Detail.String(); got != want {
		t.Errorf("detail:\n%s\nwant:\n%s", got, want)
	}
}

func TestGradeRowCap(t *testing.T) {
	ex := MustExercise(t, smallExercise)
	g := sqlcheck.NewGrader(sqlcheck.Options{TimeLimit: 20 * time.Second, MaxRows: 10})
	v := MustGrade(t, g, ex, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT 'x', n FROM r")
	if v.Outcome != prep.Wrong || !strings.Contains(v.Detail.String(), "more than 10 rows") {
		t.Errorf("%v:\n%s", v.Outcome, v.Detail)
	}
}

func TestGradeErrors(t *testing.T) {
	g := testGrader()
	if _, err := g.Grade(context.Background(), prep.Exercise{ID: "py-x", Kind: prep.PythonExercise}, "SELECT 1"); err == nil {
		t.Error("an exercise without an SQL spec graded")
	}
	broken, _ := sqlcheck.Parse("broken.md", []byte(strings.Replace(smallExercise, "SELECT name, score FROM s\n", "SELECT nope FROM s\n", 1)))
	_, err := g.Grade(context.Background(), prep.Exercise{ID: broken.ID, Kind: prep.SQLExercise, Spec: broken}, "SELECT 1")
	if err == nil || !strings.Contains(err.Error(), "broken.md:21: the solution fails on the sample data: no such column: nope") {
		t.Errorf("broken reference: %v", err)
	}
}

// TestGradeQueueHonoursContext fills every sandbox and checks that a
// further attempt waits, then gives up when its context ends.
func TestGradeQueueHonoursContext(t *testing.T) {
	ex := MustExercise(t, smallExercise)
	g := sqlcheck.NewGrader(sqlcheck.Options{Concurrency: 1, TimeLimit: time.Second})
	done := make(chan prep.Verdict)
	go func() {
		v, _ := g.Grade(context.Background(), ex, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*), 1 FROM r")
		done <- v
	}()
	time.Sleep(200 * time.Millisecond) // let it take the only sandbox
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := g.Grade(ctx, ex, "SELECT name, score FROM s")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("queued attempt: %v, want a deadline error", err)
	}
	if v := <-done; v.Outcome != prep.TooSlow {
		t.Errorf("runaway attempt: %v", v.Outcome)
	}
	// The queue is free again.
	if v := MustGrade(t, g, ex, "SELECT name, score FROM s"); v.Outcome != prep.Correct {
		t.Errorf("after the queue emptied: %v", v.Outcome)
	}
}
