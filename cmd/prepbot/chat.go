package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/config"
	"github.com/prepbot/prepbot/internal/ops"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/schedule"
	"github.com/prepbot/prepbot/internal/slack"
	"github.com/prepbot/prepbot/internal/telegram"
)

// deliveryRetention is how long delivery ids are kept for de-duplication:
// Telegram keeps an unconfirmed update for 24 hours, so twice that is safe.
const deliveryRetention = 48 * time.Hour

// shutdownGrace bounds the wait for running scheduled jobs at shutdown.
const shutdownGrace = 10 * time.Second

// platform is a running chat adapter.
type platform interface {
	schedule.Deliverer
	Run(ctx context.Context) error
	Ready() bool
}

// telegramOptions are the Telegram adapter's options that come from the
// configuration. config.Validate has checked them by rules at least as
// strict as the adapter's, so that a bad value is reported naming its
// setting before anything is opened.
func telegramOptions(cfg config.Config) telegram.Options {
	return telegram.Options{
		Token: cfg.TelegramToken, APIBase: cfg.TelegramAPI, Allowed: cfg.AllowedUsers,
		Webhook: telegram.Webhook{URL: cfg.TelegramWebhookURL, Listen: cfg.TelegramWebhookListen, Secret: cfg.TelegramWebhookSecret},
	}
}

// slackOptions are the Slack adapter's options that come from the
// configuration, checked as telegramOptions' are.
func slackOptions(cfg config.Config) slack.Options {
	return slack.Options{
		BotToken: cfg.SlackBotToken, AppToken: cfg.SlackAppToken, SigningSecret: cfg.SlackSigningSecret,
		Listen: cfg.SlackListen, APIBase: cfg.SlackAPI, Command: cfg.SlackCommand,
		Allowed: cfg.SlackAllowedUsers, Team: cfg.SlackTeam,
	}
}

// runChat runs the configured chat platforms (Telegram, Slack or both) and
// the scheduler until ctx ends, then shuts down in order: stop taking
// events and drain the send queues (each adapter's Run), stop the
// scheduler and wait for its jobs; the caller closes the database.
func runChat(ctx context.Context, cfg config.Config, env IO, log *slog.Logger, store *boltstore.Store, engine *prep.Engine, metrics *ops.Metrics, router *deliverers) error {
	now := env.now()
	onBlocked := func(ctx context.Context, user prep.UserKey) {
		if err := engine.MarkInactive(ctx, user); err != nil {
			log.Error("mark user inactive", "user", user, "err", err)
		}
	}
	platforms := map[prep.Platform]platform{}
	if cfg.TelegramToken != "" {
		log.Info("telegram: connecting", "api", cfg.TelegramAPI)
		opts := telegramOptions(cfg)
		opts.Store, opts.Logger, opts.Now, opts.OnBlocked = store, log, now, onBlocked
		tg, err := telegram.New(ctx, opts, measure(engine, metrics, prep.Telegram))
		if err != nil {
			if ctx.Err() != nil {
				return nil // interrupted while waiting for the API
			}
			return err
		}
		platforms[prep.Telegram] = tg
		metrics.WatchSender(string(prep.Telegram), func() ops.SenderStats {
			st := tg.Stats()
			return ops.SenderStats{Queued: st.Queued, Sent: int64(st.Sent), TooManyRequests: int64(st.TooManyRequests), Retries: int64(st.Retries), Dropped: int64(st.Dropped)}
		})
		metrics.WatchGauge("prepbot_telegram_last_poll_timestamp_seconds", "When getUpdates last succeeded (unix time).", func() float64 {
			if t := tg.LastPoll(); !t.IsZero() {
				return float64(t.UnixNano()) / 1e9
			}
			return 0
		})
	}
	if cfg.SlackBotToken != "" {
		log.Info("slack: connecting", "mode", map[bool]string{true: "socket", false: "http"}[cfg.SlackListen == ""])
		opts := slackOptions(cfg)
		opts.Logger, opts.Now, opts.OnBlocked = log, now, onBlocked
		sl, err := slack.New(ctx, opts, measure(engine, metrics, prep.Slack))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		platforms[prep.Slack] = sl
		metrics.WatchSender(string(prep.Slack), func() ops.SenderStats {
			st := sl.Stats()
			return ops.SenderStats{Queued: st.Queued, Sent: int64(st.Sent), TooManyRequests: int64(st.TooManyRequests), Retries: int64(st.Retries), Dropped: int64(st.Dropped)}
		})
	}
	pushTo := map[prep.Platform]schedule.Deliverer{}
	checks := map[string]ops.Check{
		"database": func(context.Context) error { return store.View(func(prep.Tx) error { return nil }) },
	}
	for p, pl := range platforms {
		router.add(p, pl)
		pushTo[p] = pl
		checks[string(p)] = func(context.Context) error {
			if !pl.Ready() {
				return errors.New("not connected")
			}
			return nil
		}
	}
	// Counting due cards sums the store's due histogram up to now's minute,
	// a few pages however many users there are. It is still taken once a
	// minute at most, however often Prometheus scrapes: counting by the
	// minute, DueCount is no finer than that anyway.
	var dueMu sync.Mutex
	var dueAt time.Time
	var dueN int
	metrics.WatchGauge("prepbot_due_cards", "Card states due now over all users (refreshed at most once a minute).", func() float64 {
		dueMu.Lock()
		defer dueMu.Unlock()
		if t := now(); dueAt.IsZero() || t.Sub(dueAt) >= time.Minute || t.Before(dueAt) {
			n, err := store.DueCount(t)
			if err != nil {
				log.Error("metrics: due cards", "err", err)
			}
			dueAt, dueN = t, n
		}
		return float64(dueN)
	})
	if cfg.HTTPAddr != "" && cfg.HTTPAddr != "off" {
		srv, err := ops.Listen(cfg.HTTPAddr, metrics, checks, log)
		if err != nil {
			return err
		}
		log.Info("ops: serving /healthz, /readyz and /metrics", "addr", srv.Addr())
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		}()
	}

	sched := schedule.New(log)
	push := schedule.PushJob(engine, pushTo, log)
	if err := sched.Add(env.pushSpec(), "push", push); err != nil {
		return err
	}
	if err := sched.Add("@every 1h", "prune-deliveries", func(context.Context) {
		if n, err := store.PruneDeliveries(now().Add(-deliveryRetention)); err != nil {
			log.Error("prune delivery ids", "err", err)
		} else if n > 0 {
			log.Debug("pruned delivery ids", "count", n)
		}
	}); err != nil {
		return err
	}
	if cfg.BackupDir != "off" {
		if err := sched.Add("0 3 * * *", "backup", func(context.Context) {
			if path, err := store.BackupInto(cfg.BackupDir, now(), cfg.BackupKeep); err != nil {
				log.Error("nightly backup", "err", err)
			} else {
				log.Info("nightly backup", "path", path)
			}
		}); err != nil {
			return err
		}
	}
	sched.Start()
	// Pushes missed while the bot was down go out now, not at the first tick.
	go push(ctx)

	var wg sync.WaitGroup
	errs := make(chan error, len(platforms))
	runCtx, stopAll := context.WithCancel(ctx)
	defer stopAll()
	for _, pl := range platforms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each adapter prefixes its errors with its package's name,
			// which is the platform's: adding it here doubled it.
			if err := pl.Run(runCtx); err != nil {
				errs <- err
				stopAll() // one platform failing stops the process: a supervisor restarts it whole
			}
		}()
	}
	wg.Wait()
	close(errs)
	stopCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := sched.Stop(stopCtx); err != nil {
		log.Error("shutdown", "err", err)
	}
	log.Info("stopped")
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}
