package prep_test

import (
	"context"
	"errors"
	"testing"

	"github.com/prepbot/prepbot/internal/prep"
)

// TestSetTimeZone checks that the operator's zone reaches a terminal user
// who already exists (created in another zone, or who chose one with
// /settings), that it leaves a user not created yet alone, and that a bad
// zone changes nothing.
func TestSetTimeZone(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	if err := h.eng.SetTimeZone(ctx, h.user, "Asia/Tokyo"); err != nil {
		t.Fatal(err)
	}
	var err error
	h.store.View(func(tx prep.Tx) error { _, err = tx.User(h.user); return nil })
	if !errors.Is(err, prep.ErrNotFound) {
		t.Fatalf("SetTimeZone created a user (User: %v)", err)
	}

	h.text("/start") // created in EngineConfig.TerminalZone, UTC
	h.text("/settings timezone Europe/Berlin")
	for _, zone := range []string{"asia/tokyo", "Asia/Tokyo"} {
		if err := h.eng.SetTimeZone(ctx, h.user, zone); err != nil {
			t.Fatal(err)
		}
		if r := h.text("/settings"); !contains(r, prep.Send, "Time zone: Asia/Tokyo") {
			t.Fatalf("after SetTimeZone(%q):\n%s", zone, dump(r))
		}
	}
	if err := h.eng.SetTimeZone(ctx, h.user, "Mars/Olympus"); err == nil {
		t.Error("SetTimeZone accepted Mars/Olympus")
	}
	if r := h.text("/settings"); !contains(r, prep.Send, "Time zone: Asia/Tokyo") {
		t.Fatalf("after a refused zone:\n%s", dump(r))
	}
}

// TestTerminalZoneChoiceSaysWhenTheConfigurationWins: in a terminal whose
// zone the operator configured, /settings timezone says the choice lasts
// until the next start; without that configuration it is simply saved.
func TestTerminalZoneChoiceSaysWhenTheConfigurationWins(t *testing.T) {
	for _, pinned := range []bool{false, true} {
		h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"), func(cfg *prep.EngineConfig) { cfg.TerminalZonePinned = pinned })
		h.text("/start")
		r := h.text("/settings timezone Europe/Paris")
		if warned := contains(r, prep.Send, "until prepbot next starts"); warned != pinned {
			t.Errorf("pinned %v: warned %v:\n%s", pinned, warned, dump(r))
		}
		if !contains(r, prep.Send, "Time zone: Europe/Paris") {
			t.Errorf("pinned %v: the zone was not saved:\n%s", pinned, dump(r))
		}
	}
}

// TestZoneHint: the platform's idea of a user's zone (Event.ZoneHint)
// becomes their zone only while they have none of their own, and the
// settings say where it came from.
func TestZoneHint(t *testing.T) {
	type step struct{ text, hint string }
	tests := []struct {
		name  string
		steps []step // before the last step, which shows the settings
		last  string // the hint on the last step
		zone  string // the zone the settings show and the interview is read in
		from  bool   // shown as from the Slack profile
	}{
		{name: "no zone, hint used", last: "Europe/Berlin", zone: "Europe/Berlin", from: true},
		{name: "hint spelt in lower case", last: "europe/berlin", zone: "Europe/Berlin", from: true},
		{name: "own zone kept", steps: []step{{"/settings timezone Asia/Tokyo", ""}}, last: "Europe/Berlin", zone: "Asia/Tokyo"},
		{name: "own zone chosen with a hint on screen kept", steps: []step{{"/settings", "Europe/Berlin"}, {"/settings timezone Asia/Tokyo", "Europe/Berlin"}},
			last: "Europe/Berlin", zone: "Asia/Tokyo"},
		{name: "zone picked at /start kept", steps: []step{{"/start", "Europe/Berlin"}, {"Asia/Tokyo", "Europe/Berlin"}}, last: "Europe/Berlin", zone: "Asia/Tokyo"},
		{name: "invalid hint ignored", last: "Mars/Olympus", zone: "UTC"},
		{name: "invalid hint keeps the profile's zone", steps: []step{{"/settings", "Europe/Berlin"}}, last: "Local", zone: "Europe/Berlin", from: true},
		{name: "no hint keeps the profile's zone", steps: []step{{"/settings", "Europe/Berlin"}}, last: "", zone: "Europe/Berlin", from: true},
		{name: "profile's zone follows the profile", steps: []step{{"/settings", "Europe/Berlin"}}, last: "America/New_York", zone: "America/New_York", from: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, prep.NewUserKey(prep.Slack, "U1"))
			handle := func(text, hint string) []prep.Reply {
				return h.eng.Handle(context.Background(), prep.Event{User: h.user, Name: "Ada", Text: text, ZoneHint: hint})
			}
			for _, s := range tt.steps {
				handle(s.text, s.hint)
			}
			r := handle("/settings", tt.last)
			shown := "Time zone: " + tt.zone
			if tt.from {
				shown += " (from your Slack profile)"
			}
			if !contains(r, prep.Send, shown+"  ") {
				t.Errorf("settings do not show %q:\n%s", shown, dump(r))
			}
			r = handle("/interview 2026-12-03 14:00", tt.last)
			if want := "Interview set: Thu 3 Dec 2026, 14:00 " + tt.zone; !contains(r, prep.Send, want) {
				t.Errorf("the interview is not read in %s:\n%s", tt.zone, dump(r))
			}
		})
	}
}

// TestZoneHintAtStartIsOfferedFirst: a new user whose profile names a zone
// finds it as the first choice of /start's question.
func TestZoneHintAtStartIsOfferedFirst(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Slack, "U1"))
	r := h.eng.Handle(context.Background(), prep.Event{User: h.user, Name: "Ada", Text: "/start", ZoneHint: "Asia/Tokyo"})
	if !contains(r, prep.Send, "Your Slack profile says Asia/Tokyo.") {
		t.Errorf("the question does not name the profile's zone:\n%s", dump(r))
	}
	if b, ok := findButton(r, "Asia/Tokyo"); !ok || b.Data != "z:Asia/Tokyo" || r[len(r)-1].Buttons[0][0] != b {
		t.Errorf("the profile's zone is not the first choice:\n%s", dump(r))
	}
}
