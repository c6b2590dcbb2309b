package pycheck_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/pycheck"
)

// TestLoadReportsMistakes loads files with mistakes planted in them: every
// mistake is reported at its file and line, with a message that says what
// to do, and only the sound exercises are loaded.
func TestLoadReportsMistakes(t *testing.T) {
	exs, probs := pycheck.Load(os.DirFS("testdata/bad"))
	var ids []string
	for _, ex := range exs {
		ids = append(ids, ex.ID)
	}
	if got := strings.Join(ids, " "); got != "py-good py-easy-after-medium" {
		t.Errorf("loaded %q, want the two sound exercises", got)
	}
	want := []string{
		`02-easy-after-medium.md:1: warning: an easy exercise after a medium one (01-good.md): files are read in name order, easy to hard; renumber it`,
		`03-mistakes.md:1: error: only a list of "- key: value" items`,
		`03-mistakes.md:6: error: difficulty "extreme": write easy, medium or hard`,
		`03-mistakes.md:7: error: unknown metadata key "colour"`,
		`03-mistakes.md:8: error: "topic" is set twice (first at line 5)`,
		`03-mistakes.md:10: error: the task is empty`,
		`03-mistakes.md:19: error: a second code block in the starter section (the first is at line 14)`,
		`03-mistakes.md:24: error: the tests section needs a ` + "```python" + ` block of assert statements`,
		`03-mistakes.md:26: error: a ` + "```sql" + ` block in the tests section: write Python in a ` + "```python" + ` block`,
		`03-mistakes.md:30: error: the solution section needs a ` + "```python" + ` block`,
		`03-mistakes.md:32: error: an indented code block in the solution section`,
		`03-mistakes.md:38: error: an empty hint`,
		`03-mistakes.md:40: error: unknown section "Extras"; the sections are: task, starter, tests, solution, hints, wrong answers`,
		`03-mistakes.md:46: warning: text in the wrong answers section is read only right before a ` + "```python" + ` block`,
		`03-mistakes.md:48: error: an exercise file has one # title`,
		`04-no-asserts.md:5: error: id "Not An ID!" must start with "py-"`,
		`04-no-asserts.md:20: error: the tests have no top-level assert statement, so every answer would pass`,
		`05-latin1.md:4: error: the file is not valid UTF-8 text`,
		`06-nothing.md:1: error: no # title`,
		`06-nothing.md:1: error: no "## Task" section`,
		`06-nothing.md:1: error: no "## Starter" section`,
		`06-nothing.md:1: error: no "## Tests" section`,
		`06-nothing.md:1: error: no "## Solution" section`,
		`06-nothing.md:1: error: no topic: add "- topic: ..." under the title`,
		`06-nothing.md:1: error: no difficulty: add "- difficulty: easy"`,
		`07-same-id.md:1: error: id py-good is also the id of the exercise at 01-good.md:1; set "- id:" on one of them`,
		"08-fence-left-open.md:19: error: code fence opened here (```) is not closed before line 24 (```python), which opens another block",
		`folder.md: warning: a folder, not an exercise; skipped`,
	}
	got := probs.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("no problem %q", w)
		}
	}
	if t.Failed() {
		t.Logf("the problems:\n%s", got)
	}
	if strings.Contains(got, "README.md") || strings.Contains(got, "notes.txt") {
		t.Errorf("README.md or notes.txt read as an exercise:\n%s", got)
	}
}

func TestLoadEmpty(t *testing.T) {
	_, probs := pycheck.Load(fstest.MapFS{})
	if len(probs) != 1 || !strings.Contains(probs[0].String(), "no exercises found") {
		t.Errorf("an empty folder: %v", probs)
	}
	_, probs = pycheck.Load(fstest.MapFS{"x": {Mode: 0}})
	if !probs.HasErrors() {
		t.Errorf("a folder without exercises: %v", probs)
	}
}

func TestParse(t *testing.T) {
	src := "<!-- A note for authors. -->\n# Square it\n\n- topic: Basics\n- difficulty: Easy\n\n" +
		"## Task\n\nReturn `x` **squared**:\n\n- for any int\n- fast\n\n" +
		"## Starter\n\n```py\ndef square(x):\n    ...\n```\n\n" +
		"## Tests\n\n```\nassert square(3) == 9\n```\n\n" +
		"## Solution\n\n```python3\ndef square(x):\n    return x * x\n```\n\n" +
		"## Hints\n\n- Multiply `x` by itself.\n- Or `x ** 2`.\n\n" +
		"## Wrong answers\n\nDoubling:\n\n```python\ndef square(x):\n    return 2 * x\n```\n"
	spec, probs := pycheck.Parse("content/12-square_it.md", []byte(src))
	if len(probs) > 0 {
		t.Fatal(probs.Error())
	}
	if spec.ID != "py-square-it" || spec.Title != "Square it" || spec.Topic != "Basics" || spec.Difficulty != pycheck.Easy {
		t.Errorf("metadata: %+v", spec)
	}
	if spec.Starter.Source != "def square(x):\n    ...\n" || spec.Starter.Pos.Line != 16 {
		t.Errorf("starter: %+v", spec.Starter)
	}
	if spec.Tests.Source != "assert square(3) == 9\n" || spec.Tests.Pos.Line != 23 {
		t.Errorf("tests: %+v", spec.Tests)
	}
	if len(spec.Hints) != 2 || spec.Hints[0] != "Multiply x by itself." {
		t.Errorf("hints: %q", spec.Hints)
	}
	if len(spec.Wrong) != 1 || spec.Wrong[0].Why != "Doubling:" || spec.Wrong[0].Pos.Line != 43 {
		t.Errorf("wrong answers: %+v", spec.Wrong)
	}
	ex, err := spec.Build()
	if err != nil {
		t.Fatal(err)
	}
	want := "Return x squared:\n\n• for any int\n• fast\n\ndef square(x):\n    ..."
	if got := ex.Prompt.String(); !strings.Contains(got, "squared") || !strings.HasSuffix(strings.TrimSpace(got), "def square(x):\n    ...") {
		t.Errorf("prompt:\n%s\nwant like:\n%s", got, want)
	}
	if ex.Kind != prep.PythonExercise || ex.Solution != "def square(x):\n    return x * x" || ex.Spec != spec {
		t.Errorf("exercise: %+v", ex)
	}
}

func TestParseIDs(t *testing.T) {
	const body = "\n\n- topic: T\n- difficulty: easy\n\n## Task\n\nT.\n\n## Starter\n\n```python\nx = 1\n```\n\n## Tests\n\n```python\nassert x\n```\n\n## Solution\n\n```python\nx = 1\n```\n"
	tests := []struct{ name, id, problem string }{
		{"01-dedupe.md", "py-dedupe", ""},
		{"dedupe.md", "py-dedupe", ""},
		{"2024_Window Functions!.md", "py-window-functions", ""},
		{"007.md", "py-007", ""},
		{"01-" + strings.Repeat("long", 10) + ".md", "", "longer than 32 characters"},
		{"01-é.md", "", `must start with "py-" and name the exercise`},
	}
	for _, tt := range tests {
		spec, probs := pycheck.Parse(tt.name, []byte("# T"+body))
		switch {
		case tt.problem != "":
			if !strings.Contains(probs.Error(), tt.problem) {
				t.Errorf("%s: problems %v, want %q", tt.name, probs, tt.problem)
			}
		case len(probs) > 0:
			t.Errorf("%s: %v", tt.name, probs)
		case spec.ID != tt.id:
			t.Errorf("%s: id %q, want %q", tt.name, spec.ID, tt.id)
		}
	}
}
