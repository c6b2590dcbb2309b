package boltstore_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

func TestDueCountOverUsers(t *testing.T) {
	s := MustOpenTemp(t)
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	MustUpdate(t, s, func(tx prep.Tx) error {
		for i, u := range []prep.UserKey{"telegram:1", "telegram:2", "slack:U1"} {
			for j := range 5 {
				st := state(string(rune('a'+j)), now.Add(time.Duration(j-i-2)*time.Hour))
				if err := tx.PutCardState(u, st); err != nil {
					return err
				}
			}
		}
		return nil
	})
	// user 0: due at -2h..+2h → 3 due; user 1: -3h..+1h → 4; user 2: -4h..0 → 5.
	n, err := s.DueCount(now)
	if err != nil || n != 12 {
		t.Fatalf("DueCount = %d, %v; want 12", n, err)
	}
}

// TestDueCountByMinute pins DueCount's documented rounding: a state counts
// from the start of the minute it is due in, never later and never a whole
// minute early, for times before 1970 and the extremes of a key too.
func TestDueCountByMinute(t *testing.T) {
	m := time.Date(2026, 3, 14, 8, 26, 0, 0, time.UTC)
	pre1970 := time.Date(1969, 12, 31, 23, 59, 30, 0, time.UTC) // unix -30 s
	dues := map[string]time.Time{
		"zero":     {}, // year 1: clamped to the earliest key
		"pre1970":  pre1970,
		"m-1ns":    m.Add(-1),
		"m":        m,
		"m+30s":    m.Add(30 * time.Second),
		"m+1min-":  m.Add(time.Minute - 1),
		"m+1min":   m.Add(time.Minute),
		"far-away": time.Unix(0, math.MaxInt64),
	}
	s := MustOpenTemp(t)
	MustUpdate(t, s, func(tx prep.Tx) error {
		for id, due := range dues {
			if err := tx.PutCardState("telegram:1", state(id, due)); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tc := range []struct {
		name   string
		before time.Time
		want   int
	}{
		{"before everything", time.Time{}.Add(-time.Hour), 1},
		{"the minute before 1970's last", time.Date(1969, 12, 31, 23, 58, 59, 999999999, time.UTC), 1},
		{"1970's last minute starts", time.Date(1969, 12, 31, 23, 59, 0, 0, time.UTC), 2},
		{"a nanosecond before m", m.Add(-1), 3},
		{"m", m, 6},
		{"end of m's minute", m.Add(time.Minute - 1), 6},
		{"the next minute", m.Add(time.Minute), 7},
		{"the last key time", time.Unix(0, math.MaxInt64), 8},
		{"past the last key time", time.Unix(0, math.MaxInt64).Add(time.Hour), 8},
	} {
		n, err := s.DueCount(tc.before)
		if err != nil || n != tc.want {
			t.Errorf("%s: DueCount(%v) = %d, %v; want %d", tc.name, tc.before, n, err, tc.want)
		}
	}
}

// TestDueCountMatchesIndexes compares DueCount with a brute-force count
// over the per-user due indexes (Tx.Due up to the end of the minute) at
// minute boundaries and just around them.
func TestDueCountMatchesIndexes(t *testing.T) {
	s := MustOpenTemp(t)
	rng := rand.New(rand.NewPCG(5, 6))
	base := time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC)
	var users []prep.UserKey
	for u := range 40 {
		users = append(users, prep.UserKey(fmt.Sprintf("telegram:%d", u)))
	}
	MustUpdate(t, s, func(tx prep.Tx) error {
		for _, u := range users {
			for c := range 30 {
				// Within two hours, to the nanosecond: many minutes hold
				// several states, from several users.
				due := base.Add(time.Duration(rng.Int64N(int64(2 * time.Hour))))
				if err := tx.PutCardState(u, state(fmt.Sprint("c", c), due)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	for minute := -1; minute <= 121; minute += 3 {
		edge := base.Add(time.Duration(minute) * time.Minute)
		for _, before := range []time.Time{edge.Add(-1), edge, edge.Add(1), edge.Add(59 * time.Second)} {
			want := 0
			end := before.Truncate(time.Minute).Add(time.Minute - 1)
			MustView(t, s, func(tx prep.Tx) error {
				for _, u := range users {
					due, err := collect(tx.Due(u, end))
					if err != nil {
						return err
					}
					want += len(due)
				}
				return nil
			})
			if n, err := s.DueCount(before); err != nil || n != want {
				t.Errorf("DueCount(%v) = %d, %v; the due indexes hold %d due by %v", before, n, err, want, end)
			}
		}
	}
}

// TestCount: Count says how many users, card states and reviews the file
// holds, over every user, and how big it is.
func TestCount(t *testing.T) {
	path := mustRepairFixture(t) // 3 users, 4 card states of 2 users, 4 reviews
	s := MustOpen(t, path)
	MustUpdate(t, s, func(tx prep.Tx) error {
		if err := tx.DeleteCardState(alice, "b"); err != nil {
			return err
		}
		_, err := tx.AppendReview(prep.Review{User: carol, CardID: "a", Time: t0, Rating: prep.Easy})
		return err
	})
	got, err := s.Count()
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	want := boltstore.Counts{Users: 3, CardStates: 3, Reviews: 5, Bytes: st.Size()}
	if got != want {
		t.Errorf("Count = %+v, want %+v", got, want)
	}
}
