"""Host-level items run on the target hosts, once per host, through pytest-testinfra —
against a real OpenSSH server on 127.0.0.1 (several host names point at it)."""

from __future__ import annotations

import json
import time

import pytest

from helpers.project import Project, assert_clean, checklist_of
from helpers.servers import serve
from helpers.sshd import Sshd


def hosts_config(sshd: Sshd, web: str = "[ssh://web-1, ssh://web-2]", extra: str = "") -> str:
    return f"""
        project: payments
        environments:
          production:
            hosts:
              web:
                hosts: {web}
                ssh_config: {sshd.ssh_config}
                connect_timeout: 3s
              local: [local://]
              {extra}
        """


HOST_ITEMS = (
    "{id: disk, title: Disk space adequate, check: {disk: {path: /, min_free: 1MB}}}",
    "{id: sshd, title: sshd running, check: {process: {name: sshd}}}",
    "{id: uptime, title: Commands run there, check: {command: {run: [cat, /proc/uptime]}}}",
)


@pytest.fixture
def web(project: Project, ssh_server: Sshd) -> Project:
    project.config(hosts_config(ssh_server))
    project.checklist(checklist_of(*HOST_ITEMS).replace("phase: predeploy",
                                                        "phase: predeploy\n        on: web"))
    return project


def test_an_item_runs_once_on_each_host_of_its_group(web: Project) -> None:
    result = web.run("-v", "--deploycheck-json=run.json")
    assert_clean(result)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines_random([
        "checks/app.yaml::s::disk?web-1? PASSED*", "checks/app.yaml::s::disk?web-2? PASSED*",
        "checks/app.yaml::s::sshd?web-1? PASSED*", "checks/app.yaml::s::uptime?web-2? PASSED*",
        "web: 2/2 hosts passed",
    ])
    items = json.loads((web.path / "run.json").read_text())["items"]
    assert [(i["id"], i["host"], i["group"]) for i in items] == [
        ("disk", "web-1", "web"), ("disk", "web-2", "web"), ("sshd", "web-1", "web"),
        ("sshd", "web-2", "web"), ("uptime", "web-1", "web"), ("uptime", "web-2", "web")]
    assert all(i["evidence"]["host"] == i["host"] for i in items)
    sshd_items = [i for i in items if i["id"] == "sshd"]
    assert all(i["evidence"]["count"] >= 1 for i in sshd_items)


def test_a_host_is_selected_with_k_and_its_group_too(web: Project) -> None:
    web.run("-k", "web-2").assert_outcomes(passed=3, deselected=3)
    web.run("-k", "web and sshd").assert_outcomes(passed=2, deselected=4)


def test_hosts_spread_over_xdist_workers_with_the_same_outcomes(web: Project) -> None:
    result = web.run("-n", "2", "-v")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["web: 2/2 hosts passed"])


def test_an_unreachable_host_fails_its_items_in_one_line_and_the_others_go_on(
    project: Project, ssh_server: Sshd
) -> None:
    project.config(hosts_config(ssh_server, web="[ssh://web-1, ssh://dead-1, ssh://web-2]"))
    project.checklist(checklist_of(*HOST_ITEMS).replace("phase: predeploy",
                                                        "phase: predeploy\n        on: web"))
    started = time.monotonic()
    result = project.run("-rf")
    elapsed = time.monotonic() - started
    assert_clean(result)
    result.assert_outcomes(passed=6, failed=3)
    result.stdout.fnmatch_lines([
        "*_ checks/app.yaml::s::disk?dead-1?: Disk space adequate _*",
        "host dead-1 (ssh://dead-1) unreachable: ssh: connect to host 127.0.0.1 port *: "
        "Connection refused",
        "web: 2/3 hosts passed — failing: dead-1",
    ])
    assert elapsed < 10  # refused at once, not three connect timeouts


def test_a_host_that_does_not_answer_fails_within_the_connect_timeout(
    project: Project, ssh_server: Sshd, tmp_path: pytest.TempPathFactory
) -> None:
    # a port that accepts connections but never says a word: ssh waits for the banner
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        config = ssh_server.ssh_config.read_text() + (
            f"Host quiet-1\n  HostName 127.0.0.1\n  Port {silent.getsockname()[1]}\n"
            "  BatchMode yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n")
        (project.path / "ssh_config").write_text(config)
        project.config(hosts_config(ssh_server, web="[ssh://quiet-1]").replace(
            str(ssh_server.ssh_config), str(project.path / "ssh_config")).replace(
            "connect_timeout: 3s", "connect_timeout: 1s"))
        project.checklist(checklist_of(*HOST_ITEMS[:2]).replace(
            "phase: predeploy", "phase: predeploy\n        on: web"))
        started = time.monotonic()
        result = project.run("-rf")
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert_clean(result)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["host quiet-1 (ssh://quiet-1) unreachable: *"])
    assert elapsed < 8  # one connect timeout for the host, not one per item


def test_host_checks_run_through_the_local_backend_too(project: Project) -> None:
    with serve() as server:
        port = server.url.rsplit(":", 1)[1]
        project.config("environments: {here: {hosts: {local: [local://]}}}\n")
        project.checklist(checklist_of(
            "{id: mem, title: Memory adequate, check: {memory: {min_available: 1MB}}}",
            "{id: readme, title: A file there, check: {file: {path: /etc/hostname, "
            "max_age: 100000d}}}",
            f"{{id: listening, title: Port open, check: {{port: {{port: {port}, "
            "address: 127.0.0.1}}}",
            "{id: pkg, title: OpenSSH installed, check: {package: {name: openssh-client, "
            "version: '>=1:7.0'}}}",
            "{id: no-pkg, title: No telnetd, check: {package: {name: telnetd-absent, "
            "installed: false}}}",
            "{id: no-svc, title: No such service runs, check: {service: {name: "
            "deploycheck-absent, running: false}}}",
        ).replace("phase: predeploy", "phase: predeploy\n        on: local"))
        result = project.run("-rA")
    assert_clean(result)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines_random([
        "host: local", "listening on: 127.0.0.1", "installed: yes", "version: 1:*"])


def test_failures_on_a_host_say_what_was_found_there(project: Project) -> None:
    project.config("environments: {here: {hosts: {local: [local://]}}}\n")
    project.checklist(checklist_of(
        "{id: disk, title: Disk, check: {disk: {path: /, min_free: 1000000TB}}}",
        "{id: proc, title: Process, check: {process: {name: no-such-program}}}",
        "{id: port, title: Port, check: {port: {port: 1, listening: true}}}",
        "{id: pkg, title: Package, check: {package: {name: openssh-client, version: '<1.0'}}}",
        "{id: cmd, title: Command, check: {command: {run: [sh, -c, 'exit 3']}}}",
        "{id: slow, title: Slow, timeout: 1s, check: {command: {run: [sleep, '10']}}}",
        "{id: file, title: File, check: {file: {path: /etc/hostname, contains: nope}}}",
    ).replace("phase: predeploy", "phase: predeploy\n        on: local"))
    started = time.monotonic()
    result = project.run("--deploycheck-concurrency", "1")
    assert time.monotonic() - started < 15
    assert_clean(result)
    result.assert_outcomes(failed=7)
    result.stdout.fnmatch_lines_random([
        "expected at least * free on /, found *",
        "expected at least 1 no-such-program process on local, found 0",
        "expected something listening on tcp/1 on local; nothing is",
        "expected package openssh-client <1.0 on local, found 1:*",
        "expected exit code 0, got 3",
        "sleep 10: did not finish within 1* on local (killed)",
        "expected hostname to contain 'nope'; it does not",
    ])


def test_an_ordered_section_blocks_per_host(project: Project, ssh_server: Sshd) -> None:
    project.config(hosts_config(ssh_server))
    project.checklist("""
        checklist: app
        title: App
        phase: rollback
        sections:
          - id: steps
            title: Rollback
            ordered: true
            on: web
            items:
              - id: stop
                title: Stop the service
                check: {command: {run: [sh, -c, 'test "$(hostname)" = never-this']}}
              - id: restore
                title: Restore
                check: {command: {run: ["true"]}}
        """)
    result = project.run("-rs")
    result.assert_outcomes(failed=2, skipped=2)
    result.stdout.fnmatch_lines_random(["*blocked by stop: an earlier step*"] * 2)


def test_a_container_host_that_is_not_there_is_unreachable(project: Project) -> None:
    # docker://: the docker CLI is the transport; with no daemon (or no CLI) to reach,
    # the host's items fail as unreachable, saying what the CLI said
    project.config("environments: {here: {hosts: {db: ['docker://dc-no-such-container']}}}\n")
    project.checklist(checklist_of(*HOST_ITEMS[:2]).replace(
        "phase: predeploy", "phase: predeploy\n        on: db"))
    result = project.run()
    assert_clean(result)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["host dc-no-such-container (docker://dc-no-such-container) "
                                 "unreachable: *"])


def test_a_group_can_come_from_an_ansible_inventory(project: Project, ssh_server: Sshd) -> None:
    project.write("deploy/inventory.ini", f"""
        [webservers]
        web-a ansible_host=127.0.0.1
        web-b ansible_host=127.0.0.1

        [webservers:vars]
        ansible_port={ssh_server.port}
        ansible_user={ssh_server.user}
        ansible_ssh_private_key_file={ssh_server.key}
        ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'
        """)
    project.config("""
        environments:
          production:
            hosts:
              web: {ansible_inventory: deploy/inventory.ini, ansible_group: webservers}
        """)
    project.checklist(checklist_of(*HOST_ITEMS[:2]).replace(
        "phase: predeploy", "phase: predeploy\n        on: web"))
    result = project.run("-v")
    assert_clean(result)
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines_random(["*disk?web-a? PASSED*", "*sshd?web-b? PASSED*",
                                        "web: 2/2 hosts passed"])


def test_an_inventory_that_cannot_be_read_is_a_collection_error(project: Project) -> None:
    project.config("""
        environments:
          production:
            hosts:
              web: {ansible_inventory: deploy/missing.ini}
        """)
    project.checklist(checklist_of(
        "{id: disk, title: Disk, on: web, check: {disk: {min_free: 1MB}}}"))
    assert ("field 'environments.production.hosts.web': the Ansible inventory "
            "deploy/missing.ini does not exist") in collection_errors(project)


# -- mistakes, at collection -----------------------------------------------------------


def collection_errors(project: Project) -> str:
    result = project.run()
    assert_clean(result)
    assert result.ret == 2
    return result.stdout.str()


def test_an_unknown_host_group_is_a_collection_error(project: Project, ssh_server: Sshd) -> None:
    project.config(hosts_config(ssh_server))
    project.checklist(checklist_of(
        "{id: disk, title: Disk, on: wbe, check: {disk: {min_free: 1MB}}}"))
    assert ("checks/app.yaml:8:37: item 'disk', field 'on': unknown host group 'wbe' in "
            "environment 'production' — did you mean 'web'?") in collection_errors(project)


def test_on_is_refused_for_checks_that_cannot_run_on_a_host(project: Project,
                                                            ssh_server: Sshd) -> None:
    project.config(hosts_config(ssh_server))
    project.checklist(checklist_of(
        "{id: api, title: API, on: web, check: {http: {url: 'http://x/'}}}",
        "{id: ok, title: Signed, on: web, attest: {roles: [ops]}}"))
    out = collection_errors(project)
    assert ("item 'api', field 'on': check type 'http' cannot run on a host — types that can: "
            "command, disk, file, memory, package, port, process, service") in out
    assert "item 'ok', field 'on': a manual item is signed off once, not on each host" in out


def test_host_urls_and_groups_are_checked_in_the_config(project: Project) -> None:
    project.config("""
        environments:
          production:
            hosts:
              web: [ssh://web-1, web-2, ssh://deploy@web-1]
              db: []
        """)
    project.checklist(checklist_of(
        "{id: disk, title: Disk, on: web, check: {disk: {min_free: 1MB}}}"))
    out = collection_errors(project)
    assert ("field 'environments.production.hosts.web.1': 'web-2' is not a host URL like "
            "ssh://user@host, docker://container or local://") in out
    assert "host 'web-1' is already in group 'web' of environment 'production'" in out
    assert "host group 'db' has no hosts" in out


def test_a_group_missing_where_the_item_does_not_apply_is_no_mistake(project: Project) -> None:
    project.config("environments: {staging: {}, production: {hosts: {web: [local://]}}}\n"
                   "default_environment: staging\n")
    project.checklist(checklist_of(
        "{id: disk, title: Disk, on: web, only_in: [production], "
        "check: {disk: {min_free: 1MB}}}"))
    project.run().assert_outcomes(skipped=1)


def test_without_pytest_testinfra_host_items_fail_with_the_install_line(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a package that shadows testinfra and fails to import, as a missing one does
    project.write("blocked/testinfra/__init__.py",
                  'raise ImportError("No module named \'testinfra\'")\n')
    project.config("environments: {here: {hosts: {local: [local://]}}}\n")
    project.checklist(checklist_of(
        "{id: disk, title: Disk, on: local, check: {disk: {min_free: 1MB}}}"))
    monkeypatch.setenv("PYTHONPATH", str(project.path / "blocked"))
    result = project.run_subprocess("-p", "no:pytest11.testinfra")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "running checks on hosts needs pytest-testinfra: pip install "
        "'pytest-deploycheck[hosts]'"])
