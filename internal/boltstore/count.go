package boltstore

import (
	"bytes"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DueCount counts the card states over all users that are due before the end
// of before's minute: a state due at 10:41:59.9 counts from 10:41:00.0 on,
// so a state may count up to a minute (less a nanosecond) before it is due,
// never after. It sums the due histogram (bucket due_minutes) up to that
// minute, so it reads one entry per minute in which something is due by
// then, however many users and card states are stored.
//
// This is the due-cards gauge of /metrics, refreshed at most once a minute:
// its figure is up to a minute old when read anyway, so counting by whole
// minutes loses nothing a reader could see, and it keeps each refresh from
// mapping every user's due index.
func (s *Store) DueCount(before time.Time) (int, error) {
	limit := minuteKey(appendTime(nil, before))
	n := 0
	err := s.db.View(func(btx *bolt.Tx) error {
		minutes, err := rootBucket(btx, bucketDueMinutes)
		if err != nil {
			return err
		}
		c := minutes.Cursor()
		for k, v := c.First(); k != nil && bytes.Compare(k, limit) <= 0; k, v = c.Next() {
			m, err := decodeMinuteCount(k, v)
			if err != nil {
				return err
			}
			n += int(m)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("boltstore: count due cards: %w", err)
	}
	return n, nil
}

// Counts is how much a database holds, for an operator's summary.
type Counts struct {
	Users, CardStates, Reviews int
	// Bytes is the size of the file, which bbolt grows ahead of the data
	// and never shrinks.
	Bytes int64
}

// Count counts the users, card states and reviews stored. It reads keys
// only, never decoding a record: cheap next to Check, which it follows in
// "prepbot check".
func (s *Store) Count() (Counts, error) {
	var n Counts
	err := s.db.View(func(btx *bolt.Tx) error {
		users, err := rootBucket(btx, bucketUsers)
		if err != nil {
			return err
		}
		n.Users = countKeys(users)
		for _, root := range []struct {
			name []byte
			n    *int
		}{{bucketCards, &n.CardStates}, {bucketReviews, &n.Reviews}} {
			b, err := rootBucket(btx, root.name)
			if err != nil {
				return err
			}
			if err := b.ForEachBucket(func(user []byte) error {
				*root.n += countKeys(b.Bucket(user))
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Counts{}, fmt.Errorf("boltstore: count the records of %s: %w", s.path, err)
	}
	st, err := os.Stat(s.path)
	if err != nil {
		return Counts{}, fmt.Errorf("boltstore: %w", err)
	}
	n.Bytes = st.Size()
	return n, nil
}

func countKeys(b *bolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}
