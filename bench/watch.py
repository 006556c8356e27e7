"""``deploycheck watch`` over 1,000 rounds: its memory round after round, and what a round
costs next to a fresh ``pytest`` run of the same items (what a cron loop would do).

    python3 bench/watch.py          # or: python3 bench/run.py watch

Runs with this checkout's Python (the project installed in it). 20 HTTP items against a
loopback server that answers at once, and 5 file items; the watch runs a round every
100 ms (the least ``--every``), so 1,000 rounds take about 100 s. RSS is read from
/proc while the watch runs, the rounds from its /healthz. Not a test: nothing asserts.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from run import SlowHandler, slow_server  # bench/run.py: this script runs from bench/

ROUNDS = (10, 100, 500, 1000)
RUNS = 5  # fresh pytest runs, for the time of one


class Quick(SlowHandler):
    delay = 0.0


def write_project(base: Path, url: str) -> None:
    (base / "checks").mkdir(parents=True)
    (base / "pytest.ini").write_text("[pytest]\n")
    (base / "flag").write_text("up")
    items = [f"      - {{id: endpoint-{i}, title: Endpoint {i}, check: {{http: {{url: "
             f"\"{url}/health/{i}\", json_path: {{\"$.status\": ok}}}}}}}}\n" for i in range(20)]
    items += [f"      - {{id: file-{i}, title: File {i}, check: {{file: {{path: flag}}}}}}\n"
              for i in range(5)]
    (base / "checks" / "live.yaml").write_text(
        "checklist: live\ntitle: Live\nphase: postdeploy\nsections:\n"
        "  - id: live\n    title: Live\n    items:\n" + "".join(items))


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) if found else 0


def watch_memory(base: Path) -> tuple[list[tuple[int, int, float]], float]:
    """(rounds, RSS KiB, seconds since the start) at each of ROUNDS, and the watch's last
    round's duration."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_deploycheck", "watch", "--every", "100ms",
         "-p", "no:cacheprovider"], cwd=base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    assert proc.stdout is not None
    address = ""
    for line in proc.stdout:
        found = re.search(r"serving http://([\d.:]+)/healthz", line)
        if found:
            address = found.group(1)
            break
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep the pipe empty
    started = time.monotonic()
    samples: list[tuple[int, int, float]] = []
    try:
        for target in ROUNDS:
            while True:
                rounds = requests.get(f"http://{address}/healthz", timeout=5).json()["rounds"]
                if rounds >= target:
                    break
                time.sleep(0.05)
            samples.append((rounds, rss_kib(proc.pid), time.monotonic() - started))
            print(f"  round {rounds}: RSS {samples[-1][1] / 1024:.1f} MiB", flush=True)
        metrics = requests.get(f"http://{address}/metrics", timeout=5).text
        took = float(re.findall(r"^deploycheck_watch_round_duration_seconds (\S+)$", metrics,
                                re.M)[0])
    finally:
        proc.terminate()
        proc.wait(60)
    return samples, took


def fresh_run(base: Path) -> float:
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                              cwd=base, capture_output=True, timeout=300, check=False)
        best = min(best, time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"pytest exited with {done.returncode}: {done.stdout[-500:]!r}")
    return best


def main() -> None:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp, slow_server(Quick) as url:
        base = Path(tmp)
        write_project(base, url)
        samples, round_seconds = watch_memory(base)
        run_seconds = fresh_run(base)
    print("\ndeploycheck watch, 25 items (20 HTTP, 5 file), a round every 100 ms")
    print(f"  {'rounds':>7} {'RSS':>10} {'since round 10':>15} {'elapsed':>9}")
    first = samples[0][1]
    for rounds, rss, elapsed in samples:
        print(f"  {rounds:>7} {rss / 1024:>6.1f} MiB {(rss - first) / 1024:>+11.1f} MiB "
              f"{elapsed:>8.1f}s")
    print(f"\n  one round in the watch: {round_seconds * 1000:.1f} ms; a fresh `pytest` run "
          f"of the same items: {run_seconds * 1000:.0f} ms (best of {RUNS}) — "
          f"{run_seconds / round_seconds:.0f}x the round")


if __name__ == "__main__":
    main()
