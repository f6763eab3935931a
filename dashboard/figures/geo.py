"""Web Mercator maths and map fitting, for every map: the screen, the presenter, exports and the pack.

One place for the projection, so the screen map, the printed map and the briefing pack agree on
where a latitude lands and on what "the map fitted to these events" means:

- :func:`points_box` — the box round a set of points (non-finite coordinates ignored; from
  ``robust_from`` points on, far strays left out). Every fit starts here.
- :func:`fit_view` — a web map's centre and zoom that show a box or a set of points (the screen
  and the presenter); :func:`slide_view` — where a story slide's map looks, in the presenter and
  in its briefing pack alike.
- :func:`fit_extent` — a printed map's box round a set of points, shaped to its plot
  (exports and the pack); :func:`shape_extent` shapes any box, :func:`view_extent` turns a
  web map's centre and zoom back into the box it shows.
- :class:`MapProjection` — page px of lon/lat inside a printed map's box.

No dash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dashboard.data.filters import MapView
from dashboard.data.store import MAP_TILE_PX, MAX_ZOOM, EventStore
from dashboard.data.stories import Slide
from dashboard.figures.event_map import DEFAULT_VIEW

__all__ = [
    "BOX_MAX_LAT", "DEFAULT_EXTENT", "MAP_TILE_PX", "MAX_LATITUDE", "MAX_ZOOM", "SCREEN_MAP_PX", "Box",
    "MapProjection", "finite_number", "fit_extent", "fit_view", "geo_axis_ranges", "inside_box",
    "mercator_lat", "mercator_y", "points_box", "shape_extent", "view_extent", "wrap_lon",
]

Box = tuple[float, float, float, float]  # west, south, east, north, in degrees

MAX_LATITUDE = 85.0  # Web Mercator's useful limit
BOX_MAX_LAT = 80.0  # a printed map's box stays inside this latitude
# A printed map with nothing to fit shows Peru and Bolivia (west, south, east, north).
DEFAULT_EXTENT: Box = (-82.0, -23.5, -57.0, 0.5)
MIN_SPAN_DEG = 3.0  # a printed map is never narrower than this, in either direction
EXTENT_PAD = 0.08  # share of the events' span a printed map adds on each side
ROBUST_MIN_EVENTS = 100  # from this many events, far strays may be left outside a printed map
OUTLIER_SPAN_RATIO = 3.0  # ...when the full span is this many times the 1st–99th percentile span
# The screen map: a fitted view leaves this share of the points' span free on each side.
FIT_PADDING = 0.15
FIT_MAX_ZOOM = 9.0  # one point, or a few close together, are not shown at street level
FIT_MIN_ZOOM = 0.5
SCREEN_MAP_PX = (1600, 700)  # the story editor's map, where a slide's view was set


def finite_number(value: object) -> float | None:
    """A finite float from browser JSON, or None (lists, text, booleans and NaN are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def wrap_lon(lon: float) -> float:
    """Longitude brought into [-180, 180) (MapLibre reports more after a pan across ±180)."""
    return (lon + 180.0) % 360.0 - 180.0


def mercator_y(lat):
    """Web Mercator y (radians) of latitudes in degrees (scalar or array), clipped to ±85°."""
    clipped = np.radians(np.clip(lat, -MAX_LATITUDE, MAX_LATITUDE))
    return np.log(np.tan(np.pi / 4 + clipped / 2))


def mercator_lat(y: float) -> float:
    """Latitude in degrees of a Web Mercator y (radians)."""
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


# ---- fitting -------------------------------------------------------------------------------------
def points_box(longitude: np.ndarray, latitude: np.ndarray, *, robust_from: int | None = None) -> Box | None:
    """The box (west, south, east, north) round the points with finite coordinates; None for none.

    Parameters
    ----------
    robust_from
        From this many points on, an axis whose full span is over :data:`OUTLIER_SPAN_RATIO`
        times its 1st–99th percentile span uses the percentiles: one stray point (a mis-geocoded
        row at 0°, 0°) does not shrink the rest to a dot, and a real cluster's edge is never cut.
        None: every point is inside.
    """
    lon = np.asarray(longitude, dtype=np.float64)
    lat = np.asarray(latitude, dtype=np.float64)
    keep = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[keep], lat[keep]
    if lon.size == 0:
        return None
    west, east, south, north = lon.min(), lon.max(), lat.min(), lat.max()
    if robust_from is not None and lon.size >= robust_from:
        r_west, r_east = np.percentile(lon, [1, 99])
        r_south, r_north = np.percentile(lat, [1, 99])
        if east - west > OUTLIER_SPAN_RATIO * max(r_east - r_west, MIN_SPAN_DEG):
            west, east = r_west, r_east
        if north - south > OUTLIER_SPAN_RATIO * max(r_north - r_south, MIN_SPAN_DEG):
            south, north = r_south, r_north
    return float(west), float(south), float(east), float(north)


def fit_view(longitude: np.ndarray, latitude: np.ndarray, width_px: float = 700, height_px: float = 540,
             padding: float = FIT_PADDING, max_zoom: float = FIT_MAX_ZOOM) -> MapView | None:
    """Centre and zoom of a ``width_px`` x ``height_px`` web map that shows every given point.

    None when no point has finite coordinates. ``padding`` is the share of the points' span
    (in Web Mercator units) left free on each side; the zoom is at most ``max_zoom`` (one point
    is not shown at street level) and at least :data:`FIT_MIN_ZOOM`.
    """
    box = points_box(longitude, latitude)
    if box is None:
        return None
    west, south, east, north = box
    south_y, north_y = float(mercator_y(south)), float(mercator_y(north))
    span_x = max((east - west) / 360.0, 1e-6) * (1 + 2 * padding)
    span_y = max((north_y - south_y) / (2 * np.pi), 1e-6) * (1 + 2 * padding)
    zoom = min(math.log2(width_px / (MAP_TILE_PX * span_x)), math.log2(height_px / (MAP_TILE_PX * span_y)),
               max_zoom)
    centre_lat = mercator_lat((south_y + north_y) / 2)
    return MapView(lat=round(centre_lat, 4), lon=round((west + east) / 2, 4),
                   zoom=round(max(zoom, FIT_MIN_ZOOM), 2))


def fit_extent(longitude: np.ndarray, latitude: np.ndarray, aspect: float) -> Box:
    """A printed map's box round the points, shaped to ``aspect`` (plot width / height).

    Every point is inside, except far strays from :data:`ROBUST_MIN_EVENTS` points on (see
    :func:`points_box`); each side gets :data:`EXTENT_PAD` of the span, which is at least
    :data:`MIN_SPAN_DEG`. No points: Peru and Bolivia.
    """
    box = points_box(longitude, latitude, robust_from=ROBUST_MIN_EVENTS)
    if box is None:
        return shape_extent(DEFAULT_EXTENT, aspect)
    west, south, east, north = box
    span_x = max(east - west, MIN_SPAN_DEG)
    span_y = max(north - south, MIN_SPAN_DEG)
    cx, cy = (west + east) / 2, (south + north) / 2
    west, east = cx - span_x * (0.5 + EXTENT_PAD), cx + span_x * (0.5 + EXTENT_PAD)
    south, north = cy - span_y * (0.5 + EXTENT_PAD), cy + span_y * (0.5 + EXTENT_PAD)
    return shape_extent((west, south, east, north), aspect)


def shape_extent(extent: Box, aspect: float) -> Box:
    """The smallest box shaped to ``aspect`` (width / height, in Mercator) that holds ``extent``.

    The short side grows about the centre; a box past :data:`BOX_MAX_LAT` slides back inside it.
    """
    west, south, east, north = extent
    south, north = max(-BOX_MAX_LAT, south), min(BOX_MAX_LAT, north)
    # Mercator x is longitude in radians, y is mercator_y(latitude).
    x0, x1 = math.radians(west), math.radians(east)
    y0, y1 = float(mercator_y(south)), float(mercator_y(north))
    if (x1 - x0) / (y1 - y0) < aspect:
        half = (y1 - y0) * aspect / 2
        cx = (x0 + x1) / 2
        x0, x1 = cx - half, cx + half
    else:
        half = (x1 - x0) / aspect / 2
        cy = (y0 + y1) / 2
        y0, y1 = cy - half, cy + half
        limit = float(mercator_y(BOX_MAX_LAT))
        if y1 > limit:
            y0, y1 = y0 - (y1 - limit), limit
        if y0 < -limit:
            y0, y1 = -limit, y1 + (-limit - y0)
    west, east = math.degrees(x0), math.degrees(x1)
    if east - west > 360:
        west, east = -180.0, 180.0
    return west, mercator_lat(y0), east, mercator_lat(y1)


def view_extent(lat: float, lon: float, zoom: float, width_px: float = SCREEN_MAP_PX[0],
                height_px: float = SCREEN_MAP_PX[1]) -> Box:
    """The box (west, south, east, north) a web map of ``width_px`` x ``height_px`` shows.

    A slide's view is a MapLibre centre and zoom; this is what the presenter saw, so the print
    map can show the same place at any page shape (with :func:`shape_extent`).
    """
    world = MAP_TILE_PX * 2.0 ** float(zoom)
    half_lon = min(180.0, width_px / world * 180.0)
    half_y = height_px / world * math.pi  # the Mercator world is 2π high, as wide as it is high
    centre_y = float(mercator_y(lat))
    limit = float(mercator_y(BOX_MAX_LAT))
    south_y, north_y = max(-limit, centre_y - half_y), min(limit, centre_y + half_y)
    # The web map wraps round the date line; the print map does not: slide the box inside ±180°
    # so no event drops out of a wide view (the box keeps its width).
    west = min(max(lon - half_lon, -180.0), 180.0 - 2 * half_lon)
    return west, mercator_lat(south_y), west + 2 * half_lon, mercator_lat(north_y)


# ---- the printed map's projection ----------------------------------------------------------------
def geo_axis_ranges(extent: Box) -> tuple[list[float], list[float]]:
    """``lonaxis.range`` and ``lataxis.range`` that make plotly's geo map show exactly ``extent``.

    Plotly fits the map to a polygon whose east–west edges are four great-circle arcs each; an
    arc bows towards the pole, so the map would show more latitude than asked (and no longer
    fill the plot). Asking for the latitude whose arcs peak at the wanted edge undoes that:
    an arc between two points at latitude φ, δ apart, peaks where tan φ' = tan φ / cos(δ/2).
    """
    west, south, east, north = extent
    shrink = math.cos(math.radians(east - west) / 8)

    def towards_equator(lat: float) -> float:
        return math.degrees(math.atan(math.tan(math.radians(lat)) * shrink))

    return [west, east], [towards_equator(south) if south < 0 else south,
                          towards_equator(north) if north > 0 else north]


def inside_box(lon: np.ndarray, lat: np.ndarray, extent: Box, margin: float = 0.0) -> np.ndarray:
    """Which points lie in ``extent`` shrunk by ``margin`` degrees on each side."""
    west, south, east, north = extent
    return (lon >= west + margin) & (lon <= east - margin) & (lat >= south + margin) & (lat <= north - margin)


@dataclass(frozen=True)
class MapProjection:
    """Page px of lon/lat inside a printed map's box, drawn in the plot at ``left``, ``top``."""

    extent: Box
    left: float
    top: float
    width: float
    height: float

    @property
    def plot_box(self) -> tuple[float, float, float, float]:
        """The plot area in page px: left, top, right, bottom."""
        return self.left, self.top, self.left + self.width, self.top + self.height

    @property
    def px_per_degree(self) -> float:
        """Page px per degree of longitude."""
        west, _, east, _ = self.extent
        return self.width / (east - west)

    def px(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Page px (x, y) of points."""
        west, south, east, north = self.extent
        y_north, y_south = float(mercator_y(north)), float(mercator_y(south))
        fx = (np.asarray(lon, dtype=np.float64) - west) / (east - west)
        fy = (y_north - mercator_y(np.asarray(lat, dtype=np.float64))) / (y_north - y_south)
        return self.left + fx * self.width, self.top + fy * self.height


# About the presenter's map on a 1920×1080 projector: a slide without a saved view is fitted there,
# and its briefing pack shows the ground that map shows.
PRESENT_MAP_PX = (1500, 760)


def slide_view(store: EventStore, slide: Slide, limit: int) -> MapView:
    """Where a slide's map looks: its saved view, else fitted to its events (at most ``limit`` of
    them) on the presenter's map, else the start view. The presenter and the pack both ask here."""
    if slide.view is not None:
        return slide.view
    points = store.points(slide.spec, limit=limit)
    return fit_view(points.longitude, points.latitude, *PRESENT_MAP_PX) or DEFAULT_VIEW
