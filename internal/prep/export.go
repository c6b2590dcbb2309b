package prep

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// ExportCard is one user's state of one card, as `prepbot export` writes it.
type ExportCard struct {
	User       UserKey    `json:"user"`
	Card       string     `json:"card"`
	Topic      string     `json:"topic"`
	Question   string     `json:"question"`
	State      string     `json:"state"`
	Due        time.Time  `json:"due"`
	Stability  float64    `json:"stability"`
	Difficulty float64    `json:"difficulty"`
	Reps       uint64     `json:"reps"`
	Lapses     uint64     `json:"lapses"`
	LastReview *time.Time `json:"last_review"`
}

// ExportReview is one review of the log.
type ExportReview struct {
	User   UserKey   `json:"user"`
	Card   string    `json:"card"`
	Time   time.Time `json:"time"`
	Rating int       `json:"rating"`
}

// Export is the whole export document: {"cards": [...], "reviews": [...]}.
type Export struct {
	Cards   []ExportCard   `json:"cards"`
	Reviews []ExportReview `json:"reviews"`
}

// BuildExport reads card states and reviews of one user, or of every user
// when user is empty. An exercise's question is its title. Cards removed from
// the content are exported too, with an empty topic and question, since
// their history is still the user's.
func BuildExport(store Store, lib *Library, user UserKey) (Export, error) {
	out := Export{Cards: []ExportCard{}, Reviews: []ExportReview{}}
	err := store.View(func(tx Tx) error {
		var keys []UserKey
		if user != "" {
			if _, err := tx.User(user); err != nil {
				return fmt.Errorf("prep: export user %s: %w", user, err)
			}
			keys = []UserKey{user}
		} else {
			for u, err := range tx.Users() {
				if err != nil {
					return err
				}
				keys = append(keys, u.Key)
			}
		}
		for _, k := range keys {
			for st, err := range tx.CardStates(k) {
				if err != nil {
					return err
				}
				topic, question := lib.describe(st.CardID)
				ec := ExportCard{User: k, Card: st.CardID, Topic: topic, Question: question,
					State: StateName(st.FSRS.State), Due: st.FSRS.Due.UTC(), Stability: st.FSRS.Stability,
					Difficulty: st.FSRS.Difficulty, Reps: st.FSRS.Reps, Lapses: st.FSRS.Lapses}
				if !st.FSRS.LastReview.IsZero() {
					lr := st.FSRS.LastReview.UTC()
					ec.LastReview = &lr
				}
				out.Cards = append(out.Cards, ec)
			}
			for r, err := range tx.Reviews(k, time.Time{}) {
				if err != nil {
					return err
				}
				out.Reviews = append(out.Reviews, ExportReview{User: k, Card: r.CardID, Time: r.Time.UTC(), Rating: int(r.Rating)})
			}
		}
		return nil
	})
	return out, err
}

// describe names a card state's item for an export: a flashcard's topic and
// question, or an exercise's topic and title; empty for an item no longer in
// the content.
func (l *Library) describe(id string) (topic, question string) {
	if c, ok := l.Card(id); ok {
		return c.Topic, c.Question
	}
	if ex, ok := l.Exercise(id); ok {
		return ex.Topic, ex.Title
	}
	return "", ""
}

// WriteJSON writes the export as one indented JSON object.
func (x Export) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(x); err != nil {
		return fmt.Errorf("prep: write json export: %w", err)
	}
	return nil
}

// csvHeader is the one CSV table of an export: a "kind" column tells card
// rows from review rows, so one valid CSV file carries both.
var csvHeader = []string{"kind", "user", "card", "topic", "question", "state", "due", "stability", "difficulty", "reps", "lapses", "last_review", "time", "rating"}

// WriteCSV writes the export as one CSV table with a kind column ("card" or
// "review"); columns that do not apply to a row's kind are empty.
func (x Export) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{csvHeader}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, c := range x.Cards {
		last := ""
		if c.LastReview != nil {
			last = c.LastReview.Format(time.RFC3339Nano)
		}
		rows = append(rows, []string{"card", string(c.User), c.Card, c.Topic, c.Question, c.State, c.Due.Format(time.RFC3339Nano),
			f(c.Stability), f(c.Difficulty), strconv.FormatUint(c.Reps, 10), strconv.FormatUint(c.Lapses, 10), last, "", ""})
	}
	for _, r := range x.Reviews {
		rows = append(rows, []string{"review", string(r.User), r.Card, "", "", "", "", "", "", "", "", "", r.Time.Format(time.RFC3339Nano), strconv.Itoa(r.Rating)})
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("prep: write csv export: %w", err)
	}
	return nil
}
