package boltstore_test

import (
	"testing"
	"time"

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
