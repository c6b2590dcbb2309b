// Package mdtext renders goldmark AST nodes of the exercise files as the
// engine's rich text: the one renderer the SQL and Python exercise formats
// share, so that both kinds of exercise look alike on every platform. It
// also finds the code fences left open in any content file, decks included
// (TrackFences), which goldmark's syntax tree does not show.
package mdtext

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/prepbot/prepbot/internal/prep"
)

// Source is the Markdown a parsed AST's segments point into.
type Source []byte

// Block renders a block of Markdown as rich text: paragraphs,
// lists, code blocks, with bold, italic and inline code kept.
func (s Source) Block(n ast.Node) prep.RichText {
	var out prep.RichText
	switch b := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		out = s.inlines(n, prep.Plain)
		out = out.Plain("\n\n")
	case *ast.Heading:
		out = out.Bold(strings.TrimSpace(s.Plain(b))).Plain("\n\n")
	case *ast.List:
		num := b.Start
		for item := b.FirstChild(); item != nil; item = item.NextSibling() {
			marker := "• "
			if b.IsOrdered() {
				marker = fmt.Sprintf("%d. ", num)
				num++
			}
			out = out.Plain(marker)
			body := Trim(s.blockChildren(item))
			out = append(out, body...)
			out = out.Plain("\n")
		}
		out = out.Plain("\n")
	case *ast.ListItem:
		out = s.blockChildren(b)
	case *ast.FencedCodeBlock:
		out = append(out, prep.Span{Style: prep.CodeBlock, Text: strings.TrimRight(s.Lines(b.Lines()), "\n"), Lang: string(b.Language([]byte(s)))})
		out = out.Plain("\n")
	case *ast.CodeBlock:
		out = append(out, prep.Span{Style: prep.CodeBlock, Text: strings.TrimRight(s.Lines(b.Lines()), "\n")})
		out = out.Plain("\n")
	case *ast.HTMLBlock:
		// Comments are notes for the author.
	case *ast.ThematicBreak:
	default:
		if s := strings.TrimSpace(s.Plain(n)); s != "" {
			out = out.Plain(s + "\n\n")
		}
	}
	return out
}

func (s Source) blockChildren(n ast.Node) prep.RichText {
	var out prep.RichText
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if c.Type() == ast.TypeBlock {
			part := s.Block(c)
			if _, ok := c.(*ast.List); ok {
				// A nested list: indent its lines.
				part = Indent(Trim(part), "  ")
				out = append(Trim(out).Plain("\n"), part...)
				continue
			}
			out = append(out, Trim(part)...)
			continue
		}
		out = append(out, s.inline(c, prep.Plain)...)
	}
	return out
}

func (s Source) inlines(n ast.Node, style prep.Style) prep.RichText {
	var out prep.RichText
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		out = append(out, s.inline(c, style)...)
	}
	return out
}

func (s Source) inline(n ast.Node, style prep.Style) prep.RichText {
	switch t := n.(type) {
	case *ast.Text:
		str := string(t.Segment.Value([]byte(s)))
		switch {
		case t.HardLineBreak():
			str += "\n"
		case t.SoftLineBreak():
			// Exercise files are wrapped for editors; a chat wraps
			// paragraphs to the screen itself.
			str += " "
		}
		return prep.RichText{{Style: style, Text: str}}
	case *ast.String:
		return prep.RichText{{Style: style, Text: string(t.Value)}}
	case *ast.CodeSpan:
		return prep.RichText{{Style: prep.Code, Text: s.Plain(t)}}
	case *ast.Emphasis:
		st := prep.Italic
		if t.Level >= 2 {
			st = prep.Bold
		}
		return s.inlines(t, st)
	case *ast.Link:
		return prep.RichText{{Style: prep.Link, Text: s.Plain(t), URL: string(t.Destination)}}
	case *ast.AutoLink:
		u := string(t.URL([]byte(s)))
		return prep.RichText{{Style: prep.Link, Text: u, URL: u}}
	case *ast.RawHTML:
		return nil // comments and tags are for the author
	}
	return s.inlines(n, style)
}

// indentRich indents every line of plain text after the first newline.
func Indent(r prep.RichText, indent string) prep.RichText {
	out := prep.RichText{{Style: prep.Plain, Text: indent}}
	for _, s := range r {
		if s.Style == prep.Plain {
			s.Text = strings.ReplaceAll(s.Text, "\n", "\n"+indent)
		}
		out = append(out, s)
	}
	return out
}

// trimRich drops white space around rich text and merges plain spans.
func Trim(r prep.RichText) prep.RichText {
	var out prep.RichText
	for _, s := range r {
		if s.Text == "" {
			continue
		}
		if n := len(out); n > 0 && s.Style == prep.Plain && out[n-1].Style == prep.Plain {
			out[n-1].Text += s.Text
			continue
		}
		out = append(out, s)
	}
	return out.TrimSpace()
}

// Plain is the node's text without markup.
func (s Source) Plain(n ast.Node) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value([]byte(s)))
			if t.SoftLineBreak() || t.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(t.Value)
		case *ast.CodeSpan:
			for g := t.FirstChild(); g != nil; g = g.NextSibling() {
				if tx, ok := g.(*ast.Text); ok {
					b.Write(tx.Segment.Value([]byte(s)))
				}
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// Lines joins a block's raw lines.
func (s Source) Lines(lines *text.Segments) string {
	var b strings.Builder
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value([]byte(s)))
	}
	return b.String()
}
