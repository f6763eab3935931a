"""The events table's grid code loads when the table comes near the window, not with the page
(assets/table-grid-loader.js), and a grid drawn late shows the rows and the order the page is at."""

from __future__ import annotations

from bench.harness import GRID_READY_JS, UiPage, wait_for_view_counts

GRID_CODE = "/_dash-component-suites/dash_ag_grid/"
ROW_COUNT_JS = "() => window.dash_ag_grid.getApi('table-grid').getDisplayedRowCount()"
SORT_STATE_JS = """() => window.dash_ag_grid.getApi('table-grid').getColumnState()
  .filter(c => c.sort).map(c => [c.colId, c.sort])"""
FIRST_VALUES_JS = """([column, count]) => { const g = window.dash_ag_grid.getApi('table-grid'); const out = [];
  for (let i = 0; i < count; i++) { const r = g.getDisplayedRowAtIndex(i); out.push(r && r.data ? r.data[column] : null); }
  return out; }"""


def grid_code_requests(ui: UiPage) -> list[str]:
    return [url for url in ui.log.requests if GRID_CODE in url]


def test_tgl001_the_grid_code_comes_when_the_table_comes_into_view(ui: UiPage, store, trace_index):
    from dashboard.data.filters import FilterSpec

    ui.page.set_viewport_size({"width": 1600, "height": 1000})
    ui.open("?lang=es")
    ui.settle("loading the page")
    assert grid_code_requests(ui) == []  # the table is below the fold: none of its 2.2 MB
    waiting = ui.page.locator("#table-grid")
    assert waiting.inner_text() == "Cargando los eventos…"  # the page's language
    assert waiting.bounding_box()["height"] == 420  # the grid's own size: nothing moves when it comes
    assert ui.page.evaluate("() => window.rutasTableGrid.loaded()") is False

    ui.page.mouse.move(5, 500)  # the page's margin: over the map the wheel zooms it
    for _ in range(12):  # a reader scrolling down with the wheel
        ui.page.mouse.wheel(0, 150)
        ui.page.wait_for_timeout(50)
    ui.page.wait_for_function(GRID_READY_JS, timeout=60_000)
    wait_for_view_counts(ui.page, trace_index.events, {"table_rows": store.count(FilterSpec())})
    scripts = [url.split("?")[0] for url in grid_code_requests(ui)]
    assert len(scripts) == len(set(scripts)) and any(url.endswith(".min.js") for url in scripts), scripts
    ui.assert_no_console_errors("scrolling to the table")


def test_tgl002_a_grid_drawn_after_filter_changes_shows_that_filter_and_follows_the_next(ui: UiPage, store):
    """The grid's rows are noted with the filter they are for when it asks for them: a grid first
    drawn after filters changed (the first rows came with them) is emptied by the next change."""
    from dashboard.data.filters import FilterSpec

    ui.open()
    ui.settle("loading the page")
    ui.page.locator('#filters-types label:has(input[value="drug_seizure"])').click()
    ui.settle("checking 'Drug seizure'")
    assert grid_code_requests(ui) == []
    seizures = store.count(FilterSpec(event_types=("drug_seizure",)))
    ui.page.locator("#table-grid").scroll_into_view_if_needed()
    ui.page.wait_for_function(f"() => ({GRID_READY_JS})() && ({ROW_COUNT_JS})() === {seizures}", timeout=60_000)

    ui.page.locator('#filters-types label:has(input[value="armed_clash"])').click()
    ui.settle("checking 'Armed clash' too")
    both = store.count(FilterSpec(event_types=("drug_seizure", "armed_clash")))
    assert both > seizures
    ui.page.wait_for_function(f"() => ({ROW_COUNT_JS})() === {both}", timeout=60_000)
    ui.assert_no_console_errors("a second filter change with the grid drawn late")


def test_tgl003_a_sort_the_url_gained_before_the_grid_came_is_the_grid_s(ui: UiPage):
    """The URL's order can change with no grid on the page (a story's slide writes the whole URL):
    the grid, drawn later, takes it from its column definitions."""
    ui.open()
    ui.settle("loading the page")
    ui.page.evaluate("() => window.dash_clientside.set_props('page-body-url', {search: '?sort=fatalities:desc'})")
    ui.page.wait_for_function("() => location.search.includes('sort=fatalities:desc')")
    ui.settle("a URL sorted by fatalities")
    assert grid_code_requests(ui) == []
    ui.page.locator("#table-grid").scroll_into_view_if_needed()
    ui.page.wait_for_function(GRID_READY_JS, timeout=60_000)
    assert ui.page.evaluate(SORT_STATE_JS) == [["fatalities", "desc"]]
    ui.page.wait_for_function(f"() => ({FIRST_VALUES_JS})(['fatalities', 1])[0] !== null", timeout=60_000)
    deaths = ui.page.evaluate(FIRST_VALUES_JS, ["fatalities", 10])
    assert deaths == sorted(deaths, reverse=True) and deaths[0] > 0
    ui.settle("the grid drawn")
    assert "sort=fatalities%3Adesc" in ui.page.url or "sort=fatalities:desc" in ui.page.url  # nothing wrote it back
    ui.assert_no_console_errors("drawing the grid of a sorted URL")
