package markdown

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/prepbot/prepbot/internal/prep"
)

// Load reads every deck at the top of fsys: each *.md file except
// README.md and names starting with a dot, in lexical order. It checks
// across decks too (a question asked twice in different files). The Library
// is nil when any problem is an Error; the problems come sorted either way.
func Load(fsys fs.FS) (*prep.Library, prep.Problems) {
	return load(fsys, "")
}

// LoadDir is Load on a folder. Positions name files by their path under dir,
// so that editors can open them from the working directory.
func LoadDir(dir string) (*prep.Library, prep.Problems) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, prep.Problems{{Pos: prep.Position{File: dir}, Severity: prep.Error,
			Message: "cannot open the content folder: " + reason(err)}}
	}
	if !info.IsDir() {
		return nil, prep.Problems{{Pos: prep.Position{File: dir}, Severity: prep.Error,
			Message: "the content folder is a file, not a folder"}}
	}
	return load(os.DirFS(dir), dir)
}

func load(fsys fs.FS, dir string) (*prep.Library, prep.Problems) {
	where := dir
	if where == "" {
		where = "."
	}
	fail := func(msg string) (*prep.Library, prep.Problems) {
		return nil, prep.Problems{{Pos: prep.Position{File: where}, Severity: prep.Error, Message: msg}}
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return fail("cannot list the content folder: " + reason(err))
	}
	var (
		cards []prep.Card
		items []prep.ChecklistItem
		probs prep.Problems
		decks int
	)
	for _, e := range entries {
		name := e.Name()
		if !isDeck(name) {
			continue
		}
		path := name
		if dir != "" {
			path = filepath.Join(dir, name)
		}
		if e.IsDir() {
			probs = append(probs, prep.Problem{Pos: prep.Position{File: path}, Severity: prep.Warning,
				Message: "a folder, not a deck; skipped"})
			continue
		}
		decks++
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			probs = append(probs, prep.Problem{Pos: prep.Position{File: path}, Severity: prep.Error,
				Message: "cannot read the deck: " + reason(err)})
			continue
		}
		p := parse(path, src)
		if len(p.cards) == 0 && len(p.items) == 0 && !p.probs.HasErrors() {
			p.warnf(0, "no cards or checklist items in this deck")
		}
		cards = append(cards, p.cards...)
		items = append(items, p.items...)
		probs = append(probs, p.probs...)
	}
	if decks == 0 {
		return fail(fmt.Sprintf("no *.md decks found in %s (README.md is not a deck)", where))
	}
	probs = append(probs, checkDuplicates(cards, items)...)
	if len(cards) == 0 && len(items) == 0 && !probs.HasErrors() {
		probs = append(probs, prep.Problem{Pos: prep.Position{File: where}, Severity: prep.Error,
			Message: "the decks hold no cards or checklist items"})
	}
	probs.Sort()
	if probs.HasErrors() {
		return nil, probs
	}
	lib, err := prep.NewLibrary(cards, items)
	if err != nil {
		// Duplicates were reported above; this stays as a safety net.
		probs = append(probs, prep.Problem{Pos: prep.Position{File: where}, Severity: prep.Error, Message: err.Error()})
		return nil, probs
	}
	return lib, probs
}

// isDeck tells decks from the other files of a content folder, as the shell
// glob *.md would (hidden files excluded), minus the format's README.
func isDeck(name string) bool {
	return strings.HasSuffix(name, ".md") && !strings.HasPrefix(name, ".") && !strings.EqualFold(name, "README.md")
}

// reason turns a file system error into words for the person editing the
// decks, without Go's "open x: " wrapping.
func reason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "it does not exist (or is a broken link)"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
