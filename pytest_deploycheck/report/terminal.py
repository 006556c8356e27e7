"""The checklist summary at the end of the terminal output, and a gate line per phase::

    =================== deploycheck: payments 1.4.0 in production ===================
    production: Production Deployment Checklist                         6/9 passed
      Code Review & Testing                     2/3 passed — 1 awaiting sign-off
      Infrastructure Preparation                3/4 passed, 1 not applicable — 1 failed
    awaiting sign-off:
      security-lead: production::security-signoff, production::go-no-go
    web: 48/50 hosts passed — failing: web-3, web-7
    predeploy: 6/9 passed, 1 not applicable — BLOCKED: 1 failed, 2 awaiting sign-off (…)

``-q`` leaves out the sections, ``-qq`` everything but the gate lines.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..gates import Tally, gates, host_groups, tally
from ..record import RunRecord, by_section

if TYPE_CHECKING:
    from ..layout import Layout
    from ..project import Settings

_WIDE = 44  # title column
#: pytest's words for an item's report (``-v``, ``-r``) where ours differ: (status, pytest's
#: outcome) → (category, letter, (word, markup)); the categories, so the counts and the exit
#: code, stay pytest's
TEST_STATUS = {("awaiting", "failed"): ("failed", "F", ("AWAITING SIGN-OFF", {"red": True})),
               ("invalid", "failed"): ("failed", "F", ("INVALID SIGN-OFF", {"red": True})),
               ("waived", "skipped"): ("xfailed", "x", ("WAIVED", {"yellow": True}))}


def _color(counts: Tally) -> dict[str, bool]:
    if counts.counts["failed"] or counts.counts["error"] or counts.counts["blocked"]:
        return {"red": True}
    if counts.counts["awaiting"]:
        return {"yellow": True}
    return {"green": True}


def _line(title: str, counts: Tally, indent: str) -> str:
    blockers = counts.blockers(roles=False)  # the roles follow, under "awaiting sign-off"
    text = counts.counts_text() + (" — " + ", ".join(blockers) if blockers else "")
    width = max(_WIDE - len(indent), len(title) + 1)
    return f"{indent}{title:<{width}} {text}"


def summary_lines(run: RunRecord, verbosity: int) -> list[tuple[str, dict[str, bool]]]:
    """The summary's lines and their colours (for ``verbosity`` as pytest counts it)."""
    lines: list[tuple[str, dict[str, bool]]] = []
    if verbosity > -2:
        for (checklist, title), sections in by_section(run.items).items():
            records = [r for rs in sections.values() for r in rs]
            counts = tally(records)
            lines.append((_line(f"{checklist}: {title}", counts, ""), {"bold": True}))
            if verbosity >= 0:
                for (_, section_title), rs in sections.items():
                    section_counts = tally(rs)
                    lines.append((_line(section_title, section_counts, "  "),
                                  _color(section_counts)))
        waiting = tally(run.sorted_items()).awaiting
        if waiting:
            lines.append(("awaiting sign-off:", {"yellow": True, "bold": True}))
            lines += [(f"  {role}: {', '.join(refs)}", {"yellow": True})
                      for role, refs in waiting.items()]
        for group, hosts in host_groups(run.items).items():
            lines.append((hosts.text(group), {"red": True} if hosts.failing else {"green": True}))
        for mistake in run.broken.values():
            lines.append((f"{mistake}; its items did not run", {"red": True}))
    for gate in gates(run):
        lines.append((gate.line, {"green": True, "bold": True} if gate.ready
                      else {"red": True, "bold": True}))
    lines += changes_lines(run, verbosity)
    if run.evidence:
        lines.append(evidence_line(run))
    if not run.items and run.broken:
        lines.append((f"no checklist item ran — BLOCKED: {len(run.broken)} checklist"
                      f"{'s' if len(run.broken) > 1 else ''} with mistakes",
                      {"red": True, "bold": True}))
    return lines


def evidence_line(run: RunRecord) -> tuple[str, dict[str, bool]]:
    """``evidence: run.json sha256:… sealed — check it with deploycheck verify-evidence``."""
    found = run.evidence
    text = f"evidence: {found['file']} sha256:{found['sha256']}"
    if "unsealed" in found:
        return f"{text} NOT SEALED: {found['unsealed']}", {"red": True, "bold": True}
    if "sealed" in found:
        return (f"{text} sealed — check it with: deploycheck verify-evidence {found['file']}",
                {"green": True})
    return text, {}


_MAX_CHANGES = 10  # lines per kind of change in the terminal; the reports have them all


def changes_lines(run: RunRecord, verbosity: int) -> list[tuple[str, dict[str, bool]]]:
    """With ``--deploycheck-compare``: what changed since that run (``-qq``: one line)."""
    from .json import changes_of

    found = changes_of(run)
    if found is None:
        return []
    lines = [(f"changes {found.summary()}", {"bold": True, "yellow": bool(found)})]
    if verbosity > -2:
        for title, texts in found.lines():
            shown = texts if verbosity > 0 else texts[:_MAX_CHANGES]
            lines.append((f"  {title}:", {"bold": True}))
            lines += [(f"    {text}", {}) for text in shown]
            if len(shown) < len(texts):
                lines.append((f"    … and {len(texts) - len(shown)} more (-v shows all)", {}))
    return lines


def line_writer(plugins: Any) -> Callable[[str], None]:
    """Writes a line at once through pytest's terminal reporter (``plugins``: pytest's
    plugin manager), between items (a watch's news), or prints it without one."""
    reporter = plugins.get_plugin("terminalreporter")
    if reporter is None:
        return functools.partial(print, flush=True)

    def write(text: str) -> None:
        reporter.write_line(text)
        reporter.flush()

    return write


class HoldProgress:
    """What the terminal says while the run waits on a hold (``hold:``), told about once a
    second: on a line of its own below the file's progress — rewritten in place on a
    terminal, written once per hold in a log — then, when the wait is over (``None``),
    the file's name again, for pytest's progress to go on. ``plugins`` is pytest's plugin
    manager: its terminal reporter writes, its capture manager is set aside meanwhile
    (the wait happens while an item runs, when pytest captures what is written)."""

    def __init__(self, plugins: Any) -> None:
        self.reporter = plugins.get_plugin("terminalreporter")
        self.capture = plugins.get_plugin("capturemanager")
        self.said: set[str] = set()
        self.waiting = False  # a line of ours stands below the file's progress
        self.prefix: object = None  # the file pytest's progress line was for

    def __call__(self, text: str | None) -> None:
        reporter = self.reporter
        if reporter is None or (text is None and not self.waiting):
            return
        holding = (text or "").split(": ", 1)[0]
        if text is not None and not reporter.isatty and holding in self.said:
            return
        with (self.capture.global_and_fixture_disabled() if self.capture is not None
              else contextlib.nullcontext()):
            if text is None:  # done: pytest's progress goes on after the file's name
                # the last state stays (a terminal's line ends here), the file's line below
                reporter.write(("\n" if reporter.isatty else "")
                               + f"{_shown(self.prefix, reporter)} ")
                reporter.currentfspath = self.prefix
                self.waiting = False
                return
            if not self.waiting:
                self.prefix = reporter.currentfspath  # ensure_newline forgets it
                reporter.ensure_newline()
            self.said.add(holding)
            self.waiting = True
            if reporter.isatty:
                reporter.rewrite(text, erase=True, yellow=True)
            else:
                reporter.write_line(text)


def _shown(path: object, reporter: Any) -> str:
    """``path`` as pytest's progress line shows it: relative to where pytest started."""
    try:
        return os.path.relpath(str(path), str(reporter.startpath))
    except (AttributeError, ValueError):
        return str(path)


def header_lines(where: Layout, settings: Callable[[], Settings]) -> list[str]:
    """The lines under pytest's header: ``deploycheck: project …, environment …, release
    …`` (unless the config has mistakes: they are the run's collection errors), and each
    YAML file under the checklist paths that is no checklist (no data)."""
    from ..catalog import skipped
    from ..errors import ChecklistError

    lines = [f"deploycheck: {where.shown(p)}: not a checklist (no data), skipped"
             for p in skipped(where.paths)]
    with contextlib.suppress(ChecklistError):
        found = settings()
        lines.insert(0, f"deploycheck: project {found.project.name}, environment "
                        f"{found.environment}, release {found.release or '(not set)'}")
    return lines


def title(run: RunRecord) -> str:
    """The summary's heading."""
    return f"deploycheck: {run.subject}"
