"""Command-line options and ini settings, and where they put the project's files — the
same for ``pytest`` and the ``deploycheck`` command (:func:`load_layout`)."""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path
from typing import Any

import pytest

from ..layout import DEFAULT_CONCURRENCY, Layout, concurrency_number, plugin_options

# --deploycheck-NAME VALUE options: name, metavar, help
_VALUES = (
    ("env", "NAME", "environment to check, as named in the project config (also "
     "$DEPLOYCHECK_ENV or ini deploycheck_env)"),
    ("release", "VERSION", "release being deployed, for ${release} (also $DEPLOYCHECK_RELEASE "
     "or ini deploycheck_release)"),
    ("commit", "SHA", "the deployed commit or artifact digest sign-offs must name (also "
     "$DEPLOYCHECK_COMMIT)"),
    ("attestations", "PATH", "signed attestation file, or a directory of them (default: "
     "'attestations' in the project config, checks/attestations)"),
    ("json", "PATH", "write every item's outcome, evidence and signers as JSON to PATH"),
    ("markdown", "PATH", "write the checklists filled in as Markdown to PATH (also appended "
     "to $GITHUB_STEP_SUMMARY when it is set)"),
    ("compare", "EARLIER.json", "say in every report what changed since the run that wrote "
     "this JSON (--deploycheck-json), e.g. the previous release's"),
    ("deployed-at", "TIME", "when the release was deployed (ISO time or Unix seconds), for "
     "over: since_deploy and baseline: before_deploy (also $DEPLOYCHECK_DEPLOYED_AT)"),
    ("sign-evidence", "KEY", "seal the run's JSON (--deploycheck-json) with this SSH key: "
     "RUN.json.sig and an in-toto statement, for deploycheck verify-evidence"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("deploycheck", "deployment checklists (pytest-deploycheck)")
    add = group.addoption
    for name, metavar, text in _VALUES:
        add(f"--deploycheck-{name}", dest=f"deploycheck_{name.replace('-', '_')}", metavar=metavar,
            default=None, help=text)
    add("--deploycheck-concurrency", dest="deploycheck_concurrency", metavar="N", default=None,
        type=concurrency_number, help="probe up to N read-only checks at once (default "
                                f"{DEFAULT_CONCURRENCY}, also ini deploycheck_concurrency); "
                                "1 turns it off")
    add("--deploycheck-require-complete", dest="deploycheck_require_complete",
        action="store_true", default=False,
        help="exit 1 when a phase's gate is INCOMPLETE (items of the phase did not run) "
             "though every item that ran passed")
    add("--deploycheck-markdown-style", dest="deploycheck_markdown_style",
        choices=("table", "list"), default="table",
        help="Markdown shape: ☑/☐ tables with a Notes column (default) or - [x] lists")
    parser.addini("deploycheck_concurrency", type="string", default=str(DEFAULT_CONCURRENCY),
                  help="probe up to N read-only checks at once; 1 turns it off")
    parser.addini("deploycheck_paths", type="args", default=["checks"],
                  help="where checklists live, relative to the root dir (default: checks)")
    parser.addini("deploycheck_config", type="string", default="checks/deploycheck.yaml",
                  help="the project config (default: checks/deploycheck.yaml)")
    parser.addini("deploycheck_env", type="string", default="",
                  help="default environment to check")
    parser.addini("deploycheck_release", type="string", default="",
                  help="default release")


def check(config: pytest.Config) -> None:
    """The options' usage errors, said before anything runs; the earlier run to compare
    with (``--deploycheck-compare``), read once."""
    from ..errors import DeploycheckError
    from ..report.files import earlier_run

    concurrency(config)
    try:
        config.stash[PREVIOUS] = earlier_run(config.getoption, config.invocation_params.dir)
    except DeploycheckError as exc:
        raise pytest.UsageError(str(exc)) from None


def concurrency(config: pytest.Config) -> int:
    """How many read-only probes run at once: the option, else the ini setting."""
    found: int | None = config.getoption("deploycheck_concurrency")
    if found:
        return found
    try:
        return concurrency_number(str(config.getini("deploycheck_concurrency")).strip())
    except argparse.ArgumentTypeError as exc:
        raise pytest.UsageError(f"ini option deploycheck_concurrency: {exc}") from None


LAYOUT: pytest.StashKey[Layout] = pytest.StashKey()
PREVIOUS: pytest.StashKey[dict[str, Any] | None] = pytest.StashKey()  # to compare with


def layout(config: pytest.Config) -> Layout:
    """Where this run's project files are (read once)."""
    found = config.stash.get(LAYOUT, None)
    if found is None:
        root = config.rootpath
        found = config.stash[LAYOUT] = Layout(
            root, root / str(config.getini("deploycheck_config")),
            tuple(root / p for p in config.getini("deploycheck_paths")),
            {name: str(config.getini(name)) for name in ("deploycheck_env",
                                                         "deploycheck_release")})
    return found


def load_layout(start: Path) -> Layout:
    """The layout ``pytest START`` would see: its root dir and ini file found the way
    pytest finds them (conftest.py files on the way are loaded, so check types they
    define are known)."""
    args = [str(start)]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        args = ["-p", "pytest_deploycheck.plugin", *args]
    try:
        config = pytest.Config.fromdictargs({}, args)
        plugins = plugin_options([*config.getini("addopts"),
                                   *shlex.split(os.environ.get("PYTEST_ADDOPTS", ""))])
        if plugins:  # the -p plugins the ini (or PYTEST_ADDOPTS) loads, as pytest would
            config = pytest.Config.fromdictargs({}, [*plugins, *args])
        return layout(config)
    except Exception as exc:  # a conftest.py that fails to import, a bad ini: say so
        from ..errors import DeploycheckError

        raise DeploycheckError(f"cannot load the project as pytest does: {exc}") from None

