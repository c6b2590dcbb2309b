package mdtext_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/prepbot/prepbot/internal/mdtext"
)

// TestUnclosedFences checks which fenced code blocks are reported: those
// that run to the end of the file or of their container, and those that
// swallow the opening line of the next block; never a block closed as its
// author meant, whatever it shows.
func TestUnclosedFences(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "line fence nested next-line next-fence" of each reported block
	}{
		{"closed", "```sql\nSELECT 1;\n```\n", nil},
		{"closed by a longer fence at the end of the file", "~~~\nx\n~~~~", nil},
		{"empty and closed", "```\n```\n", nil},
		{"runs to the end of the file", "text\n\n```sql\nSELECT 1;\n\n## Next\n", []string{"3 ``` false"}},
		{"opened on the last line", "text\n````", []string{"2 ```` false"}},
		{"in a list item", "- a\n  ```\n  x\n- b\n", []string{"2 ``` true"}},
		{"in a quote", "> ```\n> x\n\nafter\n", []string{"1 ``` true"}},
		{"closed by the next block's closing fence", "```\nSELECT 1;\n\n## Next\n\n```sql\nSELECT 2;\n```\n", []string{"1 ``` false 6 ```sql"}},
		{"the next block opened with a longer fence", "~~~\nx\n~~~~python\ny\n~~~~\n", []string{"1 ~~~ false 3 ~~~~python"}},
		{"a shorter fence inside a longer one", "````markdown\n```sql\nSELECT 1;\n```\n````\n", nil},
		{"the other fence character inside", "```\n~~~sql\n```\n", nil},
		{"backticks in the info string: not an opening fence", "```\n```SELECT 1```\n```\n", nil},
		{"indented four spaces: code, not a fence", "```\n    ```sql\n```\n", nil},
		{"two unclosed", "- ```\n  x\n\n```\ny\n", []string{"1 ``` true", "4 ``` false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, root, bad := mdtext.Prepare([]byte(tt.src))
			if d == nil {
				t.Fatalf("not UTF-8 at line %d", bad)
			}
			var got []string
			for _, f := range mdtext.UnclosedFences(root) {
				s := fmt.Sprintf("%d %s %t", d.Line(f.Offset), f.Fence, f.Nested)
				if f.Next >= 0 {
					s += fmt.Sprintf(" %d %s", d.Line(f.Next), f.NextFence)
				}
				got = append(got, s)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestUntrackedFencesAreNotReported: a parser built without TrackFences
// knows nothing of its fences, so none may be reported as unclosed.
func TestUntrackedFencesAreNotReported(t *testing.T) {
	root := goldmark.New().Parser().Parse(text.NewReader([]byte("```\nx\n```\n\n```\ny\n")))
	if got := mdtext.UnclosedFences(root); len(got) != 0 {
		t.Fatalf("reported %d fences of an untracked parse", len(got))
	}
}

func TestUnclosedFenceMessages(t *testing.T) {
	line := func(offset int) int { return offset }
	tests := []struct {
		f    mdtext.UnclosedFence
		want string
	}{
		{mdtext.UnclosedFence{Fence: "```", Next: -1},
			"code fence opened here (```) is never closed; every later card would be swallowed into it as code: close it with a line of ```"},
		{mdtext.UnclosedFence{Fence: "~~~", Nested: true, Next: -1},
			"code fence opened here (~~~) is never closed, so the rest of its list item or quote is code; close it with a line of ~~~"},
		{mdtext.UnclosedFence{Fence: "```", Next: 9, NextFence: "```sql"},
			"code fence opened here (```) is not closed before line 9 (```sql), which opens another block; every card in between would be swallowed into it as code: close it with a line of ```"},
	}
	for _, tt := range tests {
		if got := tt.f.Message("card", line); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

// FuzzTrackFences checks that tracking fences changes nothing in the parse:
// the same tree, block for block and line for line, as goldmark's own.
func FuzzTrackFences(f *testing.F) {
	for _, s := range []string{
		"```sql\nSELECT 1;\n```\n",
		"```\nx\n\n## Next\n\n```sql\ny\n```\n",
		"- a\n  ```\n  x\n- b\n> ~~~\n> y\n",
		"````markdown\n```sql\n```\n````\n",
		"\t```\n\t\tx\n  ```  \n```a`b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		plain := dump(goldmark.New().Parser().Parse(text.NewReader(src)))
		tracked := goldmark.New(goldmark.WithParserOptions(mdtext.TrackFences())).Parser().Parse(text.NewReader(src))
		if got := dump(tracked); got != plain {
			t.Fatalf("tracked parse differs:\n%s\nwant:\n%s", got, plain)
		}
		for _, u := range mdtext.UnclosedFences(tracked) {
			if u.Offset < 0 || u.Offset >= max(1, len(src)) || u.Fence == "" || u.Next >= len(src) {
				t.Fatalf("bad report %+v for %d bytes", u, len(src))
			}
		}
	})
}

// dump writes a tree's blocks with their kinds and line segments.
func dump(n ast.Node) string {
	var b strings.Builder
	_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		fmt.Fprintf(&b, "%s", n.Kind())
		if n.Type() == ast.TypeBlock {
			for i := 0; i < n.Lines().Len(); i++ {
				s := n.Lines().At(i)
				fmt.Fprintf(&b, " %d-%d+%d", s.Start, s.Stop, s.Padding)
			}
		}
		b.WriteByte('\n')
		return ast.WalkContinue, nil
	})
	return b.String()
}
