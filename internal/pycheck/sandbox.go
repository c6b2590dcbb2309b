package pycheck

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing/fstest"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"
)

// harness runs the learner's code, then the tests, inside the sandbox, and
// reports the outcome as a JSON line (see harness.py).
//
//go:embed harness.py
var harness []byte

// sandboxDir is where the attempt's files are mounted, read-only. It is the
// only directory the interpreter can see.
const sandboxDir = "/sandbox"

// reportMark starts the harness's report line; the attempt's nonce follows.
const reportMark = "\x00prepbot-result "

// progressMark starts the line the harness writes before each statement
// of the tests, and before loading the code; the nonce follows.
const progressMark = "\x00prepbot-running "

// tailBytes is how much of the end of stdout is kept beyond the head, so
// that the harness's report, written last, survives any amount of output
// before it.
const tailBytes = 64 << 10

// errTimeLimit is the cause of an attempt's context ending at its time
// limit.
var errTimeLimit = errors.New("pycheck: time limit")

// outcome is how one run of the interpreter ended.
type outcome struct {
	report   *report       // nil when the harness did not report
	progress *progress     // what the harness was doing last; nil if it never said
	timedOut bool          // stopped at the time limit
	limit    time.Duration // the time limit: the grader's, or less if ctx's deadline was nearer
	exitCode uint32        // when the interpreter exited without a report
	exited   bool
	trap     string // the WebAssembly trap, when the interpreter crashed
	memFull  bool   // memory had grown to the limit
	stderr   string // what the interpreter itself wrote (fatal errors)
}

// report is the harness's account of an attempt (see harness.py).
type report struct {
	Status string `json:"status"` // pass, fail, error, syntax, memory, harness

	Passed int `json:"passed"`
	Total  int `json:"total"`
	// The failing test: its line in the tests, the lines of its group up
	// to it, and what it expected and got.
	Line         int    `json:"line"`
	Context      string `json:"context"`
	Expected     string `json:"expected"`
	ExpectedType string `json:"expected_type"`
	Got          string `json:"got"`
	GotType      string `json:"got_type"`
	Diff         string `json:"diff"`
	// Differs says how two long values differ when their shortened
	// forms look alike: lengths, the first index or key that differs.
	Differs string `json:"differs"`
	Note    string `json:"note"`

	// An exception: its type, last line and the learner's frames.
	Type       string `json:"type"`
	Message    string `json:"message"`
	Traceback  string `json:"traceback"`
	UserFrames int    `json:"user_frames"`
	UserLine   int    `json:"user_line"`
	Where      string `json:"where"` // load, test or harness
	Undefined  string `json:"undefined"`

	Output      string `json:"output"` // the first of what the code printed
	OutputChars int    `json:"output_chars"`
}

// progress is the harness's last word before an attempt was stopped: the
// test it was running (see harness.py).
type progress struct {
	Phase   string `json:"phase"` // "load" while the learner's code loads
	Passed  int    `json:"passed"`
	Total   int    `json:"total"`
	Line    int    `json:"line"`
	Context string `json:"context"`
}

// run executes code and then tests in a fresh instance of the interpreter.
// An error means the sandbox could not be set up or ctx was cancelled
// (not merely past its deadline, which is the attempt's time limit).
func (g *Grader) run(ctx context.Context, code, tests string) (*outcome, error) {
	nonce := rand.Text()
	files := fstest.MapFS{"solution.py": {Data: []byte(code), Mode: 0o444}}
	script := "harness.py"
	if g.harnessPyc != nil {
		script = "harness.pyc"
		files[script] = &fstest.MapFile{Data: g.harnessPyc, Mode: 0o444}
	} else {
		files[script] = &fstest.MapFile{Data: harness, Mode: 0o444}
	}
	stdout := newCapped(g.opts.MaxOutputBytes, tailBytes)
	stderr := newCapped(g.opts.MaxOutputBytes, 0)
	cfg := wazero.NewModuleConfig().
		WithName(""). // anonymous: any number of instances at once
		WithArgs("python", "-I", "-S", "-B", "-X", "utf8", sandboxDir+"/"+script, strconv.Itoa(g.opts.MaxOutputBytes)).
		// No WithEnv: the interpreter sees no environment at all.
		// The nonce, then the tests: read by the harness before the
		// learner's code runs, so the tests are no file it could open.
		WithStdin(strings.NewReader(nonce + "\n" + tests)).
		WithStdout(stdout).
		WithStderr(stderr).
		// The one mount. ReadFS refuses to open a file for writing: a
		// plain fs.FS mount opens it, then drops each write (EBADF at
		// flush), which looks like a write that worked.
		WithFSConfig(wazero.NewFSConfig().(sysfs.FSConfig).
			WithSysFSMount(&sysfs.ReadFS{FS: &sysfs.AdaptFS{FS: files}}, sandboxDir)).
		// Real clocks, so that time.time() and datetime.now() are not
		// frozen. Sleeping is left unreal: CPython's time.sleep asks for
		// an absolute-time sleep, which wazero refuses (OSError), and a
		// relative one is wazero's default no-op, so an attempt never
		// parks the host's goroutine past its deadline.
		WithSysWalltime().
		WithSysNanotime().
		WithStartFunctions() // _start is called below, under the deadline

	limit := g.opts.TimeLimit
	if d, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(d))
	}
	actx, cancel := context.WithTimeoutCause(ctx, g.opts.TimeLimit, errTimeLimit)
	defer cancel()
	mod, err := g.rt.InstantiateModule(actx, g.mod, cfg)
	if err != nil {
		if ctx.Err() == nil && context.Cause(actx) == errTimeLimit {
			return &outcome{timedOut: true, limit: limit}, nil
		}
		return nil, fmt.Errorf("start the interpreter: %w", err)
	}
	defer mod.Close(context.WithoutCancel(ctx))
	_, err = mod.ExportedFunction("_start").Call(actx)
	out := &outcome{stderr: stderr.String(), limit: limit}
	if mem := mod.Memory(); mem != nil {
		out.memFull = int64(mem.Size())+2<<20 >= g.opts.MemoryLimit
	}
	out.report = parseReport(stdout.Bytes(), nonce)
	out.progress = parseProgress(stdout.Bytes(), nonce)

	var exit *sys.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		switch exit.ExitCode() {
		case 0:
		case sys.ExitCodeDeadlineExceeded:
			if ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded) {
				// The attempt's limit, or the caller's deadline, which
				// bounds the attempt too.
				out.timedOut = true
				out.report = nil
				break
			}
			return nil, fmt.Errorf("grading stopped: %w", ctx.Err())
		case sys.ExitCodeContextCanceled:
			return nil, fmt.Errorf("grading stopped: %w", context.Cause(ctx))
		default:
			out.exited, out.exitCode = true, exit.ExitCode()
		}
	default:
		// A trap: the interpreter crashed, most often its C stack
		// overflowing on deep recursion.
		out.trap, _, _ = strings.Cut(err.Error(), "\n")
		if i := strings.Index(out.trap, "wasm error: "); i >= 0 {
			out.trap = out.trap[i+len("wasm error: "):]
		}
	}
	return out, nil
}

// compileScript writes the .pyc form of the source on stdin: the magic
// number of this interpreter, a header CPython skips when it runs a .pyc
// given as the script (flags, then 8 bytes of timestamp or hash), and the
// marshalled code object.
const compileScript = "import marshal, sys, _frozen_importlib_external as b\n" +
	"code = compile(sys.stdin.buffer.read(), '" + sandboxDir + "/harness.py', 'exec', dont_inherit=True)\n" +
	"sys.stdout.buffer.write(b.MAGIC_NUMBER + bytes(12) + marshal.dumps(code))\n"

// compileHarness runs the interpreter once to compile the harness to
// bytecode.
func (g *Grader) compileHarness(ctx context.Context) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithArgs("python", "-I", "-S", "-B", "-c", compileScript).
		WithStdin(bytes.NewReader(harness)).
		WithStdout(&stdout).
		WithStderr(&stderr).
		WithStartFunctions()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	mod, err := g.rt.InstantiateModule(ctx, g.mod, cfg)
	if err != nil {
		return nil, fmt.Errorf("pycheck: compile the harness: %w", err)
	}
	defer mod.Close(context.WithoutCancel(ctx))
	_, err = mod.ExportedFunction("_start").Call(ctx)
	var exit *sys.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 0) {
		return nil, fmt.Errorf("pycheck: compile the harness: %w (%s)", err, strings.TrimSpace(stderr.String()))
	}
	if stdout.Len() < 17 {
		return nil, fmt.Errorf("pycheck: compile the harness: no bytecode (%s)", strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// parseReport finds the harness's report: the last line that starts with
// the mark and this attempt's nonce.
func parseReport(stdout []byte, nonce string) *report {
	mark := []byte(reportMark + nonce + " ")
	i := bytes.LastIndex(stdout, mark)
	if i < 0 {
		return nil
	}
	line, _, _ := bytes.Cut(stdout[i+len(mark):], []byte("\n"))
	var r report
	if err := json.Unmarshal(line, &r); err != nil || r.Status == "" {
		return nil
	}
	// Every string may hold what the code printed or a repr it chose.
	for _, f := range []*string{&r.Context, &r.Expected, &r.ExpectedType, &r.Got, &r.GotType, &r.Diff, &r.Differs, &r.Note,
		&r.Type, &r.Message, &r.Traceback, &r.Undefined, &r.Output} {
		*f = printable(*f)
	}
	return &r
}

// parseProgress finds the harness's last progress line.
func parseProgress(stdout []byte, nonce string) *progress {
	mark := []byte(progressMark + nonce + " ")
	i := bytes.LastIndex(stdout, mark)
	if i < 0 {
		return nil
	}
	line, _, _ := bytes.Cut(stdout[i+len(mark):], []byte("\n"))
	var p progress
	if err := json.Unmarshal(line, &p); err != nil {
		return nil
	}
	p.Context = printable(p.Context)
	return &p
}

// printable replaces control characters other than line breaks and tabs:
// a NUL or an escape sequence has no business in a chat message, and some
// platforms reject them.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
}

// capped keeps the first head bytes written to it and the last tail bytes,
// and drops the middle, so that an attempt printing without end costs the
// host a fixed amount of memory.
type capped struct {
	head, tail []byte
	headCap    int
	tailCap    int
	total      int64
}

func newCapped(head, tail int) *capped {
	return &capped{headCap: head, tailCap: tail}
}

func (c *capped) Write(p []byte) (int, error) {
	n := len(p)
	c.total += int64(n)
	if room := c.headCap - len(c.head); room > 0 {
		k := min(room, len(p))
		c.head = append(c.head, p[:k]...)
		p = p[k:]
	}
	if c.tailCap > 0 && len(p) > 0 {
		if len(p) >= c.tailCap {
			c.tail = append(c.tail[:0], p[len(p)-c.tailCap:]...)
		} else {
			if over := len(c.tail) + len(p) - c.tailCap; over > 0 {
				c.tail = append(c.tail[:0], c.tail[over:]...)
			}
			c.tail = append(c.tail, p...)
		}
	}
	return n, nil
}

// Bytes returns the head, then the tail. When bytes were dropped between
// them, a line break separates the two so that the tail's first line
// starts a line.
func (c *capped) Bytes() []byte {
	if len(c.tail) == 0 {
		return c.head
	}
	out := make([]byte, 0, len(c.head)+1+len(c.tail))
	out = append(out, c.head...)
	if c.total > int64(len(c.head)+len(c.tail)) {
		out = append(out, '\n')
	}
	return append(out, c.tail...)
}

func (c *capped) String() string { return string(c.Bytes()) }
