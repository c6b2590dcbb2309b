package slack_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/slack"
	"github.com/prepbot/prepbot/internal/slack/slackfake"
)

// say writes text in the user's DM and waits for the coach to hear it,
// returning the zone hint it came with.
func (h *harness) say(tb testing.TB, user, text string) string {
	tb.Helper()
	n := len(h.coach.Events())
	h.srv.DM(user, text)
	evs := h.coach.WaitEvents(tb, n+1)
	return evs[len(evs)-1].ZoneHint
}

// TestProfileZoneIsPassedOnAndCached: every event of a user carries their
// profile's zone, read once an hour at most.
func TestProfileZoneIsPassedOnAndCached(t *testing.T) {
	srv := slackfake.New(t)
	srv.SetUser(slackfake.User{ID: "U1", TZ: "Europe/Berlin"})
	clk := newClock()
	h := start(t, srv, newCoach(nil), func(o *slack.Options) { o.Now = clk.Now })

	steps := []struct {
		user    string
		advance time.Duration
		tz      string // the profile's zone changed to this first, if set
		hint    string
		calls   int // users.info calls so far
	}{
		{user: "U1", hint: "Europe/Berlin", calls: 1},
		{user: "U1", hint: "Europe/Berlin", calls: 1},
		{user: "U1", advance: 50 * time.Minute, tz: "America/New_York", hint: "Europe/Berlin", calls: 1},
		{user: "U1", advance: 11 * time.Minute, hint: "America/New_York", calls: 2},
		{user: "U2", hint: "", calls: 3}, // a profile without a zone
		{user: "U2", hint: "", calls: 3},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		if s.tz != "" {
			srv.SetUser(slackfake.User{ID: s.user, TZ: s.tz})
		}
		if hint := h.say(t, s.user, "hello"); hint != s.hint {
			t.Errorf("step %d: %s's event has zone hint %q, want %q", i, s.user, hint, s.hint)
		}
		if n := srv.Calls("users.info"); n != s.calls {
			t.Errorf("step %d: %d users.info calls, want %d", i, n, s.calls)
		}
	}
}

// TestFailedProfileLookupStillDeliversTheEvent: when users.info fails the
// event reaches the coach at once without a hint and is answered; the
// failure is logged, and the lookup is tried again only a while later.
func TestFailedProfileLookupStillDeliversTheEvent(t *testing.T) {
	tests := []struct {
		name   string
		fail   func(srv *slackfake.Server)
		logged string
		// others says whether other users' lookups go on meanwhile: a
		// missing scope fails them all.
		others bool
	}{
		{"ok:false", func(srv *slackfake.Server) { srv.FailNext("users.info", 1, "internal_error") },
			"could not read the user's time zone", true},
		{"outage", func(srv *slackfake.Server) { srv.FailNextStatus("users.info", 1, http.StatusServiceUnavailable) },
			"could not read the user's time zone", true},
		{"rate limited", func(srv *slackfake.Server) { srv.RateLimitNext("users.info", 1, time.Second) },
			"could not read the user's time zone", true},
		{"missing scope", func(srv *slackfake.Server) { srv.FailNext("users.info", 1, "missing_scope") },
			"needs scope users:read", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := slackfake.New(t)
			srv.SetUser(slackfake.User{ID: "U1", TZ: "Europe/Berlin"})
			srv.SetUser(slackfake.User{ID: "U2", TZ: "Asia/Tokyo"})
			clk := newClock()
			h := start(t, srv, newCoach(nil), func(o *slack.Options) { o.Now = clk.Now })
			tt.fail(srv)

			if hint := h.say(t, "U1", "hello"); hint != "" {
				t.Errorf("hint after a failed lookup = %q, want none", hint)
			}
			if m := srv.WaitMessages(srv.DMChannel("U1"), 1); m[0].Plain() != "echo: hello" {
				t.Errorf("reply = %q", m[0].Plain())
			}
			if !h.logs.Contains(tt.logged) {
				t.Errorf("log does not say %q:\n%s", tt.logged, h.logs)
			}
			// Not asked again at once: Slack is failing.
			if hint := h.say(t, "U1", "again"); hint != "" || srv.Calls("users.info") != 1 {
				t.Errorf("right after the failure: hint %q, %d users.info calls, want none and 1", hint, srv.Calls("users.info"))
			}
			wantU2 := ""
			if tt.others {
				wantU2 = "Asia/Tokyo"
			}
			if hint := h.say(t, "U2", "hello"); hint != wantU2 {
				t.Errorf("another user's hint = %q, want %q", hint, wantU2)
			}
			clk.Advance(time.Hour + time.Minute)
			if hint := h.say(t, "U1", "later"); hint != "Europe/Berlin" {
				t.Errorf("an hour later the hint is %q, want the profile's zone", hint)
			}
		})
	}
}

// TestHangingProfileLookupDoesNotHoldTheEvent: a users.info that does not
// answer delays the user's event by a couple of seconds at most.
func TestHangingProfileLookupDoesNotHoldTheEvent(t *testing.T) {
	srv := slackfake.New(t)
	srv.SetUser(slackfake.User{ID: "U1", TZ: "Europe/Berlin"})
	h := start(t, srv, newCoach(nil), nil)
	srv.DelayNext("users.info", 1, time.Minute)
	began := time.Now()
	if hint := h.say(t, "U1", "hello"); hint != "" {
		t.Errorf("hint after a lookup that timed out = %q, want none", hint)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("the event waited %v for users.info", took)
	}
	if !h.logs.Contains("could not read the user's time zone") {
		t.Errorf("the timeout is not logged:\n%s", h.logs)
	}
}
