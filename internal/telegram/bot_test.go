package telegram_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/telegram"
	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

func TestMessageReachesCoachAndReplyIsRendered(t *testing.T) {
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		return []prep.Reply{{
			Kind:    prep.Send,
			Text:    prep.Text("Hi ").Bold(ev.Name).Plain(" — 1 < 2 & 3 > 2"),
			Buttons: [][]prep.Button{{{Label: "Show answer", Data: "show:1"}}, {{Label: "Skip", Data: "skip:1"}}},
		}}
	})
	srv := telegramtest.NewServer(t)
	srv.SetUser(tgbotapi.User{ID: 42, FirstName: "Ada", UserName: "ada"})
	h := start(t, srv, coach, newMemStore(), nil)

	id := srv.SendText(42, "/start")
	msgs := srv.WaitForMessages(42, 1)

	evs := coach.Events()
	want := prep.Event{User: "telegram:42", Name: "Ada", Text: "/start", Delivery: "telegram:" + strconv.Itoa(id)}
	if len(evs) != 1 || evs[0] != want {
		t.Fatalf("events = %+v, want [%+v]", evs, want)
	}
	m := msgs[0]
	if m.Text != "Hi <b>Ada</b> — 1 &lt; 2 &amp; 3 &gt; 2" || m.ParseMode != "HTML" {
		t.Errorf("message = %q (%s)", m.Text, m.ParseMode)
	}
	wantButtons := [][]telegramtest.Button{{{Text: "Show answer", Data: "show:1"}}, {{Text: "Skip", Data: "skip:1"}}}
	if fmt.Sprint(m.Buttons) != fmt.Sprint(wantButtons) {
		t.Errorf("buttons = %v, want %v", m.Buttons, wantButtons)
	}
	cmds := srv.Commands()
	if len(cmds) != 2 || cmds[0].Command != "start" || cmds[1].Description != "Ask a card now" {
		t.Errorf("command menu = %+v", cmds)
	}
	waitFor(t, "Ready", h.bot.Ready)
}

func TestOffsetPersistedAndRestartResumes(t *testing.T) {
	srv := telegramtest.NewServer(t)
	store := newMemStore()
	reached, release := make(chan struct{}), make(chan struct{})
	first := newCoach(func(ev prep.Event) []prep.Reply {
		if ev.Text == "m2" {
			// Hold the last update until the bot is told to stop, so that
			// it never polls again and Telegram never learns the offset.
			close(reached)
			<-release
		}
		return echo(ev)
	})
	h := start(t, srv, first, store, nil)
	var last int
	for i := range 3 {
		last = srv.SendText(42, fmt.Sprintf("m%d", i))
	}
	<-reached
	h.cancel()
	close(release)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if got := store.cursor(telegram.OffsetCursor); got != int64(last+1) {
		t.Fatalf("stored offset = %d, want %d (the update in hand finished)", got, last+1)
	}
	if n := len(srv.Chat(42)); n != 3 {
		t.Errorf("%d replies sent before shutdown, want 3", n)
	}
	if srv.Pending() == 0 {
		t.Fatal("test assumption: the server should still hold unconfirmed updates")
	}

	newer := srv.SendText(42, "after restart")
	second := newCoach(nil)
	start(t, srv, second, store, nil)
	second.WaitEvents(t, 1)
	srv.WaitForConfirmed()
	evs := second.Events()
	if len(evs) != 1 || evs[0].Text != "after restart" || evs[0].Delivery != "telegram:"+strconv.Itoa(newer) {
		t.Fatalf("after restart the coach saw %+v, want only the new message", evs)
	}
	if got := len(first.Events()); got != 3 {
		t.Errorf("first coach saw %d events, want 3", got)
	}
}

func TestRedeliveredUpdateKeepsItsDeliveryID(t *testing.T) {
	h := startDefault(t, nil)
	id := h.srv.SendText(42, "hello")
	h.coach.WaitEvents(t, 1)
	later := h.srv.SendText(42, "later")
	h.coach.WaitEvents(t, 2)
	waitFor(t, "offset stored", func() bool { return h.store.cursor(telegram.OffsetCursor) == int64(later+1) })

	h.srv.Redeliver(id)
	evs := h.coach.WaitEvents(t, 3)
	if evs[2].Delivery != evs[0].Delivery || evs[2].Text != "hello" {
		t.Errorf("redelivered event = %+v, want the first one again %+v", evs[2], evs[0])
	}
	// The redelivery must not move the stored offset back.
	h.srv.SendText(42, "sentinel")
	h.coach.WaitEvents(t, 4)
	if got := h.store.cursor(telegram.OffsetCursor); got <= int64(later) {
		t.Errorf("offset went back to %d", got)
	}
}

func TestCallbackAnsweredWithNoticeAndEditedInPlace(t *testing.T) {
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		if ev.Button == "" {
			return []prep.Reply{{Kind: prep.Send, Text: prep.Text("Q: what is 2+2?"),
				Buttons: [][]prep.Button{{{Label: "Show", Data: "show"}}}}}
		}
		return []prep.Reply{
			{Kind: prep.Edit, Text: prep.Text("Q: what is 2+2?\nA: ").Bold("4"),
				Buttons: [][]prep.Button{{{Label: "Again", Data: "r1"}, {Label: "Good", Data: "r3"}}}},
			{Kind: prep.Notice, Text: prep.Text("Answer shown")},
			{Kind: prep.Send, Text: prep.Text("How well did you recall it?")},
		}
	})
	srv := telegramtest.NewServer(t)
	start(t, srv, coach, newMemStore(), nil)
	srv.SendText(42, "/ask")
	q := srv.WaitForMessages(42, 1)[0]

	cb := srv.PressButton(42, q.ID, "show")
	if a := srv.WaitForCallbackAnswer(cb); a.Text != "Answer shown" {
		t.Errorf("callback answer = %q, want the notice", a.Text)
	}
	msgs := srv.WaitForMessages(42, 2)
	edited := msgs[0]
	if edited.Edits != 1 || edited.Text != "Q: what is 2+2?\nA: <b>4</b>" {
		t.Errorf("edited message = %q after %d edits", edited.Text, edited.Edits)
	}
	if len(edited.Buttons) != 1 || len(edited.Buttons[0]) != 2 || edited.Buttons[0][1].Data != "r3" {
		t.Errorf("edited buttons = %v", edited.Buttons)
	}
	if msgs[1].Plain() != "How well did you recall it?" {
		t.Errorf("second message = %q", msgs[1].Plain())
	}
	evs := coach.Events()
	if evs[1].Button != "show" || evs[1].Text != "" || !strings.HasPrefix(evs[1].Delivery, "telegram:") {
		t.Errorf("button event = %+v", evs[1])
	}
	// The edit went out before the new message.
	var order []string
	for _, r := range srv.Requests() {
		if r.Method == "editMessageText" || r.Method == "sendMessage" {
			order = append(order, r.Method)
		}
	}
	if strings.Join(order, ",") != "sendMessage,editMessageText,sendMessage" {
		t.Errorf("request order = %v", order)
	}
}

func TestCallbackAnsweredWhileCoachIsSlow(t *testing.T) {
	release := make(chan struct{})
	var returned atomic.Bool
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		if ev.Button == "" {
			return nil
		}
		<-release
		returned.Store(true)
		return []prep.Reply{{Kind: prep.Notice, Text: prep.Text("Saved")}}
	})
	srv := telegramtest.NewServer(t)
	start(t, srv, coach, newMemStore(), func(o *telegram.Options) { o.CallbackWait = 50 * time.Millisecond })

	cb := srv.PressButton(42, 1, "slow")
	a := srv.WaitForCallbackAnswer(cb)
	if returned.Load() {
		t.Fatal("the coach returned before the answer: test did not exercise a slow coach")
	}
	if a.Text != "" {
		t.Errorf("early answer = %q, want empty", a.Text)
	}
	close(release)
	// The late notice arrives as an ordinary message.
	if m := srv.WaitForMessages(42, 1)[0]; m.Plain() != "Saved" {
		t.Errorf("late notice = %q", m.Plain())
	}
	if n := srv.Calls("answerCallbackQuery"); n != 1 {
		t.Errorf("answerCallbackQuery called %d times, want 1", n)
	}
}

func TestEditNotModifiedIsSuccess(t *testing.T) {
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		r := prep.Reply{Kind: prep.Send, Text: prep.Text("Same"), Buttons: [][]prep.Button{{{Label: "x", Data: "x"}}}}
		if ev.Button != "" {
			r.Kind = prep.Edit
		}
		return []prep.Reply{r}
	})
	srv := telegramtest.NewServer(t)
	h := start(t, srv, coach, newMemStore(), nil)
	srv.SendText(42, "go")
	m := srv.WaitForMessages(42, 1)[0]
	srv.PressButton(42, m.ID, "x")
	srv.WaitForCalls("editMessageText", 1)
	srv.SendText(42, "sentinel")
	msgs := srv.WaitForMessages(42, 2)
	if msgs[0].Edits != 0 || msgs[1].Plain() != "Same" {
		t.Errorf("messages = %+v", msgs)
	}
	if n := srv.Calls("editMessageText"); n != 1 {
		t.Errorf("editMessageText called %d times, want 1 (no retry)", n)
	}
	if st := h.bot.Stats(); st.Dropped != 0 {
		t.Errorf("stats = %+v, want nothing dropped", st)
	}
	if h.logs.Contains("level=ERROR") {
		t.Errorf("not-modified logged as an error:\n%s", h.logs)
	}
}

func TestEditOfVanishedMessageIsSentAnew(t *testing.T) {
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		return []prep.Reply{{Kind: prep.Edit, Text: prep.Text("fresh")}}
	})
	srv := telegramtest.NewServer(t)
	start(t, srv, coach, newMemStore(), nil)
	srv.PressButton(42, 999, "old")
	if m := srv.WaitForMessages(42, 1)[0]; m.Plain() != "fresh" {
		t.Errorf("message = %q", m.Plain())
	}
}

func TestTooManyRequestsRetriedOnceAfterRetryAfter(t *testing.T) {
	h := startDefault(t, nil)
	h.srv.FailNext("sendMessage", 1, http.StatusTooManyRequests,
		`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`)
	h.srv.SendText(42, "hi")
	h.srv.WaitForMessages(42, 1)
	var sends []telegramtest.Request
	for _, r := range h.srv.Requests() {
		if r.Method == "sendMessage" {
			sends = append(sends, r)
		}
	}
	if len(sends) != 2 {
		t.Fatalf("sendMessage called %d times, want 2 (one 429, one retry)", len(sends))
	}
	if gap := sends[1].At.Sub(sends[0].At); gap < time.Second {
		t.Errorf("retried after %v, before retry_after's 1 s", gap)
	}
	if got := len(h.srv.Chat(42)); got != 1 {
		t.Errorf("%d messages delivered, want 1", got)
	}
	if err := h.bot.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := h.bot.Stats(); st.TooManyRequests != 1 || st.Sent != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestRateLimitedChatKeepsOrderWithoutDuplicates(t *testing.T) {
	// The bot paces a chat faster than the server allows, so the server
	// answers 429 and the queue must wait and retry, in order.
	srv := telegramtest.NewServer(t)
	srv.RateLimit(0, 10)
	h := start(t, srv, newCoach(nil), newMemStore(), func(o *telegram.Options) {
		o.GlobalRate, o.PerChatRate, o.PerChatBurst = 1000, 100, 10
	})
	var replies []prep.Reply
	for i := range 14 {
		replies = append(replies, prep.Reply{Kind: prep.Send, Text: prep.Text(fmt.Sprintf("part %d", i))})
	}
	if err := h.bot.Deliver(context.Background(), "telegram:42", replies); err != nil {
		t.Fatal(err)
	}
	msgs := srv.WaitForMessages(42, 14)
	for i, m := range msgs {
		if m.Plain() != fmt.Sprintf("part %d", i) {
			t.Fatalf("message %d = %q: order broken", i, m.Plain())
		}
	}
	if err := h.bot.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	tooMany := srv.TooManyRequests()
	if tooMany == 0 {
		t.Error("test assumption: the server should have answered 429")
	}
	if calls := srv.Calls("sendMessage"); calls != 14+tooMany {
		t.Errorf("%d sendMessage calls for 14 messages and %d 429s: retried more than once per 429", calls, tooMany)
	}
	if len(srv.Chat(42)) != 14 {
		t.Errorf("duplicates: %d messages", len(srv.Chat(42)))
	}
}

func TestServerErrorsRetriedWithBackoff(t *testing.T) {
	for _, tc := range []struct {
		name, body string
	}{
		{"json 502", ""},
		{"html 502", "<html><body><h1>502 Bad Gateway</h1></body></html>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startDefault(t, nil)
			h.srv.FailNext("sendMessage", 3, http.StatusBadGateway, tc.body)
			h.srv.SendText(42, "hi")
			h.srv.WaitForMessages(42, 1)
			if err := h.bot.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := h.srv.Calls("sendMessage"); n != 4 {
				t.Errorf("sendMessage called %d times, want 4", n)
			}
			if st := h.bot.Stats(); st.Retries != 3 || st.Sent != 1 || st.Dropped != 0 {
				t.Errorf("stats = %+v", st)
			}
		})
	}
}

func TestReceivingSurvivesHTMLErrorPages(t *testing.T) {
	h := startDefault(t, nil)
	h.srv.WaitForCalls("getUpdates", 1)
	h.srv.FailNext("getUpdates", 3, http.StatusBadGateway, "<html>bad gateway</html>")
	h.srv.SendText(42, "still there?")
	if m := h.srv.WaitForMessages(42, 1)[0]; m.Plain() != "echo: still there?" {
		t.Errorf("reply = %q", m.Plain())
	}
}

func TestStartupWaitsForTheAPI(t *testing.T) {
	srv := telegramtest.NewServer(t)
	srv.FailNext("getMe", 3, http.StatusServiceUnavailable, "<html>maintenance</html>")
	h := start(t, srv, newCoach(nil), newMemStore(), nil)
	if n := srv.Calls("getMe"); n != 4 {
		t.Errorf("getMe called %d times, want 4", n)
	}
	if !h.logs.Contains("waiting for the Bot API") {
		t.Errorf("no log of what it waits for:\n%s", h.logs)
	}
	srv.SendText(42, "hi")
	srv.WaitForMessages(42, 1)
}

func TestRejectedTokenIsAClearError(t *testing.T) {
	srv := telegramtest.NewServer(t)
	logs := &logBuffer{}
	opts := options(srv, newMemStore(), logs)
	opts.Token = "123:wrong-token"
	_, err := telegram.New(context.Background(), opts, newCoach(nil))
	if !errors.Is(err, telegram.ErrTokenRejected) {
		t.Fatalf("err = %v, want ErrTokenRejected", err)
	}
	if !strings.Contains(err.Error(), "PREPBOT_TELEGRAM_TOKEN") || strings.Contains(err.Error(), opts.Token) {
		t.Errorf("error %q should name the setting and not show the token", err)
	}
}

func TestTokenNeverLogged(t *testing.T) {
	// A port that refuses connections: every error is a *url.Error, whose
	// text would include the request URL and thus the token.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logs := &logBuffer{}
	opts := options(telegramtest.NewServer(t), newMemStore(), logs)
	opts.APIBase = "http://" + addr
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = telegram.New(ctx, opts, newCoach(nil))
	if err == nil {
		t.Fatal("New succeeded against a closed port")
	}
	if !logs.Contains("waiting for the Bot API") {
		t.Fatalf("expected retries to be logged:\n%s", logs)
	}
	secret := strings.SplitN(opts.Token, ":", 2)[1]
	if logs.Contains(secret) || strings.Contains(err.Error(), secret) {
		t.Errorf("token leaked:\nerr: %v\nlog:\n%s", err, logs)
	}
}

func TestBlockedUserReportedOnceAndQueueDropped(t *testing.T) {
	var mu sync.Mutex
	var blocked []prep.UserKey
	h := startDefault(t, func(o *telegram.Options) {
		o.OnBlocked = func(ctx context.Context, u prep.UserKey) {
			mu.Lock()
			defer mu.Unlock()
			blocked = append(blocked, u)
		}
	})
	h.srv.Block(42)
	three := []prep.Reply{
		{Kind: prep.Send, Text: prep.Text("one")},
		{Kind: prep.Send, Text: prep.Text("two")},
		{Kind: prep.Send, Text: prep.Text("three")},
	}
	for range 2 {
		if err := h.bot.Deliver(context.Background(), "telegram:42", three); err != nil {
			t.Fatal(err)
		}
		if err := h.bot.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	got := append([]prep.UserKey(nil), blocked...)
	mu.Unlock()
	if len(got) != 1 || got[0] != "telegram:42" {
		t.Errorf("OnBlocked calls = %v, want one for telegram:42", got)
	}
	if n := h.srv.Calls("sendMessage"); n != 2 {
		t.Errorf("sendMessage called %d times, want 2 (the rest of each queue dropped)", n)
	}
	if h.bot.QueueLen() != 0 {
		t.Errorf("queue length %d after flush", h.bot.QueueLen())
	}
	// The user unblocks and writes: messages flow again.
	h.srv.Unblock(42)
	h.srv.SendText(42, "back")
	h.srv.WaitForMessages(42, 1)
}

func TestStrangerRefusedPolitelyOncePerMinute(t *testing.T) {
	clk := newClock()
	srv := telegramtest.NewServer(t)
	srv.SetUser(tgbotapi.User{ID: 7, FirstName: "Friend", UserName: "Friend"})
	coach := newCoach(nil)
	h := start(t, srv, coach, newMemStore(), func(o *telegram.Options) {
		o.Allowed = []string{"42", "@friend"}
		o.Now = clk.Now
	})
	srv.SendText(99, "let me in")
	srv.SendText(99, "please")
	srv.PressButton(99, 1, "show")
	srv.SendText(42, "owner here")
	srv.SendText(7, "friend here")
	srv.WaitForMessages(7, 1)
	// The refusal goes out through the send queue, on its own time.
	msgs := srv.WaitForMessages(99, 1)
	srv.WaitForConfirmed()

	want := "This is a private prepbot. Ask its owner to add your id 99 to PREPBOT_ALLOWED_USERS."
	if msgs[0].Plain() != want {
		t.Fatalf("stranger got %q, want the refusal %q", msgs[0].Plain(), want)
	}
	for _, ev := range coach.Events() {
		if ev.User == "telegram:99" {
			t.Errorf("coach called for the stranger: %+v", ev)
		}
	}
	if len(coach.Events()) != 2 {
		t.Errorf("coach events = %+v, want the owner's and the friend's", coach.Events())
	}
	clk.Advance(61 * time.Second)
	srv.SendText(99, "again")
	srv.WaitForMessages(99, 2)
	srv.WaitForConfirmed()
	// Stopping drains the send queue: whatever else was queued for the
	// stranger has arrived by now.
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Chat(99); len(msgs) != 2 || msgs[1].Plain() != want {
		t.Errorf("the stranger got %d messages, want one refusal a minute (2):", len(msgs))
		for _, m := range msgs {
			t.Logf("%q", m.Plain())
		}
	}
}

func TestNonTextAndOverlongMessagesAnsweredWithoutCoach(t *testing.T) {
	h := startDefault(t, nil)
	h.srv.SendSticker(42)
	h.srv.Send(tgbotapi.Message{From: &tgbotapi.User{ID: 42, FirstName: "A"},
		Photo: []tgbotapi.PhotoSize{{FileID: "p", Width: 1, Height: 1}}, Caption: "my notes"})
	h.srv.SendText(42, strings.Repeat("a", 4097))
	h.srv.Send(tgbotapi.Message{From: &tgbotapi.User{ID: 42, FirstName: "A"}, NewChatTitle: "service message"})
	msgs := h.srv.WaitForMessages(42, 3)
	h.srv.WaitForConfirmed()
	if !strings.HasPrefix(msgs[0].Plain(), "I only read text") || !strings.HasPrefix(msgs[1].Plain(), "I only read text") {
		t.Errorf("media replies = %q, %q", msgs[0].Plain(), msgs[1].Plain())
	}
	if !strings.Contains(msgs[2].Plain(), "too long") || !strings.Contains(msgs[2].Plain(), "4097") {
		t.Errorf("too-long reply = %q", msgs[2].Plain())
	}
	if evs := h.coach.Events(); len(evs) != 0 {
		t.Errorf("coach called: %+v", evs)
	}
	if n := len(h.srv.Chat(42)); n != 3 {
		t.Errorf("%d replies, want 3 (none to the service message)", n)
	}
}

func TestGroupChatAnswersOnlyWhenAddressed(t *testing.T) {
	const group = int64(-100123)
	h := startDefault(t, nil)
	h.srv.SendGroupText(group, 42, "/ask sql")
	bot := h.srv.WaitForMessages(group, 1)[0]

	cases := []struct {
		send func() int
		want string // the coach's text; "" when ignored
	}{
		{func() int { return h.srv.SendGroupText(group, 42, "hello everyone") }, ""},
		{func() int { return h.srv.SendGroupText(group, 42, "/ask@prep_test_bot joins") }, "/ask joins"},
		{func() int { return h.srv.SendGroupText(group, 42, "/ask@other_bot joins") }, ""},
		{func() int { return h.srv.SendGroupText(group, 42, "@Prep_Test_Bot, what next?") }, "what next?"},
		{func() int { return h.srv.SendGroupText(group, 42, "mail me at x@prep_test_bots.org") }, ""},
		{func() int { return h.srv.SendReply(group, 42, bot.ID, "4") }, "4"},
		{func() int { return h.srv.SendGroupText(group, 42, "/help") }, "/help"},
	}
	var want []string
	want = append(want, "/ask sql")
	for _, c := range cases {
		c.send()
		if c.want != "" {
			want = append(want, c.want)
		}
	}
	evs := h.coach.WaitEvents(t, len(want))
	h.srv.WaitForConfirmed()
	evs = h.coach.Events()
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Text)
		if ev.User != "telegram:42" {
			t.Errorf("event user = %q", ev.User)
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("coach saw %q, want %q", got, want)
	}
	if n := len(h.srv.WaitForMessages(group, len(want))); n != len(want) {
		t.Errorf("%d replies in the group, want %d", n, len(want))
	}
	if len(h.srv.Chat(42)) != 0 {
		t.Error("group replies leaked into the private chat")
	}
}

func TestBadCallbackDataAnsweredWithToast(t *testing.T) {
	h := startDefault(t, nil)
	long := h.srv.PressButton(42, 1, strings.Repeat("x", 65))
	empty := h.srv.PressButton(42, 1, "")
	for _, id := range []string{long, empty} {
		if a := h.srv.WaitForCallbackAnswer(id); a.Text != "This button no longer works." {
			t.Errorf("answer to %s = %q", id, a.Text)
		}
	}
	if evs := h.coach.Events(); len(evs) != 0 {
		t.Errorf("coach called: %+v", evs)
	}
}

func TestOverlongButtonDataNeverSent(t *testing.T) {
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		return []prep.Reply{{Kind: prep.Send, Text: prep.Text("pick"), Buttons: [][]prep.Button{{
			{Label: "ok", Data: "ok"}, {Label: "too long", Data: strings.Repeat("d", 65)},
		}}}}
	})
	srv := telegramtest.NewServer(t)
	h := start(t, srv, coach, newMemStore(), nil)
	srv.SendText(42, "go")
	m := srv.WaitForMessages(42, 1)[0]
	if len(m.Buttons) != 1 || len(m.Buttons[0]) != 1 || m.Buttons[0][0].Data != "ok" {
		t.Errorf("buttons = %v", m.Buttons)
	}
	if !h.logs.Contains("buttons left out") {
		t.Error("dropped button not logged")
	}
}

func TestLongReplySplitWithButtonsOnLastPart(t *testing.T) {
	var text prep.RichText
	for i := range 300 {
		text = text.Plain(fmt.Sprintf("line %03d ", i)).Bold("<b>&").Plain(strings.Repeat("·", 14) + "\n")
	}
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		return []prep.Reply{{Kind: prep.Send, Text: text, Buttons: [][]prep.Button{{{Label: "Next", Data: "next"}}}}}
	})
	srv := telegramtest.NewServer(t)
	start(t, srv, coach, newMemStore(), nil)
	srv.SendText(42, "go")
	srv.WaitForCalls("sendMessage", 3)
	srv.SendText(42, "sentinel")
	msgs := srv.WaitForMessages(42, 4)
	var joined strings.Builder
	for i, m := range msgs[:3] {
		if n := telegramtest.TextLen(m.Plain()); n > 4096 {
			t.Errorf("part %d has %d characters", i, n)
		}
		if (len(m.Buttons) > 0) != (i == 2) {
			t.Errorf("part %d buttons = %v; want buttons only on the last part", i, m.Buttons)
		}
		joined.WriteString(m.Plain() + "\n")
	}
	// Each cut falls on a newline, which belongs to neither part.
	if got, want := strings.TrimSpace(joined.String()), strings.TrimSpace(text.String()); got != want {
		t.Errorf("parts do not add up to the text: got %d chars, want %d", len(got), len(want))
	}
}

func TestDeliverPushesToPrivateChat(t *testing.T) {
	h := startDefault(t, nil)
	png := []byte("\x89PNG\r\n\x1a\nfake")
	err := h.bot.Deliver(context.Background(), "telegram:42", []prep.Reply{
		{Kind: prep.Edit, Text: prep.Text("Time to review: 3 cards")},
		{Kind: prep.Notice, Text: prep.Text("also a notice")},
		{Kind: prep.Photo, Text: prep.Text("Your week").Bold("!"), Image: png},
		{Kind: prep.Photo, Text: prep.Text(strings.Repeat("long caption ", 100)), Image: png,
			Buttons: [][]prep.Button{{{Label: "More", Data: "more"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := h.srv.WaitForMessages(42, 5)
	if msgs[0].Plain() != "Time to review: 3 cards" || msgs[0].Edits != 0 {
		t.Errorf("edit as push = %+v", msgs[0])
	}
	if msgs[1].Plain() != "also a notice" {
		t.Errorf("notice as push = %q", msgs[1].Plain())
	}
	if string(msgs[2].Photo) != string(png) || msgs[2].Text != "Your week<b>!</b>" {
		t.Errorf("photo = %d bytes, caption %q", len(msgs[2].Photo), msgs[2].Text)
	}
	if msgs[3].Photo == nil || msgs[3].Text != "" || msgs[4].Buttons == nil ||
		!strings.HasPrefix(msgs[4].Plain(), "long caption") {
		t.Errorf("long caption should follow the photo as a message with the buttons: %+v / %+v", msgs[3], msgs[4])
	}
	for _, bad := range []prep.UserKey{"slack:U1", "telegram:abc", "telegram:-5"} {
		if err := h.bot.Deliver(context.Background(), bad, nil); err == nil {
			t.Errorf("Deliver(%q) succeeded", bad)
		}
	}
}

func TestShutdownDrainsQueueThenRefusesDeliver(t *testing.T) {
	h := startDefault(t, func(o *telegram.Options) { o.PerChatRate, o.PerChatBurst = 20, 1 })
	var replies []prep.Reply
	for i := range 6 {
		replies = append(replies, prep.Reply{Kind: prep.Send, Text: prep.Text(fmt.Sprint(i))})
	}
	if err := h.bot.Deliver(context.Background(), "telegram:42", replies); err != nil {
		t.Fatal(err)
	}
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := len(h.srv.Chat(42)); n != 6 {
		t.Errorf("%d of 6 queued messages sent before Run returned", n)
	}
	if err := h.bot.Deliver(context.Background(), "telegram:42", replies); !errors.Is(err, telegram.ErrClosed) {
		t.Errorf("Deliver after shutdown = %v, want ErrClosed", err)
	}
	if h.bot.Ready() {
		t.Error("Ready after shutdown")
	}
}

func TestAnotherInstanceLoggedClearly(t *testing.T) {
	h := startDefault(t, nil)
	h.srv.WaitForCalls("getUpdates", 1)
	h.srv.FailNext("getUpdates", 1, http.StatusConflict,
		`{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}`)
	h.srv.SendText(42, "hi")
	// The poll that meets the conflict runs while "hi" is handled: either
	// may finish first.
	waitFor(t, "the conflict explained in the log", func() bool {
		return h.logs.Contains("another instance polls with this token")
	})
	h.srv.WaitForMessages(42, 1)
}

func TestWebhookMode(t *testing.T) {
	for _, secret := range []string{"s3cret_Token-1", ""} {
		t.Run("secret="+secret, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			hookURL := "http://" + ln.Addr().String() + "/tg/hook"
			h := start(t, telegramtest.NewServer(t), newCoach(nil), nil, func(o *telegram.Options) {
				o.Store = nil
				o.Webhook = telegram.Webhook{URL: hookURL, Listener: ln, Secret: secret}
			})
			waitFor(t, "Ready", h.bot.Ready)
			gotURL, gotSecret := h.srv.Webhook()
			if gotURL != hookURL || gotSecret == "" || (secret != "" && gotSecret != secret) {
				t.Fatalf("webhook = %q secret %q", gotURL, gotSecret)
			}
			if h.srv.Calls("getUpdates") != 0 {
				t.Error("polled in webhook mode")
			}
			id := h.srv.SendText(42, "via hook")
			if m := h.srv.WaitForMessages(42, 1)[0]; m.Plain() != "echo: via hook" {
				t.Errorf("reply = %q", m.Plain())
			}
			h.srv.Redeliver(id)
			evs := h.coach.WaitEvents(t, 2)
			if evs[0].Delivery != evs[1].Delivery {
				t.Errorf("redelivery ids %q, %q", evs[0].Delivery, evs[1].Delivery)
			}

			for _, bad := range []string{"", "wrong"} {
				req, _ := http.NewRequest(http.MethodPost, hookURL, strings.NewReader(`{"update_id":1,"message":{"message_id":1,"from":{"id":5,"first_name":"M"},"chat":{"id":5,"type":"private"},"text":"evil"}}`))
				if bad != "" {
					req.Header.Set(telegram.SecretHeader, bad)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("secret %q: status %d, want 401", bad, resp.StatusCode)
				}
			}
			if n := len(h.coach.Events()); n != 2 {
				t.Errorf("coach saw %d events, want 2 (forged calls refused)", n)
			}
		})
	}
}

func TestOptionsValidated(t *testing.T) {
	srv := telegramtest.NewServer(t)
	for _, tc := range []struct {
		name string
		edit func(*telegram.Options)
		want string
	}{
		{"no token", func(o *telegram.Options) { o.Token = "" }, "set PREPBOT_TELEGRAM_TOKEN"},
		{"garbled token", func(o *telegram.Options) { o.Token = "not a token" }, "does not look like a bot token"},
		{"bad allowed", func(o *telegram.Options) { o.Allowed = []string{"alice"} }, `"alice" is neither a numeric`},
		{"no store", func(o *telegram.Options) { o.Store = nil }, "Store is required"},
		{"bad api base", func(o *telegram.Options) { o.APIBase = "ftp://x" }, "not an http(s) URL"},
		{"client timeout shorter than the poll", func(o *telegram.Options) {
			o.HTTPClient, o.PollTimeout = &http.Client{Timeout: 5 * time.Second}, 30*time.Second
		}, "longer than the poll timeout"},
		{"negative rate", func(o *telegram.Options) { o.GlobalRate = -1 }, "global rate"},
		{"webhook without listen", func(o *telegram.Options) { o.Webhook.URL = "https://example.org/hook" }, "listen address"},
		{"webhook bad secret", func(o *telegram.Options) {
			o.Webhook = telegram.Webhook{URL: "https://example.org/hook", Listen: ":0", Secret: "no spaces"}
		}, "webhook secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := options(srv, newMemStore(), &logBuffer{})
			tc.edit(&opts)
			_, err := telegram.New(context.Background(), opts, newCoach(nil))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	if n := srv.Calls("*"); n != 0 {
		t.Errorf("invalid options reached the API %d times", n)
	}
}

func TestCoachPanicDoesNotKillTheBot(t *testing.T) {
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		if ev.Text == "boom" {
			panic("engine bug")
		}
		return echo(ev)
	})
	srv := telegramtest.NewServer(t)
	start(t, srv, coach, newMemStore(), nil)
	srv.SendText(42, "boom")
	srv.SendText(42, "fine")
	msgs := srv.WaitForMessages(42, 2)
	if !strings.HasPrefix(msgs[0].Plain(), "Sorry") || msgs[1].Plain() != "echo: fine" {
		t.Errorf("messages = %q, %q", msgs[0].Plain(), msgs[1].Plain())
	}
}

func TestPerChatPacing(t *testing.T) {
	h := startDefault(t, func(o *telegram.Options) {
		o.GlobalRate, o.PerChatRate, o.PerChatBurst = 1000, 10, 2
	})
	var replies []prep.Reply
	for i := range 6 {
		replies = append(replies, prep.Reply{Kind: prep.Send, Text: prep.Text(fmt.Sprint(i))})
	}
	if err := h.bot.Deliver(context.Background(), "telegram:42", replies); err != nil {
		t.Fatal(err)
	}
	msgs := h.srv.WaitForMessages(42, 6)
	// A burst of 2, then one every 100 ms: the 6th comes 400 ms after the
	// first at the earliest.
	if span := msgs[5].Sent.Sub(msgs[0].Sent); span < 380*time.Millisecond {
		t.Errorf("6 messages in %v: faster than 10/s with a burst of 2", span)
	}
}

func TestGlobalPacing(t *testing.T) {
	h := startDefault(t, func(o *telegram.Options) { o.GlobalRate = 50 })
	for chat := range int64(40) {
		err := h.bot.Deliver(context.Background(), userKeyOf(chat+1), []prep.Reply{{Kind: prep.Send, Text: prep.Text("push")}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := h.bot.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	first, last := time.Time{}, time.Time{}
	for _, r := range h.srv.Requests() {
		if r.Method != "sendMessage" {
			continue
		}
		if first.IsZero() {
			first = r.At
		}
		last = r.At
	}
	// 40 messages at 50/s with a burst of 5: at least 35/50 s.
	if span := last.Sub(first); span < 650*time.Millisecond {
		t.Errorf("40 messages in %v: faster than 50/s", span)
	}
	if n := len(h.srv.Chats()); n != 40 {
		t.Errorf("%d chats reached, want 40", n)
	}
}

func userKeyOf(id int64) prep.UserKey {
	return prep.NewUserKey(prep.Telegram, strconv.FormatInt(id, 10))
}

func TestPersistentFailureGivenUpAndLogged(t *testing.T) {
	h := startDefault(t, func(o *telegram.Options) {
		o.Retry = telegram.Retry{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond, GiveUp: 100 * time.Millisecond}
	})
	h.srv.FailNext("sendMessage", 1000, http.StatusInternalServerError, "")
	if err := h.bot.Deliver(context.Background(), "telegram:42", []prep.Reply{{Kind: prep.Send, Text: prep.Text("x")}}); err != nil {
		t.Fatal(err)
	}
	if err := h.bot.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := h.bot.Stats(); st.Dropped != 1 || st.Sent != 0 || st.Retries == 0 {
		t.Errorf("stats = %+v", st)
	}
	if !h.logs.Contains("giving up on a message") || !h.logs.Contains("chat=42") {
		t.Errorf("loss not logged with the chat:\n%s", h.logs)
	}
}

func TestBlockLearntFromUpdateReportedOnce(t *testing.T) {
	var calls atomic.Int32
	h := startDefault(t, func(o *telegram.Options) {
		o.OnBlocked = func(context.Context, prep.UserKey) { calls.Add(1) }
	})
	h.srv.SendUpdate(tgbotapi.Update{MyChatMember: &tgbotapi.ChatMemberUpdated{
		Chat: tgbotapi.Chat{ID: 42, Type: "private"}, From: tgbotapi.User{ID: 42},
		OldChatMember: tgbotapi.ChatMember{Status: "member"}, NewChatMember: tgbotapi.ChatMember{Status: "kicked"},
	}})
	waitFor(t, "OnBlocked", func() bool { return calls.Load() == 1 })
	h.srv.Block(42)
	if err := h.bot.Deliver(context.Background(), "telegram:42", []prep.Reply{{Kind: prep.Send, Text: prep.Text("x")}}); err != nil {
		t.Fatal(err)
	}
	if err := h.bot.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("OnBlocked called %d times, want once", n)
	}
}

func TestGroupMigratedToSupergroup(t *testing.T) {
	h := startDefault(t, nil)
	h.srv.FailNext("sendMessage", 1, http.StatusBadRequest,
		`{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-100999}}`)
	h.srv.SendGroupText(-5, 42, "/start")
	if m := h.srv.WaitForMessages(-100999, 1)[0]; m.Plain() != "echo: /start" {
		t.Errorf("message in the supergroup = %q", m.Plain())
	}
}

// TestSlowUpdateHoldsUpOnlyItsSender: while one user's update is in hand
// (say, an attempt being graded), polling goes on and other users' new
// updates are handled; the slow one stays unconfirmed at Telegram until
// it is done, and no update is handled twice although polls hand over
// again those above it.
func TestSlowUpdateHoldsUpOnlyItsSender(t *testing.T) {
	reached, release := make(chan struct{}), make(chan struct{})
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		if ev.Text == "slow" {
			close(reached)
			<-release
		}
		return echo(ev)
	})
	srv := telegramtest.NewServer(t)
	store := newMemStore()
	start(t, srv, coach, store, nil)
	slow := srv.SendText(1, "slow")
	<-reached
	for i := range 5 {
		srv.SendText(int64(2+i), fmt.Sprintf("fast %d", i))
		srv.WaitForMessages(int64(2+i), 1)
	}
	// Polls went on meanwhile; the slow update must still be Telegram's.
	polls := srv.Calls("getUpdates")
	srv.SendText(7, "fast 5")
	srv.WaitForMessages(7, 1)
	if srv.Calls("getUpdates") <= polls {
		t.Fatal("no getUpdates while the slow update was in hand")
	}
	if srv.Pending() == 0 {
		t.Fatal("the slow update was confirmed to Telegram before it was handled")
	}
	if off := store.cursor(telegram.OffsetCursor); off > int64(slow) {
		t.Errorf("stored offset %d passes the slow update %d still in hand", off, slow)
	}
	close(release)
	srv.WaitForMessages(1, 1)
	srv.WaitForConfirmed()
	evs := coach.Events()
	if len(evs) != 7 {
		t.Errorf("the coach saw %d events, want 7 (each update once):", len(evs))
		for _, ev := range evs {
			t.Logf("%s %q", ev.Delivery, ev.Text)
		}
	}
}

// TestSenderOrderAcrossPolls: a user's update that arrives in a later poll
// waits for their earlier one still in hand.
func TestSenderOrderAcrossPolls(t *testing.T) {
	reached, release := make(chan struct{}), make(chan struct{})
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		if ev.Text == "first" {
			close(reached)
			<-release
		}
		return echo(ev)
	})
	srv := telegramtest.NewServer(t)
	start(t, srv, coach, newMemStore(), nil)
	srv.SendText(1, "first")
	<-reached
	const more = 30
	for i := range more {
		srv.SendText(1, fmt.Sprintf("next %d", i))
	}
	// Another user's update, sent after those: once it is handled, they
	// have been handed over too.
	srv.SendText(2, "other")
	srv.WaitForMessages(2, 1)
	for _, ev := range coach.Events() {
		if strings.HasPrefix(ev.Text, "next") {
			t.Fatal("a later update of the user was handled before their first was done")
		}
	}
	close(release)
	srv.WaitForMessages(1, 1+more)
	var got []string
	for _, ev := range coach.Events() {
		if ev.User == "telegram:1" {
			got = append(got, ev.Text)
		}
	}
	want := []string{"first"}
	for i := range more {
		want = append(want, fmt.Sprintf("next %d", i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("the user's updates reached the coach in the order %q, want %q", got, want)
	}
}

// TestOffsetStoredNowAndThen: the stored offset is a hint for the next
// start, so a stream of updates does not cost one commit each; stopping
// stores where polling got to.
func TestOffsetStoredNowAndThen(t *testing.T) {
	srv := telegramtest.NewServer(t)
	store := newMemStore()
	h := start(t, srv, newCoach(nil), store, nil)
	var last int
	const users = 40
	for i := range users {
		last = srv.SendText(int64(100+i), "hi")
		srv.WaitForMessages(int64(100+i), 1) // one poll each, at least
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if got := store.cursor(telegram.OffsetCursor); got != int64(last+1) {
		t.Errorf("stored offset %d after stopping, want %d", got, last+1)
	}
	store.mu.Lock()
	writes := store.writes
	store.mu.Unlock()
	// The first move, at most one a second while the test runs, the stop.
	if writes >= users/2 {
		t.Errorf("%d offset commits for %d updates polled one by one", writes, users)
	}
}

// TestStopLeavesUnstartedUpdatesToTelegram: a stopping bot finishes the
// update it is handling but starts none of those queued behind it; they
// stay unconfirmed and the next start handles them, each once.
func TestStopLeavesUnstartedUpdatesToTelegram(t *testing.T) {
	srv := telegramtest.NewServer(t)
	store := newMemStore()
	reached, release := make(chan struct{}), make(chan struct{})
	first := newCoach(func(ev prep.Event) []prep.Reply {
		if ev.Text == "a1" {
			close(reached)
			<-release
		}
		return echo(ev)
	})
	h := start(t, srv, first, store, nil)
	srv.SendText(1, "a1")
	<-reached
	a2 := srv.SendText(1, "a2")
	srv.SendText(1, "a3")
	srv.SendText(2, "other") // handled once it is polled: a2 and a3 were polled too
	srv.WaitForMessages(2, 1)
	h.cancel()
	close(release)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	var firstTexts []string
	for _, ev := range first.Events() {
		firstTexts = append(firstTexts, ev.Text)
	}
	if !slices.Equal(firstTexts, []string{"a1", "other"}) {
		t.Errorf("before stopping the coach saw %q, want a1 finished and other", firstTexts)
	}
	if got := store.cursor(telegram.OffsetCursor); got != int64(a2) {
		t.Errorf("stored offset %d, want %d (a2, not begun)", got, a2)
	}

	// After the restart: a2 and a3, once each. "other", done above the
	// stored offset, may come again under its own delivery id, which the
	// engine recognises (its de-duplication is tested with the engine).
	handled := map[string]bool{}
	for _, ev := range first.Events() {
		handled[ev.Delivery] = true
	}
	second := newCoach(nil)
	start(t, srv, second, store, nil)
	srv.WaitForMessages(1, 3)
	srv.WaitForConfirmed()
	var secondTexts []string
	for _, ev := range second.Events() {
		if !handled[ev.Delivery] {
			secondTexts = append(secondTexts, ev.Text)
		}
	}
	if !slices.Equal(secondTexts, []string{"a2", "a3"}) {
		t.Errorf("after the restart the coach saw %q anew, want a2 and a3", secondTexts)
	}
}

// A mention is removed and nothing else: a multi-line answer (code) sent
// with "@bot" in a group keeps its lines and indentation.
func TestGroupMentionRemovedKeepingLines(t *testing.T) {
	const group = int64(-100124)
	h := startDefault(t, nil)
	cases := []struct{ in, want string }{
		{"@prep_test_bot my answer:\n```sql\nSELECT a,\n       b\nFROM t\n```", "my answer:\n```sql\nSELECT a,\n       b\nFROM t\n```"},
		{"@Prep_Test_Bot, what next?", "what next?"},
		{"please @prep_test_bot  help", "please help"},
		{"def f():\n    return 1\n@prep_test_bot", "def f():\n    return 1"},
	}
	for _, c := range cases {
		h.srv.SendGroupText(group, 42, c.in)
	}
	evs := h.coach.WaitEvents(t, len(cases))
	for i, c := range cases {
		if evs[i].Text != c.want {
			t.Errorf("%q reached the coach as %q, want %q", c.in, evs[i].Text, c.want)
		}
	}
}

// Replies delivered later for an event in a group (a slow verdict) go to
// that group, not to the user's private chat, which the user may never have
// opened: a 403 from it must not count as the user blocking the bot.
func TestDeliverToTheGroupAReplyNames(t *testing.T) {
	const group = int64(-100777)
	var blocked atomic.Int32
	h := startDefault(t, func(o *telegram.Options) {
		o.OnBlocked = func(context.Context, prep.UserKey) { blocked.Add(1) }
	})
	h.srv.Block(42) // never opened a private chat with the bot: every send there is refused
	h.srv.SendGroupText(group, 42, "/sql@prep_test_bot")
	h.srv.SendText(43, "hello")
	chat := ""
	for _, ev := range h.coach.WaitEvents(t, 2) { // two users: in either order
		want := ""
		if ev.User == "telegram:42" {
			want, chat = "-100777", ev.Chat
		}
		if ev.Chat != want {
			t.Errorf("event of %s has Chat %q, want %q", ev.User, ev.Chat, want)
		}
	}
	err := h.bot.Deliver(context.Background(), "telegram:42", []prep.Reply{
		{Kind: prep.Send, Text: prep.Text("✅ Correct!"), Chat: chat},
		{Kind: prep.Send, Text: prep.Text("next exercise"), Chat: chat},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.bot.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range h.srv.Chat(group) {
		texts = append(texts, m.Plain())
	}
	if got := strings.Join(texts, "|"); !strings.HasSuffix(got, "✅ Correct!|next exercise") {
		t.Errorf("group chat = %q, want the verdict there", got)
	}
	if len(h.srv.Chat(42)) != 0 || blocked.Load() != 0 {
		t.Errorf("verdict went to the private chat (%d messages) or reported a block (%d)", len(h.srv.Chat(42)), blocked.Load())
	}
	if err := h.bot.Deliver(context.Background(), "telegram:42", []prep.Reply{{Text: prep.Text("x"), Chat: "general"}}); err == nil {
		t.Error("Deliver to a chat that is no Telegram id succeeded")
	}
}

// In a group, the buttons under a reply belong to the user it answers:
// tokens are counted per user, so another member's press would act on
// their own session and overwrite the owner's message. Such a press gets
// a toast naming the owner and reaches no one.
func TestGroupButtonsBelongToTheirOwner(t *testing.T) {
	const group = int64(-100321)
	const ann, ben = 42, 43
	longCmd := "/ask " + strings.Repeat("t", 58) // too long to bind: anyone may press it
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		if ev.Button == "" {
			return []prep.Reply{{Kind: prep.Send, Text: prep.Text("❓ card of " + string(ev.User)),
				Buttons: [][]prep.Button{{{Label: "Show answer", Data: "a1"}}, {{Label: "Topic", Data: longCmd}}}}}
		}
		return []prep.Reply{{Kind: prep.Edit, Text: prep.Text(string(ev.User) + " pressed " + ev.Button)}}
	})
	srv := telegramtest.NewServer(t)
	srv.SetUser(tgbotapi.User{ID: ann, FirstName: "Ann"})
	srv.SetUser(tgbotapi.User{ID: ben, FirstName: "Ben"})
	start(t, srv, coach, newMemStore(), nil)
	srv.SendGroupText(group, ann, "/ask@prep_test_bot")
	card := srv.WaitForMessages(group, 1)[0]
	show, topic := card.Buttons[0][0].Data, card.Buttons[1][0].Data
	if show != "~16~a1" || topic != longCmd {
		t.Fatalf("buttons in the group carry %q and %q, want a1 bound to Ann and the long command as it is", show, topic)
	}

	cb := srv.PressButtonIn(group, ben, card.ID, show)
	if a := srv.WaitForCallbackAnswer(cb); a.Text != "These buttons are Ann's — send /ask to get your own." {
		t.Errorf("Ben's press answered %q", a.Text)
	}
	cb = srv.PressButtonIn(group, ben, card.ID, "a1") // as sent before buttons were bound
	if a := srv.WaitForCallbackAnswer(cb); !strings.Contains(a.Text, "older message") {
		t.Errorf("a press on an unbound card button in a group answered %q", a.Text)
	}
	cb = srv.PressButtonIn(group, ben, card.ID, "~"+strconv.FormatInt(ben, 36)+"~") // bound, but to no data
	srv.WaitForCallbackAnswer(cb)
	if n := len(coach.Events()); n != 1 {
		t.Fatalf("the coach saw %d events, want only Ann's /ask: %+v", n, coach.Events())
	}
	if m := srv.Chat(group)[0]; m.Edits != 0 {
		t.Errorf("Ann's card was edited by someone else's press: %q", m.Plain())
	}

	// Ben's press on the unbound command runs it for Ben, as if typed,
	// without touching Ann's message.
	cb = srv.PressButtonIn(group, ben, card.ID, topic)
	srv.WaitForCallbackAnswer(cb)
	msgs := srv.WaitForMessages(group, 2)
	if msgs[0].Edits != 0 || msgs[1].Plain() != "telegram:43 pressed "+longCmd {
		t.Errorf("after Ben's command press: card edited %d times, then %q", msgs[0].Edits, msgs[1].Plain())
	}

	// Ann's own press works, in place.
	cb = srv.PressButtonIn(group, ann, card.ID, show)
	srv.WaitForCallbackAnswer(cb)
	srv.WaitFor("Ann's card revealed", func() bool { return srv.Chat(group)[0].Edits == 1 })
	if got := srv.Chat(group)[0].Plain(); got != "telegram:42 pressed a1" {
		t.Errorf("Ann's press made %q", got)
	}
	evs := coach.Events()
	if last := evs[len(evs)-1]; last.Button != "a1" || last.Chat != "-100321" {
		t.Errorf("Ann's press reached the coach as %+v", last)
	}

	// In a private chat, data is not bound, and old buttons work as before.
	srv.SendText(ben, "/ask")
	mine := srv.WaitForMessages(ben, 1)[0]
	if d := mine.Buttons[0][0].Data; d != "a1" {
		t.Errorf("private chat button data = %q, want a1", d)
	}
	cb = srv.PressButton(ben, mine.ID, "a1")
	srv.WaitForCallbackAnswer(cb)
	srv.WaitFor("Ben's card revealed", func() bool { return srv.Chat(ben)[0].Edits == 1 })
}

// An edit too long for one message (a revealed answer that counts more
// UTF-16 units than characters, under a long header) is not cut: the first
// part replaces the pressed message and the rest follows, the buttons
// under the last part. The answer's one long line used to be dropped
// whole, the cut falling on the header's newline, under rating buttons.
func TestLongEditSplitWithButtonsOnLastPart(t *testing.T) {
	answer := strings.Repeat("😀", 2100) // 4200 UTF-16 units on one line
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		if ev.Button == "" {
			return []prep.Reply{{Kind: prep.Send, Text: prep.Text("❓ Q"), Buttons: [][]prep.Button{{{Label: "Show answer", Data: "a1"}}}}}
		}
		return []prep.Reply{{Kind: prep.Edit, Text: prep.RichText{}.Italic("Topic · 1/1").Plain("\n").Bold("❓ Q").Plain("\n\n" + answer + "\n\n").Italic("How well did you recall it?"),
			Buttons: [][]prep.Button{{{Label: "Good", Data: "r1.3"}}}}}
	})
	srv := telegramtest.NewServer(t)
	start(t, srv, coach, newMemStore(), nil)
	srv.SendText(42, "/ask")
	q := srv.WaitForMessages(42, 1)[0]
	srv.WaitForCallbackAnswer(srv.PressButton(42, q.ID, "a1"))
	srv.WaitFor("the buttons under the last part", func() bool {
		msgs := srv.Chat(42)
		return len(msgs) > 1 && msgs[0].Edits == 1 && len(msgs[len(msgs)-1].Buttons) > 0
	})
	msgs := srv.Chat(42)
	var joined strings.Builder
	for i, m := range msgs {
		if (len(m.Buttons) > 0) != (i == len(msgs)-1) {
			t.Errorf("part %d buttons = %v; want buttons only on the last part", i, m.Buttons)
		}
		joined.WriteString(m.Plain())
	}
	if got := strings.Count(joined.String(), "😀"); got != 2100 {
		t.Errorf("the parts hold %d of the answer's 2100 characters", got)
	}
	if !strings.HasSuffix(joined.String(), "How well did you recall it?") {
		t.Errorf("the text does not end with the prompt: …%q", joined.String()[max(0, joined.Len()-40):])
	}
}

// When a part of a split reply cannot be sent, the parts after it are not
// sent either: the buttons under the last would rate an answer the user did
// not get.
func TestPartsAfterAFailedPartAreNotSent(t *testing.T) {
	var text prep.RichText
	for i := range 300 {
		text = text.Plain(fmt.Sprintf("line %03d %s\n", i, strings.Repeat("·", 20)))
	}
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		return []prep.Reply{{Kind: prep.Send, Text: text, Buttons: [][]prep.Button{{{Label: "Good", Data: "r1.3"}}}}}
	})
	srv := telegramtest.NewServer(t)
	h := start(t, srv, coach, newMemStore(), nil)
	srv.FailNext("sendMessage", 1, 400, `{"ok":false,"error_code":400,"description":"Bad Request: something"}`)
	srv.SendText(42, "go")
	waitFor(t, "the reply to be given up", func() bool { return h.bot.Stats().Dropped >= 2 })
	if err := h.bot.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Chat(42); len(msgs) != 0 {
		t.Errorf("%d later parts sent after the first failed, the last with buttons %v", len(msgs), msgs[len(msgs)-1].Buttons)
	}
}

// An edited message is not read, but the user is told so, once per
// message, when the bot would have read the text: in a private chat, or
// addressed to the bot in a group.
func TestEditedMessageAnsweredOnce(t *testing.T) {
	const group = int64(-100999)
	h := startDefault(t, nil)
	h.srv.Send(tgbotapi.Message{MessageID: 900, From: &tgbotapi.User{ID: 42, FirstName: "Ada"}, Text: "SELECT 1"})
	h.coach.WaitEvents(t, 1)
	h.srv.EditText(42, 42, 900, "SELECT 2")
	h.srv.EditText(42, 42, 900, "SELECT 3")
	h.srv.EditText(group, 42, 901, "chatting with friends")   // not for the bot
	h.srv.EditText(group, 42, 902, "@prep_test_bot SELECT 4") // for the bot
	h.srv.WaitForConfirmed()
	if err := h.bot.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var private []string
	for _, m := range h.srv.Chat(42) {
		private = append(private, m.Plain())
	}
	if len(private) != 2 || private[0] != "echo: SELECT 1" || !strings.Contains(private[1], "I don't read edited messages") {
		t.Errorf("private chat = %q, want the echo and one note about edits", private)
	}
	if msgs := h.srv.Chat(group); len(msgs) != 1 || !strings.Contains(msgs[0].Plain(), "send it again") {
		t.Errorf("group = %+v, want one note about the edit addressed to the bot", msgs)
	}
	if n := len(h.coach.Events()); n != 1 {
		t.Errorf("the coach saw %d events, want 1: edits are not read", n)
	}
}

// TestOpenBotLogsEachUsersIDOnce: without an allow-list, the first message
// of each user since the start logs their id and username, so that the
// operator can find the id to allow; later messages do not, and no
// message text is ever logged. With an allow-list nothing is logged for
// allowed users (a stranger's refusal names their id).
func TestOpenBotLogsEachUsersIDOnce(t *testing.T) {
	const logged = "first message from a user since start"
	srv := telegramtest.NewServer(t)
	srv.SetUser(tgbotapi.User{ID: 42, FirstName: "Ada", UserName: "ada"})
	srv.SetUser(tgbotapi.User{ID: 43, FirstName: "Bo"})
	h := start(t, srv, newCoach(nil), newMemStore(), nil)
	srv.SendText(42, "my secret answer")
	srv.SendText(42, "again")
	srv.PressButton(42, 1, "show")
	srv.SendText(43, "hello")
	srv.WaitForConfirmed()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	logs := h.logs.String()
	if n := strings.Count(logs, logged); n != 2 {
		t.Errorf("logged %d times, want once per user (2):\n%s", n, logs)
	}
	for _, want := range []string{"user=42 username=@ada", `user=43 username=""`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "secret answer") {
		t.Errorf("a message's text was logged:\n%s", logs)
	}

	srv = telegramtest.NewServer(t)
	h = start(t, srv, newCoach(nil), newMemStore(), func(o *telegram.Options) { o.Allowed = []string{"42"} })
	srv.SendText(42, "hi")
	srv.WaitForMessages(42, 1)
	srv.WaitForConfirmed()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if h.logs.Contains(logged) {
		t.Errorf("an allowed user's id was logged:\n%s", h.logs)
	}
}

// A rating edits the message its button is under into the card's one-line
// summary. When the revealed card needed several messages, the one under
// the buttons holds only the closing prompt, so the rating takes none of
// the answer with it: the user's own answer used to vanish with the last
// part, leaving half the card above the summary.
func TestRatingASplitCardKeepsTheAnswer(t *testing.T) {
	code := strings.Repeat("SELECT a FROM t ", 200)
	card := revealed(3000, prep.Span{Style: prep.CodeBlock, Text: code})
	coach := newCoach(func(ev prep.Event) []prep.Reply {
		if ev.Button == "" {
			return []prep.Reply{{Kind: prep.Send, Text: card, Buttons: [][]prep.Button{{{Label: "Good", Data: "r1.3"}}}}}
		}
		return []prep.Reply{{Kind: prep.Edit, Text: prep.RichText{}.Italic("SQL · ").Plain("What does GROUP BY do?\n").Bold("Good · next in 3d")}}
	})
	srv := telegramtest.NewServer(t)
	start(t, srv, coach, newMemStore(), nil)
	srv.SendText(42, "/ask")
	srv.WaitFor("the buttons under the last part", func() bool {
		msgs := srv.Chat(42)
		return len(msgs) > 1 && len(msgs[len(msgs)-1].Buttons) > 0
	})
	msgs := srv.Chat(42)
	last := msgs[len(msgs)-1]
	if got := strings.TrimSpace(last.Plain()); got != "How well did you recall it?" {
		t.Errorf("the part under the buttons holds %q, want only the prompt", got[max(0, len(got)-60):])
	}
	srv.WaitForCallbackAnswer(srv.PressButton(42, last.ID, "r1.3"))
	srv.WaitFor("the rating's edit", func() bool { return srv.Chat(42)[len(msgs)-1].Edits == 1 })
	var joined strings.Builder
	for _, m := range srv.Chat(42) {
		joined.WriteString(m.Plain() + "\n")
	}
	for _, want := range []string{"❓ What does GROUP BY do?", "✍️ Your answer:", strings.TrimSpace(code), "Good · next in 3d"} {
		if !strings.Contains(joined.String(), want) {
			t.Errorf("after the rating the chat lacks %.40q", want)
		}
	}
}
