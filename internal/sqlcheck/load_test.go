package sqlcheck_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/sqlcheck"
)

// TestLoadReportsPlantedMistakes loads testdata/bad, whose files each hold
// mistakes, and expects each one reported at its file and line.
func TestLoadReportsPlantedMistakes(t *testing.T) {
	exs, probs := sqlcheck.Load(os.DirFS("testdata/bad"))
	probs = append(probs, sqlcheck.Lint(context.Background(), exs)...)
	want := []string{
		"01-metadata.md:3: error: no topic",
		"01-metadata.md:4: error: difficulty \"extreme\": write easy, medium or hard",
		"01-metadata.md:5: error: unknown metadata key \"level\"",
		"01-metadata.md:6: error: order \"sometimes\"",
		"01-metadata.md:7: error: id \"exercise-one\" must start with \"sql-\"",
		"02-sections.md:1: error: no \"## Solution\" section",
		"02-sections.md:16: error: a second code block in the schema section (the first is at line 12)",
		"02-sections.md:20: error: unknown section \"Solutoin\"",
		"02-sections.md:28: warning: only a list belongs in the hints section",
		"02-sections.md:30: error: a second \"Task\" section (the first is at line 6)",
		"03-schema-error.md:15: error: the schema fails: no such table: u",
		"04-hidden-error.md:27: error: the hidden dataset fails: table t has 2 columns but 1 values were supplied",
		"05-lint.md:25: error: the solution returns no rows on this hidden dataset",
		"05-lint.md:29: warning: the solution gives the same result here as on the sample data",
		"05-lint.md:37: error: this wrong answer is graded correct",
		"05-lint.md:41: warning: this wrong answer does not run to a result",
		"06-not-utf8.md:6: error: the file is not valid UTF-8",
		"08-fence-left-open.md:27: error: code fence opened here (```) is not closed before line 32 (```sql), which opens another block; every section and code block in between would be swallowed into it as code",
	}
	got := probs.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("no problem %q", w)
		}
	}
	if t.Failed() {
		t.Logf("problems:\n%s", got)
	}
	ids := []string{}
	for _, ex := range exs {
		ids = append(ids, ex.ID)
	}
	if strings.Join(ids, " ") != "sql-lint sql-ok" {
		t.Errorf("loaded %v, want the two exercises without errors", ids)
	}
}

func TestLoadFolderProblems(t *testing.T) {
	ok, err := os.ReadFile("testdata/bad/07-ok.md")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"empty", fstest.MapFS{"README.md": {Data: []byte("# not an exercise")}}, ".: error: no exercises found"},
		{"duplicate id", fstest.MapFS{"01-ok.md": {Data: ok}, "02-ok.md": {Data: ok}},
			"02-ok.md:1: error: id sql-ok is also the id of the exercise at 01-ok.md:1"},
		{"folder named .md", fstest.MapFS{"01-ok.md": {Data: ok}, "x.md/y": {Data: ok}}, "x.md: warning: a folder"},
		{"easier after harder", fstest.MapFS{
			"01-ok.md": {Data: []byte(strings.Replace(string(ok), "difficulty: easy", "difficulty: hard", 1))},
			"02-b.md":  {Data: ok}}, "02-b.md:1: warning: an easy exercise after a hard one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := sqlcheck.Load(tt.fsys)
			if !strings.Contains(probs.Error(), tt.want) {
				t.Errorf("problems:\n%s\nwant %q", probs.Error(), tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	src, err := os.ReadFile("testdata/bad/05-lint.md")
	if err != nil {
		t.Fatal(err)
	}
	ex, probs := sqlcheck.Parse("dir/12-Lint Me!.md", src)
	if len(probs) > 0 {
		t.Fatal(probs.Error())
	}
	if ex.ID != "sql-lint-me" || ex.Title != "Checks that only Lint can make" || ex.Topic != "Test" || ex.Difficulty != sqlcheck.Easy || ex.OrderMatters {
		t.Errorf("metadata: %+v", ex)
	}
	if got := prep.RichText(ex.Task).String(); got != "Return the rows where a is above 1." {
		t.Errorf("task %q", got)
	}
	if ex.Schema.Pos.Line != 12 || ex.Solution.SQL != "SELECT a FROM t WHERE a > 1;" || ex.Solution.Pos.Line != 19 {
		t.Errorf("schema at %v, solution %q at %v", ex.Schema.Pos, ex.Solution.SQL, ex.Solution.Pos)
	}
	if len(ex.Hidden) != 2 || ex.Hidden[1].SQL != "INSERT INTO t VALUES (2), (3);" || ex.Hidden[1].Pos.Line != 29 {
		t.Errorf("hidden %+v", ex.Hidden)
	}
	if len(ex.Wrong) != 2 || ex.Wrong[0].Why != "This one is right:" || ex.Wrong[1].Why != "" || ex.Wrong[1].Pos.Line != 41 {
		t.Errorf("wrong %+v", ex.Wrong)
	}
}

func TestIDFromFileName(t *testing.T) {
	tests := map[string]string{
		"01-labels-per-annotator.md": "sql-labels-per-annotator",
		"7_Top N.md":                 "sql-top-n",
		"2024.md":                    "sql-2024",
		"ÜBER straße.md":             "sql-ber-stra-e",
	}
	for name, want := range tests {
		src := "# T\n\n- topic: x\n- difficulty: easy\n\n## Task\n\nt\n\n## Schema\n\n```sql\nCREATE TABLE t(a);\n```\n\n## Solution\n\n```sql\nSELECT 1;\n```\n"
		ex, probs := sqlcheck.Parse(name, []byte(src))
		if len(probs) > 0 {
			t.Fatalf("%s: %v", name, probs.Error())
		}
		if ex.ID != want {
			t.Errorf("%s: id %q, want %q", name, ex.ID, want)
		}
	}
}
