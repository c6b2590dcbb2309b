// Package slack connects prepbot's conversation engine to Slack: it
// receives direct messages, the /prep slash command and button presses over
// Socket Mode (or, in HTTP mode, as signed requests from Slack), turns them
// into prep.Events for the Coach, and renders the Coach's prep.Replies as
// Block Kit messages, in-place updates, ephemeral notices and file uploads,
// sent through one rate-limited queue.
//
// The quiz lives in the user's direct message with the bot: Slack lets a
// bot update only its own messages, and the DM is the one place all of them
// are. A slash command typed elsewhere therefore answers in the DM and tells
// the user so with an ephemeral "Sent to your DM with prepbot".
//
// Every request is acknowledged at once (Slack wants an answer within 3 s)
// and handled afterwards, one event at a time per user and in order, while
// different users are served concurrently. Each event carries a delivery id
// that is stable across Slack's redeliveries (the Events API's event_id; a
// Socket Mode envelope id or an HTTP trigger_id for commands and button
// presses), so the engine can ignore a repeat.
//
// Each event carries the time zone of the user's Slack profile
// (users.info, cached for an hour) as prep.Event.ZoneHint, so that a user
// who never told the coach their zone is not taken to live in UTC. A
// lookup that fails or hangs (2 s at most) is logged and the event goes on
// without the hint.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/prepbot/prepbot/internal/prep"
)

// Coach is the conversation engine the bot serves (*prep.Engine).
type Coach interface {
	// Handle answers one event. It is fast (milliseconds) and returns
	// platform-neutral replies.
	Handle(ctx context.Context, ev prep.Event) []prep.Reply
	// Commands lists the slash commands; the bot shows them to Slack users
	// as subcommands of Options.Command.
	Commands() []prep.Command
}

// Identity is who the bot is in Slack, as auth.test answered.
type Identity struct {
	UserID string // the bot user, U…
	BotID  string // B…
	TeamID string // the workspace, T…
	Team   string // the workspace's name
	URL    string // the workspace's address
}

// Bot is prepbot on Slack. Create it with New, then call Run; Deliver may be
// called from other goroutines at any time.
type Bot struct {
	opts  Options
	log   *slog.Logger
	coach Coach
	api   *slackgo.Client
	self  Identity
	allow allowList
	out   *outbox
	users *serializer
	cmds  map[string]bool // the coach's command names, for the /prep rewrite

	running   atomic.Bool
	closed    atomic.Bool
	connected atomic.Bool // Socket Mode connected, or the HTTP server serving

	mu      sync.Mutex
	refused map[string]time.Time // strangers, when last refused
	dms     map[string]string    // user id → the DM channel with the bot
	zones   map[string]zoneEntry // user id → profile time zone (zones.go)
	// zonesOff, while in the future, stops profile lookups: Slack said the
	// app lacks the users:read scope.
	zonesOff time.Time
}

// New checks the options and waits for Slack to accept the tokens: it calls
// auth.test with the bot token and, in Socket Mode, apps.connections.open
// with the app token, retrying with back-off while Slack is unreachable or
// failing. A rejected token is an error at once (ErrBotTokenRejected,
// ErrAppTokenRejected). It returns when ctx ends before Slack answers.
func New(ctx context.Context, opts Options, coach Coach) (*Bot, error) {
	if coach == nil {
		return nil, errors.New("slack: no coach to answer messages")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	b := &Bot{
		opts:    opts,
		log:     opts.Logger,
		coach:   coach,
		allow:   newAllowList(opts.Allowed),
		users:   newSerializer(),
		refused: make(map[string]time.Time),
		dms:     make(map[string]string),
		zones:   make(map[string]zoneEntry),
		cmds:    make(map[string]bool),
	}
	for _, c := range coach.Commands() {
		b.cmds[strings.ToLower(c.Name)] = true
	}
	b.api = slackgo.New(opts.BotToken,
		slackgo.OptionAPIURL(opts.APIBase),
		slackgo.OptionHTTPClient(opts.HTTPClient),
		slackgo.OptionAppLevelToken(opts.AppToken),
	)
	b.out = newOutbox(opts, b.log)
	b.out.exec = b.execute
	b.out.onBlocked = b.notifyBlocked
	if b.allow.open() {
		b.log.Warn("slack: PREPBOT_SLACK_ALLOWED_USERS is empty: anyone in the workspace can use the bot")
	}
	if opts.httpMode() && opts.AppToken != "" {
		b.log.Info("slack: HTTP mode (PREPBOT_SLACK_LISTEN is set); PREPBOT_SLACK_APP_TOKEN is not used")
	}
	if err := b.authTest(ctx); err != nil {
		return nil, err
	}
	if opts.Team != "" && opts.Team != b.self.TeamID {
		b.log.Warn("slack: PREPBOT_SLACK_TEAM differs from the workspace the bot token belongs to; everyone will be refused",
			"team", opts.Team, "token_team", b.self.TeamID)
	}
	if !opts.httpMode() {
		if err := b.checkAppToken(ctx); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// authTest calls auth.test until it succeeds or the token is refused.
func (b *Bot) authTest(ctx context.Context) error {
	return b.untilAnswered(ctx, "auth.test", ErrBotTokenRejected, func(ctx context.Context) error {
		r, err := b.api.AuthTestContext(ctx)
		if err != nil {
			return err
		}
		b.self = Identity{UserID: r.UserID, BotID: r.BotID, TeamID: r.TeamID, Team: r.Team, URL: r.URL}
		b.log.Info("slack: connected to the Web API", "bot", r.User, "user_id", r.UserID, "team", r.Team, "team_id", r.TeamID)
		return nil
	})
}

// checkAppToken asks for a Socket Mode connection once, so that a wrong
// app token stops the start with a clear message instead of a log line
// repeated by the reconnect loop. The connection ticket it gets is left
// unused; Slack lets it expire.
func (b *Bot) checkAppToken(ctx context.Context) error {
	return b.untilAnswered(ctx, "apps.connections.open", ErrAppTokenRejected, func(ctx context.Context) error {
		_, _, err := b.api.StartSocketModeContext(ctx)
		return err
	})
}

// untilAnswered calls fn with back-off until it succeeds, ctx ends, or
// Slack refuses the token (rejected is returned, with Slack's word).
func (b *Bot) untilAnswered(ctx context.Context, method string, rejected error, fn func(context.Context) error) error {
	bo := backoff{initial: b.opts.Retry.Initial, max: b.opts.Retry.Max}
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("slack: gave up waiting for Slack to answer %s: %w", method, ctx.Err())
		}
		c := classify(err)
		switch c.verdict {
		case vUnauthorized:
			return fmt.Errorf("%w (%s answered %q)", rejected, method, c.code)
		case vBadRequest:
			return fmt.Errorf("slack: %s refused: %s", method, c.code)
		}
		wait := bo.next()
		if c.verdict == vRetryAfter {
			wait = c.retryAfter
		}
		b.log.Warn("slack: waiting for Slack to answer "+method,
			"attempt", attempt, "retry_in", wait.Round(time.Millisecond), "err", c.code)
		if !sleep(ctx, wait) {
			return fmt.Errorf("slack: gave up waiting for Slack to answer %s: %w", method, ctx.Err())
		}
	}
}

// Self is the bot's identity in Slack.
func (b *Bot) Self() Identity { return b.self }

// Run receives and handles events until ctx ends or Slack refuses the app
// token. On cancellation it stops receiving, finishes the events in hand,
// keeps sending queued messages, both for up to Options.DrainTimeout, and
// returns nil. A Bot runs once.
func (b *Bot) Run(ctx context.Context) error {
	if b.closed.Load() || !b.running.CompareAndSwap(false, true) {
		return errors.New("slack: Run called twice")
	}
	sendCtx, stopSending := context.WithCancel(context.WithoutCancel(ctx))
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		b.out.run(sendCtx)
	}()

	var err error
	if b.opts.httpMode() {
		err = b.serveHTTP(ctx)
	} else {
		err = b.runSocket(ctx)
	}
	b.connected.Store(false)

	drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.opts.DrainTimeout)
	if !b.users.wait(drain) {
		b.log.Warn("slack: shutdown deadline reached with events still being handled")
	}
	if b.out.flush(drain) != nil {
		b.log.Warn("slack: shutdown deadline reached with messages still queued", "queued", b.out.len())
	}
	cancel()
	stopSending()
	<-sent
	b.closed.Store(true)
	for channel, n := range b.out.close() {
		b.log.Error("slack: messages not sent before shutdown", "channel", channel, "messages", n)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// Ready reports whether the bot can receive events: in Socket Mode, the
// WebSocket is connected; in HTTP mode, the server is serving.
func (b *Bot) Ready() bool { return b.connected.Load() }

// Deliver sends scheduled replies to a user's DM with the bot, opening it
// with conversations.open when its channel is not known yet. Edits become
// new messages, since there is no button press to attach them to, and
// notices too, since an ephemeral message outside a conversation is easily
// missed. It returns once the replies are queued, blocking while the queue
// is very long; QueueLen and Flush observe the sending. Replies queued
// before Run starts go out once it does; after Run has returned, Deliver
// returns ErrClosed.
func (b *Bot) Deliver(ctx context.Context, user prep.UserKey, replies []prep.Reply) error {
	if b.closed.Load() {
		return ErrClosed
	}
	if user.Platform() != prep.Slack {
		return fmt.Errorf("slack: deliver to %q: not a Slack user", user)
	}
	id := user.ID()
	if !userIDRE.MatchString(id) {
		return fmt.Errorf("slack: deliver to %q: the user id is not a Slack user id", user)
	}
	t := target{user: user, userID: id, channel: b.knownDM(id)}
	if err := b.out.enqueue(ctx, b.jobsFor(t, replies), true); err != nil {
		if errors.Is(err, ErrClosed) {
			return ErrClosed
		}
		return fmt.Errorf("slack: deliver to %q: %w", user, err)
	}
	return nil
}

// QueueLen is the number of calls queued or in flight: the outgoing queue's
// depth, for metrics.
func (b *Bot) QueueLen() int { return b.out.len() }

// Stats reports counters of the outgoing queue.
func (b *Bot) Stats() Stats { return b.out.snapshot() }

// Flush waits until every queued call has been made or given up, or ctx
// ends. It needs Run to be running.
func (b *Bot) Flush(ctx context.Context) error {
	if err := b.out.flush(ctx); err != nil {
		return fmt.Errorf("slack: flush: %w", err)
	}
	return nil
}

// notifyBlocked tells the caller that a user cannot be messaged.
func (b *Bot) notifyBlocked(ctx context.Context, user prep.UserKey) {
	b.log.Info("slack: user cannot be messaged", "user", string(user))
	if b.opts.OnBlocked == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	b.opts.OnBlocked(ctx, user)
}

// knownDM returns the user's DM channel if the bot has seen it, else "".
func (b *Bot) knownDM(userID string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dms[userID]
}

// rememberDM records the user's DM channel with the bot, learnt from an
// event in it, saving a conversations.open.
func (b *Bot) rememberDM(userID, channel string) {
	if channel == "" || !strings.HasPrefix(channel, "D") {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dms) > 100000 {
		clear(b.dms) // a cache; conversations.open refills it
	}
	b.dms[userID] = channel
}

// openDM returns the user's DM channel, opening it with conversations.open
// (idempotent: Slack returns the same channel every time) when unknown.
func (b *Bot) openDM(ctx context.Context, userID string) (string, error) {
	if ch := b.knownDM(userID); ch != "" {
		return ch, nil
	}
	ch, _, _, err := b.api.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{userID}, ReturnIM: true})
	if err != nil {
		return "", fmt.Errorf("slack: conversations.open: %w", err)
	}
	if ch == nil || ch.ID == "" {
		return "", errors.New("slack: conversations.open: no channel in the answer")
	}
	b.rememberDM(userID, ch.ID)
	return ch.ID, nil
}

// serializer runs functions one at a time per key, in the order given,
// and different keys concurrently: Slack delivers a user's events to
// concurrent handlers, but a conversation must see them in order.
type serializer struct {
	mu     sync.Mutex
	queues map[string][]func() // present while a goroutine serves the key
	wg     sync.WaitGroup
}

// maxPerUser caps one user's backlog; beyond it events are dropped (and
// logged by the caller) rather than let one flooding user exhaust memory.
const maxPerUser = 256

func newSerializer() *serializer { return &serializer{queues: make(map[string][]func())} }

// do queues fn under key, reporting false when the key's backlog is full.
func (s *serializer) do(key string, fn func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, running := s.queues[key]
	if len(q) >= maxPerUser {
		return false
	}
	s.queues[key] = append(q, fn)
	if !running {
		s.wg.Add(1)
		go s.serve(key)
	}
	return true
}

func (s *serializer) serve(key string) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		q := s.queues[key]
		if len(q) == 0 {
			delete(s.queues, key)
			s.mu.Unlock()
			return
		}
		fn := q[0]
		q[0] = nil
		s.queues[key] = q[1:]
		s.mu.Unlock()
		fn()
	}
}

// wait waits until every queued function has run, or ctx ends, reporting
// whether all finished.
func (s *serializer) wait(ctx context.Context) bool {
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
