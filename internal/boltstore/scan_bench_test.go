package boltstore_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

// BenchmarkDueIndexScan reads the two indexes the bot scans on a full
// store: one user's due cards (what /ask, /due and the daily push read)
// among many users with many card states each, and the wake index on the
// cron tick when nobody is due. Time and the index entries read
// ("entries/op") must stay flat as the card states per user grow: each
// scan reads what it returns plus the one entry that ends it. The due-cards
// gauge (DueCount over all users) is timed on the same store: it reads the
// due histogram's minutes up to t0, not the users' indexes, so it too stays
// flat.
//
//	go test -run '^$' -bench DueIndexScan ./internal/boltstore/
func BenchmarkDueIndexScan(b *testing.B) {
	const users, due = 1000, 5
	for _, cards := range []int{50, 200} {
		s := MustOpenTemp(b)
		mustFill(b, s, users, cards, due)
		b.Run(fmt.Sprintf("user-due/users=%d/cards=%d", users, cards), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			visited := 0
			for b.Loop() {
				user := benchUser(rng.IntN(users))
				n := 0
				v, err := s.ViewIndexReads(func(tx prep.Tx) error {
					for _, err := range tx.Due(user, t0) {
						if err != nil {
							return err
						}
						n++
					}
					return nil
				})
				if err != nil || n != due {
					b.Fatalf("Due yielded %d states, %v; want %d", n, err, due)
				}
				visited += v
			}
			b.ReportMetric(float64(visited)/float64(b.N), "entries/op")
		})
		b.Run(fmt.Sprintf("waking-none/users=%d/cards=%d", users, cards), func(b *testing.B) {
			visited := 0
			for b.Loop() {
				v, err := s.ViewIndexReads(func(tx prep.Tx) error {
					for _, err := range tx.Waking(t0) {
						if err != nil {
							return err
						}
						b.Fatal("somebody is waking")
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				visited += v
			}
			b.ReportMetric(float64(visited)/float64(b.N), "entries/op")
		})
		b.Run(fmt.Sprintf("due-count/users=%d/cards=%d", users, cards), func(b *testing.B) {
			for b.Loop() {
				if n, err := s.DueCount(t0); err != nil || n != users*due {
					b.Fatalf("DueCount = %d, %v; want %d", n, err, users*due)
				}
			}
		})
	}
}

func benchUser(i int) prep.UserKey { return prep.UserKey(fmt.Sprintf("telegram:%d", 100_000_000+i)) }

// mustFill stores users, each waking tomorrow, with cards card states of
// which due are due at t0.
func mustFill(b *testing.B, s *boltstore.Store, users, cards, due int) {
	b.Helper()
	for first := 0; first < users; first += 100 {
		MustUpdate(b, s, func(tx prep.Tx) error {
			for i := first; i < min(users, first+100); i++ {
				u := prep.User{Key: benchUser(i), Settings: prep.DefaultSettings(), WakeAt: t0.Add(21 * time.Hour)}
				if err := tx.PutUser(u); err != nil {
					return err
				}
				for j := range cards {
					at := t0.Add(-time.Duration(j+1) * time.Hour) // due
					if j >= due {
						at = t0.Add(time.Duration(j) * 7 * time.Hour)
					}
					if err := tx.PutCardState(u.Key, state(fmt.Sprintf("deck/card-%04d", j), at)); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
}
