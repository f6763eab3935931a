"""The page: header, filters, counts, map, timeline, breakdown, table, detail card."""

from __future__ import annotations

from collections.abc import Mapping

import dash_ag_grid as dag
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.data.charts import SHARED_PATH_CHARTS
from dashboard.data.count_rules import CountRule
from dashboard.data.facets import BREAKDOWN_FIELDS, DEFAULT_BREAKDOWN
from dashboard.data.filters import (
    TABLE_COLUMNS,
    TABLE_SORTABLE_COLUMNS,
    FilterSpec,
    MapView,
    Notice,
    TableSort,
    UrlState,
)
from dashboard.data.roles import EMBEDDED_ACCOUNT, SIGN_IN_PATH, SIGN_OUT_PATH, PageAccount, Permission
from dashboard.i18n import format_number, translate
from dashboard.ids import (
    BreakdownIds,
    CountIds,
    DetailIds,
    ExportIds,
    FilterIds,
    IndicatorIds,
    MapIds,
    PageIds,
    TableIds,
    TimelineIds,
    chart_figure_id,
    chart_graph_id,
)
from dashboard.layout.data_panel import build_data_panel, build_report_area
from dashboard.layout.detail import detail_card_for
from dashboard.layout.export_dialog import build_export_dialog
from dashboard.layout.filters import (
    build_filter_panel,
    build_indicator_control,
    build_indicator_panel,
)
from dashboard.layout.playback import build_playback_controls
from dashboard.layout.story_panel import build_story_panel
from dashboard.state.context import AppContext
from dashboard.state.interactions import next_language
from dashboard.state.views import (
    KEY_SHOWN,
    dashboard_map,
    dashboard_map_figure,
    indicator_choices,
    indicator_view,
    table_block_rows,
)

# The view the map shows now (None: the starting view), so Back and Forward can tell a URL whose
# view differs (dashboard/callbacks/map_view.py).
MAP_VIEW_SHOWN = MapIds.VIEW_SHOWN
GRAPH_CONFIG = {"displaylogo": False, "scrollZoom": True,
                "modeBarButtonsToRemove": ["toImage", "sendDataToCloud"]}
TABLE_FIELDS = TABLE_COLUMNS  # declared with the URL's ``sort``, which names one of them


def view_data(view: MapView | None) -> dict | None:
    """A map view as a store holds it (None for the starting view)."""
    return None if view is None else {"lat": view.lat, "lon": view.lon, "zoom": view.zoom}


def build_shell() -> html.Div:
    """What exists before the URL is read: location, stores and an empty body."""
    return html.Div([
        dcc.Location(id=PageIds.URL, refresh=False),
        dcc.Store(id=PageIds.LANG_STORE),
        dcc.Store(id=FilterIds.STORE),
        dcc.Store(id=PageIds.ROUTE_STORE),
        # Derived from the URL in the browser, written only when they change: the page body and
        # the detail card are rebuilt for a new page, language or event, not for every filter.
        dcc.Store(id=PageIds.PAGE_KEY),
        dcc.Store(id=DetailIds.SELECTED),
        html.Div(id=PageIds.BODY, className="page-body"),
        build_component_preload(),
    ])


def build_component_preload() -> html.Div:
    """One of each lazily loaded component the page body holds, hidden, so that their code is in
    before the body arrives. A component whose code is still loading is drawn as a placeholder
    first, and React shows the real one no sooner than 0.5 s after a placeholder appeared
    (Suspense's fallback throttle): the map's first draw waited ~0.3 s for it on every page load.
    Not the table's grid: its code loads when the table comes near the window
    (assets/table-grid-loader.js)."""
    return html.Div([dcc.Graph(figure={"data": [], "layout": {}}), dcc.Dropdown(), dcc.DatePickerRange(),
                     dcc.Upload()],
                    id=PageIds.COMPONENT_PRELOAD, hidden=True, **{"aria-hidden": "true"})


def _panel(title_key: str, lang: str, *children: object, help_key: str | None = None,
           class_name: str = "", actions: tuple = ()) -> html.Section:
    header = [html.H2(translate(title_key, lang))]
    if help_key:
        header.append(html.Span(translate(help_key, lang), className="panel-help"))
    header.extend(actions)
    return html.Section([html.Div(header, className="panel-header"), *children],
                        className=f"panel {class_name}".strip())


def _described(figure_id: str, graph: dcc.Graph) -> html.Div:
    """A chart inside a figure whose accessible label is the chart's alt text (set by a callback)."""
    return html.Div(graph, id=figure_id, role="figure", className="described-figure")


def build_account_links(account: PageAccount, lang: str) -> list:
    """Who is signed in and a way out, or in (the shared deployment only: the embedded default has
    no accounts)."""
    if not account.shared:
        return []
    if account.name is None:
        return [html.A(translate("account.sign_in", lang), href=SIGN_IN_PATH, className="button account-link")]
    who = translate("account.signed_in_as", lang, name=account.name, role=translate(f"account.role.{account.role}", lang))
    return [html.Span(who, className="account-name"),
            html.A(translate("account.sign_out", lang), href=SIGN_OUT_PATH, className="button account-link")]


def build_count_rule_control(chosen: CountRule, lang: str) -> html.Div:
    """Which of a contested event's reported figures the counts add up (the URL's ``count``)."""
    return html.Div([
        html.Label(translate("count_rule.control", lang), htmlFor=CountIds.RULE, className="count-rule-label"),
        dcc.Dropdown(id=CountIds.RULE, clearable=False, searchable=False, value=chosen.value,
                     options=[{"label": translate(f"count_rule.{rule}", lang), "value": rule.value} for rule in CountRule],
                     className="count-rule-select"),
    ], className="count-rule")


def _count(count_id: str, key: str, lang: str) -> html.Div:
    return html.Div([html.Div("–", id=count_id, className="count-value"),
                     html.Div(translate(key, lang), className="count-label")], className="count")


def table_column_defs(lang: str, sort: TableSort | None = None) -> list[dict]:
    """The table's columns; the one ``sort`` names starts sorted (a shared link's order)."""
    defs = []
    for field in TABLE_FIELDS:
        column = {"field": field, "headerName": translate(f"table.{field}", lang),
                  "sortable": field in TABLE_SORTABLE_COLUMNS, "resizable": True, "filter": False}
        if sort is not None and field == sort.column:
            column["sort"] = "desc" if sort.descending else "asc"
        if field in ("fatalities", "quantity_kg"):
            column.update(type="numericColumn", width=130,  # room for the header and its sort arrow
                          valueFormatter={"function": f"params.data ? params.data.{field}_label : ''"})
        if field == "location":
            column.update(flex=2, minWidth=220)
        if field in ("event_date", "country"):  # short values: the room goes to places and sources
            column.update(width=130 if field == "event_date" else 110)
        if field == "event_type":
            column.update(valueGetter={"function": "params.data ? params.data.event_type_label : ''"},
                          minWidth=170)
        if field == "synthetic":  # sent for the dataset label; the label says it
            column.update(hide=True)
        if field == "dataset":
            column.update(valueGetter={"function": "params.data ? params.data.dataset_label : ''"},
                          minWidth=170)
        defs.append(column)
    return defs


def grid_locale_text(lang: str) -> dict[str, str]:
    """The grid's own words (pager, empty table) in the page language."""
    return {key: translate(f"grid.{key}", lang)
            for key in ("page", "of", "to", "pageSizeSelectorLabel", "noRowsToShow", "loadingOoo")}


def build_language_switch(lang: str) -> html.Button:
    """The header button to the next language, named in that language (as its speakers look for it)."""
    target = next_language(lang)
    return html.Button(translate("language.name", target), id=PageIds.LANG_SWITCH, n_clicks=0,
                       className="button secondary", lang=target)


def build_page(context: AppContext, state: UrlState, notices: list[Notice],
               account: PageAccount = EMBEDDED_ACCOUNT,
               view_props: Mapping[tuple[str, str], object] | None = None) -> html.Div:
    """The dashboard for the URL's state; ``view_props`` ({(component id, prop): value}) are the
    views drawn for its filter, set on the body so that the page shows them as it mounts."""
    return with_props(_dashboard_body(context, state, notices, account), view_props or {})


def with_props(tree: html.Div, props: Mapping[tuple[str, str], object]) -> html.Div:
    """``tree`` with each (component id, prop) in ``props`` set; every one must name a component."""
    by_id = _components_by_id(tree, {component_id for component_id, _ in props})
    for (component_id, prop), value in props.items():
        setattr(by_id[component_id], prop, value)
    return tree


def _components_by_id(tree: Component, wanted: set[str]) -> dict[str, Component]:
    """The components of ``tree`` (along ``children``) with these ids, the walk ending once all are
    found: Dash's own walk, with each component's path, was ~1 ms of a page body's 300 components."""
    found: dict[str, Component] = {}
    stack: list[object] = [tree]
    while stack and len(found) < len(wanted):
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
        elif isinstance(node, Component):
            node_id = getattr(node, "id", None)
            if isinstance(node_id, str) and node_id in wanted:
                found[node_id] = node
            children = getattr(node, "children", None)
            if children is not None:
                stack.append(children)
    return found


def _dashboard_body(context: AppContext, state: UrlState, notices: list[Notice], account: PageAccount) -> html.Div:
    lang = state.lang
    store = context.store
    totals = store.totals(FilterSpec())
    bundled_dates = context.data.events["event_date"]  # the summary line is about the bundled facts
    extent = (bundled_dates.min(), bundled_dates.max()) if len(bundled_dates) else None
    summary = translate("app.summary", lang, events=format_number(totals.events, lang),
                        start=str(extent[0])[:4] if extent else "–", end=str(extent[1])[:4] if extent else "–",
                        sources=format_number(totals.sources, lang))
    notice = ""
    if notices:
        notice = translate("app.notice", lang, items="; ".join(f"{p}: {translate(m, lang)}" for p, m in notices))
    header = html.Header([
        html.Div([
            html.H1(translate("app.title", lang), id=PageIds.TITLE),
            html.Div([html.Div(translate("app.tagline", lang)), html.Div(summary, className="summary")],
                     id=PageIds.SUBTITLE, className="subtitle"),
        ], className="brand"),
        html.Div([
            html.Button(translate("export.button", lang), id=ExportIds.OPEN, n_clicks=0, className="button",
                        **{"aria-haspopup": "dialog"}),
            html.Button(translate("app.reset", lang), id=PageIds.RESET, n_clicks=0, className="button"),
            build_language_switch(lang),
            *build_account_links(account, lang),
        ], className="header-actions"),
    ], className="header")
    counts = html.Div([
        _count(CountIds.EVENTS, "counts.events", lang),
        _count(CountIds.FATALITIES, "counts.fatalities", lang),
        _count(CountIds.KG, "counts.kg", lang),
        _count(CountIds.SOURCES, "counts.sources", lang),
        html.Div(id=FilterIds.SUMMARY, className="filter-summary"),
        build_count_rule_control(state.count_rule, lang),
    ], className="counts")
    # The map is drawn with the page: every later change (filter, move, selection) patches it.
    shown_map = dashboard_map(context, state)
    indicator = indicator_view(context, state.indicator, state.spec, lang)
    map_figure = dashboard_map_figure(context, state, shown_map, indicator=indicator.layer)
    map_panel = _panel("map.title", lang,
                       _described(MapIds.FIGURE, dcc.Graph(id=MapIds.GRAPH, config=GRAPH_CONFIG, className="map-graph",
                                                           figure=map_figure)),
                       dcc.Store(id=MAP_VIEW_SHOWN, data=view_data(state.view)),
                       dcc.Store(id=MapIds.VIEW_REQUEST),
                       dcc.Store(id=MapIds.MOVED),
                       dcc.Store(id=FilterIds.SHOWN),
                       html.Div(shown_map.note, id=MapIds.NOTE, className="map-note", role="status"),
                       html.Div(indicator.legend, id=IndicatorIds.LEGEND, className="indicator-legend", role="status"),
                       html.Div(translate("map.hover_help", lang), id=MapIds.HOVER, className="map-hover"),
                       help_key="map.help", class_name="map-panel",
                       actions=(dcc.Checklist(id=MapIds.KEY, options=[{"label": translate("map.key.switch", lang),
                                                                        "value": KEY_SHOWN}],
                                              value=[KEY_SHOWN], inline=True, className="key-switch"),
                                html.Button(translate("map.fit", lang), id=MapIds.FIT, n_clicks=0,
                                            className="small-button")))
    timeline_panel = _panel("timeline.title", lang,
                            _described(TimelineIds.FIGURE, dcc.Graph(id=TimelineIds.GRAPH, config=GRAPH_CONFIG,
                                                                     className="timeline-graph")),
                            build_indicator_panel(indicator.chart, lang, GRAPH_CONFIG),
                            build_playback_controls(lang),
                            help_key="timeline.help", class_name="timeline-panel",
                            actions=(build_indicator_control(indicator_choices(context, lang), indicator.series_id,
                                                             lang),))
    breakdown_panel = _panel(
        "breakdown.title", lang,
        dcc.RadioItems(id=BreakdownIds.FIELD, value=DEFAULT_BREAKDOWN, inline=True, className="radio",
                       options=[{"label": translate(f"breakdown.{f}", lang), "value": f} for f in BREAKDOWN_FIELDS]),
        _described(BreakdownIds.FIGURE, dcc.Graph(id=BreakdownIds.GRAPH, config=GRAPH_CONFIG,
                                                  className="breakdown-graph")),
        help_key="breakdown.help", class_name="breakdown-panel")
    chart_panels = [_panel(f"chart.{chart.kind}.title", lang,
                           _described(chart_figure_id(chart.kind),
                                      dcc.Graph(id=chart_graph_id(chart.kind), config=GRAPH_CONFIG,
                                                className="chart-graph")),
                           help_key=f"chart.{chart.kind}.help", class_name=f"chart-panel chart-{chart.kind}-panel")
                    for chart in SHARED_PATH_CHARTS]
    detail_panel = _panel("detail.title", lang,
                          html.Div(detail_card_for(context, state.selected, lang, state.count_rule),
                                   id=DetailIds.CARD, className="detail-card"),
                          class_name="detail-panel")
    table_panel = _panel("table.title", lang, dag.AgGrid(
        # Infinite row model: the grid asks the server for one block of sorted rows at a time.
        id=TableIds.GRID, columnDefs=table_column_defs(lang, state.sort), rowModelType="infinite",
        getRowId="params.data.event_id", dashGridOptions={
            "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
            "animateRows": False, "pagination": True, "paginationPageSize": context.settings.table_page_size,
            "cacheBlockSize": table_block_rows(context.settings), "maxBlocksInCache": 20,
            "localeText": grid_locale_text(lang),
        },
        className="ag-theme-quartz table-grid", style={"height": "420px"},
    ), dcc.Store(id=TableIds.SORT_REQUEST), dcc.Store(id=TableIds.FIRST_ROWS), dcc.Store(id=TableIds.ROWS_REQUEST),
        class_name="table-panel")
    return html.Div([
        # The body's own view of the URL: every writer of the shared state writes here, and the
        # state callback listens here, so Back/Forward reach it once the controls exist.
        # "callback-nav" pushes history without a reload and tells the shell's Location too.
        dcc.Location(id=PageIds.BODY_URL, refresh="callback-nav"),
        header,
        html.Div(notice, id=PageIds.NOTICE, className="notice", hidden=not notice, role="status"),
        build_report_area(lang),
        build_export_dialog(lang),
        html.Div([
            html.Div([build_data_panel(context, state.spec.datasets, lang, can_import=account.can(Permission.IMPORT),
                                       can_delete=account.can(Permission.DELETE_DATASETS)),
                      build_filter_panel(store, state.spec, lang)], className="left"),
            html.Main([counts, map_panel, html.Div([timeline_panel], className="row"), *chart_panels], className="centre"),
            html.Aside([detail_panel, breakdown_panel, build_story_panel(context, lang, can_edit=account.can(Permission.EDIT_STORIES))], className="side"),
        ], className="grid"),
        table_panel,
        html.Footer([html.P(translate("footer.note", lang)), html.P(translate("footer.credits", lang))],
                    className="footer"),
    ], lang=lang, className=f"lang-{lang}")
