package mdtext

import (
	"bytes"
	"sort"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// Doc is an exercise file ready to parse: its text normalised and indexed
// by line, so that every problem can name its line.
type Doc struct {
	Src        []byte
	lineStarts []int
}

// Prepare normalises a file's text (line endings, a byte-order mark, NUL
// bytes) and parses it with goldmark, tracking fences for UnclosedFences. A
// file that is not valid UTF-8 is not parsed: badLine is then the line of
// its first invalid byte.
func Prepare(src []byte) (d *Doc, root ast.Node, badLine int) {
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	src = bytes.ReplaceAll(src, []byte("\r"), []byte("\n"))
	if !utf8.Valid(src) {
		return nil, nil, 1 + bytes.Count(src[:validPrefix(src)], []byte("\n"))
	}
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	src = bytes.ReplaceAll(src, []byte("\x00"), []byte("\uFFFD"))
	d = &Doc{Src: src, lineStarts: []int{0}}
	for i, c := range src {
		if c == '\n' {
			d.lineStarts = append(d.lineStarts, i+1)
		}
	}
	return d, goldmark.New(goldmark.WithParserOptions(TrackFences())).Parser().Parse(text.NewReader(src)), 0
}

// Source is the document's text for rendering.
func (d *Doc) Source() Source { return Source(d.Src) }

// Line is the 1-based line holding a byte offset.
func (d *Doc) Line(offset int) int {
	return sort.Search(len(d.lineStarts), func(i int) bool { return d.lineStarts[i] > offset })
}

// BlockLine is the line a block starts on: its first text, a code fence's
// opening line, or for a block without text of its own (an empty list item)
// the line after its previous sibling's, never past the file's last line.
func (d *Doc) BlockLine(n ast.Node) int {
	if f, ok := n.(*ast.FencedCodeBlock); ok {
		if f.Info != nil {
			return d.Line(f.Info.Segment.Start)
		}
		if f.Lines().Len() > 0 {
			return max(1, d.Line(f.Lines().At(0).Start)-1)
		}
	}
	off := -1
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if t, ok := c.(*ast.Text); ok {
			off = t.Segment.Start
			return ast.WalkStop, nil
		}
		if c.Type() == ast.TypeBlock && c.Lines().Len() > 0 {
			off = c.Lines().At(0).Start
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	if off >= 0 {
		return d.Line(off)
	}
	if prev := n.PreviousSibling(); prev != nil {
		return min(d.BlockLine(prev)+1, max(1, len(d.lineStarts)))
	}
	if parent := n.Parent(); parent != nil && parent.Kind() != ast.KindDocument {
		return d.BlockLine(parent)
	}
	return 1
}

// validPrefix is the length of src's valid UTF-8 prefix.
func validPrefix(src []byte) int {
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(src)
}
