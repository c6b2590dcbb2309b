package telegram

import (
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/prepbot/prepbot/internal/prep"
)

// Telegram's limits on what the bot sends, in UTF-16 code units of visible
// text (after entity parsing), which is how Telegram counts.
const (
	MaxMessageLen = 4096
	MaxCaptionLen = 1024
	MaxNoticeLen  = 200 // answerCallbackQuery text
	// MaxButtons is the most inline buttons the bot puts under one message;
	// Telegram rejects larger keyboards.
	MaxButtons = 100
)

// RenderHTML renders rich text in Telegram's HTML parse mode. Every text is
// escaped, so nothing the engine or a deck author writes can break the
// markup; links with other schemes than http, https, tg and mailto are
// shown as text.
func RenderHTML(t prep.RichText) string {
	return renderSpans(normalize(t))
}

// SplitHTML renders rich text as one or more messages of at most limit
// characters of visible text each, cutting at line ends where it can, else
// at spaces, else anywhere between characters. A part does not end with a
// label (bold text ending in ':') or a bold heading line when something
// comes before it to end the part with: the label opens the next part,
// beside what it introduces. Each part is well-formed on its own: a span
// cut in two is closed and reopened. Parts that would hold only white space
// are left out.
func SplitHTML(t prep.RichText, limit int) []string {
	spans := normalize(t)
	full, bounds := flatten(spans)
	return renderPieces(spans, bounds, full, cuts(spans, bounds, full, limit))
}

// maxClosingLen bounds the closing line splitWithButtons sets apart: a
// prompt, not a paragraph of content.
const maxClosingLen = 200

// splitWithButtons is SplitHTML for a reply with buttons, which go under
// its last part. When the reply needs several parts and ends with a short
// closing line after a blank line (the prompt the buttons answer: "How
// well did you recall it?"), that line is the last part by itself. A press
// edits only the message its button is under (a rating turns it into the
// card's one-line summary), and so takes with it only the prompt, not the
// end of the answer; the earlier parts stay as the answer the user read.
func splitWithButtons(t prep.RichText, limit int) []string {
	spans := normalize(t)
	full, bounds := flatten(spans)
	body := strings.TrimRightFunc(full, isSpace)
	i := strings.LastIndex(body, "\n\n")
	if textLen(full) <= limit || i < 0 {
		return SplitHTML(t, limit)
	}
	head := strings.TrimRightFunc(body[:i], isSpace)
	closing := span{len(full) - len(strings.TrimLeftFunc(full[i:], isSpace)), len(body)}
	if head == "" || strings.Contains(body[closing.start:], "\n") || textLen(body[closing.start:]) > maxClosingLen {
		return SplitHTML(t, limit)
	}
	pieces := append(cuts(spans, bounds, head, limit), closing)
	return renderPieces(spans, bounds, full, pieces)
}

// renderPieces renders the pieces of the visible text that hold more than
// white space.
func renderPieces(spans []prep.Span, bounds []int, full string, pieces []span) []string {
	var out []string
	for _, c := range pieces {
		if strings.TrimSpace(full[c.start:c.end]) == "" {
			continue
		}
		out = append(out, renderSpans(slice(spans, bounds, c.start, c.end)))
	}
	return out
}

// InlineKeyboard builds the keyboard for rows of buttons, leaving out the
// buttons Telegram would reject (callback data empty, over 64 bytes or not
// UTF-8; past the MaxButtons'th) and reporting how many it left out. It
// returns nil when no button remains. A non-zero owner binds the buttons
// to that Telegram user (a message in a group; see bindData): a button
// whose data is too long to bind is left out too, unless it runs a command,
// which anyone may press.
func InlineKeyboard(rows [][]prep.Button, owner int64) (kb *tgbotapi.InlineKeyboardMarkup, dropped int) {
	n := 0
	var out [][]tgbotapi.InlineKeyboardButton
	for _, row := range rows {
		var r []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			data := b.Data
			if owner != 0 && validButtonData(data) {
				if bound, ok := bindData(owner, data); ok || !isCommandData(data) {
					data = bound
				}
			}
			if !validButtonData(data) || n >= MaxButtons {
				dropped++
				continue
			}
			label := strings.TrimSpace(strings.ToValidUTF8(b.Label, "\uFFFD"))
			if label == "" {
				label = "•"
			}
			r = append(r, tgbotapi.NewInlineKeyboardButtonData(label, data))
			n++
		}
		if len(r) > 0 {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, dropped
	}
	return &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: out}, dropped
}

func validButtonData(d string) bool {
	return d != "" && len(d) <= prep.MaxButtonData && utf8.ValidString(d)
}

// normalize makes rich text safe to render and to measure: valid UTF-8,
// no empty spans, unsafe links turned to text, and code blocks on lines of
// their own (with the newlines as explicit plain spans, so that the
// visible text is exactly the concatenation of the spans' texts).
func normalize(t prep.RichText) []prep.Span {
	out := make([]prep.Span, 0, len(t))
	afterBlock := false
	add := func(s prep.Span) {
		if s.Text == "" {
			return
		}
		if afterBlock && !strings.HasPrefix(s.Text, "\n") {
			out = append(out, prep.Span{Style: prep.Plain, Text: "\n"})
		}
		afterBlock = s.Style == prep.CodeBlock
		out = append(out, s)
	}
	for _, s := range t {
		s.Text = strings.ToValidUTF8(s.Text, "\uFFFD")
		switch s.Style {
		case prep.Plain, prep.Bold, prep.Italic, prep.Code:
			add(prep.Span{Style: s.Style, Text: s.Text})
		case prep.CodeBlock:
			body := strings.TrimRight(s.Text, "\n")
			if body == "" {
				continue
			}
			if len(out) > 0 && !strings.HasSuffix(out[len(out)-1].Text, "\n") {
				out = append(out, prep.Span{Style: prep.Plain, Text: "\n"})
			}
			afterBlock = false
			add(prep.Span{Style: prep.CodeBlock, Text: body, Lang: cleanLang(s.Lang)})
		case prep.Link:
			u := strings.ToValidUTF8(s.URL, "")
			text := s.Text
			if text == "" {
				text = u
			}
			if safeURL(u) {
				add(prep.Span{Style: prep.Link, Text: text, URL: u})
				continue
			}
			if u != "" && u != text {
				text += " (" + u + ")"
			}
			add(prep.Span{Style: prep.Plain, Text: text})
		default:
			add(prep.Span{Style: prep.Plain, Text: s.Text})
		}
	}
	return out
}

func safeURL(raw string) bool {
	if raw == "" || strings.ContainsAny(raw, " \n\r\t") {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "tg", "mailto":
		return true
	}
	return false
}

// cleanLang keeps a code fence's language to the characters a class name
// can hold.
func cleanLang(lang string) string {
	var b strings.Builder
	for _, r := range lang {
		if b.Len() >= 32 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+#._-", r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func renderSpans(spans []prep.Span) string {
	var b strings.Builder
	for _, s := range spans {
		text := htmlEscaper.Replace(s.Text)
		switch s.Style {
		case prep.Bold:
			b.WriteString("<b>" + text + "</b>")
		case prep.Italic:
			b.WriteString("<i>" + text + "</i>")
		case prep.Code:
			b.WriteString("<code>" + text + "</code>")
		case prep.CodeBlock:
			if s.Lang != "" {
				b.WriteString(`<pre><code class="language-` + s.Lang + `">` + text + "</code></pre>")
			} else {
				b.WriteString("<pre>" + text + "</pre>")
			}
		case prep.Link:
			b.WriteString(`<a href="` + attrEscaper.Replace(s.URL) + `">` + text + "</a>")
		default:
			b.WriteString(text)
		}
	}
	return b.String()
}

// flatten joins the spans' texts (the visible text) and records where each
// span starts; bounds has one more entry, the total length.
func flatten(spans []prep.Span) (string, []int) {
	var b strings.Builder
	bounds := make([]int, 0, len(spans)+1)
	for _, s := range spans {
		bounds = append(bounds, b.Len())
		b.WriteString(s.Text)
	}
	bounds = append(bounds, b.Len())
	return b.String(), bounds
}

// slice returns the spans covering bytes [start, end) of the visible text,
// cutting the first and last to fit.
func slice(spans []prep.Span, bounds []int, start, end int) []prep.Span {
	var out []prep.Span
	for i, s := range spans {
		a, z := bounds[i], bounds[i+1]
		if z <= start || a >= end {
			continue
		}
		s.Text = s.Text[max(a, start)-a : min(z, end)-a]
		out = append(out, s)
	}
	return out
}

type span struct{ start, end int }

// cuts divides text, the flattened spans, into pieces of at most limit
// UTF-16 units; the white space a cut falls on belongs to neither piece.
// A piece that would end with a label ends before it instead, since a
// label at the bottom of one message with its text at the top of the next
// reads as if the text were missing.
func cuts(spans []prep.Span, bounds []int, text string, limit int) []span {
	var out []span
	pos := 0
	for pos < len(text) {
		end, skip := cutPoint(text[pos:], limit)
		for pos+end+skip < len(text) {
			l, lend, ok := labelStart(spans, bounds, text, pos, pos+end)
			if !ok {
				break
			}
			if e := len(strings.TrimRightFunc(text[pos:l], isSpace)); e > 0 {
				// The shorter piece may end with a label in turn (a heading
				// above a label); each pass shortens it, so the loop ends.
				end, skip = e, l-pos-e
				continue
			}
			// The label opens the piece (it was moved here): cut inside
			// what it introduces, hard if need be, rather than leave it
			// alone again.
			next := len(text) - len(strings.TrimLeftFunc(text[lend:], isSpace))
			end, skip = cutPointAfter(text[pos:], limit, next-pos)
			break
		}
		out = append(out, span{pos, pos + end})
		pos += end + skip
	}
	return out
}

// labelStart reports whether the piece text[pos:end] ends (white space
// aside) with a label, and where the label starts and ends. A label is bold text
// ending in ':' ("✍️ Your answer: "), or a heading: a line all in bold
// (a card's question) that the cut leaves at the end of a line. Both
// introduce what follows them.
func labelStart(spans []prep.Span, bounds []int, text string, pos, end int) (start, e int, ok bool) {
	e = pos + len(strings.TrimRightFunc(text[pos:end], isSpace))
	if e == pos {
		return 0, 0, false
	}
	// The span holding the piece's last visible byte; spans are never
	// empty, so bounds rise strictly.
	i := sort.Search(len(spans), func(i int) bool { return bounds[i+1] >= e })
	if spans[i].Style != prep.Bold {
		return 0, 0, false
	}
	line := max(pos, strings.LastIndexByte(text[:e], '\n')+1)
	if text[e-1] == ':' {
		return max(line, bounds[i]), e, true
	}
	rest := text[e:]
	if n := strings.IndexFunc(rest, func(r rune) bool { return !isSpace(r) }); n >= 0 {
		rest = rest[:n]
	}
	if !strings.Contains(rest, "\n") {
		return 0, 0, false // cut inside a line: a long bold passage, not a heading
	}
	for j := i; j >= 0 && bounds[j+1] > line; j-- {
		from, to := max(bounds[j], line), min(bounds[j+1], e)
		if spans[j].Style != prep.Bold && strings.TrimSpace(text[from:to]) != "" {
			return 0, 0, false
		}
	}
	return line, e, true
}

// cutPoint finds where to end a piece that starts text: all of it if it
// fits, else the last newline that fits, else the last space, else the
// last character boundary that fits (at least one character, so that
// splitting always progresses). skip is the width of the separator cut at.
func cutPoint(text string, limit int) (end, skip int) {
	return cutPointAfter(text, limit, 0)
}

// cutPointAfter is cutPoint cutting at no separator before byte from + 1,
// so that the piece keeps text[:from] and something after it.
func cutPointAfter(text string, limit, from int) (end, skip int) {
	units, hard := 0, 0
	for i, r := range text {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if units+w > limit {
			break
		}
		units += w
		hard = i + utf8.RuneLen(r)
	}
	if hard == len(text) {
		return hard, 0
	}
	if hard == 0 {
		_, size := utf8.DecodeRuneInString(text)
		return size, 0
	}
	window := text[:hard]
	// A separator just past the window is as good as one inside it.
	if text[hard] == '\n' && hard > from {
		return hard, 1
	}
	if i := strings.LastIndexByte(window, '\n'); i > from {
		return i, 1
	}
	if text[hard] == ' ' && hard > from {
		return hard, 1
	}
	if i := strings.LastIndexByte(window, ' '); i > from {
		return i, 1
	}
	return hard, 0
}

func isSpace(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '\r' }

// textLen measures text as Telegram does: in UTF-16 code units.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// plainNotice renders rich text as a callback answer: plain text, at most
// MaxNoticeLen characters.
func plainNotice(t prep.RichText) string {
	s := strings.TrimSpace(strings.ToValidUTF8(t.String(), "\uFFFD"))
	if textLen(s) <= MaxNoticeLen {
		return s
	}
	end, _ := cutPoint(s, MaxNoticeLen-1)
	return strings.TrimRightFunc(s[:end], isSpace) + "…"
}
