"""The page's layout pieces that are not measured in a browser: the map's shown-view store and
the decision Back/Forward takes with it (tests/browser/test_layout.py measures the layout itself)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.callbacks.map_view import MOVING, on_url_view, same_view, view_from_data, view_to_restore
from dashboard.data.filters import FilterSpec, MapView, UrlState, build_search
from dashboard.figures.event_map import DEFAULT_VIEW
from dashboard.layout.page import MAP_VIEW_SHOWN, build_page, view_data
from tests.unit.layout_tree import find

EUROPE = MapView(45.0, 4.0, 3.5)
CSS = Path(__file__).resolve().parents[2] / "assets" / "rutas.css"


def test_lay050_back_to_a_url_without_view_moves_the_map_to_the_start():
    assert view_to_restore(None, view_data(EUROPE)) == DEFAULT_VIEW
    assert view_to_restore(EUROPE, None) == EUROPE  # Forward again
    assert view_to_restore(EUROPE, view_data(EUROPE)) is None  # the map shows it already
    assert view_to_restore(None, None) is None and view_to_restore(None, view_data(DEFAULT_VIEW)) is None
    nudged = MapView(EUROPE.lat + 0.0004, EUROPE.lon - 0.0004, EUROPE.zoom + 0.004)  # URL rounding
    assert view_to_restore(nudged, view_data(EUROPE)) is None
    assert view_to_restore(None, MOVING) is None and view_to_restore(EUROPE, MOVING) is None


def test_lay051_the_store_round_trips_a_view_and_reads_junk_as_the_start():
    assert view_from_data(view_data(EUROPE)) == EUROPE and view_from_data(view_data(None)) is None
    for junk in ("moving", {"lat": "x", "lon": 1, "zoom": 2}, {"lat": 1}, [1, 2, 3], 7):
        assert view_from_data(junk) is None
    assert same_view(None, DEFAULT_VIEW) and not same_view(None, EUROPE)


def test_lay052_the_page_holds_the_view_it_opened_with(app_context):
    for view in (None, EUROPE):
        store = find(build_page(app_context, UrlState(view=view), []), MAP_VIEW_SHOWN)
        assert store is not None and view_from_data(store.data) == view


def test_lay053_on_url_view_moves_the_map_only_when_the_url_differs(app_context):
    spec = FilterSpec().to_store()
    unchanged = on_url_view(build_search(UrlState(view=EUROPE)), view_data(EUROPE), spec, "en", ["shown"])
    assert all(part is not None and type(part).__name__ == "NoUpdate" for part in unchanged)
    patch, shown = on_url_view(build_search(UrlState()), view_data(EUROPE), spec, "en", ["shown"])
    layout = patch.to_plotly_json()["operations"]
    centre = next(op for op in layout if op["location"] == ["layout", "map", "center"])
    assert centre["params"]["value"] == {"lat": DEFAULT_VIEW.lat, "lon": DEFAULT_VIEW.lon} and shown is None
    _, recorded = on_url_view(build_search(UrlState(view=EUROPE)), MOVING, spec, "en", ["shown"])
    assert view_from_data(recorded) == EUROPE  # the fit's own URL: recorded, not moved again


@pytest.mark.parametrize("width", [1280, 760])
def test_lay054_each_narrower_layout_is_a_media_query_on_the_grid(width):
    css = CSS.read_text()
    block = re.search(rf"@media \(max-width: {width}px\) \{{(.*?)\n\}}", css, re.S)
    assert block and "grid-template-areas" in block.group(1)


def test_lay060_with_props_sets_each_named_component_and_refuses_an_unknown_id():
    """The page body's views are set on the components they name, wherever those sit under
    ``children`` (a list, a tuple, one child); a name no component has is an error, not ignored."""
    from dash import dcc, html

    from dashboard.layout.page import with_props

    graph, deep = dcc.Graph(id="graph"), html.Span(id="deep")
    tree = html.Div([html.Div(graph), html.Section((html.P("text"), html.Div([html.Div(deep)])))], id="root")
    assert with_props(tree, {("graph", "figure"): {"data": []}, ("deep", "children"): "set", ("root", "title"): "t"}) is tree
    assert graph.figure == {"data": []} and deep.children == "set" and tree.title == "t"
    with pytest.raises(KeyError):
        with_props(tree, {("nowhere", "children"): "x"})
