package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prepbot/prepbot/internal/ops"
	"github.com/prepbot/prepbot/internal/prep"
)

// coach is what every chat adapter needs from the engine.
type coach interface {
	Handle(ctx context.Context, ev prep.Event) []prep.Reply
	Commands() []prep.Command
}

// measured counts and times the engine's handling of one platform's events.
type measured struct {
	coach
	events  prometheus.Counter
	latency prometheus.Observer
}

func measure(c coach, m *ops.Metrics, platform prep.Platform) measured {
	return measured{coach: c, events: m.Events.WithLabelValues(string(platform)), latency: m.HandleSeconds.WithLabelValues(string(platform))}
}

// Handle handles the event and records its count and latency.
func (m measured) Handle(ctx context.Context, ev prep.Event) []prep.Reply {
	start := time.Now()
	r := m.coach.Handle(ctx, ev)
	m.latency.Observe(time.Since(start).Seconds())
	m.events.Inc()
	return r
}

// observeCommit records one store transaction of the engine's group commit:
// with the handling latency, these say whether a slow event waited for the
// disk (commit and wait) or for the engine.
func observeCommit(m *ops.Metrics, c prep.CommitTiming) {
	m.CommitEvents.Observe(float64(c.Events))
	m.CommitSeconds.Observe(c.Commit.Seconds())
	for _, w := range c.Waits {
		m.CommitWaitSeconds.Observe(w.Seconds())
	}
}
