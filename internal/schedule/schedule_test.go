package schedule_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/schedule"
)

type fakePusher struct {
	pushes []prep.Push
	err    error
}

func (f fakePusher) Due(context.Context, func(prep.UserKey) bool) ([]prep.Push, error) {
	return f.pushes, f.err
}

type recorder struct {
	mu   sync.Mutex
	got  []prep.UserKey
	fail bool
}

func (r *recorder) Deliver(_ context.Context, u prep.UserKey, _ []prep.Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, u)
	if r.fail {
		return errors.New("down")
	}
	return nil
}

func TestPushJobRoutesByPlatform(t *testing.T) {
	tg, sl := &recorder{}, &recorder{fail: true}
	p := fakePusher{pushes: []prep.Push{
		{User: "telegram:1", Replies: []prep.Reply{{Text: prep.Text("a")}}},
		{User: "slack:U1", Replies: []prep.Reply{{Text: prep.Text("b")}}},
		{User: "telegram:2", Replies: []prep.Reply{{Text: prep.Text("c")}}},
		{User: "terminal:ada", Replies: []prep.Reply{{Text: prep.Text("d")}}},
	}}
	job := schedule.PushJob(p, map[prep.Platform]schedule.Deliverer{prep.Telegram: tg, prep.Slack: sl}, slog.New(slog.DiscardHandler))
	job(context.Background())
	if len(tg.got) != 2 || tg.got[0] != "telegram:1" || tg.got[1] != "telegram:2" {
		t.Fatalf("telegram got %v", tg.got)
	}
	// A failing platform does not stop the others.
	if len(sl.got) != 1 {
		t.Fatalf("slack got %v", sl.got)
	}
}

func TestSchedulerRecoversPanicsAndStopWaits(t *testing.T) {
	s := schedule.New(nil)
	var runs, finished atomic.Int32
	started := make(chan struct{}, 10)
	if err := s.Add("@every 1s", "slow", func(ctx context.Context) {
		runs.Add(1)
		started <- struct{}{}
		<-ctx.Done() // runs until Stop cancels it
		time.Sleep(50 * time.Millisecond)
		finished.Add(1)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("@every 1s", "panics", func(context.Context) { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	s.Start()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("job never ran")
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if finished.Load() != runs.Load() {
		t.Fatalf("Stop returned with %d of %d runs unfinished", runs.Load()-finished.Load(), runs.Load())
	}
}

func TestBadSpecIsAnError(t *testing.T) {
	if err := schedule.New(nil).Add("every minute", "x", func(context.Context) {}); err == nil {
		t.Fatal("want an error for a malformed spec")
	}
}

// streamingPusher hands pushes over one by one, as the engine does.
type streamingPusher struct{ fakePusher }

func (s streamingPusher) DueFunc(_ context.Context, want func(prep.UserKey) bool, fn func(prep.Push)) error {
	for _, p := range s.pushes {
		if want(p.User) {
			fn(p)
		}
	}
	return nil
}

func TestPushJobStreamsOnlyServedPlatforms(t *testing.T) {
	tg := &recorder{}
	p := streamingPusher{fakePusher{pushes: []prep.Push{{User: "telegram:1"}, {User: "slack:U1"}, {User: "telegram:2"}}}}
	schedule.PushJob(p, map[prep.Platform]schedule.Deliverer{prep.Telegram: tg}, slog.New(slog.DiscardHandler))(context.Background())
	if len(tg.got) != 2 {
		t.Fatalf("telegram got %v; the Slack user must not even be woken", tg.got)
	}
}
