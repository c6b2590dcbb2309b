package markdown_test

import (
	"io/fs"
	"testing"

	"github.com/prepbot/prepbot/content"
	"github.com/prepbot/prepbot/internal/markdown"
)

func BenchmarkParseSmall(b *testing.B) {
	for b.Loop() {
		markdown.Parse("deck.md", []byte("## T\n\n### q\na\n"))
	}
}

func BenchmarkParseDeck(b *testing.B) {
	src, err := fs.ReadFile(content.FS(), "tasq-company-research.md")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		markdown.Parse("deck.md", src)
	}
}
