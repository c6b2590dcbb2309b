package markdown

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/prepbot/prepbot/internal/prep"
)

// writer turns goldmark's AST into prep.RichText. Separators between blocks
// are owed, not written, until more text follows, so an answer never ends in
// blank lines and nested blocks indent only the lines they start.
type writer struct {
	src []byte
	out prep.RichText

	indent   string // written at the start of every line
	blockSep int    // newlines between blocks at this level: 2, or 1 inside list items
	owed     int    // newlines owed before the next text
	bol      bool   // at the beginning of a line
	marked   bool   // a list marker was just written: the item's first block follows on its line
	afterPre bool   // a code block ended the last line itself
}

func newWriter(src []byte) *writer {
	return &writer{src: src, blockSep: 2, bol: true}
}

// richText returns what was written, without surrounding white space.
func (w *writer) richText() prep.RichText {
	return w.out.TrimSpace()
}

// sep owes n newlines before the next block, unless the block begins right
// after its list marker.
func (w *writer) sep(n int) {
	if w.marked {
		return
	}
	w.owed = max(w.owed, n)
}

// flush writes the owed newlines and the indent of a new line.
func (w *writer) flush(indent bool) {
	if w.owed > 0 && len(w.out) > 0 {
		n := w.owed
		if w.afterPre {
			n--
		}
		if last := &w.out[len(w.out)-1]; last.Style == prep.Plain {
			last.Text = strings.TrimRight(last.Text, " \t")
		}
		if n > 0 {
			w.add(prep.Span{Text: strings.Repeat("\n", n)})
		}
		w.bol = true
	}
	w.owed = 0
	if indent && w.bol && w.indent != "" {
		w.add(prep.Span{Text: w.indent})
	}
	if indent {
		w.bol = false
	}
	w.marked = false
	w.afterPre = false
}

// add appends a span, merging it into the previous one when they look the
// same, to keep the rich text short.
func (w *writer) add(s prep.Span) {
	if n := len(w.out); n > 0 && s.Style != prep.CodeBlock {
		last := &w.out[n-1]
		if last.Style == s.Style && last.URL == s.URL {
			last.Text += s.Text
			return
		}
	}
	w.out = append(w.out, s)
}

// text writes text in a style; newlines in plain text start new lines.
func (w *writer) text(style prep.Style, s, url string) {
	if style != prep.Plain {
		s = strings.ReplaceAll(s, "\n", " ")
	}
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			w.newline()
		}
		if line == "" {
			continue
		}
		w.flush(true)
		w.add(prep.Span{Style: style, Text: line, URL: url})
	}
}

// newline ends the current line.
func (w *writer) newline() {
	w.owed = max(w.owed, 1)
}

// codeBlock writes preformatted lines.
func (w *writer) codeBlock(text, lang string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	w.sep(w.blockSep)
	w.flush(false)
	w.add(prep.Span{Style: prep.CodeBlock, Text: text, Lang: lang})
	w.afterPre = true
	w.bol = true
}

// blocks writes a sequence of blocks.
func (w *writer) blocks(nodes ...ast.Node) {
	for _, n := range nodes {
		w.block(n)
	}
}

// block writes one block node.
func (w *writer) block(n ast.Node) {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		w.paragraph(children(n))
	case *ast.Heading:
		// Structure comes from #, ## and ###; deeper headings inside an
		// answer are shown as a bold line.
		w.sep(w.blockSep)
		w.inlines(prep.Bold, children(n))
	case *ast.List:
		w.list(n)
	case *ast.Blockquote:
		w.sep(w.blockSep)
		old := w.indent
		w.indent += "> "
		for _, c := range children(n) {
			w.block(c)
		}
		w.indent = old
	case *ast.FencedCodeBlock:
		w.codeBlock(w.lines(n.Lines()), string(n.Language(w.src)))
	case *ast.CodeBlock:
		w.codeBlock(w.lines(n.Lines()), "")
	case *ast.HTMLBlock:
		w.htmlBlock(n)
	case *ast.ThematicBreak:
		w.sep(w.blockSep)
		w.text(prep.Plain, "———", "")
	case *east.Table:
		w.table(n)
	default:
		w.sep(w.blockSep)
		for _, c := range children(n) {
			if c.Type() == ast.TypeBlock {
				w.block(c)
			} else {
				w.inline(prep.Plain, c)
			}
		}
	}
}

// paragraph writes a paragraph from its inline nodes (or a part of them).
func (w *writer) paragraph(inl []ast.Node) {
	w.sep(w.blockSep)
	w.inlines(prep.Plain, inl)
}

// lines joins the source lines of a code block.
func (w *writer) lines(lines *text.Segments) string {
	var b strings.Builder
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(w.src))
	}
	return strings.TrimRight(b.String(), "\n")
}

// htmlBlock keeps raw HTML as plain text, leaving out comments: those are
// annotations or notes to the deck's author.
func (w *writer) htmlBlock(n *ast.HTMLBlock) {
	s := strings.TrimSpace(stripComments(htmlBlockText(w.src, n)))
	if s == "" {
		return
	}
	w.sep(w.blockSep)
	w.text(prep.Plain, s, "")
}

// list writes a list's items one per line ("• " or "1. "), nested lists
// indented by two spaces.
func (w *writer) list(n *ast.List) {
	if n.HasBlankPreviousLines() {
		w.sep(w.blockSep)
	} else {
		// A list that follows its introduction ("Action:") without a blank
		// line stays right under it, as the author laid it out.
		w.sep(1)
	}
	itemSep := 1
	if !n.IsTight {
		itemSep = 2
	}
	number := n.Start
	for i, c := range children(n) {
		if i > 0 {
			w.sep(itemSep)
		}
		marker := "• "
		if n.IsOrdered() {
			marker = fmt.Sprintf("%d%c ", number, n.Marker)
			number++
		}
		w.text(prep.Plain, marker, "")
		w.marked = true
		oldIndent, oldSep := w.indent, w.blockSep
		w.indent += "  "
		w.blockSep = 1
		w.blocks(children(c)...)
		w.indent, w.blockSep = oldIndent, oldSep
		w.marked = false
	}
}

// table writes each body row as one line, "Header: value · Header: value",
// which reads well in a chat where a grid would not fit.
func (w *writer) table(n *east.Table) {
	w.sep(w.blockSep)
	var header []string
	rows := 0
	for _, r := range children(n) {
		cells := children(r)
		if _, ok := r.(*east.TableHeader); ok {
			for _, c := range cells {
				header = append(header, plainText(w.src, children(c)))
			}
			continue
		}
		if rows > 0 {
			w.newline()
		}
		rows++
		first := true
		for i, c := range cells {
			if c.FirstChild() == nil {
				continue
			}
			if !first {
				w.text(prep.Plain, " · ", "")
			}
			first = false
			if i < len(header) && header[i] != "" {
				w.text(prep.Plain, header[i]+": ", "")
			}
			w.inlines(prep.Plain, children(c))
		}
	}
	if rows == 0 && len(header) > 0 {
		// A table with a header only still says something.
		w.text(prep.Plain, strings.Join(header, " · "), "")
	}
}

// inlines writes inline nodes in a style.
func (w *writer) inlines(style prep.Style, nodes []ast.Node) {
	for _, n := range nodes {
		w.inline(style, n)
	}
}

// inline writes one inline node. Nested emphasis takes the innermost style,
// since a span has only one.
func (w *writer) inline(style prep.Style, n ast.Node) {
	switch n := n.(type) {
	case *ast.Text:
		v := n.Value(w.src)
		if !n.IsRaw() {
			v = unescape(v)
		}
		w.text(style, string(v), "")
		if n.SoftLineBreak() || n.HardLineBreak() {
			// A line break inside a paragraph is kept: decks are written
			// line by line for a chat, not wrapped for a printed page.
			w.newline()
		}
	case *ast.String:
		w.text(style, string(n.Value), "")
	case *ast.CodeSpan:
		w.text(prep.Code, codeSpanText(w.src, n), "")
	case *ast.Emphasis:
		s := prep.Italic
		if n.Level >= 2 {
			s = prep.Bold
		}
		w.inlines(s, children(n))
	case *ast.Link:
		w.link(plainText(w.src, children(n)), string(unescape(n.Destination)))
	case *ast.Image:
		w.link(plainText(w.src, children(n)), string(unescape(n.Destination)))
	case *ast.AutoLink:
		label, url := string(n.Label(w.src)), string(n.URL(w.src))
		if n.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(url), "mailto:") {
			url = "mailto:" + url
		}
		w.link(label, url)
	case *ast.RawHTML:
		// Comments are annotations or notes; other inline HTML is shown as
		// the text it is, since no chat renders it.
		w.text(style, stripComments(w.rawHTML(n)), "")
	case *east.Strikethrough:
		w.text(style, "~~", "")
		w.inlines(style, children(n))
		w.text(style, "~~", "")
	case *east.TaskCheckBox:
		box := "☐ "
		if n.IsChecked {
			box = "☑ "
		}
		w.text(prep.Plain, box, "")
	default:
		w.inlines(style, children(n))
	}
}

// link writes a link. Only web, mail and Telegram links become Link spans: a
// relative or script URL means nothing (or harm) in a chat, so it is shown
// as text.
func (w *writer) link(label, url string) {
	label = strings.TrimSpace(label)
	if label == "" {
		label = url
	}
	lower := strings.ToLower(url)
	for _, scheme := range []string{"https://", "http://", "mailto:", "tg://"} {
		if strings.HasPrefix(lower, scheme) {
			w.text(prep.Link, label, url)
			return
		}
	}
	if url != "" && url != label {
		label += " (" + url + ")"
	}
	w.text(prep.Plain, label, "")
}

func (w *writer) rawHTML(n *ast.RawHTML) string {
	return rawHTML(w.src, n)
}

// htmlBlockText is the source of an HTML block, its closing line included.
func htmlBlockText(src []byte, n *ast.HTMLBlock) string {
	var b strings.Builder
	for i := 0; i < n.Lines().Len(); i++ {
		seg := n.Lines().At(i)
		b.Write(seg.Value(src))
	}
	if n.HasClosure() {
		closure := n.ClosureLine
		b.Write(closure.Value(src))
	}
	return b.String()
}

func rawHTML(src []byte, n *ast.RawHTML) string {
	var b strings.Builder
	for i := 0; i < n.Segments.Len(); i++ {
		seg := n.Segments.At(i)
		b.Write(seg.Value(src))
	}
	return b.String()
}

// stripComments removes HTML comments from raw HTML.
func stripComments(s string) string {
	cs := findComments(s, 0)
	if len(cs) == 0 {
		return s
	}
	var b strings.Builder
	pos := 0
	for _, c := range cs {
		b.WriteString(s[pos:c.offset])
		pos = c.offset + len(c.text)
	}
	b.WriteString(s[pos:])
	return b.String()
}

// codeSpanText is the literal content of a code span; line endings inside
// it count as spaces, as CommonMark says.
func codeSpanText(src []byte, n *ast.CodeSpan) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		}
	}
	return strings.ReplaceAll(b.String(), "\n", " ")
}

// plainText is the text of inline nodes without markup or comments, on one
// line: what a question, topic or checklist item is called.
func plainText(src []byte, nodes []ast.Node) string {
	var b strings.Builder
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		switch n := n.(type) {
		case *ast.Text:
			v := n.Value(src)
			if !n.IsRaw() {
				v = unescape(v)
			}
			b.Write(v)
			if n.SoftLineBreak() || n.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(n.Value)
		case *ast.CodeSpan:
			b.WriteString(codeSpanText(src, n))
		case *ast.AutoLink:
			b.Write(n.Label(src))
		case *ast.RawHTML:
			b.WriteString(stripComments(rawHTML(src, n)))
		case *east.TaskCheckBox:
		default:
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				walk(c)
			}
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// unescape resolves backslash escapes and character references in Markdown
// text, as an HTML renderer would when writing it out.
func unescape(v []byte) []byte {
	if !strings.ContainsAny(string(v), "\\&") {
		return v
	}
	var b []byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\\' && i+1 < len(v) && util.IsPunct(v[i+1]) {
			b = append(b, v[i+1])
			i++
			continue
		}
		if c == '&' {
			if j := strings.IndexByte(string(v[i:min(len(v), i+40)]), ';'); j > 0 {
				ref := v[i : i+j+1]
				res := util.ResolveEntityNames(util.ResolveNumericReferences(ref))
				if string(res) != string(ref) {
					b = append(b, res...)
					i += j
					continue
				}
			}
		}
		b = append(b, c)
	}
	return b
}
