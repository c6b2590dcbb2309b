package boltstore

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the database to path while it stays in
// use: one read transaction's WriteTo (a snapshot that writers do not
// disturb), into a temporary file beside path, fsynced, then renamed over
// path and the directory fsynced, so path is always either the old file or
// the whole new one. It returns the size written.
func (s *Store) Backup(path string) (int64, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, fmt.Errorf("boltstore: backup: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".prepbot-backup-*")
	if err != nil {
		return 0, fmt.Errorf("boltstore: backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
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
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return 0, fmt.Errorf("boltstore: backup to %s: %w", path, err)
	}
	return n, nil
}

// backupPrefix and backupSuffix frame the names of rotated backups, whose
// middle is a UTC timestamp, so names sort by time.
const (
	backupPrefix = "prepbot-"
	backupSuffix = ".db"
	backupStamp  = "20060102-150405"
)

// BackupInto writes a backup named prepbot-<UTC time>.db into dir and then
// removes all but the newest keep backups there. Other files in dir are
// left alone.
func (s *Store) BackupInto(dir string, now time.Time, keep int) (string, error) {
	path := filepath.Join(dir, backupPrefix+now.UTC().Format(backupStamp)+backupSuffix)
	if _, err := s.Backup(path); err != nil {
		return "", err
	}
	if keep < 1 {
		keep = 1
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return path, fmt.Errorf("boltstore: rotate backups in %s: %w", dir, err)
	}
	var backups []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, backupPrefix) || !strings.HasSuffix(name, backupSuffix) {
			continue
		}
		if _, err := time.Parse(backupStamp, strings.TrimSuffix(strings.TrimPrefix(name, backupPrefix), backupSuffix)); err != nil {
			continue
		}
		backups = append(backups, name)
	}
	sort.Strings(backups)
	for _, name := range backups[:max(0, len(backups)-keep)] {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return path, fmt.Errorf("boltstore: rotate backups: %w", err)
		}
	}
	return path, nil
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
// from an older prepbot) and checked page by page. The file it replaces is
// kept as dbPath + ".before-restore-<time>", so a restore loses nothing.
func Restore(dbPath, backupPath string, now time.Time) (kept string, err error) {
	live, err := Open(dbPath, Options{LockTimeout: time.Second})
	if err != nil {
		return "", err // the lock message names the file and the other process
	}
	// Holding the live file's lock while verifying keeps a bot from starting
	// on it meanwhile.
	closed := false
	defer func() {
		if !closed {
			live.Close()
		}
	}()
	src, err := os.Open(backupPath)
	if err != nil {
		return "", fmt.Errorf("boltstore: restore: %w", err)
	}
	defer src.Close()
	dir := filepath.Dir(dbPath)
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
	candidate, err := Open(tmp.Name(), Options{LockTimeout: time.Second})
	if err != nil {
		return "", fmt.Errorf("boltstore: restore: %s is not a usable backup: %w", backupPath, err)
	}
	checkErr := candidate.Check()
	candidate.Close()
	if checkErr != nil {
		return "", fmt.Errorf("boltstore: restore: %s failed its check: %w", backupPath, checkErr)
	}
	closed = true
	if err := live.Close(); err != nil {
		return "", err
	}
	kept = dbPath + ".before-restore-" + now.UTC().Format(backupStamp)
	if err := os.Link(dbPath, kept); err != nil {
		return "", fmt.Errorf("boltstore: restore: keep the current database as %s: %w", kept, err)
	}
	if err := os.Rename(tmp.Name(), dbPath); err != nil {
		return "", fmt.Errorf("boltstore: restore: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("boltstore: restore: %w", err)
	}
	return kept, nil
}
