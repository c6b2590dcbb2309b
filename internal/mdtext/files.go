package mdtext

import (
	"io/fs"
	"sort"
	"strings"

	"github.com/prepbot/prepbot/internal/prep"
)

// File is one exercise file read from a folder.
type File struct {
	Name string
	Src  []byte
}

// ExerciseFiles reads the exercise files at the top of fsys: each *.md file
// except README.md and hidden files, in lexical order (which the formats
// use to run from easy to hard). A folder named like a file is reported and
// skipped, an unreadable file is an error naming it; nothing is skipped
// silently.
func ExerciseFiles(fsys fs.FS) ([]File, prep.Problems) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, prep.Problems{{Pos: prep.Position{File: "."}, Severity: prep.Error, Message: "cannot list the exercise folder: " + err.Error()}}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var files []File
	var probs prep.Problems
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".md") || strings.HasPrefix(name, ".") || strings.EqualFold(name, "README.md") {
			continue
		}
		if e.IsDir() {
			probs = append(probs, prep.Problem{Pos: prep.Position{File: name}, Severity: prep.Warning, Message: "a folder, not an exercise; skipped"})
			continue
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			probs = append(probs, prep.Problem{Pos: prep.Position{File: name}, Severity: prep.Error, Message: "cannot read the exercise: " + err.Error()})
			continue
		}
		files = append(files, File{Name: name, Src: src})
	}
	return files, probs
}
