"""Cold start of ``python app.py``: seconds until the page answers, and the server's RSS.

Run: ``.venv/bin/python -m bench.startup [--runs 3]``. Prints one line per run and the median.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_run() -> tuple[float, float, float]:
    port = free_port()
    env = {**os.environ, "RUTAS_PORT": str(port)}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:  # noqa: S310
                    response.read()
                break
            except OSError:
                if time.perf_counter() - start > 60:
                    raise RuntimeError("app did not answer within 60 s") from None
                time.sleep(0.05)
        ready = time.perf_counter() - start
        idle_rss = rss_mb(process.pid)
        # One full page of callbacks' worth of work: the layout and a map update.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=10) as response:  # noqa: S310
            response.read()
        return ready, idle_rss, rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = [one_run() for _ in range(args.runs)]
    for i, (ready, idle, after) in enumerate(results, 1):
        print(f"run {i}: ready {ready:.2f} s, RSS {idle:.0f} MB (after layout {after:.0f} MB)")
    print(f"median: ready {statistics.median(r[0] for r in results):.2f} s, "
          f"RSS {statistics.median(r[1] for r in results):.0f} MB")


if __name__ == "__main__":
    main()
