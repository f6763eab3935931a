"""End-to-end times in Debian's Chromium (software WebGL): cold load, one event type, zoom.

Each measurement ends when Dash has no callback pending and the map graph's MapLibre map is
loaded and still, and both have held for ``QUIET_MS`` (the end time is when that calm began).
The type pick goes through ``dash_clientside.set_props`` and the zoom through ``Plotly.relayout``
on the map div, identically for both arms.
"""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError

from bench.harness import DASH_IDLE_JS, chromium_browser
from bench.scenarios import EVENT_TYPE, VRAEM_VIEW

TIMEOUT_MS = 120_000
QUIET_MS = 500

# Resolves to the time (performance.now()) at which the page became calm, once it has stayed calm.
CALM_SINCE_JS = """([graphId, quietMs]) => {
  const dashIdle = (""" + DASH_IDLE_JS + """);
  const gd = document.querySelector('#' + graphId + ' .js-plotly-plot');
  const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  const m = sub && sub.map;
  const drawn = !!m && m.isStyleLoaded() && m.loaded() && !m.isMoving();
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


def _calm_at(page, graph_id: str) -> float:
    page.evaluate("() => { window.__benchCalmSince = undefined; }")
    handle = page.wait_for_function(CALM_SINCE_JS, arg=[graph_id, QUIET_MS], timeout=TIMEOUT_MS, polling=50)
    return float(handle.json_value())


def _action_ms(page, graph_id: str, script: str, arg) -> float:
    start = page.evaluate("(a) => { const t = performance.now(); (" + script + ")(a); return t; }", arg)
    return _calm_at(page, graph_id) - start


def measure_browser(server, reps: int) -> dict[str, tuple[list[float], str]]:
    """Times in ms per scenario, and the failure that stopped it ('' if none)."""
    arm = server.arm
    url = f"{server.url}/{server.search}"
    types_id, types_prop = arm.types.rsplit(".", 1)
    type_value = [EVENT_TYPE] if arm.multi_types else EVENT_TYPE
    pick_type = "(a) => window.dash_clientside.set_props(a[0], {[a[1]]: a[2]})"
    zoom = """(a) => { const gd = document.querySelector('#' + a[0] + ' .js-plotly-plot');
                       Plotly.relayout(gd, {'map.center': {lon: a[1], lat: a[2]}, 'map.zoom': a[3]}); }"""
    results: dict[str, list[float]] = {"cold load": [], "one type": [], "zoom VRAEM": []}
    failure = ""
    try:
        with chromium_browser() as context:
            for _ in range(reps):
                for scenario in ("one type", "zoom VRAEM"):
                    page = context.new_page()
                    crashed = []
                    page.on("crash", lambda _page, crashed=crashed: crashed.append(True))
                    try:
                        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
                        results["cold load"].append(_calm_at(page, arm.map))
                        if scenario == "one type":
                            results[scenario].append(_action_ms(page, arm.map, pick_type,
                                                                [types_id, types_prop, type_value]))
                        else:
                            results[scenario].append(_action_ms(page, arm.map, zoom, [
                                arm.map, VRAEM_VIEW["lon"], VRAEM_VIEW["lat"], VRAEM_VIEW["zoom"]]))
                    finally:
                        try:
                            page.close()
                        except PlaywrightError:
                            pass
                    if crashed:
                        raise PlaywrightError("the tab crashed")
    except PlaywrightError as error:  # includes timeouts and crashes
        failure = f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
    return {scenario: (times, failure if len(times) < reps * (2 if scenario == "cold load" else 1) else "")
            for scenario, times in results.items()}
