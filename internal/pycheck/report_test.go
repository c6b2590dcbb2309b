package pycheck_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/pycheck"
)

// bigExercise returns a list of 200,000 numbers: as big as an exercise's
// input meant to fail a quadratic answer, and then some.
const bigExercise = "# Numbers\n\n- topic: Test\n- difficulty: easy\n\n" +
	"## Task\n\nReturn `list(range(n))`.\n\n" +
	"## Starter\n\n```python\ndef numbers(n):\n    ...\n```\n\n" +
	"## Tests\n\n```python\nassert numbers(3) == [0, 1, 2]\n" +
	"assert numbers(200_000) == list(range(200_000))\n" +
	"assert table(300) == {i: str(i) for i in range(300)}\n" +
	"assert text(5000) == 'ab' * 5000\n```\n\n" +
	"## Solution\n\n```python\ndef numbers(n):\n    return list(range(n))\n\n" +
	"def table(n):\n    return {i: str(i) for i in range(n)}\n\ndef text(n):\n    return 'ab' * n\n```\n"

const bigRest = "\ndef table(n):\n    return {i: str(i) for i in range(n)}\n\ndef text(n):\n    return 'ab' * n\n"

// TestLongValuesSayWhereTheyDiffer: two long values whose shortened forms
// look alike (a list missing its last item) are told apart by their
// lengths and the first index or key that differs; and a long wrong answer
// is reported quickly, from a window around that index, not by formatting
// the whole of both (which took 4 of the 5 seconds for 50,000 items, so
// that a wrong answer came back as ⏱).
func TestLongValuesSayWhereTheyDiffer(t *testing.T) {
	g := MustNew(t, pycheck.Options{TimeLimit: pycheck.DefaultTimeLimit})
	ex := MustExercise(t, bigExercise)
	tests := []struct {
		name, code string
		detailHas  []string
	}{
		{"the last item missing", "def numbers(n):\n    return list(range(n - 1)) if n > 3 else list(range(n))\n" + bigRest,
			[]string{"expected: [0, 1, 2, 3", "Expected 200000 items, got 199999; the first difference is at index 199999: expected 199999, got nothing."}},
		{"reversed", "def numbers(n):\n    return list(range(n))[::-1] if n > 3 else list(range(n))\n" + bigRest,
			[]string{"--- expected[0:8]\n+++ yours[0:8]", "the first difference is at index 0: expected 0, got 199999"}},
		{"one item changed deep inside", "def numbers(n):\n    out = list(range(n))\n    if n > 3:\n        out[123456] = -1\n    return out\n" + bigRest,
			[]string{"index 123456: expected 123456, got -1"}},
		{"a key's value changed", "def numbers(n):\n    return list(range(n))\n\ndef table(n):\n    d = {i: str(i) for i in range(n)}\n    d[250] = 'x'\n    return d\n\ndef text(n):\n    return 'ab' * n\n",
			[]string{"Expected 300 keys, got 300; key 250: expected '250', got 'x'."}},
		{"a key missing", "def numbers(n):\n    return list(range(n))\n\ndef table(n):\n    return {i: str(i) for i in range(n - 1)}\n\ndef text(n):\n    return 'ab' * n\n",
			[]string{"Expected 300 keys, got 299; missing key 299."}},
		{"a long string", "def numbers(n):\n    return list(range(n))\n\ndef table(n):\n    return {i: str(i) for i in range(n)}\n\ndef text(n):\n    return 'ab' * (n - 1) + 'ba'\n",
			[]string{"Expected 10000 characters, got 10000; the first difference is at index 9998: expected 'a', got 'b'."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := MustGrade(t, g, ex, tt.code)
			d := v.Detail.String()
			if v.Outcome != prep.Wrong {
				t.Errorf("%s, want ❌ Wrong:\n%s", outcomeName(v.Outcome), d)
			}
			for _, want := range tt.detailHas {
				if !strings.Contains(d, want) {
					t.Errorf("the detail lacks %q:\n%s", want, d)
				}
			}
		})
	}
}

// loopExercise has a test that never ends for a plausible wrong answer,
// after one that passes.
const loopExercise = "# Halve\n\n- topic: Test\n- difficulty: easy\n\n" +
	"## Task\n\nCount the halvings of `n` down to 1.\n\n" +
	"## Starter\n\n```python\ndef halvings(n):\n    ...\n```\n\n" +
	"## Tests\n\n```python\nassert halvings(8) == 3\n\n" +
	"odd = 9\nassert halvings(odd) == 3\n```\n\n" +
	"## Solution\n\n```python\ndef halvings(n):\n    k = 0\n    while n > 1:\n        n //= 2\n        k += 1\n    return k\n```\n"

// TestTimeLimitNamesTheTest: an attempt stopped at the time limit is told
// which test was running (or that its code was still loading), and the
// advice covers a loop that never ends and one that is merely too slow:
// some tests are big on purpose.
func TestTimeLimitNamesTheTest(t *testing.T) {
	limit := time.Second
	if raceEnabled {
		limit = 5 * time.Second
	}
	g := MustNew(t, pycheck.Options{TimeLimit: limit})
	ex := MustExercise(t, loopExercise)
	for _, tt := range []struct {
		name, code string
		detailHas  []string
	}{
		{"in a test", "def halvings(n):\n    k = 0\n    while n != 1:\n        n = n // 2 if n % 2 == 0 else n\n        k += 1\n    return k\n",
			[]string{"time limit, in test 2 of 2:", "odd = 9\nassert halvings(odd) == 3", "never finishes", "too slow for the input"}},
		{"while loading", "while True:\n    pass\n", []string{"while your code was loading, before any test ran"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := MustGrade(t, g, ex, tt.code)
			d := v.Detail.String()
			if v.Outcome != prep.TooSlow {
				t.Errorf("%s, want ⏱:\n%s", outcomeName(v.Outcome), d)
			}
			for _, want := range tt.detailHas {
				if !strings.Contains(d, want) {
					t.Errorf("the detail lacks %q:\n%s", want, d)
				}
			}
		})
	}
}
