"""The statement a person signs: human-readable YAML, one field a line.

::

    deploycheck: attestation
    project: payments
    release: 1.4.0
    environment: production
    checklist: production
    item: security-signoff
    item_digest: sha256:5d1f…
    principal: alice@example.com
    role: security-lead
    decision: approved
    justification: "Pen test PT-2026-11 reviewed: no critical findings."
    issued_at: 2026-11-23T10:00:00Z
    expires_at: 2026-11-30T10:00:00Z

``environment`` and ``commit`` are optional (no environment: every environment).
The signature covers the statement's exact bytes; :func:`render` writes them in
one canonical way, and :func:`parse` reads them strictly (no tags, anchors or
duplicate keys, no unknown or missing fields), only after the signature verified.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import datetime, timezone

from ..errors import ChecklistError
from ..yamlsrc import load
from .sshsig import SignatureError

KINDS = ("attestation", "waiver")
DECISIONS = ("approved", "rejected")
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@/+-]*$")
_BOOLEAN_LIKE = {"yes", "no", "true", "false", "on", "off", "y", "n", "null", "~"}


@dataclass(frozen=True)
class Statement:
    deploycheck: str
    project: str
    release: str
    checklist: str
    item: str
    item_digest: str
    principal: str
    role: str
    decision: str
    justification: str
    issued_at: datetime
    expires_at: datetime
    environment: str | None = None
    commit: str | None = None

    @property
    def kind(self) -> str:
        return self.deploycheck


_ORDER = ("deploycheck", "project", "release", "environment", "commit", "checklist", "item",
          "item_digest", "principal", "role", "decision", "justification", "issued_at",
          "expires_at")
_OPTIONAL = {"environment", "commit"}
assert set(_ORDER) == {f.name for f in fields(Statement)}


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _scalar(value: str) -> str:
    """A YAML scalar that reads back as exactly ``value`` (as text)."""
    if (_PLAIN.match(value) and value.lower() not in _BOOLEAN_LIKE
            and not re.match(r"^[-+]?[0-9._:]+([eE][-+]?[0-9]+)?$", value)):
        return value
    return json.dumps(value)


def render(statement: Statement) -> str:
    """The canonical text of ``statement`` (what gets signed)."""
    lines = []
    for name in _ORDER:
        value = getattr(statement, name)
        if value is None:
            continue
        if isinstance(value, datetime):
            lines.append(f"{name}: {format_time(value)}")
        else:
            lines.append(f"{name}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def _time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SignatureError(f"statement field {name!r} is not a time like "
                             "2026-11-23T10:00:00Z") from None
    if moment.tzinfo is None:
        raise SignatureError(f"statement field {name!r} has no time zone (end it with Z)")
    return moment


_CLAIM = re.compile(r"^(deploycheck|project|release|environment|checklist|item|principal|role)"
                    r":[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)


def claims(text: str) -> dict[str, str]:
    """What a statement that is not authentic says it signs (kind, project, release,
    environment, checklist, item, principal, role), read leniently line by line — never
    trusted: only to show which item of which release a forged or tampered entry targets."""
    found: dict[str, str] = {}
    for name, value in _CLAIM.findall(text):
        found.setdefault(name, value.strip("\"'"))
    return found


def parse(text: str) -> Statement:
    """Read a (verified) statement strictly; SignatureError says what is wrong."""
    try:
        data = load(text, "statement").data
    except ChecklistError as exc:
        raise SignatureError(f"the statement is not strict YAML: "
                             f"{exc.problems[0].message}") from None
    if not isinstance(data, dict):
        raise SignatureError("the statement is not a mapping of fields")
    unknown = sorted(set(data) - set(_ORDER))
    if unknown:
        raise SignatureError(f"the statement has unknown field {unknown[0]!r}")
    missing = [n for n in _ORDER if n not in _OPTIONAL and n not in data]
    if missing:
        raise SignatureError(f"the statement lacks field {missing[0]!r}")
    values: dict[str, object] = {}
    for name, value in data.items():
        if not isinstance(value, str):
            raise SignatureError(f"statement field {name!r} must be text")
        values[name] = _time(value, name) if name in ("issued_at", "expires_at") else value
    if values["deploycheck"] not in KINDS:
        raise SignatureError(f"the statement is a {values['deploycheck']!r}, not an "
                             "attestation or a waiver")
    if values["decision"] not in DECISIONS:
        raise SignatureError(f"decision {values['decision']!r} is neither approved nor "
                             "rejected")
    return Statement(**values)  # type: ignore[arg-type]
