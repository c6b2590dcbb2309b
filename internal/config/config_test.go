package config_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prepbot/prepbot/internal/config"
)

// load is config.Load for a subcommand that takes every setting as a flag.
func load(args []string, getenv func(string) string) (config.Config, error) {
	return config.Load(flag.NewFlagSet("prepbot test", flag.ContinueOnError), args, getenv, config.Settings())
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLayersApplyInOrder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "prepbot.env")
	os.WriteFile(file, []byte("# comment\nPREPBOT_NEW_PER_DAY=20\nPREPBOT_RETENTION=\"0.8\"\nexport PREPBOT_LOG_LEVEL=debug\n"), 0o600)
	c, err := load([]string{"--retention", "0.95"}, env(map[string]string{
		"HOME": "/home/ada", "PREPBOT_CONFIG": file, "PREPBOT_NEW_PER_DAY": "30",
	}))
	if err != nil {
		t.Fatal(err)
	}
	// file < env < flags; defaults where nothing is set.
	if c.NewPerDay != 30 || c.Retention != 0.95 || c.LogLevel != "debug" || c.ReviewsPerDay != 200 {
		t.Fatalf("config = %+v", c)
	}
	if c.DB != "/home/ada/.local/share/prepbot/prepbot.db" {
		t.Fatalf("default DB = %q", c.DB)
	}
}

func TestDefaultDBFollowsXDG(t *testing.T) {
	c, err := load(nil, env(map[string]string{"XDG_DATA_HOME": "/xdg", "HOME": "/home/ada"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "/xdg/prepbot/prepbot.db" {
		t.Fatalf("DB = %q", c.DB)
	}
}

func TestValidateNamesTheVariableAndTheRange(t *testing.T) {
	cases := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"PREPBOT_RETENTION": "0.5"}, nil, "PREPBOT_RETENTION: must be between 0.70 and 0.97, got 0.5"},
		{map[string]string{"PREPBOT_RETENTION": "lots"}, nil, `PREPBOT_RETENTION="lots": want a number`},
		// A flag's value is named by the flag: that is what to change.
		{nil, []string{"--new-per-day", "-3"}, "config: --new-per-day: must be between 0 and 500, got -3"},
		{map[string]string{"PREPBOT_REVIEWS_PER_DAY": "10000"}, nil, "PREPBOT_REVIEWS_PER_DAY: must be between 0 and 5000"},
		{map[string]string{"PREPBOT_LOG_LEVEL": "loud"}, nil, "PREPBOT_LOG_LEVEL: must be debug, info, warn or error"},
		{map[string]string{"PREPBOT_TIMEZONE": "Mars/Base"}, nil, "PREPBOT_TIMEZONE: must be an IANA time zone"},
		{map[string]string{"PREPBOT_TELEGRAM_API": "ftp://x"}, nil, "PREPBOT_TELEGRAM_API: must be an http(s) URL"},
		{map[string]string{"PREPBOT_TELEGRAM_TOKEN": "nocolon"}, nil, "PREPBOT_TELEGRAM_TOKEN: does not look like a BotFather token"},
		{map[string]string{"PREPBOT_TELEGRAM_WEBHOOK_URL": "http://x"}, nil, "PREPBOT_TELEGRAM_WEBHOOK_URL: must be a public https URL"},
		{map[string]string{"PREPBOT_ALLOWED_USERS": "12, bob"}, nil, `PREPBOT_ALLOWED_USERS: entries must be numeric Telegram user ids (such as 123456789) or @usernames (@ then 1-32 letters, digits or _), separated by commas, got "bob"`},
		// Values the platforms refuse are refused here, before anything
		// is opened, naming the setting and what it allows.
		{map[string]string{"PREPBOT_ALLOWED_USERS": "@a-b"}, nil, `PREPBOT_ALLOWED_USERS: entries must be numeric Telegram user ids`},
		{map[string]string{"PREPBOT_ALLOWED_USERS": "0"}, nil, `PREPBOT_ALLOWED_USERS: entries must be numeric Telegram user ids`},
		{map[string]string{"PREPBOT_TELEGRAM_TOKEN": "123:abc def"}, nil, "PREPBOT_TELEGRAM_TOKEN: does not look like a BotFather token: digits, a colon, then letters, digits, _ or -"},
		{map[string]string{"PREPBOT_TELEGRAM_WEBHOOK_LISTEN": "zzz"}, nil, `PREPBOT_TELEGRAM_WEBHOOK_LISTEN: must be host:port or :port, e.g. :8443 or 127.0.0.1:8443; the port is missing or the address is malformed, got "zzz"`},
		{nil, []string{"--telegram-webhook-listen", ":http"}, `config: --telegram-webhook-listen: must be host:port or :port, e.g. :8443 or 127.0.0.1:8443; the port must be a number from 0 to 65535, got ":http"`},
		{map[string]string{"PREPBOT_TELEGRAM_WEBHOOK_SECRET": "my secret!"}, nil, "PREPBOT_TELEGRAM_WEBHOOK_SECRET: must be 1-256 characters, each A-Z, a-z, 0-9, _ or - (no spaces)"},
		{map[string]string{"PREPBOT_HTTP_ADDR": "notanaddr"}, nil, `PREPBOT_HTTP_ADDR: must be host:port or :port, e.g. 127.0.0.1:9464, or off; the port is missing or the address is malformed, got "notanaddr"`},
		{map[string]string{"PREPBOT_HTTP_ADDR": "127.0.0.1:99999"}, nil, `PREPBOT_HTTP_ADDR: must be host:port or :port, e.g. 127.0.0.1:9464, or off; the port must be a number from 0 to 65535, got "127.0.0.1:99999"`},
		{map[string]string{"PREPBOT_HTTP_ADDR": "bad host:9464"}, nil, `PREPBOT_HTTP_ADDR: must be host:port or :port, e.g. 127.0.0.1:9464, or off; the host must be an IP address or a host name`},
		{map[string]string{"PREPBOT_SLACK_LISTEN": "3000"}, nil, `PREPBOT_SLACK_LISTEN: must be host:port or :port, e.g. :3000 (unset: Socket Mode)`},
		{map[string]string{"PREPBOT_SLACK_COMMAND": "prep"}, nil, `PREPBOT_SLACK_COMMAND: must be the app's slash command: / then 1-31 lower-case letters, digits, _ or -, such as /prep, got "prep"`},
		{map[string]string{"PREPBOT_SLACK_ALLOWED_USERS": "U012AB3CD,bob"}, nil, `PREPBOT_SLACK_ALLOWED_USERS: entries must be Slack member ids (U or W, then capital letters and digits, such as U012AB3CD; a profile's ⋮ → Copy member ID), separated by commas, got "bob"`},
		{map[string]string{"PREPBOT_SLACK_TEAM": "xyz"}, nil, `PREPBOT_SLACK_TEAM: must be a workspace id: T (or E) then capital letters and digits, such as T012AB3CD, got "xyz"`},
		{map[string]string{"PREPBOT_SLACK_API": "slack.com"}, nil, "PREPBOT_SLACK_API: must be an http(s) URL"},
		{map[string]string{"PREPBOT_SLACK_BOT_TOKEN": "xoxb-1", "PREPBOT_SLACK_LISTEN": ":3000", "PREPBOT_SLACK_SIGNING_SECRET": "  "}, nil, "PREPBOT_SLACK_SIGNING_SECRET: is required in HTTP mode"},
		{map[string]string{"PREPBOT_CONFIG": "/nonexistent/prepbot.env"}, nil, "cannot read /nonexistent/prepbot.env"},
	}
	for _, tc := range cases {
		_, err := load(tc.args, env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("env %v args %v: err = %v, want %q", tc.env, tc.args, err, tc.want)
		}
	}
}

// TestValidateAcceptsWhatThePlatformsAccept: the forms the checks above must
// not refuse.
func TestValidateAcceptsWhatThePlatformsAccept(t *testing.T) {
	cases := []map[string]string{
		{"PREPBOT_HTTP_ADDR": "off"},
		{"PREPBOT_HTTP_ADDR": "127.0.0.1:0"},
		{"PREPBOT_HTTP_ADDR": "[::1]:9464"},
		{"PREPBOT_HTTP_ADDR": "localhost:9464"},
		{"PREPBOT_HTTP_ADDR": ":9464"},
		{"PREPBOT_TELEGRAM_WEBHOOK_LISTEN": "0.0.0.0:8443"},
		{"PREPBOT_TELEGRAM_WEBHOOK_SECRET": "s3cret_Token-1"},
		{"PREPBOT_TELEGRAM_TOKEN": "123456789:AA-bb_CC"},
		{"PREPBOT_ALLOWED_USERS": "123456789, @ada_lovelace"},
		{"PREPBOT_SLACK_LISTEN": ":3000"},
		{"PREPBOT_SLACK_COMMAND": "/prep-bot_2"},
		{"PREPBOT_SLACK_ALLOWED_USERS": "U012AB3CD, W0123"},
		{"PREPBOT_SLACK_TEAM": "T012AB3CD"},
		{"PREPBOT_SLACK_TEAM": "E012AB3CD"},
	}
	for _, e := range cases {
		if _, err := load(nil, env(e)); err != nil {
			t.Errorf("%v: %v", e, err)
		}
	}
}

func TestConfigFileErrorsNameFileAndLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "prepbot.env")
	os.WriteFile(file, []byte("PREPBOT_DB=/x\nPREPBOT_COLOUR=blue\n"), 0o600)
	_, err := load(nil, env(map[string]string{"PREPBOT_CONFIG": file}))
	if err == nil || !strings.Contains(err.Error(), file+":2: unknown setting PREPBOT_COLOUR") {
		t.Fatalf("err = %v", err)
	}
}

// TestReadmeDocumentsEveryVariable keeps the README's configuration table in
// step with the settings prepbot reads.
func TestReadmeDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range config.Vars() {
		row := "| `" + v.Env + "` | `--" + v.Flag + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no row starting %s", row)
		}
	}
}

// TestDefaultsAreTheDocumentedOnes checks that a setting whose documented
// default is a value (not a description in parentheses or a $VARIABLE) has
// that value when nothing sets it, so that "prepbot config" prints what
// prepbot uses rather than an empty line.
func TestDefaultsAreTheDocumentedOnes(t *testing.T) {
	c, err := load(nil, env(map[string]string{"HOME": "/home/ada"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range config.Vars() {
		if strings.HasPrefix(v.Default, "(") || strings.Contains(v.Default, "$") {
			continue
		}
		if got := v.Value(&c); got != v.Default {
			t.Errorf("%s = %q by default, but its documented default is %q", v.Env, got, v.Default)
		}
	}
}

// TestOriginNamesWhatSetTheValue checks that messages about a value can name
// the layer that set it: the one that won, since flags beat the environment,
// which beats the file.
func TestOriginNamesWhatSetTheValue(t *testing.T) {
	file := filepath.Join(t.TempDir(), "prepbot.env")
	if err := os.WriteFile(file, []byte("PREPBOT_DB=/from/file.db\nPREPBOT_USER=ada\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		setBy string
		want  string
	}{
		{"default", nil, nil, "", "the default; PREPBOT_DB or --db sets another"},
		{"environment", map[string]string{"PREPBOT_DB": "/from/env.db"}, nil, "PREPBOT_DB", "set by PREPBOT_DB"},
		{"flag over environment", map[string]string{"PREPBOT_DB": "/from/env.db"}, []string{"--db", "/from/flag.db"}, "--db", "set by --db"},
		{"file", map[string]string{"PREPBOT_CONFIG": file}, nil, "PREPBOT_DB in " + file, "set by PREPBOT_DB in " + file},
		{"environment over file", map[string]string{"PREPBOT_CONFIG": file, "PREPBOT_DB": "/from/env.db"}, nil, "PREPBOT_DB", "set by PREPBOT_DB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(tt.args, env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.SetBy("PREPBOT_DB"); got != tt.setBy {
				t.Errorf("SetBy = %q, want %q", got, tt.setBy)
			}
			if got := c.Origin("PREPBOT_DB"); got != tt.want {
				t.Errorf("Origin = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestValidateNamesTheFileThatSetTheValue: a bad value from the
// configuration file names the file, not only the variable.
func TestValidateNamesTheFileThatSetTheValue(t *testing.T) {
	file := filepath.Join(t.TempDir(), "prepbot.env")
	if err := os.WriteFile(file, []byte("PREPBOT_RETENTION=2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := load(nil, env(map[string]string{"PREPBOT_CONFIG": file}))
	if want := "config: PREPBOT_RETENTION in " + file + ": must be between 0.70 and 0.97, got 2"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// TestBackupDirMustNotBeAFile: the nightly backup would fail hours after
// the start, every night; the start says so instead.
func TestBackupDirMustNotBeAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := load([]string{"--backup-dir", file}, env(nil))
	if want := "config: --backup-dir: must be a directory (created if missing) or off, but " + file + " is a file"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
	if _, err := load([]string{"--backup-dir", filepath.Join(file+".d", "new")}, env(nil)); err != nil {
		t.Errorf("a folder still to be made: %v", err)
	}
}

// TestASubcommandTakesItsOwnFlags: a subcommand's flags are its own and the
// settings it uses; -h asks for its help, which lists exactly those, with
// their variables and defaults. The environment still sets the others.
func TestASubcommandTakesItsOwnFlags(t *testing.T) {
	newFlags := func() *flag.FlagSet {
		fs := flag.NewFlagSet("prepbot export", flag.ContinueOnError)
		fs.String("format", "json", "`json|csv`: the output's format")
		fs.Bool("all", false, "everything")
		return fs
	}
	settings := []string{"PREPBOT_CONFIG", "PREPBOT_DB", "PREPBOT_CONTENT", "PREPBOT_BACKUP_DIR"}
	for _, help := range []string{"-h", "--help", "-help"} {
		if _, err := config.Load(newFlags(), []string{help}, env(nil), settings); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s: err = %v, want flag.ErrHelp", help, err)
		}
	}

	fs := newFlags()
	c, err := config.Load(fs, []string{"--format", "csv", "--db", "/x.db", "extra"}, env(map[string]string{"PREPBOT_RETENTION": "0.8"}), settings)
	if err != nil || c.DB != "/x.db" || c.Retention != 0.8 || fs.Lookup("format").Value.String() != "csv" || fs.NArg() != 1 {
		t.Fatalf("config %+v, err %v, format %s, args %q", c, err, fs.Lookup("format").Value, fs.Args())
	}
	_, err = config.Load(newFlags(), []string{"--retention", "0.8"}, env(nil), settings)
	if want := "config: flag provided but not defined: -retention (prepbot export -h lists the flags)"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}

	var help bytes.Buffer
	config.PrintFlags(&help, fs)
	want := `  --all
        everything
  --format json|csv
        json|csv: the output's format
        (default json)
  --config FILE
        optional file of PREPBOT_NAME=value lines, read before the environment
        (PREPBOT_CONFIG)
  --db FILE
        the database file (one bbolt file holds all state)
        (PREPBOT_DB; default $XDG_DATA_HOME/prepbot/prepbot.db)
  --content DIR
        a folder of Markdown decks to use instead of the embedded ones
        (PREPBOT_CONTENT; default embedded decks)
  --backup-dir DIR
        nightly hot backups go here (off: none)
        (PREPBOT_BACKUP_DIR; default (beside the database)/backups)
`
	if help.String() != want {
		t.Errorf("help:\n%s\nwant:\n%s", help.String(), want)
	}
}
