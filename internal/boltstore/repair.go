package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/prepbot/prepbot/internal/prep"
)

// The derived indexes (the due indexes, the due histogram and the wake
// index) say nothing the primary records (card states and users) do not:
// Check compares them with what the records say, and RepairIndexes rewrites
// whatever differs. Both use one scan, so that what Check reports is what
// RepairIndexes changes.

// RepairReport says what RepairIndexes changed, index by index.
type RepairReport struct {
	// Due counts the entries added to and removed from the users' due
	// indexes (due/<user key>/). A card whose entry was at the wrong
	// time counts once in each.
	Due IndexRepair
	// DueMinutes is how many minutes of the due histogram (due_minutes)
	// had their count written or deleted.
	DueMinutes int
	// Wake counts the entries added to and removed from the wake index.
	Wake IndexRepair
	// Skipped describes the card states and users that cannot be decoded.
	// Their index entries were left as they were, since nothing says where
	// they belong; the records themselves need a backup.
	Skipped []string
}

// IndexRepair counts the entries RepairIndexes added to and removed from
// one index.
type IndexRepair struct {
	Added, Removed int
}

func (r IndexRepair) String() string {
	if r.Added == 0 && r.Removed == 0 {
		return "ok"
	}
	var parts []string
	if r.Added > 0 {
		parts = append(parts, plural(r.Added, "entry", "entries")+" added")
	}
	if r.Removed > 0 {
		parts = append(parts, plural(r.Removed, "entry", "entries")+" removed")
	}
	return strings.Join(parts, ", ")
}

// Changed reports whether RepairIndexes wrote anything.
func (r RepairReport) Changed() bool {
	return r.Due != IndexRepair{} || r.Wake != IndexRepair{} || r.DueMinutes > 0
}

// String reads like "due index: 3 entries added, 1 removed; due histogram:
// 2 minutes corrected; wake index: ok", for an operator.
func (r RepairReport) String() string {
	minutes := "ok"
	if r.DueMinutes > 0 {
		minutes = plural(r.DueMinutes, "minute", "minutes") + " corrected"
	}
	return fmt.Sprintf("due index: %v; due histogram: %s; wake index: %v", r.Due, minutes, r.Wake)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// errNothingToRepair rolls back RepairIndexes' transaction when the indexes
// already agree with the records: a commit would still write a new meta
// page, and an operator checking a healthy file should find it untouched.
var errNothingToRepair = errors.New("boltstore: nothing to repair")

// RepairIndexes rebuilds the derived indexes from the primary records, in
// one write transaction: each user's due index from the user's card states,
// the wake index from the users' WakeAt, then the due histogram from the
// due indexes. It writes only the entries that differ, so a file whose
// indexes are right is left as it was, and returns what it changed. A card
// state or user that cannot be decoded is skipped and listed in the report,
// never deleted, and its index entries are kept: they may be all that is
// left of its due or wake-up time.
//
// It refuses, with an error wrapping ErrDamaged, when bbolt's page check
// fails: writing over broken pages would spread the damage. Like Check it
// reads the whole file, so it belongs in a maintenance command run while
// the bot is stopped.
func (s *Store) RepairIndexes() (RepairReport, error) {
	var report RepairReport
	err := s.db.Update(func(btx *bolt.Tx) error {
		if err := s.checkPages(btx); err != nil {
			return err
		}
		scan, err := scanIndexes(btx)
		if err != nil {
			return err
		}
		report.Skipped = scan.damaged
		if report.Due, err = applyFaults(btx, bucketDue, scan.due); err != nil {
			return fmt.Errorf("rebuild the due indexes: %w", err)
		}
		if report.Wake, err = applyFaults(btx, bucketWake, scan.wake); err != nil {
			return fmt.Errorf("rebuild the wake index: %w", err)
		}
		if report.DueMinutes, err = repairDueMinutes(btx, scan.minutesAfter); err != nil {
			return fmt.Errorf("rebuild the due histogram: %w", err)
		}
		if !report.Changed() {
			return errNothingToRepair
		}
		return nil
	})
	var se *sentenceError
	switch {
	case errors.Is(err, errNothingToRepair):
		return report, nil
	case errors.As(err, &se):
		return RepairReport{}, err
	case err != nil:
		return RepairReport{}, fmt.Errorf("boltstore: repair the indexes of %s: %w", s.path, err)
	}
	return report, nil
}

// checkPages runs bbolt's consistency check of the page structure and turns
// what it finds into one error wrapping ErrDamaged.
func (s *Store) checkPages(btx *bolt.Tx) error {
	var first error
	more := 0
	// Drain the channel: the checker goroutine blocks on every problem it
	// finds and reads the transaction until it is done.
	for err := range btx.Check() {
		if first == nil {
			first = err
		} else {
			more++
		}
	}
	if first == nil {
		return nil
	}
	return &sentenceError{
		msg:  fmt.Sprintf("boltstore: %s is damaged: %v%s; restore a backup", s.path, first, andMore(more)),
		errs: []error{ErrDamaged, first},
	}
}

// andMore is the tail of a message naming the first of several problems.
func andMore(n int) string {
	if n == 0 {
		return ""
	}
	return " (and " + plural(n, "more problem", "more problems") + ")"
}

// indexFault is one way an index differs from its records, with the writes
// that put it right: remove an entry, add one, or both (an entry at the
// wrong time).
type indexFault struct {
	owner  []byte // the user whose due index it is; nil: the root bucket
	remove []byte
	add    []byte
	msg    string
}

// indexScan is what scanIndexes found.
type indexScan struct {
	// damaged describes the card states and users that cannot be decoded,
	// in key order: primary damage, which only a backup undoes.
	damaged []string
	due     []indexFault
	wake    []indexFault
	// minutesNow counts the due indexes' entries by minute as they are,
	// what the histogram must agree with now; minutesAfter as they will
	// be once the due faults are put right.
	minutesNow, minutesAfter map[string]uint64
}

// scanIndexes reads every user, card state and index entry once and
// compares the due and wake indexes with the records.
func scanIndexes(btx *bolt.Tx) (*indexScan, error) {
	scan := &indexScan{minutesNow: map[string]uint64{}}
	if err := scan.wakeIndex(btx); err != nil {
		return nil, err
	}
	if err := scan.dueIndexes(btx); err != nil {
		return nil, err
	}
	scan.minutesAfter = maps.Clone(scan.minutesNow)
	for _, f := range scan.due {
		if len(f.remove) >= timeKeyLen && f.owner != nil {
			scan.minutesAfter[string(minuteKey(f.remove))]--
		}
		if f.add != nil {
			scan.minutesAfter[string(minuteKey(f.add))]++
		}
	}
	return scan, nil
}

// wakeIndex compares the wake index with the users' WakeAt.
func (scan *indexScan) wakeIndex(btx *bolt.Tx) error {
	users, err := rootBucket(btx, bucketUsers)
	if err != nil {
		return err
	}
	wake, err := rootBucket(btx, bucketWake)
	if err != nil {
		return err
	}
	// decodable holds every stored user: true when the record decodes.
	decodable := map[string]bool{}
	want := map[string][]byte{} // user → its entry, for users with a wake-up
	var order []string          // the users with a wake-up, in key order
	c := users.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var u prep.User
		if err := decode(v, &u, "users", k); err != nil {
			scan.damaged = append(scan.damaged, fmt.Sprintf("the user %q cannot be decoded (%v)", k, err))
			decodable[string(k)] = false
			continue
		}
		decodable[string(k)] = true
		if !u.WakeAt.IsZero() {
			want[string(k)] = wakeKey(u.WakeAt, prep.UserKey(k))
			order = append(order, string(k))
		}
	}

	present := map[string]bool{} // users whose right entry is there
	var extra [][]byte
	c = wake.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) >= timeKeyLen {
			user := string(k[timeKeyLen:])
			if w, ok := want[user]; ok && bytes.Equal(w, k) {
				present[user] = true
				continue
			}
			if ok, stored := decodable[user]; stored && !ok {
				continue // nothing says where a damaged user's entry belongs
			}
		}
		extra = append(extra, bytes.Clone(k))
	}
	for _, k := range extra {
		f := indexFault{remove: k}
		if len(k) < timeKeyLen {
			f.msg = fmt.Sprintf("the wake index has the key %q, shorter than a time", k)
			scan.wake = append(scan.wake, f)
			continue
		}
		user, at := k[timeKeyLen:], formatKeyTime(k)
		w, wakes := want[string(user)]
		switch {
		case wakes && !present[string(user)]:
			f.add = w
			present[string(user)] = true
			f.msg = fmt.Sprintf("the wake index has user %q waking at %s, but the user's wake-up is %s", user, at, formatKeyTime(w))
		case wakes:
			f.msg = fmt.Sprintf("the wake index has user %q at %s too, besides at the user's wake-up %s", user, at, formatKeyTime(w))
		case decodable[string(user)]:
			f.msg = fmt.Sprintf("the wake index has user %q waking at %s, but the user has no wake-up set", user, at)
		default:
			f.msg = fmt.Sprintf("the wake index has user %q, who is not stored", user)
		}
		scan.wake = append(scan.wake, f)
	}
	for _, user := range order {
		if !present[user] {
			scan.wake = append(scan.wake, indexFault{
				add: want[user],
				msg: fmt.Sprintf("the wake index lacks user %q, whose wake-up is %s", user, formatKeyTime(want[user])),
			})
		}
	}
	return nil
}

// dueIndexes compares every user's due index with the user's card states,
// and counts the entries by minute for the histogram.
func (scan *indexScan) dueIndexes(btx *bolt.Tx) error {
	cards, err := rootBucket(btx, bucketCards)
	if err != nil {
		return err
	}
	due, err := rootBucket(btx, bucketDue)
	if err != nil {
		return err
	}
	var users [][]byte
	if err := cards.ForEachBucket(func(k []byte) error {
		users = append(users, k)
		return nil
	}); err != nil {
		return err
	}
	c := due.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if due.Bucket(k) == nil {
			scan.due = append(scan.due, indexFault{
				remove: bytes.Clone(k),
				msg:    fmt.Sprintf("the due bucket holds the record %q where only users' due indexes belong", k),
			})
			continue
		}
		if cards.Bucket(k) == nil {
			users = append(users, k)
		}
	}
	slices.SortFunc(users, bytes.Compare)
	for _, user := range users {
		scan.userDueIndex(user, cards.Bucket(user), due.Bucket(user))
	}
	return nil
}

// userDueIndex compares one user's due index (nil: none) with the user's
// card states (nil: none).
func (scan *indexScan) userDueIndex(user []byte, cards, index *bolt.Bucket) {
	var want [][]byte                // the entries the states call for
	wantOf := map[string][]byte{}    // card ID → its entry
	undecodable := map[string]bool{} // card IDs whose state cannot be decoded
	if cards != nil {
		c := cards.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			rec, err := decodeCardRecord(v, cardsBucketName(prep.UserKey(user)), k)
			if err != nil {
				scan.damaged = append(scan.damaged, fmt.Sprintf("the card state %q of %q cannot be decoded (%v)", k, user, err))
				undecodable[string(k)] = true
				continue
			}
			key := dueKey(rec.Due, string(k))
			want = append(want, key)
			wantOf[string(k)] = key
		}
	}
	slices.SortFunc(want, bytes.Compare)

	// Both lists in key order: one merge finds what is missing and what is
	// extra.
	var missing, extra [][]byte
	i := 0
	if index != nil {
		c := index.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			for i < len(want) && bytes.Compare(want[i], k) < 0 {
				missing = append(missing, want[i])
				i++
			}
			if len(k) >= timeKeyLen {
				scan.minutesNow[string(minuteKey(k))]++
			}
			if i < len(want) && bytes.Equal(want[i], k) {
				i++
				continue
			}
			if len(k) >= timeKeyLen && undecodable[string(k[timeKeyLen:])] {
				continue // nothing says where a damaged state's entry belongs
			}
			extra = append(extra, bytes.Clone(k))
		}
	}
	missing = append(missing, want[i:]...)

	unpaired := map[string]bool{}
	for _, k := range missing {
		unpaired[string(k)] = true
	}
	for _, k := range extra {
		f := indexFault{owner: user, remove: k}
		if len(k) < timeKeyLen {
			f.msg = fmt.Sprintf("the due index of %q has the key %q, shorter than a time", user, k)
			scan.due = append(scan.due, f)
			continue
		}
		id, at := k[timeKeyLen:], formatKeyTime(k)
		w, stored := wantOf[string(id)]
		switch {
		case stored && unpaired[string(w)]:
			f.add = w
			delete(unpaired, string(w))
			f.msg = fmt.Sprintf("the due index of %q has card %q due at %s, but its state is due %s", user, id, at, formatKeyTime(w))
		case stored:
			f.msg = fmt.Sprintf("the due index of %q has card %q at %s too, besides at its due time %s", user, id, at, formatKeyTime(w))
		default:
			f.msg = fmt.Sprintf("the due index of %q has card %q due at %s, which has no card state", user, id, at)
		}
		scan.due = append(scan.due, f)
	}
	for _, k := range missing {
		if unpaired[string(k)] {
			scan.due = append(scan.due, indexFault{
				owner: user, add: k,
				msg: fmt.Sprintf("the due index of %q lacks card %q, whose state is due %s", user, k[timeKeyLen:], formatKeyTime(k)),
			})
		}
	}
}

// applyFaults makes the writes that put an index right, removals before
// additions so that an entry moved within a minute does not collide, and
// counts them. For the due indexes, each fault's owner names the user's
// bucket (created when an entry must go into a missing one); a nil owner is
// the root bucket itself.
func applyFaults(btx *bolt.Tx, root []byte, faults []indexFault) (IndexRepair, error) {
	var r IndexRepair
	b, err := rootBucket(btx, root)
	if err != nil {
		return r, err
	}
	in := func(owner []byte, create bool) (*bolt.Bucket, error) {
		switch {
		case owner == nil:
			return b, nil
		case create:
			return b.CreateBucketIfNotExists(owner)
		default:
			return b.Bucket(owner), nil
		}
	}
	for _, f := range faults {
		if f.remove == nil {
			continue
		}
		target, err := in(f.owner, false)
		if err != nil {
			return r, err
		}
		if target.Bucket(f.remove) != nil {
			err = target.DeleteBucket(f.remove)
		} else {
			err = target.Delete(f.remove)
		}
		if err != nil {
			return r, fmt.Errorf("remove %q: %w", f.remove, err)
		}
		r.Removed++
	}
	for _, f := range faults {
		if f.add == nil {
			continue
		}
		target, err := in(f.owner, true)
		if err != nil {
			return r, err
		}
		if err := target.Put(f.add, []byte{}); err != nil {
			return r, fmt.Errorf("add %q: %w", f.add, err)
		}
		r.Added++
	}
	return r, nil
}

// minuteFault is a minute of the due histogram whose stored count differs
// from the due indexes'.
type minuteFault struct {
	key      []byte
	got      uint64
	readable bool // whether got could be read; if not, it is meaningless
	want     uint64
}

func (f minuteFault) String() string {
	if !f.readable {
		return fmt.Sprintf("the due histogram's entry for %s cannot be read (%d card states are due in that minute)", formatMinute(f.key), f.want)
	}
	return fmt.Sprintf("the due histogram counts %d card states due in the minute %s, the due indexes hold %d", f.got, formatMinute(f.key), f.want)
}

// diffDueMinutes compares the due histogram with counts of due-index
// entries by minute and returns the minutes that differ, in time order.
func diffDueMinutes(btx *bolt.Tx, want map[string]uint64) ([]minuteFault, error) {
	minutes, err := rootBucket(btx, bucketDueMinutes)
	if err != nil {
		return nil, err
	}
	var faults []minuteFault
	seen := map[string]bool{}
	c := minutes.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		seen[string(k)] = true
		n, err := decodeMinuteCount(k, v)
		readable := err == nil && len(k) == timeKeyLen
		if readable && n == want[string(k)] {
			continue
		}
		faults = append(faults, minuteFault{key: bytes.Clone(k), got: n, readable: readable, want: want[string(k)]})
	}
	for k, n := range want {
		if !seen[k] && n != 0 {
			faults = append(faults, minuteFault{key: []byte(k), readable: true, want: n})
		}
	}
	slices.SortFunc(faults, func(a, b minuteFault) int { return bytes.Compare(a.key, b.key) })
	return faults, nil
}

// repairDueMinutes writes the histogram's minutes that differ from want
// and returns how many it wrote or deleted.
func repairDueMinutes(btx *bolt.Tx, want map[string]uint64) (int, error) {
	faults, err := diffDueMinutes(btx, want)
	if err != nil {
		return 0, err
	}
	minutes, err := rootBucket(btx, bucketDueMinutes)
	if err != nil {
		return 0, err
	}
	for _, f := range faults {
		switch {
		case f.want == 0 && minutes.Bucket(f.key) != nil:
			err = minutes.DeleteBucket(f.key)
		case f.want == 0:
			err = minutes.Delete(f.key)
		default:
			err = minutes.Put(f.key, binary.BigEndian.AppendUint64(make([]byte, 0, 8), f.want))
		}
		if err != nil {
			return 0, fmt.Errorf("minute %s: %w", formatMinute(f.key), err)
		}
	}
	return len(faults), nil
}

// formatKeyTime names the time at the start of an index key in messages.
func formatKeyTime(key []byte) string {
	n := int64(binary.BigEndian.Uint64(key[:timeKeyLen]) ^ (1 << 63))
	return time.Unix(0, n).UTC().Format(time.RFC3339Nano)
}
