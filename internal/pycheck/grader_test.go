package pycheck_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/pycheck"
)

// smallExercise is an exercise written for the grader's own tests.
const smallExercise = "# Square\n\n- topic: Test\n- difficulty: easy\n\n" +
	"## Task\n\nReturn `x` squared.\n\n" +
	"## Starter\n\n```python\ndef square(x):\n    ...\n```\n\n" +
	"## Tests\n\n```python\nassert square(2) == 4\nassert square(-3) == 9\n\n" +
	"values = [1, 2, 3]\nsquares = [square(v) for v in values]\nassert squares == [1, 4, 9]\n\n" +
	"assert square(0) == 0, \"zero stays zero\"\n" +
	"assert isinstance(square(5), int)\n```\n\n" +
	"## Solution\n\n```python\ndef square(x):\n    return x * x\n```\n"

func TestGradeAnswers(t *testing.T) {
	g := MustGrader(t)
	ex := MustExercise(t, smallExercise)
	const right = "def square(x):\n    return x * x\n"
	tests := []struct {
		name, answer string
		want         prep.Outcome
		detailHas    []string
	}{
		{"bare", right, prep.Correct, []string{"All 5 hidden tests pass."}},
		{"python fence", "```python\n" + right + "```", prep.Correct, nil},
		{"py fence and words around", "My try:\n```py\n" + right + "```\nIs that it?", prep.Correct, nil},
		{"plain fence", "```\n" + right + "```", prep.Correct, nil},
		{"inline code", "`square = lambda x: x ** 2`", prep.Correct, nil},
		{"CRLF and no-break spaces", "def square(x):\r\n\u00a0\u00a0\u00a0\u00a0return x * x\r\n", prep.Correct, nil},
		{"a main block does not run", "def square(x):\n    return x * x\n\nif __name__ == '__main__':\n    print(square(int(input())))\n", prep.Correct, nil},
		{"prints are fine", "def square(x):\n    print('squaring', x)\n    return x * x\n", prep.Correct, nil},
		{"no return", "def square(x):\n    x * x\n", prep.Wrong,
			[]string{"Test 1 of 5 failed:", "assert square(2) == 4", "expected: 4\ngot:      None", "is a return statement missing?"}},
		{"wrong for negatives", "def square(x):\n    return x * abs(x)\n", prep.Wrong,
			[]string{"Test 2 of 5 failed:", "assert square(-3) == 9", "expected: 9\ngot:      -9"}},
		{"the failing line after its setup", "def square(x):\n    return x * x if x != 3 else 0\n", prep.Wrong,
			[]string{"Test 3 of 5 failed:", "values = [1, 2, 3]\nsquares = [square(v) for v in values]\nassert squares == [1, 4, 9]", "got:      [1, 4, 0]"}},
		{"assert message", "def square(x):\n    return x * x or 1\n", prep.Wrong, []string{"Test 4 of 5", "zero stays zero"}},
		{"type check", "def square(x):\n    return float(x * x)\n", prep.Wrong, []string{"Test 5 of 5 failed:", "assert isinstance(square(5), int)"}},
		{"a tuple for a list", "def square(x):\n    return x * x if x != 2 else (4,)\n", prep.Wrong, []string{"a tuple where an int is expected"}},
		{"printed output shown", "def square(x):\n    print('debug', x)\n    return x\n", prep.Wrong, []string{"Your code printed", "debug 2"}},
		{"syntax error", "def square(x)\n    return x * x\n", prep.Failed, []string{"That is not valid Python:", "line 1", "SyntaxError"}},
		{"indentation error", "def square(x):\nreturn x * x\n", prep.Failed, []string{"IndentationError"}},
		{"exception while loading", "import nope\n", prep.Failed,
			[]string{"before the tests ran", "ModuleNotFoundError: No module named 'nope'", "line 1, in <module>"}},
		{"exception in a test", "def helper(x):\n    return {}[x]\n\ndef square(x):\n    return helper(x)\n", prep.Failed,
			[]string{"Test 1 of 5 raised an exception:", "assert square(2) == 4", `File "solution.py", line 5, in square`, `line 2, in helper`, "KeyError: 2"}},
		{"renamed function", "def sq(x):\n    return x * x\n", prep.Failed,
			[]string{"NameError: name 'square' is not defined", "Your code does not define square"}},
		{"wrong parameters", "def square():\n    return 4\n", prep.Failed,
			[]string{"takes 0 positional arguments but 1 was given", "parameters match the starter code"}},
		{"recursion", "def square(x):\n    return square(x)\n", prep.Failed, []string{"RecursionError", "base case"}},
		{"exit", "import sys\nsys.exit(0)\n", prep.Failed, []string{"Your code called exit()"}},
		{"empty", "  \n", prep.Failed, []string{"Send your answer as Python code"}},
		{"empty block", "```python\n```", prep.Failed, []string{"The code block is empty"}},
		{"sql block", "```sql\nSELECT 1\n```", prep.Failed, []string{"That is a ```sql block; this exercise wants Python"}},
		{"too long", "x = 1\n" + strings.Repeat("#", 40<<10), prep.Failed, []string{"at most 32 KiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := MustGrade(t, g, ex, tt.answer)
			d := v.Detail.String()
			if v.Outcome != tt.want {
				t.Errorf("%s, want %s:\n%s", outcomeName(v.Outcome), outcomeName(tt.want), d)
			}
			for _, want := range tt.detailHas {
				if !strings.Contains(d, want) {
					t.Errorf("the detail lacks %q:\n%s", want, d)
				}
			}
			// The learner sees their own code only.
			for _, leak := range []string{"harness.py", "tests.py", "/sandbox", "Traceback (most recent call last):\n  File \"tests.py\"", "prepbot-result"} {
				if strings.Contains(d, leak) {
					t.Errorf("the detail shows %q:\n%s", leak, d)
				}
			}
			if n := strings.Count(d, "\n"); n > 25 {
				t.Errorf("%d lines of detail:\n%s", n, d)
			}
		})
	}
}

// TestGradeShowsADiff checks that a long result is shown as a short diff.
func TestGradeShowsADiff(t *testing.T) {
	ex := MustExercise(t, strings.NewReplacer(
		"assert square(2) == 4\n", "assert table() == {f'key{i}': i * i for i in range(8)}\n",
		"## Solution\n\n```python\ndef square(x):\n    return x * x\n```", "## Solution\n\n```python\ndef square(x):\n    return x * x\n\ndef table():\n    return {f'key{i}': i * i for i in range(8)}\n```",
	).Replace(smallExercise))
	v := MustGrade(t, MustGrader(t), ex, "def square(x):\n    return x * x\n\ndef table():\n    return {f'key{i}': i * i + (i == 5) for i in range(8)}\n")
	want := "--- expected\n+++ yours\n- 'key5': 25,\n+ 'key5': 26,"
	if d := v.Detail.String(); v.Outcome != prep.Wrong || !strings.Contains(d, want) {
		t.Errorf("%s, want a diff with\n%s\n%s", outcomeName(v.Outcome), want, d)
	}
}

// TestGradeShowsWholeStatements checks that a failing assert written on
// several lines is shown whole.
func TestGradeShowsWholeStatements(t *testing.T) {
	ex := MustExercise(t, strings.Replace(smallExercise, "assert square(2) == 4\n", "assert square(2) == (\n    4\n)\n", 1))
	v := MustGrade(t, MustGrader(t), ex, "def square(x):\n    return x + 1\n")
	if d := v.Detail.String(); v.Outcome != prep.Wrong || !strings.Contains(d, "assert square(2) == (\n    4\n)\nexpected: 4\ngot:      3") {
		t.Errorf("%s:\n%s", outcomeName(v.Outcome), d)
	}
}

func TestGradeErrors(t *testing.T) {
	g := MustGrader(t)
	if _, err := g.Grade(context.Background(), prep.Exercise{ID: "sql-x", Kind: prep.SQLExercise}, "x = 1"); err == nil {
		t.Error("an exercise without a Python spec graded")
	}
	broken := MustExercise(t, strings.Replace(smallExercise, "assert square(-3) == 9\n", "assert square(-3) ==\n", 1))
	_, err := g.Grade(context.Background(), broken, "def square(x):\n    return x * x\n")
	if err == nil || !strings.Contains(err.Error(), "the tests do not parse") {
		t.Errorf("broken tests: %v", err)
	}
}

func TestNotInstalled(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "python.wasm")
	_, err := pycheck.New(context.Background(), pycheck.Options{WasmPath: missing})
	if !errors.Is(err, pycheck.ErrNotInstalled) || !strings.Contains(err.Error(), "scripts/fetch-python-wasm") {
		t.Errorf("a missing interpreter: %v", err)
	}
	var ie *pycheck.InstallError
	if !errors.As(err, &ie) || !ie.Missing || ie.Path != missing {
		t.Errorf("a missing interpreter: %#v, want an InstallError saying it is missing at %s", ie, missing)
	}
	fake := filepath.Join(dir, "fake.wasm")
	if err := os.WriteFile(fake, []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = pycheck.New(context.Background(), pycheck.Options{WasmPath: fake})
	if !errors.Is(err, pycheck.ErrNotInstalled) || !strings.Contains(err.Error(), "not the pinned") {
		t.Errorf("another module in its place: %v", err)
	}
	if !errors.As(err, &ie) || ie.Missing || ie.Path != fake || len(ie.SHA256) != 64 {
		t.Errorf("another module in its place: %#v, want an InstallError with the file's hash", ie)
	}
	_, err = pycheck.New(context.Background(), pycheck.Options{WasmPath: fake, MemoryLimit: 1 << 20})
	if err == nil || errors.Is(err, pycheck.ErrNotInstalled) {
		t.Errorf("a memory limit too small to start: %v", err)
	}
}

// TestFetchScriptPinsTheSameHash keeps the script and the grader on one
// interpreter.
func TestFetchScriptPinsTheSameHash(t *testing.T) {
	script, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "fetch-python-wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), `pinned="`+pycheck.InterpreterSHA256+`"`) {
		t.Errorf("scripts/fetch-python-wasm does not pin %s", pycheck.InterpreterSHA256)
	}
}

// TestGradeWaitsForCompilation grades at once after New, as the bot does
// right after start-up, and closes the grader while it still compiles.
func TestGradeWaitsForCompilation(t *testing.T) {
	path := RequireInterpreter(t)
	ex := MustExercise(t, smallExercise)
	g, err := pycheck.New(context.Background(), pycheck.Options{WasmPath: path, CacheDir: cacheDir(), TimeLimit: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if v := MustGrade(t, g, ex, "def square(x):\n    return x * x\n"); v.Outcome != prep.Correct {
		t.Errorf("%s\n%s", outcomeName(v.Outcome), v.Detail)
	}
	if g.CompileTime() <= 0 {
		t.Error("no compile time once ready")
	}
	if err := g.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Grade(context.Background(), ex, "def square(x):\n    return x * x\n"); err == nil {
		t.Error("graded after Close")
	}

	g, err = pycheck.New(context.Background(), pycheck.Options{WasmPath: path, CacheDir: cacheDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
