"""Country assignment for every import (issue 14): codes, then names (ACLED's, UCDP's, Spanish),
then the point — inside one country, else the nearest within the tolerance, else at sea.

Rows written here are obviously test rows ("TEST ROW …"), not events: they only carry points.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dashboard.data.countries import (
    BORDER_TOLERANCE_DEG,
    COUNTRY_NAMES_PATH,
    SpellingKind,
    country_index,
    read_spellings,
)
from dashboard.data.imports.base import Candidate
from dashboard.data.imports.geocode import GeocodeResult
from dashboard.data.imports.normalise import Normaliser
from dashboard.data.imports.pipeline import import_bytes

INDEX = country_index()
SHAPE_OF = dict(zip(INDEX.codes, INDEX.shapes))

# (place, latitude, longitude, country): capitals and ports, and the two capitals 5 km apart
# across the Congo river that the old 0.25° rule left without a country.
WORLD_PLACES = [
    ("Delhi", 28.61, 77.21, "IND"),
    ("Beijing", 39.90, 116.40, "CHN"),
    ("Jakarta", -6.20, 106.85, "IDN"),
    ("Manila", 14.60, 120.98, "PHL"),
    ("Sydney", -33.87, 151.21, "AUS"),
    ("Wellington", -41.29, 174.78, "NZL"),
    ("Antananarivo", -18.88, 47.51, "MDG"),
    ("Mogadishu", 2.05, 45.32, "SOM"),
    ("Kinshasa", -4.325, 15.322, "COD"),
    ("Brazzaville", -4.267, 15.283, "COG"),
    ("Lima", -12.046, -77.043, "PER"),
    ("Port of Callao", -12.050, -77.145, "PER"),
    ("Port of Algeciras", 36.13, -5.44, "ESP"),
    ("Karachi", 24.86, 67.00, "PAK"),
    ("Tokyo", 35.68, 139.69, "JPN"),
    ("Suva", -18.14, 178.44, "FJI"),
    ("Hargeisa", 9.56, 44.06, "SOM"),
    ("Pristina", 42.66, 21.17, "XKX"),
    ("Port of Rotterdam", 51.95, 4.14, "NLD"),
    ("Port of Antwerp", 51.26, 4.40, "BEL"),
]

# Spellings from the issue, as ACLED and UCDP write them.
SOURCE_SPELLINGS = {
    "Democratic Republic of Congo": "COD", "Republic of Congo": "COG", "Ivory Coast": "CIV",
    "Turkey": "TUR", "eSwatini": "SWZ", "Czech Republic": "CZE", "Bosnia and Herzegovina": "BIH",
    "Myanmar": "MMR", "Palestine": "PSE", "Kosovo": "XKX",
    "DR Congo (Zaire)": "COD", "Russia (Soviet Union)": "RUS", "Yemen (North Yemen)": "YEM",
    "Cambodia (Kampuchea)": "KHM", "Myanmar (Burma)": "MMR", "Serbia (Yugoslavia)": "SRB",
    "Zimbabwe (Rhodesia)": "ZWE", "Madagascar (Malagasy)": "MDG", "Bosnia-Herzegovina": "BIH",
    "Kingdom of eSwatini (Swaziland)": "SWZ", "Congo": "COG", "United States of America": "USA",
}
SPANISH_SPELLINGS = {
    "Perú": "PER", "PERU": "PER", "Brasil": "BRA", "España": "ESP", "Países Bajos": "NLD", "Bélgica": "BEL",
    "Estados Unidos": "USA", "EE. UU.": "USA", "Costa de Marfil": "CIV", "República Democrática del Congo": "COD",
    "Nueva Zelanda": "NZL", "Filipinas": "PHL", "Turquía": "TUR", "Argelia": "DZA", "Marruecos": "MAR",
}


@pytest.mark.parametrize(("place", "latitude", "longitude", "expected"), WORLD_PLACES, ids=[p[0] for p in WORLD_PLACES])
def test_wld010_world_places_land_in_their_country(place, latitude, longitude, expected):
    assert INDEX.locate([longitude], [latitude]) == [expected]


def test_wld011_at_sea_only_when_really_offshore():
    # mid-Pacific, mid-Atlantic; then 0.1° off the Peruvian coast (a port's anchorage) and 1° off
    longitudes, latitudes = [-150.0, -30.0, -77.35, -78.4], [0.0, 10.0, -12.05, -12.05]
    assert INDEX.locate(longitudes, latitudes) == ["", "", "PER", ""]
    # the old rule: any country within 0.25° — two near Kinshasa, so none was stored
    assert set(INDEX.countries_at(15.322, -4.325, BORDER_TOLERANCE_DEG)) == {"COD", "COG"}


@pytest.mark.parametrize(("spelling", "expected"), sorted(SOURCE_SPELLINGS.items()))
def test_wld012_acled_and_ucdp_spellings_resolve(spelling, expected):
    assert INDEX.resolve(spelling) == expected
    assert INDEX.resolve(f"  {spelling.upper()} ") == expected


@pytest.mark.parametrize(("spelling", "expected"), sorted(SPANISH_SPELLINGS.items()))
def test_wld013_spanish_names_resolve(spelling, expected):
    assert INDEX.resolve(spelling) == expected


def test_wld014_codes_first_alpha3_numeric_alpha2():
    assert [INDEX.resolve(t) for t in ("PER", "per", "IND", "XKX")] == ["PER", "PER", "IND", "XKX"]
    # ACLED's numeric iso column, as text, as a float a spreadsheet wrote, without leading zeros
    assert [INDEX.resolve(t) for t in ("604", "604.0", "356", "32", "032", "4")] == \
        ["PER", "PER", "IND", "ARG", "ARG", "AFG"]
    assert [INDEX.resolve(t) for t in ("PE", "bo", "IN", "CD", "CG")] == ["PER", "BOL", "IND", "COD", "COG"]
    # NA is "missing" in R and pandas exports before it is Namibia; the name still works
    assert INDEX.resolve("NA") is None and INDEX.resolve("Namibia") == "NAM"
    assert [INDEX.resolve(t) for t in ("", "  ", "999", "Narnia", "XYZ")] == [None] * 5


def test_wld015_the_name_table_is_unambiguous_sourced_and_covers_every_outline(tmp_path):
    with COUNTRY_NAMES_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(r["source"] and r["iso3"] and r["spelling"] for r in rows)
    assert {r["kind"] for r in rows} == set(SpellingKind)
    by_source = {r["spelling"]: r["source"] for r in rows}
    assert "ACLED" in by_source["Democratic Republic of Congo"] and "UCDP" in by_source["DR Congo (Zaire)"]
    assert set(INDEX.codes) <= {r["iso3"] for r in rows if r["kind"] == "alpha3"}
    clash = tmp_path / "names.csv"
    clash.write_text("iso3,kind,spelling,source\nCOD,name,Congo,test\nCOG,name,congo,test\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'congo' names both COD and COG"):
        read_spellings(clash)


# The normaliser ---------------------------------------------------------------------------------
class _NoGazetteer:
    def lookup(self, name, country="", admin1=""):
        return GeocodeResult(None, ())


def _normalise(*points: tuple[float, float, str]):
    """Run (latitude, longitude, declared country) test rows through the normaliser."""
    normaliser = Normaliser("wld", _NoGazetteer(), INDEX, today=date(2026, 1, 1))
    candidates = [Candidate(row, {"event_date": date(2021, 3, 5), "latitude": lat, "longitude": lon,
                                  "country": country, "location": f"TEST ROW {row}", "source_name": "test"})
                  for row, (lat, lon, country) in enumerate(points, start=2)]
    result = normaliser.run(candidates)
    return list(result.frame["country"]), [(w.row, w.field, w.reason) for w in result.warnings]


def test_wld016_countries_filled_from_points_worldwide_without_false_sea_warnings():
    countries, warnings = _normalise(*((lat, lon, "") for _, lat, lon, _ in WORLD_PLACES))
    assert countries == [expected for *_, expected in WORLD_PLACES]
    assert warnings == []


def test_wld017_a_declared_country_off_the_point_warns_but_not_near_its_border():
    countries, warnings = _normalise(
        (28.61, 77.21, "Pakistan"),  # Delhi declared Pakistan
        (-16.555, -69.03, "Peru"),  # Desaguadero, Bolivian bank: within 0.25° of Peru
        (-4.325, 15.322, "Republic of Congo"),  # Kinshasa as Brazzaville: across the river, near
        (-12.046, -77.043, "604"),  # Lima, ACLED's numeric iso
    )
    assert countries == ["PAK", "PER", "COG", "PER"]  # the declared country is kept
    assert warnings == [(2, "latitude", "28.61,77.21 lies in IND, not in PAK")]


def test_wld018_at_sea_warns_and_hints_a_swap_only_where_it_would_fit():
    countries, warnings = _normalise(
        (0.0, -150.0, ""),  # mid-Pacific
        (-77.043, -12.046, "PER"),  # Lima with latitude and longitude exchanged
        (-15.42, 28.28, ""),  # Lusaka: on land, no warning
    )
    assert countries == ["", "PER", "ZMB"]
    assert warnings == [
        (2, "latitude", "0,-150 is not on land (at sea, over 0.25° off any coast)"),
        (3, "latitude", "-77.043,-12.046 is not on land in PER (at sea, over 0.25° off any coast) — "
                        "with latitude and longitude swapped it would be in PER"),
    ]


# Properties ---------------------------------------------------------------------------------------
def _point_inside(code: str, seed: int) -> shapely.Point | None:
    """A random point strictly inside ``code``'s outline (None when 200 tries miss a thin one)."""
    shape = SHAPE_OF[code]
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = shape.bounds
    candidates = shapely.points(rng.uniform(minx, maxx, 200), rng.uniform(miny, maxy, 200))
    inside = candidates[shapely.contains(shape, candidates)]
    return inside[0] if len(inside) else None


def _contains_or_borders(code: str, point: shapely.Point) -> bool:
    return code in SHAPE_OF and SHAPE_OF[code].distance(point) <= BORDER_TOLERANCE_DEG + 1e-9


@settings(max_examples=150, deadline=None)
@given(code=st.sampled_from(INDEX.codes), seed=st.integers(0, 2**32 - 1),
       dx=st.floats(-0.6, 0.6), dy=st.floats(-0.6, 0.6))
def test_wld019_property_any_point_gets_a_country_that_contains_or_borders_it(code, seed, dx, dy):
    point = _point_inside(code, seed)
    assume(point is not None)
    assert INDEX.locate([point.x], [point.y]) == [code]  # inside exactly one country: that one
    moved = shapely.Point(min(max(point.x + dx, -180), 180), min(max(point.y + dy, -90), 90))
    (found,) = INDEX.locate([moved.x], [moved.y])
    if found:
        assert _contains_or_borders(found, moved)
        assert found == min((SHAPE_OF[c].distance(moved), c) for c in INDEX.codes)[1]  # the nearest
    else:  # at sea: really offshore
        assert all(s.distance(moved) > BORDER_TOLERANCE_DEG for s in INDEX.shapes)


ACLED_HEADER = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
                "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,"
                "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,"
                "notes,fatalities,tags,timestamp").split(",")
NAMES_OF: dict[str, list[str]] = {}
NUMERIC_OF: dict[str, str] = {}
with COUNTRY_NAMES_PATH.open(encoding="utf-8", newline="") as _handle:
    for _row in csv.DictReader(_handle):
        if _row["kind"] == "name":
            NAMES_OF.setdefault(_row["iso3"], []).append(_row["spelling"])
        elif _row["kind"] == "numeric":
            NUMERIC_OF[_row["iso3"]] = _row["spelling"]

acled_rows = st.lists(st.tuples(st.sampled_from(INDEX.codes), st.integers(0, 2**32 - 1),
                                st.floats(-0.4, 0.4), st.floats(-0.4, 0.4), st.sampled_from(["", "name", "iso3"]),
                                st.integers(0, 50)), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=acled_rows)
def test_wld020_property_an_imported_acled_file_stores_countries_that_contain_or_border_their_points(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ACLED_HEADER)
    points = {}
    for n, (code, seed, dx, dy, declare, pick) in enumerate(rows, start=1):
        point = _point_inside(code, seed)
        if point is None:
            continue
        if declare:  # an honest row: the point where its country says; undeclared ones wander off
            dx = dy = 0.0
        lon, lat = round(min(max(point.x + dx, -180), 180), 4), round(min(max(point.y + dy, -90), 90), 4)
        names = NAMES_OF[code]
        country = {"": "", "name": names[pick % len(names)], "iso3": ""}[declare]
        values = dict.fromkeys(ACLED_HEADER, "")
        values.update({"event_id_cnty": f"TST{n}", "event_date": "2021-03-05", "year": "2021",
                       "time_precision": "1", "event_type": "Battles", "sub_event_type": "Armed clash",
                       "actor1": "TEST ACTOR A", "inter1": "1", "iso": NUMERIC_OF.get(code, "") if declare else "",
                       "country": country, "location": f"TEST ROW {n}", "latitude": f"{lat}",
                       "longitude": f"{lon}", "geo_precision": "1", "source": "test",
                       "notes": "TEST ROW: a point for the country property test, not an event",
                       "fatalities": "0"})
        writer.writerow([values[c] for c in ACLED_HEADER])
        points[f"TST{n}"] = (shapely.Point(lon, lat), code if declare == "name" else "")
    assume(points)
    outcome = import_bytes(buffer.getvalue().encode("utf-8"), "test-acled.csv", file_format="acled")
    events = outcome.events
    assert outcome.report.accepted == len(points) == len(events), outcome.report.rejected[:3]
    for source_id, country in zip(events["source_event_id"], events["country"]):
        point, declared = points[source_id]
        if declared:  # any spelling of the sampled country in the table: that country
            assert country == declared
        if country:
            assert _contains_or_borders(country, point), (source_id, country, point)
        else:
            assert all(s.distance(point) > BORDER_TOLERANCE_DEG for s in INDEX.shapes)
