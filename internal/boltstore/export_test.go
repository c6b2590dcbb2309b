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

// DueHistogram returns the due histogram (bucket due_minutes) as counts by
// the start of each minute in unix nanoseconds, so that tests can compare
// it with what they stored.
func DueHistogram(s *Store) (map[int64]uint64, error) {
	out := map[int64]uint64{}
	err := s.db.View(func(btx *bolt.Tx) error {
		b, err := rootBucket(btx, bucketDueMinutes)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			n, err := decodeMinuteCount(k, v)
			if err != nil {
				return err
			}
			out[minuteTime(k).UnixNano()] = n
			return nil
		})
	})
	return out, err
}

// PutRawCardState stores v as the user's card state record as is, leaving
// the due index alone: the way damage to the record would leave the file.
func PutRawCardState(s *Store, user prep.UserKey, cardID string, v []byte) error {
	return s.db.Update(func(btx *bolt.Tx) error {
		b, err := btx.Bucket(bucketCards).CreateBucketIfNotExists([]byte(user))
		if err != nil {
			return err
		}
		return b.Put([]byte(cardID), v)
	})
}

// DumpBuckets flattens the named top-level buckets into path → value, the
// path being the bucket names and the key joined by "/", so that tests can
// compare what a file holds before and after an operation byte for byte.
// Nested buckets appear only through their entries.
func DumpBuckets(s *Store, names ...string) (map[string]string, error) {
	out := map[string]string{}
	var walk func(prefix string, b *bolt.Bucket) error
	walk = func(prefix string, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				if nested := b.Bucket(k); nested != nil {
					return walk(prefix+string(k)+"/", nested)
				}
			}
			out[prefix+string(k)] = string(v)
			return nil
		})
	}
	err := s.db.View(func(btx *bolt.Tx) error {
		for _, name := range names {
			b, err := rootBucket(btx, []byte(name))
			if err != nil {
				return err
			}
			if err := walk(name+"/", b); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
