"""The Prometheus text format (exposition format 0.0.4), written: metric families with
their ``# HELP`` and ``# TYPE`` lines, label values escaped, numbers as Prometheus reads
them. What a watch serves on ``/metrics``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class Family:
    """One metric: its name, help, type (``gauge``, ``counter``) and samples (labels,
    value)."""

    name: str
    help: str
    type: str = "gauge"
    samples: list[tuple[Mapping[str, str], float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> None:
        self.samples.append((labels, value))


def _label_value(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(value)


def text(families: Iterable[Family]) -> str:
    """The families in the text format (labels with empty values left out, as
    Prometheus reads an empty label as none)."""
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} "
                     + family.help.replace("\\", r"\\").replace("\n", r"\n"))
        lines.append(f"# TYPE {family.name} {family.type}")
        for labels, value in family.samples:
            shown = ",".join(f'{k}="{_label_value(v)}"' for k, v in labels.items() if v)
            lines.append(f"{family.name}{{{shown}}} {_number(value)}" if shown
                         else f"{family.name} {_number(value)}")
    return "\n".join(lines) + "\n"
