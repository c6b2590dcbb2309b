package pycheck_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/pycheck"
)

// FuzzParse feeds the exercise parser anything: it must not panic, must
// place every problem on a line of the file, and must return a complete
// exercise whenever it reports no error.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{exerciseDir, "testdata/bad", "testdata/lint"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
		for _, file := range files {
			if st, err := os.Stat(file); err != nil || st.IsDir() {
				continue
			}
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(src))
		}
	}
	f.Add(smallExercise)
	f.Add("# T\n\n- topic: x\n- difficulty: easy\n\n## Tests\n\n```python\nassert 1\n```\n```\n")
	f.Add("\xef\xbb\xbf# T\r\n\r\n- id: py-\x00\r\n")
	f.Fuzz(func(t *testing.T, src string) {
		spec, probs := pycheck.Parse("fuzz.md", []byte(src))
		// A lone CR ends a line too, as in the parser.
		lines := strings.Count(strings.ReplaceAll(src, "\r\n", "\n"), "\n") + strings.Count(strings.ReplaceAll(src, "\r\n", ""), "\r") + 1
		for _, p := range probs {
			if p.Pos.File != "fuzz.md" || p.Pos.Line < 1 || p.Pos.Line > lines {
				t.Fatalf("problem outside the file (%d lines): %v", lines, p)
			}
			if p.Message == "" {
				t.Fatalf("a problem without a message: %v", p)
			}
		}
		if probs.HasErrors() != (spec == nil) {
			t.Fatalf("errors %v but exercise %v", probs, spec)
		}
		if spec == nil {
			return
		}
		if spec.Title == "" || spec.Topic == "" || spec.Difficulty == 0 || !strings.HasPrefix(spec.ID, "py-") ||
			len(spec.Task) == 0 || spec.Starter.Source == "" || spec.Tests.Source == "" || spec.Solution.Source == "" {
			t.Fatalf("an incomplete exercise without an error: %+v", spec)
		}
		for _, h := range spec.Hints {
			if strings.TrimSpace(h) == "" {
				t.Fatal("an empty hint")
			}
		}
		ex, err := spec.Build()
		if err == nil && (ex.Kind != prep.PythonExercise || ex.Prompt.Len() > prep.MaxCardText) {
			t.Fatalf("a bad exercise: %+v", ex)
		}
	})
}

// FuzzExtractPython feeds the reader of chat messages anything: it must
// not panic, and must either find code within the size cap or say why not.
func FuzzExtractPython(f *testing.F) {
	f.Add("def f():\n    return 1\n")
	f.Add("Here:\n```python\nx = 1\n```\nand\n```py\ny = 2\n```")
	f.Add("`x = 1`")
	f.Add("```sql\nSELECT 1\n```")
	f.Add("```\n\n```")
	f.Add("\r\n\u00a0\x00")
	f.Fuzz(func(t *testing.T, msg string) {
		code, v, ok := pycheck.ExtractPython(msg, 1<<10)
		if ok {
			if strings.TrimSpace(code) == "" || len(code) > len(msg)+1 || v.Outcome != 0 {
				t.Fatalf("ok with code %q and verdict %+v", code, v)
			}
			return
		}
		if v.Outcome != prep.Failed || len(v.Detail) == 0 {
			t.Fatalf("not ok without a reason: %+v", v)
		}
	})
}
