"""Briefing pack times (cold and warm) and file sizes, PDF and PPTX, of the bundled story.

    python -m bench.briefing [--reps 3] [--story from-the-vraem-to-europe] [--lang en] [--json]

Cold: a fresh Python process loads the data, starts the renderer (headless Chromium via
kaleido) and makes one pack — what the first pack after a deploy costs. Warm: the same pack
again with the data loaded and the renderer kept running (median and max over ``--reps``).
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

from dashboard.data.language import DEFAULT_LANGUAGE, LANGUAGES

REPO = Path(__file__).resolve().parents[1]
DEFAULT_STORY = "from-the-vraem-to-europe"
FORMATS = ("pdf", "pptx")


def _context():
    from dashboard.config import Settings
    from dashboard.state.context import load_context

    # An empty data directory of its own: the bundled facts and stories only.
    return load_context(Settings(data_dir=tempfile.mkdtemp(prefix="rutas-bench-briefing-")))


def _pack(context, story_id: str, fmt: str, lang: str) -> bytes:
    from dashboard.exports.briefing import build_briefing

    story = context.stories.get(story_id)
    return build_briefing(context.store, context.data, story, fmt, lang=lang,
                          dataset_names=context.dataset_names())


def cold_one(story_id: str, fmt: str, lang: str) -> dict:
    """In this (fresh) process: time loading the data, starting the renderer and making one pack."""
    started = time.perf_counter()
    context = _context()
    _ = context.store
    loaded = time.perf_counter()
    data = _pack(context, story_id, fmt, lang)
    done = time.perf_counter()
    return {"format": fmt, "cold_s": done - started, "load_s": loaded - started, "bytes": len(data)}


def run(story_id: str, lang: str, reps: int, as_json: bool) -> None:
    from dashboard.exports.render import start_renderer, stop_renderer

    context = _context()
    story = context.stories.get(story_id)
    records = []
    for fmt in FORMATS:
        cold = json.loads(subprocess.run(
            [sys.executable, "-m", "bench.briefing", "--cold", fmt, "--story", story_id, "--lang", lang],
            cwd=REPO, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        start_renderer()
        _pack(context, story_id, fmt, lang)  # warm-up
        times, size = [], 0
        for _ in range(reps):
            started = time.perf_counter()
            size = len(_pack(context, story_id, fmt, lang))
            times.append(time.perf_counter() - started)
        records.append({"story": story_id, "slides": len(story.slides), "format": fmt, "lang": lang,
                        "cold_s": round(cold["cold_s"], 2), "cold_load_s": round(cold["load_s"], 2),
                        "warm_median_s": round(statistics.median(times), 2), "warm_max_s": round(max(times), 2),
                        "warm_per_slide_s": round(statistics.median(times) / len(story.slides), 2),
                        "bytes": size})
    stop_renderer()
    print(f"story: {story_id} ({len(story.slides)} slides)   lang: {lang}   reps: {reps}")
    print(f"{'format':7} {'cold s':>7} {'(load s)':>9} {'warm med s':>10} {'warm max s':>10} {'s/slide':>8} "
          f"{'bytes':>12}")
    for r in records:
        print(f"{r['format']:7} {r['cold_s']:>7.2f} {r['cold_load_s']:>9.2f} {r['warm_median_s']:>10.2f} "
              f"{r['warm_max_s']:>10.2f} {r['warm_per_slide_s']:>8.2f} {r['bytes']:>12,}")
    if as_json:
        for r in records:
            print(json.dumps(r))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.briefing")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--story", default=DEFAULT_STORY)
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cold", choices=FORMATS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    if args.cold:
        print(json.dumps(cold_one(args.story, args.cold, args.lang)))
        return
    run(args.story, args.lang, args.reps, args.json)


if __name__ == "__main__":
    main()
