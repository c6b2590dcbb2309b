package pycheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
)

// FillCache compiles the interpreter into opts.CacheDir and returns: it is
// the work of New's background compilation, done alone, so that a short-
// lived process (prepbot python-cache, run by the bot as its
// Options.CompileCommand or by an image build) holds the compiler's memory
// instead of the long-running bot. It checks the interpreter as New does
// (the error wraps ErrNotInstalled when it is missing or not the pinned
// one). With a warm cache it only loads and checks what is there.
//
// Once the cache holds the interpreter, FillCache leaves a marker beside
// it, which Cached reads: that is how the next New knows the cache is warm
// without compiling.
func FillCache(ctx context.Context, opts Options) error {
	opts = opts.withDefaults()
	if opts.CacheDir == "" {
		return errors.New("pycheck: fill the cache: no cache folder given")
	}
	if err := opts.checkMemoryLimit(); err != nil {
		return err
	}
	wasm, err := readInterpreter(opts.WasmPath)
	if err != nil {
		return err
	}
	if err := executableMemory(); err != nil {
		// wazero would interpret instead, cache nothing, and the marker
		// would claim a warm cache.
		return fmt.Errorf("%w (%v)", ErrNoExecutableMemory, err)
	}
	cache, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
	if err != nil {
		return fmt.Errorf("pycheck: compilation cache %s: %w", opts.CacheDir, err)
	}
	defer cache.Close(context.Background())
	rt := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(opts).WithCompilationCache(cache))
	defer rt.Close(context.Background())
	if _, err := compileInterpreter(ctx, rt, wasm, opts); err != nil {
		return err
	}
	return writeMarker(opts.CacheDir)
}

// Cached reports whether cacheDir holds the pinned interpreter compiled by
// the wazero this program is built with, for this operating system and
// architecture: whether FillCache, or a grader, has compiled it there
// before. New uses it to decide whether Options.CompileCommand must run.
//
// wazero also keys its cache by the CPU's features (a few instruction-set
// extensions): a cache filled on another machine, as an image build does,
// may be refilled on the first start of a machine that differs. The
// grader then compiles in-process, which is slower and peaks higher but
// still correct.
func Cached(cacheDir string) bool {
	if cacheDir == "" {
		return false
	}
	st, err := os.Stat(filepath.Join(cacheDir, markerName(InterpreterSHA256, wazeroVersion())))
	return err == nil && st.Mode().IsRegular()
}

// markerName is the marker's file name for an interpreter with SHA-256 sum
// compiled by wazero version: a new interpreter or a new wazero has no
// marker yet, so its first start fills the cache again rather than
// trusting an entry wazero will not read.
func markerName(sum, version string) string {
	if len(sum) > 16 {
		sum = sum[:16]
	}
	clean := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, version)
	return fmt.Sprintf("prepbot-python-%s-wazero-%s-%s-%s.ok", sum, clean, runtime.GOOS, runtime.GOARCH)
}

// wazeroVersion is the version of wazero linked into this program, read
// from the build information exactly as wazero reads it to name its own
// cache folder: the marker then follows go.mod by itself, and changes
// whenever wazero's cache does. A constant kept by hand could fall out of
// step on a dependency bump and claim a cache warm that wazero discards.
// Builds without module information (test binaries) give "dev", as wazero
// does.
func wazeroVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/tetratelabs/wazero" && dep.Version != "" && dep.Version != "(devel)" {
				return dep.Version
			}
		}
	}
	return "dev"
}

// writeMarker records in dir that the cache holds the interpreter. It
// writes a temporary file and renames it, so a reader never sees a marker
// half-written, and two processes filling one cache both end with one.
func writeMarker(dir string) error {
	name := markerName(InterpreterSHA256, wazeroVersion())
	if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
		return nil
	}
	f, err := os.CreateTemp(dir, ".marker-*")
	if err != nil {
		return fmt.Errorf("pycheck: mark the cache filled: %w", err)
	}
	text := fmt.Sprintf("python.wasm (SHA-256 %s) compiled by wazero %s for %s/%s\n",
		InterpreterSHA256, wazeroVersion(), runtime.GOOS, runtime.GOARCH)
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("pycheck: mark the cache filled: %w", err)
	}
	return nil
}

// maxChildStderr is how much of the compile command's error output is
// kept for the error message: its last lines, where the reason is.
const maxChildStderr = 4 << 10

// childWaitDelay bounds how long Close waits for the compile command's
// output once it has been killed (a grandchild could hold the pipe).
const childWaitDelay = 5 * time.Second

// runCompileCommand runs Options.CompileCommand and checks that it left
// the cache warm. ctx ending (Close) kills it.
func (g *Grader) runCompileCommand(ctx context.Context) error {
	argv := g.opts.CompileCommand
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	stderr := &tailWriter{max: maxChildStderr}
	cmd.Stderr = stderr
	cmd.WaitDelay = childWaitDelay
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("pycheck: compile command %s: %w", argv[0], ctx.Err())
	case err != nil:
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("pycheck: compile command %s: %w: %s", argv[0], err, msg)
		}
		return fmt.Errorf("pycheck: compile command %s: %w", argv[0], err)
	case !Cached(g.opts.CacheDir):
		return fmt.Errorf("pycheck: compile command %s succeeded but %s still lacks the interpreter: does it use the same interpreter and cache folder?", argv[0], g.opts.CacheDir)
	}
	return nil
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	max int
	buf bytes.Buffer
}

func (w *tailWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > w.max {
		p = p[len(p)-w.max:]
	}
	if over := w.buf.Len() + len(p) - w.max; over > 0 {
		w.buf.Next(over)
	}
	w.buf.Write(p)
	return n, nil
}

func (w *tailWriter) String() string { return w.buf.String() }
