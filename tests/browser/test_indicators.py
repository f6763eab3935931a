"""Issue 18, part 2, in Chromium: pick an indicator, brush the timeline, see the map's year follow.

Expected years and values come from the loaded series in Python, never from constants.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from bench.harness import UiPage, drag, timeline_x
from dashboard.data.filters import parse_url_state
from dashboard.i18n import format_number

pytestmark = pytest.mark.browser

MAP_JS = "document.querySelector('#map-graph .js-plotly-plot')"
# MapLibre's layers, whether the map's last layer (the indicator's slot) is among them, and its circles.
MAP_LAYERS_JS = f"""() => {{ const gd = {MAP_JS}, layers = gd._fullLayout.map._subplot.map.getStyle().layers;
    const slots = gd.layout.map.layers, last = slots.length - 1, slot = slots[last];
    const drawn = layers.some(l => l.id.endsWith('-map-' + last) && l.type === 'fill');
    return {{count: layers.length, drawn: drawn, name: slot.name || '',
             circles: drawn && slot.source.features ? slot.source.features.length : 0}}; }}"""


def url_state(page):
    return parse_url_state(urlsplit(page.url).query)[0]


def wait_for_legend(page, text: str) -> str:
    page.wait_for_function("(text) => document.querySelector('#indicator-legend').innerText.includes(text)", arg=text)
    return page.locator("#indicator-legend").inner_text()


def test_ind101_pick_an_indicator_brush_the_timeline_the_year_follows(ui: UiPage, app_context, tmp_path):
    from dashboard.state.views import indicator_catalog_of

    catalog = indicator_catalog_of(app_context)
    info = catalog.info("coca_area")
    ui.open()
    ui.settle("loading the page")
    page = ui.page
    assert page.locator("#indicator-panel").is_hidden() and page.locator("#indicator-legend").inner_text() == ""

    page.locator("#indicator-select").click()
    page.locator(".dash-dropdown-option", has_text="Coca cultivation").first.click()
    legend = wait_for_legend(page, f"hectares), {info.last_year}")
    ui.settle("picking 'Coca cultivation'")
    ui.assert_no_console_errors("picking an indicator")
    peru_last = catalog.values_for_year("coca_area", info.last_year)
    assert all(format_number(v.value) in legend for values in peru_last.values() for v in values)
    assert url_state(page).indicator == "coca_area"
    assert page.locator("#indicator-panel").is_visible()
    assert page.locator("#indicator-graph .gtitle").text_content().startswith("Coca cultivation")
    drawn = page.evaluate(MAP_LAYERS_JS)
    assert drawn["count"] <= 25 and drawn["name"] == "indicator", drawn
    assert drawn["circles"] == sum(map(len, peru_last.values())), drawn

    page.locator("#timeline-graph").scroll_into_view_if_needed()
    drag(page, timeline_x(page, "2012-01-01"), timeline_x(page, "2016-10-01"))
    page.wait_for_function("() => new URLSearchParams(location.search).has('to')")
    end_year = url_state(page).spec.date_to.year
    assert 2015 <= end_year <= 2017
    legend = wait_for_legend(page, f"hectares), {end_year}")
    ui.settle("brushing the timeline")
    ui.assert_no_console_errors("brushing the timeline")
    for panel, values in catalog.values_for_year("coca_area", end_year).items():
        assert all(format_number(v.value) in legend for v in values), (panel, legend)
    assert url_state(page).indicator == "coca_area"  # the brush kept the series
    axis = page.evaluate("() => document.querySelector('#indicator-graph .js-plotly-plot')._fullLayout.xaxis.range")
    assert axis[1][:4] == str(end_year)  # the chart follows the same date range

    page.go_back()  # before the brush: the year goes back to the series' last
    wait_for_legend(page, f"hectares), {info.last_year}")
    page.go_back()  # before the pick: no indicator
    page.wait_for_function("() => document.querySelector('#indicator-panel').hidden")
    ui.settle("going back twice")
    assert page.locator("#indicator-legend").inner_text() == ""
    assert "ind" not in parse_qs(urlsplit(page.url).query)
    assert page.evaluate(MAP_LAYERS_JS)["drawn"] is False  # the slot is hidden again: MapLibre dropped it
    ui.assert_no_console_errors("going back")
    page.screenshot(path=tmp_path / "indicator.png", full_page=True)
