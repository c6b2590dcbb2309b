package pycheck_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/pycheck"
)

// TestLint runs exercises with mistakes only Python can find: each is
// reported at the line to fix.
func TestLint(t *testing.T) {
	g := MustGrader(t)
	exs, probs := pycheck.Load(os.DirFS("testdata/lint"))
	if len(probs) > 0 {
		t.Fatal(probs.Error())
	}
	// An SQL exercise in the list is none of Lint's business.
	exs = append(exs, prep.Exercise{ID: "sql-x", Kind: prep.SQLExercise})
	got := pycheck.Lint(context.Background(), g, exs).Error()
	want := []string{
		"01-broken.md:22: error: the reference solution does not pass the tests: Test 2 of 2 failed: assert double(2) == 5 expected: 5 got: 4",
		"01-broken.md:36: warning: this wrong answer does not run to a result (That is not valid Python:",
		"02-solution-raises.md:28: error: the reference solution does not pass the tests: Test 1 of 1 raised an exception:",
		"ZeroDivisionError",
		"04-too-easy.md:12: error: the starter code passes the tests as it is",
		"04-too-easy.md:34: error: this wrong answer is graded correct: add a test that catches it",
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("no problem %q", w)
		}
	}
	if strings.Contains(got, "03-fine.md") || strings.Contains(got, "sql-x") {
		t.Errorf("problems with the sound exercise:\n%s", got)
	}
	if t.Failed() {
		t.Logf("the problems:\n%s", got)
	}
}

// TestReadmeExample checks that the complete exercise in content/README.md
// loads and passes Lint, so that the format's documentation stays true.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "content", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, python, ok := strings.Cut(string(readme), "\n# Python exercises\n")
	if !ok {
		t.Fatal("content/README.md has no \"# Python exercises\" section")
	}
	_, example, ok := strings.Cut(python, "````markdown\n")
	example, _, ok2 := strings.Cut(example, "\n````\n")
	if !ok || !ok2 {
		t.Fatal("no ````markdown example in the Python exercises section")
	}
	ex := MustExercise(t, example)
	if probs := pycheck.Lint(context.Background(), MustGrader(t), []prep.Exercise{ex}); len(probs) > 0 {
		t.Errorf("the README's example:\n%s", probs.Error())
	}
}
