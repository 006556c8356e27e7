"""Where the run's evidence is written: the JSON file, the Markdown file, and the CI job
summary (``$GITHUB_STEP_SUMMARY``, appended to when it is set and items ran)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ..record import RunRecord
from . import json, markdown

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def write(run: RunRecord, *, json_path: str | None, markdown_path: str | None,
          style: str = "table", environ: Mapping[str, str] = os.environ) -> None:
    """Write what was asked for (paths may hold ``$VARS`` and ``~``), even when no
    checklist ran."""
    if json_path:
        _write(json_path, json.render(run))
    step_summary = environ.get(STEP_SUMMARY_ENV)
    if markdown_path or (step_summary and run.items):
        text = markdown.render(run, style=style)
        if markdown_path:
            _write(markdown_path, text)
        if step_summary and run.items:
            with open(step_summary, "a", encoding="utf-8") as out:
                out.write(text + "\n")


def _write(where: str, text: str) -> None:
    path = Path(os.path.expandvars(where)).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
