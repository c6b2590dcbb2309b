package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The updates scenario's load — the fake Bot API and the simulated users —
// runs in a process of its own, as Telegram does: in the bot's process its
// thousand goroutines would share the bot's scheduler, and a turn waiting
// for a thread behind them would count as the bot's latency.

// loadGen is the load-generating child process, seen from the bot's side.
type loadGen struct {
	url, token string
	cmd        *exec.Cmd
	stdin      io.WriteCloser
	stdout     *bufio.Reader
}

// startLoadGen starts `prepbench -loadgen` with the users and their mean
// think time, and waits for the address of its fake Bot API.
func startLoadGen(ctx context.Context, users int, think time.Duration) (*loadGen, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("load generator: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, "-loadgen", "-users", fmt.Sprint(users), "-think", think.String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("load generator: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("load generator: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("load generator: %w", err)
	}
	lg := &loadGen{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(out)}
	line, err := lg.stdout.ReadString('\n')
	if _, serr := fmt.Sscan(line, &lg.url, &lg.token); err != nil || serr != nil {
		lg.cmd.Process.Kill()
		lg.cmd.Wait()
		return nil, fmt.Errorf("load generator: no address on its first line (%q): %v", line, errors.Join(err, serr))
	}
	return lg, nil
}

// stop tells the users to stop, and returns what they went through and the
// CPU time the whole child used.
func (lg *loadGen) stop() (simCounts, time.Duration, error) {
	lg.stdin.Close()
	var st simCounts
	line, rerr := lg.stdout.ReadString('\n')
	_, serr := fmt.Sscan(line, &st.sessions, &st.done, &st.stalls)
	werr := lg.cmd.Wait()
	var cpu time.Duration
	if ru, ok := lg.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if err := errors.Join(werr, rerr, serr); err != nil {
		return st, cpu, fmt.Errorf("load generator: %w", err)
	}
	return st, cpu, nil
}

// simCounts is simStats read out.
type simCounts struct{ sessions, done, stalls int64 }

// runLoadGen is the child: it serves a fake Bot API (behind a proxy that
// tells each user when the bot's message to their chat was accepted),
// prints "URL TOKEN", has the users study until its stdin closes, then
// prints "sessions done stalls" and returns.
func runLoadGen(ctx context.Context, cfg config, stdin io.Reader, out io.Writer) error {
	srv, tb := newFake()
	defer tb.close()
	target, err := url.Parse(srv.URL)
	if err != nil {
		return err
	}
	obs := newObserver()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	proxy := &http.Server{Handler: &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: obs,
		// Requests the bot abandons at its stop are no news.
		ErrorLog: log.New(io.Discard, "", 0),
	}}
	go proxy.Serve(ln)
	defer proxy.Close()
	fmt.Fprintf(out, "http://%s %s\n", ln.Addr(), srv.Token)

	usersCtx, stopUsers := context.WithCancel(ctx)
	defer stopUsers()
	var wg sync.WaitGroup
	var sim simStats
	for i := range cfg.users {
		u := &simUser{id: chatID(i), srv: srv, sig: obs.watch(chatID(i)), rng: rand.New(rand.NewPCG(uint64(i), 2)), think: cfg.think}
		wg.Go(func() { u.run(usersCtx, &sim) })
	}
	// The bot's side closes stdin to say stop (or dies, which closes it too).
	_, _ = io.Copy(io.Discard, stdin)
	stopUsers()
	wg.Wait()
	fmt.Fprintf(out, "%d %d %d\n", sim.sessions.Load(), sim.done.Load(), sim.stalls.Load())
	if err := tb.close(); err != nil && !strings.Contains(err.Error(), "client went away") {
		return err
	}
	return nil
}
