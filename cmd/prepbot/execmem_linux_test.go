package main_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// denyExecArg makes this test binary forbid executable memory to itself
// (PR_SET_MDWE, which systemd's MemoryDenyWriteExecute=yes uses where the
// kernel has it, and which execve keeps) and then become the command in
// the rest of its arguments.
const denyExecArg = "prepbot-test-deny-exec"

func init() { testRoles[denyExecArg] = execDenyingExecutableMemory }

// noMDWE is execDenyingExecutableMemory's exit code on a kernel without
// PR_SET_MDWE (before Linux 6.3).
const noMDWE = 97

func execDenyingExecutableMemory(argv []string) int {
	const prSetMDWE, refuseExecGain = 65, 1
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetMDWE, refuseExecGain, 0); errno != 0 {
		fmt.Fprintln(os.Stderr, "prctl PR_SET_MDWE:", errno)
		if errno == syscall.EINVAL {
			return noMDWE
		}
		return 1
	}
	err := syscall.Exec(argv[0], argv, os.Environ())
	fmt.Fprintln(os.Stderr, "exec:", err)
	return 1
}

// TestPythonOffWithoutExecutableMemory: under MemoryDenyWriteExecute the
// Python interpreter could only be interpreted, far too slowly for the
// time limits. The coach runs without Python exercises and says why; lint
// says it did not check the Python solutions, and why.
func TestPythonOffWithoutExecutableMemory(t *testing.T) {
	wasm := requirePython(t)
	env := cleanEnv([]string{"PREPBOT_PYTHON_WASM=" + wasm, "PREPBOT_PYTHON_CACHE=" + t.TempDir(),
		"PREPBOT_DB=" + t.TempDir() + "/prepbot.db", "PREPBOT_HTTP_ADDR="})
	run := func(stdin string, args ...string) (string, int) {
		cmd := exec.Command(os.Args[0], append([]string{denyExecArg, binary}, args...)...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return string(out), 0
		case errors.As(err, &exit) && exit.ExitCode() == noMDWE:
			t.Skipf("this kernel cannot forbid executable memory to a process (PR_SET_MDWE is Linux 6.3+): %s", out)
		case errors.As(err, &exit):
			return string(out), exit.ExitCode()
		default:
			t.Fatal(err)
		}
		return "", 0
	}

	out, code := run("/py\n", "run")
	if code != 0 || !strings.Contains(out, "Python exercises are off") || !strings.Contains(out, "MemoryDenyWriteExecute") {
		t.Errorf("run under MDWE (exit %d) does not say Python is off and why:\n%s", code, out)
	}
	out, code = run("", "lint")
	if code != 0 || !strings.Contains(out, "Python reference solutions not checked") || !strings.Contains(out, "MemoryDenyWriteExecute") {
		t.Errorf("lint under MDWE (exit %d) does not say the Python solutions went unchecked and why:\n%s", code, out)
	}
}
