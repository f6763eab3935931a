"""UCDP GED recognised by its columns in any container, mapped exactly like the GED CSV.

Fixtures (``tests/fixtures/imports/ucdp/``, see its README) are laid out like GED 25.1, GED 5.0/17.1
and ACLED's current export; the Peruvian rows are events of ``geodata/events.csv`` with made-up
GED ids. Every test goes through :func:`dashboard.data.imports.pipeline.import_bytes` and asserts
mapped values.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from dashboard.data.imports.base import SETTING_OF_LIMIT, Format, ImportLimits
from dashboard.data.imports.detect import detect_format
from dashboard.data.imports.pipeline import import_bytes
from dashboard.data.imports.ucdp import GED_COLUMNS, GED_CORE_COLUMNS, matches_ged_columns, matches_ucdp_row

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports" / "ucdp"
GED_CSV = FIXTURES / "ged_25_1_layout.csv"
GED_OLD_CSV = FIXTURES / "ged_17_1_layout.csv"
GED_GEOJSON = FIXTURES / "ged_25_1.geojson"
ACLED_GEOJSON = FIXTURES / "acled_current.geojson"

# Every field a GED row fills; the containers must agree on all of them.
MAPPED = (
    "source_event_id", "event_date", "date_end", "date_precision", "event_type", "original_type",
    "original_subtype", "actors", "country", "admin1", "admin2", "location", "latitude", "longitude",
    "geo_precision", "fatalities", "fatalities_low", "fatalities_high", "summary", "source_name",
)
GED_IDS = ["900008", "900015", "900012", "900014", "999001"]


def imported(data: bytes, file_name: str, **options) -> tuple[dict[str, dict], object]:
    """The accepted rows keyed by source id (mapped fields only), and the report."""
    outcome = import_bytes(data, file_name, **options)
    rows = {
        str(record["source_event_id"]): {name: record[name] for name in MAPPED}
        for record in outcome.events.to_dict("records")
    }
    return rows, outcome.report


def csv_text(header: list[str], rows: list[dict[str, object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return buffer.getvalue().encode()


def fixture_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


@pytest.fixture(scope="module")
def ged_csv_rows() -> dict[str, dict]:
    rows, report = imported(GED_CSV.read_bytes(), GED_CSV.name)
    assert report.format == Format.UCDP and not report.refused
    assert (report.read, report.accepted, report.rejected) == (5, 5, [])
    return rows


def test_ged001_current_ged_csv_maps_every_field(ged_csv_rows):
    assert list(ged_csv_rows) == GED_IDS
    assert ged_csv_rows["900008"] == {
        "source_event_id": "900008", "event_date": date(2005, 12, 20), "date_end": date(2005, 12, 20),
        "date_precision": "day", "event_type": "armed_clash", "original_type": "state-based conflict",
        "original_subtype": "Peru: Government", "actors": ("Government of Peru", "Sendero Luminoso"),
        "country": "PER", "admin1": "Huánuco department", "admin2": "Leoncio Prado province",
        "location": "Aucayacu town", "latitude": -9.0, "longitude": -76.08, "geo_precision": "town",
        "fatalities": 8.0, "fatalities_low": 8.0, "fatalities_high": 8.0,
        "summary": "Police pickup ambushed near Aucayacu\non the Tingo Maria road",
        "source_name": "Segured (AFP) 2005-12-21: 8 policias peruanos mueren en emboscada guerrillera",
    }
    one_sided = ged_csv_rows["900012"]
    assert (one_sided["event_type"], one_sided["original_type"]) == ("attack_on_civilians", "one-sided violence")
    assert one_sided["actors"] == ("Sendero Luminoso", "Civilians")
    assert (one_sided["event_date"], one_sided["date_end"], one_sided["date_precision"]) == (
        date(2007, 12, 1), date(2007, 12, 31), "month")
    assert ged_csv_rows["900014"]["geo_precision"] == "province"  # where_prec 3
    assert ged_csv_rows["900015"]["admin2"] == ""  # R's NA is no province
    assert ged_csv_rows["900015"]["fatalities"] == 19.0
    test_row = ged_csv_rows["999001"]
    assert (test_row["fatalities_low"], test_row["fatalities"], test_row["fatalities_high"]) == (1.0, 2.0, 3.0)
    assert (test_row["date_precision"], test_row["geo_precision"]) == ("year", "country")  # date_prec 5, where_prec 6
    assert (test_row["event_type"], test_row["original_type"]) == ("armed_clash", "non-state conflict")


def test_ged002_ged_17_1_layout_is_recognised_and_maps_the_same(ged_csv_rows):
    data = GED_OLD_CSV.read_bytes()
    header = next(csv.reader(io.StringIO(data.decode())))
    assert len(header) == 42 and "relid" not in header and header[:5] != GED_COLUMNS[:5]
    assert detect_format(data) is Format.UCDP
    rows, report = imported(data, GED_OLD_CSV.name)
    assert report.format == Format.UCDP and report.accepted == 5 and not report.rejected
    assert rows == ged_csv_rows


def test_ged003_uppercase_reordered_dump_with_an_index_column_maps_the_same(ged_csv_rows):
    # what pandas' to_csv of a re-cased, sorted frame writes: an unnamed index column first
    rows = fixture_rows(GED_CSV)
    header = ["", *sorted(name.upper() for name in GED_COLUMNS)]
    dumped = [{"": index, **{name.upper(): value for name, value in row.items()}} for index, row in enumerate(rows)]
    data = csv_text(header, dumped)
    assert detect_format(data) is Format.UCDP
    mapped, report = imported(data, "ged_dump.csv")
    assert report.accepted == 5 and not report.rejected
    assert mapped == ged_csv_rows


def test_ged004_ged_geojson_maps_like_the_csv(ged_csv_rows):
    document = json.loads(GED_GEOJSON.read_text())
    assert document["features"][0]["properties"]["region"] == "Americas"
    rows, report = imported(GED_GEOJSON.read_bytes(), GED_GEOJSON.name)
    assert report.format == Format.GEOJSON and report.accepted == 5 and not report.rejected
    assert rows == ged_csv_rows  # sides as actors, deaths from best, admin1 from adm_1, precision codes
    assert [w.reason for w in report.warnings if w.field == "file"] == [
        "the attributes are UCDP GED columns: mapped as that source's own export (docs/IMPORTS.md)"]


def test_ged005_ged_geopackage_maps_like_the_csv(ged_csv_rows, tmp_path):
    import geopandas as gpd

    path = tmp_path / "ged.gpkg"
    gpd.read_file(GED_GEOJSON).to_file(path, driver="GPKG", layer="GEDEvent")
    rows, report = imported(path.read_bytes(), "ged.gpkg")
    assert report.format == Format.GPKG and report.accepted == 5 and not report.rejected
    assert rows == ged_csv_rows


def test_ged006_the_geometry_places_a_ged_feature():
    document = json.loads(GED_GEOJSON.read_text())
    first = document["features"][0]
    first["properties"]["latitude"] = "not a number"  # the geometry places the row: not read
    first["geometry"]["coordinates"] = [-76.1, -9.1]
    rows, report = imported(json.dumps({"type": "FeatureCollection", "features": [first]}).encode(), "one.geojson")
    assert (rows["900008"]["longitude"], rows["900008"]["latitude"]) == (-76.1, -9.1)
    assert rows["900008"]["geo_precision"] == "town"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (GED_COLUMNS, True),
        (sorted(GED_CORE_COLUMNS), True),
        ([name.upper() for name in GED_CORE_COLUMNS] + ["Unnamed: 0"], True),
        (["\ufeffType_Of_Violence ", *sorted(GED_CORE_COLUMNS - {"type_of_violence"})], True),
        (sorted(GED_CORE_COLUMNS - {"where_prec"}), False),
        (["id", "year", "type_of_violence", "side_a", "side_b", "date_start", "best", "latitude"], False),
        (["event_id_cnty", "event_date", "actor1", "actor2", "fatalities"], False),
    ],
)
def test_ged007_recognised_by_the_core_columns(names, expected):
    assert matches_ged_columns(list(names)) is expected
    assert matches_ucdp_row(list(names)) is expected


NEAR_MISS = ["id", "year", "type_of_violence", "side_a", "side_b", "date_start", "best", "latitude", "longitude"]


def test_ged008_a_near_miss_is_a_generic_file_and_the_report_says_why():
    row = {"id": 7, "year": 2008, "type_of_violence": 1, "side_a": "Test side A", "side_b": "Test side B",
           "date_start": "2008-10-09", "best": 3, "latitude": -12.15, "longitude": -74.54}
    data = csv_text(NEAR_MISS, [row])
    assert detect_format(data) is Format.CSV
    features = [{"type": "Feature", "properties": {k: v for k, v in row.items() if k not in ("latitude", "longitude")},
                 "geometry": {"type": "Point", "coordinates": [-74.54, -12.15]}}]
    rows, report = imported(json.dumps({"type": "FeatureCollection", "features": features}).encode(), "near.geojson")
    assert report.accepted == 1
    [note] = [w.reason for w in report.warnings if w.field == "file"]
    assert note.startswith("the attributes look like UCDP GED but lack date_prec, where_prec")
    assert rows["7"]["actors"] == () and rows["7"]["event_type"] == "other"  # generic names only


def test_ged009_forcing_ucdp_on_another_file_names_the_missing_columns():
    _, report = imported(csv_text(NEAR_MISS, []), "near.csv", file_format="ucdp")
    assert report.refused == ("not a UCDP GED file: the first line is neither a GED header (it lacks "
                              "date_prec, where_prec) nor a row of GED's 49 columns")


def test_ged010_a_semicolon_resaved_ged_is_read(ged_csv_rows):
    rows = fixture_rows(GED_CSV)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, GED_COLUMNS, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    mapped, report = imported(buffer.getvalue().encode("utf-8"), "ged_semicolon.csv")
    assert report.format == Format.UCDP and report.accepted == 5
    assert mapped == ged_csv_rows


def test_ged011_acled_in_geojson_maps_like_an_acled_export():
    rows, report = imported(ACLED_GEOJSON.read_bytes(), ACLED_GEOJSON.name)
    assert report.format == Format.GEOJSON and report.accepted == 2 and not report.rejected
    clash, attack = rows["TST0001"], rows["TST0002"]
    assert (clash["event_type"], clash["original_type"], clash["original_subtype"]) == (
        "armed_clash", "Battles", "Armed clash")
    assert clash["actors"] == ("Test Armed Group A", "Military Forces of Testland")
    assert clash["summary"] == ("TEST ROW: not a real event. Reported on 03/04/2020. "
                                "[ACLED actor types: Rebel group vs State forces]")
    assert (clash["event_date"], clash["date_precision"], clash["geo_precision"]) == (
        date(2020, 3, 2), "day", "district")
    assert (clash["fatalities"], clash["admin1"], clash["location"], clash["country"]) == (
        3.0, "Test Region A", "Test Town A", "PER")
    assert (attack["event_type"], attack["date_precision"], attack["geo_precision"]) == (
        "attack_on_civilians", "month", "region")
    assert [w.reason for w in report.warnings if w.field == "file"] == [
        "the attributes are ACLED columns: mapped as that source's own export (docs/IMPORTS.md)"]


def point_feature(properties: dict, **extra) -> dict:
    return {"type": "Feature", **extra, "properties": properties,
            "geometry": {"type": "Point", "coordinates": [-74.54, -12.15]}}


def test_ged012_geojson_feature_ids_are_kept_as_source_ids():
    base = {"date": "2008-10-09", "name": "Tintaypuncu"}
    features = [
        point_feature(base, id="convoy-2008"),
        point_feature(base, id=15),
        point_feature(base, id=15.0),
        point_feature({**base, "event_id": "from-property"}, id="ignored"),
        point_feature(base, id=True),  # not an id GeoJSON allows: the row number stands in
        point_feature(base),
    ]
    outcome = import_bytes(json.dumps({"type": "FeatureCollection", "features": features}).encode(), "ids.geojson")
    assert outcome.report.accepted == 6
    assert list(outcome.events["source_event_id"]) == ["convoy-2008", "15", "15", "from-property", "", ""]
    dataset = outcome.report.dataset_id
    assert list(outcome.events["event_id"])[4:] == [f"{dataset}:row5", f"{dataset}:row6"]
    assert list(outcome.events["event_id"])[2] == f"{dataset}:15~3"  # same id twice: both kept


def test_ged013_geopackage_fids_are_kept_as_source_ids(tmp_path):
    import geopandas as gpd
    import shapely

    path = tmp_path / "places.gpkg"
    # a "fid" column becomes the GeoPackage's feature id (QGIS keeps a layer's fids the same way)
    frame = gpd.GeoDataFrame({"fid": [41, 97], "date": ["2005-12-20", "2008-10-09"], "name": ["Aucayacu", "Tintaypuncu"]},
                             geometry=[shapely.Point(-76.08, -9.0), shapely.Point(-74.54, -12.15)], crs="EPSG:4326")
    frame.to_file(path, driver="GPKG", layer="events")
    outcome = import_bytes(path.read_bytes(), "places.gpkg")
    assert outcome.report.accepted == 2
    assert list(outcome.events["source_event_id"]) == ["41", "97"]
    assert list(outcome.events["location"]) == ["Aucayacu", "Tintaypuncu"]


@pytest.mark.parametrize(("extra", "accepted"), [(0, 1), (1, 0)])
def test_ged014_a_feature_id_over_the_field_limit_rejects_its_row(extra, accepted):
    limits = ImportLimits(max_field_chars=20)
    feature = point_feature({"date": "2008-10-09", "name": "Tintaypuncu"}, id="x" * (20 + extra))
    outcome = import_bytes(json.dumps({"type": "FeatureCollection", "features": [feature]}).encode(),
                           "long.geojson", limits=limits)
    assert outcome.report.accepted == accepted
    if not accepted:
        [problem] = outcome.report.rejected
        assert (problem.row, problem.field) == (1, "feature id")
        assert SETTING_OF_LIMIT["max_field_chars"] in problem.reason


def test_ged015_a_generic_layers_date_order_comes_from_its_date_property_only():
    features = [
        point_feature({"date": "03/18/2020", "name": "Test place A", "notes": "seen 25/12/2019 (TEST ROW)"}),
        point_feature({"date": "03/04/2020", "name": "Test place B", "notes": "TEST ROW"}),
    ]
    outcome = import_bytes(json.dumps({"type": "FeatureCollection", "features": features}).encode(), "dates.geojson")
    assert list(outcome.events["event_date"]) == [date(2020, 3, 18), date(2020, 3, 4)]  # month first
    [note] = [w for w in outcome.report.warnings if w.field == "date"]
    assert note.row == 0 and "month first" in note.reason


@pytest.mark.parametrize(("extra", "accepted"), [(0, 1), (1, 0)])
def test_ged016_the_field_limit_holds_for_every_ged_property_used_or_not(extra, accepted):
    first = json.loads(GED_GEOJSON.read_text())["features"][0]
    limit = 200
    first["properties"]["geom_wkt"] = "P" * (limit + extra)  # not mapped, still bounded (as in a CSV)
    first["properties"]["source_headline"] = "H" * (limit + extra)  # mapped: reported once
    data = json.dumps({"type": "FeatureCollection", "features": [first]}).encode()
    outcome = import_bytes(data, "long.geojson", limits=ImportLimits(max_field_chars=limit))
    assert outcome.report.accepted == accepted
    assert sorted(p.field for p in outcome.report.rejected) == ([] if accepted else ["geom_wkt", "source_headline"])
