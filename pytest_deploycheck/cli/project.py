"""The project the commands work on, found and read the way ``pytest`` does."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..layout import Layout
    from ..model import Item
    from ..project import Settings


def open_project(args: argparse.Namespace) -> tuple[Layout, Settings]:
    """The project as ``pytest`` sees it from ``--rootdir``: its root dir and ini settings
    (``deploycheck_config``, ``deploycheck_paths``, ``deploycheck_env``,
    ``deploycheck_release``) found the way pytest finds them, ``--config`` and ``--paths``
    over them; then the settings, chosen as pytest chooses them."""
    import os
    from dataclasses import replace

    from ..plugin.options import load_layout
    from ..project import Requested, load_project, settings_for

    where = load_layout(Path(args.rootdir).resolve())
    if getattr(args, "config", None):
        where = replace(where, config=where.rootdir / args.config)
    if getattr(args, "paths", None):
        where = replace(where, paths=tuple(where.rootdir / p for p in args.paths))
    project = load_project(where.config, where.shown(where.config), where.rootdir.name)
    asked = {name: getattr(args, name, None) for name in ("environment", "release", "commit")}
    return where, settings_for(project, Requested.first_set(asked, os.environ, where.ini),
                               where.rootdir)


def items_of(where: Layout, settings: Settings) -> list[Item]:
    from ..catalog import Catalog

    return Catalog(settings, where.rootdir).items(where.paths)
