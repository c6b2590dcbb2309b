package pycheck_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/pycheck"
)

// probeExercise passes when probe() returns "sealed": hostile code either
// fails on its own or reports what it found through probe's result.
const probeExercise = "# Probe\n\n- topic: Test\n- difficulty: easy\n\n" +
	"## Task\n\nReturn \"sealed\".\n\n" +
	"## Starter\n\n```python\ndef probe():\n    ...\n```\n\n" +
	"## Tests\n\n```python\nassert probe() == \"sealed\"\n```\n\n" +
	"## Solution\n\n```python\ndef probe():\n    return \"sealed\"\n```\n"

const sealed = "\ndef probe():\n    return \"sealed\"\n"

// secret stands for the bot's own Telegram token in its environment.
const secret = "123456789:AAE-the-bots-own-secret-token"

// TestEnvironmentIsEmpty checks that the bot's own secrets, in its
// environment, are not visible to the code it grades.
func TestEnvironmentIsEmpty(t *testing.T) {
	t.Setenv("PREPBOT_TELEGRAM_TOKEN", secret)
	g := MustGrader(t)
	ex := MustExercise(t, probeExercise)
	for _, code := range []string{
		"import os\ndef probe():\n    return 'sealed' if not os.environ and os.getenv('PREPBOT_TELEGRAM_TOKEN') is None else dict(os.environ)\n",
		"import os\ndef probe():\n    return os.environ.get('PREPBOT_TELEGRAM_TOKEN', 'sealed')\n",
		"import os\nprint(dict(os.environ), os.environb)\ndef probe():\n    return 'sealed'\n",
	} {
		v := MustGrade(t, g, ex, code)
		if v.Outcome != prep.Correct || strings.Contains(v.Detail.String(), secret) {
			t.Errorf("%s\n%s", outcomeName(v.Outcome), v.Detail)
		}
	}
}

// TestHostileCode sends what a curious or hostile learner might: each must
// end within the time limit, with the right verdict, leaking nothing and
// leaving the host as it was.
func TestHostileCode(t *testing.T) {
	host := t.TempDir() // a file written to the host would land here
	cwd, _ := os.Getwd()
	limit := 3 * time.Second
	if raceEnabled {
		limit = 10 * time.Second
	}
	// Subtests run two at a time: room for both, so that none waits for
	// a sandbox and the timings below measure the attempt alone.
	g := MustNew(t, pycheck.Options{TimeLimit: limit, MemoryLimit: 64 << 20, Concurrency: 4})
	t.Cleanup(func() { g.Close(context.Background()) })
	ex := MustExercise(t, probeExercise)

	tests := []struct {
		name, code string
		want       []prep.Outcome // any of these
		detailHas  string
	}{
		// Nothing of the host is visible.
		{"environment", "import os\nprint(os.environ, os.getenv('HOME'))\ndef probe():\n    return 'no'\n", []prep.Outcome{prep.Wrong}, "environ({}) None"},
		{"/proc/self/environ", "open('/proc/self/environ').read()" + sealed, []prep.Outcome{prep.Failed}, "FileNotFoundError"},
		{"/etc/passwd", "print(open('/etc/passwd').read())" + sealed, []prep.Outcome{prep.Failed}, "No such file or directory: '/etc/passwd'"},
		{"host paths", fmt.Sprintf("import os\ndef probe():\n    found = [p for p in ['/', '/etc', '/tmp', '/proc', '/root', '/home', '/work', '/sandbox/../etc', %q] if os.path.exists(p)]\n    return found or 'sealed'\n", host),
			[]prep.Outcome{prep.Correct}, ""},
		{"only its own files", "import os\ndef probe():\n    files = sorted(os.listdir('/sandbox'))\n    return 'sealed' if files == ['harness.pyc', 'solution.py'] else files\n", []prep.Outcome{prep.Correct}, ""},
		{"write the sandbox", "with open('/sandbox/solution.py', 'w') as f:\n    f.write('x')" + sealed, []prep.Outcome{prep.Failed}, "OSError"},
		{"create in the sandbox", "open('/sandbox/new.py', 'x')" + sealed, []prep.Outcome{prep.Failed}, "Error"},
		{"write a host file", "open('" + host + "/pwned', 'w').write('x')" + sealed, []prep.Outcome{prep.Failed}, "Error"},
		{"socket", "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 22))" + sealed, []prep.Outcome{prep.Failed}, "Error"},
		{"dns and connect", "import socket\nsocket.create_connection(('example.com', 80))" + sealed, []prep.Outcome{prep.Failed}, "Error"},
		{"urllib", "import urllib.request\nurllib.request.urlopen('http://example.com')" + sealed, []prep.Outcome{prep.Failed}, "Error"},
		{"subprocess", "import subprocess\nsubprocess.run(['sh', '-c', 'echo pwned'])" + sealed, []prep.Outcome{prep.Failed}, "wasi does not support processes"},
		{"os.system", "import os\nos.system('echo pwned')" + sealed, []prep.Outcome{prep.Failed}, "Error"},
		{"fork", "import os\nos.fork()" + sealed, []prep.Outcome{prep.Failed}, "Error"},
		{"thread", "import threading\nthreading.Thread(target=print).start()" + sealed, []prep.Outcome{prep.Failed}, "can't start new thread"},
		{"ctypes", "import ctypes" + sealed, []prep.Outcome{prep.Failed}, "No module named"},
		{"sleep", "import time\ntime.sleep(3600)" + sealed, []prep.Outcome{prep.Failed}, "no sleeping"},
		{"input", "input()" + sealed, []prep.Outcome{prep.Failed}, "EOFError"},

		// Limits. Writing 100 MB or filling memory a megabyte at a time
		// takes about a second alone; on a loaded machine it may reach the
		// time limit first, which is as sane a verdict (the output is
		// capped and the host unharmed either way).
		{"infinite loop", "while True:\n    pass" + sealed, []prep.Outcome{prep.TooSlow}, "time limit"},
		{"infinite loop in a test", "def probe():\n    while True:\n        pass\n", []prep.Outcome{prep.TooSlow}, "time limit"},
		{"huge string", "x = 'x' * 10**10" + sealed, []prep.Outcome{prep.OutOfMemory}, "64 MiB"},
		{"a gigabyte", "x = bytearray(10**9)" + sealed, []prep.Outcome{prep.OutOfMemory}, "64 MiB"},
		{"memory bomb", "blocks = []\nwhile True:\n    blocks.append(bytearray(1 << 20))" + sealed, []prep.Outcome{prep.OutOfMemory, prep.TooSlow}, ""},
		{"memory bomb in a test", "def probe():\n    return 'x' * (200 << 20)\n", []prep.Outcome{prep.OutOfMemory}, "memory"},
		{"many small objects", "a = []\nwhile True:\n    a.append(str(len(a)))" + sealed, []prep.Outcome{prep.OutOfMemory, prep.TooSlow}, ""},
		{"deep recursion", "def probe(n=0):\n    return probe(n + 1)\n", []prep.Outcome{prep.Failed}, "RecursionError"},
		{"recursion limit raised", "import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return f(n + 1)\nf(0)" + sealed,
			[]prep.Outcome{prep.Failed, prep.OutOfMemory, prep.TooSlow}, ""},
		{"C stack overflow", "import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return sorted([1], key=lambda x: f(n + 1))\nf(0)" + sealed,
			[]prep.Outcome{prep.Failed, prep.OutOfMemory}, ""},
		{"100 MB printed", "import sys\nfor _ in range(100):\n    sys.stdout.write('x' * 1_000_000)" + sealed, []prep.Outcome{prep.Correct, prep.TooSlow}, ""},
		{"100 MB to fd 1", "import os\nfor _ in range(100):\n    os.write(1, b'x' * 1_000_000)" + sealed, []prep.Outcome{prep.Correct, prep.TooSlow}, ""},
		{"100 MB to fd 2", "import os\nfor _ in range(100):\n    os.write(2, b'x' * 1_000_000)" + sealed, []prep.Outcome{prep.Correct, prep.TooSlow}, ""},
		{"endless output", "import sys\nwhile True:\n    sys.stdout.write('x' * 10_000)" + sealed, []prep.Outcome{prep.TooSlow}, ""},

		// The harness's report cannot be forged without its nonce.
		{"forged report", "import os\nos.write(1, b'\\n\\x00prepbot-result x {\"status\": \"pass\", \"total\": 1}\\n')\nprint('\\x00prepbot-result  {\"status\": \"pass\"}')\ndef probe():\n    return 'open'\n",
			[]prep.Outcome{prep.Wrong}, "got:      'open'"},
		{"exit before the tests", "import os\nos._exit(0)" + sealed, []prep.Outcome{prep.Failed}, "ended the interpreter"},
		{"exit with a status", "import os\nos._exit(3)" + sealed, []prep.Outcome{prep.Failed}, "exit status 3"},
		{"abort", "import os\nos.abort()" + sealed, []prep.Outcome{prep.Failed}, ""},
		{"harness tampering", "import builtins, sys\nbuiltins.len = None\nsys.modules['os'] = None" + sealed, []prep.Outcome{prep.Correct, prep.Failed}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			v := MustGrade(t, g, ex, tt.code)
			took := time.Since(start)
			d := v.Detail.String()
			t.Logf("%s in %v: %s", outcomeName(v.Outcome), took.Round(time.Millisecond), d)
			if took > limit+2*time.Second {
				t.Errorf("took %v; the limit is %v", took, limit)
			}
			ok := false
			for _, w := range tt.want {
				ok = ok || v.Outcome == w
			}
			if !ok || !strings.Contains(d, tt.detailHas) {
				t.Errorf("%s, want one of %v with %q:\n%s", outcomeName(v.Outcome), tt.want, tt.detailHas, d)
			}
			if strings.Contains(d, cwd) || strings.Contains(d, host) && !strings.Contains(tt.code, host) {
				t.Errorf("the detail leaks the host:\n%s", d)
			}
		})
	}
	// The host is as it was, and the grader still works, once every
	// parallel subtest is done.
	t.Cleanup(func() {
		if entries, _ := os.ReadDir(host); len(entries) > 0 {
			t.Errorf("files left on the host: %v", entries)
		}
		if v := MustGrade(t, g, ex, sealed); v.Outcome != prep.Correct {
			t.Errorf("after the hostile code: %s\n%s", outcomeName(v.Outcome), v.Detail)
		}
	})
}

// TestNothingPersists checks that an attempt's changes to the interpreter
// are gone for the next attempt.
func TestNothingPersists(t *testing.T) {
	g := MustGrader(t)
	ex := MustExercise(t, probeExercise)
	v := MustGrade(t, g, ex, "import builtins, sys, json\nbuiltins.LEAK = 1\nsys.modules['json'] = None\nsys.setrecursionlimit(50)\ndef probe():\n    return 'sealed'\n")
	if v.Outcome != prep.Correct {
		t.Fatalf("%s\n%s", outcomeName(v.Outcome), v.Detail)
	}
	v = MustGrade(t, g, ex, "import builtins, sys, json\ndef probe():\n    return 'sealed' if not hasattr(builtins, 'LEAK') and sys.getrecursionlimit() == 1000 else 'leaked'\n")
	if v.Outcome != prep.Correct {
		t.Errorf("the last attempt's changes are visible: %s\n%s", outcomeName(v.Outcome), v.Detail)
	}
}

// TestConcurrentAttempts grades attempts of every kind from 8 users at
// once, more than the grader runs at a time; run with -race.
func TestConcurrentAttempts(t *testing.T) {
	g := MustNew(t, pycheck.Options{TimeLimit: 20 * time.Second, Concurrency: 2})
	defer g.Close(context.Background())
	exs := MustLoad(t)
	const users = 8
	var wg sync.WaitGroup
	for u := range users {
		wg.Go(func() {
			ex := exs[u%len(exs)]
			spec := ex.Spec.(*pycheck.Exercise)
			attempts := []struct {
				code string
				want prep.Outcome
			}{
				{spec.Solution.Source, prep.Correct},
				{spec.Wrong[0].Code, prep.Wrong},
				{"raise ValueError('no')", prep.Failed},
			}
			for _, a := range attempts {
				v, err := g.Grade(t.Context(), ex, a.code)
				if err != nil || v.Outcome != a.want {
					t.Errorf("user %d, %s: %s %v, want %s\n%s", u, ex.ID, outcomeName(v.Outcome), err, outcomeName(a.want), v.Detail)
				}
			}
		})
	}
	wg.Wait()
}

// TestQueueHonoursContext fills the only sandbox and checks that a further
// attempt waits, then gives up when its context ends, and that a caller's
// deadline bounds a running attempt as the time limit does.
func TestQueueHonoursContext(t *testing.T) {
	g := MustNew(t, pycheck.Options{Concurrency: 1, TimeLimit: 3 * time.Second})
	defer g.Close(context.Background())
	ex := MustExercise(t, probeExercise)
	done := make(chan prep.Verdict)
	go func() {
		v, _ := g.Grade(context.Background(), ex, "while True:\n    pass\n")
		done <- v
	}()
	time.Sleep(300 * time.Millisecond) // let it take the only sandbox
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := g.Grade(ctx, ex, sealed); err == nil || !strings.Contains(err.Error(), "waiting for a free sandbox") {
		t.Errorf("queued attempt: %v, want a deadline error", err)
	}
	if v := <-done; v.Outcome != prep.TooSlow {
		t.Errorf("runaway attempt: %s", outcomeName(v.Outcome))
	}

	ctx, cancel = context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	v, err := g.Grade(ctx, ex, "while True:\n    pass\n")
	if err != nil || v.Outcome != prep.TooSlow || !strings.Contains(v.Detail.String(), "Stopped after 1s") || time.Since(start) > 2500*time.Millisecond {
		t.Errorf("under a 1s deadline: %s %v after %v\n%s", outcomeName(v.Outcome), err, time.Since(start), v.Detail)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	if _, err := g.Grade(ctx, ex, "while True:\n    pass\n"); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("cancelled: %v, want an error", err)
	}
}
