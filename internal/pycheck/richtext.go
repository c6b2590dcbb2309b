package pycheck

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark/ast"

	"github.com/prepbot/prepbot/internal/prep"
)

// The task and hints are rendered to the engine's rich text the way
// sqlcheck renders its exercises, so that SQL and Python exercises look
// alike on every platform.

// block renders a block of the task (or a hint) as rich text: paragraphs,
// lists, code blocks, with bold, italic and inline code kept.
func (p *parser) block(n ast.Node) prep.RichText {
	var out prep.RichText
	switch b := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		out = p.inlines(n, prep.Plain)
		out = out.Plain("\n\n")
	case *ast.Heading:
		out = out.Bold(strings.TrimSpace(p.plain(b))).Plain("\n\n")
	case *ast.List:
		num := b.Start
		for item := b.FirstChild(); item != nil; item = item.NextSibling() {
			marker := "• "
			if b.IsOrdered() {
				marker = fmt.Sprintf("%d. ", num)
				num++
			}
			out = out.Plain(marker)
			body := trimRich(p.blockChildren(item))
			out = append(out, body...)
			out = out.Plain("\n")
		}
		out = out.Plain("\n")
	case *ast.ListItem:
		out = p.blockChildren(b)
	case *ast.FencedCodeBlock:
		out = append(out, prep.Span{Style: prep.CodeBlock, Text: strings.TrimRight(p.lines(b.Lines()), "\n"), Lang: string(b.Language(p.src))})
		out = out.Plain("\n")
	case *ast.CodeBlock:
		out = append(out, prep.Span{Style: prep.CodeBlock, Text: strings.TrimRight(p.lines(b.Lines()), "\n")})
		out = out.Plain("\n")
	case *ast.HTMLBlock:
		// Comments are notes for the author.
	case *ast.ThematicBreak:
	default:
		if s := strings.TrimSpace(p.plain(n)); s != "" {
			out = out.Plain(s + "\n\n")
		}
	}
	return out
}

func (p *parser) blockChildren(n ast.Node) prep.RichText {
	var out prep.RichText
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if c.Type() == ast.TypeBlock {
			part := p.block(c)
			if _, ok := c.(*ast.List); ok {
				// A nested list: indent its lines.
				part = indentRich(trimRich(part), "  ")
				out = append(trimRich(out).Plain("\n"), part...)
				continue
			}
			out = append(out, trimRich(part)...)
			continue
		}
		out = append(out, p.inline(c, prep.Plain)...)
	}
	return out
}

func (p *parser) inlines(n ast.Node, style prep.Style) prep.RichText {
	var out prep.RichText
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		out = append(out, p.inline(c, style)...)
	}
	return out
}

func (p *parser) inline(n ast.Node, style prep.Style) prep.RichText {
	switch t := n.(type) {
	case *ast.Text:
		s := string(t.Segment.Value(p.src))
		switch {
		case t.HardLineBreak():
			s += "\n"
		case t.SoftLineBreak():
			// Exercise files are wrapped for editors; a chat wraps
			// paragraphs to the screen itself.
			s += " "
		}
		return prep.RichText{{Style: style, Text: s}}
	case *ast.String:
		return prep.RichText{{Style: style, Text: string(t.Value)}}
	case *ast.CodeSpan:
		return prep.RichText{{Style: prep.Code, Text: p.plain(t)}}
	case *ast.Emphasis:
		s := prep.Italic
		if t.Level >= 2 {
			s = prep.Bold
		}
		return p.inlines(t, s)
	case *ast.Link:
		return prep.RichText{{Style: prep.Link, Text: p.plain(t), URL: string(t.Destination)}}
	case *ast.AutoLink:
		u := string(t.URL(p.src))
		return prep.RichText{{Style: prep.Link, Text: u, URL: u}}
	case *ast.RawHTML:
		return nil // comments and tags are for the author
	}
	return p.inlines(n, style)
}

// indentRich indents every line of plain text after the first newline.
func indentRich(r prep.RichText, indent string) prep.RichText {
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
func trimRich(r prep.RichText) prep.RichText {
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
