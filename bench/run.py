"""Benchmarks of pytest-deploycheck, measured side by side in one run.

    python3 bench/run.py            # both
    python3 bench/run.py http       # 200 HTTP checks against a 100 ms loopback server
    python3 bench/run.py scale      # 10,000 trivial items vs 10,000 plain test functions
    python3 bench/run.py verify     # verifying 1,000 signed attestation entries
    python3 bench/run.py demo       # this repository's gate against the local demo
    python3 bench/run.py hosts      # 50 ssh hosts x 3 checks over a loopback sshd
    python3 bench/run.py watch      # deploycheck watch: 1,000 rounds, memory and cost
    python3 bench/run.py fleet      # 200 ssh hosts x 3 checks behind a 50 ms RTT proxy
    python3 bench/run.py --quick    # HTTP, items and collection, small: under a minute

Creates its own venv (bench/.venv) with this project and tavern, then prints the
figures and the ratios. The commands compared run in turn (A B C A B C …), each figure the
median with its minimum and maximum, with the machine's load around them; with Python's
default of cached bytecode (``$PYTHONDONTWRITEBYTECODE`` unset: set, every process would
compile every module and pytest rewrite every plugin's asserts again). Not a test:
nothing here asserts.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "bench" / ".venv"
BIN = VENV / "bin"
# tavern 3.7 does not import under pytest 9 (it uses _pytest.python_api): its own venv
TAVERN_VENV = ROOT / "bench" / ".venv-tavern"
TAVERN_BIN = TAVERN_VENV / "bin"
REPEAT = 5  # the machine is noisy: each figure is the median of REPEAT paired runs


def ensure_venvs() -> None:
    if not (BIN / "pytest").exists():
        print(f"creating {VENV.relative_to(ROOT)} with pytest-deploycheck …")
        venv.create(VENV, with_pip=True)
    # every time: the project's dependencies may have changed since the venv was made
    subprocess.run([BIN / "pip", "install", "-q", "-e", f"{ROOT}[hosts,demo]"], check=True)
    if not (TAVERN_BIN / "tavern-ci").exists():
        print(f"creating {TAVERN_VENV.relative_to(ROOT)} with tavern …")
        venv.create(TAVERN_VENV, with_pip=True)
        subprocess.run([TAVERN_BIN / "pip", "install", "-q", "tavern>=3.7", "pytest<9"],
                       check=True)


QUICK = "--quick" in sys.argv
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def once(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """(seconds, peak RSS in MiB) of one run."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**ENV, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(map(str, args))} exited with {code}")
    return elapsed, usage.ru_maxrss // 1024


@dataclass
class Row:
    """One command's runs."""

    name: str
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(self.times)

    @property
    def spread(self) -> str:
        return f"{min(self.times):.2f} to {max(self.times):.2f}"


def paired(runs: list[tuple[str, list[str], Path]], rounds: int = REPEAT) -> list[Row]:
    """Each command once a round, in turn, after one run each that is not counted (it
    writes the bytecode caches); the machine's load before and after is printed."""
    for _, args, cwd in runs:
        once(args, cwd)
    rows = [Row(name) for name, _, _ in runs]
    before = os.getloadavg()[0]
    for _ in range(rounds):
        for row, (_, args, cwd) in zip(rows, runs, strict=True):
            seconds, rss = once(args, cwd)
            row.times.append(seconds)
            row.rss.append(rss)
    said = f"{rounds} round{'s' if rounds > 1 else ''}"
    print(f"  ({said}; load average {before:.2f} before, {os.getloadavg()[0]:.2f} after)",
          flush=True)
    return rows


def pytest(*args: str, where: Path = BIN) -> list[str]:
    return [str(where / "pytest"), "-q", "-p", "no:cacheprovider", *args]


def table(title: str, rows: list[Row], base: str) -> None:
    reference = {r.name: r.seconds for r in rows}[base]
    print(f"\n{title}")
    print(f"  {'run':<44} {'median s':>8} {'min to max':>14} {'peak RSS':>9} {'vs ' + base:>16}")
    for row in rows:
        print(f"  {row.name:<44} {row.seconds:>8.2f} {row.spread:>14} "
              f"{statistics.median(row.rss):>6.0f} MiB {row.seconds / reference:>15.2f}x")


# -- 200 HTTP checks against a loopback server adding 100 ms -------------------

class SlowHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.1

    def do_GET(self) -> None:
        time.sleep(self.delay)
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def slow_server(handler: type[SlowHandler] = SlowHandler) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def write_http_projects(base: Path, url: str, n: int) -> None:
    (base / "checks").mkdir(parents=True)
    (base / "pytest.ini").write_text("[pytest]\n")
    items = "".join(
        f"      - {{id: endpoint-{i}, title: Endpoint {i} responding, "
        f"check: {{http: {{url: \"{url}/health/{i}\", status: 200, "
        f"json_path: {{\"$.status\": ok}}}}}}}}\n" for i in range(n))
    (base / "checks" / "endpoints.yaml").write_text(
        "checklist: endpoints\ntitle: Endpoints\nphase: postdeploy\nsections:\n"
        "  - id: endpoints\n    title: Endpoints\n    items:\n" + items)
    tavern = base / "tavern"
    tavern.mkdir()
    (tavern / "test_endpoints.tavern.yaml").write_text("---\n".join(
        textwrap.dedent(f"""\
            test_name: endpoint {i} responding
            stages:
              - name: health
                request: {{url: "{url}/health/{i}", method: GET}}
                response: {{status_code: 200, json: {{status: ok}}}}
            """) for i in range(n)))
    plain = base / "plain"
    plain.mkdir()
    (plain / "test_endpoints.py").write_text(
        "import pytest\nimport requests\n\n\n"
        f"@pytest.mark.parametrize('i', range({n}))\n"
        "def test_endpoint_responding(i):\n"
        f"    r = requests.get(f'{url}/health/{{i}}', timeout=10)\n"
        "    assert r.status_code == 200\n"
        "    assert r.json()['status'] == 'ok'\n")


def bench_http() -> None:
    n = 20 if QUICK else 200
    with tempfile.TemporaryDirectory() as tmp, slow_server() as url:
        base = Path(tmp)
        write_http_projects(base, url, n)
        rows = paired([
            ("deploycheck (default: 64 concurrent probes)", pytest("checks"), base),
            ("deploycheck --deploycheck-concurrency 1",
             pytest("--deploycheck-concurrency", "1", "checks"), base),
            ("deploycheck -n 2", pytest("-n", "2", "checks"), base),
            ("tavern (its own venv, pytest 8)", pytest("tavern", where=TAVERN_BIN), base),
            ("plain pytest + requests", pytest("-p", "no:deploycheck", "plain"), base),
            ("deploycheck --collect-only (its start)", pytest("--collect-only", "checks"),
             base),
        ], 1 if QUICK else REPEAT)
    table(f"{n} HTTP checks, loopback server adding 100 ms per request", rows,
          "deploycheck (default: 64 concurrent probes)")
    default = rows[0].seconds
    limit = rows[-1].seconds + math.ceil(n / 64) * SlowHandler.delay
    print(f"\n  the limit with 64 probes: pytest's start {rows[-1].seconds:.2f} s + "
          f"{math.ceil(n / 64)} waves of {SlowHandler.delay * 1000:.0f} ms = {limit:.2f} s; "
          f"the default is {default / limit:.2f}x the limit (target ≤ 1.3x)")
    print("  targets: ≥ 8x faster than concurrency 1, ≥ 18x faster than tavern (-n 2: its "
          "workers probe concurrently too; what is left is xdist's start)")
    for row in rows[1:4]:
        print(f"  default is {row.seconds / default:.1f}x faster than {row.name}")


# -- 10,000 trivial items --------------------------------------------------------

def write_scale_projects(base: Path, n: int) -> None:
    dc = base / "deploycheck"
    (dc / "checks").mkdir(parents=True)
    (dc / "pytest.ini").write_text("[pytest]\n")
    items = "".join(f"      - {{id: item-{i}, title: Item {i} present, "
                    f"check: {{env: {{names: [PATH]}}}}}}\n" for i in range(n))
    (dc / "checks" / "many.yaml").write_text(
        "checklist: many\ntitle: Many\nphase: predeploy\nsections:\n"
        "  - id: items\n    title: Items\n    items:\n" + items)
    plain = base / "plain"
    plain.mkdir()
    (plain / "pytest.ini").write_text("[pytest]\n")
    (plain / "test_many.py").write_text("".join(
        f"def test_item_{i}():\n    pass\n\n\n" for i in range(n)))
    triv = base / "yaml-plugin"
    triv.mkdir()
    (triv / "pytest.ini").write_text("[pytest]\n")
    (triv / "conftest.py").write_text(textwrap.dedent("""\
        # the smallest YAML-items plugin (pytest's own docs example): pytest's floor
        import pytest, yaml

        def pytest_collect_file(parent, file_path):
            if file_path.suffix == ".yaml":
                return YamlFile.from_parent(parent, path=file_path)

        class YamlFile(pytest.File):
            def collect(self):
                raw = yaml.load(self.path.read_text(), Loader=yaml.CSafeLoader)
                for spec in raw["items"]:
                    yield YamlItem.from_parent(self, name=spec["id"], spec=spec)

        class YamlItem(pytest.Item):
            def __init__(self, *, spec, **kwargs):
                super().__init__(**kwargs)
                self.spec = spec

            def runtest(self):
                assert self.spec

            def reportinfo(self):
                return self.path, 0, self.name
        """))
    (triv / "many.yaml").write_text("items:\n" + "".join(
        f"  - {{id: item-{i}, title: Item {i} present, check: {{env: {{names: [PATH]}}}}}}\n"
        for i in range(n)))


def bench_scale() -> None:
    n = 1_000 if QUICK else 10_000
    # testinfra's plugin (the [hosts] extra) plays no part here: off for every run
    plain = ["-p", "no:deploycheck", "-p", "no:pytest11.testinfra"]
    ours: list[str] = ["-p", "no:pytest11.testinfra"]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        write_scale_projects(base, n)
        runs = [("plain pytest functions", base / "plain", plain),
                ("deploycheck items", base / "deploycheck", ours),
                ("smallest YAML-items plugin", base / "yaml-plugin", plain)]
        rounds = 1 if QUICK else REPEAT
        rows = paired([(name, pytest(*args), cwd) for name, cwd, args in runs], rounds)
        collect_rows = paired([(name, pytest(*args, "--collect-only"), cwd)
                               for name, cwd, args in runs], rounds)
    table(f"{n:,} trivial items: full run", rows, "plain pytest functions")
    table(f"{n:,} trivial items: --collect-only", collect_rows, "plain pytest functions")
    print("\n  targets: run ≤ 1.1x plain pytest wall time and ≤ 1.2x its peak RSS; "
          "collect-only of 10,000 items ≤ 1 s")
    sizes = (1_000,) if QUICK else (1_000, 10_000, 50_000)
    print("\ncollecting a checklist of N items (--collect-only, median of "
          f"{rounds}):")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            write_scale_projects(Path(tmp), size)
            (row,) = paired([(f"{size:,}", pytest(*ours, "--collect-only"),
                              Path(tmp) / "deploycheck")], rounds)
        print(f"  {size:>7,} items: {row.seconds:6.2f} s ({row.spread}), peak RSS "
              f"{statistics.median(row.rss):.0f} MiB, {row.seconds / size * 1e6:.0f} µs an item")


# -- the demo gate ------------------------------------------------------------

def bench_demo() -> None:
    """This repository's own gate against the local demo, as the README's first command
    runs it (without the HTML report), beside the same gate less the two items that
    wait for Prometheus's first scrape of the demo."""
    gate = ["-m", "predeploy"]
    rows = paired([
        ("pytest -m predeploy (the demo gate)", pytest(*gate), ROOT),
        ("the same, less the 2 items that wait for a scrape",
         pytest(*gate, "-k", "not prometheus and not uptime"), ROOT)])
    table("the demo gate: the demo starts, 77 items, the demo stops", rows,
          "pytest -m predeploy (the demo gate)")
    print("  target ≤ 4 s. Prometheus 2.42 (Debian's) syncs its scrape targets 5 s after it "
          "starts, and only then scrapes: the two items that need a scrape cannot pass sooner")


# -- 50 hosts x 3 checks over ssh -----------------------------------------------

def write_hosts_project(base: Path, ssh_config: Path, n: int) -> None:
    """A project whose group ``web`` is ssh://host-1 … host-N (through ``ssh_config``),
    each with three checks: disk, process (sshd) and file (/etc/hostname)."""
    (base / "checks").mkdir(parents=True)
    (base / "pytest.ini").write_text("[pytest]\n")
    hosts = ", ".join(f"ssh://host-{i}" for i in range(1, n + 1))
    (base / "checks" / "deploycheck.yaml").write_text(
        f"environments:\n  bench:\n    hosts:\n      web:\n"
        f"        hosts: [{hosts}]\n        ssh_config: {ssh_config}\n")
    (base / "checks" / "hosts.yaml").write_text(textwrap.dedent("""\
        checklist: hosts
        title: Hosts
        phase: predeploy
        sections:
          - id: servers
            title: Production servers
            on: web
            items:
              - {id: disk, title: Disk space adequate, check: {disk: {min_free: 1MB}}}
              - {id: sshd, title: Services started, check: {process: {name: sshd}}}
              - {id: host, title: Provisioned, check: {file: {path: /etc/hostname}}}
        """))


def bench_hosts() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers.sshd import sshd  # the tests' real sshd on 127.0.0.1, with host aliases

    n = 50
    with tempfile.TemporaryDirectory() as tmp, sshd(Path(tmp)) as server:
        # the same hosts, their ssh client offering only curve25519-sha256: OpenSSH 9.2's
        # default key exchange (sntrup761x25519) costs ~100 ms more CPU per connection,
        # and here both ends of every connection share this machine's two cores
        fast = Path(tmp) / "ssh_config_curve25519"
        fast.write_text(server.ssh_config.read_text().replace(
            "\n  HostName", "\n  KexAlgorithms curve25519-sha256\n  HostName"))
        for label, ssh_config in (("default key exchange", server.ssh_config),
                                  ("curve25519-sha256", fast)):
            base = Path(tmp) / label.replace(" ", "-")
            write_hosts_project(base, ssh_config, n)
            rows = paired([(name, pytest(*args), base) for name, args in (
                ("deploycheck (default: concurrent)", []),
                ("deploycheck --deploycheck-concurrency 1", ["--deploycheck-concurrency", "1"]),
                ("deploycheck -n 2", ["-n", "2"]))])
            table(f"{n} ssh hosts x 3 checks (disk, process, file), loopback sshd, {label}",
                  rows, "deploycheck (default: concurrent)")
            print(f"  default is {rows[1].seconds / rows[0].seconds:.1f}x faster than "
                  "concurrency 1 (target >= 5x)")


def main(argv: list[str]) -> None:
    which = [a for a in argv[1:] if a != "--quick"] or (
        ["http", "scale"] if QUICK else ["http", "scale", "verify", "demo", "hosts", "watch",
                                         "fleet"])
    ensure_venvs()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    if "http" in which:
        bench_http()
    if "scale" in which:
        bench_scale()
    if "verify" in which:
        in_venv(ROOT / "bench" / "verify.py")
    if "demo" in which:
        bench_demo()
    if "hosts" in which:
        if Path(sys.prefix).resolve() == VENV.resolve():
            bench_hosts()
        else:  # the tests' sshd helper needs the project's dependencies: in bench/.venv
            in_venv(Path(__file__), "hosts")
    if "watch" in which:
        in_venv(ROOT / "bench" / "watch.py")
    if "fleet" in which:
        in_venv(ROOT / "bench" / "fleet.py")


def in_venv(script: Path, *args: str) -> None:
    """Run ``script`` with bench/.venv's Python, its output after what is printed so far."""
    sys.stdout.flush()
    subprocess.run([BIN / "python", script, *args], check=True)

if __name__ == "__main__":
    main(sys.argv)
