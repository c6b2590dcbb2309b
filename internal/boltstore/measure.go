package boltstore

import (
	"fmt"
	"time"

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

// WriteStats is what bbolt has written since Open: pages written to the file
// by commits (each a full page of the file's page size) and the time spent
// writing them, fsync excluded. It is a measurement hook for cmd/prepbench,
// which divides it by the commits it counted: a commit's cost follows the
// pages it dirties.
func (s *Store) WriteStats() (pages int64, pageSize int, took time.Duration) {
	st := s.db.Stats().TxStats
	return st.GetWrite(), s.db.Info().PageSize, st.GetWriteTime()
}
