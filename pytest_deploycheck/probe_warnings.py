"""The warnings a check raises, on the item that raised them.

Warnings go to whatever item is current on the main thread; a probe runs on a thread of
its own, often while another item reports. So each check's warnings are caught on the
thread that runs it (CPython's hook, ``warnings._showwarnmsg``, sees every warning shown)
and handed to its item, which raises them again in its own turn (:func:`raise_again`).
The warnings of the libraries a check type declares it imports are left out: the library
speaking of its own internals, nothing a checklist's author can act on.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

_sink = threading.local()
_show = warnings._showwarnmsg  # type: ignore[attr-defined]


def _route(message: warnings.WarningMessage) -> None:
    found: list[warnings.WarningMessage] | None = getattr(_sink, "found", None)
    if found is None:
        _show(message)
    else:
        found.append(message)


if not getattr(warnings._showwarnmsg, "deploycheck", False):  # type: ignore[attr-defined]
    _route.deploycheck = True  # type: ignore[attr-defined]
    warnings._showwarnmsg = _route  # type: ignore[attr-defined]


@contextlib.contextmanager
def caught() -> Iterator[list[warnings.WarningMessage]]:
    """The warnings shown on this thread while in the block, instead of shown."""
    outer = getattr(_sink, "found", None)
    found: list[warnings.WarningMessage] = []
    _sink.found = found
    try:
        yield found
    finally:
        _sink.found = outer


def libraries(modules: Iterable[str]) -> tuple[str, ...]:
    """Where the packages of ``modules`` live (imported ones): a warning raised there is
    the library speaking of its own internals, nothing a checklist's author can act on."""
    found = []
    for name in modules:
        module = sys.modules.get(name.partition(".")[0])
        where = getattr(module, "__file__", None)
        if where:  # a package's directory, or a lone module's file
            found.append(os.path.dirname(where) + os.sep if hasattr(module, "__path__")
                         else where)
    return tuple(found)


def raise_again(found: Iterable[Any], redact: Any = str) -> None:
    """Raise the warnings a check raised (``Result.warnings``) again, in the calling
    thread, their text redacted: the item reporting them is the one that raised them."""
    for message in found:
        text = redact(str(message.message))
        try:
            warning = message.category(text)
        except Exception:  # a category that takes other arguments
            warning = Warning(text)
        warnings.warn_explicit(warning, message.category, message.filename, message.lineno)
