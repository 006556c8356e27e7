"""The outcome rule: how an item ends — its status — from what its check or its
sign-offs found, and from a waiver.

The statuses, in the order reports show them:

- ``passed``: the check found what the item expects, or the sign-offs suffice;
- ``failed``: it did not (the message says expected and found);
- ``awaiting``: a manual item still waits for a sign-off from a role;
- ``invalid``: an entry that claims to sign the item off is not authentic (forged,
  tampered, an unknown or revoked key …): it fails the item, whatever else signed it;
- ``waived``: an automated item failed, and a valid signed waiver covers it — an
  expected failure, never a pass;
- ``blocked``: an earlier step of its ordered section did not pass, so it did not run;
- ``not_applicable``: ``only_in`` / ``except_in`` leave this environment out;
- ``skipped``: the user's own skip mark;
- ``error``: something broke outside the check (a bug, a crash).

An item a gate waits for that has not run (deselected, or the run stopped) is
``not_run`` in the checklist view; it is no outcome, so it is not among the statuses.
"""

from __future__ import annotations

from .model import Result, SignOff

STATUSES = ("passed", "failed", "awaiting", "invalid", "waived", "blocked", "not_applicable",
            "skipped", "error")
LABELS = {"passed": "passed", "failed": "failed", "awaiting": "awaiting sign-off",
          "invalid": "invalid sign-off",
          "waived": "waived", "blocked": "blocked", "not_applicable": "not applicable",
          "skipped": "skipped", "error": "error", "not_run": "not run"}
PLURALS = {"error": "errors", "invalid": "invalid sign-offs"}  # where a count needs one
#: The statuses that hold a gate shut.
BLOCKING = ("failed", "error", "invalid", "awaiting", "blocked")
#: The statuses of an item that did not pass when it ran: they stop an ordered section.
STOPS_RUNBOOK = ("failed", "awaiting", "invalid", "error")


def status_of(result: Result, waiver: SignOff | None = None) -> tuple[str, str]:
    """The status of an item whose check or sign-offs gave ``result`` (``waiver``: the
    valid waiver of an automated item, if any), and the message that says why."""
    if result.passed:
        return "passed", result.message
    if waiver is not None:
        return "waived", (f"waived by {waiver} until {waiver.expires_at}: "
                          f"{waiver.justification} — the check found: {result.message}")
    if result.invalid:
        return "invalid", result.message
    return ("awaiting" if result.awaiting else "failed"), result.message


def blocked_message(blocker: str, *, ran: bool = True, section: str = "") -> str:
    """Why a step of an ordered section did not run: an earlier step did not pass, or
    did not run in this run at all."""
    if ran:
        return f"blocked by {blocker}: an earlier step of this ordered section did not pass"
    return (f"blocked by {blocker}: an earlier step of this ordered section did not run in "
            f"this run (run the whole section{f': -k {section}' if section else ''})")
