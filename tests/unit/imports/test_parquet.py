"""Parquet and GeoParquet: GED, ACLED and generic tables map exactly as their CSV does."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

from dashboard.data.imports.base import Format, ImportLimits
from dashboard.data.imports.detect import detect_format
from dashboard.data.imports.pipeline import import_bytes

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
COMPARED = ["source_event_id", "event_date", "date_end", "date_precision", "event_type", "original_type",
            "original_subtype", "actors", "country", "admin1", "admin2", "location", "latitude", "longitude",
            "geo_precision", "fatalities", "fatalities_low", "fatalities_high", "summary", "source_name"]


def parquet_of(frame: pd.DataFrame, **options) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, **options)
    return buffer.getvalue()


def mapped(data: bytes, name: str) -> pd.DataFrame:
    outcome = import_bytes(data, name)
    assert not outcome.report.refused, outcome.report.refused
    return outcome.events[COMPARED].sort_values("source_event_id").reset_index(drop=True)


@pytest.mark.parametrize(("fixture", "dtypes"), [
    ("ucdp/ged_25_1_layout.csv", {}),  # as pandas writes it: numbers typed, codes as int64
    ("ucdp/ged_25_1_layout.csv", str),  # as R's arrow writes an all-text table
    ("acled/acled_2019_2022.csv", {}),
    ("acled/acled_current_bom.csv", str),
])
def test_pqt001_ged_and_acled_as_parquet_map_like_their_csv(fixture, dtypes):
    raw = (FIXTURES / fixture).read_bytes()
    frame = pd.read_csv(io.BytesIO(raw), dtype=dtypes, keep_default_na=dtypes is not str, encoding="utf-8-sig")
    data = parquet_of(frame, index=True)  # pandas keeps its index as a column: ignored like any other
    assert detect_format(data) is Format.PARQUET
    from_csv, from_parquet = mapped(raw, fixture), mapped(data, "table.parquet")
    assert len(from_parquet) == len(from_csv) > 0
    pd.testing.assert_frame_equal(from_parquet, from_csv, check_dtype=False)


def test_pqt002_geoparquet_places_rows_by_geometry_and_keeps_list_actors():
    frame = gpd.GeoDataFrame(
        {"fecha": ["2019-07-02", "02/07/2019"], "lugar": ["Pichari", "Kimbiri"],
         "actors": [["Shining Path", "Peruvian Army"], ["National Police of Peru"]],
         "fuente": ["Test source", "Test source"]},
        geometry=[shapely.Point(-73.83, -12.52), shapely.Point(-73.79, -12.61)], crs="EPSG:4326")
    events = import_bytes(parquet_of(frame), "layer.parquet").events.set_index("location")
    assert events.loc["Pichari", "actors"] == ("Shining Path", "Peruvian Army")
    assert (events.loc["Kimbiri", "latitude"], events.loc["Kimbiri", "longitude"]) == (-12.61, -73.79)
    assert str(events.loc["Kimbiri", "event_date"]) == "2019-07-02" and set(events["country"]) == {"PER"}
    projected = frame.to_crs("EPSG:32718")
    assert "longitude/latitude" in import_bytes(parquet_of(projected), "utm.parquet").report.refused


def test_pqt003_limits_are_read_from_the_metadata_before_the_data():
    frame = pd.DataFrame({"date": ["2019-07-02"] * 50, "lat": [-12.5] * 50, "lon": [-73.8] * 50})
    small = ImportLimits(max_rows=10)
    assert "more than 10 rows" in import_bytes(parquet_of(frame), "t.parquet", limits=small).report.refused
    narrow = ImportLimits(max_fields_per_row=2)
    assert "3 columns, more than 2" in import_bytes(parquet_of(frame), "t.parquet", limits=narrow).report.refused
    # a column of one repeated long text packs small and unpacks big
    bomb = pd.DataFrame({"date": ["2019-07-02"] * 2000, "lat": -12.5, "lon": -73.8, "notes": "x" * 5000})
    packed = parquet_of(bomb, compression="zstd")
    tight = ImportLimits(max_kmz_uncompressed_bytes=len(packed) * 10)
    assert "unpacks to more than" in import_bytes(packed, "bomb.parquet", limits=tight).report.refused
    assert import_bytes(packed, "bomb.parquet").report.accepted == 2000  # under the default limit it reads


def test_pqt004_damaged_and_nested_tables_are_refused_with_the_reason():
    data = parquet_of(pd.DataFrame({"date": ["2019-07-02"], "lat": [-12.5], "lon": [-73.8]}))
    assert "cut short" in import_bytes(data[: len(data) // 2], "cut.parquet").report.refused
    table = pa.table({"date": ["2019-07-02"], "lat": [-12.5], "lon": [-73.8],
                      "place": [{"name": "Pichari", "district": "Pichari"}]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    refused = import_bytes(buffer.getvalue(), "nested.parquet").report.refused
    assert refused.startswith("nested columns") and "place" in refused
