package pycheck

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prepbot/prepbot/internal/prep"
)

// verdict turns how a run ended into what the learner reads. An error
// means the exercise itself is broken: its tests do not parse.
func (g *Grader) verdict(o *outcome, ex *Exercise) (prep.Verdict, error) {
	r := o.report
	switch {
	case o.timedOut:
		return prep.Verdict{Outcome: prep.TooSlow, Detail: tooSlow(o)}, nil
	case r == nil:
		return g.noReport(o), nil
	}
	switch r.Status {
	case "pass":
		return prep.Verdict{Outcome: prep.Correct, Detail: prep.Text(passed(r.Total))}, nil
	case "fail":
		return prep.Verdict{Outcome: prep.Wrong, Detail: failure(r)}, nil
	case "syntax":
		rt := prep.Text("That is not valid Python:")
		rt = append(rt, codeBlock(r.Traceback, ""))
		return prep.Verdict{Outcome: prep.Failed, Detail: trimRich(rt)}, nil
	case "memory":
		return prep.Verdict{Outcome: prep.OutOfMemory, Detail: g.outOfMemory(r)}, nil
	case "error":
		return prep.Verdict{Outcome: prep.Failed, Detail: exception(r)}, nil
	}
	return prep.Verdict{}, fmt.Errorf("the tests of %s at %s: %s", ex.ID, ex.Tests.Pos, r.Message)
}

// tooSlow explains an attempt stopped at the time limit, naming the test
// that was running when the harness said so. Some tests are big on
// purpose, to fail a quadratic answer, so the advice covers both a loop
// that never ends and one that is too slow.
func tooSlow(o *outcome) prep.RichText {
	stopped := fmt.Sprintf("Stopped after %s, the time limit", o.limit.Round(100*time.Millisecond))
	p := o.progress
	switch {
	case p != nil && p.Phase == "load":
		return prep.Text(stopped + ", while your code was loading, before any test ran. Look for a loop at the top level that never ends, or a call that runs at import (move it under a function).")
	case p != nil && p.Context != "":
		rt := prep.Text(stopped + ", in " + lowerFirst(which(&report{Passed: p.Passed, Total: p.Total})) + ":")
		rt = append(rt, codeBlock(p.Context, "python"))
		return trimRich(rt.Plain(slowAdvice))
	}
	return prep.Text(stopped + ". " + slowAdvice)
}

// slowAdvice covers both ways to reach the time limit.
const slowAdvice = "Either the code never finishes (a while whose condition never changes, a recursion without a base case), or it is too slow for the input: some tests are big on purpose, so that work growing with the square of the input runs out of time (a list searched inside a loop; use a set or a dict)."

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func passed(total int) string {
	if total == 1 {
		return "The hidden test passes."
	}
	return fmt.Sprintf("All %d hidden tests pass.", total)
}

// which names the failing test by its place among the tests.
func which(r *report) string {
	if r.Total == 0 {
		return "A test"
	}
	return fmt.Sprintf("Test %d of %d", min(r.Passed+1, r.Total), r.Total)
}

// failure explains a test that ran and failed: the test's lines, then what
// it expected and what the code returned, or a short diff of the two.
func failure(r *report) prep.RichText {
	rt := prep.Text(which(r) + " failed:")
	rt = append(rt, codeBlock(r.Context, "python"))
	switch {
	case r.Diff != "":
		rt = append(rt, codeBlock(r.Diff, "diff"))
	case r.Expected != "":
		rt = append(rt, codeBlock("expected: "+r.Expected+"\ngot:      "+r.Got, ""))
	case r.Got != "":
		rt = append(rt, codeBlock("got: "+r.Got, ""))
	}
	if r.Differs != "" {
		rt = rt.Plain(upperFirst(r.Differs) + ".\n")
	}
	if r.Note != "" {
		rt = rt.Plain(r.Note + "\n")
	}
	if hint := typeHint(r); hint != "" {
		rt = rt.Plain(hint + "\n")
	}
	rt = printed(rt, r)
	return trimRich(rt)
}

// typeHint points at the commonest slips when the types differ: a missing
// return, a generator or a set where a list is expected.
func typeHint(r *report) string {
	if r.Expected == "" || r.GotType == r.ExpectedType {
		return ""
	}
	switch {
	case r.GotType == "NoneType":
		return "Your code returned None: is a return statement missing?"
	case r.GotType == "generator" && r.ExpectedType == "list":
		return "Your code returned a generator where a list is expected: build the list (or wrap it in list(...))."
	case isDict(r.GotType) && isDict(r.ExpectedType):
		return "" // equal whenever their items are: the items differ
	}
	return fmt.Sprintf("Your code returned %s %s where %s %s is expected.", article(r.GotType), r.GotType, article(r.ExpectedType), r.ExpectedType)
}

// isDict tells the dict types, which compare equal to each other when
// their items do.
func isDict(typ string) bool {
	switch typ {
	case "dict", "Counter", "defaultdict", "OrderedDict":
		return true
	}
	return false
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

// exception explains an exception: where it happened (loading the code, or
// which test), the learner's frames and the exception's last line.
func exception(r *report) prep.RichText {
	var rt prep.RichText
	if r.Where == "test" {
		rt = rt.Plain(which(r) + " raised an exception:")
		rt = append(rt, codeBlock(r.Context, "python"))
	} else {
		rt = rt.Plain("Your code raised an exception before the tests ran:")
	}
	tb := r.Message
	if r.Traceback != "" {
		tb = "Traceback (most recent call last):\n" + r.Traceback + "\n" + r.Message
	}
	rt = append(rt, codeBlock(tb, ""))
	switch {
	case r.Type == "SystemExit":
		rt = rt.Plain("Your code called exit(); return the result instead.\n")
	case r.Undefined != "":
		rt = rt.Plain(fmt.Sprintf("Your code does not define %s: keep the names of the starter code.\n", r.Undefined))
	case r.Type == "TypeError" && r.UserFrames == 0 && strings.Contains(r.Message, "'NoneType'"):
		rt = rt.Plain("Your code returned None where the test needs a value: is a return (or yield) missing?\n")
	case r.Type == "TypeError" && r.UserFrames == 0 && strings.Contains(r.Message, "argument"):
		rt = rt.Plain("Check that your function's parameters match the starter code.\n")
	case r.Type == "RecursionError":
		rt = rt.Plain("The recursion went more than about 1,000 calls deep: is a base case missing?\n")
	case r.Type == "OSError" && (strings.Contains(r.Message, "[Errno 58]") || strings.Contains(strings.ToLower(r.Message), "not support")):
		rt = rt.Plain("The sandbox has no network, no processes and no sleeping; the exercise does not need them.\n")
	}
	return trimRich(printed(rt, r))
}

func (g *Grader) outOfMemory(r *report) prep.RichText {
	rt := prep.Text(fmt.Sprintf("Stopped: your code needed more than the sandbox's %s of memory", sizeString(g.opts.MemoryLimit)))
	if r.Where == "test" && r.Context != "" {
		rt = rt.Plain(", in " + lowerFirst(which(r)) + ":")
		rt = append(rt, codeBlock(r.Context, "python"))
	} else {
		rt = rt.Plain(". ")
	}
	rt = rt.Plain("Look for a list or string that grows without end, or one built far bigger than the input.")
	return trimRich(rt)
}

// noReport explains a run that ended without the harness's report: the
// interpreter crashed, ran out of memory, or the code made it exit.
func (g *Grader) noReport(o *outcome) prep.Verdict {
	low := strings.ToLower(o.stderr)
	if o.memFull || strings.Contains(low, "memoryerror") || strings.Contains(low, "out of memory") {
		return prep.Verdict{Outcome: prep.OutOfMemory, Detail: prep.Text(fmt.Sprintf(
			"Stopped: your code needed more than the sandbox's %s of memory. Look for a list or string that grows without end, or a recursion without a base case.",
			sizeString(g.opts.MemoryLimit)))}
	}
	switch {
	case o.trap == "unreachable":
		return prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(
			"The interpreter aborted (os.abort(), or a fatal error in its C code) before the tests could finish.")}
	case o.trap != "":
		// A C stack overflow shows as an access below the stack's
		// bottom; the interpreter's own recursion limit stops Python
		// code long before, unless it was raised.
		return prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(fmt.Sprintf(
			"The interpreter crashed (%s), most likely because a recursion went too deep for its stack: did you raise sys.setrecursionlimit? Use a loop, or a base case that stops sooner.", o.trap))}
	}
	if last := printable(lastLine(o.stderr)); last != "" {
		// Only the interpreter itself writes here once the harness runs:
		// a fatal error.
		return prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(
			"The interpreter stopped before the tests could finish: " + clipString(last, 200))}
	}
	msg := "Your code ended the interpreter before the tests could finish. Return results instead of exiting."
	if o.exited {
		msg = fmt.Sprintf("Your code ended the interpreter (exit status %d) before the tests could finish. Return results instead of exiting.", o.exitCode)
	}
	return prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(msg)}
}

// maxPrinted is how many lines of the code's own output a verdict shows.
const maxPrinted = 3

// printed adds the first lines the code printed, which often say what went
// wrong better than the test does.
func printed(rt prep.RichText, r *report) prep.RichText {
	out := strings.TrimRight(r.Output, "\n")
	if strings.TrimSpace(out) == "" {
		return rt
	}
	lines := strings.Split(out, "\n")
	more := len(lines) > maxPrinted || r.OutputChars > utf8.RuneCountInString(r.Output)
	if len(lines) > maxPrinted {
		lines = lines[:maxPrinted]
	}
	for i, l := range lines {
		lines[i] = clipString(l, 120)
	}
	head := "Your code printed:"
	if more {
		head = "Your code printed (the first lines):"
	}
	rt = rt.Plain(head)
	return append(rt, codeBlock(strings.Join(lines, "\n"), ""))
}

func codeBlock(s, lang string) prep.Span {
	return prep.Span{Style: prep.CodeBlock, Text: strings.TrimRight(s, "\n"), Lang: lang}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func clipString(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// sizeString writes a byte count the way people say it.
func sizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
