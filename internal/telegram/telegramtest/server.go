// Package telegramtest is an in-process fake of the Telegram Bot API for
// tests: it serves the methods prepbot uses, lets a test play the user
// (type text, press buttons, block the bot) and inspect what the bot sent,
// and injects the faults the real API produces (5xx, HTML error pages, 429
// with retry_after, 403 from a blocked user).
//
// A typical test:
//
//	srv := telegramtest.NewServer(t)
//	// start the bot with APIBase: srv.URL, Token: srv.Token
//	srv.SendText(42, "/start")
//	msgs := srv.WaitForMessages(42, 1)
//	if !strings.Contains(msgs[0].Plain(), "Welcome") { ... }
//
// The server holds every update until a getUpdates call confirms it with a
// higher offset, as Telegram does, so a test can stop a bot and start a new
// one on the same server to check that nothing is lost or handled twice.
package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"
)

// Limits the fake enforces, the same as Telegram's.
const (
	MaxMessageLen  = 4096 // characters of visible text (UTF-16 code units)
	MaxCaptionLen  = 1024
	MaxButtonData  = 64  // bytes of callback_data
	MaxCallbackLen = 200 // characters of an answerCallbackQuery text
)

// DefaultWaitTimeout is how long the Wait* helpers wait before failing the
// test; generous because -race slows everything down.
const DefaultWaitTimeout = 10 * time.Second

// jitterGrace is how early a request may arrive before the rate limiter
// would admit it without a 429: network timing jitter of a client that paces
// itself exactly at the limit must not be punished.
const jitterGrace = 50 * time.Millisecond

// Server is a fake Telegram Bot API. Its exported fields are fixed at
// creation; everything else goes through methods, which are safe for
// concurrent use.
type Server struct {
	// URL is the API base to give the bot (it calls URL/bot<Token>/<method>).
	URL string
	// Token is the only token the server accepts; others get 401.
	Token string
	// WaitTimeout bounds the Wait* helpers; DefaultWaitTimeout unless changed
	// before use.
	WaitTimeout time.Duration

	tb      testing.TB
	srv     *httptest.Server
	me      tgbotapi.User
	closing chan struct{}
	hookWG  sync.WaitGroup

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every state change
	nextUpdate int
	pending    []tgbotapi.Update // not yet confirmed, in update_id order
	forced     []tgbotapi.Update // redelivered regardless of offset
	history    map[int]tgbotapi.Update
	pollSeq    int // identifies the newest getUpdates call; older ones get 409
	polling    int // getUpdates calls waiting now
	allowed    []string
	chats      map[int64]*chatLog
	users      map[int64]tgbotapi.User
	callbacks  map[string]*callback
	nextCB     int
	commands   []tgbotapi.BotCommand
	requests   []Request
	faults     map[string][]fault
	global     *rate.Limiter
	chatRate   rate.Limit
	chatBurst  int
	chatLims   map[int64]*rate.Limiter
	tooMany    int
	blocked    map[int64]bool
	hook       webhook
	hookStop   chan struct{}
	hookKick   chan struct{}
}

// Message is one message the bot sent to a chat, with later edits applied.
type Message struct {
	ID     int
	ChatID int64
	// Text is the text as the bot sent it: HTML markup when ParseMode is
	// "HTML". Plain returns what the user sees.
	Text      string
	ParseMode string
	Buttons   [][]Button
	// Photo holds the uploaded image of a sendPhoto, Text its caption.
	Photo []byte
	// Edits counts successful editMessageText / editMessageReplyMarkup calls.
	Edits int
	Sent  time.Time
}

// Plain returns the visible text: tags removed and entities decoded.
func (m Message) Plain() string { return VisibleText(m.Text, m.ParseMode) }

// Button is one inline keyboard button of a sent message.
type Button struct {
	Text string
	Data string
}

// CallbackAnswer is what the bot answered to a button press.
type CallbackAnswer struct {
	Text      string
	ShowAlert bool
	At        time.Time
}

// Request is one call the bot made, as the server saw it.
type Request struct {
	Method string
	Params url.Values // form fields; uploaded files appear as "<name>.size"
	Status int        // the HTTP status the server answered with
	At     time.Time
}

type chatLog struct {
	nextID   int
	messages []*Message // the bot's messages
	byID     map[int]*Message
}

type callback struct {
	userID   int64
	answer   *CallbackAnswer
	pressed  time.Time
	chatID   int64
	message  int
	data     string
	updateID int
}

type fault struct {
	status int
	body   string
}

type webhook struct {
	url    string
	secret string
}

// NewServer starts a fake Bot API on a loopback port and closes it when the
// test ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		Token:       "7000000001:TEST-fake-token_for-prepbot",
		WaitTimeout: DefaultWaitTimeout,
		tb:          tb,
		me: tgbotapi.User{
			ID: 7000000001, IsBot: true, FirstName: "Prep Test Bot", UserName: "prep_test_bot",
		},
		closing:    make(chan struct{}),
		changed:    make(chan struct{}),
		nextUpdate: 100,
		history:    make(map[int]tgbotapi.Update),
		chats:      make(map[int64]*chatLog),
		users:      make(map[int64]tgbotapi.User),
		callbacks:  make(map[string]*callback),
		faults:     make(map[string][]fault),
		chatLims:   make(map[int64]*rate.Limiter),
		blocked:    make(map[int64]bool),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	tb.Cleanup(s.close)
	return s
}

func (s *Server) close() {
	close(s.closing)
	s.mu.Lock()
	s.stopWebhookLocked()
	s.mu.Unlock()
	s.hookWG.Wait()
	s.srv.Close()
}

// Me is the bot's own user, as getMe returns it.
func (s *Server) Me() tgbotapi.User { return s.me }

// ---------------------------------------------------------------------------
// Playing the user

// SetUser registers how a user appears in updates (first name, username).
// Users not registered appear as first name "User<id>", username
// "user<id>".
func (s *Server) SetUser(u tgbotapi.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

func (s *Server) userLocked(id int64) *tgbotapi.User {
	u, ok := s.users[id]
	if !ok {
		u = tgbotapi.User{ID: id, FirstName: fmt.Sprintf("User%d", id), UserName: fmt.Sprintf("user%d", id)}
	}
	return &u
}

// SendText has the user type text in their private chat with the bot and
// returns the update's id.
func (s *Server) SendText(userID int64, text string) int {
	return s.Send(tgbotapi.Message{From: s.user(userID), Text: text})
}

// SendSticker has the user send a sticker in their private chat.
func (s *Server) SendSticker(userID int64) int {
	return s.Send(tgbotapi.Message{From: s.user(userID), Sticker: &tgbotapi.Sticker{
		FileID: "sticker-file", FileUniqueID: "sticker", Width: 512, Height: 512, Emoji: "👍",
	}})
}

// SendGroupText has the user type text in a group chat (chatID < 0).
func (s *Server) SendGroupText(chatID, userID int64, text string) int {
	return s.Send(tgbotapi.Message{From: s.user(userID), Chat: groupChat(chatID), Text: text})
}

// SendReply has the user answer the bot's message replyTo in a chat (a
// group's "reply" gesture).
func (s *Server) SendReply(chatID, userID int64, replyTo int, text string) int {
	s.mu.Lock()
	orig := &tgbotapi.Message{MessageID: replyTo, From: &s.me, Chat: chatFor(chatID, s.userLocked(chatID))}
	if c := s.chats[chatID]; c != nil {
		if m := c.byID[replyTo]; m != nil {
			orig.Text = m.Plain()
		}
	}
	s.mu.Unlock()
	return s.Send(tgbotapi.Message{From: s.user(userID), Chat: chatFor(chatID, s.user(chatID)), Text: text, ReplyToMessage: orig})
}

// Send delivers a message the test built itself (a photo, a message from a
// group, ...). Missing message id, date and chat (the sender's private chat)
// are filled in, and a leading /command gets its bot_command entity, as
// Telegram does. It returns the update's id.
func (s *Server) Send(m tgbotapi.Message) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.From == nil {
		s.tb.Errorf("telegramtest: Send: message without From")
		return 0
	}
	if m.Chat == nil {
		m.Chat = chatFor(m.From.ID, m.From)
	}
	c := s.chatLocked(m.Chat.ID)
	if m.MessageID == 0 {
		c.nextID++
		m.MessageID = c.nextID
	}
	if m.Date == 0 {
		m.Date = int(time.Now().Unix())
	}
	if m.Entities == nil {
		m.Entities = entitiesFor(m.Text)
	}
	return s.enqueueLocked(tgbotapi.Update{Message: &m})
}

// EditText has the user edit their message messageID in a chat (their
// private chat when chatID is their id) to text, as Telegram reports it: an
// edited_message update. It returns the update's id.
func (s *Server) EditText(chatID, userID int64, messageID int, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := tgbotapi.Message{MessageID: messageID, From: s.userLocked(userID), Chat: chatFor(chatID, s.userLocked(chatID)),
		Date: int(time.Now().Unix()), EditDate: int(time.Now().Unix()), Text: text, Entities: entitiesFor(text)}
	return s.enqueueLocked(tgbotapi.Update{EditedMessage: &m})
}

// PressButton has the user press a button with the given callback data
// under the bot's message messageID in their private chat, and returns the
// callback query's id (see CallbackAnswer). The data need not be on the
// message: tests use that to send stale or hostile data.
func (s *Server) PressButton(userID int64, messageID int, data string) string {
	return s.PressButtonIn(userID, userID, messageID, data)
}

// PressButtonIn is PressButton for a message in any chat (e.g. a group).
func (s *Server) PressButtonIn(chatID, userID int64, messageID int, data string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextCB++
	id := fmt.Sprintf("cb%d", s.nextCB)
	msg := &tgbotapi.Message{MessageID: messageID, From: &s.me, Chat: chatFor(chatID, s.userLocked(chatID)), Date: int(time.Now().Unix())}
	if c := s.chats[chatID]; c != nil {
		if m := c.byID[messageID]; m != nil {
			msg.Text = m.Plain()
			msg.ReplyMarkup = markupOf(m.Buttons)
		}
	}
	cq := &tgbotapi.CallbackQuery{ID: id, From: s.userLocked(userID), Message: msg, ChatInstance: strconv.FormatInt(chatID, 10), Data: data}
	uid := s.enqueueLocked(tgbotapi.Update{CallbackQuery: cq})
	s.callbacks[id] = &callback{userID: userID, pressed: time.Now(), chatID: chatID, message: messageID, data: data, updateID: uid}
	return id
}

// CallbackUpdate returns the update_id that carried the button press with
// the given callback query id, for Redeliver.
func (s *Server) CallbackUpdate(callbackID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cb := s.callbacks[callbackID]; cb != nil {
		return cb.updateID
	}
	s.tb.Errorf("telegramtest: CallbackUpdate(%q): no such callback query", callbackID)
	return 0
}

// SendUpdate queues an update as given, except that its update_id is
// assigned by the server; it returns that id.
func (s *Server) SendUpdate(u tgbotapi.Update) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enqueueLocked(u)
}

// Redeliver hands the update out again on the next getUpdates (or webhook
// call) even if the bot had confirmed it: what a bot sees when it crashed
// after handling an update but before Telegram learnt its new offset.
func (s *Server) Redeliver(updateID int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.history[updateID]
	if !ok {
		s.tb.Errorf("telegramtest: Redeliver(%d): no such update", updateID)
		return
	}
	s.forced = append(s.forced, u)
	s.notifyLocked()
}

// Block makes the user block the bot: every later call addressed to their
// private chat gets 403 "Forbidden: bot was blocked by the user".
func (s *Server) Block(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[userID] = true
}

// Unblock undoes Block.
func (s *Server) Unblock(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, userID)
}

func (s *Server) user(id int64) *tgbotapi.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userLocked(id)
}

func (s *Server) enqueueLocked(u tgbotapi.Update) int {
	s.nextUpdate++
	u.UpdateID = s.nextUpdate
	s.history[u.UpdateID] = u
	s.pending = append(s.pending, u)
	s.notifyLocked()
	return u.UpdateID
}

func (s *Server) chatLocked(id int64) *chatLog {
	c := s.chats[id]
	if c == nil {
		c = &chatLog{byID: make(map[int]*Message)}
		s.chats[id] = c
	}
	return c
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
	if s.hookKick != nil {
		select {
		case s.hookKick <- struct{}{}:
		default:
		}
	}
}

// ---------------------------------------------------------------------------
// Faults

// FailNext makes the next n calls of method (or of any method, for "*")
// answer with the HTTP status and body given. An empty body becomes
// Telegram's JSON error for that status; a body starting with "<" is served
// as text/html, like a proxy's error page.
func (s *Server) FailNext(method string, n int, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], fault{status: status, body: body})
	}
}

// RateLimit enforces flood limits on the sending methods (sendMessage,
// sendPhoto, editMessageText, editMessageReplyMarkup, sendChatAction):
// global requests per second over all chats, perChat per second in one chat
// (a chat may burst three, as Telegram tolerates short bursts). A request
// over a limit gets 429 with parameters.retry_after in whole seconds. Zero
// turns a limit off.
func (s *Server) RateLimit(global, perChat float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.global = nil
	if global > 0 {
		s.global = rate.NewLimiter(rate.Limit(global), max(1, int(math.Ceil(global))))
	}
	s.chatRate = rate.Limit(perChat)
	s.chatBurst = max(3, int(math.Ceil(perChat)))
	s.chatLims = make(map[int64]*rate.Limiter)
}

// TooManyRequests counts the 429 answers the rate limits gave.
func (s *Server) TooManyRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tooMany
}

// ---------------------------------------------------------------------------
// Inspection

// Chat returns the bot's messages in a chat, oldest first, with edits
// applied.
func (s *Server) Chat(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	out := make([]Message, len(c.messages))
	for i, m := range c.messages {
		out[i] = *m
		out[i].Buttons = cloneButtons(m.Buttons)
	}
	return out
}

// Chats lists the ids of every chat the bot sent a message to.
func (s *Server) Chats() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for id, c := range s.chats {
		if len(c.messages) > 0 {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// CallbackAnswer returns the bot's answer to a button press, if it answered.
func (s *Server) CallbackAnswer(id string) (CallbackAnswer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := s.callbacks[id]
	if cb == nil || cb.answer == nil {
		return CallbackAnswer{}, false
	}
	return *cb.answer, true
}

// Commands returns the command menu the bot set with setMyCommands.
func (s *Server) Commands() []tgbotapi.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tgbotapi.BotCommand(nil), s.commands...)
}

// Requests returns every call the bot made, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls counts the calls of a method (all methods for "*"), whatever their
// outcome.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if method == "*" || r.Method == method {
			n++
		}
	}
	return n
}

// Pending counts updates not yet confirmed by the bot.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending) + len(s.forced)
}

// Polling counts getUpdates calls waiting for updates now: a bot that is
// long-polling shows 1.
func (s *Server) Polling() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polling
}

// Webhook returns the URL and secret token of the webhook set, if any.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hook.url, s.hook.secret
}

// ---------------------------------------------------------------------------
// Waiting

// WaitFor waits until cond holds, re-checking whenever the server's state
// changes, and fails the test naming what when WaitTimeout passes first.
// cond may call the server's methods.
func (s *Server) WaitFor(what string, cond func() bool) {
	s.tb.Helper()
	deadline := time.NewTimer(s.WaitTimeout)
	defer deadline.Stop()
	// A slow tick re-checks conditions that depend on things outside the
	// server (such as a fake clock or the bot's own state).
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-deadline.C:
			s.tb.Fatalf("telegramtest: timed out after %v waiting for %s", s.WaitTimeout, what)
		}
	}
}

// WaitForMessages waits until the bot has at least n messages in the chat
// and returns them all.
func (s *Server) WaitForMessages(chatID int64, n int) []Message {
	s.tb.Helper()
	var msgs []Message
	s.WaitFor(fmt.Sprintf("%d message(s) in chat %d", n, chatID), func() bool {
		msgs = s.Chat(chatID)
		return len(msgs) >= n
	})
	return msgs
}

// WaitForCallbackAnswer waits until the bot answered the button press.
func (s *Server) WaitForCallbackAnswer(id string) CallbackAnswer {
	s.tb.Helper()
	var a CallbackAnswer
	s.WaitFor("the answer to callback query "+id, func() bool {
		var ok bool
		a, ok = s.CallbackAnswer(id)
		return ok
	})
	return a
}

// WaitForCalls waits until the bot made at least n calls of the method.
func (s *Server) WaitForCalls(method string, n int) {
	s.tb.Helper()
	s.WaitFor(fmt.Sprintf("%d call(s) of %s", n, method), func() bool { return s.Calls(method) >= n })
}

// WaitForConfirmed waits until the bot confirmed every update so far.
func (s *Server) WaitForConfirmed() {
	s.tb.Helper()
	s.WaitFor("every update confirmed", func() bool { return s.Pending() == 0 })
}

// ---------------------------------------------------------------------------
// HTTP

var pathRE = regexp.MustCompile(`^/bot([^/]+)/([A-Za-z]+)$`)

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeJSON(w, http.StatusNotFound, apiError(404, "Not Found", nil))
		return
	}
	token, method := m[1], m[2]
	params, files, err := parseParams(r)
	rec := Request{Method: method, Params: params, At: time.Now()}
	for name, data := range files {
		rec.Params.Set(name+".size", strconv.Itoa(len(data)))
	}
	status, body := s.dispatch(r.Context(), token, method, params, files, err)
	rec.Status = status
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.notifyLocked()
	s.mu.Unlock()
	if raw, ok := body.(rawBody); ok {
		ct := "application/json"
		if strings.HasPrefix(strings.TrimSpace(string(raw)), "<") {
			ct = "text/html; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = w.Write(raw)
		return
	}
	writeJSON(w, status, body)
}

type rawBody []byte

type response struct {
	OK          bool                         `json:"ok"`
	Result      any                          `json:"result,omitempty"`
	ErrorCode   int                          `json:"error_code,omitempty"`
	Description string                       `json:"description,omitempty"`
	Parameters  *tgbotapi.ResponseParameters `json:"parameters,omitempty"`
}

func ok(result any) (int, any) { return http.StatusOK, response{OK: true, Result: result} }

func apiError(code int, desc string, p *tgbotapi.ResponseParameters) response {
	return response{ErrorCode: code, Description: desc, Parameters: p}
}

func fail(code int, desc string) (int, any) { return code, apiError(code, desc, nil) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func parseParams(r *http.Request) (url.Values, map[string][]byte, error) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return url.Values{}, nil, fmt.Errorf("method %s", r.Method)
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return url.Values{}, nil, err
		}
		files := make(map[string][]byte)
		for name, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return url.Values{}, nil, err
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return url.Values{}, nil, err
			}
			files[name] = data
		}
		return url.Values(r.MultipartForm.Value), files, nil
	case "application/json":
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return url.Values{}, nil, err
		}
		v := url.Values{}
		for k, x := range m {
			if str, isStr := x.(string); isStr {
				v.Set(k, str)
				continue
			}
			b, _ := json.Marshal(x)
			v.Set(k, string(b))
		}
		return v, nil, nil
	default:
		if err := r.ParseForm(); err != nil {
			return url.Values{}, nil, err
		}
		return r.Form, nil, nil
	}
}

var sendingMethods = map[string]bool{
	"sendMessage": true, "sendPhoto": true, "editMessageText": true,
	"editMessageReplyMarkup": true, "sendChatAction": true,
}

func (s *Server) dispatch(ctx context.Context, token, method string, p url.Values, files map[string][]byte, parseErr error) (int, any) {
	if token != s.Token {
		return fail(401, "Unauthorized")
	}
	s.mu.Lock()
	for _, key := range []string{method, "*"} {
		if q := s.faults[key]; len(q) > 0 {
			f := q[0]
			s.faults[key] = q[1:]
			s.mu.Unlock()
			if f.body == "" {
				return fail(f.status, http.StatusText(f.status))
			}
			return f.status, rawBody(f.body)
		}
	}
	s.mu.Unlock()
	if parseErr != nil {
		return fail(400, "Bad Request: "+parseErr.Error())
	}
	if sendingMethods[method] {
		chatID, err := strconv.ParseInt(p.Get("chat_id"), 10, 64)
		if err != nil {
			return fail(400, "Bad Request: chat_id is empty")
		}
		if code, body, limited := s.limit(chatID); limited {
			return code, body
		}
		s.mu.Lock()
		blocked := s.blocked[chatID]
		s.mu.Unlock()
		if blocked {
			return fail(403, "Forbidden: bot was blocked by the user")
		}
	}
	switch method {
	case "getMe":
		return ok(s.me)
	case "getUpdates":
		return s.getUpdates(ctx, p)
	case "deleteWebhook":
		s.mu.Lock()
		s.stopWebhookLocked()
		s.hook = webhook{}
		if p.Get("drop_pending_updates") == "true" {
			s.pending = nil
		}
		s.mu.Unlock()
		return ok(true)
	case "setWebhook":
		return s.setWebhook(p)
	case "getWebhookInfo":
		s.mu.Lock()
		defer s.mu.Unlock()
		return ok(tgbotapi.WebhookInfo{URL: s.hook.url, PendingUpdateCount: len(s.pending)})
	case "setMyCommands":
		var cmds []tgbotapi.BotCommand
		if err := json.Unmarshal([]byte(p.Get("commands")), &cmds); err != nil {
			return fail(400, "Bad Request: can't parse commands JSON object")
		}
		for _, c := range cmds {
			if !commandRE.MatchString(c.Command) {
				return fail(400, "Bad Request: BOT_COMMAND_INVALID")
			}
			if n := len([]rune(c.Description)); n < 1 || n > 256 {
				return fail(400, "Bad Request: command description must be 1-256 characters")
			}
		}
		s.mu.Lock()
		s.commands = cmds
		s.mu.Unlock()
		return ok(true)
	case "getMyCommands":
		return ok(s.Commands())
	case "sendMessage":
		return s.sendMessage(p)
	case "sendPhoto":
		return s.sendPhoto(p, files)
	case "editMessageText", "editMessageReplyMarkup":
		return s.edit(method, p)
	case "answerCallbackQuery":
		return s.answerCallback(p)
	case "sendChatAction":
		return ok(true)
	default:
		return fail(404, "Not Found")
	}
}

var commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// limit applies the flood limits; the per-chat limit is checked first so
// that a chat's burst does not spend global capacity it will not use.
func (s *Server) limit(chatID int64) (int, any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	var chatRes *rate.Reservation
	if s.chatRate > 0 {
		lim := s.chatLims[chatID]
		if lim == nil {
			lim = rate.NewLimiter(s.chatRate, s.chatBurst)
			s.chatLims[chatID] = lim
		}
		chatRes = lim.ReserveN(now, 1)
		if d := chatRes.DelayFrom(now); d > jitterGrace {
			chatRes.CancelAt(now)
			return s.tooManyLocked(d)
		}
	}
	if s.global != nil {
		r := s.global.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > jitterGrace {
			r.CancelAt(now)
			if chatRes != nil {
				chatRes.CancelAt(now)
			}
			return s.tooManyLocked(d)
		}
	}
	return 0, nil, false
}

func (s *Server) tooManyLocked(d time.Duration) (int, any, bool) {
	s.tooMany++
	secs := max(1, int(math.Ceil(d.Seconds())))
	return http.StatusTooManyRequests, apiError(429, fmt.Sprintf("Too Many Requests: retry after %d", secs),
		&tgbotapi.ResponseParameters{RetryAfter: secs}), true
}

func (s *Server) getUpdates(ctx context.Context, p url.Values) (int, any) {
	offset, _ := strconv.Atoi(p.Get("offset"))
	limit, _ := strconv.Atoi(p.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p.Get("timeout"))
	var allowed []string
	if a := p.Get("allowed_updates"); a != "" {
		_ = json.Unmarshal([]byte(a), &allowed)
	}
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()

	s.mu.Lock()
	if s.hook.url != "" {
		s.mu.Unlock()
		return fail(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
	}
	s.pollSeq++
	seq := s.pollSeq
	if allowed != nil {
		s.allowed = allowed
	}
	s.confirmLocked(offset)
	s.notifyLocked() // wake an older poll so that it gets its 409
	for {
		if seq != s.pollSeq {
			s.mu.Unlock()
			return fail(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
		}
		out := s.takeLocked(limit)
		if len(out) > 0 || timeout <= 0 {
			s.mu.Unlock()
			return ok(out)
		}
		s.polling++
		s.notifyLocked() // before taking changed: a closed channel would spin
		ch := s.changed
		s.mu.Unlock()
		var code int
		var body any
		select {
		case <-ch:
		case <-deadline.C:
			code, body = ok([]tgbotapi.Update{})
		case <-ctx.Done():
			code, body = fail(499, "client went away")
		case <-s.closing:
			code, body = ok([]tgbotapi.Update{})
		}
		s.mu.Lock()
		s.polling--
		if body != nil {
			s.mu.Unlock()
			return code, body
		}
	}
}

// confirmLocked forgets updates below the offset, as Telegram does.
func (s *Server) confirmLocked(offset int) {
	switch {
	case offset > 0:
		i := 0
		for i < len(s.pending) && s.pending[i].UpdateID < offset {
			i++
		}
		s.pending = s.pending[i:]
	case offset < 0:
		if n := -offset; n < len(s.pending) {
			s.pending = s.pending[len(s.pending)-n:]
		}
	}
}

func (s *Server) takeLocked(limit int) []tgbotapi.Update {
	out := append([]tgbotapi.Update(nil), s.forced...)
	s.forced = nil
	for _, u := range s.pending {
		if len(out) >= limit {
			break
		}
		if s.allowedLocked(u) {
			out = append(out, u)
		}
	}
	return out
}

func (s *Server) allowedLocked(u tgbotapi.Update) bool {
	if len(s.allowed) == 0 {
		return u.ChatMember == nil
	}
	kind := "other"
	switch {
	case u.Message != nil:
		kind = "message"
	case u.EditedMessage != nil:
		kind = "edited_message"
	case u.CallbackQuery != nil:
		kind = "callback_query"
	case u.MyChatMember != nil:
		kind = "my_chat_member"
	case u.ChatMember != nil:
		kind = "chat_member"
	}
	for _, a := range s.allowed {
		if a == kind {
			return true
		}
	}
	return false
}

func (s *Server) sendMessage(p url.Values) (int, any) {
	chatID, _ := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	text, mode := p.Get("text"), p.Get("parse_mode")
	if desc := parseError(text, mode); desc != "" {
		return fail(400, desc)
	}
	visible := VisibleText(text, mode)
	if strings.TrimSpace(visible) == "" {
		return fail(400, "Bad Request: message text is empty")
	}
	if TextLen(visible) > MaxMessageLen {
		return fail(400, "Bad Request: message is too long")
	}
	buttons, errDesc := parseMarkup(p.Get("reply_markup"))
	if errDesc != "" {
		return fail(400, errDesc)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.addMessageLocked(chatID, Message{Text: text, ParseMode: mode, Buttons: buttons})
	return ok(s.apiMessageLocked(m))
}

// parseError is Telegram's answer to text whose markup it cannot parse,
// or "".
func parseError(text, mode string) string {
	if !strings.EqualFold(mode, "HTML") {
		return ""
	}
	if err := CheckHTML(text); err != nil {
		return "Bad Request: can't parse entities: " + err.Error()
	}
	return ""
}

func (s *Server) sendPhoto(p url.Values, files map[string][]byte) (int, any) {
	chatID, _ := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	photo, has := files["photo"]
	if !has || len(photo) == 0 {
		return fail(400, "Bad Request: there is no photo in the request")
	}
	caption, mode := p.Get("caption"), p.Get("parse_mode")
	if desc := parseError(caption, mode); desc != "" {
		return fail(400, desc)
	}
	if TextLen(VisibleText(caption, mode)) > MaxCaptionLen {
		return fail(400, "Bad Request: message caption is too long")
	}
	buttons, errDesc := parseMarkup(p.Get("reply_markup"))
	if errDesc != "" {
		return fail(400, errDesc)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.addMessageLocked(chatID, Message{Text: caption, ParseMode: mode, Buttons: buttons, Photo: photo})
	return ok(s.apiMessageLocked(m))
}

func (s *Server) addMessageLocked(chatID int64, m Message) *Message {
	c := s.chatLocked(chatID)
	c.nextID++
	m.ID, m.ChatID, m.Sent = c.nextID, chatID, time.Now()
	c.messages = append(c.messages, &m)
	c.byID[m.ID] = &m
	return &m
}

func (s *Server) apiMessageLocked(m *Message) tgbotapi.Message {
	out := tgbotapi.Message{
		MessageID: m.ID, From: &s.me, Chat: chatFor(m.ChatID, s.userLocked(m.ChatID)),
		Date: int(m.Sent.Unix()), ReplyMarkup: markupOf(m.Buttons),
	}
	if m.Photo != nil {
		out.Caption = m.Plain()
		out.Photo = []tgbotapi.PhotoSize{{FileID: fmt.Sprintf("photo-%d-%d", m.ChatID, m.ID), Width: 800, Height: 600}}
	} else {
		out.Text = m.Plain()
	}
	if m.Edits > 0 {
		out.EditDate = int(time.Now().Unix())
	}
	return out
}

func (s *Server) edit(method string, p url.Values) (int, any) {
	chatID, _ := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	msgID, _ := strconv.Atoi(p.Get("message_id"))
	buttons, errDesc := parseMarkup(p.Get("reply_markup"))
	if errDesc != "" {
		return fail(400, errDesc)
	}
	text, mode := p.Get("text"), p.Get("parse_mode")
	if method == "editMessageText" {
		if desc := parseError(text, mode); desc != "" {
			return fail(400, desc)
		}
		visible := VisibleText(text, mode)
		if strings.TrimSpace(visible) == "" {
			return fail(400, "Bad Request: message text is empty")
		}
		if TextLen(visible) > MaxMessageLen {
			return fail(400, "Bad Request: MESSAGE_TOO_LONG")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	var m *Message
	if c != nil {
		m = c.byID[msgID]
	}
	if m == nil {
		return fail(400, "Bad Request: message to edit not found")
	}
	if method == "editMessageText" {
		if m.Photo != nil {
			return fail(400, "Bad Request: there is no text in the message to edit")
		}
		if text == m.Text && mode == m.ParseMode && sameButtons(buttons, m.Buttons) {
			return fail(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
		}
		m.Text, m.ParseMode = text, mode
	} else if sameButtons(buttons, m.Buttons) {
		return fail(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.Buttons = buttons
	m.Edits++
	return ok(s.apiMessageLocked(m))
}

func (s *Server) answerCallback(p url.Values) (int, any) {
	id := p.Get("callback_query_id")
	text := p.Get("text")
	if TextLen(text) > MaxCallbackLen {
		return fail(400, "Bad Request: MESSAGE_TOO_LONG")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := s.callbacks[id]
	if cb == nil || cb.answer != nil {
		return fail(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
	}
	cb.answer = &CallbackAnswer{Text: text, ShowAlert: p.Get("show_alert") == "true", At: time.Now()}
	return ok(true)
}

func (s *Server) setWebhook(p url.Values) (int, any) {
	raw := p.Get("url")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopWebhookLocked()
	if raw == "" {
		s.hook = webhook{}
		return ok(true)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fail(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := p.Get("secret_token")
	if len(secret) > 256 || !secretRE.MatchString(secret) {
		return fail(400, "Bad Request: secret token contains unallowed characters")
	}
	if p.Get("drop_pending_updates") == "true" {
		s.pending = nil
	}
	s.hook = webhook{url: raw, secret: secret}
	s.hookStop = make(chan struct{})
	s.hookKick = make(chan struct{}, 1)
	s.hookWG.Add(1)
	go s.pushUpdates(s.hook, s.hookStop, s.hookKick)
	return ok(true)
}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]*$`)

func (s *Server) stopWebhookLocked() {
	if s.hookStop != nil {
		close(s.hookStop)
		s.hookStop, s.hookKick = nil, nil
	}
}

// pushUpdates delivers updates to the webhook one at a time, in order,
// retrying each until the bot answers 200, as Telegram does.
func (s *Server) pushUpdates(h webhook, stop, kick chan struct{}) {
	defer s.hookWG.Done()
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		s.mu.Lock()
		var u *tgbotapi.Update
		forced := false
		if len(s.forced) > 0 {
			u, forced = &s.forced[0], true
		} else if len(s.pending) > 0 {
			u = &s.pending[0]
		}
		var next tgbotapi.Update
		if u != nil {
			next = *u
		}
		s.mu.Unlock()
		if u == nil {
			select {
			case <-kick:
				continue
			case <-stop:
				return
			}
		}
		body, _ := json.Marshal(next)
		req, _ := http.NewRequest(http.MethodPost, h.url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if h.secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", h.secret)
		}
		resp, err := client.Do(req)
		delivered := err == nil && resp.StatusCode == http.StatusOK
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: "webhook", Params: url.Values{"update_id": {strconv.Itoa(next.UpdateID)}},
			Status: statusOf(resp, err), At: time.Now()})
		if delivered {
			if forced && len(s.forced) > 0 && s.forced[0].UpdateID == next.UpdateID {
				s.forced = s.forced[1:]
			} else if !forced && len(s.pending) > 0 && s.pending[0].UpdateID == next.UpdateID {
				s.pending = s.pending[1:]
			}
		}
		s.notifyLocked()
		s.mu.Unlock()
		if !delivered {
			select {
			case <-time.After(20 * time.Millisecond):
			case <-stop:
				return
			}
		}
	}
}

func statusOf(resp *http.Response, err error) int {
	if err != nil {
		return 0
	}
	return resp.StatusCode
}

// parseMarkup reads reply_markup and enforces Telegram's limit on callback
// data, which the library does not check.
func parseMarkup(raw string) ([][]Button, string) {
	if raw == "" {
		return nil, ""
	}
	var mk tgbotapi.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(raw), &mk); err != nil {
		return nil, "Bad Request: can't parse reply keyboard markup JSON object"
	}
	var rows [][]Button
	for _, row := range mk.InlineKeyboard {
		var out []Button
		for _, b := range row {
			if b.Text == "" {
				return nil, "Bad Request: text buttons are unallowed in the inline keyboard"
			}
			data := ""
			if b.CallbackData != nil {
				data = *b.CallbackData
				if len(data) == 0 || len(data) > MaxButtonData || !utf8.ValidString(data) {
					return nil, "Bad Request: BUTTON_DATA_INVALID"
				}
			}
			out = append(out, Button{Text: b.Text, Data: data})
		}
		rows = append(rows, out)
	}
	return rows, ""
}

func markupOf(rows [][]Button) *tgbotapi.InlineKeyboardMarkup {
	if len(rows) == 0 {
		return nil
	}
	mk := &tgbotapi.InlineKeyboardMarkup{}
	for _, row := range rows {
		var out []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			out = append(out, tgbotapi.NewInlineKeyboardButtonData(b.Text, b.Data))
		}
		mk.InlineKeyboard = append(mk.InlineKeyboard, out)
	}
	return mk
}

func sameButtons(a, b [][]Button) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

func cloneButtons(rows [][]Button) [][]Button {
	if rows == nil {
		return nil
	}
	out := make([][]Button, len(rows))
	for i, r := range rows {
		out[i] = append([]Button(nil), r...)
	}
	return out
}

func chatFor(id int64, u *tgbotapi.User) *tgbotapi.Chat {
	if id < 0 {
		return groupChat(id)
	}
	c := &tgbotapi.Chat{ID: id, Type: "private"}
	if u != nil {
		c.FirstName, c.UserName = u.FirstName, u.UserName
	}
	return c
}

func groupChat(id int64) *tgbotapi.Chat {
	typ := "group"
	if strings.HasPrefix(strconv.FormatInt(id, 10), "-100") {
		typ = "supergroup"
	}
	return &tgbotapi.Chat{ID: id, Type: typ, Title: fmt.Sprintf("Group %d", id)}
}

// entitiesFor marks a leading /command and @mentions the way Telegram's
// clients do, with offsets in UTF-16 code units.
func entitiesFor(text string) []tgbotapi.MessageEntity {
	var out []tgbotapi.MessageEntity
	units := 0
	for _, word := range strings.SplitAfter(text, " ") {
		w := strings.TrimRight(word, " ")
		switch {
		case units == 0 && strings.HasPrefix(w, "/") && len(w) > 1:
			out = append(out, tgbotapi.MessageEntity{Type: "bot_command", Offset: 0, Length: TextLen(w)})
		case strings.HasPrefix(w, "@") && len(w) > 1:
			out = append(out, tgbotapi.MessageEntity{Type: "mention", Offset: units, Length: TextLen(w)})
		}
		units += TextLen(word)
	}
	return out
}

// TextLen measures text as Telegram does: in UTF-16 code units.
func TextLen(s string) int { return len(utf16.Encode([]rune(s))) }

var tagRE = regexp.MustCompile(`<[^>]*>`)

// VisibleText returns what a user sees of a text sent with the parse mode:
// for "HTML", tags removed and entities decoded; otherwise the text itself.
func VisibleText(text, parseMode string) string {
	if !strings.EqualFold(parseMode, "HTML") {
		return text
	}
	return html.UnescapeString(tagRE.ReplaceAllString(text, ""))
}
