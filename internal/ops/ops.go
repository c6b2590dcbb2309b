// Package ops serves prepbot's operational endpoints: /healthz (the process
// is alive), /readyz (the database answers and every configured platform is
// connected) and /metrics (Prometheus text format, via client_golang).
package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the figures prepbot exports. Counters are registered on a
// registry of its own, so tests and several instances in one process do not
// collide.
type Metrics struct {
	Registry *prometheus.Registry
	// Events counts events handled by the engine, by platform.
	Events *prometheus.CounterVec
	// HandleSeconds is the engine's handling latency per event, by platform:
	// the store transaction included, the platform round trip excluded.
	HandleSeconds *prometheus.HistogramVec
	// Reviews counts ratings committed.
	Reviews prometheus.Counter
	// Pushes counts scheduled pushes and reminders handed to the adapters.
	Pushes *prometheus.CounterVec
	// CommitSeconds is each shared store transaction's commit: bbolt's
	// writer lock, page writes and fsync, the events' turns excluded.
	CommitSeconds prometheus.Histogram
	// CommitWaitSeconds is each event's wait for the commit in progress
	// before its own transaction began.
	CommitWaitSeconds prometheus.Histogram
	// CommitEvents is how many events each transaction carried.
	CommitEvents prometheus.Histogram
}

// NewMetrics creates and registers the metrics, with Go runtime and process
// collectors.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prepbot_events_handled_total", Help: "Events (messages, commands, button presses) handled, by platform.",
		}, []string{"platform"}),
		HandleSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "prepbot_handle_seconds", Help: "Time to handle one event in the engine, store commit included.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"platform"}),
		Reviews: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "prepbot_reviews_recorded_total", Help: "Ratings committed to the store.",
		}),
		Pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prepbot_pushes_total", Help: "Daily quizzes, nudges and reminders handed to an adapter, by platform.",
		}, []string{"platform"}),
		CommitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "prepbot_store_commit_seconds", Help: "Time to commit one shared store transaction (writer lock, page writes, fsync), the events' turns excluded.",
			Buckets: commitBuckets,
		}),
		CommitWaitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "prepbot_store_commit_wait_seconds", Help: "Time an event waited for the commit in progress before its own transaction began.",
			Buckets: commitBuckets,
		}),
		CommitEvents: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "prepbot_store_commit_events", Help: "Events (and push wake-ups) carried by one store transaction.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
		}),
	}
	reg.MustRegister(m.Events, m.HandleSeconds, m.Reviews, m.Pushes, m.CommitSeconds, m.CommitWaitSeconds, m.CommitEvents,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// commitBuckets resolve a commit's fsync, a fraction of a millisecond on a
// good disk, up to the stalls of a bad one.
var commitBuckets = []float64{.0001, .00025, .0005, .001, .002, .005, .01, .025, .05, .1, .25, 1}

// SenderStats are an adapter's outgoing-message counters.
type SenderStats struct {
	Queued          int
	Sent            int64
	TooManyRequests int64
	Retries         int64
	Dropped         int64
}

// WatchSender exports an adapter's send figures, read at scrape time:
// messages sent, retried, dropped, 429s received and queue depth, with a
// platform label.
func (m *Metrics) WatchSender(platform string, stats func() SenderStats) {
	labels := prometheus.Labels{"platform": platform}
	counter := func(name, help string, f func(SenderStats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels}, func() float64 { return f(stats()) })
	}
	m.Registry.MustRegister(
		counter("prepbot_messages_sent_total", "Messages and edits the platform accepted.", func(s SenderStats) float64 { return float64(s.Sent) }),
		counter("prepbot_messages_retried_total", "Send attempts repeated after a 429, a 5xx or a network error.", func(s SenderStats) float64 { return float64(s.Retries) }),
		counter("prepbot_messages_failed_total", "Messages given up on (logged with their chat).", func(s SenderStats) float64 { return float64(s.Dropped) }),
		counter("prepbot_rate_limited_total", "429 Too Many Requests answers received.", func(s SenderStats) float64 { return float64(s.TooManyRequests) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "prepbot_send_queue_depth", Help: "Messages waiting to be sent.", ConstLabels: labels},
			func() float64 { return float64(stats().Queued) }),
	)
}

// WatchGauge exports a value read at scrape time, such as the number of due
// cards or the time of the last successful poll.
func (m *Metrics) WatchGauge(name, help string, f func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

// Check is one readiness condition; it returns nil when ready.
type Check func(ctx context.Context) error

// Server is the operational HTTP server.
type Server struct {
	srv *http.Server
	ln  net.Listener
	log *slog.Logger
}

// Listen binds addr (e.g. "127.0.0.1:9464") and returns a server that
// answers /healthz, /readyz (running every check) and /metrics.
func Listen(addr string, m *Metrics, checks map[string]Check, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ops: PREPBOT_HTTP_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		names := make([]string, 0, len(checks))
		for n := range checks {
			names = append(names, n)
		}
		sort.Strings(names)
		var lines []string
		ready := true
		for _, n := range names {
			if err := checks[n](ctx); err != nil {
				ready = false
				lines = append(lines, n+": "+err.Error())
			} else {
				lines = append(lines, n+": ok")
			}
		}
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(w, strings.Join(lines, "\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
	s := &Server{ln: ln, log: log, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("ops: serve", "err", err)
		}
	}()
	return s, nil
}

// Addr is the address the server listens on (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Shutdown stops the server, letting requests in flight finish.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }
