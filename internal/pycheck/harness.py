# prepbot's grading harness. It runs inside the sandboxed interpreter: it
# loads the learner's code (solution.py) as a module, then runs the hidden
# tests (tests.py) statement by statement in a copy of that module's
# namespace, and reports the outcome to the host as one JSON line after a
# marker and the attempt's nonce, read from stdin before any learner code
# runs (so a print cannot pass for the harness's report by accident).
#
# Frames of this file and of the tests are left out of tracebacks: the
# learner sees their own code only.
#
# Imports are few and cheap on purpose: the standard library loads from a
# zip of bytecode inside the interpreter, and ast, json and traceback
# (which pull in re, enum, tokenize...) would more than double the time of
# every attempt. So the tests are parsed with the built-in _ast, the report
# is encoded by hand, and traceback is imported only when there is one to
# format.
import sys


def _main():
    import _ast as ast
    import io
    import os
    import reprlib

    write = os.write  # kept before the learner's code can replace it
    nonce = sys.stdin.readline().strip()
    sys.stdin = io.StringIO("")
    out_limit = int(sys.argv[1])
    mark = "\x00prepbot-result " + nonce + " "

    class Capture(io.TextIOBase):
        """Keeps the first out_limit characters printed; counts the rest."""

        def __init__(self):
            self.parts, self.kept, self.total = [], 0, 0

        def writable(self):
            return True

        def write(self, s):
            s = str(s)
            self.total += len(s)
            room = out_limit - self.kept
            if room > 0:
                self.parts.append(s[:room])
                self.kept += min(room, len(s))
            return len(s)

        def text(self):
            return "".join(self.parts)

    capture = Capture()
    sys.stdout = sys.stderr = capture

    short = reprlib.Repr()
    short.maxstring, short.maxother, short.maxlong = 160, 160, 60
    short.maxlist = short.maxtuple = short.maxset = short.maxdict = 12
    short.maxfrozenset = short.maxdeque = short.maxarray = 12
    short.maxlevel = 5

    def brief(v):
        try:
            return short.repr(v)
        except BaseException as e:  # a learner's __repr__ may raise
            return "<%s; its repr raised %s>" % (type(v).__name__, type(e).__name__)

    def source(path):
        with open(path, encoding="utf-8") as f:
            return f.read()

    sol_src = source("/sandbox/solution.py")
    test_src = source("/sandbox/tests.py")
    test_lines = test_src.splitlines()

    def error(e, **extra):
        """Describes an exception by the learner's frames only."""
        if isinstance(e, MemoryError) or (isinstance(e, OverflowError) and "index-sized" in str(e)):
            # Free what the code holds before doing anything else, and
            # import nothing: memory is short.
            sys.modules.pop("solution", None)
            e.__traceback__ = None
            r = {"status": "memory", "type": type(e).__name__, "message": "%s: %s" % (type(e).__name__, e)}
            r.update(extra)
            return r
        import linecache
        import traceback
        for name, src in (("solution.py", sol_src), ("tests.py", test_src)):
            linecache.cache[name] = (len(src), None, src.splitlines(True), name)
        # Only the innermost frames: formatting each of a RecursionError's
        # thousand frames takes the interpreter a second.
        depth, tb = 0, e.__traceback__
        while tb is not None:
            depth, tb = depth + 1, tb.tb_next
        keep = min(depth, 30)
        frames = [f for f in traceback.extract_tb(e.__traceback__, limit=-keep) if f.filename == "solution.py"] if keep else []
        lines = "".join(traceback.StackSummary.from_list(frames).format()).splitlines() if frames else []
        if frames and depth > keep:
            lines.insert(0, "  ... (%d calls before these)" % (depth - keep))
        if len(lines) > 12:
            lines = lines[:2] + ["  ..."] + lines[-9:]
        only = "".join(traceback.format_exception_only(type(e), e)).rstrip().splitlines()
        r = {"status": "error", "type": type(e).__name__, "message": only[-1][:500] if only else type(e).__name__,
             "traceback": "\n".join(lines)[:3000], "user_frames": len(frames)}
        if frames:
            r["user_line"] = frames[-1].lineno
        if isinstance(e, SyntaxError) and e.filename == "solution.py":
            r["status"] = "syntax"
            r["traceback"] = "\n".join(only)[:1500]
            r["user_line"] = e.lineno or 0
        if isinstance(e, NameError) and getattr(e, "name", None) and not frames:
            r["undefined"] = e.name
        if isinstance(e, SystemExit):
            r["type"], r["message"] = "SystemExit", "SystemExit: %s" % brief(e.code)
        r.update(extra)
        return r

    def grade():
        try:
            code = compile(sol_src, "solution.py", "exec", dont_inherit=True)
        except BaseException as e:
            return error(e, where="load")
        mod = type(sys)("solution")
        mod.__file__ = "solution.py"
        sys.modules["solution"] = mod
        try:
            exec(code, mod.__dict__)
        except BaseException as e:
            return error(e, where="load")

        try:
            tree = compile(test_src, "tests.py", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        except SyntaxError as e:
            return {"status": "harness", "message": "the tests do not parse: %s (line %s)" % (e.msg, e.lineno)}
        ns = dict(mod.__dict__)
        ns.update(helpers)
        body = tree.body
        total = sum(isinstance(n, ast.Assert) for n in body)
        passed = 0
        group = 0  # index of the first statement of the current group
        for i, node in enumerate(body):
            if i > 0 and blank_between(body[i - 1], node):
                group = i
            try:
                if isinstance(node, ast.Assert):
                    failure = check(node, ns)
                else:
                    exec(compile(ast.Module([node], []), "tests.py", "exec", dont_inherit=True), ns)
                    failure = None
            except BaseException as e:
                line = node.lineno
                if isinstance(e, AssertionError) and not isinstance(node, ast.Assert):
                    # An assert nested in a loop or a with block.
                    files = []
                    tb = e.__traceback__
                    while tb is not None:
                        files.append(tb.tb_frame.f_code.co_filename)
                        if files[-1] == "tests.py":
                            line = tb.tb_lineno
                        tb = tb.tb_next
                    if "solution.py" not in files:
                        return {"status": "fail", "line": line, "context": context(body, group, i, line),
                                "passed": passed, "total": total, "note": brief(e.args[0]) if e.args else ""}
                return error(e, where="test", line=line, context=context(body, group, i, line),
                             passed=passed, total=total)
            if failure is not None:
                failure.update(status="fail", line=node.lineno, context=context(body, group, i, node.lineno),
                               passed=passed, total=total)
                return failure
            if isinstance(node, ast.Assert):
                passed += 1
        return {"status": "pass", "passed": passed, "total": total}

    def blank_between(prev, node):
        end = getattr(prev, "end_lineno", prev.lineno)
        return any(not test_lines[k].strip() for k in range(end, node.lineno - 1))

    def context(body, group, i, line):
        """The failing check, after the setup lines of its group."""
        first = body[group].lineno
        if all(isinstance(n, ast.Assert) for n in body[group:i]):
            first = body[i].lineno
        if line == body[i].lineno:  # the whole statement, however many lines
            line = getattr(body[i], "end_lineno", line) or line
        lines = test_lines[first - 1:max(line, first)]
        lines = [l for l in lines if l.strip() and not l.lstrip().startswith("#")]
        if len(lines) > 8:
            lines = ["..."] + lines[-7:]
        return "\n".join(lines)

    def evaluate(expr, ns):
        return eval(compile(ast.Expression(expr), "tests.py", "eval", dont_inherit=True), ns)

    ops = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,
           ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
           ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b,
           ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}

    def check(node, ns):
        t = node.test
        if isinstance(t, ast.Compare) and len(t.ops) == 1 and type(t.ops[0]) in ops:
            got = evaluate(t.left, ns)
            want = evaluate(t.comparators[0], ns)
            if bool(ops[type(t.ops[0])](got, want)):
                return None
            r = {"got": brief(got), "got_type": type(got).__name__}
            if isinstance(t.ops[0], ast.Eq):
                if isinstance(want, approx):
                    want = want.expected
                r["expected"] = brief(want)
                r["expected_type"] = type(want).__name__
                d = diff(want, got)
                if d:
                    r["diff"] = d
        elif bool(evaluate(t, ns)):
            return None
        else:
            r = {}
        if node.msg is not None:
            r["note"] = brief(evaluate(node.msg, ns))
        return r

    def diff(want, got):
        """A few lines of unified diff when the values are too long to compare by eye."""
        if type(want) is not type(got) or not isinstance(want, (list, tuple, dict, set, str)):
            return ""
        a, b = brief(want), brief(got)
        if len(a) + len(b) < 100 or len(a) > 4000 or len(b) > 4000:
            return ""
        import difflib
        import pprint
        try:
            wl = pprint.pformat(want, width=40).splitlines()
            gl = pprint.pformat(got, width=40).splitlines()
        except BaseException:
            return ""
        if len(wl) < 3 and len(gl) < 3:
            return ""
        lines = [l[:200] for l in difflib.unified_diff(wl, gl, "expected", "yours", n=0, lineterm="")
                 if not l.startswith("@@")]
        if len(lines) > 10:
            lines = lines[:10] + ["..."]
        return "\n".join(lines)

    # Helpers the tests may use, besides plain asserts.
    class raises:
        """with raises(ValueError): ... passes when the block raises it."""

        def __init__(self, *types):
            self.types = types

        def __enter__(self):
            return self

        def __exit__(self, t, e, tb):
            if t is not None and issubclass(t, self.types):
                self.value = e
                return True
            names = " or ".join(x.__name__ for x in self.types)
            if t is None:
                raise AssertionError("expected %s, but nothing was raised" % names)
            return False

    class approx:
        """approx(x) equals numbers within a relative 1e-9 of x, also in lists and dicts."""

        def __init__(self, expected, rel=1e-9, abs=1e-12):
            self.expected, self.rel, self.abs = expected, rel, abs

        def __eq__(self, other):
            return self.close(self.expected, other)

        def close(self, a, b):
            if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
                return type(a) is type(b) and len(a) == len(b) and all(self.close(x, y) for x, y in zip(a, b))
            if isinstance(a, dict) and isinstance(b, dict):
                return a.keys() == b.keys() and all(self.close(a[k], b[k]) for k in a)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
                    and not isinstance(a, bool) and not isinstance(b, bool):
                return abs(a - b) <= max(self.rel * max(abs(a), abs(b)), self.abs)
            return a == b

        def __repr__(self):
            return repr(self.expected)

    helpers = {"raises": raises, "approx": approx}

    try:
        result = grade()
    except BaseException as e:  # the harness itself failed: MemoryError, RecursionError...
        result = error(e, where="harness")
    result["output"] = capture.text()[:1000]
    result["output_chars"] = capture.total
    data = ("\n" + mark + dumps(result) + "\n").encode()
    while data:
        data = data[write(1, data):]
    # Skip the interpreter's teardown: the learner's atexit handlers and
    # finalizers have nothing left to do, and it saves time.
    os._exit(0)


def dumps(v):
    """JSON for the report's values: None, bools, ints, strings and dicts."""
    if v is None:
        return "null"
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, dict):
        return "{" + ",".join(dumps(str(k)) + ":" + dumps(x) for k, x in v.items()) + "}"
    out = ['"']
    for c in str(v):
        o = ord(c)
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif 0x20 <= o < 0x7F:
            out.append(c)
        elif o > 0xFFFF:
            o -= 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 + (o >> 10), 0xDC00 + (o & 0x3FF)))
        else:
            out.append("\\u%04x" % o)
    out.append('"')
    return "".join(out)


_main()
