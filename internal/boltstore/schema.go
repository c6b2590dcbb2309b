package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/prepbot/prepbot/internal/prep"
)

// Top-level bucket names; doc.go describes what each holds.
var (
	bucketMeta          = []byte("meta")
	bucketUsers         = []byte("users")
	bucketCards         = []byte("cards")
	bucketDue           = []byte("due")
	bucketReviews       = []byte("reviews")
	bucketDeliveries    = []byte("deliveries")
	bucketDeliveryTimes = []byte("delivery_times")
	bucketCursors       = []byte("cursors")
	bucketWake          = []byte("wake")
	bucketLinks         = []byte("links")
	bucketDueMinutes    = []byte("due_minutes")
)

// keySchemaVersion in the meta bucket holds how many migrations the file has
// had.
var keySchemaVersion = []byte("schema_version")

// migrations bring a file from one schema version to the next: migrations[i]
// turns version i into version i+1. Append a step to change the format; never
// edit or reorder a released one, since files out there have run it. All
// pending steps run in one transaction at Open, so a crash midway leaves the
// file at its old version.
var migrations = []func(tx *bolt.Tx) error{
	// 1: the initial layout.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{
			bucketUsers, bucketCards, bucketDue, bucketReviews,
			bucketDeliveries, bucketDeliveryTimes, bucketCursors,
		} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	},

	// 2: the wake index (time(WakeAt) ‖ user key), built from the users
	// already stored.
	func(tx *bolt.Tx) error {
		wake, err := tx.CreateBucketIfNotExists(bucketWake)
		if err != nil {
			return fmt.Errorf("create bucket %s: %w", bucketWake, err)
		}
		users := tx.Bucket(bucketUsers)
		if users == nil {
			return fmt.Errorf("bucket %s is missing", bucketUsers)
		}
		return users.ForEach(func(k, v []byte) error {
			var rec wakeRecord
			if v == nil || json.Unmarshal(v, &rec) != nil || rec.WakeAt.IsZero() {
				// A damaged user is reported when read; refusing to open
				// over it would lock everyone else out.
				return nil
			}
			return wake.Put(wakeKey(rec.WakeAt, prep.UserKey(k)), []byte{})
		})
	},

	// 3: one-time codes that link two accounts (code → JSON link).
	func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketLinks); err != nil {
			return fmt.Errorf("create bucket %s: %w", bucketLinks, err)
		}
		return nil
	},

	// 4: card states may be stored in the compact binary form
	// (cardRecordBinary). Nothing is rewritten: JSON states are still read
	// and take the binary form when next written. The version step is what
	// keeps an older build, which cannot read that form, from opening the
	// file.
	func(tx *bolt.Tx) error { return nil },

	// 5: the due histogram (minute → how many due-index entries fall in
	// it), built from every user's due index in one pass, so that counting
	// what is due reads a few pages instead of every user's index.
	func(tx *bolt.Tx) error {
		counts, err := recountDueMinutes(tx)
		if err != nil {
			return err
		}
		// Built from scratch: whatever a bucket of that name held would
		// be counted twice.
		if tx.Bucket(bucketDueMinutes) != nil {
			if err := tx.DeleteBucket(bucketDueMinutes); err != nil {
				return fmt.Errorf("delete bucket %s: %w", bucketDueMinutes, err)
			}
		}
		minutes, err := tx.CreateBucket(bucketDueMinutes)
		if err != nil {
			return fmt.Errorf("create bucket %s: %w", bucketDueMinutes, err)
		}
		// In key order, bbolt fills each page before starting the next.
		minutes.FillPercent = 1
		keys := slices.Sorted(maps.Keys(counts))
		for _, k := range keys {
			if err := minutes.Put([]byte(k), binary.BigEndian.AppendUint64(nil, counts[k])); err != nil {
				return err
			}
		}
		return nil
	},
}

// schemaVersion is the schema version this build writes; Open refuses files
// with a higher one.
func schemaVersion() uint64 { return uint64(len(migrations)) }

// migrate applies the pending migrations, records the new version and
// returns the version the file had (0 for a new file). A file with buckets
// but no meta bucket was written by some other program: it is refused rather
// than adopted, so that prepbot never writes into it.
func migrate(tx *bolt.Tx, path string) (from uint64, err error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		if k, _ := tx.Cursor().First(); k != nil {
			return 0, damagedError(path, fmt.Errorf("it is a bbolt file without prepbot's %q bucket", bucketMeta))
		}
		var err error
		if meta, err = tx.CreateBucket(bucketMeta); err != nil {
			return 0, fmt.Errorf("boltstore: %s: create meta bucket: %w", path, err)
		}
	}
	var version uint64
	if v := meta.Get(keySchemaVersion); v != nil {
		if len(v) != 8 {
			return 0, damagedError(path, fmt.Errorf("schema version is %d bytes, want 8", len(v)))
		}
		version = binary.BigEndian.Uint64(v)
	}
	if version > schemaVersion() {
		return version, newerSchemaError(path, version)
	}
	if version == schemaVersion() {
		return version, nil
	}
	for i := version; i < schemaVersion(); i++ {
		if err := migrations[i](tx); err != nil {
			return version, fmt.Errorf("boltstore: %s: migrate to schema version %d: %w", path, i+1, err)
		}
	}
	if err := meta.Put(keySchemaVersion, binary.BigEndian.AppendUint64(nil, schemaVersion())); err != nil {
		return version, fmt.Errorf("boltstore: %s: record schema version: %w", path, err)
	}
	return version, nil
}
