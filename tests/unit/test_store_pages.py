"""The in-memory store's shortcuts answer as the long way would: table pages read from their own
blocks of the sorted table, grid cells counted from the matches' own extent, sorted codes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.data.filters import FilterSpec
from dashboard.data.store import InMemoryEventStore
from dashboard.data.store import memory as memory_module
from dashboard.data.store.codes import sorted_codes
from dashboard.data.synth import synthetic_events

ROWS = 3000
SPECS = (
    FilterSpec(),  # every row
    FilterSpec(event_types=("drug_seizure",)),  # broad
    FilterSpec(date_from=date(2012, 1, 1), date_to=date(2012, 12, 31)),  # rows deep in the date order
    FilterSpec(event_types=("armed_clash",), date_from=date(2020, 1, 1)),  # narrow: sorted alone
    FilterSpec(bbox=(10.0, 10.0, 11.0, 11.0)),  # nothing
)
ORDERS = (("event_date", True), ("event_date", False), ("quantity_kg", True), ("quantity_kg", False),
          ("location", False), ("fatalities", True))


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return synthetic_events(ROWS, seed=5)


@pytest.fixture()
def small_blocks(monkeypatch):
    """Blocks of 37 rows, so a table of 3,000 has about eighty of them."""
    monkeypatch.setattr(memory_module, "PAGE_BLOCK", 37)


def _offsets(total: int) -> list[int]:
    return sorted({0, 1, 36, 37, 38, 100, total // 3, total // 2, max(total - 5, 0), total, total + 7})


@pytest.mark.parametrize("built_first", [False, True], ids=["narrow-sorted-alone", "table-order-built"])
def test_spg001_every_page_is_its_slice_of_the_whole_order(events, small_blocks, built_first):
    store = InMemoryEventStore(events)
    for column, descending in ORDERS:
        if built_first:  # a page of the whole table builds the table's order: narrow filters then use it too
            store.rows(FilterSpec(), ("event_id",), order_by=column, descending=descending, limit=1)
        for spec in SPECS:
            whole = list(store.rows(spec, ("event_id",), order_by=column, descending=descending)["event_id"])
            assert len(whole) == store.count(spec)
            for offset in _offsets(len(whole)):
                for limit in (1, 25, 80):
                    page = store.rows(spec, ("event_id",), order_by=column, descending=descending,
                                      offset=offset, limit=limit)
                    assert list(page["event_id"]) == whole[offset:offset + limit], (spec, column, descending, offset)


def test_spg002_pages_follow_the_dates_newest_first_ties_in_row_order(events, small_blocks):
    store = InMemoryEventStore(events)
    spec = SPECS[2]
    chosen = events[(events["event_date"] >= date(2012, 1, 1)) & (events["event_date"] <= date(2012, 12, 31))]
    expected = list(chosen.iloc[np.lexsort((np.arange(len(chosen)),
                                            -pd.to_datetime(chosen["event_date"]).to_numpy().astype(np.int64)))]
                    ["event_id"])
    for offset in _offsets(len(expected)):
        page = store.rows(spec, ("event_id",), order_by="event_date", descending=True, offset=offset, limit=40)
        assert list(page["event_id"]) == expected[offset:offset + 40]


# The dense side counts in one array over the matches' extent; the 0.01-degree grids over the whole
# synthetic extent would be over a billion counters (~8 GB, ~8 s), so those few are left to the
# hashed way on both sides.
FORCED_DENSE_LIMIT = 64 * memory_module.DENSE_CELL_BINS


def test_spg003_cells_counted_densely_or_by_hash_agree(events, monkeypatch):
    dense = InMemoryEventStore(events)
    hashed = InMemoryEventStore(events)
    counted_dense = []
    for spec in SPECS:
        for cell in (0.01, 0.05, 0.5, 5.0):
            monkeypatch.setattr(memory_module, "counted_densely", lambda counters, matches:
                                counted_dense.append(counters <= FORCED_DENSE_LIMIT) or counted_dense[-1])
            one = dense.bins(spec, cell)
            monkeypatch.setattr(memory_module, "counted_densely", lambda counters, matches: False)
            other = hashed.bins(spec, cell)
            for name in ("latitude", "longitude", "counts", "type_code"):
                assert np.array_equal(getattr(one, name), getattr(other, name)), (spec, cell, name)
            assert one.total == other.total == dense.count(spec)
            # cells come out by latitude, then longitude, each once
            assert len(set(zip(one.latitude, one.longitude))) == len(one.counts)
            assert list(zip(one.latitude, one.longitude)) == sorted(zip(one.latitude, one.longitude))
    assert sum(counted_dense) >= 12, counted_dense  # the dense way did count most of the grids


def test_spg004_sorted_codes_are_numpy_unique_with_inverse():
    rng = np.random.default_rng(7)
    for keys in (rng.integers(-50, 50, 1000), rng.integers(0, 10**12, 500), np.zeros(0, dtype=np.int64),
                 np.array([3, 3, 3])):
        unique, code = sorted_codes(keys)
        expected_unique, expected_code = np.unique(keys, return_inverse=True)
        assert np.array_equal(unique, expected_unique) and np.array_equal(code, expected_code.reshape(-1))


def _same_cell(a: object, b: object) -> bool:
    if a is pd.NA or b is pd.NA:
        return a is b
    if isinstance(a, float) and isinstance(b, float) and a != a:
        return b != b
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("text_dtype", ["str", "string[pyarrow]", object])
def test_spg005_columns_read_by_position_as_pandas_reads_them(events, text_dtype):
    """``take`` reads coded text itself: the same values, and the same missing value, as pandas."""
    table = events.copy()
    for column in ("location", "admin2", "source_name", "drug"):
        values = table[column].astype(object)
        values[::7] = None  # missing text: a category code of -1
        table[column] = values.astype(text_dtype)
    store = InMemoryEventStore(table)
    rows = np.r_[np.arange(0, len(table), 3), [0, 0, len(table) - 1]]
    for column in store.frame.columns:
        expected = store.frame[column].take(rows).to_numpy()
        got = store.take(rows, (column,))[column]
        assert len(got) == len(expected)
        assert all(_same_cell(a, b) for a, b in zip(got, expected)), column


def test_spg006_slices_of_positions_add_up_to_the_whole(events, monkeypatch):
    """Cells and totals read the matches a slice at a time: slices of 97 rows answer as one slice."""
    monkeypatch.setattr(memory_module, "CHUNK_ROWS", 1 << 30)
    whole = InMemoryEventStore(events)
    expected = {(spec, cell): whole.bins(spec, cell) for spec in SPECS for cell in (0.05, 1.0)}
    totals = {spec: whole.totals(spec) for spec in SPECS}
    monkeypatch.setattr(memory_module, "CHUNK_ROWS", 97)
    sliced = InMemoryEventStore(events)
    for (spec, cell), one in expected.items():
        other = sliced.bins(spec, cell)
        for name in ("latitude", "longitude", "counts", "type_code"):
            assert np.array_equal(getattr(one, name), getattr(other, name)), (spec, cell, name)
    for spec, one in totals.items():
        other = sliced.totals(spec)
        assert (one.events, one.fatalities, one.sources, one.synthetic) == \
               (other.events, other.fatalities, other.sources, other.synthetic)
        assert other.kg_seized == pytest.approx(one.kg_seized)
