package slack_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/slack"
	"github.com/prepbot/prepbot/internal/slack/slackfake"
)

func TestDMReachesCoachAndReplyIsRendered(t *testing.T) {
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		return []prep.Reply{{
			Kind:    prep.Send,
			Text:    prep.Text("You said ").Bold(ev.Text).Plain(" — 1 < 2 & 3 > 2"),
			Buttons: [][]prep.Button{{{Label: "Show answer", Data: "a1"}}, {{Label: "Skip", Data: "/ask"}}},
		}}
	})
	srv := slackfake.New(t)
	start(t, srv, coach, nil)

	id := srv.DM("U1", "a < b & c")
	msgs := srv.WaitMessages(srv.DMChannel("U1"), 1)

	evs := coach.Events()
	if len(evs) != 1 || evs[0].User != "slack:U1" || evs[0].Text != "a < b & c" || evs[0].Button != "" {
		t.Fatalf("events = %+v", evs)
	}
	if !strings.HasPrefix(evs[0].Delivery, "slack:Ev") {
		t.Errorf("delivery = %q, want the event id", evs[0].Delivery)
	}
	m := msgs[0]
	if want := "You said *a &lt; b &amp; c* — 1 &lt; 2 &amp; 3 &gt; 2"; m.Mrkdwn != want {
		t.Errorf("mrkdwn = %q, want %q", m.Mrkdwn, want)
	}
	if want := "You said a &lt; b &amp; c — 1 &lt; 2 &amp; 3 &gt; 2"; m.Text != want {
		t.Errorf("fallback text = %q, want %q", m.Text, want)
	}
	if len(m.Buttons) != 2 || m.Buttons[0][0].Value != "a1" || m.Buttons[0][0].Text != "Show answer" || m.Buttons[1][0].Value != "/ask" {
		t.Errorf("buttons = %+v", m.Buttons)
	}
	if a := srv.WaitAck(id); a.At.IsZero() {
		t.Error("no ack")
	}
}

func TestSlashCommandAnswersInDMWithEphemeralPointer(t *testing.T) {
	h := startDefault(t, nil)
	h.srv.SlashCommand("U1", "ask sql")
	h.srv.SlashCommand("U1", "")
	h.srv.WaitMessages(h.srv.DMChannel("U1"), 2)
	evs := h.coach.Events()
	if len(evs) != 2 || evs[0].Text != "/ask sql" || evs[1].Text != "/help" || evs[0].Name != "user-u1" {
		t.Errorf("coach events = %+v", evs)
	}
	eph := h.srv.WaitEphemerals("U1", 2)
	for _, e := range eph {
		if e.Plain() != "Sent to your DM with prepbot." || e.Via != "response_url" || e.Channel != slackfake.General {
			t.Errorf("pointer = %+v", e)
		}
	}
	if len(h.srv.Messages(slackfake.General)) != 0 {
		t.Error("the bot posted in the public channel")
	}
	// Typed in the DM itself, the command needs no pointer.
	h.srv.SlashCommandIn("U1", h.srv.DMChannel("U1"), "help")
	h.srv.WaitMessages(h.srv.DMChannel("U1"), 3)
	if err := h.bot.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(h.srv.EphemeralsFor("U1")); n != 2 {
		t.Errorf("%d ephemerals, want 2 (none for the command typed in the DM)", n)
	}
	if n := h.srv.Calls("conversations.open"); n != 1 {
		t.Errorf("conversations.open called %d times, want 1 (the DM is cached)", n)
	}
}

func TestButtonEditsInPlaceAndNoticeIsEphemeral(t *testing.T) {
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		if ev.Button == "" {
			return []prep.Reply{{Kind: prep.Send, Text: prep.Text("Q: what is 2+2?"),
				Buttons: [][]prep.Button{{{Label: "Show", Data: "a7"}}}}}
		}
		return []prep.Reply{
			{Kind: prep.Edit, Text: prep.Text("Q: what is 2+2?\nA: ").Bold("4"),
				Buttons: [][]prep.Button{{{Label: "Again", Data: "r7.1"}, {Label: "Good", Data: "r7.3"}}}},
			{Kind: prep.Notice, Text: prep.Text("Answer shown")},
			{Kind: prep.Send, Text: prep.Text("How well did you recall it?")},
		}
	})
	srv := slackfake.New(t)
	start(t, srv, coach, nil)
	dm := srv.DMChannel("U1")
	srv.DM("U1", "go")
	q := srv.WaitMessages(dm, 1)[0]

	srv.PressButton("U1", dm, q.TS, q.Buttons[0][0].Value)
	msgs := srv.WaitMessages(dm, 2)
	edited := msgs[0]
	if edited.Edits != 1 || edited.Mrkdwn != "Q: what is 2+2?\nA: *4*" {
		t.Errorf("edited = %q after %d edits", edited.Mrkdwn, edited.Edits)
	}
	if len(edited.Buttons) != 1 || len(edited.Buttons[0]) != 2 || edited.Buttons[0][1].Value != "r7.3" {
		t.Errorf("edited buttons = %+v", edited.Buttons)
	}
	if msgs[1].Plain() != "How well did you recall it?" {
		t.Errorf("second message = %q", msgs[1].Plain())
	}
	eph := srv.WaitEphemerals("U1", 1)
	if eph[0].Plain() != "Answer shown" || eph[0].Via != "chat.postEphemeral" || eph[0].Channel != dm {
		t.Errorf("notice = %+v", eph[0])
	}
	evs := coach.Events()
	if evs[1].Button != "a7" || evs[1].Text != "" || !strings.HasPrefix(evs[1].Delivery, "slack:env-action-") {
		t.Errorf("button event = %+v", evs[1])
	}
	srv.WaitCalls("chat.postMessage", 2)
	var order []string
	for _, r := range srv.Requests() {
		switch r.Method {
		case "chat.update", "chat.postMessage", "chat.postEphemeral":
			order = append(order, r.Method)
		}
	}
	if want := "chat.postMessage,chat.update,chat.postEphemeral,chat.postMessage"; strings.Join(order, ",") != want {
		t.Errorf("call order = %v, want %s", order, want)
	}
}

func TestEditOfVanishedMessageIsPostedAnew(t *testing.T) {
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		return []prep.Reply{{Kind: prep.Edit, Text: prep.Text("fresh")}}
	})
	srv := slackfake.New(t)
	start(t, srv, coach, nil)
	srv.PressButton("U1", srv.DMChannel("U1"), "1600000000.000001", "a1")
	if m := srv.WaitMessages(srv.DMChannel("U1"), 1)[0]; m.Plain() != "fresh" {
		t.Errorf("message = %q", m.Plain())
	}
}

func TestRedeliveredEnvelopeKeepsItsDeliveryID(t *testing.T) {
	h := startDefault(t, nil)
	for _, send := range []func() string{
		func() string { return h.srv.DM("U1", "hello") },
		func() string { return h.srv.SlashCommand("U1", "ask") },
		func() string { return h.srv.PressButton("U1", h.srv.DMChannel("U1"), "1.1", "a1") },
	} {
		n := len(h.coach.Events())
		id := send()
		first := h.coach.WaitEvents(t, n+1)[n]
		h.srv.WaitAck(id)
		h.srv.Redeliver(id)
		again := h.coach.WaitEvents(t, n+2)[n+1]
		if again != first {
			t.Errorf("redelivered event = %+v, want %+v", again, first)
		}
	}
}

func TestAckedBeforeTheCoachFinishes(t *testing.T) {
	release := make(chan struct{})
	var returned atomic.Bool
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		<-release
		returned.Store(true)
		return echo(ev)
	})
	srv := slackfake.New(t)
	start(t, srv, coach, nil)
	ids := []string{srv.DM("U1", "slow"), srv.SlashCommand("U2", "ask"), srv.PressButton("U3", srv.DMChannel("U3"), "1.1", "a1")}
	for _, id := range ids {
		srv.WaitAck(id)
	}
	if returned.Load() {
		t.Fatal("the coach returned before the acks: test did not exercise a slow coach")
	}
	close(release)
	srv.WaitMessages(srv.DMChannel("U1"), 1)
	srv.WaitMessages(srv.DMChannel("U2"), 1)
	srv.WaitEphemerals("U3", 1)
}

func TestEventsOfOneUserHandledInOrderOthersConcurrently(t *testing.T) {
	var mu sync.Mutex
	inFlight := map[prep.UserKey]int{}
	overlap := 0  // two events of one user at once: a bug
	parallel := 0 // two users at once: expected
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		mu.Lock()
		inFlight[ev.User]++
		if inFlight[ev.User] > 1 {
			overlap++
		}
		if len(inFlight) > 1 {
			parallel++
		}
		mu.Unlock()
		time.Sleep(time.Millisecond) // long enough for the others to arrive
		mu.Lock()
		if inFlight[ev.User]--; inFlight[ev.User] == 0 {
			delete(inFlight, ev.User)
		}
		mu.Unlock()
		return nil
	})
	srv := slackfake.New(t)
	start(t, srv, coach, nil)
	const perUser = 30
	users := []string{"U1", "U2", "U3"}
	for i := range perUser {
		for _, u := range users {
			srv.DM(u, fmt.Sprintf("%s-%02d", u, i))
		}
	}
	evs := coach.WaitEvents(t, perUser*len(users))
	next := map[prep.UserKey]int{}
	for _, ev := range evs {
		want := fmt.Sprintf("%s-%02d", ev.User.ID(), next[ev.User])
		if ev.Text != want {
			t.Fatalf("%s got %q, want %q: out of order", ev.User, ev.Text, want)
		}
		next[ev.User]++
	}
	mu.Lock()
	defer mu.Unlock()
	if overlap > 0 {
		t.Errorf("%d events of one user overlapped", overlap)
	}
	if parallel == 0 {
		t.Error("different users were never served concurrently")
	}
}

func TestTooManyRequestsRetriedOnceAndDeliveredOnce(t *testing.T) {
	h := startDefault(t, nil)
	h.srv.RateLimitNext("chat.postMessage", 1, time.Second)
	h.srv.DM("U1", "hi")
	h.srv.WaitMessages(h.srv.DMChannel("U1"), 1)
	var posts []slackfake.Request
	for _, r := range h.srv.Requests() {
		if r.Method == "chat.postMessage" {
			posts = append(posts, r)
		}
	}
	if len(posts) != 2 || posts[0].Status != http.StatusTooManyRequests {
		t.Fatalf("chat.postMessage calls = %+v, want a 429 and one retry", posts)
	}
	if gap := posts[1].At.Sub(posts[0].At); gap < time.Second {
		t.Errorf("retried after %v, before Retry-After's 1 s", gap)
	}
	if err := h.bot.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(h.srv.Messages(h.srv.DMChannel("U1"))); n != 1 {
		t.Errorf("%d messages delivered, want 1", n)
	}
	if st := h.bot.Stats(); st.TooManyRequests != 1 || st.Sent != 1 || st.Dropped != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestServerErrorsRetriedWithBackoff(t *testing.T) {
	h := startDefault(t, nil)
	h.srv.FailNextStatus("chat.postMessage", 2, http.StatusBadGateway)
	h.srv.FailNext("chat.postMessage", 1, "internal_error")
	h.srv.DM("U1", "hi")
	h.srv.WaitMessages(h.srv.DMChannel("U1"), 1)
	if err := h.bot.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := h.bot.Stats(); st.Retries != 3 || st.Sent != 1 || st.Dropped != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestInvalidAuthAtStartNamesTheVariable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(*slack.Options)
		want   error
		envVar string
	}{
		{"bot token", func(o *slack.Options) { o.BotToken = "xoxb-wrong" }, slack.ErrBotTokenRejected, "PREPBOT_SLACK_BOT_TOKEN"},
		{"app token", func(o *slack.Options) { o.AppToken = "xapp-wrong" }, slack.ErrAppTokenRejected, "PREPBOT_SLACK_APP_TOKEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := slackfake.New(t)
			logs := &logBuffer{}
			opts := options(srv, logs)
			tc.edit(&opts)
			_, err := slack.New(context.Background(), opts, newCoach(nil))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.envVar) || !strings.Contains(err.Error(), "invalid_auth") || strings.Contains(err.Error(), "wrong") {
				t.Errorf("error %q should name %s and Slack's answer, not the token", err, tc.envVar)
			}
		})
	}
}

func TestStartupWaitsForSlack(t *testing.T) {
	srv := slackfake.New(t)
	srv.FailNextStatus("auth.test", 2, http.StatusServiceUnavailable)
	srv.RateLimitNext("apps.connections.open", 1, time.Second)
	h := start(t, srv, newCoach(nil), nil)
	if n := srv.Calls("auth.test"); n != 3 {
		t.Errorf("auth.test called %d times, want 3", n)
	}
	if !h.logs.Contains("waiting for Slack to answer auth.test") {
		t.Errorf("no log of what it waits for:\n%s", h.logs)
	}
	srv.DM("U1", "hi")
	srv.WaitMessages(srv.DMChannel("U1"), 1)
}

func TestValidationNamesVariables(t *testing.T) {
	_, err := slack.New(context.Background(), slack.Options{BotToken: "xoxp-user-token", Allowed: []string{"alice"}, Team: "acme"}, newCoach(nil))
	if err == nil {
		t.Fatal("New accepted bad options")
	}
	for _, want := range []string{"PREPBOT_SLACK_BOT_TOKEN", "PREPBOT_SLACK_APP_TOKEN", "PREPBOT_SLACK_ALLOWED_USERS", "PREPBOT_SLACK_TEAM", `"alice"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
	_, err = slack.New(context.Background(), slack.Options{BotToken: "xoxb-1", Listen: ":0"}, newCoach(nil))
	if err == nil || !strings.Contains(err.Error(), "PREPBOT_SLACK_SIGNING_SECRET") {
		t.Errorf("HTTP mode without a secret: %v", err)
	}
}

func TestReconnectsAfterDisconnectAndDrop(t *testing.T) {
	h := startDefault(t, nil)
	h.srv.DM("U1", "before")
	h.srv.WaitMessages(h.srv.DMChannel("U1"), 1)

	h.srv.Disconnect()
	id := h.srv.DM("U1", "during")
	h.srv.WaitConnected(2)
	h.srv.WaitAck(id)
	h.srv.Drop()
	h.srv.DM("U1", "after")
	h.srv.WaitConnected(3)
	msgs := h.srv.WaitMessages(h.srv.DMChannel("U1"), 3)
	if msgs[1].Plain() != "echo: during" || msgs[2].Plain() != "echo: after" {
		t.Errorf("messages = %q, %q", msgs[1].Plain(), msgs[2].Plain())
	}
	waitFor(t, "Ready again", h.bot.Ready)
	if !h.logs.Contains("reconnect") {
		t.Errorf("reconnection not logged:\n%s", h.logs)
	}
}

func TestStrangerRefusedPolitelyOncePerMinute(t *testing.T) {
	clk := newClock()
	srv := slackfake.New(t)
	coach := newCoach(nil)
	start(t, srv, coach, func(o *slack.Options) {
		o.Allowed = []string{"U1"}
		o.Now = clk.Now
	})
	srv.DM("U9", "let me in")
	srv.DM("U9", "please")
	srv.SlashCommand("U9", "ask")
	srv.DM("U1", "owner here")
	srv.WaitMessages(srv.DMChannel("U1"), 1)

	want := "This is a private prepbot. Ask its owner to add your Slack user id U9 to PREPBOT_SLACK_ALLOWED_USERS."
	msgs := srv.WaitMessages(srv.DMChannel("U9"), 1)
	if len(msgs) != 1 || msgs[0].Plain() != want {
		t.Fatalf("stranger got %+v, want one refusal %q", msgs, want)
	}
	if len(srv.EphemeralsFor("U9")) != 0 {
		t.Error("refused again within the minute")
	}
	for _, ev := range coach.Events() {
		if ev.User == "slack:U9" {
			t.Errorf("coach called for the stranger: %+v", ev)
		}
	}
	clk.Advance(61 * time.Second)
	srv.SlashCommand("U9", "ask")
	if e := srv.WaitEphemerals("U9", 1)[0]; e.Plain() != want || e.Via != "response_url" {
		t.Errorf("second refusal = %+v", e)
	}
}

func TestOtherWorkspaceRefused(t *testing.T) {
	srv := slackfake.New(t)
	srv.SetUser(slackfake.User{ID: "U5", TeamID: "T0OTHER"})
	coach := newCoach(nil)
	start(t, srv, coach, func(o *slack.Options) { o.Team = srv.TeamID })
	srv.DM("U5", "hi")
	srv.DM("U1", "hi")
	srv.WaitMessages(srv.DMChannel("U1"), 1)
	m := srv.WaitMessages(srv.DMChannel("U5"), 1)[0]
	if !strings.Contains(m.Plain(), "another workspace") || !strings.Contains(m.Plain(), "U5") {
		t.Errorf("refusal = %q", m.Plain())
	}
	if evs := coach.Events(); len(evs) != 1 || evs[0].User != "slack:U1" {
		t.Errorf("coach events = %+v", evs)
	}
}

func TestIgnoresBotMessagesEditsAndOtherChannels(t *testing.T) {
	h := startDefault(t, nil)
	dm := h.srv.DMChannel("U1")
	h.srv.SendEvent("U1", map[string]any{"type": "message", "channel": dm, "user": "U1", "text": "from a bot", "bot_id": "B1", "channel_type": "im", "ts": "1.1"})
	h.srv.SendEvent("U1", map[string]any{"type": "message", "channel": dm, "subtype": "message_changed", "channel_type": "im", "ts": "1.2",
		"message": map[string]any{"user": "U1", "text": "edited"}})
	h.srv.SendEvent("U1", map[string]any{"type": "message", "channel": "C1", "user": "U1", "text": "in a channel", "channel_type": "channel", "ts": "1.3"})
	h.srv.SendEvent("U1", map[string]any{"type": "reaction_added", "user": "U1", "reaction": "tada", "event_ts": "1.4",
		"item": map[string]any{"type": "message", "channel": dm, "ts": "1.1"}})
	h.srv.SendEvent("U1", map[string]any{"type": "message", "channel": dm, "user": "U1", "subtype": "file_share", "text": "", "channel_type": "im", "ts": "1.5"})
	h.srv.DM("U1", "sentinel")
	msgs := h.srv.WaitMessages(dm, 2)
	if !strings.HasPrefix(msgs[0].Plain(), "I only read text") || msgs[1].Plain() != "echo: sentinel" {
		t.Errorf("messages = %q, %q", msgs[0].Plain(), msgs[1].Plain())
	}
	if evs := h.coach.Events(); len(evs) != 1 {
		t.Errorf("coach events = %+v, want only the sentinel", evs)
	}
	h.srv.WaitFor("one ack per envelope (6)", func() bool { return len(h.srv.Acks()) == 6 })
}

// TestIgnoresItsOwnMessagesWithoutBotID: a message event from the bot's own
// user id is the bot's, even when Slack sends it without bot_id; answering
// it would have the bot talk to itself. Both modes decode events alike.
func TestIgnoresItsOwnMessagesWithoutBotID(t *testing.T) {
	for _, mode := range []struct {
		name  string
		start func(testing.TB, *slackfake.Server, *fakeCoach, func(*slack.Options)) *harness
	}{{"socket", start}, {"http", startHTTP}} {
		t.Run(mode.name, func(t *testing.T) {
			srv := slackfake.New(t)
			coach := newCoach(nil)
			mode.start(t, srv, coach, nil)
			dm := srv.DMChannel("U1")
			srv.SendEvent("U1", map[string]any{"type": "message", "channel": dm, "user": srv.BotUserID, "text": "echo: hi", "channel_type": "im", "ts": "1.1"})
			srv.DM("U1", "sentinel")
			if msgs := srv.WaitMessages(dm, 1); msgs[0].Plain() != "echo: sentinel" {
				t.Errorf("first answer = %q, want the sentinel's", msgs[0].Plain())
			}
			// Different users' events are handled concurrently: give the
			// bot's own a moment to arrive, if it is going to.
			time.Sleep(200 * time.Millisecond)
			if evs := coach.Events(); len(evs) != 1 || evs[0].Text != "sentinel" {
				t.Errorf("coach events = %+v, want only the sentinel", evs)
			}
		})
	}
}

func TestDeliverOpensDMAndTurnsEditsIntoMessages(t *testing.T) {
	h := startDefault(t, nil)
	err := h.bot.Deliver(context.Background(), "slack:U7", []prep.Reply{
		{Kind: prep.Send, Text: prep.Text("Daily quiz"), Buttons: [][]prep.Button{{{Label: "Start", Data: "/ask"}}}},
		{Kind: prep.Edit, Text: prep.Text("an edit")},
		{Kind: prep.Notice, Text: prep.Text("a notice")},
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := h.srv.WaitMessages(h.srv.DMChannel("U7"), 3)
	if msgs[0].Plain() != "Daily quiz" || msgs[1].Plain() != "an edit" || msgs[2].Plain() != "a notice" {
		t.Errorf("messages = %+v", msgs)
	}
	if err := h.bot.Deliver(context.Background(), "slack:U7", []prep.Reply{{Kind: prep.Send, Text: prep.Text("again")}}); err != nil {
		t.Fatal(err)
	}
	h.srv.WaitMessages(h.srv.DMChannel("U7"), 4)
	if n := h.srv.Calls("conversations.open"); n != 1 {
		t.Errorf("conversations.open called %d times, want 1", n)
	}
	if err := h.bot.Deliver(context.Background(), "telegram:1", nil); err == nil {
		t.Error("Deliver accepted a Telegram user")
	}
	// A user whose DM the bot knows from their writing still gets a
	// scheduled notice as a message, not as an ephemeral one.
	h.srv.DM("U1", "hi")
	h.srv.WaitMessages(h.srv.DMChannel("U1"), 1)
	if err := h.bot.Deliver(context.Background(), "slack:U1", []prep.Reply{{Kind: prep.Notice, Text: prep.Text("reminder")}}); err != nil {
		t.Fatal(err)
	}
	if m := h.srv.WaitMessages(h.srv.DMChannel("U1"), 2)[1]; m.Plain() != "reminder" {
		t.Errorf("notice = %q", m.Plain())
	}
	if n := h.srv.Calls("conversations.open"); n != 1 || len(h.srv.Ephemerals()) != 0 {
		t.Errorf("conversations.open called %d times (want 1), ephemerals %+v", n, h.srv.Ephemerals())
	}
}

func TestDeactivatedUserReportedOnce(t *testing.T) {
	var mu sync.Mutex
	var blocked []prep.UserKey
	srv := slackfake.New(t)
	srv.SetUser(slackfake.User{ID: "U8", Deactivated: true})
	h := start(t, srv, newCoach(nil), func(o *slack.Options) {
		o.OnBlocked = func(ctx context.Context, u prep.UserKey) {
			mu.Lock()
			defer mu.Unlock()
			blocked = append(blocked, u)
		}
	})
	two := []prep.Reply{{Kind: prep.Send, Text: prep.Text("one")}, {Kind: prep.Send, Text: prep.Text("two")}}
	for range 2 {
		if err := h.bot.Deliver(context.Background(), "slack:U8", two); err != nil {
			t.Fatal(err)
		}
		if err := h.bot.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	got := append([]prep.UserKey(nil), blocked...)
	mu.Unlock()
	if len(got) != 1 || got[0] != "slack:U8" {
		t.Errorf("OnBlocked calls = %v, want one for slack:U8", got)
	}
	if h.bot.QueueLen() != 0 {
		t.Errorf("queue length %d after flush", h.bot.QueueLen())
	}
}

func TestPhotoUploadedIntoDMWithCaption(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nfake-chart")
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		return []prep.Reply{
			{Kind: prep.Photo, Image: png, Text: prep.Text("Your ").Bold("progress")},
			{Kind: prep.Photo, Image: png, Text: prep.Text("Forecast"), Buttons: [][]prep.Button{{{Label: "More", Data: "/due"}}}},
		}
	})
	srv := slackfake.New(t)
	srv.RateLimitNext("files.completeUploadExternal", 1, time.Second)
	start(t, srv, coach, nil)
	srv.SlashCommand("U1", "stats")
	ups := srv.WaitUploads(2)
	dm := srv.DMChannel("U1")
	if ups[0].Channel != dm || string(ups[0].Data) != string(png) || ups[0].Comment != "Your *progress*" || ups[0].Filename != "chart.png" {
		t.Errorf("upload = %+v", ups[0])
	}
	if ups[1].Comment != "" {
		t.Errorf("an upload with buttons should leave its caption to a message, got comment %q", ups[1].Comment)
	}
	m := srv.WaitMessages(dm, 1)[0]
	if m.Plain() != "Forecast" || len(m.Buttons) != 1 || m.Buttons[0][0].Value != "/due" {
		t.Errorf("caption message = %+v", m)
	}
	if n := srv.Calls("files.getUploadURLExternal"); n != 2 {
		t.Errorf("files.getUploadURLExternal called %d times, want 2 (the 429 retried only the completion)", n)
	}
	if n := srv.Calls("upload"); n != 2 {
		t.Errorf("%d file uploads, want 2", n)
	}
}

func TestCoachCommandsShownAsSlashSubcommands(t *testing.T) {
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		return []prep.Reply{{Kind: prep.Send, Text: prep.Text("Type /ask or /help; not /usr/bin or /asking. ").Code("/ask [topic]")}}
	})
	srv := slackfake.New(t)
	start(t, srv, coach, nil)
	srv.DM("U1", "hi")
	m := srv.WaitMessages(srv.DMChannel("U1"), 1)[0]
	if want := "Type /prep ask or /prep help; not /usr/bin or /asking. `/prep ask [topic]`"; m.Mrkdwn != want {
		t.Errorf("mrkdwn = %q, want %q", m.Mrkdwn, want)
	}
}

func TestStaleButtonAnsweredWithoutCoach(t *testing.T) {
	h := startDefault(t, nil)
	dm := h.srv.DMChannel("U1")
	h.srv.PressButton("U1", dm, "1.1", strings.Repeat("x", 65))
	e := h.srv.WaitEphemerals("U1", 1)[0]
	if e.Plain() != "This button no longer works." {
		t.Errorf("answer = %q", e.Plain())
	}
	if evs := h.coach.Events(); len(evs) != 0 {
		t.Errorf("coach called: %+v", evs)
	}
}

func TestShutdownDrainsQueue(t *testing.T) {
	release := make(chan struct{})
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		<-release
		return echo(ev)
	})
	srv := slackfake.New(t)
	h := start(t, srv, coach, nil)
	id := srv.DM("U1", "in hand")
	srv.WaitAck(id)
	coach.WaitEvents(t, 1)
	stopped := make(chan error, 1)
	go func() { stopped <- h.stop() }()
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages(srv.DMChannel("U1")); len(msgs) != 1 {
		t.Errorf("%d messages sent before Run returned, want 1", len(msgs))
	}
	if err := h.bot.Deliver(context.Background(), "slack:U1", nil); !errors.Is(err, slack.ErrClosed) {
		t.Errorf("Deliver after shutdown = %v, want ErrClosed", err)
	}
}

func TestChannelPacedInOrder(t *testing.T) {
	h := startDefault(t, func(o *slack.Options) { o.PerChannelRate, o.PerChannelBurst = 20, 1 })
	var replies []prep.Reply
	for i := range 11 {
		replies = append(replies, prep.Reply{Kind: prep.Send, Text: prep.Text(fmt.Sprintf("part %d", i))})
	}
	began := time.Now()
	for _, u := range []prep.UserKey{"slack:U1", "slack:U2"} {
		if err := h.bot.Deliver(context.Background(), u, replies); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.bot.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < 450*time.Millisecond {
		t.Errorf("11 messages at 20 a second took %v, want at least 500 ms", took)
	}
	for _, u := range []string{"U1", "U2"} {
		msgs := h.srv.Messages(h.srv.DMChannel(u))
		if len(msgs) != 11 {
			t.Fatalf("%s got %d messages, want 11", u, len(msgs))
		}
		for i, m := range msgs {
			if m.Plain() != fmt.Sprintf("part %d", i) {
				t.Fatalf("%s message %d = %q: order broken", u, i, m.Plain())
			}
		}
	}
	if n := h.bot.QueueLen(); n != 0 {
		t.Errorf("queue length %d after Flush", n)
	}
}

func TestTokensNeverLogged(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logs := &logBuffer{}
	opts := options(slackfake.New(t), logs)
	opts.APIBase = "http://" + addr + "/api/"
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = slack.New(ctx, opts, newCoach(nil))
	if err == nil {
		t.Fatal("New succeeded against a closed port")
	}
	if !logs.Contains("waiting for Slack to answer auth.test") {
		t.Fatalf("expected retries to be logged:\n%s", logs)
	}
	for _, secret := range []string{opts.BotToken, opts.AppToken} {
		if logs.Contains(secret) || strings.Contains(err.Error(), secret) {
			t.Errorf("token leaked:\nerr: %v\nlog:\n%s", err, logs)
		}
	}
}
