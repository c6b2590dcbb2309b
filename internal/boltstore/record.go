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
}

func newReviewRecord(r prep.Review) reviewRecord {
	return reviewRecord{
		Seq:    r.Seq,
		User:   string(r.User),
		CardID: r.CardID,
		Time:   r.Time.UTC(),
		Rating: int(r.Rating),
		Before: newStateRecord(r.Before),
		After:  newStateRecord(r.After),
	}
}

func (r reviewRecord) review() prep.Review {
	return prep.Review{
		Seq:    r.Seq,
		User:   prep.UserKey(r.User),
		CardID: r.CardID,
		Time:   r.Time,
		Rating: prep.Rating(r.Rating),
		Before: r.Before.state(),
		After:  r.After.state(),
	}
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
