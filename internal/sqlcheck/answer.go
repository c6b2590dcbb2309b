package sqlcheck

import (
	"fmt"
	"strings"

	"github.com/prepbot/prepbot/internal/mdtext"
	"github.com/prepbot/prepbot/internal/prep"
)

// extractSQL finds the query in a chat message. People paste SQL bare, in
// a fenced code block (```sql or ```), or as one inline code span; a
// message may also hold words around a code block, which are left out. ok
// is false when there is nothing to run, and v says why.
func extractSQL(msg string, maxBytes int) (query string, v prep.Verdict, ok bool) {
	if len(msg) > maxBytes {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(fmt.Sprintf(
			"Your message is %s; a query may be at most %s. Send just the query.", sizeString(int64(len(msg))), sizeString(int64(maxBytes))))}, false
	}
	if strings.TrimSpace(msg) == "" {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(
			"Send your answer as an SQL query, e.g. SELECT * FROM some_table; (a ```sql code block works too).")}, false
	}
	query, other := mdtext.ExtractCode(msg, func(lang string) bool {
		switch lang {
		case "", "sql", "sqlite", "postgres", "postgresql", "psql", "mysql", "pgsql":
			return true
		}
		return false
	})
	if other != "" {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(fmt.Sprintf(
			"That is a ```%s block; this exercise wants SQL (in a ```sql block, or bare).", other))}, false
	}
	if strings.TrimSpace(query) == "" {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(
			"The code block is empty. Put your query inside it.")}, false
	}
	return query, prep.Verdict{}, true
}
