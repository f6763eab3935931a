"""The one writer of the shared filter: controls, selections, reset and language → URL + store."""

from __future__ import annotations

from datetime import date

from dash import Input, Output, State, callback, ctx, no_update

from dashboard.data.filters import build_search, parse_url_state
from dashboard.figures.breakdown import clicked_category
from dashboard.figures.timeline import brushed_date_range
from dashboard.ids import BreakdownIds, FilterIds, MapIds, PageIds, TimelineIds
from dashboard.interactions import (
    ControlValues,
    controls_from_spec,
    reset_state,
    spatial_from_selection,
    spec_from_controls,
    toggle_breakdown,
    view_from_relayout,
)
from dashboard.layout.filters import spatial_summary

CONTROL_PROPS = (
    (FilterIds.TEXT, "value"), (FilterIds.DATE_RANGE, "start_date"), (FilterIds.DATE_RANGE, "end_date"),
    (FilterIds.TYPES, "value"), (FilterIds.ACTORS, "value"), (FilterIds.COUNTRIES, "value"),
    (FilterIds.REGIONS, "value"), (FilterIds.ROUTES, "value"), (FilterIds.DRUGS, "value"),
    (FilterIds.KG_MIN, "value"), (FilterIds.KG_MAX, "value"),
)


@callback(
    Output(FilterIds.STORE, "data"),
    Output(PageIds.URL, "search"),
    Output(FilterIds.SPATIAL, "children"),
    Output(FilterIds.CLEAR_SPATIAL, "hidden"),
    *(Output(cid, prop) for cid, prop in CONTROL_PROPS),
    *(Input(cid, prop) for cid, prop in CONTROL_PROPS),
    Input(MapIds.GRAPH, "selectedData"),
    Input(MapIds.GRAPH, "relayoutData"),
    Input(TimelineIds.GRAPH, "selectedData"),
    Input(BreakdownIds.GRAPH, "clickData"),
    Input(PageIds.RESET, "n_clicks"),
    Input(FilterIds.CLEAR_SPATIAL, "n_clicks"),
    Input(PageIds.LANG_SWITCH, "n_clicks"),
    State(PageIds.URL, "search"),
    State(BreakdownIds.FIELD, "value"),
    State(FilterIds.STORE, "data"),
)
def update_filter_state(*args):
    """Fold the triggering event into the URL state; the URL is the state, the store its mirror."""
    controls = ControlValues(*args[: len(CONTROL_PROPS)])
    map_selection, map_relayout, timeline_selection, bar_click, *_, search, field, stored = \
        args[len(CONTROL_PROPS):]
    state, _ = parse_url_state(search)
    # When the page body is rendered every input reports a change at once: that is not a user
    # action, and must not be read as "reset" (the first input) — the URL stands as it is.
    spec = state.spec
    trigger = ctx.triggered_id if len(ctx.triggered) == 1 else None

    if trigger == PageIds.RESET:
        state = reset_state(state)
    elif trigger == PageIds.LANG_SWITCH:
        state = state.with_changes(lang="es" if state.lang == "en" else "en")
    elif trigger == FilterIds.CLEAR_SPATIAL:
        state = state.with_changes(spec=spec.with_changes(bbox=None, polygon=None))
    elif trigger == MapIds.GRAPH and "selectedData" in _triggered_props():
        spatial = spatial_from_selection(map_selection)
        if spatial is not None:
            state = state.with_changes(spec=spec.with_changes(bbox=spatial.bbox, polygon=spatial.polygon))
    elif trigger == MapIds.GRAPH:
        view = view_from_relayout(map_relayout, state.view)
        if view is not None:
            state = state.with_changes(view=view)
    elif trigger == TimelineIds.GRAPH:
        brushed = brushed_date_range(timeline_selection)
        if brushed is not None:
            state = state.with_changes(spec=spec.with_changes(
                date_from=date.fromisoformat(brushed[0]), date_to=date.fromisoformat(brushed[1])))
    elif trigger == BreakdownIds.GRAPH:
        state = state.with_changes(spec=toggle_breakdown(spec, field, clicked_category(bar_click)))
    elif trigger is not None:
        state = state.with_changes(spec=spec_from_controls(spec, controls))

    new_store = state.spec.to_store()
    shown = controls_from_spec(state.spec)
    control_outputs = [
        shown.text, shown.date_from, shown.date_to, shown.event_types, shown.actors, shown.countries,
        shown.regions, shown.routes, shown.drugs, shown.kg_min, shown.kg_max,
    ]
    current = list(args[: len(CONTROL_PROPS)])
    return (
        no_update if new_store == stored else new_store,
        build_search(state),
        spatial_summary(state.spec, state.lang),
        state.spec.bbox is None and state.spec.polygon is None,
        *(no_update if _same(new, old) else new for new, old in zip(control_outputs, current)),
    )


def _triggered_props() -> set[str]:
    return {item["prop_id"].rsplit(".", 1)[-1] for item in ctx.triggered}


def _same(new, old) -> bool:
    """Controls report empty as None or [] or '': treat those as equal to avoid echo updates."""
    return (new or None) == (old or None)
