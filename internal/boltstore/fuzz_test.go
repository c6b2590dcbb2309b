package boltstore_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/prep"
)

// FuzzCardStateRoundTrip stores any card state and reads it back: every
// field must survive exactly, times as instants. Values JSON cannot hold
// (NaN, ±Inf) must be refused with an error, never stored.
func FuzzCardStateRoundTrip(f *testing.F) {
	f.Add(t0.UnixNano(), 3.17, 5.9, uint64(12), uint64(7), uint64(2), int8(fsrs.Relearning), t0.UnixNano()-1, 1, false)
	f.Add(int64(math.MinInt64), 0.0, 0.0, uint64(0), uint64(0), uint64(0), int8(0), int64(0), 0, true)
	f.Add(int64(math.MaxInt64), math.SmallestNonzeroFloat64, math.MaxFloat64, uint64(math.MaxUint64), uint64(1), uint64(1), int8(-1), int64(-1), -1, true)
	f.Add(int64(0), math.NaN(), 1.0, uint64(0), uint64(0), uint64(0), int8(0), int64(0), 0, false)
	s := MustOpenTemp(f)
	n := 0
	f.Fuzz(func(t *testing.T, due int64, stability, difficulty float64, sched, reps, lapses uint64, st int8, last int64, steps int, suspended bool) {
		n++
		user := prep.UserKey(fmt.Sprintf("fuzz:%d", n))
		in := prep.CardState{CardID: "c", FSRS: fsrs.Card{
			Due: time.Unix(0, due), Stability: stability, Difficulty: difficulty,
			ScheduledDays: sched, Reps: reps, Lapses: lapses, State: fsrs.State(st),
			LastReview: time.Unix(0, last), RemainingSteps: steps,
		}, Suspended: suspended}
		err := s.Update(func(tx prep.Tx) error { return tx.PutCardState(user, in) })
		finite := !math.IsNaN(stability) && !math.IsInf(stability, 0) && !math.IsNaN(difficulty) && !math.IsInf(difficulty, 0)
		if !finite {
			if err == nil {
				t.Fatal("a non-finite float was stored")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		MustView(t, s, func(tx prep.Tx) error {
			got, err := tx.CardState(user, "c")
			if err != nil {
				return err
			}
			if !sameState(got, in) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, in)
			}
			due, err := collect(tx.Due(user, in.FSRS.Due))
			if err != nil || len(due) != 1 {
				t.Errorf("Due at its own due time = %v, %v; want the card", ids(due), err)
			}
			return nil
		})
	})
}

// FuzzDueOrder puts three cards with any due times (all that unix
// nanoseconds can hold, before 1970 included) and checks that Due returns
// exactly those at or before the bound, in time order.
func FuzzDueOrder(f *testing.F) {
	f.Add(int64(-1), int64(0), int64(1), int64(0))
	f.Add(int64(math.MinInt64), int64(math.MaxInt64), t0.UnixNano(), t0.UnixNano())
	f.Add(int64(5), int64(5), int64(-5), int64(4))
	s := MustOpenTemp(f)
	n := 0
	f.Fuzz(func(t *testing.T, a, b, c, before int64) {
		n++
		user := prep.UserKey(fmt.Sprintf("fuzz:%d", n))
		times := map[string]int64{"a": a, "b": b, "c": c}
		MustUpdate(t, s, func(tx prep.Tx) error {
			for id, ns := range times {
				if err := tx.PutCardState(user, state(id, time.Unix(0, ns))); err != nil {
					return err
				}
			}
			return nil
		})
		MustView(t, s, func(tx prep.Tx) error {
			got, err := collect(tx.Due(user, time.Unix(0, before)))
			if err != nil {
				return err
			}
			want := 0
			for _, ns := range times {
				if ns <= before {
					want++
				}
			}
			if len(got) != want {
				t.Errorf("Due(%d) over %v = %v, want %d cards", before, times, ids(got), want)
			}
			for i := 1; i < len(got); i++ {
				if prev, cur := got[i-1], got[i]; cur.FSRS.Due.Before(prev.FSRS.Due) ||
					cur.FSRS.Due.Equal(prev.FSRS.Due) && cur.CardID < prev.CardID {
					t.Errorf("Due out of order: %v", ids(got))
				}
			}
			return nil
		})
	})
}
