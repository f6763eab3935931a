"""The one writer of the shared filter: controls, selections, reset, language and the URL itself."""

from __future__ import annotations

from dash import Input, Output, State, callback, ctx, no_update

from dashboard.data.filters import build_search, parse_url_state
from dashboard.ids import BreakdownIds, DataIds, FilterIds, MapIds, PageIds, TimelineIds
from dashboard.layout.filters import spatial_summary
from dashboard.state.interactions import (
    BrowserInputs,
    ControlValues,
    Trigger,
    classify_trigger,
    control_values,
    controls_from_spec,
    next_url_state,
)

CONTROL_PROPS = (
    (FilterIds.TEXT, "value"), (FilterIds.DATE_RANGE, "start_date"), (FilterIds.DATE_RANGE, "end_date"),
    (FilterIds.TYPES, "value"), (FilterIds.ACTORS, "value"), (FilterIds.COUNTRIES, "value"),
    (FilterIds.REGIONS, "value"), (FilterIds.ROUTES, "value"), (FilterIds.DRUGS, "value"),
    (FilterIds.KG_MIN, "value"), (FilterIds.KG_MAX, "value"), (DataIds.DATASETS, "value"),
)
# Controls the user does not type into: always shown as the state has them (e.g. unticking every
# dataset shows the bundled facts again, ticked).
ALWAYS_SHOWN = frozenset(i for i, (cid, _) in enumerate(CONTROL_PROPS) if cid == DataIds.DATASETS)


@callback(
    Output(FilterIds.STORE, "data"),
    Output(PageIds.BODY_URL, "search"),
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
    Input(PageIds.BODY_URL, "search"),
    State(BreakdownIds.FIELD, "value"),
    State(FilterIds.STORE, "data"),
)
def update_filter_state(*args):
    """Fold the user's action into the URL state; write only what changed."""
    current_controls = args[: len(CONTROL_PROPS)]
    map_selection, map_relayout, timeline_selection, bar_click, reset_clicks, _, _, search, field, stored = \
        args[len(CONTROL_PROPS):]
    trigger = classify_trigger([item["prop_id"] for item in ctx.triggered], reset_clicks)
    state = next_url_state(parse_url_state(search)[0], trigger, BrowserInputs(
        controls=ControlValues(*current_controls), map_selection=map_selection, map_relayout=map_relayout,
        timeline_selection=timeline_selection, bar_click=bar_click, breakdown_field=field or "event_type"))

    new_store, new_search = state.spec.to_store(), build_search(state)
    # A control the user is typing in is never written back (it would eat a trailing space).
    shown = control_values(controls_from_spec(state.spec))
    control_outputs = [
        no_update if _same(new, old) or (trigger == Trigger.CONTROLS and index not in ALWAYS_SHOWN) else new
        for index, (new, old) in enumerate(zip(shown, current_controls))]
    return (
        no_update if new_store == stored else new_store,
        no_update if new_search == (search or "") else new_search,
        spatial_summary(state.spec, state.lang),
        state.spec.bbox is None and state.spec.polygon is None,
        *control_outputs,
    )


def _same(new, old) -> bool:
    """Controls report empty as None or [] or '': treat those as equal to avoid echo updates."""
    return (new or None) == (old or None)
