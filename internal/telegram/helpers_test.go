package telegram_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/telegram"
	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

// memStore is a prep.Store that keeps only cursors, which is all the
// adapter uses. Other Tx methods panic through the nil embedded interface.
type memStore struct {
	mu      sync.Mutex
	cursors map[string]int64
	writes  int
}

var _ prep.Store = (*memStore)(nil)

func newMemStore() *memStore { return &memStore{cursors: map[string]int64{}} }

func (s *memStore) View(fn func(prep.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(memTx{s: s})
}

func (s *memStore) Update(fn func(prep.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	saved := make(map[string]int64, len(s.cursors))
	for k, v := range s.cursors {
		saved[k] = v
	}
	if err := fn(memTx{s: s, write: true}); err != nil {
		s.cursors = saved
		return err
	}
	s.writes++
	return nil
}

func (s *memStore) Close() error { return nil }

func (s *memStore) cursor(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursors[name]
}

type memTx struct {
	prep.Tx
	s     *memStore
	write bool
}

func (tx memTx) Cursor(name string) (int64, error) { return tx.s.cursors[name], nil }

func (tx memTx) SetCursor(name string, v int64) error {
	if !tx.write {
		return errors.New("memstore: write in a read transaction")
	}
	tx.s.cursors[name] = v
	return nil
}

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
		{Name: "start", Description: "Begin"},
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

// harness is a running bot against a fake server.
type harness struct {
	srv    *telegramtest.Server
	bot    *telegram.Bot
	coach  *fakeCoach
	store  *memStore
	logs   *logBuffer
	cancel context.CancelFunc // cancels Run's context
	stop   func() error       // cancels Run and returns its error
}

// options returns fast test defaults for the server.
func options(srv *telegramtest.Server, store prep.Store, logs *logBuffer) telegram.Options {
	return telegram.Options{
		Token:       srv.Token,
		APIBase:     srv.URL,
		Store:       store,
		Logger:      slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		PollTimeout: time.Second,
		// Chats faster than Telegram's so that tests not about the limits
		// do not wait for them.
		PerChatRate:  50,
		PerChatBurst: 10,
		CallbackWait: time.Second,
		Retry:        telegram.Retry{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond, GiveUp: 5 * time.Second},
		DrainTimeout: 5 * time.Second,
	}
}

// start runs a bot on srv with the coach; edit adjusts the options.
func start(tb testing.TB, srv *telegramtest.Server, coach *fakeCoach, store *memStore, edit func(*telegram.Options)) *harness {
	tb.Helper()
	h := &harness{srv: srv, coach: coach, store: store, logs: &logBuffer{}}
	opts := options(srv, store, h.logs)
	if edit != nil {
		edit(&opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	bot, err := telegram.New(ctx, opts, coach)
	if err != nil {
		cancel()
		tb.Fatalf("New: %v", err)
	}
	h.bot, h.cancel = bot, cancel
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
	return h
}

// startDefault runs a bot with an echo coach and a fresh store.
func startDefault(tb testing.TB, edit func(*telegram.Options)) *harness {
	tb.Helper()
	return start(tb, telegramtest.NewServer(tb), newCoach(nil), newMemStore(), edit)
}
