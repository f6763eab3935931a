"""The store's lean parts: vectorised folding, packed masks, narrow columns and per-version caches."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.config import Settings
from dashboard.data import synth
from dashboard.data.cache import DEFAULT_MAX_BYTES, LruResultCache
from dashboard.data.datasets import DatasetRepository, with_import_columns
from dashboard.data.duplicates import find_duplicates
from dashboard.data.filters import FilterSpec
from dashboard.data.store import InMemoryEventStore
from dashboard.data.store import text as text_module
from dashboard.data.store.codes import Codes
from dashboard.data.store.memory import masked_sum
from dashboard.data.store.text import SearchPart, fold_strings, text_matches
from dashboard.data.synth import synthetic_events
from dashboard.data.text import fold_text
from dashboard.state.context import build_context

# Texts in the languages the data comes in, and the characters folding treats specially.
FOLD_CORPUS = (
    "Apurímac", "JUNÍN", "Ñuflo de Chávez", "policía incautó 3 t de cocaína", "São Paulo", "AÇÃO",
    "coração", "Île-de-France", "cocaïne saisie à Anvers", "Œuvre", "Ærø", "Straße", "GROẞE",
    "Düsseldorf", "Zoll über Hamburg", "İstanbul", "ışık", "Şırnak", "ĞÜŞİÖÇ", "ﬁnal ﬂow ﬀ",
    "Ⅻ", "①②", "㎏", "𝐀𝐁𝐂", "ΣΊΣΥΦΟΣ", "ǅemal", "한국어", "日本語テキスト", "ｆｕｌｌｗｉｄｔｈ",
    "SYNTHETIC — generated record", "", "plain ascii", "MiXeD CaSe", "a\u0301 e\u0308 combining",
    "\u0301leading mark", "ﷺ", "tab\tand\nnew line",
)


def test_smm001_fold_strings_equals_fold_text_on_a_multilingual_corpus():
    for kind in (pa.string(), pa.large_string()):
        values = pa.array(list(FOLD_CORPUS) + [None], type=kind)
        folded = fold_strings(values)
        assert folded.type == kind
        assert folded.to_pylist() == [fold_text(t) for t in FOLD_CORPUS] + [""]


def test_smm002_fold_strings_on_a_slice_and_across_chunks(monkeypatch):
    values = pa.array(list(FOLD_CORPUS) * 3, type=pa.large_string()).slice(5, 60)
    assert fold_strings(values).to_pylist() == [fold_text(t) for t in values.to_pylist()]
    # Folded a few hundred bytes at a time: rows on each side of every cut fold alike.
    monkeypatch.setattr(text_module, "FOLD_CHUNK_BYTES", 300)
    many = pa.array([f"{i} Ñandú en Apurímac, Straße à Anvers — ﬁn {FOLD_CORPUS[i % len(FOLD_CORPUS)]}"
                     for i in range(400)], type=pa.large_string())
    folded = fold_strings(many)
    assert folded.to_pylist() == [fold_text(t) for t in many.to_pylist()]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=8))
def test_smm003_fold_strings_equals_fold_text_on_any_text(texts):
    assert fold_strings(pa.array(texts, type=pa.large_string())).to_pylist() == [fold_text(t) for t in texts]


@pytest.fixture(scope="module")
def generated():
    """Synthetic events (labelled so): enough rows for masks and pages to span many bytes."""
    return synthetic_events(3000, seed=7)


@pytest.fixture(scope="module")
def big(bundled, generated):
    return InMemoryEventStore(pd.concat([with_import_columns(bundled.events), generated], ignore_index=True))


def test_smm004_masks_are_kept_as_bits_and_answer_like_fresh_ones(big):
    specs = [FilterSpec(), FilterSpec(event_types=("drug_seizure",)), FilterSpec(text="callao"),
             FilterSpec(bbox=(-75.0, -13.4, -72.8, -11.0), date_from=date(2015, 1, 1))]
    fresh = [big._compute_mask(replace(s, bbox=None)) & (big.in_box(s.bbox) if s.bbox else True) for s in specs]
    big.clear_masks()
    for spec, expected in zip(specs, fresh):
        assert big.count(spec) == int(expected.sum())  # computed, kept packed
        kept = big._masks[spec]
        assert kept.bits.dtype == np.uint8 and kept.bits.nbytes == (big.size + 7) // 8
        again = big.mask(spec)  # unpacked from the bits
        assert again.dtype == bool and not again.flags.writeable
        np.testing.assert_array_equal(again, expected)
        assert big.count(spec) == kept.count == int(expected.sum())


def test_smm005_pages_equal_slices_of_the_full_sorted_order(big):
    specs = [FilterSpec(), FilterSpec(event_types=("arrest",)), FilterSpec(text="zz-no-match"),
             FilterSpec(countries=("BOL",), kg_min=100.0)]
    for spec in specs:
        for column, descending in (("event_date", True), ("quantity_kg", False), ("location", True)):
            full = big.row_order(spec, column, descending)
            for offset, limit in ((0, 1), (0, 100), (37, 50), (len(full) - 3, 10), (len(full) + 5, 10), (5, 0)):
                page = big.rows(spec, ("event_id",), order_by=column, descending=descending,
                                offset=offset, limit=limit)["event_id"]
                expected = big.take(full[max(offset, 0):offset + limit], ("event_id",))["event_id"]
                assert list(page) == list(expected), (spec, column, offset, limit)


def test_smm006_no_derived_float64_copies_and_narrow_orders(big):
    frame_floats = [big.frame[c].to_numpy() for c in ("latitude", "longitude", "fatalities", "quantity_kg")]
    for name, value in vars(big).items():
        if isinstance(value, np.ndarray) and value.dtype == np.float64:
            assert any(np.shares_memory(value, f) for f in frame_floats), f"{name} copies a float column"
    assert big._id_order.dtype == np.int32
    assert big._global_order("event_date", True).dtype == np.int32


def test_smm007_whole_table_answers_are_computed_once_per_store(big, bundled, generated):
    assert big.datasets() is big.datasets()
    assert big.source_links() is big.source_links()
    assert big.date_extent(("synthetic",)) is big.date_extent(("synthetic", "synthetic"))
    first, last = big.date_extent(("synthetic",))
    assert (first, last) == (np.datetime64(min(generated["event_date"]), "D"), big.date_end[big.synthetic].max())
    # Another store (new data, new version) answers from its own data, not from the old answers.
    smaller = InMemoryEventStore(pd.concat([with_import_columns(bundled.events), generated.iloc[:10]],
                                           ignore_index=True))
    synthetic_rows = {d.dataset_id: d.events for d in smaller.datasets()}["synthetic"]
    assert synthetic_rows == 10 and {d.dataset_id: d.events for d in big.datasets()}["synthetic"] == 3000


def test_smm008_context_lists_new_datasets_after_an_import(bundled, tmp_path):
    context = build_context(Settings(data_dir=str(tmp_path)), bundled)
    assert context.synthetic_datasets() == set()
    meta = DatasetRepository(tmp_path).save_frame(synthetic_events(50, seed=3), name="scale test",
                                                  file_name="synthetic-50.parquet")
    assert context.synthetic_datasets() == {meta.dataset_id}
    assert context.store.date_extent((meta.dataset_id,)) is not None


def test_smm009_duplicates_compared_within_real_and_within_generated_rows(bundled, generated):
    """Splitting the search by kind of row finds exactly what one search with the kind in the key finds."""
    twins = generated.iloc[:400].copy()
    twins["dataset"] = "synthetic-twin"
    twins["event_id"] = [f"twin:{i}" for i in range(len(twins))]
    real_twins = with_import_columns(bundled.events).iloc[:40].copy()
    real_twins["dataset"] = "copied"
    real_twins["event_id"] = [f"copied:{i}" for i in range(len(real_twins))]
    events = pd.concat([with_import_columns(bundled.events), generated, twins, real_twins], ignore_index=True)
    store = InMemoryEventStore(events)
    everything = find_duplicates(store.latitude, store.longitude, store.date_start, store.date_end,
                                 store.type_code.astype(np.int64) * 2 + store.synthetic,
                                 store._facet_codes["datasets"].codes)
    np.testing.assert_array_equal(store.has_duplicate, everything.flagged)
    assert store.has_duplicate[-40:].all() and store.has_duplicate[-440:-40].all()
    partners = {}
    for row, partner in everything.partners:
        partners.setdefault(int(row), []).append(store.event_id_at(int(partner)))
    expected = [tuple(partners.get(row, ())) for row in range(store.size)]
    assert list(store.frame["duplicate_of"]) == expected


def test_smm010_result_cache_is_bounded_by_bytes():
    cache = LruResultCache()
    assert cache.max_entries > 1000  # bytes decide, not a count of entries
    for i in range(2 * DEFAULT_MAX_BYTES // (1024 * 1024)):
        cache.set(("big", i), np.zeros(1024 * 1024 // 8))
    assert cache.nbytes <= DEFAULT_MAX_BYTES and len(cache) < 2 * DEFAULT_MAX_BYTES // (1024 * 1024)
    for i in range(2000):  # small results are all kept
        cache.set(("small", i), np.zeros(4))
    assert all(cache.get(("small", i)) is not None for i in range(2000))


def test_smm011_a_store_over_categorical_text_answers_like_one_over_strings(generated):
    plain = InMemoryEventStore(generated)
    compact = InMemoryEventStore(synthetic_events(3000, seed=7, categorical=True))
    assert set(compact._codes) >= {"summary", "location", "country"}  # searched and matched as codes
    for spec in (FilterSpec(), FilterSpec(text="callao"), FilterSpec(text="aircraft at"),
                 FilterSpec(countries=("BOL",), drugs=("cocaine",)), FilterSpec(regions=("Ayacucho",))):
        assert compact.totals(spec) == plain.totals(spec), spec
        ours, theirs = compact.breakdown(spec, "country"), plain.breakdown(spec, "country")
        assert ours.labels == theirs.labels and list(ours.counts) == list(theirs.counts)
        page = ("event_id", "location", "summary")
        assert {k: list(v) for k, v in compact.rows(spec, page, limit=20).items()} == \
            {k: list(v) for k, v in plain.rows(spec, page, limit=20).items()}


def test_smm012_ids_held_once_in_one_arrow_array(monkeypatch):
    monkeypatch.setattr(synth, "CHUNK_ROWS", 1000)
    events = synthetic_events(3500, seed=5, categorical=True)  # ids concatenated from four chunks
    store = InMemoryEventStore(events)
    ids = [pa.chunked_array(pa.array(store.frame[c].array)) for c in ("event_id", "source_event_id")]
    assert [a.num_chunks for a in ids] == [1, 1]  # a take over many chunks joins them every time
    data = {a.chunk(0).buffers()[2].address for a in ids} | {store._ids.buffers()[2].address}
    assert len(data) == 1  # the frame's two id columns and the lookup share one copy
    assert store.event("synthetic:0002500")["event_id"] == "synthetic:0002500"
    assert masked_sum(np.array([1.0, np.nan, 2.0, 4.0]), np.array([True, True, False, True])) == 5.0


def test_smm013_codes_of_chunked_arrow_text_equal_pandas_factorize():
    chunked = pa.chunked_array([pa.array(["b", "a", None]), pa.array(["c", "b", "é"]), pa.array([], pa.string())])
    series = pd.Series(pd.array(chunked, dtype="str"))
    codes = Codes.of(series)
    expected_codes, expected_uniques = pd.factorize(series)
    assert list(codes.codes) == list(expected_codes) and list(codes.uniques) == list(expected_uniques)
    assert codes.index == {"b": 0, "a": 1, "c": 2, "é": 3}
    empty = Codes.of(pd.Series(pd.array(pa.chunked_array([], pa.large_string()), dtype="str")))
    assert len(empty.codes) == 0 and len(empty.uniques) == 0


def test_smm014_equal_id_columns_share_one_copy_and_different_ones_stay_apart(generated):
    copied = generated.assign(source_event_id=pd.array(list(generated["event_id"]), dtype="str"))
    store = InMemoryEventStore(copied)
    buffers = [pa.chunked_array(pa.array(store.frame[c].array)).chunk(0).buffers()[2].address
               for c in ("event_id", "source_event_id")]
    assert buffers[0] == buffers[1]
    own = generated.assign(source_event_id=pd.array([f"src-{i}" for i in range(len(generated))], dtype="str"))
    kept = InMemoryEventStore(own)
    assert kept.frame["source_event_id"].iloc[5] == "src-5" and kept.frame["event_id"].iloc[5] == "synthetic:0000006"


def test_smm015_a_search_part_without_the_needle_reads_no_rows():
    part = SearchPart.of_codes(Codes(np.array([0, 1, -1, 1], dtype=np.int8), np.array(["Callao", "Lima"], dtype=object)))
    assert part.contains("cusco") is None
    assert list(part.contains("callao")) == [True, False, False, False]
    other = SearchPart.of_codes(Codes(np.array([0, 0, 0, 0], dtype=np.int8), np.array(["Cusco"], dtype=object)))
    assert list(text_matches([part, other], 4, "cusco", np.ones(4, dtype=bool))) == [True] * 4
    assert list(text_matches([part, other], 4, "lima cusco", np.ones(4, dtype=bool))) == [False, True, False, True]


def test_smm016_histograms_from_type_month_codes_equal_those_counted_row_by_row(big):
    """The (type, month) count answers like the row path, including units decided near their edges."""
    first = big.date_start.min()
    specs = [FilterSpec(), FilterSpec(event_types=("drug_seizure",)), FilterSpec(text="callao"),
             FilterSpec(datasets=("synthetic",)), FilterSpec(event_types=("no_such_type",))]
    for days in (60, 92, 93, 200, 732, 733, 900, 2196, 2197, 2400, 4000):
        start = pd.Timestamp(first + np.timedelta64(400, "D")).date()
        end = pd.Timestamp(first + np.timedelta64(400 + days, "D")).date()
        specs += [FilterSpec(date_from=start, date_to=end), FilterSpec(date_from=start),
                  FilterSpec(date_to=end), FilterSpec(date_from=start, date_to=end, datasets=("synthetic",))]
    compared = 0
    for spec in specs:
        for unit in ("auto", "month", "year"):
            by_row = big._histogram_by_row(spec, unit)
            by_month = big._histogram_by_month(spec, unit) if unit != "auto" or by_row.unit in ("month", "year") \
                else None
            if by_month is None:
                continue
            compared += 1
            assert by_month.unit == by_row.unit, (spec, unit)
            assert list(by_month.bin_starts) == list(by_row.bin_starts), (spec, unit)
            assert np.array_equal(by_month.counts, by_row.counts), (spec, unit)
            assert by_month.counts.dtype == np.int64
    assert compared > 40


def test_smm017_grid_bins_count_each_matching_row_once_with_its_cells_most_common_type(big):
    for spec in (FilterSpec(), FilterSpec(event_types=("armed_clash", "drug_seizure")), FilterSpec(text="lima")):
        mask = big.mask(spec)
        for cell in (0.25, 2.0):
            bins = big.bins(spec, cell)
            x = np.floor(big.longitude[mask] / cell)
            y = np.floor(big.latitude[mask] / cell)
            expected = pd.DataFrame({"x": x, "y": y, "t": big.type_code[mask]})
            per_cell = expected.groupby(["y", "x"]).size()
            assert bins.total == int(mask.sum()) == int(bins.counts.sum())
            assert sorted(bins.counts.tolist()) == sorted(per_cell.tolist())
            got = {(round(la, 6), round(lo, 6)): (int(c), int(t)) for la, lo, c, t in
                   zip(bins.latitude, bins.longitude, bins.counts, bins.type_code)}
            for (cy, cx), group in expected.groupby(["y", "x"]):
                counts = np.bincount(group["t"], minlength=11)
                centre = (round((cy + 0.5) * cell, 6), round((cx + 0.5) * cell, 6))
                assert got[centre] == (len(group), int(counts.argmax())), (spec, cell, centre)


def test_smm018_a_narrow_filter_sorted_alone_equals_the_tables_order(big):
    """Sorting only the matches (code ranks or floats, missing values first when descending) gives
    the order the whole table's sort gives them, ties in row order."""
    from dashboard.data.store.protocol import SORTABLE_COLUMNS

    specs = (FilterSpec(text="lima"), FilterSpec(event_types=("arrest",)), FilterSpec(countries=("BOL",)))
    checked = 0
    for column in sorted(c for c in SORTABLE_COLUMNS if c in big.frame.columns):
        for descending in (True, False):
            everything = big._global_order(column, descending)
            for spec in specs:
                mask = big.mask(spec)
                rows = np.flatnonzero(mask).astype(np.int32)
                alone = rows[np.argsort(big._order_key(column, descending, rows), kind="stable")]
                assert list(alone) == list(everything[mask[everything]]), (column, descending, spec)
                checked += 1
    assert checked > 60
    narrow = FilterSpec(text="lima")
    assert big.count(narrow) <= big.size / 32
    fresh = InMemoryEventStore(big.frame.drop(columns=["duplicate_of"]))
    page = fresh.rows(narrow, ("event_id",), order_by="quantity_kg", limit=20)
    assert ("order", "quantity_kg", True) not in fresh._lazy  # the table's order was never built
    assert list(page["event_id"]) == list(big.rows(narrow, ("event_id",), order_by="quantity_kg", limit=20)["event_id"])


def test_smm019_a_float_columns_order_sorts_the_known_values_only_and_equals_a_full_stable_sort(generated):
    kg = generated["quantity_kg"].to_numpy(dtype=np.float64).copy()
    kg[::7] = np.inf
    kg[3::11] = -np.inf
    kg[5::13] = 42.0  # ties keep row order
    store = InMemoryEventStore(generated.assign(quantity_kg=kg))
    assert np.isnan(kg).any()
    for descending in (True, False):
        key = np.where(np.isnan(kg), -np.inf, -kg) if descending else kg
        expected = np.argsort(key, kind="stable")
        got = store._global_order("quantity_kg", descending)
        assert got.dtype == np.int32 and list(got) == list(expected), descending
