"""Start the demo environment, hand its addresses to the checklists, stop it again.

:func:`start` makes one temporary directory and brings up, on 127.0.0.1 only:

- demo-trader over HTTPS (certificate from a throwaway ``trustme`` CA), a second
  instance as "staging", a plain-HTTP port that redirects to HTTPS, and the broker API;
- the websocket market-data feed (TLS) and a DNS server for ``demo.test``;
- the SQLite database, migrated by Alembic and filled; backups of it and of the release;
- demo-trader's release repository (git, tag ``v1.4.0``, branch ``release/1.4``), the
  coverage and JUnit reports of its sample test run, a bandit scan, a short load test;
- Prometheus and Alertmanager (see :mod:`demo.monitoring`), and a client that keeps
  traffic flowing so the metrics move.

The release went out ten minutes before the demo starts (``$DEPLOYCHECK_DEPLOYED_AT``,
unless set); Prometheus remembers those minutes and the previous release's last hours
(:mod:`demo.history`).

``DEPLOYCHECK_DEMO_DOWN=https`` (or ``feed``, ``dns``, several with commas) leaves that
service stopped, to see the gate close. ``DEPLOYCHECK_DEMO_SPIKE=latency`` puts a latency
spike in those minutes (the monitoring items fail, naming when); ``latency@30s`` makes the
API answer 0.8 s slower from 30 s after the demo is up (a watch or a hold fails
mid-window).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
import trustme

from pytest_deploycheck.units import parse_duration

from . import client, database, history
from .feed import Feed
from .monitoring import Monitoring
from .service import Broker, Handler, Platform, Redirect, Server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HOSTNAME = "trading.demo.test"
DOWN_ENV = "DEPLOYCHECK_DEMO_DOWN"
SPIKE_ENV = "DEPLOYCHECK_DEMO_SPIKE"
DEPLOYED_ENV = "DEPLOYCHECK_DEPLOYED_AT"
SECRETS = ("TRADING_API_TOKEN", "TRADING_ADMIN_TOKEN", "FEED_TOKEN")
STEP_TIMEOUT = 60.0
ZONE = f"""
{HOSTNAME}. 300 IN A 127.0.0.1
feed.demo.test. 300 IN A 127.0.0.1
api.demo.test. 300 IN CNAME {HOSTNAME}.
demo.test. 300 IN MX 10 mail.demo.test.
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def next_window(now: datetime) -> datetime:
    """The next deployment window: Saturday 14:00 UTC, when no exchange trades."""
    days = (5 - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=14, minute=0, second=0, microsecond=0)


@dataclass
class Demo:
    base: Path
    variables: dict[str, str | int] = field(default_factory=dict)
    stoppers: list[Callable[[], None]] = field(default_factory=list)
    environ: dict[str, str | None] = field(default_factory=dict)
    traffic: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        """Stop every service (all at once: each takes up to a tenth of a second to
        notice), restore the process environment, remove the directory."""
        self.traffic.set()

        def quietly(stop: Callable[[], None]) -> None:
            with contextlib.suppress(Exception):  # one failing must not keep the others up
                stop()

        with ThreadPoolExecutor(max(1, len(self.stoppers))) as pool:  # all at once
            list(pool.map(quietly, reversed(self.stoppers)))
        for name, value in self.environ.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(self.base, ignore_errors=True)


START_ATTEMPTS = 3
STOPPABLE = {"https", "feed", "dns"}  # what DEPLOYCHECK_DEMO_DOWN can leave down


def start() -> Demo:
    """Bring the demo up; on any failure, stop what started and raise. Prometheus and
    Alertmanager are given free ports before they start, which another program may take
    in between on a busy machine: a start that fails is tried again, up to
    :data:`START_ATTEMPTS` times."""
    down = {s.strip() for s in os.environ.get(DOWN_ENV, "").split(",") if s.strip()}
    spike = spike_of(os.environ.get(SPIKE_ENV, ""))
    for attempt in range(1, START_ATTEMPTS + 1):
        demo = Demo(Path(tempfile.mkdtemp(prefix="deploycheck-demo-")))
        try:
            _start(demo, down, spike)
        except (RuntimeError, OSError):
            demo.stop()
            if attempt == START_ATTEMPTS or not down <= STOPPABLE:  # a mistake: say it at once
                raise
            continue
        except BaseException:
            demo.stop()
            raise
        return demo
    raise AssertionError("unreachable")  # pragma: no cover


def spike_of(text: str) -> float | None:
    """``DEPLOYCHECK_DEMO_SPIKE``: None for none, -1 for one in the history
    (``latency``), else the seconds after the start at which the API slows down
    (``latency@30s``)."""
    if not text.strip():
        return None
    kind, at, after = text.strip().partition("@")
    try:
        delay = parse_duration(after) if at else -1.0
    except ValueError:
        delay = None
    if kind != "latency" or delay is None:
        raise RuntimeError(f"{SPIKE_ENV}: expected latency (in the history) or "
                           f"latency@DURATION (from then on, e.g. latency@30s), got {text!r}")
    return delay


def _start(demo: Demo, down: set[str], spike: float | None = None) -> None:
    base = demo.base
    for sub in ("logs", "reports", "backups"):
        (base / sub).mkdir()
    tokens = {}
    for name in SECRETS:
        demo.environ[name] = os.environ.get(name)
        tokens[name] = os.environ.setdefault(name, secrets.token_urlsafe(24))
    db_path = base / "trading.sqlite3"
    for name, value in (("TRADING_ENV", "demo"), ("TRADING_DATABASE_URL", database.url(db_path))):
        demo.environ[name] = os.environ.get(name)
        os.environ[name] = value

    ca = trustme.CA(organization_name="deploycheck demo CA (throwaway)")
    ca_file = base / "demo-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOSTNAME, "localhost", "127.0.0.1").configure_cert(tls)

    def platform(environment: str, log: str) -> Platform:
        return Platform(environment, db_path, base / "logs" / f"{log}.log",
                        base / "logs" / f"{log}-audit.log", tokens["TRADING_API_TOKEN"],
                        tokens["TRADING_ADMIN_TOKEN"])

    servers = {}
    for name, handler, context, state in (
            ("https", Handler, tls, platform("production", "app")),
            ("staging", Handler, tls, platform("staging", "staging")),
            ("http", Redirect, None, None), ("broker", Broker, None, None)):
        server = Server(handler, context)
        if state is not None:
            server.platform = state
        servers[name] = server.start()
        demo.stoppers.append(server.stop)
    servers["http"].redirect_to = f"https://127.0.0.1:{servers['https'].port}"
    app, staging = servers["https"].port, servers["staging"].port
    # Prometheus first: it takes the longest to be ready, and needs only /metrics
    started = time.time()
    monitoring = Monitoring(base, ca_file, {"trading-api": app, "staging": staging},
                            [free_port(), free_port()], started, spike == -1)
    demo.stoppers.append(monitoring.stop)
    feed = Feed(tokens["FEED_TOKEN"], tls).start()
    demo.stoppers.append(feed.stop)
    dns_port, dns_stop = _dns(demo)

    repo = _release_repository(base / "demo-trader")
    sample_run = _sample_run(repo, base / "reports")  # runs while the rest starts
    database.create(db_path)
    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    database.backup(db_path, base / "backups" / f"trading-{stamp}.sqlite3.gz")
    for name in ("system", "staging"):
        with tarfile.open(base / "backups" / f"{name}-{stamp}.tar.gz", "w:gz") as tar:
            tar.add(repo, arcname=f"demo-trader-{name}")
    for name in down:  # stopped now: their ports stay known, and closed
        stop = {"https": servers["https"].stop, "feed": feed.stop, "dns": dns_stop}.get(name)
        if stop is None:
            raise RuntimeError(f"{DOWN_ENV}: unknown service {name!r} (https, feed, dns)")
        stop()

    # the port the firewall keeps closed: bound and never listening, so that it refuses
    # connections and nothing else (another demo, under pytest -n 2) can take it meanwhile
    firewalled = socket.socket()
    firewalled.bind(("127.0.0.1", 0))
    demo.stoppers.append(firewalled.close)
    base_url = f"https://127.0.0.1:{app}"
    _load_test(base_url, ca_file, base / "reports")
    threading.Thread(target=_traffic, args=(demo.traffic, base_url,
                                            f"https://127.0.0.1:{staging}", ca_file),
                     daemon=True).start()
    sample_run()
    monitoring.wait_ready()
    if spike is not None and spike >= 0:
        servers["https"].platform.slow_from = time.monotonic() + spike
    demo.variables.update({
        "base_url": base_url, "staging_url": f"https://127.0.0.1:{staging}",
        "http_url": f"http://127.0.0.1:{servers['http'].port}",
        "broker_url": f"http://127.0.0.1:{servers['broker'].port}",
        "feed_url": f"wss://127.0.0.1:{feed.port}/market",
        "app_host": "127.0.0.1", "app_port": app, "app_name": HOSTNAME,
        "app_address": "127.0.0.1", "ca_bundle": str(ca_file),
        "dns_resolver": "127.0.0.1", "dns_port": dns_port,
        "db_url": database.url(db_path), "data_dir": str(base),
        "prometheus_url": monitoring.prometheus_url,
        "alertmanager_url": monitoring.alertmanager_url,
        "reports": str(base / "reports"), "logs": str(base / "logs"),
        "backups": str(base / "backups"), "app_repo": str(repo),
        "python": sys.executable, "firewalled_port": firewalled.getsockname()[1],
        "deployment_window": next_window(now).isoformat().replace("+00:00", "Z"),
    })
    # the deploy time of over: since_deploy and baseline: before_deploy, unless the run
    # was given one (--deploycheck-deployed-at, $DEPLOYCHECK_DEPLOYED_AT)
    demo.environ[DEPLOYED_ENV] = os.environ.get(DEPLOYED_ENV)
    os.environ.setdefault(DEPLOYED_ENV, datetime.fromtimestamp(
        started - history.DEPLOYED_BEFORE, timezone.utc).isoformat(timespec="seconds"))


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=STEP_TIMEOUT,
                          check=False, env={**os.environ, **env})


def _release_repository(repo: Path) -> Path:
    """demo-trader's repository as released: its code, docs and changelog, committed on
    branch release/1.4 and tagged v1.4.0."""
    shutil.copytree(HERE / "repo", repo)
    shutil.copytree(HERE / "trading", repo / "trading",
                    ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-c", "user.name=Demo Release Bot", "-c", "user.email=release@demo.invalid",
           "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "Release 1.4.0"],
                 ["checkout", "-qb", "release/1.4"], ["tag", "-am", "demo-trader 1.4.0", "v1.4.0"]):
        done = _run([*git, *args], repo, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
        if done.returncode != 0:
            raise RuntimeError(f"git {args[0]} failed in the demo's repository: {done.stderr}")
    return repo


def _sample_run(repo: Path, reports: Path) -> Callable[[], None]:
    """Start demo-trader's test suite under coverage and a bandit scan; the function
    returned waits for both and writes coverage.xml."""
    env = {**os.environ, "COVERAGE_FILE": str(reports / ".coverage")}
    # no plugins in the sample run: its own suite, not this repository's checklists
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    tests = subprocess.Popen(
        [sys.executable, "-m", "coverage", "run", "--source=trading", "--omit=*/tests/*",
         "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"--junitxml={reports / 'junit.xml'}", "-o", "junit_suite_name=demo-trader"],
        cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    scan = subprocess.Popen(
        [sys.executable, "-m", "bandit", "-r", "trading", "-x", "trading/tests", "-q",
         "-f", "json", "-o", str(reports / "bandit.json")],
        cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def finish() -> None:
        for proc in (tests, scan):
            try:
                proc.communicate(timeout=STEP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
        done = _run([sys.executable, "-m", "coverage", "xml", "-q", "-o",
                     str(reports / "coverage.xml")], repo, COVERAGE_FILE=str(reports / ".coverage"))
        if done.returncode != 0:
            raise RuntimeError(f"coverage xml failed in the demo: {done.stdout}{done.stderr}")

    return finish


def _dns(demo: Demo) -> tuple[int, Callable[[], None]]:
    from dnslib.server import DNSLogger, DNSServer
    from dnslib.zoneresolver import ZoneResolver

    server = DNSServer(ZoneResolver(ZONE), address="127.0.0.1", port=0,
                       logger=DNSLogger(log="-request,-reply,-truncated,-error", prefix=False))
    threading.Thread(target=server.server.serve_forever, kwargs={"poll_interval": 0.1},
                     daemon=True).start()  # dnslib's start_thread polls twice a second

    def stop() -> None:
        server.stop()
        server.server.server_close()  # stop() leaves the port bound, answering nothing

    demo.stoppers.append(stop)
    return int(server.server.server_address[1]), stop


def _load_test(base_url: str, ca_file: Path, reports: Path) -> None:
    """100 quote requests, 8 at a time; the summary goes to reports/load-test.json."""
    session = client.session(str(ca_file))

    def one(_: int) -> float | None:
        started = time.perf_counter()
        try:
            ok = session.get(f"{base_url}/api/market/quote?symbol=SPY", timeout=5).ok
        except requests.RequestException:
            ok = False
        return time.perf_counter() - started if ok else None

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        timings = list(pool.map(one, range(100)))
    elapsed = time.perf_counter() - started
    good = sorted(t for t in timings if t is not None)
    summary = {"tool": "demo load test", "target": f"{base_url}/api/market/quote",
               "requests": len(timings), "failures": len(timings) - len(good),
               "p95_ms": round(good[int(len(good) * 0.95) - 1] * 1000, 1) if good else None,
               "requests_per_second": round(len(timings) / elapsed, 1)}
    (reports / "load-test.json").write_text(json.dumps(summary, indent=2) + "\n")


def _traffic(stop: threading.Event, base_url: str, staging_url: str, ca_file: Path) -> None:
    """A client that keeps trading on paper until the demo stops, so metrics move."""
    session = client.session(str(ca_file))
    tick = 0
    while not stop.wait(0.25):
        tick += 1
        try:
            session.get(f"{base_url}/api/market/quote?symbol=AAPL", timeout=2)
            if tick % 4 == 0:
                session.post(f"{base_url}/api/orders", timeout=2, json={
                    "symbol": "AAPL", "side": "buy", "type": "limit", "quantity": 10,
                    "limit_price": 180.0})
                session.get(f"{staging_url}/health", timeout=2)
        except requests.RequestException:
            pass
