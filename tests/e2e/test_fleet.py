"""A fleet against a real OpenSSH server on 127.0.0.1 (every host name points at it,
and its log counts the connections): one connection per host, under xdist too;
connections kept for the next phase; evidence that names each host's connection."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.project import Project, assert_clean
from helpers.sshd import Sshd
from pytest_deploycheck.hosts.targets import stop_master

ITEMS = """
checklist: fleet
title: Fleet
sections:
  - id: servers
    title: Servers
    on: web
    items:
      - {id: disk, title: Disk space, phase: predeploy, check: {disk: {min_free: 1MB}}}
      - {id: sshd, title: sshd runs, phase: predeploy, check: {process: {name: sshd}}}
      - {id: up, title: Uptime, phase: predeploy,
         check: {command: {run: [cat, /proc/uptime]}}}
      - {id: after, title: Still there, phase: postdeploy,
         check: {file: {path: /etc/hostname}}}
"""


def fleet(project: Project, ssh_config: Path, hosts: int | list[str], extra: str = "",
          connect_timeout: str = "5s") -> None:
    """The fleet checklist on group ``web``: web-1 … web-N, or the URLs ``hosts``."""
    urls = hosts if isinstance(hosts, list) else [f"ssh://web-{n}" for n in range(1, hosts + 1)]
    project.config(f"""
        project: fleet
        environments:
          production:
            hosts:
              web:
                hosts: [{", ".join(urls)}]
                ssh_config: {ssh_config}
                connect_timeout: {connect_timeout}
                {extra}
        """)
    project.checklist(ITEMS, name="fleet")


def outcomes(path: Path) -> list[tuple[str, str, str]]:
    items = json.loads(path.read_text())["items"]
    return sorted((i["id"], i["host"], i["outcome"]) for i in items)


def test_under_xdist_each_host_is_one_connection_with_a_serial_runs_outcomes(
    project: Project, ssh_server: Sshd
) -> None:
    fleet(project, ssh_server.ssh_config, 6)
    serial = project.run("--deploycheck-concurrency=1", "--deploycheck-json=serial.json")
    serial.assert_outcomes(passed=24)
    before = ssh_server.logins()
    spread = project.run("-n", "2", "--deploycheck-json=spread.json")
    assert_clean(spread)
    spread.assert_outcomes(passed=24)
    assert ssh_server.logins() - before == 6  # each host on one worker, connected once
    assert outcomes(project.path / "spread.json") == outcomes(project.path / "serial.json")


def test_a_single_process_connects_to_each_host_once(project: Project,
                                                     ssh_server: Sshd) -> None:
    fleet(project, ssh_server.ssh_config, 5)
    before = ssh_server.logins()
    project.run().assert_outcomes(passed=20)
    assert ssh_server.logins() - before == 5


@pytest.fixture
def runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private $XDG_RUNTIME_DIR (short: socket paths are); the ssh masters kept in it
    are stopped afterwards."""
    path = Path(tempfile.mkdtemp(prefix="dc-rt-"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(path))
    yield path
    for socket in path.glob("deploycheck-*/*"):
        stop_master(str(socket))


def test_kept_connections_serve_the_next_phase(project: Project, ssh_server: Sshd,
                                               runtime_dir: Path) -> None:
    fleet(project, ssh_server.ssh_config, 3, extra="ssh_control_persist: 2m")
    before = ssh_server.logins()
    project.run("-m", "predeploy").assert_outcomes(passed=9, deselected=3)
    project.run("-m", "postdeploy", "--deploycheck-json=after.json").assert_outcomes(
        passed=3, deselected=9)
    assert ssh_server.logins() - before == 3  # once per host, for both phases
    (kept,) = runtime_dir.glob("deploycheck-*")
    assert kept.stat().st_mode & 0o777 == 0o700
    assert len(list(kept.iterdir())) == 3  # a socket per host
    # without it, the next phase connects again
    fleet(project, ssh_server.ssh_config, 3)
    before = ssh_server.logins()
    project.run("-m", "predeploy").assert_outcomes(passed=9, deselected=3)
    project.run("-m", "postdeploy").assert_outcomes(passed=3, deselected=9)
    assert ssh_server.logins() - before == 6


def test_a_kept_connections_directory_others_can_reach_fails_the_items(
    project: Project, ssh_server: Sshd, runtime_dir: Path
) -> None:
    fleet(project, ssh_server.ssh_config, 1, extra="ssh_control_persist: 2m")
    project.run("-m", "postdeploy").assert_outcomes(passed=1, deselected=3)
    (kept,) = runtime_dir.glob("deploycheck-*")
    for socket in kept.iterdir():
        stop_master(str(socket))
    kept.chmod(0o777)
    result = project.run("-m", "postdeploy", "-rf")
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines([
        f"host web-1: cannot keep its connection: {kept} is not a "
        "directory of yours alone (mode drwxrwxrwx, owner uid *); remove it, or set "
        "$XDG_RUNTIME_DIR to a private directory"])
    assert not list(kept.iterdir())  # nothing connected through it


def test_the_evidence_names_each_hosts_connection_and_its_jump_host(
    project: Project, ssh_server: Sshd
) -> None:
    config = ssh_server.ssh_config.read_text()
    common = config.split("Host dead-*\n", 1)[1].split("\n", 2)[2]  # User … BatchMode
    jumped = ssh_server.ssh_config.with_name("ssh_config_jump")
    jumped.write_text(f"{config}Host jumped-*\n  HostName 127.0.0.1\n  Port {ssh_server.port}\n"
                      f"  ProxyJump web-1\n{common}")
    fleet(project, jumped, ["ssh://web-1", "ssh://jumped-1"])
    project.run("-m", "postdeploy", "--deploycheck-json=run.json").assert_outcomes(
        passed=2, deselected=6)
    items = json.loads((project.path / "run.json").read_text())["items"]
    evidence = {i["host"]: i["evidence"] for i in items}
    user, port = ssh_server.user, ssh_server.port
    assert evidence["web-1"]["connection"] == f"ssh {user}@127.0.0.1:{port}"
    assert evidence["jumped-1"]["connection"] == f"ssh {user}@127.0.0.1:{port} via web-1"
    for facts in evidence.values():
        assert facts["connect and first command"].endswith(("ms", " s"))
        assert "waited for a connection" not in facts


def test_a_dead_host_among_many_fails_alone_within_its_connect_timeout(
    project: Project, ssh_server: Sshd
) -> None:
    fleet(project, ssh_server.ssh_config,
          [*(f"ssh://web-{n}" for n in range(1, 13)), "ssh://dead-1"], connect_timeout="3s")
    result = project.run("-m", "predeploy", "-rf", "-n", "2")
    assert_clean(result)
    result.assert_outcomes(passed=36, failed=3)
    failed = [line for line in result.outlines if line.startswith("FAILED")]
    assert len(failed) == 3
    assert all("[dead-1] - host dead-1 (ssh://dead-1) " in line for line in failed)
    result.stdout.fnmatch_lines(["web: 12/13 hosts passed — failing: dead-1"])


def test_a_watch_keeps_each_hosts_connection_from_round_to_round(
    project: Project, ssh_server: Sshd
) -> None:
    fleet(project, ssh_server.ssh_config, 2)
    before = ssh_server.logins()
    done = subprocess.run(
        [sys.executable, "-m", "pytest_deploycheck", "watch", "-m", "predeploy", "--every",
         "200ms", "--for", "2s", "--port", "0"], cwd=project.path, capture_output=True,
        text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    rounds = re.search(r"(\d+) rounds", done.stdout)
    assert rounds is not None, done.stdout[-3000:]
    assert int(rounds[1]) >= 3
    assert ssh_server.logins() - before == 2  # not once a round


def test_a_kept_connection_is_not_reused_once_the_ssh_config_changes(
    project: Project, ssh_server: Sshd, runtime_dir: Path
) -> None:
    config = project.path / "ssh_config"
    config.write_text(ssh_server.ssh_config.read_text())
    fleet(project, config, 1, extra="ssh_control_persist: 2m")
    before = ssh_server.logins()
    for _ in range(2):
        project.run("-m", "postdeploy").assert_outcomes(passed=1, deselected=3)
    assert ssh_server.logins() - before == 1  # kept, then reused
    # the config changes (a HostName, a jump host, here a keepalive): ssh -G says so
    config.write_text(config.read_text().replace(
        "Host web-* db-* host-*\n", "Host web-* db-* host-*\n  ServerAliveInterval 30\n", 1))
    project.run("-m", "postdeploy").assert_outcomes(passed=1, deselected=3)
    assert ssh_server.logins() - before == 2  # connected anew, as the config now says
