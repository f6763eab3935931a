"""Publication-ready figures for export: an export request turned into a printed page.

The figures themselves live beside the screen figures (:mod:`dashboard.figures.print_map`,
:mod:`dashboard.figures.print_charts`, framed by :mod:`dashboard.figures.page_frame`); this module
maps what an export asks for — a chart kind, a size preset, a light or dark theme, the words of an
:class:`~dashboard.exports.spec.ExportContext` — onto them.
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from ..data.catalog import GEODATA_DIR
from ..data.filters import FilterSpec
from ..data.indicators import IndicatorCatalog, indicator_catalog
from ..data.store import EventStore
from ..figures.charts import CHART_BUILDERS
from ..figures.geo import Box
from ..figures.indicator_chart import build_print_indicator
from ..figures.page_frame import Page, PageText, TypeScale, print_page
from ..figures.print_charts import build_print_breakdown, build_print_timeline
from ..figures.print_map import build_print_map
from ..figures.theme import EXPORT_DARK, EXPORT_LIGHT, Theme
from .spec import ChartKind, ChartRequest, ExportContext, ExportTheme, SizePreset

EXPORT_MAX_POINTS = 20_000  # above this many matching events the map draws grid cells
# The CSS width each preset is usually seen at; type is 14 px at that width. A story or square
# is seen on a phone (~400 px wide), so its 1080 px need type about twice as large.
READING_WIDTH = {SizePreset.WEB: 1050, SizePreset.A4: 1123, SizePreset.SQUARE: 620, SizePreset.STORY: 560}


def export_theme(theme: ExportTheme) -> Theme:
    """The figure theme for a light or dark export."""
    return EXPORT_DARK if ExportTheme(theme) is ExportTheme.DARK else EXPORT_LIGHT


def request_page(request: ChartRequest) -> Page:
    """The page ``request`` draws on: its pixels, type for its preset's reading width."""
    width, height = request.pixels
    return print_page(width, height, READING_WIDTH[request.size])


def type_scale(request: ChartRequest) -> TypeScale:
    """Type for ``request``'s preset: 14 px at the width the image is usually seen at."""
    return request_page(request).type


def build_map(store: EventStore, spec: FilterSpec, request: ChartRequest, context: ExportContext, *,
              routes: dict, regions: dict, max_points: int = EXPORT_MAX_POINTS, extent: Box | None = None,
              left_extra: float = 0.0, rings: tuple[tuple[float, float], ...] = ()) -> go.Figure:
    """The event map of ``request``, fitted to the events (or showing ``extent``); see
    :func:`dashboard.figures.print_map.build_print_map`."""
    return build_print_map(store, spec, request_page(request), context, export_theme(request.theme),
                           routes=routes, regions=regions, max_points=max_points, extent=extent,
                           left_extra=left_extra, rings=rings)


def bundled_indicators() -> IndicatorCatalog:
    """The bundled indicator series (what an export draws when its caller passes no catalog)."""
    return indicator_catalog(GEODATA_DIR, None)


def spec_date_range(spec: FilterSpec, catalog: IndicatorCatalog, series_id: str) -> tuple[date, date] | None:
    """An indicator chart's axis: the filter's date range, an open end taken from the series' own
    years (``from=2010`` alone draws 2010 to the last value); None without a date filter."""
    if not (spec.date_from or spec.date_to):
        return None
    info = catalog.info(series_id)
    start = spec.date_from or date(info.first_year if info else spec.date_to.year, 1, 1)
    end = spec.date_to or date(info.last_year if info else spec.date_from.year, 12, 31)
    return start, max(start, end)


def build_indicator_export(catalog: IndicatorCatalog, series_id: str, spec: FilterSpec, page: Page, text: PageText,
                           theme: Theme) -> go.Figure:
    """One indicator series as a printed page (a file, a briefing panel, the CLI's chart): the small
    multiples on the filter's date range (the series' years without one), framed by ``text`` — its
    title states the unit, its source line names every publisher of the values drawn."""
    return build_print_indicator(catalog, series_id, page, text, theme, spec_date_range(spec, catalog, series_id))


def build_export_figure(store: EventStore, spec: FilterSpec, request: ChartRequest, context: ExportContext, *,
                        routes: dict, regions: dict, max_points: int = EXPORT_MAX_POINTS,
                        indicators: IndicatorCatalog | None = None) -> go.Figure:
    """The chart ``request`` asks for, framed for export at ``request.pixels``.

    Parameters
    ----------
    store, spec
        Where the events come from and which of them to draw.
    request
        Chart kind, size preset, theme and breakdown field.
    context
        Title, subtitle, source line and credit (already written; drawn as given, escaped).
    routes, regions
        Reference layers: route legs (GeoJSON lines) and regions (the VRAEM polygon).
    max_points
        Most events the map draws as points; above it, grid cells.
    indicators
        The indicator series (bundled and imported) the indicator chart draws ``request.indicator``
        from; None: the bundled ones.
    """
    kind = ChartKind(request.chart)
    if kind is ChartKind.INDICATOR:
        return build_indicator_export(indicators or bundled_indicators(), request.indicator, spec,
                                      request_page(request), context, export_theme(request.theme))
    if kind is ChartKind.MAP:
        return build_map(store, spec, request, context, routes=routes, regions=regions, max_points=max_points)
    page, theme = request_page(request), export_theme(request.theme)
    if kind is ChartKind.TIMELINE:
        return build_print_timeline(store, spec, page, context, theme)
    if kind is ChartKind.BREAKDOWN:
        return build_print_breakdown(store, spec, page, context, theme, request.breakdown_field)
    return CHART_BUILDERS[kind].print(store, spec, page, context, theme)
