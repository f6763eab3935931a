"""The page's plotly.js is the partial bundle in assets/ (core with scatter, bar, scattermap: 3.0 MB
instead of 4.8 MB to parse on every load), and it draws every trace the app makes: Plotly gives
a trace of a type it does not know no module and shows nothing, without an error."""

from __future__ import annotations

from pathlib import Path

from bench.harness import PageLog, UiPage

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "assets" / "plotly-rutas.min.js"
BUNDLED_STORY = "from-the-vraem-to-europe"

# The page body's graphs (the shell holds a hidden one that only loads the graph component's code).
TRACES_JS = """() => [...document.querySelectorAll('#page-body .js-plotly-plot')].map(gd => ({
    graph: (gd.closest('[id]') || {}).id,
    types: (gd.data || []).map(t => t.type || 'scatter'),
    undrawn: (gd._fullData || []).filter(t => t.visible !== false && !t._module).map(t => t.type),
}))"""


def assert_every_trace_drawn(page, where: str) -> list[str]:
    graphs = page.evaluate(TRACES_JS)
    assert graphs, f"no graph on {where}"
    for graph in graphs:
        assert graph["undrawn"] == [], (where, graph)
    return sorted({kind for graph in graphs for kind in graph["types"]})


def test_plj001_the_page_loads_the_partial_bundle_and_draws_every_trace(ui: UiPage):
    requested = []
    ui.page.on("request", lambda request: requested.append(request.url))
    ui.open()
    ui.settle("loading the page")
    assert ui.page.evaluate("() => Plotly.version") == BUNDLE.read_text(encoding="utf-8")[:200].split(" v")[1].split()[0]
    assert [url for url in requested if "plotly-rutas.min.js" in url]
    assert not [url for url in requested if "plotly.min.js" in url], "Dash also fetched its full plotly.js"
    # The patched build (docs/plotlyjs/map-redraws.patch): labels appear at once, no fade frames.
    assert ui.page.evaluate("() => document.querySelector('#map-graph .js-plotly-plot')"
                            "._fullLayout.map._subplot.map._fadeDuration") == 0
    kinds = assert_every_trace_drawn(ui.page, "the dashboard")
    assert {"scattermap", "bar"} <= set(kinds), kinds
    ui.assert_no_console_errors("loading the page")


def test_plj002_the_presenter_draws_every_trace(browser_context, base_url):
    page = browser_context.new_page()
    log = PageLog(page)
    try:
        page.goto(f"{base_url}/present/{BUNDLED_STORY}")
        page.wait_for_function("() => document.querySelectorAll('#page-body .js-plotly-plot').length > 0"
                               " && [...document.querySelectorAll('#page-body .js-plotly-plot')].every(gd => gd._fullData)",
                               timeout=60_000)
        assert "scattermap" in assert_every_trace_drawn(page, "the presenter")
        assert log.errors == []
    finally:
        page.close()
