package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/prepbot/prepbot/internal/prep"
)

// Errors Open, Check and RepairIndexes return (wrapped); callers compare
// with errors.Is. A file held by another process is reported as
// prep.ErrLocked, and a missing record as prep.ErrNotFound.
var (
	// ErrDamaged: the file is not a prepbot database, or its pages, its
	// records or its indexes are damaged.
	ErrDamaged = errors.New("boltstore: not a prepbot database or damaged")
	// ErrNewerSchema: the file was written by a newer prepbot, whose format
	// this build cannot read without losing data.
	ErrNewerSchema = errors.New("boltstore: database written by a newer prepbot")
	// ErrNoDatabase: Options.MustExist is set and there is no file at the
	// path.
	ErrNoDatabase = errors.New("boltstore: no database at the path")
	// ErrStaleIndex: a derived index (a due index, the due histogram or
	// the wake index) disagrees with the card states and users it is built
	// from. Check wraps it together with ErrDamaged; RepairIndexes
	// rebuilds the index without losing anything.
	ErrStaleIndex = errors.New("boltstore: an index disagrees with the records it is built from")
)

// DefaultLockTimeout is how long Open waits for another process to release
// the file when Options.LockTimeout is zero: long enough to ride out a
// restart in which the old process is still closing.
const DefaultLockTimeout = 5 * time.Second

// Options tune Open.
type Options struct {
	// LockTimeout is how long to wait for the file lock that another process
	// holds; 0 means DefaultLockTimeout, a negative value means try once.
	LockTimeout time.Duration
	// MustExist makes Open fail with ErrNoDatabase, creating neither the
	// file nor its directory, when there is no file at the path: a command
	// that reads or copies the database must not answer a mistyped path
	// with a new, empty one.
	MustExist bool
	// Origin says where the path came from, in the words the user would
	// change it by ("set by PREPBOT_DB", "set by --db"). Messages that ask
	// the user to check or change the path show it after the path; ""
	// shows nothing.
	Origin string
}

// named is path followed by its origin, for messages.
func (o Options) named(path string) string {
	if o.Origin == "" {
		return path
	}
	return path + " (" + o.Origin + ")"
}

// Store is prepbot's store in one bbolt file. It is safe for concurrent use:
// View transactions run in parallel, Update transactions one at a time.
type Store struct {
	db   *bolt.DB
	path string
}

var _ prep.Store = (*Store)(nil)

// Open opens the database at path, creating it and its directory if needed
// (unless opts.MustExist), and brings its schema up to date. It fails with
// an error wrapping prep.ErrLocked when another process holds the file for
// longer than opts.LockTimeout, with ErrDamaged when the file is not a
// readable prepbot database, with ErrNewerSchema when a newer prepbot wrote
// it, and with ErrNoDatabase when opts.MustExist is set and there is no file.
//
// Open never panics on a damaged file. One kind of damage (a broken freelist
// page) makes bbolt panic inside its own Open, after it has mapped the file
// and before it returns anything Open could close: the error is returned, but
// the mapping, and with it the file lock, stays with this process until it
// exits. prepbot exits on that error anyway.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("boltstore: no database path given")
	}
	timeout := opts.LockTimeout
	if timeout == 0 {
		timeout = DefaultLockTimeout
	}
	if !opts.MustExist {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, &sentenceError{
				msg:  fmt.Sprintf("boltstore: cannot create the directory for %s: %v; choose another path or fix the directory's permissions", opts.named(path), err),
				errs: []error{err},
			}
		}
	}

	// bbolt reads a damaged file through its memory map: a bad page either
	// panics inside bbolt or faults on an address past the end of the map.
	// With panics on faults, both arrive as panics that Open turns into
	// ErrDamaged instead of a crash.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))

	// Remembering the file lets Open close it when bbolt panics before it
	// could return a DB to close, and tells an error opening the file apart
	// from an error reading it.
	var file *os.File
	var fileErr error
	boltOpts := &bolt.Options{
		Timeout: timeout,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			if opts.MustExist {
				// Without O_CREATE, a missing file is an error of the open
				// itself: no window between a check and the open in which
				// it could appear or vanish.
				flag &^= os.O_CREATE
			}
			file, fileErr = os.OpenFile(name, flag, perm)
			return file, fileErr
		},
	}
	if timeout < 0 {
		// bbolt gives up after one attempt when the timeout is below its
		// retry interval.
		boltOpts.Timeout = time.Nanosecond
	}
	db, err := openBolt(path, boltOpts)
	if err != nil {
		if db == nil && file != nil && errors.Is(err, ErrDamaged) {
			_ = file.Close()
		}
		return nil, openError(path, opts, err, fileErr, timeout)
	}
	s := &Store{db: db, path: path}
	upgraded, err := s.migrate()
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	if upgraded {
		// Migrating an existing file may read most of it (migration 5
		// reads every due index), and those pages would stay resident in
		// this process's mapping of the file for as long as it runs.
		// Opening the file afresh starts with an empty mapping. (Another
		// process waiting for the lock may take it meanwhile; then this
		// Open fails as locked, as it would have had that one come first.)
		if err := db.Close(); err != nil {
			return nil, fmt.Errorf("boltstore: close %s after migrating it: %w", path, err)
		}
		if s.db, err = openBolt(path, boltOpts); err != nil {
			if s.db == nil && file != nil && errors.Is(err, ErrDamaged) {
				_ = file.Close()
			}
			return nil, openError(path, opts, err, fileErr, timeout)
		}
	}
	return s, nil
}

// openBolt is bolt.Open with its panics turned into ErrDamaged.
func openBolt(path string, o *bolt.Options) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, damagedError(path, fmt.Errorf("%v", r))
		}
	}()
	return bolt.Open(path, 0o600, o)
}

// migrate runs the pending migrations in one transaction and reports
// whether it upgraded an existing file. It is also the first read of the
// file's pages, so a panic on a damaged page becomes ErrDamaged here.
func (s *Store) migrate() (upgraded bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			upgraded, err = false, damagedError(s.path, fmt.Errorf("%v", r))
		}
	}()
	// A file already at this version is only read: opening it (each start,
	// and the read-only commands) then writes nothing and waits for no
	// fsync.
	current := false
	if err := s.db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			v := meta.Get(keySchemaVersion)
			current = len(v) == 8 && binary.BigEndian.Uint64(v) == schemaVersion()
		}
		return nil
	}); err == nil && current {
		return false, nil
	}
	var from uint64
	err = s.db.Update(func(tx *bolt.Tx) error {
		var err error
		from, err = migrate(tx, s.path)
		return err
	})
	upgraded = err == nil && from > 0 && from < schemaVersion()
	var se *sentenceError
	if err != nil && !errors.As(err, &se) {
		err = fmt.Errorf("boltstore: %s: prepare the schema: %w", s.path, err)
	}
	return upgraded, err
}

// openError turns an error of bolt.Open into a sentence that names the file,
// and the setting that chose it, and says what to do.
func openError(path string, opts Options, err, fileErr error, waited time.Duration) error {
	switch {
	case errors.Is(err, ErrDamaged):
		return err
	case errors.Is(err, berrors.ErrTimeout):
		if waited < 0 {
			waited = 0
		}
		return &sentenceError{
			msg:  fmt.Sprintf("boltstore: %s is in use by another prepbot process (waited %v); stop it or choose another path", opts.named(path), waited),
			errs: []error{prep.ErrLocked, err},
		}
	case opts.MustExist && errors.Is(fileErr, fs.ErrNotExist):
		return &sentenceError{
			msg:  fmt.Sprintf("boltstore: there is no database at %s; check the path", opts.named(path)),
			errs: []error{ErrNoDatabase, fileErr},
		}
	case fileErr != nil && (errors.Is(fileErr, fs.ErrPermission) || errors.Is(fileErr, syscall.EROFS)):
		return &sentenceError{
			msg:  fmt.Sprintf("boltstore: cannot open %s for writing: %v; choose a writable path or fix its permissions", opts.named(path), unwrapPath(fileErr)),
			errs: []error{fileErr},
		}
	case fileErr != nil:
		return &sentenceError{
			msg:  fmt.Sprintf("boltstore: cannot open %s: %v; check the path", opts.named(path), unwrapPath(fileErr)),
			errs: []error{fileErr},
		}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return damagedError(path, err)
	default:
		return fmt.Errorf("boltstore: open %s: %w", path, err)
	}
}

// unwrapPath drops the operation and path from an *fs.PathError, which the
// sentence around it already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func damagedError(path string, cause error) error {
	return &sentenceError{
		msg:  fmt.Sprintf("boltstore: %s is not a prepbot database or is damaged: %v; restore a backup or move it aside", path, cause),
		errs: []error{ErrDamaged, cause},
	}
}

func newerSchemaError(path string, version uint64) error {
	return &sentenceError{
		msg: fmt.Sprintf("boltstore: %s has schema version %d, but this prepbot reads up to version %d; upgrade prepbot or restore a backup made by this version",
			path, version, schemaVersion()),
		errs: []error{ErrNewerSchema},
	}
}

// sentenceError reads as one sentence for the user, while errors.Is still
// finds the sentinels and causes it wraps; fmt's %w would append their texts
// to the sentence.
type sentenceError struct {
	msg  string
	errs []error
}

func (e *sentenceError) Error() string   { return e.msg }
func (e *sentenceError) Unwrap() []error { return e.errs }

// Path returns the database file's path as given to Open.
func (s *Store) Path() string { return s.path }

// Close releases the file and its lock. It waits for running transactions,
// so a long View delays it.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore: close %s: %w", s.path, err)
	}
	return nil
}

// View runs fn in a read-only transaction; fn's error is returned as is.
func (s *Store) View(fn func(prep.Tx) error) error {
	return s.run(false, fn)
}

// Update runs fn in a read-write transaction and commits it, fsynced, when
// fn returns nil; when fn returns an error nothing it wrote is kept and the
// error is returned as is.
func (s *Store) Update(fn func(prep.Tx) error) error {
	return s.run(true, fn)
}

// run is View or Update. It does not use bbolt's Batch: Batch may run fn
// twice, and a lone writer would wait for its timer.
func (s *Store) run(writable bool, fn func(prep.Tx) error) error {
	var ran bool
	var fnErr error
	body := func(btx *bolt.Tx) error {
		t := &tx{btx: btx}
		defer t.end()
		ran = true
		fnErr = fn(t)
		return fnErr
	}
	var err error
	if writable {
		err = s.db.Update(body)
	} else {
		err = s.db.View(body)
	}
	switch {
	case err == nil || fnErr != nil:
		return err
	case !ran:
		return fmt.Errorf("boltstore: begin transaction on %s: %w", s.path, err)
	default:
		return fmt.Errorf("boltstore: commit to %s: %w", s.path, err)
	}
}

// Check verifies the file's page structure (bbolt's consistency check), that
// every card state and user decodes, and that the derived indexes agree with
// them: each user's due index holds exactly one entry per card state, at its
// due time, and nothing else; the due histogram counts the due indexes'
// entries by minute; the wake index holds one entry per user with a WakeAt,
// at that time, and nothing else. It returns the first problem found (with
// how many more there are), wrapping ErrDamaged, or nil. The problems that
// only a backup undoes (pages, undecodable records) come first and say
// "restore a backup"; a problem in a derived index also wraps
// ErrStaleIndex and says that "prepbot check --repair" (RepairIndexes)
// rebuilds it.
//
// It reads every page, and then each record and index entry once, so it
// suits a maintenance command or a test rather than each start. bbolt runs
// the page check in a goroutine of its own, where a panic on a badly
// damaged page cannot be recovered: Open, which recovers, catches most
// damage first.
//
// The indexes are compared here because nothing else would notice them
// drift: Due and Waking read only what they return, and the histogram only
// feeds a gauge. Checking them after crash tests proves that every write
// path keeps them in step, in the same transaction.
func (s *Store) Check() error {
	return s.db.View(func(btx *bolt.Tx) error {
		if err := s.checkPages(btx); err != nil {
			return err
		}
		scan, err := scanIndexes(btx)
		var minutes []minuteFault
		if err == nil {
			minutes, err = diffDueMinutes(btx, scan.minutesNow)
		}
		if err != nil {
			return &sentenceError{
				msg:  fmt.Sprintf("boltstore: %s is damaged: %v; restore a backup", s.path, err),
				errs: []error{ErrDamaged, err},
			}
		}
		problems := len(scan.damaged) + len(scan.due) + len(minutes) + len(scan.wake)
		if problems == 0 {
			return nil
		}
		if len(scan.damaged) > 0 {
			return &sentenceError{
				msg:  fmt.Sprintf("boltstore: %s is damaged: %s%s; restore a backup", s.path, scan.damaged[0], andMore(problems-1)),
				errs: []error{ErrDamaged},
			}
		}
		var first string
		switch {
		case len(scan.due) > 0:
			first = scan.due[0].msg
		case len(minutes) > 0:
			first = minutes[0].String()
		default:
			first = scan.wake[0].msg
		}
		return &sentenceError{
			msg: fmt.Sprintf("boltstore: %s is damaged: %s%s; prepbot check --repair rebuilds the indexes from the card states and users",
				s.path, first, andMore(problems-1)),
			errs: []error{ErrDamaged, ErrStaleIndex},
		}
	})
}

// PruneDeliveries forgets the delivery ids recorded before the given time and
// returns how many it removed. Platforms redeliver only recent events, so ids
// older than a few days are no longer needed to detect repeats. The
// delivery_times index lets it read only the entries it removes.
func (s *Store) PruneDeliveries(before time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(btx *bolt.Tx) error {
		byTime, err := rootBucket(btx, bucketDeliveryTimes)
		if err != nil {
			return err
		}
		ids, err := rootBucket(btx, bucketDeliveries)
		if err != nil {
			return err
		}
		bound := appendTime(nil, before)
		// Collect first: deleting under a bbolt cursor can skip keys.
		var keys [][]byte
		c := byTime.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k[:min(len(k), timeKeyLen)], bound) < 0; k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := byTime.Delete(k); err != nil {
				return err
			}
			if len(k) > timeKeyLen {
				if err := ids.Delete(k[timeKeyLen:]); err != nil {
					return err
				}
			}
		}
		n = len(keys)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("boltstore: prune deliveries in %s: %w", s.path, err)
	}
	return n, nil
}
