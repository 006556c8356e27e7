"""JUnit XML: what each test case carries as ``<property>`` elements.

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
            SHA256:…, issued 2026-11-23T10:00:00Z, expires 2026-11-30T10:00:00Z"/>
      </properties>
    </testcase>
"""

from __future__ import annotations

import functools

from ..model import Item, Signer
from ..units import format_duration
from .record import ItemRecord


def item_properties(model: Item) -> list[tuple[str, str]]:
    """What every report of the item carries from collection on."""
    return [("phase", model.phase), ("section", model.section), ("kind", model.kind),
            ("checklist", model.checklist)]


@functools.lru_cache(maxsize=4096)
def _property(name: str, value: str) -> tuple[str, str]:
    """One shared tuple per (name, value): thousands of items repeat the same ones."""
    return name, value


def signer_text(signer: Signer) -> str:
    verb = "waived" if signer.kind == "waiver" else signer.decision
    return (f"{signer} {verb} with key {signer.fingerprint}, issued {signer.issued_at}, "
            f"expires {signer.expires_at}")


def properties(record: ItemRecord) -> list[tuple[str, str]]:
    """What the item's outcome adds: status, evidence, signers, roles awaited."""
    found = [_property("status", record.label)]
    found += [_property(f"evidence.{k}", str(v)) for k, v in record.evidence]
    found += [("waived_by" if s.kind == "waiver" else "signer", signer_text(s))
              for s in record.signers]
    if record.awaiting:
        found.append(_property("awaiting", ", ".join(record.awaiting)))
    if record.duration:
        found.append(_property("duration", format_duration(record.duration)))
    return found
