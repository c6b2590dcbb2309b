package slack_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/slack"
	"github.com/prepbot/prepbot/internal/slack/slackfake"
)

func TestHTTPModeHandlesSignedRequests(t *testing.T) {
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		if ev.Button != "" {
			return []prep.Reply{{Kind: prep.Edit, Text: prep.Text("answered")}, {Kind: prep.Notice, Text: prep.Text("noted")}}
		}
		return []prep.Reply{{Kind: prep.Send, Text: prep.Text("echo: " + ev.Text), Buttons: [][]prep.Button{{{Label: "Show", Data: "a1"}}}}}
	})
	srv := slackfake.New(t)
	startHTTP(t, srv, coach, nil)
	dm := srv.DMChannel("U1")

	ids := []string{srv.DM("U1", "hi"), srv.SlashCommand("U1", "ask sql")}
	msgs := srv.WaitMessages(dm, 2)
	ids = append(ids, srv.PressButton("U1", dm, msgs[0].TS, "a1"))
	srv.WaitEphemerals("U1", 2) // the pointer and the notice
	srv.WaitFor("the edit", func() bool { return srv.Messages(dm)[0].Edits == 1 })
	for _, id := range ids {
		if a := srv.WaitAck(id); a.Status != http.StatusOK {
			t.Errorf("%s answered %d", id, a.Status)
		}
	}
	evs := coach.Events()
	if len(evs) != 3 || evs[0].Text != "hi" || evs[1].Text != "/ask sql" || evs[2].Button != "a1" {
		t.Fatalf("events = %+v", evs)
	}
	if !strings.HasPrefix(evs[0].Delivery, "slack:Ev") || !strings.Contains(evs[1].Delivery, "trigger") || !strings.Contains(evs[2].Delivery, "trigger") {
		t.Errorf("deliveries = %q, %q, %q: want the event id and the trigger ids", evs[0].Delivery, evs[1].Delivery, evs[2].Delivery)
	}
	if m := srv.Messages(dm)[0]; m.Plain() != "answered" {
		t.Errorf("edited message = %q", m.Plain())
	}
}

func TestHTTPModeRefusesBadAndStaleSignatures(t *testing.T) {
	srv := slackfake.New(t)
	h := startHTTP(t, srv, newCoach(nil), nil)
	body := []byte(`{"type":"event_callback","team_id":"T0PREPTEST","event_id":"Ev1","event":{"type":"message","channel":"DU1","user":"U1","text":"hi","ts":"1.1","channel_type":"im"}}`)
	form := []byte(url.Values{"payload": {`{"type":"block_actions","user":{"id":"U1"},"trigger_id":"t1","container":{"channel_id":"DU1","message_ts":"1.1"},"actions":[{"type":"button","value":"a1"}]}`}}.Encode())
	for _, tc := range []struct {
		name   string
		path   string
		body   []byte
		secret string
		at     time.Time
		strip  bool
	}{
		{"wrong secret", slack.EventsPath, body, "not-the-secret", time.Now(), false},
		{"stale", slack.EventsPath, body, srv.SigningSecret, time.Now().Add(-6 * time.Minute), false},
		{"from the future", slack.EventsPath, body, srv.SigningSecret, time.Now().Add(6 * time.Minute), false},
		{"unsigned", slack.EventsPath, body, srv.SigningSecret, time.Now(), true},
		{"interaction, wrong secret", slack.InteractivePath, form, "nope", time.Now(), false},
		{"command, stale", slack.CommandsPath, []byte("user_id=U1&text=ask&command=%2Fprep"), srv.SigningSecret, time.Now().Add(-10 * time.Minute), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := slackfake.SignedRequest(h.addr+tc.path, tc.secret, tc.body, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			if tc.strip {
				req.Header.Del("X-Slack-Signature")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", resp.StatusCode)
			}
		})
	}
	// A good request after the bad ones is handled: the coach saw only it.
	srv.DM("U1", "sentinel")
	srv.WaitMessages(srv.DMChannel("U1"), 1)
	if evs := h.coach.Events(); len(evs) != 1 || evs[0].Text != "sentinel" {
		t.Errorf("coach events = %+v, want only the sentinel", evs)
	}
}

func TestHTTPModeAnswersURLVerification(t *testing.T) {
	srv := slackfake.New(t)
	h := startHTTP(t, srv, newCoach(nil), nil)
	body := []byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	req, _ := slackfake.SignedRequest(h.addr+slack.EventsPath, srv.SigningSecret, body, time.Now())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := make([]byte, 200)
	n, _ := resp.Body.Read(got)
	if resp.StatusCode != http.StatusOK || string(got[:n]) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("answer = %d %q", resp.StatusCode, got[:n])
	}
}

func TestHTTPModeAnswersBeforeHandlingAndKeepsDeliveryOnRetry(t *testing.T) {
	release := make(chan struct{})
	var returned atomic.Bool
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		<-release
		returned.Store(true)
		return echo(ev)
	})
	srv := slackfake.New(t)
	startHTTP(t, srv, coach, nil)
	id := srv.DM("U1", "slow") // returns once the bot has answered
	if a, ok := srv.Acked(id); !ok || a.Status != http.StatusOK {
		t.Fatalf("ack = %+v, %v", a, ok)
	}
	if returned.Load() {
		t.Fatal("the coach returned before the HTTP answer")
	}
	srv.Redeliver(id)
	close(release)
	evs := coach.WaitEvents(t, 2)
	if evs[0] != evs[1] {
		t.Errorf("retried event = %+v, want %+v", evs[1], evs[0])
	}
}
