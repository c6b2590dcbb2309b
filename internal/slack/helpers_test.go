package slack_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/slack"
	"github.com/prepbot/prepbot/internal/slack/slackfake"
)

// fakeCoach records events and answers with a script.
type fakeCoach struct {
	mu     sync.Mutex
	events []prep.Event
	reply  func(ev prep.Event) []prep.Reply
	cmds   []prep.Command
}

func newCoach(reply func(ev prep.Event) []prep.Reply) *fakeCoach {
	if reply == nil {
		reply = echo
	}
	return &fakeCoach{reply: reply, cmds: []prep.Command{
		{Name: "help", Description: "How prepbot works"},
		{Name: "ask", Args: "[topic]", Description: "Ask a card now"},
	}}
}

// echo answers text with "echo: <text>" and a button press with a Notice.
func echo(ev prep.Event) []prep.Reply {
	if ev.Button != "" {
		return []prep.Reply{{Kind: prep.Notice, Text: prep.Text("pressed " + ev.Button)}}
	}
	return []prep.Reply{{Kind: prep.Send, Text: prep.Text("echo: " + ev.Text)}}
}

func (c *fakeCoach) Handle(ctx context.Context, ev prep.Event) []prep.Reply {
	c.mu.Lock()
	c.events = append(c.events, ev)
	reply := c.reply
	c.mu.Unlock()
	return reply(ev)
}

func (c *fakeCoach) Commands() []prep.Command { return c.cmds }

func (c *fakeCoach) Events() []prep.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]prep.Event(nil), c.events...)
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (c *fakeCoach) WaitEvents(tb testing.TB, n int) []prep.Event {
	tb.Helper()
	var evs []prep.Event
	waitFor(tb, "coach events", func() bool {
		evs = c.Events()
		return len(evs) >= n
	})
	return evs
}

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) Contains(s string) bool { return strings.Contains(l.String(), s) }

// clock is a settable Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness is a running bot against a fake Slack.
type harness struct {
	srv   *slackfake.Server
	bot   *slack.Bot
	coach *fakeCoach
	logs  *logBuffer
	addr  string       // HTTP mode: the bot's base URL
	stop  func() error // cancels Run and returns its error
}

// options returns fast test defaults for the fake.
func options(srv *slackfake.Server, logs *logBuffer) slack.Options {
	return slack.Options{
		BotToken: srv.BotToken,
		AppToken: srv.AppToken,
		APIBase:  srv.URL,
		Logger:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		// Channels faster than Slack's so that tests not about the limits
		// do not wait for them.
		GlobalRate:      1000,
		PerChannelRate:  100,
		PerChannelBurst: 20,
		Retry:           slack.Retry{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond, GiveUp: 5 * time.Second},
		DrainTimeout:    5 * time.Second,
	}
}

// start runs a bot in Socket Mode on srv with the coach; edit adjusts the
// options (setting Listener switches to HTTP mode).
func start(tb testing.TB, srv *slackfake.Server, coach *fakeCoach, edit func(*slack.Options)) *harness {
	tb.Helper()
	h := &harness{srv: srv, coach: coach, logs: &logBuffer{}}
	opts := options(srv, h.logs)
	if edit != nil {
		edit(&opts)
	}
	if opts.Listener != nil {
		h.addr = "http://" + opts.Listener.Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	bot, err := slack.New(ctx, opts, coach)
	if err != nil {
		cancel()
		tb.Fatalf("New: %v\n%s", err, h.logs)
	}
	h.bot = bot
	done := make(chan error, 1)
	go func() { done <- bot.Run(ctx) }()
	var once sync.Once
	var runErr error
	h.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(15 * time.Second):
				runErr = errors.New("Run did not return within 15 s of cancellation")
			}
		})
		return runErr
	}
	tb.Cleanup(func() {
		if err := h.stop(); err != nil {
			tb.Errorf("Run: %v", err)
		}
		if tb.Failed() {
			tb.Logf("bot log:\n%s", h.logs.String())
		}
	})
	if opts.Listener == nil {
		srv.WaitConnected(1)
	}
	waitFor(tb, "Ready", bot.Ready)
	return h
}

// startHTTP runs a bot in HTTP mode on a loopback port.
func startHTTP(tb testing.TB, srv *slackfake.Server, coach *fakeCoach, edit func(*slack.Options)) *harness {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	h := start(tb, srv, coach, func(o *slack.Options) {
		o.Listener = ln
		o.SigningSecret = srv.SigningSecret
		o.AppToken = ""
		if edit != nil {
			edit(o)
		}
	})
	srv.DeliverTo(h.addr)
	return h
}

// startDefault runs a bot in Socket Mode with an echo coach.
func startDefault(tb testing.TB, edit func(*slack.Options)) *harness {
	tb.Helper()
	return start(tb, slackfake.New(tb), newCoach(nil), edit)
}
