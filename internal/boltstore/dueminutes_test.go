package boltstore_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

// minuteOf is the start of t's minute in unix nanoseconds, rounded down
// (also before 1970): the histogram's key, worked out independently of the
// store.
func minuteOf(t time.Time) int64 {
	n := t.UnixNano()
	m := n / int64(time.Minute) * int64(time.Minute)
	if m > n {
		m -= int64(time.Minute)
	}
	return m
}

// histogramOf is the due histogram that the due times in the model should
// give.
func histogramOf(model map[prep.UserKey]map[string]time.Time) map[int64]uint64 {
	h := map[int64]uint64{}
	for _, cards := range model {
		for _, due := range cards {
			h[minuteOf(due)]++
		}
	}
	return h
}

// TestDueHistogramFollowsEveryWrite is a random walk over the writes that
// touch the due index: new states, moves to a new due time (often into a
// minute other states share), re-puts at the same time, deletes, deletes of
// missing states, damaged states overwritten or deleted, and transactions
// that fail after writing. After each step the histogram must be exactly
// what the states stored give, and Check must agree.
func TestDueHistogramFollowsEveryWrite(t *testing.T) {
	s := MustOpenTemp(t)
	rng := rand.New(rand.NewPCG(7, 8))
	users := []prep.UserKey{"telegram:1", "telegram:2", "slack:U1"}
	cardIDs := []string{"a", "b", "c", "d", "e", "f"}
	// Due times fall in a handful of minutes, before 1970 included, so
	// that minutes hold several states and counts go up and down.
	minutes := []time.Time{
		t0.Truncate(time.Minute), t0.Truncate(time.Minute).Add(time.Minute),
		t0.Truncate(time.Minute).Add(7 * 24 * time.Hour), time.Unix(-90, 0),
	}
	randomDue := func() time.Time {
		return minutes[rng.IntN(len(minutes))].Add(time.Duration(rng.Int64N(int64(time.Minute))))
	}
	// model holds, per user and card, the due time of the card's entry in
	// the due index; a damaged state keeps its entry at the old time.
	model := map[prep.UserKey]map[string]time.Time{}
	for _, u := range users {
		model[u] = map[string]time.Time{}
	}
	// damaged holds the states made unreadable and not yet written again;
	// repaired counts those then overwritten or deleted, the path that
	// finds the old entry by scanning the index.
	damaged := map[string]bool{}
	repaired := 0
	written := func(user prep.UserKey, id string) {
		if damaged[string(user)+" "+id] {
			delete(damaged, string(user)+" "+id)
			repaired++
		}
	}

	errRollback := errors.New("roll back")
	for step := range 400 {
		user := users[rng.IntN(len(users))]
		id := cardIDs[rng.IntN(len(cardIDs))]
		old, stored := model[user][id]
		var what string
		switch op := rng.IntN(10); {
		case op < 4:
			due := randomDue()
			if stored && rng.IntN(4) == 0 {
				due = old // a re-put at the same time
			}
			what = fmt.Sprintf("put %s %s at %v", user, id, due)
			MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutCardState(user, state(id, due)) })
			model[user][id] = due
			written(user, id)
		case op < 6:
			what = fmt.Sprintf("delete %s %s", user, id)
			err := s.Update(func(tx prep.Tx) error { return tx.DeleteCardState(user, id) })
			if stored != (err == nil) || !stored && !errors.Is(err, prep.ErrNotFound) {
				t.Fatalf("step %d: %s (stored: %v): %v", step, what, stored, err)
			}
			delete(model[user], id)
			written(user, id)
		case op < 7:
			if !stored {
				continue
			}
			what = fmt.Sprintf("damage %s %s", user, id)
			if err := boltstore.PutRawCardState(s, user, id, []byte(`{"due": 12}`)); err != nil {
				t.Fatal(err)
			}
			damaged[string(user)+" "+id] = true
		case op < 8:
			// Several moves in one transaction, the engine's shape.
			what = fmt.Sprintf("move all of %s", user)
			MustUpdate(t, s, func(tx prep.Tx) error {
				for _, id := range cardIDs {
					due := randomDue()
					if err := tx.PutCardState(user, state(id, due)); err != nil {
						return err
					}
					model[user][id] = due
					written(user, id)
				}
				return nil
			})
		default:
			what = fmt.Sprintf("failed update of %s %s", user, id)
			err := s.Update(func(tx prep.Tx) error {
				if err := tx.PutCardState(user, state(id, randomDue())); err != nil {
					return err
				}
				if err := tx.DeleteCardState(user, id); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatalf("step %d: %s: %v", step, what, err)
			}
		}
		got, err := boltstore.DueHistogram(s)
		if err != nil {
			t.Fatalf("step %d, after %s: %v", step, what, err)
		}
		if want := histogramOf(model); !maps.Equal(got, want) {
			t.Fatalf("step %d, after %s: histogram %v, want %v", step, what, got, want)
		}
		// A damaged state is primary damage, which Check reports as such;
		// its due entry, at the last time it was known, is not one more
		// problem. Without damage, the indexes must be right.
		err = s.Check()
		switch n := len(damaged); {
		case n == 0 && err != nil:
			t.Fatalf("step %d, after %s: Check: %v", step, what, err)
		case n == 0:
		case !errors.Is(err, boltstore.ErrDamaged) || errors.Is(err, boltstore.ErrStaleIndex) ||
			!strings.Contains(err.Error(), "cannot be decoded") || !strings.Contains(err.Error(), "restore a backup"):
			t.Fatalf("step %d, after %s: Check = %v; want the damaged state reported", step, what, err)
		case n == 1 && strings.Contains(err.Error(), "more problem"):
			t.Fatalf("step %d, after %s: Check = %v; want only the damaged state reported", step, what, err)
		case n > 1 && !strings.Contains(err.Error(), fmt.Sprintf("(and %d more problem", n-1)):
			t.Fatalf("step %d, after %s: Check = %v; want %d damaged states reported", step, what, err, n)
		}
	}
	if repaired < 10 {
		t.Errorf("the walk wrote over only %d damaged states; change the seed", repaired)
	}
}

// TestMigrateBuildsDueHistogram: a file as schema version 4 left it (no
// due_minutes bucket) gets the histogram of its due indexes when opened,
// JSON states and a damaged index key included.
func TestMigrateBuildsDueHistogram(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prepbot.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	model := map[prep.UserKey]map[string]time.Time{}
	rng := rand.New(rand.NewPCG(9, 10))
	MustUpdate(t, s, func(tx prep.Tx) error {
		for u := range 20 {
			user := prep.UserKey(fmt.Sprintf("telegram:%d", u))
			model[user] = map[string]time.Time{}
			for c := range 25 {
				due := t0.Add(time.Duration(rng.Int64N(int64(3 * time.Hour))))
				if u == 0 && c == 0 {
					due = t0 // the JSON state below says so too
				}
				if err := tx.PutCardState(user, state(fmt.Sprint("c", c), due)); err != nil {
					return err
				}
				model[user][fmt.Sprint("c", c)] = due
			}
		}
		return nil
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Version 4's layout is version 5's without the histogram.
	withBolt(t, path, func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("due_minutes")); err != nil {
			return err
		}
		// A state as a schema-3 build wrote it: its entry counts like any.
		const old = `{"due":"2026-03-14T08:26:53.589793238Z","stability":3.5,"difficulty":6.25,"scheduled_days":3,"reps":4,"lapses":1,"state":2,"last_review":"2026-03-11T08:00:00Z","remaining_steps":0}`
		if err := tx.Bucket([]byte("cards")).Bucket([]byte("telegram:0")).Put([]byte("c0"), []byte(old)); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, 4))
	})
	s = MustOpen(t, path)
	got, err := boltstore.DueHistogram(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := histogramOf(model); !maps.Equal(got, want) {
		t.Errorf("histogram after migration = %v, want %v", got, want)
	}
	before := t0.Add(time.Hour)
	want := 0
	for _, cards := range model {
		for _, due := range cards {
			if minuteOf(due) <= minuteOf(before) {
				want++
			}
		}
	}
	if n, err := s.DueCount(before); err != nil || n != want {
		t.Errorf("DueCount an hour in = %d, %v; want %d", n, err, want)
	}
	// The store, reopened after migrating, takes writes.
	MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutCardState("telegram:0", state("c1", before)) })
	model["telegram:0"]["c1"] = before
	if got, err := boltstore.DueHistogram(s); err != nil || !maps.Equal(got, histogramOf(model)) {
		t.Errorf("histogram after a write = %v, %v; want %v", got, err, histogramOf(model))
	}
	if err := s.Check(); err != nil {
		t.Errorf("Check after migration: %v", err)
	}
	MustView(t, s, func(tx prep.Tx) error {
		st, err := tx.CardState("telegram:0", "c0")
		if err != nil || !st.FSRS.Due.Equal(t0) {
			t.Errorf("the JSON state reads as due %v, %v; want %v", st.FSRS.Due, err, t0)
		}
		return nil
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	withBolt(t, path, func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema_version")); binary.BigEndian.Uint64(v) != 5 {
			t.Errorf("schema_version after migration = %x, want 5", v)
		}
		return nil
	})
}

// TestMigrateSkipsDamagedDueKey: a due-index key too short to hold a time
// does not keep the file from opening; Check names it.
func TestMigrateSkipsDamagedDueKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prepbot.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutCardState(alice, state("a", t0)) })
	s.Close()
	withBolt(t, path, func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("due_minutes")); err != nil {
			return err
		}
		if err := tx.Bucket([]byte("due")).Bucket([]byte(alice)).Put([]byte("short"), []byte{}); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, 4))
	})
	s = MustOpen(t, path)
	if n, err := s.DueCount(t0); err != nil || n != 1 {
		t.Errorf("DueCount = %d, %v; want 1", n, err)
	}
	err = s.Check()
	if !errors.Is(err, boltstore.ErrDamaged) || !strings.Contains(err.Error(), `"short"`) {
		t.Errorf("Check = %v; want ErrDamaged naming the key", err)
	}
}

// TestCheckFindsDueHistogramDrift: Check recounts the histogram and names
// the first minute that disagrees, however it drifted.
func TestCheckFindsDueHistogramDrift(t *testing.T) {
	minute := t0.Truncate(time.Minute)
	key := binary.BigEndian.AppendUint64(nil, uint64(minute.UnixNano())^(1<<63))
	later := binary.BigEndian.AppendUint64(nil, uint64(minute.Add(time.Hour).UnixNano())^(1<<63))
	count := func(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
	for _, tc := range []struct {
		name   string
		tamper func(h *bolt.Bucket) error
		want   []string
	}{
		{"count too high", func(h *bolt.Bucket) error { return h.Put(key, count(3)) },
			[]string{"counts 3 card states due in the minute 2026-03-14 08:26 UTC", "hold 2"}},
		{"minute missing", func(h *bolt.Bucket) error { return h.Delete(key) },
			[]string{"counts 0", "08:26 UTC", "hold 2"}},
		{"minute added", func(h *bolt.Bucket) error { return h.Put(later, count(1)) },
			[]string{"counts 1", "09:26 UTC", "hold 0"}},
		{"two minutes wrong", func(h *bolt.Bucket) error {
			if err := h.Put(later, count(1)); err != nil {
				return err
			}
			return h.Put(key, count(1))
		}, []string{"08:26 UTC", "(and 1 more problem)", "--repair"}},
		{"unreadable count", func(h *bolt.Bucket) error { return h.Put(key, []byte{2}) },
			[]string{"08:26 UTC", "cannot be read"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "prepbot.db")
			s, err := boltstore.Open(path, boltstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			MustUpdate(t, s, func(tx prep.Tx) error {
				for _, u := range []prep.UserKey{"telegram:1", "telegram:2"} {
					if err := tx.PutCardState(u, state("a", t0)); err != nil {
						return err
					}
				}
				return nil
			})
			if err := s.Check(); err != nil {
				t.Fatalf("Check before tampering: %v", err)
			}
			s.Close()
			withBolt(t, path, func(tx *bolt.Tx) error { return tc.tamper(tx.Bucket([]byte("due_minutes"))) })
			s = MustOpen(t, path)
			err = s.Check()
			if !errors.Is(err, boltstore.ErrDamaged) {
				t.Fatalf("Check = %v; want ErrDamaged", err)
			}
			for _, want := range append([]string{"boltstore: ", path, "due histogram"}, tc.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Check's error %q does not mention %q", err, want)
				}
			}
		})
	}
}

// TestDueHistogramWithStaleIndexEntry: when a state's record and its index
// entry disagree (damage that still decodes), writing the state again must
// neither uncount an entry that is not there nor count twice one that is.
func TestDueHistogramWithStaleIndexEntry(t *testing.T) {
	s := MustOpenTemp(t)
	later := t0.Add(time.Hour)
	MustUpdate(t, s, func(tx prep.Tx) error {
		if err := tx.PutCardState(alice, state("a", t0)); err != nil {
			return err
		}
		// Someone else's state in the minute the damaged record names.
		return tx.PutCardState("telegram:2", state("b", later))
	})
	// The record now says later, while the index still says t0.
	record := fmt.Sprintf(`{"due":%q}`, later.UTC().Format(time.RFC3339Nano))
	if err := boltstore.PutRawCardState(s, alice, "a", []byte(record)); err != nil {
		t.Fatal(err)
	}
	MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutCardState(alice, state("a", t0)) })
	got, err := boltstore.DueHistogram(s)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]uint64{minuteOf(t0): 1, minuteOf(later): 1}
	if !maps.Equal(got, want) {
		t.Errorf("histogram = %v, want %v", got, want)
	}
	if err := s.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}
