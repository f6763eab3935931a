"""Server time and response size per linked-view update, in this process.

Run: ``.venv/bin/python -m bench.updates [--repeat 30]`` on the bundled data, or
``.venv/bin/python -m bench.updates --n 1000000 [--parts]`` on that many synthetic events (labelled
synthetic; ``bench run``'s dataset). Each scenario calls what a filter change asks the server for —
the views drawn with the filter (map patch, timeline, breakdown, charts, counts, labels, playback status, slide
title, the table's first block) — as plain functions, serialises their outputs as Dash would
(plotly's JSON encoder), and reports p50/p95 wall time, this thread's CPU time and bytes.

On the bundled data every repetition repeats one filter (the result cache answers all but the
first). With ``--n`` each repetition asks a new question, as ``bench run`` does (another type, year
or box: the figures of a first answer; "all events" and the text search stay one question, so
the cache answers them after the first); ``--parts`` adds the CPU per repetition of
each store call and each part of the views. CPU time is the figure to compare on a
shared machine: wall time also counts the waits for a core.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import functools
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import plotly.io.json as pio_json

from dashboard.callbacks import views as view_callbacks
from dashboard.config import Settings
from dashboard.data.filters import FilterSpec
from dashboard.data.store import InMemoryEventStore
from dashboard.state.context import load_context, set_context

SCENARIOS = {
    "all events": FilterSpec(),
    "one type": FilterSpec(event_types=("drug_seizure",)),
    "one year": FilterSpec(date_from=datetime.date(2017, 1, 1), date_to=datetime.date(2017, 12, 31)),
    "VRAEM box": FilterSpec(bbox=(-75.0, -13.4, -72.8, -11.0)),
    "text search": FilterSpec(text="callao"),
}
# What a synthetic run times, per repetition (bench run's questions: bench/scenarios.py).
STORE_CALLS = ("count", "totals", "histogram", "breakdown", "points", "bins", "kg_by_year", "rows", "nearest")
VIEW_PARTS = ("update_map", "update_indicator", "update_slide_title", "update_counts", "update_timeline",
              "update_breakdown", "update_shared_charts", "update_chart_labels", "update_playback_status",
              "first_table_rows")


def varied_spec(scenario: str, rep: int, dataset: str) -> FilterSpec:
    """The question a synthetic run asks at repetition ``rep`` (the dataset named, as a link does)."""
    from bench.scenarios import TYPES_BY_REP, VRAEM_BOX

    base = FilterSpec(datasets=(dataset,))
    if scenario == "one type":
        return base.with_changes(event_types=(TYPES_BY_REP[rep % len(TYPES_BY_REP)],))
    if scenario == "one year":
        year = 2019 - rep % 15
        return base.with_changes(date_from=datetime.date(year, 1, 1), date_to=datetime.date(year, 12, 31))
    if scenario == "VRAEM box":
        west, south, east, north = VRAEM_BOX
        shift = 0.05 * (rep % 9)
        return base.with_changes(bbox=(west + shift, south + shift, east - shift, north - shift))
    return replace(SCENARIOS[scenario], datasets=(dataset,))


def one_update(spec: FilterSpec) -> int:
    data = spec.to_store()
    outputs = view_callbacks.draw_views(data, "en", "", ["shown"], "event_type", None, None, None)
    return len(pio_json.to_json_plotly(outputs))


class CpuParts:
    """This thread's CPU time in chosen functions (the outermost call only), while switched on."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = collections.defaultdict(float)
        self._store_depth = 0  # a store call inside another counts in the outer one only

    def wrap(self, owner: object, name: str, label: str, *, store: bool = False) -> None:
        function = getattr(owner, name)

        @functools.wraps(function)
        def timed(*args, **kwargs):
            self._store_depth += store
            start = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self._store_depth -= store
                if not (store and self._store_depth):
                    self.ms[label] += (time.thread_time() - start) * 1000

        setattr(owner, name, timed)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(specs: Callable[[str, int], FilterSpec], repeat: int, parts: CpuParts | None) -> None:
    print(f"{'scenario':<14} {'p50 ms':>8} {'p95 ms':>8} {'CPU p50':>8} {'CPU p95':>8} {'bytes':>9}")
    for name in SCENARIOS:
        for rep in range(2):  # warm-ups: the questions of repetitions 0 and 1
            one_update(specs(name, rep))
        if parts is not None:
            parts.ms.clear()
        times, cpu, size = [], [], 0
        for rep in range(2, 2 + repeat):
            start, start_cpu = time.perf_counter(), time.thread_time()
            size = one_update(specs(name, rep))
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
        print(f"{name:<14} {statistics.median(times):>8.1f} {percentile(times, 0.95):>8.1f} "
              f"{statistics.median(cpu):>8.1f} {percentile(cpu, 0.95):>8.1f} {size:>9,}")
        if parts is not None:
            for label, ms in sorted(parts.ms.items(), key=lambda item: -item[1]):
                if ms / repeat >= 0.5:
                    print(f"    {label:<28} {ms / repeat:6.1f} ms CPU a repetition")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--n", type=int, default=0, help="synthetic events instead of the bundled data")
    parser.add_argument("--parts", action="store_true", help="CPU per store call and views part (with --n)")
    args = parser.parse_args()
    if not args.n:
        set_context(load_context(Settings()))
        run(lambda name, rep: SCENARIOS[name], args.repeat, None)
        return
    from bench.run import prepare_dataset

    with tempfile.TemporaryDirectory(prefix=f"bench-updates-{args.n}-") as tmp:
        dataset, _ = prepare_dataset(args.n, Path(tmp))
        set_context(load_context(Settings(data_dir=tmp)))
        parts = None
        if args.parts:
            parts = CpuParts()
            for name in STORE_CALLS:
                parts.wrap(InMemoryEventStore, name, f"store.{name}", store=True)
            for name in VIEW_PARTS:
                parts.wrap(view_callbacks, name, name)
        print(f"{args.n:,} synthetic events, {args.repeat} repetitions, a new question each")
        run(lambda name, rep: varied_spec(name, rep, dataset), args.repeat, parts)


if __name__ == "__main__":
    main()
