"""``git``: the repository is ready to release: the tag exists, the tree is clean,
the branch is the right one.

.. code-block:: yaml

    check:
      git:
        repo: .                        # optional, default the project root
        tag: "v${release}"             # optional: this tag must exist
        clean: true                    # optional: no uncommitted changes (default false)
        branch: "main|release/.+"      # optional: regex the current branch must match

At least one of ``tag``, ``clean`` and ``branch``. Evidence: ``commit``, ``branch``,
``tag commit``, ``changes``.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from pydantic_core import PydanticCustomError

from .. import spawn
from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ..units import Regex


@dataclass(frozen=True)
class Git:
    repo: str = "."
    tag: str | None = None
    clean: bool = False
    branch: Regex | None = None

    def __post_init__(self) -> None:
        if self.tag is None and not self.clean and self.branch is None:
            raise PydanticCustomError("deploycheck_invalid", "give tag, clean, branch or more")


def git(ctx: CheckContext, repo: str, *args: str) -> tuple[int, str, str]:
    """Run git in ``repo`` within the attempt's time; (exit code, stdout, stderr)."""
    try:
        done = spawn.run(["git", *args], cwd=ctx.path(repo), capture_output=True, text=True,
                         timeout=ctx.remaining(), environ=ctx.environ)
    except FileNotFoundError:
        raise CheckFailed("git is not installed") from None
    except NotADirectoryError:
        raise CheckFailed(f"{repo} is not a directory") from None
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"git {args[0]} did not finish in time") from None
    return done.returncode, done.stdout.strip(), done.stderr.strip()


@check_type("git", read_only=True)
def run(spec: Git, ctx: CheckContext) -> None:
    """The release tag exists, the tree is clean, the branch is right."""
    code, head, err = git(ctx, spec.repo, "rev-parse", "HEAD")
    if code != 0:
        raise CheckFailed(f"{spec.repo} is not a git repository with commits "
                          f"({err.splitlines()[-1] if err else 'no HEAD'})")
    ctx.record(commit=head[:12])
    problems = []
    if spec.tag is not None:
        code, tagged, _ = git(ctx, spec.repo, "rev-parse", "--verify", "--quiet",
                              f"refs/tags/{spec.tag}^{{commit}}")
        if code != 0:
            problems.append(f"tag {spec.tag} does not exist")
        else:
            ctx.record(**{"tag commit": tagged[:12]})
    if spec.clean:
        _, status, _ = git(ctx, spec.repo, "status", "--porcelain")
        changes = status.splitlines()
        ctx.record(changes=len(changes))
        if changes:
            problems.append(f"{len(changes)} uncommitted changes (first: {changes[0].strip()})")
    if spec.branch is not None:
        _, branch, _ = git(ctx, spec.repo, "rev-parse", "--abbrev-ref", "HEAD")
        ctx.record(branch=branch)
        if not re.fullmatch(spec.branch, branch):
            problems.append(f"branch {branch!r} does not match '{spec.branch}'")
    if problems:
        raise CheckFailed("expected a repository ready to release: " + "; ".join(problems))
