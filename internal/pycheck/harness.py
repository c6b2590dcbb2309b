# prepbot's grading harness. It runs inside the sandboxed interpreter: it
# reads the attempt's nonce and the hidden tests from stdin, loads the
# learner's code (solution.py) as a module, then runs the tests statement
# by statement in a copy of that module's namespace, and reports the
# outcome to the host as one JSON line after a marker and the nonce (so a
# print cannot pass for the harness's report by accident). Before each
# statement it writes a progress line the same way, so that an attempt
# stopped at the time limit can be told which test was running.
#
# The learner's code runs in this same interpreter, so it can reach
# anything the harness holds: nothing here stops a learner determined to
# fool their own grade (content/README.md, "The sandbox", says so). What
# is here closes the easy ways:
# - Everything the harness uses is bound before the learner's code runs:
#   the builtins come from this file's own copy (below), the functions and
#   the report writer are locals and closures of _main, so rebinding a
#   builtin, a module's attribute or a global of __main__ changes nothing
#   the harness does.
# - The nonce is read by a function that returns only the report writer:
#   it is in no frame on the learner's call stack, only in the writer's
#   closure.
# - The tests come on stdin, read before the learner's code runs: they are
#   no file the code could open, and stdin is empty by then.
# - Results are compared strictly: numbers, strings and bytes only with
#   their builtin types; lists, tuples, dicts and sets taken apart with the
#   builtin types' own methods, item by item; anything else only with a
#   value of its exact type. A value whose __eq__ always says True, or a
#   subclass of list, dict or str that rigs it, is judged by what it holds.
#   Asserts nested in loops and functions of the tests are compared the
#   same way, and names of the learner's module that shadow a builtin are
#   not seen by the tests.
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
import builtins as _builtins

# CPython binds a function's builtins when the function is made, from its
# globals' __builtins__: every function below takes them from this copy,
# which the learner's builtins.len = ... does not reach.
__builtins__ = dict(_builtins.__dict__)


def _main():
    import _ast as ast
    import _operator as operator
    import io
    import os
    import reprlib
    import sys

    real_builtins = _builtins
    pristine = dict(__builtins__)  # for the tests' namespace
    out_limit = int(sys.argv[1])

    def setup():
        """Reads stdin (the nonce, a line, then the tests) and returns the
        report writer, the progress writer and the tests. The nonce lives on
        only in the writers' closure."""
        data = b""
        while True:
            chunk = os.read(0, 1 << 16)
            if not chunk:
                break
            data += chunk
        nonce, _, tests = data.partition(b"\n")
        write, exit = os.write, os._exit
        marks = (b"\n\x00prepbot-result " + nonce.strip() + b" ", b"\n\x00prepbot-running " + nonce.strip() + b" ")

        def send(i, value):
            b = marks[i] + dumps(value).encode() + b"\n"
            while b:
                b = b[write(1, b):]

        def report(result):
            send(0, result)
            # Skip the interpreter's teardown: the learner's atexit
            # handlers and finalizers have nothing left to do, and it
            # saves time.
            exit(0)

        def progress(state):
            send(1, state)

        return report, progress, tests.decode("utf-8", "replace")

    def dumps(v):
        """JSON for the report's values: None, bools, ints, strings and dicts."""
        if v is None:
            return "null"
        if v is True or v is False:
            return "true" if v else "false"
        if type(v) is int:
            return str(v)
        if type(v) is dict:
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

    report, progress, test_src = setup()
    sys.stdin = io.StringIO("")
    test_lines = test_src.splitlines()

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
    short_repr = short.repr

    def brief(v):
        try:
            return short_repr(v)
        except BaseException as e:  # a learner's __repr__ may raise
            return "<%s; its repr raised %s>" % (type(v).__name__, type(e).__name__)

    with open("/sandbox/solution.py", encoding="utf-8") as f:
        sol_src = f.read()

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

    # The comparisons of asserts, by the operator's AST class. Nested
    # asserts call check_nested with the operator's index in this tuple.
    op_list = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn)
    op_funcs = (None, None, operator.lt, operator.le, operator.gt, operator.ge, None, None, None, None)
    check_name = "__prepbot_compare__"

    def grade():
        progress({"phase": "load"})
        try:
            code = compile(sol_src, "solution.py", "exec", dont_inherit=True)
        except BaseException as e:
            return error(e, where="load")
        mod = type(sys)("solution")
        mod.__file__ = "solution.py"
        mod.__builtins__ = real_builtins
        sys.modules["solution"] = mod
        try:
            exec(code, mod.__dict__)
        except BaseException as e:
            return error(e, where="load")

        try:
            tree = compile(test_src, "tests.py", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        except SyntaxError as e:
            return {"status": "harness", "message": "the tests do not parse: %s (line %s)" % (e.msg, e.lineno)}
        # The tests see the learner's names, except those that would
        # shadow a builtin they call (a def list(x) returning the expected
        # value), and builtins as they were before the learner's code ran.
        ns = {k: v for k, v in mod.__dict__.items() if k not in pristine}
        ns["__builtins__"] = dict(pristine)
        ns.update(helpers)
        ns[check_name] = check_nested
        body = tree.body
        total = sum(type(n) is ast.Assert for n in body)
        passed = 0
        group = 0  # index of the first statement of the current group
        for i, node in enumerate(body):
            if i > 0 and blank_between(body[i - 1], node):
                group = i
            progress({"passed": passed, "total": total, "line": node.lineno,
                      "context": context(body, group, i, node.lineno)})
            try:
                if type(node) is ast.Assert:
                    failure = check(node, ns)
                else:
                    harden(node)
                    exec(compile(ast.Module([node], []), "tests.py", "exec", dont_inherit=True), ns)
                    failure = None
            except BaseException as e:
                line = node.lineno
                if isinstance(e, AssertionError) and type(node) is not ast.Assert:
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
            if type(node) is ast.Assert:
                passed += 1
        return {"status": "pass", "passed": passed, "total": total}

    def blank_between(prev, node):
        end = getattr(prev, "end_lineno", prev.lineno)
        return any(not test_lines[k].strip() for k in range(end, node.lineno - 1))

    def context(body, group, i, line):
        """The failing check, after the setup lines of its group."""
        first = body[group].lineno
        if all(type(n) is ast.Assert for n in body[group:i]):
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

    def harden(tree):
        """Makes the asserts nested in a statement compare as the top-level
        ones do: assert a == b becomes assert __prepbot_compare__(0, a, b)."""
        stack = [tree]
        while stack:
            n = stack.pop()
            if type(n) is ast.Assert:
                t = n.test
                if type(t) is ast.Compare and len(t.ops) == 1 and type(t.ops[0]) in op_list:
                    loc = {"lineno": t.lineno, "col_offset": t.col_offset,
                           "end_lineno": t.end_lineno, "end_col_offset": t.end_col_offset}
                    n.test = ast.Call(func=ast.Name(id=check_name, ctx=ast.Load(), **loc),
                                      args=[ast.Constant(value=op_list.index(type(t.ops[0])), **loc),
                                            t.left, t.comparators[0]],
                                      keywords=[], **loc)
            for field in n._fields:
                v = getattr(n, field, None)
                if type(v) is list:
                    stack.extend(x for x in v if isinstance(x, ast.AST))
                elif isinstance(v, ast.AST):
                    stack.append(v)

    def check_nested(op, left, right):
        return compare(op_list[op], left, right)

    # Strict comparison. Scalars are values of these exact types, whose
    # methods no code can change; containers are subclasses of these, taken
    # apart with the builtin type's own methods, never their overrides.
    scalars = frozenset((type(None), bool, int, float, complex, str, bytes))
    numbers = frozenset((int, float))
    containers = (list, tuple, dict, set, frozenset)
    missing = object()

    def base(t):
        """The builtin container type t is or derives from, or None."""
        for c in containers:
            if issubclass(t, c):
                return c
        return None

    def items(v, b):
        """The items of v as its builtin base b holds them (a dict's keys)."""
        return b.__iter__(v)

    def flat(v, b):
        """Whether every item of a container is a scalar."""
        return set(map(type, items(v, b))) <= scalars and (b is not dict or set(map(type, dict.values(v))) <= scalars)

    def plain(v, depth=0):
        """Whether v is made of scalars and exact builtin containers only,
        so that Python's own operators on it run no learner code."""
        t = type(v)
        if t in scalars:
            return True
        if t not in containers or depth > 100:
            return False
        if flat(v, t):
            return True
        if t is dict:
            return all(plain(k, depth + 1) and plain(x, depth + 1) for k, x in dict.items(v))
        return all(plain(x, depth + 1) for x in v)

    def same(a, b, depth=0):
        """a == b, strictly; safe whichever side the learner made."""
        ta, tb = type(a), type(b)
        if ta is approx:
            return close(a.expected, b, depth)
        if tb is approx:
            return close(b.expected, a, depth)
        if ta in scalars or tb in scalars:
            return ta in scalars and tb in scalars and a == b
        if depth > 500:
            return False
        ka, kb = base(ta), base(tb)
        if ka is None and kb is None:
            return ta is tb and not not (a == b)
        if ka is list or ka is tuple:
            if kb is not ka or ka.__len__(a) != ka.__len__(b):
                return False
            if flat(a, ka) and flat(b, ka):
                return ka.__eq__(a, b)
            return all(map(same, items(a, ka), items(b, ka), (depth + 1,) * ka.__len__(a)))
        if ka is dict:
            if kb is not dict or dict.__len__(a) != dict.__len__(b):
                return False
            if not (plain_keys(a) and plain_keys(b)):
                return False
            if flat(a, dict) and flat(b, dict):
                return dict.__eq__(a, b)
            for k, x in dict.items(a):
                y = dict.get(b, k, missing)
                if y is missing or not same(x, y, depth + 1):
                    return False
            return True
        if ka in (set, frozenset):
            if kb not in (set, frozenset) or ka.__len__(a) != kb.__len__(b):
                return False
            if not (plain_keys(a) and plain_keys(b)):
                return False
            return ka.__eq__(a, b) is True
        return False

    def plain_keys(v):
        """Whether a dict's keys or a set's items are plain: their hashes
        and equality are then the builtin types' own."""
        b = base(type(v))
        return set(map(type, items(v, b))) <= scalars or all(plain(k) for k in items(v, b))

    def close(e, g, depth=0):
        """approx: numbers within a relative rel of each other, also inside
        lists, tuples and dicts; anything else as same."""
        te, tg = type(e), type(g)
        if te in numbers and tg in numbers:
            return abs(e - g) <= max(approx_rel * max(abs(e), abs(g)), approx_abs)
        ke, kg = base(te), base(tg)
        if depth < 500 and ke is not None and ke is kg and ke in (list, tuple):
            return ke.__len__(e) == ke.__len__(g) and \
                all(close(x, y, depth + 1) for x, y in zip(items(e, ke), items(g, ke)))
        if depth < 500 and ke is dict and kg is dict and plain_keys(g):
            return dict.__len__(e) == dict.__len__(g) and \
                all(dict.get(g, k, missing) is not missing and close(x, dict.get(g, k), depth + 1)
                    for k, x in dict.items(e))
        return same(e, g, depth)

    def compare(op, got, want):
        """Whether got (the assert's left side) op want holds, strictly."""
        if op is ast.Eq:
            return same(want, got)
        if op is ast.NotEq:
            return not same(want, got)
        if op is ast.Is:
            return got is want
        if op is ast.IsNot:
            return got is not want
        if op is ast.In or op is ast.NotIn:
            kw = base(type(want))
            if plain(got) and plain(want) or kw is None and type(want) is not str:
                # Plain values, or a container of the learner's own
                # (a cache asked whether it holds a key).
                found = got in want
            elif type(want) is str:
                found = type(got) is str and str.__contains__(want, got)
            elif kw is dict or kw is set or kw is frozenset:
                found = plain(got) and plain_keys(want) and kw.__contains__(want, got)
            else:
                found = any(same(got, x) for x in items(want, kw))
            return found if op is ast.In else not found
        # An ordering: Python's own only on plain values, or on two values
        # of one type (dates, the tests' own objects).
        if plain(got) and plain(want) or type(got) is type(want) and base(type(got)) is None:
            return not not op_funcs[op_list.index(op)](got, want)
        return False

    def check(node, ns):
        t = node.test
        if type(t) is ast.Compare and len(t.ops) == 1 and type(t.ops[0]) in op_list:
            got = evaluate(t.left, ns)
            want = evaluate(t.comparators[0], ns)
            op = type(t.ops[0])
            if compare(op, got, want):
                return None
            r = {"got": brief(got), "got_type": type(got).__name__}
            if op is ast.Eq:
                if type(want) is approx:
                    want = want.expected
                r["expected"] = brief(want)
                r["expected_type"] = type(want).__name__
                d = diff(want, got)
                if d:
                    r["diff"] = d
                w = where(want, got)
                if w:
                    r["differs"] = w
        elif evaluate(t, ns):
            return None
        else:
            r = {}
        if node.msg is not None:
            r["note"] = brief(evaluate(node.msg, ns))
        return r

    def kind(v):
        """The kind of value a diff or a "where" can describe."""
        t = type(v)
        if t is str:
            return str
        b = base(t)
        return set if b is frozenset else b

    def first_difference(a, b):
        """The first index where two sequences (or strings) differ, or their
        common length. Chunks compare first, so that a long equal run costs
        little."""
        ka = kind(a)
        n = min(len(a), len(b)) if ka is str else min(ka.__len__(a), ka.__len__(b))
        i, step = 0, 1024
        while i < n:
            j = min(n, i + step)
            if ka is str:
                if a[i:j] != b[i:j]:
                    break
            elif not same(ka.__getitem__(a, slice(i, j)), ka.__getitem__(b, slice(i, j))):
                break
            i = j
        else:
            return n
        for k in range(i, min(n, i + step)):
            x = a[k] if ka is str else ka.__getitem__(a, k)
            y = b[k] if ka is str else ka.__getitem__(b, k)
            if (x != y) if ka is str else not same(x, y):
                return k
        return n

    def where(want, got):
        """Says where two values differ when their shortened forms cannot
        show it: lengths, and the first index or key that differs."""
        k = kind(want)
        if k is None or kind(got) is not k:
            return ""
        def size(v):
            return len(v) if k is str else base(type(v)).__len__(v)

        size_w, size_g = size(want), size(got)
        small = 160 if k is str else 12
        if size_w <= small and size_g <= small and brief(want) != brief(got):
            return ""
        unit = "characters" if k is str else "keys" if k is dict else "items"
        head = "expected %d %s, got %d" % (size_w, unit, size_g)
        if k is str or k is list or k is tuple:
            i = first_difference(want, got)
            at = lambda v, n: brief(v[i] if k is str else k.__getitem__(v, i)) if i < n else "nothing"
            return "%s; the first difference is at index %d: expected %s, got %s" % (
                head, i, at(want, size_w), at(got, size_g))
        if k is dict:
            if not plain_keys(got):
                return head
            for key, x in dict.items(want):
                y = dict.get(got, key, missing)
                if y is missing:
                    return "%s; missing key %s" % (head, brief(key))
                if not same(x, y):
                    return "%s; key %s: expected %s, got %s" % (head, brief(key), brief(x), brief(y))
            for key in items(got, dict):
                if dict.get(want, key, missing) is missing:
                    return "%s; unexpected key %s" % (head, brief(key))
            return head
        if plain_keys(got) and plain_keys(want):
            bw, bg = base(type(want)), base(type(got))
            gone = [x for x in items(want, bw) if not bg.__contains__(got, x)][:3]
            extra = [x for x in items(got, bg) if not bw.__contains__(want, x)][:3]
            parts = [head]
            if gone:
                parts.append("missing " + ", ".join(map(brief, gone)))
            if extra:
                parts.append("unexpected " + ", ".join(map(brief, extra)))
            return "; ".join(parts)
        return head

    def diff(want, got):
        """A few lines of unified diff when the values are too long to
        compare by eye. Only a window of a long value is formatted: the
        whole of a 50,000-item list would take seconds."""
        k = kind(want)
        if k is None or kind(got) is not k or type(want) is not type(got):
            return ""
        a, b = brief(want), brief(got)
        if len(a) + len(b) < 100 or len(a) > 4000 or len(b) > 4000:
            return ""
        label = ""
        if k is list or k is tuple or k is str:
            n = max(len(want), len(got))
            if n > 40:
                i = first_difference(want, got)
                lo, hi = max(0, i - 3), i + 8
                if k is str:
                    lo, hi = max(0, i - 120), i + 240
                want, got = want[lo:hi], got[lo:hi]
                label = "[%d:%d]" % (lo, min(hi, n))
        elif len(want) > 100 or len(got) > 100:
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
        lines = [l[:200] for l in difflib.unified_diff(wl, gl, "expected" + label, "yours" + label, n=0, lineterm="")
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

    approx_rel, approx_abs = 1e-9, 1e-12

    class approx:
        """approx(x) equals numbers within a relative 1e-9 of x, also in lists and dicts."""

        def __init__(self, expected):
            self.expected = expected

        def __eq__(self, other):
            return close(self.expected, other)

        def __repr__(self):
            return repr(self.expected)

    helpers = {"raises": raises, "approx": approx}

    try:
        result = grade()
    except BaseException as e:  # the harness itself failed: MemoryError, RecursionError...
        result = error(e, where="harness")
    result["output"] = capture.text()[:1000]
    result["output_chars"] = capture.total
    report(result)


_main()
