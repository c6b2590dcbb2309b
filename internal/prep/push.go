package prep

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Push is scheduled output for one user: what the scheduler hands to the
// adapter of the user's platform.
type Push struct {
	User    UserKey
	Replies []Reply
	Late    bool // the push was due while the bot was down
}

// nudgeWindow is how long after their last activity a user still counts as
// "studying", so a learning card falling due (1m/10m steps) is offered again
// rather than left until the next daily quiz.
const nudgeWindow = time.Hour

// nextPushAt is the next daily-push instant strictly after `after`, at the
// user's local push time. Computing it from the local calendar each time (and
// storing the instant) is what makes DST harmless: a spring-forward day still
// gets one push (Go moves a time in the gap forward), an autumn day with the
// hour twice gets one, because there is only one stored instant.
func nextPushAt(s Settings, after time.Time) time.Time {
	if s.PushAt < 0 {
		return time.Time{}
	}
	loc := s.Location()
	l := after.In(loc)
	for d := 0; d < 3; d++ {
		t := time.Date(l.Year(), l.Month(), l.Day()+d, s.PushAt/60, s.PushAt%60, 0, 0, loc)
		if t.After(after) {
			return t
		}
	}
	return time.Time{}
}

// reschedule sets the user's next wake-up: the earlier of the next daily push
// and a pending nudge. Terminal users, paused users and users who blocked the
// bot get none.
func (c *conv) reschedule() {
	u := &c.u
	pending := u.NextPush
	u.NextPush = time.Time{}
	if u.Key.Platform() != Terminal && u.Onboarded && !u.Inactive && !u.Settings.PushPaused {
		today := c.now.In(c.loc()).Format(dateLayout)
		if !pending.IsZero() && !pending.After(c.now) && u.Settings.PushAt >= 0 &&
			pending.In(c.loc()).Format(dateLayout) == today && u.LastPush != today {
			// A push whose time has come but that the scheduler has not
			// sent yet stays due: an event handled just before the tick
			// must not move it to tomorrow.
			u.NextPush = pending
		} else {
			u.NextPush = nextPushAt(u.Settings, c.now)
		}
		if u.LastPush != "" && !u.NextPush.IsZero() && u.NextPush.In(c.loc()).Format(dateLayout) == u.LastPush {
			// Already pushed on that local day (the time was moved later
			// after today's push): once a day means tomorrow.
			u.NextPush = nextPushAt(u.Settings, u.NextPush)
		}
	}
	u.WakeAt = u.NextPush
	if !u.NudgeAt.IsZero() && !u.Inactive && u.Key.Platform() != Terminal && (u.WakeAt.IsZero() || u.NudgeAt.Before(u.WakeAt)) {
		u.WakeAt = u.NudgeAt
	}
	// Checklist reminders go to every platform, the terminal included
	// (while it runs), unless the user blocked the bot.
	u.NextReminder = time.Time{}
	if !u.Inactive {
		u.NextReminder = c.nextReminder()
	}
	if !u.NextReminder.IsZero() && (u.WakeAt.IsZero() || u.NextReminder.Before(u.WakeAt)) {
		u.WakeAt = u.NextReminder
	}
}

const dateLayout = "2006-01-02"

// Due returns the pushes due at now: daily quizzes, nudges for learning
// cards and checklist reminders (the terminal asks for these alone). Each user is handled in its own transaction that commits before the
// push is returned, so a push is sent at most once even if the process dies
// before delivering it; a daily push missed while the bot was down is sent
// once, late, if it is still the same local day, and otherwise skipped.
//
// Only users that want accepts are woken (all when want is nil), so a
// process serving one terminal user does not consume a Telegram user's push.
func (e *Engine) Due(ctx context.Context, want func(UserKey) bool) ([]Push, error) {
	now := e.now()
	keys, err := e.waking(now, want)
	if err != nil {
		return nil, err
	}
	var (
		mu     sync.Mutex
		pushes []Push
	)
	e.wakeAll(ctx, keys, now, func(p Push) {
		mu.Lock()
		pushes = append(pushes, p)
		mu.Unlock()
	})
	return pushes, nil
}

// DueFunc is Due for fan-out: each push is handed to fn as soon as its
// transaction commits, from several goroutines at once, so delivery starts
// while other users are still being woken. fn must be safe for concurrent
// use.
func (e *Engine) DueFunc(ctx context.Context, want func(UserKey) bool, fn func(Push)) error {
	now := e.now()
	keys, err := e.waking(now, want)
	if err != nil {
		return err
	}
	e.wakeAll(ctx, keys, now, fn)
	return nil
}

// wakeWorkers is how many users are woken at once. Their transactions meet
// in the group commit, so thousands of daily pushes cost a few hundred
// fsyncs rather than one each.
const wakeWorkers = 64

// wakeAll wakes every user in keys, handing each non-empty push to fn.
func (e *Engine) wakeAll(ctx context.Context, keys []UserKey, now time.Time, fn func(Push)) {
	work := make(chan UserKey)
	var wg sync.WaitGroup
	for range min(wakeWorkers, len(keys)) {
		wg.Go(func() {
			for key := range work {
				p, err := e.wake(key, now)
				if err != nil {
					e.log.Error("push", "user", key, "err", err)
					continue
				}
				if len(p.Replies) > 0 {
					fn(p)
				}
			}
		})
	}
	for _, key := range keys {
		if ctx.Err() != nil {
			break
		}
		work <- key
	}
	close(work)
	wg.Wait()
}

// waking lists the users whose wake-up has come, from the wake index.
func (e *Engine) waking(now time.Time, want func(UserKey) bool) ([]UserKey, error) {
	var keys []UserKey
	err := e.store.View(func(tx Tx) error {
		for u, err := range tx.Waking(now) {
			if err != nil {
				return err
			}
			if want != nil && !want(u.pushTarget()) {
				continue
			}
			keys = append(keys, u.Key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("prep: find due pushes: %w", err)
	}
	return keys, nil
}

// wake handles one user's due wake-up in one transaction.
func (e *Engine) wake(key UserKey, now time.Time) (Push, error) {
	push := Push{User: key}
	err := e.commits.update(func(tx Tx) error {
		push.Replies = nil
		c, err := e.open(tx, key, "", "", now)
		if err != nil {
			return err
		}
		if c.u.WakeAt.IsZero() || c.u.WakeAt.After(now) {
			return nil // handled meanwhile
		}
		if err := c.maybeDailyPush(&push); err != nil {
			return err
		}
		if !c.u.NextReminder.IsZero() && !c.u.NextReminder.After(now) {
			c.reminders()
		}
		if !c.u.NudgeAt.IsZero() && !c.u.NudgeAt.After(now) {
			c.u.NudgeAt = time.Time{}
			if len(c.out) == 0 && c.u.Session.Stage == StageNone {
				if err := c.nudge(); err != nil {
					return err
				}
			}
		}
		c.reschedule()
		push.Replies = c.out
		push.User = c.u.pushTarget()
		return tx.PutUser(c.u)
	})
	return push, err
}

// maybeDailyPush sends today's quiz if its local time has come and it has
// not been sent today. A push missed while the bot was down is sent late on
// the same local day, never on a later one.
func (c *conv) maybeDailyPush(push *Push) error {
	s := c.u.Settings
	if c.u.NextPush.IsZero() || c.u.NextPush.After(c.now) || s.PushAt < 0 {
		return nil
	}
	loc := c.loc()
	l := c.now.In(loc)
	today := l.Format(dateLayout)
	at := time.Date(l.Year(), l.Month(), l.Day(), s.PushAt/60, s.PushAt%60, 0, 0, loc)
	if at.After(c.now) || c.u.LastPush == today {
		return nil
	}
	push.Late = c.now.Sub(at) > 5*time.Minute
	c.u.LastPush = today
	return c.dailyPush(push.Late)
}

// dailyPush starts the day's quiz: the due count and the first card. With
// nothing due it stays silent unless the user asked for "all caught up"
// messages.
func (c *conv) dailyPush(late bool) error {
	q, err := c.buildQueue(scope{})
	if err != nil {
		return err
	}
	if q.size() == 0 {
		return nil
	}
	due := q.dueNow()
	intro := RichText{}.Bold("☀️ Your daily quiz").Plain(fmt.Sprintf(": %d %s due, %d new.", due, plural(due, "review", "reviews"), len(q.newCards)))
	if cd := c.countdown(); cd != "" {
		intro = intro.Plain(" " + cd + fullStop(cd))
		line, err := c.readinessLine()
		if err != nil {
			return err
		}
		if line != "" {
			intro = intro.Plain(" " + line)
		}
	}
	if late {
		intro = intro.Italic(" (a little late: I was offline at your usual time)")
	}
	if c.u.Session.Stage != StageNone && c.now.Sub(c.u.LastActive) < nudgeWindow {
		// The user is in the middle of a card: replacing it would make the
		// buttons they are about to press stale.
		c.send(intro.Plain(" Carry on with the card above."))
		return nil
	}
	c.send(intro)
	c.u.Session = Session{Started: c.now}
	return c.next(true)
}

// nudge offers learning cards that fell due shortly after a session ended.
func (c *conv) nudge() error {
	if c.now.Sub(c.u.LastActive) > nudgeWindow {
		return nil
	}
	q, err := c.buildQueue(scope{})
	if err != nil {
		return err
	}
	if len(q.due) == 0 {
		return nil
	}
	c.send(Text(fmt.Sprintf("🔁 %d %s ready to review again.", len(q.due), plural(len(q.due), "card is", "cards are"))))
	c.u.Session = Session{Started: c.now}
	return c.next(true)
}

// scheduleNudge remembers the earliest learning card due within the nudge
// window after a session ends, so Due offers it then.
func (c *conv) scheduleNudge() error {
	c.u.NudgeAt = time.Time{}
	for st, err := range c.tx.Due(c.u.Key, c.now.Add(nudgeWindow)) {
		if err != nil {
			return err
		}
		if _, ok := c.e.lib.Card(st.CardID); !ok || !st.FSRS.Due.After(c.now) {
			continue
		}
		c.u.NudgeAt = st.FSRS.Due
		return nil
	}
	return nil
}

// MarkInactive records that the user blocked the bot: no more pushes until
// they write again.
func (e *Engine) MarkInactive(ctx context.Context, key UserKey) error {
	return e.changeUser(key, func(u *User) bool {
		if u.pushTarget() != key {
			return false // pushes go to another, still reachable, account
		}
		u.Inactive = true
		return true
	})
}

// changeUser applies change to the user behind key (resolved through a
// link) in one transaction and, when it reports a change, reschedules what
// depends on it and stores the user. A user not stored yet is left alone.
func (e *Engine) changeUser(key UserKey, change func(u *User) bool) error {
	return e.commits.update(func(tx Tx) error {
		u, err := tx.User(key)
		if errors.Is(err, ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if u, err = resolve(tx, u); err != nil {
			return err
		}
		if !change(&u) {
			return nil
		}
		c := &conv{e: e, tx: tx, u: u, now: e.now()}
		c.reschedule()
		return tx.PutUser(c.u)
	})
}

// SetTimeZone sets the time zone of the user behind key (of the account it
// is linked to, if any: the one whose settings its sessions use), as
// "/settings timezone" would, and reschedules what depends on the zone. A
// user not created yet is left alone: their first event creates them, a
// terminal user in EngineConfig.TerminalZone.
//
// The terminal calls it at start when the operator configured a zone: the
// configuration is the intent, and EngineConfig.TerminalZone alone reaches
// only a user created by this run.
func (e *Engine) SetTimeZone(ctx context.Context, key UserKey, zone string) error {
	zone, err := ParseZone(zone)
	if err != nil {
		return fmt.Errorf("prep: time zone of %s: %w", key, err)
	}
	return e.changeUser(key, func(u *User) bool {
		if u.Settings.TimeZone == zone && u.Settings.ZoneFrom == "" {
			return false
		}
		u.Settings.TimeZone, u.Settings.ZoneFrom = zone, ""
		return true
	})
}
