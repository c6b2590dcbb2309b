// Package schedule runs prepbot's periodic work on robfig/cron: a thin
// wrapper that recovers panics, never overlaps a job with itself, logs
// through slog, and whose Stop waits for running jobs.
//
// Jobs do not carry per-user times: cron only ticks, and the store says who
// is due (an index on each user's next wake-up). That is what survives
// restarts (no missed runs lost), DST (no wall-clock job skipped or doubled)
// and many users (one job, not one per user).
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/prepbot/prepbot/internal/prep"
)

// Scheduler runs named jobs on cron specs.
type Scheduler struct {
	cron *cron.Cron
	log  *slog.Logger
	ctx  context.Context
	stop context.CancelFunc
}

// New returns a stopped scheduler.
func New(log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cl := cronLogger{log}
	ctx, stop := context.WithCancel(context.Background())
	return &Scheduler{
		cron: cron.New(cron.WithLogger(cl), cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl))),
		log:  log, ctx: ctx, stop: stop,
	}
}

// Add schedules job on a cron spec ("@every 1m", "0 3 * * *"). The job's
// context is cancelled by Stop.
func (s *Scheduler) Add(spec, name string, job func(ctx context.Context)) error {
	_, err := s.cron.AddFunc(spec, func() {
		start := time.Now()
		job(s.ctx)
		s.log.Debug("job done", "job", name, "took", time.Since(start))
	})
	if err != nil {
		return fmt.Errorf("schedule: job %s: bad spec %q: %w", name, spec, err)
	}
	return nil
}

// Start begins running jobs in the background.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling new runs, cancels running jobs' context, and waits
// for them to return or for ctx to end.
func (s *Scheduler) Stop(ctx context.Context) error {
	done := s.cron.Stop()
	s.stop()
	select {
	case <-done.Done():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("schedule: jobs still running at shutdown: %w", ctx.Err())
	}
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

// Pusher finds scheduled output that is due (the engine).
type Pusher interface {
	Due(ctx context.Context, want func(prep.UserKey) bool) ([]prep.Push, error)
}

// StreamingPusher is a Pusher that can hand each push over as soon as it is
// committed, from several goroutines, so that delivery overlaps the rest
// (*prep.Engine is one).
type StreamingPusher interface {
	DueFunc(ctx context.Context, want func(prep.UserKey) bool, fn func(prep.Push)) error
}

// Deliverer sends replies to a user of one platform, outside any
// conversation (a Telegram or Slack adapter).
type Deliverer interface {
	Deliver(ctx context.Context, user prep.UserKey, replies []prep.Reply) error
}

// PushJob returns the job that hands every due push to the adapter of its
// user's platform. Only users of the platforms given are woken, so the
// pushes of a platform that is not running stay due until it runs.
func PushJob(p Pusher, deliverers map[prep.Platform]Deliverer, log *slog.Logger) func(ctx context.Context) {
	served := func(u prep.UserKey) bool { _, ok := deliverers[u.Platform()]; return ok }
	deliver := func(ctx context.Context, push prep.Push) {
		d, ok := deliverers[push.User.Platform()]
		if !ok {
			log.Warn("push: platform not running", "user", push.User)
			return
		}
		if err := d.Deliver(ctx, push.User, push.Replies); err != nil {
			log.Error("push: deliver", "user", push.User, "err", err)
		}
	}
	return func(ctx context.Context) {
		if sp, ok := p.(StreamingPusher); ok {
			// Delivery starts while later users are still being woken:
			// the adapters' queues take pushes as they are committed.
			if err := sp.DueFunc(ctx, served, func(push prep.Push) { deliver(ctx, push) }); err != nil {
				log.Error("push: find due users", "err", err)
			}
			return
		}
		pushes, err := p.Due(ctx, served)
		if err != nil {
			log.Error("push: find due users", "err", err)
			return
		}
		for _, push := range pushes {
			deliver(ctx, push)
		}
	}
}
