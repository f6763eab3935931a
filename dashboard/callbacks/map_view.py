"""Zoom the map to the filtered events (view goes to the URL; the map moves by Patch)."""

from __future__ import annotations

from dash import Input, Output, Patch, State, callback, no_update

from dashboard.context import get_context
from dashboard.data.filters import FilterSpec, build_search, parse_url_state
from dashboard.ids import FilterIds, MapIds, PageIds
from dashboard.interactions import fit_view


@callback(
    Output(PageIds.URL, "search", allow_duplicate=True),
    Output(MapIds.GRAPH, "figure", allow_duplicate=True),
    Input(MapIds.FIT, "n_clicks"),
    State(FilterIds.STORE, "data"),
    State(PageIds.URL, "search"),
    prevent_initial_call=True,
)
def on_fit_map(n_clicks, filter_data, search):
    """Centre and zoom the map so every filtered event is in view."""
    context = get_context()
    points = context.store.points(FilterSpec.from_store(filter_data), limit=context.settings.max_map_points)
    view = fit_view(points.longitude, points.latitude)
    if not n_clicks or view is None:
        return no_update, no_update
    state, _ = parse_url_state(search)
    patch = Patch()
    patch["layout"]["map"]["center"] = {"lat": view.lat, "lon": view.lon}
    patch["layout"]["map"]["zoom"] = view.zoom
    patch["layout"]["uirevision"] = f"fit-{n_clicks}"  # a new revision lets the figure move the view
    return build_search(state.with_changes(view=view)), patch
