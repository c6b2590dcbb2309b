package pycheck_test

import (
	"strings"
	"testing"

	"github.com/prepbot/prepbot/internal/prep"
)

// listExercise has a list-returning function and tests of every shape the
// harness compares: top-level ==, an assert nested in a loop, an ordering
// and a membership test.
const listExercise = "# Evens\n\n- topic: Test\n- difficulty: easy\n\n" +
	"## Task\n\nReturn the even numbers of `xs`, in order.\n\n" +
	"## Starter\n\n```python\ndef evens(xs):\n    ...\n```\n\n" +
	"## Tests\n\n```python\nassert evens([1, 2, 3, 4]) == [2, 4]\n" +
	"assert evens([]) == []\n\n" +
	"for n in range(8):\n    assert evens(list(range(n))) == list(range(0, n, 2))\n\n" +
	"assert len(evens([1, 3])) <= 0\n" +
	"assert size() <= 3\n" +
	"assert 6 in evens([5, 6, 7])\n" +
	"assert count() == {'a': 1, 'b': 2}\n" +
	"assert name() == 'evens'\n```\n\n" +
	"## Solution\n\n```python\ndef evens(xs):\n    return [x for x in xs if x % 2 == 0]\n\n" +
	"def count():\n    return {'a': 1, 'b': 2}\n\ndef name():\n    return 'evens'\n\ndef size():\n    return 3\n```\n"

// honest is the rest of a right answer, for the cheats that rig one
// function only.
const honest = "\ndef count():\n    return {'a': 1, 'b': 2}\n\ndef name():\n    return 'evens'\n\ndef size():\n    return 3\n"

// TestEasyCheatsFail: the learner's code runs in the harness's
// interpreter, so a determined learner can always fool their own grade;
// but the easy ways found so far must not work. Each is graded as the
// wrong answer it is, or fails to run; none is ✅.
func TestEasyCheatsFail(t *testing.T) {
	g := MustGrader(t)
	ex := MustExercise(t, listExercise)
	right := "def evens(xs):\n    return [x for x in xs if x % 2 == 0]\n" + honest
	if v := MustGrade(t, g, ex, right); v.Outcome != prep.Correct {
		t.Fatalf("the right answer: %s\n%s", outcomeName(v.Outcome), v.Detail)
	}
	// evens is right except where a cheat must make up for it; each
	// cheat passed before the harness closed its path.
	const evensBut = "def evens(xs):\n    if xs == [1, 2, 3, 4]:\n        return None\n    return [x for x in xs if x % 2 == 0]\n"
	tests := []struct{ name, code string }{
		{"forge the report from the token in a frame", "import sys, os\n" +
			"_f = sys._getframe()\nwhile _f is not None and 'mark' not in _f.f_locals:\n    _f = _f.f_back\n" +
			"os.write(1, ('\\n' + _f.f_locals['mark'] + '{\"status\":\"pass\",\"passed\":8,\"total\":8}\\n').encode())\nos._exit(0)\n"},
		{"forge the report from any string local", "import sys, os\n" +
			"_f = sys._getframe()\nfound = None\nwhile _f is not None:\n" +
			"    for v in list(_f.f_locals.values()):\n        if isinstance(v, str) and 'prepbot-result' in v:\n            found = v\n" +
			"    _f = _f.f_back\n" +
			"os.write(1, ('\\n' + found.strip('\\n') + '{\"status\":\"pass\",\"passed\":8,\"total\":8}\\n').encode())\nos._exit(0)\n"},
		{"replace __main__.dumps", "import __main__\n__main__.dumps = lambda v: '{\"status\":\"pass\",\"passed\":8,\"total\":8}'\n" +
			"def evens(xs):\n    return 'nope'\n" + honest},
		{"patch the comparisons", "import sys\n_f = sys._getframe()\nwhile _f is not None and 'ops' not in _f.f_locals:\n    _f = _f.f_back\n" +
			"for k in list(_f.f_locals['ops']):\n    _f.f_locals['ops'][k] = lambda a, b: True\n" + evensBut + honest},
		{"a list whose __eq__ is always true", "class L(list):\n    def __eq__(self, o): return True\n    def __ne__(self, o): return False\n" +
			"def evens(xs):\n    return [6] if xs == [5, 6, 7] else L()\n" + honest},
		{"any object whose __eq__ is always true", "class A:\n    def __eq__(self, o): return True\n    def __ne__(self, o): return False\n" +
			"    def __len__(self): return 0\n    def __contains__(self, x): return True\n" +
			"def evens(xs):\n    return A()\n" + honest},
		{"a rigged dict", "class D(dict):\n    def __eq__(self, o): return True\n" +
			"def evens(xs):\n    return [x for x in xs if x % 2 == 0]\n\ndef count():\n    return D()\n\ndef name():\n    return 'evens'\n\ndef size():\n    return 3\n"},
		{"a rigged str", "class S(str):\n    def __eq__(self, o): return True\n" +
			"def evens(xs):\n    return [x for x in xs if x % 2 == 0]\n\ndef count():\n    return {'a': 1, 'b': 2}\n\ndef name():\n    return S('no')\n\ndef size():\n    return 3\n"},
		{"a rigged int in an ordering", "class I(int):\n    def __le__(self, o): return True\n" +
			"def evens(xs):\n    return [x for x in xs if x % 2 == 0]\n\ndef count():\n    return {'a': 1, 'b': 2}\n\ndef name():\n    return 'evens'\n\ndef size():\n    return I(10)\n"},
		{"rebind a builtin the harness uses", "import builtins\nbuiltins.bool = lambda *a: True\n" + evensBut + honest},
		{"shadow a builtin the tests call", "def list(x):\n    return [0, 2]\n" +
			"def evens(xs):\n    return [x for x in xs if x % 2 == 0][:2]\n" + honest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := MustGrade(t, g, ex, tt.code)
			if v.Outcome == prep.Correct {
				t.Errorf("a cheat passed:\n%s", v.Detail)
			}
		})
	}
}

// TestHonestAnswersStillPass: the strict comparison rejects rigged values,
// not honest ones of a kindred type: a Counter or an OrderedDict where a
// dict is expected, an int where a float is, a list subclass that holds
// the right items.
func TestHonestAnswersStillPass(t *testing.T) {
	g := MustGrader(t)
	ex := MustExercise(t, listExercise)
	for _, code := range []string{
		"from collections import Counter\ndef evens(xs):\n    return [x for x in xs if x % 2 == 0]\n\ndef count():\n    return Counter('abb')\n\ndef name():\n    return 'evens'\n\ndef size():\n    return 3\n",
		"from collections import OrderedDict\ndef evens(xs):\n    return [x for x in xs if x % 2 == 0]\n\ndef count():\n    return OrderedDict(b=2, a=1)\n\ndef name():\n    return 'evens'\n\ndef size():\n    return 3\n",
		"class Evens(list):\n    pass\ndef evens(xs):\n    return Evens(x for x in xs if x % 2 == 0)\n" + honest,
		"def evens(xs):\n    return [float(x) for x in xs if x % 2 == 0]\n" + honest,
	} {
		if v := MustGrade(t, g, ex, code); v.Outcome != prep.Correct {
			t.Errorf("%s for\n%s\n%s", outcomeName(v.Outcome), code, v.Detail)
		}
	}
}

// TestTestsAreNotFiles: the hidden tests reach the harness on stdin, read
// before the learner's code runs; they are no file the code can open.
func TestTestsAreNotFiles(t *testing.T) {
	g := MustGrader(t)
	ex := MustExercise(t, listExercise)
	for _, code := range []string{
		"print(open('/sandbox/tests.py').read())\n",
		"import sys\nprint(sys.stdin.read())\nimport os\nprint(os.read(0, 1000))\n",
	} {
		v := MustGrade(t, g, ex, code+"def evens(xs):\n    return None\n"+honest)
		if d := v.Detail.String(); strings.Contains(d, "range(0, n, 2)") || strings.Contains(d, "name() == 'evens'") {
			t.Errorf("the tests leaked:\n%s", d)
		}
	}
}
