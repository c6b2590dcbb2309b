package telegram

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
	"strconv"
	"strings"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
)

// Options configure a Bot. The zero value of every field but Token (and
// Store, when polling) means the documented default.
type Options struct {
	// Token is the bot token from @BotFather (PREPBOT_TELEGRAM_TOKEN). It
	// is never logged: the library puts it in request URLs, which are
	// scrubbed from every error.
	Token string
	// APIBase is the Bot API server; default https://api.telegram.org. The
	// bot calls APIBase/bot<token>/<method>.
	APIBase string
	// HTTPClient makes the API calls. The default has a timeout that fits
	// the long poll (PollTimeout + 10 s) and bounded dial and TLS
	// handshakes, and keeps enough idle connections for the send workers.
	// A client given here needs a Timeout longer than PollTimeout (or none).
	HTTPClient *http.Client
	// Store persists the getUpdates offset (cursor "telegram.offset");
	// required when polling.
	Store prep.Store
	// Allowed lists who may use the bot: numeric Telegram user ids or
	// @usernames. Empty means anyone (a warning is logged at start).
	Allowed []string
	// Logger receives structured logs; default discards them.
	Logger *slog.Logger
	// Now is the clock for readiness and the stranger-refusal throttle;
	// default time.Now.
	Now func() time.Time
	// PollTimeout is the long-poll timeout of getUpdates, rounded up to
	// whole seconds (Telegram's unit); default 30 s.
	PollTimeout time.Duration
	// GlobalRate caps outgoing messages per second over all chats; default
	// 30, Telegram's limit.
	GlobalRate float64
	// PerChatRate caps messages per second in one private chat; default 1.
	// Groups get a third of it (Telegram's 20 a minute at the default).
	PerChatRate float64
	// PerChatBurst is how many messages a chat may get at once before
	// PerChatRate applies; default 3.
	PerChatBurst int
	// Webhook switches from long polling to a webhook when its URL is set.
	Webhook Webhook
	// OnBlocked is called (once per episode) when a user's private chat
	// answers 403, typically "bot was blocked by the user", so the caller
	// can stop scheduled pushes. Optional.
	OnBlocked func(ctx context.Context, user prep.UserKey)
	// CallbackWait is how long a button press waits for the coach before its
	// spinner is stopped with an empty answer; default 1 s.
	CallbackWait time.Duration
	// Retry tunes the back-off after network errors and 5xx answers.
	Retry Retry
	// DrainTimeout bounds how long Run keeps sending queued messages after
	// its context is cancelled; default 10 s.
	DrainTimeout time.Duration
}

// Webhook configures webhook mode: Telegram POSTs each update to URL, and
// the bot serves it on Listen (or Listener).
type Webhook struct {
	// URL is the public HTTPS address Telegram calls; its path is the path
	// served.
	URL string
	// Listen is the local address to serve on, e.g. ":8443".
	Listen string
	// Listener, if set, is used instead of Listen (tests, socket
	// activation). The bot closes it when Run returns.
	Listener net.Listener
	// Secret is the X-Telegram-Bot-Api-Secret-Token Telegram must send:
	// 1–256 of A–Z, a–z, 0–9, _ and -. Empty means a random one per start.
	Secret string
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
	DefaultAPIBase      = "https://api.telegram.org"
	DefaultPollTimeout  = 30 * time.Second
	DefaultGlobalRate   = 30
	DefaultPerChatRate  = 1
	DefaultPerChatBurst = 3
	DefaultCallbackWait = time.Second
	DefaultDrainTimeout = 10 * time.Second
)

var (
	tokenRE    = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)
	usernameRE = regexp.MustCompile(`^@[A-Za-z0-9_]{1,32}$`)
	secretRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	commandRE  = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
)

// withDefaults validates the options and fills in defaults. Messages name
// the setting a person changes, never the token's value.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("telegram: "+format, args...)) }

	switch {
	case o.Token == "":
		bad("no bot token: set PREPBOT_TELEGRAM_TOKEN to the token @BotFather gave you")
	case !tokenRE.MatchString(o.Token):
		bad("PREPBOT_TELEGRAM_TOKEN does not look like a bot token (want digits, a colon, then letters, digits, _ or -)")
	}
	if o.APIBase == "" {
		o.APIBase = DefaultAPIBase
	}
	o.APIBase = strings.TrimRight(o.APIBase, "/")
	if u, err := url.Parse(o.APIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("API base %q is not an http(s) URL", o.APIBase)
	}
	for _, a := range o.Allowed {
		a = strings.TrimSpace(a)
		if id, err := strconv.ParseInt(a, 10, 64); err == nil && id > 0 {
			continue
		}
		if usernameRE.MatchString(a) {
			continue
		}
		bad("allowed user %q is neither a numeric Telegram user id nor an @username", a)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch {
	case o.PollTimeout < 0:
		bad("poll timeout %v is negative", o.PollTimeout)
	case o.PollTimeout == 0:
		o.PollTimeout = DefaultPollTimeout
	default:
		o.PollTimeout = time.Duration(math.Ceil(o.PollTimeout.Seconds())) * time.Second
	}
	o.GlobalRate = positiveOr(o.GlobalRate, DefaultGlobalRate, "global rate", bad)
	o.PerChatRate = positiveOr(o.PerChatRate, DefaultPerChatRate, "per-chat rate", bad)
	switch {
	case o.PerChatBurst < 0:
		bad("per-chat burst %d is negative", o.PerChatBurst)
	case o.PerChatBurst == 0:
		o.PerChatBurst = DefaultPerChatBurst
	}
	if o.CallbackWait < 0 {
		bad("callback wait %v is negative", o.CallbackWait)
	} else if o.CallbackWait == 0 {
		o.CallbackWait = DefaultCallbackWait
	}
	if o.DrainTimeout < 0 {
		bad("drain timeout %v is negative", o.DrainTimeout)
	} else if o.DrainTimeout == 0 {
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
	if w := o.Webhook; w.URL != "" {
		if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("webhook URL %q is not an https URL", w.URL)
		}
		if w.Listen == "" && w.Listener == nil {
			bad("webhook mode needs a listen address (e.g. :8443) for %s", w.URL)
		}
		if w.Secret != "" && !secretRE.MatchString(w.Secret) {
			bad("webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
		}
	} else if o.Store == nil {
		bad("a Store is required to keep the update offset across restarts")
	}
	if c := o.HTTPClient; c != nil && c.Timeout != 0 && c.Timeout <= o.PollTimeout {
		bad("the HTTP client's timeout %v must be longer than the poll timeout %v, or every long poll fails", c.Timeout, o.PollTimeout)
	}
	if len(errs) > 0 {
		return o, errors.Join(errs...)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = defaultClient(o.PollTimeout, workersFor(o.GlobalRate))
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
// noticed (the library's own default client has no timeout at all).
func defaultClient(poll time.Duration, conns int) *http.Client {
	return &http.Client{
		Timeout: poll + 10*time.Second,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: poll + 10*time.Second,
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
type allowList struct {
	ids   map[int64]bool
	names map[string]bool // lower-case, without "@"
}

func newAllowList(entries []string) allowList {
	a := allowList{ids: map[int64]bool{}, names: map[string]bool{}}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if id, err := strconv.ParseInt(e, 10, 64); err == nil {
			a.ids[id] = true
		} else {
			a.names[strings.ToLower(strings.TrimPrefix(e, "@"))] = true
		}
	}
	return a
}

func (a allowList) open() bool { return len(a.ids) == 0 && len(a.names) == 0 }

func (a allowList) allows(id int64, username string) bool {
	return a.open() || a.ids[id] || (username != "" && a.names[strings.ToLower(username)])
}
