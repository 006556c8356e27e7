from __future__ import annotations

import glob
import importlib
import os
import pkgutil
import shutil
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
import trustme

import pytest_deploycheck
from helpers import monitoring as monitoring_mod
from helpers import sshd as sshd_mod
from helpers.monitoring import Monitoring
from helpers.project import IN_CI, Project
from helpers.servers import LoopbackServer, serve
from helpers.sshd import Sshd
from helpers.sshkeys import KEY_TYPES, ssh_keygen
from pytest_deploycheck.registry import REGISTRY

# Load every module of the package and every built-in check type, and the libraries they
# import when they run, now: pytester's in-process runs drop the modules first imported
# during a run (so each run would import and assertion-rewrite them again, ~0.1 s a run),
# and some libraries (psutil, SQLAlchemy's compiled parts) break when imported twice.
for _found in pkgutil.walk_packages(pytest_deploycheck.__path__, "pytest_deploycheck."):
    if _found.name != "pytest_deploycheck.__main__":
        importlib.import_module(_found.name)
for _name in REGISTRY.names():
    REGISTRY.get(_name)
for _module in ("sqlalchemy", "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql",
                "psycopg", "alembic.config", "alembic.runtime.migration", "alembic.script",
                "dns.resolver", "websockets.sync.client", "exchange_calendars",
                "testinfra", "testinfra.utils.ansible_runner"):
    importlib.import_module(_module)


@pytest.fixture(scope="session")
def http_server() -> Iterator[LoopbackServer]:
    with serve() as server:
        yield server


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def https_server(tls_ca: trustme.CA) -> Iterator[LoopbackServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with serve(context) as server:
        yield server


@pytest.fixture(scope="session")
def keydir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("ssh-keygen") is None:
        reason = "ssh-keygen (openssh-client) is not installed"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    path = tmp_path_factory.mktemp("keys")
    for name, args in KEY_TYPES.items():
        result = ssh_keygen(*args, "-N", "", "-q", "-C", f"{name}@test", "-f", str(path / name))
        assert result.returncode == 0, result.stderr
    return path



@pytest.fixture(scope="session")
def ssh_server() -> Iterator[Sshd]:
    """A real sshd on 127.0.0.1; its ssh config names hosts web-1, web-2 … (all it)."""
    if not sshd_mod.SSHD.exists():
        reason = "sshd (Debian package openssh-server) is not installed"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    # not under pytest's tmp directories (mode 0700): the login user must read its keys
    base = Path(tempfile.mkdtemp(prefix="dc-sshd-"))
    try:
        with sshd_mod.sshd(base) as found:
            yield found
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def project(pytester: pytest.Pytester) -> Project:
    return Project(pytester)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found and shutil.which("initdb") is None:
        reason = "PostgreSQL server binaries are not installed"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    bindir = Path(found[-1]).parent if found else Path(str(shutil.which("initdb"))).parent
    data = Path(tempfile.mkdtemp(prefix="deploycheck-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data / "db"), "-A", "trust",
                    "-U", "postgres", "--no-sync"], check=True, capture_output=True, timeout=120)
    subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-w", "-l",
                    str(data / "log"), "-o",
                    f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off", "start"],
                   check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m",
                        "immediate", "stop"], capture_output=True, timeout=60, check=False)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def monitoring() -> Iterator[Monitoring]:
    """Real Prometheus and Alertmanager, ready (their targets not yet scraped)."""
    if not monitoring_mod.installed():
        reason = f"Prometheus/Alertmanager are not installed ({monitoring_mod.INSTALL})"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    with monitoring_mod.monitoring() as found:
        yield found


@pytest.fixture
def scraped(monitoring: Monitoring) -> Monitoring:
    """The same, once both its targets have been scraped (the first time: ≈ 5 s)."""
    monitoring.wait_for_scrapes()
    return monitoring


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """In CI a skipped test (a real part missing) is a failure."""
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every real part must be present: " \
                          f"{report.longrepr}"
    return report
