package boltstore_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

// The users of the repair tests besides alice: bob wakes up, carol has no
// wake-up and no card states.
const (
	bob   = prep.UserKey("telegram:2002")
	carol = prep.UserKey("slack:U3")
)

// The buckets holding records the derived indexes are built from, and
// everything else RepairIndexes must leave alone; and the derived indexes.
var (
	primaryBuckets = []string{"meta", "users", "cards", "reviews", "deliveries", "delivery_times", "cursors", "links"}
	derivedBuckets = []string{"due", "due_minutes", "wake"}
)

// timeKey is a time as index keys hold it (doc.go), worked out here rather
// than by the store: big-endian unix nanoseconds with the sign bit flipped.
func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())^(1<<63))
}

// indexKey is an index entry: a time, then a card ID or a user key.
func indexKey(t time.Time, suffix string) []byte {
	return append(timeKey(t), suffix...)
}

// minuteCount is a due histogram value.
func minuteCount(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// mustRepairFixture writes a closed store at a fresh path holding three
// users (alice and bob wake up, carol does not), card states for alice and
// bob, two of them in one minute, and reviews. It returns the path.
func mustRepairFixture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prepbot.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	MustUpdate(t, s, func(tx prep.Tx) error {
		for _, u := range []prep.User{
			{Key: alice, WakeAt: t0.Add(2 * time.Hour)},
			{Key: bob, WakeAt: t0},
			{Key: carol},
		} {
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		for _, c := range []struct {
			user prep.UserKey
			st   prep.CardState
		}{
			{alice, state("a", t0)},
			{alice, state("b", t0.Add(time.Hour))},
			{alice, state("c", t0.Add(time.Hour+time.Second))},
			{bob, state("x", t0)},
		} {
			if err := tx.PutCardState(c.user, c.st); err != nil {
				return err
			}
			if _, err := tx.AppendReview(prep.Review{User: c.user, CardID: c.st.CardID, Time: t0.Add(-time.Hour), Rating: prep.Good, After: c.st}); err != nil {
				return err
			}
		}
		return nil
	})
	if err := s.Check(); err != nil {
		t.Fatalf("Check of the fixture: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustDump is DumpBuckets of an open store, failing the test on an error.
func mustDump(t *testing.T, s *boltstore.Store, names ...string) map[string]string {
	t.Helper()
	d, err := boltstore.DumpBuckets(s, names...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRepairIndexes damages each derived index in its own way, by writing
// the file with bbolt directly, and checks the whole cycle: Check names the
// problem as one that --repair fixes, RepairIndexes reports exactly what it
// changed, the indexes are then byte for byte what the store's own writes
// had made, Check passes, the records are untouched, and a second repair
// finds nothing to do.
func TestRepairIndexes(t *testing.T) {
	due := func(user prep.UserKey) []byte { return []byte(user) }
	for _, tc := range []struct {
		name   string
		tamper func(tx *bolt.Tx) error
		want   boltstore.RepairReport
		// check lists what Check's message must say.
		check []string
	}{
		{
			name: "due entry missing",
			tamper: func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("due")).Bucket(due(alice)).Delete(indexKey(t0, "a"))
			},
			want:  boltstore.RepairReport{Due: boltstore.IndexRepair{Added: 1}},
			check: []string{`the due index of "telegram:1001" lacks card "a"`, "2026-03-14T08:26:53.589793238Z", "(and 1 more problem)"},
		},
		{
			name: "due entry without a card state",
			tamper: func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("due")).Bucket(due(alice)).Put(indexKey(t0.Add(3*time.Hour), "gone"), []byte{})
			},
			want:  boltstore.RepairReport{Due: boltstore.IndexRepair{Removed: 1}},
			check: []string{`has card "gone"`, "which has no card state"},
		},
		{
			name: "due entry at the wrong time",
			tamper: func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte("due")).Bucket(due(alice))
				if err := b.Delete(indexKey(t0.Add(time.Hour), "b")); err != nil {
					return err
				}
				return b.Put(indexKey(t0.Add(5*time.Hour), "b"), []byte{})
			},
			want:  boltstore.RepairReport{Due: boltstore.IndexRepair{Added: 1, Removed: 1}},
			check: []string{`has card "b" due at 2026-03-14T13:26:53.589793238Z, but its state is due 2026-03-14T09:26:53.589793238Z`},
		},
		{
			name: "second due entry for a card",
			tamper: func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("due")).Bucket(due(bob)).Put(indexKey(t0.Add(-time.Hour), "x"), []byte{})
			},
			want:  boltstore.RepairReport{Due: boltstore.IndexRepair{Removed: 1}},
			check: []string{`has card "x" at 2026-03-14T07:26:53.589793238Z too`},
		},
		{
			name: "due index of a user without card states",
			tamper: func(tx *bolt.Tx) error {
				b, err := tx.Bucket([]byte("due")).CreateBucket(due(carol))
				if err != nil {
					return err
				}
				for _, id := range []string{"p", "q"} {
					if err := b.Put(indexKey(t0, id), []byte{}); err != nil {
						return err
					}
				}
				return nil
			},
			want:  boltstore.RepairReport{Due: boltstore.IndexRepair{Removed: 2}},
			check: []string{`the due index of "slack:U3" has card "p"`, "no card state", "(and 2 more problems)"},
		},
		{
			name: "due index key shorter than a time",
			tamper: func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("due")).Bucket(due(bob)).Put([]byte("short"), []byte{})
			},
			want:  boltstore.RepairReport{Due: boltstore.IndexRepair{Removed: 1}},
			check: []string{`the due index of "telegram:2002" has the key "short"`},
		},
		{
			name: "wake entry missing",
			tamper: func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("wake")).Delete(indexKey(t0.Add(2*time.Hour), string(alice)))
			},
			want:  boltstore.RepairReport{Wake: boltstore.IndexRepair{Added: 1}},
			check: []string{`the wake index lacks user "telegram:1001", whose wake-up is 2026-03-14T10:26:53.589793238Z`},
		},
		{
			name: "wake entry of a user not stored",
			tamper: func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("wake")).Put(indexKey(t0, "telegram:404"), []byte{})
			},
			want:  boltstore.RepairReport{Wake: boltstore.IndexRepair{Removed: 1}},
			check: []string{`the wake index has user "telegram:404", who is not stored`},
		},
		{
			name: "wake entry of a user without a wake-up",
			tamper: func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("wake")).Put(indexKey(t0, string(carol)), []byte{})
			},
			want:  boltstore.RepairReport{Wake: boltstore.IndexRepair{Removed: 1}},
			check: []string{`user "slack:U3" waking at`, "has no wake-up set"},
		},
		{
			name: "wake entry at a stale time",
			tamper: func(tx *bolt.Tx) error {
				w := tx.Bucket([]byte("wake"))
				if err := w.Delete(indexKey(t0, string(bob))); err != nil {
					return err
				}
				return w.Put(indexKey(t0.Add(-24*time.Hour), string(bob)), []byte{})
			},
			want:  boltstore.RepairReport{Wake: boltstore.IndexRepair{Added: 1, Removed: 1}},
			check: []string{`the wake index has user "telegram:2002" waking at 2026-03-13T08:26:53.589793238Z, but the user's wake-up is 2026-03-14T08:26:53.589793238Z`},
		},
		{
			name: "histogram count off",
			tamper: func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("due_minutes")).Put(timeKey(t0.Truncate(time.Minute)), minuteCount(5))
			},
			want:  boltstore.RepairReport{DueMinutes: 1},
			check: []string{"the due histogram counts 5 card states due in the minute 2026-03-14 08:26 UTC, the due indexes hold 2"},
		},
		{
			name: "histogram minutes missing and added",
			tamper: func(tx *bolt.Tx) error {
				h := tx.Bucket([]byte("due_minutes"))
				if err := h.Delete(timeKey(t0.Add(time.Hour).Truncate(time.Minute))); err != nil {
					return err
				}
				if err := h.Put(timeKey(t0.Add(48*time.Hour).Truncate(time.Minute)), minuteCount(1)); err != nil {
					return err
				}
				return h.Put([]byte("junk"), []byte{1})
			},
			want:  boltstore.RepairReport{DueMinutes: 3},
			check: []string{"due histogram", "(and 2 more problems)"},
		},
		{
			name: "every index at once",
			tamper: func(tx *bolt.Tx) error {
				d := tx.Bucket([]byte("due")).Bucket(due(alice))
				if err := d.Delete(indexKey(t0, "a")); err != nil {
					return err
				}
				if err := d.Put(indexKey(t0.Add(time.Minute), "zz"), []byte{}); err != nil {
					return err
				}
				// The histogram followed the removal, not the
				// addition: one minute right, one wrong.
				if err := tx.Bucket([]byte("due_minutes")).Put(timeKey(t0.Truncate(time.Minute)), minuteCount(1)); err != nil {
					return err
				}
				return tx.Bucket([]byte("wake")).Delete(indexKey(t0, string(bob)))
			},
			want: boltstore.RepairReport{
				Due:        boltstore.IndexRepair{Added: 1, Removed: 1},
				DueMinutes: 1,
				Wake:       boltstore.IndexRepair{Added: 1},
			},
			check: []string{`has card "zz"`, "(and 3 more problems)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := mustRepairFixture(t)
			s, err := boltstore.Open(path, boltstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			wantDerived := mustDump(t, s, derivedBuckets...)
			s.Close()
			withBolt(t, path, tc.tamper)
			s = MustOpen(t, path)
			primary := mustDump(t, s, primaryBuckets...)

			err = s.Check()
			if !errors.Is(err, boltstore.ErrDamaged) || !errors.Is(err, boltstore.ErrStaleIndex) {
				t.Fatalf("Check = %v; want ErrDamaged and ErrStaleIndex", err)
			}
			for _, want := range append([]string{"boltstore: " + path + " is damaged: ", "; prepbot check --repair rebuilds"}, tc.check...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Check's error %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "restore a backup") {
				t.Errorf("Check's error %q sends to a backup for a derived index", err)
			}

			report, err := s.RepairIndexes()
			if err != nil {
				t.Fatalf("RepairIndexes: %v", err)
			}
			if report.String() != tc.want.String() || len(report.Skipped) != 0 {
				t.Errorf("RepairIndexes reported %q, skipped %q; want %q", report, report.Skipped, tc.want)
			}
			if err := s.Check(); err != nil {
				t.Errorf("Check after the repair: %v", err)
			}
			if got := mustDump(t, s, derivedBuckets...); !maps.Equal(got, wantDerived) {
				t.Errorf("indexes after the repair:\n%q\nwant, as the store wrote them:\n%q", got, wantDerived)
			}
			if got := mustDump(t, s, primaryBuckets...); !maps.Equal(got, primary) {
				t.Errorf("the repair changed records:\n%q\nwere:\n%q", got, primary)
			}
			if again, err := s.RepairIndexes(); err != nil || again.Changed() {
				t.Errorf("a second RepairIndexes = %q, %v; want no change", again, err)
			}
			// What the indexes serve reads right again.
			MustView(t, s, func(tx prep.Tx) error {
				if due, err := collect(tx.Due(alice, t0.Add(24*time.Hour))); err != nil || !equalStrings(ids(due), "a", "b", "c") {
					t.Errorf("Due of alice = %v, %v; want [a b c]", ids(due), err)
				}
				if n := count(tx.Waking(t0.Add(24 * time.Hour))); n != 2 {
					t.Errorf("%d users waking, want 2", n)
				}
				return nil
			})
			if n, err := s.DueCount(t0.Add(24 * time.Hour)); err != nil || n != 4 {
				t.Errorf("DueCount = %d, %v; want 4", n, err)
			}
		})
	}
}

// TestRepairReportReads: the report reads as the check command prints it.
func TestRepairReportReads(t *testing.T) {
	for _, tc := range []struct {
		r       boltstore.RepairReport
		want    string
		changed bool
	}{
		{boltstore.RepairReport{}, "due index: ok; due histogram: ok; wake index: ok", false},
		{boltstore.RepairReport{Skipped: []string{"the user ..."}}, "due index: ok; due histogram: ok; wake index: ok", false},
		{boltstore.RepairReport{Due: boltstore.IndexRepair{Added: 3, Removed: 1}, DueMinutes: 2},
			"due index: 3 entries added, 1 entry removed; due histogram: 2 minutes corrected; wake index: ok", true},
		{boltstore.RepairReport{DueMinutes: 1, Wake: boltstore.IndexRepair{Removed: 2}},
			"due index: ok; due histogram: 1 minute corrected; wake index: 2 entries removed", true},
		{boltstore.RepairReport{Wake: boltstore.IndexRepair{Added: 1}},
			"due index: ok; due histogram: ok; wake index: 1 entry added", true},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%+v reads %q, want %q", tc.r, got, tc.want)
		}
		if tc.r.Changed() != tc.changed {
			t.Errorf("%+v: Changed() = %v, want %v", tc.r, tc.r.Changed(), tc.changed)
		}
	}
}

// TestRepairIndexesLeavesAHealthyFileAlone: on a store whose indexes are
// right, after a workload that moved, deleted and re-added entries,
// RepairIndexes reports nothing and does not write to the file at all.
func TestRepairIndexesLeavesAHealthyFileAlone(t *testing.T) {
	path := mustRepairFixture(t)
	s := MustOpen(t, path)
	MustUpdate(t, s, func(tx prep.Tx) error {
		for i := range 50 {
			id := string(rune('a' + i%7))
			if err := tx.PutCardState(bob, state(id, t0.Add(time.Duration(i)*time.Minute))); err != nil {
				return err
			}
			if i%5 == 0 {
				if err := tx.DeleteCardState(bob, id); err != nil {
					return err
				}
			}
		}
		return tx.PutUser(prep.User{Key: carol, WakeAt: t0.Add(time.Minute)})
	})
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	report, err := s.RepairIndexes()
	if err != nil || report.Changed() || len(report.Skipped) != 0 {
		t.Fatalf("RepairIndexes = %q (skipped %q), %v; want nothing changed", report, report.Skipped, err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("RepairIndexes with nothing to repair wrote to the file")
	}
	if err := s.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestUndecodableRecordsNeedABackup: a card state or user that cannot be
// decoded is damage Check sends to a backup for, naming the record, and
// RepairIndexes skips: it keeps the records and their index entries (the
// only times left for them) and still fixes what it can.
func TestUndecodableRecordsNeedABackup(t *testing.T) {
	path := mustRepairFixture(t)
	withBolt(t, path, func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("cards")).Bucket([]byte(alice)).Put([]byte("a"), []byte(`{"due": 12}`)); err != nil {
			return err
		}
		if err := tx.Bucket([]byte("users")).Put([]byte(bob), []byte("{not json")); err != nil {
			return err
		}
		// And a derived index off, which the repair can still put right.
		return tx.Bucket([]byte("wake")).Delete(indexKey(t0.Add(2*time.Hour), string(alice)))
	})
	s := MustOpen(t, path)
	primary := mustDump(t, s, primaryBuckets...)
	derived := mustDump(t, s, derivedBuckets...)

	err := s.Check()
	if !errors.Is(err, boltstore.ErrDamaged) || errors.Is(err, boltstore.ErrStaleIndex) {
		t.Fatalf("Check = %v; want ErrDamaged, not ErrStaleIndex", err)
	}
	for _, want := range []string{`the user "telegram:2002" cannot be decoded`, "(and 2 more problems)", "; restore a backup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check's error %q does not say %q", err, want)
		}
	}

	report, err := s.RepairIndexes()
	if err != nil {
		t.Fatalf("RepairIndexes: %v", err)
	}
	if want := "due index: ok; due histogram: ok; wake index: 1 entry added"; report.String() != want {
		t.Errorf("RepairIndexes reported %q, want %q", report, want)
	}
	if len(report.Skipped) != 2 ||
		!strings.Contains(report.Skipped[0], `the user "telegram:2002" cannot be decoded`) ||
		!strings.Contains(report.Skipped[1], `the card state "a" of "telegram:1001" cannot be decoded`) {
		t.Errorf("RepairIndexes skipped %q; want bob's user record, then alice's card a", report.Skipped)
	}
	if got := mustDump(t, s, primaryBuckets...); !maps.Equal(got, primary) {
		t.Errorf("the repair changed records:\n%q\nwere:\n%q", got, primary)
	}
	got := mustDump(t, s, derivedBuckets...)
	for _, k := range []string{"due/telegram:1001/" + string(indexKey(t0, "a")), "wake/" + string(indexKey(t0, string(bob)))} {
		if _, ok := got[k]; !ok {
			t.Errorf("the repair removed the entry %q of a damaged record", k)
		}
	}
	if len(got) != len(derived)+1 {
		t.Errorf("the repair left %d index entries, want the %d there were and alice's wake-up", len(got), len(derived))
	}

	err = s.Check()
	if !errors.Is(err, boltstore.ErrDamaged) || !strings.Contains(err.Error(), "(and 1 more problem)") || !strings.Contains(err.Error(), "restore a backup") {
		t.Errorf("Check after the repair = %v; want the two damaged records, for a backup", err)
	}
}

// TestRepairRefusesDamagedPages: when bbolt's own check of the pages fails,
// RepairIndexes writes nothing, even to an index it could rebuild.
func TestRepairRefusesDamagedPages(t *testing.T) {
	path := mustRepairFixture(t)
	withBolt(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("due_minutes")).Put(timeKey(t0.Truncate(time.Minute)), minuteCount(9))
	})
	leakFreePage(t, path)
	s := MustOpen(t, path)
	err := s.Check()
	if !errors.Is(err, boltstore.ErrDamaged) || errors.Is(err, boltstore.ErrStaleIndex) || !strings.Contains(err.Error(), "restore a backup") {
		t.Fatalf("Check = %v; want damaged pages, for a backup", err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	report, err := s.RepairIndexes()
	if !errors.Is(err, boltstore.ErrDamaged) || !strings.Contains(err.Error(), "restore a backup") || report.Changed() {
		t.Fatalf("RepairIndexes = %q, %v; want a refusal wrapping ErrDamaged", report, err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("RepairIndexes wrote to a file with damaged pages")
	}
}

// leakFreePage damages a closed bbolt file the way bbolt's page check
// notices and opening does not: it drops the last page id from the
// freelist, so that page is neither reachable nor free. The freelist page,
// unlike the meta pages, carries no checksum.
func leakFreePage(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Each meta page: a 16-byte page header, then magic, version, page
	// size, flags (4 bytes each), the root bucket (16), the freelist's
	// page id, the high-water mark and the transaction id (8 each).
	pageSize := int(binary.LittleEndian.Uint32(data[16+8:]))
	meta := func(i int) []byte { return data[i*pageSize+16:] }
	m := meta(0)
	if binary.LittleEndian.Uint64(meta(1)[48:]) > binary.LittleEndian.Uint64(m[48:]) {
		m = meta(1)
	}
	freelist := data[int(binary.LittleEndian.Uint64(m[32:]))*pageSize:]
	// The page header's count field, after the id (8) and flags (2).
	n := binary.LittleEndian.Uint16(freelist[10:])
	if n == 0 || n == 0xFFFF {
		t.Fatalf("the freelist holds %d pages; the damage needs a short, non-empty one", n)
	}
	binary.LittleEndian.PutUint16(freelist[10:], n-1)
	writeFile(t, path, data)
}

// TestRestoreRebuildsAStaleIndex: a backup whose due histogram drifted is
// restored with its indexes rebuilt, rather than refused: its records are
// sound, and the derived data follows from them.
func TestRestoreRebuildsAStaleIndex(t *testing.T) {
	backup := mustRepairFixture(t)
	withBolt(t, backup, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("due_minutes")).Put(timeKey(t0.Truncate(time.Minute)), minuteCount(7))
	})
	if s := MustOpen(t, backup); !errors.Is(s.Check(), boltstore.ErrStaleIndex) {
		t.Fatal("the tampered backup should have a stale index")
	} else {
		s.Close()
	}
	db := filepath.Join(t.TempDir(), "prepbot.db")
	if _, err := boltstore.Restore(db, backup, t0, boltstore.Options{}); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	s := MustOpen(t, db)
	defer s.Close()
	if err := s.Check(); err != nil {
		t.Fatalf("the restored database: %v", err)
	}
	if n, err := s.DueCount(t0); err != nil || n != 2 {
		t.Errorf("DueCount = %d, %v; want the 2 card states due at t0", n, err)
	}
}
