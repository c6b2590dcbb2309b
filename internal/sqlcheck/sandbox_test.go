package sqlcheck_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/sqlcheck"
)

// MustExerciseByID finds an embedded exercise.
func MustExerciseByID(tb testing.TB, id string) prep.Exercise {
	tb.Helper()
	for _, ex := range MustLoad(tb) {
		if ex.ID == id {
			return ex
		}
	}
	tb.Fatalf("no exercise %s", id)
	return prep.Exercise{}
}

// largest is the exercise with the largest table: 180 rows of throughput.
const largest = "sql-moving-average"

// TestHostileInputs sends what a curious or hostile user might: each must
// end within the time limit, with the right verdict, touching no file.
func TestHostileInputs(t *testing.T) {
	t.Chdir(t.TempDir()) // a relative ATTACH would land here
	cwd, _ := os.Getwd()
	stem := filepath.Join(os.TempDir(), fmt.Sprintf("prepbot-sqlcheck-%d", os.Getpid()))
	const limit = 500 * time.Millisecond
	g := sqlcheck.NewGrader(sqlcheck.Options{TimeLimit: limit})
	ex := MustExerciseByID(t, largest)

	tests := []struct {
		name, answer string
		want         prep.Outcome
		detailHas    string
	}{
		{"runaway recursive CTE", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r", prep.TooSlow, "time limit"},
		{"five-way self-join", "SELECT count(*) FROM throughput a, throughput b, throughput c, throughput d, throughput e", prep.TooSlow, "time limit"},
		{"runaway after a good statement", "SELECT 1; WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT max(n) FROM r", prep.TooSlow, ""},
		{"attach a file", "ATTACH DATABASE '" + stem + "-attach.db' AS x", prep.Failed, "Other databases (ATTACH, DETACH, VACUUM INTO) are not allowed"},
		{"attach a relative file", "ATTACH 'x.db' AS x; CREATE TABLE x.t(a);", prep.Failed, "not allowed"},
		{"attach a URI", "ATTACH 'file:" + stem + "-uri.db?mode=rwc' AS x", prep.Failed, "not allowed"},
		{"attach memory", "ATTACH ':memory:' AS m", prep.Failed, "not allowed"},
		{"vacuum into a file", "VACUUM INTO '" + stem + "-vacuum.db'", prep.Failed, "VACUUM INTO) are not allowed"},
		{"vacuum into after a query", "SELECT 1; VACUUM INTO '" + stem + "-vacuum2.db'", prep.Failed, "VACUUM INTO) are not allowed"},
		{"load an extension", "SELECT load_extension('" + stem + "-ext.so')", prep.Failed, "load_extension() is not allowed"},
		{"fileio functions", "SELECT writefile('" + stem + "-w.txt', 'x')", prep.Failed, "no such function"},
		{"heap limit pragma", "PRAGMA hard_heap_limit = 1000", prep.Failed, "PRAGMA hard_heap_limit is not allowed"},
		{"soft heap limit pragma", "PRAGMA soft_heap_limit = 0", prep.Failed, "not allowed"},
		{"temp directory pragma", "PRAGMA temp_store_directory = '" + os.TempDir() + "'", prep.Failed, "not allowed"},
		{"temp store pragma", "PRAGMA temp_store = FILE; CREATE TEMP TABLE t AS SELECT * FROM throughput", prep.Failed, "not allowed"},
		{"writable schema", "PRAGMA writable_schema = ON", prep.Failed, "not allowed"},
		{"pragma as a function", "SELECT * FROM pragma_hard_heap_limit(1)", prep.Failed, ""},
		{"pragma table as a function", "SELECT * FROM pragma_compile_options", prep.Failed, "PRAGMA compile_options is not allowed"},
		{"journal to a file", "PRAGMA journal_mode = WAL", prep.Failed, "not allowed"},
		{"virtual table", "CREATE VIRTUAL TABLE v USING fts5(x)", prep.Failed, "Virtual tables are not allowed"},
		{"raw pages", "UPDATE sqlite_dbpage SET data = zeroblob(4096) WHERE pgno = 1", prep.Failed, ""},
		// Built-in table-valued functions are no way out: they read the
		// attempt's own database, so they are allowed.
		{"table-valued functions", "SELECT (SELECT count(*) FROM json_each('[1,2]')), (SELECT count(*) FROM dbstat), (SELECT count(*) FROM sqlite_dbpage)", prep.Wrong, "has 3 columns"},
		{"huge value", "SELECT length(zeroblob(5000000))", prep.OutOfMemory, "longer than 1 MiB"},
		{"growing database", "CREATE TABLE big(x); WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) INSERT INTO big SELECT zeroblob(100000) FROM r", prep.OutOfMemory, "larger than 16 MiB"},
		{"one megabyte message", "SELECT '" + strings.Repeat("x", 1<<20) + "'", prep.Failed, "a query may be at most 16 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			v := MustGrade(t, g, ex, tt.answer)
			if took := time.Since(start); took > limit+2*time.Second {
				t.Errorf("took %v; the limit is %v", took, limit)
			}
			if v.Outcome != tt.want || !strings.Contains(v.Detail.String(), tt.detailHas) {
				t.Errorf("%v, want %v with %q:\n%s", v.Outcome, tt.want, tt.detailHas, v.Detail)
			}
		})
	}
	leftovers, _ := filepath.Glob(stem + "*")
	entries, _ := os.ReadDir(cwd)
	if len(leftovers) > 0 || len(entries) > 0 {
		t.Errorf("files left behind: %v in the temp dir, %d in the working dir", leftovers, len(entries))
	}
	// The grader still works, and the heap limit was not changed.
	if v := MustGrade(t, g, ex, ex.Solution); v.Outcome != prep.Correct {
		t.Errorf("after the hostile inputs: %v\n%s", v.Outcome, v.Detail)
	}
}

// TestMemoryBomb fills SQLite's heap: the attempt must stop with the
// memory verdict, not the time limit. The heap limit is process-wide and
// scales with Concurrency (one MemoryLimit per attempt running), so both are
// fixed here: with the default, a machine with many cores would allow so
// much heap that the time limit could strike first. The time limit is
// generous for the same reason: this checks which limit holds, not speed.
func TestMemoryBomb(t *testing.T) {
	g := sqlcheck.NewGrader(sqlcheck.Options{TimeLimit: 30 * time.Second, Concurrency: 1, MemoryLimit: 16 << 20})
	if !g.MemoryLimited() {
		t.Fatal("SQLite was initialized before the grader: no heap limit")
	}
	ex := MustExerciseByID(t, largest)
	v := MustGrade(t, g, ex, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT zeroblob(500000) FROM r ORDER BY 1")
	if v.Outcome != prep.OutOfMemory || !strings.Contains(v.Detail.String(), "16 MiB of memory") {
		t.Errorf("%v, want %v naming the 16 MiB limit:\n%s", v.Outcome, prep.OutOfMemory, v.Detail)
	}
	if v := MustGrade(t, g, ex, ex.Solution); v.Outcome != prep.Correct {
		t.Errorf("after the memory bomb: %v\n%s", v.Outcome, v.Detail)
	}
}

// TestDefaultTimeLimit runs the runaway CTE under the default limit of 2s.
func TestDefaultTimeLimit(t *testing.T) {
	g := sqlcheck.NewGrader(sqlcheck.Options{})
	ex := MustExerciseByID(t, largest)
	start := time.Now()
	v := MustGrade(t, g, ex, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r")
	took := time.Since(start)
	if v.Outcome != prep.TooSlow || took < sqlcheck.DefaultTimeLimit || took > sqlcheck.DefaultTimeLimit+2*time.Second {
		t.Errorf("%v after %v\n%s", v.Outcome, took, v.Detail)
	}
}

// TestNothingPersists checks that an attempt's changes are gone for the
// next attempt, the same user's or another's.
func TestNothingPersists(t *testing.T) {
	g := testGrader()
	ex := MustExerciseByID(t, "sql-labels-per-annotator")
	v := MustGrade(t, g, ex, "CREATE TABLE leak(x); INSERT INTO leak VALUES (1); DELETE FROM labels; DROP TABLE annotators; SELECT 1")
	if v.Outcome != prep.Wrong {
		t.Fatalf("%v\n%s", v.Outcome, v.Detail)
	}
	if v := MustGrade(t, g, ex, "SELECT * FROM leak"); v.Outcome != prep.Failed || !strings.Contains(v.Detail.String(), "no such table: leak") {
		t.Errorf("a table from the last attempt: %v\n%s", v.Outcome, v.Detail)
	}
	if v := MustGrade(t, g, ex, ex.Solution); v.Outcome != prep.Correct {
		t.Errorf("the data after an attempt deleted it: %v\n%s", v.Outcome, v.Detail)
	}
}

// TestConcurrentAttempts grades many attempts at once, of every kind, as
// many users would; run with -race.
func TestConcurrentAttempts(t *testing.T) {
	exs := MustLoad(t)
	g := sqlcheck.NewGrader(sqlcheck.Options{TimeLimit: 1500 * time.Millisecond})
	const users = 24
	var wg sync.WaitGroup
	for u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ex := exs[u%len(exs)]
			spec := ex.Spec.(*sqlcheck.Exercise)
			attempts := []struct {
				answer string
				want   prep.Outcome
			}{
				{ex.Solution, prep.Correct},
				{spec.Wrong[0].SQL, prep.Wrong},
				{"SELECT * FROM no_such_table", prep.Failed},
				{"ATTACH 'x.db' AS x", prep.Failed},
			}
			if u%8 == 0 {
				attempts = append(attempts, struct {
					answer string
					want   prep.Outcome
				}{"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r", prep.TooSlow})
			}
			for _, a := range attempts {
				v, err := g.Grade(t.Context(), ex, a.answer)
				if err != nil || v.Outcome != a.want {
					t.Errorf("user %d, %s, %.40q: %v %v, want %v\n%s", u, ex.ID, a.answer, v.Outcome, err, a.want, v.Detail)
				}
			}
		}()
	}
	wg.Wait()
}
