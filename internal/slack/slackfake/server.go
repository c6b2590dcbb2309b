// Package slackfake is an in-process fake of Slack for tests: the Web API
// methods prepbot calls (on slack-go's slacktest server, with the methods it
// lacks added), a Socket Mode WebSocket server, and a client that posts
// signed requests to a bot in HTTP mode. A test plays the user (types a
// slash command, writes a DM, presses a button), inspects what the bot did
// (messages per channel with edits applied, ephemeral messages, uploads,
// acknowledgements), sets what users.info says of a user (User.TZ), and
// injects Slack's faults (429 with Retry-After, ok:false errors such as
// invalid_auth, 5xx pages, answers that hang, dropped connections).
//
// A typical test:
//
//	srv := slackfake.New(t)
//	// start the bot with APIBase: srv.URL, BotToken: srv.BotToken, AppToken: srv.AppToken
//	srv.WaitConnected(1)
//	srv.DM("U1", "/start")
//	msgs := srv.WaitMessages(srv.DMChannel("U1"), 1)
//	if !strings.Contains(msgs[0].Plain(), "Welcome") { ... }
//
// The fake checks what Slack checks (tokens, block limits, that chat.update
// names an existing message) so a test fails where Slack would refuse.
// Every method is safe for concurrent use.
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
)

// DefaultWaitTimeout is how long the Wait* helpers wait before failing the
// test; generous because -race slows everything down.
const DefaultWaitTimeout = 10 * time.Second

// Slack's limits, which the fake enforces.
const (
	MaxBlocks      = 50
	MaxSectionText = 3000
	MaxRowElements = 25
	MaxButtonText  = 75
	MaxButtonValue = 2000
	MaxText        = 40000
)

// Channels the fake knows besides the DMs.
const (
	// General is the public channel SlashCommand types in.
	General = "C0GENERAL"
)

// Server is a fake Slack. Its exported fields are fixed at creation
// (WaitTimeout may be changed before use); everything else goes through
// methods.
type Server struct {
	// URL is the Web API base to give the bot (APIBase,
	// PREPBOT_SLACK_API); it ends in "/".
	URL string
	// BotToken and AppToken are the only tokens the server accepts;
	// others get invalid_auth.
	BotToken, AppToken string
	// SigningSecret signs the requests DeliverTo posts to a bot in HTTP
	// mode.
	SigningSecret string
	// TeamID is the workspace of the bot and of users not set otherwise.
	TeamID string
	// BotUserID is the bot's own user id.
	BotUserID string
	// WaitTimeout bounds the Wait* helpers.
	WaitTimeout time.Duration

	tb      testing.TB
	st      *slacktest.Server
	base    string // URL without the trailing slash
	closing chan struct{}
	closed  bool // set under mu by close: no connection is taken on after it
	wg      sync.WaitGroup
	// sendMu orders deliveries: envelopes reach the bot in the order the
	// test made them, across reconnections. It is taken before mu.
	sendMu   sync.Mutex
	upgrader websocket.Upgrader
	client   *http.Client // posts to a bot in HTTP mode

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced on every state change
	seq         int
	users       map[string]User
	messages    map[string][]*Message // by channel, in order
	ephemerals  []Ephemeral
	uploads     []Upload
	pendingFile map[string]*Upload // file id → upload not yet completed
	requests    []Request
	faults      map[string][]fault
	tickets     map[string]bool
	conn        *sockConn // the connection envelopes go to
	connections int       // WebSocket connections accepted so far
	outbox      []envelope
	history     map[string]envelope // every envelope by id, for Redeliver
	acks        map[string]Ack
	httpTarget  string // DeliverTo's base URL; "" means Socket Mode
	pingEvery   time.Duration
}

// User is how a user appears in the payloads the fake sends.
type User struct {
	ID     string
	Name   string // user name; default "user-<id>"
	TeamID string // default the server's TeamID
	// Deactivated users cannot be messaged: conversations.open answers
	// user_disabled and posts to their DM is_archived.
	Deactivated bool
	// TZ is the profile's time zone users.info answers (user.tz), an IANA
	// name such as "Europe/Berlin"; "" answers none, as Slack does for
	// some accounts. FailNext("users.info", …) makes the lookup fail.
	TZ string
}

// Message is one message the bot posted, with later updates applied.
type Message struct {
	Channel string
	TS      string
	// Text is the top-level text (the notification fallback), as sent.
	Text string
	// Mrkdwn is the text of the section blocks, joined by newlines, as
	// sent (with Slack's escapes and markup). Plain returns what the user
	// reads.
	Mrkdwn string
	// Sections are the texts of the section blocks, in order.
	Sections []string
	Buttons  [][]Button
	Blocks   json.RawMessage
	Edits    int // successful chat.update calls
	Posted   time.Time
}

// Plain returns the message's visible text: the sections' text without
// markup, or Text when it has no blocks.
func (m Message) Plain() string {
	if len(m.Sections) == 0 {
		return Unmrkdwn(m.Text)
	}
	return Unmrkdwn(m.Mrkdwn)
}

// Button is one button of a message's actions blocks.
type Button struct {
	Text     string
	Value    string
	ActionID string
	BlockID  string
}

// Ephemeral is a message only one user sees: from chat.postEphemeral, or
// an answer posted to a response_url.
type Ephemeral struct {
	Channel string // "" for a response_url answer with no channel known
	User    string
	Text    string
	Mrkdwn  string
	// Via is "chat.postEphemeral" or "response_url".
	Via    string
	Posted time.Time
}

// Plain returns the visible text.
func (e Ephemeral) Plain() string {
	if e.Mrkdwn != "" {
		return Unmrkdwn(e.Mrkdwn)
	}
	return Unmrkdwn(e.Text)
}

// Upload is a file the bot uploaded and shared (files upload v2:
// getUploadURLExternal, the upload, completeUploadExternal).
type Upload struct {
	FileID   string
	Channel  string
	Filename string
	Title    string
	AltText  string
	Comment  string // initial_comment
	Data     []byte
	Shared   time.Time
}

// Request is one call the bot made, as the server saw it.
type Request struct {
	Method string
	Params url.Values // form or JSON fields; the token is removed
	Status int        // the HTTP status answered
	Error  string     // Slack's error code when ok was false
	At     time.Time
}

// Ack is the bot's acknowledgement of an envelope: its Socket Mode ack, or
// the HTTP answer to the request in HTTP mode.
type Ack struct {
	ID      string
	Payload json.RawMessage // Socket Mode only
	Status  int             // HTTP mode only
	At      time.Time
}

type fault struct {
	status     int
	code       string
	retryAfter time.Duration
	delay      time.Duration // answer normally, this late
}

// New starts a fake Slack on a loopback port and stops it when the test
// ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		BotToken:      "xoxb-1111-2222-prepbotfaketoken",
		AppToken:      "xapp-1-A0PREPBOT-3333-prepbotfakeapptoken",
		SigningSecret: "8f742231b10e8888abcd99yyyzzz85a5",
		TeamID:        "T0PREPTEST",
		BotUserID:     "U0PREPBOT",
		WaitTimeout:   DefaultWaitTimeout,
		tb:            tb,
		closing:       make(chan struct{}),
		changed:       make(chan struct{}),
		users:         make(map[string]User),
		messages:      make(map[string][]*Message),
		pendingFile:   make(map[string]*Upload),
		faults:        make(map[string][]fault),
		tickets:       make(map[string]bool),
		history:       make(map[string]envelope),
		acks:          make(map[string]Ack),
		pingEvery:     500 * time.Millisecond,
		upgrader:      websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
		client:        &http.Client{Timeout: 10 * time.Second},
	}
	s.st = slacktest.NewTestServer(s.bind)
	s.st.Start()
	s.URL = s.st.GetAPIURL()
	s.base = strings.TrimSuffix(s.URL, "/")
	tb.Cleanup(s.close)
	return s
}

// bind adds the methods slacktest lacks or that the fake must answer its
// own way; slacktest keeps the first handler bound to a path.
func (s *Server) bind(c slacktest.Customize) {
	for method, h := range map[string]func(p url.Values) (int, any){
		"auth.test":                    s.authTest,
		"apps.connections.open":        s.connectionsOpen,
		"conversations.open":           s.conversationsOpen,
		"users.info":                   s.usersInfo,
		"chat.postMessage":             s.postMessage,
		"chat.update":                  s.update,
		"chat.postEphemeral":           s.postEphemeral,
		"files.getUploadURLExternal":   s.getUploadURL,
		"files.completeUploadExternal": s.completeUpload,
	} {
		c.Handle("/"+method, s.api(method, h))
	}
	c.Handle("/_upload/", s.uploadFile)
	c.Handle("/_respond/", s.respond)
	c.Handle("/socket-mode", s.socket)
}

func (s *Server) close() {
	close(s.closing)
	s.mu.Lock()
	s.closed = true
	conn := s.conn
	s.conn = nil
	s.mu.Unlock()
	if conn != nil {
		conn.close()
	}
	s.wg.Wait()
	s.st.Stop()
}

// ---------------------------------------------------------------------------
// Users and channels

// SetUser registers how a user appears in payloads and whether they can be
// messaged.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
	s.notifyLocked()
}

func (s *Server) userLocked(id string) User {
	u, ok := s.users[id]
	if !ok {
		u = User{ID: id}
	}
	if u.Name == "" {
		u.Name = "user-" + strings.ToLower(id)
	}
	if u.TeamID == "" {
		u.TeamID = s.TeamID
	}
	return u
}

// DMChannel is the id of the user's direct-message channel with the bot.
func (s *Server) DMChannel(user string) string { return "D" + user }

func (s *Server) dmUserLocked(channel string) (User, bool) {
	if !strings.HasPrefix(channel, "D") {
		return User{}, false
	}
	return s.userLocked(strings.TrimPrefix(channel, "D")), true
}

func (s *Server) nextLocked() int {
	s.seq++
	return s.seq
}

func (s *Server) tsLocked() string {
	n := s.nextLocked()
	return fmt.Sprintf("%d.%06d", 1700000000+n, n)
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// ---------------------------------------------------------------------------
// Faults

// RateLimitNext makes the next n calls of method answer HTTP 429 with a
// Retry-After header (whole seconds, at least 1, as Slack sends).
func (s *Server) RateLimitNext(method string, n int, retryAfter time.Duration) {
	s.addFault(method, n, fault{status: http.StatusTooManyRequests, retryAfter: retryAfter})
}

// FailNext makes the next n calls of method answer ok:false with the error
// code, e.g. "invalid_auth", "internal_error", "message_not_found".
// Method "response_url" fails answers posted to response URLs.
func (s *Server) FailNext(method string, n int, code string) {
	s.addFault(method, n, fault{status: http.StatusOK, code: code})
}

// FailNextStatus makes the next n calls of method answer the HTTP status
// with an HTML page, as Slack's edge does when it is down.
func (s *Server) FailNextStatus(method string, n int, status int) {
	s.addFault(method, n, fault{status: status})
}

// DelayNext makes the next n calls of method answer as usual, but only
// after d (or when the server stops), as a Slack that hangs does.
func (s *Server) DelayNext(method string, n int, d time.Duration) {
	s.addFault(method, n, fault{delay: d})
}

func (s *Server) addFault(method string, n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], f)
	}
}

// takeFault removes and returns the next fault for method, if any.
func (s *Server) takeFault(method string) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[method]
	if len(q) == 0 {
		return fault{}, false
	}
	s.faults[method] = q[1:]
	return q[0], true
}

// writeFault answers with a fault, reporting the status and error code.
func writeFault(w http.ResponseWriter, f fault) (int, string) {
	switch {
	case f.status == http.StatusTooManyRequests:
		secs := max(1, int((f.retryAfter+time.Second-1)/time.Second))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeJSON(w, f.status, map[string]any{"ok": false, "error": "ratelimited"})
		return f.status, "ratelimited"
	case f.code != "":
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": f.code})
		return http.StatusOK, f.code
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.status)
		_, _ = fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", f.status, http.StatusText(f.status))
		return f.status, ""
	}
}

// ---------------------------------------------------------------------------
// Inspection

// Messages returns the bot's messages in a channel, oldest first, with
// updates applied.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages[channel] {
		out = append(out, m.clone())
	}
	return out
}

// Channels lists the channels the bot posted in, sorted.
func (s *Server) Channels() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for ch, ms := range s.messages {
		if len(ms) > 0 {
			out = append(out, ch)
		}
	}
	sort.Strings(out)
	return out
}

// Ephemerals returns every ephemeral message and response_url answer, in
// order.
func (s *Server) Ephemerals() []Ephemeral {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ephemeral(nil), s.ephemerals...)
}

// EphemeralsFor returns the ephemeral messages shown to one user.
func (s *Server) EphemeralsFor(user string) []Ephemeral {
	var out []Ephemeral
	for _, e := range s.Ephemerals() {
		if e.User == user {
			out = append(out, e)
		}
	}
	return out
}

// Uploads returns the files the bot shared, in order.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Upload(nil), s.uploads...)
}

// Requests returns every Web API call the bot made, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls counts the calls of a method ("*" for all), whatever their outcome.
func (s *Server) Calls(method string) int {
	n := 0
	for _, r := range s.Requests() {
		if method == "*" || r.Method == method {
			n++
		}
	}
	return n
}

// ---------------------------------------------------------------------------
// Waiting

// WaitFor waits until cond holds, re-checking whenever the server's state
// changes (and every 20 ms, for conditions on the bot's own state), and
// fails the test naming what when WaitTimeout passes first.
func (s *Server) WaitFor(what string, cond func() bool) {
	s.tb.Helper()
	deadline := time.NewTimer(s.WaitTimeout)
	defer deadline.Stop()
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
			s.tb.Fatalf("slackfake: timed out after %v waiting for %s", s.WaitTimeout, what)
		}
	}
}

// WaitMessages waits until the bot has at least n messages in the channel
// and returns them all.
func (s *Server) WaitMessages(channel string, n int) []Message {
	s.tb.Helper()
	var out []Message
	s.WaitFor(fmt.Sprintf("%d message(s) in %s", n, channel), func() bool {
		out = s.Messages(channel)
		return len(out) >= n
	})
	return out
}

// WaitEphemerals waits until the user has seen at least n ephemeral
// messages and returns them all.
func (s *Server) WaitEphemerals(user string, n int) []Ephemeral {
	s.tb.Helper()
	var out []Ephemeral
	s.WaitFor(fmt.Sprintf("%d ephemeral message(s) for %s", n, user), func() bool {
		out = s.EphemeralsFor(user)
		return len(out) >= n
	})
	return out
}

// WaitUploads waits until the bot has shared at least n files.
func (s *Server) WaitUploads(n int) []Upload {
	s.tb.Helper()
	var out []Upload
	s.WaitFor(fmt.Sprintf("%d upload(s)", n), func() bool {
		out = s.Uploads()
		return len(out) >= n
	})
	return out
}

// WaitCalls waits until the bot made at least n calls of the method.
func (s *Server) WaitCalls(method string, n int) {
	s.tb.Helper()
	s.WaitFor(fmt.Sprintf("%d call(s) of %s", n, method), func() bool { return s.Calls(method) >= n })
}

// ---------------------------------------------------------------------------
// Web API

// api wraps a method: records the call, applies faults, checks the token.
func (s *Server) api(method string, h func(p url.Values) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		params, token := parseParams(r)
		rec := Request{Method: method, Params: params, At: time.Now()}
		defer s.record(&rec)()
		if f, ok := s.takeFault(method); ok {
			if f.delay == 0 {
				rec.Status, rec.Error = writeFault(w, f)
				return
			}
			select {
			case <-time.After(f.delay):
			case <-s.closing:
			case <-r.Context().Done():
			}
		}
		want := s.BotToken
		if method == "apps.connections.open" {
			want = s.AppToken
		}
		switch {
		case token == "":
			rec.Status, rec.Error = http.StatusOK, "not_authed"
		case token != want:
			rec.Status, rec.Error = http.StatusOK, "invalid_auth"
		}
		if rec.Error != "" {
			writeJSON(w, rec.Status, map[string]any{"ok": false, "error": rec.Error})
			return
		}
		status, body := h(params)
		rec.Status = status
		if e, ok := body.(apiErr); ok {
			rec.Error = string(e)
			body = map[string]any{"ok": false, "error": string(e)}
		}
		writeJSON(w, status, body)
	}
}

// record logs a call as it arrives, before it can have any effect, so that
// a test that sees the effect also sees the call; the returned function,
// deferred, fills in the outcome.
func (s *Server) record(rec *Request) func() {
	s.mu.Lock()
	s.requests = append(s.requests, *rec)
	i := len(s.requests) - 1
	s.notifyLocked()
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.requests[i].Status, s.requests[i].Error = rec.Status, rec.Error
		s.notifyLocked()
		s.mu.Unlock()
	}
}

// apiErr is an ok:false answer with this error code.
type apiErr string

func fail(code string) (int, any) { return http.StatusOK, apiErr(code) }

func ok(fields map[string]any) (int, any) {
	fields["ok"] = true
	return http.StatusOK, fields
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// parseParams reads a form or JSON body and the token (form field or
// Bearer header), removing the token from the params.
func parseParams(r *http.Request) (url.Values, string) {
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	params := url.Values{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var m map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, 8<<20)).Decode(&m); err == nil {
			for k, v := range m {
				if str, isStr := v.(string); isStr {
					params.Set(k, str)
					continue
				}
				b, _ := json.Marshal(v)
				params.Set(k, string(b))
			}
		}
	} else if err := r.ParseForm(); err == nil {
		params = r.Form
	}
	if t := params.Get("token"); t != "" {
		token = t
	}
	params.Del("token")
	return params, token
}

func (s *Server) authTest(url.Values) (int, any) {
	return ok(map[string]any{
		"url": "https://prepbot-test.slack.com/", "team": "Prep Test", "user": "prepbot",
		"team_id": s.TeamID, "user_id": s.BotUserID, "bot_id": "B0PREPBOT",
	})
}

func (s *Server) connectionsOpen(url.Values) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ticket := fmt.Sprintf("ticket-%d", s.nextLocked())
	s.tickets[ticket] = true
	return ok(map[string]any{"url": "ws" + strings.TrimPrefix(s.base, "http") + "/socket-mode?ticket=" + ticket})
}

func (s *Server) conversationsOpen(p url.Values) (int, any) {
	users := strings.Split(p.Get("users"), ",")
	if len(users) != 1 || users[0] == "" {
		return fail("users_list_not_supplied")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(users[0])
	if u.Deactivated {
		return fail("user_disabled")
	}
	if u.ID == s.BotUserID {
		return fail("cannot_dm_bot")
	}
	return ok(map[string]any{"channel": map[string]any{"id": s.DMChannel(u.ID), "is_im": true, "user": u.ID}})
}

// usersInfo answers users.info with the fields prepbot reads (tz) and a
// few around them, as Slack does: tz_offset is the zone's offset now.
func (s *Server) usersInfo(p url.Values) (int, any) {
	id := p.Get("user")
	if id == "" {
		return fail("user_not_found")
	}
	s.mu.Lock()
	u := s.userLocked(id)
	s.mu.Unlock()
	user := map[string]any{"id": u.ID, "team_id": u.TeamID, "name": u.Name, "deleted": u.Deactivated,
		"is_bot": u.ID == s.BotUserID}
	if u.TZ != "" {
		user["tz"], user["tz_label"] = u.TZ, u.TZ
		if loc, err := time.LoadLocation(u.TZ); err == nil {
			_, offset := time.Now().In(loc).Zone()
			user["tz_offset"] = offset
		}
	}
	return ok(map[string]any{"user": user})
}

func (s *Server) postMessage(p url.Values) (int, any) {
	channel := p.Get("channel")
	m, code := parseMessage(p)
	if code != "" {
		return fail(code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if code := s.checkChannelLocked(channel); code != "" {
		return fail(code)
	}
	m.Channel, m.TS, m.Posted = channel, s.tsLocked(), time.Now()
	s.messages[channel] = append(s.messages[channel], &m)
	s.notifyLocked()
	return ok(map[string]any{"channel": channel, "ts": m.TS, "message": map[string]any{"text": m.Text, "ts": m.TS}})
}

func (s *Server) checkChannelLocked(channel string) string {
	switch {
	case channel == "":
		return "channel_not_found"
	case strings.HasPrefix(channel, "D"):
		if u, _ := s.dmUserLocked(channel); u.Deactivated {
			return "is_archived"
		}
	case strings.HasPrefix(channel, "C"), strings.HasPrefix(channel, "G"):
	default:
		return "channel_not_found"
	}
	return ""
}

func (s *Server) update(p url.Values) (int, any) {
	channel, ts := p.Get("channel"), p.Get("ts")
	m, code := parseMessage(p)
	if code != "" {
		return fail(code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var old *Message
	for _, x := range s.messages[channel] {
		if x.TS == ts {
			old = x
		}
	}
	if old == nil {
		return fail("message_not_found")
	}
	old.Text, old.Mrkdwn, old.Sections, old.Buttons, old.Blocks = m.Text, m.Mrkdwn, m.Sections, m.Buttons, m.Blocks
	old.Edits++
	s.notifyLocked()
	return ok(map[string]any{"channel": channel, "ts": ts, "text": m.Text})
}

func (s *Server) postEphemeral(p url.Values) (int, any) {
	channel, user := p.Get("channel"), p.Get("user")
	m, code := parseMessage(p)
	if code != "" {
		return fail(code)
	}
	if user == "" {
		return fail("user_not_in_channel")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if code := s.checkChannelLocked(channel); code != "" {
		return fail(code)
	}
	s.ephemerals = append(s.ephemerals, Ephemeral{Channel: channel, User: user, Text: m.Text, Mrkdwn: m.Mrkdwn,
		Via: "chat.postEphemeral", Posted: time.Now()})
	s.notifyLocked()
	return ok(map[string]any{"message_ts": s.tsLocked()})
}

func (s *Server) getUploadURL(p url.Values) (int, any) {
	name := p.Get("filename")
	length, err := strconv.Atoi(p.Get("length"))
	if name == "" || err != nil || length <= 0 {
		return fail("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("F%07d", s.nextLocked())
	s.pendingFile[id] = &Upload{FileID: id, Filename: name, AltText: p.Get("alt_txt")}
	return ok(map[string]any{"upload_url": s.base + "/_upload/" + id, "file_id": id})
}

// uploadFile receives the file at the upload URL, as files.slack.com does.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/_upload/")
	rec := Request{Method: "upload", Params: url.Values{"file_id": {id}}, At: time.Now()}
	defer s.record(&rec)()
	if f, ok := s.takeFault("upload"); ok {
		rec.Status, rec.Error = writeFault(w, f)
		return
	}
	var data []byte
	if file, _, err := r.FormFile("file"); err == nil {
		data, _ = io.ReadAll(file)
		file.Close()
	}
	s.mu.Lock()
	up := s.pendingFile[id]
	if up != nil && len(data) > 0 {
		up.Data = data
	}
	s.mu.Unlock()
	if up == nil || len(data) == 0 {
		rec.Status = http.StatusBadRequest
		http.Error(w, "no such upload or empty file", http.StatusBadRequest)
		return
	}
	rec.Status = http.StatusOK
	w.Header().Set("Content-Type", "text/plain")
	_, _ = fmt.Fprintf(w, "OK - %d", len(data))
}

func (s *Server) completeUpload(p url.Values) (int, any) {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p.Get("files")), &files); err != nil || len(files) == 0 {
		return fail("invalid_arguments")
	}
	channel := p.Get("channel_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if channel != "" {
		if code := s.checkChannelLocked(channel); code != "" {
			return fail(code)
		}
	}
	var out []map[string]any
	for _, f := range files {
		up := s.pendingFile[f.ID]
		if up == nil || up.Data == nil {
			return fail("file_not_found")
		}
		delete(s.pendingFile, f.ID)
		up.Channel, up.Title, up.Comment, up.Shared = channel, f.Title, p.Get("initial_comment"), time.Now()
		s.uploads = append(s.uploads, *up)
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	s.notifyLocked()
	return ok(map[string]any{"files": out})
}

// respond receives an answer posted to a response_url.
func (s *Server) respond(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/_respond/")
	rec := Request{Method: "response_url", Params: url.Values{"id": {id}}, At: time.Now()}
	defer s.record(&rec)()
	if f, ok := s.takeFault("response_url"); ok {
		rec.Status, rec.Error = writeFault(w, f)
		return
	}
	var body struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		rec.Status = http.StatusBadRequest
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	p := url.Values{"text": {body.Text}}
	if len(body.Blocks) > 0 && string(body.Blocks) != "null" {
		p.Set("blocks", string(body.Blocks))
	}
	m, code := parseMessage(p)
	if code != "" {
		rec.Status, rec.Error = http.StatusBadRequest, code
		http.Error(w, code, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	origin, known := s.responseURLs()[id]
	if !known {
		s.mu.Unlock()
		rec.Status = http.StatusNotFound
		http.Error(w, "no such response_url", http.StatusNotFound)
		return
	}
	s.ephemerals = append(s.ephemerals, Ephemeral{Channel: origin.channel, User: origin.user, Text: m.Text, Mrkdwn: m.Mrkdwn,
		Via: "response_url", Posted: time.Now()})
	s.notifyLocked()
	s.mu.Unlock()
	rec.Status = http.StatusOK
	_, _ = io.WriteString(w, "ok")
}

// responseURLs maps each response_url id handed out to where it came from;
// callers hold s.mu.
func (s *Server) responseURLs() map[string]origin {
	out := make(map[string]origin)
	for _, e := range s.history {
		if e.respondID != "" {
			out[e.respondID] = origin{channel: e.channel, user: e.user}
		}
	}
	return out
}

type origin struct{ channel, user string }

// ---------------------------------------------------------------------------
// Messages and blocks

type textObj struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type rawBlock struct {
	Type     string   `json:"type"`
	BlockID  string   `json:"block_id"`
	Text     *textObj `json:"text"`
	Elements []struct {
		Type     string   `json:"type"`
		ActionID string   `json:"action_id"`
		Value    string   `json:"value"`
		Text     *textObj `json:"text"`
	} `json:"elements"`
}

// parseMessage reads text and blocks and checks them as Slack does,
// returning Slack's error code for a message it would refuse.
func parseMessage(p url.Values) (Message, string) {
	m := Message{Text: p.Get("text")}
	if units(m.Text) > MaxText {
		return m, "msg_too_long"
	}
	raw := p.Get("blocks")
	if raw == "" || raw == "[]" || raw == "null" {
		if strings.TrimSpace(m.Text) == "" {
			return m, "no_text"
		}
		return m, ""
	}
	var blocks []rawBlock
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return m, "invalid_blocks_format"
	}
	if len(blocks) > MaxBlocks {
		return m, "invalid_blocks"
	}
	m.Blocks = json.RawMessage(raw)
	actionIDs, blockIDs := map[string]bool{}, map[string]bool{}
	for _, b := range blocks {
		if b.BlockID != "" {
			if blockIDs[b.BlockID] || len(b.BlockID) > 255 {
				return m, "invalid_blocks"
			}
			blockIDs[b.BlockID] = true
		}
		switch b.Type {
		case "section":
			if b.Text == nil || (b.Text.Type != "mrkdwn" && b.Text.Type != "plain_text") ||
				strings.TrimSpace(b.Text.Text) == "" || units(b.Text.Text) > MaxSectionText {
				return m, "invalid_blocks"
			}
			m.Sections = append(m.Sections, b.Text.Text)
		case "actions":
			if len(b.Elements) == 0 || len(b.Elements) > MaxRowElements {
				return m, "invalid_blocks"
			}
			var row []Button
			for _, e := range b.Elements {
				if e.Type != "button" || e.Text == nil || e.Text.Type != "plain_text" ||
					e.Text.Text == "" || units(e.Text.Text) > MaxButtonText ||
					len(e.Value) > MaxButtonValue || e.ActionID == "" || len(e.ActionID) > 255 || actionIDs[e.ActionID] {
					return m, "invalid_blocks"
				}
				actionIDs[e.ActionID] = true
				row = append(row, Button{Text: e.Text.Text, Value: e.Value, ActionID: e.ActionID, BlockID: b.BlockID})
			}
			m.Buttons = append(m.Buttons, row)
		case "divider", "context", "header", "image":
		default:
			return m, "invalid_blocks"
		}
	}
	m.Mrkdwn = strings.Join(m.Sections, "\n")
	return m, ""
}

func (m *Message) clone() Message {
	c := *m
	c.Sections = append([]string(nil), m.Sections...)
	c.Buttons = make([][]Button, len(m.Buttons))
	for i, r := range m.Buttons {
		c.Buttons[i] = append([]Button(nil), r...)
	}
	return c
}

func units(s string) int { return len(utf16.Encode([]rune(s))) }

var (
	linkRE  = regexp.MustCompile(`<([^<>|]*)(?:\|([^<>]*))?>`)
	fenceRE = regexp.MustCompile("\n?```\n?")
	pairREs = []*regexp.Regexp{markerPair(`\*`), markerPair(`_`), markerPair("`")}
)

// markerPair matches text between two markers at word edges, as Slack
// formats it; a zero-width space counts as a word edge.
func markerPair(m string) *regexp.Regexp {
	edge := `[^\p{L}\p{N}]`
	return regexp.MustCompile(`(^|` + edge + `)` + m + `([^` + m + `\s](?:[^` + m + `\n]*[^` + m + `\s])?)` + m + `($|` + edge + `)`)
}

// Unmrkdwn returns what a reader sees of mrkdwn, near enough for tests:
// code fences removed, *bold*, _italic_ and `code` shown without their
// markers, links as their label, entities decoded, zero-width spaces
// dropped.
func Unmrkdwn(s string) string {
	s = fenceRE.ReplaceAllString(s, "\n")
	for _, re := range pairREs {
		for {
			t := re.ReplaceAllString(s, "$1$2$3")
			if t == s {
				break
			}
			s = t
		}
	}
	s = strings.ReplaceAll(s, "\u200b", "")
	s = linkRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := linkRE.FindStringSubmatch(m)
		if sub[2] != "" {
			return sub[2]
		}
		return sub[1]
	})
	s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
	return strings.Trim(s, "\n")
}
