package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/schedule"
	"github.com/prepbot/prepbot/internal/telegram"
)

// runFanout sends the daily push to cfg.fanoutUsers users at once: users
// onboarded in the store with their push due at t0, the real engine
// deciding what each gets (the day's intro and first card), the push job
// handing it to the real adapter, and the fake Bot API enforcing a global
// and a per-chat rate with 429 + retry_after. Telegram's 30/s and 1/s are
// scaled up together (default 300/s and 10/s) to keep the run short.
func runFanout(ctx context.Context, cfg config, out io.Writer) error {
	d, err := loadDeck(cfg.dir, "bench")
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp(cfg.workDir, "fanout-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	raw, err := rawCommits(filepath.Join(work, "raw.db"), 2*time.Second)
	if err != nil {
		return err
	}
	store, err := boltstore.Open(filepath.Join(work, "prepbot.db"), boltstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := pushData(store, cfg.fanoutUsers); err != nil {
		return err
	}
	eng, err := prep.NewEngine(prep.EngineConfig{Store: store, Library: d.lib, Now: func() time.Time { return t0 }})
	if err != nil {
		return err
	}

	srv, tb := newFake()
	defer tb.close()
	srv.RateLimit(cfg.global, cfg.perChat)
	bot, err := telegram.New(ctx, telegram.Options{
		Token: srv.Token, APIBase: srv.URL, Store: store,
		GlobalRate: cfg.global, PerChatRate: cfg.perChat, PerChatBurst: 3,
		PollTimeout: 5 * time.Second,
	}, eng)
	if err != nil {
		return err
	}
	botCtx, stopBot := context.WithCancel(ctx)
	defer stopBot()
	botDone := make(chan error, 1)
	go func() { botDone <- bot.Run(botCtx) }()

	counted := &countingDeliverer{to: bot, replies: map[prep.UserKey]int{}}
	timed := &timedPusher{p: eng}
	job := schedule.PushJob(timed, map[prep.Platform]schedule.Deliverer{prep.Telegram: counted}, slog.New(slog.DiscardHandler))
	start := time.Now()
	timed.start = start
	job(ctx)
	queued := time.Since(start)
	if err := bot.Flush(ctx); err != nil {
		return err
	}
	elapsed := time.Since(start)
	stopBot()
	if err := <-botDone; err != nil {
		return err
	}

	expected := 0
	var lost, dups, wrongFirst, unpushed int
	for i := range cfg.fanoutUsers {
		want := counted.replies[userKey(i)]
		if want == 0 {
			unpushed++
		}
		expected += want
		msgs := srv.Chat(chatID(i))
		switch {
		case len(msgs) < want:
			lost += want - len(msgs)
		case len(msgs) > want:
			dups += len(msgs) - want
		}
		if len(msgs) > 0 && !containsFold(msgs[0].Plain(), "daily quiz") {
			wrongFirst++
		}
	}
	if err := tb.close(); err != nil {
		return err
	}
	floor := time.Duration(float64(expected) / cfg.global * float64(time.Second))
	st := bot.Stats()
	fmt.Fprintf(out, "setup: %d users due for their daily push at once; fake Bot API enforcing %.0f msg/s global and %.0f msg/s per chat (429 + retry_after);\n",
		cfg.fanoutUsers, cfg.global, cfg.perChat)
	fmt.Fprintf(out, "       schedule.PushJob -> real engine (boltstore, fsync on) -> real Telegram adapter at the same limits\n")
	fmt.Fprintf(out, "messages: %d (%.1f per user: the day's intro and its first card); users without a push: %d\n",
		expected, float64(expected)/float64(cfg.fanoutUsers), unpushed)
	fmt.Fprintf(out, "completion: %v; floor (messages / global rate) %v; ratio %.3f\n",
		elapsed.Round(10*time.Millisecond), floor.Round(10*time.Millisecond), elapsed.Seconds()/floor.Seconds())
	how := "Engine.Due: all pushes returned at once, then delivered"
	if timed.streamed {
		how = "Engine.DueFunc: each push delivered as soon as its user's transaction commits"
	}
	fmt.Fprintf(out, "  waking the %d users (%s): done after %v (%.2f ms/user); first push handed to the adapter after %v; PushJob returned after %v\n",
		cfg.fanoutUsers, how, timed.took.Round(10*time.Millisecond), float64(timed.took)/float64(time.Millisecond)/float64(cfg.fanoutUsers),
		timed.first.Round(time.Millisecond), queued.Round(10*time.Millisecond))
	fmt.Fprintf(out, "  raw bbolt commit rate just before (2 s): %v\n", raw)
	sendTime := elapsed - timed.first
	fmt.Fprintf(out, "  sending, from the first push to the last message: %v; ratio to floor %.3f\n",
		sendTime.Round(10*time.Millisecond), sendTime.Seconds()/floor.Seconds())
	fmt.Fprintf(out, "429s: %d from the fake (adapter counted %d); lost %d, duplicated %d, first message not the quiz intro %d; adapter dropped %d\n",
		srv.TooManyRequests(), st.TooManyRequests, lost, dups, wrongFirst, st.Dropped)
	fmt.Fprintf(out, "targets: completion <= 1.05 x floor: %s; 0 lost and 0 duplicated: %s\n",
		verdict(elapsed.Seconds()/floor.Seconds() <= 1.05), verdict(lost == 0 && dups == 0 && unpushed == 0))
	return nil
}

// pushData stores users onboarded with their daily push due a minute
// before t0 and not yet sent today, and no card states: each push offers
// new cards.
func pushData(store *boltstore.Store, users int) error {
	due := t0.Add(-time.Minute)
	const perTx = 1000
	for first := 0; first < users; first += perTx {
		err := store.Update(func(tx prep.Tx) error {
			for i := first; i < min(users, first+perTx); i++ {
				u := studyUser(i)
				u.Settings.PushAt = due.Hour()*60 + due.Minute()
				u.LastPush = t0.AddDate(0, 0, -1).Format("2006-01-02")
				u.NextPush, u.WakeAt = due, due
				if err := tx.PutUser(u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// countingDeliverer counts the replies handed to the adapter per user: each
// short reply is one message the fake must end up with.
type countingDeliverer struct {
	to      schedule.Deliverer
	mu      sync.Mutex
	replies map[prep.UserKey]int
}

// Deliver counts and passes on.
func (d *countingDeliverer) Deliver(ctx context.Context, user prep.UserKey, replies []prep.Reply) error {
	d.mu.Lock()
	d.replies[user] += len(replies)
	d.mu.Unlock()
	return d.to.Deliver(ctx, user, replies)
}

// timedPusher times the engine's part of the push job: waking the due
// users and building their pushes. It passes on both ways the job may use
// (schedule.Pusher, and schedule.StreamingPusher, which hands each push
// over as soon as it is committed) and notes when the first push reached
// the adapter.
type timedPusher struct {
	p interface {
		schedule.Pusher
		schedule.StreamingPusher
	}
	start     time.Time
	took      time.Duration // until the last user was woken
	firstOnce sync.Once
	first     time.Duration // until the first push was handed over
	streamed  bool
}

// Due times and passes on.
func (t *timedPusher) Due(ctx context.Context, want func(prep.UserKey) bool) ([]prep.Push, error) {
	pushes, err := t.p.Due(ctx, want)
	t.took = time.Since(t.start)
	t.firstOnce.Do(func() { t.first = t.took })
	return pushes, err
}

// DueFunc times and passes on.
func (t *timedPusher) DueFunc(ctx context.Context, want func(prep.UserKey) bool, fn func(prep.Push)) error {
	t.streamed = true
	err := t.p.DueFunc(ctx, want, func(p prep.Push) {
		t.firstOnce.Do(func() { t.first = time.Since(t.start) })
		fn(p)
	})
	t.took = time.Since(t.start)
	return err
}
