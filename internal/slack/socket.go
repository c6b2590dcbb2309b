package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// ackTimeout bounds queueing an acknowledgement: slack-go's response queue
// is short and not served while the connection is down, and the event loop
// must not stall on it. An ack that does not fit is lost; Slack then
// redelivers and the delivery id makes the repeat harmless.
const ackTimeout = 2 * time.Second

// runSocket receives events over Socket Mode until ctx ends. slack-go
// reconnects by itself, with back-off, when Slack asks it to or the
// connection dies; it returns only when the app token is refused.
func (b *Bot) runSocket(ctx context.Context) error {
	sm := socketmode.New(b.api, socketmode.OptionLog(slog.NewLogLogger(b.log.Handler(), slog.LevelDebug)))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(runCtx) }()
	for {
		select {
		case ev := <-sm.Events:
			b.onSocketEvent(ctx, sm, ev)
		case err := <-done:
			b.connected.Store(false)
			if ctx.Err() != nil {
				return nil
			}
			if c := classify(err); c.verdict == vUnauthorized || isNotFound(err) {
				return fmt.Errorf("%w (apps.connections.open answered %q)", ErrAppTokenRejected, c.code)
			}
			return fmt.Errorf("slack: Socket Mode stopped: %w", err)
		}
	}
}

func isNotFound(err error) bool {
	var sc slackgo.StatusCodeError
	return errors.As(err, &sc) && sc.Code == 404
}

// onSocketEvent acknowledges a request at once and hands it on; the
// connection's own events are logged.
func (b *Bot) onSocketEvent(ctx context.Context, sm *socketmode.Client, ev socketmode.Event) {
	if ctx.Err() != nil && ev.Request == nil {
		// Shutting down: slack-go reports its connection ending (and may
		// try once more to connect); that is no news.
		return
	}
	switch ev.Type {
	case socketmode.EventTypeConnecting:
		b.connected.Store(false)
		if c, ok := ev.Data.(*slackgo.ConnectingEvent); ok && (c.ConnectionCount > 0 || c.Attempt > 1) {
			b.log.Info("slack: reconnecting to Socket Mode", "attempt", c.Attempt, "connection", c.ConnectionCount+1)
		} else {
			b.log.Debug("slack: connecting to Socket Mode")
		}
		return
	case socketmode.EventTypeConnectionError:
		if c, ok := ev.Data.(*slackgo.ConnectionErrorEvent); ok {
			b.log.Warn("slack: Socket Mode connection failed; retrying", "attempt", c.Attempt,
				"retry_in", c.Backoff.Round(time.Millisecond), "err", classify(c.ErrorObj).code)
		}
		return
	case socketmode.EventTypeConnected:
		b.connected.Store(true)
		n := 0
		if c, ok := ev.Data.(*socketmode.ConnectedEvent); ok {
			n = c.ConnectionCount
		}
		if n == 0 {
			b.log.Info("slack: receiving events over Socket Mode")
		} else {
			b.log.Info("slack: reconnected to Socket Mode", "connection", n+1)
		}
		return
	case socketmode.EventTypeHello:
		b.log.Debug("slack: Socket Mode hello")
		return
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("slack: Slack rejected PREPBOT_SLACK_APP_TOKEN")
		return
	case socketmode.EventTypeIncomingError:
		if e, ok := ev.Data.(*slackgo.IncomingEventError); ok {
			b.log.Warn("slack: Socket Mode read failed; reconnecting", "err", e.Error())
		}
		return
	case socketmode.EventTypeErrorWriteFailed:
		if e, ok := ev.Data.(*socketmode.ErrorWriteFailed); ok && e.Response != nil {
			b.log.Warn("slack: acknowledgement not sent; Slack will redeliver the event", "envelope", e.Response.EnvelopeID)
		}
		return
	case socketmode.EventTypeErrorBadMessage:
		// slack-go could not parse the request, so it has no Request to
		// acknowledge; without an ack Slack would redeliver it for ever.
		if e, ok := ev.Data.(*socketmode.ErrorBadMessage); ok {
			var env struct {
				EnvelopeID string `json:"envelope_id"`
				Type       string `json:"type"`
			}
			_ = json.Unmarshal(e.Message, &env)
			b.log.Warn("slack: request not understood; acknowledged and skipped", "type", env.Type, "err", e.Cause.Error())
			if env.EnvelopeID != "" {
				b.ack(ctx, sm, env.EnvelopeID)
			}
		}
		return
	}
	if ev.Request == nil || ev.Request.EnvelopeID == "" {
		return
	}
	id := ev.Request.EnvelopeID
	b.ack(ctx, sm, id)
	if ev.Request.RetryAttempt > 0 {
		b.log.Info("slack: Slack redelivered an event", "envelope", id, "retry", ev.Request.RetryAttempt, "reason", ev.Request.RetryReason)
	}
	switch data := ev.Data.(type) {
	case slackevents.EventsAPIEvent:
		if in, ok := fromEventsAPI(data, id, b.self.UserID); ok {
			b.dispatch(ctx, in)
		}
	case slackgo.SlashCommand:
		b.dispatch(ctx, fromCommand(data, id, b.opts.APIBase))
	case slackgo.InteractionCallback:
		if in, ok := fromInteraction(data, id, b.opts.APIBase); ok {
			b.dispatch(ctx, in)
		}
	}
}

// ack acknowledges an envelope without payload: the answers go through the
// Web API and response_url, which have no 3 s limit.
func (b *Bot) ack(ctx context.Context, sm *socketmode.Client, envelopeID string) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	if err := sm.AckCtx(actx, envelopeID, nil); err != nil {
		b.log.Warn("slack: could not acknowledge an event; Slack will redeliver it", "envelope", envelopeID, "err", err.Error())
	}
}
