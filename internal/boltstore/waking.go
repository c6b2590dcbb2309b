package boltstore

import (
	"iter"
	"sort"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
)

// Waking lists users whose WakeAt is due. This first version scans the users
// bucket; it is replaced by a WakeAt index bucket kept by PutUser.
func (t *tx) Waking(before time.Time) iter.Seq2[prep.User, error] {
	return func(yield func(prep.User, error) bool) {
		var due []prep.User
		for u, err := range t.Users() {
			if err != nil {
				yield(prep.User{}, err)
				return
			}
			if !u.WakeAt.IsZero() && !u.WakeAt.After(before) {
				due = append(due, u)
			}
		}
		sort.Slice(due, func(i, j int) bool { return due[i].WakeAt.Before(due[j].WakeAt) })
		for _, u := range due {
			if !yield(u, nil) {
				return
			}
		}
	}
}
