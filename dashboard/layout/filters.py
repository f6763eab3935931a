"""The filter panel: every control starts from the URL state it is built with."""

from __future__ import annotations

from dash import dcc, html

from dashboard.data.filters import FilterSpec
from dashboard.data.schema import ActorGroup, EventType
from dashboard.data.store import EventStore
from dashboard.figures.theme import EVENT_COLOURS
from dashboard.i18n import label, translate
from dashboard.ids import FilterIds


def _options(kind: str, values: list[str], lang: str) -> list[dict]:
    return [{"label": label(kind, v, lang), "value": v} for v in values]


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
        {"label": name, "value": name} for name in store.distinct("actors")
    ]


def facet_options(store: EventStore, lang: str) -> tuple[list[dict], list[dict], list[dict]]:
    """Options of the actor, country and region dropdowns (they change when datasets do)."""
    return (actor_options(store, lang), _options("country", store.distinct("country"), lang),
            [{"label": r, "value": r} for r in store.distinct("admin1")])


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


def build_filter_panel(store: EventStore, spec: FilterSpec, lang: str) -> html.Div:
    first, last = date_bounds(store)
    actors, countries, regions = facet_options(store, lang)

    def section(title_key: str, *children: object) -> html.Div:
        return html.Div([html.Label(translate(title_key, lang), className="filter-label"), *children],
                        className="filter-section")

    return html.Div(
        id=FilterIds.PANEL,
        className="filter-panel",
        children=[
            html.H2(translate("filters.title", lang)),
            section("filters.text", dcc.Input(
                id=FilterIds.TEXT, type="search", value=spec.text, debounce=0.4,
                placeholder="Apurímac, Callao, DIRANDRO…", className="text-input")),
            section("filters.dates", dcc.DatePickerRange(
                id=FilterIds.DATE_RANGE, min_date_allowed=first, max_date_allowed=last,
                start_date=spec.date_from.isoformat() if spec.date_from else None,
                end_date=spec.date_to.isoformat() if spec.date_to else None,
                display_format="YYYY-MM-DD", clearable=True, initial_visible_month=first,
                start_date_placeholder_text=first, end_date_placeholder_text=last)),
            section("filters.types", dcc.Checklist(
                id=FilterIds.TYPES, options=event_type_options(lang),
                value=list(spec.event_types), className="checklist")),
            section("filters.actors", dcc.Dropdown(
                id=FilterIds.ACTORS, options=actors, value=list(spec.actors),
                multi=True, placeholder=translate("filters.any", lang))),
            section("filters.countries", dcc.Dropdown(
                id=FilterIds.COUNTRIES, options=countries,
                value=list(spec.countries), multi=True, placeholder=translate("filters.any", lang))),
            section("filters.regions", dcc.Dropdown(
                id=FilterIds.REGIONS, options=regions,
                value=list(spec.regions), multi=True, placeholder=translate("filters.any", lang))),
            section("filters.routes", dcc.Dropdown(
                id=FilterIds.ROUTES, options=_options("route", store.distinct("route_id"), lang),
                value=list(spec.routes), multi=True, placeholder=translate("filters.any", lang))),
            section("filters.drugs", dcc.Checklist(
                id=FilterIds.DRUGS, options=_options("drug", store.distinct("drug"), lang),
                value=list(spec.drugs), className="checklist")),
            section("filters.kg", html.Div([
                dcc.Input(id=FilterIds.KG_MIN, type="number", min=0, value=spec.kg_min, debounce=True,
                          placeholder=translate("filters.kg_min", lang), className="kg-input"),
                html.Span("–"),
                dcc.Input(id=FilterIds.KG_MAX, type="number", min=0, value=spec.kg_max, debounce=True,
                          placeholder=translate("filters.kg_max", lang), className="kg-input"),
            ], className="kg-row")),
            html.Div([
                html.Span(spatial_summary(spec, lang), id=FilterIds.SPATIAL),
                html.Button(translate("filters.clear_spatial", lang), id=FilterIds.CLEAR_SPATIAL,
                            className="link-button", n_clicks=0,
                            hidden=spec.bbox is None and spec.polygon is None),
            ], className="spatial-row"),
        ],
    )
