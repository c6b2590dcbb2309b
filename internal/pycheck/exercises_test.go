package pycheck_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/pycheck"
)

func TestExerciseFiles(t *testing.T) {
	exs := MustLoad(t)
	if len(exs) < 15 {
		t.Errorf("%d exercises, want at least 15", len(exs))
	}
	topics := map[string]int{}
	difficulties := map[pycheck.Difficulty]int{}
	ids := map[string]bool{}
	last := pycheck.Easy
	for _, ex := range exs {
		spec := ex.Spec.(*pycheck.Exercise)
		topics[ex.Topic]++
		difficulties[spec.Difficulty]++
		if spec.Difficulty < last {
			t.Errorf("%s (%s) comes after a %s exercise", ex.ID, spec.Difficulty, last)
		}
		last = spec.Difficulty
		if ids[ex.ID] || !strings.HasPrefix(ex.ID, "py-") || len(ex.ID) > 32 {
			t.Errorf("bad or duplicate id %q", ex.ID)
		}
		ids[ex.ID] = true
		if ex.Kind != prep.PythonExercise || ex.Title == "" || ex.Solution == "" || len(ex.Hints) < 2 || ex.Source.Line == 0 {
			t.Errorf("%s: incomplete exercise %+v", ex.ID, ex)
		}
		if len(spec.Wrong) == 0 {
			t.Errorf("%s: no documented wrong answer", ex.ID)
		}
		prompt := ex.Prompt.String()
		if n := utf8.RuneCountInString(prompt); n > prep.MaxCardText {
			t.Errorf("%s: prompt of %d characters", ex.ID, n)
		}
		// The prompt ends with the starter code, as a Python block.
		lastSpan := ex.Prompt[len(ex.Prompt)-1]
		if lastSpan.Style != prep.CodeBlock || lastSpan.Lang != "python" || lastSpan.Text != strings.TrimRight(spec.Starter.Source, "\n") {
			t.Errorf("%s: the prompt does not end with the starter code: %+v", ex.ID, lastSpan)
		}
		// Hidden means hidden: the tests are not in the prompt or hints.
		for _, line := range strings.Split(spec.Tests.Source, "\n") {
			if strings.HasPrefix(line, "assert ") && (strings.Contains(prompt, line) || strings.Contains(strings.Join(ex.Hints, "\n"), line)) {
				t.Errorf("%s: the prompt shows the test %q", ex.ID, line)
			}
		}
	}
	for _, d := range []pycheck.Difficulty{pycheck.Easy, pycheck.Medium, pycheck.Hard} {
		if difficulties[d] < 4 {
			t.Errorf("%d %s exercises, want at least 4", difficulties[d], d)
		}
	}
	// What a data-engineering interview asks, each with an exercise.
	for _, id := range []string{"py-dedupe-keep-order", "py-flatten-nested", "py-group-by-key", "py-merge-intervals",
		"py-top-k-frequent", "py-chunked", "py-parse-log-lines", "py-sliding-window-average", "py-validate-records",
		"py-lru-cache", "py-retry-backoff", "py-word-count-stream", "py-flatten-json-keys",
		"py-stream-duplicates-bounded", "py-batch-upserts"} {
		if !ids[id] {
			t.Errorf("no exercise %s", id)
		}
	}
}

// TestExerciseAnswers grades, for every exercise, the reference solution
// as a learner would paste it (in a code block), the starter code, which
// must not pass, and each documented wrong answer, which must fail with a
// short message that shows what the test expected and got.
func TestExerciseAnswers(t *testing.T) {
	g := MustGrader(t)
	for _, ex := range MustLoad(t) {
		spec := ex.Spec.(*pycheck.Exercise)
		t.Run(ex.ID, func(t *testing.T) {
			t.Parallel()
			if v := MustGrade(t, g, ex, "Here is my answer:\n\n```python\n"+ex.Solution+"\n```\n"); v.Outcome != prep.Correct {
				t.Errorf("the reference solution: %s\n%s", outcomeName(v.Outcome), v.Detail)
			}
			if v := MustGrade(t, g, ex, spec.Starter.Source); v.Outcome == prep.Correct {
				t.Errorf("the starter code passes:\n%s", v.Detail)
			}
			for _, w := range spec.Wrong {
				v := MustGrade(t, g, ex, w.Code)
				if v.Outcome != prep.Wrong {
					t.Errorf("wrong answer at %s: %s, want ❌ Wrong\n%s", w.Pos, outcomeName(v.Outcome), v.Detail)
					continue
				}
				d := v.Detail.String()
				shows := strings.Contains(d, "expected: ") && strings.Contains(d, "got: ") || strings.Contains(d, "+++ yours") || strings.Contains(d, "got: ")
				if !strings.Contains(d, "failed:") || !shows {
					t.Errorf("wrong answer at %s: the detail does not show the failing test and its result:\n%s", w.Pos, d)
				}
				if n := strings.Count(d, "\n"); n > 25 {
					t.Errorf("wrong answer at %s: %d lines of detail:\n%s", w.Pos, n, d)
				}
			}
		})
	}
}

// TestOtherRightAnswers grades right answers other than the reference
// solutions, written the way learners write them: each must pass.
func TestOtherRightAnswers(t *testing.T) {
	g := MustGrader(t)
	byID := map[string]prep.Exercise{}
	for _, ex := range MustLoad(t) {
		byID[ex.ID] = ex
	}
	for _, tt := range []struct{ id, code string }{
		// A deque and a set: the local holding the evicted key kept one
		// key more alive than the exact bound, which the test once counted.
		{"py-stream-duplicates-bounded", "from collections import deque\n\n" +
			"def drop_recent_duplicates(events, key, max_keys):\n" +
			"    order, seen = deque(), set()\n" +
			"    for event in events:\n" +
			"        k = key(event)\n" +
			"        if k in seen:\n" +
			"            order.remove(k)\n" +
			"            order.append(k)\n" +
			"            continue\n" +
			"        seen.add(k)\n" +
			"        order.append(k)\n" +
			"        if len(order) > max_keys:\n" +
			"            oldest = order.popleft()\n" +
			"            seen.discard(oldest)\n" +
			"        yield event\n"},
	} {
		t.Run(tt.id, func(t *testing.T) {
			ex, ok := byID[tt.id]
			if !ok {
				t.Fatalf("no exercise %s", tt.id)
			}
			if v := MustGrade(t, g, ex, tt.code); v.Outcome != prep.Correct {
				t.Errorf("%s:\n%s", outcomeName(v.Outcome), v.Detail)
			}
		})
	}
}
