package slack

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/prepbot/prepbot/internal/prep"
)

// Slack's limits on what the bot sends.
const (
	// MaxSectionLen is the most characters in a section block's text.
	MaxSectionLen = 3000
	// MaxBlocks is the most blocks in one message.
	MaxBlocks = 50
	// MaxRowButtons is the most elements in one actions block.
	MaxRowButtons = 25
	// MaxButtons is the most buttons the bot puts under one message.
	MaxButtons = 100
	// MaxActionBlocks is the most actions blocks (rows of buttons) under
	// one message, leaving room in MaxBlocks for the text.
	MaxActionBlocks = 20
	// MaxLabelLen is the most characters in a button's text.
	MaxLabelLen = 75
	// MaxFallbackLen caps the plain text sent beside the blocks, which
	// Slack shows in notifications; Slack allows 40,000, a notification
	// shows far less.
	MaxFallbackLen = 3000
)

// Message is one Slack message rendered from a reply: Block Kit blocks and
// the plain-text fallback Slack shows in notifications.
type Message struct {
	Text   string
	Blocks []slackgo.Block
}

// zwsp lets a formatting marker touch a letter: Slack formats *x* only
// when the asterisks are not inside a word, and a zero-width space ends
// the word without showing.
const zwsp = "\u200b"

// mrkdwnEscaper escapes the three characters Slack's mrkdwn reserves for
// its own markup (links, mentions, entities).
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes text safe inside Slack mrkdwn: &, < and > become entities,
// so that no text can form a link, a mention or a broken entity.
func Escape(s string) string { return mrkdwnEscaper.Replace(s) }

// RenderMrkdwn renders rich text as one mrkdwn string, however long:
// Bold *x*, Italic _x_, Code `x`, CodeBlock ```x```, Link <url|text>, every
// text escaped. Links with other schemes than http, https and mailto are
// shown as text followed by the address.
func RenderMrkdwn(t prep.RichText) string {
	var b strings.Builder
	for _, p := range pieces(normalize(t), 1<<30) {
		b.WriteString(p.md)
	}
	return strings.Trim(b.String(), "\n")
}

// Sections renders rich text as mrkdwn texts of at most limit characters
// each (UTF-16 code units, Slack's measure), for one section block each.
// It cuts at line ends where it can, else between spans or at spaces, and
// never inside a code block's fences, an entity or a link: a code block or
// styled text that must be cut is closed and reopened. Texts that would
// hold only white space are left out.
func Sections(t prep.RichText, limit int) []string {
	var out []string
	for _, s := range sectionize(normalize(t), limit) {
		out = append(out, s.md)
	}
	return out
}

// Messages renders a reply's text and buttons as one or more messages:
// section blocks of at most MaxSectionLen characters, then one actions
// block per row of buttons, at most MaxBlocks blocks a message. The buttons
// go under the last message. It leaves out buttons Slack would reject (see
// Actions) and reports how many.
func Messages(t prep.RichText, rows [][]prep.Button) (msgs []Message, dropped int) {
	actions, dropped := Actions(rows)
	secs := sectionize(normalize(t), MaxSectionLen)
	if len(secs) == 0 && len(actions) > 0 {
		// A message of buttons alone still needs words for the fallback
		// and for screen readers.
		secs = []section{{md: "…", plain: "…"}}
	}
	for len(secs) > 0 {
		if len(secs) <= MaxBlocks-len(actions) {
			msgs = append(msgs, sectionMessage(secs))
			break
		}
		// Keep at least one section for the last message, which carries
		// the buttons.
		room := min(MaxBlocks, len(secs)-1)
		msgs = append(msgs, sectionMessage(secs[:room]))
		secs = secs[room:]
	}
	if len(msgs) > 0 {
		last := &msgs[len(msgs)-1]
		last.Blocks = append(last.Blocks, actions...)
	}
	return msgs, dropped
}

// EditMessage renders a reply as exactly one message, for chat.update,
// which cannot become two: text beyond what fits beside the buttons is cut
// and ends in "…".
func EditMessage(t prep.RichText, rows [][]prep.Button) (msg Message, dropped int) {
	actions, dropped := Actions(rows)
	secs := sectionize(normalize(t), MaxSectionLen)
	if room := MaxBlocks - len(actions); len(secs) > room {
		secs = append(secs[:room-1:room-1], section{md: "…", plain: "…"})
	}
	if len(secs) == 0 {
		secs = []section{{md: "…", plain: "…"}}
	}
	msg = sectionMessage(secs)
	msg.Blocks = append(msg.Blocks, actions...)
	return msg, dropped
}

func sectionMessage(secs []section) Message {
	var m Message
	var plain strings.Builder
	for i, s := range secs {
		m.Blocks = append(m.Blocks, slackgo.NewSectionBlock(
			slackgo.NewTextBlockObject(slackgo.MarkdownType, s.md, false, false), nil, nil))
		if i > 0 {
			plain.WriteString("\n")
		}
		plain.WriteString(s.plain)
	}
	m.Text = Escape(trimUnits(strings.TrimSpace(plain.String()), MaxFallbackLen))
	return m
}

// Actions builds one actions block per row of buttons (a row longer than
// MaxRowButtons continues in another block). With more rows than
// MaxActionBlocks (a checklist slot of many items), whole rows share
// blocks, up to MaxRowButtons buttons each, so that every item keeps its
// buttons. Each button's value is the button's Data and its action_id is
// unique within the message. Buttons Slack would reject or the coach could
// not read back (Data empty, over prep.MaxButtonData bytes or not UTF-8;
// past the MaxButtons'th) are left out and counted.
func Actions(rows [][]prep.Button) (blocks []slackgo.Block, dropped int) {
	share := len(rows) > MaxActionBlocks
	n := 0
	var elems []slackgo.BlockElement
	flush := func() {
		if len(elems) > 0 {
			blocks = append(blocks, slackgo.NewActionBlock(fmt.Sprintf("prep_row_%d", len(blocks)), elems...))
			elems = nil
		}
	}
	for i, row := range rows {
		if !share || len(elems)+len(row) > MaxRowButtons {
			flush()
		}
		for j, b := range row {
			if !validButtonData(b.Data) || n >= MaxButtons || len(blocks) >= MaxActionBlocks {
				dropped++
				continue
			}
			label := strings.TrimSpace(strings.ToValidUTF8(b.Label, "\uFFFD"))
			if label == "" {
				label = "•"
			}
			label = trimUnits(label, MaxLabelLen)
			elems = append(elems, slackgo.NewButtonBlockElement(ActionID(i, j), b.Data,
				slackgo.NewTextBlockObject(slackgo.PlainTextType, label, true, false)))
			n++
			if len(elems) == MaxRowButtons {
				flush()
			}
		}
	}
	flush()
	return blocks, dropped
}

// ActionID names the button at row i, column j of a message. Slack wants
// action ids unique within a message; the bot reads the value, not the id.
func ActionID(i, j int) string { return fmt.Sprintf("prep_%d_%d", i, j) }

func validButtonData(d string) bool {
	return d != "" && len(d) <= prep.MaxButtonData && utf8.ValidString(d)
}

// PlainText renders rich text without markup, for ephemeral fallbacks and
// logs: the coach's own String, made valid UTF-8.
func PlainText(t prep.RichText) string {
	return strings.ToValidUTF8(t.String(), "\uFFFD")
}

// normalize makes rich text safe to render and to measure: valid UTF-8, no
// empty spans, unsafe links turned to text, and code blocks on lines of
// their own (with the newlines as explicit plain spans).
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
			body := strings.Trim(s.Text, "\n")
			if strings.TrimSpace(body) == "" {
				continue
			}
			if len(out) > 0 && !strings.HasSuffix(out[len(out)-1].Text, "\n") {
				out = append(out, prep.Span{Style: prep.Plain, Text: "\n"})
			}
			afterBlock = false
			add(prep.Span{Style: prep.CodeBlock, Text: body})
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
	if raw == "" || strings.ContainsAny(raw, " \n\r\t<>|") {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return u.Opaque != ""
	}
	return false
}

// piece is an unbreakable run of rendered mrkdwn: at most one line of one
// span, or a whole fenced code block.
type piece struct {
	md, plain string
	eol       bool // a newline: cutting after it starts a fresh line
}

// section is the text of one section block.
type section struct{ md, plain string }

// sectionize packs pieces into sections of at most limit units, cutting
// after the last newline that fits when there is one.
func sectionize(spans []prep.Span, limit int) []section {
	ps := pieces(spans, limit)
	var out []section
	var cur []piece
	size := 0
	emit := func(ps []piece) {
		var md, plain strings.Builder
		for _, p := range ps {
			md.WriteString(p.md)
			plain.WriteString(p.plain)
		}
		m := strings.Trim(md.String(), " \n")
		if strings.TrimSpace(strings.ReplaceAll(m, zwsp, "")) == "" {
			return
		}
		out = append(out, section{md: m, plain: strings.Trim(plain.String(), " \n")})
	}
	for _, p := range ps {
		w := units(p.md)
		if size+w > limit && len(cur) > 0 {
			cut := len(cur)
			for i := len(cur) - 1; i >= 0; i-- {
				if cur[i].eol {
					cut = i + 1
					break
				}
			}
			emit(cur[:cut])
			cur = append([]piece(nil), cur[cut:]...)
			size = 0
			for _, q := range cur {
				size += units(q.md)
			}
			if size+w > limit {
				emit(cur)
				cur, size = nil, 0
			}
		}
		cur = append(cur, p)
		size += w
	}
	emit(cur)
	return out
}

// pieces renders spans as pieces of at most limit units each.
func pieces(spans []prep.Span, limit int) []piece {
	var out []piece
	lineStart := true
	for i, s := range spans {
		var prev, next rune
		if i > 0 {
			prev, _ = utf8.DecodeLastRuneInString(spans[i-1].Text)
		}
		if i+1 < len(spans) {
			next, _ = utf8.DecodeRuneInString(spans[i+1].Text)
		}
		switch s.Style {
		case prep.CodeBlock:
			out = append(out, codeBlockPieces(s.Text, limit)...)
			lineStart = false
		case prep.Link:
			md := "<" + escapeURL(s.URL) + "|" + Escape(s.Text) + ">"
			plain := s.Text
			if s.URL != s.Text {
				plain += " (" + s.URL + ")"
			}
			if units(md) <= limit {
				out = append(out, piece{md: md, plain: plain})
				lineStart = false
				break
			}
			out = append(out, textPieces(prep.Plain, plain, limit, 0, 0, &lineStart)...)
		default:
			out = append(out, textPieces(s.Style, s.Text, limit, prev, next, &lineStart)...)
		}
	}
	return out
}

// textPieces renders a plain, bold, italic or inline-code span line by
// line, since Slack's markers do not reach across lines; a line too long
// for one piece is cut at spaces and each part marked on its own.
func textPieces(style prep.Style, text string, limit int, prev, next rune, lineStart *bool) []piece {
	var marker string
	switch style {
	case prep.Bold:
		marker = "*"
	case prep.Italic:
		marker = "_"
	case prep.Code:
		marker = "`"
		// A backtick would end the code early; its look-alike cannot.
		text = strings.ReplaceAll(text, "`", "ˋ")
	}
	if style != prep.Code {
		// Three backticks in text would open a code block that the
		// next three, anywhere after, close; a zero-width space keeps
		// them apart, as in a code block's body.
		text = breakFences(text)
	}
	var out []piece
	lines := strings.SplitAfter(text, "\n")
	for li, line := range lines {
		body, nl := strings.CutSuffix(line, "\n")
		first, last := li == 0, li == len(lines)-1 || (li == len(lines)-2 && lines[len(lines)-1] == "")
		for body != "" {
			budget := limit - 2*len(marker) - 2*len(zwsp) - len("\u200b&gt;")
			head, rest := cutText(body, max(1, budget))
			out = append(out, renderPiece(marker, head, first && prev != 0, last && rest == "" && next != 0, prev, next, *lineStart && style == prep.Plain))
			*lineStart = false
			first = false
			body = rest
		}
		if nl {
			out = append(out, piece{md: "\n", plain: "\n", eol: true})
			*lineStart = true
		}
	}
	return out
}

// renderPiece marks one line's text. Markers go around the text without
// its surrounding spaces (Slack formats "*x*", not "* x *"), with zero-width
// spaces where a marker would touch a letter of the neighbouring span.
func renderPiece(marker, text string, checkPrev, checkNext bool, prev, next rune, atLineStart bool) piece {
	if marker == "" {
		md := Escape(text)
		if atLineStart && strings.HasPrefix(md, "&gt;") {
			// Slack shows a line that starts with ">" as a quote.
			md = zwsp + md
		}
		return piece{md: md, plain: text}
	}
	core := strings.TrimSpace(text)
	if core == "" {
		return piece{md: text, plain: text}
	}
	i := strings.Index(text, core)
	lead, trail := text[:i], text[i+len(core):]
	var b strings.Builder
	b.WriteString(lead)
	if lead == "" && checkPrev && isWordRune(prev) {
		b.WriteString(zwsp)
	}
	b.WriteString(marker + Escape(core) + marker)
	if trail == "" && checkNext && isWordRune(next) {
		b.WriteString(zwsp)
	}
	b.WriteString(trail)
	return piece{md: b.String(), plain: text}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// codeBlockPieces fences a code block, as several blocks of whole lines
// when it is too long for one piece.
func codeBlockPieces(body string, limit int) []piece {
	// Three backticks inside would close the fence; a zero-width space
	// keeps them apart without changing what the reader sees.
	body = breakFences(body)
	const fences = len("```\n") + len("\n```")
	budget := max(1, limit-fences-2) // the newlines around a block
	var out []piece
	var cur []string
	size := 0
	flush := func() {
		if len(cur) == 0 {
			return
		}
		code := strings.Join(cur, "\n")
		if len(out) > 0 {
			out = append(out, piece{md: "\n", plain: "\n", eol: true})
		}
		out = append(out, piece{md: "```\n" + Escape(code) + "\n```", plain: code})
		cur, size = nil, 0
	}
	for _, line := range strings.Split(body, "\n") {
		for {
			w := escapedUnits(line)
			if size > 0 {
				w++ // the newline joining it to the line before
			}
			if size+w <= budget {
				cur = append(cur, line)
				size += w
				break
			}
			if size > 0 {
				flush()
				continue
			}
			// A single line longer than a block: cut it.
			head, rest := cutText(line, budget)
			cur = append(cur, head)
			size = budget
			flush()
			line = rest
			if line == "" {
				break
			}
		}
	}
	flush()
	return out
}

// cutText splits s so that head, escaped, fits in budget units: at the last
// space that fits if there is one in the second half, else at the last
// character that fits (always at least one, so cutting progresses).
func cutText(s string, budget int) (head, rest string) {
	if escapedUnits(s) <= budget {
		return s, ""
	}
	used, end, space := 0, 0, -1
	for i, r := range s {
		w := runeUnits(r)
		switch r {
		case '&':
			w = 5
		case '<', '>':
			w = 4
		}
		if used+w > budget {
			break
		}
		used += w
		end = i + utf8.RuneLen(r)
		if r == ' ' {
			space = i
		}
	}
	if end == 0 {
		_, size := utf8.DecodeRuneInString(s)
		return s[:size], s[size:]
	}
	if space > end/2 {
		return s[:space], s[space+1:]
	}
	return s[:end], s[end:]
}

// escapeURL makes an address safe inside <url|text>: entities for the
// reserved characters, and the bar that would end the address encoded.
func escapeURL(u string) string {
	return strings.ReplaceAll(Escape(u), "|", "%7C")
}

// units measures text as Slack limits it: in UTF-16 code units.
func units(s string) int {
	n := 0
	for _, r := range s {
		n += runeUnits(r)
	}
	return n
}

func runeUnits(r rune) int { return utf16.RuneLen(r) }

func escapedUnits(s string) int { return units(Escape(s)) }

// trimUnits cuts s to at most n UTF-16 units, ending in "…" when it cut.
func trimUnits(s string, n int) string {
	if units(s) <= n {
		return s
	}
	used := 0
	for i, r := range s {
		if used+runeUnits(r) > n-1 {
			return strings.TrimRightFunc(s[:i], unicode.IsSpace) + "…"
		}
		used += runeUnits(r)
	}
	return s
}

// breakFences puts a zero-width space after every second backtick of a
// run, so that no three stand together however long the run: a plain
// replacement of "```" leaves three in a run of five.
func breakFences(s string) string {
	if !strings.Contains(s, "```") {
		return s
	}
	var b strings.Builder
	run := 0
	for _, r := range s {
		if r == '`' {
			if run == 2 {
				b.WriteString(zwsp)
				run = 0
			}
			run++
		} else {
			run = 0
		}
		b.WriteRune(r)
	}
	return b.String()
}
