package mdtext

import (
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// ExtractCode finds the code in a chat message, as people send it: bare, in
// fenced code blocks (their text joined), or as one inline code span making
// up the whole message; words around a code block are left out. accept says
// which fence languages hold code of the wanted kind ("" is a fence without
// one). When the message has fenced blocks but none accepted, code is empty
// and other names the language that was sent instead.
func ExtractCode(msg string, accept func(lang string) bool) (code, other string) {
	src := []byte(msg)
	doc := goldmark.New().Parser().Parse(text.NewReader(src))
	var blocks []string
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		f, isFence := n.(*ast.FencedCodeBlock)
		if !isFence {
			continue
		}
		lang := strings.ToLower(string(f.Language(src)))
		if !accept(lang) {
			other = lang
			continue
		}
		blocks = append(blocks, Source(src).Lines(f.Lines()))
	}
	switch {
	case len(blocks) > 0:
		return strings.Join(blocks, "\n"), ""
	case other != "":
		return "", other
	}
	if span := onlyCodeSpan(doc, src); span != "" {
		return span, ""
	}
	return msg, ""
}

// onlyCodeSpan returns the text of an inline code span that makes up the
// whole message, such as `SELECT 1` or ```SELECT 1``` written on one line.
func onlyCodeSpan(doc ast.Node, src []byte) string {
	para, ok := doc.FirstChild().(*ast.Paragraph)
	if !ok || para.NextSibling() != nil {
		return ""
	}
	var span *ast.CodeSpan
	for c := para.FirstChild(); c != nil; c = c.NextSibling() {
		switch n := c.(type) {
		case *ast.CodeSpan:
			if span != nil {
				return ""
			}
			span = n
		case *ast.Text:
			if strings.TrimSpace(string(n.Segment.Value(src))) != "" {
				return ""
			}
		default:
			return ""
		}
	}
	if span == nil {
		return ""
	}
	var b strings.Builder
	for c := span.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			b.Write(t.Segment.Value(src))
		}
	}
	return b.String()
}
