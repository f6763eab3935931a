"""The standalone HTML embed in headless Chromium: it draws its chart and asks nothing of anyone.

The page is served from its own 127.0.0.1 origin (so "its own origin" is well defined) and every
other host is unresolvable (harness.CHROMIUM_ARGS). No Dash app is started.
"""

from __future__ import annotations

import functools
import logging
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import plotly.graph_objects as go
import pytest

from bench.harness import PageLog
from dashboard.data.filters import FilterSpec
from dashboard.exports.embed import CHART_ID, standalone_html
from dashboard.exports.spec import ExportContext

pytestmark = pytest.mark.browser

# (lon, lat): the VRAEM, Callao, Santa Cruz, Antwerp, Rotterdam
PLACES = {"Pichari": (-73.83, -12.52), "Callao": (-77.13, -12.05), "Santa Cruz": (-63.18, -17.78),
          "Antwerp": (4.40, 51.22), "Rotterdam": (4.48, 51.92)}

# Record CSP violations before any script of the page runs.
CSP_LISTENER_JS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""
GEO_DRAWN_JS = f"""() => {{
  const gd = document.getElementById('{CHART_ID}');
  const sub = gd && gd._fullLayout && gd._fullLayout.geo && gd._fullLayout.geo._subplot;
  if (!sub || !sub.topojson) return false;
  const d = s => {{ const p = gd.querySelector(s); return p ? (p.getAttribute('d') || '').length : 0; }};
  return {{countries: d('.geo .layer.countries path'), land: d('.geo .layer.land path'),
          coastlines: d('.geo .layer.coastlines path'),
          markers: gd.querySelectorAll('.geo .trace.scattergeo path.point').length,
          lines: gd.querySelectorAll('.geo .trace.scattergeo path.js-line').length}};
}}"""
BARS_DRAWN_JS = f"""() => {{
  const gd = document.getElementById('{CHART_ID}');
  if (!gd || !gd._fullLayout) return false;
  const svg = gd.querySelector('.main-svg');
  return {{bars: gd.querySelectorAll('.barlayer .point path').length,
          width: svg ? svg.getBoundingClientRect().width : 0,
          page: document.documentElement.clientWidth, scroll: document.documentElement.scrollWidth}};
}}"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass


@contextmanager
def serve_directory(directory: Path):
    """Serve ``directory`` on 127.0.0.1 at a free port; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def embed_context(title: str) -> ExportContext:
    return ExportContext(
        spec=FilterSpec(), lang="en", title=title,
        subtitle="All event types · 2015–2024 · all countries",
        source_line="Source: Rutas — 5 events from 4 published reports; no filters; exported 2025-01-31",
        alt_text="A world map with five places joined by a route from Peru's VRAEM to Antwerp.",
        permalink="https://rutas.example.org/?lang=en", exported_at=datetime(2025, 1, 31, tzinfo=UTC),
        events=5, sources=4, credit="Graphic: Test Desk",
    )


def route_map() -> go.Figure:
    names = list(PLACES)
    lons, lats = zip(*PLACES.values(), strict=True)
    figure = go.Figure([
        go.Scattergeo(lon=list(lons[:4]), lat=list(lats[:4]), mode="lines", name="route",
                      line=dict(width=2, color="#b3261e")),
        go.Scattergeo(lon=list(lons), lat=list(lats), mode="markers+text", text=names, name="places",
                      textposition="top right", marker=dict(size=8, color="#1f4e79")),
    ])
    figure.update_geos(resolution=50, showcountries=True, countrycolor="#9aa3ab", showland=True,
                       landcolor="#f4f1ea", showocean=True, oceancolor="#d9e6ef",
                       lonaxis_range=[-95, 20], lataxis_range=[-35, 60], projection_type="natural earth")
    figure.update_layout(margin=dict(l=0, r=0, t=10, b=0), width=1200, height=675)
    return figure


def bar_chart() -> go.Figure:
    figure = go.Figure(go.Bar(x=["Seizure", "Arrest", "Eradication", "Clash"], y=[41, 27, 12, 5],
                              marker_color="#1f4e79"))
    figure.update_layout(margin=dict(l=40, r=10, t=10, b=40), width=1200, height=675)
    return figure


def open_embed(browser_context, base_url: str, name: str):
    page = browser_context.new_page()
    page.add_init_script(CSP_LISTENER_JS)
    log = PageLog(page)
    page.goto(f"{base_url}/{name}")
    return page, log


def assert_offline_and_clean(page, log: PageLog, base_url: str) -> None:
    origin = urlsplit(base_url).netloc
    foreign = [u for u in log.requests
               if not (urlsplit(u).scheme in ("data", "blob") or urlsplit(u).netloc == origin)]
    assert foreign == [], f"requests left the page's origin: {foreign}"
    assert log.errors == [], f"console errors: {log.errors}"
    assert page.evaluate("window.__cspViolations") == []


@pytest.fixture(scope="module")
def embeds(tmp_path_factory):
    directory = tmp_path_factory.mktemp("embed")
    (directory / "map.html").write_text(standalone_html(route_map(), embed_context("Cocaine routes")),
                                        encoding="utf-8")
    (directory / "bars.html").write_text(standalone_html(bar_chart(), embed_context("Events by type")),
                                         encoding="utf-8")
    logging.getLogger("http.server").setLevel(logging.ERROR)
    with serve_directory(directory) as url:
        yield url


def test_exp095_map_embed_draws_bundled_outlines_with_no_outside_request(browser_context, embeds, tmp_path):
    page, log = open_embed(browser_context, embeds, "map.html")
    try:
        page.wait_for_function(GEO_DRAWN_JS, timeout=60_000, polling=100)
        drawn = page.evaluate(GEO_DRAWN_JS)
        # One path per layer holds every outline: tens of kilobytes of path data at 50m.
        assert drawn["countries"] > 20_000 and drawn["land"] > 20_000 and drawn["coastlines"] > 20_000
        assert drawn["markers"] == len(PLACES) and drawn["lines"] >= 1
        assert page.locator("h1").inner_text() == "Cocaine routes"
        assert "Source: Rutas" in page.locator("figcaption").inner_text()
        page.screenshot(path=tmp_path / "map.png", full_page=True)
        assert_offline_and_clean(page, log, embeds)
        assert any(u.endswith("/map.html") for u in log.requests)
    finally:
        page.close()


def test_exp096_bar_embed_fills_the_width_with_no_outside_request(browser_context, embeds, tmp_path):
    page, log = open_embed(browser_context, embeds, "bars.html")
    try:
        page.wait_for_function(f"() => ({BARS_DRAWN_JS})().bars === 4", timeout=60_000, polling=100)
        drawn = page.evaluate(BARS_DRAWN_JS)
        assert drawn["width"] > 0.8 * drawn["page"]  # the fixed 1200 px width was dropped
        page.set_viewport_size({"width": 700, "height": 900})
        page.wait_for_function(f"() => ({BARS_DRAWN_JS})().width < 700", timeout=10_000, polling=100)
        narrow = page.evaluate(BARS_DRAWN_JS)
        assert narrow["scroll"] <= narrow["page"], "the chart overflows a narrow window"
        page.screenshot(path=tmp_path / "bars_narrow.png", full_page=True)
        page.set_viewport_size({"width": 1600, "height": 1300})
        page.wait_for_function(f"() => ({BARS_DRAWN_JS})().width > 1000", timeout=10_000, polling=100)
        page.screenshot(path=tmp_path / "bars.png", full_page=True)
        assert_offline_and_clean(page, log, embeds)
    finally:
        page.close()


# Boxes of the chart, its plot, the key and every key entry; page and key scroll sizes.
LAYOUT_JS = f"""() => {{
  const box = e => {{ const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }};
  const gd = document.getElementById('{CHART_ID}');
  const plot = gd.querySelector('.geo .bglayer rect, .geo .layer.bg rect, .main-svg');
  const key = document.querySelector('.key');
  return {{chart: box(gd), svg: box(gd.querySelector('.main-svg')), key: key ? box(key) : null,
          items: [...document.querySelectorAll('.key li')].map(box),
          legends: gd.querySelectorAll('.legend').length,
          scrollers: [...document.querySelectorAll('.key, .key *')].filter(
            e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1).length,
          page: document.documentElement.clientWidth, scroll: document.documentElement.scrollWidth,
          minorShown: gd._fullData.filter(t => /^labels-(rank2|rank3|rivers)/.test(t.name || '') && t.visible === true).length,
          minor: gd._fullData.filter(t => /^labels-(rank2|rank3|rivers)/.test(t.name || '')).length}};
}}"""


def overlaps(a, b) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


@pytest.fixture(scope="module")
def bundled_map_embed(tmp_path_factory, store, bundled):
    from dashboard.exports.service import export_view
    from dashboard.exports.spec import ChartRequest, ExportFormat

    directory = tmp_path_factory.mktemp("embed_map")
    exported = export_view(store, bundled, "type=drug_seizure&from=2019-01-01&to=2024-12-31", ExportFormat.HTML,
                           ChartRequest(), exported_at=datetime(2026, 12, 3, tzinfo=UTC))
    (directory / "seizures.html").write_bytes(exported.data)
    with serve_directory(directory) as url:
        yield url


@pytest.mark.parametrize("width", [320, 390, 1200])
def test_key010_embed_key_never_overlaps_the_map_and_the_page_never_scrolls_sideways(
        browser_context, bundled_map_embed, width, tmp_path):
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": 844})  # opened at the phone's width
    page.add_init_script(CSP_LISTENER_JS)
    log = PageLog(page)
    page.goto(f"{bundled_map_embed}/seizures.html")
    try:
        page.wait_for_function(GEO_DRAWN_JS, timeout=60_000, polling=100)
        page.wait_for_function(f"""() => {{
          const gd = document.getElementById('{CHART_ID}'), svg = gd.querySelector('.main-svg');
          return svg && svg.getBoundingClientRect().width <= gd.clientWidth + 1; }}""", timeout=10_000)
        drawn = page.evaluate(LAYOUT_JS)
        page.screenshot(path=tmp_path / f"embed_{width}.png", full_page=True)
        assert drawn["scroll"] <= drawn["page"], "the page scrolls sideways"
        assert drawn["legends"] == 0  # no plotly legend inside the chart: the key is the page's
        assert drawn["key"] is not None and len(drawn["items"]) >= 3
        assert not overlaps(drawn["key"], drawn["chart"]) and not overlaps(drawn["key"], drawn["svg"])
        items = drawn["items"]
        assert not [(a, b) for i, a in enumerate(items) for b in items[i + 1:] if overlaps(a, b)]
        assert all(item[2] <= drawn["page"] for item in items)  # nothing cut off at the right
        assert drawn["scrollers"] == 0  # no scroll box inside the key
        chart_width = drawn["chart"][2] - drawn["chart"][0]
        if width < 900:
            assert drawn["key"][1] >= drawn["chart"][3] - 0.5  # the key under the map
            assert chart_width >= width - 2 * 32  # the map takes the width
        else:
            assert drawn["key"][0] >= drawn["chart"][2] - 0.5  # beside it
        if drawn["minor"]:  # town and river names only where there is room for them
            assert (drawn["minorShown"] == 0) == (chart_width < 600)
        assert_offline_and_clean(page, log, bundled_map_embed)
    finally:
        page.close()
