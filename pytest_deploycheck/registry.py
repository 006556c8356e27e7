"""Check types: the registry that built-ins, ``@check_type`` and entry points feed.

A check type is a *spec* (a dataclass validated at collection) and a *run*
function that probes and returns evidence, or raises :class:`CheckFailed`::

    from dataclasses import dataclass
    from pytest_deploycheck import CheckContext, CheckFailed, check_type

    @dataclass(frozen=True)
    class QueueDepth:
        queue: str
        max_depth: int = 100

    @check_type("queue_depth", read_only=True)
    def queue_depth(spec: QueueDepth, ctx: CheckContext) -> dict[str, int]:
        depth = read_depth(spec.queue, timeout=ctx.timeout)
        if depth > spec.max_depth:
            raise CheckFailed(f"expected at most {spec.max_depth} messages, found {depth}")
        return {"depth": depth}

Built-in types are the modules of ``pytest_deploycheck.checks`` (one module, named
after its type, per type; ``_``-prefixed modules are the kit they share), found by
listing that package and imported only when a checklist uses them. Third-party
packages expose theirs through the entry-point group ``pytest_deploycheck.checks``
(``name = "pkg.module:function"``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import pkgutil
import threading
import typing
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, TypeVar

from pydantic import ConfigDict, TypeAdapter

from . import checks as _checks
from .context import CheckContext
from .errors import EvidenceValue, RegistryError

ENTRY_POINT_GROUP = "pytest_deploycheck.checks"


def _builtins() -> dict[str, str]:
    """Check type name → module, for every module of the ``checks`` package."""
    return {info.name: f"{_checks.__name__}.{info.name}"
            for info in pkgutil.iter_modules(_checks.__path__) if not info.name.startswith("_")}


_BUILTINS = _builtins()

Evidence = Mapping[str, EvidenceValue]
RunFunction = Callable[[Any, "CheckContext"], "Evidence | None"]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CheckType:
    """A registered check type."""

    name: str
    spec: type
    run: RunFunction
    read_only: bool | Callable[[Any], bool]
    summary: str
    origin: str
    adapter: TypeAdapter[Any]
    on_hosts: bool = False  # runs on the items' target hosts (ctx.host) when given 'on:'
    imports: tuple[str, ...] | Callable[[Any], tuple[str, ...]] = ()

    def only_reads(self, spec: Any) -> bool:
        """Whether a check with this spec only reads (may run concurrently)."""
        return self.read_only(spec) if callable(self.read_only) else self.read_only

    def modules(self, spec: Any) -> tuple[str, ...]:
        """The modules a check with this spec imports when it runs (heavy libraries, a
        database driver): imported before any probe's clock starts."""
        return self.imports(spec) if callable(self.imports) else self.imports


class Registry:
    """Name → :class:`CheckType`, filled lazily from the three sources."""

    def __init__(self) -> None:
        self._types: dict[str, CheckType] = {}
        self._lock = threading.Lock()
        self._entry_points: dict[str, str] | None = None

    def _plugin_entry_points(self) -> dict[str, str]:
        if self._entry_points is None:
            self._entry_points = {
                ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)
            }
        return self._entry_points

    def names(self) -> list[str]:
        """Every known check type name, loaded or not."""
        return sorted({*_BUILTINS, *self._types, *self._plugin_entry_points()})

    def get(self, name: str) -> CheckType | None:
        """The check type called ``name``, importing its module on first use."""
        found = self._types.get(name)
        if found is not None:
            return found
        target = _BUILTINS.get(name) or self._plugin_entry_points().get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        imported = importlib.import_module(module)
        if attr:
            getattr(imported, attr)
        found = self._types.get(name)
        if found is None:
            raise RegistryError(
                f"{target} was expected to register check type {name!r} with @check_type"
            )
        return found

    def register(self, check: CheckType) -> None:
        builtin = _BUILTINS.get(check.name)
        if builtin is not None and not check.origin.startswith(builtin + "."):
            raise RegistryError(
                f"check type {check.name!r} is defined twice: it is built in "
                f"({builtin}), so {check.origin} needs another name")
        with self._lock:
            existing = self._types.get(check.name)
            if existing is not None and existing.origin != check.origin:
                raise RegistryError(
                    f"check type {check.name!r} is defined twice: by {existing.origin} "
                    f"and by {check.origin}"
                )
            self._types[check.name] = check


REGISTRY = Registry()


def preload(checks: Iterable[tuple[str, Any]]) -> None:
    """Import, once, the modules that checks of these (type, spec) pairs import when they
    run (see ``check_type(imports=…)``); a missing one is the check's to report. What the
    libraries warn of as they load is their own business, not the run's."""
    names: set[str] = set()
    for name, spec in checks:
        found = REGISTRY.get(name)
        if found is not None:
            names.update(found.modules(spec))
    with warnings.catch_warnings():  # before any probe thread starts
        warnings.simplefilter("ignore")
        for module in sorted(names):
            with contextlib.suppress(ImportError):
                importlib.import_module(module)


def check_type(
    name: str, *, spec: type | None = None, read_only: bool | Callable[[Any], bool] = False,
    on_hosts: bool = False, imports: tuple[str, ...] | Callable[[Any], tuple[str, ...]] = (),
) -> Callable[[F], F]:
    """Register the decorated function as the ``run`` of check type ``name``.

    The spec is the dataclass annotated on the function's first parameter,
    unless given as ``spec=``. ``read_only=True`` declares that the probe only
    reads, so it may run concurrently with other probes; a function of the spec
    decides per item. ``on_hosts=True`` declares that it can run on an item's
    target hosts (``on:``): ``ctx.host`` is then the host to probe. ``imports``
    names the modules the run function imports itself (heavy, optional libraries),
    or a function of the spec that does: a run imports them once, before the first
    probe's clock starts, so that no probe spends its time limit importing; and the
    warnings raised inside those libraries (their deprecations, their internals) stay
    out of the run's warnings — the check's own still reach its item.
    """

    def decorate(run: F) -> F:
        spec_type = spec
        if spec_type is None:
            try:
                hints = typing.get_type_hints(run)
            except NameError as exc:
                raise RegistryError(
                    f"check type {name!r}: cannot resolve the annotations of "
                    f"{run.__qualname__} ({exc}); define the spec at module level or pass "
                    "spec=…") from None
            params = list(run.__code__.co_varnames[: run.__code__.co_argcount])
            spec_type = hints.get(params[0]) if params else None
        if spec_type is None or not dataclasses.is_dataclass(spec_type):
            raise RegistryError(
                f"check type {name!r}: annotate the first parameter of "
                f"{run.__qualname__} with a dataclass, or pass spec=…"
            )
        assert isinstance(spec_type, type)
        if "__pydantic_config__" not in spec_type.__dict__:
            spec_type.__pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[attr-defined]
        summary = (run.__doc__ or "").strip().splitlines()[0:1]
        REGISTRY.register(
            CheckType(
                name=name,
                spec=spec_type,
                run=run,
                read_only=read_only,
                summary=summary[0] if summary else "",
                origin=f"{run.__module__}.{run.__qualname__}",
                # built now, while the spec's module is importable, so names resolve
                adapter=TypeAdapter(spec_type),
                on_hosts=on_hosts,
                imports=imports,
            )
        )
        return run

    return decorate
