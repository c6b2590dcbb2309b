package prep

import (
	"errors"
	"iter"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"
)

// Errors a Store returns; callers compare with errors.Is.
var (
	// ErrNotFound: the user, card state or review does not exist.
	ErrNotFound = errors.New("prep: not found")
	// ErrLocked: another process holds the database.
	ErrLocked = errors.New("prep: database is held by another process")
)

// Rating is the user's self-assessment of a recall.
type Rating = fsrs.Rating

// The four ratings, as in Anki.
const (
	Again = fsrs.Again
	Hard  = fsrs.Hard
	Good  = fsrs.Good
	Easy  = fsrs.Easy
)

// CardState is one user's memory state of one card, as FSRS schedules it.
type CardState struct {
	CardID string
	FSRS   fsrs.Card
	// Suspended cards keep their schedule but are not asked (leeches the
	// user set aside); /suspended lets them back in.
	Suspended bool
}

// Review is one entry of a user's review log: when a card was rated, how,
// and its state before and after, so that undo can restore it exactly.
type Review struct {
	Seq    uint64 // assigned by the store, increasing per user
	User   UserKey
	CardID string
	Time   time.Time
	Rating Rating
	Before CardState
	After  CardState
	// Attempts is an exercise's record when it was rated (hints shown,
	// wrong results), which /undo brings back; zero for a flashcard, and
	// in reviews written before it was kept.
	Attempts ExerciseAttempts
}

// Store keeps users, card states and reviews. Every domain operation runs in
// one transaction: Update commits (and fsyncs) before it returns, so anything
// the engine tells a user it recorded is on disk.
type Store interface {
	View(fn func(Tx) error) error
	Update(fn func(Tx) error) error
	Close() error
}

// Tx is a transaction on the store. Sequences it returns are valid only
// inside the transaction.
type Tx interface {
	// User returns the user, or ErrNotFound.
	User(key UserKey) (User, error)
	// PutUser creates or replaces the user.
	PutUser(u User) error
	// Users lists every user.
	Users() iter.Seq2[User, error]
	// Waking lists the users whose WakeAt is set and at or before the given
	// time, earliest first, reading only that part of a WakeAt index that
	// PutUser keeps in step.
	Waking(before time.Time) iter.Seq2[User, error]

	// CardState returns the user's state of a card, or ErrNotFound for a card
	// the user has never rated.
	CardState(user UserKey, cardID string) (CardState, error)
	// CardStateIDs lists the IDs of the cards the user has a state for (has
	// studied), in ID order, without decoding the states: finding unseen
	// cards checks every card of the decks against it.
	CardStateIDs(user UserKey) iter.Seq2[string, error]
	// PutCardState stores a card state and keeps the due index in step.
	PutCardState(user UserKey, st CardState) error
	// DeleteCardState removes a card state and its due-index entry (undo of a
	// card's first review).
	DeleteCardState(user UserKey, cardID string) error
	// CardStates lists all of a user's card states.
	CardStates(user UserKey) iter.Seq2[CardState, error]
	// Due lists the user's card states due at or before the given time,
	// earliest first, reading only the due index's entries up to that time.
	Due(user UserKey, before time.Time) iter.Seq2[CardState, error]

	// AppendReview adds a review to the user's log and returns it with its Seq.
	AppendReview(r Review) (Review, error)
	// LastReview returns the user's latest review, or ErrNotFound.
	LastReview(user UserKey) (Review, error)
	// DeleteReview removes a review from the log (undo). The review is found
	// by its user, Time and Seq.
	DeleteReview(r Review) error
	// Reviews lists the user's reviews with Time at or after since, oldest
	// first.
	Reviews(user UserKey, since time.Time) iter.Seq2[Review, error]

	// Deliver records a platform delivery id (an update or envelope id) and
	// reports whether it had been recorded before, so a redelivered event
	// changes nothing.
	Deliver(id string, at time.Time) (seen bool, err error)

	// Cursor returns a named position an adapter persists, such as the
	// Telegram update offset; 0 when never set.
	Cursor(name string) (int64, error)
	// SetCursor stores a named position.
	SetCursor(name string, v int64) error

	// PutLinkCode stores a one-time code with which another account links
	// to user until expires.
	PutLinkCode(code string, user UserKey, expires time.Time) error
	// TakeLinkCode returns the user and expiry of a code and deletes it, or
	// ErrNotFound.
	TakeLinkCode(code string) (UserKey, time.Time, error)
}
