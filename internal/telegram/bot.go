// Package telegram connects prepbot's conversation engine to Telegram: it
// receives updates by long polling (or a webhook), turns them into
// prep.Events for the Coach, and renders the Coach's prep.Replies as
// Telegram HTML messages, inline keyboards, edits and callback answers,
// sent through one rate-limited queue.
//
// It uses go-telegram-bot-api v5 for types and calls but not its update
// channel, which confirms updates before they are handled: the offset is
// stored only after the Coach has handled an update, so a crash redelivers
// it and the engine's de-duplication (Event.Delivery) keeps it harmless.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/prepbot/prepbot/internal/prep"
)

// Coach is the conversation engine the bot serves (*prep.Engine).
type Coach interface {
	// Handle answers one event. It is fast (milliseconds) and returns
	// platform-neutral replies.
	Handle(ctx context.Context, ev prep.Event) []prep.Reply
	// Commands lists the slash commands for Telegram's menu.
	Commands() []prep.Command
}

// OffsetCursor is the store cursor holding the next getUpdates offset.
const OffsetCursor = "telegram.offset"

// Bot is prepbot on Telegram. Create it with New, then call Run; Deliver
// may be called from other goroutines at any time.
type Bot struct {
	opts  Options
	log   *slog.Logger
	coach Coach
	api   *tgbotapi.BotAPI
	allow allowList
	out   *outbox

	running  atomic.Bool
	closed   atomic.Bool
	lastPoll atomic.Int64 // unix nanoseconds (Options.Now) of the last good getUpdates; 0 if the last failed
	lastGood atomic.Int64 // unix nanoseconds of the last good getUpdates, never reset (metrics)
	hookUp   atomic.Bool

	mu      sync.Mutex
	refused map[int64]time.Time // strangers, when last refused
	names   map[int64]string    // users' first names, for the toast on someone else's buttons
	edited  map[[2]int64]bool   // chat and message ids of edits answered
	noted   map[int64]bool      // users whose id was logged (an open bot)
	// lanes keep one user's updates in order while different users' are
	// handled at once: an update takes the lane of its sender (striped,
	// so memory stays bounded however many users write).
	lanes [laneCount]sync.Mutex
}

// New checks the options, waits for the Bot API to answer getMe (retrying
// with back-off while it is unreachable or failing; a rejected token is an
// error at once), and sets the command menu from coach.Commands. It returns
// when ctx ends before the API answers.
func New(ctx context.Context, opts Options, coach Coach) (*Bot, error) {
	if coach == nil {
		return nil, errors.New("telegram: no coach to answer messages")
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
		refused: make(map[int64]time.Time),
		names:   make(map[int64]string),
		edited:  make(map[[2]int64]bool),
		noted:   make(map[int64]bool),
	}
	b.out = newOutbox(opts, b.log)
	b.out.exec = b.execute
	b.out.onBlocked = b.notifyBlocked
	if b.allow.open() {
		b.log.Warn("telegram: PREPBOT_ALLOWED_USERS is empty: anyone who finds the bot can use it; each user's id is logged at their first message")
	}
	if opts.GlobalRate > DefaultGlobalRate {
		b.log.Warn("telegram: global rate is above Telegram's limit of 30 messages per second; expect 429s",
			"rate", opts.GlobalRate)
	}
	if err := b.connect(ctx); err != nil {
		return nil, err
	}
	b.setCommands(ctx)
	return b, nil
}

// connect calls getMe until it succeeds. The library's constructor is what
// calls getMe, so each attempt builds the BotAPI anew.
func (b *Bot) connect(ctx context.Context) error {
	endpoint := b.opts.APIBase + "/bot%s/%s"
	bo := backoff{initial: b.opts.Retry.Initial, max: b.opts.Retry.Max}
	for attempt := 1; ; attempt++ {
		d := &doer{ctx: ctx, client: b.opts.HTTPClient, token: b.opts.Token}
		api, err := tgbotapi.NewBotAPIWithClient(b.opts.Token, endpoint, d)
		if err == nil {
			b.api = api
			b.log.Info("telegram: connected", "bot", "@"+api.Self.UserName, "id", api.Self.ID)
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("telegram: gave up waiting for the Bot API: %w", ctx.Err())
		}
		err = &apiError{method: "getMe", status: d.status, err: err}
		c := classify(err)
		var te *tgbotapi.Error
		if c.verdict == vUnauthorized || (errors.As(err, &te) && (te.Code == 404 || d.status == 404)) {
			return fmt.Errorf("%w (getMe answered %q)", ErrTokenRejected, c.desc)
		}
		wait := bo.next()
		if c.verdict == vRetryAfter {
			wait = c.retryAfter
		}
		b.log.Warn("telegram: waiting for the Bot API to answer getMe",
			"attempt", attempt, "retry_in", wait.Round(time.Millisecond), "err", err.Error())
		if !sleep(ctx, wait) {
			return fmt.Errorf("telegram: gave up waiting for the Bot API: %w", ctx.Err())
		}
	}
}

// setCommands publishes the coach's commands as Telegram's command menu.
// A failure is logged, not fatal: the bot works without a menu.
func (b *Bot) setCommands(ctx context.Context) {
	var cmds []tgbotapi.BotCommand
	for _, c := range b.coach.Commands() {
		if !commandRE.MatchString(c.Name) {
			b.log.Warn("telegram: command left out of the menu: Telegram allows only 1-32 of a-z, 0-9 and _",
				"command", c.Name)
			continue
		}
		desc := c.Description
		if desc == "" {
			desc = c.Name
		}
		if r := []rune(desc); len(r) > 256 {
			desc = string(r[:255]) + "…"
		}
		cmds = append(cmds, tgbotapi.BotCommand{Command: c.Name, Description: desc})
	}
	if len(cmds) == 0 {
		return
	}
	bo := backoff{initial: b.opts.Retry.Initial, max: b.opts.Retry.Max}
	for attempt := 1; attempt <= 3; attempt++ {
		_, err := b.call(ctx, tgbotapi.NewSetMyCommands(cmds...))
		if err == nil {
			return
		}
		c := classify(err)
		if ctx.Err() != nil || (c.verdict != vTransient && c.verdict != vRetryAfter) || attempt == 3 {
			b.log.Warn("telegram: could not set the command menu", "err", err.Error())
			return
		}
		wait := bo.next()
		if c.verdict == vRetryAfter {
			wait = c.retryAfter
		}
		if !sleep(ctx, wait) {
			return
		}
	}
}

// Run receives and handles updates until ctx ends or the token is
// rejected. On cancellation it finishes the updates it has begun (one per
// user at most; those not begun are left to Telegram, which hands them
// over again at the next start), stores the offset, keeps sending queued
// messages for up to Options.DrainTimeout, and returns nil. A Bot runs
// once.
func (b *Bot) Run(ctx context.Context) error {
	if b.closed.Load() || !b.running.CompareAndSwap(false, true) {
		return errors.New("telegram: Run called twice")
	}
	sendCtx, stopSending := context.WithCancel(context.WithoutCancel(ctx))
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		b.out.run(sendCtx)
	}()

	var err error
	if b.opts.Webhook.URL != "" {
		err = b.serveWebhook(ctx)
	} else {
		err = b.poll(ctx)
	}

	drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.opts.DrainTimeout)
	if b.out.flush(drain) != nil {
		b.log.Warn("telegram: shutdown deadline reached with messages still queued", "queued", b.out.len())
	}
	cancel()
	stopSending()
	<-sent
	b.closed.Store(true)
	for chat, n := range b.out.close() {
		b.log.Error("telegram: messages not sent before shutdown", "chat", chat, "messages", n)
	}
	b.lastPoll.Store(0)
	b.hookUp.Store(false)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// Ready reports whether the bot is connected: in polling mode, the last
// getUpdates succeeded recently; in webhook mode, the webhook is set and
// served.
func (b *Bot) Ready() bool {
	if b.opts.Webhook.URL != "" {
		return b.hookUp.Load()
	}
	last := b.lastPoll.Load()
	if last == 0 {
		return false
	}
	return b.opts.Now().Sub(time.Unix(0, last)) < 2*b.opts.PollTimeout+15*time.Second
}

// Deliver sends replies made outside a turn (a scheduled push, a slow
// verdict) to the user's private chat (its id is the user's Telegram id),
// or to the group a reply names in its Chat (the chat the user's attempt
// was made in). Edits and notices become new messages, since there is no
// button press to attach them to. It returns once the replies are queued,
// blocking while the queue is very long; QueueLen and Flush observe the
// sending. Replies queued before Run starts go out once it does; after Run
// has returned, Deliver returns ErrClosed.
func (b *Bot) Deliver(ctx context.Context, user prep.UserKey, replies []prep.Reply) error {
	if b.closed.Load() {
		return ErrClosed
	}
	if user.Platform() != prep.Telegram {
		return fmt.Errorf("telegram: deliver to %q: not a Telegram user", user)
	}
	id, err := strconv.ParseInt(user.ID(), 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("telegram: deliver to %q: the user id is not a Telegram user id", user)
	}
	var jobs []*job
	for len(replies) > 0 {
		n := 1
		for n < len(replies) && replies[n].Chat == replies[0].Chat {
			n++
		}
		t := target{chat: id, user: user}
		if c := replies[0].Chat; c != "" {
			// A group: no OnBlocked for it, since a bot removed from a
			// group says nothing of whether the user still wants pushes.
			chat, err := strconv.ParseInt(c, 10, 64)
			if err != nil || chat == 0 {
				return fmt.Errorf("telegram: deliver to %q: %q is not a Telegram chat id", user, c)
			}
			t = target{chat: chat, owner: id}
		}
		jobs = append(jobs, b.jobsFor(t, replies[:n])...)
		replies = replies[n:]
	}
	if err := b.out.enqueue(ctx, jobs, true); err != nil {
		if errors.Is(err, ErrClosed) {
			return ErrClosed
		}
		return fmt.Errorf("telegram: deliver to %q: %w", user, err)
	}
	return nil
}

// QueueLen is the number of requests queued or in flight.
func (b *Bot) QueueLen() int { return b.out.len() }

// LastPoll is when getUpdates last succeeded (zero before the first time or
// in webhook mode), for the "last successful poll" metric.
func (b *Bot) LastPoll() time.Time {
	if n := b.lastGood.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// Stats reports counters of the outgoing queue.
func (b *Bot) Stats() Stats { return b.out.snapshot() }

// Flush waits until every queued request has been sent or given up, or ctx
// ends. It needs Run to be running.
func (b *Bot) Flush(ctx context.Context) error {
	if err := b.out.flush(ctx); err != nil {
		return fmt.Errorf("telegram: flush: %w", err)
	}
	return nil
}

// Self is the bot's own Telegram user, as getMe answered.
func (b *Bot) Self() tgbotapi.User { return b.api.Self }

// notifyBlocked tells the caller that a user's chat refuses messages.
func (b *Bot) notifyBlocked(ctx context.Context, chat int64, user prep.UserKey) {
	b.log.Info("telegram: user blocked the bot", "user", string(user))
	if b.opts.OnBlocked == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	b.opts.OnBlocked(ctx, user)
}
