package boltstore_test

import (
	"iter"
	"path/filepath"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

// t0 is the fake clock's "now" in every test: a fixed instant, in a zone that
// is not UTC so that round trips have to keep the instant, not the zone.
var t0 = time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.FixedZone("CET", 3600))

// MustOpen opens the store at path with default options and closes it when
// the test ends.
func MustOpen(tb testing.TB, path string) *boltstore.Store {
	tb.Helper()
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		tb.Fatalf("Open(%q): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// MustOpenTemp opens a new store in a fresh temporary directory.
func MustOpenTemp(tb testing.TB) *boltstore.Store {
	tb.Helper()
	return MustOpen(tb, filepath.Join(tb.TempDir(), "prepbot.db"))
}

// MustUpdate runs fn in an Update and fails the test on an error.
func MustUpdate(tb testing.TB, s prep.Store, fn func(prep.Tx) error) {
	tb.Helper()
	if err := s.Update(fn); err != nil {
		tb.Fatalf("Update: %v", err)
	}
}

// MustView runs fn in a View and fails the test on an error.
func MustView(tb testing.TB, s prep.Store, fn func(prep.Tx) error) {
	tb.Helper()
	if err := s.View(fn); err != nil {
		tb.Fatalf("View: %v", err)
	}
}

// collect drains an iterator, stopping at its first error.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// state is a card state due at the given time, with every other FSRS field
// set to something that is not its zero value.
func state(id string, due time.Time) prep.CardState {
	return prep.CardState{CardID: id, FSRS: fsrs.Card{
		Due:            due,
		Stability:      3.1730000000000003,
		Difficulty:     5.999999999999999,
		ScheduledDays:  12,
		Reps:           7,
		Lapses:         2,
		State:          fsrs.Relearning,
		LastReview:     due.Add(-12 * 24 * time.Hour),
		RemainingSteps: 1,
	}}
}

// sameCard reports whether two cards are equal, comparing times as instants.
func sameCard(a, b fsrs.Card) bool {
	return a.Due.Equal(b.Due) && a.LastReview.Equal(b.LastReview) &&
		a.Stability == b.Stability && a.Difficulty == b.Difficulty &&
		a.ScheduledDays == b.ScheduledDays && a.Reps == b.Reps && a.Lapses == b.Lapses &&
		a.State == b.State && a.RemainingSteps == b.RemainingSteps
}

func sameState(a, b prep.CardState) bool {
	return a.CardID == b.CardID && a.Suspended == b.Suspended && sameCard(a.FSRS, b.FSRS)
}

func sameReview(a, b prep.Review) bool {
	return a.Seq == b.Seq && a.User == b.User && a.CardID == b.CardID && a.Time.Equal(b.Time) &&
		a.Rating == b.Rating && sameState(a.Before, b.Before) && sameState(a.After, b.After) && a.Attempts == b.Attempts
}

// ids lists the card IDs of states, in order.
func ids(states []prep.CardState) []string {
	out := make([]string, len(states))
	for i, st := range states {
		out[i] = st.CardID
	}
	return out
}
