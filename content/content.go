// Package content holds prepbot's decks, built into the binary so that the
// bot runs without a content folder. README.md describes the deck format;
// it is embedded too, and markdown.Load skips it.
package content

import (
	"embed"
	"io/fs"
)

//go:embed *.md
var decks embed.FS

// FS returns the embedded content folder: every deck and the README, at the
// root, ready for markdown.Load.
func FS() fs.FS { return decks }
