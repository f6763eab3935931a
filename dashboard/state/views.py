"""Pure helpers that shape store results for the views. No dash import."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely.geometry

from dashboard.config import Basemap
from dashboard.data.catalog import GEODATA_DIR
from dashboard.data.countries import COUNTRIES_PATH, country_index
from dashboard.data.facets import breakdown_or_default
from dashboard.data.filters import TABLE_SORTABLE_COLUMNS, FilterSpec, MapView, TableSort, UrlState
from dashboard.data.indicators import IndicatorCatalog, indicator_catalog, port_positions
from dashboard.data.schema import BUNDLED_DATASET, DataFileError
from dashboard.data.store import CELL_SIZES, EventStore, cell_size_for_zoom
from dashboard.exports.captions import alt_text
from dashboard.exports.spec import ChartKind
from dashboard.figures.event_map import (
    DEFAULT_VIEW,
    EVENT_TRACE,
    MapLayer,
    MapUpdate,
    empty_points,
    event_map_figure,
    events_below,
    indicator_layer,
    indicator_slot,
    map_update,
    selection_ring,
)
from dashboard.figures.geo import MAP_TILE_PX, MAX_ZOOM, finite_number, mercator_lat, mercator_y, wrap_lon
from dashboard.figures.indicator_chart import (
    build_indicator_chart,
    indicator_alt_text,
    indicator_legend,
    indicator_marks,
    indicator_year,
    series_title,
)
from dashboard.figures.timeline import histogram_span
from dashboard.i18n import format_number, label, translate, translate_count
from dashboard.state.context import AppContext
from dashboard.state.interactions import fitted_to_named_datasets

log = logging.getLogger(__name__)
ONLINE_STYLE = "carto-positron"
# A map is about this big on a laptop; used for the box to query before the browser reports its
# real corners (first draw, or after the view changed by URL).
NOMINAL_MAP_PX = (1100, 650)
MAX_CELL_PX = 60  # past this the finest cells are too coarse to help: thinned points instead
VIEW_MARGIN = 0.25  # query a quarter of the view beyond each edge, so a small pan needs no query
MAX_TABLE_BLOCK = 500  # most rows one table request may ask for
# Rows the grid asks for at once: the ~10 a 420 px grid shows and its 10-row render buffer; the rest
# of a page arrives as it is scrolled to.
TABLE_BLOCK_ROWS = 25
TABLE_NUMBER_COLUMNS = ("fatalities", "quantity_kg")  # shown with the language's digit grouping
MAX_TABLE_DECIMALS = 3  # 0.35 kg stays 0.35; 1.23456 kg reads 1.235
DEFAULT_TABLE_SORT = TableSort("event_date", descending=True)  # newest first


@dataclass(frozen=True)
class Viewport:
    """The visible map box in degrees, and the zoom it was seen at."""

    west: float
    south: float
    east: float
    north: float
    zoom: float

    def expanded(self, margin: float = VIEW_MARGIN) -> tuple[float, float, float, float]:
        """(west, south, east, north) grown by ``margin`` of the size on each side, clipped."""
        dx, dy = (self.east - self.west) * margin, (self.north - self.south) * margin
        return (max(-180.0, self.west - dx), max(-90.0, self.south - dy),
                min(180.0, self.east + dx), min(90.0, self.north + dy))


def viewport_of(view: MapView, size_px: tuple[int, int] = NOMINAL_MAP_PX) -> Viewport:
    """The box a map of ``size_px`` shows around ``view`` (web Mercator)."""
    world_px = MAP_TILE_PX * 2 ** view.zoom
    half_width_deg = size_px[0] / 2 * 360 / world_px
    half_height = size_px[1] / 2 * 2 * math.pi / world_px
    centre_y = float(mercator_y(view.lat))
    return Viewport(west=max(-180.0, view.lon - half_width_deg), east=min(180.0, view.lon + half_width_deg),
                    south=mercator_lat(centre_y - half_height), north=mercator_lat(centre_y + half_height),
                    zoom=view.zoom)


def _clamped_zoom(value: object) -> float | None:
    zoom = finite_number(value)
    return None if zoom is None else min(MAX_ZOOM, max(0.0, zoom))


def viewport_from_relayout(relayout: dict | None) -> Viewport | None:
    """The box the map shows after a pan or zoom, or None when ``relayout`` is not a move.

    A user's move reports the map's corners (``map._derived``); a move made by code
    (``Plotly.relayout``) reports only centre and zoom, so the box is worked out for a map of
    :data:`NOMINAL_MAP_PX`. Longitudes past ±180 (after panning across the date line) are
    brought back; a view still across it queries every longitude.
    """
    if not isinstance(relayout, dict):
        return None
    zoom = _clamped_zoom(relayout.get("map.zoom"))
    if zoom is None:
        return None
    derived = relayout.get("map._derived")
    corners = derived.get("coordinates") if isinstance(derived, dict) else None
    try:
        corners = np.asarray(corners, dtype=np.float64)
    except (TypeError, ValueError):
        corners = None
    if corners is None or corners.shape != (4, 2) or not np.isfinite(corners).all():
        center = relayout.get("map.center")
        lat = finite_number(center.get("lat")) if isinstance(center, dict) else None
        lon = finite_number(center.get("lon")) if isinstance(center, dict) else None
        if lat is None or lon is None:
            return None
        return viewport_of(MapView(lat=max(-85.0, min(85.0, lat)), lon=wrap_lon(lon), zoom=zoom))
    west, east = float(corners[:, 0].min()), float(corners[:, 0].max())
    shift = wrap_lon((west + east) / 2) - (west + east) / 2
    west, east = west + shift, east + shift
    if west < -180 or east > 180:  # across the date line (or the whole world): every longitude
        west, east = -180.0, 180.0
    return Viewport(west=west, south=max(-90.0, float(corners[:, 1].min())),
                    east=east, north=min(90.0, float(corners[:, 1].max())), zoom=zoom)


def within_box(spec: FilterSpec, box: tuple[float, float, float, float]) -> FilterSpec:
    """``spec`` narrowed to ``box`` (intersected with any box the user selected)."""
    west, south, east, north = box
    if spec.bbox is not None:  # no overlap leaves west > east or south > north: matches nothing
        west, south = max(west, spec.bbox[0]), max(south, spec.bbox[1])
        east, north = min(east, spec.bbox[2]), min(north, spec.bbox[3])
    return spec.with_changes(bbox=(west, south, east, north))


def map_layer(store: EventStore, spec: FilterSpec, viewport: Viewport, threshold: int) -> MapLayer:
    """Points while the matching events in view number at most ``threshold``, grid cells above.

    When every matching event fits under the threshold they are all sent, so panning needs
    no new query; otherwise only the viewport (plus a margin) is queried.
    """
    total = store.count(spec)
    if total <= threshold:
        points = store.points(spec, limit=threshold)
        return MapLayer(mode="all", points=points, cells=None, total=total, in_view=total)
    in_box = within_box(spec, viewport.expanded())
    # Counted only up to the threshold: whether they fit is all the choice needs (a store reading
    # rows stops there), and cells count what they hold.
    fitting = store.count_at_most(in_box, threshold + 1)
    if fitting <= threshold:
        return MapLayer(mode="points", points=store.points(in_box, limit=threshold), cells=None,
                        total=total, in_view=fitting)
    cell_deg = cell_size_for_zoom(viewport.zoom)
    cell_px = cell_deg * MAP_TILE_PX * 2 ** viewport.zoom / 360
    if cell_deg == min(CELL_SIZES) and cell_px > MAX_CELL_PX:
        # Zoomed past the finest cells and still crowded (many events on one place): the
        # largest events as points, so each can still be clicked.
        return MapLayer(mode="points", points=store.points(in_box, limit=threshold), cells=None,
                        total=total, in_view=store.count(in_box))
    cells = store.bins(in_box, cell_deg)
    return MapLayer(mode="cells", points=empty_points(), cells=cells,
                    total=total, in_view=int(cells.counts.sum()), cell_px=cell_px,
                    visible_box=(viewport.west, viewport.south, viewport.east, viewport.north))


KEY_SHOWN = "shown"  # the map key switch's one value
NARROW_SCREEN_PX = 760  # at or below it the page is one column and the key would halve the map


def key_shown(switch: object) -> bool:
    """Whether the map key is drawn: the switch holds :data:`KEY_SHOWN` (anything else: hidden)."""
    return isinstance(switch, list) and KEY_SHOWN in switch


def map_note(layer: MapLayer, lang: str, synthetic: int = 0) -> str:
    """The line under the map: nothing matches, cells instead of points, synthetic events."""
    parts = []
    if layer.total == 0:
        parts.append(translate("map.no_events", lang))
    elif layer.mode == "cells":
        parts.append(translate_count("map.cells_note", layer.shown, lang))
    elif layer.points.truncated:
        parts.append(translate_count("map.thinned_note", layer.points.total, lang,
                                     shown=format_number(len(layer.points.row), lang),
                                     total=format_number(layer.points.total, lang)))
    if synthetic:
        parts.append(translate_count("map.synthetic_note", synthetic, lang))
    return " · ".join(parts)


def event_row_at(store: EventStore, spec: FilterSpec, point: dict | None, curve: int | None) -> int | None:
    """The row of the matching event drawn at a clicked or hovered map point.

    Points carry no ids (they would cost bytes per point): the event is found again from the
    point's float32 coordinates among the filtered events (an uncertainty ring repeats its
    event's coordinates, so it finds that event). Of several events drawn at the very same spot,
    the first is taken. A grid cell (it carries its count as ``customdata``) is no event.
    """
    if curve != EVENT_TRACE or not isinstance(point, dict) or "customdata" in point:
        return None
    lat, lon = finite_number(point.get("lat")), finite_number(point.get("lon"))
    if lat is None or lon is None:
        return None
    return store.nearest(spec, lat, lon)


def first_point(event_data: dict | None) -> tuple[dict | None, int | None]:
    """The first point of a map click or hover, and its trace number (None when malformed)."""
    points = event_data.get("points") if isinstance(event_data, dict) else None
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None, None
    curve = points[0].get("curveNumber")
    return points[0], curve if isinstance(curve, int) and not isinstance(curve, bool) else None


def event_lines(event: dict | None, lang: str) -> list[str]:
    """Short plain-text description of one event (the map's hover panel)."""
    if not event:
        return []
    lines = [label("event_type", event["event_type"], lang),
             f"{translate('hover.date', lang)}: {json_cell(event['event_date'])} "
             f"({label('date_precision', event['date_precision'], lang)})",
             f"{translate('hover.place', lang)}: {event['location']} "
             f"({translate('hover.location_precision', lang)}: {label('geo_precision', event['geo_precision'], lang)})"]
    kg, deaths = event.get("quantity_kg"), event.get("fatalities")
    if kg is not None and kg == kg:
        lines.append(f"{translate('hover.kg', lang)}: {format_number(kg, lang)}")
    if deaths is not None and deaths == deaths:
        lines.append(f"{translate('hover.fatalities', lang)}: {format_number(deaths, lang)}")
    if event.get("synthetic"):
        lines.append(translate("data.synthetic_badge", lang))
    return lines


def table_sort_of(request: dict | None) -> TableSort | None:
    """The order a grid request asks for (its first sort model entry), ``None`` when it asks none.

    A column the table cannot sort by (:data:`TABLE_SORTABLE_COLUMNS`) counts as none.
    """
    sorts = request.get("sortModel") if isinstance(request, dict) else None
    for sort in sorts if isinstance(sorts, list) else []:
        if isinstance(sort, dict) and sort.get("colId") in TABLE_SORTABLE_COLUMNS:
            return TableSort(sort["colId"], descending=sort.get("sort") == "desc")
    return None


def sort_for_url(sort: TableSort | None) -> TableSort | None:
    """What the URL records of a table order: nothing for the default (newest first)."""
    return None if sort == DEFAULT_TABLE_SORT else sort


def _is_blank(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a tuple or list cell is never blank
        return False


def blanks_first_count(store: EventStore, spec: FilterSpec, column: str, total: int) -> int:
    """How many matching events have no ``column`` value (the store sorts them first, descending).

    The store's contract puts missing values where the largest go, so in descending order the
    blanks are one block at the top: a first row with a value means none (one read: the table's
    default order, by date, has no blanks), else the block's length is found by bisection,
    ``log2(total)`` one-row reads of the store's memoised order.
    """
    def blank_at(position: int) -> bool:
        page = store.rows(spec, (column,), order_by=column, descending=True, offset=position, limit=1)
        return len(page[column]) > 0 and _is_blank(page[column][0])

    if total == 0 or not blank_at(0):
        return 0
    low, high = 1, total  # blank at every position < low; not blank at high (or past the end)
    while low < high:
        middle = (low + high) // 2
        if blank_at(middle):
            low = middle + 1
        else:
            high = middle
    return low


def blanks_last_windows(start: int, end: int, total: int, blanks: int) -> list[tuple[int, int]]:
    """Where rows ``start:end`` of a descending order with blanks last sit in the store's order.

    The store's descending order is ``blanks`` blank rows, then the rest largest first; the table
    shows the rest first and the blanks after them (a rotation), so one window of the table is at
    most two windows of the store.

    Returns
    -------
    list of tuple of int
        ``(offset, limit)`` pairs of store rows, in table order; empty windows left out.
    """
    end, valued = min(end, total), total - blanks
    windows = [(start + blanks, min(end, valued) - start),  # valued rows sit after the blanks
               (max(start, valued) - valued, end - max(start, valued))]  # blanks sit at the top
    return [(offset, limit) for offset, limit in windows if limit > 0]


def table_rows(store: EventStore, spec: FilterSpec, columns: tuple[str, ...], sort: TableSort,
               start: int, end: int) -> dict[str, np.ndarray]:
    """Rows ``start:end`` of the table in ``sort`` order, events without a value last either way.

    Ascending, the store already puts blanks (no kg, no deaths reported) last; descending, it
    puts them first, so they are moved after the rest: a sort by kg starts with the largest
    seizure, never with the events that have no quantity.
    """
    if not sort.descending:
        return store.rows(spec, columns, order_by=sort.column, descending=False, offset=start, limit=end - start)
    total = store.count(spec)
    blanks = blanks_first_count(store, spec, sort.column, total)
    pages = [store.rows(spec, columns, order_by=sort.column, descending=True, offset=offset, limit=limit)
             for offset, limit in blanks_last_windows(start, end, total, blanks)]
    if len(pages) == 1:
        return pages[0]
    if not pages:
        return store.rows(spec, columns, order_by=sort.column, descending=True, offset=total, limit=0)
    return {name: np.concatenate([page[name] for page in pages]) for name in columns}


def table_block_rows(settings) -> int:
    """Rows the grid asks for at once: a block, never more than a page."""
    return min(settings.table_page_size, TABLE_BLOCK_ROWS)


def table_sort_key(sort: TableSort | None) -> str:
    """A table order as the browser compares grid requests with it: ``<column>:asc|desc``, and ''
    for none or the default (newest first), which is the same order."""
    shown = sort_for_url(sort)
    return "" if shown is None else shown.param


def first_table_rows(store: EventStore, spec: FilterSpec, sort: TableSort | None, columns: tuple[str, ...],
                     lang: str, dataset_names: dict[str, str] | None, block_rows: int) -> dict:
    """The grid's first block for the filter in the URL's order, sent with the views: the grid's
    first request after a filter change (or on a page load) is then answered in the browser, not
    by a second round trip. ``{sort, endRow, rowData, rowCount}``: the order (as
    :func:`table_sort_key`) and the block end a request must ask for to be answered with it."""
    order = sort or DEFAULT_TABLE_SORT
    request = {"startRow": 0, "endRow": block_rows,
               "sortModel": [{"colId": order.column, "sort": "desc" if order.descending else "asc"}]}
    return {"sort": table_sort_key(sort), "endRow": block_rows,
            **table_page(store, spec, request, columns, lang, dataset_names)}


def table_page(store: EventStore, spec: FilterSpec, request: dict | None, columns: tuple[str, ...],
               lang: str, dataset_names: dict[str, str] | None = None) -> dict:
    """One block of table rows for the grid's infinite row model: ``{rowData, rowCount}``.

    The order is the request's sort (:func:`table_sort_of`), newest first when it asks none;
    events without a value in the sorted column come last in both directions (:func:`table_rows`).
    """
    request = request if isinstance(request, dict) else {}
    start = _row_index(request.get("startRow"), 0)
    end = max(start, _row_index(request.get("endRow"), start + 100))
    end = min(end, start + MAX_TABLE_BLOCK)
    sort = table_sort_of(request) or DEFAULT_TABLE_SORT
    page = table_rows(store, spec, columns, sort, start, end)
    return {"rowData": table_records(page, lang, dataset_names), "rowCount": store.count(spec)}


def remote_style_for(basemap: Basemap) -> str | None:
    """The map style that needs the network for the configured base map; None: the offline style."""
    return ONLINE_STYLE if basemap == Basemap.ONLINE else None


def highlight_position(store: EventStore, event_id: str | None) -> tuple[float, float] | None:
    event = store.event(event_id) if event_id else None
    return None if event is None else (float(event["latitude"]), float(event["longitude"]))


def json_cell(value: object) -> object:
    """JSON-friendly cell: NaN → None, dates → ISO text, tuples → '; '-joined text."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, tuple):
        return "; ".join(value)
    if isinstance(value, np.generic):
        return json_cell(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _row_index(value: object, default: int) -> int:
    number = finite_number(value)
    return default if number is None else max(0, min(int(number), 2**31 - 1))


def table_number(value: object, lang: str) -> str:
    """A number as the table shows it: grouped as the language writes it (10,300 / 10 300), the
    decimals it has up to :data:`MAX_TABLE_DECIMALS`, and ``""`` when there is none."""
    number = finite_number(value)
    if number is None:
        return ""
    decimals = f"{number:.{MAX_TABLE_DECIMALS}f}".rstrip("0").partition(".")[2]
    return format_number(number, lang, decimals=len(decimals))


def table_records(columns: dict[str, np.ndarray], lang: str,
                  dataset_names: dict[str, str] | None = None) -> list[dict]:
    """Column arrays → grid rows, with a translated label beside each coded event type, a
    dataset label that names the dataset and says when its rows are synthetic, and each number
    written for the language (``<column>_label``; the value stays a number)."""
    names = list(columns)
    records = [{name: json_cell(value) for name, value in zip(names, values)}
               for values in zip(*(columns[n] for n in names))]
    for record in records:
        for name in TABLE_NUMBER_COLUMNS:
            if name in record:
                record[f"{name}_label"] = table_number(record[name], lang)
        if "event_type" in record:
            record["event_type_label"] = label("event_type", record["event_type"], lang)
        if "dataset" in record:
            dataset = record["dataset"]
            shown = translate("data.bundled_short", lang) if dataset == BUNDLED_DATASET \
                else (dataset_names or {}).get(dataset, dataset)
            if record.get("synthetic"):
                shown = f"{shown} · {translate('data.synthetic_badge', lang)}"
            record["dataset_label"] = shown
    return records


def chart_labels(store: EventStore, spec: FilterSpec, lang: str, breakdown_field: str,
                 dataset_names: dict[str, str] | None = None) -> dict[str, str]:
    """Accessible label of every chart, by kind: each chart's alt text (it names the chart)."""
    field = breakdown_or_default(breakdown_field)
    # The indicator's label comes with its own chart (it follows the series, not the filter alone).
    return {chart: alt_text(store, spec, chart, lang, breakdown_field=field, dataset_names=dataset_names)
            for chart in ChartKind if chart is not ChartKind.INDICATOR}


# ---- the dashboard's map: drawn once with the page, then patched -----------------------------
@dataclass(frozen=True)
class DashboardMap:
    """What the dashboard's map shows for one state: the layer, the line under it, its patch parts."""

    layer: MapLayer
    view: MapView | None  # None: the starting view
    note: str
    selection: list[list[float]] | None


def dashboard_map(context: AppContext, state: UrlState, spec: FilterSpec | None = None) -> DashboardMap:
    """The layer for ``spec`` (default: the state's own) at the state's view.

    A link naming other datasets than the defaults, without a view, opens on their data; the URL
    keeps no view for it (writing one would move a map that is not drawn yet).
    """
    spec = spec or state.spec
    view = fitted_to_named_datasets(replace(state, spec=spec), context.store, context.settings.max_map_points).view
    layer = map_layer(context.store, spec, viewport_of(view or DEFAULT_VIEW), context.settings.max_map_points)
    return DashboardMap(layer=layer, view=view, selection=selection_ring(spec.bbox, spec.polygon),
                        note=map_note(layer, state.lang, context.store.totals(spec).synthetic))


def dashboard_map_figure(context: AppContext, state: UrlState, shown: DashboardMap, *, show_key: bool = True,
                         indicator: dict | None = None):
    """The whole map figure, drawn with the page (later changes are patches of it); ``indicator``
    is the chosen series' layer (:func:`indicator_view`), last in the layer list."""
    return event_map_figure(shown.layer, routes=context.data.routes, vraem_feature=context.vraem_feature,
                            lang=state.lang, view=shown.view, remote_style=remote_style_for(context.settings.basemap),
                            highlight=highlight_position(context.store, state.selected),
                            selection=shown.selection, show_key=show_key, indicator=indicator)


def dashboard_map_update(context: AppContext, layer: MapLayer, lang: str, *, show_key: bool) -> MapUpdate:
    """The trace and key a filter change or a move puts on the drawn map."""
    return map_update(layer, routes=context.data.routes, vraem=context.vraem_feature is not None, lang=lang,
                      show_key=show_key, below=events_below(remote_style_for(context.settings.basemap)))


# ---- the indicator series: its chart under the timeline, its layer on the map ----------------
@dataclass(frozen=True)
class IndicatorView:
    """What the views show of the chosen indicator for one filter: nothing when none is chosen."""

    series_id: str  # "" when none (or an unknown id) is chosen
    chart: object | None  # the small multiples (a plotly Figure), None when hidden
    layer: dict  # the map's indicator slot (hidden when none)
    legend: str  # the map's legend line: series, unit, year, each place's value(s)
    year: int | None
    alt: str = ""  # the chart in words (its accessible label)


def indicator_catalog_of(context: AppContext) -> IndicatorCatalog:
    """The bundled series and the user's imported ones (read again when an import changes them).

    The bundled file is checked at start-up; an imported file is written only once checked, so
    one that fails now was changed by hand: the views show the bundled series, the log says why.
    """
    geodata = Path(context.settings.geodata_dir) if context.settings.geodata_dir else GEODATA_DIR
    try:
        return indicator_catalog(geodata, Path(context.settings.data_dir))
    except DataFileError as error:
        log.warning("imported indicator series left out: %s", error)
        return indicator_catalog(geodata, None)


@lru_cache(maxsize=4)
def _country_points(countries_path: Path) -> dict[str, tuple[float, float]]:
    """(lat, lon) inside each country's largest outline (Spain's mainland, not the Canaries)."""
    index = country_index(countries_path)
    points = {}
    for code, shape in zip(index.codes, index.shapes):
        largest = max(getattr(shape, "geoms", [shape]), key=lambda part: part.area)
        point = largest.representative_point()
        points[code] = (round(point.y, 4), round(point.x, 4))
    return points


def indicator_choices(context: AppContext, lang: str) -> list[tuple[str, str]]:
    """(id, title in ``lang``) of every series, for the indicator control."""
    return [(info.series_id, series_title(info, lang)) for info in indicator_catalog_of(context).series()]


def indicator_positions(context: AppContext) -> dict[tuple[str, str], tuple[float, float]]:
    """Where each kind of place is drawn: ports from places.csv, the VRAEM inside its outline,
    countries inside their largest outline."""
    geodata = Path(context.settings.geodata_dir) if context.settings.geodata_dir else GEODATA_DIR
    vraem = context.vraem_feature
    return _positions(geodata, None if vraem is None else json.dumps(vraem["geometry"], sort_keys=True))


@lru_cache(maxsize=4)
def _positions(geodata: Path, vraem_geometry: str | None) -> dict[tuple[str, str], tuple[float, float]]:
    positions: dict[tuple[str, str], tuple[float, float]] = {
        ("port", name): where for name, where in port_positions(geodata / "places.csv").items()}
    if vraem_geometry is not None:
        point = shapely.geometry.shape(json.loads(vraem_geometry)).representative_point()
        positions[("zone", "VRAEM")] = (round(point.y, 4), round(point.x, 4))
    positions.update({("country", code): where for code, where in _country_points(COUNTRIES_PATH).items()})
    return positions


def indicator_map_slot(context: AppContext, lang: str) -> int:
    """The position of the indicator's layer in the dashboard's map (its last layer)."""
    return indicator_slot(remote_style_for(context.settings.basemap), context.vraem_feature, context.data.routes, lang)


def events_span(store: EventStore, spec: FilterSpec) -> tuple[date, date] | None:
    """First and last day the timeline shows for ``spec`` (its bins), the chart's axis without a range."""
    return histogram_span(store.histogram(spec, unit="year"))


def indicator_view(context: AppContext, chosen: str, spec: FilterSpec, lang: str) -> IndicatorView:
    """The chart, map layer and legend of the chosen series for the filter's date range: the map
    shows the last year of the range (the series' last year without a range)."""
    catalog = indicator_catalog_of(context)
    info = catalog.info(chosen) if chosen else None
    if info is None:
        return IndicatorView(series_id="", chart=None, layer=indicator_layer([]), legend="", year=None)
    date_range = (spec.date_from, spec.date_to) if spec.date_from and spec.date_to else None
    chart = build_indicator_chart(catalog, info.series_id, lang=lang, date_range=date_range,
                                  events_span=None if date_range else events_span(context.store, spec))
    year = indicator_year(spec.date_to, info)
    marks = indicator_marks(catalog, info.series_id, year, indicator_positions(context))
    layer = indicator_layer([(mark.latitude, mark.longitude, mark.radius_km) for mark in marks])
    return IndicatorView(series_id=info.series_id, chart=chart, layer=layer,
                         legend=indicator_legend(catalog, info.series_id, year, lang), year=year,
                         alt=indicator_alt_text(catalog, info.series_id, date_range, lang))
