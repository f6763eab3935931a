"""At 200,000 synthetic events: cells at first, points after zooming into the VRAEM, a click shows
the event's detail (labelled synthetic). The app runs in its own gunicorn process."""

from __future__ import annotations

import pytest

from bench.harness import PageLog, UiPage, map_canvas_point
from dashboard.data.filters import FilterSpec
from dashboard.data.store import InMemoryEventStore
from dashboard.data.synth import synthetic_events
from dashboard.figures.event_map import EVENT_TRACE
from dashboard.i18n import format_number
from tests.synthetic_server import synthetic_server

N = 200_000
VRAEM = {"lon": -73.85, "lat": -12.45}

MAP_LAYER_JS = """([start, stop, cells]) => {
  const gd = document.querySelector('#map-graph .js-plotly-plot');
  const len = a => (a ? a.length : 0);
  const t = gd._fullData[start], meta = t.meta || {}, rings = meta.halo_points || 0;
  const points = meta.cells ? 0 : len(t.lat) - rings;
  return {points: points, cells: meta.cells ? len(t.lat) : 0,
          first: points ? {lon: t.lon[rings], lat: t.lat[rings]} : null};
}"""


@pytest.fixture(scope="module")
def big_server(tmp_path_factory):
    with synthetic_server(tmp_path_factory.mktemp("scale-instance"), N) as server:
        yield server


@pytest.fixture(scope="module")
def reference_store(big_server):
    """The same generated events, indexed in the test process, for the expected counts."""
    events = synthetic_events(N, seed=20260101).assign(dataset=big_server.dataset_id)
    return InMemoryEventStore(events)


@pytest.fixture(scope="module")
def trace_index():
    from types import SimpleNamespace

    return SimpleNamespace(events=range(EVENT_TRACE, EVENT_TRACE + 1))


def map_layer_counts(ui: UiPage, trace_index) -> dict:
    return ui.page.evaluate(MAP_LAYER_JS, [trace_index.events.start, trace_index.events.stop])


def test_brw201_large_dataset_cells_zoom_to_points_click_detail(browser_context, big_server, reference_store,
                                                               trace_index):
    page = browser_context.new_page()
    ui = UiPage(page=page, log=PageLog(page), base_url=big_server.base_url)
    spec_all = FilterSpec(datasets=(big_server.dataset_id,))
    ui.open(f"?dataset={big_server.dataset_id}")
    ui.settle("loading 200,000 synthetic events", timeout_s=120)
    assert page.locator("#counts-events").text_content() == format_number(N, "en")
    layer = map_layer_counts(ui, trace_index)
    assert layer["cells"] > 0 and layer["points"] == 0, layer
    note = page.locator("#map-note").text_content()
    assert "shown as cells" in note and "SYNTHETIC" in note

    # Filter: one event type, from the filter panel.
    page.locator('#filters-types label:has(input[value="drug_seizure"])').click()
    ui.settle("filtering to drug seizures", timeout_s=120)
    expected = reference_store.count(spec_all.with_changes(event_types=("drug_seizure",)))
    page.wait_for_function("(text) => document.querySelector('#counts-events').textContent === text",
                           arg=format_number(expected, "en"))
    assert "dataset=" in page.url and "type=drug_seizure" in page.url

    # Zoom into the VRAEM until points appear (the view is re-queried after each zoom).
    for zoom in (7, 9, 11, 13):
        page.evaluate("""([centre, zoom]) => Plotly.relayout(
            document.querySelector('#map-graph .js-plotly-plot'), {'map.center': centre, 'map.zoom': zoom})""",
                      [VRAEM, zoom])
        ui.settle(f"zooming into the VRAEM (zoom {zoom})", timeout_s=120)
        layer = map_layer_counts(ui, trace_index)
        if layer["points"]:
            break
    assert layer["points"] > 0 and layer["cells"] == 0, layer
    assert "shown as cells" not in page.locator("#map-note").text_content()

    # Click one point: its detail card, labelled synthetic.
    x, y = map_canvas_point(page, layer["first"]["lon"], layer["first"]["lat"])
    page.mouse.click(x, y)
    page.wait_for_function("() => document.querySelector('#detail-card .synthetic-badge') !== null",
                           timeout=60_000)
    card = page.locator("#detail-card").text_content()
    assert "SYNTHETIC" in card and "synthetic:" in card and "Drug seizure" in card
    assert "event=synthetic" in page.url
    ui.assert_no_console_errors("clicking a point")
    page.close()
