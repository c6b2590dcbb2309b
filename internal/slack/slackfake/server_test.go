package slackfake_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/prepbot/prepbot/internal/slack/slackfake"
)

func client(srv *slackfake.Server, token string) *slackgo.Client {
	return slackgo.New(token, slackgo.OptionAPIURL(srv.URL), slackgo.OptionAppLevelToken(srv.AppToken))
}

func TestWebAPIMessagesAndUpdates(t *testing.T) {
	srv := slackfake.New(t)
	api := client(srv, srv.BotToken)
	ctx := context.Background()
	if r, err := api.AuthTestContext(ctx); err != nil || r.UserID != srv.BotUserID || r.TeamID != srv.TeamID {
		t.Fatalf("auth.test = %+v, %v", r, err)
	}
	ch, _, _, err := api.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || ch.ID != srv.DMChannel("U1") {
		t.Fatalf("conversations.open = %+v, %v", ch, err)
	}
	blocks := []slackgo.Block{
		slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, "*Q:* 1 &lt; 2?", false, false), nil, nil),
		slackgo.NewActionBlock("row", slackgo.NewButtonBlockElement("b1", "yes", slackgo.NewTextBlockObject(slackgo.PlainTextType, "Yes", false, false))),
	}
	_, ts, err := api.PostMessageContext(ctx, ch.ID, slackgo.MsgOptionText("Q: 1 < 2?", true), slackgo.MsgOptionBlocks(blocks...))
	if err != nil {
		t.Fatal(err)
	}
	m := srv.Messages(ch.ID)[0]
	if m.TS != ts || m.Mrkdwn != "*Q:* 1 &lt; 2?" || m.Plain() != "Q: 1 < 2?" || m.Buttons[0][0] != (slackfake.Button{Text: "Yes", Value: "yes", ActionID: "b1", BlockID: "row"}) {
		t.Errorf("message = %+v", m)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, ch.ID, ts, slackgo.MsgOptionText("done", false)); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(ch.ID)[0]; m.Edits != 1 || m.Plain() != "done" || len(m.Buttons) != 0 {
		t.Errorf("updated = %+v", m)
	}
	_, _, _, err = api.UpdateMessageContext(ctx, ch.ID, "1.1", slackgo.MsgOptionText("x", false))
	if !isSlackError(err, "message_not_found") {
		t.Errorf("update of a missing message: %v", err)
	}
	if _, err := api.PostEphemeralContext(ctx, ch.ID, "U1", slackgo.MsgOptionText("psst", false)); err != nil {
		t.Fatal(err)
	}
	if e := srv.EphemeralsFor("U1"); len(e) != 1 || e[0].Plain() != "psst" || e[0].Via != "chat.postEphemeral" {
		t.Errorf("ephemerals = %+v", e)
	}
}

func isSlackError(err error, code string) bool {
	var se slackgo.SlackErrorResponse
	return errors.As(err, &se) && se.Err == code
}

func TestWebAPIRefusesWhatSlackRefuses(t *testing.T) {
	srv := slackfake.New(t)
	ctx := context.Background()
	if _, err := client(srv, "xoxb-wrong").AuthTestContext(ctx); !isSlackError(err, "invalid_auth") {
		t.Errorf("wrong token: %v", err)
	}
	api := client(srv, srv.BotToken)
	long := slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, strings.Repeat("x", 3001), false, false), nil, nil)
	if _, _, err := api.PostMessageContext(ctx, "C1", slackgo.MsgOptionBlocks(long)); !isSlackError(err, "invalid_blocks") {
		t.Errorf("3001-character section: %v", err)
	}
	btn := func(id string) slackgo.BlockElement {
		return slackgo.NewButtonBlockElement(id, "v", slackgo.NewTextBlockObject(slackgo.PlainTextType, "B", false, false))
	}
	dup := slackgo.NewActionBlock("", btn("same"), btn("same"))
	if _, _, err := api.PostMessageContext(ctx, "C1", slackgo.MsgOptionBlocks(dup)); !isSlackError(err, "invalid_blocks") {
		t.Errorf("repeated action_id: %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1"); !isSlackError(err, "no_text") {
		t.Errorf("empty message: %v", err)
	}
	srv.SetUser(slackfake.User{ID: "U9", Deactivated: true})
	if _, _, _, err := api.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{"U9"}}); !isSlackError(err, "user_disabled") {
		t.Errorf("deactivated user: %v", err)
	}
}

func TestUsersInfoAnswersTheProfileZone(t *testing.T) {
	srv := slackfake.New(t)
	api := client(srv, srv.BotToken)
	ctx := context.Background()
	srv.SetUser(slackfake.User{ID: "U1", TZ: "Europe/Berlin"})
	u, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil || u.ID != "U1" || u.TZ != "Europe/Berlin" || (u.TZOffset != 3600 && u.TZOffset != 7200) {
		t.Fatalf("users.info = %+v, %v", u, err)
	}
	if u, err := api.GetUserInfoContext(ctx, "U2"); err != nil || u.TZ != "" {
		t.Errorf("users.info of a user without a zone = %+v, %v", u, err)
	}
	srv.FailNext("users.info", 1, "missing_scope")
	if _, err := api.GetUserInfoContext(ctx, "U1"); !isSlackError(err, "missing_scope") {
		t.Errorf("injected missing_scope: %v", err)
	}
	if n := srv.Calls("users.info"); n != 3 {
		t.Errorf("%d users.info calls recorded, want 3", n)
	}
}

func TestFaults(t *testing.T) {
	srv := slackfake.New(t)
	api := client(srv, srv.BotToken)
	ctx := context.Background()
	srv.RateLimitNext("chat.postMessage", 1, 1500*time.Millisecond)
	_, _, err := api.PostMessageContext(ctx, "C1", slackgo.MsgOptionText("x", false))
	var rl *slackgo.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Errorf("rate limited: %v", err)
	}
	srv.FailNext("auth.test", 1, "invalid_auth")
	if _, err := api.AuthTestContext(ctx); !isSlackError(err, "invalid_auth") {
		t.Errorf("injected invalid_auth: %v", err)
	}
	srv.FailNextStatus("auth.test", 1, http.StatusBadGateway)
	var sc slackgo.StatusCodeError
	if _, err := api.AuthTestContext(ctx); !errors.As(err, &sc) || sc.Code != http.StatusBadGateway {
		t.Errorf("injected 502: %v", err)
	}
	if _, err := api.AuthTestContext(ctx); err != nil {
		t.Errorf("faults should be used up: %v", err)
	}
	if n := srv.Calls("auth.test"); n != 3 {
		t.Errorf("%d auth.test calls recorded, want 3", n)
	}
}

func TestUploadV2(t *testing.T) {
	srv := slackfake.New(t)
	api := client(srv, srv.BotToken)
	data := "\x89PNG fake"
	f, err := api.UploadFileContext(context.Background(), slackgo.UploadFileParameters{
		Reader: strings.NewReader(data), FileSize: len(data), Filename: "chart.png", Title: "Chart",
		Channel: srv.DMChannel("U1"), InitialComment: "your *progress*",
	})
	if err != nil {
		t.Fatal(err)
	}
	ups := srv.Uploads()
	if len(ups) != 1 || ups[0].FileID != f.ID || string(ups[0].Data) != data || ups[0].Comment != "your *progress*" || ups[0].Channel != srv.DMChannel("U1") {
		t.Errorf("uploads = %+v", ups)
	}
}

func TestSocketModeHelloEnvelopesAndAcks(t *testing.T) {
	srv := slackfake.New(t)
	sm := socketmode.New(client(srv, srv.BotToken))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = sm.RunContext(ctx) }()

	id := srv.DM("U1", "a < b")
	var got slackevents.EventsAPIEvent
	for got.Type == "" {
		select {
		case ev := <-sm.Events:
			if ev.Type == socketmode.EventTypeEventsAPI {
				got = ev.Data.(slackevents.EventsAPIEvent)
				if ev.Request.EnvelopeID != id {
					t.Errorf("envelope %q, want %q", ev.Request.EnvelopeID, id)
				}
				sm.Ack(*ev.Request)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
		}
	}
	msg := got.InnerEvent.Data.(*slackevents.MessageEvent)
	if msg.Text != "a &lt; b" || msg.ChannelType != "im" || msg.User != "U1" || msg.Channel != srv.DMChannel("U1") {
		t.Errorf("message event = %+v", msg)
	}
	srv.WaitAck(id)
	srv.WaitConnected(1)
}

func TestDeliverToSignsAsSlack(t *testing.T) {
	srv := slackfake.New(t)
	var verified, body string
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		sv, err := slackgo.NewSecretsVerifier(r.Header, srv.SigningSecret)
		if err == nil {
			_, _ = sv.Write(b)
			err = sv.Ensure()
		}
		verified, body = r.URL.Path+" "+errString(err), string(b)
	}))
	defer bot.Close()
	srv.DeliverTo(bot.URL)
	id := srv.SlashCommand("U1", "ask sql")
	if verified != "/slack/commands ok" || !strings.Contains(body, "text=ask+sql") {
		t.Errorf("request = %q, body %q", verified, body)
	}
	if a := srv.WaitAck(id); a.Status != http.StatusOK {
		t.Errorf("ack = %+v", a)
	}
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func TestUnmrkdwn(t *testing.T) {
	for in, want := range map[string]string{
		"*bold* and _it_ and `code`":       "bold and it and code",
		"re\u200b*mark*\u200bable":         "remarkable",
		"a * b * c":                        "a * b * c",
		"snake_case_name":                  "snake_case_name",
		"<https://x.test|docs> &amp; more": "docs & more",
		"```\nSELECT *\nFROM t\n```":       "SELECT *\nFROM t",
		"x &lt; y":                         "x < y",
	} {
		if got := slackfake.Unmrkdwn(in); got != want {
			t.Errorf("Unmrkdwn(%q) = %q, want %q", in, got, want)
		}
	}
}
