"""Server time and response size per linked-view update on the bundled data.

Run: ``.venv/bin/python -m bench.updates [--repeat 30]``. Each scenario calls what a filter change
asks the server for — the views callback (map patch, timeline, breakdown, charts, counts, labels,
playback status, slide title) and the table's first block — as plain functions, serialises their
outputs as Dash would (plotly's JSON encoder), and reports p50/p95 time and bytes.
"""

from __future__ import annotations

import argparse
import statistics
import time

import plotly.io.json as pio_json

from dashboard.callbacks.views import update_table, update_views
from dashboard.config import Settings
from dashboard.data.filters import FilterSpec
from dashboard.state.context import load_context, set_context

SCENARIOS = {
    "all events": FilterSpec(),
    "one type": FilterSpec(event_types=("drug_seizure",)),
    "one year": FilterSpec(date_from=__import__("datetime").date(2017, 1, 1),
                           date_to=__import__("datetime").date(2017, 12, 31)),
    "VRAEM box": FilterSpec(bbox=(-75.0, -13.4, -72.8, -11.0)),
    "text search": FilterSpec(text="callao"),
}


def one_update(spec: FilterSpec) -> int:
    data = spec.to_store()
    outputs = [update_views(data, "en", "", ["shown"], "event_type", None, None, None),
               update_table({"startRow": 0, "endRow": 100}, data, "en")]
    return len(pio_json.to_json_plotly(outputs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    set_context(load_context(Settings()))
    print(f"{'scenario':<14} {'p50 ms':>8} {'p95 ms':>8} {'bytes':>9}")
    for name, spec in SCENARIOS.items():
        one_update(spec)  # warm-up
        times, size = [], 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            size = one_update(spec)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        print(f"{name:<14} {statistics.median(times):>8.1f} {p95:>8.1f} {size:>9,}")


if __name__ == "__main__":
    main()
