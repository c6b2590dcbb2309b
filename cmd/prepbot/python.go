package main

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/prepbot/prepbot/internal/config"
	"github.com/prepbot/prepbot/internal/pycheck"
)

// pythonOffInChat is the answer to /py in a chat when Python exercises are
// off: its users cannot fix the server, and the log tells the operator why.
const pythonOffInChat = "Python exercises are not available on this bot."

// pythonOff logs why Python exercises are off, given pycheck.New's error,
// and returns the answer to /py. The log says where the interpreter was
// looked for and which setting chose that path: at WARN when the operator
// set it (they meant Python to work, and the terminal shows warnings), at
// INFO when the default path has none, since Python exercises are optional.
// The terminal's user is the operator, so there /py says it all too; in a
// chat it says only that they are off.
func pythonOff(ctx context.Context, log *slog.Logger, cfg config.Config, err error, terminalMode bool) string {
	var why, fix string
	level := slog.LevelError
	var ie *pycheck.InstallError
	switch {
	case errors.As(err, &ie):
		// A relative default is taken from the working directory: the
		// absolute path shows which one.
		path := ie.Path
		if abs, aerr := filepath.Abs(path); aerr == nil {
			path = abs
		}
		origin := cfg.Origin("PREPBOT_PYTHON_WASM")
		if ie.Missing {
			why = "there is no Python interpreter at " + path + " (" + origin + ")"
		} else {
			why = path + " (" + origin + ") is not the Python interpreter prepbot runs (CPython 3.12 for WASI, checked by its SHA-256)"
		}
		fix = "fetch it with scripts/fetch-python-wasm in prepbot's source folder, or set PREPBOT_PYTHON_WASM to the absolute path of the python.wasm it fetched, then restart prepbot"
		level = slog.LevelInfo
		if cfg.SetBy("PREPBOT_PYTHON_WASM") != "" {
			level = slog.LevelWarn
		}
	default:
		why = strings.TrimPrefix(err.Error(), "pycheck: ")
	}
	if fix == "" {
		log.Log(ctx, level, "Python exercises are off: "+why)
	} else {
		log.Log(ctx, level, "Python exercises are off: "+why, "fix", fix)
	}
	if !terminalMode {
		return pythonOffInChat
	}
	reply := "Python exercises are off: " + why + "."
	if fix != "" {
		reply += " To turn them on, " + fix + "."
	}
	return reply
}
