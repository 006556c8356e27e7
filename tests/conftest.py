from __future__ import annotations

import importlib
import os
import shutil
import ssl
import tempfile
import textwrap
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
import trustme

import sshd as sshd_mod
from pytest_deploycheck.registry import REGISTRY
from servers import LoopbackServer, serve
from sshd import Sshd
from sshkeys import KEY_TYPES, ssh_keygen

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Load every built-in check type, and the libraries they import when they run, now:
# pytester's in-process runs drop the modules first imported during a run, and some
# libraries (psutil, SQLAlchemy's compiled parts) break when imported a second time.
for _name in REGISTRY.names():
    REGISTRY.get(_name)
for _module in ("sqlalchemy", "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql",
                "psycopg", "alembic.config", "alembic.runtime.migration", "alembic.script",
                "dns.resolver", "websockets.sync.client", "exchange_calendars"):
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


class Project:
    """A throwaway project for pytester: checklists under checks/, a config."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        pytester.makeini("[pytest]\n")
        (pytester.path / "checks").mkdir()

    @property
    def path(self) -> Path:
        return self.pytester.path

    def config(self, text: str) -> Path:
        return self.write("checks/deploycheck.yaml", text)

    def checklist(self, text: str, name: str = "app") -> Path:
        return self.write(f"checks/{name}.yaml", text)

    def write(self, relative: str, text: str) -> Path:
        path = self.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    def run(self, *args: str) -> pytest.RunResult:
        return self.pytester.runpytest("-p", "no:randomly", *args)

    def run_check(self, check: str, *args: str, extra: str = "") -> pytest.RunResult:
        """Write a checklist of one item with ``check``, run it with ``-rA``, and make
        sure no traceback reached the user."""
        self.checklist(one_item(check, extra=extra))
        result = self.run("-rA", *args)
        assert_clean(result)
        return result

    def run_subprocess(self, *args: str) -> pytest.RunResult:
        return self.pytester.runpytest_subprocess(*args)


@pytest.fixture
def project(pytester: pytest.Pytester) -> Project:
    return Project(pytester)


def one_item(check: str, *, extra: str = "", phase: str = "predeploy") -> str:
    """A checklist with one automated item whose check is ``check`` (YAML flow)."""
    return f"""
        checklist: app
        title: App
        phase: {phase}
        sections:
          - id: main
            title: Main
            items:
              - id: probe
                title: The probe
                check: {check}
                {extra}
        """


def checklist_of(*items: str, checklist: str = "app", phase: str = "predeploy") -> str:
    """A checklist with one section holding ``items``, each a YAML flow mapping."""
    lines = "\n".join(f"              - {item}" for item in items)
    return f"""
        checklist: {checklist}
        title: {checklist.title()}
        phase: {phase}
        sections:
          - id: s
            title: S
            items:
{lines}
        """


def assert_clean(result: pytest.RunResult) -> None:
    """No traceback and no INTERNALERROR reached the user."""
    text = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in text
    assert "INTERNALERROR" not in text


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
