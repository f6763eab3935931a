"""Checks on the bundled data that the sources cannot do for us: places, legs, sea lines, route ids.

Each check is a pure function over the data (an events frame, a routes collection, polygons) and
returns the problems it finds, each naming the event or leg, so the bundled-data tests can run
it on the real files and on a copy with one planted bad value. The polygons are the ones the app
itself draws: ``geodata/regions.geojson`` (Peru and Bolivia departments, the Callao port area) and
``assets/basemap/countries.geojson`` (Natural Earth 1:50m countries, also the land for sea legs).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pyproj import Geod
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, unary_union

REPO = Path(__file__).resolve().parent.parent
COUNTRIES = REPO / "assets" / "basemap" / "countries.geojson"
REGIONS = REPO / "geodata" / "regions.geojson"

# A point may lie this far outside its stated country or department: the polygons are coarse
# (Natural Earth; 1-3 km off on the Apurímac/Ene borders, rutas:0028, 0096, 0088), while a point
# really in the wrong place lies further off (rutas:0070 was 9-11 km inside Bolivia, rutas:0099
# 6 km inside Huancavelica).
PLACE_TOLERANCE_KM = 3.0
# A sea line may cross this much of the coast (ports sit on it; the 1:50m coast is coarse).
COAST_TOLERANCE_KM = 5.0
# A declared waterway (canal, estuary up to a river port) is no longer than this.
MAX_WATERWAY_KM = 150.0
# A point at sea (its location says so) lies within its country's 200-nautical-mile zone.
SEA_WORDS = ("waters", "offshore", "at sea", "high seas")
EEZ_KM = 370.0
# Departments as the events name them, where the polygon's name differs. Natural Earth draws
# Callao's northern districts (Ventanilla) inside Metropolitan Lima, so "Callao" is checked
# against both (rutas:0004 lies 13.8 km from the El Callao polygon alone).
DEPARTMENT_POLYGONS = {
    "Callao": ("El Callao", "Callao (port area)", "Municipalidad Metropolitana de Lima"),
    "Lima": ("Lima", "Municipalidad Metropolitana de Lima"),
    "Beni": ("El Beni",),
}
CHECKED_COUNTRIES = ("PER", "BOL")  # the countries whose departments are bundled

_GEOD = Geod(ellps="WGS84")


def km_outside(point: Point, area: BaseGeometry) -> float:
    """Distance in km from ``point`` to ``area`` (0 inside)."""
    if area.contains(point):
        return 0.0
    _, nearest = nearest_points(point, area)
    return _GEOD.inv(point.x, point.y, nearest.x, nearest.y)[2] / 1000


@lru_cache(maxsize=1)
def country_polygons() -> dict[str, BaseGeometry]:
    features = json.loads(COUNTRIES.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["iso3"]: shape(f["geometry"]).buffer(0) for f in features}


@lru_cache(maxsize=1)
def land() -> BaseGeometry:
    return unary_union(list(country_polygons().values()))


@lru_cache(maxsize=1)
def department_polygons() -> dict[tuple[str, str], BaseGeometry]:
    """(country, name as the events write it) → polygon, from regions.geojson."""
    by_name: dict[tuple[str, str], BaseGeometry] = {}
    for feature in json.loads(REGIONS.read_text(encoding="utf-8"))["features"]:
        props = feature["properties"]
        if props["kind"] in ("department", "port_area"):
            by_name[(props["country"], props["name"])] = shape(feature["geometry"]).buffer(0)
    areas = dict(by_name)
    for written, names in DEPARTMENT_POLYGONS.items():
        country = next(c for (c, n) in by_name if n == names[0])
        areas[(country, written)] = unary_union([by_name[(country, n)] for n in names if (country, n) in by_name])
    return areas


def place_problems(events: Iterable[dict], countries: dict[str, BaseGeometry] | None = None,
                   departments: dict[tuple[str, str], BaseGeometry] | None = None,
                   tolerance_km: float = PLACE_TOLERANCE_KM) -> list[str]:
    """Events whose point is not in their stated country, or (Peru, Bolivia) in a stated department.

    A point more than ``tolerance_km`` off its country must be at sea, say so in its location,
    lie in no other country and within 370 km of its own. ``admin1`` may list several
    departments (``;``); the point must be within the tolerance of one of them.
    """
    countries = countries if countries is not None else country_polygons()
    departments = departments if departments is not None else department_polygons()
    problems = []
    for event in events:
        event_id, iso3 = event["event_id"], event["country"]
        point = Point(float(event["longitude"]), float(event["latitude"]))
        area = countries.get(iso3)
        if area is None:
            problems.append(f"{event_id}: no polygon for country {iso3}")
            continue
        off = km_outside(point, area)
        if off > tolerance_km:
            at_sea = any(word in str(event["location"]).lower() for word in SEA_WORDS)
            inside = [code for code, other in countries.items() if other.contains(point)]
            if not at_sea or inside or off > EEZ_KM:
                where = f"inside {', '.join(inside)}" if inside else "at sea, but its location does not say so" \
                    if not at_sea else "too far out at sea"
                problems.append(f"{event_id}: point ({point.y}, {point.x}) lies {off:.1f} km outside {iso3} "
                                f"({where}; tolerance {tolerance_km:g} km)")
            continue  # a point at sea is in no department
        if iso3 not in CHECKED_COUNTRIES or not str(event["admin1"]).strip():
            continue
        names = [name.strip() for name in str(event["admin1"]).split(";") if name.strip()]
        unknown = [name for name in names if (iso3, name) not in departments]
        if unknown:
            problems.append(f"{event_id}: no department polygon named {', '.join(unknown)} in {iso3}")
            continue
        nearest = min(km_outside(point, departments[(iso3, name)]) for name in names)
        if nearest > tolerance_km:
            problems.append(f"{event_id}: point ({point.y}, {point.x}) lies {nearest:.1f} km outside "
                            f"{' / '.join(names)} (tolerance {tolerance_km:g} km)")
    return problems


def leg_source_problems(routes: dict) -> list[str]:
    """Documented legs whose own sources do not cover every named waypoint."""
    problems = []
    for feature in routes["features"]:
        props = feature["properties"]
        if props["evidence"] != "documented":
            continue
        leg_sources = props.get("leg_sources") or []
        if not leg_sources or props.get("source_scope") != "leg":
            problems.append(f"{props['leg_id']}: documented, but has no leg-level source")
            continue
        covered = {name for source in leg_sources for name in source.get("waypoints", [])}
        missing = [name for name in props["waypoints"] if name not in covered]
        if missing:
            problems.append(f"{props['leg_id']}: documented, but no leg source documents {', '.join(missing)}")
        urls = [source.get("url") for source in leg_sources]
        if set(urls) - set(props.get("source_urls") or []):
            problems.append(f"{props['leg_id']}: a leg source is missing from source_urls")
    return problems


def _segment_km(a, b) -> float:
    return _GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000


def sea_land_problems(routes: dict, land_area: BaseGeometry | None = None,
                      coast_km: float = COAST_TOLERANCE_KM) -> list[str]:
    """Sea legs that cross land further in than ``coast_km`` outside their declared waterways."""
    land_area = land_area if land_area is not None else land()
    inland = land_area.buffer(-coast_km / 111.32)  # degrees: shrinks a little less east-west, on the safe side
    problems = []
    for feature in routes["features"]:
        props = feature["properties"]
        if props["mode"] != "sea":
            continue
        waterways = {(tuple(w["from"]), tuple(w["to"])): w["name"] for w in props.get("waterways") or []}
        coordinates = [tuple(c) for c in feature["geometry"]["coordinates"]]
        for a, b in zip(coordinates, coordinates[1:]):
            name = waterways.get((a, b))
            if name is not None:
                if _segment_km(a, b) > MAX_WATERWAY_KM:
                    problems.append(f"{props['leg_id']}: waterway {name} is {_segment_km(a, b):.0f} km long "
                                    f"(at most {MAX_WATERWAY_KM:g})")
                continue
            if a == b:
                continue
            crossing = LineString([a, b]).intersection(inland)
            if not crossing.is_empty:
                km = crossing.length * 111.32 * math.cos(math.radians((a[1] + b[1]) / 2))
                at = crossing.representative_point()
                problems.append(f"{props['leg_id']}: segment {a} → {b} crosses land near "
                                f"({at.y:.2f}, {at.x:.2f}), about {max(km, 0.1):.0f} km")
    return problems


def route_id_problems(routes: dict, event_route_ids: Iterable[str]) -> list[str]:
    """Route ids on events with no line and no declared area; lines with no events and no note saying so."""
    notes = routes.get("routes") or {}
    drawn = {f["properties"]["route_id"] for f in routes["features"]}
    used = {route_id for route_id in event_route_ids if route_id}
    problems = []
    for route_id in sorted(used - drawn):
        note = notes.get(route_id) or {}
        if note.get("line") is not False or not note.get("note"):
            problems.append(f"route {route_id}: events carry it but it has no line and no note saying why")
    for route_id in sorted(drawn - used):
        if not (notes.get(route_id) or {}).get("note"):
            problems.append(f"route {route_id}: a line with no events, and no note saying so")
    for route_id in sorted(drawn):
        if (notes.get(route_id) or {}).get("line") is False:
            problems.append(f"route {route_id}: drawn, but the routes member says it has no line")
    return problems
