package prep_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

// BenchmarkHandleRating is the engine's hot path: one rating press, from
// Handle to the replies (the card's summary and the next card), with the
// real bbolt store. Only the rating is timed; showing the next card's
// answer happens with the timer stopped. On "disk" every op includes a
// commit with fsync; on "tmpfs" (/dev/shm, where fsync costs nothing) what
// remains is the CPU the turn costs inside its write transaction, which
// group commit runs one event after another. The deck size matters because
// choosing the next card looks at every card of the deck.
//
//	go test -run '^$' -bench HandleRating -benchtime 2000x ./internal/prep/
func BenchmarkHandleRating(b *testing.B) {
	for _, tc := range []struct{ cards, states int }{{50, 50}, {250, 200}} {
		for _, where := range []string{"disk", "tmpfs"} {
			b.Run(fmt.Sprintf("cards=%d/states=%d/%s", tc.cards, tc.states, where), func(b *testing.B) {
				dir := b.TempDir()
				if where == "tmpfs" {
					if st, err := os.Stat("/dev/shm"); err != nil || !st.IsDir() {
						b.Skip("no /dev/shm")
					}
					var err error
					if dir, err = os.MkdirTemp("/dev/shm", "prepbench-"); err != nil {
						b.Skip(err)
					}
					b.Cleanup(func() { os.RemoveAll(dir) })
				}
				benchRatings(b, filepath.Join(dir, "prepbot.db"), tc.cards, tc.states)
			})
		}
	}
}

func benchRatings(b *testing.B, path string, cards, states int) {
	store, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	lib := benchLibrary(b, cards)
	now := time.Date(2030, 1, 14, 12, 0, 0, 0, time.UTC)
	user := prep.UserKey("telegram:100000001")
	err = store.Update(func(tx prep.Tx) error {
		u := prep.User{Key: user, Name: "Ada", Created: now.AddDate(0, -2, 0), Settings: prep.DefaultSettings(), Onboarded: true}
		u.Settings.NewPerDay, u.Settings.ReviewsPerDay = prep.MaxNewPerDay, prep.MaxReviewsPerDay
		if err := tx.PutUser(u); err != nil {
			return err
		}
		for i := range states {
			due := now.Add(-time.Duration(i) * time.Minute)
			if i >= states/5 {
				due = now.AddDate(0, 0, 1+i%60) // a fifth due now, the rest later
			}
			st := prep.CardState{CardID: benchCardID(i), FSRS: fsrs.Card{
				Due: due, Stability: 12, Difficulty: 5, ScheduledDays: 10, Reps: 4, State: fsrs.Review, LastReview: due.AddDate(0, 0, -10),
			}}
			if err := tx.PutCardState(user, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	eng, err := prep.NewEngine(prep.EngineConfig{Store: store, Library: lib, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	handle := func(ev prep.Event) []prep.Reply {
		now = now.Add(20 * time.Second)
		return eng.Handle(ctx, ev)
	}
	replies := handle(prep.Event{User: user, Text: "/ask"})
	ratings := []prep.Rating{prep.Good, prep.Good, prep.Hard, prep.Good, prep.Easy, prep.Good, prep.Again, prep.Good}
	i := 0
	var pages int64 // written by the ratings' commits alone
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		reveal := benchButton(replies, "a")
		if reveal == "" {
			// The session ran out: a month later everything is due again.
			now = now.AddDate(0, 1, 0)
			replies = handle(prep.Event{User: user, Text: "/ask"})
			reveal = benchButton(replies, "a")
		}
		replies = handle(prep.Event{User: user, Button: reveal})
		rate := benchButton(replies, "r")
		if rate == "" {
			b.Fatalf("no rating buttons after Show answer:\n%v", replies)
		}
		rate = rate[:len(rate)-1] + fmt.Sprint(int(ratings[i%len(ratings)]))
		i++
		before, _, _ := store.WriteStats()
		b.StartTimer()
		replies = handle(prep.Event{User: user, Button: rate})
		b.StopTimer()
		after, _, _ := store.WriteStats()
		pages += after - before
		b.StartTimer()
	}
	// A commit's fsync costs more with each page it writes.
	b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
}

// benchLibrary is a deck of n cards in topics of 30.
func benchLibrary(tb testing.TB, n int) *prep.Library {
	tb.Helper()
	cards := make([]prep.Card, n)
	for i := range cards {
		cards[i] = prep.Card{
			ID: benchCardID(i), Topic: fmt.Sprintf("Topic %d", i/30+1),
			Question: fmt.Sprintf("When would you choose approach %d?", i),
			Answer:   prep.RichText{}.Plain("It depends on the ").Bold("data volume").Plain(" and the latency budget."),
		}
	}
	lib, err := prep.NewLibrary(cards, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return lib
}

func benchCardID(i int) string { return fmt.Sprintf("bench-%04d", i) }

// benchButton returns the data of the first button whose data starts with
// prefix.
func benchButton(replies []prep.Reply, prefix string) string {
	for _, r := range replies {
		for _, row := range r.Buttons {
			for _, btn := range row {
				if strings.HasPrefix(btn.Data, prefix) {
					return btn.Data
				}
			}
		}
	}
	return ""
}
