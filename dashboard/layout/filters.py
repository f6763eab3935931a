"""The filter panel: every control starts from the URL state it is built with."""

from __future__ import annotations

from dash import dcc, html

from dashboard.data.facets import FACETS, Control, Facet, Match
from dashboard.data.filters import FilterSpec
from dashboard.data.schema import ActorGroup, EventType
from dashboard.data.store import EventStore
from dashboard.figures.theme import EVENT_COLOURS
from dashboard.i18n import label, translate
from dashboard.ids import FilterIds


def _options(kind: str | None, values: list[str], lang: str) -> list[dict]:
    return [{"label": label(kind, v, lang) if kind else v, "value": v} for v in values]


def event_type_options(lang: str) -> list[dict]:
    """Type checkboxes carry the map's colour swatch, so the panel doubles as a legend."""
    return [
        {"label": html.Span([html.Span(className="swatch", style={"backgroundColor": EVENT_COLOURS[t]}),
                             label("event_type", t.value, lang)]), "value": t.value}
        for t in EventType
    ]


def actor_options(store: EventStore, lang: str) -> list[dict]:
    """Actor groups first (they cover every named column), then each named actor."""
    groups = [g.value for g in ActorGroup]
    return _options("actor_group", groups, lang) + [
        {"label": name, "value": name} for name in store.facet_options("actors")
    ]


def options_for(facet: Facet, store: EventStore, lang: str) -> list[dict]:
    """The choices a facet's control offers: event types always all (a legend), others as the data holds."""
    if facet.name == "event_types":
        return event_type_options(lang)
    if facet.match == Match.ACTOR:
        return actor_options(store, lang)
    return _options(facet.label_kind, store.facet_options(facet.name), lang)


# Facets shown in the filter panel (datasets are chosen in the data panel, beside their list).
PANEL_FACETS = tuple(facet for facet in FACETS if facet.panel != "data")


def facet_options(store: EventStore, lang: str) -> dict[str, list[dict]]:
    """Options of every panel facet by facet name (they change when datasets do)."""
    return {facet.name: options_for(facet, store, lang) for facet in PANEL_FACETS}


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


def with_chosen(options: list[dict], chosen: tuple[str, ...], lang: str) -> list[dict]:
    """``options`` plus any chosen value the data does not hold, so a shared link keeps its filter.

    A Dash dropdown or checklist drops a value that is not among its options, which would
    silently widen the view (a link made over an imported dataset, opened where it is absent).
    """
    offered = {option["value"] for option in options}
    missing = [value for value in chosen if value not in offered]
    return options + [{"label": translate("filters.not_in_data", lang, value=value), "value": value}
                      for value in missing]


def _facet_control(facet: Facet, options: list[dict], spec: FilterSpec, lang: str):
    options = with_chosen(options, getattr(spec, facet.name), lang)
    if facet.control_kind == Control.CHECKLIST:
        return dcc.Checklist(id=facet.control, options=options, value=list(getattr(spec, facet.name)),
                             className="checklist")
    return dcc.Dropdown(id=facet.control, options=options, value=list(getattr(spec, facet.name)), multi=True,
                        placeholder=translate("filters.any", lang))


def _section(title_key: str, lang: str, *children: object) -> html.Div:
    return html.Div([html.Label(translate(title_key, lang), className="filter-label"), *children],
                    className="filter-section")


def build_filter_panel(store: EventStore, spec: FilterSpec, lang: str) -> html.Div:
    first, last = date_bounds(store)
    options = facet_options(store, lang)
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
            ], className="kg-row")),
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
