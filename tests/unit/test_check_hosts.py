"""Host-level checks through ``testing.run_check``: on this machine, and on a host given
as a testinfra URL (``local://`` here, through testinfra's local backend)."""

from __future__ import annotations

import getpass
import subprocess

import pytest

from helpers.checks import fails, passes, shows
from helpers.servers import serve
from pytest_deploycheck.errors import DeploycheckError
from pytest_deploycheck.testing import run_check

LOCAL = "local://"


def test_process_counts_the_running_program_and_fails_on_a_missing_one() -> None:
    with subprocess.Popen(["sleep", "30"]) as sleeper:
        try:
            shows(passes("process", {"name": "sleep", "user": getpass.getuser()}, host=LOCAL),
                  host="local", count="*", pids=f"*{sleeper.pid}*")
        finally:
            sleeper.kill()
    fails("process", {"name": "no-such-program"},
          "expected at least 1 no-such-program process on local, found 0", host=LOCAL)


def test_port_sees_a_listening_socket_and_nothing_on_port_1() -> None:
    with serve() as server:
        port = int(server.url.rsplit(":", 1)[1])
        shows(passes("port", {"port": port, "address": "127.0.0.1"}, host=LOCAL),
              listening_on="127.0.0.1")
    fails("port", {"port": 1}, "expected something listening on tcp/1 on local; nothing is",
          host=LOCAL)


def test_package_installed_in_a_version_that_fits_or_not() -> None:
    shows(passes("package", {"name": "openssh-client", "version": ">=1:7.0"}, host=LOCAL),
          installed="yes", version="1:*")
    passes("package", {"name": "telnetd-absent", "installed": False}, host=LOCAL)
    fails("package", {"name": "openssh-client", "version": "<1.0"},
          "expected package openssh-client <1.0 on local, found 1:*", host=LOCAL)


def test_service_that_must_not_run_and_one_that_should() -> None:
    passes("service", {"name": "deploycheck-absent", "running": False})
    fails("service", {"name": "deploycheck-absent"}, "*deploycheck-absent*", host=LOCAL)


def test_disk_memory_file_and_command_run_on_a_host_too() -> None:
    passes("disk", {"path": "/", "min_free": "1MB"}, host=LOCAL)
    passes("memory", {"min_available": "1MB"}, host=LOCAL)
    passes("file", {"path": "/etc/hostname", "max_age": "100000d"}, host=LOCAL)
    fails("command", {"run": ["sleep", "10"]}, "sleep 10: did not finish within 1* on local "
          "(killed)", host=LOCAL, timeout=1)


def test_a_type_that_cannot_run_on_a_host_is_refused() -> None:
    with pytest.raises(DeploycheckError, match="check type 'http' cannot run on a host"):
        run_check("http", {"url": "http://127.0.0.1/"}, host=LOCAL)
