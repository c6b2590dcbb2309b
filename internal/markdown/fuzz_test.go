package markdown_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"

	"github.com/prepbot/prepbot/content"
	"github.com/prepbot/prepbot/internal/markdown"
	"github.com/prepbot/prepbot/internal/prep"
)

// FuzzParse feeds the parser arbitrary decks: it must never panic, and what
// it returns must be usable: every card and item identified, named and
// placed inside the file.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"## T\n\n### q\na\n",
		"## T\n\n**Q: q**\nA: a\n**Q:** r\n\nA: b\n- x\n  - y\n",
		"## T\n\n### L <!-- when: -1d 19:00 -->\n- [ ] a <!-- when: -30m -->\n- [x] b\n  - [ ] c\n",
		"## T\n\n### q <!-- id: x -->\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```go\nx\n```\n> q\n",
		"###\n##\n#\n---\n- [ ]\n**Q:**\nA:\n<!-- k: v -->\n<!--\n",
		"## T\r\n\r\n### q\r\n\x00a\r\n",
	} {
		f.Add([]byte(s))
	}
	// The real decks, cut into sections: small seeds keep the fuzzer's
	// minimizing of each new input (up to a minute, unreported) short.
	decks, _ := fs.Glob(content.FS(), "*.md")
	for _, name := range decks {
		data, err := fs.ReadFile(content.FS(), name)
		if err != nil {
			f.Fatal(err)
		}
		for _, part := range bytes.SplitAfter(data, []byte("\n### ")) {
			if len(part) < 600 {
				f.Add(part)
			}
		}
	}
	bad, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.md"))
	for _, path := range bad {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		cards, items, probs := markdown.Parse("deck.md", src)
		// CR, LF and CRLF each end a line, as in CommonMark.
		lines := 1 + bytes.Count(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")), []byte("\n")) +
			bytes.Count(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")), []byte("\r"))
		inFile := func(pos prep.Position, zeroOK bool) bool {
			return pos.File == "deck.md" && pos.Line <= lines && (pos.Line >= 1 || zeroOK && pos.Line == 0)
		}
		for _, c := range cards {
			if c.ID == "" || c.Question == "" || c.Topic == "" || len(c.Answer) == 0 || !inFile(c.Source, false) {
				t.Fatalf("bad card %+v (file has %d lines)", c, lines)
			}
			if n := len(utf16.Encode([]rune(c.Question + c.Answer.String()))); n > prep.MaxCardText {
				t.Fatalf("card %q is %d characters long", c.Question, n)
			}
		}
		for _, it := range items {
			if it.ID == "" || it.Text == "" || it.Group == "" || it.Section == "" || !inFile(it.Source, false) {
				t.Fatalf("bad checklist item %+v (file has %d lines)", it, lines)
			}
		}
		for _, p := range probs {
			if p.Message == "" || !inFile(p.Pos, true) {
				t.Fatalf("bad problem %+v (file has %d lines)", p, lines)
			}
		}
		if !probs.HasErrors() {
			if _, err := prep.NewLibrary(cards, items); err != nil {
				t.Fatalf("no errors reported, yet: %v", err)
			}
		}
	})
}
