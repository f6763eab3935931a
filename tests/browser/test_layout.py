"""The dashboard's layout at desktop, laptop and phone widths, and Back after "Zoom to events" (issue 15).

Measured in Chromium with bounding boxes: the map's size at 1440 px, filters beside the map at
1024 px, a single column with no sideways scroll at 390 px. After every step, no console error.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from dashboard.data.filters import FilterSpec, parse_url_state
from dashboard.figures.event_map import DEFAULT_VIEW

pytestmark = pytest.mark.browser

MAP_JS = "document.querySelector('#map-graph .js-plotly-plot')"
BOXES_JS = """() => {
  const box = (selector) => { const r = document.querySelector(selector).getBoundingClientRect();
                              return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                                      width: r.width, height: r.height}; };
  return {page_width: document.documentElement.scrollWidth, map: box('#map-graph'), left: box('.left'),
          centre: box('.centre'), side: box('.side'), filters: box('.filter-panel'),
          timeline: box('#timeline-graph')};
}"""


def open_at(ui, width: int, height: int, search: str = "") -> dict:
    ui.page.set_viewport_size({"width": width, "height": height})
    ui.open(search)
    ui.settle(f"opening the page at {width} px")
    return ui.page.evaluate(BOXES_JS)


def test_lay040_the_map_gets_the_space_at_1440(ui):
    boxes = open_at(ui, 1440, 900)
    assert boxes["page_width"] <= 1440
    # The map column takes what the filters and details leave: over half the window, and tall.
    assert boxes["map"]["width"] >= 0.5 * 1440, boxes["map"]
    assert boxes["map"]["height"] >= 600, boxes["map"]
    assert boxes["left"]["right"] <= boxes["map"]["left"] and boxes["map"]["right"] <= boxes["side"]["left"]


def test_lay041_filters_beside_the_map_and_details_below_at_1024(ui):
    boxes = open_at(ui, 1024, 768)
    assert boxes["page_width"] <= 1024
    assert boxes["left"]["right"] <= boxes["map"]["left"], "the filters sit beside the map"
    assert boxes["map"]["width"] >= 0.6 * 1024, boxes["map"]
    assert boxes["side"]["top"] >= boxes["centre"]["bottom"] and boxes["side"]["top"] >= boxes["left"]["bottom"]
    assert boxes["side"]["width"] >= 0.9 * 1000, "the details run across the page, not beside a blank"


def test_lay042_one_column_without_sideways_scroll_at_390(ui):
    boxes = open_at(ui, 390, 844)
    assert boxes["page_width"] <= 390, "the page scrolls sideways"
    for name in ("map", "centre", "left", "side", "filters", "timeline"):
        assert boxes[name]["left"] >= 0 and boxes[name]["right"] <= 390, (name, boxes[name])
    assert boxes["map"]["top"] < boxes["left"]["top"], "the map comes before the filters on a phone"
    assert boxes["map"]["width"] >= 330 and boxes["map"]["height"] >= 300, boxes["map"]
    assert boxes["filters"]["width"] >= 0.9 * boxes["centre"]["width"], "the filters take the column"
    wide = ui.page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.ag-root-wrapper') && e.getBoundingClientRect().width > 0
                     && e.getBoundingClientRect().right > 391)
        .map(e => e.tagName + '.' + e.className).slice(0, 5)""")
    assert wide == [], wide


def map_centre(ui) -> list[float]:
    return ui.page.evaluate(f"() => {MAP_JS}._fullLayout.map._subplot.map.getCenter().toArray()")


def test_lay043_back_after_zoom_to_events_restores_the_view(ui):
    open_at(ui, 1440, 900, "?country=BEL,ESP,ITA,NLD")
    start = map_centre(ui)
    assert abs(start[0] - DEFAULT_VIEW.lon) < 0.5 and abs(start[1] - DEFAULT_VIEW.lat) < 0.5
    ui.page.click("#map-fit")
    ui.page.wait_for_function("() => new URLSearchParams(location.search).has('view')")
    ui.settle("zooming to the events")
    europe = map_centre(ui)
    assert -10 < europe[0] < 20 and 35 < europe[1] < 55, europe
    ui.page.go_back()
    ui.page.wait_for_function("() => !new URLSearchParams(location.search).has('view')")
    ui.page.wait_for_function(
        f"""() => {{ const c = {MAP_JS}._fullLayout.map._subplot.map.getCenter();
                     return Math.abs(c.lng - ({DEFAULT_VIEW.lon})) < 0.5 && Math.abs(c.lat - ({DEFAULT_VIEW.lat})) < 0.5; }}""",
        timeout=30_000)
    ui.settle("going back")
    assert parse_url_state(urlsplit(ui.page.url).query)[0].view is None
    ui.page.go_forward()  # and Forward goes to Europe again
    ui.page.wait_for_function("() => new URLSearchParams(location.search).has('view')")
    ui.page.wait_for_function(f"() => {MAP_JS}._fullLayout.map._subplot.map.getCenter().lat > 35", timeout=30_000)
    ui.settle("going forward")


def test_lay044_playback_holds_the_timeline_axis_and_the_status_follows_the_counts(ui, store):
    """While a playback runs the timeline spans the whole range played, the same every frame, and
    the status line names the frame whose counts are shown."""
    from datetime import date

    from dashboard.data.stories import PlaybackMode, PlaybackStep
    from dashboard.i18n import format_number
    from dashboard.ids import CountIds, PlaybackIds
    from dashboard.state.playback import playback_frames

    whole = (date(2014, 1, 1), date(2019, 12, 31))
    frames = playback_frames(*whole, PlaybackStep.YEAR, PlaybackMode.CUMULATIVE)
    ui.page.set_viewport_size({"width": 1440, "height": 900})
    ui.open("?from=2014-01-01&to=2019-12-31")
    ui.settle("opening the page")
    ui.page.click(f"#{PlaybackIds.SPEED}")
    ui.page.get_by_role("option", name="Slow", exact=True).click()
    ui.page.click(f"#{PlaybackIds.PLAY}")
    ranges = []
    for number, frame in enumerate(frames[:3], start=1):
        ui.page.wait_for_function(
            "([from, to]) => { const p = new URLSearchParams(location.search);"
            " return p.get('from') === from && p.get('to') === to; }",
            arg=[frame[0].isoformat(), frame[1].isoformat()], polling=20)
        count = format_number(store.count(FilterSpec(date_from=frame[0], date_to=frame[1])))
        ui.page.wait_for_function(
            "([countId, count, labelId, number]) => document.getElementById(countId).textContent === count"
            " && document.getElementById(labelId).textContent.includes('frame\\u00a0' + number + '\\u00a0of')",
            arg=[CountIds.EVENTS, count, PlaybackIds.LABEL, number], polling=20)
        ui.page.wait_for_function(  # the timeline drawn for this frame: its shaded range ends with it
            "(end) => { const gd = document.querySelector('#timeline-graph .js-plotly-plot');"
            " const shapes = gd && gd._fullLayout.shapes || [];"
            " return shapes.length > 0 && String(shapes[0].x1).startsWith(end); }",
            arg=frame[1].isoformat(), polling=20)
        ranges.append(ui.page.evaluate(
            "() => document.querySelector('#timeline-graph .js-plotly-plot')._fullLayout.xaxis.range.slice()"))
    assert ranges[0] == ranges[1] == ranges[2], ranges
    assert ranges[0][0][:10] <= "2014-01-01" and ranges[0][1][:10] >= "2019-12-31", ranges
    ui.page.click(f"#{PlaybackIds.PLAY}")  # pause
    ui.assert_no_console_errors("playing")
