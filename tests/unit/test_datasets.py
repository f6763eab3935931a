"""Dataset storage (atomic, survives restarts), duplicates across datasets, uploads, normalising."""

from __future__ import annotations

import base64
import hashlib
import math
import os
import time
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from dashboard.data.countries import country_index
from dashboard.data.datasets import DatasetNotFound, DatasetRepository, with_import_columns
from dashboard.data.duplicates import duplicate_pairs
from dashboard.data.filters import FilterSpec
from dashboard.data.imports.base import Candidate, ImportRefused, LimitExceeded
from dashboard.data.imports.normalise import Normaliser
from dashboard.data.imports.pipeline import ImportOutcome, dataset_id_for, display_name
from dashboard.data.imports.report import ImportReport
from dashboard.data.schema import ALL_COLUMNS
from dashboard.data.store import InMemoryEventStore
from dashboard.state.uploads import decode_upload, request_size_limit


class FakeGazetteer:
    """Two known places and one ambiguous name, so the normaliser's rules are tested alone."""

    def __init__(self):
        from dashboard.data.imports.geocode import GeocodeResult, Place

        self.pichari = Place("per_pichari", "Pichari", "town", "PER", "Cusco", -12.518, -73.829, 0)
        self.santa_rosa = (Place("a", "Santa Rosa", "town", "PER", "Ayacucho", -12.7, -73.9, 0),
                           Place("b", "Santa Rosa", "town", "BOL", "Beni", -14.2, -66.9, 0))
        self.result = GeocodeResult

    def lookup(self, name, country="", admin1=""):
        if name.lower() == "pichari":
            return self.result(self.pichari, (self.pichari,))
        if name.lower() == "santa rosa":
            return self.result(None, self.santa_rosa)
        return self.result(None, ())


def normaliser(dataset_id="test-1"):
    return Normaliser(dataset_id, FakeGazetteer(), country_index(), today=date(2026, 11, 26))


def candidate(row, **values):
    base = {"event_date": date(2017, 3, 18), "date_precision": "day", "event_type": "armed_clash",
            "latitude": -12.5, "longitude": -73.8, "location": "Somewhere", "source_name": "Paper"}
    base.update(values)
    return Candidate(row, {k: v for k, v in base.items() if v is not ...})


def test_nrm001_rows_kept_rejected_and_warned_with_row_and_field():
    rows = normaliser().run([
        candidate(2),
        candidate(3, latitude=120.0, longitude=-12.0),  # swapped?
        candidate(4, latitude=..., longitude=..., location="Pichari"),
        candidate(5, latitude=..., longitude=..., location="Santa Rosa"),
        candidate(6, latitude=..., longitude=..., location="Atlantis"),
        candidate(7, latitude=..., longitude=..., location=""),
        candidate(8, event_date=date(2030, 1, 1)),
        candidate(9, country="BOL"),  # the point is in Peru
        candidate(10, source_url="javascript:alert(1)"),
        candidate(11, event_date=None),
    ])
    rejected = {p.row: (p.field, p.reason) for p in rows.rejected}
    assert set(rejected) == {3, 5, 6, 7, 11}
    assert "swapped" in rejected[3][1]
    assert rejected[5][0] == "location" and "ambiguous" in rejected[5][1] and "BOL" in rejected[5][1]
    assert "gazetteer" in rejected[6][1] and "no place name" in rejected[7][1]
    warned = {(p.row, p.field) for p in rows.warnings}
    assert {(8, "event_date"), (9, "latitude"), (10, "source_url")} <= warned
    frame = rows.frame.set_index("event_id")
    assert list(rows.frame.columns) == list(ALL_COLUMNS) and len(frame) == 5
    geocoded = frame.loc["test-1:row4"]
    assert bool(geocoded["geocoded"]) and geocoded["geo_precision"] == "town"
    assert (geocoded["latitude"], geocoded["longitude"]) == (-12.518, -73.829)
    assert rows.geocoded == 1
    assert frame.loc["test-1:row2", "country"] == "PER"  # taken from the coordinates
    assert frame.loc["test-1:row10", "source_url"] == ""
    assert set(rows.frame["dataset"]) == {"test-1"}


def test_nrm002_duplicate_source_ids_are_both_kept():
    rows = normaliser().run([candidate(2, source_event_id="PER1"), candidate(3, source_event_id="PER1")])
    assert sorted(rows.frame["event_id"]) == ["test-1:PER1", "test-1:PER1~3"]
    assert [(w.row, w.field) for w in rows.warnings] == [(3, "event_id")]


def test_dst001_dataset_ids_and_names_are_never_paths():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\x\\acled.csv") == "acled.csv"
    assert display_name("a\x00b\nc") == "abc"
    identifier = dataset_id_for("../Ñandú Report 2017!", "ab" * 32)
    assert identifier == "nandu-report-2017-abababab"
    assert dataset_id_for("///", "cd" * 32) == "dataset-cdcdcdcd"


def outcome_for(frame: pd.DataFrame, dataset_id: str = "demo-12345678", content: str = "demo") -> ImportOutcome:
    report = ImportReport(file_name="demo.csv", format="csv", dataset_id=dataset_id, read=len(frame),
                          accepted=len(frame))
    return ImportOutcome(frame, report, "Demo", "demo.csv", hashlib.sha256(content.encode()).hexdigest(),
                         datetime(2026, 11, 26, tzinfo=UTC).isoformat())


@pytest.fixture()
def imported_frame():
    rows = normaliser("demo-12345678").run([
        candidate(2, source_event_id="A", actors=("Shining Path", "Peruvian Army")),
        candidate(3, source_event_id="B", date_end=date(2017, 3, 20), fatalities=3.0,
                  fatalities_low=2.0, fatalities_high=5.0),
    ])
    return rows.frame


def test_dst002_save_load_round_trip_survives_a_new_repository(tmp_path, imported_frame):
    DatasetRepository(tmp_path).save(outcome_for(imported_frame))
    reopened = DatasetRepository(tmp_path)  # as after a restart
    [meta] = reopened.list()
    assert (meta.dataset_id, meta.name, meta.events, meta.format) == ("demo-12345678", "Demo", 2, "csv")
    loaded = reopened.load_events("demo-12345678").set_index("event_id")
    assert loaded.loc["demo-12345678:A", "actors"] == ("Shining Path", "Peruvian Army")
    assert loaded.loc["demo-12345678:A", "actor_groups"] == ("peru_military", "shining_path")
    assert loaded.loc["demo-12345678:B", "date_end"] == date(2017, 3, 20)
    assert loaded.loc["demo-12345678:B", "event_date"] == date(2017, 3, 18)
    assert loaded.loc["demo-12345678:B", "fatalities_high"] == 5.0
    assert math.isnan(loaded.loc["demo-12345678:A", "fatalities"])
    # GeoParquet: the file carries geo metadata and point geometry in WGS84
    import pyarrow.parquet as pq
    schema = pq.read_schema(tmp_path / "datasets" / "demo-12345678" / "events.parquet")
    assert b"geo" in schema.metadata and b"EPSG" in schema.metadata[b"geo"] or b"4326" in schema.metadata[b"geo"]


def test_dst003_crash_while_writing_leaves_the_previous_state(tmp_path, imported_frame, monkeypatch):
    repository = DatasetRepository(tmp_path)
    repository.save(outcome_for(imported_frame))
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    real_write = DatasetRepository._write

    def crash_midway(self, folder, events, meta):
        real_write(self, folder, events, meta)
        (folder / "events.parquet").write_bytes(b"half")  # a torn write…
        raise OSError("disk full")  # …then the crash

    monkeypatch.setattr(DatasetRepository, "_write", crash_midway)
    with pytest.raises(OSError):
        repository.save(outcome_for(imported_frame, "other-87654321", content="other"))
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before  # no partial dataset, no temp folder
    assert [m.dataset_id for m in repository.list()] == ["demo-12345678"]


def test_dst004_killed_process_leftovers_are_never_listed_and_are_cleaned(tmp_path, imported_frame):
    repository = DatasetRepository(tmp_path)
    repository.save(outcome_for(imported_frame))
    (tmp_path / ".tmp-deadbeef").mkdir()
    (tmp_path / ".tmp-deadbeef" / "events.parquet").write_bytes(b"torn")
    hours_ago = time.time() - 2 * 3600  # no owner in its name: judged by its age
    os.utime(tmp_path / ".tmp-deadbeef", (hours_ago, hours_ago))
    (tmp_path / "datasets" / "not-finished").mkdir()  # a folder without meta.json
    assert [m.dataset_id for m in repository.list()] == ["demo-12345678"]
    assert repository.remove_leftovers() == [".tmp-deadbeef"]
    assert not (tmp_path / ".tmp-deadbeef").exists()


def test_dst005_delete_and_refuse_path_like_ids(tmp_path, imported_frame):
    repository = DatasetRepository(tmp_path)
    repository.save(outcome_for(imported_frame))
    for bad in ("../datasets", "/etc", "demo-12345678/../../x", "", "DEMO"):
        with pytest.raises(DatasetNotFound):
            repository.delete(bad)
    assert repository.delete("demo-12345678").events == 2
    assert repository.list() == [] and os.listdir(tmp_path / "datasets") == [".lock"]  # the writers' lock
    assert not any(p.name.startswith(".trash-") for p in tmp_path.iterdir())


def test_dst006_same_file_twice_is_kept_once(tmp_path, imported_frame):
    repository = DatasetRepository(tmp_path)
    first = outcome_for(imported_frame)
    repository.save(first)
    second = outcome_for(imported_frame, "renamed-12345678")  # same bytes, another name
    repository.save(second)
    assert second.report.already_imported and len(repository.list()) == 1
    assert second.report.dataset_id == "demo-12345678"


def test_dup001_duplicates_across_datasets_only_within_time_place_and_type():
    lat = np.array([-12.50, -12.51, -12.50, -12.50, -12.80, -12.50])
    lon = np.array([-73.80, -73.81, -73.80, -73.80, -73.80, -73.80])
    start = np.array(["2017-03-18", "2017-03-01", "2017-03-18", "2017-03-18", "2017-03-18", "2018-01-01"],
                     dtype="datetime64[D]")
    end = np.array(["2017-03-18", "2017-03-31", "2017-03-18", "2017-03-18", "2017-03-18", "2018-01-01"],
                   dtype="datetime64[D]")
    types = np.array([1, 1, 1, 2, 1, 1], dtype=np.int8)
    datasets = np.array([0, 1, 0, 1, 1, 1])
    pairs = {tuple(p) for p in duplicate_pairs(lat, lon, start, end, types, datasets)}
    # 0~1 (month-precision overlaps the day, ~1.5 km), 1~2 likewise; 0~2 same dataset: no;
    # 3 other type; 4 is 33 km away; 5 another year.
    assert pairs == {(0, 1), (1, 2)}


def test_dup002_store_marks_duplicates_and_default_dataset(bundled):
    bundled_events = with_import_columns(bundled.events)
    copy = bundled_events.iloc[:3].copy()
    copy["event_id"] = ["copy:1", "copy:2", "copy:3"]
    copy["dataset"] = "copy"
    store = InMemoryEventStore(pd.concat([bundled_events, copy], ignore_index=True),
                               default_datasets=("rutas",))
    first = store.event(bundled_events.iloc[0]["event_id"])
    assert "copy:1" in first["duplicate_of"]
    assert store.count(FilterSpec()) == len(bundled_events)
    assert store.count(FilterSpec(datasets=("copy",))) == 3
    assert store.count(FilterSpec(datasets=("copy", "rutas"))) == len(bundled_events) + 3


def test_upl001_upload_decoding_checks_size_before_decoding():
    data = b"x" * 1000
    contents = "data:text/csv;base64," + base64.b64encode(data).decode()
    assert decode_upload(contents, 1000) == data  # just under / at the limit
    with pytest.raises(LimitExceeded, match="RUTAS_MAX_UPLOAD_BYTES"):
        decode_upload(contents, 999)  # just over
    for bad in (None, "", "nonsense", "data:text/csv,plain", "data:text/csv;base64,@@@@"):
        with pytest.raises(ImportRefused):
            decode_upload(bad, 1000)
    assert request_size_limit(3 * 1024 * 1024) > 4 * 1024 * 1024


def test_rep001_report_csv_neutralises_formulas_and_round_trips():
    from dashboard.data.imports.base import RowProblem
    report = ImportReport(file_name="x.csv", read=3, accepted=1,
                          rejected=[RowProblem(2, "=cmd()", "+bad"), RowProblem(2, "b", "r")],
                          warnings=[RowProblem(3, "c", "@w")])
    text = report.to_csv()
    assert "'=cmd()" in text and "'+bad" in text and "'@w" in text
    assert report.rejected_rows == 1
    assert ImportReport.from_dict(report.to_dict()) == report


def test_ctx001_store_follows_the_data_directory(bundled, tmp_path, imported_frame):
    """An import or delete by any process (another worker, the CLI) reaches this one's store."""
    from dashboard.config import Settings
    from dashboard.state.context import build_context

    context = build_context(Settings(data_dir=str(tmp_path)), bundled)
    before = context.store.size
    DatasetRepository(tmp_path).save(outcome_for(imported_frame))  # as another process would
    assert context.store.size == before + 2
    assert [m.dataset_id for m in context.datasets] == ["demo-12345678"]
    assert context.store.count(FilterSpec()) == before  # no dataset parameter: the bundled facts
    assert context.store.count(FilterSpec(datasets=("demo-12345678",))) == 2
    DatasetRepository(tmp_path).delete("demo-12345678")
    assert context.store.size == before and context.datasets == []


def test_det001_detail_card_shows_import_fields_and_duplicates_side_by_side(bundled):
    from dashboard.layout.detail import build_detail_card

    event = with_import_columns(bundled.events).iloc[0].to_dict()
    other = dict(event, event_id="acled-x-1:PER1", dataset="acled-x-1", source_url="", source_name="ACLED",
                 original_type="Battles", original_subtype="Armed clash", source_event_id="PER1", geocoded=True)
    card = str(build_detail_card(other, "en", [event], {"acled-x-1": "My ACLED"}))
    assert "Battles / Armed clash" in card and "PER1" in card and "My ACLED" in card
    assert "offline gazetteer" in card and "Possibly the same event" in card
    assert event["event_id"] in card and event["source_url"] in card
    plain = str(build_detail_card(event, "en"))
    assert "Possibly the same event" not in plain and "gazetteer" not in plain


def test_lim001_upload_size_just_under_and_just_over():
    from dashboard.data.imports.base import ImportLimits
    from dashboard.data.imports.pipeline import import_bytes

    data = b"date,lat,lon,location\n2019-01-01,-12.5,-73.8,Pichari\n"
    assert import_bytes(data, "a.csv", limits=ImportLimits(max_upload_bytes=len(data))).report.accepted == 1
    over = import_bytes(data, "a.csv", limits=ImportLimits(max_upload_bytes=len(data) - 1)).report
    assert over.accepted == 0 and "RUTAS_MAX_UPLOAD_BYTES" in over.refused


def test_lim002_every_limit_is_a_setting():
    from dashboard.config import Settings, import_limits
    from dashboard.data.imports.base import SETTING_OF_LIMIT, ImportLimits

    environ = {variable: "7" for variable in SETTING_OF_LIMIT.values()}
    limits = import_limits(Settings.from_env(environ))
    assert all(getattr(limits, name) == 7 for name in SETTING_OF_LIMIT)
    assert import_limits(Settings()) == ImportLimits()


def test_lim003_server_refuses_request_bodies_far_over_the_upload_limit():
    import flask

    from dashboard import configure_server
    from dashboard.config import Settings

    server = flask.Flask("probe")  # a bare server: Dash gives its global callbacks to one app only
    server.add_url_rule("/upload", "upload", lambda: str(len(flask.request.get_data())), methods=["POST"])
    configure_server(server, Settings(max_upload_bytes=3000))
    client = server.test_client()
    limit = request_size_limit(3000)
    assert client.post("/upload", data=b"x" * limit).status_code == 200
    assert client.post("/upload", data=b"x" * (limit + 1)).status_code == 413


def test_sum001_filter_summary_names_the_datasets_shown():
    from dashboard.words.summary import filter_summary

    spec = FilterSpec(datasets=("rutas", "acled-x-1"), event_types=("arrest",))
    text = filter_summary(spec, "en", {"acled-x-1": "My ACLED export"})
    assert text.startswith("Data: ") and "Rutas bundled facts" in text and "My ACLED export" in text
    assert "Arrest" in text
    assert "Datos: " in filter_summary(spec, "es", {})
    assert "Data" not in filter_summary(FilterSpec(event_types=("arrest",)), "en")


def test_fmt001_forced_formats():
    from dashboard.data.imports.pipeline import import_bytes

    geojson = (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"date":"2019-01-01"},'
               b'"geometry":{"type":"Point","coordinates":[-73.8,-12.5]}}]}')
    assert import_bytes(geojson, "a.json", file_format="geojson").report.accepted == 1
    assert import_bytes(geojson, "a.json", file_format="auto").report.format == "geojson"
    forced_wrong = import_bytes(geojson, "a.json", file_format="kml").report
    assert forced_wrong.accepted == 0 and forced_wrong.refused
    unknown = import_bytes(geojson, "a.json", file_format="shapefile").report
    assert "unknown format" in unknown.refused and "geojson" in unknown.refused


def test_rep002_file_wide_warnings_are_labelled_as_such():
    from dashboard.data.imports.base import RowProblem
    from dashboard.layout.data_panel import build_report

    report = ImportReport(file_name="x.csv", format="csv", read=1, accepted=1, dataset_id="x-1",
                          warnings=[RowProblem(0, "date", "dates read day first")])
    assert "whole file, field 'date'" in "\n".join(report.summary_lines())
    assert "'archivo'" in str(build_report(report.to_dict(), "es"))


def test_sto101_loaded_lists_and_dates_are_shared_objects():
    import pyarrow as pa

    from dashboard.data.datasets import shared_dates, shared_tuples

    lists = pa.array([["a", "b"], [], None, ["a", "b"], ["c"]])
    tuples = shared_tuples(lists)
    assert list(tuples) == [("a", "b"), (), (), ("a", "b"), ("c",)]
    assert tuples[0] is tuples[3]  # one object per distinct list
    assert list(shared_tuples(pa.array([[], []]))) == [(), ()]  # stored as list<null>
    days = shared_dates(pa.array([0, None, 86_400_000, 0], type=pa.timestamp("ms")))
    assert [str(d) if d else None for d in days] == ["1970-01-01", None, "1970-01-02", "1970-01-01"]
    assert days[0] is days[3]


def test_dat101_generated_frames_are_told_apart_by_content(tmp_path):
    from dashboard.data.synth import synthetic_events

    repository = DatasetRepository(tmp_path)
    first = repository.save_frame(synthetic_events(100, seed=1), name="generated", file_name="a")
    again = repository.save_frame(synthetic_events(100, seed=1), name="generated", file_name="a")
    other = repository.save_frame(synthetic_events(100, seed=2), name="generated", file_name="a")
    assert first.dataset_id == again.dataset_id != other.dataset_id  # same ids, other places and dates
    assert len(repository.list()) == 2
    assert set(repository.load_events(other.dataset_id)["dataset"]) == {other.dataset_id}


def test_dst007_points_are_the_wkb_shapely_writes():
    import shapely

    from dashboard.data.datasets import point_wkb

    longitude = np.array([-73.8, -74.0091, 0.0, np.nan, 180.0])
    latitude = np.array([-12.5, -12.8623, -0.0, np.nan, -90.0])
    written = point_wkb(longitude, latitude).to_pylist()
    assert written == list(shapely.to_wkb(shapely.points(longitude, latitude)))
    assert all(len(point) == 21 for point in written)
    back = shapely.from_wkb(written[:3])
    assert shapely.get_x(back).tolist() == [-73.8, -74.0091, 0.0]
    assert shapely.get_y(back).tolist() == [-12.5, -12.8623, -0.0]


def test_dst008_geo_metadata_bounds_every_row_and_names_wgs84():
    import pyproj

    from dashboard.data.datasets import geoparquet_metadata

    geo = geoparquet_metadata(np.array([-73.0, np.nan, -75.5]), np.array([-11.0, -12.0, -14.25]))
    column = geo["columns"][geo["primary_column"]]
    assert (column["encoding"], column["geometry_types"], geo["version"]) == ("WKB", ["Point"], "1.1.0")
    assert column["bbox"] == [-75.5, -14.25, -73.0, -11.0]  # the unplaced row left out
    assert pyproj.CRS.from_json_dict(column["crs"]).to_epsg() == 4326
    nowhere = geoparquet_metadata(np.array([np.nan]), np.array([np.nan]))
    assert "bbox" not in nowhere["columns"]["geometry"]  # not NaN, which is not JSON


def test_dst009_written_in_slices_loads_as_written_at_once(tmp_path, monkeypatch):
    import json

    import pyarrow.parquet as pq

    from dashboard.data import datasets
    from dashboard.data.synth import synthetic_events

    events = synthetic_events(7, seed=2)  # SYNTHETIC rows
    events.loc[3, "actors"] = ()  # an empty list among the others
    events.loc[4, "actor_groups"] = ["traffickers", "civilians"]  # a list, not a tuple
    at_once = DatasetRepository(tmp_path / "once").save_frame(events, name="sliced", file_name="a")
    monkeypatch.setattr(datasets, "WRITE_SLICE_ROWS", 3)
    in_slices = DatasetRepository(tmp_path / "sliced").save_frame(events, name="sliced", file_name="a")
    path = tmp_path / "sliced" / "datasets" / in_slices.dataset_id / "events.parquet"
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    geo = json.loads(pq.read_schema(path).metadata[b"geo"])
    assert geo["columns"]["geometry"]["bbox"] == [events["longitude"].min(), events["latitude"].min(),
                                                  events["longitude"].max(), events["latitude"].max()]
    loaded = DatasetRepository(tmp_path / "sliced").load_events(in_slices.dataset_id)
    pd.testing.assert_frame_equal(loaded, DatasetRepository(tmp_path / "once").load_events(at_once.dataset_id))
    assert loaded.loc[3, "actors"] == () and loaded.loc[4, "actor_groups"] == ("traffickers", "civilians")
    assert list(loaded["event_id"]) == list(events["event_id"])


def test_dst010_a_write_failing_after_some_slices_leaves_nothing(tmp_path, monkeypatch):
    from dashboard.data import datasets
    from dashboard.data.synth import synthetic_events

    real_points, calls = datasets.point_wkb, []

    def fail_on_third_slice(longitude, latitude):
        calls.append(len(longitude))
        if len(calls) == 3:
            raise OSError("disk full")
        return real_points(longitude, latitude)

    monkeypatch.setattr(datasets, "WRITE_SLICE_ROWS", 4)
    monkeypatch.setattr(datasets, "point_wkb", fail_on_third_slice)
    repository = DatasetRepository(tmp_path)
    with pytest.raises(OSError, match="disk full"):
        repository.save_frame(synthetic_events(10, seed=1), name="torn", file_name="a")
    assert calls == [4, 4, 2]  # two row groups were already on disk
    assert repository.list() == [] and sorted(p.name for p in tmp_path.iterdir()) == ["datasets"]


def test_dst011_a_table_without_the_import_columns_is_stored_with_their_defaults(tmp_path):
    from dashboard.data.schema import IMPORT_COLUMN_DEFAULTS
    from dashboard.data.synth import synthetic_events

    events = synthetic_events(5, seed=3).drop(columns=list(IMPORT_COLUMN_DEFAULTS))  # SYNTHETIC rows
    repository = DatasetRepository(tmp_path)
    loaded = repository.load_events(repository.save_frame(events, name="plain", file_name="a").dataset_id)
    assert list(loaded.columns) == list(ALL_COLUMNS)
    assert set(loaded["source_event_id"]) == {""} and set(loaded["date_end"]) == {None}
    assert loaded["fatalities_low"].isna().all() and not loaded["geocoded"].any()
    assert list(loaded["event_id"]) == list(events["event_id"])
