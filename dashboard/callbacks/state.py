"""The one writer of the shared filter: controls, selections, reset, language and the URL itself;
every view of the filter comes in the same answer."""

from __future__ import annotations

from dash import Input, Output, State, callback, ctx, no_update

from dashboard.callbacks.views import VIEW_OUTPUTS, unchanged_outputs, views_for_filter
from dashboard.data.facets import DEFAULT_BREAKDOWN
from dashboard.data.filters import FilterSpec, build_search, parse_url_state
from dashboard.i18n import translate
from dashboard.ids import BreakdownIds, FilterIds, MapIds, PageIds, PlaybackIds, StoryIds, TimelineIds
from dashboard.layout.filters import spatial_summary
from dashboard.state.interactions import (
    ALWAYS_SHOWN,
    CONTROL_BINDINGS,
    BrowserInputs,
    Trigger,
    changes_nothing,
    classify_trigger,
    controls_from_spec,
    kg_swapped,
    next_url_state,
    with_pending_controls,
)

# Wired by name (Dash's dict form): the callback receives and returns {control name: value}.
CONTROL_INPUTS = {name: Input(component_id, prop) for name, (component_id, prop) in CONTROL_BINDINGS.items()}
CONTROL_OUTPUTS = {name: Output(component_id, prop) for name, (component_id, prop) in CONTROL_BINDINGS.items()}


@callback(
    output=dict(
        filter_store=Output(FilterIds.STORE, "data"),
        search=Output(PageIds.BODY_URL, "search"),
        spatial_text=Output(FilterIds.SPATIAL, "children"),
        clear_spatial_hidden=Output(FilterIds.CLEAR_SPATIAL, "hidden"),
        kg_notice=Output(FilterIds.KG_NOTICE, "children"),
        controls=CONTROL_OUTPUTS,
        views=VIEW_OUTPUTS,
    ),
    inputs=dict(
        controls=CONTROL_INPUTS,
        map_selection=Input(MapIds.GRAPH, "selectedData"),
        map_relayout=Input(MapIds.MOVED, "data"),
        timeline_selection=Input(TimelineIds.GRAPH, "selectedData"),
        bar_click=Input(BreakdownIds.GRAPH, "clickData"),
        reset_clicks=Input(PageIds.RESET, "n_clicks"),
        clear_spatial_clicks=Input(FilterIds.CLEAR_SPATIAL, "n_clicks"),
        language_clicks=Input(PageIds.LANG_SWITCH, "n_clicks"),
        search=Input(PageIds.BODY_URL, "search"),
    ),
    state=dict(
        breakdown_field=State(BreakdownIds.FIELD, "value"),
        stored=State(FilterIds.STORE, "data"),
        # what the views are drawn with (see views_for_filter)
        lang=State(PageIds.LANG_STORE, "data"), key_switch=State(MapIds.KEY, "value"),
        # written with the frame's dates, so it is current when they arrive here
        playback_data=State(PlaybackIds.STATE, "data"),
        slide_title=State(StoryIds.SLIDE_TITLE, "value"), slide_default=State(StoryIds.DEFAULT_TITLE, "data"),
        shown=State(FilterIds.SHOWN, "data"),
    ),
    prevent_initial_call="initial_duplicate",  # the playback's label has another writer
)
def update_filter_state(controls, map_selection, map_relayout, timeline_selection, bar_click, reset_clicks,
                        clear_spatial_clicks, language_clicks, search, breakdown_field, stored, lang,
                        key_switch, playback_data, slide_title, slide_default, shown):
    """Fold the user's action into the URL state; write only what changed, and with a new filter
    every view of it (the filter's views came from a second callback, a second round trip)."""
    trigger = classify_trigger([item["prop_id"] for item in ctx.triggered], reset_clicks)
    before = parse_url_state(search)[0]
    last_written = FilterSpec.from_store(stored)
    acted = next_url_state(before, trigger, BrowserInputs(
        controls=controls, map_selection=map_selection, map_relayout=map_relayout,
        timeline_selection=timeline_selection, bar_click=bar_click,
        breakdown_field=breakdown_field or DEFAULT_BREAKDOWN))
    state = with_pending_controls(before, acted, trigger, controls, last_written)
    if changes_nothing(trigger, before, state, last_written):
        return dict(filter_store=no_update, search=no_update, spatial_text=no_update,
                    clear_spatial_hidden=no_update, kg_notice=no_update,
                    controls={name: no_update for name in CONTROL_BINDINGS}, views=unchanged_outputs(VIEW_OUTPUTS))

    new_store, new_search = state.spec.to_store(), build_search(state)
    # A control the user is typing in is never written back (it would eat a trailing space).
    control_values = controls_from_spec(state.spec)
    return dict(
        filter_store=no_update if new_store == stored else new_store,
        search=no_update if new_search == (search or "") else new_search,
        spatial_text=spatial_summary(state.spec, state.lang),
        clear_spatial_hidden=state.spec.bbox is None and state.spec.polygon is None,
        kg_notice=translate("filters.kg_swapped", state.lang)
        if trigger == Trigger.CONTROLS and kg_swapped(controls) else "",
        controls={name: no_update if _same(control_values[name], controls.get(name))
                  or (trigger == Trigger.CONTROLS and name not in ALWAYS_SHOWN) else control_values[name]
                  for name in CONTROL_BINDINGS},
        views=views_for_filter(new_store, shown, lang, new_search, key_switch, breakdown_field, playback_data,
                               slide_title, slide_default),
    )


def _same(new, old) -> bool:
    """Controls report empty as None or [] or '': treat those as equal to avoid echo updates."""
    return (new or None) == (old or None)
