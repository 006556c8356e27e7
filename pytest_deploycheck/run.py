"""A run of checklist items, in plain Python: "record this item on this host".

One :class:`Run` per run (per process under xdist), made from plain values — the
settings, a :class:`~.runner.Prober`, the :class:`~.attest.signoffs.SignOffs` and the
:class:`~.secrets.Secrets` — answers for each :class:`Case` with an
:class:`~.record.ItemRecord`, redacted: the check's result or the sign-offs' decision,
a waiver, the outcome rule; and it remembers which ordered sections an earlier step
stopped. The pytest layer only turns the record's status into pass, fail, xfail or skip.
"""

from __future__ import annotations

import atexit
import gc
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .attest.signoffs import SignOffs
from .attest.store import attestation_files
from .catalog import shown
from .errors import ChecklistError
from .hosts.groups import HostRef
from .hosts.targets import Targets
from .layout import DEFAULT_CONCURRENCY
from .model import Item, Result, SignOff
from .outcome import STOPS_RUNBOOK, blocked_message, status_of
from .probe_warnings import raise_again
from .project import Settings
from .record import ItemRecord, RunRecord, file_digest
from .registry import preload
from .runner import Prober, RunContext
from .secrets import Secrets


@dataclass(frozen=True, slots=True)
class Case:
    """One item as a run runs it: on one host (an item with ``on:`` has a case per
    host, in config order), under the id pytest gives it."""

    item: Item
    nodeid: str
    host: HostRef | None = None
    host_order: int = 0

    @property
    def runbook(self) -> tuple[str, str, str]:
        """What the steps of an ordered section share: the section, on one host."""
        return self.item.checklist, self.item.section, self.host.id if self.host else ""


class Run:
    """Records items as they run; everything it hands out is redacted."""

    def __init__(self, settings: Settings, *, prober: Prober, signoffs: SignOffs,
                 secrets: Secrets) -> None:
        self.settings = settings
        self.prober = prober
        self.signoffs = signoffs
        self.secrets = secrets
        self._stopped: dict[tuple[str, str, str], str] = {}  # runbook → first step that failed
        self._done: set[tuple[str, str, str, str]] = set()  # runbook steps that passed
        self._decided: dict[str, ItemRecord] = {}  # nodeid → its record, decided already
        self._frozen = False  # what collection made is out of the garbage collector's scans

    @classmethod
    def start(cls, settings: Settings, rootdir: Path, *,
              concurrency: int = DEFAULT_CONCURRENCY,
              environ: Mapping[str, str] | None = None) -> Run:
        """A run wired the usual way: one set of secrets for the prober and the records,
        target hosts reached with ``environ`` (default: this process's)."""
        secrets = Secrets()
        environ = os.environ if environ is None else environ
        stopping = threading.Event()
        targets = Targets(None if environ is os.environ else environ, rootdir=rootdir,
                          max_open=max(64, 2 * concurrency), stopping=stopping)  # at once
        context = RunContext(rootdir, settings.environment, settings.release, secrets,
                             environ, targets, stopping, deployed_at=settings.deployed_at)
        return cls(settings, prober=Prober(context, concurrency),
                   signoffs=SignOffs(settings, rootdir), secrets=secrets)

    def prepare(self, items: Iterable[Item], *, imports: bool = True) -> None:
        """Ready the run for ``items``: mask, from the first record on, the value of every
        process variable their checks read through ``${env:…}``; and (``imports``) import,
        once, the modules those checks import when they run (a database driver, DNS,
        websockets, trading calendars) — before any probe's clock starts, since an import
        on a probe thread under load can eat a whole time limit. A missing module is the
        check's to report, when it runs."""
        items = list(items)
        names = {n for i in items if i.check is not None for n in i.check.env_names}
        self.secrets.learn(names, self.prober.context.environ)
        if imports:
            preload((i.check.type, i.check.spec) for i in items if i.check is not None)
            gc.freeze()  # what collection made lives till the end: out of the collector's scans
            self._frozen = True
            atexit.unregister(gc.freeze)  # once a process
            atexit.register(gc.freeze)  # at exit too: the interpreter frees it all anyway, and
            # its last cycle collections over every module a run imported cost up to 0.8 s

    def blocked(self, case: Case) -> ItemRecord | None:
        """The record of a step of an ordered section that may not run yet, or None if it
        may: every earlier step (that applies here) ran in this run and passed, or was
        waived — on this host, or, for a step that runs once, on the hosts it ran on."""
        item = case.item
        if not item.ordered:
            return None
        runbook = case.runbook
        stopped = self._stopped.get(runbook)
        if stopped is None and case.host is None:  # it waits for every host's steps
            stopped = next((step for (checklist, section, _), step in self._stopped.items()
                            if (checklist, section) == runbook[:2]), None)
        if stopped is not None:
            return self._made(case, "blocked", blocked_message(stopped))
        for step in item.earlier:
            if step.not_applicable_in(self.settings.environment) is not None:
                continue
            if step.on and case.host is None:
                done = any(d[:2] == runbook[:2] and d[3] == step.id for d in self._done)
            else:
                done = (*runbook[:2], runbook[2] if step.on else "", step.id) in self._done
            if not done:
                return self._made(case, "blocked", blocked_message(
                    step.id, ran=False, section=item.section))
        return None

    def record(self, case: Case) -> ItemRecord:
        """Run ``case``'s check (or decide its sign-offs) and record how it ends — or
        hand out the record decided for it before its turn (:meth:`decide`)."""
        decided = self._decided.pop(case.nodeid, None)
        if decided is not None:
            return self._noted(case, decided)
        item = case.item
        if item.attest is not None:
            result = self.signoffs.approval(item)
        else:
            result = self.prober.result(case.nodeid, item, case.host)
        waiver = self.signoffs.waiver(item) if not result.passed and item.check else None
        status, message = status_of(result, waiver)
        raise_again(result.warnings, self.secrets.redact)  # the item's own, in its turn
        return self._made(case, status, message, result, waiver)

    def skipped(self, case: Case, reason: str) -> ItemRecord:
        """The record of an item a skip mark kept from running: not applicable here, or
        skipped by the user's own mark."""
        applies = case.item.not_applicable_in(self.settings.environment) is None
        return self._made(case, "skipped" if applies else "not_applicable", reason)

    def broken(self, case: Case, message: str) -> ItemRecord:
        """The record of an item that something outside its check broke."""
        return self._made(case, "error", message)

    def _made(self, case: Case, status: str, message: str, result: Result | None = None,
              waiver: SignOff | None = None) -> ItemRecord:
        record = ItemRecord.of(case.item, nodeid=case.nodeid, status=status, message=message,
                               result=result, waiver=waiver, host=case.host,
                               host_order=case.host_order)
        return self._noted(case, self.secrets.redact_record(record))

    def _noted(self, case: Case, record: ItemRecord) -> ItemRecord:
        """``record``, remembered if it stops or advances an ordered section."""
        if case.item.ordered and record.status in STOPS_RUNBOOK:
            self._stopped.setdefault(case.runbook, case.item.id)
        elif case.item.ordered and record.status in ("passed", "waived"):
            self._done.add((*case.runbook, case.item.id))
        return record

    def plan(self, cases: Iterable[Case]) -> None:
        """Start probing ``cases`` (in the order they will be recorded) ahead of time."""
        self.prober.prefetch((c.nodeid, c.item, c.host) for c in cases
                             if not c.item.not_applicable_in(self.settings.environment)
                             and c.nodeid not in self._decided)

    def again(self, cases: Sequence[Case]) -> None:
        """Start a new round of ``cases`` (a watch's): ordered sections start afresh,
        their probes start ahead of time as in a run, the hosts' connections stay open
        from round to round."""
        self._stopped.clear()
        self._done.clear()
        self.prober.context.targets.slots.keep_idle = True  # the hosts' connections too
        self.plan(cases)

    def decide(self, records: Mapping[str, ItemRecord]) -> None:
        """Take ``records`` (by nodeid, redacted) as the items' outcomes: :meth:`record`
        hands each out in its turn instead of running it (a watch's verdicts, reported
        as a run's)."""
        self._decided.update(records)

    def close(self) -> None:
        """Stop probing and end the connections to target hosts."""
        self.prober.close()
        self.prober.context.targets.close()

    def thaw(self) -> None:
        """Hand what collection made back to the garbage collector (a process may run
        pytest again): the last thing a run does, after whatever collects garbage at its
        end, which would otherwise scan every object the run imported."""
        if self._frozen:
            self._frozen = False
            gc.unfreeze()


def fill_header(record: RunRecord, rootdir: Path, checklists: Sequence[Path],
                settings_of: Callable[[], Settings]) -> None:
    """The run's header: the digests of the files the outcome rests on (the checklists,
    allowed_signers, the attestation files) and, when the config can be read
    (``settings_of()``), the project, release, environment, commit and emergency
    contacts."""
    record.checklists = {shown(p, rootdir): file_digest(p) for p in checklists}
    try:
        settings = settings_of()
    except ChecklistError:
        return  # the config's mistakes are the run's collection errors
    record.project, record.release = settings.project.name, settings.release
    record.contacts = list(settings.project.contacts)
    record.environment, record.commit = settings.environment, settings.commit
    signers = rootdir / settings.project.signers
    if signers.is_file():
        record.signers_file = {shown(signers, rootdir): file_digest(signers)}
    attestations = settings.attestations or rootdir / settings.project.attestations
    record.attestations = {shown(p, rootdir): file_digest(p)
                           for p in attestation_files(attestations)}
