#!/usr/bin/python3
"""Runs one test suite's Python checks in one process, so that PyTorch is imported once, not
once per check (about 2 s each on a 2-core machine).

Reads one JSON request per line on stdin: {"argv": [SCRIPT, ARG, ...]} runs SCRIPT as __main__
with those arguments ({"argv": ["-c", CODE, ARG, ...]} runs CODE), and writes one JSON line back:
{"code": EXIT_CODE, "out": STDOUT, "err": STDERR}. Each check loads what it exports as a module
of its own (importlib), so nothing of one check is seen by the next.
"""

import contextlib
import io
import json
import os
import runpy
import sys
import traceback

import torch  # noqa: F401  imported once, for every check

for line in sys.stdin:
    argv = json.loads(line)["argv"]
    out, err = io.StringIO(), io.StringIO()
    code = 0
    saved_argv, saved_path = sys.argv, list(sys.path)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                if argv[0] == "-c":
                    sys.argv = ["-c"] + argv[2:]
                    exec(compile(argv[1], "<check>", "exec"), {"__name__": "__main__"})
                else:
                    sys.argv = list(argv)
                    sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
                    runpy.run_path(argv[0], run_name="__main__")
            except SystemExit as e:
                if e.code is None or isinstance(e.code, int):
                    code = e.code or 0
                else:
                    print(e.code, file=sys.stderr)
                    code = 1
            except BaseException:  # noqa: B902  the check's failure, reported as a failed run
                traceback.print_exc()
                code = 1
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    sys.stdout.write(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue()}) + "\n")
    sys.stdout.flush()
