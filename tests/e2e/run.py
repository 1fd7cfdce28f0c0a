#!/usr/bin/env python3
"""run.py - run the end-to-end tests against a running endpoint.

    python3 tests/e2e/run.py [-v] [-x] [FILTER...]

Finds tests/e2e/test_*.py and calls every module-level function test_*(ctx)
with one shared harness.Context, in the order they are written. A FILTER
selects the tests whose "module.test" name contains it. Prints "FAIL
module.test: reason" per failure (with the worker log lines written during
that test), "ok module.test" per pass only with -v, and ends with
"N passed, N failed"; exits 1 when a test failed.

Needs SCIM_URL and SCIM_TOKEN, usually SCIM_DATABASE, SCIM_SCIMCTL and
SCIM_WORKER too: scripts/test sets them. SCIM_E2E_LOGS, a ":"-separated
list of log files, names the logs to excerpt on failure. SCIM_E2E_SUITE,
when set, names the suite on the last line ("e2e-apache: N passed, N
failed"), for scripts/test, which runs the suite through several web
servers.
"""

import argparse
import importlib
import inspect
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402  (needs the path above)

# Log lines shown per log file for one failing test.
LOG_LINES = 30


def discover():
    """Yield (module name, module or the exception that broke its import)."""
    for file in sorted(os.listdir(HERE)):
        if not (file.startswith("test_") and file.endswith(".py")):
            continue
        name = file[:-3]
        try:
            yield name, importlib.import_module(name)
        except Exception as exc:  # a broken module must not stop the others
            yield name, exc


def tests_of(module):
    """The module's own test_* functions, in source order."""
    found = [fn for name, fn in vars(module).items()
             if name.startswith("test_") and inspect.isfunction(fn)
             and fn.__module__ == module.__name__]
    return sorted(found, key=lambda fn: fn.__code__.co_firstlineno)


class LogWatch:
    """Remembers where the server logs end, to show what one test added."""

    def __init__(self, paths):
        self.paths = [p for p in paths if p]
        self.offsets = {}

    def mark(self):
        for path in self.paths:
            try:
                self.offsets[path] = os.path.getsize(path)
            except OSError:
                self.offsets[path] = 0

    def show(self):
        for path in self.paths:
            try:
                with open(path, "rb") as f:
                    f.seek(self.offsets.get(path, 0))
                    lines = f.read().decode("utf-8", "replace").splitlines()
            except OSError:
                continue
            if not lines:
                continue
            skipped = len(lines) - LOG_LINES
            print(f"  {os.path.basename(path)} during the test"
                  + (f" (last {LOG_LINES} of {len(lines)} lines):" if skipped > 0 else ":"))
            for line in lines[-LOG_LINES:]:
                print("  | " + line)


def where(exc):
    """'file.py:line: source' of the innermost frame in a test file."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.dirname(os.path.abspath(f.filename)) == HERE]
    if not frames:
        return None
    f = frames[-1]
    return f"{os.path.basename(f.filename)}:{f.lineno}: {(f.line or '').strip()}"


def report_failure(name, exc):
    if isinstance(exc, AssertionError):
        message = str(exc) or "assertion failed"
        print(f"FAIL {name}: {message}")
        at = where(exc)
        if at:
            print(f"  at {at}")
    else:
        print(f"FAIL {name}: {type(exc).__name__}: {exc}")
        # A short traceback: the last frames, without the runner's and
        # importlib's own.
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if not f.filename.startswith("<")
                  and os.sep + "importlib" + os.sep not in f.filename
                  and os.path.abspath(f.filename) != os.path.abspath(__file__)]
        lines = traceback.format_list(frames[-6:]) + traceback.format_exception_only(type(exc), exc)
        for line in lines:
            for part in line.rstrip("\n").split("\n"):
                print("  " + part)


def summary(passed, failed):
    """The last line: the counts, after the suite's name when one is set."""
    suite = os.environ.get("SCIM_E2E_SUITE")
    return f"{suite + ': ' if suite else ''}{passed} passed, {failed} failed"


def main(argv):
    parser = argparse.ArgumentParser(description="Run the end-to-end tests.")
    parser.add_argument("-v", "--verbose", action="store_true", help="print passing tests too")
    parser.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failure")
    parser.add_argument("filters", nargs="*", help="run tests whose module.test name contains one")
    args = parser.parse_args(argv)
    # Lines appear as they happen, also through a pipe (scripts/test tees).
    sys.stdout.reconfigure(line_buffering=True)

    def selected(name):
        return not args.filters or any(f in name for f in args.filters)

    passed = failed = 0
    plan = []
    for module_name, module in discover():
        if isinstance(module, Exception):
            if selected(module_name):
                # Its tests cannot run: one failure stands for them.
                report_failure(module_name, module)
                failed += 1
            continue
        for fn in tests_of(module):
            name = f"{module_name}.{fn.__name__}"
            if selected(name):
                plan.append((name, fn))

    if args.filters and not plan and not failed:
        print(f"no test matches {' '.join(args.filters)}")
        print(summary(0, 1))
        return 1

    ctx = None
    if plan:
        try:
            ctx = harness.Context()
        except Exception as exc:
            report_failure("context", exc)
            print(summary(passed, failed + 1))
            return 1

    logs = LogWatch(os.environ.get("SCIM_E2E_LOGS", "").split(":"))
    try:
        for name, fn in plan:
            logs.mark()
            try:
                fn(ctx)
            except Exception as exc:  # AssertionError and anything else
                failed += 1
                report_failure(name, exc)
                logs.show()
                if args.exitfirst:
                    break
                continue
            passed += 1
            if args.verbose:
                print(f"ok {name}")
    except KeyboardInterrupt:
        print("interrupted")
        failed += 1

    print(summary(passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
