package pycheck_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prepbot/prepbot/content"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/pycheck"
)

// repoRoot is absolute, so that tests that change directory still find
// the interpreter and the exercises.
var repoRoot, _ = filepath.Abs(filepath.Join("..", ".."))

// exerciseDir holds the exercise files, for the fuzz test's seeds.
var exerciseDir = filepath.Join(repoRoot, "content", "exercises", "python")

// interpreterPath is where the tests look for python.wasm: where
// PREPBOT_PYTHON_WASM says, else where scripts/fetch-python-wasm puts it.
func interpreterPath() string {
	if p := os.Getenv("PREPBOT_PYTHON_WASM"); p != "" {
		return p
	}
	return filepath.Join(repoRoot, pycheck.DefaultWasmPath)
}

// cacheDir keeps the compiled interpreter between test runs, beside it in
// the git-ignored .cache: the first run compiles for seconds (many more
// under -race), the next ones load it.
func cacheDir() string { return filepath.Join(repoRoot, ".cache", "python", "wazero") }

// RequireInterpreter skips the test when python.wasm is missing, or fails
// it in CI (CI=true), where a missing interpreter must not pass unseen.
func RequireInterpreter(tb testing.TB) string {
	tb.Helper()
	path := interpreterPath()
	if _, err := os.Stat(path); err != nil {
		msg := "no Python interpreter at " + path + ": run scripts/fetch-python-wasm (needs npm) or set PREPBOT_PYTHON_WASM"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return path
}

// MustNew makes a grader and waits until it is ready. Graders made by
// tests share the compilation cache, so only the first compiles.
func MustNew(tb testing.TB, opts pycheck.Options) *pycheck.Grader {
	tb.Helper()
	opts.WasmPath = RequireInterpreter(tb)
	if opts.CacheDir == "" {
		opts.CacheDir = cacheDir()
	}
	g, err := pycheck.New(context.Background(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := g.Ready(ctx); err != nil {
		tb.Fatal(err)
	}
	return g
}

var shared struct {
	once sync.Once
	g    *pycheck.Grader
}

// MustGrader returns the grader most tests share. Its time limit is roomy:
// these tests are about verdicts, and two cores may be busy with other
// packages' tests.
func MustGrader(tb testing.TB) *pycheck.Grader {
	tb.Helper()
	RequireInterpreter(tb)
	shared.once.Do(func() { shared.g = MustNew(tb, pycheck.Options{TimeLimit: 30 * time.Second}) })
	if shared.g == nil {
		tb.Fatal("the shared grader failed to start (see the first test that used it)")
	}
	return shared.g
}

// MustLoad loads the embedded Python exercises, which must have no problem
// at all, not even a warning.
func MustLoad(tb testing.TB) []prep.Exercise {
	tb.Helper()
	exs, probs := pycheck.Load(content.PythonExercises())
	if len(probs) > 0 {
		tb.Fatalf("the exercises have problems:\n%v", probs.Error())
	}
	return exs
}

// MustExercise parses and builds an exercise file, which must have no
// problems.
func MustExercise(tb testing.TB, src string) prep.Exercise {
	tb.Helper()
	spec, probs := pycheck.Parse("test.md", []byte(src))
	if len(probs) > 0 {
		tb.Fatalf("parse: %v", probs.Error())
	}
	ex, err := spec.Build()
	if err != nil {
		tb.Fatalf("build: %v", err)
	}
	return ex
}

// MustGrade grades an answer and fails on a grader error or an empty
// verdict.
func MustGrade(tb testing.TB, g *pycheck.Grader, ex prep.Exercise, answer string) prep.Verdict {
	tb.Helper()
	v, err := g.Grade(context.Background(), ex, answer)
	if err != nil {
		tb.Fatalf("%s: grade %.60q: %v", ex.ID, answer, err)
	}
	if v.Outcome == 0 || len(v.Detail) == 0 {
		tb.Fatalf("%s: grade %.60q: empty verdict %+v", ex.ID, answer, v)
	}
	return v
}

// outcomeName names an outcome in failure messages.
func outcomeName(o prep.Outcome) string {
	switch o {
	case prep.Correct:
		return "✅ Correct"
	case prep.Wrong:
		return "❌ Wrong"
	case prep.Failed:
		return "⚠️ Failed"
	case prep.TooSlow:
		return "⏱ TooSlow"
	case prep.OutOfMemory:
		return "🧠 OutOfMemory"
	}
	return "no outcome"
}
