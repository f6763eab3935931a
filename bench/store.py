"""Event store at scale: construction time, memory and per-update query time on synthetic events.

Run: ``.venv/bin/python -m bench.store --n 100000,1000000,10000000``. Each size runs in its own
process (so memory figures are that size's alone). One "update" is what a filter change asks of
the store: totals, histogram, breakdown, grid bins (or points, when few match) and one table
page. Cold = result cache cleared before each update (mask and results computed afresh); warm =
the same updates again, answered from the cache.

Above :data:`~dashboard.data.synth.CHUNK_ROWS` rows the events are generated a chunk at a time
with their text as categoricals (``synthetic_events(..., categorical=True)``: plain strings for ten
million rows would take ~5 GB before the store is built); the line says which.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date

import numpy as np

from dashboard.data.cache import LruResultCache
from dashboard.data.filters import FilterSpec
from dashboard.data.store import EventStore, InMemoryEventStore, cell_size_for_zoom
from dashboard.data.synth import CHUNK_ROWS, synthetic_events

POINTS_THRESHOLD = 30_000
SLOWEST_SHOWN = 6
TABLE_COLUMNS = ("event_id", "event_date", "event_type", "actors", "country", "location", "quantity_kg")


def memory_kb() -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of this process, in kB."""
    with open("/proc/self/status", encoding="ascii") as handle:
        return {line.split(":")[0]: int(line.split()[1]) for line in handle
                if line.startswith(("VmRSS", "VmHWM"))}


def release_freed_memory() -> None:
    """Hand freed heap back to the OS (arrow's pool, then glibc), so RSS shows what is still held."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def varied_specs() -> list[FilterSpec]:
    """Twenty-five filters of the kinds people set: types, years, boxes, text, combinations. One
    search is for a word most events hold ("police": every generated event's text names police
    reports), a search's worst case."""
    vraem = (-75.0, -13.4, -72.8, -11.0)
    callao = (-77.3, -12.2, -76.9, -11.8)
    specs = [FilterSpec(), FilterSpec(event_types=("drug_seizure",)),
             FilterSpec(event_types=("armed_clash", "attack_on_security_forces")),
             FilterSpec(bbox=vraem), FilterSpec(bbox=callao), FilterSpec(bbox=(-82.0, -20.0, -57.0, 2.0)),
             FilterSpec(text="vraem"), FilterSpec(text="callao"), FilterSpec(text="clash at"),
             FilterSpec(countries=("BOL",)), FilterSpec(actors=("shining_path",)),
             FilterSpec(kg_min=100.0), FilterSpec(regions=("Ayacucho",))]
    for year in (2005, 2012, 2018, 2023):
        specs.append(FilterSpec(date_from=date(year, 1, 1), date_to=date(year, 12, 31)))
    specs += [FilterSpec(date_from=date(2015, 1, 1), date_to=date(2020, 12, 31), event_types=("drug_seizure",)),
              FilterSpec(date_from=date(2021, 3, 1), date_to=date(2021, 4, 15)),
              FilterSpec(bbox=vraem, event_types=("armed_clash",), date_from=date(2019, 1, 1)),
              FilterSpec(text="cocaine", countries=("PER",)),
              FilterSpec(drugs=("cocaine",), kg_min=10.0, bbox=(-80.0, -18.0, -68.0, -3.0)),
              FilterSpec(date_from=date(2010, 1, 1), date_to=date(2011, 12, 31), text="police"),
              FilterSpec(event_types=("arrest",), date_from=date(2024, 1, 1))]
    # Last, so the others keep the table orders they rotate through (one per filter, in turn).
    specs.append(FilterSpec(text="police"))
    return specs


def one_update(store: EventStore, spec: FilterSpec, order: tuple[str, bool]) -> dict[str, float]:
    """The store calls of one filter change; milliseconds each, by operation."""
    steps: dict[str, float] = {}

    def timed(name: str, call: Callable[[], object]) -> None:
        start = time.perf_counter()
        call()
        steps[name] = (time.perf_counter() - start) * 1000

    timed("totals", lambda: store.totals(spec))
    timed("histogram", lambda: store.histogram(spec))
    timed("breakdown", lambda: store.breakdown(spec, "event_type"))
    if store.count(spec) <= POINTS_THRESHOLD:
        timed("points", lambda: store.points(spec, POINTS_THRESHOLD))
    else:
        timed("bins", lambda: store.bins(spec, cell_size_for_zoom(5.0)))
    timed(f"rows by {order[0]}", lambda: store.rows(spec, TABLE_COLUMNS, order_by=order[0], descending=order[1],
                                                    offset=0, limit=100))
    return steps


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_one(n: int) -> None:
    categorical = n > CHUNK_ROWS
    start = time.perf_counter()
    events = synthetic_events(n, categorical=categorical)
    generated = time.perf_counter() - start
    gc.collect()
    release_freed_memory()
    before = memory_kb()
    start = time.perf_counter()
    cache = LruResultCache()
    store = InMemoryEventStore(events, cache=cache, version=f"bench-{n}")
    built = time.perf_counter() - start
    del events
    gc.collect()
    release_freed_memory()
    held = memory_kb()
    specs = varied_specs()
    orders = [("event_date", True), ("quantity_kg", True), ("location", False), ("event_date", False)]
    # First touch of each structural index (sort order per column and each row's block in it, the
    # rows by weight that a crowded map's points come from), timed apart. Grid cells need none.
    start = time.perf_counter()
    narrow = FilterSpec(event_types=("arrest",))  # pages of a narrow filter count its rows' blocks
    for column, descending in orders:
        store.rows(FilterSpec(), (), order_by=column, descending=descending, limit=1)
        store.rows(narrow, (), order_by=column, descending=descending, offset=n // 100, limit=1)
    store.points(FilterSpec(), POINTS_THRESHOLD)
    first_touch = time.perf_counter() - start
    cold, cold_cpu, warm, masks, steps = [], [], [], [], []
    for i, spec in enumerate(specs):
        cache.clear()
        store.clear_masks()  # the mask is part of a cold update
        start, start_cpu = time.perf_counter(), time.process_time()
        store.count(spec)  # the mask, and one count over it
        masks.append((time.perf_counter() - start) * 1000)
        steps.append(one_update(store, spec, orders[i % len(orders)]))
        cold.append((time.perf_counter() - start) * 1000)
        cold_cpu.append((time.process_time() - start_cpu) * 1000)
        start = time.perf_counter()
        one_update(store, spec, orders[i % len(orders)])  # the same update again: from the cache
        warm.append((time.perf_counter() - start) * 1000)
    after_mask = [c - m for c, m in zip(cold, masks)]
    memory = memory_kb()
    print(f"n={n:,}  generated in {generated:.1f} s (text as {'categoricals' if categorical else 'strings'}, "
          f"peak so far {before['VmHWM'] / 1024:.0f} MB)")
    print(f"  build {built:.2f} s  first-touch indexes {first_touch:.2f} s  "
          f"RSS with source frame {before['VmRSS'] / 1024:.0f} MB, holding store (frame dropped) "
          f"{held['VmRSS'] / 1024:.0f} MB, after queries {memory['VmRSS'] / 1024:.0f} MB, "
          f"peak (VmHWM) {memory['VmHWM'] / 1024:.0f} MB")
    print(f"  {len(specs)} specs  cold update p50 {statistics.median(cold):.1f} ms  p95 {percentile(cold, 0.95):.1f} ms"
          f"  | mask p50 {statistics.median(masks):.1f} p95 {percentile(masks, 0.95):.1f} ms"
          f"  | cold minus mask p50 {statistics.median(after_mask):.1f} p95 {percentile(after_mask, 0.95):.1f} ms"
          f"  | warm p50 {statistics.median(warm):.2f} ms  p95 {percentile(warm, 0.95):.2f} ms")
    # CPU time of this process: other work on a shared machine inflates wall time far more.
    print(f"  cold update CPU time p50 {statistics.median(cold_cpu):.1f} ms  p95 {percentile(cold_cpu, 0.95):.1f} ms"
          f"  (load average {os.getloadavg()[0]:.2f} at the end)")
    print("  slowest cold updates (ms):")
    for i in sorted(range(len(specs)), key=lambda i: -cold[i])[:SLOWEST_SHOWN]:
        parts = "  ".join(f"{name} {ms:.0f}" for name, ms in steps[i].items())
        print(f"    {cold[i]:7.1f}  mask {masks[i]:.0f}  {parts}  <- {describe(specs[i])}")
    sys.stdout.flush()


def describe(spec: FilterSpec) -> str:
    """The fields a spec sets, briefly."""
    return ", ".join(f"{name}={value!r}" for name, value in vars(spec).items()
                     if value not in (None, (), "", False)) or "everything"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        run_one(args.one)
        return
    for n in (int(v) for v in args.n.split(",")):
        subprocess.run([sys.executable, "-m", "bench.store", "--one", str(n)], check=False)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
