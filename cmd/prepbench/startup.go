package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// settle is how long a started bot runs before its memory is read again:
// long enough for the start-up push, which runs in the background after
// the first poll. With Python on, the reading also waits for the
// interpreter to be ready (pythonReady in the log), up to pythonWait.
const settle = 3 * time.Second

// pythonReady and pythonOff are what the bot logs once the Python
// interpreter is compiled or loaded, or could not be.
const (
	pythonReady = "pycheck: the Python interpreter is ready"
	pythonOff   = "pycheck: Python exercises are off"
	pythonWait  = 2 * time.Minute
)

// childPoll is how often the bot's child processes (prepbot python-cache,
// on a first start) are looked for and their memory read.
const childPoll = 5 * time.Millisecond

// runStartup builds the real binary and starts it on the largest duescan
// data set, with Telegram pointed at a fake Bot API, and measures the time
// until the fake sees the first getUpdates (config, content, store open and
// migration check, getMe, the command menu, deleteWebhook, the stored
// offset) and the process's resident memory: at that moment, once settled
// (and the Python interpreter ready), and after one Prometheus scrape of
// /metrics. A first start compiles the interpreter in a child process
// (prepbot python-cache): its peak is read and reported apart, with the
// most the bot and it held together.
//
// With the Python interpreter present (scripts/fetch-python-wasm, as the
// image ships it), the runs are: the first start ever (the interpreter
// compiled into an empty cache), warm restarts, cold starts (database,
// binary, interpreter and its compiled cache evicted from the page cache),
// and warm restarts with Python off, which isolate the rest of the bot.
func runStartup(ctx context.Context, cfg config, out io.Writer) error {
	d, err := loadDeck(cfg.dir, "bench")
	if err != nil {
		return err
	}
	cards := slices.Max(cfg.cards)
	src, err := studyData(cfg.dir, d, cfg.scanUsers, cards, cfg.scanDue, out)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp(cfg.dir, "startup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	modRoot := moduleRoot(ctx)
	bin := cfg.binary
	if bin == "" {
		if modRoot == "" {
			return errors.New("run from inside the prepbot module (go env GOMOD is empty), or pass -binary")
		}
		bin = filepath.Join(work, "prepbot")
		took, err := buildBinary(ctx, modRoot, bin)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "binary: built ./cmd/prepbot with CGO_ENABLED=0 in %v (%.1f MiB)\n", took.Round(100*time.Millisecond), float64(fileSize(bin))/(1<<20))
	}
	python := cfg.python
	if python == "" && modRoot != "" {
		python = filepath.Join(modRoot, ".cache", "python", "python.wasm")
	}
	if _, err := os.Stat(python); err != nil {
		fmt.Fprintf(out, "Python exercises: off in every run (no interpreter at %q; scripts/fetch-python-wasm fetches it)\n", python)
		python = ""
	}
	db := filepath.Join(work, "prepbot.db")
	// One copy for every run: a start-up writes only the update offset.
	if err := copyFile(db, src); err != nil {
		return err
	}
	size := fileSize(db)
	fmt.Fprintf(out, "setup: %d users x %d card states (%d due), DB %.0f MiB = %.1f KiB/user (card states and users; no review log);\n",
		cfg.scanUsers, cards, cfg.scanDue, float64(size)/(1<<20), float64(size)/1024/float64(cfg.scanUsers))
	fmt.Fprintf(out, "       content: the shipped decks and exercises + %d generated cards (PREPBOT_CONTENT); Telegram polling against a local fake; /metrics on\n", benchCards)

	b := bot{bin: bin, db: db, content: d.root, work: work, python: python, pyCache: filepath.Join(work, "wazero")}
	type mode struct {
		name   string
		cold   bool
		python bool
		runs   int
	}
	var modes []mode
	if python != "" {
		modes = append(modes, mode{"first start: Python interpreter compiled into an empty cache, warm page cache", false, true, 1})
	}
	modes = append(modes,
		mode{"warm restart (database, binary and interpreter in the page cache)", false, python != "", cfg.runs},
		mode{"cold start (all of them evicted from the page cache before each run)", true, python != "", cfg.runs})
	if python != "" {
		modes = append(modes, mode{"warm restart, Python off (PREPBOT_PYTHON_WASM pointing at nothing)", false, false, cfg.runs})
	}
	for _, m := range modes {
		if err := startups(ctx, out, b, m.name, m.cold, m.python, m.runs); err != nil {
			return err
		}
	}
	return nil
}

// bot is how to start the binary under test.
type bot struct {
	bin, db, content, work string
	python, pyCache        string // the interpreter ("" when absent) and its compilation cache
}

// startups measures runs start-ups and prints their figures.
func startups(ctx context.Context, out io.Writer, b bot, name string, cold, python bool, runs int) error {
	var starts []time.Duration
	var marks [3][]time.Duration
	var ready, settled, scraped int64
	var readyStatus, settledStatus, scrapedStatus procStatus
	var pyReady []time.Duration
	var children children
	for i := range runs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if cold {
			if err := b.evict(); err != nil {
				fmt.Fprintf(out, "-- %s: skipped (%v)\n", name, err)
				return nil
			}
		}
		r, err := b.startOnce(ctx, python)
		if err != nil {
			return fmt.Errorf("%s, run %d: %w", name, i+1, err)
		}
		starts = append(starts, r.ready)
		for i, p := range r.phases {
			marks[i] = append(marks[i], p)
		}
		if r.atReady.hwm >= ready {
			ready, readyStatus = r.atReady.hwm, r.atReady
		}
		if r.settled.hwm >= settled {
			settled, settledStatus = r.settled.hwm, r.settled
		}
		if r.scraped.hwm >= scraped {
			scraped, scrapedStatus = r.scraped.hwm, r.scraped
		}
		if r.pyReady > 0 {
			pyReady = append(pyReady, r.pyReady)
		}
		children.merge(r.children)
	}
	sorted := slices.Clone(starts)
	slices.Sort(sorted)
	fmt.Fprintf(out, "-- %s, %d run(s)\n", name, runs)
	fmt.Fprintf(out, "   start-up to first getUpdates: median %s, max %s (each: %s)\n",
		ms(percentile(sorted, 50)), ms(sorted[len(sorted)-1]), msList(starts))
	for i := range marks {
		slices.Sort(marks[i])
	}
	fmt.Fprintf(out, "   medians from the bot's log (ms resolution): %s to %q (config, content, store, graders), %s to getMe answered, %s to %q\n",
		ms(percentile(marks[0], 50)), startMarks[0], ms(percentile(marks[1], 50)), ms(percentile(marks[2], 50)), startMarks[2])
	if len(pyReady) > 0 {
		slices.Sort(pyReady)
		fmt.Fprintf(out, "   Python interpreter ready (from the bot's log): median %s, max %s after the start\n",
			ms(percentile(pyReady, 50)), ms(pyReady[len(pyReady)-1]))
	}
	settledWhen := fmt.Sprintf("%v later", settle)
	if python {
		settledWhen = fmt.Sprintf("%v later and Python ready", settle)
	}
	fmt.Fprintf(out, "   peak RSS of the bot (VmHWM, worst run): at first getUpdates %.1f MiB; %s %.1f MiB; after one /metrics scrape %.1f MiB\n",
		mib(ready), settledWhen, mib(settled), mib(scraped))
	if children.count > 0 {
		fmt.Fprintf(out, "   child processes (prepbot python-cache, which exits when done): %d in %d run(s); peak RSS (VmHWM, worst, polled every %v) %.1f MiB; bot and child resident together at most %.1f MiB (VmRSS summed)\n",
			children.count, runs, childPoll, mib(children.hwm), mib(children.together))
	}
	fmt.Fprintf(out, "   resident then (anonymous + file-backed): %.1f + %.1f; %.1f + %.1f; %.1f + %.1f MiB\n",
		mib(readyStatus.anon), mib(readyStatus.file), mib(settledStatus.anon), mib(settledStatus.file), mib(scrapedStatus.anon), mib(scrapedStatus.file))
	fmt.Fprintf(out, "   targets: start-up <= 300 ms: %s; peak RSS <= 150 MB until settled: %s; after a /metrics scrape: %s\n",
		verdict(sorted[len(sorted)-1] <= 300*time.Millisecond), verdict(float64(settled) <= 150e6), verdict(float64(scraped) <= 150e6))
	return nil
}

// evict drops everything a start reads from the page cache: the database,
// the binary, the interpreter and its compiled cache.
func (b bot) evict() error {
	files := []string{b.db, b.bin}
	if b.python != "" {
		files = append(files, b.python)
		_ = filepath.WalkDir(b.pyCache, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				files = append(files, p)
			}
			return nil
		})
	}
	for _, f := range files {
		if err := evict(f); err != nil {
			return err
		}
	}
	return nil
}

type startResult struct {
	ready                     time.Duration
	phases                    [3]time.Duration // see phases
	atReady, settled, scraped procStatus
	pyReady                   time.Duration // when the log said pythonReady; 0 if it did not
	children                  children
}

// children is the memory of a bot's child processes, read from /proc
// while they run: the kernel's own peak (wait4's ru_maxrss) is not used,
// see startOnce.
type children struct {
	count    int   // child processes seen
	hwm      int64 // the highest VmHWM of any of them
	together int64 // the highest VmRSS of the bot plus its children at one moment
}

func (c *children) merge(o children) {
	c.count += o.count
	c.hwm = max(c.hwm, o.hwm)
	c.together = max(c.together, o.together)
}

// watchChildren reads, every childPoll until stop is closed, the memory of
// every child process of pid (each thread's children: a Go program forks
// from whichever thread runs the goroutine). VmHWM only grows, so the last
// reading before a child exits is its peak but for the last few
// milliseconds.
func watchChildren(pid int, stop <-chan struct{}) children {
	var c children
	seen := map[int]bool{}
	tick := time.NewTicker(childPoll)
	defer tick.Stop()
	for {
		var sum int64
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
		for _, t := range tasks {
			b, _ := os.ReadFile(t)
			for _, f := range strings.Fields(string(b)) {
				var child int
				if _, err := fmt.Sscan(f, &child); err != nil {
					continue
				}
				st := readStatus(child)
				if st.hwm == 0 {
					continue // gone, or not yet exec'd into its own memory
				}
				if !seen[child] {
					seen[child] = true
					c.count++
				}
				c.hwm = max(c.hwm, st.hwm)
				sum += st.rss
			}
		}
		if sum > 0 {
			c.together = max(c.together, sum+readStatus(pid).rss)
		}
		select {
		case <-stop:
			return c
		case <-tick.C:
		}
	}
}

// startMarks are the log lines that split a start-up into phases: up to
// the first, config, content, store and exercise graders; then getMe; then
// the command menu, deleteWebhook and the stored offset, up to the poll.
var startMarks = [3]string{"telegram: connecting", "telegram: connected", "telegram: polling for updates"}

// logTime is when the first line of log holding msg was logged, relative
// to start; 0 if none.
func logTime(log, msg string, start time.Time) time.Duration {
	for _, line := range strings.Split(log, "\n") {
		ts, rest, ok := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		if !ok || !strings.Contains(rest, msg) {
			continue
		}
		if at, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			return at.Sub(start)
		}
	}
	return 0
}

// lockedBuffer is the bot's log, read while os/exec still copies into it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// phases reads the bot's log for when each of startMarks was logged,
// relative to start; a mark not found stays 0. The log's times are in
// milliseconds.
func phases(log string, start time.Time) [3]time.Duration {
	var out [3]time.Duration
	for _, line := range strings.Split(log, "\n") {
		ts, rest, ok := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		if !ok {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			continue
		}
		for i, m := range startMarks {
			if out[i] == 0 && strings.Contains(rest, `msg="`+m+`"`) {
				out[i] = at.Sub(start)
			}
		}
	}
	return out
}

func (b bot) startOnce(ctx context.Context, python bool) (startResult, error) {
	var r startResult
	srv, tb := newFake()
	defer tb.close()
	addr, err := freeAddr()
	if err != nil {
		return r, err
	}
	wasm := filepath.Join(b.work, "no-python.wasm")
	if python {
		wasm = b.python
	}
	cmd := exec.Command(b.bin, "run")
	cmd.Dir = b.work
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + b.work, "TMPDIR=" + b.work,
		"PREPBOT_DB=" + b.db, "PREPBOT_CONTENT=" + b.content,
		"PREPBOT_TELEGRAM_TOKEN=" + srv.Token, "PREPBOT_TELEGRAM_API=" + srv.URL,
		"PREPBOT_HTTP_ADDR=" + addr, "PREPBOT_BACKUP_DIR=off", "PREPBOT_LOG_LEVEL=info", "PREPBOT_LOG_FORMAT=text",
		"PREPBOT_PYTHON_WASM=" + wasm, "PREPBOT_PYTHON_CACHE=" + b.pyCache,
	}
	var stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return r, fmt.Errorf("start %s: %w", b.bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopWatch, watched := make(chan struct{}), make(chan children, 1)
	go func() { watched <- watchChildren(cmd.Process.Pid, stopWatch) }()
	stopChildren := func() children {
		if stopWatch == nil {
			return children{}
		}
		close(stopWatch)
		stopWatch = nil
		return <-watched
	}
	defer stopChildren()
	kill := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	deadline := start.Add(30 * time.Second)
	for srv.Polling() == 0 {
		select {
		case err := <-exited:
			return r, fmt.Errorf("prepbot exited before polling (%v): %s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			kill()
			return r, fmt.Errorf("prepbot did not poll within 30 s: %s", stderr.String())
		}
		time.Sleep(100 * time.Microsecond)
	}
	r.ready = time.Since(start)
	pid := cmd.Process.Pid
	r.atReady = readStatus(pid)
	sleep(ctx, settle)
	if python {
		for !strings.Contains(stderr.String(), pythonReady) && !strings.Contains(stderr.String(), pythonOff) {
			if time.Since(start) > pythonWait || ctx.Err() != nil {
				stopChildren()
				kill()
				return r, fmt.Errorf("the Python interpreter was not ready within %v: %s", pythonWait, stderr.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		r.pyReady = logTime(stderr.String(), pythonReady, start)
	}
	r.settled = readStatus(pid)
	r.children = stopChildren()
	if err := scrape("http://" + addr + "/metrics"); err != nil {
		kill()
		return r, err
	}
	r.scraped = readStatus(pid)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			return r, fmt.Errorf("prepbot exited with %v: %s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		kill()
		return r, errors.New("prepbot did not stop within 30 s of SIGTERM")
	}
	r.phases = phases(stderr.String(), start)
	// wait4's ru_maxrss is not used, for the bot nor for its own children:
	// os/exec starts a child with CLONE_VM, and Linux keeps the high-water
	// mark of the mm the child left at exec, which is its parent's.
	return r, tb.close()
}

// moduleRoot is the folder of the go.mod this command runs in, "" if none.
func moduleRoot(ctx context.Context) string {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	p := strings.TrimSpace(string(gomod))
	if err != nil || p == "" || p == os.DevNull {
		return ""
	}
	return filepath.Dir(p)
}

// buildBinary builds ./cmd/prepbot of the module as the Dockerfile does
// (pure Go).
func buildBinary(ctx context.Context, modRoot, out string) (time.Duration, error) {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/prepbot")
	cmd.Dir = modRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go build ./cmd/prepbot: %v\n%s", err, b)
	}
	return time.Since(start), nil
}

// freeAddr returns a loopback address with a port free right now, for the
// child's /metrics server.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func scrape(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return fmt.Errorf("scrape /metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("prepbot_due_cards")) {
		return fmt.Errorf("scrape /metrics: status %d, %v", resp.StatusCode, err)
	}
	return nil
}

// procStatus is the memory part of /proc/<pid>/status, in bytes.
type procStatus struct {
	hwm, rss, anon, file int64
}

func readStatus(pid int) procStatus {
	var s procStatus
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var kb int64
		fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb)
		switch k {
		case "VmHWM":
			s.hwm = kb * 1024
		case "VmRSS":
			s.rss = kb * 1024
		case "RssAnon":
			s.anon = kb * 1024
		case "RssFile":
			s.file = kb * 1024
		}
	}
	return s
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func msList(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = ms(d)
	}
	return strings.Join(s, ", ")
}
