package prep

import (
	"strings"
	"unicode/utf8"
)

// Style is how a Span of RichText is shown. Adapters map each style to their
// platform's markup (Telegram HTML, Slack mrkdwn, plain terminal text), so
// the engine never builds platform markup or has to escape for it.
type Style uint8

// Styles of a Span.
const (
	Plain Style = iota
	Bold
	Italic
	Code      // inline code
	CodeBlock // a preformatted block; its Text holds the lines
	Link      // Text shown, URL the target
)

// Span is a run of text in one style.
type Span struct {
	Style Style
	Text  string
	URL   string // for Link only
	Lang  string // for CodeBlock only: the fence's language, if any
}

// RichText is formatted text as a sequence of spans. Newlines inside Plain
// spans separate lines and paragraphs.
type RichText []Span

// Text returns rich text of one plain span.
func Text(s string) RichText { return RichText{{Style: Plain, Text: s}} }

// Plain appends plain text.
func (r RichText) Plain(s string) RichText { return append(r, Span{Style: Plain, Text: s}) }

// Bold appends bold text.
func (r RichText) Bold(s string) RichText { return append(r, Span{Style: Bold, Text: s}) }

// Italic appends italic text.
func (r RichText) Italic(s string) RichText { return append(r, Span{Style: Italic, Text: s}) }

// Code appends inline code.
func (r RichText) Code(s string) RichText { return append(r, Span{Style: Code, Text: s}) }

// Append appends other rich text.
func (r RichText) Append(other RichText) RichText { return append(r, other...) }

// String renders the text without any markup: code blocks keep their lines,
// links show their text followed by the URL in parentheses when they differ.
func (r RichText) String() string {
	var b strings.Builder
	for _, s := range r {
		switch s.Style {
		case CodeBlock:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte('\n')
			}
			b.WriteString(strings.TrimRight(s.Text, "\n"))
			b.WriteByte('\n')
		case Link:
			b.WriteString(s.Text)
			if s.URL != "" && s.URL != s.Text {
				b.WriteString(" (" + s.URL + ")")
			}
		default:
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

// Len is the length of the plain rendering in characters (runes). Telegram
// and Slack limit messages in UTF-16 code units, where a character outside
// the Basic Multilingual Plane (an emoji) counts two; the deck limits use
// those (MaxCardText), and each adapter measures what it sends.
func (r RichText) Len() int { return utf8.RuneCountInString(r.String()) }

// TrimSpace removes leading and trailing white space from the whole text,
// dropping spans that become empty.
func (r RichText) TrimSpace() RichText {
	out := append(RichText(nil), r...)
	for len(out) > 0 && out[0].Style != CodeBlock {
		out[0].Text = strings.TrimLeft(out[0].Text, " \t\r\n")
		if out[0].Text != "" {
			break
		}
		out = out[1:]
	}
	for len(out) > 0 && out[len(out)-1].Style != CodeBlock {
		last := &out[len(out)-1]
		last.Text = strings.TrimRight(last.Text, " \t\r\n")
		if last.Text != "" {
			break
		}
		out = out[:len(out)-1]
	}
	return out
}

// fullStop is the period that ends a sentence closing with s: none when s
// already ends in ".", "?", "!" or "…" (a card's question, an exercise's
// title), so that "Undid your rating of What is a CTE?" does not read "?.".
// Closing quotes and brackets are looked through: `(in order.)` is ended.
func fullStop(s string) string {
	s = strings.TrimRight(s, " \t\n\"'”’)]")
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "…") {
		return ""
	}
	return "."
}

// typedAnswer is a user's typed answer as shown beside the model answer:
// prose in italics, and each fenced block (```sql … ```) as a code block of
// its lines, without the fence lines, which are how the user typed code and
// not part of the answer. The fences are found by CommonMark's rules (up to
// three spaces of indent, three or more backticks or tildes, closed by a
// run of the same at least as long); a fence left open runs to the end, as
// a cut-short answer would. The domain cannot use internal/mdtext (which
// imports it), and a typed answer needs no more of Markdown than this.
func typedAnswer(s string) RichText {
	var out RichText
	var prose []string
	flush := func() {
		if p := strings.TrimSpace(strings.Join(prose, "\n")); p != "" {
			out = out.Italic(p)
		}
		prose = nil
	}
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		fence, lang, ok := openingFence(lines[i])
		if !ok {
			prose = append(prose, lines[i])
			continue
		}
		var code []string
		for i++; i < len(lines) && !closesFence(lines[i], fence); i++ {
			code = append(code, lines[i])
		}
		flush()
		if body := strings.Join(code, "\n"); strings.TrimSpace(body) != "" {
			out = append(out, Span{Style: CodeBlock, Text: body, Lang: lang})
		}
	}
	flush()
	if len(out) == 0 { // nothing but empty fences: show what was typed
		return RichText{}.Italic(strings.TrimSpace(s))
	}
	return out
}

// openingFence reads a line that opens a fenced code block: its fence
// ("```", "~~~~") and the language of its info string.
func openingFence(line string) (fence, lang string, ok bool) {
	rest, ok := fenceIndent(line)
	if !ok || len(rest) < 3 || (rest[0] != '`' && rest[0] != '~') {
		return "", "", false
	}
	n := len(rest) - len(strings.TrimLeft(rest, rest[:1]))
	if n < 3 {
		return "", "", false
	}
	info := strings.TrimSpace(rest[n:])
	if rest[0] == '`' && strings.Contains(info, "`") {
		return "", "", false // ```SELECT 1``` on one line is inline code, not a fence
	}
	if f := strings.Fields(info); len(f) > 0 {
		lang = f[0]
	}
	return rest[:n], lang, true
}

// closesFence reports whether a line closes a block opened with fence.
func closesFence(line, fence string) bool {
	rest, ok := fenceIndent(line)
	if !ok {
		return false
	}
	rest = strings.TrimRight(rest, " \t")
	return len(rest) >= len(fence) && strings.Trim(rest, fence[:1]) == ""
}

// fenceIndent strips the up to three spaces a fence line may be indented by.
func fenceIndent(line string) (string, bool) {
	rest := strings.TrimLeft(line, " ")
	return rest, len(line)-len(rest) <= 3
}
