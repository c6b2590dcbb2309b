// Package content holds prepbot's decks and its SQL and Python exercises, built into the
// binary so that the bot runs without a content folder. README.md describes
// both formats; it is embedded too, and markdown.Load skips it.
package content

import (
	"embed"
	"io/fs"
)

//go:embed *.md exercises/*.md exercises/python/*.md
var decks embed.FS

// FS returns the embedded content folder: every deck and the README, at the
// root, ready for markdown.Load. The exercises are in its "exercises"
// folder, which markdown.Load does not read.
func FS() fs.FS { return decks }

// Exercises returns the embedded SQL exercises, one Markdown file each, at
// the root, ready for sqlcheck.Load.
func Exercises() fs.FS {
	sub, err := fs.Sub(decks, "exercises")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "exercises" is valid.
		panic(err)
	}
	return sub
}

// PythonExercises returns the embedded Python exercises, one Markdown file
// each, at the root, ready for pycheck.Load.
func PythonExercises() fs.FS {
	sub, err := fs.Sub(decks, "exercises/python")
	if err != nil {
		panic(err) // a valid constant path
	}
	return sub
}
