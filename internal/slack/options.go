package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
)

// Options configure a Bot. The zero value of every field but BotToken and
// AppToken (Socket Mode) or SigningSecret (HTTP mode) means the documented
// default.
//
// The mode is chosen by Listen: empty means Socket Mode (the bot dials out to
// Slack over a WebSocket, nothing to expose), an address means HTTP mode
// (Slack POSTs events, interactions and slash commands to this server).
type Options struct {
	// BotToken is the bot user's OAuth token, xoxb-… (PREPBOT_SLACK_BOT_TOKEN).
	// Never logged.
	BotToken string
	// AppToken is the app-level token with the connections:write scope,
	// xapp-… (PREPBOT_SLACK_APP_TOKEN); required in Socket Mode, unused in
	// HTTP mode. Never logged.
	AppToken string
	// SigningSecret verifies that HTTP requests come from Slack
	// (PREPBOT_SLACK_SIGNING_SECRET); required in HTTP mode.
	SigningSecret string
	// Listen switches to HTTP mode when set: the address the HTTP server
	// listens on, e.g. ":3000" (PREPBOT_SLACK_LISTEN). It serves
	// /slack/events, /slack/interactive and /slack/commands.
	Listen string
	// Listener, if set, is used instead of Listen and implies HTTP mode
	// (tests, socket activation). The bot closes it when Run returns.
	Listener net.Listener
	// APIBase is the Web API base URL (PREPBOT_SLACK_API); default
	// https://slack.com/api/.
	APIBase string
	// Command is the slash command the app registers (PREPBOT_SLACK_COMMAND);
	// default "/prep". Its first word picks the coach's command: "/prep ask
	// sql" is the coach's "/ask sql". Replies mentioning the coach's commands
	// ("/ask") are shown as "/prep ask", which is what a Slack user types.
	Command string
	// Allowed lists the Slack user ids (U… or W…) who may use the bot
	// (PREPBOT_SLACK_ALLOWED_USERS). Empty means anyone in the workspace (a
	// warning is logged at start).
	Allowed []string
	// Team restricts the bot to one workspace id, T… (PREPBOT_SLACK_TEAM);
	// empty means any workspace the app is installed in.
	Team string
	// Logger receives structured logs; default discards them.
	Logger *slog.Logger
	// Now is the clock for the stranger-refusal throttle and the expiry of
	// cached profile time zones; default time.Now. Request signatures are
	// checked against the real clock, as slack-go does.
	Now func() time.Time
	// HTTPClient makes the Web API calls. The default has a 30 s timeout and
	// bounded dial and TLS handshakes.
	HTTPClient *http.Client
	// GlobalRate caps outgoing calls per second over all channels; default 10.
	// Slack's limits are per method and workspace (chat.postMessage about
	// one a second per channel, chat.update 50 a minute); the per-method
	// limits are built in.
	GlobalRate float64
	// PerChannelRate caps messages per second in one channel; default 1,
	// Slack's limit for chat.postMessage.
	PerChannelRate float64
	// PerChannelBurst is how many messages a channel may get at once before
	// PerChannelRate applies; default 3 (Slack tolerates short bursts).
	PerChannelBurst int
	// OnBlocked is called (once per episode) when a user cannot be messaged
	// any more (account deactivated, user gone, DM closed to the app), so
	// the caller can stop scheduled pushes. Optional.
	OnBlocked func(ctx context.Context, user prep.UserKey)
	// Retry tunes the back-off after network errors and 5xx answers.
	Retry Retry
	// DrainTimeout bounds how long Run keeps handling events in hand and
	// sending queued messages after its context is cancelled; default 10 s.
	DrainTimeout time.Duration
}

// Retry tunes exponential back-off with jitter.
type Retry struct {
	// Initial is the first wait; default 1 s.
	Initial time.Duration
	// Max caps a single wait; default 1 min.
	Max time.Duration
	// GiveUp is how long a message may keep failing with network errors or
	// 5xx before it is dropped and logged; default 2 min.
	GiveUp time.Duration
}

// Defaults of Options.
const (
	DefaultAPIBase         = "https://slack.com/api/"
	DefaultCommand         = "/prep"
	DefaultGlobalRate      = 10
	DefaultPerChannelRate  = 1
	DefaultPerChannelBurst = 3
	DefaultDrainTimeout    = 10 * time.Second
)

// Paths served in HTTP mode; give Slack these as request URLs.
const (
	EventsPath      = "/slack/events"
	InteractivePath = "/slack/interactive"
	CommandsPath    = "/slack/commands"
)

var (
	userIDRE  = regexp.MustCompile(`^[UW][A-Z0-9]{1,20}$`)
	teamIDRE  = regexp.MustCompile(`^[TE][A-Z0-9]{1,20}$`)
	commandRE = regexp.MustCompile(`^/[a-z0-9_-]{1,31}$`)
)

// httpMode reports whether the options select HTTP mode.
func (o Options) httpMode() bool { return o.Listen != "" || o.Listener != nil }

// withDefaults validates the options and fills in defaults. Messages name
// the PREPBOT_SLACK_* variable a person changes, never a token's value.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("slack: "+format, args...)) }

	o.BotToken = strings.TrimSpace(o.BotToken)
	o.AppToken = strings.TrimSpace(o.AppToken)
	o.SigningSecret = strings.TrimSpace(o.SigningSecret)
	switch {
	case o.BotToken == "":
		bad("no bot token: set PREPBOT_SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-…)")
	case !strings.HasPrefix(o.BotToken, "xoxb-"):
		bad("PREPBOT_SLACK_BOT_TOKEN must be the Bot User OAuth Token, which starts with xoxb-")
	}
	if o.httpMode() {
		if o.SigningSecret == "" {
			bad("HTTP mode (PREPBOT_SLACK_LISTEN is set) needs PREPBOT_SLACK_SIGNING_SECRET, the app's Signing Secret from Basic Information")
		}
	} else {
		switch {
		case o.AppToken == "":
			bad("Socket Mode needs PREPBOT_SLACK_APP_TOKEN, an app-level token (xapp-…) with the connections:write scope; or set PREPBOT_SLACK_LISTEN for HTTP mode")
		case !strings.HasPrefix(o.AppToken, "xapp-"):
			bad("PREPBOT_SLACK_APP_TOKEN must be an app-level token, which starts with xapp-")
		}
	}
	if o.APIBase == "" {
		o.APIBase = DefaultAPIBase
	}
	if !strings.HasSuffix(o.APIBase, "/") {
		// slack-go joins the base and the method name without a separator.
		o.APIBase += "/"
	}
	if u, err := url.Parse(o.APIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("PREPBOT_SLACK_API %q is not an http(s) URL such as %s", o.APIBase, DefaultAPIBase)
	}
	if o.Command == "" {
		o.Command = DefaultCommand
	}
	if !commandRE.MatchString(o.Command) {
		bad("PREPBOT_SLACK_COMMAND %q must be a slash command such as /prep (lower case, at most 32 characters)", o.Command)
	}
	o.Allowed = append([]string(nil), o.Allowed...) // trimmed below; the caller's slice stays as it was
	for i, a := range o.Allowed {
		a = strings.TrimSpace(a)
		o.Allowed[i] = a
		if !userIDRE.MatchString(a) {
			bad("PREPBOT_SLACK_ALLOWED_USERS: %q is not a Slack user id (U… or W…; find it in the user's profile under ⋮ → Copy member ID)", a)
		}
	}
	o.Team = strings.TrimSpace(o.Team)
	if o.Team != "" && !teamIDRE.MatchString(o.Team) {
		bad("PREPBOT_SLACK_TEAM %q is not a workspace id (T…)", o.Team)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.GlobalRate = positiveOr(o.GlobalRate, DefaultGlobalRate, "global rate", bad)
	o.PerChannelRate = positiveOr(o.PerChannelRate, DefaultPerChannelRate, "per-channel rate", bad)
	switch {
	case o.PerChannelBurst < 0:
		bad("per-channel burst %d is negative", o.PerChannelBurst)
	case o.PerChannelBurst == 0:
		o.PerChannelBurst = DefaultPerChannelBurst
	}
	switch {
	case o.DrainTimeout < 0:
		bad("drain timeout %v is negative", o.DrainTimeout)
	case o.DrainTimeout == 0:
		o.DrainTimeout = DefaultDrainTimeout
	}
	if o.Retry.Initial <= 0 {
		o.Retry.Initial = time.Second
	}
	if o.Retry.Max <= 0 {
		o.Retry.Max = time.Minute
	}
	if o.Retry.Max < o.Retry.Initial {
		o.Retry.Max = o.Retry.Initial
	}
	if o.Retry.GiveUp <= 0 {
		o.Retry.GiveUp = 2 * time.Minute
	}
	if len(errs) > 0 {
		return o, errors.Join(errs...)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = defaultClient(workersFor(o.GlobalRate))
	}
	return o, nil
}

func positiveOr(v, def float64, name string, bad func(string, ...any)) float64 {
	switch {
	case v < 0 || math.IsNaN(v) || math.IsInf(v, 0):
		bad("%s %v must be a positive number of messages per second", name, v)
		return def
	case v == 0:
		return def
	}
	return v
}

// defaultClient bounds every phase of a request so that a dead network is
// noticed: slack-go's own default is http.DefaultClient, which never times
// out.
func defaultClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			MaxIdleConns:          conns + 4,
			MaxIdleConnsPerHost:   conns + 4,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		},
	}
}

// workersFor sizes the send pool so that the global rate is reachable with
// a round trip of up to ~200 ms to the API.
func workersFor(global float64) int {
	return min(64, max(4, int(math.Ceil(global/5))))
}

// allowList matches users against Options.Allowed.
type allowList map[string]bool

func newAllowList(ids []string) allowList {
	a := allowList{}
	for _, id := range ids {
		a[id] = true
	}
	return a
}

func (a allowList) open() bool { return len(a) == 0 }

func (a allowList) allows(id string) bool { return a.open() || a[id] }
