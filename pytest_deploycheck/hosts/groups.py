"""Host groups: the hosts an environment names, each with its id, read from the config
(a list of testinfra URLs, or an Ansible inventory's group, expanded once a process).

Plain data and checks only: nothing here connects to a host (that is :mod:`.targets`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import ConfigDict, Field, with_config

from ..errors import ChecklistError, Problem
from ..units import Duration, Timeout
from ..yamlsrc import KeyPath, Source

INSTALL_HINT = "pip install 'pytest-deploycheck[hosts]'"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_SESSIONS = 4
_ID = re.compile(r"^[A-Za-z0-9_.@:%+-]+$")
_GROUP_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class HostSpecError(ValueError):
    """A host URL that cannot name a host."""


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach the hosts of a group."""

    ssh_config: str | None = None
    identity_file: str | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    sudo: bool = False
    sudo_user: str | None = None
    max_sessions: int = DEFAULT_SESSIONS
    control_persist: float | None = None  # seconds an idle ssh connection is kept after a run


@dataclass(frozen=True, slots=True)
class HostRef:
    """One host of a group: its id in node ids and reports, and its testinfra URL."""

    id: str
    url: str
    group: str
    connection: Connection


def host_id(url: str) -> str:
    """What a host is called in node ids and reports: the host part of its URL
    without the user (``ssh://deploy@web-1:2222`` → ``web-1:2222``; ``local://`` →
    ``local``; ``kubectl://pod?namespace=x`` → ``pod``)."""
    if "://" not in url:
        raise HostSpecError(f"{url!r} is not a host URL like ssh://user@host, "
                            "docker://container or local://")
    parsed = urllib.parse.urlsplit(url)
    if not parsed.scheme:
        raise HostSpecError(f"{url!r} has no connection type (ssh://, docker://, local:// …)")
    netloc = parsed.netloc.rpartition("@")[2]
    found = netloc or parsed.scheme
    if not _ID.match(found):
        raise HostSpecError(f"{url!r}: the host name {found!r} has characters node ids cannot "
                            "carry")
    return found


@dataclass(frozen=True, slots=True)
class HostGroup:
    """A named group of hosts: listed as URLs, or an Ansible inventory's group
    (``ansible`` = (inventory path as written, group), expanded at collection)."""

    name: str
    hosts: tuple[HostRef, ...]
    connection: Connection = Connection()
    ansible: tuple[str, str] | None = None


@with_config(ConfigDict(extra="forbid"))
@dataclass
class HostGroupDoc:
    """``environments.<env>.hosts.<group>`` in the project config, written in full."""

    hosts: list[str] = field(default_factory=list)
    ansible_inventory: str | None = None
    ansible_group: str | None = None
    ssh_config: str | None = None
    identity_file: str | None = None
    connect_timeout: Timeout = DEFAULT_CONNECT_TIMEOUT
    sudo: bool = False
    sudo_user: str | None = None
    max_sessions: Annotated[int, Field(ge=1, le=64)] = DEFAULT_SESSIONS
    ssh_control_persist: Duration | None = None


def groups_of(environments: Mapping[str, Mapping[str, list[str] | HostGroupDoc]],
              source: Source) -> tuple[dict[str, tuple[HostGroup, ...]], list[Problem]]:
    """Each environment's host groups (``environments[env]`` maps a group name to its
    document), every host with its id; or what is wrong, located in ``source``."""
    problems = []
    found: dict[str, tuple[HostGroup, ...]] = {}

    def problem(path: KeyPath, message: str, hint: str | None = None, key: bool = False) -> None:
        line, column = source.mark(path, key=key)
        problems.append(Problem(source.path, line, column, message,
                                field=".".join(map(str, path)), hint=hint))

    for env_name, hosts in environments.items():
        groups = []
        seen: dict[str, str] = {}
        for group_name, raw in hosts.items():
            path: KeyPath = ("environments", env_name, "hosts", group_name)
            doc = HostGroupDoc(hosts=raw) if isinstance(raw, list) else raw
            urls_path = path if isinstance(raw, list) else (*path, "hosts")
            if not _GROUP_NAME.match(group_name):
                problem(path, f"host group name {group_name!r} is not valid",
                        "use letters, digits, '_' and '-'", key=True)
            if bool(doc.hosts) == bool(doc.ansible_inventory):
                problem(path, f"host group {group_name!r} has no hosts" if not doc.hosts else
                        f"host group {group_name!r} has both hosts and an ansible_inventory",
                        "list host URLs such as ssh://deploy@web-1, or give "
                        "ansible_inventory (and ansible_group)")
            connection = Connection(
                ssh_config=doc.ssh_config, identity_file=doc.identity_file,
                connect_timeout=doc.connect_timeout, sudo=doc.sudo, sudo_user=doc.sudo_user,
                max_sessions=doc.max_sessions, control_persist=doc.ssh_control_persist)
            refs = []
            for n, url in enumerate(doc.hosts):
                try:
                    ident = host_id(url)
                except HostSpecError as exc:
                    problem((*urls_path, n), str(exc))
                    continue
                if ident in seen:
                    problem((*urls_path, n), f"host {ident!r} is already in group "
                            f"{seen[ident]!r} of environment {env_name!r}",
                            "a host belongs to one group; items may name several groups "
                            "with 'on: [a, b]'")
                    continue
                seen[ident] = group_name
                refs.append(HostRef(ident, url, group_name, connection))
            ansible = None
            if doc.ansible_inventory:
                ansible = (doc.ansible_inventory, doc.ansible_group or group_name)
            groups.append(HostGroup(group_name, tuple(refs), connection, ansible))
        found[env_name] = tuple(groups)
    return found, problems


class InventoryError(Exception):
    """An Ansible inventory that cannot give the group's hosts (the message says why)."""


def expand(groups: Sequence[HostGroup], rootdir: str, where: str,
           environment: str) -> tuple[HostGroup, ...]:
    """``groups`` with every Ansible inventory read (a ChecklistError naming the config's
    field when one cannot be)."""
    found = []
    for group in groups:
        if group.ansible is None:
            found.append(group)
            continue
        try:
            found.append(ansible_hosts(group, rootdir))
        except InventoryError as exc:
            raise ChecklistError([Problem(
                where, 1, 1, str(exc),
                field=f"environments.{environment}.hosts.{group.name}")]) from None
    return tuple(found)


def ansible_hosts(group: HostGroup, rootdir: str) -> HostGroup:
    """``group`` with the hosts of its Ansible inventory group, in inventory order
    (sorted by name, the same in every process), as ``ansible://`` URLs."""
    assert group.ansible is not None
    written, pattern = group.ansible
    inventory = os.path.join(rootdir, os.path.expanduser(written))
    if not os.path.exists(inventory):
        raise InventoryError(f"the Ansible inventory {written} does not exist")
    try:
        from testinfra.utils.ansible_runner import AnsibleRunner
    except ImportError:
        raise InventoryError(f"reading an Ansible inventory needs pytest-testinfra: "
                             f"{INSTALL_HINT} ansible-core") from None
    # ansible-inventory once, with a time limit (testinfra would run it without one), found
    # on PATH or beside the Python running pytest (a virtualenv's bin/, not always on PATH)
    on_path = shutil.which("ansible-inventory")
    program = on_path or shutil.which("ansible-inventory", path=os.path.dirname(sys.executable))
    if program is None:
        raise InventoryError("reading an Ansible inventory needs ansible-inventory: pip "
                             "install ansible-core")
    try:
        done = subprocess.run([program, "--list", "-i", inventory], capture_output=True,
                              text=True, timeout=60, check=False,
                              env={**os.environ, "ANSIBLE_VERBOSITY": "0"})
        data = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise InventoryError(f"cannot read the Ansible inventory {written}: {exc}") from None
    if data is None:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        why = lines[-1][:200] if lines else f"exit code {done.returncode}"
        raise InventoryError(f"cannot read the Ansible inventory {written}: {why}")
    if on_path is None:  # testinfra's ansible backend calls ansible tools by name
        os.environ["PATH"] = os.path.dirname(program) + os.pathsep + os.environ.get("PATH", "")
    runner = AnsibleRunner.get_runner(inventory)  # the runner its ansible:// hosts will use
    runner.__dict__["inventory"] = data  # what testinfra would have read (cached property)
    try:
        names = runner.get_hosts(pattern)
    except RuntimeError as exc:
        raise InventoryError(f"cannot read the Ansible inventory {written}: {exc}") from None
    if not names:
        raise InventoryError(f"the Ansible inventory {written} has no hosts in group "
                             f"{pattern!r}")
    refs = []
    for name in names:
        if not _ID.match(name):
            raise InventoryError(f"the Ansible inventory {written}: host name {name!r} has "
                                 "characters node ids cannot carry")
        url = f"ansible://{name}?ansible_inventory={urllib.parse.quote(inventory, safe='/')}"
        refs.append(HostRef(name, url, group.name, group.connection))
    return HostGroup(group.name, tuple(refs), group.connection)


def hosts_of(groups: Sequence[HostGroup], names: Sequence[str]) -> list[HostRef]:
    """The hosts of the groups ``names``, in config order, each once."""
    by_name = {g.name: g for g in groups}
    seen: set[str] = set()
    found = []
    for name in names:
        for host in by_name[name].hosts:
            if host.id not in seen:
                seen.add(host.id)
                found.append(host)
    return found
