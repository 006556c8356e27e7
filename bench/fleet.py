"""A fleet over a modelled network: N ssh host aliases x 3 checks, every connection through
a latency proxy (25 ms each way: a 50 ms round trip) in front of one loopback sshd —
default vs ``--deploycheck-concurrency 1`` vs ``-n 2``, and the latency-bound limit.

    python3 bench/fleet.py [HOSTS]     # or: python3 bench/run.py fleet   (default 200)

The limit: pytest's start (a ``--collect-only`` run) plus the hosts in waves of the probe
pool (32) times one host's chain of round trips (a serial run's time per host). On these
2 cores every handshake's CPU, client and server, is shared too, which the limit leaves
out. One run each (a serial run of 200 hosts takes minutes). Not a test.
"""

from __future__ import annotations

import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from latency import LatencyProxy
from run import ROOT, write_hosts_project  # bench/run.py: this script runs from bench/

DELAY = 0.025  # seconds each way
CONCURRENCY = 32  # the default probe pool


def pytest(*args: str) -> list[str]:
    """pytest with this Python (the project installed in it), as bench/watch.py runs."""
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]


CPU: list[float] = []  # the CPU seconds of each timed run: pytest and its ssh clients


def timed(args: list[str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=3600,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}:\n{done.stdout[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return time.perf_counter() - started


def main(hosts: int) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers.sshd import sshd  # the tests' real sshd on 127.0.0.1, with host aliases

    with tempfile.TemporaryDirectory() as tmp, sshd(Path(tmp)) as server, \
            LatencyProxy(server.port, DELAY) as proxy:
        base = Path(tmp) / "fleet"
        config = Path(tmp) / "ssh_config"  # host-* through the proxy; curve25519: less CPU
        config.write_text(server.ssh_config.read_text().replace(
            f"Port {server.port}\n", f"Port {proxy.port}\n  KexAlgorithms curve25519-sha256\n",
            1))
        write_hosts_project(base, config, hosts)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {hosts} hosts x 3 "
              f"checks, {DELAY * 2000:.0f} ms round trip through the proxy", flush=True)
        start = timed(pytest("--collect-only"), base)
        one = timed(pytest("--deploycheck-concurrency", "1", "-k", "host-1]"), base) - start
        rows = []
        for name, args in (("deploycheck (default: concurrent, 32 probes)", []),
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
    print(f"  the default run's client CPU (pytest, ssh): {CPU[-3]:.1f} s on "
          f"{os.cpu_count()} cores, which sshd's share joins on this one machine")
    print("  target: default >= 10x faster than concurrency 1 at 50 ms RTT")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
