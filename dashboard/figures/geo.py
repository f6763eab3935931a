"""Web Mercator and browser-number helpers shared by the map's interactions and views. No dash."""

from __future__ import annotations

import math

import numpy as np

from dashboard.data.store import MAP_TILE_PX, MAX_ZOOM

__all__ = ["MAP_TILE_PX", "MAX_ZOOM", "MAX_LATITUDE", "finite_number", "mercator_lat", "mercator_y", "wrap_lon"]

MAX_LATITUDE = 85.0  # Web Mercator's useful limit


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
