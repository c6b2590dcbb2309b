package mdtext

import (
	"bytes"
	"fmt"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// A code fence that is never closed runs, as CommonMark says, to the end of
// the document (or of the list item or quote holding it), so everything
// written after it becomes code in the block: in a deck, every later card
// vanishes into one answer. When a later code block follows, the missing
// fence is "found" there instead: that block's opening line ("```sql") is
// read as code and its closing line ends the first block, so the cards in
// between vanish and the file parses on as if nothing were wrong. goldmark's
// syntax tree shows neither, so TrackFences records them while parsing.

// TrackFences is a goldmark parser option that remembers, for each fenced
// code block, where it was opened, whether its closing fence was found, and
// whether a line inside it opens another block, for UnclosedFences. Every
// parser of a content file takes it.
func TrackFences() parser.Option {
	// Tried before goldmark's own fence parser (priority 700), which then
	// never sees a fence: both open exactly the same lines.
	return parser.WithBlockParsers(util.Prioritized(fenceTracker{parser.NewFencedCodeBlockParser()}, 699))
}

// UnclosedFence is a fenced code block whose closing fence is missing: it
// runs to the end of the file (or of its container), or up to the closing
// fence of a block opened further down.
type UnclosedFence struct {
	Block *ast.FencedCodeBlock
	// Offset is where the line of the opening fence starts in the source.
	Offset int
	// Fence is the opening run of backticks or tildes: a closing line
	// needs at least as many of the same character.
	Fence string
	// Nested is true for a block in a list item or quote, which ends with
	// it; otherwise the block runs to the end of the file.
	Nested bool
	// Next is where the first line inside the block that opens another
	// block ("```sql") starts, and NextFence that line's fence and info
	// string; Next is -1 when there is none.
	Next      int
	NextFence string
}

// UnclosedFences lists, in document order, the fenced code blocks under root
// that were parsed with TrackFences and were never closed, or hold a line
// that can only be meant to open the next block. No other block holds such
// a line: an example of Markdown that shows fences is written inside a
// longer fence (````), whose content a ``` line cannot open or close.
func UnclosedFences(root ast.Node) []UnclosedFence {
	var out []UnclosedFence
	_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		f, ok := n.(*ast.FencedCodeBlock)
		if !ok || !entering {
			return ast.WalkContinue, nil
		}
		if st := stateOf(f); st != nil && (!st.closed || st.next >= 0) {
			out = append(out, UnclosedFence{Block: f, Offset: st.offset, Fence: st.fence,
				Nested: f.Parent() != nil && f.Parent().Kind() != ast.KindDocument,
				Next:   st.next, NextFence: st.nextFence})
		}
		return ast.WalkSkipChildren, nil
	})
	return out
}

// Message explains the problem to the file's author. item names what the
// block would swallow ("card", "section"); line turns an offset into a line
// number.
func (f UnclosedFence) Message(item string, line func(offset int) int) string {
	switch {
	case f.Next >= 0:
		return fmt.Sprintf("code fence opened here (%s) is not closed before line %d (%s), which opens another block; every %s in between would be swallowed into it as code: close it with a line of %s",
			f.Fence, line(f.Next), f.NextFence, item, f.Fence)
	case f.Nested:
		return fmt.Sprintf("code fence opened here (%s) is never closed, so the rest of its list item or quote is code; close it with a line of %s", f.Fence, f.Fence)
	}
	return fmt.Sprintf("code fence opened here (%s) is never closed; every later %s would be swallowed into it as code: close it with a line of %s", f.Fence, item, f.Fence)
}

// fenceAttr holds a *fenceState on each block the tracker opens. A block
// without it (parsed without TrackFences) is not reported: nothing is known
// about it.
const fenceAttr = "prepbot-fence"

type fenceState struct {
	offset    int
	char      byte
	fence     string
	closed    bool
	next      int
	nextFence string
}

func stateOf(n ast.Node) *fenceState {
	v, _ := n.AttributeString(fenceAttr)
	st, _ := v.(*fenceState)
	return st
}

// fenceTracker is goldmark's fence parser, noting on each block it opens
// whether a closing fence ended it.
type fenceTracker struct {
	parser.BlockParser
}

func (t fenceTracker) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	node, state := t.BlockParser.Open(parent, reader, pc)
	if node == nil {
		return node, state
	}
	// The fence starts at the block offset, after any indent, list marker
	// or quote prefix.
	st := &fenceState{offset: seg.Start, next: -1}
	if pos := pc.BlockOffset(); pos >= 0 && pos < len(line) {
		st.char = line[pos]
		st.fence = string(line[pos : pos+fenceLen(line[pos:], st.char)])
	}
	node.SetAttributeString(fenceAttr, st)
	return node, state
}

func (t fenceTracker) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	line, seg := reader.PeekLine()
	indent, pos := util.IndentWidth(line, reader.LineOffset())
	state := t.BlockParser.Continue(node, reader, pc)
	st := stateOf(node)
	if st == nil {
		return state
	}
	// goldmark's fence parser returns Close only on a closing fence; a block
	// cut off by the end of the file or of its container is closed without
	// a Continue that says so.
	if state == parser.Close {
		st.closed = true
		return state
	}
	// A content line that would open a block as long as this one, with an
	// info string, cannot close this one: its author meant this block to
	// have ended.
	if st.next < 0 && st.fence != "" && indent < 4 && pos < len(line) {
		rest := line[pos:]
		n := fenceLen(rest, st.char)
		info := bytes.TrimSpace(rest[n:])
		if n >= len(st.fence) && len(info) > 0 && (st.char != '`' || bytes.IndexByte(info, '`') < 0) {
			st.next = seg.Start
			st.nextFence = clip(string(bytes.TrimSpace(rest)), 40)
		}
	}
	return state
}

// fenceLen is the length of the run of c that starts s.
func fenceLen(s []byte, c byte) int {
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	return n
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
