"""Views that follow the shared filter: map, timeline, breakdown, counts, table."""

from __future__ import annotations

from dash import Input, Output, State, callback

from dashboard.context import get_context
from dashboard.data.filters import FilterSpec, parse_url_state
from dashboard.data.store import BREAKDOWN_FIELDS
from dashboard.figures.breakdown import FILTER_FIELD, build_breakdown
from dashboard.figures.event_map import HOVER_COLUMNS, build_event_map, hover_texts
from dashboard.figures.timeline import build_timeline
from dashboard.i18n import format_number, translate
from dashboard.ids import (
    BreakdownIds,
    CountIds,
    FilterIds,
    MapIds,
    PageIds,
    TableIds,
    TimelineIds,
)
from dashboard.layout.page import TABLE_FIELDS
from dashboard.views import basemap_for, filter_summary, highlight_position, table_records


@callback(
    Output(MapIds.GRAPH, "figure"),
    Output(MapIds.NOTE, "children"),
    Input(PageIds.LANG_STORE, "data"),
    Input(FilterIds.STORE, "data"),
    State(PageIds.URL, "search"),
)
def update_map(lang, filter_data, search):
    """Redraw the event map when the shared filter (or the language) changes."""
    context = get_context()
    spec = FilterSpec.from_store(filter_data)
    url_state = parse_url_state(search)[0]
    points = context.store.points(spec, limit=context.settings.max_map_points)
    hover = hover_texts(context.store.take(points.row, HOVER_COLUMNS), lang)
    style, layers = basemap_for(context.settings.basemap)
    figure = build_event_map(
        points, routes=context.data.routes, vraem_feature=context.vraem_feature,
        hover=hover, lang=lang,
        view=url_state.view, style=style, layers=layers,
        highlight=highlight_position(context.store, url_state.selected),
    )
    note = ""
    if points.total == 0:
        note = translate("map.no_events", lang)
    elif points.truncated:
        note = translate("map.truncated", lang, shown=format_number(len(points.row), lang),
                         total=format_number(points.total, lang))
    return figure, note


@callback(
    Output(TimelineIds.GRAPH, "figure"),
    Input(PageIds.LANG_STORE, "data"),
    Input(FilterIds.STORE, "data"),
)
def update_timeline(lang, filter_data):
    """Stacked counts over time for the shared filter."""
    spec = FilterSpec.from_store(filter_data)
    brushed = (spec.date_from.isoformat(), spec.date_to.isoformat()) \
        if spec.date_from and spec.date_to else None
    return build_timeline(get_context().store.histogram(spec), lang=lang, date_range=brushed)


@callback(
    Output(BreakdownIds.GRAPH, "figure"),
    Input(PageIds.LANG_STORE, "data"),
    Input(FilterIds.STORE, "data"),
    Input(BreakdownIds.FIELD, "value"),
)
def update_breakdown(lang, filter_data, field):
    """Bars by the chosen field; bars in the filter stay highlighted."""
    spec = FilterSpec.from_store(filter_data)
    breakdown = get_context().store.breakdown(spec, field if field in BREAKDOWN_FIELDS else "event_type")
    return build_breakdown(breakdown, lang=lang, active=getattr(spec, FILTER_FIELD[breakdown.field]))


@callback(
    Output(CountIds.EVENTS, "children"),
    Output(CountIds.FATALITIES, "children"),
    Output(CountIds.KG, "children"),
    Output(CountIds.SOURCES, "children"),
    Output(FilterIds.SUMMARY, "children"),
    Input(PageIds.LANG_STORE, "data"),
    Input(FilterIds.STORE, "data"),
)
def update_counts(lang, filter_data):
    """Headline numbers and the filters in words."""
    spec = FilterSpec.from_store(filter_data)
    context = get_context()
    totals = context.store.totals(spec)
    names = {meta.dataset_id: meta.name for meta in context.datasets}
    return (format_number(totals.events, lang), format_number(totals.fatalities, lang),
            format_number(totals.kg_seized, lang), format_number(totals.sources, lang),
            filter_summary(spec, lang, names))


@callback(
    Output(TableIds.GRID, "rowData"),
    Input(PageIds.LANG_STORE, "data"),
    Input(FilterIds.STORE, "data"),
)
def update_table(lang, filter_data):
    """Rows of the filtered events (newest first)."""
    spec = FilterSpec.from_store(filter_data)
    columns = get_context().store.rows(spec, TABLE_FIELDS)
    return table_records(columns, lang)

