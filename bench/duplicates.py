"""Duplicate detection: time and peak memory over two datasets of N events each.

Run: ``.venv/bin/python -m bench.duplicates --n 10000,100000``. Scenarios:

* ``one-point``: 2 × N events at one point, of one type, on one day (every pair is a twin);
* ``spread``: 2 × N synthetic events (:func:`~dashboard.data.synth.synthetic_events`, clustered
  at the real hotspots), half in each dataset;
* ``copy``: N synthetic events imported twice (each row has its exact twin).

Each case runs in its own process (so one case's memory is its own), under ``--limit-gb`` of
address space and ``--timeout`` seconds. Printed per case: seconds for one call, the peak of
memory traced by ``tracemalloc`` during a second call (Python and numpy allocations), the growth
of peak RSS during the first call, and the rows flagged. ``--impl module:function`` measures
another implementation with the same arguments (one returning pairs, like the former
``duplicate_pairs``), e.g. a copy of an older version on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

SCENARIOS = ("one-point", "spread", "copy")
DEFAULT_IMPL = "dashboard.data.duplicates:find_duplicates"


def _peak_rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmHWM"))


def _reset_peak_rss() -> None:
    """Start VmHWM afresh (Linux ≥ 4.0), so the peak is the call's, not the set-up's."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        pass


def events_for(scenario: str, n: int) -> tuple[np.ndarray, ...]:
    """The arguments of a duplicate search: latitude, longitude, first and last days, type, dataset."""
    if scenario == "one-point":
        day = np.full(2 * n, np.datetime64("2020-01-01"), dtype="datetime64[D]")
        return (np.full(2 * n, -12.5), np.full(2 * n, -73.8), day, day,
                np.zeros(2 * n, dtype=np.int8), np.repeat(np.arange(2, dtype=np.int8), n))
    from dashboard.data.store.dates import days_of, period_ends
    from dashboard.data.synth import synthetic_events

    events = synthetic_events(2 * n, seed=1) if scenario == "spread" else synthetic_events(n, seed=1)
    if scenario == "copy":
        events = pd.concat([events, events], ignore_index=True)
    start = days_of(events["event_date"])
    precision = events["date_precision"].astype(str).to_numpy()
    end = period_ends(start, precision == "month", precision == "year")
    type_code = pd.factorize(events["event_type"])[0].astype(np.int8)
    return (events["latitude"].to_numpy(dtype=np.float64), events["longitude"].to_numpy(dtype=np.float64),
            start, end, type_code, np.repeat(np.arange(2, dtype=np.int8), n))


def _flagged(result: object, rows: int) -> int:
    if hasattr(result, "flagged"):
        return int(np.count_nonzero(result.flagged))
    pairs = np.asarray(result)
    return int(len(np.unique(pairs))) if pairs.size else 0


def run_case(scenario: str, n: int, impl: str, limit_gb: float) -> dict:
    """One case, measured in this process: seconds, traced peak MB, RSS growth MB, rows flagged."""
    if limit_gb > 0:
        limit = int(limit_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    module, name = impl.split(":")
    search = getattr(importlib.import_module(module), name)
    arguments = events_for(scenario, n)
    record = {"scenario": scenario, "n": n, "impl": impl}
    try:
        _reset_peak_rss()
        before = _peak_rss_kb()
        start = time.perf_counter()
        result = search(*arguments)
        record["seconds"] = round(time.perf_counter() - start, 3)
        record["rss_growth_mb"] = round((_peak_rss_kb() - before) / 1024, 1)
        record["flagged"] = _flagged(result, len(arguments[0]))
        del result
        tracemalloc.start()
        search(*arguments)
        record["traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 1024**2, 1)
        tracemalloc.stop()
    except MemoryError:
        record["error"] = f"out of memory (limit {limit_gb:g} GB)"
    return record


def _ints(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.duplicates")
    parser.add_argument("--n", type=_ints, default=[10_000, 100_000], help="events per dataset, comma-separated")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="one-point, spread, copy")
    parser.add_argument("--impl", default=DEFAULT_IMPL, help="module:function to measure")
    parser.add_argument("--limit-gb", type=float, default=8.0, help="address space per case (0: none)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per case")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        scenario, n = args.case.split(":")
        print(json.dumps(run_case(scenario, int(n), args.impl, args.limit_gb)))
        return
    print(f"impl {args.impl}")
    for n in args.n:
        for scenario in (s for s in args.scenarios.split(",") if s):
            command = [sys.executable, "-m", "bench.duplicates", "--case", f"{scenario}:{n}",
                       "--impl", args.impl, "--limit-gb", str(args.limit_gb)]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout, check=False)
                lines = done.stdout.strip().splitlines()
                record = json.loads(lines[-1]) if lines else {"error": done.stderr.strip()[-300:]}
            except subprocess.TimeoutExpired:
                record = {"error": f"not finished in {args.timeout:g} s"}
            if "error" in record:
                print(f"2 × {n:>9,} {scenario:<10} {record['error']}")
            else:
                print(f"2 × {n:>9,} {scenario:<10} {record['seconds']:>8.2f} s  traced peak "
                      f"{record['traced_peak_mb']:>8.1f} MB  RSS growth {record['rss_growth_mb']:>8.1f} MB  "
                      f"flagged {record['flagged']:>9,}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
