package sqlcheck

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/prepbot/prepbot/internal/mdtext"
	"github.com/prepbot/prepbot/internal/prep"
)

// Difficulty ranks exercises; files are ordered from easy to hard.
type Difficulty uint8

// Difficulties, in the order a learner meets them.
const (
	Easy Difficulty = iota + 1
	Medium
	Hard
)

// String names the difficulty as exercise files write it.
func (d Difficulty) String() string {
	switch d {
	case Easy:
		return "easy"
	case Medium:
		return "medium"
	case Hard:
		return "hard"
	}
	return fmt.Sprintf("Difficulty(%d)", uint8(d))
}

// Dataset is a block of SQL that fills the exercise's tables, and where it
// is written.
type Dataset struct {
	SQL string
	Pos prep.Position
}

// WrongAnswer is a plausible mistake documented in the exercise file: Lint
// and the tests check that the grader rejects it.
type WrongAnswer struct {
	SQL string
	Why string // the paragraph before it, if any: what the mistake is
	Pos prep.Position
}

// Exercise is an SQL exercise as its file defines it. It is the Spec of a
// prep.Exercise of kind prep.SQLExercise. Use it through a pointer: it
// caches the datasets it builds on first use.
type Exercise struct {
	ID         string
	Title      string
	Topic      string
	Difficulty Difficulty
	// Task is the task as written, before the schema summary and sample
	// rows that the prompt adds.
	Task prep.RichText
	// Schema creates the tables and fills them with the rows the learner
	// sees.
	Schema Dataset
	// Solution is the reference query: an answer is correct when it gives
	// the same result on every dataset.
	Solution Dataset
	// OrderMatters makes row order part of the answer ("order: matters").
	// Otherwise results compare as multisets.
	OrderMatters bool
	Hints        []string
	// Hidden datasets each fill the emptied tables again with rows the
	// learner never sees, so that a query tuned to the sample fails.
	Hidden []Dataset
	Wrong  []WrongAnswer
	Source prep.Position

	once     sync.Once
	prepared *prepared
	prepErr  error
}

// Section names of an exercise file, lower case.
const (
	secTask   = "task"
	secSchema = "schema"
	secSol    = "solution"
	secHints  = "hints"
	secHidden = "hidden data"
	secWrong  = "wrong answers"
)

var knownSections = []string{secTask, secSchema, secSol, secHints, secHidden, secWrong}

// Metadata keys of the list under the title.
const (
	keyTopic      = "topic"
	keyDifficulty = "difficulty"
	keyOrder      = "order"
	keyID         = "id"
)

// maxIDLen keeps IDs inside chat buttons (64 bytes of callback data), as
// card IDs are kept.
const maxIDLen = 32

// Parse reads one exercise file. name is used in positions and, unless the
// file sets an id, for the exercise's ID. It runs no SQL: Load does that.
// The exercise is nil when any problem is an Error.
func Parse(name string, src []byte) (*Exercise, prep.Problems) {
	p := &parser{name: name}
	ex := p.parse(src)
	p.probs.Sort()
	if p.probs.HasErrors() {
		return nil, p.probs
	}
	return ex, p.probs
}

type parser struct {
	name  string
	src   []byte
	doc   *mdtext.Doc
	probs prep.Problems
}

func (p *parser) errorf(line int, format string, args ...any) {
	p.probs = append(p.probs, prep.Problem{Pos: p.pos(line), Severity: prep.Error, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) warnf(line int, format string, args ...any) {
	p.probs = append(p.probs, prep.Problem{Pos: p.pos(line), Severity: prep.Warning, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) pos(line int) prep.Position { return prep.Position{File: p.name, Line: line} }

func (p *parser) parse(src []byte) *Exercise {
	d, doc, badLine := mdtext.Prepare(src)
	if d == nil {
		p.errorf(badLine, "the file is not valid UTF-8 text; save it as UTF-8")
		return nil
	}
	p.doc, p.src = d, d.Src
	for _, f := range mdtext.UnclosedFences(doc) {
		p.errorf(p.line(f.Offset), "%s", f.Message("section and code block", p.line))
	}

	ex := &Exercise{ID: idFromName(p.name), Source: p.pos(1)}
	var (
		meta     = map[string]metaValue{}
		sections = map[string]int{} // name → line of its heading
		current  = ""               // section being read; "" before the first ##
		titled   = false
	)
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		line := p.blockLine(n)
		if h, ok := n.(*ast.Heading); ok && h.Level <= 2 {
			title := strings.TrimSpace(p.plain(h))
			if h.Level == 1 {
				if titled {
					p.errorf(line, "an exercise file has one # title; use ## for its sections (%s)", strings.Join(knownSections, ", "))
					continue
				}
				titled = true
				ex.Title = title
				if title == "" {
					p.errorf(line, "the # title is empty: name the exercise")
				}
				ex.Source = p.pos(line)
				continue
			}
			name := strings.ToLower(title)
			if !slices.Contains(knownSections, name) {
				p.errorf(line, "unknown section %q; the sections are: %s", title, strings.Join(knownSections, ", "))
				current = "?"
				continue
			}
			if first, dup := sections[name]; dup {
				p.errorf(line, "a second %q section (the first is at line %d)", title, first)
				current = "?"
				continue
			}
			sections[name] = line
			current = name
			continue
		}
		switch current {
		case "":
			p.metadata(n, meta)
		case "?":
			// The section's heading was reported; its body is not read.
		case secTask:
			ex.Task = append(ex.Task, p.block(n)...)
		case secSchema:
			p.codeInto(n, secSchema, &ex.Schema)
		case secSol:
			p.codeInto(n, secSol, &ex.Solution)
		case secHints:
			p.hints(n, ex)
		case secHidden:
			if code, ok := p.code(n, secHidden); ok {
				ex.Hidden = append(ex.Hidden, Dataset{SQL: code, Pos: p.pos(line)})
			}
		case secWrong:
			p.wrong(n, ex)
		}
	}
	if !titled {
		p.errorf(1, "no # title: an exercise file starts with one, e.g. \"# Labels per annotator\"")
	}
	ex.Task = trimRich(ex.Task)
	for _, s := range []string{secTask, secSchema, secSol} {
		if _, ok := sections[s]; !ok {
			p.errorf(1, "no \"## %s\" section", titleCase(s))
		}
	}
	if line, ok := sections[secTask]; ok && len(ex.Task) == 0 {
		p.errorf(line, "the task is empty")
	}
	if line, ok := sections[secSchema]; ok && ex.Schema.SQL == "" {
		p.errorf(line, "the schema section needs a ```sql block that creates and fills the tables")
	}
	if line, ok := sections[secSol]; ok && ex.Solution.SQL == "" {
		p.errorf(line, "the solution section needs a ```sql block with the reference query")
	}
	if line, ok := sections[secHidden]; ok && len(ex.Hidden) == 0 {
		p.errorf(line, "the hidden data section has no ```sql block")
	}
	p.applyMeta(ex, meta)
	return ex
}

// metaValue is one "key: value" item of the metadata list.
type metaValue struct {
	value string
	line  int
}

// metadata reads the list of "key: value" items between the title and the
// first section.
func (p *parser) metadata(n ast.Node, meta map[string]metaValue) {
	list, ok := n.(*ast.List)
	if !ok {
		if p.isComment(n) {
			return
		}
		p.errorf(p.blockLine(n), "only a list of \"- key: value\" items (%s, %s, %s, %s) belongs between the title and the first ## section",
			keyTopic, keyDifficulty, keyOrder, keyID)
		return
	}
	for item := list.FirstChild(); item != nil; item = item.NextSibling() {
		line := p.blockLine(item)
		key, value, found := strings.Cut(strings.TrimSpace(p.plain(item)), ":")
		key, value = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value)
		if !found || key == "" {
			p.errorf(line, "a metadata item is written \"- key: value\", e.g. \"- topic: Window functions\"")
			continue
		}
		switch key {
		case keyTopic, keyDifficulty, keyOrder, keyID:
		default:
			p.errorf(line, "unknown metadata key %q; the keys are %s, %s, %s and %s", key, keyTopic, keyDifficulty, keyOrder, keyID)
			continue
		}
		if first, dup := meta[key]; dup {
			p.errorf(line, "%q is set twice (first at line %d)", key, first.line)
			continue
		}
		meta[key] = metaValue{value: value, line: line}
	}
}

func (p *parser) applyMeta(ex *Exercise, meta map[string]metaValue) {
	if m, ok := meta[keyTopic]; !ok || m.value == "" {
		p.errorf(lineOr(m.line, ex.Source.Line), "no topic: add \"- topic: ...\" under the title, e.g. \"- topic: Window functions\"")
	} else {
		ex.Topic = m.value
	}
	if m, ok := meta[keyDifficulty]; !ok {
		p.errorf(ex.Source.Line, "no difficulty: add \"- difficulty: easy\" (or medium, or hard) under the title")
	} else {
		switch strings.ToLower(m.value) {
		case "easy":
			ex.Difficulty = Easy
		case "medium":
			ex.Difficulty = Medium
		case "hard":
			ex.Difficulty = Hard
		default:
			p.errorf(m.line, "difficulty %q: write easy, medium or hard", m.value)
		}
	}
	if m, ok := meta[keyOrder]; ok {
		switch strings.ToLower(m.value) {
		case "matters":
			ex.OrderMatters = true
		case "any":
		default:
			p.errorf(m.line, "order %q: write \"matters\" (row order is part of the answer) or \"any\"", m.value)
		}
	}
	if m, ok := meta[keyID]; ok {
		if msg := validID(m.value); msg != "" {
			p.errorf(m.line, "%s", msg)
		} else {
			ex.ID = m.value
		}
	} else if msg := validID(ex.ID); msg != "" {
		p.errorf(ex.Source.Line, "the id made from the file name, %q: %s; rename the file or set \"- id: sql-...\"", ex.ID, msg)
	}
}

// validID explains what is wrong with an exercise ID, or returns "".
func validID(id string) string {
	if !strings.HasPrefix(id, "sql-") || len(id) == len("sql-") {
		return fmt.Sprintf("id %q must start with \"sql-\" and name the exercise", id)
	}
	if len(id) > maxIDLen {
		return fmt.Sprintf("id %q is longer than %d characters (it travels inside chat buttons)", id, maxIDLen)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Sprintf("id %q may hold only a-z, 0-9, '-', '_' and '.'", id)
		}
	}
	return ""
}

// idFromName makes an exercise's ID from its file name: "sql-" and a slug
// of the name without its ".md" and without a leading number, so that
// renumbering files to reorder them keeps every learner's progress.
func idFromName(name string) string {
	base := name[strings.LastIndexAny(name, `/\`)+1:]
	base = strings.TrimSuffix(base, ".md")
	trimmed := strings.TrimLeft(base, "0123456789")
	if trimmed != base {
		trimmed = strings.TrimLeft(trimmed, "-_. ")
	}
	if trimmed != "" {
		base = trimmed
	}
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(base) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if gap && b.Len() > 0 {
				b.WriteByte('-')
			}
			gap = false
			b.WriteRune(r)
			continue
		}
		gap = true
	}
	return "sql-" + b.String()
}

// code returns the SQL of a fenced code block ("```sql" or a bare "```"),
// reporting anything else found in a section that holds SQL.
func (p *parser) code(n ast.Node, section string) (string, bool) {
	line := p.blockLine(n)
	switch b := n.(type) {
	case *ast.FencedCodeBlock:
		lang := strings.ToLower(string(b.Language(p.src)))
		if lang != "" && lang != "sql" && lang != "sqlite" {
			p.errorf(line, "a ```%s block in the %s section: write SQL in a ```sql block", lang, section)
			return "", false
		}
		sql := strings.TrimSpace(p.lines(b.Lines()))
		if sql == "" {
			p.errorf(line, "an empty code block in the %s section", section)
			return "", false
		}
		return sql, true
	case *ast.CodeBlock:
		p.errorf(line, "an indented code block in the %s section: fence SQL with ```sql ... ```", section)
	default:
		if !p.isComment(n) {
			p.warnf(line, "only ```sql blocks are read in the %s section; this text is ignored", section)
		}
	}
	return "", false
}

// codeInto reads the one code block of a section.
func (p *parser) codeInto(n ast.Node, section string, ds *Dataset) {
	line := p.blockLine(n)
	sql, ok := p.code(n, section)
	if !ok {
		return
	}
	if ds.SQL != "" {
		p.errorf(line, "a second code block in the %s section (the first is at line %d); put all of its SQL in one block", section, ds.Pos.Line)
		return
	}
	*ds = Dataset{SQL: sql, Pos: p.pos(line)}
}

// hints reads the hint list: each item is one hint, shown one at a time.
func (p *parser) hints(n ast.Node, ex *Exercise) {
	list, ok := n.(*ast.List)
	if !ok {
		if !p.isComment(n) {
			p.warnf(p.blockLine(n), "only a list belongs in the hints section, one hint per item; this is ignored")
		}
		return
	}
	for item := list.FirstChild(); item != nil; item = item.NextSibling() {
		if h := strings.TrimSpace(trimRich(p.block(item)).String()); h != "" {
			ex.Hints = append(ex.Hints, h)
		} else {
			p.errorf(p.blockLine(item), "an empty hint")
		}
	}
}

// wrong reads a wrong answer: a code block, optionally after a paragraph
// that says what the mistake is.
func (p *parser) wrong(n ast.Node, ex *Exercise) {
	if para, ok := n.(*ast.Paragraph); ok {
		if _, ok := para.NextSibling().(*ast.FencedCodeBlock); ok {
			return // read with the code block that follows
		}
		p.warnf(p.blockLine(n), "text in the wrong answers section is read only right before a ```sql block; this is ignored")
		return
	}
	line := p.blockLine(n)
	sql, ok := p.code(n, secWrong)
	if !ok {
		return
	}
	w := WrongAnswer{SQL: sql, Pos: p.pos(line)}
	if para, ok := n.PreviousSibling().(*ast.Paragraph); ok {
		w.Why = strings.TrimSpace(trimRich(p.block(para)).String())
	}
	ex.Wrong = append(ex.Wrong, w)
}

func (p *parser) isComment(n ast.Node) bool {
	h, ok := n.(*ast.HTMLBlock)
	if !ok {
		return false
	}
	s := strings.TrimSpace(p.lines(h.Lines()))
	if h.HasClosure() {
		s += string(h.ClosureLine.Value(p.src))
	}
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "<!--") && strings.HasSuffix(s, "-->")
}

// The exercise's Markdown is rendered by mdtext, which SQL and Python
// exercises share so that both look alike on every platform.

func (p *parser) md() mdtext.Source                           { return mdtext.Source(p.src) }
func (p *parser) block(n ast.Node) prep.RichText              { return p.md().Block(n) }
func (p *parser) plain(n ast.Node) string                     { return p.md().Plain(n) }
func (p *parser) lines(lines *text.Segments) string           { return p.md().Lines(lines) }
func trimRich(r prep.RichText) prep.RichText                  { return mdtext.Trim(r) }
func indentRich(r prep.RichText, indent string) prep.RichText { return mdtext.Indent(r, indent) }

func (p *parser) blockLine(n ast.Node) int { return p.doc.BlockLine(n) }

func (p *parser) line(offset int) int { return p.doc.Line(offset) }

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lineOr(line, fallback int) int {
	if line > 0 {
		return line
	}
	return fallback
}
