package prep

import (
	"fmt"
	"sort"
	"strings"
)

// Position names a place in a deck file, so that every problem with content
// can be reported as file:line.
type Position struct {
	File string
	Line int
}

// String renders the position as file:line, the form editors jump to.
func (p Position) String() string {
	if p.Line <= 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Card is one flashcard: a question and the model answer the person wrote.
// Its ID is derived from the question (or set explicitly in the deck), so
// editing an answer keeps the card's review history.
type Card struct {
	ID       string
	Topic    string
	Question string
	Answer   RichText
	Source   Position
}

// ChecklistItem is one task of a checklist section, such as "Test Zoom" under
// "Logistics". When places it on the interview timeline; a zero When means the
// section's or the documented default slot applies.
type ChecklistItem struct {
	ID      string
	Group   string // the enclosing "##" heading, e.g. "Pre-Interview Checklist"
	Section string // the "###" heading, e.g. "Logistics"
	Text    string
	Checked bool // ticked in the deck itself ("- [x]")
	When    Timing
	Source  Position
}

// Library is the parsed content the coach teaches from: every card and
// checklist item of every deck, in deck order.
type Library struct {
	Cards      []Card
	Checklists []ChecklistItem
	Exercises  []Exercise

	byID   map[string]int
	exByID map[string]int
	topics []string
}

// NewLibrary indexes cards and checklist items. It fails when two cards share
// an ID, since their progress could not be told apart.
func NewLibrary(cards []Card, items []ChecklistItem) (*Library, error) {
	lib := &Library{Cards: cards, Checklists: items, byID: make(map[string]int, len(cards))}
	seen := make(map[string]bool)
	for i, c := range cards {
		if j, dup := lib.byID[c.ID]; dup {
			return nil, fmt.Errorf("prep: card %q at %s has the same id as the card at %s", c.Question, c.Source, cards[j].Source)
		}
		lib.byID[c.ID] = i
		if !seen[c.Topic] {
			seen[c.Topic] = true
			lib.topics = append(lib.topics, c.Topic)
		}
	}
	return lib, nil
}

// Card returns the card with the given ID. A card removed from the decks is
// not found; its stored history stays but it is no longer asked.
func (l *Library) Card(id string) (Card, bool) {
	i, ok := l.byID[id]
	if !ok {
		return Card{}, false
	}
	return l.Cards[i], true
}

// Topics lists the topics in the order they first appear in the decks.
func (l *Library) Topics() []string {
	return append([]string(nil), l.topics...)
}

// MatchTopic finds the topics a user meant by query: an exact,
// case-insensitive name wins; otherwise every topic that starts with the
// query, or one of whose words does. An empty query matches nothing.
func (l *Library) MatchTopic(query string) []string { return matchTopic(l.topics, query) }

// matchTopic is MatchTopic over any list of topics.
func matchTopic(topics []string, query string) []string {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return nil
	}
	for _, t := range topics {
		if strings.ToLower(t) == q {
			return []string{t}
		}
	}
	var prefix, word []string
	for _, t := range topics {
		lt := strings.ToLower(t)
		if strings.HasPrefix(lt, q) {
			prefix = append(prefix, t)
			continue
		}
		for _, w := range strings.Fields(lt) {
			if strings.HasPrefix(w, q) {
				word = append(word, t)
				break
			}
		}
	}
	if len(prefix) > 0 {
		return prefix
	}
	return word
}

// AddExercises adds auto-graded exercises. Their IDs share the card-state
// namespace, so an ID used by a card or another exercise is refused.
func (l *Library) AddExercises(exs []Exercise) error {
	if l.exByID == nil {
		l.exByID = map[string]int{}
	}
	for _, ex := range exs {
		if _, dup := l.byID[ex.ID]; dup {
			return fmt.Errorf("prep: exercise %s at %s has the id of a card", ex.ID, ex.Source)
		}
		if j, dup := l.exByID[ex.ID]; dup {
			return fmt.Errorf("prep: exercise %s at %s has the same id as the one at %s", ex.ID, ex.Source, l.Exercises[j].Source)
		}
		l.exByID[ex.ID] = len(l.Exercises)
		l.Exercises = append(l.Exercises, ex)
	}
	return nil
}

// withExercises returns a copy of l whose exercises are those keep
// accepts; l itself is returned when it accepts them all.
func (l *Library) withExercises(keep func(Exercise) bool) *Library {
	var kept []Exercise
	for _, ex := range l.Exercises {
		if keep(ex) {
			kept = append(kept, ex)
		}
	}
	if len(kept) == len(l.Exercises) {
		return l
	}
	cp := *l
	cp.Exercises, cp.exByID = kept, make(map[string]int, len(kept))
	for i, ex := range kept {
		cp.exByID[ex.ID] = i
	}
	return &cp
}

// Exercise returns the exercise with the given ID.
func (l *Library) Exercise(id string) (Exercise, bool) {
	i, ok := l.exByID[id]
	if !ok {
		return Exercise{}, false
	}
	return l.Exercises[i], true
}

// ExerciseTopics lists the topics of exercises of a kind, in order.
func (l *Library) ExerciseTopics(kind ExerciseKind) []string {
	var out []string
	seen := map[string]bool{}
	for _, ex := range l.Exercises {
		if ex.Kind == kind && !seen[ex.Topic] {
			seen[ex.Topic] = true
			out = append(out, ex.Topic)
		}
	}
	return out
}

// ChecklistItem returns the checklist item with the given ID.
func (l *Library) ChecklistItem(id string) (ChecklistItem, bool) {
	for _, it := range l.Checklists {
		if it.ID == id {
			return it, true
		}
	}
	return ChecklistItem{}, false
}

// Severity tells whether a content problem stops the bot (Error) or is only
// reported (Warning).
type Severity int

// Severities of content problems.
const (
	Warning Severity = iota
	Error
)

// String names the severity as lint prints it.
func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// Problem is one thing wrong with the content, reported as
// "file:line: severity: message".
type Problem struct {
	Pos      Position
	Severity Severity
	Message  string
}

// String renders the problem the way compilers do, so editors can jump to it.
func (p Problem) String() string {
	return fmt.Sprintf("%s: %s: %s", p.Pos, p.Severity, p.Message)
}

// Problems is a list of content problems; as an error it reports them all.
type Problems []Problem

// Error lists every problem, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// HasErrors reports whether any problem is an Error rather than a Warning.
func (ps Problems) HasErrors() bool {
	for _, p := range ps {
		if p.Severity == Error {
			return true
		}
	}
	return false
}

// Sort orders problems by file, then line, so reports read top to bottom.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Pos.File != ps[j].Pos.File {
			return ps[i].Pos.File < ps[j].Pos.File
		}
		return ps[i].Pos.Line < ps[j].Pos.Line
	})
}

// MaxCardText is the longest a card's question and answer may be together,
// in UTF-16 code units, which is how Telegram counts its 4096 per message
// (an emoji counts two). The rest is left for the progress line, the
// prompt and the rating summary.
const MaxCardText = 3500
