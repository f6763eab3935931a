"""End-to-end times in Debian's Chromium (software WebGL): cold load, one event type, zoom.

With each time come the callback POSTs the action made and the frames the map drew (as the page's
plotly.js counts them, else MapLibre ``render`` events) until the page was calm: issue 16 asks
for ≤ 3 POSTs a filter change, ≤ 2 a zoom, and ≤ 2 frames an action.

Each measurement ends when Dash has no callback pending and the map graph's MapLibre map is
loaded, still and has no frame waiting to be drawn, and both have held for ``QUIET_MS`` (the end
time is when that calm began).
The type pick goes through ``dash_clientside.set_props`` and the zoom is :data:`ZOOM_JS` (a user's
gesture as it ends), identically for both arms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Error as PlaywrightError

from bench.harness import DASH_IDLE_JS, MAP_DRAWN_JS, chromium_browser
from bench.scenarios import EVENT_TYPE, VRAEM_VIEW

TIMEOUT_MS = 120_000
QUIET_MS = 500

# A zoom as a user's gesture (wheel, drag) ends: MapLibre's jumpTo with the gesture's event, which
# Plotly reports at once (on moveend) with the map's corners, as it reports a wheel or a drag.
# Plotly.relayout, the bench's zoom before, is reported only once every base tile at the new view
# has loaded (~0.4 s at the VRAEM): a wait before the server is asked that no user's zoom has.
ZOOM_JS = """(a) => { const gd = document.querySelector('#' + a[0] + ' .js-plotly-plot');
    gd._fullLayout.map._subplot.map.jumpTo({center: [a[1], a[2]], zoom: a[3]},
                                            {originalEvent: new WheelEvent('wheel')}); }"""

# Resolves to the time (performance.now()) at which the page became calm, once it has stayed calm.
CALM_SINCE_JS = """([graphId, quietMs]) => {
  const dashIdle = (""" + DASH_IDLE_JS + """);
  const gd = document.querySelector('#' + graphId + ' .js-plotly-plot');
  const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  const m = sub && sub.map;
  const drawn = !!m && """ + MAP_DRAWN_JS + """;
  const s = window.store && window.store.getState && window.store.getState();
  let busy = !s || !s.callbacks || s.isLoading || !drawn
    || document.querySelector('[data-dash-is-loading="true"]') !== null;
  if (!busy && s.callbacks) {
    const queues = Object.assign({}, s.callbacks);
    delete queues.stored; delete queues.completed;
    busy = Object.values(queues).some(q => Array.isArray(q) && q.length);
  }
  const now = performance.now();
  if (busy) { window.__benchCalmSince = undefined; return false; }
  if (window.__benchCalmSince === undefined) window.__benchCalmSince = now;
  return now - window.__benchCalmSince >= quietMs ? window.__benchCalmSince : false;
}"""


# Counts the map's frames from now on (once per page; reset before each action): the frames the
# page's plotly.js drew (it holds back frames of old tiles and counts those it draws), else
# MapLibre's 'render' events (one per frame it asked for).
COUNT_FRAMES_JS = """(graphId) => {
  const gd = document.querySelector('#' + graphId + ' .js-plotly-plot');
  const m = gd._fullLayout.map._subplot.map;
  if (!window.__benchFrameCounter) { window.__benchFrameCounter = true; m.on('render', () => { window.__benchRenders++; }); }
  window.__benchRenders = 0;
  window.__benchPaintsBefore = m._rutasPaints;
}"""
FRAMES_JS = """(graphId) => {
  const m = document.querySelector('#' + graphId + ' .js-plotly-plot')._fullLayout.map._subplot.map;
  return m._rutasPaints === undefined ? window.__benchRenders : m._rutasPaints - window.__benchPaintsBefore;
}"""


@dataclass
class BrowserMeasure:
    """One scenario in the browser: times (ms), callback POSTs and map frames per action."""

    times: list[float] = field(default_factory=list)
    posts: list[int] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    failure: str = ""


def _calm_at(page, graph_id: str) -> float:
    page.evaluate("() => { window.__benchCalmSince = undefined; }")
    handle = page.wait_for_function(CALM_SINCE_JS, arg=[graph_id, QUIET_MS], timeout=TIMEOUT_MS, polling=50)
    return float(handle.json_value())


def _action_ms(page, graph_id: str, script: str, arg) -> float:
    start = page.evaluate("(a) => { const t = performance.now(); (" + script + ")(a); return t; }", arg)
    return _calm_at(page, graph_id) - start


def measure_browser(server, reps: int) -> dict[str, BrowserMeasure]:
    """Per scenario: times in ms, POSTs and frames per action, and the failure that stopped it."""
    arm = server.arm
    url = f"{server.url}/{server.search}"
    types_id, types_prop = arm.types.rsplit(".", 1)
    type_value = [EVENT_TYPE] if arm.multi_types else EVENT_TYPE
    pick_type = "(a) => window.dash_clientside.set_props(a[0], {[a[1]]: a[2]})"
    results = {scenario: BrowserMeasure() for scenario in ("cold load", "one type", "zoom VRAEM")}
    failure = ""
    try:
        with chromium_browser() as context:
            for _ in range(reps):
                for scenario in ("one type", "zoom VRAEM"):
                    page = context.new_page()
                    crashed, posts = [], []
                    page.on("crash", lambda _page, crashed=crashed: crashed.append(True))
                    page.on("request", lambda request, posts=posts: posts.append(1)
                            if request.method == "POST" and "_dash-update-component" in request.url else None)
                    try:
                        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
                        results["cold load"].times.append(_calm_at(page, arm.map))
                        results["cold load"].posts.append(len(posts))
                        page.evaluate(COUNT_FRAMES_JS, arm.map)
                        posts.clear()
                        if scenario == "one type":
                            ms = _action_ms(page, arm.map, pick_type, [types_id, types_prop, type_value])
                        else:
                            ms = _action_ms(page, arm.map, ZOOM_JS, [
                                arm.map, VRAEM_VIEW["lon"], VRAEM_VIEW["lat"], VRAEM_VIEW["zoom"]])
                            if not posts:  # Plotly did not report the move: nothing was measured
                                raise PlaywrightError("the zoom asked the server nothing")
                        results[scenario].times.append(ms)
                        results[scenario].posts.append(len(posts))
                        results[scenario].frames.append(int(page.evaluate(FRAMES_JS, arm.map)))
                    finally:
                        try:
                            page.close()
                        except PlaywrightError:
                            pass
                    if crashed:
                        raise PlaywrightError("the tab crashed")
    except PlaywrightError as error:  # includes timeouts and crashes
        failure = f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
    for scenario, measure in results.items():
        if len(measure.times) < reps * (2 if scenario == "cold load" else 1):
            measure.failure = failure
    return results
