"""Linked views in a real browser: every view follows the one filter held in the URL.

One served app and one Chromium context for the module (conftest.py), a fresh page per test.
Expected numbers always come from the store in Python, never from constants in the page.
After every step the page must have logged no console error.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.harness import (
    PageLog,
    UiPage,
    drag,
    map_canvas_point,
    timeline_x,
    view_counts,
    wait_for_view_counts,
)
from dashboard.data.filters import FilterSpec, parse_url_state
from dashboard.figures.event_map import DEFAULT_VIEW
from dashboard.i18n import format_number

pytestmark = pytest.mark.browser

VRAEM_BOX = ((-75.0, -11.0), (-72.8, -13.4))  # (lon, lat) corners around the VRAEM polygon
ISOLATED_EVENT = "rutas:0041"  # Huanchaco, near Trujillo: no other event within ~300 km
CHECKED_JS = "els => els.filter(e => e.checked).map(e => e.value)"
MAP_JS = "document.querySelector('#map-graph .js-plotly-plot')"


@pytest.fixture(scope="module")
def total_events(bundled) -> int:
    """Every bundled event, counted from the data by the loader the app uses."""
    return len(bundled.events)


def search_of(page) -> str:
    return urlsplit(page.url).query


def url_spec(page) -> FilterSpec:
    state, notices = parse_url_state(search_of(page))
    assert notices == [], f"the app wrote a URL it cannot parse: {page.url} {notices}"
    return state.spec


def all_views(count: int, lang: str = "en") -> dict:
    """Headline, map markers, timeline total and table rows all showing ``count`` events."""
    return {"headline": format_number(count, lang), "map_events": count, "timeline_total": count,
            "table_rows": count}


def wait_for_url(page, predicate_js: str, timeout_ms: int = 60_000) -> None:
    """Wait for a JS condition on ``p``, the page's URLSearchParams."""
    try:
        page.wait_for_function(
            f"() => {{ const p = new URLSearchParams(location.search); return {predicate_js}; }}",
            timeout=timeout_ms, polling=100)
    except PlaywrightTimeoutError:
        raise AssertionError(f"the URL never satisfied {predicate_js!r}; it is {page.url}") from None


def type_option(page, value: str):
    return page.locator(f'#filters-types label:has(input[value="{value}"])')


def checked_types(page) -> list[str]:
    return page.eval_on_selector_all("#filters-types input[type=checkbox]", CHECKED_JS)


def load(ui: UiPage, search: str = "") -> None:
    ui.open(search)
    ui.settle(f"loading /{search}")


def expect_views(ui: UiPage, trace_index, count: int, step: str, lang: str = "en") -> None:
    """Every linked view shows ``count`` events, the page is idle and logged no error."""
    wait_for_view_counts(ui.page, trace_index.events, all_views(count, lang))
    ui.settle(step)
    assert view_counts(ui.page, trace_index.events) == all_views(count, lang), step


def box_select_map(ui: UiPage, corner_a: tuple[float, float], corner_b: tuple[float, float]) -> None:
    page = ui.page
    page.hover("#map-graph .js-plotly-plot")
    page.click('#map-graph .modebar-btn[data-title="Box Select"]')
    page.wait_for_function(f"() => {MAP_JS}._fullLayout.dragmode === 'select'", timeout=60_000)
    ui.assert_no_console_errors("choosing Box Select")
    drag(page, map_canvas_point(page, *corner_a), map_canvas_point(page, *corner_b))


def assert_detail_card_links(page, event: dict) -> None:
    link = page.locator("#detail-card a")
    link.wait_for(timeout=60_000)
    page.wait_for_function("(href) => document.querySelector('#detail-card a').getAttribute('href') === href",
                           arg=event["source_url"], timeout=60_000)
    assert link.count() == 1
    assert link.get_attribute("href") == event["source_url"]
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "").split()
    assert event["event_id"] in page.text_content("#detail-card")


# The highlight is a map layer in a fixed slot: [lat, lon] of its point, or [] when hidden.
HIGHLIGHT_JS = f"""(i) => {{ const layer = ({MAP_JS}.layout.map.layers || [])[i];
    if (!layer || layer.visible === false || !layer.source || !layer.source.geometry) return [];
    const [lon, lat] = layer.source.geometry.coordinates; return [[lat, lon]]; }}"""


def highlighted_points(page, index: int) -> list[list[float]]:
    return page.evaluate(HIGHLIGHT_JS, index)


def test_brw001_page_loads_offline_with_every_event(ui, store, trace_index, total_events):
    assert store.count(FilterSpec()) == total_events
    load(ui)
    expect_views(ui, trace_index, total_events, "first render")
    assert ui.page.text_content("#counts-events") == format_number(total_events)
    assert ui.page.evaluate(f"() => {MAP_JS}._fullLayout.map._subplot.map.loaded()")
    assert any(u.startswith(ui.base_url) for u in ui.log.requests), "the request log is not attached"
    assert ui.log.outside_requests() == []


def test_brw002_one_event_type_filters_every_view(ui, store, trace_index, total_events, tmp_path):
    expected = store.count(FilterSpec(event_types=("drug_seizure",)))
    assert 0 < expected < total_events
    load(ui)

    try:
        type_option(ui.page, "drug_seizure").click()
        wait_for_url(ui.page, "p.get('type') === 'drug_seizure'")
        ui.assert_no_console_errors("checking 'Drug seizure'")
        expect_views(ui, trace_index, expected, "checking 'Drug seizure'")
        assert "type=drug_seizure" in ui.page.url
        assert checked_types(ui.page) == ["drug_seizure"]
    finally:
        ui.page.screenshot(path=tmp_path / "brw_filtered.png", full_page=True)


def test_brw003_timeline_brush_sets_date_range(ui, store, trace_index, total_events):
    load(ui)
    ui.page.locator("#timeline-graph").scroll_into_view_if_needed()
    drag(ui.page, timeline_x(ui.page, "2014-01-01"), timeline_x(ui.page, "2019-12-31"))
    wait_for_url(ui.page, "p.has('from') && p.has('to')")
    ui.assert_no_console_errors("brushing the timeline")

    spec = url_spec(ui.page)
    assert spec.date_from.year in (2013, 2014) and spec.date_to.year in (2019, 2020), spec
    expected = store.count(spec)
    assert 0 < expected < total_events
    expect_views(ui, trace_index, expected, "brushing the timeline")
    assert url_spec(ui.page) == spec, "the URL changed again after the views settled"


def test_brw004_map_box_select_sets_bbox(ui, store, trace_index, total_events):
    load(ui)
    box_select_map(ui, *VRAEM_BOX)
    wait_for_url(ui.page, "p.has('bbox')")
    ui.assert_no_console_errors("box-selecting the VRAEM")

    spec = url_spec(ui.page)
    (lon_a, lat_a), (lon_b, lat_b) = VRAEM_BOX
    # The box is drawn in whole pixels, so its corners land within a pixel of the targets.
    assert spec.bbox == pytest.approx((lon_a, lat_b, lon_b, lat_a), abs=0.1)
    expected = store.count(FilterSpec(bbox=spec.bbox))
    assert 0 < expected < total_events
    expect_views(ui, trace_index, expected, "box-selecting the VRAEM")
    assert ui.page.text_content("#filters-spatial").strip() != ""
    assert ui.page.is_visible("#filters-clear-spatial")


def test_brw005_selecting_an_event_shows_its_source(ui, store, trace_index, total_events):
    event = store.event(ISOLATED_EVENT)
    assert event is not None and event["source_url"].startswith("http")
    load(ui)

    # 1. Hover the marker: the hover line under the map is fetched for it. Then click it.
    curve = trace_index.events.start  # the one event trace
    x, y = map_canvas_point(ui.page, float(event["longitude"]), float(event["latitude"]))
    ui.page.mouse.move(x - 15, y - 15)
    ui.page.mouse.move(x, y, steps=5)
    try:
        ui.page.wait_for_function(f"(c) => ({MAP_JS}._hoverdata || []).some(p => p.curveNumber === c)",
                                  arg=curve, timeout=20_000)
    except PlaywrightTimeoutError:
        pass  # reported by the assertion below, with what is hovered
    hovered = ui.page.evaluate(f"() => ({MAP_JS}._hoverdata || []).map(p => [p.curveNumber, p.customdata])")
    assert len(hovered) == 1 and hovered[0][0] == curve, f"hovering {ISOLATED_EVENT} hovers {hovered}"
    assert hovered[0][1] is None  # points carry no ids or text: details are fetched
    ui.page.wait_for_function("(place) => document.querySelector('#map-hover').textContent.includes(place)",
                              arg=event["location"], timeout=20_000)
    ui.page.mouse.click(x, y)
    wait_for_url(ui.page, f"p.get('event') === {ISOLATED_EVENT!r}", timeout_ms=20_000)
    ui.assert_no_console_errors("clicking the event on the map")
    assert_detail_card_links(ui.page, event)
    ui.page.wait_for_function(f"(i) => ({HIGHLIGHT_JS})(i).length === 1", arg=trace_index.highlight,
                              timeout=60_000)
    expect_views(ui, trace_index, total_events, "clicking the event on the map")  # a click never filters
    assert highlighted_points(ui.page, trace_index.highlight) == \
        [pytest.approx([float(event["latitude"]), float(event["longitude"])])]

    # 2. Click another event's row in the table: the card and the highlight follow.
    rows = ui.page.locator(f'#table-grid .ag-center-cols-container .ag-row:not([row-id="{ISOLATED_EVENT}"])')
    row = rows.nth(2)
    row_id = row.get_attribute("row-id")
    other = store.event(row_id)
    assert other is not None and other["source_url"].startswith("http"), row_id
    row.locator('.ag-cell[col-id="location"]').click()
    wait_for_url(ui.page, f"p.get('event') === {row_id!r}")
    ui.assert_no_console_errors("clicking a table row")
    assert_detail_card_links(ui.page, other)
    ui.page.wait_for_function(f"([i, lat]) => (({HIGHLIGHT_JS})(i)[0] || [])[0] === lat",
                              arg=[trace_index.highlight, float(other["latitude"])], timeout=60_000)
    expect_views(ui, trace_index, total_events, "clicking a table row")
    assert highlighted_points(ui.page, trace_index.highlight) == \
        [pytest.approx([float(other["latitude"]), float(other["longitude"])])]


def test_brw006_shared_link_restores_the_view(ui, browser_context, store, trace_index, total_events):
    load(ui)
    type_option(ui.page, "drug_seizure").click()
    wait_for_url(ui.page, "p.get('type') === 'drug_seizure'")
    ui.page.fill("#filters-text", "Callao")
    wait_for_url(ui.page, "p.get('q') === 'Callao'")
    ui.settle("type + text filter")

    # Zoom the map with the wheel: the new view goes into the URL.
    ui.page.mouse.move(*map_canvas_point(ui.page, -76.0, -11.0))
    ui.page.mouse.wheel(0, -400)
    wait_for_url(ui.page, "p.has('view')")
    ui.settle("zooming the map")

    state, notices = parse_url_state(search_of(ui.page))
    assert notices == []
    assert state.spec == FilterSpec(event_types=("drug_seizure",), text="Callao")
    assert state.view is not None and state.view.zoom > 4.2, state.view
    expected = store.count(state.spec)
    assert 0 < expected < total_events
    expect_views(ui, trace_index, expected, "zooming the map")
    shared_url = ui.page.url

    fresh = UiPage(page=browser_context.new_page(), log=None, base_url=ui.base_url)
    fresh.log = PageLog(fresh.page)
    try:
        fresh.page.goto(shared_url)
        fresh.settle("opening the shared link")
        expect_views(fresh, trace_index, expected, "opening the shared link")
        assert checked_types(fresh.page) == ["drug_seizure"]
        assert fresh.page.input_value("#filters-text") == "Callao"
        centre, zoom = fresh.page.evaluate(
            f"() => [{MAP_JS}._fullLayout.map.center, {MAP_JS}._fullLayout.map.zoom]")
        assert centre["lat"] == pytest.approx(state.view.lat, abs=0.01)
        assert centre["lon"] == pytest.approx(state.view.lon, abs=0.01)
        assert zoom == pytest.approx(state.view.zoom, abs=0.01)
        assert search_of(fresh.page) == search_of(ui.page), "opening the link rewrote it"
    finally:
        fresh.page.close()


def test_brw007_language_switch_translates_and_keeps_counts(ui, store, trace_index):
    spec = FilterSpec(event_types=("drug_seizure",))
    expected = store.count(spec)
    load(ui, "?type=drug_seizure")
    expect_views(ui, trace_index, expected, "opening a filtered link")
    assert ui.page.text_content("#filters-panel h2") == "Filters"

    ui.page.click("#page-lang-switch")
    wait_for_url(ui.page, "p.get('lang') === 'es'")
    ui.page.wait_for_function("() => document.querySelector('#filters-panel h2')?.textContent === 'Filtros'",
                              timeout=60_000)
    ui.assert_no_console_errors("switching to Spanish")
    expect_views(ui, trace_index, expected, "switching to Spanish", lang="es")
    assert type_option(ui.page, "drug_seizure").text_content().strip() == "Incautación de droga"
    assert checked_types(ui.page) == ["drug_seizure"], "the filter must survive the language switch"
    assert ui.page.text_content("#page-lang-switch").strip() == "English"
    assert url_spec(ui.page) == spec


def test_brw008_reset_clears_filters_and_selection(ui, store, trace_index, total_events):
    load(ui, f"?event={ISOLATED_EVENT}&view=-10.5,-74.5,4.6")
    assert_detail_card_links(ui.page, store.event(ISOLATED_EVENT))
    type_option(ui.page, "drug_seizure").click()
    wait_for_url(ui.page, "p.get('type') === 'drug_seizure'")
    ui.page.fill("#filters-text", "port")
    wait_for_url(ui.page, "p.get('q') === 'port'")
    ui.settle("type + text filter")
    box_select_map(ui, (-79.5, -4.0), (-70.0, -15.0))
    wait_for_url(ui.page, "p.has('bbox') && p.get('type') === 'drug_seizure' && p.get('q') === 'port'")
    filtered = store.count(url_spec(ui.page))
    assert 0 < filtered < total_events
    expect_views(ui, trace_index, filtered, "type + text + box selection")

    ui.page.click("#page-reset")
    wait_for_url(ui.page, "!p.has('bbox') && !p.has('type') && !p.has('q')")
    ui.assert_no_console_errors("reset")
    expect_views(ui, trace_index, total_events, "reset")
    assert set(parse_qs(search_of(ui.page))) <= {"lang"}, ui.page.url
    assert checked_types(ui.page) == []
    assert ui.page.input_value("#filters-text") == ""
    assert ui.page.text_content("#filters-spatial").strip() == ""
    assert not ui.page.is_visible("#filters-clear-spatial")
    assert ui.page.locator("#detail-card a").count() == 0
    assert highlighted_points(ui.page, trace_index.highlight) == []
    centre, zoom = ui.page.evaluate(
        f"() => {{ const m = {MAP_JS}._fullLayout.map._subplot.map; return [m.getCenter().toArray(), m.getZoom()]; }}")
    assert centre == pytest.approx([DEFAULT_VIEW.lon, DEFAULT_VIEW.lat], abs=0.01)
    assert zoom == pytest.approx(DEFAULT_VIEW.zoom, abs=0.01)


def test_brw009_malformed_link_shows_notice_and_defaults(ui, trace_index, total_events):
    load(ui, "?from=2017-13-45&bbox=a,b&kg_min=-5&foo=1")
    expect_views(ui, trace_index, total_events, "opening a malformed link")
    notice = ui.page.locator("#page-notice")
    assert notice.is_visible()
    text = notice.text_content()
    for param in ("from", "bbox", "kg_min"):
        assert param in text, text
    body = ui.page.inner_text("body")
    for marker in ("Traceback", "Exception", "Internal Server Error"):
        assert marker not in body


def test_brw010_zoom_to_events_brings_europe_into_view(ui, store, trace_index):
    european = ("BEL", "ESP", "ITA", "NLD")
    spec = FilterSpec(countries=european)
    expected = store.count(spec)
    assert expected > 0
    load(ui, "?country=" + ",".join(european))
    expect_views(ui, trace_index, expected, "opening the European seizures")
    ui.page.click("#map-fit")
    wait_for_url(ui.page, "p.has('view')")
    ui.settle("zooming to the events")
    centre = ui.page.evaluate(f"() => {MAP_JS}._fullLayout.map._subplot.map.getCenter().toArray()")
    assert -10 < centre[0] < 20 and 35 < centre[1] < 55, centre  # Europe, not Peru
    # Every filtered marker now projects inside the map canvas.
    outside = ui.page.evaluate(f"""(events) => {{
        const gd = {MAP_JS}, m = gd._fullLayout.map._subplot.map, c = m.getCanvas();
        const w = c.clientWidth, h = c.clientHeight; let out = 0;
        for (const i of events) {{ const t = gd._fullData[i];
            for (let k = 0; k < (t.lat || []).length; k++) {{
                const p = m.project([t.lon[k], t.lat[k]]);
                if (p.x < 0 || p.y < 0 || p.x > w || p.y > h) out++; }} }}
        return out; }}""", list(trace_index.events))
    assert outside == 0
    view = parse_url_state(search_of(ui.page))[0].view
    assert view is not None and abs(view.lon - centre[0]) < 0.01


def test_brw011_back_button_restores_the_previous_filter(ui, store, trace_index):
    load(ui)
    type_option(ui.page, "drug_seizure").click()
    wait_for_url(ui.page, "p.get('type') === 'drug_seizure'")
    expect_views(ui, trace_index, store.count(FilterSpec(event_types=("drug_seizure",))), "checking a type")
    type_option(ui.page, "arrest").click()
    wait_for_url(ui.page, "p.get('type') === 'arrest,drug_seizure'")
    both = store.count(FilterSpec(event_types=("arrest", "drug_seizure")))
    expect_views(ui, trace_index, both, "checking a second type")

    ui.page.go_back()
    wait_for_url(ui.page, "p.get('type') === 'drug_seizure'")
    expect_views(ui, trace_index, store.count(FilterSpec(event_types=("drug_seizure",))), "going back")
    assert checked_types(ui.page) == ["drug_seizure"]


def test_brw302_a_linked_event_s_card_comes_with_the_page_and_with_a_new_language(ui, store):
    """The detail callback is not asked at load or for a language switch: the page body carries the
    URL's card, in the page's language. A card naming the event's source, then its Spanish labels."""
    source = store.event("rutas:0015")["source_url"]
    load(ui, "?event=rutas:0015")
    card = ui.page.locator("#detail-card")
    assert source in card.inner_html() and "Date" in card.inner_text()
    ui.page.click("#page-lang-switch")
    wait_for_url(ui.page, "p.get('lang') === 'es'")
    ui.page.wait_for_function("() => (document.querySelector('#detail-card')?.innerText || '').includes('Fecha')",
                              timeout=60_000)
    assert source in card.inner_html()
    ui.assert_no_console_errors("a linked event's card, then Spanish")
