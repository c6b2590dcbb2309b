package pycheck_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/pycheck"
)

// helperArg, as the first argument of this test binary, makes it act as a
// grader's compile command instead of running tests (see compileCommand).
const helperArg = "pycheck-test-compile-command"

// testHelpers are the roles this test binary plays when a test runs it
// again with the role's name as its first argument.
var testHelpers = map[string]func(args []string) int{helperArg: compileCommand}

func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		if helper, ok := testHelpers[os.Args[1]]; ok {
			os.Exit(helper(os.Args[2:]))
		}
	}
	os.Exit(m.Run())
}

// compileCommand is the test binary acting as Options.CompileCommand:
// args are a mode, a folder where it records each run, the interpreter and
// the cache to fill. Modes:
//
//	fill  fill the cache with pycheck.FillCache, and list the cache's files
//	      as it leaves them
//	fail  fail, with a reason on stderr
//	noop  succeed without filling anything
//	hang  wait to be killed (a minute at most, so that a grader that
//	      fails to kill it fails its test rather than hanging it)
func compileCommand(args []string) int {
	mode, record, wasm, cache := args[0], args[1], args[2], args[3]
	f, err := os.OpenFile(filepath.Join(record, "runs"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err == nil {
		fmt.Fprintln(f, os.Getpid())
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	switch mode {
	case "fill":
		if raceEnabled {
			// A cold compile takes half a minute under the race
			// detector: start from the tests' shared cache instead,
			// which FillCache then loads, checks and marks.
			if err := copyCache(cacheDir(), cache); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		if err := pycheck.FillCache(context.Background(), pycheck.Options{WasmPath: wasm, CacheDir: cache}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := os.WriteFile(filepath.Join(record, "left"), []byte(strings.Join(cacheFiles(cache), "\n")), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "fail":
		fmt.Fprintln(os.Stdout, "nothing to see on stdout")
		fmt.Fprintln(os.Stderr, "compiler: out of luck on purpose")
		return 3
	case "noop":
		return 0
	case "hang":
		time.Sleep(time.Minute)
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown mode", mode)
	return 2
}

// command is a compile command running this test binary in mode; record
// is where it records its runs (see Runs).
func command(tb testing.TB, mode, record, wasm, cache string) []string {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	return []string{exe, helperArg, mode, record, wasm, cache}
}

// Runs returns the process ids of the command's runs recorded in record.
func Runs(tb testing.TB, record string) []int {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(record, "runs"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	var pids []int
	for _, line := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(line)
		if err != nil {
			tb.Fatal(err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// cacheFiles lists the regular files under dir, with their sizes, except
// pycheck's own markers: what wazero keeps, whatever its layout.
func cacheFiles(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || isMarker(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, fmt.Sprintf("%s %d", rel, info.Size()))
		return nil
	})
	slices.Sort(out)
	return out
}

func isMarker(name string) bool { return strings.HasPrefix(name, "prepbot-python-") }

// copyCache copies wazero's files from the tests' shared cache into dst,
// without pycheck's marker: a warm cache that nothing has marked yet.
func copyCache(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o700)
		case !d.Type().IsRegular() || isMarker(d.Name()):
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
}

// MustWarmSharedCache fills the tests' shared cache, if it is not yet, so
// that tests not about a cold cache can start from a copy of it.
func MustWarmSharedCache(tb testing.TB, wasm string) {
	tb.Helper()
	if err := pycheck.FillCache(context.Background(), pycheck.Options{WasmPath: wasm, CacheDir: cacheDir()}); err != nil {
		tb.Fatal(err)
	}
}

// logBuffer collects a grader's log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) Logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// MustReadyGrader makes a grader with opts and waits until it is ready;
// Close runs at cleanup.
func MustReadyGrader(tb testing.TB, opts pycheck.Options) *pycheck.Grader {
	tb.Helper()
	g, err := pycheck.New(context.Background(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { g.Close(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := g.Ready(ctx); err != nil {
		tb.Fatal(err)
	}
	return g
}

// MustGradeRight checks that g grades the small exercise's solution right.
func MustGradeRight(tb testing.TB, g *pycheck.Grader) {
	tb.Helper()
	ex := MustExercise(tb, smallExercise)
	if v := MustGrade(tb, g, ex, "def square(x):\n    return x * x\n"); v.Outcome != prep.Correct {
		tb.Fatalf("%s\n%s", outcomeName(v.Outcome), v.Detail)
	}
}

// TestColdCacheFilledByTheCommandOnce is the bot's first start: the cache
// is empty, so the command compiles into it, and the grader only loads
// what it left; the next start finds the cache warm and runs nothing.
func TestColdCacheFilledByTheCommandOnce(t *testing.T) {
	wasm := RequireInterpreter(t)
	if raceEnabled {
		MustWarmSharedCache(t, wasm)
	}
	dir, record := t.TempDir(), t.TempDir()
	if pycheck.Cached(dir) {
		t.Fatal("an empty folder counts as a filled cache")
	}
	log := &logBuffer{}
	opts := pycheck.Options{WasmPath: wasm, CacheDir: dir, TimeLimit: 30 * time.Second,
		CompileCommand: command(t, "fill", record, wasm, dir), Logger: log.Logger()}
	g := MustReadyGrader(t, opts)
	if runs := Runs(t, record); len(runs) != 1 {
		t.Fatalf("the command ran %d times on a cold cache, want once", len(runs))
	}
	if !pycheck.Cached(dir) {
		t.Fatal("the cache is not marked filled")
	}
	left, err := os.ReadFile(filepath.Join(record, "left"))
	if err != nil {
		t.Fatal(err)
	}
	// Had the grader compiled by itself (the command's work unused, or
	// compiled with another configuration), wazero would have added an
	// entry.
	if now := strings.Join(cacheFiles(dir), "\n"); now != string(left) {
		t.Errorf("the grader changed the cache the command filled:\nthe command left:\n%s\nnow:\n%s", left, now)
	}
	if !strings.Contains(log.String(), "compiled by a child process") || strings.Contains(log.String(), "level=WARN") {
		t.Errorf("the log does not say the command compiled:\n%s", log.String())
	}
	MustGradeRight(t, g)

	// The next start: warm, nothing run.
	log = &logBuffer{}
	opts.Logger = log.Logger()
	MustGradeRight(t, MustReadyGrader(t, opts))
	if runs := Runs(t, record); len(runs) != 1 {
		t.Errorf("the command ran %d times in all, want once: a warm cache needs no command", len(runs))
	}
	if !strings.Contains(log.String(), "loaded from the cache") {
		t.Errorf("the second grader's log:\n%s", log.String())
	}
}

// TestFailingCommandFallsBackToCompilingInProcess checks that a command
// that fails leaves Python on: the grader compiles by itself, logs the
// command's own words, and marks the cache for the next start.
func TestFailingCommandFallsBackToCompilingInProcess(t *testing.T) {
	wasm := RequireInterpreter(t)
	dir, record := t.TempDir(), t.TempDir()
	if raceEnabled {
		// The fallback is the same code warm or cold; cold, it takes
		// half a minute under the race detector.
		MustWarmSharedCache(t, wasm)
		if err := copyCache(cacheDir(), dir); err != nil {
			t.Fatal(err)
		}
	}
	log := &logBuffer{}
	opts := pycheck.Options{WasmPath: wasm, CacheDir: dir, TimeLimit: 30 * time.Second,
		CompileCommand: command(t, "fail", record, wasm, dir), Logger: log.Logger()}
	g := MustReadyGrader(t, opts)
	MustGradeRight(t, g)
	if runs := Runs(t, record); len(runs) != 1 {
		t.Errorf("the command ran %d times, want once", len(runs))
	}
	l := log.String()
	for _, want := range []string{"level=WARN", "compiling it in this process instead", "exit status 3", "compiler: out of luck on purpose", "compiled in this process"} {
		if !strings.Contains(l, want) {
			t.Errorf("the log lacks %q:\n%s", want, l)
		}
	}
	if strings.Contains(l, "nothing to see on stdout") {
		t.Errorf("the log shows the command's stdout:\n%s", l)
	}
	if !pycheck.Cached(dir) {
		t.Error("compiled in-process, the cache is not marked filled: the next start would run the command again")
	}
}

// TestMarkersOfOtherBuildsAreIgnored checks that a marker left by another
// interpreter or another wazero does not pass for this one's: the command
// runs. The cache itself is warm, as after an upgrade of prepbot from a
// version without markers; the command that claims success but fills
// nothing is caught, and the grader still starts.
func TestMarkersOfOtherBuildsAreIgnored(t *testing.T) {
	wasm := RequireInterpreter(t)
	if a, b := pycheck.MarkerName(pycheck.InterpreterSHA256, "v1.12.0"), pycheck.MarkerName(strings.Repeat("0", 64), "v1.12.0"); a == b {
		t.Fatalf("two interpreters share the marker %s", a)
	}
	if a, b := pycheck.MarkerName(pycheck.InterpreterSHA256, "v1.12.0"), pycheck.MarkerName(pycheck.InterpreterSHA256, "v1.13.0"); a == b {
		t.Fatalf("two wazero versions share the marker %s", a)
	}
	MustWarmSharedCache(t, wasm)
	dir, record := t.TempDir(), t.TempDir()
	if err := copyCache(cacheDir(), dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		pycheck.MarkerName(strings.Repeat("0", 64), pycheck.WazeroVersion()),
		pycheck.MarkerName(pycheck.InterpreterSHA256, "v0.0.1"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if pycheck.Cached(dir) {
		t.Fatal("markers of other builds pass for this one's")
	}
	log := &logBuffer{}
	g := MustReadyGrader(t, pycheck.Options{WasmPath: wasm, CacheDir: dir, TimeLimit: 30 * time.Second,
		CompileCommand: command(t, "noop", record, wasm, dir), Logger: log.Logger()})
	if runs := Runs(t, record); len(runs) != 1 {
		t.Errorf("the command ran %d times, want once", len(runs))
	}
	if l := log.String(); !strings.Contains(l, "still lacks the interpreter") {
		t.Errorf("a command that filled nothing went unnoticed:\n%s", l)
	}
	MustGradeRight(t, g)
	if !pycheck.Cached(dir) {
		t.Error("the cache is not marked filled")
	}
}

// TestCloseKillsTheCompileCommand checks that closing the grader (the bot
// shutting down during its first start) does not wait for the command.
func TestCloseKillsTheCompileCommand(t *testing.T) {
	wasm := RequireInterpreter(t)
	dir, record := t.TempDir(), t.TempDir()
	g, err := pycheck.New(context.Background(), pycheck.Options{WasmPath: wasm, CacheDir: dir,
		CompileCommand: command(t, "hang", record, wasm, dir)})
	if err != nil {
		t.Fatal(err)
	}
	var runs []int
	waitUntil(t, func() bool { runs = Runs(t, record); return len(runs) == 1 })
	start := time.Now()
	if err := g.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Close took %v", took)
	}
	if err := syscall.Kill(runs[0], 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the command (pid %d) outlived Close: %v", runs[0], err)
	}
	if err := g.Ready(context.Background()); err == nil {
		t.Error("ready after being closed while compiling")
	}
	if pycheck.Cached(dir) {
		t.Error("a killed command left the cache marked filled")
	}
}

func TestFillCacheErrors(t *testing.T) {
	dir := t.TempDir()
	err := pycheck.FillCache(context.Background(), pycheck.Options{WasmPath: filepath.Join(dir, "python.wasm"), CacheDir: dir})
	if !errors.Is(err, pycheck.ErrNotInstalled) {
		t.Errorf("a missing interpreter: %v", err)
	}
	wasm := RequireInterpreter(t)
	if err := pycheck.FillCache(context.Background(), pycheck.Options{WasmPath: wasm}); err == nil {
		t.Error("filled no cache folder without an error")
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
