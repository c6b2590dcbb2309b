package slack

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	slackgo "github.com/slack-go/slack"
)

// Errors New, Run and Deliver return; compare with errors.Is.
var (
	// ErrBotTokenRejected: Slack answered invalid_auth (or a similar
	// refusal) to the bot token.
	ErrBotTokenRejected = errors.New("slack: Slack rejected PREPBOT_SLACK_BOT_TOKEN; copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page, and reinstall the app if it was revoked")
	// ErrAppTokenRejected: Slack refused to open a Socket Mode connection
	// with the app-level token.
	ErrAppTokenRejected = errors.New("slack: Slack rejected PREPBOT_SLACK_APP_TOKEN; create an app-level token (xapp-…) with the connections:write scope under Basic Information → App-Level Tokens, and turn Socket Mode on")
	// ErrClosed: the bot's Run has returned; nothing more is sent.
	ErrClosed = errors.New("slack: bot is shut down")
	// ErrBlocked: the user cannot be messaged (deactivated, gone, or the
	// app may not write to them).
	ErrBlocked = errors.New("slack: the user cannot be messaged")
)

// verdict is what to do about a failed call.
type verdict uint8

const (
	vTransient    verdict = iota // network, 5xx, garbled body: back off and retry
	vRetryAfter                  // 429: wait Retry-After, then retry the same call
	vUnauthorized                // the token is wrong, revoked or its account inactive
	vBlocked                     // the user cannot be messaged
	vGone                        // the message to edit is gone or not editable
	vBadRequest                  // anything else Slack refused: retrying cannot help
)

type classified struct {
	verdict    verdict
	retryAfter time.Duration
	code       string // Slack's error code, or a description
}

// authErrors are Slack's answers for a token that will not work.
var authErrors = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
	"token_expired": true, "not_allowed_token_type": true, "invalid_token": true,
}

// blockedErrors are Slack's answers when a user's DM cannot be written to.
var blockedErrors = map[string]bool{
	"user_not_found": true, "user_disabled": true, "user_not_visible": true, "cannot_dm_bot": true,
	"is_archived": true, "messages_tab_disabled": true,
}

// goneErrors are Slack's answers to chat.update when a new message is the
// way to show the text.
var goneErrors = map[string]bool{
	"message_not_found": true, "cant_update_message": true, "edit_window_closed": true,
	"is_inactive": true,
}

// transientErrors are Slack's ok:false answers that a retry may cure.
var transientErrors = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true, "request_timeout": true,
	"team_added_to_org": true,
}

// classify reads an error from slack-go. A 429 is *slack.RateLimitedError
// with RetryAfter; ok:false answers are slack.SlackErrorResponse; other
// HTTP statuses are slack.StatusCodeError; a body that is not JSON is a
// JSON syntax error; everything else is the network.
func classify(err error) classified {
	var rl *slackgo.RateLimitedError
	if errors.As(err, &rl) {
		wait := rl.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		return classified{verdict: vRetryAfter, retryAfter: wait, code: "ratelimited"}
	}
	var se slackgo.SlackErrorResponse
	if errors.As(err, &se) {
		c := classified{code: se.Err}
		if se.Needed != "" {
			c.code += " (needs scope " + se.Needed + ")"
		}
		switch {
		case se.Err == "ratelimited":
			c.verdict, c.retryAfter = vRetryAfter, time.Second
		case authErrors[se.Err]:
			c.verdict = vUnauthorized
		case blockedErrors[se.Err]:
			c.verdict = vBlocked
		case goneErrors[se.Err]:
			c.verdict = vGone
		case transientErrors[se.Err]:
			c.verdict = vTransient
		default:
			c.verdict = vBadRequest
		}
		return c
	}
	var sc slackgo.StatusCodeError
	if errors.As(err, &sc) {
		switch {
		case sc.Code == http.StatusTooManyRequests:
			// A 429 without Retry-After: slack-go cannot say how long.
			return classified{verdict: vRetryAfter, retryAfter: time.Second, code: sc.Status}
		case sc.Code == http.StatusUnauthorized || sc.Code == http.StatusForbidden:
			return classified{verdict: vUnauthorized, code: sc.Status}
		case sc.Code >= 500 || sc.Code == http.StatusRequestTimeout:
			return classified{verdict: vTransient, code: sc.Status}
		}
		return classified{verdict: vBadRequest, code: sc.Status}
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return classified{verdict: vTransient, code: "garbled answer: " + err.Error()}
	}
	return classified{verdict: vTransient, code: err.Error()}
}

// backoff yields exponentially growing waits with jitter, so that many
// channels recovering at once do not retry in lockstep. Half of each wait is
// fixed, so a retry never comes right away.
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
