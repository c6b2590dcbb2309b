package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/config"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/slack"
	"github.com/prepbot/prepbot/internal/slack/slackfake"
	"github.com/prepbot/prepbot/internal/telegram"
	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

// cliResult is one in-process run of Main.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs Main in-process with only the given environment, stdin and
// arguments, and waits for it.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := Main(ctx, args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errb,
		Getenv: func(k string) string { return env[k] }})
	return cliResult{code, out.String(), errb.String()}
}

// TestReadOnlyCommandsRefuseAMissingDatabase checks that export and backup,
// given a path with no database (a typo), say so, name the path and the
// setting that chose it, and create nothing, where they used to create an
// empty database and report on it.
func TestReadOnlyCommandsRefuseAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "x", "nonexist.db")
	file := filepath.Join(dir, "prepbot.env")
	if err := os.WriteFile(file, []byte("PREPBOT_DB="+missing+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		from string
	}{
		{"export, PREPBOT_DB", map[string]string{"PREPBOT_DB": missing}, []string{"export"}, "(set by PREPBOT_DB)"},
		{"export --db", nil, []string{"export", "--db", missing}, "(set by --db)"},
		{"export, the configuration file", map[string]string{"PREPBOT_CONFIG": file}, []string{"export"}, "(set by PREPBOT_DB in " + file + ")"},
		{"backup PATH", map[string]string{"PREPBOT_DB": missing}, []string{"backup", filepath.Join(dir, "bk.db")}, "(set by PREPBOT_DB)"},
		{"backup into PREPBOT_BACKUP_DIR", nil, []string{"backup", "--db=" + missing}, "(set by --db)"},
		{"the default path", map[string]string{"HOME": dir}, []string{"export"}, "(the default; PREPBOT_DB or --db sets another)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.env, "", tt.args...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			path := missing
			if tt.env["HOME"] != "" {
				path = filepath.Join(dir, ".local", "share", "prepbot", "prepbot.db")
			}
			if want := "there is no database at " + path + " " + tt.from; !strings.Contains(r.stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout: %s", r.stdout)
			}
			for _, p := range []string{filepath.Dir(missing), filepath.Join(dir, ".local"), filepath.Join(dir, "bk.db")} {
				if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s was created (stat: %v)", p, err)
				}
			}
		})
	}
}

// TestBackupWhileABotRunsSaysWhatToDo checks the refusal of a backup while
// another process holds the database: it must not claim that the running
// bot backs up every night, which only a chat-mode bot does.
func TestBackupWhileABotRunsSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "prepbot.db")
	holder, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	r := runCLI(t, map[string]string{"PREPBOT_DB": db}, "", "backup", filepath.Join(dir, "bk.db"))
	if r.code != 1 {
		t.Fatalf("exit %d, want 1:\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Log(r.stderr)
	for _, want := range []string{db + " (set by PREPBOT_DB) is in use by another prepbot process", "stop the running prepbot first", "a chat-mode bot also backs it up every night"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "A running prepbot backs up") {
		t.Errorf("stderr claims every running prepbot backs up:\n%s", r.stderr)
	}
}

// TestRestoreCommand checks restore's answers: twice in a row (the same
// second) both succeed and keep what they replaced; a file that is not a
// backup is named, said not to be one, and changes nothing; and restoring
// where there is no database yet puts the backup there.
func TestRestoreCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "prepbot.db")
	env := map[string]string{"PREPBOT_DB": db, "PREPBOT_USER": "ada"}
	if r := runCLI(t, env, "/ask\n1\ngood\n"); r.code != 0 {
		t.Fatalf("run: exit %d:\n%s", r.code, r.stderr)
	}
	bk := filepath.Join(dir, "bk.db")
	if r := runCLI(t, env, "", "backup", bk); r.code != 0 {
		t.Fatalf("backup: exit %d:\n%s", r.code, r.stderr)
	}
	var kept []string
	for i := range 2 {
		r := runCLI(t, env, "", "restore", bk)
		if r.code != 0 {
			t.Fatalf("restore %d: exit %d:\n%s", i+1, r.code, r.stderr)
		}
		_, k, ok := strings.Cut(strings.TrimSpace(r.stdout), "kept as ")
		if !ok {
			t.Fatalf("restore %d does not say where it kept the replaced database: %s", i+1, r.stdout)
		}
		kept = append(kept, k)
	}
	if kept[0] == kept[1] {
		t.Fatalf("both restores kept the replaced database as %s", kept[0])
	}
	for _, k := range kept {
		if _, err := os.Stat(k); err != nil {
			t.Error(err)
		}
	}

	garbage := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(garbage, []byte("my interview notes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, env, "", "restore", garbage)
	if want := "boltstore: restore: " + garbage + " is not a prepbot database, or it is damaged"; r.code != 1 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "nothing was changed") {
		t.Errorf("restore of a text file (exit %d) must say %q and that nothing changed:\n%s", r.code, want, r.stderr)
	}

	fresh := filepath.Join(dir, "new", "prepbot.db")
	r = runCLI(t, map[string]string{"PREPBOT_DB": fresh}, "", "restore", bk)
	if r.code != 0 || !strings.Contains(r.stdout, "there was no database there before") {
		t.Errorf("restore onto no database (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, map[string]string{"PREPBOT_DB": fresh}, "", "export"); r.code != 0 || strings.Count(r.stdout, `"rating": 3`) != 1 {
		t.Errorf("the restored database must hold the backup's review (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestConfiguredTimeZoneFollowsAtStart checks that PREPBOT_TIMEZONE reaches
// a terminal user who already exists, where it used to reach only a new
// one, and that without it a zone chosen with /settings stays.
func TestConfiguredTimeZoneFollowsAtStart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prepbot.db")
	steps := []struct {
		zone, stdin, want string
	}{
		{"", "/settings\n", "Time zone: America/New_York"}, // the machine's (TZ), stored
		{"Asia/Tokyo", "/settings\n", "Time zone: Asia/Tokyo"},
		{"", "/settings timezone Europe/Berlin\n", "Time zone: Europe/Berlin"},
		{"", "/settings\n", "Time zone: Europe/Berlin"},
		{"Asia/Tokyo", "/settings\n", "Time zone: Asia/Tokyo"},
	}
	for i, st := range steps {
		env := map[string]string{"PREPBOT_DB": db, "PREPBOT_USER": "ada", "TZ": "America/New_York", "PREPBOT_TIMEZONE": st.zone}
		r := runCLI(t, env, st.stdin)
		if r.code != 0 || !strings.Contains(r.stdout, st.want) {
			t.Fatalf("step %d, PREPBOT_TIMEZONE=%q, %q (exit %d): want %q in\n%s%s", i+1, st.zone, st.stdin, r.code, st.want, r.stdout, r.stderr)
		}
	}
}

// TestTerminalShowsMissedRemindersAtStart: a checklist reminder that fell
// due while no session ran is shown right after the greeting. It used to
// wait for the first periodic check, a minute in, so a short session (or
// a scripted one) never saw it although /interview said "now".
func TestTerminalShowsMissedRemindersAtStart(t *testing.T) {
	env := map[string]string{"PREPBOT_DB": filepath.Join(t.TempDir(), "prepbot.db"), "PREPBOT_USER": "ada", "PREPBOT_TIMEZONE": "UTC"}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	session := func(stdin string) string {
		t.Helper()
		var out, errb bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		// The periodic check never comes within the session.
		code := Main(ctx, []string{"run"}, IO{In: strings.NewReader(stdin), Out: &out, Err: &errb,
			Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return now }, PushSpec: "@every 24h"})
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		return out.String()
	}
	session("/interview 2026-11-30 14:00 UTC\n")
	now = now.AddDate(0, 0, 6) // past the -5d reminder (25 Nov, 14:00)
	out := session("")
	greeting, rest, ok := strings.Cut(out, "📋")
	if !ok || !strings.Contains(greeting, "ada") {
		t.Fatalf("no reminder after the greeting:\n%s", out)
	}
	if !strings.Contains(rest, "✓ Done") {
		t.Errorf("the reminder has no choices:\n%s", out)
	}
}

// TestBadChatSettingsStopBeforeAnythingIsOpened: a chat setting the
// platform would refuse stops run with the setting's name and what it
// allows, before the database is created or a platform called. These used
// to pass "prepbot config" and fail only later: after the database was
// created, some after connecting, some without naming the setting.
func TestBadChatSettingsStopBeforeAnythingIsOpened(t *testing.T) {
	telegramOn := map[string]string{"PREPBOT_TELEGRAM_TOKEN": "123:abc", "PREPBOT_TELEGRAM_API": "http://127.0.0.1:1"}
	slackOn := map[string]string{"PREPBOT_SLACK_BOT_TOKEN": "xoxb-1", "PREPBOT_SLACK_APP_TOKEN": "xapp-1", "PREPBOT_SLACK_API": "http://127.0.0.1:1/api/"}
	tests := []struct {
		on         map[string]string
		name, val  string
		wantAllows string
	}{
		{telegramOn, "PREPBOT_TELEGRAM_WEBHOOK_LISTEN", "zzz", "must be host:port or :port"},
		{telegramOn, "PREPBOT_TELEGRAM_WEBHOOK_SECRET", "my secret!", "must be 1-256 characters, each A-Z, a-z, 0-9, _ or -"},
		{telegramOn, "PREPBOT_ALLOWED_USERS", "@a-b", "entries must be numeric Telegram user ids (such as 123456789) or @usernames (@ then 1-32 letters, digits or _)"},
		{telegramOn, "PREPBOT_HTTP_ADDR", "notanaddr", "must be host:port or :port, e.g. 127.0.0.1:9464, or off"},
		{slackOn, "PREPBOT_SLACK_COMMAND", "prep", "must be the app's slash command: / then"},
		{slackOn, "PREPBOT_SLACK_ALLOWED_USERS", "bob", "entries must be Slack member ids"},
		{slackOn, "PREPBOT_SLACK_TEAM", "xyz", "must be a workspace id"},
		{slackOn, "PREPBOT_SLACK_LISTEN", "3000", "must be host:port or :port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "prepbot.db")
			env := map[string]string{"PREPBOT_DB": db, "HOME": dir, tt.name: tt.val, "PREPBOT_SLACK_SIGNING_SECRET": "s"}
			for k, v := range tt.on {
				env[k] = v
			}
			var out, errb bytes.Buffer
			// Where the check came late, run went on to wait for the
			// (unreachable) platform: the deadline ends that.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			code := Main(ctx, []string{"run"}, IO{In: strings.NewReader(""), Out: &out, Err: &errb,
				Getenv: func(k string) string { return env[k] }})
			if want := "prepbot: config: " + tt.name + ": " + tt.wantAllows; code != 1 || !strings.Contains(errb.String(), want) {
				t.Errorf("exit %d, want 1 and %q in:\n%s", code, want, errb.String())
			}
			if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the database was created (stat: %v)", err)
			}
		})
	}
}

// TestConfigIsAtLeastAsStrictAsTheAdapters: every value config accepts, the
// adapters accept too, so that the user meets config's message (which
// names the setting) and never the adapter's. Each adapter, given the
// options run gives it and a context already ended, gets past its checks
// to connecting, and gives up there.
func TestConfigIsAtLeastAsStrictAsTheAdapters(t *testing.T) {
	dir := t.TempDir()
	store, err := boltstore.Open(filepath.Join(dir, "prepbot.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	telegramOn := map[string]string{"PREPBOT_TELEGRAM_TOKEN": "123456789:AA-bb_CC", "PREPBOT_TELEGRAM_API": "http://127.0.0.1:1/"}
	slackOn := map[string]string{"PREPBOT_SLACK_BOT_TOKEN": "xoxb-1", "PREPBOT_SLACK_APP_TOKEN": "xapp-1", "PREPBOT_SLACK_API": "http://127.0.0.1:1/api"}
	tests := []struct {
		on   map[string]string
		vals map[string]string
	}{
		{telegramOn, nil},
		{telegramOn, map[string]string{"PREPBOT_ALLOWED_USERS": "1, 123456789, @a, @Ada_Lovelace_" + strings.Repeat("x", 18)}},
		{telegramOn, map[string]string{"PREPBOT_TELEGRAM_WEBHOOK_URL": "https://bot.example.com/tg", "PREPBOT_TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1:8443",
			"PREPBOT_TELEGRAM_WEBHOOK_SECRET": strings.Repeat("aZ0_-", 51) + "x"}},
		{slackOn, nil},
		{slackOn, map[string]string{"PREPBOT_SLACK_COMMAND": "/" + strings.Repeat("a-_0", 7) + "abc", "PREPBOT_SLACK_ALLOWED_USERS": "U1, W" + strings.Repeat("A0", 10), "PREPBOT_SLACK_TEAM": "E" + strings.Repeat("9", 20)}},
		{slackOn, map[string]string{"PREPBOT_SLACK_LISTEN": ":3000", "PREPBOT_SLACK_APP_TOKEN": "", "PREPBOT_SLACK_SIGNING_SECRET": "s"}},
	}
	for _, tt := range tests {
		env := map[string]string{"HOME": dir}
		for k, v := range tt.on {
			env[k] = v
		}
		for k, v := range tt.vals {
			env[k] = v
		}
		cfg, err := config.Load(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(k string) string { return env[k] }, nil)
		if err != nil {
			t.Errorf("%v: config refuses it: %v", tt.vals, err)
			continue
		}
		if cfg.TelegramToken != "" {
			opts := telegramOptions(cfg)
			opts.Store = store
			if _, err := telegram.New(ended, opts, stubCoach{}); !errors.Is(err, context.Canceled) {
				t.Errorf("%v: config accepts it, telegram refuses it: %v", tt.vals, err)
			}
		}
		if cfg.SlackBotToken != "" {
			if _, err := slack.New(ended, slackOptions(cfg), stubCoach{}); !errors.Is(err, context.Canceled) {
				t.Errorf("%v: config accepts it, slack refuses it: %v", tt.vals, err)
			}
		}
	}
}

// stubCoach is a coach that is never asked anything.
type stubCoach struct{}

func (stubCoach) Handle(context.Context, prep.Event) []prep.Reply { return nil }
func (stubCoach) Commands() []prep.Command                        { return nil }

// TestMissingContentFolderNamesTheSetting: the content folder is read before
// the database is opened; its message names the setting that chose it.
func TestMissingContentFolderNamesTheSetting(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "prepbot.db")
	missing := filepath.Join(dir, "decks")
	r := runCLI(t, map[string]string{"PREPBOT_DB": db, "PREPBOT_CONTENT": missing}, "")
	if want := "prepbot: " + missing + " (set by PREPBOT_CONTENT): content has errors"; r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, want 1 and %q in:\n%s", r.code, want, r.stderr)
	}
	if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the database was created (stat: %v)", err)
	}
}

// TestPlatformErrorsCarryEachPrefixOnce: an adapter that stops with an
// error (here: its listen address is taken) is reported with its package's
// prefix once. run used to add the platform's name in front of the
// adapter's own prefix: "prepbot: telegram: telegram: webhook: …".
func TestPlatformErrorsCarryEachPrefixOnce(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tg := telegramtest.NewServer(t)
	sl := slackfake.New(t)
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"telegram", map[string]string{"PREPBOT_TELEGRAM_TOKEN": tg.Token, "PREPBOT_TELEGRAM_API": tg.URL,
			"PREPBOT_TELEGRAM_WEBHOOK_URL": "https://bot.example.com/tg", "PREPBOT_TELEGRAM_WEBHOOK_LISTEN": busy.Addr().String()},
			"\nprepbot: telegram: webhook: listen tcp " + busy.Addr().String()},
		{"slack", map[string]string{"PREPBOT_SLACK_BOT_TOKEN": sl.BotToken, "PREPBOT_SLACK_API": sl.URL,
			"PREPBOT_SLACK_LISTEN": busy.Addr().String(), "PREPBOT_SLACK_SIGNING_SECRET": "s"},
			"\nprepbot: slack: PREPBOT_SLACK_LISTEN: listen tcp " + busy.Addr().String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"HOME": dir, "PREPBOT_DB": filepath.Join(dir, "prepbot.db"), "PREPBOT_HTTP_ADDR": "off"}
			for k, v := range tt.env {
				env[k] = v
			}
			r := runCLI(t, env, "", "run")
			if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want 1 and %q in:\n%s", r.code, tt.want, r.stderr)
			}
			if strings.Contains(r.stderr, tt.name+": "+tt.name+": ") {
				t.Errorf("a doubled prefix:\n%s", r.stderr)
			}
		})
	}
}

// TestSubcommandHelp: each subcommand's -h and --help print its usage and
// exactly its own flags, with what they do and their defaults, on standard
// output, and exit 0. export's --user used to be described as the
// terminal's user, --format, --out and check's --repair were missing, no
// default was shown, and "run -h" exited 1 with "flag: help requested".
func TestSubcommandHelp(t *testing.T) {
	tests := []struct {
		cmd     string
		want    []string
		notWant []string
	}{
		{"run", []string{"Usage: prepbot [run] [flags]", "  --db FILE\n        the database file", "(PREPBOT_DB; default $XDG_DATA_HOME/prepbot/prepbot.db)",
			"  --user NAME\n        terminal mode: whose progress to use\n        (PREPBOT_USER; default $USER)", "(PREPBOT_RETENTION; default 0.9)",
			"  --telegram-webhook-secret SECRET\n", "(PREPBOT_SLACK_TEAM; default any)"}, []string{"--format", "--repair"}},
		{"export", []string{"Usage: prepbot export [flags]",
			"  --format json|csv\n        the output's format, json|csv: one JSON object of cards and reviews, or one CSV table with a kind column\n        (default json)\n",
			"  --user KEY\n        export only this user's data: a user KEY such as terminal:alice or telegram:123456789 (default: every user)\n",
			"  --out FILE\n        write to FILE (replacing it) instead of standard output\n", "  --db FILE\n", "  --content DIR\n", "  --config FILE\n"},
			[]string{"whose progress", "--retention", "--telegram-token", "--repair"}},
		{"check", []string{"Usage: prepbot check [flags]", "  --repair\n        first rebuild the derived indexes", "  --db FILE\n"},
			[]string{"--user", "--content", "--retention"}},
		{"backup", []string{"Usage: prepbot backup [flags] [PATH]", "  --backup-dir DIR\n", "(PREPBOT_BACKUP_KEEP; default 7)", "  --db FILE\n"},
			[]string{"--user", "--content", "--repair"}},
		{"restore", []string{"Usage: prepbot restore [flags] PATH", "  --db FILE\n"}, []string{"--user", "--backup-dir"}},
		{"config", []string{"Usage: prepbot config [flags]", "  --slack-command COMMAND\n        the slash command the app defines\n        (PREPBOT_SLACK_COMMAND; default /prep)"}, []string{"--repair"}},
		{"python-cache", []string{"Usage: prepbot python-cache [flags]", "(PREPBOT_PYTHON_WASM; default .cache/python/python.wasm)"}, []string{"--repair"}},
	}
	for _, tt := range tests {
		for _, help := range []string{"-h", "--help"} {
			r := runCLI(t, nil, "", tt.cmd, help)
			if r.code != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, "Usage: prepbot ") {
				t.Errorf("prepbot %s %s: exit %d\nstdout:\n%s\nstderr:\n%s", tt.cmd, help, r.code, r.stdout, r.stderr)
				continue
			}
			for _, want := range tt.want {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("prepbot %s %s lacks %q:\n%s", tt.cmd, help, want, r.stdout)
				}
			}
			for _, not := range tt.notWant {
				if strings.Contains(r.stdout, not) {
					t.Errorf("prepbot %s %s mentions %q:\n%s", tt.cmd, help, not, r.stdout)
				}
			}
		}
	}
	// A flag a command does not take is refused, pointing at its help.
	r := runCLI(t, nil, "", "check", "--content", "decks")
	if want := "prepbot: config: flag provided but not defined: -content (prepbot check -h lists the flags)"; r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("check --content: exit %d, want 1 and %q in:\n%s", r.code, want, r.stderr)
	}
}

// TestLintNamesBothFilesTheSameWay: a problem naming a second exercise file
// (the first with the same id, an earlier harder one) names it as it
// names the problem's own file, from where lint runs. The second path used
// to lose its folder: "cy/exercises/02-foo.md:1: error: id sql-foo is also
// the id of the exercise at 01-foo.md:1".
func TestLintNamesBothFilesTheSameWay(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cy")
	exercise := func(id, difficulty string) string {
		return "# Return everything\n\n- id: " + id + "\n- topic: Basics\n- difficulty: " + difficulty + "\n\n## Task\n\nReturn every row.\n\n" +
			"## Schema\n\n```sql\nCREATE TABLE t (a INTEGER);\nINSERT INTO t VALUES (1), (2);\n```\n\n## Solution\n\n```sql\nSELECT a FROM t;\n```\n\n" +
			"## Hidden data\n\n```sql\nINSERT INTO t VALUES (5);\n```\n"
	}
	for name, text := range map[string]string{
		"deck.md":             "## SQL\n\n### What is a CTE?\nA named subquery.\n",
		"exercises/01-foo.md": exercise("sql-foo", "hard"),
		"exercises/02-foo.md": exercise("sql-foo", "easy"),
		"exercises/03-bar.md": exercise("sql-bar", "easy"),
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := runCLI(t, nil, "", "lint", dir)
	ex := filepath.Join(dir, "exercises")
	for _, want := range []string{
		filepath.Join(ex, "02-foo.md") + ":1: error: id sql-foo is also the id of the exercise at " + filepath.Join(ex, "01-foo.md") + ":1; set \"- id:\" on one of them\n",
		filepath.Join(ex, "03-bar.md") + ":1: warning: an easy exercise after a hard one (" + filepath.Join(ex, "01-foo.md") + "): files are read in name order",
	} {
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("exit %d, want 1 and %q in:\n%s", r.code, want, r.stderr)
		}
	}
}

// TestRerootProblems pins which mentions of a file are renamed: a file of
// the folder, as a word, and nothing that only contains its name.
func TestRerootProblems(t *testing.T) {
	fsys := fstest.MapFS{"01-foo.md": {}, "101-foo.md": {}, "a b.md": {}}
	tests := []struct{ msg, want string }{
		{"id py-x is also the id of the exercise at 01-foo.md:1; set", "id py-x is also the id of the exercise at cy/ex/01-foo.md:1; set"},
		{"an easy exercise after a hard one (101-foo.md): files", "an easy exercise after a hard one (cy/ex/101-foo.md): files"},
		{"see a b.md, then x01-foo.md and 01-foo.mdx", "see cy/ex/a b.md, then x01-foo.md and 01-foo.mdx"},
		{"01-foo.md", "cy/ex/01-foo.md"},
	}
	for _, tt := range tests {
		ps := prep.Problems{{Pos: prep.Position{File: "101-foo.md", Line: 3}, Message: tt.msg}}
		rerootProblems(ps, fsys, filepath.Join("cy", "ex"))
		if ps[0].Message != tt.want || ps[0].Pos.File != filepath.Join("cy", "ex", "101-foo.md") {
			t.Errorf("%q: got %q at %s, want %q", tt.msg, ps[0].Message, ps[0].Pos.File, tt.want)
		}
	}
}
