package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTerminalChartsLeaveNothingBehind checks where /stats puts its chart
// files in the terminal: into a folder of the session's own, where each
// file lasts until the next /stats (so the user can open it after the
// message), and which is gone at exit. They used to pile up in /tmp.
func TestTerminalChartsLeaveNothingBehind(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	env := map[string]string{"PREPBOT_DB": filepath.Join(t.TempDir(), "prepbot.db"), "PREPBOT_USER": "ada"}
	pr, pw := io.Pipe()
	out := &lockedBuffer{}
	done := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		done <- Main(ctx, []string{"run"}, IO{In: pr, Out: out, Err: out, Getenv: func(k string) string { return env[k] }})
	}()
	saved := regexp.MustCompile(`saved to (\S+)`)
	// stats asks for /stats and returns the chart files it printed.
	stats := func(before int) []string {
		t.Helper()
		if _, err := io.WriteString(pw, "/stats\n"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			m := saved.FindAllStringSubmatch(out.String(), -1)
			// Two charts without an interview date: reviews per day, due.
			if len(m) >= before+2 {
				return []string{m[before][1], m[before+1][1]}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no charts after /stats:\n%s", out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	exist := func(paths []string, want bool) {
		t.Helper()
		for _, p := range paths {
			if _, err := os.Stat(p); (err == nil) != want {
				t.Errorf("%s: exists = %v, want %v", p, err == nil, want)
			}
		}
	}

	first := stats(0)
	exist(first, true)
	for _, p := range first {
		if rel, err := filepath.Rel(tmp, p); err != nil || !strings.HasPrefix(rel, "prepbot-charts-") || strings.Count(rel, string(filepath.Separator)) != 1 {
			t.Errorf("%s is not in a session folder of its own in %s", p, tmp)
		}
	}
	second := stats(2)
	exist(first, false)
	exist(second, true)
	if entries, _ := os.ReadDir(filepath.Dir(second[0])); len(entries) != 2 {
		t.Errorf("the chart folder holds %d files, want the latest 2", len(entries))
	}

	pw.Close() // EOF: the session ends
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the terminal did not exit on EOF")
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("left in the temporary directory after exit: %v", entries)
	}
}
