package boltstore_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

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

// TestBackupIntoTheSameSecondKeepsBoth: a second backup within the same
// second gets its own name, -2, -3…, where it used to replace the first
// silently; and rotation counts those names, oldest first (-10 after -9).
func TestBackupIntoTheSameSecondKeepsBoth(t *testing.T) {
	dir := t.TempDir()
	s := MustOpen(t, filepath.Join(dir, "prepbot.db"))
	backups := filepath.Join(dir, "backups")
	t0 := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutUser(prep.User{Key: "telegram:1", Name: "first"}) })
	first, err := s.BackupInto(backups, t0, 7)
	if err != nil {
		t.Fatal(err)
	}
	MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutUser(prep.User{Key: "telegram:2", Name: "second"}) })
	second, err := s.BackupInto(backups, t0.Add(500*time.Millisecond), 7)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(first) != "prepbot-20261102-030000.db" || filepath.Base(second) != "prepbot-20261102-030000-2.db" {
		t.Fatalf("backups named %s and %s", first, second)
	}
	for path, users := range map[string]int{first: 1, second: 2} {
		b := MustOpen(t, path)
		n, err := b.Count()
		if err != nil {
			t.Fatal(err)
		}
		if n.Users != users {
			t.Errorf("%s holds %d users, want %d", path, n.Users, users)
		}
		b.Close()
	}

	// Eleven within one second, then one a second later: the newest three
	// stay.
	for range 9 {
		if _, err := s.BackupInto(backups, t0, 3); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.BackupInto(backups, t0.Add(time.Second), 3); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(backups)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"prepbot-20261102-030000-10.db", "prepbot-20261102-030000-11.db", "prepbot-20261102-030001.db"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("backups = %v, want %v", names, want)
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
	if _, err := boltstore.Restore(db, backup, time.Now(), boltstore.Options{}); !errors.Is(err, prep.ErrLocked) {
		t.Fatalf("restore while held: %v", err)
	}
	s.Close()

	// A garbage backup is refused and the database is untouched.
	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, []byte("not a database at all, sorry"), 0o600)
	if _, err := boltstore.Restore(db, garbage, time.Now(), boltstore.Options{}); err == nil {
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

	kept, err := boltstore.Restore(db, backup, time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC), boltstore.Options{})
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

// userName reads telegram:1's name from the database at path, which must
// not be held.
func userName(t *testing.T, path string) string {
	t.Helper()
	s, err := boltstore.Open(path, boltstore.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var u prep.User
	MustView(t, s, func(tx prep.Tx) (err error) { u, err = tx.User("telegram:1"); return err })
	return u.Name
}

// newDatabase writes a closed database at path whose telegram:1 is called
// name.
func newDatabase(t *testing.T, path, name string) {
	t.Helper()
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutUser(prep.User{Key: "telegram:1", Name: name}) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRestoreTwiceInOneSecondKeepsBoth checks that restores sharing a
// second (the kept file's name has one-second resolution) each keep the
// file they replaced under a name of its own, and never replace a file kept
// before.
func TestRestoreTwiceInOneSecondKeepsBoth(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "prepbot.db")
	newDatabase(t, db, "live")
	first := filepath.Join(dir, "first.db")
	newDatabase(t, first, "first")
	second := filepath.Join(dir, "second.db")
	newDatabase(t, second, "second")
	now := time.Date(2026, 11, 29, 9, 56, 37, 0, time.UTC)

	kept1, err := boltstore.Restore(db, first, now, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kept2, err := boltstore.Restore(db, second, now.Add(500*time.Millisecond), boltstore.Options{})
	if err != nil {
		t.Fatalf("the second restore in the same second: %v", err)
	}
	if want := db + ".before-restore-20261129-095637"; kept1 != want {
		t.Errorf("first kept as %s, want %s", kept1, want)
	}
	if want := db + ".before-restore-20261129-095637-2"; kept2 != want {
		t.Errorf("second kept as %s, want %s", kept2, want)
	}
	if n := userName(t, kept1); n != "live" {
		t.Errorf("%s holds %q, want the database the first restore replaced", kept1, n)
	}
	if n := userName(t, kept2); n != "first" {
		t.Errorf("%s holds %q, want the database the second restore replaced", kept2, n)
	}
	if n := userName(t, db); n != "second" {
		t.Errorf("the database holds %q after the second restore", n)
	}
}

// TestRestoreRefusesWhatIsNotABackup checks that a file which is not a
// prepbot backup is refused with a message that names it (not the
// verification copy), says what is wrong with it and that nothing changed,
// and that nothing did.
func TestRestoreRefusesWhatIsNotABackup(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, path string)
		wantErr error
		want    string
	}{
		{"a text file", func(t *testing.T, path string) {
			writeFile(t, path, []byte("not a database at all, sorry"))
		}, boltstore.ErrDamaged, "is not a prepbot database, or it is damaged"},
		{"another program's bbolt file", func(t *testing.T, path string) {
			withBolt(t, path, func(tx *bolt.Tx) error {
				_, err := tx.CreateBucket([]byte("something-else"))
				return err
			})
		}, boltstore.ErrDamaged, "is not a prepbot database, or it is damaged"},
		{"an empty file", func(t *testing.T, path string) {
			writeFile(t, path, nil)
		}, boltstore.ErrDamaged, "is not a prepbot database, or it is damaged (the file is empty)"},
		{"5,000 random bytes", func(t *testing.T, path string) {
			b := make([]byte, 5000)
			for i := range b {
				b[i] = byte(i*7 + i/13)
			}
			writeFile(t, path, b)
		}, boltstore.ErrDamaged, "is not a prepbot database, or it is damaged"},
		{"an empty bbolt file", func(t *testing.T, path string) {
			withBolt(t, path, func(*bolt.Tx) error { return nil })
		}, boltstore.ErrDamaged, "is not a prepbot database, or it is damaged (it is a bbolt file without prepbot's \"meta\" bucket)"},
		{"a directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, boltstore.ErrDamaged, "is a directory, not a backup file"},
		{"a newer prepbot's database", func(t *testing.T, path string) {
			newDatabase(t, path, "future")
			withBolt(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, 99))
			})
		}, boltstore.ErrNewerSchema, "was written by a newer prepbot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "prepbot.db")
			newDatabase(t, db, "live")
			bad := filepath.Join(t.TempDir(), "bk.db")
			tt.setup(t, bad)

			_, err := boltstore.Restore(db, bad, time.Now(), boltstore.Options{})
			if err == nil {
				t.Fatal("restored")
			}
			t.Log(err)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want it to wrap %v", err, tt.wantErr)
			}
			msg := err.Error()
			if want := "boltstore: restore: " + bad + " " + tt.want; !strings.HasPrefix(msg, want) {
				t.Errorf("error %q does not start %q", msg, want)
			}
			if !strings.HasSuffix(msg, "; nothing was changed") {
				t.Errorf("error %q does not say that nothing changed", msg)
			}
			for _, wrong := range []string{".prepbot-restore", "move it aside"} {
				if strings.Contains(msg, wrong) {
					t.Errorf("error %q mentions %q", msg, wrong)
				}
			}
			if n := userName(t, db); n != "live" {
				t.Errorf("the database holds %q after a refused restore", n)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("files left beside the database: %v", entries)
			}
		})
	}
}

// TestRestoreOntoNoDatabase checks that restoring where there is no database
// yet (a new machine) puts the backup there and keeps nothing, rather than
// first creating an empty database to keep.
func TestRestoreOntoNoDatabase(t *testing.T) {
	dir := t.TempDir()
	backup := filepath.Join(dir, "bk.db")
	newDatabase(t, backup, "saved")
	db := filepath.Join(dir, "new", "prepbot.db")
	kept, err := boltstore.Restore(db, backup, time.Now(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if kept != "" {
		t.Errorf("kept %q, want nothing", kept)
	}
	if n := userName(t, db); n != "saved" {
		t.Errorf("the restored database holds %q", n)
	}
	if entries, _ := os.ReadDir(filepath.Dir(db)); len(entries) != 1 {
		t.Errorf("want only the database in %s, got %v", filepath.Dir(db), entries)
	}
}

// TestBackupReplacesOnlyABackup: a backup may replace an older backup at
// its path, but never another file or a directory.
func TestBackupReplacesOnlyABackup(t *testing.T) {
	s := MustOpenTemp(t)
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	writeFile(t, notes, []byte("my interview notes"))
	if _, err := s.Backup(notes); !errors.Is(err, boltstore.ErrBackupTarget) {
		t.Errorf("backup over a text file: %v, want ErrBackupTarget", err)
	}
	if b, _ := os.ReadFile(notes); string(b) != "my interview notes" {
		t.Errorf("the text file now holds %q", b)
	}
	if _, err := s.Backup(dir); !errors.Is(err, boltstore.ErrBackupTarget) {
		t.Errorf("backup onto a directory: %v, want ErrBackupTarget", err)
	}
	old := filepath.Join(dir, "bk.db")
	for range 2 { // the second replaces the first
		if _, err := s.Backup(old); err != nil {
			t.Fatalf("backup over an older backup: %v", err)
		}
	}
}

// TestRestoreRefusesTheDatabaseItself: "restoring" the database from
// itself used to be accepted, keeping a copy as if a backup had replaced
// it; it is refused with nothing changed, also through another path to
// the same file.
func TestRestoreRefusesTheDatabaseItself(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "prepbot.db")
	newDatabase(t, db, "live")
	for _, path := range []string{db, filepath.Join(dir, ".", "prepbot.db")} {
		_, err := boltstore.Restore(db, path, time.Now(), boltstore.Options{})
		if err == nil || !strings.Contains(err.Error(), "is the database itself") || !strings.HasSuffix(err.Error(), "nothing was changed") {
			t.Errorf("restore from %s: %v", path, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files beside the database: %v", entries)
	}
}
