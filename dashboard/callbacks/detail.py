"""Selecting an event: map click or table row → URL ``event`` + highlight (Patch) → detail card."""

from __future__ import annotations

from dash import Input, Output, Patch, State, callback, clientside_callback, ctx, no_update

from dashboard.data.count_rules import parse_count_rule
from dashboard.data.filters import FilterSpec, build_search, parse_url_state
from dashboard.figures.event_map import LayerSlot, highlight_layer
from dashboard.ids import CountIds, DetailIds, FilterIds, MapIds, PageIds, TableIds
from dashboard.layout.detail import detail_card_for
from dashboard.state.context import get_context
from dashboard.state.views import event_row_at, first_point, highlight_position


@callback(
    Output(PageIds.BODY_URL, "search", allow_duplicate=True),
    Output(MapIds.GRAPH, "figure", allow_duplicate=True),
    Input(MapIds.GRAPH, "clickData"),
    Input(TableIds.GRID, "selectedRows"),
    State(PageIds.BODY_URL, "search"),
    State(FilterIds.STORE, "data"),
    prevent_initial_call=True,
)
def on_event_selected(click_data, selected_rows, search, filter_data):
    """Put the clicked event in the URL and move the highlight onto it, without a map redraw."""
    context = get_context()
    if ctx.triggered_id == MapIds.GRAPH:
        point, curve = first_point(click_data)
        row = event_row_at(context.store, FilterSpec.from_store(filter_data), point, curve)
        event_id = context.store.event_id_at(row) if row is not None else None
    else:
        event_id = (selected_rows or [{}])[0].get("event_id")
    state, _ = parse_url_state(search)
    position = highlight_position(context.store, event_id)
    if position is None or event_id == state.selected:
        return no_update, no_update
    patch = Patch()
    patch["layout"]["map"]["layers"][LayerSlot.HIGHLIGHT] = highlight_layer(position)
    return build_search(state.with_changes(selected=event_id)), patch


# The selection lives in the URL; the browser passes its event id on only when it changes, so a
# filter change (a new URL) does not ask the server for the same card again.
clientside_callback(
    """function (search, current) {
        const selected = new URLSearchParams(search || "").get("event") || null;
        return selected === (current || null) ? window.dash_clientside.no_update : selected;
    }""",
    Output(DetailIds.SELECTED, "data"),
    Input(PageIds.URL, "search"),
    State(DetailIds.SELECTED, "data"),
)


# Not at load, nor for a new language: the page draws the URL's card with its body (build_page),
# and a language switch draws a new body.
@callback(
    output=dict(card=Output(DetailIds.CARD, "children")),
    inputs=dict(_selected=Input(DetailIds.SELECTED, "data"), count_rule=Input(CountIds.RULE, "value")),
    state=dict(search=State(PageIds.URL, "search"), lang=State(PageIds.LANG_STORE, "data")),
    prevent_initial_call=True,
)
def update_detail(_selected, lang, count_rule, search):
    """The selected event's card, as the URL names it (validated there); it marks the figure the
    count rule counts."""
    selected = parse_url_state(search)[0].selected
    return dict(card=detail_card_for(get_context(), selected, lang, parse_count_rule(count_rule)))
