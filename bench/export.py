"""Export times (cold and warm) and file sizes per chart and format, on the bundled data.

    python -m bench.export [--reps 5] [--query "type=drug_seizure&from=2019-01-01&to=2024-12-31"]
                           [--sizes web,a4] [--json]

Cold: a fresh Python process imports the app's export code, starts the renderer (headless
Chromium via kaleido) and makes one file — what the first export after a deploy costs.
Warm: the same export repeated with the renderer kept running (what every later export costs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_QUERY = "type=drug_seizure&from=2019-01-01&to=2024-12-31"
CASES = [  # (chart, format): every format once, every chart as PNG
    ("map", "png"), ("map", "svg"), ("map", "pdf"), ("timeline", "png"), ("timeline", "svg"),
    ("timeline", "pdf"), ("breakdown", "png"), ("breakdown", "svg"), ("breakdown", "pdf"),
    ("map", "html"), ("map", "pack"), ("map", "csv"), ("map", "xlsx"), ("map", "geojson"),
]


def _export(context, query: str, chart: str, fmt: str, size: str, scale: int = 1):
    from dashboard.exports.service import export_view
    from dashboard.exports.spec import request_from_controls

    request = request_from_controls(chart=chart, size=size, scale=scale)
    return export_view(context.store, context.data, query, fmt,
                       request)


def _context():
    from dashboard.config import Settings
    from dashboard.state.context import load_context

    # An empty data directory of its own: the bundled facts only, whatever the user imported.
    return load_context(Settings(data_dir=tempfile.mkdtemp(prefix="rutas-bench-export-")))


def cold_one(query: str, chart: str, fmt: str, size: str) -> dict:
    """In this (fresh) process: load the data, then time the first export, renderer start included."""
    context = _context()
    _ = context.store
    started = time.perf_counter()
    exported = _export(context, query, chart, fmt, size)
    return {"chart": chart, "format": fmt, "size": size, "cold_s": time.perf_counter() - started,
            "bytes": len(exported.data)}


def run(query: str, reps: int, sizes: list[str], as_json: bool) -> None:
    from dashboard.exports.render import start_renderer, stop_renderer

    context = _context()
    _ = context.store
    records = []
    for size in sizes:
        for chart, fmt in CASES:
            cold = json.loads(subprocess.run(
                [sys.executable, "-m", "bench.export", "--cold", chart, fmt, size, "--query", query],
                cwd=REPO, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
            start_renderer()
            _export(context, query, chart, fmt, size)  # warm-up
            times, size_bytes = [], 0
            for _ in range(reps):
                started = time.perf_counter()
                size_bytes = len(_export(context, query, chart, fmt, size).data)
                times.append(time.perf_counter() - started)
            records.append({"chart": chart, "format": fmt, "size": size, "cold_s": round(cold["cold_s"], 3),
                            "warm_median_s": round(statistics.median(times), 3),
                            "warm_max_s": round(max(times), 3), "bytes": size_bytes})
        for scale in (2, 3):
            started = time.perf_counter()
            data = _export(context, query, "map", "png", size, scale).data
            records.append({"chart": "map", "format": f"png@{scale}x", "size": size, "cold_s": None,
                            "warm_median_s": round(time.perf_counter() - started, 3), "warm_max_s": None,
                            "bytes": len(data)})
    stop_renderer()
    print(f"query: {query}   events: {context.store.count(_spec(query)):,}   reps: {reps}")
    print(f"{'size':6} {'chart':10} {'format':8} {'cold s':>7} {'warm med s':>10} {'warm max s':>10} {'bytes':>12}")
    for r in records:
        cold = f"{r['cold_s']:.2f}" if r["cold_s"] is not None else "-"
        worst = f"{r['warm_max_s']:.2f}" if r["warm_max_s"] is not None else "-"
        print(f"{r['size']:6} {r['chart']:10} {r['format']:8} {cold:>7} {r['warm_median_s']:>10.2f} "
              f"{worst:>10} {r['bytes']:>12,}")
    if as_json:
        for r in records:
            print(json.dumps(r))


def _spec(query: str):
    from dashboard.data.filters import parse_url_state

    return parse_url_state(query)[0].spec


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--query", default=DEFAULT_QUERY)
    parser.add_argument("--sizes", default="web", help="comma-separated presets: web,square,story,a4")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cold", nargs=3, metavar=("CHART", "FORMAT", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold:
        print(json.dumps(cold_one(args.query, *args.cold)))
        return
    run(args.query, args.reps, [s for s in args.sizes.split(",") if s], args.json)


if __name__ == "__main__":
    main()
