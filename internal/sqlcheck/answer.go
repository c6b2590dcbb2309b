package sqlcheck

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/prepbot/prepbot/internal/prep"
)

// extractSQL finds the query in a chat message. People paste SQL bare, in
// a fenced code block (```sql or ```), or as one inline code span; a
// message may also hold words around a code block, which are left out. ok
// is false when there is nothing to run, and v says why.
func extractSQL(msg string, maxBytes int) (query string, v prep.Verdict, ok bool) {
	if len(msg) > maxBytes {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(fmt.Sprintf(
			"Your message is %s; a query may be at most %s. Send just the query.", sizeString(int64(len(msg))), sizeString(int64(maxBytes))))}, false
	}
	if strings.TrimSpace(msg) == "" {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(
			"Send your answer as an SQL query, e.g. SELECT * FROM some_table; (a ```sql code block works too).")}, false
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
		switch lang {
		case "", "sql", "sqlite", "postgres", "postgresql", "psql", "mysql", "pgsql":
			var b strings.Builder
			for i := 0; i < f.Lines().Len(); i++ {
				seg := f.Lines().At(i)
				b.Write(seg.Value(src))
			}
			blocks = append(blocks, b.String())
		default:
			other = lang
		}
	}
	switch {
	case len(blocks) > 0:
		query = strings.Join(blocks, "\n")
	case other != "":
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(fmt.Sprintf(
			"That is a ```%s block; this exercise wants SQL (in a ```sql block, or bare).", other))}, false
	default:
		query = msg
		if span := onlyCodeSpan(doc, src); span != "" {
			query = span
		}
	}
	if strings.TrimSpace(query) == "" {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(
			"The code block is empty. Put your query inside it.")}, false
	}
	return query, prep.Verdict{}, true
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
