package boltstore_test

import (
	"encoding/json"
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

const alice = prep.UserKey("telegram:1001")

func TestUserRoundTrip(t *testing.T) {
	full := prep.User{
		Key:     alice,
		Name:    "Alice Ünicode",
		Created: t0,
		Settings: prep.Settings{
			Retention: 0.93, NewPerDay: 15, ReviewsPerDay: 300,
			TimeZone: "Europe/Berlin", PushAt: 7*60 + 30, PushPaused: true,
		},
		Session: prep.Session{
			CardID: "sql/joins#3", Token: 4242, Stage: prep.StageAnswer, Typed: "LEFT JOIN keeps…",
			RevealedAt: t0.Add(time.Minute), Topic: "sql", Started: t0.Add(-time.Hour),
			Reviewed: 5, Recalled: 4, Total: 20,
		},
		NextToken: 4243,
		Onboarded: true,
		Awaiting:  "timezone",
	}
	tests := []struct {
		name string
		user prep.User
	}{
		{"every field set", full},
		{"only a key", prep.User{Key: "slack:U1"}},
		{"terminal user with defaults", prep.User{Key: "terminal:bob", Settings: prep.DefaultSettings()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustOpenTemp(t)
			MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutUser(tt.user) })
			var got prep.User
			MustView(t, s, func(tx prep.Tx) (err error) {
				got, err = tx.User(tt.user.Key)
				return err
			})
			// Compared as JSON: User holds a map, and equal instants in
			// different location values are equal users.
			if want := userJSON(t, utcUser(tt.user)); userJSON(t, utcUser(got)) != want {
				t.Errorf("User round trip:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func userJSON(t *testing.T, u prep.User) string {
	t.Helper()
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// utcUser puts a user's times in UTC, so that == compares instants.
func utcUser(u prep.User) prep.User {
	u.Created = u.Created.UTC()
	u.Session.RevealedAt = u.Session.RevealedAt.UTC()
	u.Session.Started = u.Session.Started.UTC()
	return u
}

func TestUsers(t *testing.T) {
	s := MustOpenTemp(t)
	keys := []prep.UserKey{"telegram:2", "slack:U9", "terminal:alice", "telegram:10"}
	MustUpdate(t, s, func(tx prep.Tx) error {
		for _, k := range keys {
			if err := tx.PutUser(prep.User{Key: k, Name: string(k)}); err != nil {
				return err
			}
		}
		// Replacing a user keeps one record.
		return tx.PutUser(prep.User{Key: "telegram:2", Name: "renamed"})
	})
	MustView(t, s, func(tx prep.Tx) error {
		users, err := collect(tx.Users())
		if err != nil {
			t.Fatal(err)
		}
		var got []prep.UserKey
		for _, u := range users {
			got = append(got, u.Key)
		}
		want := []prep.UserKey{"slack:U9", "telegram:10", "telegram:2", "terminal:alice"}
		if !slices.Equal(got, want) {
			t.Errorf("Users() = %v, want key order %v", got, want)
		}
		if users[2].Name != "renamed" {
			t.Errorf("replaced user's name = %q, want %q", users[2].Name, "renamed")
		}
		for range tx.Users() {
			break // must not panic
		}
		return nil
	})
}

func TestNotFound(t *testing.T) {
	s := MustOpenTemp(t)
	// One user has data, so that "not found" is tested both with and
	// without the user's nested buckets.
	MustUpdate(t, s, func(tx prep.Tx) error {
		if err := tx.PutCardState(alice, state("c1", t0)); err != nil {
			return err
		}
		_, err := tx.AppendReview(prep.Review{User: alice, CardID: "c1", Time: t0, Rating: prep.Good})
		return err
	})
	tests := []struct {
		name string
		op   func(prep.Tx) error
	}{
		{"user", func(tx prep.Tx) error { _, err := tx.User("telegram:404"); return err }},
		{"card state, known user", func(tx prep.Tx) error { _, err := tx.CardState(alice, "nope"); return err }},
		{"card state, unknown user", func(tx prep.Tx) error { _, err := tx.CardState("x:y", "c1"); return err }},
		{"delete card state", func(tx prep.Tx) error { return tx.DeleteCardState(alice, "nope") }},
		{"delete card state, unknown user", func(tx prep.Tx) error { return tx.DeleteCardState("x:y", "c1") }},
		{"last review, unknown user", func(tx prep.Tx) error { _, err := tx.LastReview("x:y"); return err }},
		{"delete review, wrong seq", func(tx prep.Tx) error {
			return tx.DeleteReview(prep.Review{User: alice, Time: t0, Seq: 99})
		}},
		{"delete review, wrong time", func(tx prep.Tx) error {
			return tx.DeleteReview(prep.Review{User: alice, Time: t0.Add(time.Nanosecond), Seq: 1})
		}},
		{"delete review, unknown user", func(tx prep.Tx) error { return tx.DeleteReview(prep.Review{User: "x:y", Time: t0, Seq: 1}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Update(tt.op)
			if !errors.Is(err, prep.ErrNotFound) {
				t.Fatalf("err = %v, want prep.ErrNotFound", err)
			}
			assertPrefixed(t, err)
		})
	}
	// Iterating what a user does not have yields nothing, not an error.
	MustView(t, s, func(tx prep.Tx) error {
		for name, n := range map[string]int{
			"CardStates": count(tx.CardStates("x:y")),
			"Due":        count(tx.Due("x:y", t0.Add(time.Hour))),
			"Reviews":    count(tx.Reviews("x:y", time.Time{})),
		} {
			if n != 0 {
				t.Errorf("%s of an unknown user yielded %d", name, n)
			}
		}
		return nil
	})
}

func count[T any](seq func(func(T, error) bool)) int {
	n := 0
	for range seq {
		n++
	}
	return n
}

func assertPrefixed(t *testing.T, err error) {
	t.Helper()
	if msg := err.Error(); len(msg) < 10 || msg[:10] != "boltstore:" {
		t.Errorf("error %q lacks the boltstore: prefix", msg)
	}
}

func TestCardStateRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		st   prep.CardState
	}{
		{"every field set", state("sql/joins#1", t0)},
		{"new card", prep.CardState{CardID: "new", FSRS: fsrs.NewCard(t0)}},
		{"zero card", prep.CardState{CardID: "zero"}},
		{"due before 1970", state("old", time.Date(1900, 1, 1, 0, 0, 0, 1, time.UTC))},
		{"tiny and huge floats", prep.CardState{CardID: "floats", FSRS: fsrs.Card{
			Due: t0, Stability: 1e-300, Difficulty: 1.7976931348623157e308, ScheduledDays: 1<<64 - 1,
			Reps: 1 << 63, Lapses: 1, State: fsrs.Review, RemainingSteps: -1,
		}}},
		{"unicode id", state("Vorstellungsgespräch/Frage 7 — ✓", t0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustOpenTemp(t)
			MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutCardState(alice, tt.st) })
			MustView(t, s, func(tx prep.Tx) error {
				got, err := tx.CardState(alice, tt.st.CardID)
				if err != nil {
					return err
				}
				if !sameState(got, tt.st) {
					t.Errorf("CardState round trip:\n got %+v\nwant %+v", got, tt.st)
				}
				all, err := collect(tx.CardStates(alice))
				if err != nil || len(all) != 1 || !sameState(all[0], tt.st) {
					t.Errorf("CardStates = %+v, %v; want just %+v", all, err, tt.st)
				}
				return nil
			})
		})
	}
}

func TestDue(t *testing.T) {
	s := MustOpenTemp(t)
	dues := map[string]time.Duration{
		"a": 5 * time.Hour, "b": -time.Hour, "c": 0, "d": 2 * time.Hour,
		"e": -3 * time.Hour, "f": 10 * 24 * time.Hour, "g": -time.Hour, // b and g: same instant
		"h": 3 * time.Hour,  // rescheduled into the past below
		"i": -2 * time.Hour, // rescheduled into the future below
		"j": -4 * time.Hour, // deleted below
	}
	MustUpdate(t, s, func(tx prep.Tx) error {
		for id, d := range dues {
			if err := tx.PutCardState(alice, state(id, t0.Add(d))); err != nil {
				return err
			}
		}
		// Another user's cards must not show up.
		return tx.PutCardState("telegram:2", state("zz", t0.Add(-time.Hour)))
	})
	MustUpdate(t, s, func(tx prep.Tx) error {
		if err := tx.PutCardState(alice, state("h", t0.Add(-30*time.Minute))); err != nil {
			return err
		}
		if err := tx.PutCardState(alice, state("i", t0.Add(time.Hour))); err != nil {
			return err
		}
		return tx.DeleteCardState(alice, "j")
	})

	tests := []struct {
		name   string
		before time.Time
		want   []string
	}{
		{"now", t0, []string{"e", "b", "g", "h", "c"}},
		{"a nanosecond before now", t0.Add(-time.Nanosecond), []string{"e", "b", "g", "h"}},
		{"long ago", t0.Add(-24 * time.Hour), nil},
		{"zero time", time.Time{}, nil},
		{"far future", t0.Add(365 * 24 * time.Hour), []string{"e", "b", "g", "h", "c", "i", "d", "a", "f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []prep.CardState
			visited, err := boltstore.ViewCounting(s, func(tx prep.Tx) (err error) {
				got, err = collect(tx.Due(alice, tt.before))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("Due(%v) = %v, want %v", tt.before, ids(got), tt.want)
			}
			for _, st := range got {
				if want := state(st.CardID, st.FSRS.Due); !sameState(st, want) || st.FSRS.Due.After(tt.before) {
					t.Errorf("Due yielded %+v", st)
				}
			}
			// The scan reads the due entries and at most the one after them.
			if limit := len(tt.want) + 1; visited > limit {
				t.Errorf("Due read %d index entries, want at most %d", visited, limit)
			}
		})
	}

	t.Run("stops when the caller breaks", func(t *testing.T) {
		var got []string
		visited, err := boltstore.ViewCounting(s, func(tx prep.Tx) error {
			for st, err := range tx.Due(alice, t0) {
				if err != nil {
					return err
				}
				got = append(got, st.CardID)
				if len(got) == 2 {
					break
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []string{"e", "b"}) || visited != 2 {
			t.Errorf("got %v after reading %d entries, want [e b] after 2", got, visited)
		}
	})

	t.Run("rescheduling while ranging", func(t *testing.T) {
		// The engine may update each due card inside the loop: every due
		// card must be seen once, none skipped, none seen again.
		var got []string
		MustUpdate(t, s, func(tx prep.Tx) error {
			for st, err := range tx.Due(alice, t0) {
				if err != nil {
					return err
				}
				got = append(got, st.CardID)
				st.FSRS.Due = t0.Add(48 * time.Hour)
				if err := tx.PutCardState(alice, st); err != nil {
					return err
				}
			}
			return nil
		})
		if want := []string{"e", "b", "g", "h", "c"}; !slices.Equal(got, want) {
			t.Errorf("rescheduled %v, want %v", got, want)
		}
		MustView(t, s, func(tx prep.Tx) error {
			if n := count(tx.Due(alice, t0)); n != 0 {
				t.Errorf("%d cards still due after rescheduling", n)
			}
			if n := count(tx.Due(alice, t0.Add(365*24*time.Hour))); n != 9 {
				t.Errorf("due index has %d entries, want one per card (9)", n)
			}
			return nil
		})
	})
}

func TestReviews(t *testing.T) {
	s := MustOpenTemp(t)
	review := func(card string, at time.Duration, r prep.Rating) prep.Review {
		return prep.Review{
			User: alice, CardID: card, Time: t0.Add(at), Rating: r,
			Before: state(card, t0.Add(at-time.Hour)), After: state(card, t0.Add(at+24*time.Hour)),
		}
	}
	in := []prep.Review{
		review("a", 0, prep.Good),
		review("b", time.Hour, prep.Again),
		review("c", time.Hour, prep.Easy), // same instant as b: Seq orders them
		review("d", 3*time.Hour, prep.Hard),
		review("e", 2*time.Hour, prep.Good), // appended late with an earlier time
		{User: alice, CardID: "first", Time: t0.Add(-time.Hour), Rating: prep.Good, After: state("first", t0)},
	}
	var appended []prep.Review
	MustUpdate(t, s, func(tx prep.Tx) error {
		for _, r := range in {
			got, err := tx.AppendReview(r)
			if err != nil {
				return err
			}
			appended = append(appended, got)
		}
		// Another user's log is separate and numbered on its own.
		r, err := tx.AppendReview(prep.Review{User: "slack:U1", CardID: "a", Time: t0})
		if err == nil && r.Seq != 1 {
			t.Errorf("other user's first Seq = %d, want 1", r.Seq)
		}
		return err
	})
	for i, r := range appended {
		if r.Seq != uint64(i+1) {
			t.Errorf("review %d got Seq %d, want %d", i, r.Seq, i+1)
		}
	}
	byCard := func(rs []prep.Review) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.CardID)
		}
		return out
	}

	tests := []struct {
		name  string
		since time.Time
		want  []string
	}{
		{"everything", time.Time{}, []string{"first", "a", "b", "c", "e", "d"}},
		{"since an exact review time", t0.Add(time.Hour), []string{"b", "c", "e", "d"}},
		{"since between reviews", t0.Add(time.Hour + time.Nanosecond), []string{"e", "d"}},
		{"since after the last", t0.Add(4 * time.Hour), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			MustView(t, s, func(tx prep.Tx) error {
				got, err := collect(tx.Reviews(alice, tt.since))
				if err != nil {
					return err
				}
				if !slices.Equal(byCard(got), tt.want) {
					t.Errorf("Reviews(since %v) = %v, want %v", tt.since, byCard(got), tt.want)
				}
				for _, r := range got {
					if !sameReview(r, appended[r.Seq-1]) {
						t.Errorf("review round trip:\n got %+v\nwant %+v", r, appended[r.Seq-1])
					}
				}
				return nil
			})
		})
	}

	t.Run("last and delete", func(t *testing.T) {
		MustUpdate(t, s, func(tx prep.Tx) error {
			last, err := tx.LastReview(alice)
			if err != nil {
				return err
			}
			if !sameReview(last, appended[3]) {
				t.Errorf("LastReview = %+v, want d's review", last)
			}
			if err := tx.DeleteReview(last); err != nil {
				return err
			}
			if err := tx.DeleteReview(last); !errors.Is(err, prep.ErrNotFound) {
				t.Errorf("deleting it again: err = %v, want ErrNotFound", err)
			}
			if last, err = tx.LastReview(alice); err != nil || last.CardID != "e" {
				t.Errorf("LastReview after undo = %q, %v; want e's review", last.CardID, err)
			}
			return nil
		})
		MustView(t, s, func(tx prep.Tx) error {
			got, err := collect(tx.Reviews(alice, time.Time{}))
			if want := []string{"first", "a", "b", "c", "e"}; err != nil || !slices.Equal(byCard(got), want) {
				t.Errorf("after delete: Reviews = %v, %v; want %v", byCard(got), err, want)
			}
			return nil
		})
	})

	t.Run("seq keeps rising after a delete", func(t *testing.T) {
		MustUpdate(t, s, func(tx prep.Tx) error {
			r, err := tx.AppendReview(review("g", 5*time.Hour, prep.Good))
			if err == nil && r.Seq != uint64(len(in)+1) {
				t.Errorf("Seq = %d, want %d", r.Seq, len(in)+1)
			}
			return err
		})
	})
}

func TestDeliver(t *testing.T) {
	s := MustOpenTemp(t)
	tests := []struct {
		id       string
		at       time.Time
		wantSeen bool
	}{
		{"tg:1", t0.Add(-72 * time.Hour), false},
		{"tg:1", t0, true}, // a redelivery
		{"tg:2", t0.Add(-2 * time.Hour), false},
		{"slack:Ev1", t0, false},
		{"tg:2", t0, true},
	}
	for _, tt := range tests {
		var seen bool
		MustUpdate(t, s, func(tx prep.Tx) (err error) {
			seen, err = tx.Deliver(tt.id, tt.at)
			return err
		})
		if seen != tt.wantSeen {
			t.Errorf("Deliver(%q) seen = %v, want %v", tt.id, seen, tt.wantSeen)
		}
	}

	n, err := s.PruneDeliveries(t0.Add(-24 * time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneDeliveries = %d, %v; want 1 (tg:1)", n, err)
	}
	if n, err := s.PruneDeliveries(t0.Add(-24 * time.Hour)); err != nil || n != 0 {
		t.Errorf("second PruneDeliveries = %d, %v; want 0", n, err)
	}
	MustUpdate(t, s, func(tx prep.Tx) error {
		for id, want := range map[string]bool{"tg:1": false, "tg:2": true, "slack:Ev1": true} {
			if seen, err := tx.Deliver(id, t0); err != nil || seen != want {
				t.Errorf("after prune: Deliver(%q) = %v, %v; want %v", id, seen, err, want)
			}
		}
		return nil
	})
}

func TestCursors(t *testing.T) {
	s := MustOpenTemp(t)
	tests := []struct {
		name string
		v    int64
	}{
		{"telegram.offset", 912345678},
		{"negative", -5},
		{"max", 1<<63 - 1},
		{"zero", 0},
	}
	MustView(t, s, func(tx prep.Tx) error {
		if v, err := tx.Cursor("telegram.offset"); err != nil || v != 0 {
			t.Errorf("unset cursor = %d, %v; want 0, nil", v, err)
		}
		return nil
	})
	MustUpdate(t, s, func(tx prep.Tx) error {
		for _, tt := range tests {
			if err := tx.SetCursor(tt.name, tt.v+1); err != nil {
				return err
			}
			if err := tx.SetCursor(tt.name, tt.v); err != nil { // overwrite
				return err
			}
		}
		return nil
	})
	MustView(t, s, func(tx prep.Tx) error {
		for _, tt := range tests {
			if v, err := tx.Cursor(tt.name); err != nil || v != tt.v {
				t.Errorf("Cursor(%q) = %d, %v; want %d", tt.name, v, err, tt.v)
			}
		}
		return nil
	})
}

func TestBadArguments(t *testing.T) {
	s := MustOpenTemp(t)
	tests := []struct {
		name string
		op   func(prep.Tx) error
	}{
		{"user without key", func(tx prep.Tx) error { return tx.PutUser(prep.User{}) }},
		{"state without card ID", func(tx prep.Tx) error { return tx.PutCardState(alice, prep.CardState{}) }},
		{"state without user", func(tx prep.Tx) error { return tx.PutCardState("", state("a", t0)) }},
		{"review without user", func(tx prep.Tx) error { _, err := tx.AppendReview(prep.Review{CardID: "a"}); return err }},
		{"empty delivery id", func(tx prep.Tx) error { _, err := tx.Deliver("", t0); return err }},
		{"empty cursor name", func(tx prep.Tx) error { return tx.SetCursor("", 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Update(tt.op)
			if err == nil {
				t.Fatal("no error")
			}
			assertPrefixed(t, err)
		})
	}
	t.Run("write in a View", func(t *testing.T) {
		err := s.View(func(tx prep.Tx) error { return tx.PutUser(prep.User{Key: alice}) })
		if err == nil {
			t.Fatal("PutUser in a View succeeded")
		}
		assertPrefixed(t, err)
	})
}

func TestIteratorAfterTransaction(t *testing.T) {
	s := MustOpenTemp(t)
	MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutUser(prep.User{Key: alice}) })
	var users func(func(prep.User, error) bool)
	var user func() error
	MustView(t, s, func(tx prep.Tx) error {
		users = tx.Users()
		user = func() error { _, err := tx.User(alice); return err }
		return nil
	})
	n := 0
	for _, err := range users {
		n++
		if err == nil {
			t.Error("an iterator used after its transaction yielded no error")
		}
	}
	if n != 1 {
		t.Errorf("iterator after its transaction yielded %d times, want one error", n)
	}
	if err := user(); err == nil {
		t.Error("User after the transaction ended succeeded")
	}
}

func TestWaking(t *testing.T) {
	s := MustOpenTemp(t)
	wakes := map[prep.UserKey]time.Duration{
		"telegram:a": -2 * time.Hour, "telegram:b": time.Hour, "telegram:d": -2 * time.Hour, // a and d: same instant
		"telegram:e": -30 * time.Minute, "telegram:f": 10 * 24 * time.Hour,
	}
	MustUpdate(t, s, func(tx prep.Tx) error {
		for k, d := range wakes {
			if err := tx.PutUser(prep.User{Key: k, WakeAt: t0.Add(d)}); err != nil {
				return err
			}
		}
		return tx.PutUser(prep.User{Key: "terminal:c"}) // no wake-up
	})
	MustUpdate(t, s, func(tx prep.Tx) error {
		for _, u := range []prep.User{
			{Key: "telegram:b", WakeAt: t0.Add(-time.Hour)},    // moved into the past
			{Key: "telegram:e", WakeAt: t0.Add(2 * time.Hour)}, // moved into the future
			{Key: "telegram:f"}, // cleared
		} {
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		return nil
	})

	keys := func(users []prep.User) []string {
		var out []string
		for _, u := range users {
			out = append(out, string(u.Key))
		}
		return out
	}
	tests := []struct {
		name   string
		before time.Time
		want   []string
	}{
		{"now", t0, []string{"telegram:a", "telegram:d", "telegram:b"}},
		{"long ago", t0.Add(-24 * time.Hour), nil},
		{"far future", t0.Add(365 * 24 * time.Hour), []string{"telegram:a", "telegram:d", "telegram:b", "telegram:e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []prep.User
			visited, err := boltstore.ViewCounting(s, func(tx prep.Tx) (err error) {
				got, err = collect(tx.Waking(tt.before))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(keys(got), tt.want) {
				t.Errorf("Waking(%v) = %v, want %v", tt.before, keys(got), tt.want)
			}
			for _, u := range got {
				if u.WakeAt.IsZero() || u.WakeAt.After(tt.before) {
					t.Errorf("Waking yielded %s waking at %v", u.Key, u.WakeAt)
				}
			}
			if limit := len(tt.want) + 1; visited > limit {
				t.Errorf("Waking read %d index entries, want at most %d", visited, limit)
			}
		})
	}

	t.Run("stops when the caller breaks", func(t *testing.T) {
		visited, err := boltstore.ViewCounting(s, func(tx prep.Tx) error {
			for range tx.Waking(t0) {
				break
			}
			return nil
		})
		if err != nil || visited != 1 {
			t.Errorf("read %d entries, %v; want 1", visited, err)
		}
	})

	t.Run("rescheduling while ranging", func(t *testing.T) {
		var got []string
		MustUpdate(t, s, func(tx prep.Tx) error {
			for u, err := range tx.Waking(t0) {
				if err != nil {
					return err
				}
				got = append(got, string(u.Key))
				u.WakeAt = t0.Add(24 * time.Hour)
				if err := tx.PutUser(u); err != nil {
					return err
				}
			}
			return nil
		})
		if want := []string{"telegram:a", "telegram:d", "telegram:b"}; !slices.Equal(got, want) {
			t.Errorf("rescheduled %v, want %v", got, want)
		}
		MustView(t, s, func(tx prep.Tx) error {
			if n := count(tx.Waking(t0)); n != 0 {
				t.Errorf("%d users still waking after rescheduling", n)
			}
			if n := count(tx.Waking(t0.Add(365 * 24 * time.Hour))); n != 4 {
				t.Errorf("wake index has %d entries, want one per user with a wake-up (4)", n)
			}
			return nil
		})
	})
}

// TestWakeIndexFollowsUsers writes users at random through transactions
// that read them first or not, change their wake-up or keep it, write them
// twice, and sometimes roll back: after each transaction the wake index must
// hold one entry per user with a wake-up, at that user's time, and nothing
// else. PutUser takes the old time from the read when it can, so this
// checks that shortcut against the file.
func TestWakeIndexFollowsUsers(t *testing.T) {
	s := MustOpenTemp(t)
	rng := rand.New(rand.NewPCG(8, 22))
	users := []prep.UserKey{"telegram:1", "telegram:2", "telegram:3", "slack:4"}
	model := map[prep.UserKey]time.Time{} // committed wake-ups; zero: none
	errRollback := errors.New("roll back")
	for step := range 400 {
		next := maps.Clone(model)
		rollback := rng.IntN(8) == 0
		err := s.Update(func(tx prep.Tx) error {
			for range 1 + rng.IntN(4) {
				k := users[rng.IntN(len(users))]
				u := prep.User{Key: k}
				if _, stored := next[k]; stored && rng.IntN(3) > 0 {
					var err error
					if u, err = tx.User(k); err != nil {
						return err
					}
				}
				switch rng.IntN(4) {
				case 0:
					u.WakeAt = time.Time{}
				case 1: // kept as read (or none, for a user written blind)
				default:
					u.WakeAt = t0.Add(time.Duration(rng.IntN(6)) * time.Hour)
				}
				if err := tx.PutUser(u); err != nil {
					return err
				}
				next[k] = u.WakeAt
			}
			if rollback {
				return errRollback
			}
			return nil
		})
		switch {
		case rollback && errors.Is(err, errRollback):
		case err != nil:
			t.Fatalf("step %d: %v", step, err)
		default:
			model = next
		}

		var got []prep.User
		MustView(t, s, func(tx prep.Tx) (err error) {
			got, err = collect(tx.Waking(t0.Add(24 * time.Hour)))
			return err
		})
		want := 0
		for _, at := range model {
			if !at.IsZero() {
				want++
			}
		}
		seen := map[prep.UserKey]bool{}
		for i, u := range got {
			if seen[u.Key] || !u.WakeAt.Equal(model[u.Key]) || (i > 0 && u.WakeAt.Before(got[i-1].WakeAt)) {
				t.Fatalf("step %d: the wake index yields %s at %v (entry %d), want each user once at its time: model %v", step, u.Key, u.WakeAt, i, model)
			}
			seen[u.Key] = true
		}
		if len(got) != want {
			t.Fatalf("step %d: the wake index has %d entries, want %d: model %v", step, len(got), want, model)
		}
		// An entry at a stale time shows as a wrong count before some hour.
		for h := range 6 {
			bound, want := t0.Add(time.Duration(h)*time.Hour), 0
			for _, at := range model {
				if !at.IsZero() && !at.After(bound) {
					want++
				}
			}
			MustView(t, s, func(tx prep.Tx) error {
				if n := count(tx.Waking(bound)); n != want {
					t.Fatalf("step %d: %d users waking by %v, want %d: model %v", step, n, bound, want, model)
				}
				return nil
			})
		}
	}
}
