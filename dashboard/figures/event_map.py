"""The event map on Plotly's MapLibre traces (``go.Scattermap``).

Trace order is fixed, so callbacks can patch one trace by index without the figure as State:
route legs, VRAEM outline, uncertainty halo, two traces per event type (exact, approximate),
grid cells, highlight. The map draws what a :class:`MapLayer` holds: every point, the points in
view, or grid cells when too many events are in view for a browser to draw.

Per point only float32 coordinates and a uint8 marker size are sent (base64 typed arrays); no
text, dates or ids. Hover and click details are fetched from the server for the point's
coordinates (see ``dashboard.state.views.event_row_at``). Place and river
names are MapLibre symbol layers, so the map engine hides colliding labels and reveals finer ones
as the user zooms in.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from _plotly_utils.utils import to_typed_array_spec

from ..data.filters import MapView
from ..data.language import DEFAULT_LANGUAGE
from ..data.store import EVENT_TYPES, GEO_PRECISIONS, MAP_TILE_PX, GridBins, PointColumns
from ..i18n import format_number, label, translate
from . import unchecked
from .map_key import KeyLayout, MapKey, build_map_key, key_layout, marker_sizes, type_legend_flags
from .theme import EVENT_COLOURS, SCREEN, Theme

DEFAULT_VIEW = MapView(lat=-11.5, lon=-69.0, zoom=4.1)
PRECISE_OPACITY = 0.95
APPROXIMATE_OPACITY = 0.6
HALO_OPACITY = 0.16
# Halo diameter (px) per geo precision: the coarser the place, the wider the uncertainty ring.
HALO_SIZE = {"exact": 0, "town": 0, "district": 20, "province": 26, "region": 32, "country": 40}
INFERRED_DOT_SPACING_DEG = 0.35
LEGEND_WIDTH_PX = 185  # the right margin that holds the key (wider when the key needs it)
LEGEND_PX_PER_FONT_PX = 11  # "Attack on security forces" is ~11 em wide, with its swatch
KEY_FONT_RATIO = 0.8
KEY_GAP_PX = 12
KEY_LEFT_PX = 10  # from the map's right edge to the key  # between the key's widest line and the figure's right edge
# Each uncertainty ring repeats its point's coordinates: above this many coarse points the rings
# are left out (the approximate points stay paler) to keep the update small.
HALO_POINT_LIMIT = 5_000
CELL_FILL_RATIO = 0.9  # cell marker diameter / cell width on screen
MAX_CELL_MARKER_PX = 60
# Sequential, colour-blind safe (viridis end points trimmed so the lightest cell shows on land).
CELL_COLOURSCALE = [[0.0, "#fde725"], [0.25, "#5ec962"], [0.5, "#21918c"], [0.75, "#3b528b"],
                    [1.0, "#440154"]]
GLYPHS_URL = "/assets/fonts/{fontstack}/{range}.pbf"


@dataclass(frozen=True)
class MapTraceIndex:
    """Where each group of traces sits in ``figure.data``."""

    routes: range
    vraem: int
    halo: int
    events: range  # per event type: exact-place trace, then approximate-place trace
    cells: int
    highlight: int

    def event_type_code(self, curve: int) -> int | None:
        """The event type code drawn by trace ``curve``, or None for other traces."""
        if curve not in self.events:
            return None
        return (curve - self.events.start) // 2

    def is_exact_place_trace(self, curve: int) -> bool:
        """True for the exact/town-place trace of a type, False for its approximate-place one."""
        return (curve - self.events.start) % 2 == 0


def map_trace_index(route_leg_count: int) -> MapTraceIndex:
    """Trace positions for a map with ``route_leg_count`` route legs."""
    vraem = route_leg_count
    events_start = vraem + 2
    events_end = events_start + 2 * len(EVENT_TYPES)
    return MapTraceIndex(
        routes=range(0, route_leg_count), vraem=vraem, halo=vraem + 1,
        events=range(events_start, events_end), cells=events_end, highlight=events_end + 1,
    )


@dataclass(frozen=True)
class MapLayer:
    """What the map draws for one filter and view.

    ``mode`` is "all" (every matching event fits: panning needs no new query), "points" (the
    matching events in the queried box) or "cells" (too many in view: grid cells).
    """

    mode: str
    points: PointColumns
    cells: GridBins | None
    total: int  # events matching the filter, anywhere
    in_view: int  # matching events inside the queried box (the view plus a margin)
    cell_px: float = 0.0  # cell width on screen at the current zoom
    visible_box: tuple[float, float, float, float] | None = None  # west, south, east, north

    @property
    def shown(self) -> int:
        """Events drawn inside the visible box (cells counted by their centres)."""
        if self.mode != "cells" or self.cells is None or self.visible_box is None:
            return self.in_view if self.mode != "all" else self.total
        west, south, east, north = self.visible_box
        inside = ((self.cells.longitude >= west) & (self.cells.longitude <= east)
                  & (self.cells.latitude >= south) & (self.cells.latitude <= north))
        return int(self.cells.counts[inside].sum())


def empty_points() -> PointColumns:
    nothing = np.empty(0, dtype=np.float32)
    return PointColumns(row=np.empty(0, dtype=np.int32), latitude=nothing, longitude=nothing,
                        type_code=np.empty(0, dtype=np.int8), precise=np.empty(0, dtype=bool),
                        geo_precision_code=np.empty(0, dtype=np.int8), quantity_kg=nothing,
                        fatalities=nothing, total=0)


def points_layer(points: PointColumns) -> MapLayer:
    """Every point of ``points`` (the whole filtered set when it fits)."""
    return MapLayer(mode="all", points=points, cells=None, total=points.total, in_view=points.total)


def typed_arrays(value: object) -> object:
    """``value`` with every numpy array as plotly's base64 typed-array spec.

    Figures are encoded this way by plotly; a ``Patch`` is not, and would send lists.
    """
    if isinstance(value, np.ndarray):
        return to_typed_array_spec(value) if value.size else []
    if isinstance(value, dict):
        return {key: typed_arrays(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [typed_arrays(item) for item in value]
    return value


def offline_style(theme: Theme = SCREEN) -> dict:
    """A MapLibre style with no remote sources: a background, local glyphs for labels."""
    # "sources" must not be empty: plotly prunes empty objects on update, and MapLibre then
    # refuses the style ("missing required property sources") and stops redrawing the map.
    return {
        "version": 8,
        "sources": {"empty": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}},
        "glyphs": GLYPHS_URL,
        "layers": [{"id": "background", "type": "background",
                    "paint": {"background-color": theme.water_colour}}],
    }


def offline_layers(theme: Theme = SCREEN, asset_prefix: str = "/assets/basemap/") -> list[dict]:
    """Base layers as GeoJSON URLs under /assets (inline dicts render far slower)."""
    return [
        {"sourcetype": "geojson", "source": f"{asset_prefix}countries.geojson", "type": "fill",
         "color": theme.land_colour, "below": "traces"},
        {"sourcetype": "geojson", "source": f"{asset_prefix}countries.geojson", "type": "line",
         "color": theme.border_colour, "line": {"width": 0.8}, "below": "traces"},
        {"sourcetype": "geojson", "source": f"{asset_prefix}departments.geojson", "type": "line",
         "color": theme.region_colour, "line": {"width": 0.6}, "below": "traces"},
        {"sourcetype": "geojson", "source": f"{asset_prefix}rivers.geojson", "type": "line",
         "color": theme.river_colour, "line": {"width": 0.7}, "opacity": 0.8, "below": "traces"},
        *label_layers(theme, asset_prefix),
    ]


# (file, minzoom, text size, colour, anchor): rank 1 always, finer places only when zoomed in.
LABEL_LAYERS = (
    ("labels-rivers.geojson", 5.5, 12, "#2f6f9f", "middle center"),
    ("labels-rank1.geojson", 0, 12, "#3b434b", "top right"),
    ("labels-rank2.geojson", 5.5, 11, "#5b6570", "top right"),
    ("labels-rank3.geojson", 7.5, 11, "#5b6570", "top right"),
)


def _label_colour(theme: Theme, default: str) -> str:
    """The theme's colour for a label layer whose screen colour is ``default``."""
    return {"#2f6f9f": theme.river_label_colour, "#3b434b": theme.place_label_colour,
            "#5b6570": theme.minor_label_colour}.get(default, default)


def label_layers(theme: Theme = SCREEN, asset_prefix: str = "/assets/basemap/") -> list[dict]:
    """Symbol layers for place and river names (local glyphs; ``icon=""`` avoids a sprite fetch)."""
    return [
        {"sourcetype": "geojson", "source": f"{asset_prefix}{name}", "type": "symbol",
         "minzoom": minzoom,
         "symbol": {"icon": "", "text": "{name}", "placement": "point", "textposition": anchor,
                    "textfont": {"size": round(size * theme.label_scale), "color": _label_colour(theme, colour)}}}
        for name, minzoom, size, colour, anchor in LABEL_LAYERS
    ]


def _route_traces(routes: dict, lang: str, theme: Theme = SCREEN) -> list[go.Scattermap]:
    traces = []
    for feature in routes["features"]:
        props = feature["properties"]
        coords = np.asarray(feature["geometry"]["coordinates"], dtype=np.float64)
        colour = theme.route_colour(props["mode"])
        evidence = props["evidence"]
        legend_key = f"{props['mode']}-{evidence}"
        name = f"{label('mode', props['mode'], lang)} ({translate('map.' + evidence, lang)})"
        hover = (f"<b>{label('route', props['route_id'], lang)}</b><br>{html.escape(props['leg_name'])}<br>"
                 f"{label('mode', props['mode'], lang)} · {translate('map.' + evidence, lang)}")
        # The key beside the map explains the modes: no legend entry per leg.
        common = dict(name=name, legendgroup=legend_key, showlegend=False,
                      hovertext=hover, hoverinfo="text", customdata=[props["route_id"]])
        if evidence == "documented":
            traces.append(unchecked.scattermap(lon=coords[:, 0], lat=coords[:, 1], mode="lines",
                                        line=dict(color=colour, width=2.6), opacity=0.8, **common))
        else:
            # Scattermap lines cannot be dashed: an inferred leg is drawn as a dotted line of markers.
            lon, lat = densify(coords, INFERRED_DOT_SPACING_DEG)
            traces.append(unchecked.scattermap(lon=lon, lat=lat, mode="markers",
                                        marker=dict(color=colour, size=4), opacity=0.8, **common))
    return traces


def densify(coords: np.ndarray, spacing_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``spacing_deg`` along a polyline (for dotted lines)."""
    lons, lats = [], []
    for (x0, y0), (x1, y1) in zip(coords[:-1], coords[1:]):
        steps = max(1, int(np.hypot(x1 - x0, y1 - y0) / spacing_deg))
        t = np.arange(steps) / steps
        lons.append(x0 + (x1 - x0) * t)
        lats.append(y0 + (y1 - y0) * t)
    lons.append(coords[-1:, 0])
    lats.append(coords[-1:, 1])
    return np.concatenate(lons), np.concatenate(lats)


def _vraem_trace(vraem_feature: dict | None, lang: str) -> go.Scattermap:
    lon: list[float | None] = []
    lat: list[float | None] = []
    if vraem_feature is not None:
        geometry = vraem_feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for polygon in polygons:
            for x, y in polygon[0]:
                lon.append(x)
                lat.append(y)
            lon.append(None)
            lat.append(None)
    return unchecked.scattermap(
        lon=lon, lat=lat, mode="lines", fill="toself", fillcolor="rgba(204,102,119,0.07)",
        line=dict(color="#b05566", width=1.6), name=translate("map.vraem", lang), showlegend=False,
        hovertext=translate("map.vraem", lang), hoverinfo="text",
    )


def _event_traces(points: PointColumns, lang: str, theme: Theme = SCREEN) -> list[go.Scattermap]:
    sizes = theme.marker_px(marker_sizes(points.quantity_kg, points.fatalities))
    # Each type present gets one legend entry, on whichever of its two traces has points.
    in_legend = iter(type_legend_flags(points.type_code, points.precise))
    traces = []
    for code, event_type in enumerate(EVENT_TYPES):
        of_type = points.type_code == code
        name = label("event_type", event_type, lang)
        for precise, opacity in ((True, PRECISE_OPACITY), (False, APPROXIMATE_OPACITY)):
            selected = np.flatnonzero(of_type & (points.precise == precise))
            traces.append(unchecked.scattermap(
                lat=points.latitude[selected], lon=points.longitude[selected], mode="markers",
                marker=dict(size=sizes[selected], color=theme.colour(EVENT_COLOURS[event_type]),
                            opacity=opacity),
                # Only the type here: the hovered event's details are fetched by the page.
                hovertemplate=f"<b>{html.escape(name)}</b><extra></extra>",
                name=name, showlegend=next(in_legend), legendgroup=event_type,
            ))
    return traces


def _halo_trace(points: PointColumns, lang: str, theme: Theme = SCREEN) -> go.Scattermap:
    coarse = np.flatnonzero(~points.precise)
    if coarse.size > HALO_POINT_LIMIT:
        coarse = coarse[:0]
    precision_names = np.asarray(GEO_PRECISIONS)[points.geo_precision_code[coarse]]
    halo = np.array([HALO_SIZE[name] for name in precision_names], dtype=np.uint8)
    keep = coarse[halo > 0]
    return unchecked.scattermap(
        lat=points.latitude[keep], lon=points.longitude[keep], mode="markers",
        # The theme's muted colour: grey on a light map, pale on the projector's dark one.
        marker=dict(size=theme.marker_px(halo[halo > 0]), color=theme.muted_colour, opacity=HALO_OPACITY),
        name=translate("map.approximate", lang), hoverinfo="skip", showlegend=False,
    )


def _cell_trace(layer: MapLayer, lang: str) -> go.Scattermap:
    """Grid cells coloured by their event count on a log scale (one marker per cell)."""
    cells = layer.cells
    if cells is None or not len(cells.counts):
        return unchecked.scattermap(lat=np.empty(0, np.float32), lon=np.empty(0, np.float32),
                                    mode="markers", hoverinfo="skip", showlegend=False,
                                    name=translate("map.cells", lang))
    counts = cells.counts.astype(np.int32)
    top = max(1.0, math.log10(float(counts.max())))
    ticks = list(range(0, int(top) + 1))
    return unchecked.scattermap(
        lat=cells.latitude.astype(np.float32), lon=cells.longitude.astype(np.float32), mode="markers",
        marker=dict(
            size=min(MAX_CELL_MARKER_PX, max(4.0, layer.cell_px * CELL_FILL_RATIO)), opacity=0.7,
            color=np.log10(counts).astype(np.float32), colorscale=CELL_COLOURSCALE, cmin=0, cmax=top,
            colorbar=dict(title=dict(text=translate("map.cell_scale", lang), side="top"),
                          tickvals=ticks, ticktext=[format_number(10 ** t, lang) for t in ticks],
                          x=1.005, xanchor="left", y=0, yanchor="bottom", len=0.4, thickness=12),
        ),
        customdata=counts,
        hovertemplate=translate("map.cell_hover", lang) + "<extra></extra>",
        name=translate("map.cells", lang), showlegend=False,
    )


def layer_traces(layer: MapLayer, lang: str, theme: Theme = SCREEN) -> list[go.Scattermap]:
    """The halo, event and cell traces for ``layer``, in :class:`MapTraceIndex` order."""
    return [_halo_trace(layer.points, lang, theme), *_event_traces(layer.points, lang, theme),
            _cell_trace(layer, lang)]


def layer_patch_data(layer: MapLayer, lang: str, theme: Theme = SCREEN) -> list[dict]:
    """The layer's traces as JSON-ready dicts with typed arrays (for a ``Patch``)."""
    return [typed_arrays(trace.to_plotly_json()) for trace in layer_traces(layer, lang, theme)]


def highlight_trace(lat: float | None = None, lon: float | None = None, lang: str = DEFAULT_LANGUAGE) -> go.Scattermap:
    """A ring-like marker over the selected event (empty when nothing is selected)."""
    return unchecked.scattermap(
        lat=[] if lat is None else [lat], lon=[] if lon is None else [lon], mode="markers",
        marker=dict(size=30, color="#000000", opacity=0.35), name=translate("map.highlight", lang),
        hoverinfo="skip", showlegend=False,
    )


def ring_trace(positions: Sequence[tuple[float, float]], radius_px: float, zoom: float,
               colour: str = "#ffd23f", width: float = 4.0, lang: str = DEFAULT_LANGUAGE) -> go.Scattermap:
    """Rings (circles drawn as lines) around several events, ``radius_px`` wide at ``zoom``.

    Scattermap markers have no outline, so a ring is a closed line of 36 vertices around each
    (lat, lon); its size is geographic, so it is right at the slide's zoom and grows with it.
    """
    lat: list[float | None] = []
    lon: list[float | None] = []
    radius_deg = radius_px * 360 / (MAP_TILE_PX * 2 ** zoom)
    angles = np.linspace(0, 2 * np.pi, 37)
    for centre_lat, centre_lon in positions:
        stretch = 1 / max(0.05, math.cos(math.radians(centre_lat)))  # Mercator: degrees of latitude shrink
        lat.extend((centre_lat + radius_deg * np.sin(angles) / stretch).round(5).tolist() + [None])
        lon.extend((centre_lon + radius_deg * np.cos(angles)).round(5).tolist() + [None])
    return unchecked.scattermap(lat=lat, lon=lon, mode="lines", line=dict(color=colour, width=width),
                                name=translate("map.highlight", lang), hoverinfo="skip", showlegend=False)


def key_font_px(theme: Theme) -> int:
    """Type size of the key's fixed part: a little under the legend's on large type (it is read
    once, the event types at every glance), never under 10 px."""
    return max(10, round(theme.legend_font_size * KEY_FONT_RATIO))


def legend_width_px(theme: Theme) -> float:
    """Room for the event-type legend: the longest type name grows with the theme's type size."""
    return LEGEND_WIDTH_PX + (theme.legend_font_size - SCREEN.legend_font_size) * LEGEND_PX_PER_FONT_PX


def key_margin_px(key_width_px: float, theme: Theme) -> int:
    """The right margin that holds the key: the legend's width, or the key's when it is wider."""
    return math.ceil(max(legend_width_px(theme), key_width_px + KEY_GAP_PX))


def selection_ring(bbox: tuple[float, float, float, float] | None,
                   polygon: Sequence[tuple[float, float]] | None) -> list[list[float]] | None:
    """The spatial filter's outline as a closed (lon, lat) ring: the polygon, else the box."""
    if polygon:
        ring = [[float(lon), float(lat)] for lon, lat in polygon]
    elif bbox is not None:
        west, south, east, north = (float(v) for v in bbox)
        ring = [[west, south], [east, south], [east, north], [west, north]]
    else:
        return None
    return ring + [ring[0]] if ring[0] != ring[-1] else ring


def selection_layer(ring: list[list[float]], theme: Theme = SCREEN) -> dict:
    """A dashed outline of the selected area, drawn by MapLibre above the events (a layer, not a
    trace: the trace order the callbacks patch by stays as it is)."""
    return {"sourcetype": "geojson", "type": "line", "below": "",
            "source": {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": ring}},
            "color": theme.text_colour, "line": {"width": 2, "dash": [2, 1.5]}, "opacity": 0.8}


def screen_key_layout(key: MapKey, theme: Theme) -> KeyLayout:
    """The key's fixed part as this map draws it (its markers' opacities, the theme's type)."""
    return key_layout(key, theme, approximate_opacity=APPROXIMATE_OPACITY, halo_colour=theme.muted_colour,
                      font_size=key_font_px(theme), max_width_px=legend_width_px(theme) - KEY_GAP_PX - KEY_LEFT_PX,
                      left_px=KEY_LEFT_PX)


def build_event_map(
    layer: MapLayer | PointColumns,
    *,
    routes: dict,
    vraem_feature: dict | None,
    lang: str = DEFAULT_LANGUAGE,
    view: MapView | None = None,
    style: str | dict | None = None,
    layers: list[dict] | None = None,
    highlight: tuple[float, float] | None = None,
    theme: Theme = SCREEN,
    uirevision: str = "map",
    rings: Sequence[tuple[float, float]] | None = None,
    ring_px: float = 22.0,
    selection: list[list[float]] | None = None,
    show_key: bool = True,
) -> go.Figure:
    """Build the event map.

    Parameters
    ----------
    layer
        What to draw (points or grid cells); plain ``EventStore.points`` columns draw every point.
    routes, vraem_feature
        Reference layers: route legs (GeoJSON) and the approximate VRAEM polygon.
    view
        Centre and zoom; None uses a view of Peru and Bolivia.
    style, layers
        Base map: defaults to the offline style and layers.
    highlight
        (lat, lon) of the selected event, drawn as a halo on top.
    rings
        (lat, lon) of several events to ring instead (the presenter's highlighted events), each
        ``ring_px`` in radius at the view's zoom; the ring trace takes the highlight's place.
    selection
        The box or lasso filter's outline (:func:`selection_ring`), drawn dashed on the map.
    show_key
        False leaves the key out and gives the map its margin (the app's key switch, off by
        default on a phone, where the key would take half the map's width).
    """
    view = view or DEFAULT_VIEW
    if isinstance(layer, PointColumns):
        layer = points_layer(layer)
    traces = [
        *_route_traces(routes, lang, theme),
        _vraem_trace(vraem_feature, lang),
        *layer_traces(layer, lang, theme),
        highlight_trace(*(highlight or (None, None)), lang=lang) if rings is None
        else ring_trace(rings, ring_px, view.zoom, lang=lang),
    ]
    figure = unchecked.figure(traces)
    key = build_map_key(layer.points, routes=routes, vraem=vraem_feature is not None, theme=theme, lang=lang)
    drawn_key = screen_key_layout(key, theme)
    figure.update_layout(
        map=dict(
            style=style if style is not None else offline_style(theme),
            layers=[*(layers if layers is not None else offline_layers(theme)),
                    *([selection_layer(selection, theme)] if selection else [])],
            center=dict(lat=view.lat, lon=view.lon),
            zoom=view.zoom,
        ),
        margin=dict(l=0, r=key_margin_px(drawn_key.width_px, theme) if show_key else 0, t=0, b=0),
        paper_bgcolor=theme.paper_colour,
        font=dict(family=theme.font_family, size=theme.font_size, color=theme.text_colour),
        # The key sits in the right margin, so it never hides a point: sizes, places and routes
        # (fixed) from the top, under the toolbar; the event types (they follow the data, so
        # they ride on the traces a patch replaces) at the bottom.
        shapes=drawn_key.shapes if show_key else [], annotations=drawn_key.annotations if show_key else [],
        showlegend=show_key,
        legend=dict(x=1.005, y=0, xanchor="left", yanchor="bottom", font=dict(size=theme.legend_font_size),
                    itemsizing="constant", tracegroupgap=0, bgcolor="rgba(0,0,0,0)",
                    title=dict(text=translate("map.key.types", lang),
                               font=dict(size=theme.legend_font_size, color=theme.muted_colour))),
        dragmode="pan",
        uirevision=uirevision,
        clickmode="event",
    )
    return figure
