package prep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// EngineConfig holds what the conversation engine depends on.
type EngineConfig struct {
	Store   Store
	Library *Library
	// Now is the clock; tests pass a fake one.
	Now func() time.Time
	// Defaults are the settings new chat users start with.
	Defaults Settings
	// TerminalZone is the time zone of terminal users (the machine's own);
	// chat users choose theirs during /start.
	TerminalZone string
	// TerminalZonePinned says the operator configured TerminalZone
	// (PREPBOT_TIMEZONE), which then applies at every start (SetTimeZone):
	// a zone chosen with /settings in the terminal lasts until the next.
	TerminalZonePinned bool
	Logger             *slog.Logger
	// Graders grade exercise attempts by kind; a kind without one answers
	// that its exercises are not available.
	Graders map[ExerciseKind]Grader
	// Unavailable says, by kind, why a kind has no grader, in the words the
	// user asking for its exercises should read: the wiring knows the
	// reason and the audience (an operator at the terminal, a learner in a
	// chat who cannot fix the server). A kind with neither a grader nor a
	// reason gets a generic answer.
	Unavailable map[ExerciseKind]string
	// Deliver sends replies outside a conversation turn: verdicts of
	// attempts that took longer than GradeWait. When nil, Handle waits for
	// every verdict.
	Deliver func(ctx context.Context, user UserKey, replies []Reply) error
	// GradeWait is how long Handle waits for a verdict before answering
	// "grading…"; default 1.5 s.
	GradeWait time.Duration
	// Charts renders /stats charts; nil sends the statistics as text only.
	Charts Charts
	// OnReviews, if set, is told how many ratings each committed
	// transaction recorded (for metrics).
	OnReviews func(n int)
	// OnCommit, if set, is told how each store transaction of the engine's
	// group commit split its time (for metrics): every event's turn, and the
	// pushes' wake-ups, run in one of them. It is called by the committing
	// goroutine, before the callers return, and must be quick.
	OnCommit func(CommitTiming)
}

// Engine is the transport-agnostic coach: Handle turns one Event into the
// Replies to show. Each Event is handled in one store transaction, so its
// effect (and its delivery id) is committed, and fsynced, before any reply
// claims it happened.
type Engine struct {
	graders   map[ExerciseKind]Grader
	deliver   func(ctx context.Context, user UserKey, replies []Reply) error
	gradeWait time.Duration
	charts    Charts
	onReviews func(n int)
	store     Store
	commits   *groupCommit
	lib       *Library
	// taught is lib without the exercises no grader is configured for
	// (Python with no interpreter): what statistics and the readiness
	// forecast count, since those exercises cannot be studied here.
	taught   *Library
	now      func() time.Time
	defaults Settings
	termZone string
	zonePin  bool // EngineConfig.TerminalZonePinned
	log      *slog.Logger

	unavailable map[ExerciseKind]string // EngineConfig.Unavailable
}

// NewEngine checks the configuration and returns an engine.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	if cfg.Store == nil || cfg.Library == nil {
		return nil, errors.New("prep: engine needs a store and a library")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Defaults == (Settings{}) {
		cfg.Defaults = DefaultSettings()
	}
	if err := cfg.Defaults.Validate(); err != nil {
		return nil, fmt.Errorf("prep: default settings: %w", err)
	}
	if cfg.GradeWait <= 0 {
		cfg.GradeWait = defaultGradeWait
	}
	taught := cfg.Library.withExercises(func(ex Exercise) bool { return cfg.Graders[ex.Kind] != nil })
	return &Engine{store: cfg.Store, commits: &groupCommit{store: cfg.Store, observe: cfg.OnCommit}, lib: cfg.Library, taught: taught, now: cfg.Now, defaults: cfg.Defaults, termZone: cfg.TerminalZone, zonePin: cfg.TerminalZonePinned, log: cfg.Logger,
		graders: cfg.Graders, unavailable: cfg.Unavailable, deliver: cfg.Deliver, gradeWait: cfg.GradeWait, charts: cfg.Charts, onReviews: cfg.OnReviews}, nil
}

// Library returns the content the engine teaches from.
func (e *Engine) Library() *Library { return e.lib }

// maxTyped caps a typed answer kept for self-assessment; longer text is
// trimmed rather than refused, since the user meant it as an answer.
const maxTyped = 1500

// Handle answers one event. It never fails: when the store cannot commit, the
// user is told that nothing was saved, and the error is logged.
func (e *Engine) Handle(ctx context.Context, ev Event) []Reply {
	now := e.now()
	var replies []Reply
	var job *attemptJob
	var later []func(context.Context) []Reply
	recorded := 0
	err := e.commits.update(func(tx Tx) error {
		replies, job, later, recorded = nil, nil, nil, 0
		if ev.Delivery != "" {
			seen, err := tx.Deliver(ev.Delivery, now)
			if err != nil {
				return err
			}
			if seen {
				return nil
			}
		}
		c, err := e.open(tx, ev.User, ev.Name, ev.ZoneHint, now)
		if err != nil {
			return err
		}
		c.inGroup = ev.Chat != ""
		if ev.Button != "" {
			err = c.press(ev.Button)
		} else {
			err = c.text(ev.Text)
		}
		if err != nil {
			return err
		}
		replies, job, later, recorded = c.out, c.job, c.later, c.recorded
		c.u.LastActive = now
		c.u.Inactive = false
		if c.u.Session.Stage == StageNone {
			if err := c.scheduleNudge(); err != nil {
				return err
			}
		} else {
			c.u.NudgeAt = time.Time{}
		}
		c.reschedule()
		return tx.PutUser(c.u)
	})
	if err != nil {
		e.log.Error("handle event", "user", ev.User, "err", err)
		msg := Text("Sorry, something went wrong on my side and nothing was saved. Please try again in a moment.")
		if ev.Button != "" {
			return []Reply{{Kind: Notice, Text: Text("Something went wrong; nothing was saved. Try again.")}}
		}
		return []Reply{{Kind: Send, Text: msg}}
	}
	e.countReviews(recorded)
	for _, fn := range later {
		replies = append(replies, fn(ctx)...)
	}
	if job != nil {
		job.chat = ev.Chat
		replies = append(replies, e.runAttempt(ctx, job)...)
	}
	return replies
}

// conv is one event's conversation turn inside a transaction.
type conv struct {
	via      UserKey // the account the event came from (an alias or the user itself)
	e        *Engine
	tx       Tx
	u        User
	now      time.Time
	out      []Reply
	fresh    bool // the user was created by this event
	inGroup  bool // the event came from a group chat (Event.Chat)
	recorded int  // ratings this turn recorded
	// lastRecorded is the review record last appended, so that what
	// follows a rating (the leech check) reads it without another lookup.
	lastRecorded Review
	job          *attemptJob // an attempt to grade once the transaction commits
	later        []func(context.Context) []Reply
}

func (e *Engine) countReviews(n int) {
	if n > 0 && e.onReviews != nil {
		e.onReviews(n)
	}
}

// afterCommit runs fn once the event's transaction has committed, outside
// it, and adds its replies: for work that reads a snapshot and takes a
// while (statistics, charts) and must not hold the database.
func (c *conv) afterCommit(fn func(context.Context) []Reply) { c.later = append(c.later, fn) }

// open loads the user, creating them with default settings on first contact,
// and takes the platform's zone hint (Event.ZoneHint, "" for none) as their
// time zone while they have not chosen one.
func (e *Engine) open(tx Tx, key UserKey, name, zoneHint string, now time.Time) (*conv, error) {
	u, err := tx.User(key)
	fresh := errors.Is(err, ErrNotFound)
	if fresh {
		u = User{Key: key, Name: name, Created: now, Settings: e.defaults}
		if key.Platform() == Terminal {
			u.Settings.TimeZone = e.termZone
			u.Onboarded = true
		}
	} else if err != nil {
		return nil, err
	}
	if !fresh && u.Alias != "" {
		if u, err = resolve(tx, u); err != nil {
			return nil, err
		}
	} else if name != "" {
		u.Name = name
	}
	adoptZoneHint(&u.Settings, zoneHint, key.Platform())
	return &conv{e: e, tx: tx, u: u, now: now, fresh: fresh, via: key}, nil
}

// adoptZoneHint makes a platform's idea of the user's zone theirs while
// they have none of their own: a Slack user who never typed /settings
// timezone would otherwise have their interview read, and their reminders
// and daily quiz timed, in UTC. A zone the user chose is never replaced;
// one from a profile follows the profile (a move, a trip). A hint that is
// not a zone changes nothing.
func adoptZoneHint(s *Settings, hint string, from Platform) {
	if hint == "" || (s.TimeZone != "" && s.ZoneFrom == "") {
		return
	}
	zone, err := ParseZone(hint)
	if err != nil {
		return
	}
	s.TimeZone, s.ZoneFrom = zone, from
}

func (c *conv) send(text RichText, buttons ...[]Button) {
	c.out = append(c.out, Reply{Kind: Send, Text: text, Buttons: buttons})
}

func (c *conv) edit(text RichText, buttons ...[]Button) {
	c.out = append(c.out, Reply{Kind: Edit, Text: text, Buttons: buttons})
}

func (c *conv) notice(s string) {
	c.out = append(c.out, Reply{Kind: Notice, Text: Text(s)})
}

// loc is the user's time zone; a user who never chose one but gave their
// interview's zone lives there.
func (c *conv) loc() *time.Location {
	if c.u.Settings.TimeZone == "" && c.u.InterviewZone != "" {
		if loc, err := time.LoadLocation(c.u.InterviewZone); err == nil {
			return loc
		}
	}
	return c.u.Settings.Location()
}

// text handles typed text: a command, an answer to a question the bot asked,
// a typed answer to the card on screen, or a rating word.
func (c *conv) text(raw string) error {
	text := strings.TrimSpace(raw)
	if text == "" {
		c.send(Text("Type /ask for a question, or /help to see what I can do."))
		return nil
	}
	if name, args, ok := ParseCommand(text); ok {
		c.u.Awaiting = ""
		return c.command(name, args)
	}
	switch c.u.Awaiting {
	case awaitZone:
		return c.chooseZone(text)
	case awaitPush:
		return c.choosePush(text)
	}
	switch c.u.Session.Stage {
	case StageExercise:
		return c.attempt(raw)
	case StageQuestion:
		c.u.Session.Typed = trimRunes(text, maxTyped)
		return c.reveal(false)
	case StageAnswer:
		if r, ok := ratingWord(text); ok {
			return c.rate(c.u.Session.Token, r, false)
		}
		c.send(Text("Rate how well you recalled it with the buttons: Again, Hard, Good or Easy."))
		return nil
	}
	c.send(Text("I'm not sure what you mean. Type /ask for a question, or /help to see what I can do."),
		[]Button{{Label: "Ask me a question", Data: "/ask"}, {Label: "Help", Data: "/help"}})
	return nil
}

// press handles a button press.
func (c *conv) press(data string) error {
	a, ok := decodeButton(data)
	if !ok {
		c.notice("That button is not one of mine any more. Type /ask to continue.")
		return nil
	}
	switch a.kind {
	case actReveal:
		if a.token != c.u.Session.Token || c.u.Session.Stage == StageNone {
			c.notice("That card is no longer on screen.")
			return nil
		}
		if c.u.Session.Stage == StageAnswer {
			c.notice("The answer is already shown.")
			return nil
		}
		return c.reveal(true)
	case actRate:
		return c.rate(a.token, a.rating, true)
	case actHint:
		return c.hint(a.token)
	case actSolve:
		return c.solution(a.token)
	case actZone:
		return c.pressZone(a.arg)
	case actPush:
		return c.pressPush(a.arg)
	case actItem:
		return c.pressItem(data)
	case actCommand:
		name, args, _ := ParseCommand(a.arg)
		c.u.Awaiting = ""
		return c.command(name, args)
	}
	return nil
}

// ParseCommand splits "/name args" into a lower-case name and trimmed
// arguments. A Telegram-style "@botname" suffix on the name is dropped. ok is
// false when text is not a command.
func ParseCommand(text string) (name, args string, ok bool) {
	text = strings.TrimSpace(text)
	if len(text) < 2 || text[0] != '/' {
		return "", "", false
	}
	// The name ends at any white space: Telegram clients send
	// "/ask@bot\nsql" when the argument goes on the next line.
	head, rest := text[1:], ""
	if i := strings.IndexAny(head, " \t\n"); i >= 0 {
		head, rest = head[:i], head[i:]
	}
	head, _, _ = strings.Cut(head, "@")
	if head == "" || strings.ContainsAny(head, "/\n\t") {
		return "", "", false
	}
	return strings.ToLower(head), strings.TrimSpace(rest), true
}

func ratingWord(s string) (Rating, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "again", "1":
		return Again, true
	case "hard", "2":
		return Hard, true
	case "good", "3":
		return Good, true
	case "easy", "4":
		return Easy, true
	}
	return 0, false
}

func trimRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
