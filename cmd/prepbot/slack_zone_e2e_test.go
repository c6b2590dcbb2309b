package main

// The Slack profile's time zone end to end: the real Main against the fake
// Slack on a fake clock, for a user who never told prepbot their zone.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/slack/slackfake"
)

// TestSlackInterviewIsInTheProfileZone: a user whose Slack profile says
// Europe/Berlin types "/prep interview 2026-12-03 14:00" with no zone and
// no zone of their own: the interview is 14:00 in Berlin (13:00 UTC), and
// the "Logistics" reminders (-1d 19:00) come at 19:00 Berlin, not at 19:00
// UTC.
func TestSlackInterviewIsInTheProfileZone(t *testing.T) {
	d := newSlackDriver(t, "U0TZB")
	d.srv.SetUser(slackfake.User{ID: d.user, TZ: "Europe/Berlin"})
	d.clock.Set(berlinAt(12, 2, 12, 0))
	d.start()

	d.say("/interview 2026-12-03 14:00")
	if m := d.newMessage(0, "Interview set"); !strings.Contains(m.Plain(), "Thu 3 Dec 2026, 14:00 Europe/Berlin") {
		t.Errorf("the interview is not read in the profile's zone:\n%s", m.Plain())
	}
	n := len(d.dm())
	d.say("/settings")
	d.newMessage(n, "Time zone: Europe/Berlin (from your Slack profile)")

	n = len(d.dm())
	d.clock.Set(berlinAt(12, 2, 19, 0).Add(5 * time.Second))
	zoom := d.newMessage(n, "Test Zoom")
	if strings.Contains(zoom.Plain(), "late") {
		t.Errorf("the 19:00 reminder says it is late:\n%s", zoom.Plain())
	}
	d.stop()
	if d.srv.Calls("users.info") == 0 {
		t.Error("the bot never asked Slack for the user's profile")
	}

	s, err := boltstore.Open(d.dbPath, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var u prep.User
	if err := s.View(func(tx prep.Tx) (err error) { u, err = tx.User(d.userKey()); return err }); err != nil {
		t.Fatal(err)
	}
	if want := berlinAt(12, 3, 14, 0); !u.Interview.Equal(want) || u.InterviewZone != "Europe/Berlin" {
		t.Errorf("interview stored as %v %s, want %v Europe/Berlin", u.Interview, u.InterviewZone, want.UTC())
	}
	if u.Settings.TimeZone != "Europe/Berlin" || u.Settings.ZoneFrom != prep.Slack {
		t.Errorf("settings: zone %q from %q, want Europe/Berlin from slack", u.Settings.TimeZone, u.Settings.ZoneFrom)
	}
}

// TestSlackManifestHasTheScopesTheBotUses: an app created from the
// manifest must allow every Web API method the bot calls; a scope left out
// shows only as "missing_scope" in a user's log.
func TestSlackManifestHasTheScopesTheBotUses(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "slack-app-manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	scopes := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		item, isItem := strings.CutPrefix(strings.TrimSpace(line), "- ")
		if scope, _, _ := strings.Cut(item, "#"); isItem {
			scopes[strings.TrimSpace(scope)] = true
		}
	}
	for scope, why := range map[string]string{
		"chat:write":  "chat.postMessage, chat.update, chat.postEphemeral",
		"commands":    "the /prep command",
		"im:history":  "message.im",
		"im:write":    "conversations.open",
		"files:write": "files.getUploadURLExternal",
		"users:read":  "users.info (the profile's time zone)",
	} {
		if !scopes[scope] {
			t.Errorf("the manifest lacks scope %s, needed for %s", scope, why)
		}
	}
}
