"""A fleet over a modelled network: N ssh host aliases x 3 checks, every connection through
a latency proxy (25 ms each way: a 50 ms round trip) in front of one loopback sshd —
default vs ``--deploycheck-concurrency 1`` vs ``-n 2``, and the limits (latency, CPU).

    python3 bench/fleet.py [HOSTS]     # or: python3 bench/run.py fleet   (default 200)
    python3 bench/fleet.py spread      # 50 hosts: -n 2 vs the default, best of 5
    python3 bench/fleet.py persist     # predeploy then postdeploy, with ssh_control_persist
    python3 bench/fleet.py thousand    # 1,000 Ansible hosts x 2 checks, one of them dead

The limit: pytest's start (a ``--collect-only`` run) plus the hosts in waves of the probe
pool (32) times one host's chain of round trips (a serial run's time per host). On these
2 cores every handshake's CPU, client and server, is shared too, which the limit leaves
out. One run each (a serial run of 200 hosts takes minutes). Not a test.
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from latency import LatencyProxy
from run import ROOT, write_hosts_project  # bench/run.py: this script runs from bench/

if TYPE_CHECKING:
    from helpers.sshd import Sshd

DELAY = 0.025  # seconds each way
CONCURRENCY = 64  # the default probe pool


def pytest(*args: str) -> list[str]:
    """pytest with this Python (the project installed in it), as bench/watch.py runs."""
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]


CPU: list[float] = []  # the CPU seconds of each timed run: pytest and its ssh clients
BUSY: list[float] = []  # the CPU seconds the whole machine spent in it (sshd too)


def busy() -> float:
    """CPU seconds the machine has spent so far (all cores, /proc/stat)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


# Python's own default: bytecode cached. Where $PYTHONDONTWRITEBYTECODE is set (this
# machine sets it), every process compiles every module from source, and pytest's assertion
# rewriter parses each plugin module again: a cost per process that users do not pay, and
# that -n 2 pays three times.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(args: list[str], cwd: Path, expect: int = 0) -> float:
    before, machine = resource.getrusage(resource.RUSAGE_CHILDREN), busy()
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=3600,
                          check=False, env=ENV)
    if done.returncode != expect:
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}:\n{done.stdout[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    BUSY.append(busy() - machine)
    return time.perf_counter() - started


@contextmanager
def network(tmp: str) -> Iterator[tuple[Sshd, LatencyProxy, Path]]:
    """The sshd, the proxy in front of it, and an ssh config whose host-* go through it."""
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers.sshd import sshd  # the tests' real sshd on 127.0.0.1, with host aliases

    with sshd(Path(tmp)) as server, LatencyProxy(server.port, DELAY) as proxy:
        config = Path(tmp) / "ssh_config"  # host-* through the proxy; curve25519: less CPU
        config.write_text(server.ssh_config.read_text().replace(
            f"Port {server.port}\n", f"Port {proxy.port}\n  KexAlgorithms curve25519-sha256\n",
            1))
        yield server, proxy, config


def main(hosts: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, network(tmp) as (_, proxy, config):
        base = Path(tmp) / "fleet"
        write_hosts_project(base, config, hosts)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {hosts} hosts x 3 "
              f"checks, {DELAY * 2000:.0f} ms round trip through the proxy", flush=True)
        start = timed(pytest("--collect-only"), base)
        one = timed(pytest("--deploycheck-concurrency", "1", "-k", "host-1]"), base) - start
        rows = []
        for name, args in (("deploycheck (default: concurrent, 64 probes)", []),
                           ("deploycheck -n 2", ["-n", "2"]),
                           ("deploycheck --deploycheck-concurrency 1",
                            ["--deploycheck-concurrency", "1"])):
            seconds = timed(pytest(*args), base)
            rows.append((name, seconds))
            print(f"  measured {name}: {seconds:.1f} s ({CPU[-1]:.1f} s of client CPU)",
                  flush=True)
        connections = proxy.connections
    serial = rows[2][1]
    per_host = (serial - start) / hosts
    limit = start + math.ceil(hosts / CONCURRENCY) * per_host
    print(f"\n{hosts} ssh hosts x 3 checks (disk, process, file), one loopback sshd behind a "
          f"{DELAY * 2000:.0f} ms round-trip proxy (one run each; {connections} connections)")
    print(f"  {'run':<46} {'seconds':>8} {'concurrency 1 is':>17}")
    for name, seconds in rows:
        print(f"  {name:<46} {seconds:>8.1f} {serial / seconds:>15.1f}x")
    print(f"\n  pytest's start (collect-only): {start:.1f} s; one host alone: {one:.2f} s; "
          f"per host in the serial run: {per_host:.2f} s")
    print(f"  latency-bound limit with {CONCURRENCY} probes: {start:.1f} + "
          f"{math.ceil(hosts / CONCURRENCY)} waves x {per_host:.2f} s = {limit:.1f} s; the "
          f"default run is {rows[0][1] / limit:.2f}x the limit")
    cores = os.cpu_count() or 1
    print(f"  CPU-bound limit: the default run kept the machine busy for {BUSY[-3]:.1f} CPU-s "
          f"(pytest and ssh: {CPU[-3]:.1f}, the rest sshd) = {BUSY[-3] / cores:.1f} s on "
          f"{cores} cores; the default run is {rows[0][1] / (BUSY[-3] / cores):.2f}x that")
    print("  target: default >= 10x faster than concurrency 1 at 50 ms RTT")


def spread(hosts: int = 50) -> None:
    """-n 2 against the default over ``hosts`` hosts: best of 5 each, alternating."""
    with tempfile.TemporaryDirectory() as tmp, network(tmp) as (server, _, config):
        base = Path(tmp) / "fleet"
        write_hosts_project(base, config, hosts)
        best: dict[str, float] = {}
        logins: dict[str, int] = {}
        timed(pytest("--collect-only"), base)  # the bytecode caches, written once
        for _ in range(5):
            for name, args in (("default", []), ("-n 2", ["-n", "2"])):
                before = server.logins()
                best[name] = min(best.get(name, 1e9), timed(pytest(*args), base))
                logins[name] = server.logins() - before
        print(f"\n{hosts} ssh hosts x 3 checks at {DELAY * 2000:.0f} ms RTT (best of 5, "
              "bytecode cached)")
        for name, seconds in best.items():
            print(f"  {name:<10} {seconds:6.2f} s  {logins[name]} connections")
        print(f"  -n 2 / default = {best['-n 2'] / best['default']:.2f} (target <= 1.3)")


def persist(hosts: int = 100) -> None:
    """predeploy then postdeploy, each a run of its own, with and without
    ``ssh_control_persist``: connections (sshd's log) and seconds."""
    with tempfile.TemporaryDirectory() as tmp, network(tmp) as (server, _, config):
        base = Path(tmp) / "fleet"
        write_hosts_project(base, config, hosts)
        (base / "checks" / "after.yaml").write_text(
            "checklist: after\ntitle: After\nphase: postdeploy\nsections:\n  - id: s\n"
            "    title: Servers\n    on: web\n    items:\n      - {id: up, title: Up, "
            "check: {process: {name: sshd}}}\n")
        env = {**ENV, "XDG_RUNTIME_DIR": tempfile.mkdtemp(dir=tmp)}
        print(f"\npredeploy then postdeploy, {hosts} hosts at {DELAY * 2000:.0f} ms RTT")
        for kept in (False, True):
            if kept:
                settings = base / "checks" / "deploycheck.yaml"
                settings.write_text(settings.read_text() + "        ssh_control_persist: 5m\n")
            before, seconds = server.logins(), []
            for phase in ("predeploy", "postdeploy"):
                started = time.perf_counter()
                subprocess.run(pytest("-m", phase), cwd=base, env=env, check=True,
                               capture_output=True, timeout=600)
                seconds.append(time.perf_counter() - started)
            print(f"  {'ssh_control_persist: 5m' if kept else 'without':<24} predeploy "
                  f"{seconds[0]:5.1f} s, postdeploy {seconds[1]:5.1f} s, "
                  f"{server.logins() - before} connections")
        for socket in Path(env["XDG_RUNTIME_DIR"]).glob("deploycheck-*/*"):
            subprocess.run(["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "x"],
                           capture_output=True, timeout=10, check=False)


def thousand(hosts: int = 1000) -> None:
    """``hosts`` Ansible hosts x 2 checks through the proxy, one of them dead: time, the
    pytest process's peak RSS and open descriptors, and how the dead host is reported."""
    with tempfile.TemporaryDirectory() as tmp, network(tmp) as (server, proxy, _):
        from helpers.servers import closed_port  # on the path network() made

        base = Path(tmp) / "fleet"
        (base / "checks").mkdir(parents=True)
        (base / "pytest.ini").write_text("[pytest]\n")
        common = (f"ansible_host=127.0.0.1 ansible_user={server.user} "
                  f"ansible_ssh_private_key_file={server.key} ansible_ssh_common_args='-o "
                  "StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o "
                  "KexAlgorithms=curve25519-sha256 -o BatchMode=yes'")
        lines = [f"web-{n} ansible_port={proxy.port} {common}" for n in range(1, hosts)]
        lines.append(f"web-dead ansible_port={closed_port()} {common}")
        (base / "inventory.ini").write_text("[web]\n" + "\n".join(lines) + "\n")
        (base / "checks" / "deploycheck.yaml").write_text(
            "environments:\n  bench:\n    hosts:\n      web:\n        ansible_inventory: "
            "inventory.ini\n        connect_timeout: 5s\n")
        (base / "checks" / "hosts.yaml").write_text(
            "checklist: hosts\ntitle: Hosts\nphase: predeploy\nsections:\n  - id: servers\n"
            "    title: Production servers\n    on: web\n    items:\n"
            "      - {id: disk, title: Disk space adequate, check: {disk: {min_free: 1MB}}}\n"
            "      - {id: sshd, title: Services started, check: {process: {name: sshd}}}\n")
        peak_fds = [0]
        args = pytest("-rf", "--html=report.html", "--self-contained-html",
                      "--deploycheck-json=run.json")
        started = time.perf_counter()
        proc = subprocess.Popen(args, cwd=base, stdout=subprocess.PIPE, text=True,
                                env={**ENV, "COLUMNS": "400"})
        watcher = threading.Thread(target=_count_fds, args=(proc, peak_fds), daemon=True)
        watcher.start()
        out, _ = proc.communicate(timeout=3600)
        seconds = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        failed = [line for line in out.splitlines() if line.startswith("FAILED")]
        print(f"\n{hosts:,} Ansible hosts x 2 checks at {DELAY * 2000:.0f} ms RTT, one dead: "
              f"exit {proc.returncode} in {seconds:.1f} s; peak RSS {rss:.0f} MiB, peak open "
              f"descriptors {peak_fds[0]}; {server.logins():,} connections; "
              f"INTERNALERROR: {'yes' if 'INTERNALERROR' in out else 'none'}")
        for line in [*failed, *(line for line in out.splitlines() if "hosts passed" in line)]:
            print(f"  {line}")
        shutil.copy(base / "report.html", ROOT / "bench" / "fleet-report.html")  # to look at
        print(f"  the HTML report: {ROOT / 'bench' / 'fleet-report.html'}")


def _count_fds(proc: subprocess.Popen[str], peak: list[int]) -> None:
    while proc.poll() is None:
        with contextlib.suppress(OSError):
            peak[0] = max(peak[0], len(os.listdir(f"/proc/{proc.pid}/fd")))
        time.sleep(0.05)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "200"
    {"spread": spread, "persist": persist, "thousand": thousand}.get(
        which, lambda: main(int(which)))()
