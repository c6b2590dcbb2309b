package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/prepbot/prepbot/internal/prep"
)

// The due histogram (bucket due_minutes) counts the entries of every user's
// due index by the minute of their due time. It exists for DueCount: summing
// a few thousand minutes reads a few pages, where walking the users' indexes
// maps a page or more of the file per user.

// nanosPerMinute is a minute in the unit of a time key.
const nanosPerMinute = int64(time.Minute)

// minuteKey returns the due histogram's key for a time key (appendTime's
// form, or the first timeKeyLen bytes of an index key): the same form of the
// time rounded down to its minute. Rounding down keeps byte order time
// order, so a prefix of the histogram is everything due by some minute.
func minuteKey(timeKey []byte) []byte {
	n := int64(binary.BigEndian.Uint64(timeKey[:timeKeyLen]) ^ (1 << 63))
	q := n / nanosPerMinute
	if n%nanosPerMinute < 0 {
		q-- // floor, not truncation toward zero, for times before 1970
	}
	if q < math.MinInt64/nanosPerMinute {
		// The earliest key time's minute starts before unix nanoseconds
		// can say; it keeps the earliest key, which sorts first all the
		// same.
		n = math.MinInt64
	} else {
		n = q * nanosPerMinute
	}
	return binary.BigEndian.AppendUint64(make([]byte, 0, timeKeyLen), uint64(n)^(1<<63))
}

// minuteTime is the instant a histogram key stands for, for messages.
func minuteTime(key []byte) time.Time {
	if len(key) != timeKeyLen {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(key)^(1<<63))).UTC()
}

// formatMinute names a histogram key in messages.
func formatMinute(key []byte) string {
	if len(key) != timeKeyLen {
		return fmt.Sprintf("%q", key)
	}
	return minuteTime(key).Format("2006-01-02 15:04 UTC")
}

// decodeMinuteCount reads a histogram value, an 8-byte big-endian count.
func decodeMinuteCount(key, v []byte) (uint64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("due histogram count of minute %s is %d bytes, want 8", formatMinute(key), len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// dueIndex is one user's due index with the due histogram it feeds. Every
// write to a due index goes through add and remove, which move the
// histogram in the same transaction, so no writer can forget it.
type dueIndex struct {
	entries *bolt.Bucket // due/<user key>: time(Due) ‖ card ID → empty
	minutes *bolt.Bucket // due_minutes: minute → count
}

// dueIndex returns the user's due index, creating the user's bucket.
func (t *tx) dueIndex(user prep.UserKey) (dueIndex, error) {
	entries, err := t.userBucket(bucketDue, user, true)
	if err != nil {
		return dueIndex{}, err
	}
	minutes, err := t.root(bucketDueMinutes)
	if err != nil {
		return dueIndex{}, err
	}
	return dueIndex{entries: entries, minutes: minutes}, nil
}

// has reports whether the index holds key. A cursor rather than Get: Get
// cannot be trusted to tell an empty value from a missing key.
func (d dueIndex) has(key []byte) bool {
	k, _ := d.entries.Cursor().Seek(key)
	return k != nil && bytes.Equal(k, key)
}

// add puts an entry (dueKey) and counts it in its minute. An entry already
// there is not counted twice.
func (d dueIndex) add(key []byte) error {
	if d.has(key) {
		return nil
	}
	if err := d.entries.Put(key, []byte{}); err != nil {
		return err
	}
	return d.count(key, 1)
}

// remove deletes an entry and uncounts it; a missing entry changes nothing.
func (d dueIndex) remove(key []byte) error {
	if !d.has(key) {
		return nil
	}
	if err := d.entries.Delete(key); err != nil {
		return err
	}
	return d.count(key, -1)
}

// count adds delta to the count of key's minute, deleting a count that
// reaches zero so that the histogram holds only minutes with cards. A count
// that is missing or cannot be read is taken as zero rather than failing:
// the histogram feeds a gauge, and a rating must not be refused for it.
// Check reports such a disagreement.
func (d dueIndex) count(key []byte, delta int) error {
	if len(key) < timeKeyLen {
		return nil // not an entry of any minute; Check reports it
	}
	m := minuteKey(key)
	n, err := decodeMinuteCount(m, d.minutes.Get(m))
	if err != nil {
		n = 0
	}
	switch {
	case delta > 0:
		n += uint64(delta)
	case n >= uint64(-delta):
		n -= uint64(-delta)
	default:
		n = 0
	}
	if n == 0 {
		return d.minutes.Delete(m)
	}
	return d.minutes.Put(m, binary.BigEndian.AppendUint64(make([]byte, 0, 8), n))
}

// recountDueMinutes counts every user's due-index entries by minute, the
// histogram as it should be, for migration 5. A key too short to hold a
// time is skipped: the migration must not lock everyone out over one
// damaged entry, which Check reports.
func recountDueMinutes(btx *bolt.Tx) (map[string]uint64, error) {
	due, err := rootBucket(btx, bucketDue)
	if err != nil {
		return nil, err
	}
	counts := map[string]uint64{}
	err = due.ForEachBucket(func(user []byte) error {
		c := due.Bucket(user).Cursor()
		var last []byte // the minute of the previous key, which is often this key's
		var lastKey string
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) < timeKeyLen {
				continue
			}
			if last == nil || !bytes.Equal(k[:timeKeyLen], last) {
				last = bytes.Clone(k[:timeKeyLen])
				lastKey = string(minuteKey(last))
			}
			counts[lastKey]++
		}
		return nil
	})
	return counts, err
}
