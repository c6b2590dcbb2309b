// Command prepbench measures prepbot's performance on this machine: the
// figures in docs/PERFORMANCE.md and docs/SCALING.md come from it. It is a
// manual tool: no test runs it, and each scenario takes up to a couple of
// minutes.
//
// Usage:
//
//	go run ./cmd/prepbench -scenario all
//	go run ./cmd/prepbench -scenario updates -users 1000 -duration 20s [-deck shipped] [-work /dev/shm/x]
//	go run ./cmd/prepbench -scenario fanout -fanout-users 10000 -global 300 -per-chat 10
//	go run ./cmd/prepbench -scenario duescan -scan-users 10000 -cards 50,200
//	go run ./cmd/prepbench -scenario startup -runs 5
//	go run ./cmd/prepbench -scenario disk
//	go run ./cmd/prepbench -scenario updates -cpuprofile /tmp/updates.prof
//
// Scenarios:
//
//	updates  1,000 simulated users study through a fake Bot API against the
//	         real engine, store (bbolt, fsync on) and Telegram adapter:
//	         updates/s when saturated, handling latency at offered
//	         -rates, and the disk's own commit rate.
//	fanout   a daily push to 10,000 users through schedule.PushJob and the
//	         adapter, under rate limits the fake enforces with 429s.
//	duescan  the cron tick (Engine.Due, nobody waking) and one user's due
//	         scan over 10,000 users × 50 and 200 card states, cold and warm.
//	startup  the real binary, started on that data set against a fake Bot
//	         API: time to the first getUpdates, and resident memory, with
//	         the Python interpreter on and off.
//
// Every scenario prints the machine, what it measured and how. Data sets
// that take a while to build are cached in -dir, keyed by their parameters.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
}

// config is every scenario's parameters, from the flags.
type config struct {
	scenarios  []string
	dir        string
	workDir    string
	cpuProfile string

	// updates
	users     int
	duration  time.Duration
	warmup    time.Duration
	userCards int
	userDue   int
	deck      string
	rates     []float64
	saturated bool

	// fanout
	fanoutUsers int
	global      float64
	perChat     float64

	// duescan and startup
	scanUsers int
	cards     []int
	scanDue   int
	scanReps  int

	// startup
	runs   int
	binary string
	python string
}

var allScenarios = []string{"updates", "fanout", "duescan", "startup", "disk"}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("prepbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "all", "comma-separated scenarios: "+strings.Join(allScenarios, ", ")+", or all")
	fs.StringVar(&c.dir, "dir", filepath.Join(os.TempDir(), "prepbench-data"), "where data sets are cached between runs (keyed by their parameters)")
	fs.StringVar(&c.workDir, "work", "", "updates, fanout: where the databases the bot writes live (default: -dir); e.g. /dev/shm to take fsync out")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")

	fs.IntVar(&c.users, "users", 1000, "updates: concurrent simulated users")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "updates: measured time, after the warm-up")
	fs.DurationVar(&c.warmup, "warmup", 3*time.Second, "updates: load before measuring starts")
	fs.IntVar(&c.userCards, "user-cards", 200, "updates: card states each user starts with")
	fs.IntVar(&c.userDue, "user-due", 40, "updates: of those, due at the start (the rest later)")
	fs.BoolVar(&c.saturated, "saturated", true, "updates: run the saturated load before the paced ones")
	rates := fs.String("rates", "500,1000,2000", "updates: offered updates/s of the paced runs after the saturated one, comma-separated (\"\": none)")
	fs.StringVar(&c.deck, "deck", "bench", "updates: bench (the shipped decks + 240 generated cards) or shipped (the embedded decks alone: 43 cards)")

	fs.IntVar(&c.fanoutUsers, "fanout-users", 10000, "fanout: users whose daily push is due")
	fs.Float64Var(&c.global, "global", 300, "fanout: global messages/s, enforced by the fake and kept by the adapter (Telegram: 30)")
	fs.Float64Var(&c.perChat, "per-chat", 10, "fanout: messages/s in one chat, likewise (Telegram: 1)")

	fs.IntVar(&c.scanUsers, "scan-users", 10000, "duescan, startup: users in the data set")
	cards := fs.String("cards", "50,200", "duescan: card states per user, one data set each (startup uses the largest)")
	fs.IntVar(&c.scanDue, "due", 5, "duescan, startup: of each user's card states, how many are due")
	fs.IntVar(&c.scanReps, "reps", 200, "duescan: repetitions of each timed scan")

	fs.IntVar(&c.runs, "runs", 5, "startup: start-ups measured")
	fs.StringVar(&c.binary, "binary", "", "startup: a prepbot binary to run instead of building ./cmd/prepbot")
	fs.StringVar(&c.python, "python", "", "startup: the Python interpreter (default: the module's .cache/python/python.wasm, if fetched)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q; see -h", fs.Args())
	}
	for _, s := range strings.Split(*scenario, ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "all":
			c.scenarios = append(c.scenarios, allScenarios...)
		case slices.Contains(allScenarios, s):
			c.scenarios = append(c.scenarios, s)
		default:
			return c, fmt.Errorf("unknown scenario %q; want %s or all", s, strings.Join(allScenarios, ", "))
		}
	}
	for _, s := range strings.Split(*rates, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		var r float64
		if _, err := fmt.Sscan(s, &r); err != nil || r <= 0 {
			return c, fmt.Errorf("-rates: %q is not a positive number of updates/s", s)
		}
		c.rates = append(c.rates, r)
	}
	for _, s := range strings.Split(*cards, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err != nil || n < 1 {
			return c, fmt.Errorf("-cards: %q is not a positive number", s)
		}
		c.cards = append(c.cards, n)
	}
	switch {
	case c.users < 1 || c.fanoutUsers < 1 || c.scanUsers < 1:
		return c, errors.New("user counts must be positive")
	case c.userDue > c.userCards || c.scanDue > slices.Min(c.cards):
		return c, errors.New("due cards per user cannot exceed card states per user")
	case c.global <= 0 || c.perChat <= 0:
		return c, errors.New("-global and -per-chat must be positive")
	case c.duration <= 0 || c.runs < 1 || c.scanReps < 1:
		return c, errors.New("-duration, -runs and -reps must be positive")
	}
	return c, nil
}

func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseFlags(args, os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("prepbench: %w", err)
	}
	if cfg.workDir == "" {
		cfg.workDir = cfg.dir
	}
	for _, d := range []string{cfg.dir, cfg.workDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("prepbench: %w", err)
		}
	}
	fmt.Fprintln(out, "prepbench:", strings.Join(cfg.scenarios, ", "))
	describeMachine(out, cfg.dir)
	if cfg.workDir != cfg.dir {
		fmt.Fprintf(out, "work disk: %s\n", diskNote(cfg.workDir))
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return fmt.Errorf("prepbench: cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("prepbench: cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	began := time.Now()
	for _, s := range cfg.scenarios {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fmt.Fprintf(out, "\n== %s\n", s)
		start := time.Now()
		var err error
		switch s {
		case "updates":
			err = runUpdates(ctx, cfg, out)
		case "fanout":
			err = runFanout(ctx, cfg, out)
		case "duescan":
			err = runDueScan(ctx, cfg, out)
		case "startup":
			err = runStartup(ctx, cfg, out)
		case "disk":
			err = runDisk(ctx, cfg, out)
		}
		if err != nil {
			return fmt.Errorf("prepbench: %s: %w", s, err)
		}
		fmt.Fprintf(out, "(%s took %v)\n", s, time.Since(start).Round(100*time.Millisecond))
	}
	fmt.Fprintf(out, "\ntotal %v\n", time.Since(began).Round(100*time.Millisecond))
	return nil
}
