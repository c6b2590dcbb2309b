package main

// The outage test: the Telegram adapter, the engine and the store, wired as
// in production, against the fake Bot API behind a proxy that breaks the
// network in stretches: 5xx answers with HTML bodies, 429 with retry_after,
// refused connections, and requests that hang past the client's timeout.
// Afterwards every message due was delivered exactly once and every button
// pressed was handled once.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prepbot/prepbot/content"
	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/markdown"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/schedule"
	"github.com/prepbot/prepbot/internal/telegram"
	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

// faultyNet is a TCP proxy to the fake Bot API that can refuse connections
// or hold requests without forwarding them.
type faultyNet struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	stall  atomic.Bool
	wg     sync.WaitGroup
}

func newFaultyNet(t *testing.T, target string) *faultyNet {
	f := &faultyNet{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	f.serve(ln)
	t.Cleanup(func() { f.refuse(); f.wg.Wait() })
	return f
}

func (f *faultyNet) serve(ln net.Listener) {
	f.mu.Lock()
	f.ln = ln
	f.mu.Unlock()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.pipe(c)
		}
	}()
}

func (f *faultyNet) pipe(c net.Conn) {
	defer c.Close()
	for f.stall.Load() {
		// The request hangs here, never reaching the server: the client's
		// timeout fires, and nothing was sent, so a retry cannot duplicate.
		time.Sleep(20 * time.Millisecond)
	}
	up, err := net.Dial("tcp", f.target)
	if err != nil {
		return
	}
	defer up.Close()
	go io.Copy(up, c)
	io.Copy(c, up)
}

// refuse closes the listener: connections are refused until restore.
func (f *faultyNet) refuse() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ln != nil {
		f.ln.Close()
		f.ln = nil
	}
}

func (f *faultyNet) restore(t *testing.T) {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		t.Fatalf("re-listen on %s: %v", f.addr, err)
	}
	f.serve(ln)
}

func TestOutagesDeliverEverythingExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs through several network outages")
	}
	srv := telegramtest.NewServer(t)
	srv.WaitTimeout = 60 * time.Second
	proxy := newFaultyNet(t, strings.TrimPrefix(srv.URL, "http://"))
	lib, problems := markdown.Load(content.FS())
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "prepbot.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	clock := &fakeClock{t: time.Date(2026, 11, 2, 8, 45, 0, 0, time.UTC)}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	engine, err := prep.NewEngine(prep.EngineConfig{Store: store, Library: lib, Now: clock.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 2500 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bot, err := telegram.New(ctx, telegram.Options{
		Token: srv.Token, APIBase: "http://" + proxy.addr, Store: store, Logger: log, Now: clock.Now,
		HTTPClient: client, PollTimeout: time.Second, GlobalRate: 200, PerChatRate: 20, PerChatBurst: 5,
		Retry: telegram.Retry{Initial: 100 * time.Millisecond, Max: 500 * time.Millisecond, GiveUp: 5 * time.Minute},
	}, engine)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- bot.Run(ctx) }()

	const users = 8
	id := func(u int) int64 { return int64(9100 + u) }
	// Every user onboards with a 09:00 daily quiz, so a push falls due
	// during an outage below.
	for u := range users {
		srv.SendText(id(u), "/start")
	}
	for u := range users {
		zone := waitMsg(t, srv, id(u), 0, "Which time zone")
		srv.PressButton(id(u), zone.ID, "z:UTC")
		push := waitMsg(t, srv, id(u), zone.ID, "When should I send")
		srv.PressButton(id(u), push.ID, "p:09:00")
		waitMsg(t, srv, id(u), push.ID, "All set!")
	}

	outages := []struct {
		name  string
		begin func()
		end   func()
	}{
		{"5xx with HTML bodies", func() { srv.FailNext("*", 12, 502, "<html><body>502 Bad Gateway</body></html>") }, func() {}},
		{"429 with retry_after", func() {
			srv.FailNext("sendMessage", 6, 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`)
		}, func() {}},
		{"connection refused", proxy.refuse, func() { proxy.restore(t) }},
		{"requests hang past the timeout", func() { proxy.stall.Store(true) }, func() { proxy.stall.Store(false) }},
	}
	var pressesMu sync.Mutex
	presses := map[int64]int{}
	for round, o := range outages {
		t.Logf("round %d: %s", round, o.name)
		// Each user asks for a card, the outage begins, they reveal and rate
		// into it, and it ends.
		cards := make([]telegramtest.Message, users)
		for u := range users {
			before := lastMsgID(srv, id(u))
			srv.SendText(id(u), "/ask")
			cards[u] = waitMsg(t, srv, id(u), before, "Show answer")
		}
		o.begin()
		var wg sync.WaitGroup
		for u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				srv.PressButton(id(u), cards[u].ID, "a"+cards[u].Buttons[0][0].Data[1:])
			}()
		}
		wg.Wait()
		if round == 2 {
			// The daily quiz falls due while Telegram is unreachable.
			clock.Set(time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC))
			schedule.PushJob(engine, map[prep.Platform]schedule.Deliverer{prep.Telegram: bot}, log)(ctx)
		}
		time.Sleep(1500 * time.Millisecond)
		o.end()
		for u := range users {
			revealed := waitEdited(t, srv, id(u), cards[u].ID, "How well did you recall it?")
			var good string
			for _, row := range revealed.Buttons {
				for _, b := range row {
					if strings.HasPrefix(b.Text, "Good") {
						good = b.Data
					}
				}
			}
			srv.PressButton(id(u), cards[u].ID, good)
			pressesMu.Lock()
			presses[id(u)]++
			pressesMu.Unlock()
			waitEdited(t, srv, id(u), cards[u].ID, "Good · next in")
		}
	}
	srv.WaitForConfirmed()
	if err := bot.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	for u := range users {
		msgs := srv.Chat(id(u))
		count := func(substr string) int {
			n := 0
			for _, m := range msgs {
				if strings.Contains(m.Plain(), substr) {
					n++
				}
			}
			return n
		}
		if n := count("☀️ Your daily quiz"); n != 1 {
			for _, m := range msgs {
				t.Logf("  %d: %.80q", m.ID, m.Plain())
			}
			for _, r := range srv.Requests() {
				if r.Params.Get("chat_id") == fmt.Sprint(id(u)) && strings.Contains(r.Params.Get("text"), "daily quiz") {
					t.Logf("  request %s status %d at %v: %.60q", r.Method, r.Status, r.At, r.Params.Get("text"))
				}
			}

			t.Errorf("user %d got the daily quiz %d times, want once", u, n)
		}
		if n := count("All set!"); n != 1 {
			t.Errorf("user %d got the onboarding reply %d times", u, n)
		}
		if n := count("Good · next in"); n != len(outages) {
			t.Errorf("user %d: %d rated cards shown, want %d", u, n, len(outages))
		}
		var stored int
		store.View(func(tx prep.Tx) error {
			for _, err := range tx.Reviews(prep.NewUserKey(prep.Telegram, fmt.Sprint(id(u))), time.Time{}) {
				if err != nil {
					return err
				}
				stored++
			}
			return nil
		})
		if stored != presses[id(u)] {
			t.Errorf("user %d: %d reviews stored for %d presses", u, stored, presses[id(u)])
		}
	}
	st := bot.Stats()
	t.Logf("sent %d, retried %d, 429s %d, dropped %d", st.Sent, st.Retries, st.TooManyRequests, st.Dropped)
	if st.Dropped != 0 {
		t.Fatalf("%d messages dropped", st.Dropped)
	}
}

func lastMsgID(srv *telegramtest.Server, chat int64) int {
	msgs := srv.Chat(chat)
	if len(msgs) == 0 {
		return 0
	}
	return msgs[len(msgs)-1].ID
}

func waitMsg(t *testing.T, srv *telegramtest.Server, chat int64, after int, substr string) telegramtest.Message {
	t.Helper()
	var found telegramtest.Message
	srv.WaitFor(fmt.Sprintf("chat %d: a message with %q", chat, substr), func() bool {
		for _, m := range srv.Chat(chat) {
			if m.ID > after && strings.Contains(m.Plain(), substr) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

func waitEdited(t *testing.T, srv *telegramtest.Server, chat int64, msgID int, substr string) telegramtest.Message {
	t.Helper()
	var found telegramtest.Message
	srv.WaitFor(fmt.Sprintf("chat %d: message %d to read %q", chat, msgID, substr), func() bool {
		for _, m := range srv.Chat(chat) {
			if m.ID == msgID && strings.Contains(m.Plain(), substr) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}
