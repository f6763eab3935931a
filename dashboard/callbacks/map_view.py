"""Moving the map on request: zoom to the filtered events, back to the start on reset, or to the
URL's view when the browser goes Back or Forward.

The view goes to the URL; the map moves by Patch with a new ``uirevision`` (without one, Plotly
keeps the user's pan and zoom over the figure's centre). A move made by a Patch reports no
``relayoutData``, so the same Patch also redraws the event layer for the new view.

The view the map shows is kept in a store (:data:`dashboard.layout.page.MAP_VIEW_SHOWN`): each
move writes it, and a URL whose view differs from it (Back after "Zoom to events") moves the map.
"""

from __future__ import annotations

import json

from dash import Input, Output, Patch, State, callback, clientside_callback, no_update

from dashboard.callbacks.views import patch_layer
from dashboard.data.filters import FilterSpec, MapView, build_search, parse_url_state
from dashboard.figures.event_map import DEFAULT_VIEW, LayerSlot, highlight_layer
from dashboard.ids import FilterIds, MapIds, PageIds
from dashboard.layout.page import MAP_VIEW_SHOWN, view_data
from dashboard.state.context import get_context
from dashboard.state.interactions import fitted_view
from dashboard.state.views import map_layer, viewport_of

# What the shown-view store holds while a button moves the map: the next URL is that move's.
MOVING = "moving"
# Views closer than this are the same view (the URL keeps a few decimals of each number).
SAME_VIEW_DEGREES = 1e-3
SAME_VIEW_ZOOM = 1e-2


def view_from_data(data: object) -> MapView | None:
    """The view a store holds (see :func:`dashboard.layout.page.view_data`); None for the starting view."""
    if not isinstance(data, dict):
        return None
    try:
        return MapView(float(data["lat"]), float(data["lon"]), float(data["zoom"]))
    except (KeyError, TypeError, ValueError):
        return None


def same_view(first: MapView | None, second: MapView | None) -> bool:
    """Whether two views show the same place; None is the starting view."""
    first, second = first or DEFAULT_VIEW, second or DEFAULT_VIEW
    return (abs(first.lat - second.lat) <= SAME_VIEW_DEGREES and abs(first.lon - second.lon) <= SAME_VIEW_DEGREES
            and abs(first.zoom - second.zoom) <= SAME_VIEW_ZOOM)


def view_to_restore(url_view: MapView | None, shown: object) -> MapView | None:
    """Where the map must move for the URL's view, or None when it is there already.

    ``shown`` is the store's data: the view the map was last put at or panned to, or
    :data:`MOVING` while "Zoom to events" or "Reset" moves it (their own URL is where it goes).
    Back and Forward change the URL alone: its view (the starting view when it has none) is
    where the map goes.
    """
    if shown == MOVING or same_view(url_view, view_from_data(shown)):
        return None
    return url_view or DEFAULT_VIEW


@callback(
    Output(PageIds.BODY_URL, "search", allow_duplicate=True),
    Output(MapIds.GRAPH, "figure", allow_duplicate=True),
    Input(MapIds.FIT, "n_clicks"),
    State(FilterIds.STORE, "data"),
    State(PageIds.BODY_URL, "search"),
    State(PageIds.LANG_STORE, "data"),
    State(MapIds.KEY, "value"),
    prevent_initial_call=True,
)
def on_fit_map(n_clicks, filter_data, search, lang, key_switch):
    """Centre and zoom the map so every filtered event is in view."""
    if not n_clicks:
        return no_update, no_update
    context = get_context()
    spec = FilterSpec.from_store(filter_data)
    view = fitted_view(context.store, spec, context.settings.max_map_points)
    if view is None:
        return no_update, no_update
    state, _ = parse_url_state(search)
    layer = map_layer(context.store, spec, viewport_of(view), context.settings.max_map_points)
    return build_search(state.with_changes(view=view)), \
        patch_layer(view_patch(view, f"fit-{n_clicks}"), context, layer, lang, key_switch)


# Every URL change (each filter change writes one) is checked in the browser first: only a URL
# whose view may differ from the one shown asks the server, which checks again and moves the map.
clientside_callback(
    """function (search, shown) {
        const no = window.dash_clientside.no_update;
        const parts = (new URLSearchParams(search || "").get("view") || "").split(",").map(Number);
        const view = parts.length === 3 && parts.every(Number.isFinite)
            ? {lat: parts[0], lon: parts[1], zoom: parts[2]} : null;
        if (shown === MOVING) return [no, view];  // the fit's or reset's own URL: recorded, not moved again
        const start = DEFAULT_VIEW, a = view || start, b = (shown && typeof shown === "object") ? shown : start;
        const same = Math.abs(a.lat - b.lat) <= SAME_DEG && Math.abs(a.lon - b.lon) <= SAME_DEG
            && Math.abs(a.zoom - b.zoom) <= SAME_ZOOM;
        return same ? [no, no] : [search || "", no];
    }""".replace("MOVING", f'"{MOVING}"').replace("DEFAULT_VIEW", json.dumps(view_data(DEFAULT_VIEW)))
       .replace("SAME_DEG", str(SAME_VIEW_DEGREES)).replace("SAME_ZOOM", str(SAME_VIEW_ZOOM)),
    Output(MapIds.VIEW_REQUEST, "data"),
    Output(MAP_VIEW_SHOWN, "data", allow_duplicate=True),
    Input(PageIds.BODY_URL, "search"),
    State(MAP_VIEW_SHOWN, "data"),
    prevent_initial_call=True,
)


@callback(
    Output(MapIds.GRAPH, "figure", allow_duplicate=True),
    Output(MAP_VIEW_SHOWN, "data", allow_duplicate=True),
    Input(MapIds.VIEW_REQUEST, "data"),
    State(MAP_VIEW_SHOWN, "data"),
    State(FilterIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    State(MapIds.KEY, "value"),
    prevent_initial_call=True,
)
def on_url_view(search, shown_data, filter_data, lang, key_switch):
    """Back/Forward: a URL whose view is not the one the map shows moves the map there."""
    url_view = parse_url_state(search)[0].view
    view = view_to_restore(url_view, shown_data)
    if view is None:
        return no_update, no_update if shown_data != MOVING else view_data(url_view)
    context = get_context()
    spec = FilterSpec.from_store(filter_data)
    layer = map_layer(context.store, spec, viewport_of(view), context.settings.max_map_points)
    revision = f"url-{view.lat:.4f},{view.lon:.4f},{view.zoom:.2f}"
    return patch_layer(view_patch(view, revision), context, layer, lang, key_switch), view_data(url_view)


# A pan or zoom by the user: the map shows that view now. In the browser, so the store holds it
# before the URL written for the same pan reaches on_url_view (a server round trip could lose that
# race and snap the map back while the user is still moving it).
clientside_callback(
    """function (relayout, shown) {
        const center = relayout && relayout["map.center"], zoom = relayout && relayout["map.zoom"];
        if (!center || !Number.isFinite(center.lat) || !Number.isFinite(center.lon)) {
            return window.dash_clientside.no_update;
        }
        const previous = (shown && typeof shown === "object") ? shown : {};
        const lon = ((center.lon + 180) % 360 + 360) % 360 - 180;  // wrapped as the URL writes it
        return {lat: center.lat, lon: lon,
                zoom: Number.isFinite(zoom) ? zoom : (previous.zoom !== undefined ? previous.zoom : DEFAULT_ZOOM)};
    }""".replace("DEFAULT_ZOOM", str(DEFAULT_VIEW.zoom)),
    Output(MAP_VIEW_SHOWN, "data", allow_duplicate=True),
    Input(MapIds.GRAPH, "relayoutData"),
    State(MAP_VIEW_SHOWN, "data"),
    prevent_initial_call=True,
)

# "Zoom to events" and "Reset" move the map themselves and write the URL: until that URL comes,
# the map is on its way (set in the browser, at the click, before the server answers).
clientside_callback(
    "function (fit_clicks, reset_clicks) { return MOVING; }".replace("MOVING", f'"{MOVING}"'),
    Output(MAP_VIEW_SHOWN, "data", allow_duplicate=True),
    Input(MapIds.FIT, "n_clicks"),
    Input(PageIds.RESET, "n_clicks"),
    prevent_initial_call=True,
)


@callback(
    Output(MapIds.GRAPH, "figure", allow_duplicate=True),
    Input(PageIds.RESET, "n_clicks"),
    State(FilterIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    State(MapIds.KEY, "value"),
    prevent_initial_call=True,
)
def on_reset_map(n_clicks, filter_data, lang, key_switch):
    """Reset also returns the map to its starting view, with its layer, and clears the highlight."""
    if not n_clicks:
        return no_update
    context = get_context()
    patch = view_patch(DEFAULT_VIEW, f"reset-{n_clicks}")
    patch["layout"]["map"]["layers"][LayerSlot.HIGHLIGHT] = highlight_layer(None)
    # Reset keeps only the datasets shown. When that changes the filter, the map is redrawn for
    # it at the starting view; when it does not, the layer for the starting view is sent here.
    current = FilterSpec.from_store(filter_data)
    after_reset = FilterSpec(datasets=current.datasets)
    if after_reset != current:
        return patch
    layer = map_layer(context.store, after_reset, viewport_of(DEFAULT_VIEW), context.settings.max_map_points)
    return patch_layer(patch, context, layer, lang, key_switch)


def view_patch(view: MapView, revision: str) -> Patch:
    patch = Patch()
    patch["layout"]["map"]["center"] = {"lat": view.lat, "lon": view.lon}
    patch["layout"]["map"]["zoom"] = view.zoom
    patch["layout"]["uirevision"] = revision
    return patch
