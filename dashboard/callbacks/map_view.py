"""Moving the map on request: zoom to the filtered events, or back to the start on reset.

The view goes to the URL; the map moves by Patch with a new ``uirevision`` (without one, Plotly
keeps the user's pan and zoom over the figure's centre). A move made by a Patch reports no
``relayoutData``, so the same Patch also redraws the event layer for the new view.
"""

from __future__ import annotations

from dash import Input, Output, Patch, State, callback, no_update

from dashboard.callbacks.views import patch_layer
from dashboard.data.filters import FilterSpec, MapView, build_search, parse_url_state
from dashboard.figures.event_map import DEFAULT_VIEW
from dashboard.figures.geo import fit_view
from dashboard.ids import FilterIds, MapIds, PageIds
from dashboard.state.context import get_context
from dashboard.state.views import map_layer, viewport_of


@callback(
    Output(PageIds.BODY_URL, "search", allow_duplicate=True),
    Output(MapIds.GRAPH, "figure", allow_duplicate=True),
    Input(MapIds.FIT, "n_clicks"),
    State(FilterIds.STORE, "data"),
    State(PageIds.BODY_URL, "search"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_fit_map(n_clicks, filter_data, search, lang):
    """Centre and zoom the map so every filtered event is in view."""
    if not n_clicks:
        return no_update, no_update
    context = get_context()
    spec = FilterSpec.from_store(filter_data)
    points = context.store.points(spec, limit=context.settings.max_map_points)
    view = fit_view(points.longitude, points.latitude)
    if view is None:
        return no_update, no_update
    state, _ = parse_url_state(search)
    layer = map_layer(context.store, spec, viewport_of(view), context.settings.max_map_points)
    return build_search(state.with_changes(view=view)), \
        patch_layer(view_patch(view, f"fit-{n_clicks}"), context, layer, lang)


@callback(
    Output(MapIds.GRAPH, "figure", allow_duplicate=True),
    Input(PageIds.RESET, "n_clicks"),
    State(FilterIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_reset_map(n_clicks, filter_data, lang):
    """Reset also returns the map to its starting view, with its layer, and clears the highlight."""
    if not n_clicks:
        return no_update
    context = get_context()
    patch = view_patch(DEFAULT_VIEW, f"reset-{n_clicks}")
    index = context.map_traces.highlight
    patch["data"][index]["lat"] = []
    patch["data"][index]["lon"] = []
    # Reset keeps only the datasets shown. When that changes the filter, the map is redrawn for
    # it at the starting view; when it does not, the layer for the starting view is sent here.
    current = FilterSpec.from_store(filter_data)
    after_reset = FilterSpec(datasets=current.datasets)
    if after_reset != current:
        return patch
    layer = map_layer(context.store, after_reset, viewport_of(DEFAULT_VIEW), context.settings.max_map_points)
    return patch_layer(patch, context, layer, lang)


def view_patch(view: MapView, revision: str) -> Patch:
    patch = Patch()
    patch["layout"]["map"]["center"] = {"lat": view.lat, "lon": view.lon}
    patch["layout"]["map"]["zoom"] = view.zoom
    patch["layout"]["uirevision"] = revision
    return patch
