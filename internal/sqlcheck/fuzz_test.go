package sqlcheck_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prepbot/prepbot/content"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/sqlcheck"
)

// FuzzGrade feeds the grader arbitrary messages: it must never panic, must
// always give a verdict with a detail, and must finish within its limit.
func FuzzGrade(f *testing.F) {
	for _, s := range []string{
		"SELECT 1",
		"```sql\nSELECT * FROM throughput;\n```",
		"`SELECT 1`",
		"SELECT 1; SELECT 2;;;",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r",
		"ATTACH 'x.db' AS x",
		"PRAGMA hard_heap_limit = 1",
		"SELECT 'a\x00b'; DROP TABLE throughput",
		"/* unterminated",
		"'",
		"```\n```",
		"\xff\xfe",
		"INSERT INTO throughput VALUES ('x', '2025-03-01', 1) RETURNING *",
	} {
		f.Add(s)
	}
	exs, _ := sqlcheck.Load(content.Exercises())
	var ex prep.Exercise
	for _, e := range exs {
		if e.ID == largest {
			ex = e
		}
		f.Add(e.Solution)
	}
	const limit = 300 * time.Millisecond
	g := sqlcheck.NewGrader(sqlcheck.Options{TimeLimit: limit})
	f.Fuzz(func(t *testing.T, answer string) {
		start := time.Now()
		v, err := g.Grade(context.Background(), ex, answer)
		if err != nil {
			t.Fatalf("grader error: %v", err)
		}
		if v.Outcome < prep.Correct || v.Outcome > prep.OutOfMemory || len(v.Detail) == 0 {
			t.Fatalf("bad verdict %+v", v)
		}
		// The race detector and a busy fuzzer slow everything down; the
		// point is that nothing runs on unbounded.
		if took := time.Since(start); took > limit+3*time.Second {
			t.Fatalf("took %v", took)
		}
	})
}

// FuzzParse feeds the exercise parser arbitrary files: no panic, and what
// it returns is usable and placed inside the file.
func FuzzParse(f *testing.F) {
	names, _ := fs.Glob(content.Exercises(), "*.md")
	for _, name := range names {
		data, err := fs.ReadFile(content.Exercises(), name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	bad, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.md"))
	for _, path := range bad {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("# T\n- topic: a\n- difficulty: easy\n## Task\n```sql\n```\n## Schema\n    indented\n## Solution\n```go\nx\n```\n"))
	f.Add([]byte("\r\n\x00#\r- :\n##\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		ex, probs := sqlcheck.Parse("ex.md", src)
		norm := bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
		lines := 1 + bytes.Count(norm, []byte("\n")) + bytes.Count(norm, []byte("\r"))
		for _, p := range probs {
			if p.Message == "" || p.Pos.File != "ex.md" || p.Pos.Line < 1 || p.Pos.Line > lines {
				t.Fatalf("bad problem %+v (file has %d lines)", p, lines)
			}
		}
		if probs.HasErrors() != (ex == nil) {
			t.Fatalf("errors %v but exercise %v", probs.HasErrors(), ex != nil)
		}
		if ex == nil {
			return
		}
		if !strings.HasPrefix(ex.ID, "sql-") || len(ex.ID) > 32 || ex.Title == "" || ex.Topic == "" ||
			ex.Difficulty < sqlcheck.Easy || ex.Difficulty > sqlcheck.Hard ||
			strings.TrimSpace(ex.Schema.SQL) == "" || strings.TrimSpace(ex.Solution.SQL) == "" || len(ex.Task) == 0 {
			t.Fatalf("incomplete exercise %+v", ex)
		}
		for _, pos := range []prep.Position{ex.Source, ex.Schema.Pos, ex.Solution.Pos} {
			if pos.Line < 1 || pos.Line > lines {
				t.Fatalf("position %v outside the file (%d lines)", pos, lines)
			}
		}
	})
}
