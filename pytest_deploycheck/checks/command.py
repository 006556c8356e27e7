"""``command``: a command exits as expected and prints what it should.

.. code-block:: yaml

    check:
      command:
        run: [./scripts/smoke-test.sh, --env, staging]   # required: argv list …
        # run: "make smoke | tee smoke.log"             # … or a string with shell: true
        shell: false              # optional, default false
        cwd: deploy/              # optional, relative to the project root
        env: {API_TOKEN: "${env:API_TOKEN}"}            # optional extra variables
        exit_code: 0              # optional: a code or a list, default 0
        stdout: "All \\d+ smoke tests passed"            # optional regex
        stderr: "^$"              # optional regex
        stdout_not: "ERROR|FATAL" # optional regex that must not match

Runs without a shell unless ``shell: true``. The item's ``timeout`` (default
10 s) bounds the run; on timeout the whole process group is killed. With ``on:`` it
runs on the target host (``cwd`` relative to the login directory there), killed by
the host's ``timeout`` command when the time is up.
Evidence: ``command``, ``exit code``, ``duration``, the last lines of output.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from dataclasses import dataclass, field

from pydantic_core import PydanticCustomError

from .. import spawn
from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ..units import Regex, format_duration

TAIL_LINES = 5


@dataclass(frozen=True)
class Command:
    run: str | list[str]
    shell: bool = False
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    exit_code: int | list[int] = 0
    stdout: Regex | None = None
    stderr: Regex | None = None
    stdout_not: Regex | None = None

    def __post_init__(self) -> None:
        if isinstance(self.run, str) and not self.shell:
            raise PydanticCustomError(
                "deploycheck_invalid",
                "'run' is a string: give a list of arguments, or set 'shell: true' to run it "
                "through the shell")
        if not self.run:
            raise PydanticCustomError("deploycheck_invalid", "'run' is empty")


def _tail(text: str) -> str:
    lines = text.rstrip().splitlines()
    return "\n".join(lines[-TAIL_LINES:])


def _timed_out(spec: Command, ctx: CheckContext, shown: str, out: str, err: str) -> CheckFailed:
    ctx.record(stdout=_tail(out), stderr=_tail(err))
    where = f" on {ctx.host.name}" if ctx.host is not None else ""
    return CheckFailed(f"{shown}: did not finish within {format_duration(ctx.timeout)}{where} "
                       "(killed)")


def _local(spec: Command, ctx: CheckContext, shown: str) -> tuple[int, str, str]:
    environ = {**ctx.environ, **spec.env} if spec.env else ctx.environ
    cwd = ctx.path(spec.cwd) if spec.cwd else ctx.rootdir
    try:
        proc = spawn.start(
            spec.run, shell=spec.shell, cwd=cwd, environ=environ, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
            start_new_session=True,
        )
    except OSError as exc:
        raise CheckFailed(f"cannot run {shown}: {exc.strerror or exc}") from None
    out, err, overran = spawn.finish(proc, ctx.remaining())
    if overran:
        raise _timed_out(spec, ctx, shown, out, err)
    return proc.returncode, out, err


def _on_host(spec: Command, ctx: CheckContext, shown: str) -> tuple[int, str, str]:
    assert ctx.host is not None
    argv = ["sh", "-c", spec.run] if isinstance(spec.run, str) else spec.run
    done = ctx.host.run(argv, ctx.remaining(), cwd=spec.cwd, env=spec.env, kill_after=True)
    if done.rc in (124, 137) and time.monotonic() >= ctx.deadline - 1:  # killed by timeout
        raise _timed_out(spec, ctx, shown, done.stdout, done.stderr)
    return done.rc, done.stdout, done.stderr


@check_type("command", on_hosts=True)
def run(spec: Command, ctx: CheckContext) -> None:
    """A command exits with the expected code and output."""
    shown = spec.run if isinstance(spec.run, str) else shlex.join(spec.run)
    ctx.record(command=shown)
    started = time.monotonic()
    if ctx.host is not None:
        returncode, out, err = _on_host(spec, ctx, shown)
    else:
        returncode, out, err = _local(spec, ctx, shown)
    ctx.record(**{"exit code": returncode})
    ctx.record(duration=format_duration(time.monotonic() - started))
    if out.strip():
        ctx.record(stdout=_tail(out))
    if err.strip():
        ctx.record(stderr=_tail(err))
    codes = spec.exit_code if isinstance(spec.exit_code, list) else [spec.exit_code]
    if returncode not in codes:
        last = (err.strip() or out.strip()).splitlines()[-1:] or [""]
        detail = f" ({last[0][:120]})" if last[0] else ""
        raise CheckFailed(f"expected exit code {' or '.join(map(str, codes))}, got "
                          f"{returncode}{detail}")
    for name, pattern, text in (("stdout", spec.stdout, out), ("stderr", spec.stderr, err)):
        if pattern is not None and not re.search(pattern, text, re.MULTILINE):
            raise CheckFailed(f"expected {name} to match '{pattern}'; it does not")
    if spec.stdout_not is not None:
        found = re.search(spec.stdout_not, out, re.MULTILINE)
        if found:
            line = out[: found.start()].count("\n") + 1
            raise CheckFailed(f"expected stdout not to match '{spec.stdout_not}'; line {line} "
                              f"does: {out.splitlines()[line - 1][:120]!r}")
