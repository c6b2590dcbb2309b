package sqlcheck

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/prepbot/prepbot/internal/prep"
)

// tolerance is how far apart two numbers may be and still be equal,
// relative to the larger one when it is above 1: AVG and division leave
// different last digits depending on how a query is written.
const tolerance = 1e-6

// diff is how a result differs from the expected one.
type diff struct {
	truncated      bool // the answer returned more than MaxRows rows
	colsWant, cols int
	rowsWant, rows int
	missing, extra [][]value // rows expected but not returned, and the reverse
	nMissing       int
	nExtra         int
	orderOnly      bool // the same rows in another order, where order matters
	firstBad       int  // index of the first row out of place, when ordered
}

// maxShown is how many rows a verdict shows of each kind: enough to see
// the pattern on a phone.
const maxShown = 3

// compare returns nil when got is the expected result: the same number of
// columns, and the same rows (numbers within tolerance, NULL equal to
// NULL), as a multiset or, when ordered, in the same order. Column names are
// not compared.
func compare(want, got *result, ordered bool) *diff {
	d := &diff{colsWant: len(want.columns), cols: len(got.columns), rowsWant: len(want.rows), rows: len(got.rows), firstBad: -1}
	if got.truncated {
		d.truncated = true
		return d
	}
	if d.cols != d.colsWant {
		return d
	}
	ws, gs := sortedRows(want.rows), sortedRows(got.rows)
	i, j := 0, 0
	for i < len(ws) || j < len(gs) {
		var c int
		switch {
		case i == len(ws):
			c = 1
		case j == len(gs):
			c = -1
		default:
			c = compareRows(ws[i], gs[j])
		}
		switch {
		case c == 0:
			i++
			j++
		case c < 0:
			d.nMissing++
			if len(d.missing) < maxShown {
				d.missing = append(d.missing, ws[i])
			}
			i++
		default:
			d.nExtra++
			if len(d.extra) < maxShown {
				d.extra = append(d.extra, gs[j])
			}
			j++
		}
	}
	if ordered {
		for k := range min(len(want.rows), len(got.rows)) {
			if compareRows(want.rows[k], got.rows[k]) != 0 {
				d.firstBad = k
				break
			}
		}
		if d.firstBad < 0 && len(want.rows) != len(got.rows) {
			d.firstBad = min(len(want.rows), len(got.rows))
		}
	}
	if d.nMissing == 0 && d.nExtra == 0 {
		if d.firstBad < 0 {
			return nil
		}
		d.orderOnly = true
	}
	return d
}

func sortedRows(rows [][]value) [][]value {
	out := slices.Clone(rows)
	slices.SortStableFunc(out, compareRows)
	return out
}

func compareRows(a, b []value) int {
	for i := range min(len(a), len(b)) {
		if c := compareValues(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// compareValues orders values as SQLite's ORDER BY does (NULL, numbers,
// text, blobs), treating integers and reals as one kind and numbers within
// tolerance as equal.
func compareValues(a, b value) int {
	ka, kb := rank(a.kind), rank(b.kind)
	if ka != kb {
		return cmp.Compare(ka, kb)
	}
	switch a.kind {
	case kindNull:
		return 0
	case kindInteger, kindReal:
		if a.kind == kindInteger && b.kind == kindInteger {
			return cmp.Compare(a.i, b.i)
		}
		x, y := a.number(), b.number()
		if math.Abs(x-y) <= tolerance*max(1, math.Abs(x), math.Abs(y)) {
			return 0
		}
		return cmp.Compare(x, y)
	}
	return strings.Compare(a.s, b.s)
}

func rank(k kind) int {
	if k == kindReal {
		return int(kindInteger)
	}
	return int(k)
}

func (v value) number() float64 {
	if v.kind == kindInteger {
		return float64(v.i)
	}
	return v.f
}

// String shows a value as a learner would type it: text is quoted only
// where it could pass for a number, NULL or nothing.
func (v value) String() string {
	switch v.kind {
	case kindNull:
		return "NULL"
	case kindInteger:
		return strconv.FormatInt(v.i, 10)
	case kindReal:
		s := strconv.FormatFloat(v.f, 'g', 10, 64)
		if !strings.ContainsAny(s, ".eEnN") {
			s += ".0" // 2.0, not 2: the storage class may be the clue
		}
		return s
	case kindBlob:
		h := hex.EncodeToString([]byte(v.s))
		if len(h) > 16 {
			h = h[:16] + "…"
		}
		return "x'" + h + "'"
	}
	s := v.s
	if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil || s == "" || strings.EqualFold(s, "null") || strings.TrimSpace(s) != s {
		return "'" + s + "'"
	}
	return s
}

// wrong explains a result that differs from the expected one.
func (g *Grader) wrong(d *diff, want, got *result, dataset int, ordered bool) prep.Verdict {
	if dataset > 0 {
		return prep.Verdict{Outcome: prep.Wrong, Detail: hiddenDiff(d, g.opts.MaxRows)}
	}
	var rt prep.RichText
	switch {
	case d.truncated:
		rt = rt.Plain(fmt.Sprintf("Your query returned more than %d rows; the expected result has %s. Did a join multiply the rows?",
			g.opts.MaxRows, plural(d.rowsWant, "row")))
	case d.cols == 0:
		rt = rt.Plain(fmt.Sprintf("Your last statement returned nothing to check; the expected result has %s and %s. End with a SELECT that shows the answer.",
			plural(d.colsWant, "column"), plural(d.rowsWant, "row")))
	case d.cols != d.colsWant:
		rt = rt.Plain(fmt.Sprintf("Your result has %s; the expected one has %d (names do not matter; the number and order of columns do).",
			plural(d.cols, "column"), d.colsWant))
		rt = rt.Plain("\n\nExpected:")
		rt = append(rt, tableBlock(want.columns, want.rows, maxShown))
		rt = rt.Plain("Yours:")
		rt = append(rt, tableBlock(got.columns, got.rows, maxShown))
	case d.orderOnly:
		k := d.firstBad
		rt = rt.Plain(fmt.Sprintf("The right rows in the wrong order (here order matters). Row %d should be:", k+1))
		rt = append(rt, tableBlock(want.columns, want.rows[k:k+1], 1))
		rt = rt.Plain("but is:")
		rt = append(rt, tableBlock(got.columns, got.rows[k:k+1], 1))
		rt = rt.Plain("Check your ORDER BY.")
	default:
		if d.rows != d.rowsWant {
			rt = rt.Plain(fmt.Sprintf("Expected %s, got %d.", plural(d.rowsWant, "row"), d.rows))
		} else {
			rt = rt.Plain(fmt.Sprintf("Both have %s, but %s.", plural(d.rows, "row"), differ(d.nExtra)))
		}
		if d.nMissing > 0 {
			rt = rt.Plain("\n\nExpected but missing" + more(d.nMissing) + ":")
			rt = append(rt, tableBlock(want.columns, d.missing, maxShown))
		}
		if d.nExtra > 0 {
			if d.nMissing == 0 {
				rt = rt.Plain("\n\n")
			}
			rt = rt.Plain("In yours but not expected" + more(d.nExtra) + ":")
			rt = append(rt, tableBlock(got.columns, d.extra, maxShown))
		}
		if ordered && d.nMissing == 0 && d.nExtra == 0 {
			rt = rt.Plain("Check your ORDER BY.")
		}
	}
	return prep.Verdict{Outcome: prep.Wrong, Detail: trimRich(rt)}
}

// hiddenDiff describes a difference on a hidden dataset by its shape only:
// the hidden rows stay hidden, so that they keep testing.
func hiddenDiff(d *diff, maxRows int) prep.RichText {
	var what string
	switch {
	case d.truncated:
		what = fmt.Sprintf("it returned more than %d rows where %s are expected", maxRows, plural(d.rowsWant, "row"))
	case d.cols != d.colsWant:
		what = fmt.Sprintf("%s instead of %d", plural(d.cols, "column"), d.colsWant)
	case d.orderOnly && d.firstBad >= 0:
		// Where the order first goes wrong says which rule of the task's
		// ordering to look at (a tie-break), and shows no row.
		what = fmt.Sprintf("the right rows in the wrong order, from row %d of %d on", d.firstBad+1, d.rowsWant)
	case d.orderOnly:
		what = "the right rows in the wrong order"
	case d.rows != d.rowsWant:
		are := "are"
		if d.rowsWant == 1 {
			are = "is"
		}
		what = fmt.Sprintf("%s where %d %s expected", plural(d.rows, "row"), d.rowsWant, are)
	default:
		what = fmt.Sprintf("%s of its %d", differ(d.nExtra), d.rows)
	}
	// Most often the hidden rows hold a case the sample lacks, and the
	// query is plainly wrong there; hard-coding sample values is only one
	// cause, so it is named last, as a possibility.
	return prep.Text("Right on the sample data, but wrong on a hidden dataset with other rows: " + what +
		". The hidden rows may hold cases the sample does not show (NULLs, ties, rows without a match, more than one row per key): check how your query treats each. A value taken from the sample (an id, a name, a date) would also do this.")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func differ(n int) string {
	if n == 1 {
		return "1 row differs"
	}
	return fmt.Sprintf("%d rows differ", n)
}

func more(n int) string {
	if n > maxShown {
		return fmt.Sprintf(" (%d rows; the first %d)", n, maxShown)
	}
	return ""
}

// maxCell is the widest a cell is shown, in characters, so that a few
// columns fit a phone's screen.
const maxCell = 14

// tableBlock renders rows as an aligned code block: a header line, then
// one line per row, numbers right-aligned.
func tableBlock(columns []string, rows [][]value, limit int) prep.Span {
	return prep.Span{Style: prep.CodeBlock, Text: formatTable(columns, rows, limit)}
}

// maxTableWidth is the widest line a table may have, in characters: the
// columns that fit are shown, the others summed up in a last line. A result
// of a hundred columns would otherwise make a verdict no chat takes.
const maxTableWidth = 100

func formatTable(columns []string, rows [][]value, limit int) string {
	if len(rows) > limit {
		rows = rows[:limit]
	}
	cells := make([][]string, 0, len(rows)+1)
	header := make([]string, len(columns))
	for i, c := range columns {
		header[i] = clip(c)
	}
	cells = append(cells, header)
	right := make([]bool, len(columns))
	for _, r := range rows {
		line := make([]string, len(columns))
		for i := range line {
			if i < len(r) {
				line[i] = clip(r[i].String())
				right[i] = right[i] || r[i].kind == kindInteger || r[i].kind == kindReal
			}
		}
		cells = append(cells, line)
	}
	width := make([]int, len(columns))
	for _, line := range cells {
		for i, c := range line {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	shown, total := len(columns), 0
	for i, w := range width {
		total += w + 2*min(i, 1)
	}
	if total > maxTableWidth {
		// The first column always shows; then as many as fit beside the
		// "  …" that says there are more.
		used := width[0]
		for shown = 1; shown < len(columns) && used+2+width[shown]+3 <= maxTableWidth; shown++ {
			used += 2 + width[shown]
		}
	}
	var b strings.Builder
	for _, line := range cells {
		for i, c := range line[:shown] {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if right[i] {
				b.WriteString(pad + c)
			} else if i < len(line)-1 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(c)
			}
		}
		if shown < len(columns) {
			b.WriteString("  …")
		}
		b.WriteString("\n")
	}
	if len(cells) == 1 {
		b.WriteString("(no rows)\n")
	}
	if shown < len(columns) {
		fmt.Fprintf(&b, "(%d more columns not shown)\n", len(columns)-shown)
	}
	return strings.TrimRight(b.String(), "\n")
}

// dateTime matches the ISO dates and times SQLite stores as text
// ("2025-03-01 09:15:00"): a time cut short is a different time, and the
// tasks about them (latest label, per day) turn on the whole value.
var dateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$`)

func clip(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if utf8.RuneCountInString(s) <= maxCell || dateTime.MatchString(s) {
		return s
	}
	r := []rune(s)
	return string(r[:maxCell-1]) + "…"
}
