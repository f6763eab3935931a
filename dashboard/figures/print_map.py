"""The event map for print: a Mercator ``go.Scattergeo`` map fitted to the events, framed as a page.

Drawn on Plotly's bundled topojson (country outlines) plus the repository's base-map GeoJSON
(departments, rivers, place names), so SVG and PDF maps are true vectors. Up to ``max_points``
matching events are points coloured by type (sized by kg or deaths, approximate places paler with
a halo); above it, grid cells coloured by count. Place names are placed here, in page px, so none
overlaps another. The frame (title, subtitle, legends, source line) comes from
:mod:`.page_frame`, the projection and fitting from :mod:`.geo`. No dash.
"""

from __future__ import annotations

import csv
import functools
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from ..data.filters import FilterSpec
from ..data.imports.geocode import GAZETTEER_PATH
from ..data.language import DEFAULT_LANGUAGE
from ..data.store import CELL_SIZES, EVENT_TYPES, GEO_PRECISIONS, EventStore, GridBins, PointColumns
from ..i18n import format_number, label, translate, translate_count
from .event_map import CELL_COLOURSCALE, HALO_POINT_LIMIT, HALO_SIZE, marker_sizes
from .geo import (
    ROBUST_MIN_EVENTS,
    Box,
    MapProjection,
    fit_extent,
    geo_axis_ranges,
    inside_box,
    mercator_lat,
    mercator_y,
    points_box,
    shape_extent,
)
from .map_key import MAP_KEY_META, KeyLayout, build_map_key, key_layout, key_summary, types_present
from .page_frame import (
    LegendBlock,
    Page,
    PageFrame,
    PageText,
    TypeScale,
    decorate,
    legend_layout,
    legend_size,
    no_events_note,
    page_frame,
    with_note,
)
from .place_names import place_name
from .text_metrics import escape_text, text_width
from .theme import EVENT_COLOURS, Theme

BASEMAP_DIR = Path(__file__).resolve().parents[2] / "assets" / "basemap"

CELL_TARGET_PX = 12.0
RANK2_MAX_SPAN_DEG = 30.0  # town names when the view is narrower than this (longitude)
RIVER_MAX_SPAN_DEG = 14.0
LABEL_PRIORITY = frozenset({"Lima", "La Paz"})
HALO_MAX_SPAN_DEG = 30.0  # uncertainty rings only when the view is narrower than this
KEY_BESIDE_MIN_PLOT = 0.45  # an overflowing key gets a column when the map keeps this share of the width
# Wider views use Natural Earth 1:110m outlines: the same look at that scale, an SVG ~5x smaller
# (a 1200 px world map: 0.8 MB instead of 3.7 MB).
COARSE_OUTLINE_SPAN_DEG = 60.0
# A view whose events are mostly in one place and a few far away (28 seizures: 23 in Peru and
# Bolivia, 5 in Europe and the US) is framed on that place, the others named in the subtitle:
# an Atlantic-wide frame squeezed the story into a corner. Chosen over an inset locator, which
# would take a corner of a map already short of room for its labels.
CLUSTER_RADIUS_DEG = 15.0  # events this close (degrees, longitude shrunk by latitude) form a cluster
CLUSTER_MIN_SHARE = 2 / 3  # ...holding at least this share of the events
CLUSTER_MIN_EVENTS = 5
CLUSTER_SPAN_RATIO = 3.0  # ...and the whole view this many times wider or taller than the cluster
CLUSTER_MAX_LEFT_OUT = 8  # ...and the subtitle can name every event left out (the overview's 11 in Europe: shown)
# Events all in one port are framed on the port and its city, not on a 3° box of empty hills.
PRINT_MIN_SPAN_DEG = 1.2
PRINT_PAD = 0.12  # share of the events' span added on each side
ABOUT_PX = 10.0  # a place this close (page px) to an event shown is one the map is about
ABOUT_SPACING_PX = 60.0  # in a wide view, the places named for their events are at least this far apart
BURIED_PX = 25.0  # a place whose markers reach this far round it is named only as an event place
LABEL_GAP_PX = 3.0  # between a name and its place's dot or marker
LEFT_OUT_PLACE_DEG = 2.0  # an event left out of a focused map is named after a place this close


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


def event_marker_px(points: PointColumns, theme: Theme, scale: TypeScale) -> np.ndarray:
    """Diameter (page px) of each event's marker on a printed map (sized by kg or deaths)."""
    factor = scale.base / 15.0  # marker_sizes is tuned for 13 px screen type; print needs less
    return marker_sizes(points.quantity_kg, points.fatalities).astype(np.float32) * factor * theme.marker_scale


def frame_extent(longitude: np.ndarray, latitude: np.ndarray, aspect: float) -> Box:
    """A printed map's box round the events, padded and shaped to ``aspect`` (plot width / height).

    Like :func:`.geo.fit_extent` (far strays of 100+ events left out), but as tight as
    :data:`PRINT_MIN_SPAN_DEG`: a page is seen at a glance, so the events should fill it.
    """
    box = points_box(longitude, latitude, robust_from=ROBUST_MIN_EVENTS)
    if box is None:
        return fit_extent(longitude, latitude, aspect)
    west, south, east, north = box
    span_x, span_y = max(east - west, PRINT_MIN_SPAN_DEG), max(north - south, PRINT_MIN_SPAN_DEG)
    cx, cy = (west + east) / 2, (south + north) / 2
    return shape_extent((cx - span_x * (0.5 + PRINT_PAD), cy - span_y * (0.5 + PRINT_PAD),
                         cx + span_x * (0.5 + PRINT_PAD), cy + span_y * (0.5 + PRINT_PAD)), aspect)


def main_cluster(longitude: np.ndarray, latitude: np.ndarray) -> np.ndarray | None:
    """Which events form the cluster a printed map should be framed on, or None to show them all.

    The cluster is every event within :data:`CLUSTER_RADIUS_DEG` of the event with the most
    events that close. It is returned when it holds at least :data:`CLUSTER_MIN_SHARE` of
    :data:`CLUSTER_MIN_EVENTS` or more events, not all of them and at most
    :data:`CLUSTER_MAX_LEFT_OUT` left out, and the whole set spans
    :data:`CLUSTER_SPAN_RATIO` times the cluster's width or height (degrees).

    Parameters
    ----------
    longitude, latitude
        The events' positions.

    Returns
    -------
    numpy.ndarray or None
        A boolean mask over the events.
    """
    lon = np.asarray(longitude, dtype=np.float64)
    lat = np.asarray(latitude, dtype=np.float64)
    if lon.size < CLUSTER_MIN_EVENTS:
        return None
    # Distinct places (to a tenth of a degree) weighted by their events: the pairwise distances
    # stay small when many events share a port.
    cells, inverse, weights = np.unique(np.round(np.column_stack([lon, lat]), 1), axis=0,
                                        return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    shrink = np.cos(np.radians(np.clip(cells[:, 1], -80, 80)))
    dx = (cells[:, None, 0] - cells[None, :, 0]) * np.minimum(shrink[:, None], shrink[None, :])
    dy = cells[:, None, 1] - cells[None, :, 1]
    near = dx * dx + dy * dy <= CLUSTER_RADIUS_DEG ** 2
    centre = int(np.argmax(near @ weights))
    members = near[centre][inverse]
    share = members.sum() / lon.size
    if share < CLUSTER_MIN_SHARE or members.all() or (~members).sum() > CLUSTER_MAX_LEFT_OUT:
        return None

    def span(values: np.ndarray) -> float:
        return max(float(values.max() - values.min()), 1.0)

    wide = max(span(lon) / span(lon[members]), span(lat) / span(lat[members]))
    return members if wide >= CLUSTER_SPAN_RATIO else None


def _with_alpha(colour: str, alpha: float) -> str:
    """``#rrggbb`` as ``rgba(…)``: the fill fades, the marker's outline does not (marker opacity fades both)."""
    value = colour.lstrip("#")
    red, green, blue = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha:g})"


def _event_traces(points: PointColumns, theme: Theme, scale: TypeScale, lang: str, *,
                  with_halo: bool) -> list[go.Scattergeo]:
    """Per type an exact-place and a paler approximate-place trace; rings round approximate places.

    The rings are px wide, like on screen: they only mean something when zoomed in, so wide
    views leave them out (the paler colour still marks approximate places).
    """
    factor = scale.base / 15.0
    marker_factor = factor * theme.marker_scale
    sizes = event_marker_px(points, theme, scale)
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
                name=escape_text(translate("map.approximate", lang)), hoverinfo="skip", showlegend=False,
            ))
    for code, event_type in enumerate(EVENT_TYPES):
        of_type = points.type_code == code
        if not of_type.any():
            continue
        name = escape_text(label("event_type", event_type, lang))
        colour = theme.colour(EVENT_COLOURS[event_type])
        rim = theme.mark_rim(colour)
        # A pale hue's rim is opaque (the fill alone is under 3:1); approximate places fade their fill only.
        line = dict(color=rim, width=max(1.0, factor * 0.8)) if rim else \
            dict(color=theme.marker_line_colour, width=max(0.6, factor * 0.6))
        in_legend = True
        if not (of_type & points.precise).any():
            # The legend swatch in the type's full colour, not the approximate places' faded one.
            traces.append(go.Scattergeo(lon=[None], lat=[None], mode="markers", name=name, legendgroup=event_type,
                                        marker=dict(size=scale.legend, color=colour, opacity=0.92, line=line),
                                        showlegend=True, legendrank=1000 + code, hoverinfo="skip"))
            in_legend = False
        for precise in (True, False):
            selected = np.flatnonzero(of_type & (points.precise == precise))
            if not selected.size:
                continue
            fill = dict(color=colour, opacity=0.92) if precise else dict(color=_with_alpha(colour, 0.55))
            traces.append(go.Scattergeo(
                lon=points.longitude[selected], lat=points.latitude[selected], mode="markers",
                marker=dict(size=sizes[selected], line=line, **fill),
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


@dataclass(frozen=True)
class MarkerDiscs:
    """Event markers in page px (centres and radii): names are kept off them."""

    x: np.ndarray
    y: np.ndarray
    radius: np.ndarray
    exact: np.ndarray | None = None  # which events are placed exactly (None: all)

    @classmethod
    def none(cls) -> MarkerDiscs:
        empty = np.zeros(0, dtype=np.float64)
        return cls(empty, empty, empty)


PxBox = tuple[float, float, float, float]


@functools.cache
def gazetteer_points() -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Names and lon/lat of the gazetteer's places (``geodata/gazetteer.csv``, read once)."""
    with GAZETTEER_PATH.open(encoding="utf-8", newline="") as handle:
        rows = [(row["name"], float(row["longitude"]), float(row["latitude"])) for row in csv.DictReader(handle)]
    return (tuple(r[0] for r in rows), np.array([r[1] for r in rows], dtype=np.float64),
            np.array([r[2] for r in rows], dtype=np.float64))


def _gazetteer_places(markers: MarkerDiscs, projection: MapProjection, named: np.ndarray,
                      taken: set[str]) -> list[tuple[int, int, dict, float, float]]:
    """Event places the places file does not name (Medellín on the sea route): the gazetteer's
    nearest place within :data:`ABOUT_PX` of each exactly placed marker no named place is near.
    An approximate marker is never named after a town: it stands for a wider area."""
    exact = markers.exact if markers.exact is not None else np.ones(markers.x.size, dtype=bool)
    lonely = np.flatnonzero(exact & ~named)
    if not lonely.size:
        return []
    names, lon, lat = gazetteer_points()
    inside = np.flatnonzero(inside_box(lon, lat, projection.extent))
    px, py = projection.px(lon[inside], lat[inside])
    found: dict[int, int] = {}
    for marker in lonely:
        distance = np.hypot(px - markers.x[marker], py - markers.y[marker])
        if distance.size and distance.min() <= ABOUT_PX:
            nearest = int(inside[int(np.argmin(distance))])
            found[nearest] = found.get(nearest, 0) + 1
    places = []
    for index, count in found.items():
        if names[index] in taken:
            continue
        x, y = projection.px(lon[index:index + 1], lat[index:index + 1])
        feature = {"geometry": {"coordinates": [float(lon[index]), float(lat[index])]},
                   "properties": {"name": names[index], "rank": 3}}
        places.append((3, count, feature, float(x[0]), float(y[0])))
    return places


def _hits_disc(box: PxBox, discs: MarkerDiscs) -> bool:
    """Whether a px box overlaps any marker disc (nearest point of the box within the radius)."""
    if not discs.x.size:
        return False
    nearest_x = np.clip(discs.x, box[0], box[2])
    nearest_y = np.clip(discs.y, box[1], box[3])
    return bool((((discs.x - nearest_x) ** 2 + (discs.y - nearest_y) ** 2) < discs.radius ** 2).any())


def _label_boxes(x: float, y: float, width: float, height: float, clear: float) -> list[PxBox]:
    """Where a name may go round its place, best first: right, left, above, below, then the corners.

    ``clear`` is how far from the place the name starts (the marker drawn there, plus a gap).
    """
    half = height / 2
    return [
        (x + clear, y - half, x + clear + width, y + half),
        (x - clear - width, y - half, x - clear, y + half),
        (x - width / 2, y - clear - height, x + width / 2, y - clear),
        (x - width / 2, y + clear, x + width / 2, y + clear + height),
        (x + clear * 0.7, y - clear * 0.7 - height, x + clear * 0.7 + width, y - clear * 0.7),
        (x + clear * 0.7, y + clear * 0.7, x + clear * 0.7 + width, y + clear * 0.7 + height),
        (x - clear * 0.7 - width, y - clear * 0.7 - height, x - clear * 0.7, y - clear * 0.7),
        (x - clear * 0.7 - width, y + clear * 0.7, x - clear * 0.7, y + clear * 0.7 + height),
    ]


def _covers_dot(box: PxBox, dots: np.ndarray, own: tuple[float, float]) -> bool:
    """Whether a name's box covers another place's dot (its own excepted)."""
    if not dots.size:
        return False
    inside = ((dots[:, 0] >= box[0] - 3) & (dots[:, 0] <= box[2] + 3) & (dots[:, 1] >= box[1] - 3)
              & (dots[:, 1] <= box[3] + 3))
    own_dot = (np.abs(dots[:, 0] - own[0]) < 0.5) & (np.abs(dots[:, 1] - own[1]) < 0.5)
    return bool((inside & ~own_dot).any())


def _unproject(projection: MapProjection, x: float, y: float) -> tuple[float, float]:
    """Lon/lat of a page px inside the map (the inverse of :meth:`MapProjection.px`)."""
    west, south, east, north = projection.extent
    y_north, y_south = float(mercator_y(north)), float(mercator_y(south))
    lon = west + (x - projection.left) / projection.width * (east - west)
    return lon, mercator_lat(y_north - (y - projection.top) / projection.height * (y_north - y_south))


def place_labels(extent: Box, projection: MapProjection, theme: Theme, scale: TypeScale, *,
                 markers: MarkerDiscs | None = None, lang: str = DEFAULT_LANGUAGE) -> PlaceLabels:
    """Place and river names inside the view, the places of the events first, none on another or on a marker.

    The places the map is about come first: every named place (any rank) with an event's
    marker on it, most events first (the port of Callao on a Callao map, which Lima used to
    crowd out). Then capitals and ports, towns when the view is narrow, rivers when narrower.
    Each name tries eight spots round its place, clear of the marker drawn there; a name that
    fits none (off the plot, on another name, on any marker) is left out.

    Parameters
    ----------
    extent, projection
        The view and its page px.
    theme, scale
        Colours and type.
    markers
        The event markers drawn (page px): names keep off them, and places under them are named first.
    lang
        The language the names are written in (:func:`~.place_names.place_name`).
    """
    markers = markers or MarkerDiscs.none()
    span = extent[2] - extent[0]
    layers = [("labels-rank1", theme.text_colour, scale.place, False)]
    if span <= RANK2_MAX_SPAN_DEG:
        layers.append(("labels-rank2", theme.muted_colour, round(scale.place * 0.92), False))
    if span <= RIVER_MAX_SPAN_DEG:
        layers.append(("labels-rivers", theme.river_label_colour, round(scale.place * 0.9), True))
    # Places under the events, from every rank of the places file.
    about: list[tuple[int, int, dict, float, float]] = []  # rank, events near, feature, px
    if markers.x.size:
        named = np.zeros(markers.x.size, dtype=bool)
        for rank, layer in enumerate(("labels-rank1", "labels-rank2", "labels-rank3"), start=1):
            for feature in basemap_layer(layer)["features"]:
                lon, lat = feature["geometry"]["coordinates"][:2]
                px, py = projection.px(np.array([lon]), np.array([lat]))
                close = (markers.x - px[0]) ** 2 + (markers.y - py[0]) ** 2 <= ABOUT_PX ** 2
                if close.any():
                    named |= close
                    about.append((rank, int(close.sum()), feature, float(px[0]), float(py[0])))
        about.extend(_gazetteer_places(markers, projection, named,
                                       {str(item[2]["properties"].get("name")) for item in about}))
    about.sort(key=lambda item: (item[0], -item[1]))  # capitals and ports first, then the busiest
    about_px = {id(item[2]): (item[3], item[4]) for item in about}
    named_px: list[tuple[float, float]] = []  # event places named so far
    about_names = {str(item[2]["properties"].get("name")) for item in about}
    candidates = [("labels-events", theme.text_colour, scale.place, False, item[2]) for item in about]
    for layer, colour, size, is_river in layers:
        candidates.extend((layer, colour, size, is_river, feature) for feature in _label_features(layer)
                          if str(feature["properties"].get("name")) not in about_names)

    # A halo in the land colour keeps names readable over lines and markers.
    halo = f"0px 0px 2px {theme.land_colour}, 0px 0px 3px {theme.land_colour}"
    plot_box = projection.plot_box
    placed: list[PxBox] = []  # px boxes of the names (and dots) placed so far
    # Every candidate place's dot in px: a name first looks for a spot that covers none of them,
    # so "Port of Callao" goes to the sea side and leaves room for Lima.
    place_lonlat = np.array([f["geometry"]["coordinates"][:2] for *_, is_river, f in candidates if not is_river],
                            dtype=np.float64).reshape(-1, 2)
    dot_px = np.column_stack(projection.px(place_lonlat[:, 0], place_lonlat[:, 1]))
    chosen: dict[str, dict[str, list]] = {}
    styles: dict[str, tuple[str, float, bool]] = {}
    for layer, colour, size, is_river, feature in candidates:
        lon, lat = feature["geometry"]["coordinates"][:2]
        if not inside_box(np.array([lon]), np.array([lat]), extent, span * 0.01)[0]:
            continue
        text = place_name(feature["properties"], lang)
        px, py = projection.px(np.array([lon]), np.array([lat]))
        x, y = float(px[0]), float(py[0])
        if layer == "labels-events" and span > RIVER_MAX_SPAN_DEG and any(
                math.hypot(x - nx, y - ny) <= ABOUT_SPACING_PX for nx, ny in named_px):
            # A wide view names one place per knot of markers (the VRAEM's towns are one knot); a
            # capital or port in the knot may still be named as any other (Lima beside Callao).
            rank = int(feature["properties"].get("rank", 3))
            if rank > 1:
                continue
            layer, colour, size = "labels-rank1", theme.text_colour, scale.place
        width, height = text_width(text, size) + 4, size * 1.25
        if is_river:
            options = [(x - width / 2, y - height / 2, x + width / 2, y + height / 2)]
        else:
            # Clear of every marker on or next to the place (a port's events are a few px apart).
            distance = np.hypot(markers.x - x, markers.y - y)
            # In a wide view an event place names its whole knot of markers: the name clears the knot.
            knot = ABOUT_SPACING_PX / 2 if layer == "labels-events" and span > RIVER_MAX_SPAN_DEG else ABOUT_PX
            under = (distance <= markers.radius + 1) | (distance <= knot)
            reach = float((distance + markers.radius)[under].max()) if under.any() else max(2.0, scale.base * 0.15)
            if layer != "labels-events" and reach > BURIED_PX:
                continue  # its dot is lost in a knot of markers: a name set far off it would point nowhere
            options = _label_boxes(x, y, width, height, reach + LABEL_GAP_PX)
        free = [box for box in options
                if plot_box[0] <= box[0] and box[2] <= plot_box[2] and plot_box[1] <= box[1] <= box[3] <= plot_box[3]
                and not any(_overlaps(box, other) for other in placed) and not _hits_disc(box, markers)]
        clear_of_dots = [box for box in free if not _covers_dot(box, dot_px, (x, y))]
        if not free:
            continue
        box = (clear_of_dots or free)[0]
        placed.append(box)
        if layer == "labels-events":
            named_px.append(about_px.get(id(feature), (x, y)))
        if not is_river:  # later names keep off this place's dot
            placed.append((x - 2, y - 2, x + 2, y + 2))
        entry = chosen.setdefault(layer, {"names": [], "lons": [], "lats": [], "at_lon": [], "at_lat": []})
        styles[layer] = (colour, size, is_river)
        centre = _unproject(projection, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        entry["names"].append(escape_text(text))
        entry["lons"].append(lon)
        entry["lats"].append(lat)
        entry["at_lon"].append(centre[0])
        entry["at_lat"].append(centre[1])
    result = PlaceLabels(dots=[], names=[])
    for layer, entry in chosen.items():
        colour, size, is_river = styles[layer]
        if not is_river:
            result.dots.append(go.Scattergeo(
                lon=entry["lons"], lat=entry["lats"], mode="markers", hoverinfo="skip", showlegend=False,
                name=f"{layer}-dots", marker=dict(size=max(4.0, scale.base * 0.3), color=theme.text_colour,
                                                  line=dict(width=1, color=theme.paper_colour)),
            ))
        # Each name is drawn centred on the box chosen for it (a px offset plotly cannot take).
        result.names.append(go.Scattergeo(
            lon=entry["at_lon"], lat=entry["at_lat"], text=entry["names"], mode="text",
            textposition="middle center", name=layer, customdata=list(zip(entry["lons"], entry["lats"])),
            textfont=dict(size=size, color=colour, family=theme.font_family, shadow=halo,
                          style="italic" if is_river else "normal",
                          weight="bold" if layer == "labels-events" else "normal"),
            hoverinfo="skip", showlegend=False,
        ))
    return result


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def type_labels(points: PointColumns, lang: str) -> tuple[str, ...]:
    """The event types of the points, in words (the map key's list: exactly the types shown)."""
    return tuple(label("event_type", event_type, lang) for event_type in types_present(points.type_code))


def print_key_layout(points: PointColumns, theme: Theme, scale: TypeScale, lang: str, *, with_halo: bool,
                     left_px: float = 0.0, top_px: float = 0.0, place: bool = True,
                     sizes: bool = True) -> KeyLayout:
    """The size and place key of a printed map (markers at the map's print size), from its top-left.

    Routes and the VRAEM keep their own legend on print (``legend2``); the place key appears
    only when an approximate place is drawn, its ring only when the map draws rings.
    """
    factor = scale.base / 15.0  # as event_marker_px
    key = build_map_key(points, routes={}, vraem=False, theme=theme, lang=lang, print_factor=factor)
    return key_layout(key, theme, top_px=top_px, left_px=left_px, font_size=scale.legend,
                      max_width_px=14 * scale.legend, marker_factor=factor, approximate_opacity=0.55, approximate_rim=True,
                      halo_colour=theme.muted_colour, place=place and key.approximate_shown, ring=with_halo,
                      sizes=sizes)


def key_rows(drawn: KeyLayout, scale: TypeScale) -> tuple[str, ...]:
    """Legend rows that keep room for the drawn key: as many as its height needs, the last as
    wide as it is (labels the page frame sizes the legend column from)."""
    rows = max(1, math.ceil(drawn.height_px / scale.legend_row))
    wide = "n" * max(1, math.ceil((drawn.width_px - 2.6 * scale.legend - 14) / text_width("n", scale.legend)))
    return ("",) * (rows - 1) + (wide,)


def key_fits_column(blocks: tuple[LegendBlock, ...], frame: PageFrame) -> bool:
    """Whether the legends (event types with the key's rows, then routes) fit one above the other
    in a right-hand legend column (legends below the map sit side by side: always)."""
    if frame.legend_below:
        return True
    needed = sum(legend_size(block, frame.type)[1] for block in blocks) + frame.type.base
    return needed <= frame.legend_bottom - frame.legend_top


def add_print_key(figure: go.Figure, frame: PageFrame, theme: Theme, points: PointColumns, lang: str, *,
                  with_halo: bool, where: str = "column") -> None:
    """Draw the size and place key: under the event-type legend, in the rows kept for it
    (``column``), at the top of its own column between the map and the legends (``beside``) or
    in a band under the map, sizes then places (``below``)."""
    scale = frame.type
    types = type_labels(points, lang)
    types_height = legend_size(LegendBlock(title=translate("breakdown.event_type", lang), labels=types), scale)[1]
    # Shapes and annotations are placed from the plot area's top-right corner, in px.
    left = frame.legend_left[0] - (frame.left + frame.plot_width) + 2
    top = frame.legend_top + types_height - frame.top
    if where == "beside":
        left, top = scale.base * 0.8, frame.legend_top - frame.top
    if where == "below":
        left, top = -frame.plot_width, frame.plot_height + scale.base * 0.6
        sizes = print_key_layout(points, theme, scale, lang, with_halo=with_halo, left_px=left, top_px=top,
                                 place=False)
        places = print_key_layout(points, theme, scale, lang, with_halo=with_halo, sizes=False, top_px=top,
                                  left_px=sizes.width_px + 2 * scale.base)  # width_px counts from the anchor
        drawn = KeyLayout(shapes=sizes.shapes + places.shapes, annotations=sizes.annotations + places.annotations,
                          width_px=0.0, height_px=0.0)
    else:
        drawn = print_key_layout(points, theme, scale, lang, with_halo=with_halo, left_px=left, top_px=top)
    # The same key as data, for pages that draw it themselves (the HTML embed).
    key = build_map_key(points, routes={}, vraem=False, theme=theme, lang=lang, print_factor=scale.base / 15.0)
    figure.update_layout(shapes=[*figure.layout.shapes, *drawn.shapes],
                         annotations=[*figure.layout.annotations, *drawn.annotations],
                         meta={MAP_KEY_META: key_summary(key, with_ring=with_halo)})


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


def _subset(points: PointColumns, index: np.ndarray) -> PointColumns:
    return PointColumns(row=points.row[index], latitude=points.latitude[index], longitude=points.longitude[index],
                        type_code=points.type_code[index], precise=points.precise[index],
                        geo_precision_code=points.geo_precision_code[index],
                        quantity_kg=points.quantity_kg[index], fatalities=points.fatalities[index],
                        total=points.total)


def focus_note(points: PointColumns, cluster: np.ndarray, lang: str) -> str:
    """The subtitle's note on a map framed on its main cluster: how many events it shows, and where the rest are.

    Each event left out is named after the nearest place of the places file within
    :data:`LEFT_OUT_PLACE_DEG` ("Rotterdam (2), Algeciras and Philadelphia"), else counted as elsewhere.
    """
    features = [f for layer in ("labels-rank1", "labels-rank2", "labels-rank3")
                for f in basemap_layer(layer)["features"]]
    place_lon = np.array([f["geometry"]["coordinates"][0] for f in features], dtype=np.float64)
    place_lat = np.array([f["geometry"]["coordinates"][1] for f in features], dtype=np.float64)
    counts: dict[str, int] = {}
    elsewhere = 0
    for lon, lat in zip(points.longitude[~cluster], points.latitude[~cluster]):
        distance = np.hypot((place_lon - lon) * math.cos(math.radians(float(lat))), place_lat - lat)
        nearest = int(np.argmin(distance)) if distance.size else -1
        if nearest >= 0 and distance[nearest] <= LEFT_OUT_PLACE_DEG:
            name = place_name(features[nearest]["properties"], lang)
            counts[name] = counts.get(name, 0) + 1
        else:
            elsewhere += 1
    named = [f"{name} ({format_number(count, lang)})" if count > 1 else name
             for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    if elsewhere:
        named.append(translate_count("map.print.elsewhere", elsewhere, lang))
    places = named[0] if len(named) == 1 else \
        f"{', '.join(named[:-1])} {translate('export.list_and', lang)} {named[-1]}"
    return translate("map.print.focus", lang, shown=format_number(int(cluster.sum()), lang),
                     total=format_number(cluster.size, lang), places=places)


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
        cluster = main_cluster(points.longitude, points.latitude) if extent is None else None
        if cluster is not None:
            text = with_note(text, focus_note(points, cluster, lang))
            points = _subset(points, np.flatnonzero(cluster))
        lon_sample, lat_sample = points.longitude, points.latitude
    route_block = LegendBlock(title=translate("map.routes", lang), labels=_route_legend_labels(routes, regions, lang))

    def blocks_for(with_halo: bool) -> tuple[LegendBlock, ...]:
        if use_cells:
            return (LegendBlock(title=f"{translate('map.cell_scale', lang)} (0.05°)", labels=(), colourbar=True),
                    route_block)
        assert points is not None
        labels = type_labels(points, lang)
        if not labels:
            return (route_block,)
        # The size and place key is drawn under the event types, in rows kept for it here.
        events = LegendBlock(title=translate("breakdown.event_type", lang),
                             labels=labels + key_rows(print_key_layout(points, theme, page.type, lang,
                                                                       with_halo=with_halo), page.type))
        return (events, route_block)

    # The halo rings (and their legend entry) depend on the extent, which depends on the legend's
    # room: lay out with the entry, then again without it if the view turned out wide.
    wanted = extent

    def extent_for(frame: PageFrame) -> Box:
        aspect = frame.plot_width / frame.plot_height
        return frame_extent(lon_sample, lat_sample, aspect) if wanted is None else shape_extent(wanted, aspect)

    blocks = blocks_for(with_halo=True)
    frame = page_frame(page, text, blocks, left_extra=left_extra)
    extent = extent_for(frame)
    with_halo = extent[2] - extent[0] <= HALO_MAX_SPAN_DEG
    if not with_halo and blocks != blocks_for(with_halo=False):
        blocks = blocks_for(with_halo=False)
        frame = page_frame(page, text, blocks, left_extra=left_extra)
        extent = extent_for(frame)
    has_events = len(blocks) == 2
    key_place = "column"
    legend_frame = frame  # where the legends go: the key's band under the map leaves their column whole
    if has_events and not use_cells and not key_fits_column(blocks, frame):
        # Many types and the routes fill the legend column: the key gets room of its own, a
        # column beside the legends when the map stays wide enough, else a band under the map
        # (the map gives way rather than anything overlapping).
        assert points is not None
        blocks = (LegendBlock(title=blocks[0].title, labels=type_labels(points, lang)), *blocks[1:])
        drawn = print_key_layout(points, theme, page.type, lang, with_halo=with_halo)
        beside = page_frame(page, text, blocks, left_extra=left_extra, right_extra=drawn.width_px + page.type.base)
        if beside.plot_width >= KEY_BESIDE_MIN_PLOT * beside.width:
            key_place = "beside"
            frame = legend_frame = beside
        else:
            key_place = "below"
            band = max(print_key_layout(points, theme, page.type, lang, with_halo=with_halo, place=False).height_px,
                       print_key_layout(points, theme, page.type, lang, with_halo=with_halo, sizes=False).height_px)
            frame = page_frame(page, text, blocks, left_extra=left_extra, bottom_extra=band + page.type.base)
            legend_frame = replace(frame, legend_bottom=frame.legend_bottom + band + page.type.base)
        extent = extent_for(frame)
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
    shown = None
    markers = MarkerDiscs.none()
    if points is not None:
        shown = _subset(points, np.flatnonzero(inside_box(points.longitude, points.latitude, extent)))
        marker_x, marker_y = projection.px(shown.longitude, shown.latitude)
        markers = MarkerDiscs(marker_x, marker_y, event_marker_px(shown, theme, scale).astype(np.float64) / 2,
                              exact=shown.precise.astype(bool))
    labels = place_labels(extent, projection, theme, scale, markers=markers, lang=lang)
    traces.extend(labels.dots)
    if use_cells:
        cells = store.bins(spec, _cell_size(projection))
        traces.append(_cell_trace(cells, projection, frame, theme, lang))
        cell_title = f"{translate('map.cell_scale', lang)} ({cells.cell_deg:g}°)"
    else:
        assert shown is not None
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
    layout = {"legend2": legend_layout(legend_frame, theme, len(blocks) - 1, route_block)}
    if has_events and not use_cells:
        layout["legend"] = legend_layout(legend_frame, theme, 0, blocks[0])
    figure.update_layout(**layout, showlegend=True)
    if has_events and not use_cells:
        assert shown is not None
        add_print_key(figure, frame, theme, points if points is not None else shown, lang, with_halo=with_halo,
                      where=key_place)
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
