package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/prepbot/prepbot/internal/prep"
)

// errTxDone is returned by a Tx, or yielded by one of its iterators, used
// after its View or Update returned: bbolt's pages are no longer valid then.
var errTxDone = errors.New("boltstore: transaction has ended; use a Tx and its iterators only inside the View or Update that passed it")

// tx is a prep.Tx on one bbolt transaction.
//
// Iterators may be ranged over while the loop body writes (say, updating each
// due card): in a writable transaction they re-seek after every yield,
// because a bbolt cursor is not valid across writes to its bucket.
type tx struct {
	btx  *bolt.Tx
	done bool
	// indexVisited counts the index entries Due and Waking have read, so
	// that tests and benchmarks can show their scans stop at the bound.
	indexVisited int
	// storedWake is the WakeAt of each user record this transaction has
	// read or written, as it now stands in the file. A turn reads its user
	// and writes it back: with the old wake time at hand, PutUser neither
	// decodes the old record again nor touches the wake index when the time
	// has not changed (it does not, between the ratings of a session).
	storedWake map[prep.UserKey]time.Time
}

// knowWake records the wake time user's stored record now holds.
func (t *tx) knowWake(user prep.UserKey, at time.Time) {
	if t.storedWake == nil {
		t.storedWake = make(map[prep.UserKey]time.Time)
	}
	t.storedWake[user] = at
}

func (t *tx) end() { t.done = true }

// rootBucket returns a top-level bucket, which every migrated file has.
func rootBucket(btx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	if b := btx.Bucket(name); b != nil {
		return b, nil
	}
	return nil, fmt.Errorf("bucket %s is missing: %w", name, ErrDamaged)
}

func (t *tx) root(name []byte) (*bolt.Bucket, error) {
	if t.done {
		return nil, errTxDone
	}
	return rootBucket(t.btx, name)
}

// userBucket returns the user's bucket nested in a top-level bucket, creating
// it when create is set; without create it returns nil for a user who has
// none yet.
func (t *tx) userBucket(root []byte, user prep.UserKey, create bool) (*bolt.Bucket, error) {
	r, err := t.root(root)
	if err != nil {
		return nil, err
	}
	if user == "" {
		return nil, errors.New("empty user key")
	}
	if create {
		return r.CreateBucketIfNotExists([]byte(user))
	}
	return r.Bucket([]byte(user)), nil
}

// each calls fn with b's entries in key order from start (nil: the first)
// until fn returns false or the entries run out.
func (t *tx) each(b *bolt.Bucket, start []byte, fn func(k, v []byte) bool) {
	writable := t.btx.Writable()
	c := b.Cursor()
	var k, v []byte
	if start == nil {
		k, v = c.First()
	} else {
		k, v = c.Seek(start)
	}
	for k != nil {
		if writable {
			// fn may write, which can move the page k points into.
			k = bytes.Clone(k)
		}
		if !fn(k, v) || t.done {
			return
		}
		if !writable {
			k, v = c.Next()
			continue
		}
		prev := k
		if k, v = c.Seek(prev); k != nil && bytes.Equal(k, prev) {
			k, v = c.Next()
		}
	}
}

// User returns the user, or an error wrapping prep.ErrNotFound.
func (t *tx) User(key prep.UserKey) (prep.User, error) {
	b, err := t.root(bucketUsers)
	if err != nil {
		return prep.User{}, fmt.Errorf("boltstore: user %q: %w", key, err)
	}
	v := b.Get([]byte(key))
	if v == nil {
		return prep.User{}, fmt.Errorf("boltstore: user %q: %w", key, prep.ErrNotFound)
	}
	var u prep.User
	if err := decode(v, &u, "users", []byte(key)); err != nil {
		return prep.User{}, fmt.Errorf("boltstore: user %q: %w", key, err)
	}
	t.knowWake(key, u.WakeAt)
	return u, nil
}

// PutUser creates or replaces the user.
func (t *tx) PutUser(u prep.User) error {
	if err := t.putUser(u); err != nil {
		return fmt.Errorf("boltstore: put user %q: %w", u.Key, err)
	}
	return nil
}

func (t *tx) putUser(u prep.User) error {
	b, err := t.root(bucketUsers)
	if err != nil {
		return err
	}
	wake, err := t.root(bucketWake)
	if err != nil {
		return err
	}
	if u.Key == "" {
		return errors.New("empty user key")
	}
	key := []byte(u.Key)
	v, err := json.Marshal(u)
	if err != nil {
		return err
	}
	old, known := t.storedWake[u.Key]
	if known && old.Equal(u.WakeAt) {
		return b.Put(key, v)
	}
	switch {
	case !known:
		err = unindexWake(wake, key, b.Get(key))
	case !old.IsZero():
		err = wake.Delete(wakeKey(old, u.Key))
	}
	if err != nil {
		return err
	}
	if err := b.Put(key, v); err != nil {
		return err
	}
	t.knowWake(u.Key, u.WakeAt)
	if u.WakeAt.IsZero() {
		return nil
	}
	return wake.Put(wakeKey(u.WakeAt, u.Key), []byte{})
}

// wakeKey is the wake index's key of a user: the wake-up time, then the user
// key.
func wakeKey(at time.Time, user prep.UserKey) []byte {
	return append(appendTime(make([]byte, 0, timeKeyLen+len(user)), at), user...)
}

// wakeRecord is the part of a stored user the wake index follows. Decoding
// only it keeps the index (and migration 2) working whatever else a user
// record holds.
type wakeRecord struct {
	WakeAt time.Time
}

// unindexWake removes a user's wake index entry, found from the stored user
// old (nil when there is none), or by a scan when old cannot be decoded.
func unindexWake(wake *bolt.Bucket, user, old []byte) error {
	if old == nil {
		return nil
	}
	var rec wakeRecord
	if json.Unmarshal(old, &rec) == nil {
		if rec.WakeAt.IsZero() {
			return nil
		}
		return wake.Delete(wakeKey(rec.WakeAt, prep.UserKey(user)))
	}
	for _, k := range keysBySuffix(wake, user) {
		if err := wake.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// keysBySuffix lists the index entries time ‖ suffix: the slow way to find a
// record's entry when the record that says its time is damaged. It collects
// before the caller deletes, since deleting under a bbolt cursor can skip
// keys.
func keysBySuffix(index *bolt.Bucket, suffix []byte) [][]byte {
	var found [][]byte
	c := index.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) >= timeKeyLen && bytes.Equal(k[timeKeyLen:], suffix) {
			found = append(found, bytes.Clone(k))
		}
	}
	return found
}

// Users lists every user in key order. A damaged record yields an error
// naming it; ranging on continues with the next user.
func (t *tx) Users() iter.Seq2[prep.User, error] {
	return func(yield func(prep.User, error) bool) {
		b, err := t.root(bucketUsers)
		if err != nil {
			yield(prep.User{}, fmt.Errorf("boltstore: list users: %w", err))
			return
		}
		t.each(b, nil, func(k, v []byte) bool {
			var u prep.User
			if err := decode(v, &u, "users", k); err != nil {
				return yield(prep.User{}, fmt.Errorf("boltstore: list users: %w", err))
			}
			return yield(u, nil)
		})
	}
}

// Waking lists the users whose WakeAt is set and at or before the given
// time, earliest first (by key within the same instant). Like Due, it reads
// the wake index only up to its bound and loads only the users it yields.
func (t *tx) Waking(before time.Time) iter.Seq2[prep.User, error] {
	return func(yield func(prep.User, error) bool) {
		fail := func(err error) bool {
			return yield(prep.User{}, fmt.Errorf("boltstore: list waking users: %w", err))
		}
		wake, err := t.root(bucketWake)
		if err != nil {
			fail(err)
			return
		}
		users, err := t.root(bucketUsers)
		if err != nil {
			fail(err)
			return
		}
		bound := appendTime(nil, before)
		t.each(wake, nil, func(k, _ []byte) bool {
			t.indexVisited++
			if len(k) < timeKeyLen {
				return fail(fmt.Errorf("wake index key %q is shorter than a time", k))
			}
			if bytes.Compare(k[:timeKeyLen], bound) > 0 {
				return false
			}
			key := k[timeKeyLen:]
			v := users.Get(key)
			if v == nil {
				return fail(fmt.Errorf("wake index lists user %q, who is not stored", key))
			}
			var u prep.User
			if err := decode(v, &u, "users", key); err != nil {
				return fail(err)
			}
			return yield(u, nil)
		})
	}
}

// CardState returns the user's state of a card, or an error wrapping
// prep.ErrNotFound.
func (t *tx) CardState(user prep.UserKey, cardID string) (prep.CardState, error) {
	st, err := t.cardState(user, cardID)
	if err != nil {
		return prep.CardState{}, fmt.Errorf("boltstore: card state %q of %q: %w", cardID, user, err)
	}
	return st, nil
}

// CardStateIDs lists the IDs of the user's card states in ID order, reading
// keys only. It reads them all in one cursor pass before yielding the
// first: the IDs are copied anyway, and a pass that cannot be disturbed by
// writes between yields spares the re-seek after every key that each does
// in a write transaction (a fifth of a rating's CPU with 200 states).
func (t *tx) CardStateIDs(user prep.UserKey) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		b, err := t.userBucket(bucketCards, user, false)
		if err != nil {
			yield("", fmt.Errorf("boltstore: list card IDs of %q: %w", user, err))
			return
		}
		if b == nil {
			return
		}
		var ids []string
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			ids = append(ids, string(k))
		}
		for _, id := range ids {
			if !yield(id, nil) || t.done {
				return
			}
		}
	}
}

func (t *tx) cardState(user prep.UserKey, cardID string) (prep.CardState, error) {
	b, err := t.userBucket(bucketCards, user, false)
	if err != nil {
		return prep.CardState{}, err
	}
	var v []byte
	if b != nil {
		v = b.Get([]byte(cardID))
	}
	if v == nil {
		return prep.CardState{}, prep.ErrNotFound
	}
	rec, err := decodeCardRecord(v, cardsBucketName(user), []byte(cardID))
	if err != nil {
		return prep.CardState{}, err
	}
	return rec.state(cardID), nil
}

// PutCardState stores a card state and moves its due-index entry, in this
// transaction, from the old due time to the new one.
func (t *tx) PutCardState(user prep.UserKey, st prep.CardState) error {
	if err := t.putCardState(user, st); err != nil {
		return fmt.Errorf("boltstore: put card state %q of %q: %w", st.CardID, user, err)
	}
	return nil
}

func (t *tx) putCardState(user prep.UserKey, st prep.CardState) error {
	if st.CardID == "" {
		return errors.New("empty card ID")
	}
	cards, err := t.userBucket(bucketCards, user, true)
	if err != nil {
		return err
	}
	due, err := t.dueIndex(user)
	if err != nil {
		return err
	}
	id := []byte(st.CardID)
	if err := unindexDue(due, id, cards.Get(id)); err != nil {
		return err
	}
	rec := cardRecordOf(st)
	v, err := rec.appendBinary(make([]byte, 0, 64))
	if err != nil {
		return err
	}
	if err := cards.Put(id, v); err != nil {
		return err
	}
	return due.add(dueKey(rec.Due, st.CardID))
}

// unindexDue removes a card's due-index entry, found from its stored state
// old (nil when there is none). When old cannot be decoded, it finds the
// entry by scanning the user's index, so that a damaged state can still be
// overwritten or deleted; the histogram then loses the entry at the time in
// the key found, the only due time left to trust.
func unindexDue(due dueIndex, id, old []byte) error {
	if old == nil {
		return nil
	}
	if rec, err := decodeCardRecord(old, "", id); err == nil {
		return due.remove(dueKey(rec.Due, string(id)))
	}
	for _, k := range keysBySuffix(due.entries, id) {
		if err := due.remove(k); err != nil {
			return err
		}
	}
	return nil
}

// DeleteCardState removes a card state and its due-index entry, or returns
// an error wrapping prep.ErrNotFound.
func (t *tx) DeleteCardState(user prep.UserKey, cardID string) error {
	if err := t.deleteCardState(user, cardID); err != nil {
		return fmt.Errorf("boltstore: delete card state %q of %q: %w", cardID, user, err)
	}
	return nil
}

func (t *tx) deleteCardState(user prep.UserKey, cardID string) error {
	cards, err := t.userBucket(bucketCards, user, false)
	if err != nil {
		return err
	}
	id := []byte(cardID)
	var old []byte
	if cards != nil {
		old = cards.Get(id)
	}
	if old == nil {
		return prep.ErrNotFound
	}
	due, err := t.dueIndex(user)
	if err != nil {
		return err
	}
	if err := unindexDue(due, id, old); err != nil {
		return err
	}
	return cards.Delete(id)
}

// CardStates lists all of a user's card states in card ID order.
func (t *tx) CardStates(user prep.UserKey) iter.Seq2[prep.CardState, error] {
	return func(yield func(prep.CardState, error) bool) {
		b, err := t.userBucket(bucketCards, user, false)
		if err != nil {
			yield(prep.CardState{}, fmt.Errorf("boltstore: list card states of %q: %w", user, err))
			return
		}
		if b == nil {
			return
		}
		t.each(b, nil, func(k, v []byte) bool {
			rec, err := decodeCardRecord(v, cardsBucketName(user), k)
			if err != nil {
				return yield(prep.CardState{}, fmt.Errorf("boltstore: list card states of %q: %w", user, err))
			}
			return yield(rec.state(string(k)), nil)
		})
	}
}

// Due lists the user's card states due at or before the given time, earliest
// first (by card ID within the same instant). It walks the due index from its
// start and stops at the first entry after before, loading only the states it
// yields.
func (t *tx) Due(user prep.UserKey, before time.Time) iter.Seq2[prep.CardState, error] {
	return func(yield func(prep.CardState, error) bool) {
		fail := func(err error) bool {
			return yield(prep.CardState{}, fmt.Errorf("boltstore: list due cards of %q: %w", user, err))
		}
		due, err := t.userBucket(bucketDue, user, false)
		if err != nil {
			fail(err)
			return
		}
		if due == nil {
			return
		}
		cards, err := t.userBucket(bucketCards, user, false)
		if err != nil {
			fail(err)
			return
		}
		bound := appendTime(nil, before)
		t.each(due, nil, func(k, _ []byte) bool {
			t.indexVisited++
			if len(k) < timeKeyLen {
				return fail(fmt.Errorf("due index key %q is shorter than a time", k))
			}
			if bytes.Compare(k[:timeKeyLen], bound) > 0 {
				return false
			}
			id := k[timeKeyLen:]
			var v []byte
			if cards != nil {
				v = cards.Get(id)
			}
			if v == nil {
				return fail(fmt.Errorf("due index lists card %q, which has no state", id))
			}
			rec, err := decodeCardRecord(v, cardsBucketName(user), id)
			if err != nil {
				return fail(err)
			}
			return yield(rec.state(string(id)), nil)
		})
	}
}

// AppendReview adds a review to the user's log and returns it with its Seq,
// the next number of the user's review bucket's sequence.
func (t *tx) AppendReview(r prep.Review) (prep.Review, error) {
	b, err := t.userBucket(bucketReviews, r.User, true)
	if err != nil {
		return prep.Review{}, fmt.Errorf("boltstore: append review of %q: %w", r.User, err)
	}
	seq, err := b.NextSequence()
	if err != nil {
		return prep.Review{}, fmt.Errorf("boltstore: append review of %q: %w", r.User, err)
	}
	r.Seq = seq
	v, err := json.Marshal(newReviewRecord(r))
	if err != nil {
		return prep.Review{}, fmt.Errorf("boltstore: append review of %q: %w", r.User, err)
	}
	if err := b.Put(reviewKey(r.Time, seq), v); err != nil {
		return prep.Review{}, fmt.Errorf("boltstore: append review of %q: %w", r.User, err)
	}
	return r, nil
}

// LastReview returns the user's review with the latest Time (the highest
// Seq among equal times), or an error wrapping prep.ErrNotFound.
func (t *tx) LastReview(user prep.UserKey) (prep.Review, error) {
	b, err := t.userBucket(bucketReviews, user, false)
	if err != nil {
		return prep.Review{}, fmt.Errorf("boltstore: last review of %q: %w", user, err)
	}
	var k, v []byte
	if b != nil {
		k, v = b.Cursor().Last()
	}
	if k == nil {
		return prep.Review{}, fmt.Errorf("boltstore: last review of %q: %w", user, prep.ErrNotFound)
	}
	var rec reviewRecord
	if err := decode(v, &rec, reviewsBucketName(user), k); err != nil {
		return prep.Review{}, fmt.Errorf("boltstore: last review of %q: %w", user, err)
	}
	return rec.review(), nil
}

// DeleteReview removes the review with r's User, Time and Seq, or returns an
// error wrapping prep.ErrNotFound.
func (t *tx) DeleteReview(r prep.Review) error {
	b, err := t.userBucket(bucketReviews, r.User, false)
	if err != nil {
		return fmt.Errorf("boltstore: delete review %d of %q: %w", r.Seq, r.User, err)
	}
	key := reviewKey(r.Time, r.Seq)
	if b == nil || b.Get(key) == nil {
		return fmt.Errorf("boltstore: delete review %d of %q at %v: %w", r.Seq, r.User, r.Time, prep.ErrNotFound)
	}
	if err := b.Delete(key); err != nil {
		return fmt.Errorf("boltstore: delete review %d of %q: %w", r.Seq, r.User, err)
	}
	return nil
}

// Reviews lists the user's reviews with Time at or after since, oldest
// first, starting with a seek rather than a scan of older reviews.
func (t *tx) Reviews(user prep.UserKey, since time.Time) iter.Seq2[prep.Review, error] {
	return func(yield func(prep.Review, error) bool) {
		b, err := t.userBucket(bucketReviews, user, false)
		if err != nil {
			yield(prep.Review{}, fmt.Errorf("boltstore: list reviews of %q: %w", user, err))
			return
		}
		if b == nil {
			return
		}
		t.each(b, appendTime(nil, since), func(k, v []byte) bool {
			var rec reviewRecord
			if err := decode(v, &rec, reviewsBucketName(user), k); err != nil {
				return yield(prep.Review{}, fmt.Errorf("boltstore: list reviews of %q: %w", user, err))
			}
			return yield(rec.review(), nil)
		})
	}
}

// Deliver records a delivery id at the given time, or reports seen and
// writes nothing when the id is already recorded.
func (t *tx) Deliver(id string, at time.Time) (bool, error) {
	seen, err := t.deliver(id, at)
	if err != nil {
		return false, fmt.Errorf("boltstore: record delivery %q: %w", id, err)
	}
	return seen, nil
}

func (t *tx) deliver(id string, at time.Time) (bool, error) {
	if id == "" {
		return false, errors.New("empty delivery id")
	}
	ids, err := t.root(bucketDeliveries)
	if err != nil {
		return false, err
	}
	byTime, err := t.root(bucketDeliveryTimes)
	if err != nil {
		return false, err
	}
	if ids.Get([]byte(id)) != nil {
		return true, nil
	}
	if err := ids.Put([]byte(id), appendTime(nil, at)); err != nil {
		return false, err
	}
	return false, byTime.Put(append(appendTime(nil, at), id...), []byte{})
}

// Cursor returns the named position, 0 when never set.
func (t *tx) Cursor(name string) (int64, error) {
	b, err := t.root(bucketCursors)
	if err != nil {
		return 0, fmt.Errorf("boltstore: cursor %q: %w", name, err)
	}
	v := b.Get([]byte(name))
	switch {
	case v == nil:
		return 0, nil
	case len(v) != 8:
		return 0, fmt.Errorf("boltstore: cursor %q: value is %d bytes, want 8", name, len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// SetCursor stores the named position.
func (t *tx) SetCursor(name string, v int64) error {
	b, err := t.root(bucketCursors)
	if err == nil && name == "" {
		err = errors.New("empty cursor name")
	}
	if err == nil {
		err = b.Put([]byte(name), binary.BigEndian.AppendUint64(nil, uint64(v)))
	}
	if err != nil {
		return fmt.Errorf("boltstore: set cursor %q: %w", name, err)
	}
	return nil
}

// cardsBucketName and reviewsBucketName name a user's nested bucket in
// errors, the way the package documentation writes it.
func cardsBucketName(user prep.UserKey) string   { return "cards/" + string(user) }
func reviewsBucketName(user prep.UserKey) string { return "reviews/" + string(user) }
