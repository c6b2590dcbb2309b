package ops_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prepbot/prepbot/internal/ops"
)

func TestReadyzFailsWhileAnyCheckFails(t *testing.T) {
	m := ops.NewMetrics()
	m.WatchSender("telegram", func() ops.SenderStats { return ops.SenderStats{Queued: 4, Sent: 10, TooManyRequests: 2} })
	connected := false
	srv, err := ops.Listen("127.0.0.1:0", m, map[string]ops.Check{
		"database": func(context.Context) error { return nil },
		"telegram": func(context.Context) error {
			if !connected {
				return errors.New("not connected")
			}
			return nil
		},
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + srv.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "telegram: not connected") || !strings.Contains(body, "database: ok") {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	connected = true
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz = %d once connected", code)
	}
	_, body := get("/metrics")
	for _, want := range []string{`prepbot_send_queue_depth{platform="telegram"} 4`, `prepbot_rate_limited_total{platform="telegram"} 2`, `prepbot_messages_sent_total{platform="telegram"} 10`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if _, err := ops.Listen(srv.Addr(), m, nil, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "PREPBOT_HTTP_ADDR") {
		t.Fatalf("a taken address must be a clear error naming the variable, got %v", err)
	}
}
