package boltstore_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"
	bolt "go.etcd.io/bbolt"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

func TestOpenCreatesPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "dir", "prepbot.db")
	s := MustOpen(t, path)
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode(); got != want {
			t.Errorf("mode of %s = %v, want %v", p, got, want)
		}
	}
}

func TestReopenKeepsCommittedData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prepbot.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	MustUpdate(t, s, func(tx prep.Tx) error {
		if err := tx.PutUser(prep.User{Key: alice, Name: "Alice"}); err != nil {
			return err
		}
		if err := tx.PutCardState(alice, state("c1", t0)); err != nil {
			return err
		}
		if _, err := tx.AppendReview(prep.Review{User: alice, CardID: "c1", Time: t0, Rating: prep.Good}); err != nil {
			return err
		}
		if _, err := tx.Deliver("tg:7", t0); err != nil {
			return err
		}
		return tx.SetCursor("telegram.offset", 77)
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = MustOpen(t, path)
	MustView(t, s, func(tx prep.Tx) error {
		if u, err := tx.User(alice); err != nil || u.Name != "Alice" {
			t.Errorf("User after reopen = %+v, %v", u, err)
		}
		if st, err := tx.CardState(alice, "c1"); err != nil || !sameState(st, state("c1", t0)) {
			t.Errorf("CardState after reopen = %+v, %v", st, err)
		}
		if due, err := collect(tx.Due(alice, t0)); err != nil || len(due) != 1 {
			t.Errorf("Due after reopen = %v, %v; want c1", ids(due), err)
		}
		if r, err := tx.LastReview(alice); err != nil || r.Seq != 1 {
			t.Errorf("LastReview after reopen = %+v, %v", r, err)
		}
		if v, err := tx.Cursor("telegram.offset"); err != nil || v != 77 {
			t.Errorf("Cursor after reopen = %d, %v", v, err)
		}
		return nil
	})
	MustUpdate(t, s, func(tx prep.Tx) error {
		if seen, err := tx.Deliver("tg:7", t0); err != nil || !seen {
			t.Errorf("Deliver of a delivery recorded before reopen = %v, %v; want seen", seen, err)
		}
		return nil
	})
}

func TestFailedUpdateChangesNothing(t *testing.T) {
	s := MustOpenTemp(t)
	MustUpdate(t, s, func(tx prep.Tx) error {
		if err := tx.PutUser(prep.User{Key: alice, Name: "before"}); err != nil {
			return err
		}
		return tx.PutCardState(alice, state("c1", t0))
	})

	errBoom := errors.New("boom")
	err := s.Update(func(tx prep.Tx) error {
		steps := []error{
			tx.PutUser(prep.User{Key: alice, Name: "after"}),
			tx.PutUser(prep.User{Key: "telegram:2"}),
			tx.PutCardState(alice, state("c1", t0.Add(48*time.Hour))),
			tx.PutCardState(alice, state("c2", t0)),
			tx.SetCursor("telegram.offset", 5),
		}
		_, err := tx.AppendReview(prep.Review{User: alice, CardID: "c1", Time: t0})
		steps = append(steps, err)
		_, err = tx.Deliver("tg:1", t0)
		steps = append(steps, err)
		if err := errors.Join(steps...); err != nil {
			t.Fatal(err)
		}
		return errBoom
	})
	if err != errBoom {
		t.Fatalf("Update returned %v, want fn's own error unchanged", err)
	}

	MustUpdate(t, s, func(tx prep.Tx) error {
		if u, _ := tx.User(alice); u.Name != "before" {
			t.Errorf("user name = %q, want %q", u.Name, "before")
		}
		if _, err := tx.User("telegram:2"); !errors.Is(err, prep.ErrNotFound) {
			t.Errorf("user created in the failed Update: err = %v", err)
		}
		if due, _ := collect(tx.Due(alice, t0)); !equalStrings(ids(due), "c1") {
			t.Errorf("Due = %v, want [c1] as before", ids(due))
		}
		if v, _ := tx.Cursor("telegram.offset"); v != 0 {
			t.Errorf("cursor = %d, want 0", v)
		}
		if _, err := tx.LastReview(alice); !errors.Is(err, prep.ErrNotFound) {
			t.Errorf("review appended in the failed Update: err = %v", err)
		}
		if seen, _ := tx.Deliver("tg:1", t0); seen {
			t.Error("delivery recorded in the failed Update")
		}
		return nil
	})
}

func equalStrings(got []string, want ...string) bool {
	return strings.Join(got, "\x00") == strings.Join(want, "\x00")
}

func TestLocked(t *testing.T) {
	tests := []struct {
		name       string
		timeout    time.Duration
		wantWaited string
	}{
		{"wait", 200 * time.Millisecond, "200ms"},
		{"do not wait", -1, "0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "prepbot.db")
			first := MustOpen(t, path)

			start := time.Now()
			s, err := boltstore.Open(path, boltstore.Options{LockTimeout: tt.timeout, Origin: "set by PREPBOT_DB"})
			if err == nil {
				s.Close()
				t.Fatal("a second Open of a held file succeeded")
			}
			if waited := time.Since(start); waited > tt.timeout+2*time.Second || waited < tt.timeout/2 {
				t.Errorf("Open gave up after %v, want about %v", waited, tt.timeout)
			}
			if !errors.Is(err, prep.ErrLocked) {
				t.Errorf("err = %v, want it to wrap prep.ErrLocked", err)
			}
			want := "boltstore: " + path + " (set by PREPBOT_DB) is in use by another prepbot process (waited " + tt.wantWaited + "); stop it or choose another path"
			if err.Error() != want {
				t.Errorf("error reads\n%q\nwant\n%q", err, want)
			}

			// Once the holder closes, the file opens.
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			MustOpen(t, path)
		})
	}
}

func TestOpenUnwritable(t *testing.T) {
	dir := t.TempDir()
	readOnly := filepath.Join(dir, "readonly")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(readOnly, 0o700) })
	// root writes into a 0500 directory anyway: find out rather than assume.
	probe := filepath.Join(readOnly, "probe")
	rootWrites := os.WriteFile(probe, nil, 0o600) == nil
	os.Remove(probe)

	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	existingDir := filepath.Join(dir, "isdir")
	if err := os.Mkdir(existingDir, 0o700); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		path     string
		skip     bool
		wantText string
	}{
		{"read-only directory", filepath.Join(readOnly, "prepbot.db"), rootWrites, "permission denied"},
		{"read-only directory, missing subdirectory", filepath.Join(readOnly, "sub", "prepbot.db"), rootWrites, "permission denied"},
		{"path under a regular file", filepath.Join(file, "sub", "prepbot.db"), false, "not a directory"},
		{"path is a directory", existingDir, false, "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip {
				t.Skip("running as root: permissions do not stop writes")
			}
			s, err := boltstore.Open(tt.path, boltstore.Options{Origin: "set by --db"})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			t.Log(err)
			msg := err.Error()
			for _, want := range []string{"boltstore: ", tt.path + " (set by --db)", tt.wantText} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
		})
	}
}

// TestOpenMustExist checks that a command which only reads the database
// refuses a path with no file, naming it and its origin, and creates
// nothing, while an existing file opens as usual.
func TestOpenMustExist(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "prepbot.db")
	MustOpen(t, existing).Close()
	tests := []struct {
		name    string
		path    string
		created string // what must still not exist afterwards
	}{
		{"missing file", filepath.Join(dir, "nonexist.db"), filepath.Join(dir, "nonexist.db")},
		{"missing directory", filepath.Join(dir, "x", "nonexist.db"), filepath.Join(dir, "x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := boltstore.Open(tt.path, boltstore.Options{MustExist: true, Origin: "set by PREPBOT_DB"})
			if err == nil {
				s.Close()
				t.Fatal("Open of a missing file succeeded")
			}
			if !errors.Is(err, boltstore.ErrNoDatabase) {
				t.Errorf("err = %v, want it to wrap ErrNoDatabase", err)
			}
			want := "boltstore: there is no database at " + tt.path + " (set by PREPBOT_DB); check the path"
			if err.Error() != want {
				t.Errorf("error reads\n%q\nwant\n%q", err, want)
			}
			if _, err := os.Stat(tt.created); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s exists after a refused Open (stat: %v)", tt.created, err)
			}
		})
	}
	s, err := boltstore.Open(existing, boltstore.Options{MustExist: true})
	if err != nil {
		t.Fatalf("an existing database: %v", err)
	}
	s.Close()
}

func TestOpenNotADatabase(t *testing.T) {
	random := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		// keepsLock: bbolt panics inside its Open, leaving the file mapped
		// and so locked until the process exits (see Open).
		keepsLock bool
	}{
		{"a text file", func(t *testing.T, path string) {
			writeFile(t, path, []byte("# my interview notes\n"))
		}, false},
		{"random bytes", func(t *testing.T, path string) { writeFile(t, path, random) }, false},
		{"another program's bbolt file", func(t *testing.T, path string) {
			withBolt(t, path, func(tx *bolt.Tx) error {
				_, err := tx.CreateBucket([]byte("something-else"))
				return err
			})
		}, false},
		{"prepbot file with damaged pages", func(t *testing.T, path string) {
			s, err := boltstore.Open(path, boltstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			MustUpdate(t, s, func(tx prep.Tx) error {
				for i := range 200 {
					if err := tx.PutCardState(alice, state(string(rune('a'+i%26))+string(rune(i)), t0)); err != nil {
						return err
					}
				}
				return nil
			})
			s.Close()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Keep the two meta pages, so bbolt trusts the file, and
			// overwrite everything they point to.
			for i := 2 * os.Getpagesize(); i < len(data); i += len(random) {
				copy(data[i:], random)
			}
			writeFile(t, path, data)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "prepbot.db")
			tt.setup(t, path)
			s, err := boltstore.Open(path, boltstore.Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			t.Log(err)
			if !errors.Is(err, boltstore.ErrDamaged) {
				t.Errorf("err = %v, want ErrDamaged", err)
			}
			msg := err.Error()
			for _, want := range []string{"boltstore: " + path + " is not a prepbot database or is damaged: ", "; restore a backup or move it aside"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			// The failed Open released the file's lock: trying again without
			// waiting finds the damage again, not a lock.
			want := boltstore.ErrDamaged
			if tt.keepsLock {
				want = prep.ErrLocked
			}
			if _, err := boltstore.Open(path, boltstore.Options{LockTimeout: -1}); !errors.Is(err, want) {
				t.Errorf("second Open: err = %v, want %v", err, want)
			}
		})
	}
}

func TestOpenNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prepbot.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	withBolt(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, 99))
	})

	s, err = boltstore.Open(path, boltstore.Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	t.Log(err)
	if !errors.Is(err, boltstore.ErrNewerSchema) {
		t.Errorf("err = %v, want ErrNewerSchema", err)
	}
	for _, want := range []string{"boltstore: ", path, "schema version 99", "upgrade prepbot"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestDamagedRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prepbot.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	MustUpdate(t, s, func(tx prep.Tx) error {
		for _, k := range []prep.UserKey{"telegram:1", "telegram:2", "telegram:3"} {
			if err := tx.PutUser(prep.User{Key: k, WakeAt: t0.Add(-time.Hour)}); err != nil {
				return err
			}
		}
		return tx.PutCardState(alice, state("bad", t0))
	})
	s.Close()
	withBolt(t, path, func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("users")).Put([]byte("telegram:2"), []byte("{not json")); err != nil {
			return err
		}
		return tx.Bucket([]byte("cards")).Bucket([]byte(alice)).Put([]byte("bad"), []byte(`{"due": 12}`))
	})

	s = MustOpen(t, path)
	MustView(t, s, func(tx prep.Tx) error {
		var keys []prep.UserKey
		var errs []error
		for u, err := range tx.Users() {
			if err != nil {
				errs = append(errs, err)
				continue // a damaged record does not end the listing
			}
			keys = append(keys, u.Key)
		}
		if len(keys) != 2 || len(errs) != 1 {
			t.Fatalf("Users() = %v and errors %v; want 2 users and 1 error", keys, errs)
		}
		for _, want := range []string{"boltstore: ", "users", `"telegram:2"`} {
			if !strings.Contains(errs[0].Error(), want) {
				t.Errorf("decode error %q does not mention %q", errs[0], want)
			}
		}
		if _, err := tx.CardState(alice, "bad"); err == nil || !strings.Contains(err.Error(), "cards/"+string(alice)) {
			t.Errorf("CardState of a damaged record: err = %v, want one naming the bucket", err)
		}
		if _, err := collect(tx.Due(alice, t0)); err == nil {
			t.Error("Due over a damaged record yielded no error")
		}
		if _, err := collect(tx.Waking(t0)); err == nil {
			t.Error("Waking over a damaged user yielded no error")
		}
		return nil
	})
	// Damaged records can still be replaced, and the indexes keep one entry
	// per record.
	MustUpdate(t, s, func(tx prep.Tx) error {
		if err := tx.PutUser(prep.User{Key: "telegram:2", WakeAt: t0}); err != nil {
			return err
		}
		return tx.PutCardState(alice, state("bad", t0.Add(time.Hour)))
	})
	MustView(t, s, func(tx prep.Tx) error {
		due, err := collect(tx.Due(alice, t0.Add(24*time.Hour)))
		if err != nil || !equalStrings(ids(due), "bad") {
			t.Errorf("Due after repair = %v, %v; want [bad]", ids(due), err)
		}
		// telegram:2's old entry (an hour earlier) is gone.
		waking, err := collect(tx.Waking(t0))
		var keys []string
		for _, u := range waking {
			keys = append(keys, string(u.Key))
		}
		if err != nil || !equalStrings(keys, "telegram:1", "telegram:3", "telegram:2") {
			t.Errorf("Waking after repair = %v, %v; want [telegram:1 telegram:3 telegram:2]", keys, err)
		}
		return nil
	})
	if err := s.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestCheckAfterWorkload(t *testing.T) {
	s := MustOpenTemp(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 20 {
		MustUpdate(t, s, func(tx prep.Tx) error {
			for i := range 50 {
				id := string(rune('a' + rng.IntN(26)))
				user := prep.NewUserKey(prep.Telegram, string(rune('0'+round%3)))
				st := state(id, t0.Add(time.Duration(rng.IntN(1000))*time.Minute))
				if err := tx.PutCardState(user, st); err != nil {
					return err
				}
				if _, err := tx.AppendReview(prep.Review{User: user, CardID: id, Time: t0.Add(time.Duration(i) * time.Second), After: st}); err != nil {
					return err
				}
				if rng.IntN(4) == 0 {
					if err := tx.DeleteCardState(user, id); err != nil {
						return err
					}
				}
				if _, err := tx.Deliver(string(rune(round*100+i)), t0.Add(time.Duration(round)*time.Hour)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if _, err := s.PruneDeliveries(t0.Add(10 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Errorf("Check after workload: %v", err)
	}
	// Each card state has exactly one due entry.
	MustView(t, s, func(tx prep.Tx) error {
		for _, id := range []string{"0", "1", "2"} {
			user := prep.NewUserKey(prep.Telegram, id)
			states, err := collect(tx.CardStates(user))
			if err != nil {
				return err
			}
			due, err := collect(tx.Due(user, t0.Add(10000*time.Hour)))
			if err != nil {
				return err
			}
			if len(due) != len(states) {
				t.Errorf("%s: %d due entries for %d card states", user, len(due), len(states))
			}
		}
		return nil
	})
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// withBolt edits a closed store's file with bbolt itself, the way a damaged
// file or a newer prepbot would leave it.
func withBolt(t *testing.T, path string, fn func(*bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateFromSchema1(t *testing.T) {
	// A file as schema version 1 left it: no wake bucket.
	path := filepath.Join(t.TempDir(), "prepbot.db")
	withBolt(t, path, func(tx *bolt.Tx) error {
		for _, name := range []string{"meta", "users", "cards", "due", "reviews", "deliveries", "delivery_times", "cursors"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		if err := tx.Bucket([]byte("meta")).Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, 1)); err != nil {
			return err
		}
		users := tx.Bucket([]byte("users"))
		for k, v := range map[string]string{
			"telegram:1": `{"Key":"telegram:1","WakeAt":"2026-03-14T08:00:00Z"}`,
			"telegram:2": `{"Key":"telegram:2","Name":"no wake-up"}`,
			"telegram:3": `{"Key":"telegram:3","WakeAt":"2026-03-15T08:00:00Z"}`,
			"telegram:9": `{"Key":`, // damaged: skipped, not fatal
		} {
			if err := users.Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})

	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	MustView(t, s, func(tx prep.Tx) error {
		for before, want := range map[time.Time]int{t0: 1, t0.Add(48 * time.Hour): 2} {
			var got []prep.UserKey
			for u, err := range tx.Waking(before) {
				if err != nil {
					return err
				}
				got = append(got, u.Key)
			}
			if len(got) != want || got[0] != "telegram:1" {
				t.Errorf("Waking(%v) after migration = %v, want %d users from telegram:1", before, got, want)
			}
		}
		return nil
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	withBolt(t, path, func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema_version")); binary.BigEndian.Uint64(v) != 5 {
			t.Errorf("schema_version after migration = %x, want 5 (every migration applied)", v)
		}
		if tx.Bucket([]byte("links")) == nil {
			t.Error("migration 3 did not create the links bucket")
		}
		if tx.Bucket([]byte("due_minutes")) == nil {
			t.Error("migration 5 did not create the due_minutes bucket")
		}
		return nil
	})
	MustOpen(t, path) // and an up-to-date file opens without migrating
}

// TestJSONCardStatesAreReadAndRewritten: card states a schema-3 build wrote
// as JSON still read, list as due, move in the due index when changed and
// are binary once written again.
func TestJSONCardStatesAreReadAndRewritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prepbot.db")
	s := MustOpen(t, path)
	user := prep.UserKey("telegram:1")
	MustUpdate(t, s, func(tx prep.Tx) error {
		return tx.PutCardState(user, prep.CardState{CardID: "sql1", FSRS: fsrs.Card{Due: t0, Reps: 1}})
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	due := t0.UTC()
	const old = `{"due":"2026-03-14T08:26:53.589793238Z","stability":3.5,"difficulty":6.25,"scheduled_days":3,"reps":4,"lapses":1,"state":2,"last_review":"2026-03-11T08:00:00Z","remaining_steps":0,"suspended":true}`
	withBolt(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("cards")).Bucket([]byte(user)).Put([]byte("sql1"), []byte(old))
	})
	want := prep.CardState{CardID: "sql1", Suspended: true, FSRS: fsrs.Card{
		Due: due, Stability: 3.5, Difficulty: 6.25, ScheduledDays: 3, Reps: 4, Lapses: 1, State: fsrs.Review,
		LastReview: time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC),
	}}
	s = MustOpen(t, path)
	MustView(t, s, func(tx prep.Tx) error {
		got, err := tx.CardState(user, "sql1")
		if err != nil {
			return err
		}
		if !sameState(got, want) {
			t.Errorf("JSON state read as %+v, want %+v", got, want)
		}
		if d, err := collect(tx.Due(user, due)); err != nil || len(d) != 1 || !sameState(d[0], want) {
			t.Errorf("Due = %v, %v; want the JSON state", ids(d), err)
		}
		return nil
	})
	moved := want
	moved.FSRS.Due = due.Add(72 * time.Hour)
	MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutCardState(user, moved) })
	MustView(t, s, func(tx prep.Tx) error {
		if d, err := collect(tx.Due(user, due.Add(71*time.Hour))); err != nil || len(d) != 0 {
			t.Errorf("the old due entry is left: %v, %v", ids(d), err)
		}
		if d, err := collect(tx.Due(user, moved.FSRS.Due)); err != nil || len(d) != 1 || !sameState(d[0], moved) {
			t.Errorf("Due after the move = %v, %v", ids(d), err)
		}
		return nil
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	withBolt(t, path, func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("cards")).Bucket([]byte(user)).Get([]byte("sql1")); len(v) == 0 || v[0] != 0x01 {
			t.Errorf("rewritten state is %q, want the binary form", v)
		}
		return nil
	})
}

// TestOpeningACurrentFileWritesNothing: a file at this schema version is
// only read by Open, so a start or a read-only command leaves its bytes
// alone (and waits for no fsync).
func TestOpeningACurrentFileWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prepbot.db")
	s := MustOpen(t, path)
	MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutUser(prep.User{Key: "terminal:ada", Name: "Ada"}) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s := MustOpen(t, path)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("opening an up-to-date file changed it")
	}
}

// TestReviewKeepsAnExercisesAttempts: a review stores the exercise's record
// (hints, wrong results) and reads it back; a flashcard's review stores
// none, so its JSON has no "attempts" and older builds read it as before.
func TestReviewKeepsAnExercisesAttempts(t *testing.T) {
	s := MustOpenTemp(t)
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ex := prep.Review{User: "terminal:ada", CardID: "sql-joins", Time: at, Rating: prep.Again,
		After: state("sql-joins", at.Add(time.Hour)), Attempts: prep.ExerciseAttempts{Hints: 2, Wrong: 1}}
	card := prep.Review{User: "terminal:ada", CardID: "sql1", Time: at.Add(time.Minute), Rating: prep.Good, After: state("sql1", at.Add(time.Hour))}
	MustUpdate(t, s, func(tx prep.Tx) error {
		for _, r := range []prep.Review{ex, card} {
			if _, err := tx.AppendReview(r); err != nil {
				return err
			}
		}
		return nil
	})
	var got []prep.Review
	MustView(t, s, func(tx prep.Tx) error {
		var err error
		got, err = collect(tx.Reviews("terminal:ada", time.Time{}))
		return err
	})
	if len(got) != 2 || got[0].Attempts != ex.Attempts || got[1].Attempts != (prep.ExerciseAttempts{}) {
		t.Fatalf("reviews read back: %+v", got)
	}
	raw, err := boltstore.DumpBuckets(s, "reviews")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range raw {
		n += strings.Count(v, `"attempts"`)
	}
	if n != 1 {
		t.Errorf("%d stored reviews carry \"attempts\", want only the exercise's:\n%v", n, raw)
	}
}
