package telegramtest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

func client(t *testing.T, srv *telegramtest.Server) *tgbotapi.BotAPI {
	t.Helper()
	api, err := tgbotapi.NewBotAPIWithClient(srv.Token, srv.URL+"/bot%s/%s", &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func apiErr(t *testing.T, err error) *tgbotapi.Error {
	t.Helper()
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a *tgbotapi.Error", err)
	}
	return te
}

func TestGetMeAndWrongToken(t *testing.T) {
	srv := telegramtest.NewServer(t)
	if api := client(t, srv); api.Self.UserName != "prep_test_bot" || !api.Self.IsBot {
		t.Errorf("getMe = %+v", api.Self)
	}
	_, err := tgbotapi.NewBotAPIWithClient("1:wrong", srv.URL+"/bot%s/%s", http.DefaultClient)
	if te := apiErr(t, err); te.Code != 401 {
		t.Errorf("code = %d, want 401", te.Code)
	}
}

func TestGetUpdatesOffsetSemantics(t *testing.T) {
	srv := telegramtest.NewServer(t)
	api := client(t, srv)
	a := srv.SendText(1, "a")
	b := srv.SendText(1, "b")
	c := srv.SendText(2, "/start")

	ups, err := api.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 3 || ups[0].UpdateID != a || ups[2].Message.Text != "/start" {
		t.Fatalf("getUpdates = %+v, %v", ups, err)
	}
	if e := ups[2].Message.Entities; len(e) != 1 || e[0].Type != "bot_command" || e[0].Length != 6 {
		t.Errorf("command entities = %+v", e)
	}
	// Without a higher offset nothing is confirmed.
	if ups, _ = api.GetUpdates(tgbotapi.UpdateConfig{}); len(ups) != 3 {
		t.Fatalf("unconfirmed updates were forgotten: %d left", len(ups))
	}
	ups, _ = api.GetUpdates(tgbotapi.UpdateConfig{Offset: b + 1})
	if len(ups) != 1 || ups[0].UpdateID != c {
		t.Fatalf("offset %d returned %+v", b+1, ups)
	}
	if n := srv.Pending(); n != 1 {
		t.Errorf("pending = %d, want 1 (updates below the offset forgotten)", n)
	}
	// A lower offset later does not bring forgotten updates back.
	if ups, _ = api.GetUpdates(tgbotapi.UpdateConfig{Offset: a}); len(ups) != 1 {
		t.Errorf("forgotten updates came back: %+v", ups)
	}
	srv.Redeliver(a)
	if ups, _ = api.GetUpdates(tgbotapi.UpdateConfig{Offset: c + 1}); len(ups) != 1 || ups[0].UpdateID != a {
		t.Errorf("redelivered = %+v", ups)
	}
}

func TestLongPollWakesOnNewUpdateAndTimesOut(t *testing.T) {
	srv := telegramtest.NewServer(t)
	api := client(t, srv)
	start := time.Now()
	ups, err := api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1})
	if err != nil || len(ups) != 0 || time.Since(start) < 900*time.Millisecond {
		t.Fatalf("empty long poll returned %v, %v after %v", ups, err, time.Since(start))
	}
	go func() {
		srv.WaitFor("the poll to wait", func() bool { return srv.Polling() == 1 })
		srv.SendText(1, "wake")
	}()
	start = time.Now()
	ups, err = api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 5})
	if err != nil || len(ups) != 1 || time.Since(start) > 2*time.Second {
		t.Fatalf("long poll = %v, %v after %v", ups, err, time.Since(start))
	}
}

func TestConcurrentGetUpdatesConflict(t *testing.T) {
	srv := telegramtest.NewServer(t)
	api := client(t, srv)
	var wg sync.WaitGroup
	var first error
	wg.Go(func() { _, first = api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 5}) })
	srv.WaitFor("the first poll to wait", func() bool { return srv.Polling() == 1 })
	go func() { _, _ = api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1}) }()
	wg.Wait()
	if te := apiErr(t, first); te.Code != 409 || !strings.Contains(te.Message, "terminated by other getUpdates") {
		t.Errorf("older poll got %+v", te)
	}
}

func TestSendEditAndInspect(t *testing.T) {
	srv := telegramtest.NewServer(t)
	api := client(t, srv)
	msg := tgbotapi.NewMessage(5, "<b>Q</b> 1 &lt; 2")
	msg.ParseMode = tgbotapi.ModeHTML
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Show", "show")))
	msg.ReplyMarkup = kb
	sent, err := api.Send(msg)
	if err != nil || sent.MessageID != 1 || sent.Text != "Q 1 < 2" {
		t.Fatalf("send = %+v, %v", sent, err)
	}
	edit := tgbotapi.NewEditMessageText(5, sent.MessageID, "<b>Q</b> 1 &lt; 2")
	edit.ParseMode = tgbotapi.ModeHTML
	edit.ReplyMarkup = &kb
	if _, err := api.Request(edit); err == nil || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("identical edit: %v", err)
	}
	edit = tgbotapi.NewEditMessageText(5, sent.MessageID, "A: 4")
	if _, err := api.Request(edit); err != nil {
		t.Fatal(err)
	}
	got := srv.Chat(5)
	if len(got) != 1 || got[0].Text != "A: 4" || got[0].Edits != 1 || got[0].Buttons != nil {
		t.Errorf("chat = %+v", got)
	}
	if _, err := api.Request(tgbotapi.NewEditMessageText(5, 77, "x")); err == nil {
		t.Error("edit of a missing message succeeded")
	}

	long := tgbotapi.NewMessage(5, strings.Repeat("я", 4097))
	if te := apiErr(t, requestErr(api, long)); te.Code != 400 {
		t.Errorf("too long: %+v", te)
	}
	bad := tgbotapi.NewMessage(5, "x")
	bad.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("x", strings.Repeat("d", 65))))
	if te := apiErr(t, requestErr(api, bad)); te.Code != 400 || !strings.Contains(te.Message, "BUTTON_DATA_INVALID") {
		t.Errorf("65-byte callback data: %+v", te)
	}
	photo := tgbotapi.NewPhoto(5, tgbotapi.FileBytes{Name: "c.png", Bytes: []byte("png")})
	photo.Caption = "chart"
	if _, err := api.Request(photo); err != nil {
		t.Fatal(err)
	}
	if got := srv.Chat(5); len(got) != 2 || string(got[1].Photo) != "png" || got[1].Text != "chart" {
		t.Errorf("photo = %+v", got[1])
	}
}

func requestErr(api *tgbotapi.BotAPI, c tgbotapi.Chattable) error {
	_, err := api.Request(c)
	return err
}

func TestPressButtonAndAnswer(t *testing.T) {
	srv := telegramtest.NewServer(t)
	api := client(t, srv)
	id := srv.PressButton(9, 3, "rate:3")
	ups, _ := api.GetUpdates(tgbotapi.UpdateConfig{})
	if len(ups) != 1 || ups[0].CallbackQuery.ID != id || ups[0].CallbackQuery.Data != "rate:3" ||
		ups[0].CallbackQuery.Message.MessageID != 3 {
		t.Fatalf("update = %+v", ups)
	}
	if _, ok := srv.CallbackAnswer(id); ok {
		t.Fatal("answered before the bot answered")
	}
	if _, err := api.Request(tgbotapi.NewCallback(id, "Saved")); err != nil {
		t.Fatal(err)
	}
	if a := srv.WaitForCallbackAnswer(id); a.Text != "Saved" {
		t.Errorf("answer = %+v", a)
	}
	if _, err := api.Request(tgbotapi.NewCallback(id, "twice")); err == nil {
		t.Error("a second answer was accepted")
	}
}

func TestFaults(t *testing.T) {
	srv := telegramtest.NewServer(t)
	api := client(t, srv)

	srv.FailNext("sendMessage", 1, http.StatusBadGateway, "<html>bad gateway</html>")
	var syntax *json.SyntaxError
	if err := requestErr(api, tgbotapi.NewMessage(1, "x")); !errors.As(err, &syntax) {
		t.Errorf("HTML body: err = %v, want a JSON syntax error as the library reports it", err)
	}
	srv.FailNext("*", 1, http.StatusInternalServerError, "")
	if te := apiErr(t, requestErr(api, tgbotapi.NewMessage(1, "x"))); te.Code != 500 {
		t.Errorf("default body: %+v", te)
	}

	srv.Block(7)
	if te := apiErr(t, requestErr(api, tgbotapi.NewMessage(7, "x"))); te.Code != 403 ||
		!strings.Contains(te.Message, "bot was blocked by the user") {
		t.Errorf("blocked: %+v", te)
	}

	srv.RateLimit(0, 1)
	var limited *tgbotapi.Error
	for range 4 {
		if err := requestErr(api, tgbotapi.NewMessage(8, "x")); err != nil {
			limited = apiErr(t, err)
		}
	}
	if limited == nil || limited.Code != 429 || limited.RetryAfter < 1 {
		t.Errorf("4 quick messages to one chat at 1/s: %+v", limited)
	}
	if srv.TooManyRequests() != 1 {
		t.Errorf("429s counted = %d, want 1 (burst of 3 allowed)", srv.TooManyRequests())
	}
}

func TestVisibleText(t *testing.T) {
	for _, tc := range []struct{ in, mode, want string }{
		{`<b>a</b> &lt;b&gt; <a href="x">link</a>`, "HTML", "a <b> link"},
		{"<b>raw</b>", "", "<b>raw</b>"},
	} {
		if got := telegramtest.VisibleText(tc.in, tc.mode); got != tc.want {
			t.Errorf("VisibleText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if n := telegramtest.TextLen("a😀"); n != 3 {
		t.Errorf("TextLen = %d, want 3", n)
	}
}

func TestCheckHTML(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ok   bool
		name string
	}{
		{`<b>a</b> <i>b</i> <code>c</code> <a href="https://x.y/?a=1&amp;b=2">d</a>`, true, "plain tags"},
		{`<pre><code class="language-sql">SELECT 1 &lt; 2</code></pre>`, true, "code block"},
		{`<b><i>x</i></b> &#128512; &#x1F600; &quot;`, true, "nesting and entities"},
		{`<span class="tg-spoiler">s</span><blockquote expandable>q</blockquote>`, true, "spoiler, quote"},
		{`<b>x`, false, "unclosed"},
		{`<b><i>x</b></i>`, false, "crossed"},
		{`</b>`, false, "stray end"},
		{`<script>x</script>`, false, "unsupported tag"},
		{`<pre><b>x</b></pre>`, false, "tag in pre"},
		{`<code class="language-go">x</code>`, false, "class outside pre"},
		{`a < b`, false, "raw <"},
		{`a > b`, false, "raw >"},
		{`a & b`, false, "raw &"},
		{`&nbsp;`, false, "named entity Telegram lacks"},
		{`<a>x</a>`, false, "link without href"},
		{`<b class="x">x</b>`, false, "attribute on b"},
	} {
		err := telegramtest.CheckHTML(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: CheckHTML(%q) = %v, want ok=%v", tc.name, tc.in, err, tc.ok)
		}
	}
}

func TestSendRefusesBrokenMarkup(t *testing.T) {
	srv := telegramtest.NewServer(t)
	api := client(t, srv)
	msg := tgbotapi.NewMessage(5, "<b>1 < 2</b>")
	msg.ParseMode = tgbotapi.ModeHTML
	if te := apiErr(t, requestErr(api, msg)); te.Code != 400 || !strings.Contains(te.Message, "can't parse entities") {
		t.Errorf("broken HTML: %+v", te)
	}
	plain := tgbotapi.NewMessage(5, "1 < 2 & 3")
	if _, err := api.Request(plain); err != nil {
		t.Errorf("text without a parse mode refused: %v", err)
	}
	edit := tgbotapi.NewEditMessageText(5, 1, "<i>x")
	edit.ParseMode = tgbotapi.ModeHTML
	if te := apiErr(t, requestErr(api, edit)); te.Code != 400 || !strings.Contains(te.Message, "can't parse entities") {
		t.Errorf("broken HTML edit: %+v", te)
	}
}
