"""Starting programs from probe threads, each with an environment of its own.

pytest sets and removes ``PYTEST_CURRENT_TEST`` on the main thread around every item,
while probes start programs on other threads. A program started with the parent's
environment (``env=None``) has its C ``environ`` array read by the child as it execs;
a child made by vfork() (which CPython uses where it can) does that in the parent's
memory, so a change on the main thread meanwhile frees the array under it and the start
fails with "[Errno 14] Bad address" (seen on ``local://`` hosts). A program handed its
own environment execs with an array built for it before the fork, so every program a
probe starts goes through :func:`start` or :func:`run` — no process-wide switch.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping
from typing import Any

_ATTEMPTS = 100


def environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of ``environ`` (by default this process's, as it is now), safe to take
    while another thread sets and removes variables."""
    source: Mapping[str, str] = os.environ if environ is None else environ
    for _ in range(_ATTEMPTS):
        try:
            return dict(source)
        except KeyError:  # a variable went away between listing and reading it
            continue
    return {k: v for k in list(source) if (v := source.get(k)) is not None}


def start(args: Any, *, environ: Mapping[str, str] | None = None,
          **options: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen(args, **options)`` with its own copy of ``environ``."""
    return subprocess.Popen(args, env=environment(environ), **options)


def run(args: Any, *, timeout: float, environ: Mapping[str, str] | None = None,
        **options: Any) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run(args, timeout=timeout, **options)`` with its own copy of
    ``environ`` (the exit code is the caller's to judge)."""
    return subprocess.run(args, env=environment(environ), timeout=timeout, check=False,
                          **options)


def finish(proc: subprocess.Popen[Any], timeout: float) -> tuple[Any, Any, bool]:
    """``proc``'s output once it ends, and whether it overran ``timeout`` seconds — then
    its whole process group (it was started with ``start_new_session=True``) is killed."""
    try:
        out, err = proc.communicate(timeout=timeout)
        return out, err, False
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return out, err, True
