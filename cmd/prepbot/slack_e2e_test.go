package main

// End-to-end tests of Slack mode: the real Main against the in-process fake
// Slack (Web API and Socket Mode) on a fake clock.

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/slack/slackfake"
)

// slackDriver plays one Slack user; it is also the timeline scenario's
// Slack driver.
type slackDriver struct {
	t      *testing.T
	srv    *slackfake.Server
	clock  *fakeClock
	dbPath string
	env    map[string]string
	logs   *lockedBuffer
	user   string
	run    *running
	seen   map[string]bool // message ts consumed by waitFor
	cur    slackfake.Message
}

func newSlackDriver(t *testing.T, user string) *slackDriver {
	srv := slackfake.New(t)
	dir := t.TempDir()
	d := &slackDriver{t: t, srv: srv, clock: &fakeClock{t: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)},
		dbPath: filepath.Join(dir, "prepbot.db"), logs: &lockedBuffer{}, user: user, seen: map[string]bool{}}
	d.env = map[string]string{"HOME": dir, "PREPBOT_DB": d.dbPath, "PREPBOT_HTTP_ADDR": "off",
		"PREPBOT_SLACK_BOT_TOKEN": srv.BotToken, "PREPBOT_SLACK_APP_TOKEN": srv.AppToken, "PREPBOT_SLACK_API": srv.URL,
		"PREPBOT_LOG_LEVEL": "debug"}
	return d
}

func (d *slackDriver) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan int, 1)}
	go func() {
		r.done <- Main(ctx, []string{"run"}, IO{In: strings.NewReader(""), Out: io.Discard, Err: d.logs,
			Getenv: func(k string) string { return d.env[k] }, Now: d.clock.Now, PushSpec: "@every 1s"})
	}()
	d.srv.WaitFor("the bot to connect", func() bool { return d.srv.Connected() || len(r.done) > 0 })
	d.run = r
}

func (d *slackDriver) stop() {
	d.t.Helper()
	d.run.cancel()
	select {
	case code := <-d.run.done:
		if code != 0 {
			d.t.Fatalf("Main exited %d; logs:\n%s", code, d.logs.String())
		}
	case <-time.After(20 * time.Second):
		d.t.Fatal("Main did not stop")
	}
}

func (d *slackDriver) say(text string) {
	// "/interview x" in Slack is "/prep interview x".
	d.srv.SlashCommandIn(d.user, d.srv.DMChannel(d.user), strings.TrimPrefix(text, "/"))
}

func (d *slackDriver) waitFor(substr string) {
	d.t.Helper()
	d.srv.WaitFor("a DM containing "+substr, func() bool {
		for _, m := range d.srv.Messages(d.srv.DMChannel(d.user)) {
			if (!d.seen[m.TS] || m.TS == d.cur.TS) && strings.Contains(m.Plain(), substr) {
				d.cur = m
				return true
			}
		}
		return false
	})
	d.seen[d.cur.TS] = true
}

func (d *slackDriver) press(label string) {
	d.t.Helper()
	for _, row := range d.cur.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Text, label) {
				d.srv.PressButton(d.user, d.srv.DMChannel(d.user), d.cur.TS, b.Value)
				return
			}
		}
	}
	d.t.Fatalf("no button %q on %q", label, d.cur.Plain())
}

func (d *slackDriver) userKey() prep.UserKey { return prep.NewUserKey(prep.Slack, d.user) }

// slackTimelineDriver adapts slackDriver to the timeline scenario's driver.
type slackTimelineDriver struct{ *slackDriver }

func (d slackTimelineDriver) user() prep.UserKey { return d.userKey() }
func (d slackTimelineDriver) db() string         { return d.dbPath }

func TestTimelineThroughSlack(t *testing.T) {
	d := newSlackDriver(t, "U0ADA")
	runTimelineScenario(t, slackTimelineDriver{d}, d.clock)
}

func TestSlackQuizInBlockKitExactlyOnce(t *testing.T) {
	d := newSlackDriver(t, "U0BOB")
	d.start()
	dm := d.srv.DMChannel(d.user)

	// The slash command typed in a channel: the quiz goes to the DM and
	// the channel gets an ephemeral pointer.
	d.srv.SlashCommand(d.user, "ask sql")
	d.waitFor("❓")
	q := d.cur
	d.srv.WaitFor("the ephemeral pointer", func() bool {
		for _, e := range d.srv.EphemeralsFor(d.user) {
			if strings.Contains(e.Text, "DM") {
				return true
			}
		}
		return false
	})
	// Reveal updates the message in place; rating updates it again and the
	// next card follows.
	d.press("Show answer")
	d.srv.WaitFor("the revealed answer", func() bool {
		for _, m := range d.srv.Messages(dm) {
			if m.TS == q.TS && strings.Contains(m.Plain(), "How well did you recall it?") {
				d.cur = m
				return true
			}
		}
		return false
	})
	if d.cur.Edits == 0 {
		t.Fatal("reveal must update the question message (chat.update)")
	}
	d.srv.RateLimitNext("chat.update", 1, time.Second)
	pressID := d.srv.PressButton(d.user, dm, d.cur.TS, buttonValue(t, d.cur, "Good"))
	d.srv.WaitFor("the rating summary", func() bool {
		for _, m := range d.srv.Messages(dm) {
			if m.TS == q.TS && strings.Contains(m.Plain(), "Good · next in") {
				return true
			}
		}
		return false
	})
	d.waitFor("2/4")
	// A redelivered envelope of the rating changes nothing; a stale press
	// gets an ephemeral notice.
	d.srv.Redeliver(pressID)
	d.srv.WaitAck(pressID)
	d.srv.PressButton(d.user, dm, q.TS, buttonValue(t, q, "Show answer"))
	d.srv.WaitFor("the stale-press notice", func() bool {
		for _, e := range d.srv.EphemeralsFor(d.user) {
			if strings.Contains(e.Text, "no longer on screen") {
				return true
			}
		}
		return false
	})
	d.stop()

	s, err := boltstore.Open(d.dbPath, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	s.View(func(tx prep.Tx) error {
		for _, err := range tx.Reviews(d.userKey(), time.Time{}) {
			if err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if n != 1 {
		t.Fatalf("%d reviews stored, want exactly 1", n)
	}
}

func buttonValue(t *testing.T, m slackfake.Message, label string) string {
	t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Text, label) {
				return b.Value
			}
		}
	}
	t.Fatalf("no button %q on %q", label, m.Plain())
	return ""
}

// TestSlackManifestUsageHintNamesTheTimelineCommands: Slack shows the
// usage hint as the user types /prep; it left out the interview date and
// the checklists, the commands the reminders depend on.
func TestSlackManifestUsageHintNamesTheTimelineCommands(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "slack-app-manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hint string
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && k == "usage_hint" {
			hint = v
		}
	}
	for _, cmd := range []string{"ask", "interview", "checklist", "settings", "help"} {
		if !regexp.MustCompile(`[\[|]\s*` + cmd + `\b`).MatchString(hint) {
			t.Errorf("usage_hint %s lacks %q", hint, cmd)
		}
	}
}
