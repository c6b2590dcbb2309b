// Package sqlcheck grades SQL exercises: each attempt runs in a fresh,
// sandboxed, in-memory SQLite database built from the exercise, once per
// dataset (the rows the learner sees and hidden ones), and its result is
// compared with the reference solution's. It also reads the exercise files
// of content/exercises (Load, Parse) and checks them (Lint).
//
// The sandbox is enforced by SQLite itself, never by matching the query's
// text: an authorizer refuses ATTACH (so VACUUM INTO), PRAGMAs that change
// anything, load_extension and creating virtual tables (the built-in
// table-valued functions, json_each or dbstat, read only the attempt's own
// database; defensive mode keeps sqlite_dbpage read-only);
// SQLITE_LIMIT_ATTACHED is 0; the connection's VFS cannot open any file; the database lives in memory; and
// every attempt has a deadline (sqlite3_interrupt), a row cap, a column cap
// (SQLITE_LIMIT_COLUMN), page caps and a share of a process-wide heap
// limit. What the grader copies out of SQLite is Go memory, which the heap
// limit does not see, so a result's bytes are capped too.
package sqlcheck

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/prepbot/prepbot/internal/prep"
)

// Options bound what one attempt may use. Zero values take the defaults.
type Options struct {
	// TimeLimit bounds an attempt: all of its datasets together. Default 2s.
	TimeLimit time.Duration
	// MaxRows is the most rows an answer may return. Default 1,000.
	MaxRows int
	// MaxColumns is the most columns a result (or a table the answer
	// creates) may have: SQLite refuses a wider statement when it is
	// prepared. Default 100.
	MaxColumns int
	// MaxResultBytes caps the Go memory one statement's result may take
	// when it is copied out of SQLite (each value's text or blob plus a
	// fixed cost per value), which SQLite's heap limit does not cover:
	// reading stops there. Default 4 MiB, far above any exercise's
	// answer.
	MaxResultBytes int
	// MaxQueryBytes is the longest message accepted as a query. Default
	// 16 KiB.
	MaxQueryBytes int
	// MemoryLimit is the SQLite heap one attempt may use. SQLite's heap
	// limit is process-wide, so it is enforced as Concurrency × MemoryLimit
	// for all attempts together (plus a margin for building datasets).
	// Default 64 MiB.
	MemoryLimit int64
	// MaxDatabaseBytes caps the size an attempt may grow each of its
	// databases to (main and temp), by INSERTs or CREATE TABLE AS. Default
	// 16 MiB.
	MaxDatabaseBytes int64
	// MaxValueBytes is the longest string or blob a query may make.
	// Default 1 MiB.
	MaxValueBytes int
	// Concurrency is how many attempts run at once; the rest wait their
	// turn. Default: the number of CPUs.
	Concurrency int
}

// Defaults of Options.
const (
	DefaultTimeLimit        = 2 * time.Second
	DefaultMaxRows          = 1000
	DefaultMaxColumns       = 100
	DefaultMaxResultBytes   = 4 << 20
	DefaultMaxQueryBytes    = 16 << 10
	DefaultMemoryLimit      = 64 << 20
	DefaultMaxDatabaseBytes = 16 << 20
	DefaultMaxValueBytes    = 1 << 20
)

// pageSize is SQLite's default page size, which the page caps count in.
const pageSize = 4096

// buildMargin is heap left for building datasets outside the attempt queue.
const buildMargin = 32 << 20

func (o Options) withDefaults() Options {
	if o.TimeLimit <= 0 {
		o.TimeLimit = DefaultTimeLimit
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MaxColumns <= 0 {
		o.MaxColumns = DefaultMaxColumns
	}
	if o.MaxResultBytes <= 0 {
		o.MaxResultBytes = DefaultMaxResultBytes
	}
	if o.MaxQueryBytes <= 0 {
		o.MaxQueryBytes = DefaultMaxQueryBytes
	}
	if o.MemoryLimit <= 0 {
		o.MemoryLimit = DefaultMemoryLimit
	}
	if o.MaxDatabaseBytes <= 0 {
		o.MaxDatabaseBytes = DefaultMaxDatabaseBytes
	}
	if o.MaxValueBytes <= 0 {
		o.MaxValueBytes = DefaultMaxValueBytes
	}
	if o.Concurrency <= 0 {
		o.Concurrency = runtime.NumCPU()
	}
	return o
}

func (o Options) connLimits() connLimits {
	return connLimits{
		maxValueBytes: o.MaxValueBytes,
		// The message's cap is checked first, in bytes of the whole
		// message; this is SQLite's own cap per statement.
		maxSQLBytes:    o.MaxQueryBytes,
		maxPages:       int(max(o.MaxDatabaseBytes/pageSize, 16)),
		maxRows:        o.MaxRows,
		maxColumns:     o.MaxColumns,
		maxResultBytes: o.MaxResultBytes,
	}
}

// Grader grades SQL attempts. It is safe for concurrent use.
type Grader struct {
	opts Options
	lim  connLimits
	sem  chan struct{} // one token per attempt running
	// heapLimited tells whether SQLite enforces the memory limit.
	heapLimited bool
}

var _ prep.Grader = (*Grader)(nil)

// NewGrader returns a grader with opts' limits. It also sets SQLite's
// process-wide heap limit from them (see Options.MemoryLimit): a process
// has one Grader, or the last one made sets the limit.
func NewGrader(opts Options) *Grader {
	g := newGrader(opts)
	g.heapLimited = setHeapLimit(int64(g.opts.Concurrency)*g.opts.MemoryLimit + buildMargin)
	return g
}

// newGrader makes a grader that leaves the process's heap limit alone, for
// checking content.
func newGrader(opts Options) *Grader {
	opts = opts.withDefaults()
	return &Grader{opts: opts, lim: opts.connLimits(), sem: make(chan struct{}, opts.Concurrency)}
}

// Options returns the limits in force, defaults filled in.
func (g *Grader) Options() Options { return g.opts }

// MemoryLimited reports whether SQLite enforces Options.MemoryLimit. It does
// unless something else in the process initialized SQLite before the first
// Grader was made.
func (g *Grader) MemoryLimited() bool { return g.heapLimited }

// Grade runs answer on every dataset of the exercise and compares its
// result with the reference's. answer is what the learner sent: a query,
// several statements separated by semicolons (all run in order; the last
// one's result is graded), or either inside a Markdown code block. An error
// means the grader could not grade: the exercise is not an SQL exercise,
// its own SQL fails, or ctx ended while the attempt waited for its turn.
func (g *Grader) Grade(ctx context.Context, ex prep.Exercise, answer string) (prep.Verdict, error) {
	spec, ok := ex.Spec.(*Exercise)
	if !ok || spec == nil {
		return prep.Verdict{}, fmt.Errorf("sqlcheck: exercise %q has no SQL definition (its Spec is %T)", ex.ID, ex.Spec)
	}
	query, v, ok := extractSQL(answer, g.opts.MaxQueryBytes)
	if !ok {
		return v, nil
	}
	p, err := spec.prepare()
	if err != nil {
		return prep.Verdict{}, fmt.Errorf("sqlcheck: exercise %s: %w", spec.ID, err)
	}

	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return prep.Verdict{}, fmt.Errorf("sqlcheck: waiting for a free sandbox: %w", ctx.Err())
	}
	defer func() { <-g.sem }()

	actx, cancel := context.WithTimeout(ctx, g.opts.TimeLimit)
	defer cancel()
	for i, image := range p.images {
		got, err := g.run(actx, image, query)
		if err != nil {
			if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return prep.Verdict{}, fmt.Errorf("sqlcheck: grading stopped: %w", ctx.Err())
			}
			return g.failure(err, query, i, len(p.images)), nil
		}
		if d := compare(p.want[i], got, spec.OrderMatters); d != nil {
			return g.wrong(d, p.want[i], got, i, spec.OrderMatters), nil
		}
	}
	return correct(len(p.images) - 1), nil
}

// run executes a script on a fresh copy of a dataset.
func (g *Grader) run(ctx context.Context, image []byte, script string) (*result, error) {
	c, err := openConn(g.lim)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if err := c.deserialize(image); err != nil {
		return nil, err
	}
	if err := c.lock(g.lim); err != nil {
		return nil, err
	}
	res, err := c.run(ctx, script, g.opts.MaxRows)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, errNoStatement
	}
	return res, nil
}

// errNoStatement is an answer with nothing but comments and semicolons.
var errNoStatement = errors.New("sqlcheck: no statement")

func correct(hidden int) prep.Verdict {
	msg := "Same result as the reference solution on the sample data"
	switch hidden {
	case 0:
		msg += "."
	case 1:
		msg += " and on a hidden dataset."
	default:
		msg += fmt.Sprintf(" and on %d hidden datasets.", hidden)
	}
	return prep.Verdict{Outcome: prep.Correct, Detail: prep.Text(msg)}
}

// failure explains an attempt that did not run to the end.
func (g *Grader) failure(err error, query string, dataset, datasets int) prep.Verdict {
	where := ""
	if dataset > 0 {
		where = " on a hidden dataset (it ran on the sample data)"
	}
	if errors.Is(err, errNoStatement) {
		return prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(
			"Your message has no SQL statement, only comments. Send a query, e.g. SELECT * FROM some_table;")}
	}
	var big *resultTooBigError
	if errors.As(err, &big) {
		return prep.Verdict{Outcome: prep.OutOfMemory, Detail: prep.Text(fmt.Sprintf(
			"Stopped: the result of your query passed %s, the most an answer may hold%s. Look for a huge value on every row (a long string, a blob) or far more rows than the task asks for.",
			sizeString(int64(big.limit)), where))}
	}
	var se *sqlError
	if !errors.As(err, &se) {
		// Opening or filling the sandbox failed: the grader's fault, but
		// most likely memory is short because of other attempts.
		return prep.Verdict{Outcome: prep.OutOfMemory, Detail: prep.Text(
			"The sandbox could not be set up (the server is short of memory). Please try again in a moment.")}
	}
	switch se.primary() {
	case sqlite3.SQLITE_INTERRUPT:
		return prep.Verdict{Outcome: prep.TooSlow, Detail: prep.Text(fmt.Sprintf(
			"Stopped after %s, the time limit%s. The data is tiny, so look for a join without a condition (every row times every row) or a recursive CTE without a stop.",
			g.opts.TimeLimit, where))}
	case sqlite3.SQLITE_NOMEM:
		return prep.Verdict{Outcome: prep.OutOfMemory, Detail: prep.Text(fmt.Sprintf(
			"Stopped: the query needed more than its %s of memory%s. Look for a huge intermediate result: a join without a condition, or a recursive CTE without a stop.",
			sizeString(g.opts.MemoryLimit), where))}
	case sqlite3.SQLITE_FULL:
		return prep.Verdict{Outcome: prep.OutOfMemory, Detail: prep.Text(fmt.Sprintf(
			"Stopped: your statements made the database larger than %s%s.", sizeString(g.opts.MaxDatabaseBytes), where))}
	case sqlite3.SQLITE_TOOBIG:
		return prep.Verdict{Outcome: prep.OutOfMemory, Detail: prep.Text(fmt.Sprintf(
			"Stopped: a string or blob longer than %s%s.", sizeString(int64(g.opts.MaxValueBytes)), where))}
	}
	if se.refused != "" || se.primary() == sqlite3.SQLITE_AUTH {
		what := se.refused
		if what == "" {
			what = "This statement is"
		}
		return prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(fmt.Sprintf(
			"%s not allowed here: every attempt runs on its own throwaway in-memory copy of the exercise's tables. Send a query on those tables.",
			what))}
	}
	if se.primary() == sqlite3.SQLITE_ERROR && strings.HasPrefix(se.msg, "too many columns") {
		// SQLITE_LIMIT_COLUMN: SQLite says so without the number.
		return prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(fmt.Sprintf(
			"Your statement has more than %d columns, the most allowed here (SQLite says: %s). Return only the columns the task asks for.",
			g.opts.MaxColumns, se.msg))}
	}
	if se.stmt == 1 && se.offset == 0 && se.primary() == sqlite3.SQLITE_ERROR && strings.Contains(se.msg, "syntax error") {
		return prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(fmt.Sprintf(
			"That does not look like SQL (SQLite says: %s). Send just the query, e.g. SELECT ... FROM ...; a ```sql code block works too.", se.msg))}
	}
	msg := "SQLite error"
	if strings.Contains(strings.TrimSpace(query), "\n") {
		msg += fmt.Sprintf(" at line %d", 1+strings.Count(query[:min(se.offset, len(query))], "\n"))
	}
	if se.stmt > 1 {
		msg += fmt.Sprintf(" (statement %d)", se.stmt)
	}
	return prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(msg + where + ": " + se.msg)}
}

// sizeString writes a byte count the way people say it.
func sizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
