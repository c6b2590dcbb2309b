package main

// End-to-end tests of Telegram mode: the real Main (config, content, bbolt
// store, engine, telegram adapter, scheduler) against the in-process fake
// Bot API and a fake clock. They assert what the user sees in the chat and
// what the store holds.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

// fakeClock is a clock shared by the bot's goroutines and the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// lockedBuffer collects logs written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tgWorld is one fake Telegram, one database file and one clock, across bot
// restarts.
type tgWorld struct {
	t     *testing.T
	srv   *telegramtest.Server
	db    string
	clock *fakeClock
	env   map[string]string
	logs  *lockedBuffer
}

func newTGWorld(t *testing.T, env map[string]string) *tgWorld {
	srv := telegramtest.NewServer(t)
	dir := t.TempDir()
	w := &tgWorld{t: t, srv: srv, db: filepath.Join(dir, "prepbot.db"), logs: &lockedBuffer{},
		clock: &fakeClock{t: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)},
		env: map[string]string{
			"HOME": dir, "PREPBOT_TELEGRAM_TOKEN": srv.Token, "PREPBOT_TELEGRAM_API": srv.URL,
			"PREPBOT_LOG_LEVEL": "debug", "PREPBOT_HTTP_ADDR": "127.0.0.1:0",
		}}
	w.env["PREPBOT_DB"] = w.db
	for k, v := range env {
		w.env[k] = v
	}
	return w
}

// running is one bot process (Main in a goroutine).
type running struct {
	cancel context.CancelFunc
	done   chan int
}

func (w *tgWorld) start() *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan int, 1)}
	go func() {
		r.done <- Main(ctx, []string{"run"}, IO{
			In: strings.NewReader(""), Out: io.Discard, Err: w.logs,
			Getenv: func(k string) string { return w.env[k] }, Now: w.clock.Now, PushSpec: "@every 1s",
		})
	}()
	w.srv.WaitFor("the bot to poll", func() bool { return w.srv.Polling() > 0 || len(r.done) > 0 })
	return r
}

func (w *tgWorld) stop(r *running) {
	w.t.Helper()
	r.cancel()
	select {
	case code := <-r.done:
		if code != 0 {
			w.t.Fatalf("Main exited %d; logs:\n%s", code, w.logs.String())
		}
	case <-time.After(20 * time.Second):
		w.t.Fatal("Main did not stop within 20s of cancellation")
	}
}

// last returns the newest message in the user's chat whose visible text
// contains substr.
func (w *tgWorld) last(user int64, substr string) telegramtest.Message {
	w.t.Helper()
	var found telegramtest.Message
	w.srv.WaitFor("a message containing "+substr, func() bool {
		msgs := w.srv.Chat(user)
		for i := len(msgs) - 1; i >= 0; i-- {
			if strings.Contains(msgs[i].Plain(), substr) {
				found = msgs[i]
				return true
			}
		}
		return false
	})
	return found
}

// after returns the first message newer than id whose visible text contains
// substr, waiting for it: replies of one event arrive in order but paced.
func (w *tgWorld) after(user int64, id int, substr string) telegramtest.Message {
	w.t.Helper()
	var found telegramtest.Message
	w.srv.WaitFor("a new message containing "+substr, func() bool {
		for _, m := range w.srv.Chat(user) {
			if m.ID > id && strings.Contains(m.Plain(), substr) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// lastID is the id of the newest message in the user's chat.
func (w *tgWorld) lastID(user int64) int {
	msgs := w.srv.Chat(user)
	if len(msgs) == 0 {
		return 0
	}
	return msgs[len(msgs)-1].ID
}

func data(t *testing.T, m telegramtest.Message, labelPrefix string) string {
	t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Text, labelPrefix) {
				return b.Data
			}
		}
	}
	t.Fatalf("no button %q on message %q (buttons %+v)", labelPrefix, m.Plain(), m.Buttons)
	return ""
}

// press presses a button and waits for the callback to be answered.
func (w *tgWorld) press(user int64, m telegramtest.Message, labelPrefix string) telegramtest.CallbackAnswer {
	w.t.Helper()
	id := w.srv.PressButton(user, m.ID, data(w.t, m, labelPrefix))
	return w.srv.WaitForCallbackAnswer(id)
}

func (w *tgWorld) reviews(user int64) []prep.Review {
	w.t.Helper()
	s, err := boltstore.Open(w.db, boltstore.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		w.t.Fatal(err)
	}
	defer s.Close()
	var out []prep.Review
	err = s.View(func(tx prep.Tx) error {
		for r, err := range tx.Reviews(prep.NewUserKey(prep.Telegram, strconv.FormatInt(user, 10)), time.Time{}) {
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

func TestTelegramOnboardingStudyAndExactlyOnce(t *testing.T) {
	w := newTGWorld(t, nil)
	const ada = 1001
	bot := w.start()

	// The command menu is registered at start-up.
	w.srv.WaitFor("setMyCommands", func() bool { return len(w.srv.Commands()) > 0 })

	// Onboarding: welcome, time zone, push time.
	w.srv.SendText(ada, "/start")
	zone := w.last(ada, "Which time zone")
	w.press(ada, zone, "Europe/Berlin")
	push := w.last(ada, "When should I send your daily quiz?")
	w.press(ada, push, "09:00")
	w.last(ada, "All set! Your daily quiz comes at 09:00 Europe/Berlin.")

	// A card, a typed answer, the answer beside it.
	w.srv.SendText(ada, "/ask sql")
	q1 := w.last(ada, "❓")
	if !strings.Contains(q1.Plain(), "SQL · 1/") {
		t.Fatalf("question lacks progress: %q", q1.Plain())
	}
	w.srv.SendText(ada, "DELETE keeps the <table> & logs")
	a1 := w.last(ada, "Your answer: DELETE keeps the <table> & logs")
	if !strings.Contains(a1.Text, "&lt;table&gt; &amp; logs") {
		t.Fatalf("typed answer not escaped in HTML: %q", a1.Text)
	}
	for _, label := range []string{"Again · 1m", "Hard · 6m", "Good · 10m", "Easy · "} {
		data(t, a1, label)
	}
	goodPress := w.srv.PressButton(ada, a1.ID, data(t, a1, "Good"))
	ans := w.srv.WaitForCallbackAnswer(goodPress)
	if ans.Text != "" {
		t.Fatalf("a fresh rating should not toast, got %q", ans.Text)
	}
	w.last(ada, "Good · next in 10m")

	// Double tap: a toast, nothing recorded.
	if ans := w.press(ada, a1, "Good"); !strings.Contains(ans.Text, "Already rated") {
		t.Fatalf("double tap toast = %q", ans.Text)
	}
	// Reveal by button edits the question in place; each rating in turn.
	q := w.after(ada, a1.ID, "❓")
	for i, rating := range []string{"Again", "Hard", "Easy"} {
		w.press(ada, q, "Show answer")
		var revealed telegramtest.Message
		w.srv.WaitFor("the question to become the answer", func() bool {
			for _, m := range w.srv.Chat(ada) {
				if m.ID == q.ID && strings.Contains(m.Plain(), "How well did you recall it?") {
					revealed = m
					return true
				}
			}
			return false
		})
		_ = i
		if revealed.Edits == 0 {
			t.Fatalf("reveal %d sent a new message instead of editing", i)
		}
		w.press(ada, revealed, rating)
		w.last(ada, rating+" · next in")
		// The next card; after the last rating, the learning card rated
		// Again comes back early (learn-ahead) as card 5/5.
		q = w.after(ada, q.ID, "❓")
	}
	// An old button from the first card.
	if ans := w.press(ada, q1, "Show answer"); !strings.Contains(ans.Text, "no longer on screen") {
		t.Fatalf("old button toast = %q", ans.Text)
	}

	// Redelivered updates (the first Good rating, an /ask) change nothing:
	// the /help sent after them is the only new message.
	w.srv.WaitForConfirmed()
	w.srv.Redeliver(w.srv.CallbackUpdate(goodPress))
	askID := w.srv.SendText(ada, "/ask")
	w.after(ada, w.lastID(ada), "❓")
	w.srv.WaitForConfirmed()
	before := len(w.srv.Chat(ada))
	w.srv.Redeliver(askID)
	w.srv.SendText(ada, "/help")
	w.last(ada, "prepbot: your interview coach")
	if got := w.srv.Chat(ada)[before:]; len(got) != 1 {
		for _, m := range got {
			t.Logf("%d %q", m.ID, m.Plain())
		}
		t.Fatalf("redelivered updates produced messages: %d new", len(got))
	}

	// /undo brings the last card back; its old buttons go stale.
	w.srv.SendText(ada, "/undo")
	w.last(ada, "Undid your Easy rating")
	w.stop(bot)

	reviews := w.reviews(ada)
	if len(reviews) != 3 {
		t.Fatalf("store holds %d reviews, want 3 (Good, Again, Hard; Easy undone): %+v", len(reviews), reviews)
	}
	want := []prep.Rating{prep.Good, prep.Again, prep.Hard}
	for i, r := range reviews {
		if r.Rating != want[i] {
			t.Fatalf("review %d rated %v, want %v", i, r.Rating, want[i])
		}
	}
	if len(w.srv.Chat(ada)) < before {
		t.Fatal("messages disappeared")
	}
}

func TestTelegramRestartMidSessionResumes(t *testing.T) {
	w := newTGWorld(t, nil)
	const bob = 2002
	bot := w.start()
	w.srv.SendText(bob, "/ask python")
	q := w.last(bob, "❓")
	w.stop(bot)

	// A new process on the same database: the card on screen still works.
	bot = w.start()
	w.press(bob, q, "Show answer")
	var revealed telegramtest.Message
	w.srv.WaitFor("the answer after restart", func() bool {
		for _, m := range w.srv.Chat(bob) {
			if m.ID == q.ID && strings.Contains(m.Plain(), "How well did you recall it?") {
				revealed = m
				return true
			}
		}
		return false
	})
	w.press(bob, revealed, "Good")
	w.last(bob, "Good · next in")
	// A redelivered copy of the rating after the restart records nothing.
	w.srv.WaitForConfirmed()
	w.stop(bot)
	if n := len(w.reviews(bob)); n != 1 {
		t.Fatalf("%d reviews after restart, want 1", n)
	}
}

func TestTelegramDailyPushAndMissedPushAfterRestart(t *testing.T) {
	w := newTGWorld(t, nil)
	const cy = 3003
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// Saturday 24 Oct 2026, 20:00 in Berlin; the clocks go back that night.
	w.clock.Set(time.Date(2026, 10, 24, 20, 0, 0, 0, berlin))
	bot := w.start()
	w.srv.SendText(cy, "/start")
	w.press(cy, w.last(cy, "Which time zone"), "Europe/Berlin")
	w.press(cy, w.last(cy, "When should I send"), "09:00")
	w.last(cy, "All set!")

	// Sunday 25 Oct 09:00 CET (the first day after the DST change).
	w.clock.Set(time.Date(2026, 10, 25, 9, 0, 30, 0, berlin))
	w.last(cy, "☀️ Your daily quiz")
	w.last(cy, "❓")
	pushes := func() int {
		n := 0
		for _, m := range w.srv.Chat(cy) {
			if strings.Contains(m.Plain(), "☀️ Your daily quiz") {
				n++
			}
		}
		return n
	}
	// Several more ticks the same day: still one push.
	w.clock.Advance(2 * time.Hour)
	time.Sleep(2500 * time.Millisecond) // two real cron ticks at @every 1s
	if n := pushes(); n != 1 {
		for _, m := range w.srv.Chat(cy) {
			t.Logf("%d: %q", m.ID, m.Plain())
		}
		t.Fatalf("%d pushes on 25 Oct, want 1", n)
	}
	w.stop(bot)

	// Down over Monday's push time; started again at 11:00 the same day:
	// one late push.
	w.clock.Set(time.Date(2026, 10, 26, 11, 0, 0, 0, berlin))
	bot = w.start()
	w.last(cy, "a little late")
	time.Sleep(2500 * time.Millisecond)
	if n := pushes(); n != 2 {
		t.Fatalf("%d pushes after the missed one, want 2", n)
	}
	w.stop(bot)
}

func TestTelegramRateLimitsAndOutages(t *testing.T) {
	w := newTGWorld(t, nil)
	const dee = 4004
	bot := w.start()
	w.srv.FailNext("sendMessage", 1, 429, "")
	w.srv.SendText(dee, "/help")
	w.last(dee, "prepbot: your interview coach")
	w.srv.FailNext("sendMessage", 3, 502, "<html>Bad Gateway</html>")
	w.srv.SendText(dee, "/topics")
	w.last(dee, "📚 Topics")
	w.stop(bot)
	count := func(substr string) int {
		n := 0
		for _, m := range w.srv.Chat(dee) {
			if strings.Contains(m.Plain(), substr) {
				n++
			}
		}
		return n
	}
	if count("prepbot: your interview coach") != 1 || count("📚 Topics") != 1 {
		t.Fatalf("each reply must arrive exactly once: %d help, %d topics", count("prepbot: your interview coach"), count("📚 Topics"))
	}
	statuses := map[int]int{}
	for _, r := range w.srv.Requests() {
		if r.Method == "sendMessage" {
			statuses[r.Status]++
		}
	}
	if statuses[429] != 1 || statuses[502] != 3 {
		t.Fatalf("sendMessage statuses %v, want one 429 and three 502s retried", statuses)
	}
}

func TestTelegramStrangerIsRefusedAndNothingStored(t *testing.T) {
	w := newTGWorld(t, map[string]string{"PREPBOT_ALLOWED_USERS": "5005"})
	const owner, stranger = 5005, 6006
	bot := w.start()
	w.srv.SendText(stranger, "/ask")
	refusal := w.last(stranger, "6006")
	if !strings.Contains(strings.ToLower(refusal.Plain()), "private") {
		t.Fatalf("refusal = %q", refusal.Plain())
	}
	w.srv.SendText(owner, "/ask")
	w.last(owner, "❓")
	w.stop(bot)

	s, err := boltstore.Open(w.db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.View(func(tx prep.Tx) error {
		if _, err := tx.User(prep.NewUserKey(prep.Telegram, "6006")); err == nil {
			t.Error("a stranger was stored")
		}
		if _, err := tx.User(prep.NewUserKey(prep.Telegram, "5005")); err != nil {
			t.Errorf("the owner was not stored: %v", err)
		}
		return nil
	})
}

func TestOpsEndpointsReportHealthReadinessAndMetrics(t *testing.T) {
	w := newTGWorld(t, nil)
	const eve = 8008
	bot := w.start()
	var addr string
	w.srv.WaitFor("the ops server's address in the logs", func() bool {
		m := regexp.MustCompile(`ops: serving.*addr=(127\.0\.0\.1:\d+)`).FindStringSubmatch(w.logs.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	w.srv.SendText(eve, "/ask")
	q := w.last(eve, "❓")
	w.press(eve, q, "Show answer")
	w.srv.WaitFor("the answer", func() bool {
		for _, m := range w.srv.Chat(eve) {
			if m.ID == q.ID && strings.Contains(m.Plain(), "How well") {
				q = m
				return true
			}
		}
		return false
	})
	w.press(eve, q, "Good")
	w.last(eve, "Good · next in")
	w.srv.WaitFor("readiness", func() bool { code, _ := get("/readyz"); return code == 200 })
	_, ready := get("/readyz")
	if !strings.Contains(ready, "database: ok") || !strings.Contains(ready, "telegram: ok") {
		t.Fatalf("/readyz = %q", ready)
	}
	_, metrics := get("/metrics")
	for _, want := range []string{
		`prepbot_events_handled_total{platform="telegram"} 3`,
		"prepbot_reviews_recorded_total 1",
		`prepbot_messages_sent_total{platform="telegram"}`,
		`prepbot_send_queue_depth{platform="telegram"}`,
		`prepbot_handle_seconds_bucket{platform="telegram"`,
		"prepbot_due_cards",
		"prepbot_telegram_last_poll_timestamp_seconds",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// Each of the three events ran in a store transaction of the group
	// commit, which reports its commit, its size and each event's wait.
	for _, name := range []string{"prepbot_store_commit_seconds_count", "prepbot_store_commit_wait_seconds_count", "prepbot_store_commit_events_sum"} {
		m := regexp.MustCompile(`(?m)^` + name + ` (\d+)$`).FindStringSubmatch(metrics)
		if m == nil {
			t.Errorf("/metrics lacks %s", name)
		} else if n, _ := strconv.Atoi(m[1]); n < 3 {
			t.Errorf("%s = %d, want at least 3 (one per event)", name, n)
		}
	}
	if strings.Contains(metrics, w.srv.Token) || strings.Contains(w.logs.String(), w.srv.Token) {
		t.Error("the bot token leaked into metrics or logs")
	}
	w.stop(bot)
}

func TestTelegramStatsArriveAsTextAndPhotos(t *testing.T) {
	w := newTGWorld(t, nil)
	const fay = 9009
	bot := w.start()
	w.srv.SendText(fay, "/stats")
	w.last(fay, "📊 Your progress")
	w.srv.WaitFor("two charts", func() bool {
		n := 0
		for _, m := range w.srv.Chat(fay) {
			if len(m.Photo) > 0 {
				n++
			}
		}
		return n == 2 // reviews per day and the due forecast; no interview, so no recall chart
	})
	for _, m := range w.srv.Chat(fay) {
		if len(m.Photo) > 0 && !bytes.HasPrefix(m.Photo, []byte("\x89PNG")) {
			t.Fatalf("photo %q is not a PNG", m.Plain())
		}
	}
	w.stop(bot)
}
