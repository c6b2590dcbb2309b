package prep

import (
	"fmt"
	"strings"
	"time"
)

// Platform is where a user talks to prepbot.
type Platform string

// The platforms prepbot speaks on.
const (
	Terminal Platform = "terminal"
	Telegram Platform = "telegram"
	Slack    Platform = "slack"
)

// UserKey identifies a user across the store: the platform and that
// platform's own id, e.g. "telegram:123456789" or "terminal:alice".
type UserKey string

// NewUserKey joins a platform and its user id into a key.
func NewUserKey(p Platform, id string) UserKey { return UserKey(string(p) + ":" + id) }

// Platform returns the platform part of the key.
func (k UserKey) Platform() Platform {
	p, _, _ := strings.Cut(string(k), ":")
	return Platform(p)
}

// ID returns the platform's own user id part of the key.
func (k UserKey) ID() string {
	_, id, _ := strings.Cut(string(k), ":")
	return id
}

// Settings are a user's study preferences.
type Settings struct {
	Retention     float64 // desired retention for FSRS, 0.70–0.97
	NewPerDay     int     // new cards introduced per local day
	ReviewsPerDay int     // reviews per local day
	TimeZone      string  // IANA name; "" means UTC
	PushAt        int     // daily push, minutes after local midnight; -1 means off
	PushPaused    bool    // pushes paused by the user
	// ZoneFrom is the platform whose profile gave TimeZone (Event.ZoneHint)
	// rather than the user; "" when the user chose it, or none is set. A
	// zone from a profile follows the profile when it changes; one the
	// user chose is never replaced by a hint.
	ZoneFrom Platform `json:",omitempty"`
}

// Setting limits, enforced by Validate and by the /settings command.
const (
	MinRetention     = 0.70
	MaxRetention     = 0.97
	MaxNewPerDay     = 500
	MaxReviewsPerDay = 5000
)

// DefaultSettings are the settings a new user starts with.
func DefaultSettings() Settings {
	return Settings{Retention: 0.9, NewPerDay: 10, ReviewsPerDay: 200, TimeZone: "", PushAt: 9 * 60}
}

// Validate reports the first setting out of its allowed range, naming it and
// the range.
func (s Settings) Validate() error {
	switch {
	case s.Retention < MinRetention || s.Retention > MaxRetention:
		return fmt.Errorf("retention must be between %.2f and %.2f, got %v", MinRetention, MaxRetention, s.Retention)
	case s.NewPerDay < 0 || s.NewPerDay > MaxNewPerDay:
		return fmt.Errorf("new cards per day must be between 0 and %d, got %d", MaxNewPerDay, s.NewPerDay)
	case s.ReviewsPerDay < 0 || s.ReviewsPerDay > MaxReviewsPerDay:
		return fmt.Errorf("reviews per day must be between 0 and %d, got %d", MaxReviewsPerDay, s.ReviewsPerDay)
	case s.PushAt < -1 || s.PushAt >= 24*60:
		return fmt.Errorf("push time must be a time of day, got %d minutes", s.PushAt)
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		return fmt.Errorf("unknown time zone %q", s.TimeZone)
	}
	return nil
}

// Location returns the user's time zone, UTC when unset or unknown.
func (s Settings) Location() *time.Location {
	if s.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Stage is where the card on screen stands.
type Stage uint8

// Stages of the card on screen.
const (
	StageNone     Stage = iota // no card on screen
	StageQuestion              // question shown, answer hidden
	StageAnswer                // answer shown, waiting for a rating
	StageExercise              // an exercise shown, waiting for an attempt
)

// Session is the state of the user's current study run: which card is on
// screen, under which presentation token, and the run's tallies.
type Session struct {
	CardID     string
	Token      uint32 // identifies this presentation of the card; buttons carry it
	Stage      Stage
	Typed      string    // the user's typed answer, kept to show beside the model answer
	RevealedAt time.Time // when the answer was shown: the review's time
	Topic      string    // the topic the run is limited to, "" for all
	Started    time.Time
	Reviewed   int // ratings recorded in this run
	Recalled   int // of those, not rated Again
	Total      int // cards the run expected when it started (grows if more fall due)

	Mode ExerciseKind // "" for a card run; the kind of an exercise run (/sql, /py)
}

// User is everything prepbot keeps about one person on one platform.
type User struct {
	Key       UserKey
	Name      string
	Created   time.Time
	Settings  Settings
	Session   Session
	NextToken uint32 // the next presentation token to hand out
	Onboarded bool   // finished /start's questions
	Awaiting  string // the reply a question is waiting for (e.g. "timezone"); "" when none

	LastActive time.Time // the user's latest event
	Inactive   bool      // the user blocked the bot; cleared when they write again
	LastPush   string    // local date (2006-01-02) of the latest daily push
	NextPush   time.Time // the next daily push
	NudgeAt    time.Time // when a learning card falls due shortly after a session
	// WakeAt is the earliest of NextPush, NudgeAt and NextReminder: the
	// store indexes it so the scheduler finds due users without reading the
	// others.
	WakeAt time.Time

	Interview       time.Time            // the interview's start (UTC); zero when none is set
	InterviewZone   string               // the interview's IANA time zone
	Checklist       map[string]ItemState // per checklist item ID
	RemindedThrough time.Time            // reminder slots up to here have been sent
	NextReminder    time.Time            // the next checklist reminder

	// Alias, when set, makes this account a link to another: its events use
	// that account's progress. Its own is kept aside for /unlink.
	Alias UserKey
	// Linked lists the accounts that are aliases of this one.
	Linked []UserKey
	// PushTo is the account (this one or a linked one) that gets pushes
	// and reminders; empty means this one.
	PushTo UserKey

	// Attempts holds, per exercise ID, the hints and wrong results since
	// the exercise was last rated. It lives beside the Session, not in it,
	// because a session is replaced whenever the user starts another run
	// or stops, and leaving an exercise must not wipe what its rating will
	// reflect.
	Attempts map[string]ExerciseAttempts `json:",omitempty"`

	// Today caches the day's counts against the daily limits, so that
	// building a queue does not decode every review done today. The review
	// log stays the truth: a cache for another day (or a zero one, or one
	// from before a time-zone change) is recounted from it.
	Today DailyTally
}

// ExerciseAttempts is what happened at an exercise since it was last
// rated. A correct answer is rated from it (see exercise_flow.go), so it is
// kept until the exercise is rated: re-opening the exercise does not reset
// it.
type ExerciseAttempts struct {
	Hints int // hints shown
	Wrong int // wrong results (❌)
}

// DailyTally is how many new cards were introduced and how many seen cards
// were reviewed in the local day starting at Start. Exercises do not count.
type DailyTally struct {
	Start   time.Time
	New     int
	Reviews int
}
