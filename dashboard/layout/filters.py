"""The filter panel: every control starts from the URL state it is built with."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from weakref import WeakKeyDictionary

from dash import dcc, html

from dashboard.data.cache import LruResultCache
from dashboard.data.facets import FACETS, Control, Facet, Match
from dashboard.data.filters import FilterSpec
from dashboard.data.schema import ActorGroup, EventType
from dashboard.data.store import EventStore
from dashboard.figures.theme import EVENT_COLOURS
from dashboard.i18n import label, translate
from dashboard.ids import FilterIds, IndicatorIds
from dashboard.state.options import OfferedOptions, keep_chosen, offer_options, sorted_by_label


def event_type_options(lang: str) -> list[dict]:
    """Type checkboxes carry the map's colour swatch, so the panel doubles as a legend."""
    return [
        {"label": html.Span([html.Span(className="swatch", style={"backgroundColor": EVENT_COLOURS[t]}),
                             label("event_type", t.value, lang)]), "value": t.value}
        for t in EventType
    ]


def _value_label(facet: Facet, lang: str) -> Callable[[str], str]:
    """How a facet's value reads: in words for a coded facet; actor names as they are."""
    if facet.label_kind is None or facet.match is Match.ACTOR:
        return str
    return lambda value: label(facet.label_kind, value, lang)


def actor_group_options(lang: str) -> list[dict]:
    """The actor groups, each marked as a group: "Shining Path" is also an actor's own name."""
    return [{"label": translate("filters.actor_group_option", lang, name=label("actor_group", g.value, lang)),
             "value": g.value} for g in ActorGroup]


def _missing_label(lang: str) -> Callable[[str], str]:
    return lambda value: translate("filters.not_in_data", lang, value=value)


def offer_facet_options(facet: Facet, store: EventStore, lang: str, datasets: tuple[str, ...] = (),
                        chosen: Sequence[str] = (), query: str | None = None) -> OfferedOptions:
    """The choices a facet's control offers over the shown datasets, keeping the chosen values.

    Event types always all (a legend); actor groups always, marked as groups, before the names the
    data holds; coded values (countries, routes) in the order of their names in ``lang``; a large
    vocabulary starts with the chosen values and is searched on the server
    (:mod:`dashboard.state.options`).
    """
    chosen = list(chosen or ())
    if facet.name == "event_types":
        return OfferedOptions(with_chosen(event_type_options(lang), chosen, lang), on_server=False)
    offered = _remembered(store, (facet.name, lang, tuple(datasets), tuple(chosen), query),
                          lambda: _offered_values(facet, store, lang, datasets, chosen, query))
    return OfferedOptions([dict(option) for option in offered.options], offered.on_server)  # the caller's own


# The options offered, per store (every import or delete makes a new one) and question: labelling,
# sorting and costing the values took ~3 ms at 100k events over two datasets (the actors' names).
OFFERED_PER_STORE = 128
_offered: WeakKeyDictionary[EventStore, LruResultCache] = WeakKeyDictionary()
_offered_lock = threading.Lock()  # around the store's cache being made


def _remembered(store: EventStore, key: tuple, compute: Callable[[], OfferedOptions]) -> OfferedOptions:
    with _offered_lock:
        answers = _offered.setdefault(store, LruResultCache(max_entries=OFFERED_PER_STORE))
    found = answers.get(key)
    if found is None:
        found = compute()
        answers.set(key, found)
    return found


def _offered_values(facet: Facet, store: EventStore, lang: str, datasets: tuple[str, ...],
                    chosen: list[str], query: str | None) -> OfferedOptions:
    fixed: list[dict] = []
    value_label = _value_label(facet, lang)
    if facet.match is Match.ACTOR:  # groups first: they cover every named actor column
        fixed = actor_group_options(lang)
    values = store.facet_options(facet.name, datasets)
    if not facet.closed and value_label is not str:  # codes: read in the order of their names
        values = sorted_by_label(values, value_label)
    return offer_options(values, chosen, value_label, _missing_label(lang),
                         query=query, fixed=fixed, searchable=facet.control_kind is Control.DROPDOWN,
                         search_labels=value_label is not str)


def options_for(facet: Facet, store: EventStore, lang: str, datasets: tuple[str, ...] = (),
                chosen: Sequence[str] = ()) -> list[dict]:
    """The options a facet's control is sent when it is drawn or the shown datasets change."""
    return offer_facet_options(facet, store, lang, datasets, chosen).options


def searched_options(facet: Facet, store: EventStore, lang: str, datasets: tuple[str, ...],
                     chosen: Sequence[str], query: str | None) -> list[dict] | None:
    """What a search typed in a facet's dropdown finds, or ``None`` when the browser searches it itself."""
    offered = offer_facet_options(facet, store, lang, datasets, chosen, query)
    return offered.options if offered.on_server else None


# Facets shown in the filter panel (datasets are chosen in the data panel, beside their list).
PANEL_FACETS = tuple(facet for facet in FACETS if facet.panel != "data")
# Facets edited with a dropdown: the ones with a search box.
DROPDOWN_FACETS = tuple(facet for facet in PANEL_FACETS if facet.control_kind is Control.DROPDOWN)


def facet_options(store: EventStore, lang: str, datasets: tuple[str, ...] = (),
                  chosen: Mapping[str, Sequence[str] | None] | None = None) -> dict[str, list[dict]]:
    """Options of every panel facet by facet name, over the shown datasets, keeping ``chosen`` values."""
    chosen = chosen or {}
    return {facet.name: options_for(facet, store, lang, datasets, chosen.get(facet.name) or ())
            for facet in PANEL_FACETS}


def date_bounds(store: EventStore) -> tuple[str | None, str | None]:
    """First and last day any event covers (the date picker's limits)."""
    extent = store.date_extent()
    return (str(extent[0]), str(extent[1])) if extent else (None, None)


def spatial_summary(spec: FilterSpec, lang: str) -> str:
    if spec.polygon is not None:
        return translate("filters.spatial_lasso", lang)
    if spec.bbox is not None:
        west, south, east, north = spec.bbox
        return f"{translate('filters.spatial_box', lang)}: {west:.2f}, {south:.2f} → {east:.2f}, {north:.2f}"
    return ""


def with_chosen(options: list[dict], chosen: Sequence[str], lang: str) -> list[dict]:
    """``options`` plus any chosen value they lack, named as absent, so a shared link keeps its filter.

    A Dash dropdown or checklist drops a value that is not among its options, which would
    silently widen the view (a link made over an imported dataset, opened where it is absent).
    Labels are capped like every option's (:func:`dashboard.state.options.keep_chosen`).
    """
    return keep_chosen(options, chosen, str, _missing_label(lang), lambda value: False)


def _facet_control(facet: Facet, options: list[dict], spec: FilterSpec, lang: str):
    value = list(getattr(spec, facet.name))
    if facet.control_kind == Control.CHECKLIST:
        return dcc.Checklist(id=facet.control, options=options, value=value, className="checklist")
    return dcc.Dropdown(id=facet.control, options=options, value=value, multi=True,
                        placeholder=translate("filters.any", lang),
                        labels={"search": translate("filters.search_values", lang),
                                "no_options_found": translate("filters.no_match", lang)})


def _section(title_key: str, lang: str, *children: object) -> html.Div:
    return html.Div([html.Label(translate(title_key, lang), className="filter-label"), *children],
                    className="filter-section")


def build_filter_panel(store: EventStore, spec: FilterSpec, lang: str) -> html.Div:
    first, last = date_bounds(store)
    options = facet_options(store, lang, spec.datasets, {facet.name: getattr(spec, facet.name) for facet in FACETS})
    sections = {panel: [_section(facet.title_key, lang, _facet_control(facet, options[facet.name], spec, lang))
                        for facet in PANEL_FACETS if facet.panel == panel] for panel in ("main", "more")}
    # The source's own categories only mean something for imported data: folded until wanted,
    # open when a link already filters by them.
    more_open = any(getattr(spec, facet.name) for facet in PANEL_FACETS if facet.panel == "more")
    return html.Div(
        id=FilterIds.PANEL,
        className="filter-panel",
        children=[
            html.H2(translate("filters.title", lang)),
            _section("filters.text", lang, dcc.Input(
                id=FilterIds.TEXT, type="search", value=spec.text, debounce=0.4,
                placeholder="Apurímac, Callao, DIRANDRO…", className="text-input")),
            _section("filters.dates", lang, dcc.DatePickerRange(
                id=FilterIds.DATE_RANGE, min_date_allowed=first, max_date_allowed=last,
                start_date=spec.date_from.isoformat() if spec.date_from else None,
                end_date=spec.date_to.isoformat() if spec.date_to else None,
                display_format="YYYY-MM-DD", clearable=True, initial_visible_month=first,
                start_date_placeholder_text=first, end_date_placeholder_text=last)),
            *sections["main"],
            _section("filters.kg", lang, html.Div([
                dcc.Input(id=FilterIds.KG_MIN, type="number", min=0, value=spec.kg_min, debounce=True,
                          placeholder=translate("filters.kg_min", lang), className="kg-input"),
                html.Span("–"),
                dcc.Input(id=FilterIds.KG_MAX, type="number", min=0, value=spec.kg_max, debounce=True,
                          placeholder=translate("filters.kg_max", lang), className="kg-input"),
            ], className="kg-row"), html.Div(id=FilterIds.KG_NOTICE, role="status", className="kg-notice")),
            html.Details([html.Summary(translate("filters.more", lang)), *sections["more"]],
                         id=FilterIds.MORE, open=more_open, className="filter-more"),
            html.Div([
                html.Span(spatial_summary(spec, lang), id=FilterIds.SPATIAL),
                html.Button(translate("filters.clear_spatial", lang), id=FilterIds.CLEAR_SPATIAL,
                            className="link-button", n_clicks=0,
                            hidden=spec.bbox is None and spec.polygon is None),
            ], className="spatial-row"),
        ],
    )


def build_indicator_control(series: Sequence[tuple[str, str]], chosen: str, lang: str) -> html.Div:
    """The "Indicator" dropdown: none by default, one option per series as ``(id, title)``."""
    return html.Div([
        html.Label(translate("indicator.control", lang), htmlFor=IndicatorIds.SELECT, className="indicator-label"),
        dcc.Dropdown(id=IndicatorIds.SELECT, options=[{"label": title, "value": series_id} for series_id, title in series],
                     value=chosen or None, clearable=True, searchable=False,
                     placeholder=translate("indicator.none", lang), className="indicator-select",
                     style={"minWidth": "16rem"}),
    ], className="indicator-control", title=translate("indicator.help", lang),
        # one line in the panel's header, beside its title (no stylesheet rule of its own yet)
        style={"display": "flex", "alignItems": "center", "gap": "0.5rem", "marginLeft": "auto"})


def build_indicator_panel(figure: object | None, lang: str, graph_config: Mapping) -> html.Div:
    """The chart's place under the timeline: hidden until a series is chosen."""
    return html.Div(
        html.Div(dcc.Graph(id=IndicatorIds.GRAPH, figure=figure if figure is not None else {}, config=dict(graph_config),
                           className="indicator-graph"),
                 id=IndicatorIds.FIGURE, role="figure", className="described-figure"),
        id=IndicatorIds.PANEL, hidden=figure is None, className="indicator-panel")
