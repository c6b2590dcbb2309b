// Package markdown reads prepbot's decks: Markdown files whose headings,
// **Q:** paragraphs and task lists become flashcards and checklist items.
// content/README.md is the user's description of the format; this package
// is its only implementation.
//
// The structure is read from goldmark's syntax tree, never with regular
// expressions, so that whatever renders as a heading, a list or a comment in
// an editor means the same here.
package markdown

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"github.com/prepbot/prepbot/internal/mdtext"
	"github.com/prepbot/prepbot/internal/prep"
)

// Parse reads one deck. name is used in positions, which count lines from
// 1. Cards and checklist items with problems are left out, except that both
// of two duplicates are returned; problems are sorted by line. Duplicates
// within the deck are reported here; Load also reports them across decks.
func Parse(name string, src []byte) ([]prep.Card, []prep.ChecklistItem, prep.Problems) {
	p := parse(name, src)
	p.probs = append(p.probs, checkDuplicates(p.cards, p.items)...)
	p.probs.Sort()
	return p.cards, p.items, p.probs
}

// parser holds the state of reading one deck.
type parser struct {
	name       string
	src        []byte
	lineStarts []int // byte offset where each line starts

	title     string
	topic     string
	topicLine int // line of the current ## heading, 0 before the first

	cards []prep.Card
	items []prep.ChecklistItem
	probs prep.Problems
}

// utf8BOM is skipped: some editors still write it.
var utf8BOM = []byte("\xef\xbb\xbf")

func parse(name string, src []byte) *parser {
	p := &parser{name: name}
	// Line endings are made uniform (CR, LF and CRLF each end a line, as
	// in CommonMark), which keeps every line where it was.
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	src = bytes.ReplaceAll(src, []byte("\r"), []byte("\n"))
	if !utf8.Valid(src) {
		line := 1 + bytes.Count(src[:firstInvalidUTF8(src)], []byte("\n"))
		p.errorf(line, "the file is not valid UTF-8 text; save it as UTF-8")
		return p
	}
	// NUL becomes U+FFFD as CommonMark requires.
	src = bytes.TrimPrefix(src, utf8BOM)
	src = bytes.ReplaceAll(src, []byte("\x00"), []byte("\uFFFD"))
	p.src = src
	p.lineStarts = []int{0}
	for i, c := range src {
		if c == '\n' {
			p.lineStarts = append(p.lineStarts, i+1)
		}
	}
	md := goldmark.New(goldmark.WithExtensions(
		extension.Table, extension.Strikethrough, extension.TaskList, extension.Linkify),
		goldmark.WithParserOptions(mdtext.TrackFences()))
	doc := md.Parser().Parse(text.NewReader(src))
	for _, f := range mdtext.UnclosedFences(doc) {
		p.errorf(p.line(f.Offset), "%s", f.Message("card", p.line))
	}
	p.document(doc)
	return p
}

func firstInvalidUTF8(src []byte) int {
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(src)
}

func children(n ast.Node) []ast.Node {
	var out []ast.Node
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		out = append(out, c)
	}
	return out
}

// document walks the top-level blocks: # sets the title, ## the topic, ###
// opens a section that runs to the next #, ##, ### or ---.
func (p *parser) document(doc ast.Node) {
	blocks := children(doc)
	for i := 0; i < len(blocks); {
		switch b := blocks[i].(type) {
		case *ast.Heading:
			if b.Level <= 3 {
				i++
				switch b.Level {
				case 1:
					p.titleHeading(b)
				case 2:
					p.topicHeading(b)
				case 3:
					j := sectionEnd(blocks, i)
					p.section(b, blocks[i:j])
					i = j
				}
				continue
			}
		case *ast.ThematicBreak:
			i++
			continue
		}
		j := sectionEnd(blocks, i)
		p.qcards(p.units(blocks[i:j]))
		i = j
	}
}

// sectionEnd finds where the run of blocks starting at from ends.
func sectionEnd(blocks []ast.Node, from int) int {
	for j := from; j < len(blocks); j++ {
		switch b := blocks[j].(type) {
		case *ast.Heading:
			if b.Level <= 3 {
				return j
			}
		case *ast.ThematicBreak:
			return j
		}
	}
	return len(blocks)
}

func (p *parser) titleHeading(h *ast.Heading) {
	inl := children(h)
	p.annotations(inl)
	if p.title != "" {
		p.warnf(p.blockLine(h), "a deck has one # title; this second one is ignored (use ## for a topic)")
		return
	}
	p.title = plainText(p.src, inl)
}

func (p *parser) topicHeading(h *ast.Heading) {
	inl := children(h)
	p.annotations(inl)
	p.topic = plainText(p.src, inl)
	p.topicLine = p.blockLine(h)
	if p.topic == "" {
		p.errorf(p.topicLine, "empty ## heading: a topic needs a name")
	}
	if n := textLen(p.topic); n > maxTopicLen {
		// The topic is kept, so that its cards are still checked and
		// reported; the error alone stops the deck from loading.
		p.errorf(p.topicLine, "topic %q is %d characters long; the limit is %d, so shorten it", p.topic, n, maxTopicLen)
	}
}

// maxTopicLen is the longest a topic's name may be. The topic heads every
// card's message ("SQL · 3/12"); with it at most this long, a card within
// prep.MaxCardText fits one Telegram message with its header and prompt,
// and the topic's /ask button fits Telegram's callback data.
const maxTopicLen = 100

// textLen measures text as Telegram counts a message: in UTF-16 code
// units, so that a character outside the Basic Multilingual Plane (most
// emoji) counts two.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// hasTopic reports whether cards and checklists may be added here, and
// reports one that comes before any topic. Under an empty ## heading (already
// reported) it only says no.
func (p *parser) hasTopic(line int, what string) bool {
	if p.topic != "" {
		return true
	}
	if p.topicLine == 0 {
		p.errorf(line, "%s before any ## topic heading; put it under one", what)
	}
	return false
}

// section reads a ### heading and its body: a group of **Q:** cards, a
// checklist, or else one card whose question is the heading.
func (p *parser) section(h *ast.Heading, body []ast.Node) {
	line := p.blockLine(h)
	heading := children(h)
	title := plainText(p.src, heading)
	units := p.units(body)
	for _, u := range units {
		if u.isQ {
			// A heading over **Q:** cards only groups them.
			p.annotations(heading)
			p.warnIntro(title, units)
			p.qcards(units)
			return
		}
	}
	if hasTasks(body) {
		p.checklist(heading, title, line, body)
		return
	}
	ann := p.annotations(heading, keyID)
	p.checkStray(body...)
	if title == "" {
		p.errorf(line, "empty ### heading: a card needs a question")
		return
	}
	w := newWriter(p.src)
	w.blocks(body...)
	p.addCard(title, ann, w.richText(), line)
}

// warnIntro warns about text before the first **Q:** of a ### section: most
// likely a card whose section was taken over by **Q:** cards added below it.
func (p *parser) warnIntro(title string, units []unit) {
	for _, u := range units {
		if u.isQ {
			return
		}
		if h, ok := u.block.(*ast.HTMLBlock); ok && strings.TrimSpace(stripComments(htmlBlockText(p.src, h))) == "" {
			continue
		}
		p.warnf(u.line, "this text before the first **Q:** in section %q is not shown: a ### section that holds **Q:** cards is not a card itself", title)
		return
	}
}

// addCard checks a card and adds it.
func (p *parser) addCard(question string, ann map[string]annotation, answer prep.RichText, line int) {
	if !p.hasTopic(line, "card") {
		return
	}
	id := CardID(question)
	if a, ok := ann[keyID]; ok {
		if msg := validID(a.value); msg != "" {
			p.errorf(a.line, "%s", msg)
			return
		}
		id = a.value
	}
	if len(answer) == 0 {
		p.errorf(line, "card %q has an empty answer", question)
		return
	}
	if n := textLen(question) + textLen(answer.String()); n > prep.MaxCardText {
		p.errorf(line, "card %q is %d characters long (question and answer); the limit is %d, so split it", question, n, prep.MaxCardText)
		return
	}
	p.cards = append(p.cards, prep.Card{
		ID:       id,
		Topic:    p.topic,
		Question: question,
		Answer:   answer,
		Source:   prep.Position{File: p.name, Line: line},
	})
}

// unit is a block of a run of content, except that a paragraph is split
// before each line that starts with a bold **Q:**, so that cards written
// without blank lines between them are still apart.
type unit struct {
	block ast.Node   // a block other than a paragraph
	inl   []ast.Node // inline nodes of a paragraph or of a part of one
	line  int
	isQ   bool
}

// nodes returns the unit's block or inline nodes.
func (u unit) nodes() []ast.Node {
	if u.block != nil {
		return []ast.Node{u.block}
	}
	return u.inl
}

func (p *parser) units(blocks []ast.Node) []unit {
	var out []unit
	for _, b := range blocks {
		para, ok := b.(*ast.Paragraph)
		if !ok {
			out = append(out, unit{block: b, line: p.blockLine(b)})
			continue
		}
		var cur []ast.Node
		flush := func() {
			if len(cur) > 0 {
				out = append(out, unit{inl: cur, line: p.blockLine(cur[0]), isQ: p.isQ(cur[0])})
			}
			cur = nil
		}
		lineStart := true
		for c := para.FirstChild(); c != nil; c = c.NextSibling() {
			if lineStart && p.isQ(c) {
				flush()
			}
			cur = append(cur, c)
			lineStart = endsLine(c)
		}
		flush()
	}
	return out
}

// isQ reports whether an inline node is a bold "**Q: ...**" (or "**Q:**").
func (p *parser) isQ(n ast.Node) bool {
	e, ok := n.(*ast.Emphasis)
	return ok && e.Level == 2 && strings.HasPrefix(plainText(p.src, children(e)), "Q:")
}

func endsLine(n ast.Node) bool {
	t, ok := n.(*ast.Text)
	return ok && (t.SoftLineBreak() || t.HardLineBreak())
}

// qcards reads **Q:** cards from a run of units. What comes before the first
// question introduces the run and is not shown.
func (p *parser) qcards(units []unit) {
	i := 0
	for ; i < len(units) && !units[i].isQ; i++ {
		p.ignored(units[i])
	}
	for i < len(units) {
		j := i + 1
		for j < len(units) && !units[j].isQ {
			j++
		}
		p.qcard(units[i], units[i+1:j])
		i = j
	}
}

// ignored checks content that is not shown anywhere.
func (p *parser) ignored(u unit) {
	p.checkStray(u.nodes()...)
	if hasTasks(u.nodes()) {
		p.warnf(u.line, "a task list belongs under a ### checklist heading; this one is ignored")
	}
}

// qcard reads one **Q:** card: the question line, then an answer that starts
// with "A:" on the next line or in the next paragraph and runs to the next
// question, heading or ---.
func (p *parser) qcard(q unit, rest []unit) {
	k := 0
	for k < len(q.inl)-1 && !endsLine(q.inl[k]) {
		k++
	}
	qline, after := q.inl[:k+1], q.inl[k+1:]
	question := strings.TrimSpace(strings.TrimPrefix(plainText(p.src, qline), "Q:"))
	ann := p.annotations(qline, keyID)
	for _, u := range rest {
		p.checkStray(u.nodes()...)
	}
	p.checkStray(after...)
	if question == "" {
		p.errorf(q.line, "**Q:** without a question")
		return
	}

	var answer prep.RichText
	ok := false
	switch {
	case len(after) > 0:
		answer, ok = p.answerStart(after)
	case len(rest) > 0 && rest[0].inl != nil:
		answer, ok = p.answerStart(rest[0].inl)
		rest = rest[1:]
	}
	if !ok {
		if p.hasTopic(q.line, "card") {
			p.errorf(q.line, "**Q:** %q has no answer: start it with \"A:\" on the next line", question)
		}
		return
	}
	w := newWriter(p.src)
	w.out = answer
	for _, u := range rest {
		if u.block != nil {
			w.block(u.block)
		} else {
			w.paragraph(u.inl)
		}
	}
	p.addCard(question, ann, w.richText(), q.line)
}

// answerStart renders the paragraph that begins an answer, without its
// "A:" (plain or bold); ok is false when it does not begin with "A:".
func (p *parser) answerStart(inl []ast.Node) (prep.RichText, bool) {
	w := newWriter(p.src)
	w.paragraph(inl)
	rt := w.richText()
	if len(rt) == 0 || (rt[0].Style != prep.Plain && rt[0].Style != prep.Bold) || !strings.HasPrefix(rt[0].Text, "A:") {
		return nil, false
	}
	rt[0].Text = strings.TrimPrefix(rt[0].Text, "A:")
	return rt.TrimSpace(), true
}

// hasTasks reports whether any list among blocks has a task item.
func hasTasks(blocks []ast.Node) bool {
	for _, b := range blocks {
		l, ok := b.(*ast.List)
		if !ok {
			continue
		}
		for _, item := range children(l) {
			if taskBox(item) != nil {
				return true
			}
		}
	}
	return false
}

// taskBox returns the checkbox a list item starts with, if it has one.
func taskBox(item ast.Node) *east.TaskCheckBox {
	first := item.FirstChild()
	if first == nil {
		return nil
	}
	box, _ := first.FirstChild().(*east.TaskCheckBox)
	return box
}

// checklist reads a ### section of task lists. Its "when:" applies to every
// item that has none of its own.
func (p *parser) checklist(heading []ast.Node, section string, line int, body []ast.Node) {
	ann := p.annotations(heading, keyWhen)
	when, _ := p.timing(ann)
	if section == "" {
		p.errorf(line, "empty ### heading: a checklist section needs a name")
		p.checkStray(body...)
		return
	}
	if !p.hasTopic(line, "checklist") {
		p.checkStray(body...)
		return
	}
	for _, b := range body {
		if l, ok := b.(*ast.List); ok {
			p.taskList(l, section, when)
			continue
		}
		p.checkStray(b)
		if h, ok := b.(*ast.HTMLBlock); ok && strings.TrimSpace(stripComments(htmlBlockText(p.src, h))) == "" {
			continue // only comments: notes for the author
		}
		p.warnf(p.blockLine(b), "only task items (- [ ] ...) belong in checklist section %q; this is ignored", section)
	}
}

func (p *parser) taskList(l *ast.List, section string, when prep.Timing) {
	for _, item := range children(l) {
		box := taskBox(item)
		if box == nil {
			p.checkStray(item)
			p.warnf(p.blockLine(item), "only task items (- [ ] ...) belong in checklist section %q; this is ignored", section)
			continue
		}
		first := item.FirstChild()
		line := p.blockLine(first)
		inl := children(first)
		ann := p.annotations(inl, keyWhen)
		itemWhen := when
		if t, ok := p.timing(ann); ok {
			itemWhen = t
		}
		text := plainText(p.src, inl)
		if text == "" {
			p.errorf(line, "empty checklist item")
		} else {
			p.items = append(p.items, prep.ChecklistItem{
				ID:      ChecklistItemID(p.topic, section, text),
				Group:   p.topic,
				Section: section,
				Text:    text,
				Checked: box.IsChecked,
				When:    itemWhen,
				Source:  prep.Position{File: p.name, Line: line},
			})
		}
		// Tasks nested under a task are items of the same section.
		for c := first.NextSibling(); c != nil; c = c.NextSibling() {
			if l, ok := c.(*ast.List); ok {
				p.taskList(l, section, when)
				continue
			}
			p.checkStray(c)
			p.warnf(p.blockLine(c), "only task items (- [ ] ...) belong in checklist section %q; this is ignored", section)
		}
	}
}

// timing reads a "when:" annotation, reporting a bad one.
func (p *parser) timing(ann map[string]annotation) (prep.Timing, bool) {
	a, ok := ann[keyWhen]
	if !ok {
		return prep.Timing{}, false
	}
	t, err := prep.ParseTiming(a.value)
	if err != nil {
		p.errorf(a.line, "bad \"when\" annotation: %s", strings.TrimPrefix(err.Error(), "prep: "))
		return prep.Timing{}, false
	}
	return t, true
}

// line turns a byte offset into a 1-based line number.
func (p *parser) line(offset int) int {
	return sort.Search(len(p.lineStarts), func(i int) bool { return p.lineStarts[i] > offset })
}

// blockLine is the line where a node starts, found from the first source
// segment in it. Nodes without text (an empty heading, ---) take the first
// non-blank line after the node before them.
func (p *parser) blockLine(n ast.Node) int {
	if f, ok := n.(*ast.FencedCodeBlock); ok {
		if f.Info != nil {
			return p.line(f.Info.Segment.Start)
		}
		if f.Lines().Len() > 0 {
			return max(1, p.line(f.Lines().At(0).Start)-1)
		}
	}
	if off, ok := firstOffset(n); ok {
		return p.line(off)
	}
	start := 1
	if prev := n.PreviousSibling(); prev != nil {
		start = p.lastLine(prev) + 1
	} else if parent := n.Parent(); parent != nil && parent.Kind() != ast.KindDocument {
		start = p.blockLine(parent)
	}
	for start < len(p.lineStarts) && p.blankLine(start) {
		start++
	}
	return min(max(start, 1), len(p.lineStarts))
}

func (p *parser) blankLine(line int) bool {
	end := len(p.src)
	if line < len(p.lineStarts) {
		end = p.lineStarts[line]
	}
	return len(bytes.TrimSpace(p.src[p.lineStarts[line-1]:end])) == 0
}

// firstOffset finds the first source offset inside a node.
func firstOffset(n ast.Node) (int, bool) {
	switch n := n.(type) {
	case *ast.Text:
		return n.Segment.Start, true
	case *ast.RawHTML:
		if n.Segments.Len() > 0 {
			return n.Segments.At(0).Start, true
		}
	default:
		if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
			return n.Lines().At(0).Start, true
		}
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if off, ok := firstOffset(c); ok {
			return off, true
		}
	}
	return 0, false
}

// lastLine is the last line holding source text of a node.
func (p *parser) lastLine(n ast.Node) int {
	last := -1
	_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			last = max(last, n.Segment.Start)
		case *ast.RawHTML:
			if n.Segments.Len() > 0 {
				last = max(last, n.Segments.At(n.Segments.Len()-1).Start)
			}
		default:
			if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
				last = max(last, n.Lines().At(n.Lines().Len()-1).Start)
			}
		}
		return ast.WalkContinue, nil
	})
	if last < 0 {
		return p.blockLine(n)
	}
	return p.line(last)
}

func (p *parser) errorf(line int, format string, args ...any) {
	p.report(prep.Error, line, format, args...)
}

func (p *parser) warnf(line int, format string, args ...any) {
	p.report(prep.Warning, line, format, args...)
}

func (p *parser) report(sev prep.Severity, line int, format string, args ...any) {
	p.probs = append(p.probs, prep.Problem{
		Pos:      prep.Position{File: p.name, Line: line},
		Severity: sev,
		Message:  fmt.Sprintf(format, args...),
	})
}

// checkDuplicates reports cards that share an ID, and checklist items, whose
// progress could not be told apart.
func checkDuplicates(cards []prep.Card, items []prep.ChecklistItem) prep.Problems {
	var probs prep.Problems
	seen := make(map[string]prep.Card, len(cards))
	for _, c := range cards {
		first, dup := seen[c.ID]
		if !dup {
			seen[c.ID] = c
			continue
		}
		probs = append(probs, prep.Problem{Pos: c.Source, Severity: prep.Error, Message: fmt.Sprintf(
			"duplicate question %q: it has the same id (%s) as %q at %s", c.Question, c.ID, first.Question, first.Source)})
	}
	seenItem := make(map[string]prep.ChecklistItem, len(items))
	for _, it := range items {
		first, dup := seenItem[it.ID]
		if !dup {
			seenItem[it.ID] = it
			continue
		}
		probs = append(probs, prep.Problem{Pos: it.Source, Severity: prep.Error, Message: fmt.Sprintf(
			"duplicate checklist item %q in %s / %s: the same item is at %s", it.Text, it.Group, it.Section, first.Source)})
	}
	return probs
}
