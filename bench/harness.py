"""Serve the real app in a thread and drive it with Debian's Chromium (no browser download)."""

from __future__ import annotations

import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
    "--disable-sync", "--disable-quic",
    # Every host but the app's own is unresolvable: proves the page works offline.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
# Software WebGL warns about ReadPixels stalls; that is the test machine, not the app.
IGNORED_CONSOLE = ("GL Driver Message", "GPU stall due to ReadPixels")
# Chromium reports a header it cannot parse (an unknown Permissions-Policy feature) as a warning:
# the header is ours, so the warning counts as an error.
OWN_HEADER_WARNINGS = ("Permissions-Policy", "Content-Security-Policy", "Cross-Origin-")

# A MapLibre map ``m`` drawn: loaded, still, and no frame waiting to be drawn (a frame held while
# labels are placed is drawn next). One expression, for the tests' settle and the bench's calm.
MAP_DRAWN_JS = "(m.isStyleLoaded() && m.loaded() && !m.isMoving() && !m._frameRequest)"
MAP_READY_JS = """() => {
  const gd = document.querySelector('#map-graph .js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullLayout.map || !gd._fullLayout.map._subplot) return false;
  const sub = gd._fullLayout.map._subplot, m = sub.map;
  const traces = gd._fullData.filter(t => t.type === 'scattermap').length;
  return traces > 0 && Object.keys(sub.traceHash).length === traces && """ + MAP_DRAWN_JS + """;
}"""


@contextmanager
def serve_app(app):
    """Serve a Dash app on 127.0.0.1 at a free port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


class PageLog:
    """Console errors and every request URL a page made."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("request", lambda request: self.requests.append(request.url))

    def _on_console(self, message) -> None:
        if message.type == "error" and not any(s in message.text for s in IGNORED_CONSOLE):
            self.errors.append(message.text)
        elif message.type == "warning" and any(s in message.text for s in OWN_HEADER_WARNINGS):
            self.errors.append(f"warning: {message.text}")

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests
                if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                and urlsplit(u).hostname != "127.0.0.1"]


@contextmanager
def chromium_browser():
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1600, "height": 1300},
        )
        try:
            yield context
        finally:
            context.close()

# The parts of MAP_READY_JS, for a failure message.
MAP_STATE_JS = """() => {
  const gd = document.querySelector('#map-graph .js-plotly-plot');
  const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  if (!sub) return {plotted: false};
  const m = sub.map;
  return {traces: gd._fullData.filter(t => t.type === 'scattermap').length,
          drawn_traces: Object.keys(sub.traceHash).length, style_loaded: m.isStyleLoaded(),
          loaded: m.loaded(), moving: m.isMoving()};
}"""

UPLOAD_LIMIT_BYTES = 2_000_000  # the test app's import limit: a just-over file is quick to make


def wait_for_map(page, timeout_ms: int = 60_000) -> None:
    page.wait_for_function(MAP_READY_JS, timeout=timeout_ms, polling=100)


# --- Waiting for the app and reading what every linked view shows ---------------------------

# Dash is idle when no callback is requested, queued or running. Chained callbacks can leave the
# queue empty for a moment between links, so "idle" must hold for a short quiet period.
DASH_IDLE_JS = """(quietMs) => {
  const s = window.store && window.store.getState && window.store.getState();
  if (!s || !s.callbacks) return false;
  const queues = Object.assign({}, s.callbacks);
  delete queues.stored; delete queues.completed;
  const busy = s.isLoading || Object.values(queues).some(q => Array.isArray(q) && q.length)
    || document.querySelector('[data-dash-is-loading="true"]') !== null;
  const now = performance.now();
  if (busy || window.__rutasQuietSince === undefined) {
    window.__rutasQuietSince = busy ? undefined : now;
    return false;
  }
  return now - window.__rutasQuietSince >= quietMs;
}"""

# What each linked view shows. ``events`` is the map's event traces as [start, stop) (one trace,
# dashboard.figures.event_map.EVENT_TRACE): its points less the uncertainty rings drawn first.
VIEW_COUNTS_JS = """([start, stop]) => {
  const q = s => document.querySelector(s);
  const map = q('#map-graph .js-plotly-plot'), timeline = q('#timeline-graph .js-plotly-plot');
  const grid = (() => { try { return window.dash_ag_grid.getApi('table-grid'); } catch (e) { return null; } })();
  const len = a => (a ? a.length : 0);
  const sum = a => (a ? Array.from(a).reduce((x, y) => x + (Number(y) || 0), 0) : 0);
  return {
    headline: q('#counts-events') ? q('#counts-events').textContent : null,
    map_events: map && map._fullData
      ? map._fullData.filter(t => t.index >= start && t.index < stop)
          .reduce((n, t) => n + (t.meta && t.meta.cells ? 0 : len(t.lat) - ((t.meta && t.meta.halo_points) || 0)), 0)
      : null,
    timeline_total: timeline && timeline._fullData
      ? timeline._fullData.filter(t => t.type === 'bar').reduce((n, t) => n + sum(t.y), 0) : null,
    table_rows: grid ? grid.getDisplayedRowCount() : null,
  };
}"""


def wait_for_dash_idle(page, timeout_ms: int = 60_000, quiet_ms: int = 300) -> None:
    """Wait until no Dash callback has been pending for ``quiet_ms``."""
    page.evaluate("() => { window.__rutasQuietSince = undefined; }")
    page.wait_for_function(DASH_IDLE_JS, arg=quiet_ms, timeout=timeout_ms, polling=100)


def settle(page, timeout_ms: int = 60_000) -> None:
    """Callbacks done and the map drawn: the page shows one consistent state."""
    wait_for_dash_idle(page, timeout_ms)
    wait_for_map(page, timeout_ms)


def view_counts(page, events: range) -> dict:
    """Headline text, event markers on the map, timeline total and table rows."""
    return page.evaluate(VIEW_COUNTS_JS, [events.start, events.stop])


# The table's grid is a placeholder until its code is in: it loads as the table comes near the
# window (assets/table-grid-loader.js), and a test that reads the grid without scrolling to it loads it.
GRID_READY_JS = """() => { try { return !!window.dash_ag_grid.getApi('table-grid'); } catch (e) { return false; } }"""


def load_table_grid(page, timeout_ms: int = 60_000) -> None:
    """Bring in the table's grid code, as scrolling to the table does, and wait for the grid."""
    page.evaluate("() => window.rutasTableGrid.load()")
    page.wait_for_function(GRID_READY_JS, timeout=timeout_ms, polling=100)


def wait_for_view_counts(page, events: range, expected: dict, timeout_ms: int = 60_000) -> dict:
    """Wait until the views show ``expected`` (a subset of view_counts' keys); fail with what they show.
    The table's rows are read from its grid, so its code is brought in first."""
    if "table_rows" in expected:
        load_table_grid(page, timeout_ms)
    check = ("([range, expected]) => { const counts = (" + VIEW_COUNTS_JS + ")(range);"
             " return Object.keys(expected).every(k => counts[k] === expected[k]); }")
    try:
        page.wait_for_function(check, arg=[[events.start, events.stop], expected], timeout=timeout_ms,
                               polling=200)
    except PlaywrightTimeoutError as error:
        raise AssertionError(f"views never showed {expected}; they show {view_counts(page, events)}") \
            from error
    return view_counts(page, events)


def map_canvas_point(page, lon: float, lat: float) -> tuple[float, float]:
    """Viewport pixel of (lon, lat) on the map."""
    return tuple(page.evaluate("""([lon, lat]) => {
      const gd = document.querySelector('#map-graph .js-plotly-plot');
      const m = gd._fullLayout.map._subplot.map, box = m.getCanvas().getBoundingClientRect();
      const p = m.project([lon, lat]);
      return [box.left + p.x, box.top + p.y];
    }""", [lon, lat]))


def timeline_x(page, iso_date: str) -> tuple[float, float]:
    """Viewport pixel (x, mid-plot y) of a date on the timeline."""
    return tuple(page.evaluate("""(day) => {
      const gd = document.querySelector('#timeline-graph .js-plotly-plot');
      const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
      return [box.left + xa._offset + xa.l2p(xa.d2l(day)), box.top + ya._offset + ya._length / 2];
    }""", iso_date))


def drag(page, start: tuple[float, float], end: tuple[float, float], steps: int = 12) -> None:
    """Press, move in steps and release the left mouse button."""
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=steps)
    page.mouse.up()


@dataclass
class UiPage:
    """A Playwright page on the served app, with its console/request log."""

    page: object
    log: PageLog
    base_url: str

    def open(self, search: str = "") -> None:
        self.page.goto(f"{self.base_url}/{search}")

    def assert_no_console_errors(self, step: str) -> None:
        assert self.log.errors == [], f"console errors after {step}: {self.log.errors}"

    def settle(self, step: str, timeout_s: float = 60.0) -> None:
        """Wait for Dash to go idle and the map to be drawn; fail at once on a console error."""
        deadline = time.monotonic() + timeout_s
        while True:
            self.assert_no_console_errors(step)
            try:
                settle(self.page, timeout_ms=3_000)
                break
            except PlaywrightTimeoutError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"the page never settled after {step}; map state: "
                                         f"{self.page.evaluate(MAP_STATE_JS)}") from None
        self.assert_no_console_errors(step)
