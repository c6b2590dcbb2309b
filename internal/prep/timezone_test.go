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
