package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prepbot/prepbot/internal/config"
	"github.com/prepbot/prepbot/internal/pycheck"
)

// TestPythonOffSaysWhereAndWhy checks pythonOff's two audiences: the log,
// at WARN only when the operator set the interpreter's path, always with
// the path (made absolute: a relative one depends on the working directory)
// and the setting; and /py's answer, complete in the terminal, whose user is
// the operator, and short in a chat, whose users cannot fix the server.
func TestPythonOffSaysWhereAndWhy(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "python.wasm")
	defaultAbs, err := filepath.Abs(".cache/python/python.wasm")
	if err != nil {
		t.Fatal(err)
	}
	const defaultOrigin = "(the default; PREPBOT_PYTHON_WASM or --python-wasm sets another)"
	tests := []struct {
		name      string
		env       map[string]string
		err       error
		terminal  bool
		wantLevel string
		want      []string // in both the log and the terminal's answer
	}{
		{"default path, missing", nil, &pycheck.InstallError{Path: ".cache/python/python.wasm", Missing: true}, true, "INFO",
			[]string{"there is no Python interpreter at " + defaultAbs + " " + defaultOrigin, "scripts/fetch-python-wasm"}},
		{"set, missing", map[string]string{"PREPBOT_PYTHON_WASM": missing}, &pycheck.InstallError{Path: missing, Missing: true}, true, "WARN",
			[]string{"there is no Python interpreter at " + missing + " (set by PREPBOT_PYTHON_WASM)", "scripts/fetch-python-wasm"}},
		{"set, not the interpreter", map[string]string{"PREPBOT_PYTHON_WASM": "/etc/passwd"}, &pycheck.InstallError{Path: "/etc/passwd", SHA256: "00"}, true, "WARN",
			[]string{"/etc/passwd (set by PREPBOT_PYTHON_WASM) is not the Python interpreter prepbot runs", "scripts/fetch-python-wasm"}},
		{"no executable memory", nil, fmt.Errorf("%w (prctl)", pycheck.ErrNoExecutableMemory), true, "ERROR",
			[]string{"MemoryDenyWriteExecute"}},
		{"chat, set, missing", map[string]string{"PREPBOT_PYTHON_WASM": missing}, &pycheck.InstallError{Path: missing, Missing: true}, false, "WARN",
			[]string{"there is no Python interpreter at " + missing + " (set by PREPBOT_PYTHON_WASM)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(k string) string { return tt.env[k] }, nil)
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			reply := pythonOff(context.Background(), log, cfg, tt.err, tt.terminal)
			if !strings.Contains(logs.String(), "level="+tt.wantLevel+" ") {
				t.Errorf("logged not at %s:\n%s", tt.wantLevel, logs.String())
			}
			for _, want := range tt.want {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("the log lacks %q:\n%s", want, logs.String())
				}
				if tt.terminal && !strings.Contains(reply, want) {
					t.Errorf("the terminal's answer lacks %q:\n%s", want, reply)
				}
			}
			if !tt.terminal && reply != pythonOffInChat {
				t.Errorf("the chat answer is %q, want %q", reply, pythonOffInChat)
			}
		})
	}
}

// TestPyInTheTerminalSaysWhereItLooked runs the terminal coach with an
// interpreter path that points nowhere, or at a file that is not the
// interpreter, and checks /py's answer and the warning on stderr.
func TestPyInTheTerminalSaysWhereItLooked(t *testing.T) {
	dir := t.TempDir()
	notPython := filepath.Join(dir, "passwd")
	if err := os.WriteFile(notPython, []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	defaultAbs, err := filepath.Abs(".cache/python/python.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(defaultAbs); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("this test needs no interpreter at %s (stat: %v)", defaultAbs, err)
	}
	tests := []struct {
		name     string
		wasm     string
		want     string
		wantWarn bool
	}{
		{"the default, relative to the working directory", "", "there is no Python interpreter at " + defaultAbs + " (the default; PREPBOT_PYTHON_WASM or --python-wasm sets another)", false},
		{"set, missing", filepath.Join(dir, "nope.wasm"), "there is no Python interpreter at " + filepath.Join(dir, "nope.wasm") + " (set by PREPBOT_PYTHON_WASM)", true},
		{"set, not the interpreter", notPython, notPython + " (set by PREPBOT_PYTHON_WASM) is not the Python interpreter", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"PREPBOT_DB": filepath.Join(t.TempDir(), "prepbot.db"), "PREPBOT_USER": "ada", "PREPBOT_PYTHON_WASM": tt.wasm}
			r := runCLI(t, env, "/py\n")
			if r.code != 0 || !strings.Contains(r.stdout, tt.want) {
				t.Errorf("exit %d; /py must say %q:\n%s", r.code, tt.want, r.stdout)
			}
			if warned := strings.Contains(r.stderr, "level=WARN") && strings.Contains(r.stderr, tt.want); warned != tt.wantWarn {
				t.Errorf("warned = %v, want %v:\n%s", warned, tt.wantWarn, r.stderr)
			}
		})
	}
}
