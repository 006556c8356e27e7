"""An item's evidence and sign-offs as name/value text: the ``<property>`` elements of
its JUnit XML test case, and the "evidence" and "signed" sections of its report.

pytest's own ``--junitxml`` writes an item's ``user_properties``, also under
xdist; these functions decide what they are. Every value is a plain string::

    <testcase classname="checks.production.yaml.security" name="security-signoff">
      <properties>
        <property name="phase" value="predeploy"/>
        <property name="section" value="security"/>
        <property name="kind" value="manual"/>
        <property name="checklist" value="production"/>
        <property name="status" value="passed"/>
        <property name="signer" value="alice@example.com (security-lead) approved with key
            SHA256:…, issued 2026-11-23T10:00:00Z, expires 2026-11-30T10:00:00Z: pen test
            PT-2026-11 passed"/>
        <property name="link.Runbook" value="https://wiki.example.com/runbooks/security"/>
      </properties>
    </testcase>
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from ..model import Item, SignOff
from ..record import ItemRecord
from ..units import format_duration


def item_properties(model: Item) -> list[tuple[str, str]]:
    """What every report of the item carries from collection on."""
    return [_property("phase", model.phase), _property("section", model.section),
            _property("kind", model.kind), _property("checklist", model.checklist)]


@functools.lru_cache(maxsize=4096)
def _property(name: str, value: str) -> tuple[str, str]:
    """One shared tuple per (name, value): thousands of items repeat the same ones."""
    return name, value


def signoff_text(signoff: SignOff) -> str:
    """``alice@example.com (security-lead) approved with key SHA256:…, issued …``."""
    verb = "waived" if signoff.kind == "waiver" else signoff.decision
    why = f": {signoff.justification}" if signoff.justification else ""
    return (f"{signoff} {verb} with key {signoff.fingerprint}, issued {signoff.issued_at}, "
            f"expires {signoff.expires_at}{why}")


def properties(record: ItemRecord, previous: Mapping[str, Any] | None = None,
               ) -> list[tuple[str, str]]:
    """What the item's outcome adds: status, evidence, signers, roles awaited, links; and
    how it changed since the ``previous`` run (``--deploycheck-compare``)."""
    found = [_property("status", record.label)]
    found += [_property(f"evidence.{k}", str(v)) for k, v in record.evidence]
    found += [("waived_by" if s.kind == "waiver" else "signer", signoff_text(s))
              for s in record.signoffs]
    if record.awaiting:
        found.append(_property("awaiting", ", ".join(record.awaiting)))
    if record.duration:
        found.append(_property("duration", format_duration(record.duration)))
    found += [_property(f"link.{title}", url) for title, url in record.links]
    if previous is not None:
        from ..changes import of_item
        from .json import item_data

        found += [("change", change) for change in of_item(previous, item_data(record))]
    return found


def sections(record: ItemRecord) -> list[tuple[str, str]]:
    """The item report's extra sections: what the check found, who signed."""
    found = []
    if record.evidence:
        found.append(("evidence", "\n".join(f"{k}: {v}" for k, v in record.evidence)))
    if record.signoffs:
        found.append(("signed", "\n".join(signoff_text(s) for s in record.signoffs)))
    return found
