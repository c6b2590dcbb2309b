package markdown

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
)

// CardID is the ID a card gets when its deck does not fix one with an
// "id:" annotation: the first 12 hex digits of the SHA-256 of the normalized
// question. Normalizing first means that fixing case, punctuation or spacing
// in a question keeps the card's review history; rewording it does not.
func CardID(question string) string {
	return hash(Normalize(question))
}

// ChecklistItemID is the ID of a checklist item: the hash of its normalized
// group, section and text, so the same task under another heading is
// another item with its own done state.
func ChecklistItemID(group, section, text string) string {
	return hash(Normalize(group) + "\x00" + Normalize(section) + "\x00" + Normalize(text))
}

// Normalize reduces text to what identifies it: lower case letters and
// digits, every run of anything else collapsed to one space, trimmed.
func Normalize(s string) string {
	var b strings.Builder
	gap := false
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			gap = true
			continue
		}
		if gap && b.Len() > 0 {
			b.WriteByte(' ')
		}
		gap = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:12]
}
