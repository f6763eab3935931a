"""Checks on the committed offline base-map files built by geodata/build_basemap.py."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiLineString, Point, shape
from shapely.ops import nearest_points

from dashboard.data.language import Language
from dashboard.i18n import CATALOGS

REPO = Path(__file__).resolve().parents[2]
COUNTRIES = REPO / "assets" / "basemap" / "countries.geojson"
DEPARTMENTS = REPO / "assets" / "basemap" / "departments.geojson"
RIVERS = REPO / "assets" / "basemap" / "rivers.geojson"
REGIONS = REPO / "geodata" / "regions.geojson"
PLACES = REPO / "geodata" / "places.csv"

SIZE_LIMITS_KB = {
    COUNTRIES: 400,
    DEPARTMENTS: 300,
    RIVERS: 150,
    REGIONS: 300,
    PLACES: 50,
}

PICHARI = (-12.518, -73.829)  # lat, lon

PERU_DEPARTMENTS = {
    "PE-AMA": "Amazonas",
    "PE-ANC": "Ancash",
    "PE-APU": "Apurímac",
    "PE-ARE": "Arequipa",
    "PE-AYA": "Ayacucho",
    "PE-CAJ": "Cajamarca",
    "PE-CAL": "El Callao",
    "PE-CUS": "Cusco",
    "PE-HUC": "Huánuco",
    "PE-HUV": "Huancavelica",
    "PE-ICA": "Ica",
    "PE-JUN": "Junín",
    "PE-LAL": "La Libertad",
    "PE-LAM": "Lambayeque",
    "PE-LIM": "Lima",
    "PE-LMA": "Municipalidad Metropolitana de Lima",
    "PE-LOR": "Loreto",
    "PE-MDD": "Madre de Dios",
    "PE-MOQ": "Moquegua",
    "PE-PAS": "Pasco",
    "PE-PIU": "Piura",
    "PE-PUN": "Puno",
    "PE-SAM": "San Martín",
    "PE-TAC": "Tacna",
    "PE-TUM": "Tumbes",
    "PE-UCA": "Ucayali",
}
BOLIVIA_DEPARTMENTS = {
    "BO-B": "El Beni",
    "BO-C": "Cochabamba",
    "BO-H": "Chuquisaca",
    "BO-L": "La Paz",
    "BO-N": "Pando",
    "BO-O": "Oruro",
    "BO-P": "Potosí",
    "BO-S": "Santa Cruz",
    "BO-T": "Tarija",
}


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def load_fc(path: Path) -> dict:
    fc = json.loads(path.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection"
    assert isinstance(fc["features"], list) and fc["features"]
    for f in fc["features"]:
        assert f["type"] == "Feature"
        assert isinstance(f["properties"], dict)
        assert set(f["geometry"]) == {"type", "coordinates"}
    return fc


def geoms(fc: dict) -> list:
    return [shape(f["geometry"]) for f in fc["features"]]


def _iter_coords(coords):
    if coords and isinstance(coords[0], (int, float)):
        yield coords
    else:
        for c in coords:
            yield from _iter_coords(c)


@pytest.fixture(scope="module")
def departments():
    fc = load_fc(DEPARTMENTS)
    return {
        f["properties"]["code"]: (f["properties"], shape(f["geometry"]))
        for f in fc["features"]
    }


@pytest.fixture(scope="module")
def regions():
    return load_fc(REGIONS)


@pytest.fixture(scope="module")
def places():
    with PLACES.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def river_lines():
    return MultiLineString(geoms(load_fc(RIVERS)))


@pytest.mark.parametrize("path", list(SIZE_LIMITS_KB), ids=lambda p: p.name)
def test_file_size_limits(path):
    assert path.exists(), f"missing {path}; run geodata/build_basemap.py"
    assert path.stat().st_size < SIZE_LIMITS_KB[path] * 1024


@pytest.mark.parametrize(
    "path,types",
    [
        (COUNTRIES, {"Polygon", "MultiPolygon"}),
        (DEPARTMENTS, {"Polygon", "MultiPolygon"}),
        (RIVERS, {"LineString"}),
        (REGIONS, {"Polygon", "MultiPolygon"}),
    ],
    ids=lambda v: v.name if isinstance(v, Path) else "",
)
def test_geojson_valid_wgs84_rounded(path, types):
    fc = load_fc(path)
    for f in fc["features"]:
        assert f["geometry"]["type"] in types
        g = shape(f["geometry"])
        assert not g.is_empty
        assert g.is_valid, (f["properties"], shapely.is_valid_reason(g))
        for lon, lat in _iter_coords(f["geometry"]["coordinates"]):
            assert -180 <= lon <= 180 and -90 <= lat <= 90
            assert round(lon, 4) == lon and round(lat, 4) == lat


def test_countries():
    fc = load_fc(COUNTRIES)
    by_iso = {f["properties"]["iso3"]: f["properties"]["name"] for f in fc["features"]}
    for f in fc["features"]:
        assert len(f["properties"]["iso3"]) == 3
        assert f["properties"]["name"]
    for iso3 in (
        "PER",
        "BOL",
        "COL",
        "BRA",
        "ECU",
        "CHL",
        "ARG",
        "PRY",
        "USA",
        "MEX",
        "ESP",
        "NLD",
        "BEL",
        "FRA",
        "ITA",
        "GBR",
        "MAR",
    ):
        assert iso3 in by_iso, iso3
    assert by_iso["PER"] == "Peru" and by_iso["BOL"] == "Bolivia"
    # Peru polygon contains Pichari
    peru = next(
        shape(f["geometry"]) for f in fc["features"] if f["properties"]["iso3"] == "PER"
    )
    assert peru.contains(Point(PICHARI[1], PICHARI[0]))


def test_departments_codes_and_names(departments):
    per = {c: p["name"] for c, (p, _) in departments.items() if p["country"] == "PER"}
    bol = {c: p["name"] for c, (p, _) in departments.items() if p["country"] == "BOL"}
    assert per == PERU_DEPARTMENTS  # 24 regions + El Callao + Lima Metropolitana = 26
    assert len(per) == 26
    assert bol == BOLIVIA_DEPARTMENTS
    assert len(bol) == 9
    assert len(departments) == 35
    # the source file labels the Puno polygon "Callao": make sure that did not leak through
    assert departments["PE-PUN"][0]["name"] == "Puno"
    assert sum("callao" in p["name"].lower() for p, _ in departments.values()) == 1


def test_departments_geography(departments):
    def contains(code, lat, lon):
        return departments[code][1].contains(Point(lon, lat))

    assert contains("PE-PUN", -15.84, -70.02)  # Puno city
    assert contains("PE-CUS", *PICHARI)
    assert contains("PE-AYA", -12.411, -73.908)  # Llochegua
    assert contains("PE-JUN", -11.326, -74.531)  # Mazamari
    assert contains("BO-L", -16.50, -68.15)  # La Paz
    assert contains("BO-S", -17.78, -63.18)  # Santa Cruz
    callao = departments["PE-CAL"][1]
    assert callao.area < 0.01  # small feature of its own
    assert callao.distance(Point(-77.145, -12.050)) < 0.02  # the port
    assert departments["PE-PUN"][1].area > 3


def test_rivers(river_lines):
    fc = load_fc(RIVERS)
    assert all(f["properties"] == {"kind": "river"} for f in fc["features"])
    minx, miny, maxx, maxy = river_lines.bounds
    assert minx >= -82 and miny >= -24 and maxx <= -57 and maxy <= 0
    # a river passes by Pichari (the Apurímac)
    assert river_lines.distance(Point(PICHARI[1], PICHARI[0])) < 0.05


def test_regions(regions, departments):
    props = [f["properties"] for f in regions["features"]]
    for p in props:
        assert set(p) == {
            "region_id",
            "name",
            "kind",
            "country",
            "approximate",
            "source",
        }
        assert p["kind"] in {"vraem", "department", "port_area"}
        assert isinstance(p["approximate"], bool)
        assert p["source"]
    ids = [p["region_id"] for p in props]
    assert len(ids) == len(set(ids))
    dept_ids = {p["region_id"] for p in props if p["kind"] == "department"}
    assert dept_ids == set(departments)
    assert any(
        p["kind"] == "port_area" and "callao" in p["name"].lower() for p in props
    )

    (vraem_f,) = [f for f in regions["features"] if f["properties"]["kind"] == "vraem"]
    assert vraem_f["properties"]["approximate"] is True
    assert "approximation" in vraem_f["properties"]["source"]
    assert "not the official" in vraem_f["properties"]["source"].lower()
    vraem = shape(vraem_f["geometry"])
    assert vraem.contains(Point(PICHARI[1], PICHARI[0]))
    for lat, lon in [
        (-12.612, -73.787),
        (-12.510, -73.858),
        (-12.411, -73.908),
        (-12.68, -73.73),
        (-12.70, -73.69),
        (-12.1889, -74.0258),
        (-12.00, -74.00),
        (-11.326, -74.531),
        (-11.433, -74.492),
    ]:
        assert vraem.contains(Point(lon, lat)), (lat, lon)
    minx, miny, maxx, maxy = vraem.bounds
    assert -75.0 <= minx and maxx <= -73.1 and -13.3 <= miny and maxy <= -11.1
    assert not vraem.contains(Point(-77.145, -12.050))  # Callao is not in the VRAEM


def test_places(places):
    assert list(places[0]) == [
        "place_id",
        "name",
        "kind",
        "country",
        "latitude",
        "longitude",
        "label_rank",
        "source",
    ]
    ids = [r["place_id"] for r in places]
    assert len(ids) == len(set(ids))
    for r in places:
        assert r["kind"] in {"town", "port", "border", "river_label"}
        assert r["label_rank"] in {"1", "2", "3"}
        assert len(r["country"]) == 3 and r["source"]
        assert (
            -90 <= float(r["latitude"]) <= 90 and -180 <= float(r["longitude"]) <= 180
        )
    by_name = {r["name"]: r for r in places}
    p = by_name["Pichari"]
    assert (float(p["latitude"]), float(p["longitude"])) == PICHARI
    for name in (
        "Port of Callao",
        "Antwerp",
        "Rotterdam",
        "Santos",
        "Desaguadero",
        "Santa Cruz de la Sierra",
        "Lima",
        "La Paz",
        "Ayacucho",
        "Cusco",
        "Huancayo",
    ):
        assert name in by_name, name
    assert by_name["Port of Callao"]["kind"] == "port"
    assert "CC-BY 4.0" in by_name["Lima"]["source"]


def test_river_labels_on_river_lines(places, river_lines):
    labels = [r for r in places if r["kind"] == "river_label"]
    names = {r["name"] for r in labels}
    assert {"Río Apurímac", "Río Ene", "Río Mantaro"} <= names
    for r in labels:
        lat, lon = float(r["latitude"]), float(r["longitude"])
        _, nearest = nearest_points(Point(lon, lat), river_lines)
        d = haversine_km(lat, lon, nearest.y, nearest.x)
        assert d < 5.0, (r["name"], d)


# The whole world (issue 14) -------------------------------------------------------------------
def _countries_by_iso() -> dict[str, object]:
    return {f["properties"]["iso3"]: shape(f["geometry"]) for f in load_fc(COUNTRIES)["features"]}


def test_wld001_the_base_map_covers_the_whole_world():
    by_iso = _countries_by_iso()
    assert len(by_iso) == len(load_fc(COUNTRIES)["features"])  # one feature per country
    for iso3 in ("IND", "CHN", "PAK", "IDN", "PHL", "NZL", "AUS", "JPN", "THA", "MMR", "KAZ", "IRN", "FJI"):
        assert iso3 in by_iso, iso3
    minx, miny, maxx, maxy = shapely.total_bounds(list(by_iso.values()))
    assert (minx, maxx) == (-180, 180) and miny > -60 and maxy < 84  # Antarctica left out
    assert "ATA" not in by_iso


def test_wld002_madagascar_and_somalia_are_whole_not_cut_at_45e():
    by_iso = _countries_by_iso()
    assert by_iso["MDG"].bounds[2] > 50.2  # Cap Est, 50.5°E
    assert by_iso["SOM"].bounds[2] > 51.0  # Cape Guardafui, 51.3°E
    assert by_iso["SOM"].contains(Point(44.06, 9.56))  # Hargeisa: Somaliland filed under Somalia
    assert by_iso["CYP"].contains(Point(33.36, 35.2))  # north Nicosia
    assert not ({"SOL", "CYN", ""} & set(by_iso))


def test_wld003_antimeridian_countries_keep_both_sides():
    by_iso = _countries_by_iso()
    russia, fiji = by_iso["RUS"], by_iso["FJI"]
    assert russia.contains(Point(172.0, 66.0)) and russia.contains(Point(-174.5, 66.3))  # Chukotka, both sides
    assert fiji.contains(Point(178.0, -17.8))  # Viti Levu
    assert fiji.distance(Point(-179.95, -16.2)) < 0.1  # Vanua Levu's tip east of 180°
    for country in (russia, fiji):
        assert country.bounds[0] == -180 and country.bounds[2] == 180


def test_wld004_every_country_has_a_name_in_every_language():
    codes = set(_countries_by_iso())
    for lang in Language:
        missing = {c for c in codes if f"country.{c}" not in CATALOGS[lang]}
        assert not missing, (lang, sorted(missing))
    assert CATALOGS["es"]["country.IND"] == "India" and CATALOGS["es"]["country.NZL"] == "Nueva Zelanda"
    assert CATALOGS["en"]["country.COD"] == "DR Congo"
    assert CATALOGS["es"]["country.DZA"] == "Argelia"  # the ISO translation says "Algeria"
    assert all("," not in CATALOGS[lang][f"country.{c}"] for lang in Language for c in codes)


def test_bmf020_screen_base_source_is_the_merge_of_the_base_files():
    """The screen map's one base source holds exactly the part files (the print map reads those):
    rebuilt by ``python geodata/build_base_source.py`` whenever a part changes."""
    from dashboard.figures.event_map import BASE_FILE, BASE_PART_PROPERTY, BASE_PARTS
    from geodata.build_base_source import merged_base, read_parts

    merged = json.loads((REPO / "assets" / "basemap" / BASE_FILE).read_text(encoding="utf-8"))
    parts = read_parts()
    assert merged == merged_base(parts)
    counts = {name: sum(1 for f in merged["features"] if f["properties"][BASE_PART_PROPERTY] == name)
              for name in BASE_PARTS}
    assert counts == {name: len(parts[name]["features"]) for name in BASE_PARTS} and all(counts.values())
