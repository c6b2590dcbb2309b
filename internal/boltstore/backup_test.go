package boltstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

func countReviews(t *testing.T, s prep.Store, user prep.UserKey) int {
	t.Helper()
	n := 0
	MustView(t, s, func(tx prep.Tx) error {
		for _, err := range tx.Reviews(user, time.Time{}) {
			if err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n
}

func TestBackupDuringWritesIsConsistentAndComplete(t *testing.T) {
	dir := t.TempDir()
	s := MustOpen(t, filepath.Join(dir, "prepbot.db"))
	const user = prep.UserKey("telegram:1")
	var confirmed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			err := s.Update(func(tx prep.Tx) error {
				_, err := tx.AppendReview(prep.Review{User: user, CardID: "c", Time: t0.Add(time.Duration(i) * time.Second), Rating: prep.Good})
				return err
			})
			if err != nil {
				t.Error(err)
				return
			}
			confirmed.Add(1)
		}
	}()
	for confirmed.Load() < 50 {
		time.Sleep(time.Millisecond)
	}
	before := confirmed.Load()
	backup := filepath.Join(dir, "backups", "b.db")
	if _, err := s.Backup(backup); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()

	b := MustOpen(t, backup)
	if err := b.Check(); err != nil {
		t.Fatalf("backup fails its check: %v", err)
	}
	if n := countReviews(t, b, user); int64(n) < before {
		t.Fatalf("backup holds %d reviews, but %d were confirmed before it started", n, before)
	}
	if entries, _ := os.ReadDir(filepath.Dir(backup)); len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestBackupIntoKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	s := MustOpen(t, filepath.Join(dir, "prepbot.db"))
	backups := filepath.Join(dir, "backups")
	os.MkdirAll(backups, 0o700)
	os.WriteFile(filepath.Join(backups, "notes.txt"), []byte("mine"), 0o600)
	t0 := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	var last string
	for i := range 5 {
		p, err := s.BackupInto(backups, t0.AddDate(0, 0, i), 3)
		if err != nil {
			t.Fatal(err)
		}
		last = p
	}
	entries, _ := os.ReadDir(backups)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"notes.txt", "prepbot-20261104-030000.db", "prepbot-20261105-030000.db", "prepbot-20261106-030000.db"}
	if len(names) != len(want) {
		t.Fatalf("backups dir = %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("backups dir = %v, want %v", names, want)
		}
	}
	if filepath.Base(last) != "prepbot-20261106-030000.db" {
		t.Fatalf("last backup %s", last)
	}
}

func TestRestore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "prepbot.db")
	s := MustOpen(t, db)
	MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutUser(prep.User{Key: "telegram:1", Name: "old"}) })
	backup := filepath.Join(dir, "good.db")
	if _, err := s.Backup(backup); err != nil {
		t.Fatal(err)
	}
	MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutUser(prep.User{Key: "telegram:1", Name: "new"}) })

	// Refused while the database is held.
	if _, err := boltstore.Restore(db, backup, time.Now()); !errors.Is(err, prep.ErrLocked) {
		t.Fatalf("restore while held: %v", err)
	}
	s.Close()

	// A garbage backup is refused and the database is untouched.
	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, []byte("not a database at all, sorry"), 0o600)
	if _, err := boltstore.Restore(db, garbage, time.Now()); err == nil {
		t.Fatal("a garbage backup was restored")
	}
	name := func() string {
		s := MustOpen(t, db)
		defer s.Close()
		var u prep.User
		MustView(t, s, func(tx prep.Tx) (err error) { u, err = tx.User("telegram:1"); return err })
		return u.Name
	}
	if n := name(); n != "new" {
		t.Fatalf("after a refused restore the user is %q", n)
	}

	kept, err := boltstore.Restore(db, backup, time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if n := name(); n != "old" {
		t.Fatalf("after restore the user is %q, want the backup's", n)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Fatalf("the replaced database was not kept: %v", err)
	}
}
