package sqlcheck

import (
	"fmt"
	"strings"
)

// HardCoded returns a query that returns the reference's result on the
// sample data as literal rows: what a learner who copied the visible answer
// would send. The hidden datasets must reject it.
func HardCoded(ex *Exercise) (string, error) {
	p, err := ex.prepare()
	if err != nil {
		return "", err
	}
	want := p.want[0]
	if len(want.rows) == 0 {
		return "", fmt.Errorf("no rows on the sample data")
	}
	rows := make([]string, len(want.rows))
	for i, r := range want.rows {
		cells := make([]string, len(r))
		for j, v := range r {
			cells[j] = literal(v)
		}
		rows[i] = "(" + strings.Join(cells, ", ") + ")"
	}
	return "VALUES " + strings.Join(rows, ",\n       ") + ";", nil
}

func literal(v value) string {
	switch v.kind {
	case kindNull:
		return "NULL"
	case kindInteger:
		return fmt.Sprint(v.i)
	case kindReal:
		return fmt.Sprintf("%.17g", v.f) + "e0"
	case kindBlob:
		return fmt.Sprintf("x'%x'", v.s)
	}
	return quoteString(v.s)
}
