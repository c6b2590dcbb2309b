package slackfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Command is the slash command the fake's users type.
const Command = "/prep"

// envelope is one request to the bot: a Socket Mode envelope, or the same
// content as an HTTP request in HTTP mode.
type envelope struct {
	id              string
	typ             string // events_api, slash_commands, interactive
	payload         json.RawMessage
	acceptsResponse bool
	retry           int
	channel, user   string // where it came from, for response_url answers
	respondID       string
}

// sockConn is one Socket Mode connection from the bot.
type sockConn struct {
	ws   *websocket.Conn
	wmu  sync.Mutex
	done chan struct{}
	once sync.Once
}

func (c *sockConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

func (c *sockConn) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

// socket accepts a Socket Mode connection with a ticket from
// apps.connections.open, says hello, and sends it every envelope from now
// on (and those that waited for a connection).
func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid := s.tickets[ticket]
	delete(s.tickets, ticket)
	s.mu.Unlock()
	if !valid {
		http.Error(w, "invalid ticket", http.StatusUnauthorized)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &sockConn{ws: ws, done: make(chan struct{})}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.mu.Lock()
	n := s.connections + 1
	s.mu.Unlock()
	hello := map[string]any{
		"type": "hello", "num_connections": 1,
		"debug_info":      map[string]any{"host": "slackfake", "approximate_connection_time": 3600},
		"connection_info": map[string]any{"app_id": "A0PREPBOT"},
	}
	if err := c.write(hello); err != nil {
		c.close()
		return
	}
	s.mu.Lock()
	if s.closed {
		// The test is over: close waits for the connections it knows of,
		// and a goroutine added after its Wait began would race with it.
		s.mu.Unlock()
		c.close()
		return
	}
	old := s.conn
	s.conn, s.connections = c, n
	pending := s.outbox
	s.outbox = nil
	s.notifyLocked()
	s.wg.Add(2) // under mu, so before close's Wait or not at all
	s.mu.Unlock()
	if old != nil {
		old.close()
	}
	go s.readAcks(c)
	go s.ping(c)
	for i, e := range pending {
		if !s.writeLocked(c, e) {
			s.mu.Lock()
			s.outbox = append(pending[i:], s.outbox...)
			s.mu.Unlock()
			return
		}
	}
}

// readAcks records the bot's acknowledgements until the connection ends.
func (s *Server) readAcks(c *sockConn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		if s.conn == c {
			s.conn = nil
		}
		s.notifyLocked()
		s.mu.Unlock()
		c.close()
	}()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var a struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &a) != nil || a.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		if _, seen := s.acks[a.EnvelopeID]; !seen {
			s.acks[a.EnvelopeID] = Ack{ID: a.EnvelopeID, Payload: a.Payload, At: time.Now()}
		}
		s.notifyLocked()
		s.mu.Unlock()
	}
}

// ping sends WebSocket pings, as Slack does; slack-go reconnects when they
// stop.
func (s *Server) ping(c *sockConn) {
	defer s.wg.Done()
	t := time.NewTicker(s.pingEvery)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-s.closing:
			c.close()
			return
		case <-t.C:
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second)); err != nil {
				c.close()
				return
			}
		}
	}
}

// writeLocked sends an envelope on the connection; the caller holds sendMu.
// A failed write drops the connection (the bot will reconnect).
func (s *Server) writeLocked(c *sockConn, e envelope) bool {
	msg := map[string]any{
		"envelope_id": e.id, "type": e.typ, "payload": e.payload,
		"accepts_response_payload": e.acceptsResponse, "retry_attempt": e.retry,
	}
	if e.retry > 0 {
		msg["retry_reason"] = "timeout"
	}
	if err := c.write(msg); err != nil {
		c.close()
		return false
	}
	return true
}

// deliver sends an envelope to the bot: over the Socket Mode connection
// (or when the next one opens), or as a signed HTTP request after
// DeliverTo.
func (s *Server) deliver(e envelope) {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.mu.Lock()
	s.history[e.id] = e
	target, c := s.httpTarget, s.conn
	if target == "" && c == nil {
		s.outbox = append(s.outbox, e)
	}
	s.notifyLocked()
	s.mu.Unlock()
	switch {
	case target != "":
		s.postHTTP(target, e)
	case c != nil:
		if !s.writeLocked(c, e) {
			s.mu.Lock()
			s.outbox = append(s.outbox, e)
			s.mu.Unlock()
		}
	}
}

// ---------------------------------------------------------------------------
// Playing the user

// DM has the user write text in their DM with the bot (a message.im event)
// and returns the envelope's id. The text is escaped as Slack's clients
// escape it.
func (s *Server) DM(user, text string) string {
	s.mu.Lock()
	ts := s.tsLocked()
	s.mu.Unlock()
	return s.SendEvent(user, map[string]any{
		"type": "message", "channel": s.DMChannel(user), "user": user, "text": escapeText(text),
		"ts": ts, "event_ts": ts, "channel_type": "im", "client_msg_id": fmt.Sprintf("msg-%s", ts),
	})
}

// SendEvent delivers an Events API event_callback with the given inner
// event on behalf of user (whose team it names), and returns the
// envelope's id: for events the bot must ignore, such as its own messages
// or edits.
func (s *Server) SendEvent(user string, event map[string]any) string {
	s.mu.Lock()
	u := s.userLocked(user)
	n := s.nextLocked()
	s.mu.Unlock()
	payload := map[string]any{
		"token": "fake-verification-token", "team_id": u.TeamID, "api_app_id": "A0PREPBOT",
		"event": event, "type": "event_callback", "event_id": fmt.Sprintf("Ev%08d", n),
		"event_time": time.Now().Unix(), "event_context": fmt.Sprintf("ctx-%d", n),
		"authorizations": []map[string]any{{"team_id": s.TeamID, "user_id": s.BotUserID, "is_bot": true}},
	}
	id := fmt.Sprintf("env-events-%06d", n)
	s.deliver(envelope{id: id, typ: "events_api", payload: mustJSON(payload), user: user, channel: str(event["channel"])})
	return id
}

// SlashCommand has the user type "/prep text" in the public channel
// General and returns the envelope's id.
func (s *Server) SlashCommand(user, text string) string {
	return s.SlashCommandIn(user, General, text)
}

// SlashCommandIn has the user type "/prep text" in a channel (their DM
// is DMChannel(user)) and returns the envelope's id.
func (s *Server) SlashCommandIn(user, channel, text string) string {
	s.mu.Lock()
	u := s.userLocked(user)
	n := s.nextLocked()
	s.mu.Unlock()
	name := "general"
	if strings.HasPrefix(channel, "D") {
		name = "directmessage"
	}
	respondID := fmt.Sprintf("cmd%06d", n)
	payload := map[string]string{
		"token": "fake-verification-token", "team_id": u.TeamID, "team_domain": "prepbot-test",
		"channel_id": channel, "channel_name": name, "user_id": u.ID, "user_name": u.Name,
		"command": Command, "text": escapeText(text), "api_app_id": "A0PREPBOT",
		"is_enterprise_install": "false", "response_url": s.base + "/_respond/" + respondID,
		"trigger_id": fmt.Sprintf("%d.%d.trigger%06d", 1700000000+n, 42, n),
	}
	id := fmt.Sprintf("env-command-%06d", n)
	s.deliver(envelope{id: id, typ: "slash_commands", payload: mustJSON(payload), acceptsResponse: true,
		user: user, channel: channel, respondID: respondID})
	return id
}

// PressButton has the user press the button with the given value under the
// bot's message ts in the channel, and returns the envelope's id. The
// button need not be on the message: tests use that to send stale or
// hostile values.
func (s *Server) PressButton(user, channel, ts, value string) string {
	s.mu.Lock()
	u := s.userLocked(user)
	n := s.nextLocked()
	btn := Button{Text: "?", ActionID: "unknown", BlockID: "unknown"}
	msg := map[string]any{"type": "message", "user": s.BotUserID, "ts": ts, "text": ""}
	for _, m := range s.messages[channel] {
		if m.TS != ts {
			continue
		}
		msg["text"] = m.Text
		if len(m.Blocks) > 0 {
			msg["blocks"] = m.Blocks
		}
		for _, row := range m.Buttons {
			for _, b := range row {
				if b.Value == value {
					btn = b
				}
			}
		}
	}
	s.mu.Unlock()
	respondID := fmt.Sprintf("act%06d", n)
	payload := map[string]any{
		"type":       "block_actions",
		"user":       map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": u.TeamID},
		"api_app_id": "A0PREPBOT", "token": "fake-verification-token",
		"container":  map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false},
		"trigger_id": fmt.Sprintf("%d.%d.trigger%06d", 1700000000+n, 42, n),
		"team":       map[string]any{"id": u.TeamID, "domain": "prepbot-test"},
		"channel":    map[string]any{"id": channel, "name": "directmessage"},
		"message":    msg, "state": map[string]any{"values": map[string]any{}},
		"response_url": s.base + "/_respond/" + respondID,
		"actions": []map[string]any{{
			"action_id": btn.ActionID, "block_id": btn.BlockID, "value": value, "type": "button",
			"text":      map[string]any{"type": "plain_text", "text": btn.Text, "emoji": true},
			"action_ts": fmt.Sprintf("%d.%06d", 1700000000+n, n),
		}},
	}
	id := fmt.Sprintf("env-action-%06d", n)
	s.deliver(envelope{id: id, typ: "interactive", payload: mustJSON(payload), user: user, channel: channel, respondID: respondID})
	return id
}

// Redeliver sends an envelope again, with retry_attempt raised, as Slack
// does when it did not see an acknowledgement in time.
func (s *Server) Redeliver(id string) {
	s.mu.Lock()
	e, ok := s.history[id]
	s.mu.Unlock()
	if !ok {
		s.tb.Errorf("slackfake: Redeliver(%q): no such envelope", id)
		return
	}
	e.retry++
	s.deliver(e)
}

// Disconnect asks the bot to reconnect, as Slack does every few hours: it
// sends a "disconnect" message and closes the connection (after a second,
// if the bot has not closed it first). Envelopes sent meanwhile wait for
// the next connection.
func (s *Server) Disconnect() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.notifyLocked()
	s.mu.Unlock()
	if c == nil {
		return
	}
	_ = c.write(map[string]any{"type": "disconnect", "reason": "refresh_requested",
		"debug_info": map[string]any{"host": "slackfake"}})
	time.AfterFunc(time.Second, c.close)
}

// Drop closes the connection without a word, as a network failure does.
func (s *Server) Drop() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.notifyLocked()
	s.mu.Unlock()
	if c != nil {
		c.close()
	}
}

// Connections counts the Socket Mode connections accepted so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// Connected reports whether a Socket Mode connection is open.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// WaitConnected waits until at least n connections were made and one is
// open.
func (s *Server) WaitConnected(n int) {
	s.tb.Helper()
	s.WaitFor(fmt.Sprintf("Socket Mode connection #%d", n), func() bool {
		return s.Connections() >= n && s.Connected()
	})
}

// Acked returns the bot's acknowledgement of an envelope, if it came.
func (s *Server) Acked(id string) (Ack, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.acks[id]
	return a, ok
}

// Acks returns every acknowledgement, in no particular order.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ack, 0, len(s.acks))
	for _, a := range s.acks {
		out = append(out, a)
	}
	return out
}

// WaitAck waits for the acknowledgement of an envelope.
func (s *Server) WaitAck(id string) Ack {
	s.tb.Helper()
	var a Ack
	s.WaitFor("the acknowledgement of "+id, func() bool {
		var ok bool
		a, ok = s.Acked(id)
		return ok
	})
	return a
}

// ---------------------------------------------------------------------------
// HTTP mode

// DeliverTo switches to HTTP mode: from now on each envelope is POSTed to
// the bot at baseURL (+ /slack/events, /slack/interactive or
// /slack/commands), signed with SigningSecret, and the HTTP answer is its
// acknowledgement. The call returns when the bot has answered.
func (s *Server) DeliverTo(baseURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.httpTarget = strings.TrimSuffix(baseURL, "/")
}

func (s *Server) postHTTP(target string, e envelope) {
	path, body, ct := "/slack/events", []byte(e.payload), "application/json"
	switch e.typ {
	case "slash_commands":
		var fields map[string]string
		_ = json.Unmarshal(e.payload, &fields)
		form := url.Values{}
		for k, v := range fields {
			form.Set(k, v)
		}
		path, body, ct = "/slack/commands", []byte(form.Encode()), "application/x-www-form-urlencoded"
	case "interactive":
		path, body, ct = "/slack/interactive", []byte(url.Values{"payload": {string(e.payload)}}.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := SignedRequest(target+path, s.SigningSecret, body, time.Now())
	if err != nil {
		s.tb.Errorf("slackfake: %v", err)
		return
	}
	req.Header.Set("Content-Type", ct)
	if e.retry > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(e.retry))
		req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	a := Ack{ID: e.id}
	resp, err := s.client.Do(req)
	if err == nil {
		a.Payload, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		a.Status = resp.StatusCode
	}
	a.At = time.Now()
	s.mu.Lock()
	if _, seen := s.acks[e.id]; !seen || a.Status == http.StatusOK {
		s.acks[e.id] = a
	}
	s.notifyLocked()
	s.mu.Unlock()
}

// SignedRequest builds a POST of body to url signed as Slack signs it:
// X-Slack-Request-Timestamp, and X-Slack-Signature "v0=" + hex
// HMAC-SHA256 of "v0:<timestamp>:<body>" with the secret.
func SignedRequest(url, secret string, body []byte, at time.Time) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("slackfake: %w", err)
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", Sign(secret, ts, body))
	return req, nil
}

// Sign computes Slack's request signature.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", timestamp)
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
