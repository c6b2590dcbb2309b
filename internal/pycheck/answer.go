package pycheck

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/prepbot/prepbot/internal/prep"
)

// extractPython finds the code in a chat message. People paste code bare,
// in a fenced code block (```python, ```py or ```), or as one inline code
// span; a message may also hold words around a code block, which are left
// out. ok is false when there is nothing to run, and v says why.
func extractPython(msg string, maxBytes int) (code string, v prep.Verdict, ok bool) {
	if len(msg) > maxBytes {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(fmt.Sprintf(
			"Your message is %s; an answer may be at most %s. Send just the code.", sizeString(int64(len(msg))), sizeString(int64(maxBytes))))}, false
	}
	// Phones and chat apps turn spaces into no-break spaces and lines into
	// CRLF; Python rejects the first and the tests' line numbers suffer
	// from the second.
	msg = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u00a0", " ").Replace(msg)
	if strings.TrimSpace(msg) == "" {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(
			"Send your answer as Python code: the starter's function with its body written (a ```python code block works too).")}, false
	}
	src := []byte(msg)
	doc := goldmark.New().Parser().Parse(text.NewReader(src))
	var blocks []string
	var other string
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		f, isFence := n.(*ast.FencedCodeBlock)
		if !isFence {
			continue
		}
		lang := strings.ToLower(string(f.Language(src)))
		if !isPythonLang(lang) {
			other = lang
			continue
		}
		var b strings.Builder
		for i := 0; i < f.Lines().Len(); i++ {
			seg := f.Lines().At(i)
			b.Write(seg.Value(src))
		}
		blocks = append(blocks, b.String())
	}
	switch {
	case len(blocks) > 0:
		code = strings.Join(blocks, "\n")
	case other != "":
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(fmt.Sprintf(
			"That is a ```%s block; this exercise wants Python (in a ```python block, or bare).", other))}, false
	default:
		code = msg
		if span := onlyCodeSpan(doc, src); span != "" {
			code = span
		}
	}
	if strings.TrimSpace(code) == "" {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(
			"The code block is empty. Put your code inside it.")}, false
	}
	return code, prep.Verdict{}, true
}

// onlyCodeSpan returns the text of an inline code span that makes up the
// whole message, such as `x = 1` written on one line.
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
