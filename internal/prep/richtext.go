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

// Len is the length of the plain rendering in characters (runes), the unit
// in which chat platforms limit messages.
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
