"""Cold start of ``python app.py``: seconds until the page answers, the server's RSS and its peak.

Run: ``.venv/bin/python -m bench.startup [--runs 3] [--n 1000000]``. Prints one line per run (seconds until
the page answers, the CPU seconds the server used until then, RSS, the peak RSS while loading) and
the median. ``--n`` serves that many synthetic events as an imported dataset (generated once into a
temporary data directory, in a child process so its memory is not counted); ``--data-dir`` serves
an existing data directory (e.g. one holding a real import).

At 1M synthetic events on the 2-core machine (load 3-4): ready 4.1-5.9 s, 4.4-5.9 CPU s, 554-560 MB
before the loader read codes (issue 16); 2.7-3.0 s (6.2 s when starved), 2.5-3.0 CPU s, 511-521 MB after.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory (``VmHWM``: its peak so far) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (the machine is shared: wall time alone misleads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def store_synthetic_dataset(n: int, data_dir: Path) -> None:
    """Write ``n`` synthetic events into ``data_dir`` as one imported dataset."""
    from dashboard.data.datasets import DatasetRepository
    from dashboard.data.synth import synthetic_events

    DatasetRepository(data_dir).save_frame(synthetic_events(n, seed=1), name=f"bench {n}",
                                           file_name=f"synthetic-{n}.parquet")


def one_run(data_dir: str | None = None) -> tuple[float, float, float, float, float]:
    port = free_port()
    env = {**os.environ, "RUTAS_PORT": str(port)}
    if data_dir:
        env["RUTAS_DATA_DIR"] = data_dir
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
        cpu = cpu_seconds(process.pid)
        idle_rss, loading_peak = rss_mb(process.pid), rss_mb(process.pid, "VmHWM")
        # One full page of callbacks' worth of work: the layout and a map update.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=10) as response:  # noqa: S310
            response.read()
        return ready, cpu, idle_rss, rss_mb(process.pid), loading_peak
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--n", type=int, default=0, help="serve this many synthetic events as well")
    parser.add_argument("--data-dir", help="serve this data directory (RUTAS_DATA_DIR)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        data_dir = args.data_dir
        if args.n:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=1) as pool:
                pool.submit(store_synthetic_dataset, args.n, Path(tmp)).result()
            data_dir = tmp
        results = [one_run(data_dir) for _ in range(args.runs)]
    if args.n:
        print(f"{args.n:,} synthetic events")
    for i, (ready, cpu, idle, after, peak) in enumerate(results, 1):
        print(f"run {i}: ready {ready:.2f} s (CPU {cpu:.2f} s), RSS {idle:.0f} MB (after layout {after:.0f} MB), "
              f"peak while loading {peak:.0f} MB ({peak / idle:.2f}x)")
    print(f"median: ready {statistics.median(r[0] for r in results):.2f} s "
          f"(CPU {statistics.median(r[1] for r in results):.2f} s), "
          f"RSS {statistics.median(r[2] for r in results):.0f} MB")


if __name__ == "__main__":
    main()
