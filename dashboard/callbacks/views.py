"""Views that follow the shared filter: map, timeline, breakdown, counts, table."""

from __future__ import annotations

import json

from dash import Input, Output, Patch, State, callback, clientside_callback, html, no_update

from dashboard.callbacks.exports import update_chart_labels
from dashboard.callbacks.playback import update_playback_status
from dashboard.callbacks.stories import update_slide_title
from dashboard.data.charts import SHARED_PATH_CHARTS, ChartKind
from dashboard.data.concurrency import at_once
from dashboard.data.count_rules import DEFAULT_COUNT_RULE, CountRule, parse_count_rule
from dashboard.data.facets import BREAKDOWN_FACETS, DEFAULT_BREAKDOWN, breakdown_or_default
from dashboard.data.filters import TABLE_SORTABLE_COLUMNS, FilterSpec, build_search, parse_url_state
from dashboard.data.reported_figures import adjust_totals
from dashboard.figures.breakdown import breakdown_figure
from dashboard.figures.charts import CHART_BUILDERS
from dashboard.figures.event_map import LayerSlot, apply_map_update, selection_layer
from dashboard.figures.timeline import timeline_figure
from dashboard.figures.unchecked import for_browser
from dashboard.i18n import format_number, translate, translate_count
from dashboard.ids import (
    BreakdownIds,
    CountIds,
    FilterIds,
    IndicatorIds,
    MapIds,
    PageIds,
    PlaybackIds,
    StoryIds,
    TableIds,
    TimelineIds,
    chart_figure_id,
    chart_graph_id,
)
from dashboard.layout.page import TABLE_FIELDS
from dashboard.state.context import get_context
from dashboard.state.interactions import with_indicator
from dashboard.state.playback import PlaybackState, playback_timeline
from dashboard.state.views import (
    DEFAULT_TABLE_SORT,
    KEY_SHOWN,
    NARROW_SCREEN_PX,
    dashboard_map,
    dashboard_map_update,
    event_lines,
    event_row_at,
    first_point,
    first_table_rows,
    indicator_catalog_of,
    indicator_map_slot,
    indicator_view,
    key_shown,
    map_layer,
    map_note,
    sort_for_url,
    table_block_rows,
    table_page,
    table_sort_of,
    viewport_from_relayout,
)
from dashboard.words.summary import count_rule_note, filter_summary


def update_map(filter_data, key_switch, search, lang):
    """The map's new event trace, key and selection outline, as a Patch, and the line under it.

    The page draws the map with its body (in the page's language): a filter change or the key
    switch only patches it. ``search`` is the body's URL: the state callback writes it with the
    filter, so its view goes with that filter (after a reset, the starting view).
    """
    context = get_context()
    spec = FilterSpec.from_store(filter_data)
    state = parse_url_state(search)[0]
    shown = dashboard_map(context, state, spec)
    patch = patch_layer(Patch(), context, shown.layer, lang, key_switch)
    patch["layout"]["map"]["layers"][LayerSlot.SELECTION] = selection_layer(shown.selection)  # stays drawn
    return patch, shown.note


def update_indicator(patch: Patch, filter_data, chosen: str, lang) -> tuple[Patch, dict]:
    """The chosen series' layer written into the map's patch, and its chart, box and legend."""
    context = get_context()
    shown = indicator_view(context, chosen, FilterSpec.from_store(filter_data), lang)
    patch["layout"]["map"]["layers"][indicator_map_slot(context, lang)] = shown.layer
    return patch, dict(figure=shown.chart if shown.chart is not None else {}, hidden=shown.chart is None,
                       legend=shown.legend, label=shown.alt)


INDICATOR_OUTPUTS = dict(figure=Output(IndicatorIds.GRAPH, "figure"), hidden=Output(IndicatorIds.PANEL, "hidden"),
                         legend=Output(IndicatorIds.LEGEND, "children"),
                         label=Output(IndicatorIds.FIGURE, "aria-label"))


@callback(
    output=dict(map=Output(MapIds.GRAPH, "figure", allow_duplicate=True),
                indicator={name: Output(item.component_id, item.component_property, allow_duplicate=True)
                           for name, item in INDICATOR_OUTPUTS.items()},
                search=Output(PageIds.BODY_URL, "search", allow_duplicate=True)),
    inputs=dict(chosen=Input(IndicatorIds.SELECT, "value")),
    state=dict(filter_data=State(FilterIds.STORE, "data"), search=State(PageIds.BODY_URL, "search"),
               lang=State(PageIds.LANG_STORE, "data")),
    prevent_initial_call=True,
)
def on_indicator_chosen(chosen, filter_data, search, lang):
    """Another series (or none): its map layer (a patch), its chart, and the URL's ``ind``."""
    state = parse_url_state(search)[0]
    new_state = with_indicator(state, chosen, [info.series_id for info in indicator_catalog_of(get_context()).series()])
    patch, indicator = update_indicator(Patch(), filter_data, new_state.indicator, lang)
    new_search = build_search(new_state)
    return dict(map=patch, indicator=indicator, search=no_update if new_search == (search or "") else new_search)


# Back and Forward change the URL's ``ind`` without the control: the control takes the URL's
# series (in the browser, so a filter change costs no request here); its change then redraws.
clientside_callback(
    """function (search, current) {
        const wanted = new URLSearchParams(search || "").get("ind") || null;
        return wanted === (current || null) ? window.dash_clientside.no_update : wanted;
    }""",
    Output(IndicatorIds.SELECT, "value"),
    Input(PageIds.BODY_URL, "search"),
    State(IndicatorIds.SELECT, "value"),
    prevent_initial_call=True,
)


@callback(
    Output(MapIds.GRAPH, "figure", allow_duplicate=True),
    Output(MapIds.NOTE, "children", allow_duplicate=True),
    Input(MapIds.KEY, "value"),
    State(FilterIds.STORE, "data"),
    State(PageIds.BODY_URL, "search"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_key_switch(key_switch, filter_data, search, lang):
    """The key switch folds or opens the key (the map gets its margin back)."""
    return update_map(filter_data, key_switch, search, lang)


# On a phone the key would take half the map's width: it starts folded there (the switch opens it).
clientside_callback(
    f"""function (_id) {{
        return window.innerWidth <= {NARROW_SCREEN_PX} ? [] : window.dash_clientside.no_update;
    }}""",
    Output(MapIds.KEY, "value"),
    Input(MapIds.KEY, "id"),
)


# Only a relayout that moves the view (a pan, a zoom: Plotly reports centre and zoom) goes on to
# the server, through MapIds.MOVED. A new graph's first relayout (autosize, after its first draw)
# and a selection's drawn shape are relayouts too: each cost two POSTs that answered nothing, and
# the page load's came last, after the map had loaded.
clientside_callback(
    """function (relayout) {
        const moved = !!relayout && typeof relayout === "object"
            && (relayout["map.center"] !== undefined || relayout["map.zoom"] !== undefined);
        return moved ? relayout : window.dash_clientside.no_update;
    }""",
    Output(MapIds.MOVED, "data"),
    Input(MapIds.GRAPH, "relayoutData"),
    prevent_initial_call=True,
)


# A callback of its own, not an input of update_map: Dash drops a callback's pending result when
# the same callback is called again, and a move reported while the figure is still on the way
# (after a language switch) left the map blank.
@callback(
    Output(MapIds.GRAPH, "figure", allow_duplicate=True),
    Output(MapIds.NOTE, "children", allow_duplicate=True),
    Input(MapIds.MOVED, "data"),
    State(FilterIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    State(MapIds.KEY, "value"),
    prevent_initial_call=True,
)
def on_map_moved(relayout, filter_data, lang, key_switch):
    """After a pan or zoom, re-query the visible box and patch only the event trace."""
    viewport = viewport_from_relayout(relayout)
    if viewport is None:
        return no_update, no_update  # a selection, style change or the first autosize: not a move
    context = get_context()
    spec = FilterSpec.from_store(filter_data)
    layer = map_layer(context.store, spec, viewport, context.settings.max_map_points)
    if layer.mode == "all":
        return no_update, no_update  # every matching point is already drawn
    return patch_layer(Patch(), context, layer, lang, key_switch), \
        map_note(layer, lang, context.store.totals(spec).synthetic)


def patch_layer(patch: Patch, context, layer, lang: str, key_switch) -> Patch:
    """Replace the map's event trace and its key with ``layer`` (the rest stays)."""
    return apply_map_update(patch, dashboard_map_update(context, layer, lang, show_key=key_shown(key_switch)))


@callback(
    Output(MapIds.HOVER, "children"),
    Input(MapIds.GRAPH, "hoverData"),
    State(FilterIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def update_hover(hover_data, filter_data, lang):
    """Details of the hovered point, fetched by its coordinates (points carry no text)."""
    context = get_context()
    point, curve = first_point(hover_data)
    row = event_row_at(context.store, FilterSpec.from_store(filter_data), point, curve)
    event_id = context.store.event_id_at(row) if row is not None else None
    lines = event_lines(context.store.event(event_id) if event_id else None, lang)
    if not lines:
        return translate("map.hover_help", lang)
    return [html.B(lines[0]), *[item for line in lines[1:] for item in (" · ", line)]]


def update_timeline(lang, filter_data, playback_data):
    """Stacked counts over time for the shared filter; during playback, over the whole range played."""
    spec = FilterSpec.from_store(filter_data)
    brushed = (spec.date_from.isoformat(), spec.date_to.isoformat()) \
        if spec.date_from and spec.date_to else None
    axis = playback_timeline(PlaybackState.from_store(playback_data), spec)
    return for_browser(timeline_figure(get_context().store.histogram(spec, unit=axis.unit), lang=lang,
                                       date_range=brushed, axis_range=axis.axis_range))


def update_shared_charts(lang, filter_data):
    """Every chart of the shared path for the filter."""
    spec, store = FilterSpec.from_store(filter_data), get_context().store
    return {chart.kind: for_browser(CHART_BUILDERS[chart.kind].screen(store, spec, lang=lang))
            for chart in SHARED_PATH_CHARTS}


def update_breakdown(lang, filter_data, field):
    """Bars by the chosen field; bars in the filter stay highlighted."""
    spec = FilterSpec.from_store(filter_data)
    breakdown = get_context().store.breakdown(spec, breakdown_or_default(field))
    return for_browser(breakdown_figure(breakdown, lang=lang,
                                        active=getattr(spec, BREAKDOWN_FACETS[breakdown.field].name)))


def update_counts(lang, filter_data, count_rule: CountRule = DEFAULT_COUNT_RULE):
    """Headline numbers and the filters in words; contested deaths and kg counted by ``count_rule``,
    which the count line names when the filter holds a contested event or the rule is not the default."""
    spec = FilterSpec.from_store(filter_data)
    context = get_context()
    totals = context.store.totals(spec)
    counted = adjust_totals(context.store, spec, totals.fatalities, totals.kg_seized, context.data.reported,
                            count_rule)
    summary = filter_summary(spec, lang, context.dataset_names())
    if totals.synthetic:
        summary = f"{summary} · {translate_count('map.synthetic_note', totals.synthetic, lang)}"
    if counted.contested_events or count_rule is not DEFAULT_COUNT_RULE:
        summary = f"{summary} · {count_rule_note(count_rule, counted.contested_events, lang)}"
    return (format_number(totals.events, lang), format_number(counted.fatalities, lang),
            format_number(counted.kg_seized, lang), format_number(totals.sources, lang), summary)


# The figure around each chart, by kind, whose aria-label is the chart's alt text.
CHART_FIGURE_IDS = {ChartKind.MAP: MapIds.FIGURE, ChartKind.TIMELINE: TimelineIds.FIGURE,
                    ChartKind.BREAKDOWN: BreakdownIds.FIGURE,
                    **{ChartKind(chart.kind): chart_figure_id(chart.kind) for chart in SHARED_PATH_CHARTS}}
COUNT_OUTPUTS = dict(events=Output(CountIds.EVENTS, "children"), fatalities=Output(CountIds.FATALITIES, "children"),
                     kg=Output(CountIds.KG, "children"), sources=Output(CountIds.SOURCES, "children"),
                     summary=Output(FilterIds.SUMMARY, "children"))
# Everything that follows the shared filter, by name: written with the filter itself, one round trip
# per filter change (issue 16; update_filter_state).
VIEW_OUTPUTS = dict(
    map=Output(MapIds.GRAPH, "figure"), map_note=Output(MapIds.NOTE, "children"),
    timeline=Output(TimelineIds.GRAPH, "figure"), breakdown=Output(BreakdownIds.GRAPH, "figure"),
    charts={chart.kind: Output(chart_graph_id(chart.kind), "figure") for chart in SHARED_PATH_CHARTS},
    counts=COUNT_OUTPUTS,
    labels={kind: Output(figure_id, "aria-label") for kind, figure_id in CHART_FIGURE_IDS.items()},
    playback_label=Output(PlaybackIds.LABEL, "children", allow_duplicate=True),
    slide_title=Output(StoryIds.SLIDE_TITLE, "value"), slide_default=Output(StoryIds.DEFAULT_TITLE, "data"),
    indicator=INDICATOR_OUTPUTS,
    first_rows=Output(TableIds.FIRST_ROWS, "data"),
    shown=Output(FilterIds.SHOWN, "data"),  # last: the filter every view above now shows
)


def views_for_filter(filter_data, shown, lang, search, key_switch, breakdown_field, playback_data, slide_title,
                     slide_default) -> dict:
    """Every view of the shared filter by VIEW_OUTPUTS' names (see :func:`draw_views`), answered
    with the filter's own change (:func:`dashboard.callbacks.state.update_filter_state`): one round
    trip per filter change, where the views were a second callback that waited for the filter's.

    ``shown`` is the filter the views show now. A page body comes with its views drawn for the
    URL's filter (:func:`initial_view_props`): when the filter is the one they show, as on a page
    load or a language switch, nothing is sent and nothing is drawn again.
    """
    if shown is not None and shown == filter_data:
        return unchanged_outputs(VIEW_OUTPUTS)
    return draw_views(filter_data, lang, search, key_switch, breakdown_field, playback_data, slide_title,
                      slide_default)


def unchanged_outputs(outputs) -> dict | object:
    """``no_update`` for every output of a (nested) named answer."""
    if isinstance(outputs, dict):
        return {name: unchanged_outputs(item) for name, item in outputs.items()}
    return no_update


def draw_views(filter_data, lang, search, key_switch, breakdown_field, playback_data, slide_title, slide_default,
               *, with_map: bool = True):
    """Every view of the shared filter, by VIEW_OUTPUTS' names: map (a patch), timeline, breakdown,
    charts, counts, the charts' accessible labels, the playback status line, the new slide's title,
    the chosen indicator's chart and map layer (the URL's ``ind``: its year follows the date range)
    and the table's first block (in the URL's order).
    Without ``with_map`` the map and its note are left as they are (no_update): a page body draws
    those itself.

    The store caches each aggregate by filter, so the labels reuse what the views computed. A store
    whose answers wait on a database draws the map beside the rest (its statements on another core).
    """
    url_state = parse_url_state(search)[0]
    context = get_context()

    def draw_map():
        return update_map(filter_data, key_switch, search, lang) if with_map else (no_update, no_update)

    def draw_rest():
        return dict(
            timeline=update_timeline(lang, filter_data, playback_data),
            breakdown=update_breakdown(lang, filter_data, breakdown_field),
            charts=update_shared_charts(lang, filter_data), counts=dict(zip(COUNT_OUTPUTS, update_counts(
                lang, filter_data, url_state.count_rule))),
            labels=update_chart_labels(lang, filter_data, breakdown_field),
            playback_label=update_playback_status(filter_data, playback_data, lang),
            first_rows=first_table_rows(context.store, FilterSpec.from_store(filter_data), url_state.sort,
                                        TABLE_FIELDS, lang, context.dataset_names(),
                                        table_block_rows(context.settings)))

    if with_map and context.store.reads_wait_on_server:  # the rest here: its own parts may run at once too
        views, (map_patch, map_note) = at_once(draw_rest, draw_map)
    else:
        (map_patch, map_note), views = draw_map(), draw_rest()
    if url_state.indicator:  # its layer goes into the map's patch (without the map, one not sent)
        _, indicator = update_indicator(map_patch if with_map else Patch(), filter_data, url_state.indicator, lang)
    else:  # none chosen: the panel stays hidden and empty as drawn (a redraw costs the browser ~50 ms)
        indicator = {name: no_update for name in INDICATOR_OUTPUTS}
    slide_title, slide_default = update_slide_title(filter_data, slide_title, slide_default, lang)
    return dict(map=map_patch, map_note=map_note, **views, slide_title=slide_title, slide_default=slide_default,
                indicator=indicator, shown=filter_data)


def initial_view_props(search: str, lang: str) -> dict[tuple[str, str], object]:
    """What :func:`draw_views` writes for the URL's filter on a new page body, as {(component id,
    prop): value}, for the body to be built with (its controls at their starting values: the key
    shown, the default breakdown, no playback, no slide title typed). The map and its note are left
    out: the body draws those itself."""
    filter_data = parse_url_state(search)[0].spec.to_store()
    views = draw_views(filter_data, lang, search, [KEY_SHOWN], DEFAULT_BREAKDOWN, None, None, None, with_map=False)
    return {key: value for key, value in output_values(VIEW_OUTPUTS, views).items() if value is not no_update}


def output_values(outputs, values) -> dict[tuple[str, str], object]:
    """A callback's named answer as {(component id, prop): value}, following its named outputs."""
    if isinstance(outputs, dict):
        return {key: value for name, item in outputs.items() for key, value in output_values(item, values[name]).items()}
    return {(outputs.component_id, outputs.component_property): values}


@callback(
    output=dict(counts={name: Output(item.component_id, item.component_property, allow_duplicate=True)
                        for name, item in COUNT_OUTPUTS.items()},
                search=Output(PageIds.BODY_URL, "search", allow_duplicate=True)),
    inputs=dict(chosen=Input(CountIds.RULE, "value")),
    state=dict(filter_data=State(FilterIds.STORE, "data"), search=State(PageIds.BODY_URL, "search"),
               lang=State(PageIds.LANG_STORE, "data")),
    prevent_initial_call=True,
)
def on_count_rule_chosen(chosen, filter_data, search, lang):
    """Another count rule: the counts and the count line, and the URL's ``count``."""
    new_state = parse_url_state(search)[0].with_changes(count_rule=parse_count_rule(chosen))
    new_search = build_search(new_state)
    counts = update_counts(lang, filter_data, new_state.count_rule)
    return dict(counts=dict(zip(COUNT_OUTPUTS, counts)),
                search=no_update if new_search == (search or "") else new_search)


# Back and Forward change the URL's ``count`` without the control: the control takes the URL's rule.
clientside_callback(
    """function (search, current) {
        const wanted = new URLSearchParams(search || "").get("count") || """ + json.dumps(DEFAULT_COUNT_RULE.value) + """;
        return wanted === current ? window.dash_clientside.no_update : wanted;
    }""",
    Output(CountIds.RULE, "value"),
    Input(PageIds.BODY_URL, "search"),
    State(CountIds.RULE, "value"),
    prevent_initial_call=True,
)


@callback(
    output=dict(breakdown=Output(BreakdownIds.GRAPH, "figure", allow_duplicate=True),
                label=Output(BreakdownIds.FIGURE, "aria-label", allow_duplicate=True)),
    inputs=dict(field=Input(BreakdownIds.FIELD, "value")),
    state=dict(filter_data=State(FilterIds.STORE, "data"), lang=State(PageIds.LANG_STORE, "data")),
    prevent_initial_call=True,
)
def on_breakdown_field(field, filter_data, lang):
    """Another breakdown field: its bars and their accessible label."""
    return dict(breakdown=update_breakdown(lang, filter_data, field),
                label=update_chart_labels(lang, filter_data, field)[ChartKind.BREAKDOWN])


# The grid's order in a block request, as table_sort_key writes it: the first sortable column of
# its sort model, '' for none or the default order.
REQUEST_SORT_KEY_JS = """(request) => {
    const sortable = SORTABLE, model = request && Array.isArray(request.sortModel) ? request.sortModel : [];
    const first = model.find(s => s && sortable.includes(s.colId));
    const key = first ? first.colId + ":" + (first.sort === "desc" ? "desc" : "asc") : "";
    return key === DEFAULT_SORT ? "" : key;
}""".replace("SORTABLE", json.dumps(list(TABLE_SORTABLE_COLUMNS))).replace(
    "DEFAULT_SORT", json.dumps(DEFAULT_TABLE_SORT.param))

# A block request the views' first rows answer (the first block, in their order) is answered here,
# in the browser; any other goes on to the server (update_table). Either way the grid's rows are then
# for the filter written (the first rows, SHOWN and STORE are one callback's outputs), or before the
# first write for the body's filter: noted, so a new filter empties the grid only when it differs.
clientside_callback(
    """function (request, first, filterData, shownFilter) {
        const none = window.dash_clientside.no_update;
        if (!request) return [none, none];
        window.__rutasGridRowsFilter = JSON.stringify(filterData != null ? filterData : shownFilter);
        const filtered = request.filterModel && Object.keys(request.filterModel).length > 0;
        const answered = !!first && request.startRow === 0 && request.endRow === first.endRow && !filtered
            && (REQUEST_SORT_KEY)(request) === first.sort;
        return answered ? [{rowData: first.rowData, rowCount: first.rowCount}, none] : [none, request];
    }""".replace("REQUEST_SORT_KEY", REQUEST_SORT_KEY_JS),
    Output(TableIds.GRID, "getRowsResponse", allow_duplicate=True),
    Output(TableIds.ROWS_REQUEST, "data"),
    Input(TableIds.GRID, "getRowsRequest"),
    State(TableIds.FIRST_ROWS, "data"),
    State(FilterIds.STORE, "data"),
    State(FilterIds.SHOWN, "data"),
    prevent_initial_call=True,
)


@callback(
    Output(TableIds.GRID, "getRowsResponse"),
    Input(TableIds.ROWS_REQUEST, "data"),
    State(FilterIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    State(PageIds.BODY_URL, "search"),
    prevent_initial_call=True,
)
def update_table(request, filter_data, lang, search=None):
    """One block of rows for the grid (infinite row model): the table never holds all rows.

    A grid made before the filter was first written asks with the URL's filter: its rows are then
    right at once, and the grid is not emptied when that same filter arrives."""
    context = get_context()
    names = context.dataset_names()
    spec = FilterSpec.from_store(filter_data) if filter_data is not None else parse_url_state(search)[0].spec
    return table_page(context.store, spec, request, TABLE_FIELDS, lang, names)


# Every block request carries the grid's order: the browser compares it with the URL's ``sort``
# and asks the server to write the URL only when they differ (not once per block).
clientside_callback(
    """function (request, search) {
        const model = request && Array.isArray(request.sortModel) ? request.sortModel : [];
        const wanted = (REQUEST_SORT_KEY)(request), sortable = SORTABLE;
        const match = /^([^:]*):(asc|desc)$/.exec((new URLSearchParams(search || "").get("sort") || "").trim());
        const current = match && sortable.includes(match[1]) ? match[1] + ":" + match[2] : "";
        return wanted === current ? window.dash_clientside.no_update : {sortModel: model};
    }""".replace("REQUEST_SORT_KEY", REQUEST_SORT_KEY_JS).replace("SORTABLE", json.dumps(list(TABLE_SORTABLE_COLUMNS))),
    Output(TableIds.SORT_REQUEST, "data"),
    Input(TableIds.GRID, "getRowsRequest"),
    State(PageIds.BODY_URL, "search"),
    prevent_initial_call=True,
)


@callback(
    output=dict(search=Output(PageIds.BODY_URL, "search", allow_duplicate=True)),
    inputs=dict(request=Input(TableIds.SORT_REQUEST, "data")),
    state=dict(search=State(PageIds.BODY_URL, "search")),
    prevent_initial_call=True,
)
def on_table_sorted(request, search):
    """Put the table's order in the URL (``sort``), so a shared link reopens the table sorted."""
    state = parse_url_state(search)[0]
    sort = sort_for_url(table_sort_of(request))
    if sort == state.sort:
        return dict(search=no_update)
    return dict(search=build_search(state.with_changes(sort=sort)))


# Back and Forward (or a story's slide) change the URL's sort without a header click: the grid takes
# the URL's order (a sortable column and asc/desc, else none); a grid already in that order is left
# alone, so the rows it then asks for match the URL and on_table_sorted writes nothing. A grid whose
# code is not in yet (assets/table-grid-loader.js) gets it in its column definitions, drawn later.
clientside_callback(
    """async function (search, columnDefs) {
        const none = window.dash_clientside.no_update;
        const sortable = SORTABLE, given = new URLSearchParams(search || "").get("sort") || "";
        const match = /^([^:]*):(asc|desc)$/.exec(given.trim());
        const wanted = match && sortable.includes(match[1]) ? [match[1], match[2]] : null;
        const same = (current) => JSON.stringify(wanted) === JSON.stringify(current || null);
        if (!window.rutasTableGrid.loaded()) {
            const defs = columnDefs || [];
            if (same(defs.filter(c => c.sort).map(c => [c.field, c.sort])[0])) return [none, none];
            return [none, defs.map(c => Object.assign({}, c, {sort: wanted && c.field === wanted[0] ? wanted[1] : null}))];
        }
        const api = await dash_ag_grid.getApiAsync("GRID_ID");
        if (!same(api.getColumnState().filter(c => c.sort).map(c => [c.colId, c.sort])[0])) {
            api.applyColumnState({state: wanted ? [{colId: wanted[0], sort: wanted[1]}] : [],
                                  defaultState: {sort: null}});
        }
        return [none, none];
    }""".replace("GRID_ID", TableIds.GRID).replace("SORTABLE", json.dumps(list(TABLE_SORTABLE_COLUMNS))),
    Output(TableIds.GRID, "getRowsResponse", allow_duplicate=True),
    Output(TableIds.GRID, "columnDefs", allow_duplicate=True),
    Input(PageIds.BODY_URL, "search"),
    State(TableIds.GRID, "columnDefs"),
    prevent_initial_call=True,
)


# A new filter empties the grid's block cache, so it asks for its rows again; not when the grid's
# rows are already for that filter, nor before the grid has asked for any (its code loads when the
# table comes near the window, assets/table-grid-loader.js: its first request gets the rows then).
clientside_callback(
    """async function (filterData) {
        const wanted = JSON.stringify(filterData), rowsFor = window.__rutasGridRowsFilter;
        if (!window.rutasTableGrid.loaded() || rowsFor === undefined || rowsFor === wanted) {
            return window.dash_clientside.no_update;
        }
        window.__rutasGridRowsFilter = wanted;
        const api = await dash_ag_grid.getApiAsync("GRID_ID");
        api.purgeInfiniteCache();
        return window.dash_clientside.no_update;
    }""".replace("GRID_ID", TableIds.GRID),
    Output(TableIds.GRID, "getRowsResponse", allow_duplicate=True),
    Input(FilterIds.STORE, "data"),
    prevent_initial_call=True,
)

