package prep

import (
	"reflect"
	"strings"
	"testing"
)

// TestTypedAnswerShowsFencedCodeWithoutItsFences: typedAnswer is
// unexported and its cases are many; the engine test
// TestTypedFencedAnswerIsShownAsCode covers the reveal that uses it.
func TestTypedAnswerShowsFencedCodeWithoutItsFences(t *testing.T) {
	code := func(text, lang string) Span { return Span{Style: CodeBlock, Text: text, Lang: lang} }
	it := func(text string) Span { return Span{Style: Italic, Text: text} }
	tests := []struct {
		name, in string
		want     RichText
	}{
		{"prose", "lists are mutable", RichText{it("lists are mutable")}},
		{"fenced with language", "```sql\nSELECT 1\nFROM t\n```", RichText{code("SELECT 1\nFROM t", "sql")}},
		{"fenced without language", "```\nx = 1\n```", RichText{code("x = 1", "")}},
		{"tildes", "~~~python\nprint(1)\n~~~", RichText{code("print(1)", "python")}},
		{"longer fence holds a shorter one", "````\n```\ninner\n```\n````", RichText{code("```\ninner\n```", "")}},
		{"closing may be longer", "```\nx\n`````", RichText{code("x", "")}},
		{"backticks do not close tildes", "~~~\n```\n~~~", RichText{code("```", "")}},
		{"indented fences", "  ```sql\n  SELECT 1\n   ```", RichText{code("  SELECT 1", "sql")}},
		{"four spaces are not a fence", "    ```\nx", RichText{it("```\nx")}},
		{"prose around", "I'd use a CTE:\n```sql\nWITH a AS (SELECT 1) SELECT * FROM a\n```\nfor readability",
			RichText{it("I'd use a CTE:"), code("WITH a AS (SELECT 1) SELECT * FROM a", "sql"), it("for readability")}},
		{"two blocks", "```\na\n```\n```\nb\n```", RichText{code("a", ""), code("b", "")}},
		{"unclosed runs to the end", "```sql\nSELECT 1\nFROM", RichText{code("SELECT 1\nFROM", "sql")}},
		{"one line is inline code", "```SELECT 1```", RichText{it("```SELECT 1```")}},
		{"two backticks are no fence", "``\nx\n``", RichText{it("``\nx\n``")}},
		{"only an empty fence", "```\n```", RichText{it("```\n```")}},
	}
	for _, tt := range tests {
		if got := typedAnswer(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: typedAnswer(%q) = %#v, want %#v", tt.name, tt.in, got, tt.want)
		}
	}
}

// FuzzTypedAnswer: any typed text is shown, never lost (non-blank input
// gives non-empty output), and nothing is added to it but the line breaks
// around code blocks (fences only ever take lines away).
func FuzzTypedAnswer(f *testing.F) {
	for _, s := range []string{"x", "```sql\nSELECT 1\n```", "~~~\n```\n~~~", "```\n```", "  ```a b\nc", "```x```"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := typedAnswer(s)
		if strings.TrimSpace(s) != "" && len(got) == 0 {
			t.Fatalf("typedAnswer(%q) is empty", s)
		}
		if n := len(got.String()); n > len(s)+len(got) {
			t.Fatalf("typedAnswer(%q) grew to %d bytes", s, n)
		}
	})
}
