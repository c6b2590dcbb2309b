package sqlcheck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/prepbot/prepbot/internal/mdtext"
	"github.com/prepbot/prepbot/internal/prep"
)

// prepared is what grading an exercise needs, built once from its file.
type prepared struct {
	// images are serialized databases: [0] the sample data, then each
	// hidden dataset. Every attempt starts from a fresh copy.
	images [][]byte
	// want is the reference solution's result on each.
	want []*result
}

// contentError is a problem with an exercise's own SQL, placed in its file.
type contentError struct {
	pos prep.Position
	msg string
}

func (e *contentError) Error() string { return e.pos.String() + ": " + e.msg }

// contentTimeLimit bounds each of an exercise's own statements blocks: they
// are trusted, but a mistake in one must not hang the bot.
const contentTimeLimit = 10 * time.Second

// contentLimits are the limits for building datasets: bigger than an
// attempt's, since exercise files may generate rows.
var contentLimits = connLimits{maxValueBytes: 1 << 20, maxSQLBytes: 1 << 20, maxPages: (64 << 20) / pageSize, maxRows: DefaultMaxRows}

// prepare builds the datasets and runs the reference on each, once.
func (e *Exercise) prepare() (*prepared, error) {
	e.once.Do(func() { e.prepared, e.prepErr = e.build() })
	return e.prepared, e.prepErr
}

func (e *Exercise) build() (*prepared, error) {
	p := &prepared{}
	datasets := append([]Dataset{{}}, e.Hidden...)
	for i, ds := range datasets {
		img, err := buildImage(e.Schema, ds, i > 0)
		if err != nil {
			return nil, err
		}
		p.images = append(p.images, img)
	}
	g := newGrader(Options{TimeLimit: contentTimeLimit})
	for i, img := range p.images {
		ctx, cancel := context.WithTimeout(context.Background(), contentTimeLimit)
		res, err := g.run(ctx, img, e.Solution.SQL)
		cancel()
		if err != nil {
			where := "on the sample data"
			if i > 0 {
				where = "on the hidden dataset at line " + fmt.Sprint(e.Hidden[i-1].Pos.Line)
			}
			return nil, blockError(e.Solution, err, "the solution fails "+where)
		}
		if res.truncated {
			return nil, &contentError{pos: e.Solution.Pos, msg: fmt.Sprintf("the solution returns more than %d rows", DefaultMaxRows)}
		}
		p.want = append(p.want, res)
	}
	return p, nil
}

// buildImage creates the tables and fills them: with the schema's own rows,
// or, for a hidden dataset, with the dataset's rows after emptying them.
func buildImage(schema, hidden Dataset, isHidden bool) ([]byte, error) {
	c, err := openConn(contentLimits)
	if err != nil {
		return nil, err
	}
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), contentTimeLimit)
	defer cancel()
	if _, err := c.run(ctx, schema.SQL, 0); err != nil {
		return nil, blockError(schema, err, "the schema fails")
	}
	if isHidden {
		tables, err := c.tables()
		if err != nil {
			return nil, err
		}
		var empty strings.Builder
		for _, t := range tables {
			empty.WriteString("DELETE FROM " + quoteIdent(t) + ";\n")
		}
		if _, err := c.run(ctx, empty.String(), 0); err != nil {
			return nil, blockError(hidden, err, "emptying the tables fails")
		}
		if _, err := c.run(ctx, hidden.SQL, 0); err != nil {
			return nil, blockError(hidden, err, "the hidden dataset fails")
		}
	}
	return c.serialize()
}

// blockError places an error from running a code block at the line of the
// statement that failed.
func blockError(ds Dataset, err error, what string) error {
	var se *sqlError
	if !errors.As(err, &se) {
		return &contentError{pos: ds.Pos, msg: what + ": " + err.Error()}
	}
	pos := ds.Pos
	// The block's first line of SQL is the one after its ``` fence.
	pos.Line += 1 + strings.Count(ds.SQL[:min(se.offset, len(ds.SQL))], "\n")
	return &contentError{pos: pos, msg: what + ": " + se.msg}
}

// tables lists the user's tables in the order they were created.
func (c *conn) tables() ([]string, error) {
	res, err := c.run(context.Background(),
		"SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid", 1000)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range res.rows {
		out = append(out, r[0].s)
	}
	return out, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Load reads every exercise at the top of fsys (each *.md file except
// README.md and hidden files, in lexical order, which is meant to run from
// easy to hard), builds its datasets and runs its reference solution. It
// reports every problem as file:line; an exercise with an error is left
// out, so a broken file never half-works. It never panics.
func Load(fsys fs.FS) ([]prep.Exercise, prep.Problems) {
	var out []prep.Exercise
	files, probs := mdtext.ExerciseFiles(fsys)
	seen := map[string]prep.Position{}
	var prev *Exercise
	for _, f := range files {
		name, src := f.Name, f.Src
		ex, ps := Parse(name, src)
		probs = append(probs, ps...)
		if ex == nil {
			continue
		}
		if first, dup := seen[ex.ID]; dup {
			probs = append(probs, prep.Problem{Pos: ex.Source, Severity: prep.Error,
				Message: fmt.Sprintf("id %s is also the id of the exercise at %s; set \"- id:\" on one of them", ex.ID, first)})
			continue
		}
		seen[ex.ID] = ex.Source
		if prev != nil && ex.Difficulty < prev.Difficulty {
			probs = append(probs, prep.Problem{Pos: ex.Source, Severity: prep.Warning,
				Message: fmt.Sprintf("%s %s exercise after %s %s one (%s): files are read in name order, easy to hard; renumber it", article(ex.Difficulty.String()), ex.Difficulty, article(prev.Difficulty.String()), prev.Difficulty, prev.Source.File)})
		}
		prev = ex
		pe, err := ex.Build()
		if err != nil {
			probs = append(probs, problemOf(ex, err))
			continue
		}
		out = append(out, pe)
	}
	if len(out) == 0 && !probs.HasErrors() {
		probs = append(probs, prep.Problem{Pos: prep.Position{File: "."}, Severity: prep.Error, Message: "no exercises found (*.md files)"})
	}
	probs.Sort()
	return out, probs
}

func problemOf(ex *Exercise, err error) prep.Problem {
	var ce *contentError
	if errors.As(err, &ce) {
		return prep.Problem{Pos: ce.pos, Severity: prep.Error, Message: ce.msg}
	}
	return prep.Problem{Pos: ex.Source, Severity: prep.Error, Message: err.Error()}
}

// Build builds the exercise's datasets, runs its reference solution on each
// and returns the exercise as the engine's prep.Exercise, whose Prompt shows
// the task, the tables and a few of their rows. An error names the place in
// the file when it can (as a "file:line: message" string).
func (ex *Exercise) Build() (prep.Exercise, error) {
	p, err := ex.prepare()
	if err != nil {
		return prep.Exercise{}, err
	}
	prompt, err := buildPrompt(ex, p.images[0])
	if err != nil {
		return prep.Exercise{}, err
	}
	if n := prompt.Len(); n > maxPrompt {
		return prep.Exercise{}, &contentError{pos: ex.Source, msg: fmt.Sprintf(
			"the prompt (task, tables and sample rows) is %d characters long; the limit is %d: shorten the task or the tables", n, maxPrompt)}
	}
	return prep.Exercise{
		ID:       ex.ID,
		Kind:     prep.SQLExercise,
		Title:    ex.Title,
		Topic:    ex.Topic,
		Prompt:   prompt,
		Hints:    ex.Hints,
		Solution: ex.Solution.SQL,
		Source:   ex.Source,
		Spec:     ex,
	}, nil
}

// maxPrompt leaves room in a 4096-character Telegram message for the
// title, the buttons' text and the engine's own lines.
const maxPrompt = prep.MaxCardText

// sampleRows is how many rows of each table the prompt shows.
const sampleRows = 3

// buildPrompt writes what the learner sees: the task, then each table as
// table(columns), then a few rows of each in one aligned code block.
func buildPrompt(ex *Exercise, image []byte) (prep.RichText, error) {
	c, err := openConn(contentLimits)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if err := c.deserialize(image); err != nil {
		return nil, err
	}
	tables, err := c.tables()
	if err != nil {
		return nil, err
	}
	var schema, samples strings.Builder
	for _, t := range tables {
		cols, err := c.run(context.Background(), "SELECT name FROM pragma_table_info("+quoteString(t)+")", 1000)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(cols.rows))
		for i, r := range cols.rows {
			names[i] = r[0].s
		}
		fmt.Fprintf(&schema, "%s(%s)\n", t, strings.Join(names, ", "))
		count, err := c.run(context.Background(), "SELECT count(*) FROM "+quoteIdent(t), 1)
		if err != nil {
			return nil, err
		}
		rows, err := c.run(context.Background(), "SELECT * FROM "+quoteIdent(t), sampleRows)
		if err != nil {
			return nil, err
		}
		n := count.rows[0][0].i
		head := t
		switch {
		case n == 0:
			head += " (empty)"
		case n > sampleRows:
			head += fmt.Sprintf(" (%d of %d rows)", sampleRows, n)
		}
		if samples.Len() > 0 {
			samples.WriteString("\n\n")
		}
		samples.WriteString(head + "\n" + formatTable(rows.columns, rows.rows, sampleRows))
	}
	rt := append(prep.RichText(nil), ex.Task...)
	rt = rt.Plain("\n\nTables:\n")
	rt = append(rt, prep.Span{Style: prep.CodeBlock, Text: strings.TrimRight(schema.String(), "\n")})
	rt = rt.Plain("Sample rows:")
	rt = append(rt, prep.Span{Style: prep.CodeBlock, Text: samples.String()})
	return rt, nil
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// article is "a" or "an" for the word that follows.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
