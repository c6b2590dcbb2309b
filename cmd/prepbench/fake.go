package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

// benchTB is the testing.TB that telegramtest.NewServer wants, outside a
// test: failures are collected for the scenario to report, and cleanups run
// at close. The embedded interface is nil, so a method the fake server never
// calls would panic rather than pass silently.
type benchTB struct {
	testing.TB

	mu       sync.Mutex
	cleanups []func()
	failures []string
}

// Helper does nothing: there is no test log to point into.
func (t *benchTB) Helper() {}

// Name names the tool, for messages that include a test's name.
func (t *benchTB) Name() string { return "prepbench" }

// Cleanup queues f for close.
func (t *benchTB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

// Errorf records a failure for close to report.
func (t *benchTB) Errorf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures = append(t.failures, fmt.Sprintf(format, args...))
}

// Fatalf ends the calling goroutine, as testing's does.
func (t *benchTB) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	runtime.Goexit()
}

// Logf drops the message: the fake logs nothing prepbench reports.
func (t *benchTB) Logf(string, ...any) {}

// close runs the cleanups, last first, and returns the failures.
func (t *benchTB) close() error {
	t.mu.Lock()
	fns, fails := t.cleanups, t.failures
	t.cleanups = nil
	t.mu.Unlock()
	for _, f := range slices.Backward(fns) {
		f()
	}
	if len(fails) > 0 {
		return fmt.Errorf("fake Bot API: %s", strings.Join(fails, "; "))
	}
	return nil
}

// newFake starts a fake Bot API; stop it with the returned benchTB's close.
func newFake() (*telegramtest.Server, *benchTB) {
	tb := &benchTB{}
	srv := telegramtest.NewServer(tb)
	srv.WaitTimeout = time.Minute
	return srv, tb
}

// observer is the adapter's HTTP transport in the updates scenario: it tells
// each simulated user when a message to their chat was accepted by the fake,
// so users wait on a signal instead of polling the fake.
type observer struct {
	base http.RoundTripper
	mu   sync.Mutex
	subs map[int64]chan struct{}
}

func newObserver() *observer {
	return &observer{
		base: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute},
		subs: map[int64]chan struct{}{},
	}
}

// watch returns the channel signalled after each accepted message to chat.
func (o *observer) watch(chat int64) <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	ch := o.subs[chat]
	if ch == nil {
		ch = make(chan struct{}, 1)
		o.subs[chat] = ch
	}
	return ch
}

// RoundTrip passes the request on and, for an accepted sendMessage or
// editMessageText, signals the chat's watcher.
func (o *observer) RoundTrip(req *http.Request) (*http.Response, error) {
	method := req.URL.Path[strings.LastIndexByte(req.URL.Path, '/')+1:]
	var chat int64
	if (method == "sendMessage" || method == "editMessageText") && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil {
			chat, _ = strconv.ParseInt(form.Get("chat_id"), 10, 64)
		}
	}
	resp, err := o.base.RoundTrip(req)
	if err == nil && chat != 0 && resp.StatusCode == http.StatusOK {
		// The fake records a message before it answers, so by now the
		// user can see it.
		o.mu.Lock()
		ch := o.subs[chat]
		o.mu.Unlock()
		if ch != nil {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
	return resp, err
}

// percentile returns the p-th percentile (0–100) of sorted durations, by the
// nearest-rank method.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// ms formats a duration in milliseconds with a precision fit for it.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 0.1:
		return fmt.Sprintf("%.3f ms", v)
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}
