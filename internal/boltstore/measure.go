package boltstore

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/prepbot/prepbot/internal/prep"
)

// ViewIndexReads is View that also returns how many due- and wake-index
// entries fn read through Tx.Due and Tx.Waking. It is a measurement hook for
// cmd/prepbench, which shows with it that a scan reads only what is due (plus
// the one entry that ends it) however many entries are stored; the bot never
// calls it. fn's error is returned as is.
func (s *Store) ViewIndexReads(fn func(prep.Tx) error) (visited int, err error) {
	var fnErr error
	err = s.db.View(func(btx *bolt.Tx) error {
		t := &tx{btx: btx}
		defer t.end()
		fnErr = fn(t)
		visited = t.indexVisited
		return fnErr
	})
	if err != nil && fnErr == nil {
		err = fmt.Errorf("boltstore: view %s: %w", s.path, err)
	}
	return visited, err
}
