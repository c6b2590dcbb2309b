package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
