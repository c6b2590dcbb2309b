package boltstore

import (
	bolt "go.etcd.io/bbolt"

	"github.com/prepbot/prepbot/internal/prep"
)

// ViewCounting is View that also reports how many due- and wake-index
// entries the transaction read, so that tests can show Due and Waking stop
// at their bound.
func ViewCounting(s *Store, fn func(prep.Tx) error) (visited int, err error) {
	err = s.db.View(func(btx *bolt.Tx) error {
		t := &tx{btx: btx}
		defer t.end()
		err := fn(t)
		visited = t.indexVisited
		return err
	})
	return visited, err
}
