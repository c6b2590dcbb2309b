package telegram

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/prepbot/prepbot/internal/prep"
)

// Texts the adapter answers with itself, without asking the coach.
const (
	textOnlyText   = "I only read text. Please type your answer or a command."
	textStale      = "This button no longer works."
	textCoachError = "Sorry, something went wrong on my side. Please try again."
	textEdited     = "I don't read edited messages: I went by what you first sent. To change your answer, send it again as a new message."
)

func refusal(id int64) string {
	return fmt.Sprintf("This is a private prepbot. Ask its owner to add your id %d to PREPBOT_ALLOWED_USERS.", id)
}

func tooLong(n int) string {
	return fmt.Sprintf("That message is too long for me (%d characters; the limit is %d). Please send a shorter one.", n, MaxMessageLen)
}

// allowedUpdates are the update kinds the bot asks Telegram for; the rest
// (channel posts, polls) would only be skipped. Edits are asked for only
// to tell the user that they are not read.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

// ---------------------------------------------------------------------------
// Long polling

func (b *Bot) poll(ctx context.Context) error {
	// A webhook left set by an earlier run makes every getUpdates fail
	// with 409.
	if err := b.deleteWebhook(ctx); err != nil {
		return err
	}
	offset, err := b.loadOffset()
	if err != nil {
		return err
	}
	b.log.Info("telegram: polling for updates", "offset", offset)
	in := newIntake(ctx, offset, func(u tgbotapi.Update) { b.handle(ctx, u) })
	defer func() {
		// Finish the updates running, then store how far they got.
		in.stop()
		if off := in.offset(); off != offset {
			b.saveOffset(off)
		}
	}()
	var savedAt time.Time // when the offset was last stored
	bo := backoff{initial: b.opts.Retry.Initial, max: b.opts.Retry.Max}
	for ctx.Err() == nil {
		updates, err := b.getUpdates(ctx, in.offset())
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			b.lastPoll.Store(0)
			c := classify(err)
			wait := bo.next()
			switch c.verdict {
			case vUnauthorized:
				return fmt.Errorf("%w (getUpdates answered %q)", ErrTokenRejected, c.desc)
			case vRetryAfter:
				wait = c.retryAfter
				b.log.Warn("telegram: getUpdates rate-limited", "retry_in", wait)
			case vConflict:
				b.log.Warn("telegram: another instance polls with this token (or a webhook was set); waiting",
					"retry_in", wait.Round(time.Millisecond), "answer", c.desc)
			default:
				b.log.Warn("telegram: getUpdates failed; retrying",
					"retry_in", wait.Round(time.Millisecond), "err", err.Error())
			}
			if !sleep(ctx, wait) {
				return nil
			}
			continue
		}
		bo.reset()
		b.lastPoll.Store(b.opts.Now().UnixNano())
		b.lastGood.Store(b.opts.Now().UnixNano())
		if in.take(updates) == 0 && in.busy() {
			// Telegram answers at once while it holds updates not yet
			// confirmed, and those in hand are: wait for one to be done
			// rather than ask again and again. Not for long, though: a
			// slow update (an attempt being graded) must not hold up other
			// users' new ones.
			wctx, cancel := context.WithTimeout(ctx, intakeRecheck)
			in.waitDone(wctx)
			cancel()
		}
		// The offset is a hint for the next start: Telegram keeps what is
		// unconfirmed, and a lost offset only means handing over again
		// updates the engine recognises. So it is stored now and then, not
		// after every poll, where each store would be one more commit for
		// the users' events to queue behind.
		if off := in.offset(); off != offset && time.Since(savedAt) >= offsetSaveEvery {
			offset, savedAt = off, time.Now()
			b.saveOffset(off)
		}
	}
	return nil
}

// intakeRecheck is how long polling waits for an update in hand to finish
// before asking Telegram for new ones anyway.
const intakeRecheck = 100 * time.Millisecond

// offsetSaveEvery is how often, at most, polling stores the offset it has
// moved to (and once more when it stops).
const offsetSaveEvery = time.Second

// laneCount is how many users' updates may be in hand at once.
const laneCount = 64

// sender is the Telegram id whose updates must stay in order: the user who
// wrote or pressed, else the chat.
func sender(u tgbotapi.Update) int64 {
	switch {
	case u.Message != nil && u.Message.From != nil:
		return u.Message.From.ID
	case u.CallbackQuery != nil && u.CallbackQuery.From != nil:
		return u.CallbackQuery.From.ID
	case u.EditedMessage != nil && u.EditedMessage.From != nil:
		return u.EditedMessage.From.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	return int64(u.UpdateID)
}

func (b *Bot) getUpdates(ctx context.Context, offset int64) ([]tgbotapi.Update, error) {
	resp, err := b.call(ctx, tgbotapi.UpdateConfig{
		Offset:         int(offset),
		Limit:          100,
		Timeout:        int(b.opts.PollTimeout / time.Second),
		AllowedUpdates: allowedUpdates,
	})
	if err != nil {
		return nil, err
	}
	var updates []tgbotapi.Update
	if err := json.Unmarshal(resp.Result, &updates); err != nil {
		return nil, &apiError{method: "getUpdates", err: fmt.Errorf("decode updates: %w", err)}
	}
	return updates, nil
}

func (b *Bot) deleteWebhook(ctx context.Context) error {
	bo := backoff{initial: b.opts.Retry.Initial, max: b.opts.Retry.Max}
	for {
		_, err := b.call(ctx, tgbotapi.DeleteWebhookConfig{})
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		c := classify(err)
		wait := bo.next()
		switch c.verdict {
		case vUnauthorized:
			return fmt.Errorf("%w (deleteWebhook answered %q)", ErrTokenRejected, c.desc)
		case vRetryAfter:
			wait = c.retryAfter
		case vTransient:
		default:
			// Polling may still work; getUpdates will say if it does not.
			b.log.Warn("telegram: deleteWebhook refused", "err", err.Error())
			return nil
		}
		b.log.Warn("telegram: waiting for the Bot API to answer deleteWebhook",
			"retry_in", wait.Round(time.Millisecond), "err", err.Error())
		if !sleep(ctx, wait) {
			return nil
		}
	}
}

func (b *Bot) loadOffset() (int64, error) {
	var off int64
	err := b.opts.Store.View(func(tx prep.Tx) error {
		var err error
		off, err = tx.Cursor(OffsetCursor)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("telegram: read the update offset: %w", err)
	}
	return off, nil
}

// saveOffset stores the offset polling has moved to. On failure the
// updates below it may come again after a restart; the engine
// de-duplicates them.
func (b *Bot) saveOffset(off int64) {
	err := b.opts.Store.Update(func(tx prep.Tx) error { return tx.SetCursor(OffsetCursor, off) })
	if err != nil {
		b.log.Error("telegram: could not store the update offset", "offset", off, "err", err.Error())
	}
}

// ---------------------------------------------------------------------------
// Webhook

// SecretHeader is the header in which Telegram sends a webhook's secret
// token.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

func (b *Bot) serveWebhook(ctx context.Context) error {
	w := b.opts.Webhook
	secret := w.Secret
	if secret == "" {
		// A fresh secret per start: only the Telegram servers we just told
		// it to can call us.
		secret = rand.Text()
	}
	u, _ := url.Parse(w.URL) // validated in New
	path := u.Path
	if path == "" {
		path = "/"
	}
	ln := w.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", w.Listen); err != nil {
			return fmt.Errorf("telegram: webhook: %w", err)
		}
	}
	srv := &http.Server{
		Handler:           b.webhookHandler(ctx, path, secret),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(b.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		b.hookUp.Store(false)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.opts.DrainTimeout)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	if err := b.setWebhook(ctx, secret); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	b.hookUp.Store(true)
	b.log.Info("telegram: receiving updates by webhook", "url", w.URL, "listen", ln.Addr().String())
	select {
	case <-ctx.Done():
		return nil
	case err := <-served:
		return fmt.Errorf("telegram: webhook server: %w", err)
	}
}

// setWebhook registers the webhook with its secret token, which the
// library's WebhookConfig cannot carry.
func (b *Bot) setWebhook(ctx context.Context, secret string) error {
	updates, _ := json.Marshal(allowedUpdates)
	params := tgbotapi.Params{
		"url":             b.opts.Webhook.URL,
		"secret_token":    secret,
		"allowed_updates": string(updates),
	}
	bo := backoff{initial: b.opts.Retry.Initial, max: b.opts.Retry.Max}
	for {
		_, err := b.raw(ctx, "setWebhook", params)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		c := classify(err)
		wait := bo.next()
		switch c.verdict {
		case vUnauthorized:
			return fmt.Errorf("%w (setWebhook answered %q)", ErrTokenRejected, c.desc)
		case vRetryAfter:
			wait = c.retryAfter
		case vTransient:
		default:
			return fmt.Errorf("telegram: Telegram refused the webhook %s: %s", b.opts.Webhook.URL, c.desc)
		}
		b.log.Warn("telegram: waiting for the Bot API to answer setWebhook",
			"retry_in", wait.Round(time.Millisecond), "err", err.Error())
		if !sleep(ctx, wait) {
			return nil
		}
	}
}

func (b *Bot) webhookHandler(ctx context.Context, path, secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get(SecretHeader)), []byte(secret)) != 1 {
			b.log.Warn("telegram: webhook call without the right secret token", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if ctx.Err() != nil {
			// Telegram retries; the next run handles it.
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		var u tgbotapi.Update
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&u); err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		b.handle(ctx, u)
		w.WriteHeader(http.StatusOK)
	})
}

// ---------------------------------------------------------------------------
// Handling one update

// target is where replies to an event go.
type target struct {
	chat  int64
	user  prep.UserKey // set for a private chat, for OnBlocked
	edit  int          // the message a pressed button was on; 0 if none
	owner int64        // in a group, the Telegram user the replies answer: their buttons are bound to them
}

// handle turns one update into an event for the coach and queues the
// replies. One sender's updates are handled one at a time, in order (their
// lane), and the one in hand is finished even when ctx is cancelled.
func (b *Bot) handle(ctx context.Context, u tgbotapi.Update) {
	lane := &b.lanes[uint64(sender(u))%laneCount]
	lane.Lock()
	defer lane.Unlock()
	ctx = context.WithoutCancel(ctx)
	delivery := "telegram:" + strconv.Itoa(u.UpdateID)
	switch {
	case u.Message != nil:
		b.onMessage(ctx, delivery, u.Message)
	case u.CallbackQuery != nil:
		b.onCallback(ctx, delivery, u.CallbackQuery)
	case u.MyChatMember != nil:
		b.onMemberChange(ctx, u.MyChatMember)
	case u.EditedMessage != nil:
		b.onEdited(ctx, u.EditedMessage)
	default:
		b.log.Debug("telegram: update of a kind the bot ignores", "update", u.UpdateID)
	}
}

func userKey(id int64) prep.UserKey {
	return prep.NewUserKey(prep.Telegram, strconv.FormatInt(id, 10))
}

func (b *Bot) onMessage(ctx context.Context, delivery string, m *tgbotapi.Message) {
	if m.From == nil || m.From.IsBot || m.Chat == nil {
		return
	}
	from, user := m.From, userKey(m.From.ID)
	t := target{chat: m.Chat.ID}
	b.rememberName(from.ID, from.FirstName)
	text := m.Text
	switch m.Chat.Type {
	case "private":
		t.user = user
		b.out.unblock(m.Chat.ID)
		if cmd, ok := b.ownCommand(text); ok {
			text = cmd
		}
	case "group", "supergroup":
		var ok bool
		if text, ok = b.addressed(m); !ok {
			return
		}
		t.owner = from.ID
	default:
		return
	}
	if !b.allow.allows(from.ID, from.UserName) {
		b.refuse(ctx, t, from.ID)
		return
	}
	b.noteUser(from)
	if m.Text == "" {
		if hasContent(m) {
			b.say(ctx, t, textOnlyText)
		}
		return
	}
	if n := textLen(m.Text); n > MaxMessageLen {
		b.say(ctx, t, tooLong(n))
		return
	}
	if strings.TrimSpace(text) == "" {
		return
	}
	ev := prep.Event{User: user, Name: from.FirstName, Text: text, Delivery: delivery}
	if t.user == "" {
		ev.Chat = strconv.FormatInt(t.chat, 10) // a group: a late verdict comes back here
	}
	replies := b.ask(ctx, ev)
	_ = b.out.enqueue(ctx, b.jobsFor(t, replies), false)
}

// onEdited answers the edit of a text the bot would have read: the
// engine went by the text as first sent, and acting on an edit would answer
// a card twice or grade an attempt again. So the user is told, once per
// message however often it is edited, to send the text anew.
func (b *Bot) onEdited(ctx context.Context, m *tgbotapi.Message) {
	if m.From == nil || m.From.IsBot || m.Chat == nil || strings.TrimSpace(m.Text) == "" {
		return
	}
	t := target{chat: m.Chat.ID}
	switch m.Chat.Type {
	case "private":
		t.user = userKey(m.From.ID)
	case "group", "supergroup":
		if _, ok := b.addressed(m); !ok {
			return
		}
		t.owner = m.From.ID
	default:
		return
	}
	if !b.allow.allows(m.From.ID, m.From.UserName) || !b.firstEdit(m.Chat.ID, m.MessageID) {
		return
	}
	b.say(ctx, t, textEdited)
}

// maxEditsKept bounds the messages remembered as answered for an edit.
const maxEditsKept = 1024

// firstEdit reports whether no edit of the message was answered yet. After
// a restart, or past maxEditsKept, an edit may be answered once more.
func (b *Bot) firstEdit(chat int64, msg int) bool {
	key := [2]int64{chat, int64(msg)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.edited[key] {
		return false
	}
	if len(b.edited) >= maxEditsKept {
		clear(b.edited)
	}
	b.edited[key] = true
	return true
}

// ownCommand strips "@botname" from a leading "/command@botname". It
// reports false for a command addressed to another bot.
func (b *Bot) ownCommand(text string) (string, bool) {
	if !strings.HasPrefix(text, "/") {
		return text, false
	}
	end := strings.IndexAny(text, " \n\t")
	if end < 0 {
		end = len(text)
	}
	cmd, rest := text[:end], text[end:]
	at := strings.IndexByte(cmd, '@')
	if at < 0 {
		return text, true
	}
	if !strings.EqualFold(cmd[at+1:], b.api.Self.UserName) {
		return text, false
	}
	return cmd[:at] + rest, true
}

// addressed decides whether a group message is meant for the bot — a
// command (not for another bot), a reply to the bot's message, or a
// mention — and returns its text without the bot's name.
func (b *Bot) addressed(m *tgbotapi.Message) (string, bool) {
	text := m.Text
	if strings.HasPrefix(text, "/") {
		return b.ownCommand(text)
	}
	stripped, mentioned := stripMention(text, b.api.Self.UserName)
	replied := m.ReplyToMessage != nil && m.ReplyToMessage.From != nil && m.ReplyToMessage.From.ID == b.api.Self.ID
	return stripped, mentioned || replied
}

// stripMention removes every "@name" word (any case) from text and
// nothing else: the rest may be a multi-line answer or code, whose lines
// and indentation matter. Spaces after a mention that starts the text or
// follows a space go with it, as do a leading "," or ":" ("@bot, hi").
func stripMention(text, name string) (string, bool) {
	if name == "" {
		return text, false
	}
	at := "@" + strings.ToLower(name)
	lower := strings.ToLower(text)
	var b strings.Builder
	found := false
	i := 0
	for {
		j := strings.Index(lower[i:], at)
		if j < 0 {
			break
		}
		j += i
		end := j + len(at)
		if end < len(lower) && isNameByte(lower[end]) || j > 0 && isNameByte(lower[j-1]) {
			b.WriteString(text[i:end])
			i = end
			continue
		}
		b.WriteString(text[i:j])
		if j == 0 || text[j-1] == ' ' || text[j-1] == '\t' {
			for end < len(text) && (text[end] == ' ' || text[end] == '\t') {
				end++
			}
		}
		i, found = end, true
	}
	b.WriteString(text[i:])
	if !found {
		return text, false
	}
	out := strings.TrimSpace(b.String())
	return strings.TrimSpace(strings.TrimLeft(out, ",:")), true
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// hasContent tells a message with media from a service message (member
// joined, title changed), which gets no answer.
func hasContent(m *tgbotapi.Message) bool {
	return m.Sticker != nil || len(m.Photo) > 0 || m.Voice != nil || m.Document != nil || m.Audio != nil ||
		m.Video != nil || m.VideoNote != nil || m.Animation != nil || m.Contact != nil || m.Location != nil ||
		m.Venue != nil || m.Poll != nil || m.Dice != nil || m.Caption != ""
}

// refuse tells a stranger how to get access, at most once a minute each,
// so that a stranger cannot make the bot spend its rate limits.
func (b *Bot) refuse(ctx context.Context, t target, id int64) {
	now := b.opts.Now()
	b.mu.Lock()
	last, seen := b.refused[id]
	if seen && now.Sub(last) < time.Minute {
		b.mu.Unlock()
		return
	}
	if len(b.refused) > 1000 {
		for k, v := range b.refused {
			if now.Sub(v) >= time.Minute {
				delete(b.refused, k)
			}
		}
	}
	b.refused[id] = now
	b.mu.Unlock()
	b.log.Info("telegram: refused a user not on the allow-list", "user", id)
	b.say(ctx, t, refusal(id))
}

func (b *Bot) say(ctx context.Context, t target, text string) {
	_ = b.out.enqueue(ctx, b.jobsFor(t, []prep.Reply{{Kind: prep.Send, Text: prep.Text(text)}}), false)
}

// ask calls the coach. A panic is turned into an apology and the update is
// skipped, so that one bad update cannot crash the bot again on every
// redelivery.
func (b *Bot) ask(ctx context.Context, ev prep.Event) (replies []prep.Reply) {
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("telegram: the coach panicked; update skipped", "delivery", ev.Delivery, "panic", fmt.Sprint(p))
			replies = []prep.Reply{{Kind: prep.Send, Text: prep.Text(textCoachError)}}
		}
	}()
	return b.coach.Handle(ctx, ev)
}

func (b *Bot) onCallback(ctx context.Context, delivery string, q *tgbotapi.CallbackQuery) {
	if q.From == nil {
		b.answer(ctx, q.ID, "")
		return
	}
	user := userKey(q.From.ID)
	t := target{chat: q.From.ID, user: user}
	group := false
	if q.Message != nil && q.Message.Chat != nil {
		t.chat, t.edit = q.Message.Chat.ID, q.Message.MessageID
		if q.Message.Chat.Type != "private" {
			t.user, t.owner, group = "", q.From.ID, true
		}
	}
	if t.user != "" {
		b.out.unblock(t.chat)
	}
	if !b.allow.allows(q.From.ID, q.From.UserName) {
		b.answer(ctx, q.ID, refusal(q.From.ID))
		return
	}
	b.rememberName(q.From.ID, q.From.FirstName)
	b.noteUser(q.From)
	if !validButtonData(q.Data) {
		b.answer(ctx, q.ID, textStale)
		return
	}
	data := q.Data
	if owner, rest, bound := boundOwner(q.Data); bound {
		if owner != q.From.ID {
			// Someone else's card, checklist or question: their session
			// and their message stay as they are.
			b.answer(ctx, q.ID, othersButtons(b.nameOf(owner)))
			return
		}
		if data = rest; data == "" {
			b.answer(ctx, q.ID, textStale)
			return
		}
	} else if group {
		if !isCommandData(data) {
			b.answer(ctx, q.ID, textUnboundInGroup)
			return
		}
		// A command button anyone may press (one too long to bind) is
		// the presser typing the command: it must not change the message
		// it is under, which may be someone else's.
		t.edit = 0
	}
	ev := prep.Event{User: user, Name: q.From.FirstName, Button: data, Delivery: delivery}
	if group {
		ev.Chat = strconv.FormatInt(t.chat, 10)
	}
	done := make(chan []prep.Reply, 1)
	go func() { done <- b.ask(ctx, ev) }()
	timer := time.NewTimer(b.opts.CallbackWait)
	defer timer.Stop()
	var replies []prep.Reply
	select {
	case replies = <-done:
		var notice string
		notice, replies = takeNotice(replies)
		b.answer(ctx, q.ID, notice)
	case <-timer.C:
		// The spinner must stop; a notice that comes later is sent as a
		// message instead.
		b.answer(ctx, q.ID, "")
		replies = <-done
	}
	_ = b.out.enqueue(ctx, b.jobsFor(t, replies), false)
}

// takeNotice removes the first Notice, which becomes the callback's toast.
func takeNotice(replies []prep.Reply) (string, []prep.Reply) {
	for i, r := range replies {
		if r.Kind == prep.Notice {
			rest := append(append([]prep.Reply(nil), replies[:i]...), replies[i+1:]...)
			return plainNotice(r.Text), rest
		}
	}
	return "", replies
}

// answer stops a button's spinner. It goes around the queue: it is not a
// message, and a late answer is useless.
func (b *Bot) answer(ctx context.Context, id, text string) {
	for attempt := 1; attempt <= 2; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := b.call(actx, tgbotapi.NewCallback(id, text))
		cancel()
		if err == nil {
			return
		}
		c := classify(err)
		if attempt == 2 || !(c.verdict == vTransient || c.verdict == vRetryAfter && c.retryAfter <= 2*time.Second) {
			b.log.Warn("telegram: could not answer a button press", "err", err.Error())
			return
		}
		wait := 200 * time.Millisecond
		if c.verdict == vRetryAfter {
			wait = c.retryAfter
		}
		sleep(ctx, wait)
	}
}

// onMemberChange learns of a block before a send fails: Telegram reports
// the bot's own membership of a private chat changing to "kicked" when the
// user blocks it.
func (b *Bot) onMemberChange(ctx context.Context, mc *tgbotapi.ChatMemberUpdated) {
	if mc.Chat.Type != "private" {
		return
	}
	switch mc.NewChatMember.Status {
	case "kicked":
		if b.out.markBlocked(mc.Chat.ID) {
			b.notifyBlocked(ctx, mc.Chat.ID, userKey(mc.Chat.ID))
		}
	case "member":
		b.out.unblock(mc.Chat.ID)
	}
}

// ---------------------------------------------------------------------------
// Replies to requests

// jobsFor renders replies as requests to one chat, in order.
func (b *Bot) jobsFor(t target, replies []prep.Reply) []*job {
	var jobs []*job
	for _, r := range replies {
		kb, dropped := InlineKeyboard(r.Buttons, t.owner)
		if dropped > 0 {
			b.log.Error("telegram: buttons left out: callback data must be 1-64 bytes of UTF-8, at most 100 buttons",
				"chat", t.chat, "dropped", dropped)
		}
		switch {
		case r.Kind == prep.Edit && t.edit != 0:
			jobs = append(jobs, b.editJobs(t, r.Text, kb)...)
		case r.Kind == prep.Photo && len(r.Image) > 0:
			jobs = append(jobs, b.photoJobs(t, r, kb)...)
		default:
			jobs = append(jobs, b.textJobs(t, r.Text, kb)...)
		}
	}
	return jobs
}

func sendText(chat int64, html string, kb *tgbotapi.InlineKeyboardMarkup) tgbotapi.MessageConfig {
	m := tgbotapi.NewMessage(chat, html)
	m.ParseMode = tgbotapi.ModeHTML
	m.DisableWebPagePreview = true
	if kb != nil {
		m.ReplyMarkup = kb
	}
	return m
}

// splitReply splits a reply's text into messages; see splitWithButtons
// for why a reply with buttons is split differently.
func splitReply(text prep.RichText, kb *tgbotapi.InlineKeyboardMarkup) []string {
	if kb != nil {
		return splitWithButtons(text, MaxMessageLen)
	}
	return SplitHTML(text, MaxMessageLen)
}

func (b *Bot) textJobs(t target, text prep.RichText, kb *tgbotapi.InlineKeyboardMarkup) []*job {
	parts := splitReply(text, kb)
	if len(parts) == 0 {
		if kb == nil {
			b.log.Warn("telegram: empty reply not sent", "chat", t.chat)
			return nil
		}
		parts = []string{"…"}
	}
	return sendJobs(t, parts, kb, newSeries(len(parts)))
}

// sendJobs sends parts of one reply as messages, the buttons under the
// last part, where the reader ends.
func sendJobs(t target, parts []string, kb *tgbotapi.InlineKeyboardMarkup, s *series) []*job {
	jobs := make([]*job, len(parts))
	for i, part := range parts {
		var markup *tgbotapi.InlineKeyboardMarkup
		if i == len(parts)-1 {
			markup = kb
		}
		jobs[i] = &job{chat: t.chat, user: t.user, method: "sendMessage", series: s,
			build: func(chat int64) tgbotapi.Chattable { return sendText(chat, part, markup) }}
	}
	return jobs
}

// editJobs replaces the message whose button was pressed. Text too long
// for one message (a revealed answer with a long topic, or characters that
// count twice in UTF-16) is not cut: the first part replaces the message
// and the rest follow as new messages, with the buttons under the last, as
// a long send is split. The old buttons go at once, since the first part
// carries none.
//
// An edit changes only the one message pressed. When that is the last part
// of a split card (a rating turning it into the summary), the parts above
// it stay: they are the answer the user read, and splitWithButtons keeps
// all of it out of the part with the buttons.
func (b *Bot) editJobs(t target, text prep.RichText, kb *tgbotapi.InlineKeyboardMarkup) []*job {
	parts := splitReply(text, kb)
	if len(parts) == 0 {
		parts = []string{"…"}
	}
	s := newSeries(len(parts))
	first, firstKB := parts[0], kb
	if len(parts) > 1 {
		firstKB = nil
	}
	msgID := t.edit
	edit := &job{chat: t.chat, user: t.user, method: "editMessageText", series: s,
		build: func(chat int64) tgbotapi.Chattable {
			e := tgbotapi.NewEditMessageText(chat, msgID, first)
			e.ParseMode = tgbotapi.ModeHTML
			e.DisableWebPagePreview = true
			e.ReplyMarkup = firstKB // nil removes the old buttons, as a rated card should
			return e
		},
		fallback: func(chat int64) tgbotapi.Chattable { return sendText(chat, first, firstKB) },
	}
	return append([]*job{edit}, sendJobs(t, parts[1:], kb, s)...)
}

func (b *Bot) photoJobs(t target, r prep.Reply, kb *tgbotapi.InlineKeyboardMarkup) []*job {
	full, _ := flatten(normalize(r.Text))
	fits := textLen(full) <= MaxCaptionLen
	caption := ""
	if fits {
		caption = RenderHTML(r.Text)
	}
	img := r.Image
	photoKB := kb
	if !fits {
		photoKB = nil
	}
	jobs := []*job{{chat: t.chat, user: t.user, method: "sendPhoto",
		build: func(chat int64) tgbotapi.Chattable {
			p := tgbotapi.NewPhoto(chat, tgbotapi.FileBytes{Name: "chart.png", Bytes: img})
			p.Caption = caption
			if caption != "" {
				p.ParseMode = tgbotapi.ModeHTML
			}
			if photoKB != nil {
				p.ReplyMarkup = photoKB
			}
			return p
		}}}
	if !fits {
		// A caption too long for a photo follows it as messages.
		jobs = append(jobs, b.textJobs(t, r.Text, kb)...)
	}
	return jobs
}

// execute makes one attempt of a job for the outbox.
func (b *Bot) execute(ctx context.Context, j *job) result {
	_, err := b.call(ctx, j.build(j.chat))
	if err == nil {
		return result{outcome: sent}
	}
	if ctx.Err() != nil {
		return result{outcome: interrupted}
	}
	c := classify(err)
	switch c.verdict {
	case vNotModified:
		return result{outcome: sent}
	case vRetryAfter:
		b.log.Info("telegram: rate-limited by Telegram; waiting", "chat", j.chat, "retry_after", c.retryAfter)
		return result{outcome: wait429, retryAfter: c.retryAfter}
	case vMigrated:
		b.log.Info("telegram: group moved to a supergroup", "chat", j.chat, "new_chat", c.migrateTo)
		j.chat = c.migrateTo
		return result{outcome: again}
	case vBlocked:
		return result{outcome: blocked}
	case vBadRequest, vConflict:
		if j.fallback != nil {
			b.log.Info("telegram: edit refused; sending a new message instead", "chat", j.chat, "answer", c.desc)
			j.build, j.fallback, j.method = j.fallback, nil, "sendMessage"
			return result{outcome: again}
		}
		b.log.Error("telegram: Telegram refused a message", "chat", j.chat, "method", j.method, "err", err.Error())
		return result{outcome: dropped}
	case vUnauthorized:
		b.log.Error("telegram: message not sent: the token was rejected", "chat", j.chat, "method", j.method)
		return result{outcome: dropped}
	}
	b.log.Warn("telegram: send failed; will retry", "chat", j.chat, "method", j.method,
		"attempt", j.attempts, "err", err.Error())
	return result{outcome: failed}
}
