"""A file of places with no dates, in a real browser: refused once, then imported with a stated
month, shown alone with the map fitted to it — and a link naming it opens fitted to it too."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.browser

# Two test placemarks far from the opening Peru view (ports of Manila and Jakarta), laid out as a
# Google My Maps layer: a name, a description, a point, no date. Not events: test input.
PLACEMARKS = (("Test place A (Manila port)", 120.95, 14.59), ("Test place B (Tanjung Priok)", 106.88, -6.10))


def my_maps_layer() -> str:
    marks = "".join(f"<Placemark><name>{name}</name><description>test placemark, not an event</description>"
                    f"<Point><coordinates>{lon},{lat},0</coordinates></Point></Placemark>"
                    for name, lon, lat in PLACEMARKS)
    return ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<name>Test layer</name><Folder><name>Capa sin título</name>{marks}</Folder></Document></kml>")


def url_view(page) -> tuple[float, float, float] | None:
    view = parse_qs(urlsplit(page.url).query).get("view", [""])[0]
    return tuple(float(part) for part in view.split(",")) if view else None


def test_brw105_undated_layer_refused_then_imported_with_a_stated_month(ui, tmp_path, app_context):
    source = tmp_path / "test_layer.kml"
    source.write_text(my_maps_layer(), encoding="utf-8")
    page = ui.page
    ui.open()
    ui.settle("opening the page")

    page.set_input_files("#data-upload input[type=file]", str(source))
    report = page.locator(".import-report")
    report.wait_for(state="visible", timeout=60_000)
    page.wait_for_function("() => document.querySelector('.import-report').innerText.includes('has a date')")
    refused = report.inner_text()
    assert "none of the 2 rows has a date" in refused and "Date for undated rows" in refused, refused
    ui.settle("the refused import")
    assert app_context.repository.list() == []

    page.fill("#data-stated-date", "2021-03")
    # the same file picked again: the page must send it again (no change event fires for it otherwise)
    page.set_input_files("#data-upload input[type=file]", str(source))
    page.wait_for_function("() => document.querySelector('.import-report').innerText.includes('2 accepted')",
                           timeout=60_000)
    text = report.inner_text()
    assert "2 rows had no date of their own: given the stated date 2021-03 (month precision)" in text, text
    ui.settle("the import with a stated month")
    [meta] = app_context.repository.list()
    dataset_id = meta.dataset_id
    events = app_context.repository.load_events(dataset_id)
    assert set(events["date_precision"]) == {"month"} and set(events["event_date"].astype(str)) == {"2021-03-01"}
    assert sorted(events["country"]) == ["IDN", "PHL"]  # the world map knows Asia
    lat, lon, zoom = url_view(page)
    assert 100 < lon < 125 and -10 < lat < 20, (lat, lon, zoom)  # fitted to the layer, not on Peru
    page.screenshot(path=tmp_path / "brw105_imported.png")

    # A link naming the dataset, with no view, opens fitted to it as well (the map, not the URL).
    ui.open(f"?dataset={dataset_id}")
    ui.settle("opening a link to the dataset")
    centre = page.evaluate("document.querySelector('#map-graph .js-plotly-plot')._fullLayout.map.center")
    assert 100 < centre["lon"] < 125 and -10 < centre["lat"] < 20, centre
    assert url_view(page) is None
    ui.assert_no_console_errors("importing an undated layer")
    app_context.repository.delete(dataset_id)  # the session's data directory as the other tests expect it
