"""Where the run's evidence is written: the JSON file, the Markdown file, and the CI job
summary (``$GITHUB_STEP_SUMMARY``, appended to when it is set and items ran)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import DeploycheckError
from ..record import RunRecord
from . import json, markdown

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def earlier_run(option: Callable[[str], Any], start: Path) -> dict[str, Any] | None:
    """Before anything runs, what the options of the evidence say: the earlier run to
    compare with (``--deploycheck-compare``, relative to ``start``), read; a
    DeploycheckError for what cannot be done (sealing without the JSON, an earlier run
    that cannot be read)."""
    from ..changes import NotARun, read_run

    if option("deploycheck_sign_evidence") and not option("deploycheck_json"):
        raise DeploycheckError("--deploycheck-sign-evidence seals the run's JSON: give "
                               "--deploycheck-json PATH too")
    path = option("deploycheck_compare")
    try:
        return None if path is None else read_run(start / path, path)
    except NotARun as exc:
        raise DeploycheckError(f"--deploycheck-compare: {exc}") from None


def write(run: RunRecord, option: Callable[[str], Any],
          environ: Mapping[str, str] = os.environ) -> None:
    """Write what the options (``option(name)``: ``deploycheck_json``,
    ``deploycheck_markdown``, ``deploycheck_markdown_style``) ask for — paths may hold
    ``$VARS`` and ``~`` — even when no checklist ran."""
    json_path, markdown_path = option("deploycheck_json"), option("deploycheck_markdown")
    style = option("deploycheck_markdown_style") or "table"
    if json_path:
        text = json.render(run)
        _seal(run, _write(json_path, text), text, option("deploycheck_sign_evidence"))
    step_summary = environ.get(STEP_SUMMARY_ENV)
    if markdown_path or (step_summary and run.items):
        text = markdown.render(run, style=style)
        if markdown_path:
            _write(markdown_path, text)
        if step_summary and run.items:
            with open(step_summary, "a", encoding="utf-8") as out:
                out.write(text + "\n")


def _write(where: str, text: str) -> Path:
    path = Path(os.path.expandvars(where)).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _seal(run: RunRecord, written: Path, text: str, key: str | None) -> None:
    """Note the run's JSON (its digest) for the reports, and seal it with ``key``
    (``--deploycheck-sign-evidence``); a seal that fails is said in ``run.evidence``."""
    from ..attest.evidence import digest, seal

    run.evidence = {"file": written.name, "sha256": digest(text.encode("utf-8"))}
    if key:
        try:
            seal(written, Path(os.path.expandvars(key)).expanduser())
            run.evidence["sealed"] = "yes"
        except DeploycheckError as exc:  # ssh-keygen could not sign, the JSON is not a run's
            run.evidence["unsealed"] = str(exc)
