package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/prep"
)

// timeKeyLen is the length of a time in a key.
const timeKeyLen = 8

// The instants unix nanoseconds can hold; keys clamp to them because
// UnixNano is undefined outside, and a zero time (year 1) must still sort
// before every real one.
var (
	minKeyTime = time.Unix(0, math.MinInt64)
	maxKeyTime = time.Unix(0, math.MaxInt64)
)

// appendTime appends t's 8-byte order-preserving form: unix nanoseconds with
// the sign bit flipped, big-endian, so bytes.Compare agrees with time order.
func appendTime(b []byte, t time.Time) []byte {
	var n int64
	switch {
	case t.Before(minKeyTime):
		n = math.MinInt64
	case t.After(maxKeyTime):
		n = math.MaxInt64
	default:
		n = t.UnixNano()
	}
	return binary.BigEndian.AppendUint64(b, uint64(n)^(1<<63))
}

// dueKey is the due index's key of a card: its due time, then its ID, so
// cards due at the same instant stay distinct and sort by ID.
func dueKey(due time.Time, cardID string) []byte {
	return append(appendTime(make([]byte, 0, timeKeyLen+len(cardID)), due), cardID...)
}

// reviewKey is a review's key: its time, then its Seq, so that the log reads
// in time order and reviews in the same nanosecond stay distinct.
func reviewKey(t time.Time, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(appendTime(make([]byte, 0, 2*timeKeyLen), t), seq)
}

// cardRecord is the stored form of an fsrs.Card. It names its fields itself
// so that a rename in go-fsrs cannot silently change the file format.
type cardRecord struct {
	Due            time.Time `json:"due"`
	Stability      float64   `json:"stability"`
	Difficulty     float64   `json:"difficulty"`
	ScheduledDays  uint64    `json:"scheduled_days"`
	Reps           uint64    `json:"reps"`
	Lapses         uint64    `json:"lapses"`
	State          int       `json:"state"`
	LastReview     time.Time `json:"last_review"`
	RemainingSteps int       `json:"remaining_steps"`
	// Suspended is the user's choice, not FSRS's: a suspended card keeps
	// its schedule but is not asked.
	Suspended bool `json:"suspended,omitempty"`
}

// cardRecordBinary tags a card record in its compact binary form (schema
// version 4). Card states are read on every study turn — a queue reads each
// due one — and the binary form decodes several times faster than JSON,
// which starts with '{' and is still read from files written before.
const cardRecordBinary = 0x01

// cardFlagSuspended is the binary form's flag bit for Suspended.
const cardFlagSuspended = 1 << 0

// appendBinary appends the record's binary form: the tag, the due time,
// stability and difficulty as IEEE-754 bits, the counters as varints, the
// last review's time and a flags byte. Times are unix seconds (varint) and
// nanoseconds (uvarint), which hold every time.Time instant including zero.
// Non-finite floats are refused, as JSON refused them, so that any stored
// state can still be exported.
func (r cardRecord) appendBinary(b []byte) ([]byte, error) {
	for _, f := range []float64{r.Stability, r.Difficulty} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("card record: stability and difficulty must be finite, got %v", f)
		}
	}
	b = append(b, cardRecordBinary)
	b = appendBinaryTime(b, r.Due)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(r.Stability))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(r.Difficulty))
	b = binary.AppendUvarint(b, r.ScheduledDays)
	b = binary.AppendUvarint(b, r.Reps)
	b = binary.AppendUvarint(b, r.Lapses)
	b = binary.AppendVarint(b, int64(r.State))
	b = binary.AppendVarint(b, int64(r.RemainingSteps))
	b = appendBinaryTime(b, r.LastReview)
	var flags byte
	if r.Suspended {
		flags |= cardFlagSuspended
	}
	return append(b, flags), nil
}

func appendBinaryTime(b []byte, t time.Time) []byte {
	return binary.AppendUvarint(binary.AppendVarint(b, t.Unix()), uint64(t.Nanosecond()))
}

// decodeCardRecord reads a card record in either stored form, naming the
// bucket and key on failure.
func decodeCardRecord(v []byte, bucket string, key []byte) (cardRecord, error) {
	var rec cardRecord
	if len(v) == 0 || v[0] != cardRecordBinary {
		err := decode(v, &rec, bucket, key)
		return rec, err
	}
	d := binaryReader{b: v[1:]}
	rec.Due = d.time()
	rec.Stability = math.Float64frombits(d.uint64())
	rec.Difficulty = math.Float64frombits(d.uint64())
	rec.ScheduledDays = d.uvarint()
	rec.Reps = d.uvarint()
	rec.Lapses = d.uvarint()
	rec.State = int(d.varint())
	rec.RemainingSteps = int(d.varint())
	rec.LastReview = d.time()
	flags := d.byte()
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d bytes after the record", len(d.b))
	}
	if d.err == nil && flags&^cardFlagSuspended != 0 {
		d.err = fmt.Errorf("unknown flags %#x", flags)
	}
	if d.err != nil {
		return cardRecord{}, fmt.Errorf("%s: decode record %q: %w", bucket, key, d.err)
	}
	rec.Suspended = flags&cardFlagSuspended != 0
	return rec, nil
}

// binaryReader reads a binary record front to back; the first short or
// malformed field sets err, and every read after it returns zero.
type binaryReader struct {
	b   []byte
	err error
}

func (d *binaryReader) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("truncated or malformed %s", what)
	}
	d.b = nil
}

func (d *binaryReader) uint64() uint64 {
	if len(d.b) < 8 {
		return consumed[uint64](d, 0, 0, "float")
	}
	return consumed(d, binary.BigEndian.Uint64(d.b), 8, "float")
}

func (d *binaryReader) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	return consumed(d, v, n, "unsigned varint")
}

func (d *binaryReader) varint() int64 {
	v, n := binary.Varint(d.b)
	return consumed(d, v, n, "varint")
}

func (d *binaryReader) byte() byte {
	if len(d.b) < 1 {
		return consumed[byte](d, 0, 0, "flags")
	}
	return consumed(d, d.b[0], 1, "flags")
}

// consumed returns v, read from the first n bytes, and moves past them; n
// of zero or less (a short or malformed field) fails the read instead.
func consumed[T any](d *binaryReader, v T, n int, what string) T {
	if n <= 0 || n > len(d.b) {
		d.fail(what)
		var zero T
		return zero
	}
	d.b = d.b[n:]
	return v
}

func (d *binaryReader) time() time.Time {
	sec, nsec := d.varint(), d.uvarint()
	if nsec >= 1e9 {
		d.fail("time")
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// state is the record as the domain's card state.
func (r cardRecord) state(cardID string) prep.CardState {
	return prep.CardState{CardID: cardID, FSRS: r.card(), Suspended: r.Suspended}
}

// cardRecordOf is a card state as stored in the cards bucket.
func cardRecordOf(st prep.CardState) cardRecord {
	rec := newCardRecord(st.FSRS)
	rec.Suspended = st.Suspended
	return rec
}

func newCardRecord(c fsrs.Card) cardRecord {
	// UTC drops the monotonic reading and the zone, which the file cannot
	// keep anyway; the instant is what matters.
	return cardRecord{
		Due:            c.Due.UTC(),
		Stability:      c.Stability,
		Difficulty:     c.Difficulty,
		ScheduledDays:  c.ScheduledDays,
		Reps:           c.Reps,
		Lapses:         c.Lapses,
		State:          int(c.State),
		LastReview:     c.LastReview.UTC(),
		RemainingSteps: c.RemainingSteps,
	}
}

func (r cardRecord) card() fsrs.Card {
	return fsrs.Card{
		Due:            r.Due,
		Stability:      r.Stability,
		Difficulty:     r.Difficulty,
		ScheduledDays:  r.ScheduledDays,
		Reps:           r.Reps,
		Lapses:         r.Lapses,
		State:          fsrs.State(r.State),
		LastReview:     r.LastReview,
		RemainingSteps: r.RemainingSteps,
	}
}

// stateRecord is a card state inside a review, where no key carries the
// card's ID.
type stateRecord struct {
	CardID string     `json:"card_id"`
	FSRS   cardRecord `json:"fsrs"`
}

func newStateRecord(st prep.CardState) stateRecord {
	return stateRecord{CardID: st.CardID, FSRS: cardRecordOf(st)}
}

func (r stateRecord) state() prep.CardState { return r.FSRS.state(r.CardID) }

// reviewRecord is the stored form of a prep.Review. Time and Seq repeat the
// key so that a record read on its own is complete.
type reviewRecord struct {
	Seq    uint64      `json:"seq"`
	User   string      `json:"user"`
	CardID string      `json:"card_id"`
	Time   time.Time   `json:"time"`
	Rating int         `json:"rating"`
	Before stateRecord `json:"before"`
	After  stateRecord `json:"after"`
	// Attempts is absent for flashcards and in reviews written before it
	// was kept; older builds ignore it.
	Attempts *attemptsRecord `json:"attempts,omitempty"`
}

// attemptsRecord is the stored form of prep.ExerciseAttempts.
type attemptsRecord struct {
	Hints int `json:"hints"`
	Wrong int `json:"wrong"`
}

func newReviewRecord(r prep.Review) reviewRecord {
	rec := reviewRecord{
		Seq:    r.Seq,
		User:   string(r.User),
		CardID: r.CardID,
		Time:   r.Time.UTC(),
		Rating: int(r.Rating),
		Before: newStateRecord(r.Before),
		After:  newStateRecord(r.After),
	}
	if r.Attempts != (prep.ExerciseAttempts{}) {
		rec.Attempts = &attemptsRecord{Hints: r.Attempts.Hints, Wrong: r.Attempts.Wrong}
	}
	return rec
}

func (r reviewRecord) review() prep.Review {
	rev := prep.Review{
		Seq:    r.Seq,
		User:   prep.UserKey(r.User),
		CardID: r.CardID,
		Time:   r.Time,
		Rating: prep.Rating(r.Rating),
		Before: r.Before.state(),
		After:  r.After.state(),
	}
	if r.Attempts != nil {
		rev.Attempts = prep.ExerciseAttempts{Hints: r.Attempts.Hints, Wrong: r.Attempts.Wrong}
	}
	return rev
}

// decode unmarshals a stored value, naming the bucket and key on failure so
// that a damaged record can be found and repaired.
func decode(v []byte, into any, bucket string, key []byte) error {
	if v == nil {
		return fmt.Errorf("%s: key %q holds a bucket, want a record", bucket, key)
	}
	if err := json.Unmarshal(v, into); err != nil {
		return fmt.Errorf("%s: decode record %q: %w", bucket, key, err)
	}
	return nil
}
