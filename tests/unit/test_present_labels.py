"""The presenter's ring labels win their collisions: over the base map's names (layer order) and
with each other (a second label beside the first goes below its ring)."""

from __future__ import annotations

import pytest

from dashboard.config import Basemap
from dashboard.figures.event_map import EVENTS_LAYER_ID, SLOT_COUNT, LayerSlot
from dashboard.figures.theme import PROJECTOR
from dashboard.state.present_view import (
    RING_PX,
    names_under_traces,
    present_map,
    ring_label_anchors,
    ring_label_size,
    ring_labels_layer,
)


@pytest.fixture(scope="module")
def bundled_story(app_context):
    return app_context.stories.get("from-the-vraem-to-europe")


def test_prs130_every_name_layer_but_the_ring_labels_goes_under_the_traces(store, bundled, bundled_story):
    figure = present_map(store, bundled_story.slides[3], routes=bundled.routes, vraem_feature=None, lang="en",
                         basemap=Basemap.OFFLINE, threshold=20_000)
    layers = figure.layout.map.layers
    assert layers[LayerSlot.RING_LABELS].name == "ring-labels" and layers[LayerSlot.RING_LABELS].below == ""
    # Offline, places, rivers and routes are named by the style, all under its events marker.
    style = [layer["id"] for layer in figure.layout.map.style["layers"]]
    names = [layer_id for layer_id in style if layer_id.startswith("names-") or layer_id == "route-names"]
    assert len(names) >= 5 and style[-1] == EVENTS_LAYER_ID  # places (3 ranks), rivers, routes
    assert figure.data[0].below == EVENTS_LAYER_ID
    # Over a remote style the route names are a layout layer: put under the traces.
    online = present_map(store, bundled_story.slides[3], routes=bundled.routes, vraem_feature=None, lang="en",
                         basemap=Basemap.ONLINE, threshold=20_000)
    layers = online.layout.map.layers
    named = [layer for layer in layers[SLOT_COUNT:] if layer.type == "symbol"]
    assert [layer.name for layer in named] == ["route-names"] and named[0].below == "traces"
    # Shapes, fills and lines keep their own order.
    others = [layer.to_plotly_json() for layer in layers if layer.type != "symbol"]
    assert others == [layer for layer in names_under_traces([layer.to_plotly_json() for layer in layers])
                      if layer.get("type") != "symbol"]


def test_prs131_side_by_side_rings_name_one_above_and_one_below():
    zoom, size = 4.0, PROJECTOR.font_size
    texts = ["Abel Iturralde province\n386 kg", "Fitzcarrald district\n300 kg"]
    # ~75 px apart at zoom 4: two labels ~200 px wide would meet above both rings.
    positions = [(-10.74, -67.9), (-10.53, -71.23)]
    anchors = ring_label_anchors(positions, texts, zoom, size)
    assert anchors[0][0] > positions[0][0] and anchors[1][0] < positions[1][0]
    # Below: the text (anchored at its bottom) starts under the ring, not on it.
    _, height = ring_label_size(texts[1], size)
    deg_per_px = 360 / (512 * 2 ** zoom)
    assert positions[1][0] - anchors[1][0] > (RING_PX + height) * deg_per_px * 0.9
    # Far apart, both stay above.
    far = [(-10.74, -67.9), (-20.0, -60.0)]
    assert all(anchor[0] > lat for anchor, (lat, _) in zip(ring_label_anchors(far, texts, zoom, size), far))
    # A label above its ring that would sit on another ring goes below its own.
    stacked = [(-10.74, -67.9), (-12.6, -67.9)]  # ~50 px apart, one under the other
    anchors = ring_label_anchors(stacked, ["A", "B"], zoom, size)
    assert anchors[0][0] > stacked[0][0] and anchors[1][0] < stacked[1][0]


def test_prs132_ring_label_size_wraps_as_the_map_does():
    size = PROJECTOR.font_size
    width, height = ring_label_size("Abel Iturralde province\n386 kg", size)
    assert width <= 10 * size and height == pytest.approx(3 * 1.2 * size)  # "Abel Iturralde / province / 386 kg"
    layer = ring_labels_layer([{"latitude": -12.0, "longitude": -77.1, "location": "Callao", "quantity_kg": 1417.0}],
                              6.0, "en")
    assert layer["source"]["features"][0]["properties"]["name"] == "Callao\n1,417 kg"
