"""The synthetic generator: reproducible, plainly labelled, plausible per hotspot, importable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.data import synth
from dashboard.data.actors import group_actors
from dashboard.data.catalog import load_bundled_data
from dashboard.data.datasets import with_import_columns
from dashboard.data.imports.base import ImportLimits
from dashboard.data.imports.columns import candidate_values_from_fields
from dashboard.data.imports.pipeline import import_bytes
from dashboard.data.schema import ALL_COLUMNS, DatePrecision, Drug, EventType, GeoPrecision
from dashboard.data.synth import (
    DEFAULT_SEED,
    HOTSPOTS,
    SOURCE_NAME,
    SUMMARY_PREFIX,
    VIOLENT_TYPES,
    VRAEM,
    synthetic_events,
    write_synthetic_csv,
)

N = 2000


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return synthetic_events(N)


def hotspot_masks(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Rows inside each hotspot's box, in one of its countries, with one of its event types."""
    latitude, longitude = frame["latitude"].to_numpy(), frame["longitude"].to_numpy()
    return {spot.key: spot.contains(latitude, longitude)
            & frame["country"].isin({p.country for p in spot.places}).to_numpy()
            & frame["event_type"].isin(list(spot.types)).to_numpy()
            for spot in HOTSPOTS}


def test_syn001_same_seed_same_frame_other_seed_other_frame(events):
    pd.testing.assert_frame_equal(events, synthetic_events(N, seed=DEFAULT_SEED))
    other = synthetic_events(N, seed=DEFAULT_SEED + 1)
    assert not other["latitude"].equals(events["latitude"])
    assert not other["summary"].equals(events["summary"])


def test_syn002_columns_and_dtypes_match_the_bundled_events(events):
    bundled = with_import_columns(load_bundled_data().events)
    assert list(events.columns) == list(ALL_COLUMNS) and len(events) == N
    assert events.dtypes.to_dict() == bundled.dtypes.to_dict()
    for column in ALL_COLUMNS:  # the same Python types inside object columns too
        generated, reported = {type(v) for v in events[column]}, {type(v) for v in bundled[column]}
        # Only rutas:0066 has a date range (18-19 Mar 2017); generated rows have none.
        assert generated <= reported if column == "date_end" else generated == reported, column
    assert synthetic_events(0).columns.tolist() == list(ALL_COLUMNS)


def test_syn003_every_row_is_marked_synthetic(events):
    assert events["synthetic"].all() and (events["dataset"] == "synthetic").all()
    assert events["event_id"].iloc[0] == "synthetic:0000001" and events["event_id"].is_unique
    assert events["event_id"].str.fullmatch(r"synthetic:\d{7}").all()
    assert events["summary"].str.startswith(SUMMARY_PREFIX).all()
    assert (events["source_name"] == SOURCE_NAME).all() and (events["source_url"] == "").all()
    assert events["summary"].str.len().between(20, 400).all()
    assert events["summary"].str.len().std() > 50  # short and long summaries alike


def test_syn004_vocabularies_and_dates(events):
    assert set(events["event_type"]) <= {t.value for t in EventType}
    assert set(events["date_precision"]) == {p.value for p in DatePrecision}
    assert set(events["geo_precision"]) <= {g.value for g in GeoPrecision} - {GeoPrecision.COUNTRY.value}
    assert set(events["drug"]) <= {"", *(d.value for d in Drug)}
    dates = pd.to_datetime(events["event_date"])
    assert dates.min() >= pd.Timestamp("2000-01-01") and dates.max() <= pd.Timestamp("2025-12-31")
    years = dates.dt.year
    assert (years >= 2018).sum() > 1.5 * (years <= 2007).sum()  # more recent, more events
    month = events["date_precision"] == "month"
    assert (dates[month].dt.day == 1).all()
    year = events["date_precision"] == "year"
    assert ((dates[year].dt.month == 1) & (dates[year].dt.day == 1)).all()


def test_syn005_every_point_lies_in_a_hotspot_that_has_its_type(events):
    masks = hotspot_masks(events)
    assert np.logical_or.reduce(list(masks.values())).all()
    # attacks and clashes only in the VRAEM; airstrips and planes only on the air bridge
    violent = events["event_type"].isin(VIOLENT_TYPES)
    assert violent.any() and (violent <= masks["vraem"]).all()
    air = events["event_type"].isin([EventType.AIRSTRIP_DESTROYED, EventType.AIRCRAFT_INTERDICTION])
    assert air.any() and (air <= masks["air_bridge"]).all()
    assert masks["air_bridge"][events["country"] == "BOL"].all()
    assert (events.loc[masks["vraem"], "latitude"].median() - VRAEM.places[0].latitude) ** 2 < 0.5
    for key in ("antwerp", "rotterdam", "hamburg", "algeciras", "valencia", "miami", "houston",
                "los_angeles", "philadelphia", "callao"):
        assert masks[key].sum() > 0, key
        assert set(events.loc[masks[key], "event_type"]) <= {"drug_seizure", "arrest", "other"}


def test_syn006_quantities_fatalities_and_actors_are_plausible(events):
    seizures = events[events["event_type"] == EventType.DRUG_SEIZURE]
    kg = seizures["quantity_kg"].dropna()
    assert len(kg) > 0.8 * len(seizures) and kg.min() > 0 and kg.max() <= 20_000
    log_kg = np.log(kg)
    assert 1.0 < log_kg.std() < 2.0  # log-normal spread, not a constant
    masks = hotspot_masks(events)
    port_kg = events.loc[masks["antwerp"] & (events["event_type"] == "drug_seizure"), "quantity_kg"]
    vraem_kg = events.loc[masks["vraem"] & (events["event_type"] == "drug_seizure"), "quantity_kg"]
    assert port_kg.median() > 5 * vraem_kg.median()  # container loads dwarf backpack loads
    no_drug = events["drug"] == ""
    assert events.loc[no_drug, "quantity_kg"].isna().all()

    fatalities = events["fatalities"]
    assert (fatalities.dropna() >= 0).all() and (fatalities.dropna() % 1 == 0).all()
    assert 0.01 < (fatalities > 0).mean() < 0.15 and fatalities.isna().mean() > 0.3
    assert (fatalities[~events["event_type"].isin(VIOLENT_TYPES)] > 0).mean() < 0.02

    assert all(actors and groups == group_actors(actors)
               for actors, groups in zip(events["actors"], events["actor_groups"]))
    assert events.loc[events["event_type"] == "attack_on_security_forces", "actor_groups"].map(
        lambda groups: "shining_path" in groups).all()


def test_syn007_csv_imports_through_the_normal_path(tmp_path):
    frame = synthetic_events(500, seed=7)
    path = tmp_path / "synthetic.csv"
    write_synthetic_csv(frame, path)
    outcome = import_bytes(path.read_bytes(), path.name)
    report = outcome.report
    assert report.format == "csv" and report.refused == ""
    assert (report.accepted, len(report.rejected), report.warnings) == (500, 0, [])
    stored = outcome.events
    assert stored["synthetic"].all() and (stored["dataset"] == report.dataset_id).all()
    assert stored["event_id"].iloc[0] == f"{report.dataset_id}:synthetic:0000001"
    # everything but the ids and the dataset survives the round trip unchanged
    same = [c for c in ALL_COLUMNS if c not in ("event_id", "dataset")]
    pd.testing.assert_frame_equal(stored[same].reset_index(drop=True), frame[same].reset_index(drop=True),
                                  check_dtype=False)


@pytest.mark.parametrize(("cell", "expected"), [("true", True), ("TRUE", True), ("1", True), ("sí", True),
                                                ("false", None), ("0", None), ("", None)])
def test_syn008_synthetic_column_values(cell, expected):
    values, problems = candidate_values_from_fields({"date": "2019-01-01", "Synthetic": cell}, ImportLimits())
    assert problems == [] and values.get("synthetic") is expected


def test_syn009_imports_without_the_column_or_with_a_bad_value():
    plain = import_bytes(b"date,lat,lon,location\n2019-01-01,-12.5,-73.8,Pichari\n", "a.csv")
    assert plain.report.accepted == 1 and not plain.events["synthetic"].any()
    marked_false = import_bytes(b"date,lat,lon,synthetic\n2019-01-01,-12.5,-73.8,false\n", "b.csv")
    assert marked_false.report.accepted == 1 and not marked_false.events["synthetic"].any()
    bad = import_bytes(b"date,lat,lon,synthetic\n2019-01-01,-12.5,-73.8,maybe\n", "c.csv").report
    assert bad.accepted == 0 and [(p.row, p.field) for p in bad.rejected] == [(2, "synthetic")]


def test_syn010_cli_writes_a_file(tmp_path, capsys):
    from dashboard.__main__ import main

    out = tmp_path / "synth.csv"
    assert main(["synth", "--n", "300", "--out", str(out), "--seed", "5"]) == 0
    assert "300" in capsys.readouterr().out and out.is_file()
    written = pd.read_csv(out, keep_default_na=False)
    assert len(written) == 300 and (written["synthetic"].astype(str).str.lower() == "true").all()
    assert main(["synth", "--n", "0", "--out", str(out)]) == 2
    assert main(["synth", "--n", "5", "--out", str(tmp_path / "missing" / "x.csv")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_syn011_chunks_number_on_and_categoricals_hold_the_same_values(monkeypatch):
    monkeypatch.setattr(synth, "CHUNK_ROWS", 700)
    chunked = synthetic_events(2000)
    assert len(chunked) == 2000 and list(chunked.columns) == list(ALL_COLUMNS)
    assert chunked["event_id"].tolist() == [f"synthetic:{i:07d}" for i in range(1, 2001)]
    assert (chunked["source_event_id"] == chunked["event_id"]).all()
    pd.testing.assert_frame_equal(chunked.iloc[:700], synthetic_events(700))  # the first chunk: one draw
    assert not chunked["latitude"].iloc[700:1400].reset_index(drop=True).equals(
        chunked["latitude"].iloc[:700].reset_index(drop=True))  # each chunk draws its own rows
    pd.testing.assert_frame_equal(chunked, synthetic_events(2000))
    compact = synthetic_events(2000, categorical=True)
    for column in ALL_COLUMNS:
        if isinstance(compact[column].dtype, pd.CategoricalDtype):
            assert chunked[column].tolist() == compact[column].astype(object).tolist(), column
        else:
            pd.testing.assert_series_equal(chunked[column], compact[column])
    assert isinstance(compact["summary"].dtype, pd.CategoricalDtype)
    assert compact["summary"].cat.categories.is_unique
