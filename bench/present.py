"""Presenter slide changes in headless Chromium (software WebGL): key press → slide in place.

    python -m bench.present [--reps N] [--story ID] [--json]

Serves Rutas (bundled data, an empty data directory, the offline base map) in a thread, opens
the story in presenter mode at 1920×1080 and presses → through every slide, then ← back, ``--reps``
times after one warm-up pass. Each change is timed from the keydown event (a capture listener
stamps ``performance.now()``) until the new title, the four counts and the map's event points
are on the page and the camera has landed on the slide's view with MapLibre loaded and still
(the flight itself takes ~1.2 s by design). Prints per-change times and the median and p95.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import PageLog, chromium_browser, serve_app  # noqa: E402

TIMEOUT_MS = 120_000
STAMP_KEYDOWN_JS = """() => { if (window.__benchStamp) return; window.__benchStamp = true;
  document.addEventListener('keydown', () => { window.__keyAt = performance.now(); }, true); }"""
# Resolves, once everything is in place, to the time each part first was: the text (title and
# counts), the map's event points, the camera landed and MapLibre idle. Checked on every frame.
SLIDE_IN_PLACE_JS = """([n, title, counts, points, events, view]) => {
  const text = id => { const e = document.getElementById(id); return e ? e.textContent : null; };
  const state = window.rutasPresent && window.rutasPresent.state;
  const gd = document.querySelector('#present-map .js-plotly-plot');
  const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  if (!state || !sub) return false;
  const m = sub.map, now = performance.now();
  const marks = window.__marks || (window.__marks = {});
  const drawn = gd._fullData.filter(t => t.index >= events[0] && t.index < events[1])
    .reduce((k, t) => k + (t.meta && t.meta.cells ? 0 : (t.lat ? t.lat.length : 0) - ((t.meta && t.meta.halo_points) || 0)), 0);
  if (marks.text === undefined && text('present-title') === title && text('present-count-events') === counts[0]
      && text('present-count-fatalities') === counts[1] && text('present-count-kg') === counts[2]
      && text('present-count-sources') === counts[3]) marks.text = now;
  if (marks.data === undefined && drawn === points) marks.data = now;
  const c = m.getCenter(), there = Math.abs(c.lat - view[0]) < 1e-3 && Math.abs(c.lng - view[1]) < 1e-3
    && Math.abs(m.getZoom() - view[2]) < 1e-3;
  if (marks.landed === undefined && state.cameraSlide === n && !state.flying && there) marks.landed = now;
  if (marks.text === undefined || marks.data === undefined || marks.landed === undefined
      || !m.loaded() || m.isMoving() || drawn !== points || !there) return false;
  return Object.assign({}, marks, {idle: now});
}"""


def expected_slides(story_id: str) -> tuple[list[dict], range]:
    """Per slide: title, the four counts and the event points the map must draw."""
    from dashboard.figures.event_map import EVENT_TRACE
    from dashboard.state.context import get_context
    from dashboard.state.present_view import slide_layer, slide_view
    from dashboard.words.slide_facts import slide_facts

    context = get_context()
    story = context.stories.get(story_id)
    threshold = context.settings.max_map_points
    slides = []
    for index, slide in enumerate(story.slides):
        facts = slide_facts(context.store, story, index, "en")
        layer = slide_layer(context.store, slide.spec, slide_view(context.store, slide, threshold), threshold)
        view = slide_view(context.store, slide, threshold)
        slides.append({"title": slide.title, "points": int(layer.points.latitude.size),
                       "view": [view.lat, view.lon, view.zoom],
                       "counts": [facts.counts[k] for k in ("events", "fatalities", "kg", "sources")]})
    return slides, range(EVENT_TRACE, EVENT_TRACE + 1)


def change_ms(page, key: str, target: int, slide: dict, events: range) -> dict[str, float]:
    """Milliseconds from the key press to each part of the slide being in place ("idle": all)."""
    page.evaluate("() => { window.__marks = {}; }")
    page.keyboard.press(key)
    handle = page.wait_for_function(
        SLIDE_IN_PLACE_JS, arg=[target, slide["title"], slide["counts"], slide["points"],
                                [events.start, events.stop], slide["view"]], timeout=TIMEOUT_MS, polling="raf")
    marks, pressed = handle.json_value(), float(page.evaluate("window.__keyAt"))
    return {part: round(float(at) - pressed, 1) for part, at in marks.items()}


def walk(page, slides: list[dict], events: range) -> list[tuple[str, dict[str, float]]]:
    """→ through every slide, then ← back to the first: (change, ms) per press."""
    times = []
    last = len(slides) - 1
    for n in range(1, last + 1):
        times.append((f"{n}→{n + 1}", change_ms(page, "ArrowRight", n, slides[n], events)))
    for n in range(last - 1, -1, -1):
        times.append((f"{n + 2}→{n + 1}", change_ms(page, "ArrowLeft", n, slides[n], events)))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.present")
    parser.add_argument("--reps", type=int, default=3, help="passes through the story after one warm-up")
    parser.add_argument("--story", default="from-the-vraem-to-europe")
    parser.add_argument("--json", action="store_true", help="print one JSON record instead of the table")
    args = parser.parse_args()

    from dashboard import create_app
    from dashboard.config import Settings
    from dashboard.state.present_view import median_p95

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app(Settings(data_dir=tempfile.mkdtemp(prefix="rutas-bench-present-")))
    slides, events = expected_slides(args.story)
    by_change: dict[str, list[dict[str, float]]] = {}
    with serve_app(app) as url, chromium_browser() as browser:
        page = browser.new_page()
        page.set_viewport_size({"width": 1920, "height": 1080})
        log = PageLog(page)
        page.goto(f"{url}/present/{args.story}?slide=1")
        page.wait_for_function(SLIDE_IN_PLACE_JS, arg=[0, slides[0]["title"], slides[0]["counts"],
                                                        slides[0]["points"], [events.start, events.stop],
                                                        slides[0]["view"]],
                               timeout=TIMEOUT_MS, polling="raf")
        page.evaluate(STAMP_KEYDOWN_JS)
        walk(page, slides, events)  # warm-up: caches, shaders, glyphs
        for _ in range(args.reps):
            for change, parts in walk(page, slides, events):
                by_change.setdefault(change, []).append(parts)
        errors, outside = list(log.errors), log.outside_requests()
    summary = {part: median_p95([p[part] for runs in by_change.values() for p in runs])
               for part in PARTS}
    if args.json:
        print(json.dumps({"story": args.story, "reps": args.reps, "changes": by_change,
                          "median_ms": {k: v[0] for k, v in summary.items()},
                          "p95_ms": {k: v[1] for k, v in summary.items()},
                          "console_errors": errors, "outside_requests": outside}))
        return
    print(f"presenter slide changes, story {args.story}, {args.reps} passes of → then ← (1920×1080, "
          "software WebGL); ms from the key press until the slide is in place (idle: everything, "
          "the camera landed and MapLibre still)")
    print(f"  {'change':>6}  " + "  ".join(f"{'idle #' + str(i + 1):>8}" for i in range(args.reps)))
    for change, runs in by_change.items():
        print(f"  {change:>6}  " + "  ".join(f"{p['idle']:8.0f}" for p in runs))
    count = sum(len(runs) for runs in by_change.values())
    for part in PARTS:
        print(f"{PART_NAMES[part]:<44} median {summary[part][0]:6.0f} ms   p95 {summary[part][1]:6.0f} ms"
              f"   ({count} changes)")
    print(f"console errors: {len(errors)}, requests outside 127.0.0.1: {len(outside)}")


PARTS = ("text", "data", "landed", "idle")
PART_NAMES = {"text": "title and four counts shown", "data": "map event points in place",
              "landed": "camera landed on the slide's view", "idle": "all of it, MapLibre loaded and still"}


if __name__ == "__main__":
    main()
