package sqlcheck_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/sqlcheck"
)

// telegramMax is the longest message Telegram takes; a verdict must leave
// room for the words and buttons around it.
const telegramMax = 4096

// TestResultBytesCap: SQLite's heap limit does not cover the rows the
// grader copies out of it, so a query of many rows of big values once made
// the process hold a gigabyte (1,000 rows of 1 MiB). The copy must stop at
// Options.MaxResultBytes with the memory verdict naming the limit. The
// time limit is generous so that only the cap can stop the copy.
func TestResultBytesCap(t *testing.T) {
	g := sqlcheck.NewGrader(sqlcheck.Options{TimeLimit: 60 * time.Second, Concurrency: 1})
	ex := MustExerciseByID(t, "sql-open-tasks-with-client")
	const bomb = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r WHERE n < 200) SELECT printf('%.*c', 1000000, 'x'), n, n FROM r"

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := MustGrade(t, g, ex, bomb)
	runtime.ReadMemStats(&after)

	if v.Outcome != prep.OutOfMemory || !strings.Contains(v.Detail.String(), "4 MiB") {
		t.Errorf("%v, want %v naming the 4 MiB limit:\n%s", v.Outcome, prep.OutOfMemory, v.Detail)
	}
	// The 200 rows hold 200 MB; a copy stopped at the cap allocates a few
	// times 4 MiB at most (the strings, and the verdict's work).
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 48<<20 {
		t.Errorf("grading allocated %d MiB of Go memory; the result cap is 4 MiB", alloc>>20)
	}
	if v := MustGrade(t, g, ex, ex.Solution); v.Outcome != prep.Correct {
		t.Errorf("after the big result: %v\n%s", v.Outcome, v.Detail)
	}
}

// TestWideResults: a verdict shows a few columns of a wide result, not all
// of them, and a result may not have more than Options.MaxColumns
// columns; a SELECT of 1,999 columns once made a 24 KB verdict, which no
// chat takes.
func TestWideResults(t *testing.T) {
	g := testGrader()
	ex := MustExerciseByID(t, "sql-open-tasks-with-client")
	cols := func(n int, cell string) string {
		return "SELECT " + strings.TrimSuffix(strings.Repeat(cell+", ", n), ", ")
	}
	tests := []struct {
		name, answer string
		want         prep.Outcome
		detailHas    string
	}{
		{"1,999 columns", cols(1999, "1"), prep.Failed, "more than 100 columns"},
		{"100 long columns", cols(100, "'a rather long value'"), prep.Wrong, "more columns"},
		{"100 long columns, 3 rows", cols(100, "'a rather long value'") + " FROM tasks LIMIT 3", prep.Wrong, "more columns"},
		{"10 columns of long names", cols(10, "'an even longer value, to be clipped'") + " AS a_column_with_a_long_name", prep.Wrong, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := MustGrade(t, g, ex, tt.answer)
			d := v.Detail.String()
			if v.Outcome != tt.want || !strings.Contains(d, tt.detailHas) {
				t.Errorf("%v, want %v with %q:\n%s", v.Outcome, tt.want, tt.detailHas, d)
			}
			if len(d) > telegramMax/2 {
				t.Errorf("the verdict has %d bytes; keep it well under Telegram's %d", len(d), telegramMax)
			}
			// Prose wraps; a table's lines do not, so they must fit.
			for _, span := range v.Detail {
				if span.Style != prep.CodeBlock {
					continue
				}
				for _, line := range strings.Split(span.Text, "\n") {
					if n := len([]rune(line)); n > 120 {
						t.Errorf("a table line of %d characters:\n%s", n, line)
						break
					}
				}
			}
		})
	}
}
