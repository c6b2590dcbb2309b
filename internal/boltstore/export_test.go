package boltstore

import (
	bolt "go.etcd.io/bbolt"

	"github.com/prepbot/prepbot/internal/prep"
)

// ViewCounting is View that also reports how many due-index entries the
// transaction read, so that tests can show Due stops at its bound.
func ViewCounting(s *Store, fn func(prep.Tx) error) (dueVisited int, err error) {
	err = s.db.View(func(btx *bolt.Tx) error {
		t := &tx{btx: btx}
		defer t.end()
		err := fn(t)
		dueVisited = t.dueVisited
		return err
	})
	return dueVisited, err
}
