"""The event map on Plotly's MapLibre traces (``go.Scattermap``): one trace, the rest as map layers.

Plotly gives every Scattermap trace four MapLibre layers and sources, and one software-WebGL
frame costs 100–230 ms, so the map is kept lean (issue 16): a single trace draws the events —
their uncertainty rings first, then the points, colour and size as per-point typed arrays — or,
when too many events are in view, the grid cells instead. Everything that does not follow the
filter is a map layer (``layout.map.layers``): the base map, the VRAEM outline, the route legs
(one line layer per mode and kind of evidence, inferred legs dashed) and their names; the
selected event's highlight, the box/lasso outline and the presenter's ring labels sit in fixed
slots at the head of the layer list, so callbacks patch them by position. The key (event types,
sizes, places, routes) is drawn as layout shapes and annotations in the right margin.

Per point only float32 coordinates, a uint8 size and a uint8 colour code are sent (base64 typed
arrays); no text, dates or ids. Hover and click details are fetched from the server for the
point's coordinates (see ``dashboard.state.views.event_row_at``).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import plotly.graph_objects as go
from _plotly_utils.utils import to_typed_array_spec

from ..data.filters import MapView
from ..data.language import DEFAULT_LANGUAGE
from ..data.store import EVENT_TYPES, GEO_PRECISIONS, MAP_TILE_PX, GridBins, PointColumns
from ..i18n import format_number, label, translate
from . import unchecked
from .asset_versions import versioned_asset_url
from .indicator_chart import INDICATOR_COLOUR
from .map_key import KeyLayout, MapKey, build_map_key, key_layout, marker_sizes
from .place_names import place_name_field
from .theme import EVENT_COLOURS, SCREEN, SMALL_TEMPLATE, Theme

# Centred west of the middle of the VRAEM–Bolivia span: a phone's narrow map (about 14° wide at this
# zoom) still shows Lima, the VRAEM and La Paz; a desktop's (about 24°) still reaches Santa Cruz.
DEFAULT_VIEW = MapView(lat=-11.5, lon=-71.0, zoom=4.1)
PRECISE_OPACITY = 0.95
APPROXIMATE_OPACITY = 0.6
HALO_OPACITY = 0.16
# Halo diameter (px) per geo precision: the coarser the place, the wider the uncertainty ring.
HALO_SIZE = {"exact": 0, "town": 0, "district": 20, "province": 26, "region": 32, "country": 40}
LEGEND_WIDTH_PX = 185  # the right margin that holds the key (wider when the key needs it)
LEGEND_PX_PER_FONT_PX = 11  # "Attack on security forces" is ~11 em wide, with its swatch
KEY_FONT_RATIO = 0.8
KEY_GAP_PX = 12
KEY_LEFT_PX = 10  # from the map's right edge to the key
# Above this many coarse points the uncertainty rings are left out (the approximate points stay
# paler): a thousand rings 20-40 px wide already cover a Peru-wide map, and each ring repeats its
# point's coordinates in the update (a third of its bytes at 5,000 points).
HALO_POINT_LIMIT = 1_000
CELL_FILL_RATIO = 0.9  # cell marker diameter / cell width on screen
MAX_CELL_MARKER_PX = 60
# Sequential, colour-blind safe (viridis end points trimmed so the lightest cell shows on land).
CELL_COLOURSCALE = [[0.0, "#fde725"], [0.25, "#5ec962"], [0.5, "#21918c"], [0.75, "#3b528b"],
                    [1.0, "#440154"]]
# MapLibre fills in the font stack and range; the version is the whole fonts folder's.
GLYPHS_URL = versioned_asset_url("fonts", "/assets/fonts/{fontstack}/{range}.pbf")
HIGHLIGHT_RADIUS_PX = 15
ROUTE_WIDTH_PX = 2.6
ROUTE_DASH = [1.2, 1.6]  # inferred legs: dashes in line widths
ROUTE_LABEL_MINZOOM = 3.5

KM_PER_DEGREE = 111.32  # of latitude
INDICATOR_FILL_OPACITY = 0.3
EVENT_TRACE = 0  # the map's only trace: the events (uncertainty rings first) or the grid cells


class LayerSlot(IntEnum):
    """Fixed positions at the head of ``layout.map.layers``, patched by the callbacks."""

    HIGHLIGHT = 0  # the selected event (app) or the rings of the slide's events (presenter)
    SELECTION = 1  # the box or lasso filter's outline
    RING_LABELS = 2  # the presenter's names above its rings


SLOT_COUNT = len(LayerSlot)


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


# The offline base map is one MapLibre style: MapLibre tiles every source on its own and draws a
# frame as each one's tiles arrive, and Plotly gives every layout layer a source of its own, so the
# base map as layout layers (seven files, the VRAEM, six route groups) drew 7–11 frames per zoom
# (~100 ms each in software WebGL). The style has two sources — the base files merged into one
# (``geodata/build_base_source.py``) and the VRAEM and routes inline — and filters them by layer.
BASE_FILE = "base.geojson"
BASE_PART_PROPERTY = "part"  # which base file a feature of BASE_FILE came from
# The base files merged into BASE_FILE, bottom to top.
BASE_PARTS = ("countries", "departments", "rivers", "labels-rivers", "labels-rank1", "labels-rank2", "labels-rank3")
OVERLAY_PROPERTY = "overlay"  # what an inline feature is: "vraem", "route" (a leg) or "route-name"
EVENTS_LAYER_ID = "events"  # an empty style layer; the event trace is drawn just under it (``below``)
VRAEM_FILL = "rgba(204,102,119,0.07)"
# Tiles of the base sources are cut up to this zoom and scaled beyond it: a zoom into the VRAEM
# reuses one or two tiles instead of cutting (and drawing a frame for) each new one. At zoom 6 a
# tile's grid is ~150 m, finer than the base files (1:10m Natural Earth at best).
BASE_MAXZOOM = 6


def _is(key: str, value: str) -> list:
    return ["==", ["get", key], value]


def _symbol(layer_id: str, source: str, where: list, *, text: str, size: int, colour: str,
            anchor: str = "middle center", placement: str = "point", minzoom: float = 0) -> dict:
    """A symbol layer as Plotly draws one (``plots/map/layers.js``): text only, offset by its anchor."""
    vertical, horizontal = anchor.split(" ")
    # Plotly's convert_text_opts with its default icon size: "top right" is placed up and right.
    offset = [{"left": -0.6, "right": 0.6}.get(horizontal, 0), {"top": -1.6, "bottom": 1.6}.get(vertical, 0)]
    sides = [{"top": "top", "bottom": "bottom"}.get(vertical, ""), {"left": "right", "right": "left"}.get(horizontal, "")]
    return {"id": layer_id, "type": "symbol", "source": source, "filter": where, "minzoom": minzoom,
            "layout": {"icon-image": "", "text-field": text, "text-size": size,
                       "text-anchor": "-".join(part for part in sides if part) or "center",
                       "text-offset": offset, "symbol-placement": placement},
            "paint": {"text-color": colour}}


def _overlay(routes: dict, vraem_feature: dict | None, lang: str, theme: Theme) -> tuple[list[dict], list[dict], list[dict]]:
    """The VRAEM and the routes as inline features, their line and fill layers, and the route-name layer."""
    features, layers, names = [], [], []
    if vraem_feature is not None:
        features.append({"type": "Feature", "properties": {OVERLAY_PROPERTY: "vraem"},
                         "geometry": vraem_feature["geometry"]})
        layers += [
            {"id": "vraem-fill", "type": "fill", "source": "overlay", "filter": _is(OVERLAY_PROPERTY, "vraem"),
             "paint": {"fill-color": VRAEM_FILL, "fill-outline-color": VRAEM_FILL}},
            {"id": "vraem-line", "type": "line", "source": "overlay", "filter": _is(OVERLAY_PROPERTY, "vraem"),
             "paint": {"line-color": theme.vraem_colour, "line-width": 1.6}},
        ]
    legs = route_legs(routes)
    if legs.features:
        features += [{"type": "Feature", "geometry": geometry,
                      "properties": {OVERLAY_PROPERTY: "route", "mode": mode, "evidence": evidence}}
                     for (mode, evidence), geometries in legs.features.items() for geometry in geometries]
        modes = sorted({mode for mode, _ in legs.features})
        colour = ["match", ["get", "mode"], *[part for mode in modes for part in (mode, theme.route_colour(mode))],
                  theme.route_colour("")]
        for evidence, dashed in (("documented", False), ("inferred", True)):
            where = ["all", _is(OVERLAY_PROPERTY, "route"),
                     _is("evidence", "documented") if not dashed else ["!=", ["get", "evidence"], "documented"]]
            layers.append({"id": f"routes-{evidence}", "type": "line", "source": "overlay", "filter": where,
                           "paint": {"line-color": colour, "line-opacity": 0.85, "line-width": ROUTE_WIDTH_PX,
                                     **({"line-dasharray": ROUTE_DASH} if dashed else {})}})
        features += [{"type": "Feature", "geometry": geometry,
                      "properties": {OVERLAY_PROPERTY: "route-name", "name": label("route", route_id, lang)}}
                     for route_id, geometry in legs.longest.items()]
        names.append(_symbol("route-names", "overlay", _is(OVERLAY_PROPERTY, "route-name"), text="{name}",
                             size=round(10 * theme.label_scale), colour=theme.muted_colour,
                             placement="line-center", minzoom=ROUTE_LABEL_MINZOOM))
    return features, layers, names


def offline_style(theme: Theme = SCREEN, lang: str = DEFAULT_LANGUAGE, *, routes: dict | None = None,
                  vraem_feature: dict | None = None, names_over_events: bool = True,
                  asset_prefix: str = "/assets/basemap/") -> dict:
    """The offline base map as one MapLibre style: land, departments, rivers, the VRAEM and the routes
    under the events; place, river and route names over them (``names_over_events``) or under them
    (the presenter, whose ring labels must win every collision). The event trace goes under the
    empty layer :data:`EVENTS_LAYER_ID` (``below``)."""
    base = "base"
    overlay_features, overlay_layers, route_names = _overlay(routes or {}, vraem_feature, lang, theme)
    text = "{" + place_name_field(lang) + "}"
    names = [
        *(_symbol(f"names-{part}", base, _is(BASE_PART_PROPERTY, part), text=text,
                  size=round(size * theme.label_scale), colour=_label_colour(theme, colour), anchor=anchor,
                  minzoom=minzoom)
          for part, minzoom, size, colour, anchor in LABEL_LAYERS),
        *route_names,
    ]
    events = {"id": EVENTS_LAYER_ID, "type": "background", "layout": {"visibility": "none"}}
    sources = {base: {"type": "geojson", "data": versioned_asset_url(f"basemap/{BASE_FILE}", f"{asset_prefix}{BASE_FILE}"),
                      "maxzoom": BASE_MAXZOOM}}
    if overlay_features:
        sources["overlay"] = {"type": "geojson", "data": _feature_collection(overlay_features), "maxzoom": BASE_MAXZOOM}
    return {
        "version": 8,
        "sources": sources,
        "glyphs": GLYPHS_URL,
        # A changed paint value (the points' radius at a new zoom) is drawn at once: MapLibre's
        # default 300 ms transition is 4-5 more frames per zoom, ~0.1 s each in software WebGL.
        "transition": {"duration": 0, "delay": 0},
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": theme.water_colour}},
            # Land and borders in one layer: a fill's outline is a hairline border.
            {"id": "land", "type": "fill", "source": base, "filter": _is(BASE_PART_PROPERTY, "countries"),
             "paint": {"fill-color": theme.land_colour, "fill-outline-color": theme.border_colour}},
            {"id": "departments", "type": "line", "source": base, "filter": _is(BASE_PART_PROPERTY, "departments"),
             "paint": {"line-color": theme.region_colour, "line-width": 0.6}},
            {"id": "rivers", "type": "line", "source": base, "filter": _is(BASE_PART_PROPERTY, "rivers"),
             "paint": {"line-color": theme.river_colour, "line-width": 0.7, "line-opacity": 0.8}},
            *overlay_layers,
            *([events, *names] if names_over_events else [*names, events]),
        ],
    }


# (base part, minzoom, text size, colour, anchor): rank 1 always, finer places only when zoomed in.
LABEL_LAYERS = (
    ("labels-rivers", 5.5, 12, "#2f6f9f", "middle center"),
    ("labels-rank1", 0, 12, "#3b434b", "top right"),
    ("labels-rank2", 5.5, 11, "#5b6570", "top right"),
    ("labels-rank3", 7.5, 11, "#5b6570", "top right"),
)


def _label_colour(theme: Theme, default: str) -> str:
    """The theme's colour for a label layer whose screen colour is ``default``."""
    return {"#2f6f9f": theme.river_label_colour, "#3b434b": theme.place_label_colour,
            "#5b6570": theme.minor_label_colour}.get(default, default)


def _feature_collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: dict, layer: str) -> dict:
    """A GeoJSON feature of a map layer. Its ``properties`` are never empty: Plotly drops an empty
    object from a layer's source when it copies the layout, the copy then differs from the source
    drawn, and the layer (with its tiles) was rebuilt on every update of the map."""
    return {"type": "Feature", "properties": {"layer": layer}, "geometry": geometry}


@dataclass(frozen=True)
class RouteLegs:
    """Route leg geometries by (mode, evidence), and each route's longest leg (where its name goes)."""

    features: dict[tuple[str, str], list[dict]]
    longest: dict[str, dict]


def route_legs(routes: dict) -> RouteLegs:
    groups: dict[tuple[str, str], list[dict]] = {}
    longest: dict[str, tuple[float, dict]] = {}
    for feature in routes.get("features", []):
        props = feature["properties"]
        geometry = feature["geometry"]
        groups.setdefault((props["mode"], props["evidence"]), []).append(geometry)
        coords = np.asarray(geometry["coordinates"], dtype=np.float64)
        length = float(np.hypot(*np.diff(coords, axis=0).T).sum()) if len(coords) > 1 else 0.0
        if length > longest.get(props["route_id"], (-1.0, {}))[0]:
            longest[props["route_id"]] = (length, geometry)
    return RouteLegs(features=groups, longest={route_id: geometry for route_id, (_, geometry) in longest.items()})


def route_layers(routes: dict, lang: str, theme: Theme = SCREEN) -> list[dict]:
    """The route legs as layout layers (over a remote style, which cannot take our sources): one line
    layer per (mode, evidence), inferred legs dashed, and one symbol layer naming each route once,
    along its longest leg. Layers, not traces: a trace costs MapLibre four layers."""
    legs = route_legs(routes)
    layers = [
        {"sourcetype": "geojson", "source": _feature_collection([_feature(geometry, "route") for geometry in geometries]),
         "type": "line", "below": "traces",
         "color": theme.route_colour(mode), "opacity": 0.85, "name": f"route-{mode}-{evidence}",
         "line": {"width": ROUTE_WIDTH_PX, **({"dash": ROUTE_DASH} if evidence != "documented" else {})}}
        for (mode, evidence), geometries in legs.features.items()
    ]
    if legs.longest:
        names = [{"type": "Feature", "properties": {"name": label("route", route_id, lang)}, "geometry": geometry}
                 for route_id, geometry in legs.longest.items()]
        layers.append({"sourcetype": "geojson", "source": _feature_collection(names), "type": "symbol",
                       "below": "", "minzoom": ROUTE_LABEL_MINZOOM, "name": "route-names",
                       "symbol": {"icon": "", "text": "{name}", "placement": "line-center",
                                  "textfont": {"size": round(10 * theme.label_scale), "color": theme.muted_colour}}})
    return layers


def vraem_layers(vraem_feature: dict | None, theme: Theme = SCREEN) -> list[dict]:
    """The approximate VRAEM outline: a faint fill and its edge (layers: it never follows the filter)."""
    if vraem_feature is None:
        return []
    source = _feature(vraem_feature["geometry"], "vraem")
    return [
        {"sourcetype": "geojson", "source": source, "type": "fill", "below": "traces",
         "color": VRAEM_FILL, "name": "vraem-fill"},
        {"sourcetype": "geojson", "source": source, "type": "line", "below": "traces",
         "color": theme.vraem_colour, "line": {"width": 1.6}, "name": "vraem-line"},
    ]


def circle_ring(latitude: float, longitude: float, radius_km: float, vertices: int = 48) -> list[list[float]]:
    """A closed (lon, lat) ring ``radius_km`` around a point (degrees of longitude widened by latitude)."""
    angles = np.linspace(0, 2 * np.pi, vertices + 1)
    lat_deg = radius_km / KM_PER_DEGREE
    lon_deg = lat_deg / max(0.05, math.cos(math.radians(latitude)))
    lat = np.clip(latitude + lat_deg * np.sin(angles), -85.0, 85.0).round(4)
    lon = (longitude + lon_deg * np.cos(angles)).round(4)
    return [[float(x), float(y)] for x, y in zip(lon, lat)]


def indicator_layer(circles: Sequence[tuple[float, float, float]], theme: Theme = SCREEN,
                    colour: str = INDICATOR_COLOUR) -> dict:
    """The selected indicator's circles, one (lat, lon, radius km) each, in one fill layer.

    Geographic circles (their size follows the zoom like the land) in a single layer: per-place
    colours or radii would cost a layer each, and the map keeps within MapLibre's layer budget.
    Under the events, over the base map and routes (the last slot of the layer list).
    """
    if not circles:
        return hidden_layer("fill")
    features = [_feature({"type": "Polygon", "coordinates": [circle_ring(lat, lon, radius)]}, "indicator")
                for lat, lon, radius in circles if radius > 0]
    return {"sourcetype": "geojson", "type": "fill", "below": "traces", "name": "indicator", "visible": True,
            "source": _feature_collection(features), "color": _rgba(colour, INDICATOR_FILL_OPACITY),
            "fill": {"outlinecolor": colour}}


def overlay_layers(remote_style: str | None, routes: dict, vraem_feature: dict | None, lang: str,
                   theme: Theme = SCREEN) -> list[dict]:
    """Layout layers between the slots and the indicator's: the VRAEM and the routes over a remote
    style (``remote_style``, a style name or URL); none over the offline style, which holds them."""
    if remote_style is None:
        return []
    return [*vraem_layers(vraem_feature, theme), *route_layers(routes, lang, theme)]


def indicator_slot(remote_style: str | None, vraem_feature: dict | None, routes: dict, lang: str,
                   theme: Theme = SCREEN) -> int:
    """Position of the indicator's layer in a map over ``remote_style`` (None: offline): the last one."""
    return SLOT_COUNT + len(overlay_layers(remote_style, routes, vraem_feature, lang, theme))


def events_below(remote_style: str | None) -> str | None:
    """The style layer the event trace is drawn under: the offline style's marker; none over a remote
    style (on top of it)."""
    return EVENTS_LAYER_ID if remote_style is None else None


def hidden_layer(kind: str = "circle") -> dict:
    """An empty slot: invisible layers are not added to the map at all."""
    return {"sourcetype": "geojson", "source": _feature_collection([]), "type": kind, "visible": False, "below": ""}


def highlight_layer(position: tuple[float, float] | None, theme: Theme = SCREEN) -> dict:
    """A dark disc under the selected event's marker (the :data:`LayerSlot.HIGHLIGHT` slot)."""
    if position is None:
        return hidden_layer()
    lat, lon = position
    return {"sourcetype": "geojson", "type": "circle", "below": "", "name": "highlight", "visible": True,
            "source": _feature({"type": "Point", "coordinates": [lon, lat]}, "highlight"),
            "circle": {"radius": HIGHLIGHT_RADIUS_PX}, "color": "#000000", "opacity": 0.35}


def ring_lines(positions: Sequence[tuple[float, float]], radius_px: float, zoom: float) -> list[list[list[float]]]:
    """A closed (lon, lat) line of 37 vertices around each (lat, lon), ``radius_px`` wide at ``zoom``.

    Map circles have no outline of their own, so a ring is a line; its size is geographic, so it
    is right at the slide's zoom and grows with it.
    """
    radius_deg = radius_px * 360 / (MAP_TILE_PX * 2 ** zoom)
    angles = np.linspace(0, 2 * np.pi, 37)
    lines = []
    for centre_lat, centre_lon in positions:
        stretch = 1 / max(0.05, math.cos(math.radians(centre_lat)))  # Mercator: degrees of latitude shrink
        lat = (centre_lat + radius_deg * np.sin(angles) / stretch).round(5)
        lon = (centre_lon + radius_deg * np.cos(angles)).round(5)
        lines.append([[float(x), float(y)] for x, y in zip(lon, lat)])
    return lines


def rings_layer(positions: Sequence[tuple[float, float]], radius_px: float, zoom: float,
                colour: str = "#ffd23f", width: float = 4.0) -> dict:
    """Rings around several events (the presenter's highlighted ones), in the highlight slot."""
    if not positions:
        return hidden_layer("line")
    features = [_feature({"type": "LineString", "coordinates": line}, "ring")
                for line in ring_lines(positions, radius_px, zoom)]
    return {"sourcetype": "geojson", "type": "line", "below": "", "name": "rings", "visible": True,
            "source": _feature_collection(features), "color": colour, "line": {"width": width}}


def _rgba(colour: str, alpha: float) -> str:
    """``#rrggbb`` with an alpha (per-point opacity rides in the colour: one array, not two)."""
    red, green, blue = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def event_colourscale(theme: Theme = SCREEN) -> list[list]:
    """Colour by code: ``2 * type`` exact place, ``2 * type + 1`` approximate (paler), and the
    last code the uncertainty ring. Codes sit exactly on the stops, so no colour is blended."""
    colours = []
    for event_type in EVENT_TYPES:
        colour = theme.colour(EVENT_COLOURS[event_type])
        colours += [_rgba(colour, PRECISE_OPACITY), _rgba(colour, APPROXIMATE_OPACITY)]
    colours.append(_rgba(theme.muted_colour, HALO_OPACITY))
    last = len(colours) - 1
    return [[index / last, colour] for index, colour in enumerate(colours)]


HALO_CODE = 2 * len(EVENT_TYPES)
_HALO_PX_BY_PRECISION = np.array([HALO_SIZE[name] for name in GEO_PRECISIONS], dtype=np.uint8)


def event_colour_codes(points: PointColumns) -> np.ndarray:
    """Per point: its colour code in :func:`event_colourscale` (uint8)."""
    return (points.type_code.astype(np.uint8) * 2 + (~points.precise).astype(np.uint8)).astype(np.uint8)


def halo_rows(points: PointColumns) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the points that get an uncertainty ring, and the rings' diameters (px)."""
    coarse = np.flatnonzero(~points.precise)
    if coarse.size > HALO_POINT_LIMIT:
        coarse = coarse[:0]
    diameters = _HALO_PX_BY_PRECISION[points.geo_precision_code[coarse]]
    keep = diameters > 0
    return coarse[keep], diameters[keep]


def event_trace(layer: MapLayer, lang: str, theme: Theme = SCREEN, below: str | None = EVENTS_LAYER_ID) -> dict:
    """The map's one trace for ``layer`` as a JSON-ready dict with typed arrays, drawn under the
    style layer ``below`` (:func:`events_below`; None: on top).

    Points: the uncertainty rings first (drawn under every point), then the events; ``meta``
    says how many leading points are rings, and whether the trace holds cells instead.
    """
    trace = _cell_trace(layer, lang) if layer.mode == "cells" else _point_trace(layer, lang, theme)
    return trace if below is None else {**trace, "below": below}


def _point_trace(layer: MapLayer, lang: str, theme: Theme) -> dict:
    points = layer.points
    rings, ring_px = halo_rows(points)
    sizes = theme.marker_px(marker_sizes(points.quantity_kg, points.fatalities))
    codes = np.concatenate([np.full(rings.size, HALO_CODE, dtype=np.uint8), event_colour_codes(points)])
    scale = event_colourscale(theme)
    return typed_arrays({
        "type": "scattermap", "mode": "markers", "name": translate("map.events", lang),
        "lat": np.concatenate([points.latitude[rings], points.latitude]).astype(np.float32),
        "lon": np.concatenate([points.longitude[rings], points.longitude]).astype(np.float32),
        "marker": {"size": np.concatenate([theme.marker_px(ring_px), sizes]).astype(np.uint8), "color": codes,
                   "colorscale": scale, "cmin": 0, "cmax": len(scale) - 1, "showscale": False},
        # Details of the hovered event are fetched by the page ("none" still reports the hover).
        "hoverinfo": "none", "showlegend": False, "meta": {"halo_points": int(rings.size), "cells": False},
    })


def _cell_trace(layer: MapLayer, lang: str) -> dict:
    """Grid cells coloured by their event count on a log scale (one marker per cell)."""
    cells = layer.cells
    meta = {"halo_points": 0, "cells": True}
    if cells is None or not len(cells.counts):
        return {"type": "scattermap", "mode": "markers", "lat": [], "lon": [], "hoverinfo": "skip",
                "showlegend": False, "name": translate("map.cells", lang), "meta": meta}
    counts = cells.counts.astype(np.int32)
    top = max(1.0, math.log10(float(counts.max())))
    ticks = list(range(0, int(top) + 1))
    return typed_arrays({
        "type": "scattermap", "mode": "markers",
        "lat": cells.latitude.astype(np.float32), "lon": cells.longitude.astype(np.float32),
        "marker": {
            "size": min(MAX_CELL_MARKER_PX, max(4.0, layer.cell_px * CELL_FILL_RATIO)), "opacity": 0.7,
            "color": np.log10(counts).astype(np.float32), "colorscale": CELL_COLOURSCALE, "cmin": 0, "cmax": top,
            "showscale": True,
            "colorbar": {"title": {"text": translate("map.cell_scale", lang), "side": "top"},
                         "tickvals": ticks, "ticktext": [format_number(10 ** t, lang) for t in ticks],
                         "x": 1.005, "xanchor": "left", "y": 0, "yanchor": "bottom", "len": 0.4, "thickness": 12},
        },
        "customdata": counts,
        "hovertemplate": translate("map.cell_hover", lang) + "<extra></extra>",
        "name": translate("map.cells", lang), "showlegend": False, "meta": meta,
    })


def array_of(value: object) -> np.ndarray:
    """A trace's array as numpy: a typed-array spec (``{"dtype", "bdata"}``) decoded, a list as is."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value if value is not None else [])


@dataclass(frozen=True)
class DrawnEvents:
    """The event points a trace built by :func:`event_trace` draws, rings and cells left out."""

    latitude: np.ndarray
    longitude: np.ndarray
    size: np.ndarray
    colour_code: np.ndarray
    rings: int  # uncertainty rings drawn under them

    @property
    def count(self) -> int:
        return int(self.latitude.size)


def drawn_events(trace) -> DrawnEvents:
    """Read back what :func:`event_trace` drew (a dict or a plotly trace): for tests and benchmarks."""
    data = trace if isinstance(trace, dict) else trace.to_plotly_json()
    meta = data.get("meta") or {}
    marker = data.get("marker") or {}
    if meta.get("cells"):
        nothing = np.empty(0, dtype=np.float32)
        return DrawnEvents(nothing, nothing, nothing.astype(np.uint8), nothing.astype(np.uint8), 0)
    rings = int(meta.get("halo_points", 0))
    lat, lon = array_of(data.get("lat")), array_of(data.get("lon"))
    size, colour = array_of(marker.get("size")), array_of(marker.get("color"))
    return DrawnEvents(lat[rings:], lon[rings:], size[rings:], colour[rings:], rings)


def key_font_px(theme: Theme) -> int:
    """Type size of the key: a little under the legend's on large type, never under 10 px."""
    return max(10, round(theme.legend_font_size * KEY_FONT_RATIO))


def legend_width_px(theme: Theme) -> float:
    """Room for the key: the longest type name grows with the theme's type size."""
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


def selection_layer(ring: list[list[float]] | None, theme: Theme = SCREEN) -> dict:
    """A dashed outline of the selected area, drawn above the events (the selection slot)."""
    if not ring:
        return hidden_layer("line")
    return {"sourcetype": "geojson", "type": "line", "below": "", "name": "selection", "visible": True,
            "source": _feature({"type": "LineString", "coordinates": ring}, "selection"),
            "color": theme.text_colour, "line": {"width": 2, "dash": [2, 1.5]}, "opacity": 0.8}


def screen_key_layout(key: MapKey, theme: Theme) -> KeyLayout:
    """The key as this map draws it: event types first, then sizes, places and routes."""
    return key_layout(key, theme, approximate_opacity=APPROXIMATE_OPACITY, halo_colour=theme.muted_colour,
                      font_size=key_font_px(theme), max_width_px=legend_width_px(theme) - KEY_GAP_PX - KEY_LEFT_PX,
                      left_px=KEY_LEFT_PX, types=True, inferred_dash="dash")


def key_item_defaults(theme: Theme) -> tuple[dict, dict]:
    """(shape, annotation) properties every item of the screen key shares.

    They go once into the map's template (``shapedefaults``, ``annotationdefaults``), so each
    filter change sends only what differs per item: a third of the key's bytes.
    """
    placed = {"xref": "paper", "yref": "paper"}
    shape = {**placed, "xsizemode": "pixel", "ysizemode": "pixel", "xanchor": 1, "yanchor": 1, "layer": "above"}
    annotation = {**placed, "x": 1, "y": 1, "showarrow": False, "borderpad": 0, "xanchor": "left",
                  "yanchor": "middle", "font": {"size": float(key_font_px(theme)), "family": theme.font_family}}
    return shape, annotation


def without_defaults(item: dict, defaults: dict) -> dict:
    """``item`` less the properties ``defaults`` gives it (nested dicts compared key by key), its
    pixel offsets rounded to 0.01 px."""
    kept: dict = {}
    for name, value in item.items():
        default = defaults.get(name)
        if isinstance(value, dict):
            value = without_defaults(value, default if isinstance(default, dict) else {})
            if not value:
                continue
        elif name in defaults and value == default and type(value) is type(default):
            continue
        kept[name] = round(value, 2) if isinstance(value, float) else value
    return kept


def map_template(theme: Theme) -> dict:
    """The small template plus the key items' shared properties (:func:`key_item_defaults`)."""
    shape, annotation = key_item_defaults(theme)
    return {"layout": {**SMALL_TEMPLATE["layout"], "shapedefaults": shape, "annotationdefaults": annotation}}


@dataclass(frozen=True)
class MapUpdate:
    """What a filter change or a move replaces on a drawn map: its trace and its key."""

    trace: dict
    shapes: list[dict]
    annotations: list[dict]
    margin_right: int


def map_update(layer: MapLayer, *, routes: dict, vraem: bool, lang: str, theme: Theme = SCREEN,
               show_key: bool = True, below: str | None = EVENTS_LAYER_ID) -> MapUpdate:
    """The trace and the key for ``layer`` (the key lists exactly the types drawn); the trace goes
    under the style layer ``below`` (:func:`events_below`)."""
    trace = event_trace(layer, lang, theme, below)
    if not show_key:
        return MapUpdate(trace=trace, shapes=[], annotations=[], margin_right=0)
    drawn_key = screen_key_layout(build_map_key(layer.points, routes=routes, vraem=vraem, theme=theme, lang=lang),
                                  theme)
    shape_defaults, annotation_defaults = key_item_defaults(theme)
    return MapUpdate(trace=trace, shapes=[without_defaults(shape, shape_defaults) for shape in drawn_key.shapes],
                     annotations=[without_defaults(note, annotation_defaults) for note in drawn_key.annotations],
                     margin_right=key_margin_px(drawn_key.width_px, theme))


def apply_map_update(patch, update: MapUpdate):
    """Write ``update`` into a Dash ``Patch`` of the map figure (one trace, three layout keys)."""
    patch["data"][EVENT_TRACE] = update.trace
    patch["layout"]["shapes"] = update.shapes
    patch["layout"]["annotations"] = update.annotations
    patch["layout"]["margin"]["r"] = update.margin_right
    return patch


def build_event_map(layer: MapLayer | PointColumns, **options) -> go.Figure:
    """:func:`event_map_figure` as a ``go.Figure`` (presenter, exports, tests)."""
    return unchecked.as_figure(event_map_figure(layer, **options))


def event_map_figure(
    layer: MapLayer | PointColumns,
    *,
    routes: dict,
    vraem_feature: dict | None,
    lang: str = DEFAULT_LANGUAGE,
    view: MapView | None = None,
    remote_style: str | None = None,
    names_over_events: bool = True,
    highlight: tuple[float, float] | None = None,
    theme: Theme = SCREEN,
    uirevision: str = "map",
    rings: Sequence[tuple[float, float]] | None = None,
    ring_px: float = 22.0,
    ring_labels: dict | None = None,
    selection: list[list[float]] | None = None,
    show_key: bool = True,
    indicator: dict | None = None,
) -> dict:
    """Build the event map (a plain figure: the page sends it as it is).

    Parameters
    ----------
    layer
        What to draw (points or grid cells); plain ``EventStore.points`` columns draw every point.
    routes, vraem_feature
        Reference layers: route legs (GeoJSON) and the approximate VRAEM polygon.
    view
        Centre and zoom; None uses a view of Peru and Bolivia.
    remote_style, names_over_events
        Base map: None draws the offline style (:func:`offline_style`), names over or under the
        events; else a style name or URL that needs the network, with the VRAEM and routes as layers.
    highlight
        (lat, lon) of the selected event, drawn as a dark disc under it.
    rings, ring_labels
        (lat, lon) of several events to ring instead (the presenter's highlighted events), each
        ``ring_px`` in radius at the view's zoom, and the layer that names them.
    selection
        The box or lasso filter's outline (:func:`selection_ring`), drawn dashed on the map.
    show_key
        False leaves the key out and gives the map its margin (the app's key switch, off by
        default on a phone, where the key would take half the map's width).
    indicator
        The selected indicator's layer (:func:`indicator_layer`), last in the layer list
        (:func:`indicator_slot`); None keeps the slot, hidden.
    """
    view = view or DEFAULT_VIEW
    if isinstance(layer, PointColumns):
        layer = points_layer(layer)
    update = map_update(layer, routes=routes, vraem=vraem_feature is not None, lang=lang, theme=theme,
                        show_key=show_key, below=events_below(remote_style))
    slots = [
        highlight_layer(highlight, theme) if rings is None else rings_layer(rings, ring_px, view.zoom),
        selection_layer(selection, theme),
        ring_labels if ring_labels is not None else hidden_layer("symbol"),
    ]
    # A plain dict: go.Figure's update_layout validated every key path of the style and its
    # constructor copied it (3/4 of building the page at 100k events).
    return unchecked.plain_figure([update.trace], layout=dict(
        map=dict(
            style=remote_style if remote_style is not None else offline_style(
                theme, lang, routes=routes, vraem_feature=vraem_feature, names_over_events=names_over_events),
            layers=[*slots, *overlay_layers(remote_style, routes, vraem_feature, lang, theme),
                    indicator if indicator is not None else hidden_layer("fill")],
            center=dict(lat=view.lat, lon=view.lon),
            zoom=view.zoom,
        ),
        margin=dict(l=0, r=update.margin_right, t=0, b=0),
        template=map_template(theme),  # the key's items need its defaults
        paper_bgcolor=theme.paper_colour,
        font=dict(family=theme.font_family, size=theme.font_size, color=theme.text_colour),
        # The key sits in the right margin, so it never hides a point.
        shapes=update.shapes, annotations=update.annotations,
        showlegend=False,
        dragmode="pan",
        uirevision=uirevision,
        clickmode="event",
    ))
