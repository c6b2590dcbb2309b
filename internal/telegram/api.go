package telegram

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Errors New and Run return; compare with errors.Is.
var (
	// ErrTokenRejected: the Bot API answered 401 (or 404) to the token.
	ErrTokenRejected = errors.New("telegram: the Bot API rejected PREPBOT_TELEGRAM_TOKEN; check the token @BotFather gave you")
	// ErrClosed: the bot's Run has returned; nothing more is sent.
	ErrClosed = errors.New("telegram: bot is shut down")
)

// doer adapts one API call to the library's HTTPClient: it carries the
// call's context (the library builds requests without one), remembers the
// HTTP status (the library drops it, and its upload path even drops the
// error code), and removes the token from URL errors before anyone can log
// them.
type doer struct {
	ctx    context.Context
	client *http.Client
	token  string
	status int
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.client.Do(req.WithContext(d.ctx))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = strings.ReplaceAll(ue.URL, d.token, "<token>")
		}
		return nil, err
	}
	d.status = resp.StatusCode
	return resp, nil
}

// apiError is a failed Bot API call with the HTTP status seen.
type apiError struct {
	method string
	status int
	err    error
}

func (e *apiError) Error() string {
	msg := e.err.Error()
	if e.status != 0 && !strings.Contains(msg, fmt.Sprint(e.status)) {
		msg += fmt.Sprintf(" (HTTP %d)", e.status)
	}
	return "telegram: " + e.method + ": " + msg
}

func (e *apiError) Unwrap() error { return e.err }

// verdict is what to do about a failed call.
type verdict uint8

const (
	vTransient    verdict = iota // network, 5xx, garbled body: back off and retry
	vRetryAfter                  // 429: wait retry_after, then retry the same request
	vNotModified                 // edit to identical content: success
	vBlocked                     // 403: the user blocked the bot, or it was kicked
	vUnauthorized                // 401: the token is wrong or revoked
	vConflict                    // 409: another getUpdates or a webhook
	vMigrated                    // the group became a supergroup with a new id
	vBadRequest                  // any other 4xx: retrying cannot help
)

type classified struct {
	verdict    verdict
	retryAfter time.Duration
	migrateTo  int64
	desc       string
}

// classify reads an error from call. A body that is not JSON (a proxy's HTML
// error page) surfaces as a JSON syntax error: that is transient unless the
// status says otherwise.
func classify(err error) classified {
	status := 0
	var ae *apiError
	if errors.As(err, &ae) {
		status = ae.status
	}
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		switch status {
		case http.StatusUnauthorized:
			return classified{verdict: vUnauthorized, desc: "Unauthorized"}
		case http.StatusTooManyRequests:
			return classified{verdict: vRetryAfter, retryAfter: time.Second, desc: "Too Many Requests"}
		}
		return classified{verdict: vTransient, desc: err.Error()}
	}
	code := te.Code
	if code == 0 {
		code = status
	}
	c := classified{desc: te.Message}
	switch {
	case te.RetryAfter > 0:
		c.verdict, c.retryAfter = vRetryAfter, time.Duration(te.RetryAfter)*time.Second
	case code == http.StatusTooManyRequests:
		c.verdict, c.retryAfter = vRetryAfter, time.Second
	case te.MigrateToChatID != 0:
		c.verdict, c.migrateTo = vMigrated, te.MigrateToChatID
	case code == http.StatusUnauthorized:
		c.verdict = vUnauthorized
	case code == http.StatusForbidden:
		c.verdict = vBlocked
	case code == http.StatusConflict:
		c.verdict = vConflict
	case code >= 500 || code == 0:
		c.verdict = vTransient
	case strings.Contains(te.Message, "message is not modified"):
		c.verdict = vNotModified
	default:
		c.verdict = vBadRequest
	}
	return c
}

// call makes one request with ctx. The library's BotAPI is copied per call
// so that each call has its own doer; the copy shares nothing mutable.
func (b *Bot) call(ctx context.Context, c tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	d := &doer{ctx: ctx, client: b.opts.HTTPClient, token: b.opts.Token}
	api := *b.api
	api.Client = d
	resp, err := api.Request(c)
	if err != nil {
		return resp, &apiError{method: methodOf(c), status: d.status, err: err}
	}
	return resp, nil
}

// raw makes a request the library has no config for (setWebhook with
// secret_token).
func (b *Bot) raw(ctx context.Context, method string, params tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	d := &doer{ctx: ctx, client: b.opts.HTTPClient, token: b.opts.Token}
	api := *b.api
	api.Client = d
	resp, err := api.MakeRequest(method, params)
	if err != nil {
		return resp, &apiError{method: method, status: d.status, err: err}
	}
	return resp, nil
}

// methodOf names the API method of a config, for errors and logs.
func methodOf(c tgbotapi.Chattable) string {
	switch c.(type) {
	case tgbotapi.MessageConfig:
		return "sendMessage"
	case tgbotapi.EditMessageTextConfig:
		return "editMessageText"
	case tgbotapi.PhotoConfig:
		return "sendPhoto"
	case tgbotapi.CallbackConfig:
		return "answerCallbackQuery"
	case tgbotapi.UpdateConfig:
		return "getUpdates"
	case tgbotapi.DeleteWebhookConfig:
		return "deleteWebhook"
	case tgbotapi.SetMyCommandsConfig:
		return "setMyCommands"
	}
	return fmt.Sprintf("%T", c)
}

// backoff yields exponentially growing waits with jitter, so that many
// bots (or many chats) recovering at once do not retry in lockstep. Half of
// each wait is fixed, so a retry never comes right away.
type backoff struct {
	initial, max time.Duration
	n            int
}

func (b *backoff) next() time.Duration {
	d := b.initial
	for i := 0; i < b.n && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	b.n++
	return d/2 + rand.N(d/2+1)
}

func (b *backoff) reset() { b.n = 0 }

// sleep waits d or until ctx is done, reporting whether the full wait
// passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
