package slack

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/prepbot/prepbot/internal/prep"
)

// MaxMessageLen is the longest text a user may send the coach, in
// characters; longer messages get an explanation instead.
const MaxMessageLen = 4096

// Texts the adapter answers with itself, without asking the coach.
const (
	textSentToDM   = "Sent to your DM with prepbot."
	textOnlyText   = "I only read text. Please type your answer, or a command such as `/prep help`."
	textStale      = "This button no longer works."
	textCoachError = "Sorry, something went wrong on my side. Please try again."
	textNoDM       = "I could not open a direct message with you, where I keep your quiz. Please open prepbot's Messages tab and try again."
)

func refusal(userID string) string {
	return fmt.Sprintf("This is a private prepbot. Ask its owner to add your Slack user id %s to PREPBOT_SLACK_ALLOWED_USERS.", userID)
}

func otherTeam(userID string) string {
	return fmt.Sprintf("This prepbot serves another workspace, so it cannot coach you here (your Slack user id is %s).", userID)
}

func tooLong(n int) string {
	return fmt.Sprintf("That message is too long for me (%d characters; the limit is %d). Please send a shorter one.", n, MaxMessageLen)
}

// kind is what a user did.
type kind uint8

const (
	kindMessage kind = iota + 1 // wrote in their DM with the bot
	kindFile                    // shared a file (or sent media) in the DM
	kindCommand                 // typed the slash command anywhere
	kindButton                  // pressed one of the bot's buttons
)

// incoming is one user action, decoded from Socket Mode or HTTP alike.
type incoming struct {
	kind     kind
	delivery string // "slack:" + a stable id of this delivery
	userID   string
	teamID   string
	name     string
	channel  string // where it happened
	text     string // typed text, already unescaped (message, command)
	ts       string // the message whose button was pressed
	value    string // the button's value
	// responseURL answers a command or a button press in place, even in a
	// channel the bot is not in; "" when there is none or it is not
	// Slack's.
	responseURL string
	ephemeral   bool // the pressed button was on an ephemeral message
}

// fromEventsAPI decodes a message in the bot's DM. It reports false for
// everything the bot ignores: other events, other channels, the bot's own
// and other bots' messages, edits, deletions and other subtypes. The bot's
// own messages are told by its user id (self) as well as by bot_id, which
// Slack does not put on every one of them: answering one would make the
// bot talk to itself.
func fromEventsAPI(ev slackevents.EventsAPIEvent, fallbackID, self string) (incoming, bool) {
	if ev.Type != slackevents.CallbackEvent {
		return incoming{}, false
	}
	id := fallbackID
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
		// The event id is the same on every retry of an event, over HTTP
		// and Socket Mode alike.
		id = cb.EventID
	}
	m, ok := ev.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok || m.ChannelType != "im" || m.BotID != "" || m.User == "" || m.User == self {
		return incoming{}, false
	}
	in := incoming{
		kind:     kindMessage,
		delivery: "slack:" + id,
		userID:   m.User,
		teamID:   firstOf(m.UserTeam, ev.TeamID),
		channel:  m.Channel,
		text:     fromMrkdwn(m.Text),
	}
	switch m.SubType {
	case "":
	case "file_share":
		in.kind = kindFile
	default:
		return incoming{}, false
	}
	return in, true
}

// fromCommand decodes the slash command. Its text is a subcommand and its
// arguments: "/prep ask sql" reaches the coach as "/ask sql", "/prep" alone
// as "/help".
func fromCommand(c slackgo.SlashCommand, id string, apiBase string) incoming {
	sub := strings.TrimPrefix(strings.TrimSpace(fromMrkdwn(c.Text)), "/")
	if sub == "" {
		sub = "help"
	}
	return incoming{
		kind:        kindCommand,
		delivery:    "slack:" + id,
		userID:      c.UserID,
		teamID:      c.TeamID,
		name:        c.UserName,
		channel:     c.ChannelID,
		text:        "/" + sub,
		responseURL: safeResponseURL(c.ResponseURL, apiBase),
	}
}

// fromInteraction decodes a press of one of the bot's buttons; other
// interactions (shortcuts, modals, menus) are not the bot's and report
// false.
func fromInteraction(cb slackgo.InteractionCallback, id string, apiBase string) (incoming, bool) {
	if cb.Type != slackgo.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return incoming{}, false
	}
	a := cb.ActionCallback.BlockActions[0]
	if a == nil || a.Type != slackgo.ActionType(slackgo.METButton) {
		return incoming{}, false
	}
	in := incoming{
		kind:        kindButton,
		delivery:    "slack:" + id,
		userID:      cb.User.ID,
		teamID:      firstOf(cb.Team.ID, cb.User.TeamID),
		name:        firstOf(cb.User.Name, cb.User.Profile.DisplayName),
		channel:     firstOf(cb.Container.ChannelID, cb.Channel.ID),
		ts:          firstOf(cb.Container.MessageTs, cb.Message.Timestamp),
		value:       a.Value,
		responseURL: safeResponseURL(cb.ResponseURL, apiBase),
		ephemeral:   cb.Container.IsEphemeral,
	}
	if in.userID == "" {
		return incoming{}, false
	}
	return in, true
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// fromMrkdwn turns what a user typed, as Slack sends it, back into plain
// text: entities decoded, links and mentions shown as their label (or
// their target when they have none). A typed "a < b" arrives as "a &lt; b"
// and must reach the coach as the user wrote it.
func fromMrkdwn(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		inner := s[i+1 : i+j]
		target, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case hasLabel:
			b.WriteString(label)
		case strings.HasPrefix(target, "mailto:"):
			b.WriteString(strings.TrimPrefix(target, "mailto:"))
		default:
			b.WriteString(target)
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(b.String())
}

// safeResponseURL keeps a response_url only when it is Slack's (or the
// configured API's, for tests and proxies): the bot posts to it.
func safeResponseURL(raw, apiBase string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if u.Scheme == "https" && (host == "slack.com" || strings.HasSuffix(host, ".slack.com")) {
		return raw
	}
	if api, err := url.Parse(apiBase); err == nil && u.Scheme == api.Scheme && strings.EqualFold(u.Host, api.Host) {
		return raw
	}
	return ""
}

// dispatch hands an action to its user's queue: one at a time per user,
// in order.
func (b *Bot) dispatch(ctx context.Context, in incoming) {
	ctx = context.WithoutCancel(ctx) // an event in hand is finished on shutdown
	if !b.users.do(in.userID, func() { b.handle(ctx, in) }) {
		b.log.Error("slack: too many events waiting for one user; event dropped", "user", in.userID, "delivery", in.delivery)
	}
}

// handle turns one action into an event for the coach and queues the
// replies.
func (b *Bot) handle(ctx context.Context, in incoming) {
	user := prep.NewUserKey(prep.Slack, in.userID)
	if !b.permitted(in) {
		b.refuse(ctx, in)
		return
	}
	b.out.unblock(user)
	t := target{user: user, userID: in.userID, responseURL: in.responseURL, live: true}
	ev := prep.Event{User: user, Name: in.name, Delivery: in.delivery}
	var jobs []*job
	switch in.kind {
	case kindMessage, kindFile:
		b.rememberDM(in.userID, in.channel)
		t.channel = in.channel
		if in.kind == kindFile {
			b.say(ctx, t, textOnlyText)
			return
		}
		if n := utf8.RuneCountInString(in.text); n > MaxMessageLen {
			b.say(ctx, t, tooLong(n))
			return
		}
		if strings.TrimSpace(in.text) == "" {
			return
		}
		ev.Text = in.text
	case kindCommand:
		dm, err := b.openDMNow(ctx, in.userID)
		if err != nil {
			// The coach is not asked: its replies would have nowhere to go.
			b.log.Warn("slack: could not open the DM for a slash command", "user", in.userID, "err", err.Error())
			b.respond(ctx, in, textNoDM)
			return
		}
		t.channel = dm
		ev.Text = in.text
		if dm != in.channel && in.responseURL != "" {
			jobs = append(jobs, b.respondJob(in, textSentToDM))
		}
	case kindButton:
		t.channel = in.channel
		if !in.ephemeral {
			// The bot posts buttons only in its DMs (ephemeral notices
			// carry none), so the pressed message's channel is the DM.
			b.rememberDM(in.userID, in.channel)
			t.ts = in.ts
		}
		if !validButtonData(in.value) {
			b.notice(ctx, t, textStale)
			return
		}
		ev.Button = in.value
	default:
		return
	}
	ev.ZoneHint = b.profileZone(ctx, in.userID)
	replies := b.ask(ctx, ev)
	jobs = append(jobs, b.jobsFor(t, replies)...)
	_ = b.out.enqueue(ctx, jobs, false)
}

// openDMNow resolves the user's DM for a slash command with a short,
// bounded wait: it decides whether the command was typed in the DM.
func (b *Bot) openDMNow(ctx context.Context, userID string) (string, error) {
	if ch := b.knownDM(userID); ch != "" {
		return ch, nil
	}
	bo := backoff{initial: b.opts.Retry.Initial, max: b.opts.Retry.Max}
	deadline := time.Now().Add(10 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ch, err := b.openDM(cctx, userID)
		cancel()
		if err == nil {
			return ch, nil
		}
		c := classify(err)
		wait := bo.next()
		if c.verdict == vRetryAfter {
			wait = c.retryAfter
		}
		if (c.verdict != vTransient && c.verdict != vRetryAfter) || time.Now().Add(wait).After(deadline) {
			return "", err
		}
		if !sleep(ctx, wait) {
			return "", err
		}
	}
}

// permitted applies the allow-list and the workspace restriction.
func (b *Bot) permitted(in incoming) bool {
	if b.opts.Team != "" && in.teamID != b.opts.Team {
		return false
	}
	return b.allow.allows(in.userID)
}

// refuse tells a stranger how to get access, at most once a minute each,
// so that a stranger cannot make the bot spend its rate limits. The coach
// never hears of them.
func (b *Bot) refuse(ctx context.Context, in incoming) {
	now := b.opts.Now()
	b.mu.Lock()
	last, seen := b.refused[in.userID]
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
	b.refused[in.userID] = now
	b.mu.Unlock()
	text := refusal(in.userID)
	if b.opts.Team != "" && in.teamID != b.opts.Team {
		text = otherTeam(in.userID)
	}
	b.log.Info("slack: refused a user", "user", in.userID, "team", in.teamID)
	b.respond(ctx, in, text)
}

// respond answers an action only its user sees: through the response_url
// when there is one (it works in any channel), else in the DM it came from.
func (b *Bot) respond(ctx context.Context, in incoming, text string) {
	if in.responseURL != "" {
		_ = b.out.enqueue(ctx, []*job{b.respondJob(in, text)}, false)
		return
	}
	if in.channel != "" {
		b.say(ctx, target{channel: in.channel}, text)
	}
}

// say posts a text of the adapter's own.
func (b *Bot) say(ctx context.Context, t target, text string) {
	_ = b.out.enqueue(ctx, b.jobsFor(t, []prep.Reply{{Kind: prep.Send, Text: prep.Text(text)}}), false)
}

// notice shows a text of the adapter's own to the user only.
func (b *Bot) notice(ctx context.Context, t target, text string) {
	_ = b.out.enqueue(ctx, b.jobsFor(t, []prep.Reply{{Kind: prep.Notice, Text: prep.Text(text)}}), false)
}

// ask calls the coach. A panic is turned into an apology, so that one bad
// event cannot crash the bot again on every redelivery.
func (b *Bot) ask(ctx context.Context, ev prep.Event) (replies []prep.Reply) {
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("slack: the coach panicked; event skipped", "delivery", ev.Delivery, "panic", fmt.Sprint(p))
			replies = []prep.Reply{{Kind: prep.Send, Text: prep.Text(textCoachError)}}
		}
	}()
	return b.coach.Handle(ctx, ev)
}

// rewriteCommands shows the coach's commands as Slack users type them:
// the coach says "/ask", a Slack user types "/prep ask" (Slack does not
// pass "/ask" to the app). Only whole words naming one of the coach's
// commands change, in plain, bold, italic and code spans; code blocks and
// links stay as they are.
func (b *Bot) rewriteCommands(t prep.RichText) prep.RichText {
	if len(b.cmds) == 0 {
		return t
	}
	var out prep.RichText
	for _, s := range t {
		switch s.Style {
		case prep.Plain, prep.Bold, prep.Italic, prep.Code:
			s.Text = rewriteCommandWords(s.Text, b.opts.Command, b.cmds)
		}
		out = append(out, s)
	}
	return out
}

// rewriteCommandWords replaces "/name" by "<command> name" where name is a
// known command and the slash starts a word.
func rewriteCommandWords(s, command string, known map[string]bool) string {
	if !strings.Contains(s, "/") {
		return s
	}
	var b strings.Builder
	i := 0
	for i < len(s) {
		j := strings.IndexByte(s[i:], '/')
		if j < 0 {
			break
		}
		j += i
		b.WriteString(s[i:j])
		end := j + 1
		for end < len(s) && isCommandByte(s[end]) {
			end++
		}
		name := s[j+1 : end]
		prev, _ := utf8.DecodeLastRuneInString(s[:j])
		startsWord := j == 0 || strings.ContainsRune(" \t\n(\"'“‘`", prev)
		endsWord := end == len(s) || !(s[end] == '/' || s[end] == '@')
		if startsWord && endsWord && known[strings.ToLower(name)] {
			b.WriteString(command + " " + name)
		} else {
			b.WriteString(s[j:end])
		}
		i = end
	}
	b.WriteString(s[i:])
	return b.String()
}

func isCommandByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
