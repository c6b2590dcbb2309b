package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
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

// checkRun is one in-process run of Main.
type checkRun struct {
	code        int
	out, errOut string
}

// runMain runs Main with PREPBOT_DB set to db, and fails the test if it
// has not returned within limit: check must never wait for a lock for long.
func runMain(t *testing.T, db string, limit time.Duration, args ...string) checkRun {
	t.Helper()
	var out, errOut bytes.Buffer
	env := IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: func(k string) string {
		switch k {
		case "PREPBOT_DB":
			return db
		case "HOME":
			return filepath.Dir(db)
		}
		return ""
	}}
	done := make(chan int, 1)
	go func() { done <- Main(context.Background(), args, env) }()
	select {
	case code := <-done:
		return checkRun{code: code, out: out.String(), errOut: errOut.String()}
	case <-time.After(limit):
		t.Fatalf("prepbot %s did not return within %v", strings.Join(args, " "), limit)
		return checkRun{}
	}
}

// mustCheckFixture writes a closed database with two users, 1,200 card
// states and three reviews, and returns its path.
func mustCheckFixture(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "prepbot.db")
	s, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 14, 9, 26, 0, 0, time.UTC)
	err = s.Update(func(tx prep.Tx) error {
		for i, k := range []prep.UserKey{"telegram:1", "terminal:ada"} {
			if err := tx.PutUser(prep.User{Key: k, WakeAt: now.Add(time.Duration(i) * time.Hour)}); err != nil {
				return err
			}
		}
		for i := range 1200 {
			st := prep.CardState{CardID: fmt.Sprint("card-", i), FSRS: fsrs.Card{Due: now.Add(time.Duration(i%90) * time.Minute)}}
			if err := tx.PutCardState("terminal:ada", st); err != nil {
				return err
			}
		}
		for i := range 3 {
			if _, err := tx.AppendReview(prep.Review{User: "terminal:ada", CardID: "card-1", Time: now.Add(time.Duration(i) * time.Minute), Rating: prep.Good}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestCheckCommand runs "prepbot check" in-process on a healthy database,
// on one whose due histogram drifted, repairs it with "check --repair",
// and checks it again.
func TestCheckCommand(t *testing.T) {
	db := mustCheckFixture(t)
	st, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	size := formatSize(st.Size())

	r := runMain(t, db, 30*time.Second, "check")
	want := db + " is healthy: 2 users, 1,200 card states, 3 reviews, " + size + "\n"
	if r.code != 0 || r.out != want || r.errOut != "" {
		t.Fatalf("check of a healthy database: exit %d\nstdout %q\nwant   %q\nstderr %q", r.code, r.out, want, r.errOut)
	}

	// The histogram counts a state that is not in any due index.
	raw, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bolt.Tx) error {
		h := tx.Bucket([]byte("due_minutes"))
		k, v := h.Cursor().First()
		return h.Put(bytes.Clone(k), binary.BigEndian.AppendUint64(nil, binary.BigEndian.Uint64(v)+1))
	})
	if cerr := raw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	r = runMain(t, db, 30*time.Second, "check")
	if r.code != 1 || r.out != "" {
		t.Fatalf("check of a drifted database: exit %d, stdout %q; want exit 1 and nothing on stdout", r.code, r.out)
	}
	for _, want := range []string{"prepbot: boltstore: " + db + " is damaged: the due histogram counts", "prepbot check --repair rebuilds"} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("check's error %q does not say %q", r.errOut, want)
		}
	}

	r = runMain(t, db, 30*time.Second, "check", "--repair")
	wantOut := "repaired " + db + ": due index: ok; due histogram: 1 minute corrected; wake index: ok\n" + db + " is healthy: "
	if r.code != 0 || !strings.HasPrefix(r.out, wantOut) || r.errOut != "" {
		t.Fatalf("check --repair: exit %d\nstdout %q\nwant   %q...\nstderr %q", r.code, r.out, wantOut, r.errOut)
	}

	r = runMain(t, db, 30*time.Second, "check")
	if r.code != 0 || !strings.HasPrefix(r.out, db+" is healthy: 2 users, 1,200 card states, 3 reviews") {
		t.Fatalf("check after the repair: exit %d\nstdout %q\nstderr %q", r.code, r.out, r.errOut)
	}
	r = runMain(t, db, 30*time.Second, "check", "--repair=true")
	if r.code != 0 || !strings.HasPrefix(r.out, "nothing to repair in "+db+": due index: ok; due histogram: ok; wake index: ok\n") {
		t.Fatalf("check --repair of a healthy database: exit %d\nstdout %q\nstderr %q", r.code, r.out, r.errOut)
	}
}

// TestCheckCommandRefusals: check says, rather than waits, that a running
// bot holds the database; it does not create a database that is not there;
// and it names what it does not understand.
func TestCheckCommandRefusals(t *testing.T) {
	db := mustCheckFixture(t)
	holder, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check"}, {"check", "--repair"}} {
		r := runMain(t, db, 10*time.Second, args...)
		if r.code != 1 || !strings.Contains(r.errOut, db+" (set by PREPBOT_DB) is in use by another prepbot process") || !strings.Contains(r.errOut, "stop the running prepbot first") {
			t.Errorf("%s while the database is held: exit %d\nstderr %q", strings.Join(args, " "), r.code, r.errOut)
		}
	}
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}

	missing := filepath.Join(t.TempDir(), "nope.db")
	r := runMain(t, missing, 10*time.Second, "check")
	if r.code != 1 || !strings.Contains(r.errOut, "there is no database at "+missing+" (set by PREPBOT_DB)") {
		t.Errorf("check of a missing database: exit %d\nstderr %q", r.code, r.errOut)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("check created %s: %v", missing, err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "extra"}, `check takes no arguments, got ["extra"]`},
		{[]string{"check", "--repair=maybe"}, `invalid boolean value "maybe" for -repair: parse error (prepbot check -h lists the flags)`},
	} {
		r := runMain(t, db, 10*time.Second, tc.args...)
		if r.code != 1 || !strings.Contains(r.errOut, tc.want) {
			t.Errorf("prepbot %s: exit %d\nstderr %q\nwant it to say %q", strings.Join(tc.args, " "), r.code, r.errOut, tc.want)
		}
	}
}

// TestCheckSummaryFormats pins how the summary writes counts and sizes.
func TestCheckSummaryFormats(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{countOf(0, "user", "users"), "0 users"},
		{countOf(1, "user", "users"), "1 user"},
		{countOf(999, "review", "reviews"), "999 reviews"},
		{countOf(2400, "card state", "card states"), "2,400 card states"},
		{countOf(1234567, "review", "reviews"), "1,234,567 reviews"},
		{formatSize(512), "512 bytes"},
		{formatSize(32 << 10), "32.0 KiB"},
		{formatSize(4300000), "4.1 MiB"},
		{formatSize(3 << 30), "3.0 GiB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
