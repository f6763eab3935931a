"""The events table in a real browser: a shared link opens it sorted, blanks come last, a header click
goes to the URL, and reloading that URL gives the same order."""

from __future__ import annotations

import math
from urllib.parse import parse_qs, urlsplit

from bench.harness import load_table_grid

ROWS_JS = """([column, count]) => {
  const grid = window.dash_ag_grid.getApi('table-grid');
  const out = [];
  for (let i = 0; i < count; i++) {
    const row = grid.getDisplayedRowAtIndex(i);
    out.push(row && row.data ? row.data[column] : 'not loaded');
  }
  return out;
}"""
SORT_STATE_JS = """() => window.dash_ag_grid.getApi('table-grid').getColumnState()
  .filter(c => c.sort).map(c => [c.colId, c.sort])"""
FIRST_ROW_LOADED_JS = """() => { const g = window.dash_ag_grid.getApi('table-grid');
  const r = g.getDisplayedRowAtIndex(0); return !!(r && r.data); }"""


def url_sort(page) -> str | None:
    return parse_qs(urlsplit(page.url).query).get("sort", [None])[-1]


def first_rows(ui, column: str, count: int = 50) -> list:
    load_table_grid(ui.page)
    ui.page.wait_for_function(FIRST_ROW_LOADED_JS)
    return ui.page.evaluate(ROWS_JS, [column, count])


def is_blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_dfc040_a_shared_sort_reopens_sorted_with_blanks_last(ui, store):
    from dashboard.data.filters import FilterSpec

    ui.open("?sort=quantity_kg:desc")
    ui.settle("opening a link sorted by kg")
    load_table_grid(ui.page)
    assert ui.page.evaluate(SORT_STATE_JS) == [["quantity_kg", "desc"]]
    kg = first_rows(ui, "quantity_kg")
    largest = float(max(v for v in store.rows(FilterSpec(), ("quantity_kg",), limit=None)["quantity_kg"]
                        if not math.isnan(v)))
    assert kg[0] == largest  # the largest seizure first, not the events without a quantity
    assert not any(is_blank(v) for v in kg[:10]) and kg[:10] == sorted(kg[:10], reverse=True)
    assert url_sort(ui.page) == "quantity_kg:desc"  # the link is kept as it was given
    ui.assert_no_console_errors("opening a sorted link")

    # Clicking a header sorts ascending, then descending; each order goes to the URL.
    header = ui.page.locator('#table-grid .ag-header-cell[col-id="fatalities"] .ag-header-cell-label')
    header.click()
    ui.page.wait_for_function("() => location.search.includes('sort=fatalities:asc')")
    header.click()
    ui.page.wait_for_function("() => location.search.includes('sort=fatalities:desc')")
    ui.settle("sorting by fatalities")
    deaths = first_rows(ui, "fatalities", 20)
    assert not any(is_blank(v) for v in deaths) and deaths == sorted(deaths, reverse=True) and deaths[0] > 0
    ui.assert_no_console_errors("sorting by fatalities")

    # Back and Forward walk the orders in this same page: the grid follows the URL and writes nothing.
    marker = ui.page.evaluate("() => (window.__dfcSamePage = true)")
    for step, wanted in ((ui.page.go_back, "asc"), (ui.page.go_forward, "desc")):
        step()
        ui.page.wait_for_function(f"() => location.search.includes('sort=fatalities:{wanted}')")
        ui.page.wait_for_function(f"() => JSON.stringify(({SORT_STATE_JS})()) === "
                                  f"'[[\"fatalities\",\"{wanted}\"]]'")
        ui.settle(f"going to the {wanted} order by history")
        assert ui.page.evaluate("() => window.__dfcSamePage") is marker  # no reload: the grid followed
        assert url_sort(ui.page) == f"fatalities:{wanted}"
        shown = first_rows(ui, "fatalities", 10)
        assert not any(is_blank(v) for v in shown) and shown == sorted(shown, reverse=wanted == "desc")
        ui.assert_no_console_errors(f"going to the {wanted} order by history")

    # The URL the browser shows reopens the table in the same order.
    ui.page.goto(ui.page.url)
    ui.settle("reloading the sorted link")
    load_table_grid(ui.page)
    assert ui.page.evaluate(SORT_STATE_JS) == [["fatalities", "desc"]]
    assert first_rows(ui, "fatalities", 20) == deaths
    ui.page.locator(".table-panel").screenshot(path="/tmp/dfc040_table_sorted.png")
    ui.assert_no_console_errors("reloading the sorted link")



def test_dfc041_a_bad_sort_gives_the_usual_notice_and_the_default_order(ui):
    ui.open("?sort=summary:desc")
    ui.settle("opening a link with a bad sort")
    load_table_grid(ui.page)
    assert "sort:" in ui.page.locator("body").inner_text()  # the notice names the parameter
    assert ui.page.evaluate(SORT_STATE_JS) == []
    dates = first_rows(ui, "event_date", 10)
    assert dates == sorted(dates, reverse=True)  # newest first, the table's default
    ui.assert_no_console_errors("opening a link with a bad sort")
