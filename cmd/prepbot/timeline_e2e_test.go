package main

// One interview-timeline scenario, driven through each platform's real
// adapter by the real Main on a fake clock: the reminders, their buttons
// and a restart across a missed slot must behave the same everywhere.

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

// driver plays one user on one platform.
type driver interface {
	start()
	stop()
	say(text string)
	// waitFor waits for output containing substr that appeared after the
	// previous waitFor, and makes it the message press acts on.
	waitFor(substr string)
	press(label string)
	user() prep.UserKey
	db() string
}

var berlinLoc = func() *time.Location { l, _ := time.LoadLocation("Europe/Berlin"); return l }()

func runTimelineScenario(t *testing.T, d driver, clock *fakeClock) {
	clock.Set(time.Date(2026, 11, 20, 12, 0, 0, 0, berlinLoc))
	d.start()
	d.say("/interview 2026-11-26 14:00 Europe/Berlin")
	d.waitFor("Interview set: Thu 26 Nov 2026, 14:00 Europe/Berlin · 6 days to your interview")

	// -5d slot: "Technical Topics to Review" (only the unticked items).
	clock.Set(time.Date(2026, 11, 21, 14, 0, 30, 0, berlinLoc))
	d.waitFor("Kubernetes basics")
	d.press("1 ✓ Done")
	d.waitFor("✅ Kubernetes basics")
	d.stop()

	// Down across the -3d slot (23 Nov 14:00); back at 15:00: sent once, late.
	clock.Set(time.Date(2026, 11, 23, 15, 0, 0, 0, berlinLoc))
	d.start()
	d.waitFor("late: I was offline at Mon 14:00")
	d.waitFor("Review SQL cheat sheet")
	d.press("1 Skip")
	d.waitFor("(skipped)")
	d.stop()

	s, err := boltstore.Open(d.db(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var u prep.User
	if err := s.View(func(tx prep.Tx) (err error) { u, err = tx.User(d.user()); return err }); err != nil {
		t.Fatal(err)
	}
	done, skipped := 0, 0
	for _, st := range u.Checklist {
		if st.Done {
			done++
		}
		if st.Skipped {
			skipped++
		}
	}
	if done != 1 || skipped != 1 {
		t.Fatalf("store holds %d done and %d skipped items, want 1 and 1", done, skipped)
	}
	if !u.RemindedThrough.Equal(clock.Now()) && u.RemindedThrough.Before(time.Date(2026, 11, 23, 15, 0, 0, 0, berlinLoc)) {
		t.Fatalf("RemindedThrough = %v", u.RemindedThrough)
	}
}

func TestTimelineThroughTelegram(t *testing.T) {
	w := newTGWorld(t, nil)
	runTimelineScenario(t, &tgDriver{w: w, id: 7007}, w.clock)
}

func TestTimelineThroughTerminal(t *testing.T) {
	dir := t.TempDir()
	d := &termDriver{t: t, clock: &fakeClock{}, dbPath: filepath.Join(dir, "prepbot.db"), home: dir}
	runTimelineScenario(t, d, d.clock)
}

// tgDriver plays a Telegram user against the fake Bot API.
type tgDriver struct {
	w    *tgWorld
	id   int64
	bot  *running
	seen int // newest message id already consumed by waitFor
	cur  telegramtest.Message
}

func (d *tgDriver) start()          { d.bot = d.w.start() }
func (d *tgDriver) stop()           { d.w.stop(d.bot) }
func (d *tgDriver) say(text string) { d.w.srv.SendText(d.id, text) }
func (d *tgDriver) user() prep.UserKey {
	return prep.NewUserKey(prep.Telegram, fmt.Sprint(d.id))
}
func (d *tgDriver) db() string { return d.w.db }

func (d *tgDriver) waitFor(substr string) {
	d.w.t.Helper()
	d.w.srv.WaitFor("a message containing "+substr, func() bool {
		for _, m := range d.w.srv.Chat(d.id) {
			// Edited messages keep their id: look at every message newer
			// than the last consumed one, and at the current one again.
			if (m.ID > d.seen || m.ID == d.cur.ID) && strings.Contains(m.Plain(), substr) {
				d.cur = m
				return true
			}
		}
		return false
	})
	if d.cur.ID > d.seen {
		d.seen = d.cur.ID
	}
}

func (d *tgDriver) press(label string) { d.w.press(d.id, d.cur, label) }

// termDriver plays the terminal user through a pipe.
type termDriver struct {
	t      *testing.T
	clock  *fakeClock
	dbPath string
	home   string
	in     *io.PipeWriter
	out    *lockedBuffer
	done   chan int
	cancel context.CancelFunc
	mark   int // output consumed by waitFor so far
}

func (d *termDriver) user() prep.UserKey { return prep.NewUserKey(prep.Terminal, "ada") }
func (d *termDriver) db() string         { return d.dbPath }

func (d *termDriver) start() {
	env := map[string]string{"HOME": d.home, "PREPBOT_DB": d.dbPath, "PREPBOT_USER": "ada", "PREPBOT_TIMEZONE": "Europe/Berlin"}
	pr, pw := io.Pipe()
	d.in, d.out, d.done, d.mark = pw, &lockedBuffer{}, make(chan int, 1), 0
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() {
		d.done <- Main(ctx, []string{"run"}, IO{In: pr, Out: d.out, Err: d.out,
			Getenv: func(k string) string { return env[k] }, Now: d.clock.Now, PushSpec: "@every 1s"})
	}()
	d.waitFor("[1] ")
}

func (d *termDriver) stop() {
	d.t.Helper()
	d.in.Close() // EOF: the terminal says goodbye and Main returns
	select {
	case code := <-d.done:
		if code != 0 {
			d.t.Fatalf("terminal Main exited %d:\n%s", code, d.out.String())
		}
	case <-time.After(20 * time.Second):
		d.cancel()
		d.t.Fatal("terminal did not exit on EOF")
	}
}

func (d *termDriver) say(text string) {
	if _, err := io.WriteString(d.in, text+"\n"); err != nil {
		d.t.Fatal(err)
	}
}

func (d *termDriver) waitFor(substr string) {
	d.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out := d.out.String()
		if i := strings.Index(out[d.mark:], substr); i >= 0 {
			d.mark += i
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("terminal: timed out waiting for %q; output since the last match:\n%s", substr, out[d.mark:])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// press types the choice's number as printed after the current output,
// waiting for the line of choices: a message's text and its choices may
// reach the output in separate writes.
func (d *termDriver) press(label string) {
	d.t.Helper()
	numbered := regexp.MustCompile(`\[(\d+)\] ` + regexp.QuoteMeta(label))
	deadline := time.Now().Add(15 * time.Second)
	for {
		out := d.out.String()[d.mark:]
		if m := numbered.FindStringSubmatch(out); m != nil {
			d.say(m[1])
			return
		}
		if strings.Contains(out, "["+label+"]") {
			// Labels that carry numbers of their own are shown
			// unnumbered and picked by label.
			d.say(label)
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("terminal: no choice %q in:\n%s", label, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
