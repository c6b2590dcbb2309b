// Command prepbot coaches a person for a job interview: flashcards scheduled
// by FSRS-6 from Markdown prep notes, in a terminal (the default, no tokens
// needed) or in Telegram.
//
// Usage:
//
//	prepbot [run] [flags]          run the coach (terminal mode without a Telegram token)
//	prepbot lint [DIR]             check a content folder (default: the embedded decks)
//	prepbot export [--format json|csv] [--user KEY] [--out FILE]
//	prepbot backup [PATH]          copy the database
//	prepbot restore PATH           replace the database with a backup
//	prepbot check [--repair]       verify the database; --repair rebuilds its indexes
//	prepbot config                 print the effective configuration
//	prepbot python-cache [flags]   compile the Python interpreter into PREPBOT_PYTHON_CACHE
//	prepbot version
//
// Every flag has a PREPBOT_* environment variable; see the README.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	// Time zones must resolve in minimal container images without
	// /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/prepbot/prepbot/content"
	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/config"
	"github.com/prepbot/prepbot/internal/markdown"
	"github.com/prepbot/prepbot/internal/ops"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/pycheck"
	"github.com/prepbot/prepbot/internal/schedule"
	"github.com/prepbot/prepbot/internal/sqlcheck"
	"github.com/prepbot/prepbot/internal/terminal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// Without its own path, the bot compiles the Python interpreter
	// in-process on a first start instead of in a child.
	self, _ := os.Executable()
	code := Main(ctx, os.Args[1:], IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv, Executable: self})
	stop()
	os.Exit(code)
}

// IO is the process's outside world, injected so tests can run Main
// in-process.
type IO struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
	// Now is the clock; nil means time.Now. End-to-end tests pass a fake.
	Now func() time.Time
	// PushSpec is the cron spec of the push job; "" means every minute.
	// Tests tick faster.
	PushSpec string
	// Executable is this program's path: run starts it as
	// "python-cache" to compile the Python interpreter into a cold cache,
	// so that the compiler's memory is a short-lived child's. "" means
	// run compiles in its own process (tests running Main in-process,
	// whose own binary is a test binary).
	Executable string
}

func (e IO) now() func() time.Time {
	if e.Now == nil {
		return time.Now
	}
	return e.Now
}

func (e IO) pushSpec() string {
	if e.PushSpec == "" {
		return "@every 1m"
	}
	return e.PushSpec
}

// Main runs one prepbot command and returns the process exit code.
func Main(ctx context.Context, args []string, env IO) int {
	cmd := "run"
	switch {
	case len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		// The commands first; "prepbot run -h" lists run's flags.
		cmd, args = "help", args[1:]
	case len(args) > 0 && !strings.HasPrefix(args[0], "-"):
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "run":
		err = run(ctx, args, env)
	case "lint":
		err = lint(args, env)
	case "export":
		err = export(args, env)
	case "config":
		err = showConfig(args, env)
	case "backup":
		err = backup(args, env)
	case "restore":
		err = restore(args, env)
	case "check":
		err = check(args, env)
	case "python-cache":
		err = pythonCache(ctx, args, env)
	case "version":
		if len(args) > 0 {
			err = fmt.Errorf("version takes no arguments, got %q", args)
			break
		}
		fmt.Fprintln(env.Out, "prepbot", version())
	case "help", "-h", "--help":
		fmt.Fprint(env.Out, usage)
	default:
		fmt.Fprintf(env.Err, "prepbot: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0 // the subcommand's help, asked for and printed
	}
	if err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintln(env.Err, "prepbot:", err)
		}
		return 1
	}
	return 0
}

const usage = `Usage:
  prepbot [run] [flags]     run the coach: in the terminal, unless PREPBOT_TELEGRAM_TOKEN
                            or the Slack tokens (PREPBOT_SLACK_BOT_TOKEN) are set
  prepbot lint [DIR]        check a content folder (default: the embedded decks)
  prepbot export [--format json|csv] [--user KEY] [--out FILE]
                            write card states and the review log
  prepbot backup [PATH]     copy the database (to PATH, or into PREPBOT_BACKUP_DIR)
  prepbot restore PATH      replace the database with a backup (the bot must be stopped)
  prepbot check [--repair]  verify the database: pages, records and indexes;
                            --repair first rebuilds the indexes (due times,
                            wake-ups) from the records (the bot must be stopped)
  prepbot config [flags]    print the effective configuration
  prepbot python-cache [flags]
                            compile the Python interpreter into PREPBOT_PYTHON_CACHE
                            (run does it in a child process on a first start;
                            an image build runs it to ship a warm cache)
  prepbot version

Run "prepbot COMMAND -h" for a command's flags; each setting's flag has a
PREPBOT_* variable (see README.md).
`

// Each subcommand's help: what "prepbot COMMAND -h" prints before its flags.
const (
	runHelp = `Usage: prepbot [run] [flags]

Runs the coach: in the terminal, unless PREPBOT_TELEGRAM_TOKEN or
PREPBOT_SLACK_BOT_TOKEN is set (then Telegram and/or Slack, in one
process). Settings come from defaults, then the file PREPBOT_CONFIG names,
then PREPBOT_* variables, then these flags.
`
	exportHelp = `Usage: prepbot export [flags]

Writes the card states and the review log in the database, as one JSON
object or one CSV table. Run it while the bot is stopped.
`
	configHelp = `Usage: prepbot config [flags]

Prints the effective configuration, one PREPBOT_NAME=value a line (secrets
as "(set)"). Flags set values as they do for run.
`
	backupHelp = `Usage: prepbot backup [flags] [PATH]

Writes a consistent copy of the database to PATH (replacing only an older
backup there), or without PATH into PREPBOT_BACKUP_DIR as
prepbot-<UTC time>.db, keeping the newest PREPBOT_BACKUP_KEEP. The bot must
be stopped.
`
	restoreHelp = `Usage: prepbot restore [flags] PATH

Replaces the database with the backup at PATH, after checking it; the
replaced file is kept as prepbot.db.before-restore-<UTC time>. The bot must
be stopped.
`
	checkHelp = `Usage: prepbot check [flags]

Verifies the database: bbolt's pages, that every card state and user
decodes, and that the derived indexes agree with them. Exits 1 on a
problem. The bot must be stopped.
`
	pythonCacheHelp = `Usage: prepbot python-cache [flags]

Compiles the Python interpreter (PREPBOT_PYTHON_WASM) into its cache
(PREPBOT_PYTHON_CACHE) and exits. run starts it in a child process on a
first start, with its own flags, so it takes run's flags.
`
)

// loadConfig reads the configuration for a subcommand whose own flags are
// in fs and which takes the given settings as flags. On -h or --help it
// prints help and the flags to standard output and returns flag.ErrHelp,
// which Main turns into exit status 0.
func loadConfig(fs *flag.FlagSet, help string, args []string, env IO, settings []string) (config.Config, error) {
	cfg, err := config.Load(fs, args, env.Getenv, settings)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(env.Out, "%s\nFlags:\n", help)
		config.PrintFlags(env.Out, fs)
	}
	return cfg, err
}

// newFlagSet is a subcommand's flag set; Load reports its errors.
func newFlagSet(cmd string) *flag.FlagSet {
	return flag.NewFlagSet("prepbot "+cmd, flag.ContinueOnError)
}

// The settings each database command takes as flags: the ones it uses.
var (
	exportSettings  = []string{"PREPBOT_CONFIG", "PREPBOT_DB", "PREPBOT_CONTENT"}
	backupSettings  = []string{"PREPBOT_CONFIG", "PREPBOT_DB", "PREPBOT_BACKUP_DIR", "PREPBOT_BACKUP_KEEP"}
	restoreSettings = []string{"PREPBOT_CONFIG", "PREPBOT_DB"}
	checkSettings   = []string{"PREPBOT_CONFIG", "PREPBOT_DB"}
)

// errReported marks an error whose details were already printed.
var errReported = errors.New("reported")

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// The exercise folders inside a content folder. Their problems name files
// by the content folder as given, then these, as the decks' do, so that
// every path printed opens from where the command was run.
var (
	sqlExerciseDir = "exercises"
	pyExerciseDir  = filepath.Join("exercises", "python")
)

// loadLibrary reads the configured content folder, or the embedded decks,
// with its exercises (the exercises/ sub-folder), and prints every problem
// with its file and line. Errors stop the caller. origin, when not "", says
// which setting named dir ("set by PREPBOT_CONTENT"), for the last line.
func loadLibrary(dir, origin string, stderr io.Writer) (*prep.Library, error) {
	var lib *prep.Library
	var problems prep.Problems
	var sqlFS, pyFS fs.FS
	if dir == "" {
		lib, problems = markdown.Load(content.FS())
		sqlFS, pyFS = content.Exercises(), content.PythonExercises()
	} else {
		lib, problems = markdown.LoadDir(dir)
		if st, err := os.Stat(filepath.Join(dir, sqlExerciseDir)); err == nil && st.IsDir() {
			sqlFS = os.DirFS(filepath.Join(dir, sqlExerciseDir))
		}
		if st, err := os.Stat(filepath.Join(dir, pyExerciseDir)); err == nil && st.IsDir() {
			pyFS = os.DirFS(filepath.Join(dir, pyExerciseDir))
		}
	}
	var exercises []prep.Exercise
	for _, ex := range []struct {
		fsys fs.FS
		dir  string
		load func(fs.FS) ([]prep.Exercise, prep.Problems)
	}{{sqlFS, sqlExerciseDir, sqlcheck.Load}, {pyFS, pyExerciseDir, pycheck.Load}} {
		if ex.fsys == nil {
			continue
		}
		loaded, exProblems := ex.load(ex.fsys)
		rerootProblems(exProblems, ex.fsys, filepath.Join(dir, ex.dir))
		problems = append(problems, exProblems...)
		exercises = append(exercises, loaded...)
	}
	if lib != nil {
		if err := lib.AddExercises(exercises); err != nil {
			problems = append(problems, prep.Problem{Severity: prep.Error, Message: err.Error()})
		}
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}
	if problems.HasErrors() || lib == nil {
		where := "the embedded decks"
		if dir != "" {
			where = dir
			if origin != "" {
				where += " (" + origin + ")"
			}
		}
		fmt.Fprintf(stderr, "prepbot: %s: content has errors (listed above); fix them and run again (prepbot lint %s)\n", where, dir)
		return nil, errReported
	}
	return lib, nil
}

// rerootProblems names the files in problems found in the exercise folder
// fsys, whose loader names them relative to that folder, from where the
// command runs: root (the folder's path) goes before each problem's file
// and before each mention of a file of that folder in its message, such
// as the other exercise with the same id ("the exercise at 01-foo.md:1"),
// so that both files read the same way and both open from here.
func rerootProblems(problems prep.Problems, fsys fs.FS, root string) {
	entries, _ := fs.ReadDir(fsys, ".") // unreadable, the loader said so
	var names []string
	for _, e := range entries {
		names = append(names, regexp.QuoteMeta(e.Name()))
	}
	var mention *regexp.Regexp
	if len(names) > 0 {
		// A file name as the loaders write one in a sentence: after a
		// space or "(", before ":line", ")", a space or punctuation.
		mention = regexp.MustCompile(`(^|[\s(])(` + strings.Join(names, "|") + `)($|[\s):;,])`)
	}
	for i := range problems {
		problems[i].Pos.File = filepath.Join(root, problems[i].Pos.File)
		if mention == nil {
			continue
		}
		problems[i].Message = mention.ReplaceAllStringFunc(problems[i].Message, func(m string) string {
			g := mention.FindStringSubmatch(m)
			return g[1] + filepath.Join(root, g[2]) + g[3]
		})
	}
}

func newLogger(cfg config.Config, w io.Writer, quiet bool) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	if quiet && level < slog.LevelWarn && cfg.LogLevel != "debug" {
		// The terminal coach shares the screen with the logs: only
		// problems are worth interrupting it for.
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func run(ctx context.Context, args []string, env IO) error {
	fs := newFlagSet("run")
	cfg, err := loadConfig(fs, runHelp, args, env, config.Settings())
	if err != nil {
		return err
	}
	flags := args[:len(args)-fs.NArg()]
	if n := len(flags); n > 0 && flags[n-1] == "--" {
		flags = flags[:n-1]
	}
	terminalMode := !cfg.ChatMode()
	log := newLogger(cfg, env.Err, terminalMode)
	lib, err := loadLibrary(cfg.Content, cfg.Origin("PREPBOT_CONTENT"), env.Err)
	if err != nil {
		return err
	}
	// Only run may create the database: a first start begins here.
	store, err := boltstore.Open(cfg.DB, storeOptions(cfg))
	if err != nil {
		return err
	}
	defer store.Close()
	graders := map[prep.ExerciseKind]prep.Grader{prep.SQLExercise: sqlcheck.NewGrader(sqlcheck.Options{})}
	var unavailable map[prep.ExerciseKind]string
	// The interpreter compiles in the background; the bot starts at once.
	py, err := pycheck.New(ctx, pythonOptions(cfg, flags, env, log))
	switch {
	case errors.Is(err, pycheck.ErrNotInstalled), errors.Is(err, pycheck.ErrNoExecutableMemory):
		// Everything else works; the learner gets the SQL exercises and
		// the cards, the operator the reason.
		unavailable = map[prep.ExerciseKind]string{prep.PythonExercise: pythonOff(ctx, log, cfg, err, terminalMode)}
	case err != nil:
		return err
	default:
		graders[prep.PythonExercise] = py
		defer py.Close(context.Background())
	}
	metrics := ops.NewMetrics()
	router := &deliverers{}
	// A chat bot answers "grading…" to a slow attempt and delivers the
	// verdict later; the terminal serves one person, so it waits for it.
	deliverLater := router.Deliver
	if terminalMode {
		deliverLater = nil
	}
	engine, err := prep.NewEngine(prep.EngineConfig{
		Store: store, Library: lib, Defaults: cfg.UserDefaults(), Now: env.now(),
		TerminalZone: cfg.TerminalZone(env.Getenv), TerminalZonePinned: cfg.TimeZone != "", Logger: log,
		OnReviews: func(n int) { metrics.Reviews.Add(float64(n)) },
		OnCommit:  func(c prep.CommitTiming) { observeCommit(metrics, c) },
		Graders:   graders,
		Charts:    charts{},
		Deliver:   deliverLater, Unavailable: unavailable,
	})
	if err != nil {
		return err
	}
	if terminalMode {
		return runTerminal(ctx, cfg, env, log, engine, router)
	}
	return runChat(ctx, cfg, env, log, store, engine, metrics, router)
}

// pythonOptions are the Python grader's options for run. A cold cache is
// filled by this program's python-cache in a child process, given run's
// own flags (so that it reads, and accepts, the configuration run read)
// and then the paths run resolved, which win.
func pythonOptions(cfg config.Config, flags []string, env IO, log *slog.Logger) pycheck.Options {
	opts := pycheck.Options{WasmPath: cfg.PythonWasm, CacheDir: cfg.PythonCache, Logger: log}
	if env.Executable != "" {
		opts.CompileCommand = append(append([]string{env.Executable, "python-cache"}, flags...),
			"--python-wasm="+cfg.PythonWasm, "--python-cache="+cfg.PythonCache)
	}
	return opts
}

// pythonCache compiles the Python interpreter into the configured cache,
// so that the bot's first start only loads it.
func pythonCache(ctx context.Context, args []string, env IO) error {
	fs := newFlagSet("python-cache")
	cfg, err := loadConfig(fs, pythonCacheHelp, args, env, config.Settings())
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("python-cache takes no arguments, got %q; set the interpreter and the cache with --python-wasm and --python-cache", fs.Args())
	}
	start := time.Now()
	if err := pycheck.FillCache(ctx, pycheck.Options{WasmPath: cfg.PythonWasm, CacheDir: cfg.PythonCache}); err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "the Python interpreter %s is compiled into %s (%s)\n", cfg.PythonWasm, cfg.PythonCache, time.Since(start).Round(10*time.Millisecond))
	return nil
}

func runTerminal(ctx context.Context, cfg config.Config, env IO, log *slog.Logger, engine *prep.Engine, router *deliverers) error {
	interactive := false
	if f, ok := env.In.(*os.File); ok {
		interactive = terminal.IsInteractive(f)
	}
	color := false
	if f, ok := env.Out.(*os.File); ok {
		color = terminal.IsInteractive(f) && env.Getenv("NO_COLOR") == "" && env.Getenv("TERM") != "dumb"
	}
	me := prep.NewUserKey(prep.Terminal, cfg.User)
	if cfg.TimeZone != "" {
		// The operator's configured zone is the intent. A zone chosen with
		// /settings lasts until the next start that sets one; without one
		// set, it stays.
		if err := engine.SetTimeZone(ctx, me, cfg.TerminalZone(env.Getenv)); err != nil {
			return err
		}
	}
	// Charts go into a folder of this session's own, removed at exit.
	var coach terminal.Coach = engine
	imageDir, err := os.MkdirTemp("", "prepbot-charts-")
	if err != nil {
		log.Warn("charts will be left in the temporary directory", "err", err)
		imageDir = ""
	} else {
		defer os.RemoveAll(imageDir)
		coach = latestCharts{Coach: engine, dir: imageDir, log: log}
	}
	var t *terminal.Terminal
	// Checklist reminders reach the terminal while it runs, and those that
	// fell due while it did not right after the greeting.
	remind := func(ctx context.Context) {
		pushes, err := engine.Due(ctx, func(u prep.UserKey) bool { return u == me })
		if err != nil {
			log.Error("reminders", "err", err)
			return
		}
		for _, p := range pushes {
			if err := t.Deliver(ctx, p.User, p.Replies); err != nil {
				log.Error("reminders", "err", err)
			}
		}
	}
	t = terminal.New(terminal.Options{
		In: env.In, Out: env.Out, User: me, Name: cfg.User,
		Color: color, Prompt: interactive, Now: env.now(), ImageDir: imageDir,
		AfterGreeting: remind,
	}, coach)
	router.add(prep.Terminal, t)
	sched := schedule.New(log)
	if err := sched.Add(env.pushSpec(), "reminders", remind); err != nil {
		return err
	}
	sched.Start()
	// A reader that goes away (`prepbot | head`) would otherwise end the
	// process with SIGPIPE at the next write, before the deferred clean-up
	// of the charts folder; ignored, the write fails with EPIPE and Run
	// ends the session like end of input.
	signal.Ignore(syscall.SIGPIPE)
	defer signal.Reset(syscall.SIGPIPE)
	err = t.Run(ctx)
	if errors.Is(err, syscall.EPIPE) {
		err = nil
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if serr := sched.Stop(stopCtx); serr != nil {
		log.Error("shutdown", "err", serr)
	}
	return err
}

// lintUsage is lint's own help: the general usage says only its syntax.
const lintUsage = `Usage: prepbot lint [DIR]

Checks a content folder as the bot would load it: the decks (the *.md files
at the top of DIR, README.md excepted), the SQL exercises in DIR/exercises
and the Python ones in DIR/exercises/python, whose reference solutions are
run (the Python ones when the interpreter is installed). Without DIR it
checks the content built into prepbot.

Each problem is printed as file:line: severity: message. The exit status is
1 when there is an error; warnings alone leave it 0.
`

func lint(args []string, env IO) error {
	var folders []string
	for i, a := range args {
		if a == "--" {
			folders = append(folders, args[i+1:]...)
			break
		}
		switch {
		case a == "-h" || a == "-help" || a == "--help":
			fmt.Fprint(env.Out, lintUsage)
			return nil
		case strings.HasPrefix(a, "-") && a != "-":
			// A folder whose name starts with "-" is given as ./-name.
			return fmt.Errorf("lint: unknown flag %s (lint takes only a folder; see prepbot lint -h)", a)
		}
		folders = append(folders, a)
	}
	if len(folders) > 1 {
		return fmt.Errorf("lint takes at most one folder, got %d arguments", len(folders))
	}
	dir := ""
	if len(folders) == 1 {
		dir = folders[0]
	}
	lib, err := loadLibrary(dir, "", env.Err)
	if err != nil {
		return err
	}
	// Every reference solution must run and return rows on every dataset,
	// and pass its tests.
	var sqlEx, pyEx []prep.Exercise
	for _, ex := range lib.Exercises {
		if ex.Kind == prep.PythonExercise {
			pyEx = append(pyEx, ex)
		} else {
			sqlEx = append(sqlEx, ex)
		}
	}
	problems := sqlcheck.Lint(context.Background(), sqlEx)
	for i := range problems {
		problems[i].Pos.File = filepath.Join(dir, sqlExerciseDir, problems[i].Pos.File)
	}
	if len(pyEx) > 0 {
		// lint takes no settings as flags; the environment may set the
		// interpreter's path.
		cfg, err := config.Load(newFlagSet("lint"), nil, env.Getenv, nil)
		if err != nil {
			return err
		}
		py, err := pycheck.New(context.Background(), pycheck.Options{WasmPath: cfg.PythonWasm, CacheDir: cfg.PythonCache})
		if errors.Is(err, pycheck.ErrNotInstalled) {
			// The error names the path looked at and the remedies; the
			// origin says which setting to change.
			fmt.Fprintf(env.Err, "prepbot: Python reference solutions not checked: %v (the path is %s)\n", err, cfg.Origin("PREPBOT_PYTHON_WASM"))
		} else if errors.Is(err, pycheck.ErrNoExecutableMemory) {
			fmt.Fprintln(env.Err, "prepbot: Python reference solutions not checked:", err)
		} else if err != nil {
			return err
		} else {
			pyProblems := pycheck.Lint(context.Background(), py, pyEx)
			py.Close(context.Background())
			for i := range pyProblems {
				pyProblems[i].Pos.File = filepath.Join(dir, pyExerciseDir, pyProblems[i].Pos.File)
			}
			problems = append(problems, pyProblems...)
		}
	}
	for _, p := range problems {
		fmt.Fprintln(env.Err, p)
	}
	if problems.HasErrors() {
		return errReported
	}
	fmt.Fprintf(env.Out, "ok: %s in %s, %s, %s\n", count(len(lib.Cards), "card"), count(len(lib.Topics()), "topic"),
		count(len(lib.Checklists), "checklist item"), count(len(lib.Exercises), "exercise"))
	return nil
}

// count writes n and a noun that takes an s in the plural: "1 card", "2 cards".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func export(args []string, env IO) error {
	fs := newFlagSet("export")
	format := fs.String("format", "json", "the output's format, `json|csv`: one JSON object of cards and reviews, or one CSV table with a kind column")
	user := fs.String("user", "", "export only this user's data: a user `KEY` such as terminal:alice or telegram:123456789 (default: every user)")
	out := fs.String("out", "", "write to `FILE` (replacing it) instead of standard output")
	cfg, err := loadConfig(fs, exportHelp, args, env, exportSettings)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export takes no arguments, got %q; see prepbot export -h", fs.Args())
	}
	if *format != "json" && *format != "csv" {
		return fmt.Errorf("export: --format must be json or csv, got %q", *format)
	}
	lib, err := loadLibrary(cfg.Content, cfg.Origin("PREPBOT_CONTENT"), env.Err)
	if err != nil {
		return err
	}
	opts := storeOptions(cfg)
	opts.MustExist = true
	store, err := boltstore.Open(cfg.DB, opts)
	if err != nil {
		return err
	}
	defer store.Close()
	x, err := prep.BuildExport(store, lib, prep.UserKey(*user))
	if err != nil {
		if errors.Is(err, prep.ErrNotFound) {
			return fmt.Errorf("export: no user %q in %s (user keys look like terminal:alice or telegram:12345)", *user, cfg.DB)
		}
		return err
	}
	w := env.Out
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer f.Close()
		w = f
	}
	if *format == "csv" {
		err = x.WriteCSV(w)
	} else {
		err = x.WriteJSON(w)
	}
	if err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && *out != "" {
		return f.Sync()
	}
	return nil
}

func showConfig(args []string, env IO) error {
	fs := newFlagSet("config")
	cfg, err := loadConfig(fs, configHelp, args, env, config.Settings())
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("config takes no arguments, got %q; see prepbot config -h", fs.Args())
	}
	for _, v := range config.Vars() {
		fmt.Fprintf(env.Out, "%s=%s\n", v.Env, v.Value(&cfg))
	}
	return nil
}

func backup(args []string, env IO) error {
	fs := newFlagSet("backup")
	cfg, err := loadConfig(fs, backupHelp, args, env, backupSettings)
	if err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("backup takes at most one path, got %d", fs.NArg())
	}
	opts := storeOptions(cfg)
	opts.MustExist = true
	// A running bot holds the lock for as long as it runs: waiting longer
	// than a restart's overlap only delays the message that says so.
	opts.LockTimeout = time.Second
	store, err := boltstore.Open(cfg.DB, opts)
	if err != nil {
		if errors.Is(err, prep.ErrLocked) {
			// Only a chat-mode bot takes nightly backups; the terminal
			// coach takes none, and which one holds the file is unknown.
			return fmt.Errorf("%w\nprepbot backup needs the database to itself: stop the running prepbot first, then back up (a chat-mode bot also backs it up every night at 03:00 into its PREPBOT_BACKUP_DIR)", err)
		}
		return err
	}
	defer store.Close()
	var path string
	if fs.NArg() == 1 {
		path = fs.Arg(0)
		_, err = store.Backup(path)
	} else {
		if cfg.BackupDir == "off" {
			return errors.New("backup: PREPBOT_BACKUP_DIR is off; give a path: prepbot backup PATH")
		}
		path, err = store.BackupInto(cfg.BackupDir, env.now()(), cfg.BackupKeep)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Out, "backed up", cfg.DB, "to", path)
	return nil
}

func restore(args []string, env IO) error {
	fs := newFlagSet("restore")
	cfg, err := loadConfig(fs, restoreHelp, args, env, restoreSettings)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("restore takes the backup's path: prepbot restore PATH")
	}
	kept, err := boltstore.Restore(cfg.DB, fs.Arg(0), env.now()(), storeOptions(cfg))
	if err != nil {
		return err
	}
	if kept == "" {
		fmt.Fprintf(env.Out, "restored %s from %s (there was no database there before)\n", cfg.DB, fs.Arg(0))
		return nil
	}
	fmt.Fprintf(env.Out, "restored %s from %s; the database it replaced is kept as %s\n", cfg.DB, fs.Arg(0), kept)
	return nil
}
