package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/chart"
	"github.com/prepbot/prepbot/internal/config"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/schedule"
	"github.com/prepbot/prepbot/internal/terminal"
)

// deliverers routes replies made outside a conversation turn (slow
// verdicts) to the adapter of the user's platform. Adapters are added once
// they exist, after the engine they serve.
type deliverers struct {
	mu sync.RWMutex
	m  map[prep.Platform]schedule.Deliverer
}

func (d *deliverers) add(p prep.Platform, to schedule.Deliverer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[prep.Platform]schedule.Deliverer{}
	}
	d.m[p] = to
}

// Deliver sends replies through the user's platform's adapter.
func (d *deliverers) Deliver(ctx context.Context, user prep.UserKey, replies []prep.Reply) error {
	d.mu.RLock()
	to, ok := d.m[user.Platform()]
	d.mu.RUnlock()
	if !ok {
		return fmt.Errorf("no %s adapter running to reach %s", user.Platform(), user)
	}
	return to.Deliver(ctx, user, replies)
}

// charts is internal/chart behind the engine's Charts interface.
type charts struct{}

func (charts) ReviewsPerDay(days []time.Time, byRating [][4]int) ([]byte, error) {
	return chart.ReviewsPerDay(days, byRating)
}

func (charts) DueForecast(days []time.Time, counts []int) ([]byte, error) {
	return chart.DueForecast(days, counts)
}

func (charts) TopicRecall(topics []string, recall []float64, target float64) ([]byte, error) {
	return chart.TopicRecall(topics, recall, target)
}

// storeOptions are the options every command opens the database with: its
// messages name the setting that chose the file (PREPBOT_DB, --db, the
// configuration file, or the default), which is what the user would change.
func storeOptions(cfg config.Config) boltstore.Options {
	return boltstore.Options{Origin: cfg.Origin("PREPBOT_DB")}
}

// latestCharts is the engine as the terminal sees it, keeping the chart
// files the terminal writes into dir (its ImageDir) to those of the latest
// /stats: a file must outlive the message that names it, for the user to
// open it, but nothing else would ever remove it. The previous files go when
// replies with new pictures are handed to the terminal, which then writes
// them; the folder goes at exit.
type latestCharts struct {
	terminal.Coach
	dir string
	log *slog.Logger
}

// Handle is the engine's Handle, clearing dir first when the replies carry
// pictures.
func (c latestCharts) Handle(ctx context.Context, ev prep.Event) []prep.Reply {
	replies := c.Coach.Handle(ctx, ev)
	if slices.ContainsFunc(replies, func(r prep.Reply) bool { return r.Kind == prep.Photo }) {
		entries, err := os.ReadDir(c.dir)
		for _, e := range entries {
			if rerr := os.RemoveAll(filepath.Join(c.dir, e.Name())); err == nil {
				err = rerr
			}
		}
		if err != nil {
			c.log.Warn("remove the previous charts", "dir", c.dir, "err", err)
		}
	}
	return replies
}
