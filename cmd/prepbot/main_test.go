package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/pycheck"
)

// binary is the real prepbot, built once for these end-to-end tests.
var binary string

// testRoles are what this test binary does instead of testing when a test
// runs it again with the role's name as its first argument.
var testRoles = map[string]func(args []string) int{}

func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		if role, ok := testRoles[os.Args[1]]; ok {
			os.Exit(role(os.Args[2:]))
		}
	}
	dir, err := os.MkdirTemp("", "prepbot-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "prepbot")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build prepbot: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one finished prepbot process.
type result struct {
	code           int
	stdout, stderr string
}

// prepbot runs the binary with a clean PREPBOT_* environment plus env, feeding
// stdin, and waits for it.
func prepbot(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = cleanEnv(env)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run prepbot: %v", err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func cleanEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PREPBOT_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

type exported struct {
	Cards []struct {
		User       string     `json:"user"`
		Card       string     `json:"card"`
		Topic      string     `json:"topic"`
		Question   string     `json:"question"`
		State      string     `json:"state"`
		Due        time.Time  `json:"due"`
		Stability  float64    `json:"stability"`
		Difficulty float64    `json:"difficulty"`
		Reps       uint64     `json:"reps"`
		Lapses     uint64     `json:"lapses"`
		LastReview *time.Time `json:"last_review"`
	} `json:"cards"`
	Reviews []struct {
		User   string    `json:"user"`
		Card   string    `json:"card"`
		Time   time.Time `json:"time"`
		Rating int       `json:"rating"`
	} `json:"reviews"`
}

// TestScriptedTerminalSessionThenExport is the "done means": a piped
// terminal session records reviews, and export shows states equal to what
// FSRS-6 computes from the logged reviews.
func TestScriptedTerminalSessionThenExport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prepbot.db")
	env := []string{"PREPBOT_DB=" + db, "PREPBOT_USER=ada"}
	// Choices by number, by first word, and by whole label; then EOF.
	script := "/ask\n1\ngood\n/ask\nshow answer\nAgain\n/ask\nshow\neasy\n"
	r := prepbot(t, script, env)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"Hi ada, I'm prepbot", "[1] Show answer", "Good · next in 10m", "Again · next in 1m", "Bye! Your progress is saved."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}

	r = prepbot(t, "", env, "export", "--format", "json")
	if r.code != 0 {
		t.Fatalf("export exit %d: %s", r.code, r.stderr)
	}
	var x exported
	if err := json.Unmarshal([]byte(r.stdout), &x); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, r.stdout)
	}
	if len(x.Reviews) != 3 {
		t.Fatalf("%d reviews exported, want 3:\n%s", len(x.Reviews), r.stdout)
	}
	// Replay each card's logged reviews through FSRS-6 and compare.
	p := fsrs.DefaultParam()
	p.EnableFuzz = true
	f := fsrs.NewFSRS(p)
	replayed := map[string]fsrs.Card{}
	for _, rv := range x.Reviews {
		if rv.User != "terminal:ada" {
			t.Fatalf("review of user %q", rv.User)
		}
		c, ok := replayed[rv.Card]
		if !ok {
			c = fsrs.NewCard(rv.Time)
		}
		info, err := f.Next(c, rv.Time, fsrs.Rating(rv.Rating))
		if err != nil {
			t.Fatal(err)
		}
		replayed[rv.Card] = info.Card
	}
	if len(x.Cards) != len(replayed) {
		t.Fatalf("%d card states for %d reviewed cards", len(x.Cards), len(replayed))
	}
	for _, c := range x.Cards {
		want := replayed[c.Card]
		if c.Stability != want.Stability || c.Difficulty != want.Difficulty || c.Reps != want.Reps || !c.Due.Equal(want.Due) {
			t.Errorf("card %s: exported S=%v D=%v reps=%d due=%v, FSRS replay S=%v D=%v reps=%d due=%v",
				c.Card, c.Stability, c.Difficulty, c.Reps, c.Due, want.Stability, want.Difficulty, want.Reps, want.Due)
		}
		if c.Question == "" || c.Topic == "" || c.State == "" || c.LastReview == nil {
			t.Errorf("card %s lacks fields: %+v", c.Card, c)
		}
	}

	csv := prepbot(t, "", env, "export", "--format=csv")
	if csv.code != 0 || !strings.HasPrefix(csv.stdout, "kind,user,card,topic,question,state,due,") || strings.Count(csv.stdout, "\nreview,") != 3 {
		t.Fatalf("csv export (exit %d):\n%s%s", csv.code, csv.stdout, csv.stderr)
	}

	// A second run continues where the first stopped.
	r = prepbot(t, "", env)
	if !strings.Contains(r.stdout, "Welcome back, ada") {
		t.Fatalf("second run must welcome back:\n%s", r.stdout)
	}
}

func TestLintReportsPlantedMistakesWithFileAndLine(t *testing.T) {
	r := prepbot(t, "", nil, "lint")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ok: ") {
		t.Fatalf("embedded decks must lint clean (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
	dir := t.TempDir()
	deck := "## SQL\n\n**Q: What is a CTE?**\nA: A named subquery.\n\n**Q: What is a CTE?**\nA: Again.\n\n### Empty card\n\n<!-- colour: blue -->\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.md"), []byte(deck), 0o600); err != nil {
		t.Fatal(err)
	}
	r = prepbot(t, "", nil, "lint", dir)
	if r.code == 0 {
		t.Fatalf("lint must fail on planted mistakes:\n%s", r.stderr)
	}
	for _, want := range []string{"bad.md:6:", "bad.md:9:", "bad.md:11:"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("lint output lacks %q:\n%s", want, r.stderr)
		}
	}
	// The bot refuses to start on the same content, with the same report.
	r = prepbot(t, "", []string{"PREPBOT_DB=" + filepath.Join(t.TempDir(), "db"), "PREPBOT_CONTENT=" + dir})
	if r.code == 0 || !strings.Contains(r.stderr, "bad.md:6:") || strings.Contains(r.stderr, "panic") {
		t.Fatalf("start-up with a bad deck (exit %d):\n%s", r.code, r.stderr)
	}
}

// TestLintFindsAFenceLeftOpen is the QA report's deck: a code fence never
// closed swallowed the cards after it while lint said ok.
func TestLintFindsAFenceLeftOpen(t *testing.T) {
	dir := t.TempDir()
	deck := "## SQL\n\n### Card one\n\nAnswer one:\n```sql\nSELECT 1;\n\n### Card two\n\nAnswer two.\n\n**Q: Card three?**\nA: three\n"
	if err := os.WriteFile(filepath.Join(dir, "x.md"), []byte(deck), 0o600); err != nil {
		t.Fatal(err)
	}
	r := prepbot(t, "", nil, "lint", dir)
	want := filepath.Join(dir, "x.md") + ":6: error: code fence opened here (```) is never closed; every later card would be swallowed"
	if r.code == 0 || strings.HasPrefix(r.stdout, "ok") || !strings.Contains(r.stderr, want) {
		t.Fatalf("lint (exit %d) must report %q:\n%s%s", r.code, want, r.stdout, r.stderr)
	}
}

// TestLintOutput checks what lint says: counts in the singular when there
// is one, every path (deck or exercise) starting with the folder as given,
// and -h as a request for help rather than a folder's name.
func TestLintOutput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("deck.md", "## SQL\n\n### What is a CTE?\nA named subquery.\n")
	write("exercises/01-all.md", "# Return everything\n\n- topic: Basics\n- difficulty: easy\n\n## Task\n\nReturn every row.\n\n"+
		"## Schema\n\n```sql\nCREATE TABLE t (a INTEGER);\nINSERT INTO t VALUES (1), (2);\n```\n\n## Solution\n\n```sql\nSELECT a FROM t;\n```\n\n"+
		"## Hidden data\n\n```sql\nINSERT INTO t VALUES (5);\n```\n")
	r := prepbot(t, "", nil, "lint", dir)
	if want := "ok: 1 card in 1 topic, 0 checklist items, 1 exercise\n"; r.code != 0 || r.stdout != want {
		t.Fatalf("lint (exit %d) printed %q, want %q\n%s", r.code, r.stdout, want, r.stderr)
	}

	write("bad.md", "## SQL\n\n### An empty card\n")
	write("exercises/02-bad.md", "# No sections\n\n- topic: Basics\n- difficulty: easy\n")
	r = prepbot(t, "", nil, "lint", dir)
	for _, want := range []string{filepath.Join(dir, "bad.md") + ":3: error:", filepath.Join(dir, "exercises", "02-bad.md") + ":1: error:"} {
		if !strings.Contains(r.stderr, "\n"+want) && !strings.HasPrefix(r.stderr, want) {
			t.Errorf("lint output lacks a line starting %q:\n%s", want, r.stderr)
		}
	}

	for _, help := range []string{"-h", "--help"} {
		r = prepbot(t, "", nil, "lint", help)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: prepbot lint [DIR]") || r.stderr != "" {
			t.Errorf("lint %s (exit %d):\n%s%s", help, r.code, r.stdout, r.stderr)
		}
	}
	r = prepbot(t, "", nil, "lint", "--strict")
	if r.code == 0 || !strings.Contains(r.stderr, "unknown flag --strict") || strings.Contains(r.stderr, "content folder") {
		t.Errorf("lint --strict (exit %d):\n%s", r.code, r.stderr)
	}
}

func TestBadInputGetsAClearErrorAndChangesNothing(t *testing.T) {
	tmp := t.TempDir()
	corrupt := filepath.Join(tmp, "corrupt.db")
	if err := os.WriteFile(corrupt, bytes.Repeat([]byte("not a database "), 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	blocker := filepath.Join(tmp, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	cases := []struct {
		name string
		env  []string
		want string
	}{
		{"retention out of range", []string{"PREPBOT_RETENTION=2"}, "PREPBOT_RETENTION: must be between 0.70 and 0.97"},
		{"bad log format", []string{"PREPBOT_LOG_FORMAT=xml"}, "PREPBOT_LOG_FORMAT: must be text or json"},
		{"bad new limit", []string{"PREPBOT_NEW_PER_DAY=ten"}, "PREPBOT_NEW_PER_DAY"},
		{"corrupt db", []string{"PREPBOT_DB=" + corrupt}, corrupt},
		{"unwritable db path", []string{"PREPBOT_DB=" + filepath.Join(blocker, "sub", "prepbot.db")}, filepath.Join(blocker, "sub")},
		{"empty content folder", []string{"PREPBOT_CONTENT=" + empty}, "no"},
		{"missing content folder", []string{"PREPBOT_CONTENT=" + filepath.Join(tmp, "nope")}, "nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := append([]string{"PREPBOT_DB=" + filepath.Join(t.TempDir(), "ok.db")}, tc.env...)
			r := prepbot(t, "", env)
			if r.code == 0 {
				t.Fatalf("want a failure, got exit 0:\n%s", r.stdout)
			}
			if !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "goroutine ") {
				t.Fatalf("stderr must name the problem (%q):\n%s", tc.want, r.stderr)
			}
		})
	}
	before, _ := os.ReadFile(corrupt)
	if !bytes.Equal(before, bytes.Repeat([]byte("not a database "), 4096)) {
		t.Fatal("a corrupt database file must be left as it was")
	}
}

func TestSecondProcessOnTheSameDatabaseFailsQuickly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prepbot.db")
	holder := exec.Command(binary)
	holder.Env = cleanEnv([]string{"PREPBOT_DB=" + db})
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	holder.Stdout = &out
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); holder.Wait() }()
	waitFor(t, func() bool { return strings.Contains(out.String(), "prepbot") })

	r := prepbot(t, "", []string{"PREPBOT_DB=" + db})
	if r.code == 0 || !strings.Contains(r.stderr, db) || !strings.Contains(r.stderr, "another prepbot") {
		t.Fatalf("second process (exit %d) must name the file and the other process:\n%s", r.code, r.stderr)
	}
}

func TestInterruptExitsCleanlyWithEverythingSaved(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prepbot.db")
	cmd := exec.Command(binary)
	cmd.Env = cleanEnv([]string{"PREPBOT_DB=" + db, "PREPBOT_USER=ada"})
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(stdin, "/ask\n1\ngood\n")
	waitFor(t, func() bool { return strings.Contains(out.String(), "Good · next in") })
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "progress is saved") {
		t.Fatalf("no goodbye:\n%s", out.String())
	}
	r := prepbot(t, "", []string{"PREPBOT_DB=" + db}, "export")
	if strings.Count(r.stdout, `"rating": 3`) != 1 {
		t.Fatalf("the rating made before SIGINT must be saved:\n%s%s", r.stdout, r.stderr)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "prepbot.db")
	env := []string{"PREPBOT_DB=" + db, "PREPBOT_USER=ada"}
	prepbot(t, "/ask\n1\ngood\n", env)
	backup := filepath.Join(dir, "saved.db")
	if r := prepbot(t, "", env, "backup", backup); r.code != 0 || !strings.Contains(r.stdout, "backed up") {
		t.Fatalf("backup (exit %d): %s%s", r.code, r.stdout, r.stderr)
	}
	// Into the rotating folder too.
	if r := prepbot(t, "", env, "backup"); r.code != 0 || !strings.Contains(r.stdout, filepath.Join(dir, "backups", "prepbot-")) {
		t.Fatalf("backup into PREPBOT_BACKUP_DIR (exit %d): %s%s", r.code, r.stdout, r.stderr)
	}
	prepbot(t, "/ask\n1\neasy\n", env)
	if r := prepbot(t, "", env, "export"); strings.Count(r.stdout, `"rating":`) != 2 {
		t.Fatalf("want 2 reviews before restore:\n%s", r.stdout)
	}

	// Refused while a bot holds the database.
	holder := exec.Command(binary)
	holder.Env = cleanEnv(env)
	stdin, _ := holder.StdinPipe()
	var out syncBuffer
	holder.Stdout = &out
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(out.String(), "[1]") })
	if r := prepbot(t, "", env, "restore", backup); r.code == 0 || !strings.Contains(r.stderr, "another prepbot") {
		t.Fatalf("restore while held (exit %d): %s", r.code, r.stderr)
	}
	stdin.Close()
	holder.Wait()

	r := prepbot(t, "", env, "restore", backup)
	if r.code != 0 || !strings.Contains(r.stdout, "before-restore") {
		t.Fatalf("restore (exit %d): %s%s", r.code, r.stdout, r.stderr)
	}
	if r := prepbot(t, "", env, "export"); strings.Count(r.stdout, `"rating":`) != 1 {
		t.Fatalf("after restore the export must hold the backup's one review:\n%s", r.stdout)
	}
	if r := prepbot(t, "", env, "restore", filepath.Join(dir, "missing.db")); r.code == 0 {
		t.Fatal("restoring a missing file must fail")
	}
}

func TestSQLExerciseThroughTheTerminal(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prepbot.db")
	env := []string{"PREPBOT_DB=" + db, "PREPBOT_USER=ada"}
	script := "/sql aggregation\n" +
		"SELECT name FROM annotators\n" + // wrong: ❌ with a diff
		"```sql\nSELECT a.name, COUNT(*) AS labels\nFROM annotators a\nJOIN labels l ON l.annotator_id = a.annotator_id\nGROUP BY a.annotator_id, a.name\nORDER BY labels DESC, a.name;\n```\n" +
		"ATTACH DATABASE '/tmp/x.db' AS x\n"
	r := prepbot(t, script, env)
	for _, want := range []string{"🧩 SQL · Aggregation", "Labels per annotator", "❌ Not quite.", "✅ Correct!", "Again · next in", "⚠️ That did not run."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	x := prepbot(t, "", env, "export")
	if !strings.Contains(x.stdout, `"card": "sql-labels-per-annotator"`) || strings.Count(x.stdout, `"rating": 1`) != 1 {
		t.Fatalf("the solved-after-a-wrong-result exercise must be one Again review:\n%s", x.stdout)
	}
}

// requirePython returns the interpreter's path, or skips the test when it
// is missing (fails it in CI).
func requirePython(t *testing.T) string {
	t.Helper()
	wasm, err := filepath.Abs("../../.cache/python/python.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(wasm); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the Python interpreter is missing at %s: CI must run scripts/fetch-python-wasm first", wasm)
		}
		t.Skipf("Python interpreter not installed at %s; run scripts/fetch-python-wasm", wasm)
	}
	return wasm
}

// dedupeSession opens the first Python exercise and solves it.
const dedupeSession = "/py\n" +
	"```python\ndef dedupe(items):\n    seen = set()\n    out = []\n    for x in items:\n        if x not in seen:\n            seen.add(x)\n            out.append(x)\n    return out\n```\n"

// TestFirstStartCompilesPythonInAChildProcess checks that a bot started
// with a cold interpreter cache has "prepbot python-cache" compile it in a
// child process, loads it from the cache, and grades; that the next start
// finds it there; and that python-cache says what it did or what is wrong.
func TestFirstStartCompilesPythonInAChildProcess(t *testing.T) {
	wasm := requirePython(t)
	dir := t.TempDir()
	cache := filepath.Join(dir, "wazero")
	env := []string{"PREPBOT_DB=" + filepath.Join(dir, "prepbot.db"), "PREPBOT_USER=ada", "PREPBOT_LOG_LEVEL=debug",
		"PREPBOT_PYTHON_WASM=" + wasm, "PREPBOT_PYTHON_CACHE=" + cache}
	r := prepbot(t, dedupeSession, env)
	if r.code != 0 || !strings.Contains(r.stdout, "✅ Correct!") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, `how="compiled by a child process`) || strings.Contains(r.stderr, "level=WARN") {
		t.Errorf("the first start did not compile in a child process:\n%s", r.stderr)
	}
	if !pycheck.Cached(cache) {
		t.Fatalf("%s is not marked filled", cache)
	}

	// Another user's database, for the same first exercise.
	env[0] = "PREPBOT_DB=" + filepath.Join(dir, "second.db")
	r = prepbot(t, dedupeSession, env)
	if !strings.Contains(r.stdout, "✅ Correct!") || !strings.Contains(r.stderr, `how="loaded from the cache"`) {
		t.Errorf("the second start:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}

	r = prepbot(t, "", nil, "python-cache", "--python-wasm", wasm, "--python-cache", cache)
	if r.code != 0 || !strings.Contains(r.stdout, cache) {
		t.Errorf("python-cache on a warm cache (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
	missing := filepath.Join(dir, "nope.wasm")
	r = prepbot(t, "", []string{"PREPBOT_PYTHON_WASM=" + missing}, "python-cache")
	if r.code != 1 || !strings.Contains(r.stderr, "scripts/fetch-python-wasm") || !strings.Contains(r.stderr, missing) {
		t.Errorf("python-cache without an interpreter (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestPythonExerciseThroughTheTerminal(t *testing.T) {
	wasm := requirePython(t)
	db := filepath.Join(t.TempDir(), "prepbot.db")
	env := []string{"PREPBOT_DB=" + db, "PREPBOT_USER=ada", "PREPBOT_PYTHON_WASM=" + wasm}
	script := "/py\n" +
		"import os; print(sorted(os.environ))\n" +
		"```python\ndef dedupe(items):\n    seen = set()\n    out = []\n    for x in items:\n        if x not in seen:\n            seen.add(x)\n            out.append(x)\n    return out\n```\n"
	// The bot's own environment holds a secret; the submitted code, which
	// prints its environment, must not see it.
	cmd := exec.Command(binary)
	cmd.Env = append(cleanEnv(env), "SECRET_PREPBOT_TOKEN=do-not-leak")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"🧩 Python", "⚠️ That did not run.", "✅ Correct!", "Good · next in"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "SECRET_PREPBOT_TOKEN") || strings.Contains(text, "do-not-leak") {
		t.Fatalf("the submission saw the bot's environment:\n%s", text)
	}
}

// TestHelpListsTheCommands: "prepbot --help" and "-h" list the commands (as
// "prepbot help" does), while "prepbot run -h" lists run's flags.
func TestHelpListsTheCommands(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		r := prepbot(t, "", nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "prepbot check") || !strings.Contains(r.stdout, "prepbot restore PATH") {
			t.Errorf("prepbot %s: exit %d\n%s%s", args[0], r.code, r.stdout, r.stderr)
		}
	}
	r := prepbot(t, "", nil, "run", "-h")
	if out := r.stdout + r.stderr; !strings.Contains(out, "-db") || strings.Contains(out, "prepbot restore PATH") {
		t.Errorf("prepbot run -h: exit %d\n%s", r.code, out)
	}
	// version takes nothing; a stray flag used to be ignored with exit 0.
	if r := prepbot(t, "", nil, "version", "--bogus"); r.code == 0 || !strings.Contains(r.stderr, "version takes no arguments") {
		t.Errorf("prepbot version --bogus: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestLintSaysWhereItLookedForPython: with no interpreter where the setting
// points, lint still checks everything else and says which path it looked
// at and which setting chose it.
func TestLintSaysWhereItLookedForPython(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere", "python.wasm")
	r := prepbot(t, "", []string{"PREPBOT_PYTHON_WASM=" + missing}, "lint")
	if r.code != 0 || !strings.Contains(r.stderr, "no file at "+missing) || !strings.Contains(r.stderr, "set by PREPBOT_PYTHON_WASM") {
		t.Errorf("exit %d\nstderr %s", r.code, r.stderr)
	}
}

// TestClosedOutputEndsTheSessionCleanly runs the binary with its output
// read through a pipe that the reader closes after the charts
// (`prepbot | head`). The process used to die of SIGPIPE at its next
// write, leaving the session's chart folder in the temporary directory;
// now it ends like end of input, exit 0, and acts on no further line (no
// one would see the rating it made).
func TestClosedOutputEndsTheSessionCleanly(t *testing.T) {
	tmp := t.TempDir()
	db := filepath.Join(t.TempDir(), "prepbot.db")
	cmd := exec.Command(binary)
	cmd.Env = cleanEnv([]string{"TMPDIR=" + tmp, "PREPBOT_DB=" + db, "PREPBOT_USER=ada"})
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(stdin, "/stats\n"); err != nil {
		t.Fatal(err)
	}
	// Read until both charts are saved, then go away as head does.
	var seen strings.Builder
	buf := make([]byte, 4096)
	for strings.Count(seen.String(), "saved to ") < 2 {
		n, err := stdout.Read(buf)
		seen.Write(buf[:n])
		if err != nil {
			t.Fatalf("output ended before the charts: %v\n%s", err, seen.String())
		}
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 1 {
		t.Fatalf("want the session's chart folder in %s while it runs, found %v", tmp, entries)
	}
	stdout.Close()
	// The first write after the close fails; the lines after it must not
	// be acted on.
	if _, err := io.WriteString(stdin, "/ask\nshow\ngood\n/ask\nshow\ngood\n"); err != nil {
		t.Fatal(err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("prepbot: %v (want exit 0 when its reader leaves)\nstderr:\n%s", err, stderr.String())
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("left in the temporary directory: %v", entries)
	}
	r := prepbot(t, "", []string{"PREPBOT_DB=" + db}, "export", "--format", "json")
	var x exported
	if err := json.Unmarshal([]byte(r.stdout), &x); err != nil {
		t.Fatalf("export: %v\n%s%s", err, r.stdout, r.stderr)
	}
	if len(x.Reviews) != 0 {
		t.Errorf("%d reviews recorded after the output closed, want 0: %+v", len(x.Reviews), x.Reviews)
	}
}
