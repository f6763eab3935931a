"""A dataset written slice by slice from Arrow equals one written the old way (a GeoDataFrame of
shapely points through geopandas ``to_parquet``): the same events after the app's loader, after
``geopandas.read_parquet`` (how users open the file) and after ``pandas.read_parquet``.

In integration because geopandas' writer and reader take seconds to import and run. The rows are
SYNTHETIC (``synth.synthetic_events``) plus the import fixture's two normalised rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.data import datasets
from dashboard.data.datasets import DatasetRepository, with_import_columns
from dashboard.data.synth import synthetic_events


def write_with_geopandas(path: Path, events: pd.DataFrame) -> None:
    """The writer this module replaced, kept as the reference the new files must match."""
    import geopandas as gpd

    frame = with_import_columns(events)
    frame["actors"] = [list(a) for a in frame["actors"]]
    frame["actor_groups"] = [list(a) for a in frame["actor_groups"]]
    frame["event_date"] = pd.to_datetime(frame["event_date"]).astype("datetime64[ms]")
    frame["date_end"] = pd.to_datetime(frame["date_end"]).astype("datetime64[ms]")
    for column in ("fatalities", "quantity_kg", "fatalities_low", "fatalities_high"):
        frame[column] = frame[column].astype(np.float64)
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
                              crs="EPSG:4326")
    points.to_parquet(path, index=False)


@pytest.fixture()
def events() -> pd.DataFrame:
    from datetime import date

    generated = synthetic_events(2500, seed=4)
    generated.loc[10, "actors"] = ()
    generated.loc[11, "date_end"] = date(2019, 5, 2)
    generated.loc[12, ["fatalities_low", "fatalities_high", "quantity_kg"]] = [1.0, 4.0, 250.5]
    generated.loc[13, ["source_event_id", "original_type"]] = ["SRC13", "Battles"]
    return generated


@pytest.fixture()
def both(tmp_path, events, monkeypatch):
    """The same events saved the old way and the new way (3 row groups), as (repository, id, path)."""
    old_repository = DatasetRepository(tmp_path / "old")
    with monkeypatch.context() as patch:
        patch.setattr(datasets, "_write_events", write_with_geopandas)
        old = old_repository.save_frame(events, name="written", file_name="a")
    monkeypatch.setattr(datasets, "WRITE_SLICE_ROWS", 1000)
    new_repository = DatasetRepository(tmp_path / "new")
    new = new_repository.save_frame(events, name="written", file_name="a")
    assert old.dataset_id == new.dataset_id
    return {name: (repository, meta.dataset_id, repository.folder(meta.dataset_id) / datasets.EVENTS_FILE)
            for name, repository, meta in (("old", old_repository, old), ("new", new_repository, new))}


def test_dwr001_the_apps_loader_reads_the_same_events(both, events):
    import pyarrow.parquet as pq

    (old_repository, dataset_id, old_path), (new_repository, _, new_path) = both["old"], both["new"]
    assert pq.ParquetFile(old_path).metadata.num_row_groups == 1
    assert pq.ParquetFile(new_path).metadata.num_row_groups == 3
    old, new = old_repository.load_events(dataset_id), new_repository.load_events(dataset_id)
    pd.testing.assert_frame_equal(new, old)
    assert len(new) == len(events) and new.loc[10, "actors"] == () and str(new.loc[11, "date_end"]) == "2019-05-02"
    assert pq.read_schema(new_path).remove_metadata() == pq.read_schema(old_path).remove_metadata()


def test_dwr002_geopandas_reads_the_same_points_crs_and_columns(both):
    import geopandas as gpd
    from geopandas.testing import assert_geodataframe_equal

    old, new = gpd.read_parquet(both["old"][2]), gpd.read_parquet(both["new"][2])
    assert new.crs == old.crs and new.crs.to_epsg() == 4326
    assert (new.geom_type == "Point").all()
    np.testing.assert_array_equal(new.geometry.x, new["longitude"])
    np.testing.assert_array_equal(new.geometry.y, new["latitude"])
    assert list(new.total_bounds) == list(old.total_bounds)
    assert_geodataframe_equal(new, old)


def test_dwr003_pandas_and_the_geo_metadata_agree(both):
    import pyarrow.parquet as pq
    import pyproj

    old, new = pd.read_parquet(both["old"][2]), pd.read_parquet(both["new"][2])
    assert list(new.columns) == list(old.columns) and list(new.dtypes) == list(old.dtypes)
    assert new["geometry"].tolist() == old["geometry"].tolist()  # the same WKB bytes
    pd.testing.assert_frame_equal(new.drop(columns=["actors", "actor_groups"]),
                                  old.drop(columns=["actors", "actor_groups"]))
    for column in ("actors", "actor_groups"):
        assert [list(v) for v in new[column]] == [list(v) for v in old[column]]
    old_geo, new_geo = (json.loads(pq.read_schema(both[k][2]).metadata[b"geo"]) for k in ("old", "new"))
    old_column, new_column = old_geo["columns"]["geometry"], new_geo["columns"]["geometry"]
    assert new_geo["primary_column"] == old_geo["primary_column"] and new_geo["version"] == old_geo["version"]
    assert {k: new_column[k] for k in ("encoding", "geometry_types", "bbox")} == \
        {k: old_column[k] for k in ("encoding", "geometry_types", "bbox")}
    assert pyproj.CRS.from_json_dict(new_column["crs"]) == pyproj.CRS.from_json_dict(old_column["crs"])
