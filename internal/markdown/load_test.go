package markdown_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/prepbot/prepbot/internal/markdown"
	"github.com/prepbot/prepbot/internal/prep"
)

// wantProblems checks problems against "file:line: severity: start of
// message" lines, in order.
func wantProblems(t *testing.T, got prep.Problems, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(got), len(want), got.Error())
	}
	for i, p := range got {
		if !strings.HasPrefix(p.String(), want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s...", i, p, want[i])
		}
	}
}

// TestPlantedMistakes loads a folder of decks with known mistakes: each must
// be reported at its file and line, and README.md must not be read.
func TestPlantedMistakes(t *testing.T) {
	lib, probs := markdown.LoadDir(filepath.Join("testdata", "bad"))
	if lib != nil {
		t.Error("got a library despite errors")
	}
	a := filepath.Join("testdata", "bad", "a-cards.md")
	b := filepath.Join("testdata", "bad", "b-checklists.md")
	c := filepath.Join("testdata", "bad", "c-duplicate.md")
	d := filepath.Join("testdata", "bad", "d-latin1.md")
	e := filepath.Join("testdata", "bad", "e-unclosed-fence.md")
	wantProblems(t, probs, []string{
		a + `:3: error: card before any ## topic heading`,
		a + `:8: error: card "An empty card" has an empty answer`,
		a + `:10: error: id "Bad ID" may hold only`,
		a + `:14: warning: this text before the first **Q:** in section "A card that became a group" is not shown`,
		a + `:16: error: **Q:** "A question without an answer" has no answer`,
		a + `:18: error: card "A question with an empty answer" has an empty answer`,
		a + `:21: error: unknown annotation "idd"`,
		a + `:24: error: duplicate question "What is the GIL": it has the same id (c747f7f8f09b) as "What is the GIL?" at ` + a + `:21`,
		a + `:27: error: the "when" annotation belongs on a checklist ### heading line`,
		a + `:30: error: unknown annotation "TODO"`,
		b + `:3: error: bad "when" annotation: bad timing "-1d 25:00"`,
		b + `:5: error: bad "when" annotation: bad timing "soon"`,
		b + `:6: warning: only task items (- [ ] ...) belong in checklist section "Logistics"`,
		b + `:8: warning: only task items`,
		b + `:10: error: empty checklist item`,
		b + `:11: error: the "id" annotation belongs on a card's ### heading or **Q:** line`,
		c + `:3: error: duplicate question "What is the GIL?": it has the same id (c747f7f8f09b) as "What is the GIL?" at ` + a + `:21`,
		d + `:3: error: the file is not valid UTF-8`,
		e + `:8: error: code fence opened here (` + "```" + `) is never closed; every later card would be swallowed`,
	})
}

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"b.md":         {Data: []byte("## Two\n\n### q2\na2\n")},
		"a.md":         {Data: []byte("# A\n\n## One\n\n### q1\na1\n\n### List\n- [ ] task <!-- when: -1h -->\n")},
		"README.md":    {Data: []byte("### not a deck\n")},
		".hidden.md":   {Data: []byte("### not a deck\n")},
		"notes.txt":    {Data: []byte("### not a deck\n")},
		"sub/deck.md":  {Data: []byte("### not a deck\n")},
		"empty.md":     {Data: []byte("# Only a title\n")},
		"folder.md/x":  {Data: []byte("x")},
		"z-warning.md": {Data: []byte("## Three\n\n### Section\n- [ ] ok\n- not a task\n")},
	}
	lib, probs := markdown.Load(fsys)
	wantProblems(t, probs, []string{
		"empty.md: warning: no cards or checklist items in this deck",
		"folder.md: warning: a folder, not a deck; skipped",
		"z-warning.md:5: warning: only task items",
	})
	if lib == nil {
		t.Fatal("no library despite warnings only")
	}
	var questions []string
	for _, c := range lib.Cards {
		questions = append(questions, c.Topic+"/"+c.Question+"@"+c.Source.String())
	}
	if got, want := strings.Join(questions, " "), "One/q1@a.md:5 Two/q2@b.md:3"; got != want {
		t.Errorf("cards in order: got %s, want %s", got, want)
	}
	if got := strings.Join(lib.Topics(), ","); got != "One,Two" {
		t.Errorf("topics: %s", got)
	}
	if len(lib.Checklists) != 2 || lib.Checklists[0].Text != "task" || lib.Checklists[1].Group != "Three" {
		t.Errorf("checklists: %+v", lib.Checklists)
	}
	if _, ok := lib.Card(markdown.CardID("q2")); !ok {
		t.Error("q2 not found by its id")
	}
}

func TestLoadCrossFileDuplicates(t *testing.T) {
	fsys := fstest.MapFS{
		"1.md": {Data: []byte("## A\n\n**Q: What is X?**\nA: one\n\n## C\n\n### L\n- [ ] Same task\n")},
		"2.md": {Data: []byte("## B\n\n### what is x\ntwo\n\n## C\n\n### L\n- [ ] same task!\n")},
	}
	lib, probs := markdown.Load(fsys)
	if lib != nil {
		t.Error("got a library despite duplicates")
	}
	wantProblems(t, probs, []string{
		`2.md:3: error: duplicate question "what is x": it has the same id (` + markdown.CardID("What is X?") + `) as "What is X?" at 1.md:3`,
		`2.md:9: error: duplicate checklist item "same task!" in C / L: the same item is at 1.md:9`,
	})
}

func TestLoadNothing(t *testing.T) {
	tests := []struct {
		name string
		fsys fs.FS
		want string
	}{
		{"no files", fstest.MapFS{}, ".: error: no *.md decks found in ."},
		{"only a README", fstest.MapFS{"README.md": {Data: []byte("## T\n\n### q\na\n")}}, ".: error: no *.md decks found"},
		{"only empty decks", fstest.MapFS{"a.md": {Data: []byte("\n")}}, ".: error: the decks hold no cards or checklist items"},
		{"unreadable folder", errFS{}, ".: error: cannot list the content folder: permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lib, probs := markdown.Load(tt.fsys)
			if lib != nil {
				t.Error("got a library")
			}
			found := false
			for _, p := range probs {
				found = found || strings.HasPrefix(p.String(), tt.want)
			}
			if !found {
				t.Errorf("problems:\n%v\nwant one starting %q", probs.Error(), tt.want)
			}
		})
	}
}

// errFS fails to list its root, like a folder the bot may not read.
type errFS struct{}

func (errFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
}

func TestLoadDir(t *testing.T) {
	t.Run("missing folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nope")
		lib, probs := markdown.LoadDir(dir)
		if lib != nil {
			t.Error("got a library")
		}
		wantProblems(t, probs, []string{dir + ": error: cannot open the content folder: it does not exist"})
	})
	t.Run("a file, not a folder", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "deck.md")
		MustWriteFile(t, file, "## T\n\n### q\na\n")
		_, probs := markdown.LoadDir(file)
		wantProblems(t, probs, []string{file + ": error: the content folder is a file, not a folder"})
	})
	t.Run("unreadable deck", func(t *testing.T) {
		dir := t.TempDir()
		MustWriteFile(t, filepath.Join(dir, "a.md"), "## T\n\n### q\na\n")
		if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, "b.md")); err != nil {
			t.Skipf("no symlinks here: %v", err)
		}
		lib, probs := markdown.LoadDir(dir)
		if lib != nil {
			t.Error("got a library despite an unreadable deck")
		}
		wantProblems(t, probs, []string{filepath.Join(dir, "b.md") + ": error: cannot read the deck: it does not exist (or is a broken link)"})
	})
	t.Run("positions name the path", func(t *testing.T) {
		dir := t.TempDir()
		MustWriteFile(t, filepath.Join(dir, "a.md"), "## T\n\n### q\na\n")
		lib, probs := markdown.LoadDir(dir)
		if len(probs) > 0 || lib == nil {
			t.Fatalf("problems: %v", probs.Error())
		}
		if got, want := lib.Cards[0].Source.String(), filepath.Join(dir, "a.md")+":3"; got != want {
			t.Errorf("source %s, want %s", got, want)
		}
	})
}

// MustWriteFile writes a test file.
func MustWriteFile(tb testing.TB, path, data string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		tb.Fatal(err)
	}
}
