"""Moving the map on request: zoom to the filtered events, or back to the start on reset.

The view goes to the URL; the map moves by Patch with a new ``uirevision`` (without one, Plotly
keeps the user's pan and zoom over the figure's centre).
"""

from __future__ import annotations

from dash import Input, Output, Patch, State, callback, no_update

from dashboard.context import get_context
from dashboard.data.filters import FilterSpec, MapView, build_search, parse_url_state
from dashboard.figures.event_map import DEFAULT_VIEW
from dashboard.ids import FilterIds, MapIds, PageIds
from dashboard.interactions import fit_view


@callback(
    Output(PageIds.BODY_URL, "search", allow_duplicate=True),
    Output(MapIds.GRAPH, "figure", allow_duplicate=True),
    Input(MapIds.FIT, "n_clicks"),
    State(FilterIds.STORE, "data"),
    State(PageIds.BODY_URL, "search"),
    prevent_initial_call=True,
)
def on_fit_map(n_clicks, filter_data, search):
    """Centre and zoom the map so every filtered event is in view."""
    if not n_clicks:
        return no_update, no_update
    context = get_context()
    points = context.store.points(FilterSpec.from_store(filter_data), limit=context.settings.max_map_points)
    view = fit_view(points.longitude, points.latitude)
    if view is None:
        return no_update, no_update
    state, _ = parse_url_state(search)
    return build_search(state.with_changes(view=view)), view_patch(view, f"fit-{n_clicks}")


@callback(
    Output(MapIds.GRAPH, "figure", allow_duplicate=True),
    Input(PageIds.RESET, "n_clicks"),
    prevent_initial_call=True,
)
def on_reset_map(n_clicks):
    """Reset also returns the map to its starting view and clears the highlight."""
    if not n_clicks:
        return no_update
    patch = view_patch(DEFAULT_VIEW, f"reset-{n_clicks}")
    index = get_context().map_traces.highlight
    patch["data"][index]["lat"] = []
    patch["data"][index]["lon"] = []
    return patch


def view_patch(view: MapView, revision: str) -> Patch:
    patch = Patch()
    patch["layout"]["map"]["center"] = {"lat": view.lat, "lon": view.lon}
    patch["layout"]["map"]["zoom"] = view.zoom
    patch["layout"]["uirevision"] = revision
    return patch
