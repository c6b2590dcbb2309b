package prep_test

import (
	"testing"

	"github.com/prepbot/prepbot/internal/prep"
)

// TestExportNamesCardsAndExercises: an exported state carries the topic and
// the question of what was studied, a flashcard's question or an
// exercise's title, so that the export reads without the decks at hand.
func TestExportNamesCardsAndExercises(t *testing.T) {
	h := exerciseHarness(t)
	h.text("/sql joins")
	if r := h.text("SELECT 1"); !contains(r, prep.Send, "✅ Correct!") {
		t.Fatalf("the exercise was not solved:\n%s", dump(r))
	}
	h.text("/ask SQL")
	h.press(button(t, h.last, "Show answer").Data)
	h.press(button(t, h.last, "Good").Data)

	x, err := prep.BuildExport(h.store, h.lib, h.user)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]prep.ExportCard{}
	for _, c := range x.Cards {
		got[c.Card] = c
	}
	ex, ok := got["sql-joins"]
	if !ok || ex.Topic != "Joins" || ex.Question != "Labels per annotator" {
		t.Errorf("exercise exported as %+v (found %v); want topic Joins, question its title", ex, ok)
	}
	var card prep.ExportCard
	for id, c := range got {
		if id != "sql-joins" {
			card = c
		}
	}
	if want, ok := h.lib.Card(card.Card); !ok || card.Topic != want.Topic || card.Question != want.Question {
		t.Errorf("flashcard exported as %+v; want the deck's topic and question %+v", card, want)
	}
	if len(x.Cards) != 2 {
		t.Errorf("%d card states exported, want 2 (the exercise and the card)", len(x.Cards))
	}
}
