package markdown

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark/ast"
)

// Annotation keys a deck may use. Each applies in one kind of place only;
// see content/README.md.
const (
	keyID   = "id"   // on a card's ### heading or **Q:** line
	keyWhen = "when" // on a checklist ### heading or item line
)

// annotation is one "<!-- key: value -->" comment found where it applies.
type annotation struct {
	value string
	line  int
}

// misplaced tells where a known annotation belongs, for the message given
// when it is found anywhere else.
var misplaced = map[string]string{
	keyID:   `the "id" annotation belongs on a card's ### heading or **Q:** line`,
	keyWhen: `the "when" annotation belongs on a checklist ### heading line or at the end of a checklist item`,
}

// parseComment reads an HTML comment as an annotation. A comment is an
// annotation when it starts with a single word followed by a colon and a
// space (or the end), like "<!-- when: -1d 19:00 -->"; anything else, such as
// "<!-- see http://x -->" or "<!-- remember this -->", is a free-form
// comment and ok is false.
func parseComment(comment string) (key, value string, ok bool) {
	body := strings.TrimSuffix(strings.TrimPrefix(comment, "<!--"), "-->")
	body = strings.TrimSpace(body)
	key, value, found := strings.Cut(body, ":")
	if !found || key == "" || (value != "" && value[0] != ' ' && value[0] != '\t' && value[0] != '\n') {
		return "", "", false
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", "", false
		}
	}
	return key, strings.TrimSpace(value), true
}

// rawComment is an HTML comment and the offset in the source where it starts.
type rawComment struct {
	text   string
	offset int
}

// findComments lists the HTML comments in a piece of raw HTML that starts at
// offset in the source. An unterminated comment runs to the end.
func findComments(raw string, offset int) []rawComment {
	var out []rawComment
	pos := 0
	for {
		i := strings.Index(raw[pos:], "<!--")
		if i < 0 {
			return out
		}
		start := pos + i
		end := len(raw)
		if j := strings.Index(raw[start+4:], "-->"); j >= 0 {
			end = start + 4 + j + 3
		}
		out = append(out, rawComment{text: raw[start:end], offset: offset + start})
		pos = end
	}
}

// commentsIn lists the HTML comments inside nodes and their descendants:
// inline raw HTML and comment blocks.
func (p *parser) commentsIn(nodes []ast.Node) []rawComment {
	var out []rawComment
	for _, n := range nodes {
		_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				return ast.WalkContinue, nil
			}
			switch n := n.(type) {
			case *ast.RawHTML:
				if n.Segments.Len() == 0 {
					return ast.WalkContinue, nil
				}
				start := n.Segments.At(0).Start
				out = append(out, findComments(rawHTML(p.src, n), start)...)
			case *ast.HTMLBlock:
				if n.HTMLBlockType != ast.HTMLBlockType2 || n.Lines().Len() == 0 {
					return ast.WalkSkipChildren, nil
				}
				start := n.Lines().At(0).Start
				stop := n.Lines().At(n.Lines().Len() - 1).Stop
				if n.HasClosure() {
					stop = n.ClosureLine.Stop
				}
				out = append(out, findComments(string(p.src[start:stop]), start)...)
				return ast.WalkSkipChildren, nil
			}
			return ast.WalkContinue, nil
		})
	}
	return out
}

// annotations collects the annotations in nodes. Keys in allowed are
// returned; unknown keys, known keys that do not apply here and repeated
// keys are reported. Free-form comments are skipped.
func (p *parser) annotations(nodes []ast.Node, allowed ...string) map[string]annotation {
	found := make(map[string]annotation)
	for _, c := range p.commentsIn(nodes) {
		key, value, ok := parseComment(c.text)
		if !ok {
			continue
		}
		line := p.line(c.offset)
		where, known := misplaced[key]
		switch {
		case !known:
			p.errorf(line, "unknown annotation %q (known: id, when; a note must not start with a word and a colon)", key)
		case !contains(allowed, key):
			p.errorf(line, "%s", where)
		default:
			if _, dup := found[key]; dup {
				p.errorf(line, "a second %q annotation in the same place", key)
				continue
			}
			found[key] = annotation{value: value, line: line}
		}
	}
	return found
}

// checkStray reports every annotation inside content where none applies,
// such as an answer or text that is ignored.
func (p *parser) checkStray(nodes ...ast.Node) {
	p.annotations(nodes)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validID reports why an explicit card id is unusable, or "" when it is
// fine. IDs travel in button data (64 bytes in all), hence the short limit.
func validID(id string) string {
	if id == "" {
		return "empty id"
	}
	if len(id) > maxIDLen {
		return fmt.Sprintf("id %q is longer than %d characters", id, maxIDLen)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Sprintf("id %q may hold only lower-case letters a-z, digits, '-', '_' and '.'", id)
		}
	}
	return ""
}

// maxIDLen bounds explicit card IDs so that a callback payload carrying one
// stays well within Telegram's 64 bytes.
const maxIDLen = 32
