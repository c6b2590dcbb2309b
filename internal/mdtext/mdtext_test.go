package mdtext_test

import (
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/prepbot/prepbot/internal/mdtext"
	"github.com/prepbot/prepbot/internal/prep"
)

func TestBlocksRenderAsRichText(t *testing.T) {
	src := []byte("List the **busiest** annotators, `name` first.\nWrapped line.\n\n- one\n- two *em*\n\n1. first\n2. second\n\n```sql\nSELECT 1;\n```\n\nSee <https://example.com>.\n")
	doc := goldmark.New().Parser().Parse(text.NewReader(src))
	var out prep.RichText
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		out = append(out, mdtext.Source(src).Block(n)...)
	}
	got := mdtext.Trim(out).String()
	want := "List the busiest annotators, name first. Wrapped line.\n\n• one\n• two em\n\n1. first\n2. second\n\nSELECT 1;\n\nSee https://example.com."
	if got != want {
		t.Fatalf("rendered:\n%q\nwant:\n%q", got, want)
	}
	styles := map[prep.Style]bool{}
	for _, s := range out {
		styles[s.Style] = true
	}
	for _, st := range []prep.Style{prep.Bold, prep.Code, prep.Italic, prep.CodeBlock, prep.Link} {
		if !styles[st] {
			t.Errorf("style %d lost", st)
		}
	}
	var para ast.Node = doc.FirstChild()
	if p := mdtext.Source(src).Plain(para); p != "List the busiest annotators, name first. Wrapped line." {
		t.Errorf("Plain = %q", p)
	}
}
