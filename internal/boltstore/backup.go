package boltstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the database to path while it stays in
// use: one read transaction's WriteTo (a snapshot that writers do not
// disturb), into a temporary file beside path, fsynced, then renamed over
// path and the directory fsynced, so path is always either the old file or
// the whole new one. It returns the size written. A file already at path is
// replaced only if it is a prepbot database (an older backup): anything
// else there, a directory included, is refused with ErrBackupTarget.
func (s *Store) Backup(path string) (int64, error) {
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			return 0, &sentenceError{msg: fmt.Sprintf("boltstore: backup: %s is a directory; name the backup file inside it", path), errs: []error{ErrBackupTarget}}
		}
		if isPrepbotFile(path) != nil {
			return 0, &sentenceError{msg: fmt.Sprintf("boltstore: backup: %s exists and is not a prepbot database, so it is left alone; choose another name", path), errs: []error{ErrBackupTarget}}
		}
	}
	dir := filepath.Dir(path)
	tmp, n, err := s.snapshot(dir)
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp) // after a successful rename there is nothing left to remove
	err = os.Rename(tmp, path)
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return 0, fmt.Errorf("boltstore: backup to %s: %w", path, err)
	}
	return n, nil
}

// snapshot writes one read transaction's copy of the database into a new
// temporary file in dir (made if missing), fsynced and readable by its
// owner only, and returns its path and size. The caller puts it in place
// and removes the path in any case.
func (s *Store) snapshot(dir string) (string, int64, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", 0, fmt.Errorf("boltstore: backup: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".prepbot-backup-*")
	if err != nil {
		return "", 0, fmt.Errorf("boltstore: backup: %w", err)
	}
	var n int64
	err = s.db.View(func(btx *bolt.Tx) error {
		var werr error
		n, werr = btx.WriteTo(tmp)
		return werr
	})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", 0, fmt.Errorf("boltstore: backup into %s: %w", dir, err)
	}
	return tmp.Name(), n, nil
}

// ErrBackupTarget means a backup's path holds something a backup must not
// replace.
var ErrBackupTarget = errors.New("boltstore: the backup's path holds something else")

// backupPrefix and backupSuffix frame the names of rotated backups, whose
// middle is a UTC timestamp, so names sort by time.
const (
	backupPrefix = "prepbot-"
	backupSuffix = ".db"
	backupStamp  = "20060102-150405"
)

// BackupInto writes a backup named prepbot-<UTC time>.db into dir and then
// removes all but the newest keep backups there. Other files in dir are
// left alone. A backup never replaces another: a second one within the
// same second is prepbot-<UTC time>-2.db, then -3…, as restore names the
// files it keeps.
func (s *Store) BackupInto(dir string, now time.Time, keep int) (string, error) {
	tmp, _, err := s.snapshot(dir)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp) // once linked to its name, the temporary name goes
	stamp := backupPrefix + now.UTC().Format(backupStamp)
	// After the newest of this second, not in the first gap: rotation may
	// have removed the older ones, and a backup named as the oldest would
	// be the next one removed.
	first := 1
	if entries, err := os.ReadDir(dir); err == nil {
		at := now.UTC().Truncate(time.Second)
		for _, e := range entries {
			if t, n, ok := parseBackupName(e.Name()); ok && t.Equal(at) && n >= first {
				first = n + 1
			}
		}
	}
	var path string
	for n := first; ; n++ {
		name := stamp + backupSuffix
		if n > 1 {
			name = fmt.Sprintf("%s-%d%s", stamp, n, backupSuffix)
		}
		path = filepath.Join(dir, name)
		// A link, unlike a rename, never replaces a file already there.
		err := os.Link(tmp, path)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			// A file system without hard links: the database's lock
			// keeps other backups of it out, so a free name stays free.
			if _, serr := os.Lstat(path); errors.Is(serr, fs.ErrNotExist) {
				err = os.Rename(tmp, path)
			}
		}
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || n >= first+maxKeptPerSecond {
			return "", fmt.Errorf("boltstore: backup to %s: %w", path, err)
		}
	}
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("boltstore: backup to %s: %w", path, err)
	}
	if keep < 1 {
		keep = 1
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return path, fmt.Errorf("boltstore: rotate backups in %s: %w", dir, err)
	}
	type backup struct {
		name string
		at   time.Time
		n    int
	}
	var backups []backup
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if at, n, ok := parseBackupName(e.Name()); ok {
			backups = append(backups, backup{e.Name(), at, n})
		}
	}
	// Oldest first: by time, then -2 after the name without a number.
	sort.Slice(backups, func(i, j int) bool {
		a, b := backups[i], backups[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		return a.n < b.n
	})
	for _, b := range backups[:max(0, len(backups)-keep)] {
		if err := os.Remove(filepath.Join(dir, b.name)); err != nil {
			return path, fmt.Errorf("boltstore: rotate backups: %w", err)
		}
	}
	return path, nil
}

// parseBackupName reads the time and the number (1 when there is none) of
// a name BackupInto gives, prepbot-<UTC time>[-<n>].db; ok is false for
// any other name.
func parseBackupName(name string) (at time.Time, n int, ok bool) {
	if !strings.HasPrefix(name, backupPrefix) || !strings.HasSuffix(name, backupSuffix) {
		return time.Time{}, 0, false
	}
	middle := strings.TrimSuffix(strings.TrimPrefix(name, backupPrefix), backupSuffix)
	n = 1
	if len(middle) > len(backupStamp) {
		num, found := strings.CutPrefix(middle[len(backupStamp):], "-")
		v, err := strconv.Atoi(num)
		if !found || err != nil || v < 2 || strconv.Itoa(v) != num {
			return time.Time{}, 0, false
		}
		middle, n = middle[:len(backupStamp)], v
	}
	at, err := time.Parse(backupStamp, middle)
	if err != nil {
		return time.Time{}, 0, false
	}
	return at, n, true
}

// syncDir fsyncs a directory so a rename in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Restore replaces the database file at dbPath with the backup at
// backupPath, refusing while another process holds dbPath. The backup is
// verified first: copied beside the database, opened (migrated if it is
// from an older prepbot) and checked page by page, and derived indexes
// that disagree with its records are rebuilt in the copy (as
// RepairIndexes does); a backup that fails wraps ErrDamaged (or
// ErrNewerSchema), names backupPath and changes nothing. The file it replaces is kept as dbPath +
// ".before-restore-<UTC time>" (with "-2", "-3"… when restores share a
// second), so a restore loses nothing; when there is no file at dbPath the
// backup simply becomes it, and kept is "".
//
// opts.LockTimeout (0: one second) and opts.Origin apply to dbPath;
// opts.MustExist is ignored.
func Restore(dbPath, backupPath string, now time.Time, opts Options) (kept string, err error) {
	if a, errA := os.Stat(dbPath); errA == nil {
		if b, errB := os.Stat(backupPath); errB == nil && os.SameFile(a, b) {
			return "", fmt.Errorf("boltstore: restore: %s is the database itself, not a backup of it; nothing was changed", backupPath)
		}
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	opts.MustExist = true
	live, err := Open(dbPath, opts)
	fresh := errors.Is(err, ErrNoDatabase)
	if err != nil && !fresh {
		return "", err // the lock message names the file and the other process
	}
	// Holding the live file's lock while verifying keeps a bot from starting
	// on it meanwhile.
	closed := fresh
	defer func() {
		if !closed {
			live.Close()
		}
	}()
	src, err := os.Open(backupPath)
	if err != nil {
		return "", fmt.Errorf("boltstore: restore: cannot read %s: %w", backupPath, unwrapPath(err))
	}
	defer src.Close()
	if st, err := src.Stat(); err == nil && st.IsDir() {
		return "", &sentenceError{msg: fmt.Sprintf("boltstore: restore: %s is a directory, not a backup file; nothing was changed", backupPath), errs: []error{ErrDamaged}}
	}
	dir := filepath.Dir(dbPath)
	if fresh {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", fmt.Errorf("boltstore: restore: %w", err)
		}
	}
	tmp, err := os.CreateTemp(dir, ".prepbot-restore-*")
	if err != nil {
		return "", fmt.Errorf("boltstore: restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.ReadFrom(src)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("boltstore: restore: copy %s: %w", backupPath, err)
	}
	if err := verifyBackup(tmp.Name(), backupPath); err != nil {
		return "", err
	}
	if fresh {
		// A link, unlike a rename, fails if a bot created the database
		// meanwhile, instead of pulling the file from under it.
		if err := os.Link(tmp.Name(), dbPath); err != nil {
			return "", fmt.Errorf("boltstore: restore: %s appeared while the backup was verified (a prepbot started?); nothing was changed, run restore again: %w", dbPath, err)
		}
		if err := syncDir(dir); err != nil {
			return "", fmt.Errorf("boltstore: restore: %w", err)
		}
		return "", nil
	}
	closed = true
	if err := live.Close(); err != nil {
		return "", err
	}
	if kept, err = keep(dbPath, now); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), dbPath); err != nil {
		return "", fmt.Errorf("boltstore: restore: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("boltstore: restore: %w", err)
	}
	return kept, nil
}

// verifyBackup opens and checks copy, the verification copy of the backup
// at backupPath. Its errors name backupPath, the file the user gave, not the
// copy, whose name means nothing to them and which is gone by the time they
// read it.
//
// An index that disagrees with the records it is built from (ErrStaleIndex)
// does not refuse the backup: its records are what matters, and the copy is
// private, so the indexes are rebuilt in it (RepairIndexes) and checked
// again before it replaces the database.
func verifyBackup(copy, backupPath string) error {
	// Open would adopt an empty file or an empty bbolt file as a new
	// database; a backup must already be a prepbot database.
	err := isPrepbotFile(copy)
	var candidate *Store
	if err == nil {
		candidate, err = Open(copy, Options{LockTimeout: time.Second, MustExist: true})
	}
	if err == nil {
		err = candidate.Check()
		if errors.Is(err, ErrStaleIndex) {
			if _, err = candidate.RepairIndexes(); err == nil {
				err = candidate.Check()
			}
		}
		if cerr := candidate.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("boltstore: restore: close the copy of %s: %w", backupPath, cerr)
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNewerSchema):
		return &sentenceError{
			msg:  fmt.Sprintf("boltstore: restore: %s was written by a newer prepbot; restore it with that version, or pick a backup made by this one; nothing was changed", backupPath),
			errs: []error{ErrNewerSchema, err},
		}
	default:
		// Whatever else stopped the copy from opening or passing the
		// check (bbolt's "file size too small", an invalid page) says the
		// same to the user: this file is not a usable backup.
		msg := fmt.Sprintf("boltstore: restore: %s is not a prepbot database, or it is damaged", backupPath)
		if d := damage(err); d != nil {
			msg += fmt.Sprintf(" (%v)", d)
		} else if !errors.Is(err, ErrDamaged) {
			msg += fmt.Sprintf(" (%v)", unwrapPath(err))
		}
		return &sentenceError{msg: msg + "; nothing was changed", errs: []error{ErrDamaged, err}}
	}
}

// notPrepbot is ErrDamaged with why, which verifyBackup's message shows.
func notPrepbot(why error) error {
	return &sentenceError{msg: why.Error(), errs: []error{ErrDamaged, why}}
}

// isPrepbotFile reports, as an error wrapping ErrDamaged, when the file at
// path is not a prepbot database: empty, not a bbolt file, or a bbolt file
// without prepbot's meta bucket. It only reads the file.
func isPrepbotFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Size() == 0 {
		return notPrepbot(errors.New("the file is empty"))
	}
	db, err := openBolt(path, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		if errors.Is(err, ErrDamaged) {
			return err
		}
		return notPrepbot(err)
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return notPrepbot(fmt.Errorf("it is a bbolt file without prepbot's %q bucket", bucketMeta))
		}
		return nil
	})
}

// damage is what a damaged-file error found, without the sentence around
// it that names the file: the cause it wraps beside ErrDamaged, if any.
func damage(err error) error {
	var se *sentenceError
	if !errors.As(err, &se) {
		return nil
	}
	for _, e := range se.errs {
		var inner *sentenceError
		if e != ErrDamaged && !errors.As(e, &inner) {
			return e
		}
	}
	return nil
}

// keep hard-links the database to the first free name of
// dbPath.before-restore-<UTC time>, -2, -3…: two restores in the same second
// keep both files, and a link, unlike a rename, never replaces a file
// already there.
func keep(dbPath string, now time.Time) (string, error) {
	base := dbPath + ".before-restore-" + now.UTC().Format(backupStamp)
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		err := os.Link(dbPath, name)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) || n >= maxKeptPerSecond {
			return "", fmt.Errorf("boltstore: restore: keep the current database as %s: %w; nothing was changed", name, err)
		}
	}
}

// maxKeptPerSecond bounds the search for a free name, so a directory that
// refuses every name as taken cannot hold a restore forever.
const maxKeptPerSecond = 1000
