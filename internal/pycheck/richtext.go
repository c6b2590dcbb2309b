package pycheck

import (
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/prepbot/prepbot/internal/mdtext"
	"github.com/prepbot/prepbot/internal/prep"
)

// The exercise's Markdown is rendered by mdtext, which SQL and Python
// exercises share so that both look alike on every platform.

func (p *parser) md() mdtext.Source                           { return mdtext.Source(p.src) }
func (p *parser) block(n ast.Node) prep.RichText              { return p.md().Block(n) }
func (p *parser) plain(n ast.Node) string                     { return p.md().Plain(n) }
func (p *parser) lines(lines *text.Segments) string           { return p.md().Lines(lines) }
func trimRich(r prep.RichText) prep.RichText                  { return mdtext.Trim(r) }
func indentRich(r prep.RichText, indent string) prep.RichText { return mdtext.Indent(r, indent) }
