// Package config builds prepbot's one typed Config: defaults, then an
// optional file, then PREPBOT_* environment variables, then command-line
// flags, then Validate, whose messages name the variable and what it allows.
//
// One table (Vars) drives all four layers and the README's configuration
// table, so a setting cannot exist in one place and be missing in another.
package config

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
)

// Config is everything prepbot can be told from outside.
type Config struct {
	ConfigFile string // the optional file read before the environment
	DB         string // the bbolt file
	Content    string // a content folder replacing the embedded decks; "" = embedded
	User       string // the terminal user's name
	TimeZone   string // the terminal user's time zone; "" = the machine's
	LogLevel   string // debug, info, warn, error
	LogFormat  string // text or json
	HTTPAddr   string // /healthz, /readyz and /metrics; "" disables

	BackupDir  string // nightly backups go here; "off" disables them
	BackupKeep int    // how many nightly backups to keep

	Retention     float64 // default desired retention for new users
	NewPerDay     int     // default new cards per day for new users
	ReviewsPerDay int     // default reviews per day for new users

	TelegramToken         string
	TelegramAPI           string
	TelegramWebhookURL    string
	TelegramWebhookListen string
	TelegramWebhookSecret string
	AllowedUsers          []string // Telegram user ids or @usernames; empty = open

	PythonWasm  string // the CPython WASI interpreter for Python exercises
	PythonCache string // wazero's compilation cache

	SlackBotToken      string
	SlackAppToken      string
	SlackSigningSecret string
	SlackListen        string // HTTP mode's address; "" = Socket Mode
	SlackAPI           string
	SlackCommand       string
	SlackAllowedUsers  []string
	SlackTeam          string

	// setBy names, by environment variable, what set each setting that
	// does not have its default (see SetBy).
	setBy map[string]string
}

// Var is one configurable setting: its environment variable, its flag, its
// default and what it means.
type Var struct {
	Env     string
	Flag    string
	Default string
	Usage   string
	arg     string // names the flag's value in help: --db FILE
	set     func(c *Config, v string) error
	get     func(c *Config) string
}

// Vars lists every setting, in the order the README documents them.
func Vars() []Var {
	return []Var{
		{Env: "PREPBOT_CONFIG", Flag: "config", arg: "FILE", Default: "", Usage: "optional file of PREPBOT_NAME=value lines, read before the environment",
			set: func(c *Config, v string) error { c.ConfigFile = v; return nil }, get: func(c *Config) string { return c.ConfigFile }},
		{Env: "PREPBOT_DB", Flag: "db", arg: "FILE", Default: "$XDG_DATA_HOME/prepbot/prepbot.db", Usage: "the database file (one bbolt file holds all state)",
			set: func(c *Config, v string) error { c.DB = v; return nil }, get: func(c *Config) string { return c.DB }},
		{Env: "PREPBOT_CONTENT", Flag: "content", arg: "DIR", Default: "(embedded decks)", Usage: "a folder of Markdown decks to use instead of the embedded ones",
			set: func(c *Config, v string) error { c.Content = v; return nil }, get: func(c *Config) string { return c.Content }},
		{Env: "PREPBOT_USER", Flag: "user", arg: "NAME", Default: "$USER", Usage: "terminal mode: whose progress to use",
			set: func(c *Config, v string) error { c.User = v; return nil }, get: func(c *Config) string { return c.User }},
		{Env: "PREPBOT_TIMEZONE", Flag: "timezone", arg: "ZONE", Default: "(the machine's)", Usage: "terminal mode: the terminal user's IANA time zone, e.g. Europe/Berlin; set, it replaces a zone chosen with /settings at each start",
			set: func(c *Config, v string) error { c.TimeZone = v; return nil }, get: func(c *Config) string { return c.TimeZone }},
		{Env: "PREPBOT_BACKUP_DIR", Flag: "backup-dir", arg: "DIR", Default: "(beside the database)/backups", Usage: "nightly hot backups go here (off: none)",
			set: func(c *Config, v string) error { c.BackupDir = v; return nil }, get: func(c *Config) string { return c.BackupDir }},
		{Env: "PREPBOT_BACKUP_KEEP", Flag: "backup-keep", arg: "N", Default: "7", Usage: "how many nightly backups to keep, 1–365",
			set: func(c *Config, v string) error { return parseInt(v, &c.BackupKeep) }, get: func(c *Config) string { return strconv.Itoa(c.BackupKeep) }},
		{Env: "PREPBOT_RETENTION", Flag: "retention", arg: "R", Default: "0.9", Usage: "desired retention for new users, 0.70–0.97 (each user can change theirs)",
			set: func(c *Config, v string) error { return parseFloat(v, &c.Retention) }, get: func(c *Config) string { return strconv.FormatFloat(c.Retention, 'g', -1, 64) }},
		{Env: "PREPBOT_NEW_PER_DAY", Flag: "new-per-day", arg: "N", Default: "10", Usage: "new cards per day for new users, 0–500",
			set: func(c *Config, v string) error { return parseInt(v, &c.NewPerDay) }, get: func(c *Config) string { return strconv.Itoa(c.NewPerDay) }},
		{Env: "PREPBOT_REVIEWS_PER_DAY", Flag: "reviews-per-day", arg: "N", Default: "200", Usage: "reviews per day for new users, 0–5000",
			set: func(c *Config, v string) error { return parseInt(v, &c.ReviewsPerDay) }, get: func(c *Config) string { return strconv.Itoa(c.ReviewsPerDay) }},
		{Env: "PREPBOT_LOG_LEVEL", Flag: "log-level", arg: "LEVEL", Default: "info", Usage: "debug, info, warn or error",
			set: func(c *Config, v string) error { c.LogLevel = strings.ToLower(v); return nil }, get: func(c *Config) string { return c.LogLevel }},
		{Env: "PREPBOT_LOG_FORMAT", Flag: "log-format", arg: "FORMAT", Default: "text", Usage: "text or json",
			set: func(c *Config, v string) error { c.LogFormat = strings.ToLower(v); return nil }, get: func(c *Config) string { return c.LogFormat }},
		{Env: "PREPBOT_HTTP_ADDR", Flag: "http-addr", arg: "ADDR", Default: "127.0.0.1:9464", Usage: "chat mode: address of /healthz, /readyz and /metrics (off: none)",
			set: func(c *Config, v string) error { c.HTTPAddr = v; return nil }, get: func(c *Config) string { return c.HTTPAddr }},
		{Env: "PREPBOT_TELEGRAM_TOKEN", Flag: "telegram-token", arg: "TOKEN", Default: "", Usage: "BotFather's token; turns Telegram on (no token: terminal mode)",
			set: func(c *Config, v string) error { c.TelegramToken = v; return nil }, get: func(c *Config) string { return redact(c.TelegramToken) }},
		{Env: "PREPBOT_TELEGRAM_API", Flag: "telegram-api", arg: "URL", Default: "https://api.telegram.org", Usage: "Bot API base URL (a self-hosted Bot API server or a test server)",
			set: func(c *Config, v string) error { c.TelegramAPI = strings.TrimRight(v, "/"); return nil }, get: func(c *Config) string { return c.TelegramAPI }},
		{Env: "PREPBOT_TELEGRAM_WEBHOOK_URL", Flag: "telegram-webhook-url", arg: "URL", Default: "", Usage: "public HTTPS URL for webhook mode (empty: long polling)",
			set: func(c *Config, v string) error { c.TelegramWebhookURL = v; return nil }, get: func(c *Config) string { return c.TelegramWebhookURL }},
		{Env: "PREPBOT_TELEGRAM_WEBHOOK_LISTEN", Flag: "telegram-webhook-listen", arg: "ADDR", Default: ":8443", Usage: "webhook mode: address the webhook server listens on",
			set: func(c *Config, v string) error { c.TelegramWebhookListen = v; return nil }, get: func(c *Config) string { return c.TelegramWebhookListen }},
		{Env: "PREPBOT_TELEGRAM_WEBHOOK_SECRET", Flag: "telegram-webhook-secret", arg: "SECRET", Default: "(random per start)", Usage: "webhook mode: secret Telegram sends in X-Telegram-Bot-Api-Secret-Token",
			set: func(c *Config, v string) error { c.TelegramWebhookSecret = v; return nil }, get: func(c *Config) string { return redact(c.TelegramWebhookSecret) }},
		{Env: "PREPBOT_ALLOWED_USERS", Flag: "allowed-users", arg: "LIST", Default: "(everyone)", Usage: "comma-separated Telegram user ids or @usernames allowed to use the bot",
			set: func(c *Config, v string) error { c.AllowedUsers = splitList(v); return nil }, get: func(c *Config) string { return strings.Join(c.AllowedUsers, ",") }},
		{Env: "PREPBOT_PYTHON_WASM", Flag: "python-wasm", arg: "FILE", Default: ".cache/python/python.wasm", Usage: "the CPython 3.12 WASI interpreter for Python exercises (scripts/fetch-python-wasm puts it there; a relative path starts at the working directory)",
			set: func(c *Config, v string) error { c.PythonWasm = v; return nil }, get: func(c *Config) string { return c.PythonWasm }},
		{Env: "PREPBOT_PYTHON_CACHE", Flag: "python-cache", arg: "DIR", Default: "(wazero/ beside the interpreter)", Usage: "compilation cache for the interpreter: start-up in well under a second instead of seconds",
			set: func(c *Config, v string) error { c.PythonCache = v; return nil }, get: func(c *Config) string { return c.PythonCache }},
		{Env: "PREPBOT_SLACK_BOT_TOKEN", Flag: "slack-bot-token", arg: "TOKEN", Default: "", Usage: "the app's Bot User OAuth Token (xoxb-…); turns Slack on",
			set: func(c *Config, v string) error { c.SlackBotToken = v; return nil }, get: func(c *Config) string { return redact(c.SlackBotToken) }},
		{Env: "PREPBOT_SLACK_APP_TOKEN", Flag: "slack-app-token", arg: "TOKEN", Default: "", Usage: "Socket Mode: an app-level token (xapp-…) with connections:write",
			set: func(c *Config, v string) error { c.SlackAppToken = v; return nil }, get: func(c *Config) string { return redact(c.SlackAppToken) }},
		{Env: "PREPBOT_SLACK_SIGNING_SECRET", Flag: "slack-signing-secret", arg: "SECRET", Default: "", Usage: "HTTP mode: the app's signing secret, to verify Slack's requests",
			set: func(c *Config, v string) error { c.SlackSigningSecret = v; return nil }, get: func(c *Config) string { return redact(c.SlackSigningSecret) }},
		{Env: "PREPBOT_SLACK_LISTEN", Flag: "slack-listen", arg: "ADDR", Default: "(Socket Mode)", Usage: "HTTP mode: address serving /slack/events, /slack/interactive and /slack/commands",
			set: func(c *Config, v string) error { c.SlackListen = v; return nil }, get: func(c *Config) string { return c.SlackListen }},
		{Env: "PREPBOT_SLACK_API", Flag: "slack-api", arg: "URL", Default: "https://slack.com/api/", Usage: "Slack Web API base URL (tests, Enterprise proxies)",
			set: func(c *Config, v string) error { c.SlackAPI = v; return nil }, get: func(c *Config) string { return c.SlackAPI }},
		{Env: "PREPBOT_SLACK_COMMAND", Flag: "slack-command", arg: "COMMAND", Default: "/prep", Usage: "the slash command the app defines",
			set: func(c *Config, v string) error { c.SlackCommand = v; return nil }, get: func(c *Config) string { return c.SlackCommand }},
		{Env: "PREPBOT_SLACK_ALLOWED_USERS", Flag: "slack-allowed-users", arg: "LIST", Default: "(everyone)", Usage: "comma-separated Slack member ids (U…) allowed to use the bot",
			set: func(c *Config, v string) error { c.SlackAllowedUsers = splitList(v); return nil }, get: func(c *Config) string { return strings.Join(c.SlackAllowedUsers, ",") }},
		{Env: "PREPBOT_SLACK_TEAM", Flag: "slack-team", arg: "ID", Default: "(any)", Usage: "only this workspace id (T…) may use the bot",
			set: func(c *Config, v string) error { c.SlackTeam = v; return nil }, get: func(c *Config) string { return c.SlackTeam }},
	}
}

// Value is the setting's current value in c, with secrets shown only as
// "(set)".
func (v Var) Value(c *Config) string { return v.get(c) }

// Defaults returns the configuration before any file, variable or flag.
func Defaults(getenv func(string) string) Config {
	return Config{
		DB:                    defaultDB(getenv),
		User:                  firstNonEmpty(getenv("USER"), getenv("USERNAME"), "me"),
		LogLevel:              "info",
		LogFormat:             "text",
		BackupKeep:            7,
		HTTPAddr:              "127.0.0.1:9464",
		Retention:             0.9,
		NewPerDay:             10,
		ReviewsPerDay:         200,
		TelegramAPI:           "https://api.telegram.org",
		TelegramWebhookListen: ":8443",
		SlackAPI:              "https://slack.com/api/",
		SlackCommand:          "/prep",
		PythonWasm:            ".cache/python/python.wasm",
	}
}

// defaultDB follows the XDG base directory spec: $XDG_DATA_HOME, else
// ~/.local/share.
func defaultDB(getenv func(string) string) string {
	base := getenv("XDG_DATA_HOME")
	if base == "" {
		home := getenv("HOME")
		if home == "" {
			home = "."
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "prepbot", "prepbot.db")
}

// Settings names every setting by its variable, in Vars' order: for a
// subcommand that takes them all as flags.
func Settings() []string {
	var envs []string
	for _, v := range Vars() {
		envs = append(envs, v.Env)
	}
	return envs
}

// Load builds the configuration from getenv and args, the arguments after
// the subcommand, parsed by fs. fs holds the subcommand's own flags; Load
// adds a flag for each setting in settings (by variable): the settings
// the subcommand uses, so that its flags, and its help, are its own. The
// file and the environment may still set any setting, and Validate checks
// them all. fs's remaining arguments are the positional ones.
//
// -h or --help returns flag.ErrHelp, for the caller to print the
// subcommand's help (PrintFlags lists the flags). Errors name the
// variable or flag at fault.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string, settings []string) (Config, error) {
	c := Defaults(getenv)
	vars := Vars()

	// Parse reports its errors as Load's; the caller prints help.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	take := map[string]bool{}
	for _, env := range settings {
		take[env] = true
	}
	flagValues := map[string]*settingValue{}
	for _, v := range vars {
		if take[v.Env] {
			flagValues[v.Flag] = &settingValue{v: v}
			fs.Var(flagValues[v.Flag], v.Flag, v.Usage)
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, err
		}
		return Config{}, fmt.Errorf("config: %w (%s -h lists the flags)", err, fs.Name())
	}
	setFlags := map[string]bool{}
	fs.Visit(func(f *flag.Flag) {
		if _, ok := f.Value.(*settingValue); ok {
			setFlags[f.Name] = true
		}
	})
	c.setBy = map[string]string{}

	// The file's path may come from the environment or a flag; its values
	// sit below both.
	file := getenv("PREPBOT_CONFIG")
	if setFlags["config"] {
		file = flagValues["config"].val
	}
	if file != "" {
		values, err := readFile(file)
		if err != nil {
			return Config{}, err
		}
		for _, v := range vars {
			if val, ok := values[v.Env]; ok {
				if err := v.set(&c, val); err != nil {
					return Config{}, fmt.Errorf("config: %s in %s: %w", v.Env, file, err)
				}
				c.setBy[v.Env] = v.Env + " in " + file
			}
		}
		c.ConfigFile = file
	}
	for _, v := range vars {
		if val := getenv(v.Env); val != "" {
			if err := v.set(&c, val); err != nil {
				return Config{}, fmt.Errorf("config: %s=%q: %w", v.Env, val, err)
			}
			c.setBy[v.Env] = v.Env
		}
	}
	for _, v := range vars {
		if setFlags[v.Flag] {
			if err := v.set(&c, flagValues[v.Flag].val); err != nil {
				return Config{}, fmt.Errorf("config: --%s=%q: %w", v.Flag, flagValues[v.Flag].val, err)
			}
			c.setBy[v.Env] = "--" + v.Flag
		}
	}
	if c.PythonCache == "" {
		c.PythonCache = filepath.Join(filepath.Dir(c.PythonWasm), "wazero")
	}
	if c.BackupDir == "" {
		c.BackupDir = filepath.Join(filepath.Dir(c.DB), "backups")
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// settingValue is a setting's flag. The value is applied after the file
// and the environment, which it overrides, so Set only keeps it.
type settingValue struct {
	v   Var
	val string
}

func (s *settingValue) String() string { return s.val }

func (s *settingValue) Set(v string) error { s.val = v; return nil }

// PrintFlags lists fs's flags for a subcommand's help: its own flags
// first, then the settings Load added, in the README's order, each with its
// variable and its default.
func PrintFlags(w io.Writer, fs *flag.FlagSet) {
	var own []*flag.Flag
	settings := map[string]*flag.Flag{}
	fs.VisitAll(func(f *flag.Flag) {
		if _, ok := f.Value.(*settingValue); ok {
			settings[f.Name] = f
		} else {
			own = append(own, f)
		}
	})
	for _, f := range own {
		arg, usage := flag.UnquoteUsage(f)
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			arg = ""
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = "(default " + f.DefValue + ")"
		}
		printFlag(w, f.Name, arg, usage, def)
	}
	for _, v := range Vars() {
		if _, ok := settings[v.Flag]; !ok {
			continue
		}
		note := "(" + v.Env
		if def := v.Default; def != "" {
			if strings.HasPrefix(def, "(") && strings.HasSuffix(def, ")") {
				def = def[1 : len(def)-1] // a description, not a value
			}
			note += "; default " + def
		}
		printFlag(w, v.Flag, v.arg, v.Usage, note+")")
	}
}

func printFlag(w io.Writer, name, arg, usage, note string) {
	line := "  --" + name
	if arg != "" {
		line += " " + arg
	}
	fmt.Fprintf(w, "%s\n        %s\n", line, usage)
	if note != "" {
		fmt.Fprintf(w, "        %s\n", note)
	}
}

// readFile reads PREPBOT_NAME=value lines; blank lines and # comments are
// skipped, values may be quoted.
func readFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: PREPBOT_CONFIG: cannot read %s: %w", path, err)
	}
	defer f.Close()
	known := map[string]bool{}
	for _, v := range Vars() {
		known[v.Env] = true
	}
	values := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		key = strings.TrimSpace(key)
		if !ok {
			return nil, fmt.Errorf("config: %s:%d: want NAME=value, got %q", path, n, line)
		}
		if !known[key] {
			return nil, fmt.Errorf("config: %s:%d: unknown setting %s", path, n, key)
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') && val[len(val)-1] == val[0] {
			val = val[1 : len(val)-1]
		}
		values[key] = val
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", path, err)
	}
	return values, nil
}

// Validate checks every value and names the variable and what it allows.
func (c Config) Validate() error {
	var errs []error
	bad := func(env, format string, a ...any) {
		// Name what set the value: the flag, the variable, or the
		// variable in the configuration file, which is what to change.
		name := env
		if by := c.SetBy(env); by != "" {
			name = by
		}
		errs = append(errs, fmt.Errorf("config: %s: %s", name, fmt.Sprintf(format, a...)))
	}
	if c.DB == "" {
		bad("PREPBOT_DB", "must name a file, e.g. /var/lib/prepbot/prepbot.db")
	}
	if c.Retention < prep.MinRetention || c.Retention > prep.MaxRetention {
		bad("PREPBOT_RETENTION", "must be between %.2f and %.2f, got %v", prep.MinRetention, prep.MaxRetention, c.Retention)
	}
	if c.NewPerDay < 0 || c.NewPerDay > prep.MaxNewPerDay {
		bad("PREPBOT_NEW_PER_DAY", "must be between 0 and %d, got %d", prep.MaxNewPerDay, c.NewPerDay)
	}
	if c.ReviewsPerDay < 0 || c.ReviewsPerDay > prep.MaxReviewsPerDay {
		bad("PREPBOT_REVIEWS_PER_DAY", "must be between 0 and %d, got %d", prep.MaxReviewsPerDay, c.ReviewsPerDay)
	}
	if c.BackupKeep < 1 || c.BackupKeep > 365 {
		bad("PREPBOT_BACKUP_KEEP", "must be between 1 and 365, got %d", c.BackupKeep)
	}
	// The nightly backup runs hours after the start: a path it could
	// never write to is better found now.
	if c.BackupDir != "off" {
		if st, err := os.Stat(c.BackupDir); err == nil && !st.IsDir() {
			bad("PREPBOT_BACKUP_DIR", "must be a directory (created if missing) or off, but %s is a file", c.BackupDir)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("PREPBOT_LOG_LEVEL", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("PREPBOT_LOG_FORMAT", "must be text or json, got %q", c.LogFormat)
	}
	if c.TimeZone != "" {
		if _, err := prep.ParseZone(c.TimeZone); err != nil {
			bad("PREPBOT_TIMEZONE", "must be an IANA time zone such as Europe/Berlin, got %q", c.TimeZone)
		}
	}
	if u, err := url.Parse(c.TelegramAPI); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("PREPBOT_TELEGRAM_API", "must be an http(s) URL such as https://api.telegram.org, got %q", c.TelegramAPI)
	}
	// The rules below are at least as strict as the adapters' own checks
	// of their options (a test in cmd/prepbot holds them to it), so that a
	// value the platform would refuse stops prepbot here, naming the
	// setting, before the database is opened or a platform called. Values
	// are checked whether or not their platform is on: a bad one is found
	// when it is written, not when the platform is turned on later.
	if c.HTTPAddr != "off" && c.HTTPAddr != "" {
		if why := addrProblem(c.HTTPAddr); why != "" {
			bad("PREPBOT_HTTP_ADDR", "must be host:port or :port, e.g. 127.0.0.1:9464, or off; %s, got %q", why, c.HTTPAddr)
		}
	}
	if c.TelegramToken != "" && !telegramTokenRE.MatchString(c.TelegramToken) {
		bad("PREPBOT_TELEGRAM_TOKEN", "does not look like a BotFather token: digits, a colon, then letters, digits, _ or - (123456:ABC-DEF...)")
	}
	if c.TelegramWebhookURL != "" {
		if u, err := url.Parse(c.TelegramWebhookURL); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("PREPBOT_TELEGRAM_WEBHOOK_URL", "must be a public https URL, got %q", c.TelegramWebhookURL)
		}
		if c.TelegramWebhookListen == "" {
			bad("PREPBOT_TELEGRAM_WEBHOOK_LISTEN", "must be an address such as :8443 when PREPBOT_TELEGRAM_WEBHOOK_URL is set")
		}
	}
	if c.TelegramWebhookListen != "" {
		if why := addrProblem(c.TelegramWebhookListen); why != "" {
			bad("PREPBOT_TELEGRAM_WEBHOOK_LISTEN", "must be host:port or :port, e.g. :8443 or 127.0.0.1:8443; %s, got %q", why, c.TelegramWebhookListen)
		}
	}
	// Telegram's rule for secret_token; the value is a secret, so it is
	// not repeated.
	if c.TelegramWebhookSecret != "" && !webhookSecretRE.MatchString(c.TelegramWebhookSecret) {
		bad("PREPBOT_TELEGRAM_WEBHOOK_SECRET", "must be 1-256 characters, each A-Z, a-z, 0-9, _ or - (no spaces); or leave it unset for a random one per start")
	}
	for _, u := range c.AllowedUsers {
		if id, err := strconv.ParseInt(u, 10, 64); (err == nil && id > 0) || telegramUsernameRE.MatchString(u) {
			continue
		}
		bad("PREPBOT_ALLOWED_USERS", "entries must be numeric Telegram user ids (such as 123456789) or @usernames (@ then 1-32 letters, digits or _), separated by commas, got %q", u)
	}
	if c.SlackBotToken != "" {
		if !strings.HasPrefix(c.SlackBotToken, "xoxb-") {
			bad("PREPBOT_SLACK_BOT_TOKEN", "must be a bot token starting xoxb-")
		}
		switch {
		case c.SlackListen == "" && !strings.HasPrefix(c.SlackAppToken, "xapp-"):
			bad("PREPBOT_SLACK_APP_TOKEN", "must be an app-level token starting xapp- for Socket Mode (or set PREPBOT_SLACK_LISTEN for HTTP mode)")
		case c.SlackListen != "" && strings.TrimSpace(c.SlackSigningSecret) == "":
			bad("PREPBOT_SLACK_SIGNING_SECRET", "is required in HTTP mode (PREPBOT_SLACK_LISTEN is set)")
		}
	}
	if c.SlackAPI != "" {
		if u, err := url.Parse(c.SlackAPI); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("PREPBOT_SLACK_API", "must be an http(s) URL such as https://slack.com/api/, got %q", c.SlackAPI)
		}
	}
	if c.SlackListen != "" {
		if why := addrProblem(c.SlackListen); why != "" {
			bad("PREPBOT_SLACK_LISTEN", "must be host:port or :port, e.g. :3000 (unset: Socket Mode); %s, got %q", why, c.SlackListen)
		}
	}
	if !slackCommandRE.MatchString(c.SlackCommand) {
		bad("PREPBOT_SLACK_COMMAND", "must be the app's slash command: / then 1-31 lower-case letters, digits, _ or -, such as /prep, got %q", c.SlackCommand)
	}
	for _, u := range c.SlackAllowedUsers {
		if !slackUserRE.MatchString(u) {
			bad("PREPBOT_SLACK_ALLOWED_USERS", "entries must be Slack member ids (U or W, then capital letters and digits, such as U012AB3CD; a profile's ⋮ → Copy member ID), separated by commas, got %q", u)
		}
	}
	if c.SlackTeam != "" && !slackTeamRE.MatchString(c.SlackTeam) {
		bad("PREPBOT_SLACK_TEAM", "must be a workspace id: T (or E) then capital letters and digits, such as T012AB3CD, got %q", c.SlackTeam)
	}
	return errors.Join(errs...)
}

// The platforms' rules for the values above: the same as internal/telegram's
// and internal/slack's for their options.
var (
	telegramTokenRE    = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)
	telegramUsernameRE = regexp.MustCompile(`^@[A-Za-z0-9_]{1,32}$`)
	webhookSecretRE    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	slackCommandRE     = regexp.MustCompile(`^/[a-z0-9_-]{1,31}$`)
	slackUserRE        = regexp.MustCompile(`^[UW][A-Z0-9]{1,20}$`)
	slackTeamRE        = regexp.MustCompile(`^[TE][A-Z0-9]{1,20}$`)
	hostnameRE         = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`)
)

// addrProblem says what keeps addr from being an address net.Listen can
// serve on, "" when nothing does. Whether the port is free, or a host name
// resolves, is known only when listening.
func addrProblem(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "the port is missing or the address is malformed"
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "the port must be a number from 0 to 65535"
	}
	if host == "" {
		return ""
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return ""
	}
	if !hostnameRE.MatchString(host) {
		return "the host must be an IP address or a host name"
	}
	return ""
}

// SetBy names what set the setting whose variable is env, as the user
// would change it: its flag ("--db"), its variable ("PREPBOT_DB"), or its
// variable in the configuration file ("PREPBOT_DB in /etc/prepbot.env");
// "" when the setting has its default. The last layer that set it wins,
// as it won for the value.
func (c Config) SetBy(env string) string { return c.setBy[env] }

// Origin says where the setting whose variable is env got its value, for a
// message about that value: "set by " and SetBy, or, for a default, "the
// default; PREPBOT_DB or --db sets another".
func (c Config) Origin(env string) string {
	if by := c.SetBy(env); by != "" {
		return "set by " + by
	}
	for _, v := range Vars() {
		if v.Env == env {
			return "the default; " + v.Env + " or --" + v.Flag + " sets another"
		}
	}
	return "the default"
}

// ChatMode reports whether a chat platform is configured; otherwise
// prepbot runs the terminal coach.
func (c Config) ChatMode() bool { return c.TelegramToken != "" || c.SlackBotToken != "" }

// Defaults for new users, as the engine takes them.
func (c Config) UserDefaults() prep.Settings {
	s := prep.DefaultSettings()
	s.Retention, s.NewPerDay, s.ReviewsPerDay = c.Retention, c.NewPerDay, c.ReviewsPerDay
	return s
}

// TerminalZone is the terminal user's time zone name: the configured one,
// else the machine's if it has an IANA name, else UTC.
func (c Config) TerminalZone(getenv func(string) string) string {
	if c.TimeZone != "" {
		z, _ := prep.ParseZone(c.TimeZone)
		return z
	}
	if tz := getenv("TZ"); tz != "" {
		if z, err := prep.ParseZone(strings.TrimPrefix(tz, ":")); err == nil {
			return z
		}
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if i := strings.Index(target, "zoneinfo/"); i >= 0 {
			if z, err := prep.ParseZone(target[i+len("zoneinfo/"):]); err == nil {
				return z
			}
		}
	}
	if name := time.Local.String(); name != "Local" {
		if z, err := prep.ParseZone(name); err == nil {
			return z
		}
	}
	return "UTC"
}

func parseFloat(v string, dst *float64) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return fmt.Errorf("want a number such as 0.9")
	}
	*dst = f
	return nil
}

func parseInt(v string, dst *int) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("want a whole number")
	}
	*dst = n
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "(set)"
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
