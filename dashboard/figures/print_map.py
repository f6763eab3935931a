"""The event map for print: a Mercator ``go.Scattergeo`` map fitted to the events, framed as a page.

Drawn on Plotly's bundled topojson (country outlines) plus the repository's base-map GeoJSON
(departments, rivers, place names), so SVG and PDF maps are true vectors. Up to ``max_points``
matching events are points coloured by type (sized by kg or deaths, approximate places paler with
a halo); above it, grid cells coloured by count. Place names are placed here, in page px, so none
overlaps another. The frame (title, subtitle, legends, source line) comes from
:mod:`.page_frame`, the projection and fitting from :mod:`.geo`. No dash.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from ..data.filters import FilterSpec
from ..data.store import CELL_SIZES, EVENT_TYPES, GEO_PRECISIONS, EventStore, GridBins, PointColumns
from ..i18n import format_number, label, translate
from .event_map import CELL_COLOURSCALE, HALO_POINT_LIMIT, HALO_SIZE, marker_sizes
from .geo import Box, MapProjection, fit_extent, geo_axis_ranges, inside_box, shape_extent
from .page_frame import (
    LegendBlock,
    Page,
    PageFrame,
    PageText,
    TypeScale,
    decorate,
    legend_layout,
    no_events_note,
    page_frame,
)
from .text_metrics import escape_text, text_width
from .theme import EVENT_COLOURS, Theme

BASEMAP_DIR = Path(__file__).resolve().parents[2] / "assets" / "basemap"

CELL_TARGET_PX = 12.0
RANK2_MAX_SPAN_DEG = 30.0  # town names when the view is narrower than this (longitude)
RIVER_MAX_SPAN_DEG = 14.0
LABEL_PRIORITY = frozenset({"Lima", "La Paz"})
HALO_MAX_SPAN_DEG = 30.0  # uncertainty rings only when the view is narrower than this
# Wider views use Natural Earth 1:110m outlines: the same look at that scale, an SVG ~5x smaller
# (a 1200 px world map: 0.8 MB instead of 3.7 MB).
COARSE_OUTLINE_SPAN_DEG = 60.0


@functools.cache
def basemap_layer(name: str) -> dict:
    """A base-map GeoJSON from the repository's ``assets/basemap`` (read once)."""
    with (BASEMAP_DIR / f"{name}.geojson").open(encoding="utf-8") as handle:
        return json.load(handle)


def _lines_of(features: list[dict]) -> tuple[list[float | None], list[float | None]]:
    """Outer rings and lines of GeoJSON features as one None-separated lon/lat path."""
    lon: list[float | None] = []
    lat: list[float | None] = []
    for feature in features:
        geometry = feature.get("geometry") or {}
        kind, coords = geometry.get("type"), geometry.get("coordinates") or []
        parts = {"Polygon": coords, "MultiPolygon": [ring for poly in coords for ring in poly],
                 "LineString": [coords], "MultiLineString": coords}.get(kind, [])
        for part in parts:
            for x, y in part:
                lon.append(x)
                lat.append(y)
            lon.append(None)
            lat.append(None)
    return lon, lat


def _outline_trace(features: list[dict], *, colour: str, width: float, name: str) -> go.Scattergeo:
    lon, lat = _lines_of(features)
    return go.Scattergeo(lon=lon, lat=lat, mode="lines", line=dict(color=colour, width=width), name=name,
                         hoverinfo="skip", showlegend=False)


def _route_traces(routes: dict, theme: Theme, scale: TypeScale, lang: str) -> list[go.Scattergeo]:
    traces = []
    shown: set[str] = set()
    width = max(2.0, scale.base * 0.17)
    for feature in routes.get("features", []):
        props = feature["properties"]
        coords = np.asarray(feature["geometry"]["coordinates"], dtype=np.float64)
        key = f"{props['mode']}-{props['evidence']}"
        name = f"{label('mode', props['mode'], lang)} ({translate('map.' + props['evidence'], lang)})"
        documented = props["evidence"] == "documented"
        traces.append(go.Scattergeo(
            lon=coords[:, 0], lat=coords[:, 1], mode="lines", name=escape_text(name),
            line=dict(color=theme.route_colour(props["mode"]), width=width if documented else width * 0.9,
                      dash="solid" if documented else "dot"),
            opacity=0.9, legend="legend2", legendgroup=key, showlegend=key not in shown,
            hovertext=escape_text(f"{label('route', props['route_id'], lang)} — {props['leg_name']}"),
            hoverinfo="text",
        ))
        shown.add(key)
    return traces


def _vraem_trace(regions: dict, theme: Theme, scale: TypeScale, lang: str) -> go.Scattergeo | None:
    features = [f for f in regions.get("features", []) if (f.get("properties") or {}).get("kind") == "vraem"]
    if not features:
        return None
    lon, lat = _lines_of(features)
    return go.Scattergeo(
        lon=lon, lat=lat, mode="lines", fill="toself", fillcolor=_with_alpha(theme.vraem_colour, 0.12),
        line=dict(color=theme.vraem_colour, width=max(1.5, scale.base * 0.1)), legend="legend2",
        name=escape_text(translate("map.vraem", lang)), hoverinfo="name", showlegend=True,
    )


def _with_alpha(colour: str, alpha: float) -> str:
    value = colour.lstrip("#")
    red, green, blue = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def _event_traces(points: PointColumns, theme: Theme, scale: TypeScale, lang: str, *,
                  with_halo: bool) -> list[go.Scattergeo]:
    """Per type an exact-place and a paler approximate-place trace; rings round approximate places.

    The rings are px wide, like on screen: they only mean something when zoomed in, so wide
    views leave them out (the paler colour still marks approximate places).
    """
    factor = scale.base / 15.0  # marker_sizes is tuned for 13 px screen type; print needs less
    marker_factor = factor * theme.marker_scale
    sizes = marker_sizes(points.quantity_kg, points.fatalities).astype(np.float32) * marker_factor
    traces: list[go.Scattergeo] = []
    coarse = np.flatnonzero(~points.precise)
    if with_halo and 0 < coarse.size <= HALO_POINT_LIMIT:
        halo = np.array([HALO_SIZE[GEO_PRECISIONS[code]] for code in points.geo_precision_code[coarse]],
                        dtype=np.float32) * marker_factor
        keep = halo > 0
        if keep.any():
            traces.append(go.Scattergeo(
                lon=points.longitude[coarse][keep], lat=points.latitude[coarse][keep], mode="markers",
                marker=dict(size=halo[keep], color=theme.muted_colour, opacity=0.22, line=dict(width=0)),
                name=escape_text(translate("map.approximate", lang)), hoverinfo="skip", legendrank=2000,
            ))
    for code, event_type in enumerate(EVENT_TYPES):
        of_type = points.type_code == code
        in_legend = bool(of_type.any())
        name = escape_text(label("event_type", event_type, lang))
        for precise, opacity in ((True, 0.92), (False, 0.55)):
            selected = np.flatnonzero(of_type & (points.precise == precise))
            if not selected.size:
                continue
            traces.append(go.Scattergeo(
                lon=points.longitude[selected], lat=points.latitude[selected], mode="markers",
                marker=dict(size=sizes[selected], color=theme.colour(EVENT_COLOURS[event_type]), opacity=opacity,
                            line=dict(color=theme.marker_line_colour, width=max(0.6, factor * 0.6))),
                name=name, legendgroup=event_type, showlegend=in_legend, legendrank=1000 + code,
                hovertemplate=f"{name}<extra></extra>",
            ))
            in_legend = False
    return traces


def _ring_trace(rings: tuple[tuple[float, float], ...], extent: Box,
                theme: Theme, scale: TypeScale) -> go.Scattergeo:
    """Open circles round highlighted events (outside the view: left out)."""
    lon = np.array([r[0] for r in rings], dtype=np.float64)
    lat = np.array([r[1] for r in rings], dtype=np.float64)
    keep = inside_box(lon, lat, extent)
    return go.Scattergeo(lon=lon[keep], lat=lat[keep], mode="markers", name="highlight", showlegend=False,
                         hoverinfo="skip", marker=dict(symbol="circle-open", size=scale.base * 1.9,
                                                       color=theme.text_colour,
                                                       line=dict(width=max(1.5, scale.base * 0.16))))


def _cell_size(projection: MapProjection) -> float:
    ideal = CELL_TARGET_PX / projection.px_per_degree
    return min(CELL_SIZES, key=lambda size: (abs(math.log(size / ideal)), size))


def _cell_trace(cells: GridBins, projection: MapProjection, frame: PageFrame, theme: Theme,
                lang: str) -> go.Scattergeo:
    inside = inside_box(cells.longitude, cells.latitude, projection.extent)
    counts = cells.counts[inside].astype(np.int64)
    top = max(1.0, math.log10(float(counts.max()))) if counts.size else 1.0
    ticks = list(range(int(top) + 1))
    scale = frame.type
    size_px = max(4.0, cells.cell_deg * projection.px_per_degree * 0.92)
    # Paper coordinates (plotly maps a container-referenced colour bar's y oddly); the bar starts
    # below its title, which is an annotation (a colour bar's own title overlaps a short bar).
    bar_top = frame.legend_top + scale.legend * 1.8
    colourbar = dict(xref="paper", yref="paper", x=(frame.legend_left[0] - frame.left) / frame.plot_width,
                     xanchor="left", y=1 - (bar_top - frame.top) / frame.plot_height, yanchor="top",
                     lenmode="pixels", thickness=scale.base, xpad=0, ypad=0)
    if frame.legend_below:
        colourbar.update(orientation="h", len=min(frame.plot_width / 2 - scale.base, 14 * scale.base))
    else:
        colourbar.update(orientation="v", len=min(frame.plot_height * 0.45, 10 * scale.base))
    return go.Scattergeo(
        lon=cells.longitude[inside], lat=cells.latitude[inside], mode="markers",
        marker=dict(symbol="square", size=size_px, opacity=0.8, line=dict(width=0),
                    color=np.log10(np.maximum(counts, 1)), colorscale=CELL_COLOURSCALE, cmin=0, cmax=top,
                    colorbar=dict(**colourbar, title=dict(text=""),
                                  tickvals=ticks, ticktext=[format_number(10 ** t, lang) for t in ticks],
                                  tickfont=dict(size=scale.legend, color=theme.text_colour),
                                  outlinewidth=0, bgcolor="rgba(0,0,0,0)")),
        customdata=counts, hovertemplate="%{customdata}<extra></extra>",
        name=escape_text(translate("map.cells", lang)), showlegend=False,
    )


@dataclass(frozen=True)
class PlaceLabels:
    """Place names chosen for a view: dots drawn under the events, names drawn on top."""

    dots: list[go.Scattergeo]
    names: list[go.Scattergeo]


def _label_features(name: str) -> list[dict]:
    features = basemap_layer(name)["features"]
    # Capitals first, so a crowded view still names them.
    return sorted(features, key=lambda f: f["properties"].get("name") not in LABEL_PRIORITY)


def place_labels(extent: Box, projection: MapProjection, theme: Theme,
                 scale: TypeScale) -> PlaceLabels:
    """Place and river names inside the view, most important first, none overlapping another.

    Each name goes right of its place, or left when the right is taken; a name that fits
    neither side is left out (finer places are only offered when the view is narrow).
    """
    span = extent[2] - extent[0]
    layers = [("labels-rank1", theme.text_colour, scale.place, False)]
    if span <= RANK2_MAX_SPAN_DEG:
        layers.append(("labels-rank2", theme.muted_colour, round(scale.place * 0.92), False))
    if span <= RIVER_MAX_SPAN_DEG:
        layers.append(("labels-rivers", theme.river_label_colour, round(scale.place * 0.9), True))
    # A halo in the land colour keeps names readable over lines and markers.
    halo = f"0px 0px 2px {theme.land_colour}, 0px 0px 3px {theme.land_colour}"
    plot_box = projection.plot_box
    placed: list[tuple[float, float, float, float]] = []  # px boxes of the names placed so far
    result = PlaceLabels(dots=[], names=[])
    for layer, colour, size, is_river in layers:
        names, lons, lats, positions = [], [], [], []
        for feature in _label_features(layer):
            lon, lat = feature["geometry"]["coordinates"][:2]
            if not inside_box(np.array([lon]), np.array([lat]), extent, span * 0.01)[0]:
                continue
            text = str(feature["properties"].get("name", ""))
            px, py = projection.px(np.array([lon]), np.array([lat]))
            x, y = float(px[0]), float(py[0])
            width, height = text_width(text, size) + 6, size * 1.3
            if is_river:
                options = [("middle center", (x - width / 2, y - height / 2, x + width / 2, y + height / 2))]
            else:
                options = [("top right", (x - 2, y - height - 2, x + width, y + 2)),
                           ("top left", (x - width, y - height - 2, x + 2, y + 2))]
            for position, box in options:
                fits = plot_box[0] <= box[0] and box[2] <= plot_box[2] and plot_box[1] <= box[1]
                if fits and not any(_overlaps(box, other) for other in placed):
                    placed.append(box)
                    names.append(escape_text(text))
                    lons.append(lon)
                    lats.append(lat)
                    positions.append(position)
                    break
        if not names:
            continue
        if not is_river:
            result.dots.append(go.Scattergeo(
                lon=lons, lat=lats, mode="markers", hoverinfo="skip", showlegend=False, name=f"{layer}-dots",
                marker=dict(size=max(4.0, scale.base * 0.3), color=theme.text_colour,
                            line=dict(width=1, color=theme.paper_colour)),
            ))
        result.names.append(go.Scattergeo(
            lon=lons, lat=lats, text=names, mode="text", textposition=positions, name=layer,
            textfont=dict(size=size, color=colour, family=theme.font_family, shadow=halo,
                          style="italic" if is_river else "normal"),
            hoverinfo="skip", showlegend=False,
        ))
    return result


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _route_legend_labels(routes: dict, regions: dict, lang: str) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for feature in routes.get("features", []):
        props = feature["properties"]
        key = f"{props['mode']}-{props['evidence']}"
        seen.setdefault(key, f"{label('mode', props['mode'], lang)} ({translate('map.' + props['evidence'], lang)})")
    labels = list(seen.values())
    if any((f.get("properties") or {}).get("kind") == "vraem" for f in regions.get("features", [])):
        labels.append(translate("map.vraem", lang))
    return tuple(labels)


def build_print_map(store: EventStore, spec: FilterSpec, page: Page, text: PageText, theme: Theme, *,
                    routes: dict, regions: dict, max_points: int, extent: Box | None = None,
                    left_extra: float = 0.0, rings: tuple[tuple[float, float], ...] = ()) -> go.Figure:
    """The event map on a Mercator geo projection, fitted to the matching events.

    Up to ``max_points`` matching events are drawn as points coloured by type (sized by kg or
    deaths, approximate places paler with a halo); above it, grid cells coloured by count.

    Parameters
    ----------
    store, spec
        Where the events come from and which of them to draw.
    page, text, theme
        The page's size and type, the words that frame it, its colours.
    routes, regions
        Reference layers: route legs (GeoJSON lines) and regions (the VRAEM polygon).
    max_points
        Most events drawn as points; above it, grid cells.
    extent
        Show this box (west, south, east, north; grown to the plot's shape) instead of fitting
        the events: a story slide's saved view.
    left_extra
        Room (px) kept free left of the map, e.g. for a column of text.
    rings
        (lon, lat) of events to ring (a slide's highlighted events).
    """
    lang = text.lang
    total = store.count(spec)
    use_cells = total > max_points
    if use_cells:
        # Extent from coarse cells (cheap at any N), weighted enough by their presence.
        coarse = store.bins(spec, 1.0)
        lon_sample, lat_sample = coarse.longitude, coarse.latitude
        points = None
    else:
        points = store.points(spec, max(1, total))
        lon_sample, lat_sample = points.longitude, points.latitude
    route_block = LegendBlock(title=translate("map.routes", lang), labels=_route_legend_labels(routes, regions, lang))

    def blocks_for(with_halo: bool) -> tuple[LegendBlock, ...]:
        if use_cells:
            return (LegendBlock(title=f"{translate('map.cell_scale', lang)} (0.05°)", labels=(), colourbar=True),
                    route_block)
        assert points is not None
        present = sorted(set(points.type_code.tolist()))
        labels = tuple(label("event_type", EVENT_TYPES[code], lang) for code in present)
        if with_halo and (~points.precise).any():
            labels += (translate("map.approximate", lang),)
        events = LegendBlock(title=translate("breakdown.event_type", lang), labels=labels)
        return (events, route_block) if labels else (route_block,)

    # The halo rings (and their legend entry) depend on the extent, which depends on the legend's
    # room: lay out with the entry, then again without it if the view turned out wide.
    wanted = extent

    def extent_for(frame: PageFrame) -> Box:
        aspect = frame.plot_width / frame.plot_height
        return fit_extent(lon_sample, lat_sample, aspect) if wanted is None else shape_extent(wanted, aspect)

    blocks = blocks_for(with_halo=True)
    frame = page_frame(page, text, blocks, left_extra=left_extra)
    extent = extent_for(frame)
    with_halo = extent[2] - extent[0] <= HALO_MAX_SPAN_DEG
    if not with_halo and blocks != blocks_for(with_halo=False):
        blocks = blocks_for(with_halo=False)
        frame = page_frame(page, text, blocks, left_extra=left_extra)
        extent = extent_for(frame)
    has_events = len(blocks) == 2
    projection = MapProjection(extent, frame.left, frame.top, frame.plot_width, frame.plot_height)
    scale = frame.type

    traces: list[go.Scattergeo] = []
    departments = basemap_layer("departments")["features"]
    if extent[2] - extent[0] <= RIVER_MAX_SPAN_DEG * 2:
        traces.append(_outline_trace(basemap_layer("rivers")["features"], colour=theme.river_colour,
                                     width=max(0.8, scale.base * 0.06), name="rivers"))
    traces.append(_outline_trace(departments, colour=theme.region_colour, width=max(0.6, scale.base * 0.05),
                                 name="departments"))
    vraem = _vraem_trace(regions, theme, scale, lang)
    if vraem is not None:
        traces.append(vraem)
    traces.extend(_route_traces(routes, theme, scale, lang))
    labels = place_labels(extent, projection, theme, scale)
    traces.extend(labels.dots)
    if use_cells:
        cells = store.bins(spec, _cell_size(projection))
        traces.append(_cell_trace(cells, projection, frame, theme, lang))
        cell_title = f"{translate('map.cell_scale', lang)} ({cells.cell_deg:g}°)"
    else:
        assert points is not None
        inside = np.flatnonzero(inside_box(points.longitude, points.latitude, extent))
        shown = PointColumns(row=points.row[inside], latitude=points.latitude[inside],
                             longitude=points.longitude[inside], type_code=points.type_code[inside],
                             precise=points.precise[inside], geo_precision_code=points.geo_precision_code[inside],
                             quantity_kg=points.quantity_kg[inside], fatalities=points.fatalities[inside],
                             total=points.total)
        traces.extend(_event_traces(shown, theme, scale, lang, with_halo=with_halo))
    if rings:
        traces.append(_ring_trace(rings, extent, theme, scale))
    traces.extend(labels.names)

    figure = go.Figure(traces)
    lon_range, lat_range = geo_axis_ranges(extent)
    figure.update_geos(
        projection=dict(type="mercator"), lonaxis=dict(range=lon_range, showgrid=False),
        lataxis=dict(range=lat_range, showgrid=False), fitbounds=False,
        resolution=50 if extent[2] - extent[0] <= COARSE_OUTLINE_SPAN_DEG else 110,
        showland=True, landcolor=theme.land_colour, showocean=True, oceancolor=theme.water_colour,
        showlakes=True, lakecolor=theme.water_colour, showcountries=True, countrycolor=theme.border_colour,
        countrywidth=max(0.8, scale.base * 0.06), showcoastlines=True, coastlinecolor=theme.border_colour,
        coastlinewidth=max(0.6, scale.base * 0.05), showframe=True, framecolor=theme.border_colour,
        framewidth=1, bgcolor=theme.paper_colour, showrivers=False, showsubunits=False,
        domain=dict(x=[0, 1], y=[0, 1]),
    )
    # Events in "legend" (or the cells' colour bar), routes and the VRAEM in "legend2".
    layout = {"legend2": legend_layout(frame, theme, len(blocks) - 1, route_block)}
    if has_events and not use_cells:
        layout["legend"] = legend_layout(frame, theme, 0, blocks[0])
    figure.update_layout(**layout, showlegend=True)
    if use_cells:
        # The colour bar's own title would overlap its bar: it is written like a legend title.
        figure.add_annotation(
            xref="paper", yref="paper", x=(frame.legend_left[0] - frame.left) / frame.plot_width, xanchor="left",
            y=1, yanchor="top", yshift=frame.top - frame.legend_top, showarrow=False, borderpad=0,
            name="export-cell-scale", text=escape_text(cell_title),
            font=dict(size=scale.legend, color=theme.muted_colour, family=theme.font_family))
    if total == 0:
        figure.add_annotation(no_events_note(lang, frame, theme))
    return decorate(figure, frame, theme)
