"""Linked views in a real browser: every view follows the one filter held in the URL.

One served app and one Chromium context for the module (conftest.py), a fresh page per test.
Expected numbers always come from the store in Python, never from constants in the page.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.data.filters import FilterSpec, parse_url_state
from dashboard.i18n import format_number
from tests.browser.harness import (
    PageLog,
    drag,
    map_canvas_point,
    settle,
    timeline_x,
    view_counts,
    wait_for_view_counts,
)

pytestmark = pytest.mark.browser

TOTAL_EVENTS = 156
VRAEM_BOX = ((-75.0, -11.0), (-72.8, -13.4))  # (lon, lat) corners around the VRAEM polygon
ISOLATED_EVENT = "rutas:0041"  # Huanchaco, near Trujillo: no other event within ~300 km


def search_of(ui) -> str:
    return urlsplit(ui.page.url).query


def url_params(ui) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(search_of(ui)).items()}


def url_spec(ui) -> FilterSpec:
    state, notices = parse_url_state(search_of(ui))
    assert notices == [], f"the app wrote a URL it cannot parse: {ui.page.url} {notices}"
    return state.spec


def all_views(count: int, lang: str = "en") -> dict:
    return {"headline": format_number(count, lang), "map_events": count, "timeline_total": count,
            "table_rows": count}


def wait_for_url(ui, predicate_js: str) -> None:
    """Wait for a condition on ``URLSearchParams`` ``p`` (JS expression)."""
    ui.page.wait_for_function(f"() => {{ const p = new URLSearchParams(location.search); return {predicate_js}; }}",
                              timeout=60_000, polling=100)


def type_label(ui, value: str):
    return ui.page.locator(f'#filters-types label:has(input[value="{value}"])')


def checked_types(ui) -> list[str]:
    return ui.page.eval_on_selector_all("#filters-types input[type=checkbox]",
                                        "els => els.filter(e => e.checked).map(e => e.value)")


def load(ui, trace_index, search: str = "", count: int = TOTAL_EVENTS) -> None:
    ui.open(search)
    settle(ui.page)
    ui.assert_no_console_errors(f"loading /{search}")
    wait_for_view_counts(ui.page, trace_index.events, {"headline": format_number(count, "en")})


def box_select_map(ui, corner_a: tuple[float, float], corner_b: tuple[float, float]) -> None:
    page = ui.page
    page.hover("#map-graph .js-plotly-plot")
    page.click('#map-graph .modebar-btn[data-title="Box Select"]')
    page.wait_for_function("() => document.querySelector('#map-graph .js-plotly-plot')"
                           "._fullLayout.dragmode === 'select'", timeout=60_000)
    drag(page, map_canvas_point(page, *corner_a), map_canvas_point(page, *corner_b))


def test_brw001_page_loads_offline_with_every_event(ui, trace_index):
    load(ui, trace_index)
    counts = wait_for_view_counts(ui.page, trace_index.events, all_views(TOTAL_EVENTS))
    assert counts["headline"] == "156"
    assert ui.page.evaluate("() => document.querySelector('#map-graph .js-plotly-plot')"
                            "._fullLayout.map._subplot.map.loaded()")
    ui.assert_no_console_errors("map drawn")
    assert ui.log.requests, "no request recorded: the log is not attached"
    assert ui.log.outside_requests() == []


def test_brw002_one_event_type_filters_every_view(ui, store, trace_index):
    expected = store.count(FilterSpec(event_types=("drug_seizure",)))
    assert 0 < expected < TOTAL_EVENTS
    load(ui, trace_index)

    type_label(ui, "drug_seizure").click()
    wait_for_url(ui, "p.get('type') === 'drug_seizure'")
    ui.assert_no_console_errors("checking 'Drug seizure'")
    wait_for_view_counts(ui.page, trace_index.events, all_views(expected))
    settle(ui.page)
    ui.assert_no_console_errors("views updated")
    assert view_counts(ui.page, trace_index.events) == all_views(expected)
    assert "type=drug_seizure" in ui.page.url
    assert checked_types(ui) == ["drug_seizure"]

    ui.page.screenshot(path="/tmp/rutas/brw_filtered.png", full_page=True)


def test_brw003_timeline_brush_sets_date_range(ui, store, trace_index):
    load(ui, trace_index)
    ui.page.locator("#timeline-graph").scroll_into_view_if_needed()
    drag(ui.page, timeline_x(ui.page, "2014-01-01"), timeline_x(ui.page, "2019-12-31"))
    wait_for_url(ui, "p.has('from') && p.has('to')")
    ui.assert_no_console_errors("brushing the timeline")

    spec = url_spec(ui)
    assert spec.date_from is not None and spec.date_to is not None
    assert spec.date_from.year in (2013, 2014) and spec.date_to.year in (2019, 2020), spec
    expected = store.count(spec)
    assert 0 < expected < TOTAL_EVENTS
    wait_for_view_counts(ui.page, trace_index.events, all_views(expected))
    settle(ui.page)
    ui.assert_no_console_errors("views updated")
    assert view_counts(ui.page, trace_index.events) == all_views(expected)
    assert url_spec(ui) == spec, "the URL changed again after the views settled"


def test_brw004_map_box_select_sets_bbox(ui, store, trace_index):
    load(ui, trace_index)
    box_select_map(ui, *VRAEM_BOX)
    wait_for_url(ui, "p.has('bbox')")
    ui.assert_no_console_errors("box-selecting the VRAEM")

    spec = url_spec(ui)
    west, south, east, north = spec.bbox
    (lon_a, lat_a), (lon_b, lat_b) = VRAEM_BOX
    # The box is drawn in pixels, so its corners land within a pixel or so of the targets.
    for got, want in ((west, lon_a), (north, lat_a), (east, lon_b), (south, lat_b)):
        assert got == pytest.approx(want, abs=0.1), spec.bbox
    expected = store.count(FilterSpec(bbox=spec.bbox))
    assert 0 < expected < TOTAL_EVENTS
    wait_for_view_counts(ui.page, trace_index.events, all_views(expected))
    settle(ui.page)
    ui.assert_no_console_errors("views updated")
    assert view_counts(ui.page, trace_index.events) == all_views(expected)
    assert ui.page.text_content("#filters-spatial").strip() != ""
    assert ui.page.is_visible("#filters-clear-spatial")


def test_brw005_clicking_an_event_shows_its_source(ui, store, trace_index):
    event = store.event(ISOLATED_EVENT)
    assert event is not None and event["source_url"].startswith("http")
    load(ui, trace_index)

    x, y = map_canvas_point(ui.page, float(event["longitude"]), float(event["latitude"]))
    ui.page.mouse.move(x, y)
    ui.page.mouse.click(x, y)
    wait_for_url(ui, f"p.get('event') === {ISOLATED_EVENT!r}")
    ui.assert_no_console_errors("clicking the event")

    link = ui.page.locator("#detail-card a")
    link.wait_for(timeout=60_000)
    assert link.count() == 1
    assert link.get_attribute("href") == event["source_url"]
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "").split()
    assert ISOLATED_EVENT in ui.page.text_content("#detail-card")

    highlight = trace_index.highlight
    ui.page.wait_for_function(
        """(i) => { const t = document.querySelector('#map-graph .js-plotly-plot')._fullData[i];
                    return t && t.lat && t.lat.length === 1; }""", arg=highlight, timeout=60_000)
    lat, lon = ui.page.evaluate("""(i) => { const t = document.querySelector('#map-graph .js-plotly-plot')
                                   ._fullData[i]; return [t.lat[0], t.lon[0]]; }""", highlight)
    assert (lat, lon) == pytest.approx((float(event["latitude"]), float(event["longitude"])))
    settle(ui.page)
    ui.assert_no_console_errors("highlight drawn")
    assert view_counts(ui.page, trace_index.events) == all_views(TOTAL_EVENTS), "a click must not filter"


def test_brw006_shared_link_restores_the_view(ui, browser_context, store, trace_index):
    load(ui, trace_index)
    type_label(ui, "drug_seizure").click()
    wait_for_url(ui, "p.get('type') === 'drug_seizure'")
    ui.page.fill("#filters-text", "Callao")
    wait_for_url(ui, "p.get('q') === 'Callao'")
    ui.assert_no_console_errors("type + text filter")

    # Zoom the map with the wheel: the new view goes into the URL.
    centre = map_canvas_point(ui.page, -75.5, -10.5)
    ui.page.mouse.move(*centre)
    ui.page.mouse.wheel(0, -400)
    wait_for_url(ui, "p.has('view')")
    settle(ui.page)
    ui.assert_no_console_errors("zooming the map")

    state, notices = parse_url_state(search_of(ui))
    assert notices == []
    assert state.spec == FilterSpec(event_types=("drug_seizure",), text="Callao")
    assert state.view is not None and state.view.zoom > 4.2, state.view
    expected = store.count(state.spec)
    assert 0 < expected < TOTAL_EVENTS
    wait_for_view_counts(ui.page, trace_index.events, all_views(expected))
    shared_url = ui.page.url

    fresh = browser_context.new_page()
    fresh_log = PageLog(fresh)
    try:
        fresh.goto(shared_url)
        settle(fresh)
        assert fresh_log.errors == [], f"console errors opening the shared link: {fresh_log.errors}"
        wait_for_view_counts(fresh, trace_index.events, all_views(expected))
        assert fresh.eval_on_selector_all("#filters-types input[type=checkbox]",
                                          "els => els.filter(e => e.checked).map(e => e.value)") \
            == ["drug_seizure"]
        assert fresh.input_value("#filters-text") == "Callao"
        centre, zoom = fresh.evaluate("""() => { const m = document.querySelector('#map-graph .js-plotly-plot')
                                         ._fullLayout.map; return [m.center, m.zoom]; }""")
        assert centre["lat"] == pytest.approx(state.view.lat, abs=0.01)
        assert centre["lon"] == pytest.approx(state.view.lon, abs=0.01)
        assert zoom == pytest.approx(state.view.zoom, abs=0.01)
        assert urlsplit(fresh.url).query == urlsplit(shared_url).query, "opening the link rewrote it"
        assert fresh_log.errors == []
    finally:
        fresh.close()


def test_brw007_language_switch_translates_and_keeps_counts(ui, store, trace_index):
    spec = FilterSpec(event_types=("drug_seizure",))
    expected = store.count(spec)
    load(ui, trace_index, "?type=drug_seizure", count=expected)
    wait_for_view_counts(ui.page, trace_index.events, all_views(expected))
    assert ui.page.text_content("#filters-panel h2") == "Filters"

    ui.page.click("#page-lang-switch")
    wait_for_url(ui, "p.get('lang') === 'es'")
    ui.page.wait_for_function("() => document.querySelector('#filters-panel h2')?.textContent === 'Filtros'",
                              timeout=60_000)
    settle(ui.page)
    ui.assert_no_console_errors("switching to Spanish")
    assert type_label(ui, "drug_seizure").text_content().strip() == "Incautación de droga"
    assert checked_types(ui) == ["drug_seizure"], "the filter must survive the language switch"
    wait_for_view_counts(ui.page, trace_index.events, all_views(expected, "es"))
    assert ui.page.get_attribute("#page-lang-switch", "lang") == "en"
    assert ui.page.text_content("#page-lang-switch").strip() == "English"
    assert parse_url_state(search_of(ui))[0].spec == spec
    ui.assert_no_console_errors("Spanish views updated")


def test_brw008_reset_clears_filters_and_selection(ui, store, trace_index):
    load(ui, trace_index)
    type_label(ui, "drug_seizure").click()
    wait_for_url(ui, "p.get('type') === 'drug_seizure'")
    ui.page.fill("#filters-text", "port")
    wait_for_url(ui, "p.get('q') === 'port'")
    settle(ui.page)
    box_select_map(ui, (-80.0, -2.0), (-68.0, -16.0))
    wait_for_url(ui, "p.has('bbox') && p.get('type') === 'drug_seizure' && p.get('q') === 'port'")
    settle(ui.page)
    ui.assert_no_console_errors("filters + box selection")
    filtered = store.count(url_spec(ui))
    assert filtered < TOTAL_EVENTS
    wait_for_view_counts(ui.page, trace_index.events, all_views(filtered))

    ui.page.click("#page-reset")
    wait_for_url(ui, "!p.has('bbox') && !p.has('type') && !p.has('q')")
    wait_for_view_counts(ui.page, trace_index.events, all_views(TOTAL_EVENTS))
    settle(ui.page)
    ui.assert_no_console_errors("reset")
    assert set(url_params(ui)) <= {"lang"}, ui.page.url
    assert view_counts(ui.page, trace_index.events) == all_views(TOTAL_EVENTS)
    assert checked_types(ui) == []
    assert ui.page.input_value("#filters-text") == ""
    assert ui.page.text_content("#filters-spatial").strip() == ""
    assert not ui.page.is_visible("#filters-clear-spatial")


def test_brw009_malformed_link_shows_notice_and_defaults(ui, trace_index):
    load(ui, trace_index, "?from=2017-13-45&bbox=a,b&kg_min=-5&foo=1")
    wait_for_view_counts(ui.page, trace_index.events, all_views(TOTAL_EVENTS))
    settle(ui.page)
    ui.assert_no_console_errors("malformed link")
    notice = ui.page.locator("#page-notice")
    assert notice.is_visible()
    text = notice.text_content()
    for param in ("from", "bbox", "kg_min"):
        assert param in text, text
    body = ui.page.inner_text("body")
    for marker in ("Traceback", "Exception", "Internal Server Error"):
        assert marker not in body
    assert view_counts(ui.page, trace_index.events) == all_views(TOTAL_EVENTS)
