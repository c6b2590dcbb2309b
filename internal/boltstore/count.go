package boltstore

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DueCount counts the card states due at or before the given time over all
// users (the "due cards" metric). It reads each user's due index only up to
// that time, so its cost follows what is due, not what is stored.
func (s *Store) DueCount(before time.Time) (int, error) {
	limit := appendTime(nil, before)
	n := 0
	err := s.db.View(func(btx *bolt.Tx) error {
		due, err := rootBucket(btx, bucketDue)
		if err != nil {
			return err
		}
		return due.ForEachBucket(func(user []byte) error {
			c := due.Bucket(user).Cursor()
			for k, _ := c.First(); k != nil && len(k) >= timeKeyLen && bytes.Compare(k[:timeKeyLen], limit) <= 0; k, _ = c.Next() {
				n++
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("boltstore: count due cards: %w", err)
	}
	return n, nil
}
