package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// maxBody caps a request from Slack; real ones are a few kilobytes.
const maxBody = 1 << 20

// serveHTTP serves Slack's requests until ctx ends.
func (b *Bot) serveHTTP(ctx context.Context) error {
	ln := b.opts.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", b.opts.Listen); err != nil {
			return fmt.Errorf("slack: PREPBOT_SLACK_LISTEN: %w", err)
		}
	}
	srv := &http.Server{
		Handler:           b.httpHandler(ctx),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(b.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	b.connected.Store(true)
	b.log.Info("slack: receiving events over HTTP", "listen", ln.Addr().String(),
		"paths", []string{EventsPath, InteractivePath, CommandsPath})
	defer func() {
		b.connected.Store(false)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.opts.DrainTimeout)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	select {
	case <-ctx.Done():
		return nil
	case err := <-served:
		return fmt.Errorf("slack: HTTP server: %w", err)
	}
}

// httpHandler serves the three request URLs of a Slack app. Every request
// is checked against the signing secret; a good one is answered 200 at
// once and handled afterwards, within Slack's 3 s.
func (b *Bot) httpHandler(ctx context.Context) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(EventsPath, func(w http.ResponseWriter, r *http.Request) {
		body, ok := b.verified(ctx, w, r)
		if !ok {
			return
		}
		var outer struct {
			Type      string `json:"type"`
			Challenge string `json:"challenge"`
		}
		if err := json.Unmarshal(body, &outer); err != nil {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		if outer.Type == slackevents.URLVerification {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, outer.Challenge)
			return
		}
		w.WriteHeader(http.StatusOK)
		if in, ok := decodeEvent(body, b.self.UserID); ok {
			b.dispatch(ctx, in)
		}
	})
	mux.HandleFunc(InteractivePath, func(w http.ResponseWriter, r *http.Request) {
		body, ok := b.verified(ctx, w, r)
		if !ok {
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
		if in, ok := decodeInteraction([]byte(form.Get("payload")), "", b.opts.APIBase); ok {
			b.dispatch(ctx, in)
		}
	})
	mux.HandleFunc(CommandsPath, func(w http.ResponseWriter, r *http.Request) {
		body, ok := b.verified(ctx, w, r)
		if !ok {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		cmd, err := slackgo.SlashCommandParse(r)
		if err != nil || cmd.UserID == "" {
			http.Error(w, "bad command", http.StatusBadRequest)
			return
		}
		// An empty 200 shows nothing; the answers follow in the DM.
		w.WriteHeader(http.StatusOK)
		b.dispatch(ctx, fromCommand(cmd, firstOf(cmd.TriggerID, "cmd-"+cmd.UserID+"-"+fmt.Sprint(time.Now().UnixNano())), b.opts.APIBase))
	})
	return mux
}

// verified reads a request's body and checks Slack's signature on it:
// HMAC-SHA256 of "v0:<timestamp>:<body>" with the signing secret, and a
// timestamp within 5 minutes (slack-go's SecretsVerifier). A bad or stale
// signature is answered 401 and nothing else happens.
func (b *Bot) verified(ctx context.Context, w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	sv, err := slackgo.NewSecretsVerifier(r.Header, b.opts.SigningSecret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		reason := "bad signature"
		if errors.Is(err, slackgo.ErrExpiredTimestamp) {
			reason = "stale timestamp"
		} else if errors.Is(err, slackgo.ErrMissingHeaders) {
			reason = "no signature"
		}
		b.log.Warn("slack: request refused: "+reason, "path", r.URL.Path, "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return nil, false
	}
	if ctx.Err() != nil {
		// Slack retries events; the next run handles them.
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return nil, false
	}
	return body, true
}

// decodeEvent decodes an Events API request body; self is the bot's own
// user id.
func decodeEvent(body []byte, self string) (incoming, bool) {
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		// Events the bot did not subscribe to may still be well formed;
		// nothing to do either way.
		return incoming{}, false
	}
	return fromEventsAPI(ev, "", self)
}

// decodeInteraction decodes an interaction payload (the JSON in the
// "payload" form field over HTTP). Over HTTP the trigger_id, unique per
// press, is the delivery id; id overrides it (a Socket Mode envelope).
func decodeInteraction(payload []byte, id string, apiBase string) (incoming, bool) {
	var cb slackgo.InteractionCallback
	if len(payload) == 0 || json.Unmarshal(payload, &cb) != nil {
		return incoming{}, false
	}
	if id == "" {
		id = firstOf(cb.TriggerID, cb.ActionTs)
		if id == "" && len(cb.ActionCallback.BlockActions) > 0 && cb.ActionCallback.BlockActions[0] != nil {
			id = cb.User.ID + "-" + cb.ActionCallback.BlockActions[0].ActionTs
		}
	}
	if id == "" {
		return incoming{}, false
	}
	return fromInteraction(cb, id, apiBase)
}
