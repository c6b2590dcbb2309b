package boltstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

// BenchmarkDueScan lists the 20 due cards of one user who has many card
// states. Its cost, and the index entries it reads ("entries/op"), should be
// the same for every total: the due index is read only up to "now".
func BenchmarkDueScan(b *testing.B) {
	const due = 20
	for _, total := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("total=%d", total), func(b *testing.B) {
			s := MustOpenTemp(b)
			MustUpdate(b, s, func(tx prep.Tx) error {
				for i := range total {
					at := t0.Add(time.Duration(i-due+1) * time.Hour) // i < due: due by t0
					if err := tx.PutCardState(alice, state(fmt.Sprintf("deck/card-%05d", i), at)); err != nil {
						return err
					}
				}
				return nil
			})
			visited := 0
			for b.Loop() {
				n := 0
				v, err := boltstore.ViewCounting(s, func(tx prep.Tx) error {
					for _, err := range tx.Due(alice, t0) {
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
	}
}

// BenchmarkUpdateCommit is the write behind one rating: a new card state and
// a review, committed and fsynced.
func BenchmarkUpdateCommit(b *testing.B) {
	s := MustOpenTemp(b)
	i := 0
	for b.Loop() {
		i++
		at := t0.Add(time.Duration(i) * time.Minute)
		st := state(fmt.Sprintf("deck/card-%03d", i%500), at.Add(24*time.Hour))
		err := s.Update(func(tx prep.Tx) error {
			if err := tx.PutCardState(alice, st); err != nil {
				return err
			}
			_, err := tx.AppendReview(prep.Review{User: alice, CardID: st.CardID, Time: at, Rating: prep.Good, After: st})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
