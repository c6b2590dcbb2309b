package content_test

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/prepbot/prepbot/content"
	"github.com/prepbot/prepbot/internal/markdown"
	"github.com/prepbot/prepbot/internal/prep"
)

// MustLoad loads the embedded decks, which must have no problem at all:
// not even a warning ships.
func MustLoad(tb testing.TB) *prep.Library {
	tb.Helper()
	lib, probs := markdown.Load(content.FS())
	if len(probs) > 0 {
		tb.Fatalf("the embedded decks have problems:\n%v", probs.Error())
	}
	return lib
}

func TestEmbeddedDecks(t *testing.T) {
	lib := MustLoad(t)

	wantTopics := []string{"Behavioral", "SQL", "Python", "Data Engineering", "Company", "Questions to Ask", "STAR Stories"}
	if got := lib.Topics(); !slices.Equal(got, wantTopics) {
		t.Errorf("topics:\n got %q\nwant %q", got, wantTopics)
	}
	perTopic := map[string]int{}
	for _, c := range lib.Cards {
		perTopic[c.Topic]++
	}
	minimum := map[string]int{"Company": 15, "Questions to Ask": 4, "STAR Stories": 3, "Behavioral": 6, "SQL": 4, "Python": 4, "Data Engineering": 4}
	for topic, n := range minimum {
		if perTopic[topic] < n {
			t.Errorf("topic %q has %d cards, want at least %d", topic, perTopic[topic], n)
		}
	}
	if len(lib.Cards) < 40 {
		t.Errorf("%d cards, want at least 40", len(lib.Cards))
	}

	groups := map[string]int{}
	for _, it := range lib.Checklists {
		groups[it.Group]++
		if !it.When.Set {
			t.Errorf("checklist item %q at %s has no time", it.Text, it.Source)
		}
	}
	wantGroups := map[string]int{"Technical Topics to Review (Prioritized for tasq.ai)": 17, "Pre-Interview Checklist": 23, "Post-Interview": 11}
	for g, n := range wantGroups {
		if groups[g] != n {
			t.Errorf("checklist group %q has %d items, want %d", g, groups[g], n)
		}
	}
	if len(groups) != len(wantGroups) {
		t.Errorf("checklist groups: %v", groups)
	}
}

// TestEmbeddedCardsKeepTheSeedsWords spot-checks cards against the words
// of the prep documents they were made from.
func TestEmbeddedCardsKeepTheSeedsWords(t *testing.T) {
	lib := MustLoad(t)
	tests := []struct {
		topic, question string
		answerHas       []string
	}{
		{"SQL", "Explain the SQL execution order.", []string{"FROM -> WHERE -> GROUP BY -> HAVING -> SELECT -> DISTINCT -> ORDER BY -> LIMIT"}},
		{"SQL", "How do you optimize a slow SQL query?", []string{"1. Check the execution plan (EXPLAIN ANALYZE)", "7. Use LIMIT for development/testing"}},
		{"Python", "What is the GIL and how does it affect Python?", []string{"• Global Interpreter Lock: Only one thread executes Python bytecode at a time"}},
		{"Behavioral", "Tell Me About Yourself", []string{"Present > Past > Future", "petabyte-scale data infrastructure at PMO"}},
		{"Company", "What do you know about tasq.ai?", []string{"Trust Layer for Global Enterprise AI", "acquired BLEND"}},
		{"Company", "Job Posting Analysis: My Alignment", []string{
			"Their Requirement: Strong SQL + relational DBs · My Experience: Strong · Example/Evidence: Petabyte-scale data infrastructure at PMO"}},
		{"Company", "Job Posting Analysis: Required Skills and Advantage Skills", []string{
			"• Strong Python skills (1-2 years)", "• Experience with DBT"}},
		{"Questions to Ask", "Questions to ask about the role", []string{"1. What does a typical day look like for a Junior Data Engineer at tasq.ai?"}},
		{"STAR Stories", "Story 2: RAG Chatbot Development", []string{"Situation: Developed RAG chatbot for SoftLanding", "• Implemented vector database for semantic search"}},
	}
	for _, tt := range tests {
		c, ok := lib.Card(markdown.CardID(tt.question))
		if !ok {
			t.Errorf("no card %q", tt.question)
			continue
		}
		if c.Topic != tt.topic {
			t.Errorf("card %q: topic %q, want %q", tt.question, c.Topic, tt.topic)
		}
		answer := c.Answer.String()
		for _, s := range tt.answerHas {
			if !strings.Contains(answer, s) {
				t.Errorf("card %q: answer lacks %q:\n%s", tt.question, s, answer)
			}
		}
		if strings.Contains(answer, "[x]") || strings.Contains(answer, "[ ]") || strings.Contains(answer, "☑") {
			t.Errorf("card %q keeps checkboxes: %s", tt.question, answer)
		}
	}
}

func TestEmbeddedChecklistTimes(t *testing.T) {
	lib := MustLoad(t)
	want := map[string]string{
		"Review SQL cheat sheet (focus on window functions and CTEs)": "-3d",
		"Review my STAR stories":                                         "-2d",
		"Test Zoom/video platform":                                       "-1d 19:00",
		"Phone on silent":                                                "-30m",
		"Get good sleep the night before":                                "-1d 21:00",
		"Light breakfast/lunch":                                          "+0d 08:00",
		"15-minute review (not cramming!)":                               "-1h",
		"Deep breathing":                                                 "-15m",
		"Take notes on questions asked":                                  "+90m",
		"Send personalized thank-you emails":                             "+4h",
		"Follow up after 1 week if no response":                          "+1w",
		"Kubernetes basics (they use it)":                                "-5d",
		"SQL: JOINs, window functions, CTEs, aggregations, optimization": "-5d",
	}
	found := 0
	for _, it := range lib.Checklists {
		w, ok := want[it.Text]
		if !ok {
			continue
		}
		found++
		if it.When.String() != w {
			t.Errorf("%q: when %q, want %q", it.Text, it.When, w)
		}
	}
	if found != len(want) {
		t.Errorf("found %d of the %d items checked", found, len(want))
	}
}

// TestREADMEIsEmbeddedButNotADeck keeps the format's description next to the
// decks without it being read as one.
func TestREADMEIsEmbeddedButNotADeck(t *testing.T) {
	if _, err := fs.Stat(content.FS(), "README.md"); err != nil {
		t.Fatalf("README.md is not embedded: %v", err)
	}
	for _, c := range MustLoad(t).Cards {
		if c.Source.File == "README.md" {
			t.Fatalf("card %q read from README.md", c.Question)
		}
	}
}
