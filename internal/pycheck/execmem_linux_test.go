package pycheck_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/prepbot/prepbot/internal/pycheck"
)

// mdweArg makes this test binary forbid itself executable memory, as
// systemd's MemoryDenyWriteExecute=yes does, and then try to make a
// grader and fill a cache (see underMDWE).
const mdweArg = "pycheck-test-mdwe"

func init() { testHelpers[mdweArg] = underMDWE }

// Exit codes of underMDWE.
const (
	mdweRefused     = 0 // both refused with ErrNoExecutableMemory
	mdweAccepted    = 1 // something was not refused
	mdweUnsupported = 3 // the kernel has no PR_SET_MDWE (before Linux 6.3)
)

// underMDWE sets PR_SET_MDWE (PR_MDWE_REFUSE_EXEC_GAIN) on itself and
// reports what pycheck.New and pycheck.FillCache say. args: the
// interpreter, a cache folder.
func underMDWE(args []string) int {
	const prSetMDWE, refuseExecGain = 65, 1
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetMDWE, refuseExecGain, 0); errno != 0 {
		fmt.Println("prctl:", errno)
		if errno == syscall.EINVAL {
			return mdweUnsupported
		}
		return mdweAccepted
	}
	opts := pycheck.Options{WasmPath: args[0], CacheDir: args[1]}
	g, err := pycheck.New(context.Background(), opts)
	if g != nil {
		g.Close(context.Background())
	}
	fmt.Println("New:", err)
	ferr := pycheck.FillCache(context.Background(), opts)
	fmt.Println("FillCache:", ferr)
	if !errors.Is(err, pycheck.ErrNoExecutableMemory) || !errors.Is(ferr, pycheck.ErrNoExecutableMemory) {
		return mdweAccepted
	}
	return mdweRefused
}

// TestNoExecutableMemoryTurnsPythonOff: where the process may not map
// memory executable, wazero would fall back to interpreting the
// interpreter, so slowly that correct answers hit the time limit. New and
// FillCache refuse instead, with the reason, and leave no marker claiming
// a warm cache.
func TestNoExecutableMemoryTurnsPythonOff(t *testing.T) {
	wasm := RequireInterpreter(t)
	cache := t.TempDir()
	out, err := exec.Command(os.Args[0], mdweArg, wasm, cache).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode() == mdweUnsupported:
		t.Skipf("this kernel cannot forbid executable memory to a process (PR_SET_MDWE is Linux 6.3+): %s", out)
	default:
		t.Fatalf("under PR_SET_MDWE: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "MemoryDenyWriteExecute") {
		t.Errorf("the refusal does not say what to lift:\n%s", out)
	}
	if pycheck.Cached(cache) {
		t.Error("a cache marker was written although nothing could be compiled")
	}
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		t.Logf("left in the cache: %s", filepath.Join(cache, e.Name()))
	}
}
