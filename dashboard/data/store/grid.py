"""Space for the store: the grid cell sizes the map snaps to, and lasso (polygon) selection.

Shared by every store implementation, so cells and polygons mean the same in each.
"""

from __future__ import annotations

import math

import numpy as np

# Cell sizes the map's grid aggregate snaps to, so nearby zooms share cached bins.
CELL_SIZES: tuple[float, ...] = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
CELL_TARGET_PX = 28.0  # geometric middle of the 20–40 px a cell should cover on screen
MAP_TILE_PX = 512  # MapLibre's world is 512 px wide at zoom 0
MAX_ZOOM = 24.0  # MapLibre's deepest zoom


def cell_size_for_zoom(zoom: float) -> float:
    """Grid cell size (degrees, one of :data:`CELL_SIZES`) about 20–40 px wide at a MapLibre zoom.

    Parameters
    ----------
    zoom
        MapLibre zoom level (a 512-px world at zoom 0).

    Returns
    -------
    float
        The cell size whose width on screen is nearest (in ratio) to :data:`CELL_TARGET_PX`.
    """
    zoom = min(MAX_ZOOM, max(0.0, float(zoom))) if math.isfinite(float(zoom)) else 0.0
    degrees_per_px = 360.0 / (MAP_TILE_PX * 2.0 ** zoom)
    ideal = CELL_TARGET_PX * degrees_per_px
    return min(CELL_SIZES, key=lambda size: (abs(math.log(size / ideal)), size))


def points_in_polygon(x: np.ndarray, y: np.ndarray, ring: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Even-odd rule point-in-polygon, vectorised over the points (lasso selections).

    Parameters
    ----------
    x, y
        Longitudes and latitudes of the points.
    ring
        The polygon's (lon, lat) vertices; the last joins the first.

    Returns
    -------
    numpy.ndarray
        Boolean mask of the points inside.
    """
    inside = np.zeros(x.shape, dtype=bool)
    vertices = np.asarray(ring, dtype=np.float64)
    x0, y0 = vertices[:, 0], vertices[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    for ax, ay, bx, by in zip(x0, y0, x1, y1):
        crosses = (ay > y) != (by > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = ax + (y - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (x < x_at)
    return inside
