"""Loading imported datasets as codes: the store answers exactly as over the plain tables.

``DatasetRepository.load_all(as_codes=True)`` reads text as Arrow dictionaries and lists and dates as codes into
their distinct values, ``concat_events`` keeps those codes when the bundled events are put in front,
and the store takes them without hashing a value again. None of it may change an answer: a store
over the coded tables is compared, question by question, with one over the event table as built.
"""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dashboard.data.datasets import DatasetRepository, concat_events, date_codes, list_codes, shared_tuples
from dashboard.data.facets import BREAKDOWN_FIELDS, FACETS
from dashboard.data.filters import FilterSpec
from dashboard.data.imports.pipeline import ImportOutcome
from dashboard.data.imports.report import ImportReport
from dashboard.data.store import SORTABLE_COLUMNS, InMemoryEventStore
from dashboard.data.store.codes import CATEGORICAL_MAX_SHARE
from tests.unit.test_store_contract import BUNDLED, GENERATED, IMPORTED, contract_events


def pandas_concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)  # turns categoricals with other categories into values


def store_twice(tmp_path, events: pd.DataFrame, join=concat_events) -> tuple[InMemoryEventStore, InMemoryEventStore]:
    """(over the table as built, over the bundled rows + the others saved and loaded as at start-up)."""
    repository = DatasetRepository(tmp_path)
    for minute, dataset in enumerate((IMPORTED, GENERATED)):  # listed in this order: by import time
        rows = events[events["dataset"] == dataset].reset_index(drop=True)
        report = ImportReport(file_name=f"{dataset}.csv", format="csv", dataset_id=dataset, read=len(rows),
                              accepted=len(rows))
        repository.save(ImportOutcome(rows, report, dataset, f"{dataset}.csv",
                                      hashlib.sha256(dataset.encode()).hexdigest(), f"2026-01-01T00:0{minute}:00"))
    bundled = events[events["dataset"] == BUNDLED].reset_index(drop=True)
    loaded = join([bundled, repository.load_all(as_codes=True)])
    in_order = pd.concat([events[events["dataset"] == d] for d in (BUNDLED, IMPORTED, GENERATED)],
                         ignore_index=True)
    return (InMemoryEventStore(in_order, default_datasets=(BUNDLED,)),
            InMemoryEventStore(loaded, default_datasets=(BUNDLED,)))


def same(expected, got, what: str) -> None:
    if hasattr(expected, "__dataclass_fields__"):
        for name in expected.__dataclass_fields__:
            same(getattr(expected, name), getattr(got, name), f"{what}.{name}")
    elif isinstance(expected, np.ndarray):
        assert expected.shape == got.shape, what
        if expected.dtype.kind == "f":
            assert np.array_equal(expected, got, equal_nan=True), what
        else:
            assert [repr(v) for v in expected.tolist()] == [repr(v) for v in got.tolist()], what
    else:
        assert repr(expected) == repr(got), what  # repr: None stays None, nan stays nan, types count


SPECS = (
    FilterSpec(), FilterSpec(datasets=(IMPORTED,)), FilterSpec(datasets=(BUNDLED, IMPORTED, GENERATED)),
    FilterSpec(date_from=date(2016, 3, 1), date_to=date(2018, 6, 30), datasets=(IMPORTED, GENERATED)),
    FilterSpec(event_types=("drug_seizure",), kg_min=1.0, datasets=(BUNDLED, IMPORTED)),
    FilterSpec(actors=("shining_path", "Policía Nacional del Perú"), datasets=(BUNDLED, IMPORTED, GENERATED)),
    FilterSpec(actors=("EJÉRCITO DEL PERÚ",)), FilterSpec(regions=("cusco", "Ayacucho")),
    FilterSpec(countries=("BOL", "BEL"), drugs=("cocaine",), datasets=(IMPORTED, GENERATED)),
    FilterSpec(original_types=("Battles",), datasets=(IMPORTED,)), FilterSpec(routes=("vraem-callao",)),
    FilterSpec(text="apurimac"), FilterSpec(text="near kimbiri", datasets=(BUNDLED, IMPORTED, GENERATED)),
    FilterSpec(text="synthetic", datasets=(GENERATED,)), FilterSpec(text="STRASSE"),
    FilterSpec(bbox=(-75.0, -14.0, -72.0, -11.0), datasets=(BUNDLED, IMPORTED, GENERATED)),
    FilterSpec(polygon=((-75.0, -11.0), (-73.0, -11.0), (-73.0, -13.0)), datasets=(BUNDLED, IMPORTED)),
)


@pytest.fixture(scope="module", params=[concat_events, pandas_concat], ids=["concat_events", "pd.concat"])
def stores(request, tmp_path_factory):
    """Joined as the context joins them; by ``pd.concat`` the codes are lost but no answer changes."""
    return store_twice(tmp_path_factory.mktemp("loaded"), contract_events(seed=31), request.param)


def test_stl001_stores_over_loaded_codes_answer_every_question_alike(stores):
    plain, loaded = stores
    assert loaded.size == plain.size
    for spec in SPECS:
        total = plain.count(spec)
        assert loaded.count(spec) == total, spec
        same(plain.totals(spec), loaded.totals(spec), f"totals {spec}")
        for limit in (0, total // 2, total + 1):
            same(plain.points(spec, limit), loaded.points(spec, limit), f"points {spec}")
        for cell in (0.01, 1.0):
            same(plain.bins(spec, cell), loaded.bins(spec, cell), f"bins {spec}")
        for unit in ("auto", "day", "month", "year"):
            same(plain.histogram(spec, unit), loaded.histogram(spec, unit), f"histogram {spec}")
        same(plain.kg_by_year(spec), loaded.kg_by_year(spec), f"kg {spec}")
        for field in BREAKDOWN_FIELDS:
            same(plain.breakdown(spec, field, 100), loaded.breakdown(spec, field, 100), f"{field} {spec}")


def test_stl002_rows_lookups_and_whole_table_answers_alike(stores):
    plain, loaded = stores
    columns = tuple(plain.frame.columns)
    for spec in SPECS[:4] + SPECS[11:13]:
        for order_by in sorted(SORTABLE_COLUMNS):
            for descending in (True, False):
                expected = plain.rows(spec, columns, order_by=order_by, descending=descending, limit=40)
                got = loaded.rows(spec, columns, order_by=order_by, descending=descending, limit=40)
                for column in columns:
                    same(expected[column], got[column], f"{column} by {order_by} {spec}")
    for row in range(plain.size):
        event_id = plain.event_id_at(row)
        assert repr(loaded.event(event_id)) == repr(plain.event(event_id))
    assert loaded.datasets() == plain.datasets() and loaded.source_links() == plain.source_links()
    for datasets in (None, (), (IMPORTED,), (GENERATED, IMPORTED)):
        assert loaded.date_extent(datasets) == plain.date_extent(datasets)
    for facet in FACETS:
        for shown in ((), (IMPORTED, GENERATED)):
            assert loaded.facet_options(facet.name, shown) == plain.facet_options(facet.name, shown), facet.name
    for column in ("actors", "actor_groups", "admin1", "summary", "date_end", "source_event_id"):
        assert loaded.distinct(column) == plain.distinct(column), column


def test_stl003_loaded_tables_hold_codes_not_a_value_a_row(tmp_path):
    events = contract_events(seed=31)
    imported = events[events["dataset"] == IMPORTED].reset_index(drop=True)
    imported["summary"] = [f"report number {i}" for i in range(len(imported))]  # one value a row
    repository = DatasetRepository(tmp_path)
    report = ImportReport(file_name="a.csv", format="csv", dataset_id=IMPORTED, read=len(imported),
                          accepted=len(imported))
    repository.save(ImportOutcome(imported, report, "a", "a.csv", "0" * 64, "2026-01-01T00:00:00"))
    loaded = repository.load_all(as_codes=True)
    for column in ("event_type", "admin1", "location", "dataset", "actors", "event_date", "date_end"):
        assert isinstance(loaded[column].dtype, pd.CategoricalDtype), column
    assert loaded["summary"].nunique() > CATEGORICAL_MAX_SHARE * len(loaded)
    assert not isinstance(loaded["summary"].dtype, pd.CategoricalDtype)  # stays text, as the store keeps it
    assert not isinstance(loaded["event_id"].dtype, pd.CategoricalDtype)
    plain = repository.load_events(IMPORTED)  # the public readers keep plain values
    pd.testing.assert_frame_equal(repository.load_all(), plain)
    assert plain["actors"].dtype == object and plain["event_date"].dtype == object
    assert list(loaded["actors"].astype(object)) == list(plain["actors"]) == list(imported["actors"])
    assert [None if pd.isna(d) else d for d in loaded["date_end"].astype(object)] == list(plain["date_end"])


def test_stl004_concat_events_unites_categories_and_keeps_values():
    first = pd.DataFrame({"kind": pd.Categorical(["a", "b", None, "a"]),
                          "names": pd.Series([("x",), (), ("x", "y"), ("x",)], dtype=object),
                          "n": [1.0, 2.0, 3.0, 4.0]})
    second = pd.DataFrame({"kind": pd.Categorical(["c", "a"]),
                           "names": pd.Categorical.from_codes([1, 0], categories=pd.Index(
                               np.array([("y",), ("x",)] + [()], dtype=object)[:2], tupleize_cols=False)),
                           "n": [5.0, 6.0]})
    joined = concat_events([first, second])
    assert isinstance(joined["kind"].dtype, pd.CategoricalDtype)
    assert isinstance(joined["names"].dtype, pd.CategoricalDtype)
    assert [None if pd.isna(v) else v for v in joined["kind"]] == ["a", "b", None, "a", "c", "a"]
    assert list(joined["names"]) == [("x",), (), ("x", "y"), ("x",), ("x",), ("y",)]
    assert sorted(joined["kind"].cat.categories) == ["a", "b", "c"]  # each value once
    assert list(joined["n"]) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert concat_events([first]) is first


def test_stl005_list_codes_equal_the_lists_whether_packed_or_joined():
    rng = np.random.default_rng(3)
    names = [f"actor {i}" for i in range(40)] + ["Policía Nacional del Perú", ""]
    short = [None if rng.random() < 0.05 else [str(rng.choice(names)) for _ in range(rng.integers(0, 4))]
             for _ in range(500)]
    long = short + [[f"name {i}" for i in range(12)]]  # 12 names x 6 bits: too long to pack in 62 bits
    for lists in (short, long):
        array = pa.chunked_array([pa.array(lists[:200]), pa.array(lists[200:])])
        codes, distinct = list_codes(array)
        expected = [tuple(v) if v is not None else () for v in lists]
        assert [distinct[c] for c in codes] == expected
        assert len(distinct) == len(set(expected))  # one tuple per distinct list
        assert list(shared_tuples(array)) == expected
        as_read = array.cast(pa.list_(pa.dictionary(pa.int32(), pa.string())))  # names read as a dictionary
        codes, distinct = list_codes(as_read)
        assert [distinct[c] for c in codes] == expected
    null_name = list_codes(pa.array([["a", None], ["a", ""]], type=pa.list_(pa.string())))
    assert null_name[0].tolist() == [0, 0] and null_name[1][0] == ("a", "")  # a null name reads as ''


def test_stl006_date_codes_one_object_per_day_and_missing_as_minus_one():
    values = pa.chunked_array([pa.array([0, None], type=pa.timestamp("ms")),
                               pa.array([86_400_000 + 5, 0, None], type=pa.timestamp("ms"))])
    codes, distinct = date_codes(values)
    assert codes.tolist() == [0, -1, 1, 0, -1]
    assert list(distinct) == [date(1970, 1, 1), date(1970, 1, 2)]
    codes, distinct = date_codes(pa.array([18_000, None], type=pa.date32()))
    assert codes.tolist() == [0, -1] and list(distinct) == [date(2019, 4, 14)]
