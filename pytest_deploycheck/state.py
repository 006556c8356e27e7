"""What one pytest run of deploycheck keeps: config, settings, secrets, order state."""

from __future__ import annotations

import os
import subprocess
from collections import deque
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from .attest import store
from .attest.store import Binding, Trust, Verdict
from .config import Project, Scalar, Settings, hook_variables, load_project
from .errors import ChecklistError, Problem
from .hosts import HostGroup, HostRef, InventoryError, ansible_hosts
from .model import (
    COMMIT_ENV,
    ENVIRONMENT_ENV,
    RELEASE_ENV,
    Attest,
    Checklist,
    Item,
    Result,
    Signer,
)
from .report.record import ItemRecord
from .runner import Pool, Probe, RunContext, wait

RECORD = pytest.StashKey[ItemRecord]()
STATE = pytest.StashKey["State"]()


class State:
    """Made on first use by :func:`get`; one per pytest run (and per xdist worker)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.rootdir = config.rootpath
        config_path = self.rootdir / str(config.getini("deploycheck_config"))
        self._project: Project | None = None
        self._project_error: ChecklistError | None = None
        try:
            self._project = load_project(config_path, self.display_path(config_path),
                                         self.rootdir.name)
        except ChecklistError as exc:
            self._project_error = exc
        self.requested_environment: str | None = (
            config.getoption("deploycheck_env") or os.environ.get(ENVIRONMENT_ENV)
            or config.getini("deploycheck_env") or None)
        self.requested_release: str | None = (
            config.getoption("deploycheck_release") or os.environ.get(RELEASE_ENV)
            or config.getini("deploycheck_release") or None)
        self._settings: Settings | None = None
        self._marks: dict[str, pytest.MarkDecorator] = {}
        self._shared: dict[tuple[str, str], tuple[str, str]] = {}
        self.checklists: dict[str, str] = {}
        self.blocked_by: dict[str, str] = {}
        self._run_context: RunContext | None = None
        self.concurrency: int = (config.getoption("deploycheck_concurrency")
                                 or _ini_concurrency(config))
        self.pool: Pool | None = None
        self.probes: dict[str, Probe] = {}
        self._upcoming: deque[tuple[int, Any]] = deque()
        self._position: dict[str, int] = {}
        self._lane: Pool | None = None
        self.commit: str | None = (config.getoption("deploycheck_commit")
                                   or os.environ.get(COMMIT_ENV) or None)
        self._ledger: tuple[Trust, list[Verdict]] | str | None = None
        self._host_groups: tuple[HostGroup, ...] | ChecklistError | None = None
        self._prepared = False

    @property
    def project(self) -> Project | None:
        return self._project

    def settings(self) -> Settings:
        """The run's settings, or the config's mistakes as a ChecklistError."""
        if self._project_error is not None:
            raise self._project_error
        if self._settings is None:
            assert self._project is not None
            release = self.requested_release or self._project.release or git_describe(
                self.rootdir)
            self._settings = self._project.select(self.requested_environment, release)
        return self._settings

    def prepared_settings(self) -> Settings:
        """The settings with the variables the environment hooks return (calling them the
        first time: in the process that collects)."""
        if not self._prepared:
            base = self.settings()
            self._prepared = True
            results = self.config.hook.pytest_deploycheck_environment(
                config=self.config, environment=base.environment)
            found: dict[str, Scalar] = {}
            for returned in reversed(results):  # pluggy calls the last registered first
                found.update(hook_variables(returned, base.project.path or "the config"))
            if found:
                self._settings = replace(base, variables={**base.variables, **found})
        return self.settings()

    @property
    def environment(self) -> str:
        return self.settings().environment

    @property
    def run_context(self) -> RunContext:
        if self._run_context is None:
            settings = self.settings()
            self._run_context = RunContext(self.rootdir, settings.environment, settings.release)
        return self._run_context

    # -- probing ---------------------------------------------------------------

    def prefetch(self, items: list[Any]) -> None:
        """Probe the read-only checks of ``items`` (ChecklistItems, in run order) on
        the pool, a bounded window ahead of the item that reports; each item
        collects its result when its turn comes."""
        if self.concurrency <= 1:
            return
        chosen = [i for i in items if _concurrent(i.model) and not i.get_closest_marker("skip")]
        self._position = {item.nodeid: n for n, item in enumerate(chosen)}
        self._upcoming = deque(enumerate(chosen))
        if self._upcoming:
            self.pool = Pool(min(self.concurrency, len(self._upcoming)))
            self._fill()

    def _fill(self) -> None:
        pool = self.pool
        if pool is None or pool.stopped:
            return
        window = 2 * pool.size
        run = self.run_context
        while self._upcoming and pool.backlog() < window:
            _, item = self._upcoming.popleft()
            self.probes[item.nodeid] = pool.submit(Probe(item.model, run, item.host))

    def result(self, nodeid: str, model: Item, host: HostRef | None = None) -> Result:
        """Run (or collect the prefetched result of) an item's check (on ``host``)."""
        probe = self.probes.pop(nodeid, None)
        if probe is None and nodeid in self._position:
            # its turn came before the window reached it (earlier items were skipped):
            # what stands before it in the window will not be asked for any more
            here = self._position[nodeid]
            while self._upcoming and self._upcoming[0][0] <= here:
                self._upcoming.popleft()
        self._fill()
        if probe is None:  # checks that run alone, one after the other, on a lane of their own
            if self._lane is None or self._lane.stuck():
                self._lane = Pool(1)
            return wait(self._lane.submit(Probe(model, self.run_context, host)), self._lane)
        return wait(probe, self.pool)

    def stop_probing(self) -> None:
        if self.pool is not None:
            self.pool.cancel_pending()

    def close_pool(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        self.probes.clear()
        self._upcoming.clear()
        if self._lane is not None:
            self._lane.close()
            self._lane = None

    def close_hosts(self) -> None:
        """End the connections to target hosts this process opened."""
        if self._run_context is not None:
            self._run_context.targets.close()

    # -- sign-offs -------------------------------------------------------------

    def ledger(self) -> tuple[Trust, list[Verdict]] | str:
        """allowed_signers and every attestation entry, read and checked once per
        process; or why they cannot be (which fails every manual item)."""
        if self._ledger is None:
            self._ledger = self._read_ledger()
        return self._ledger

    def _read_ledger(self) -> tuple[Trust, list[Verdict]] | str:
        try:
            return store.load_ledger(self.settings().project, self.rootdir,
                                     self.attestations_option(), datetime.now(timezone.utc))
        except store.LedgerError as exc:
            return str(exc)

    def attestations_option(self) -> Path | None:
        """The attestation file or directory named on the command line, if any."""
        option = self.config.getoption("deploycheck_attestations")
        return Path(option) if option else None

    def _binding(self, model: Item) -> Binding:
        settings = self.settings()
        return Binding(project=settings.project.name, release=settings.release,
                       environment=settings.environment, checklist=model.checklist,
                       item=model.id, item_digest=model.digest, commit=self.commit)

    def sign_off(self, model: Item) -> Result:
        """Whether the manual item ``model`` has the signed approvals it needs."""
        assert model.attest is not None
        binding = self._binding(model)
        ledger = self.ledger()
        if isinstance(ledger, str):  # fail closed, saying what is needed and what is broken
            needs = store.decide(model.attest, [], binding).message
            return Result("failed", f"no attestation for {model.id}: {needs} ({ledger})")
        decision = store.decide(model.attest, ledger[1], binding)
        if decision.passed:
            return Result("passed", decision.message, signers=decision.signers)
        return Result("failed", f"no attestation for {model.id}: {decision.message}",
                      signers=decision.signers, awaiting=decision.awaiting)

    def waiver(self, model: Item) -> Signer | None:
        """Who waived a failure of the automated item ``model``, or None."""
        roles = self.settings().project.waiver_roles
        ledger = self.ledger()
        if not roles or isinstance(ledger, str):
            return None
        decision = store.decide(Attest(roles), ledger[1], self._binding(model), kind="waiver")
        return decision.signers[0] if decision.passed else None

    def host_groups(self) -> tuple[HostGroup, ...]:
        """The environment's host groups, Ansible inventories read (once a process)."""
        if isinstance(self._host_groups, ChecklistError):
            raise self._host_groups
        if self._host_groups is None:
            settings = self.settings()
            found = []
            for group in settings.hosts:
                if group.ansible is None:
                    found.append(group)
                    continue
                try:
                    found.append(ansible_hosts(group, str(self.rootdir)))
                except InventoryError as exc:
                    where = settings.project.path or "the config"
                    self._host_groups = ChecklistError([Problem(
                        where, 1, 1, str(exc),
                        field=f"environments.{settings.environment}.hosts.{group.name}")])
                    raise self._host_groups from None
            self._host_groups = tuple(found)
        return self._host_groups

    def learn_secrets(self, items: list[Any]) -> None:
        """Mask, from the first report on, the value of every process variable the
        checks of ``items`` (ChecklistItems) read through ``${env:…}``."""
        names = {n for i in items if i.model.check is not None for n in i.model.check.env_names}
        if not names:
            return
        secrets = self.run_context.secrets
        for name in sorted(names):
            value = os.environ.get(name)
            if value:
                secrets.add(value)

    def display_path(self, path: Path) -> str:
        try:
            return path.relative_to(self.rootdir).as_posix()
        except ValueError:
            return str(path)

    def claim_checklist(self, checklist: Checklist) -> None:
        other = self.checklists.setdefault(checklist.id, checklist.path)
        if other != checklist.path:
            loc = checklist.location
            raise ChecklistError([Problem(
                loc.path, loc.line, loc.column, f"duplicate checklist id {checklist.id!r}",
                field="checklist", hint=f"{other} already uses it; checklist ids are unique "
                "in a project")])

    def shared(self, value: tuple[str, str]) -> tuple[str, str]:
        """One copy of a (name, value) property that thousands of items carry."""
        return self._shared.setdefault(value, value)

    def mark(self, name: str) -> pytest.MarkDecorator:
        """The (registered) marker called ``name``."""
        found = self._marks.get(name)
        if found is None:
            # register tags as they appear, so that --strict-markers accepts them
            registered = {line.split(":")[0].strip() for line in self.config.getini("markers")}
            if name not in registered:
                self.config.addinivalue_line("markers", f"{name}: deploycheck checklist tag")
            found = self._marks[name] = getattr(pytest.mark, name)
        return found


def _ini_concurrency(config: pytest.Config) -> int:
    value = str(config.getini("deploycheck_concurrency")).strip()
    if not value.isdigit() or int(value) < 1:
        raise pytest.UsageError(
            f"ini option deploycheck_concurrency: expected a whole number of at least 1, "
            f"got {value!r}")
    return int(value)


def get(config: pytest.Config) -> State:
    """The run's state, made on first use (only runs that meet a checklist pay for it)."""
    found = config.stash.get(STATE, None)
    if found is None:
        found = config.stash[STATE] = State(config)
    return found


def _concurrent(model: Item) -> bool:
    """Whether an item's probe may run concurrently with others."""
    return model.check is not None and model.check.read_only and not model.ordered


def git_describe(rootdir: Path) -> str | None:
    """The release as ``git describe --tags`` names it, if the project is a git
    checkout with a tag (the last resort after the option and the config)."""
    try:
        done = subprocess.run(["git", "describe", "--tags"], cwd=rootdir, capture_output=True,
                              text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    name = done.stdout.strip()
    return name if done.returncode == 0 and name else None
