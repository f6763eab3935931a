"""EventStore answers equal a plain pandas reference on random filters."""

from __future__ import annotations

import unicodedata
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.data.cache import LruResultCache
from dashboard.data.filters import FilterSpec
from dashboard.data.store import (
    CELL_SIZES,
    EVENT_TYPES,
    InMemoryEventStore,
    cell_size_for_zoom,
    choose_time_unit,
    points_in_polygon,
)


def reference_mask(events: pd.DataFrame, spec: FilterSpec) -> pd.Series:
    """The same filter written the obvious (slow) way, row by row."""

    def period_end(row) -> pd.Timestamp:
        start = pd.Timestamp(row.event_date)
        if row.date_precision == "month":
            return start + pd.offsets.MonthEnd(0)
        if row.date_precision == "year":
            return start + pd.offsets.YearEnd(0)
        return start

    def fold(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", text.casefold())
                       if not unicodedata.combining(c))

    keep = []
    for row in events.itertuples():
        ok = True
        if spec.date_from is not None:
            ok &= period_end(row) >= pd.Timestamp(spec.date_from)
        if spec.date_to is not None:
            ok &= pd.Timestamp(row.event_date) <= pd.Timestamp(spec.date_to)
        if spec.event_types:
            ok &= row.event_type in spec.event_types
        if spec.countries:
            ok &= row.country in spec.countries
        if spec.routes:
            ok &= row.route_id in spec.routes
        if spec.drugs:
            ok &= row.drug in spec.drugs
        if spec.regions:
            ok &= any(r.strip().casefold() in {x.casefold() for x in spec.regions}
                      for r in row.admin1.split(";"))
        if spec.actors:
            wanted = {a.casefold() for a in spec.actors}
            ok &= bool(wanted & ({a.casefold() for a in row.actors} | set(row.actor_groups)))
        if spec.kg_min is not None:
            ok &= row.quantity_kg == row.quantity_kg and row.quantity_kg >= spec.kg_min
        if spec.kg_max is not None:
            ok &= row.quantity_kg == row.quantity_kg and row.quantity_kg <= spec.kg_max
        if spec.bbox is not None:
            w, s, e, n = spec.bbox
            ok &= w <= row.longitude <= e and s <= row.latitude <= n
        if spec.text:
            haystack = fold(" ".join([row.location, row.admin1, row.admin2, row.summary, " ".join(row.actors)]))
            ok &= fold(spec.text) in haystack
        keep.append(bool(ok))
    return pd.Series(keep, index=events.index)


@st.composite
def random_specs(draw, events: pd.DataFrame):
    def some(column: str) -> tuple[str, ...]:
        values = sorted({v for v in events[column] if v})
        return tuple(draw(st.lists(st.sampled_from(values), max_size=2))) if draw(st.booleans()) else ()

    d1, d2 = sorted([draw(st.dates(date(2000, 1, 1), date(2026, 1, 1))) for _ in range(2)])
    actors = sorted({g for groups in events["actor_groups"] for g in groups}
                    | {a for actors in events["actors"] for a in actors})
    regions = sorted({r for value in events["admin1"] for r in value.split(";") if r})
    return FilterSpec(
        date_from=d1 if draw(st.booleans()) else None, date_to=d2 if draw(st.booleans()) else None,
        event_types=some("event_type"), countries=some("country"), routes=some("route_id"),
        drugs=some("drug"),
        regions=tuple(draw(st.lists(st.sampled_from(regions), max_size=2))) if draw(st.booleans()) else (),
        actors=tuple(draw(st.lists(st.sampled_from(actors), max_size=2))) if draw(st.booleans()) else (),
        kg_min=draw(st.none() | st.floats(0, 2000)), kg_max=draw(st.none() | st.floats(0, 20000)),
        bbox=draw(st.none() | st.just((-75.5, -13.5, -73.0, -11.0)) | st.just((-80.0, -20.0, -60.0, 0.0))),
        text=draw(st.sampled_from(["", "callao", "APURIMAC", "sendero", "convoy", "junín", "zz-no-match"])),
    )


@pytest.fixture(scope="module")
def events(bundled):
    return bundled.events


def test_sto001_counts_equal_reference_on_random_filters(events, store):
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(random_specs(events))
    def check(spec):
        expected = reference_mask(events, spec)
        assert store.count(spec) == int(expected.sum())
        totals = store.totals(spec)
        assert totals.fatalities == int(events.loc[expected, "fatalities"].sum())
        assert totals.kg_seized == pytest.approx(events.loc[expected, "quantity_kg"].sum())
        assert set(store.rows(spec, ("event_id",), limit=None)["event_id"]) == set(events.loc[expected, "event_id"])

    check()


def test_sto002_histogram_and_bins_sum_to_count(store):
    for spec in (FilterSpec(), FilterSpec(event_types=("drug_seizure",)),
                 FilterSpec(date_from=date(2015, 1, 1), date_to=date(2017, 12, 31))):
        histogram = store.histogram(spec)
        assert histogram.counts.sum() == store.count(spec)
        assert store.bins(spec, 0.5).counts.sum() == store.count(spec)
        breakdown = store.breakdown(spec, "event_type")
        assert breakdown.counts.sum() == store.count(spec)


def test_sto003_time_unit_follows_range(store):
    assert store.histogram(FilterSpec()).unit == "year"  # 2001–2025
    spec = FilterSpec(date_from=date(2016, 1, 1), date_to=date(2018, 12, 31))
    histogram = store.histogram(spec)
    assert histogram.unit == "month"
    march_2017 = list(histogram.bin_starts.astype(str)).index("2017-03-01")
    seizure = EVENT_TYPES.index("drug_seizure")
    assert histogram.counts[seizure, march_2017] >= 1  # the 1,417 kg Callao seizure


def test_sto004_month_precision_event_kept_at_range_edge(store):
    """The March 2017 Callao seizure is dated 2017-03-01 (month): a range from the 15th keeps it."""
    spec = FilterSpec(date_from=date(2017, 3, 15), date_to=date(2017, 3, 31), text="Messi")
    assert store.count(spec) == 1


def test_sto005_points_limit_keeps_largest(events, store):
    points = store.points(FilterSpec(), limit=10)
    assert points.total == store.size and points.truncated and len(points.row) == 10
    all_kg = np.sort(np.nan_to_num(events["quantity_kg"].to_numpy()))[::-1]
    assert np.nan_to_num(points.quantity_kg).max() == pytest.approx(all_kg[0])
    assert points.latitude.dtype == np.float32 and points.type_code.dtype == np.int8


def test_sto006_rows_sorted_and_paged(store):
    page = store.rows(FilterSpec(), ("event_id", "quantity_kg"), order_by="quantity_kg",
                      descending=False, offset=0, limit=5)
    values = page["quantity_kg"]
    assert list(values) == sorted(values)
    with pytest.raises(ValueError):
        store.rows(FilterSpec(), ("event_id",), order_by="summary; DROP TABLE")


def test_sto007_polygon_selection():
    square = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))
    x = np.array([5.0, 15.0, -1.0, 9.9])
    y = np.array([5.0, 5.0, 5.0, 9.9])
    assert list(points_in_polygon(x, y, square)) == [True, False, False, True]


def test_sto008_event_lookup(store):
    event = store.event("rutas:0001")
    assert event["source_url"].startswith("http")
    assert store.event("nope") is None
    assert store.event_id_at(0) == "rutas:0001" and store.event_id_at(10_000) is None


def test_sto009_empty_store_answers_zero():
    empty = InMemoryEventStore(pd.DataFrame(columns=[
        "event_id", "event_date", "date_precision", "event_type", "actors", "actor_groups", "country",
        "admin1", "admin2", "location", "latitude", "longitude", "geo_precision", "fatalities", "drug",
        "quantity_kg", "origin", "destination", "route_id", "summary", "source_name", "source_url",
        "dataset", "synthetic"]))
    assert empty.count(FilterSpec()) == 0
    assert empty.histogram(FilterSpec()).counts.sum() == 0
    assert empty.date_extent() is None


# ---- scale work: histogram units, grid bins, paging, caching --------------------------------
def test_sto010_histogram_unit_follows_span(store):
    cases = {(date(2017, 3, 1), date(2017, 5, 31)): "day",  # 91 days
             (date(2017, 1, 1), date(2018, 6, 30)): "week",
             (date(2014, 1, 1), date(2018, 12, 31)): "month",
             (date(2001, 1, 1), date(2018, 12, 31)): "year"}
    for (first, last), unit in cases.items():
        spec = FilterSpec(date_from=first, date_to=last)
        histogram = store.histogram(spec)
        assert histogram.unit == unit, (first, last)
        assert histogram.counts.sum() == store.count(spec)
        assert histogram.bin_starts.dtype == np.dtype("datetime64[D]")
    assert choose_time_unit(np.array([], dtype="datetime64[D]"), FilterSpec()) == "month"
    weeks = store.histogram(FilterSpec(date_from=date(2017, 1, 1), date_to=date(2018, 6, 30)))
    assert all(d.weekday() == 0 for d in weeks.bin_starts.astype(object))  # ISO weeks: Mondays
    with pytest.raises(ValueError):
        store.histogram(FilterSpec(), unit="fortnight")


def test_sto011_forced_units_bin_each_event_once(events, store):
    spec = FilterSpec()
    starts = pd.to_datetime(events["event_date"]).to_numpy().astype("datetime64[D]")
    for unit, step in (("day", "D"), ("month", "M"), ("year", "Y")):
        histogram = store.histogram(spec, unit=unit)
        assert histogram.unit == unit and histogram.counts.sum() == store.size
        expected = pd.Series(starts.astype(f"datetime64[{step}]").astype("datetime64[D]")).value_counts()
        got = dict(zip(histogram.bin_starts, histogram.counts.sum(axis=0)))
        assert all(got[np.datetime64(day, "D")] == count for day, count in expected.items())
    weeks = store.histogram(spec, unit="week")
    monday = starts - ((starts.astype("datetime64[D]").view("int64") + 3) % 7).astype("timedelta64[D]")
    expected = pd.Series(monday).value_counts()
    got = dict(zip(weeks.bin_starts, weeks.counts.sum(axis=0)))
    assert all(got[np.datetime64(day, "D")] == count for day, count in expected.items())


def test_sto012_bins_sum_to_filtered_count_with_commonest_type(events, store):
    for spec in (FilterSpec(), FilterSpec(event_types=("drug_seizure", "arrest")),
                 FilterSpec(bbox=(-80.0, -20.0, -60.0, 0.0)), FilterSpec(text="zz-no-match")):
        for cell in (0.05, 0.5, 2.0):
            bins = store.bins(spec, cell)
            assert int(bins.counts.sum()) == bins.total == store.count(spec)
            assert bins.type_code.dtype == np.int8 and len(bins.type_code) == len(bins.counts)
            assert (bins.counts > 0).all()
    bins = store.bins(FilterSpec(), 1.0)
    lat, lon = events["latitude"].to_numpy(), events["longitude"].to_numpy()
    type_code = np.array([EVENT_TYPES.index(t) for t in events["event_type"]])
    for i in range(len(bins.counts)):
        inside = (np.floor(lat) + 0.5 == bins.latitude[i]) & (np.floor(lon) + 0.5 == bins.longitude[i])
        assert inside.sum() == bins.counts[i]
        types = np.bincount(type_code[inside], minlength=len(EVENT_TYPES))
        assert types[bins.type_code[i]] == types.max()


def test_sto013_cell_size_for_zoom_is_monotone_and_about_30_px():
    zooms = np.linspace(-1, 20, 200)
    sizes = [cell_size_for_zoom(z) for z in zooms]
    assert all(a >= b for a, b in zip(sizes, sizes[1:]))
    assert set(sizes) <= set(CELL_SIZES) and sizes[0] == 10.0 and sizes[-1] == 0.01
    for zoom in np.linspace(2, 11, 50):  # beyond, the smallest size (0.01°) is wider than 40 px
        px = cell_size_for_zoom(zoom) * 512 * 2 ** zoom / 360
        assert 16 <= px <= 48, (zoom, px)


def _reference_order(events: pd.DataFrame, column: str, descending: bool) -> np.ndarray:
    """Stable pandas sort, ties by row, missing values as the largest (first when descending)."""
    key = events[column]
    if key.dtype == object:
        key = key.map(lambda v: "; ".join(v) if isinstance(v, tuple) else str(v))
    frame = pd.DataFrame({"key": key.to_numpy(), "row": np.arange(len(events))})
    ordered = frame.sort_values(["key"], ascending=not descending, kind="stable",
                                na_position="first" if descending else "last")
    return ordered["row"].to_numpy()


def test_sto014_pages_equal_a_reference_sort(events, store):
    rng = np.random.default_rng(5)
    specs = (FilterSpec(), FilterSpec(event_types=("drug_seizure", "armed_clash")),
             FilterSpec(date_from=date(2010, 1, 1)), FilterSpec(text="callao"))
    columns = ("event_date", "quantity_kg", "fatalities", "location", "event_type", "actors", "country",
               "event_id", "summary", "latitude", "synthetic", "admin1")
    for _ in range(60):
        spec = specs[rng.integers(len(specs))]
        column = columns[rng.integers(len(columns))]
        descending = bool(rng.integers(2))
        selected = events.loc[reference_mask(events, spec)]
        expected = selected.index.to_numpy()[_reference_order(selected, column, descending)]
        offset = int(rng.integers(0, max(1, len(selected))))
        limit = int(rng.integers(1, 30))
        page = store.rows(spec, ("event_id",), order_by=column, descending=descending,
                          offset=offset, limit=limit)
        want = events["event_id"].to_numpy()[expected[offset:offset + limit]]
        assert list(page["event_id"]) == list(want), (spec, column, descending, offset)


def test_sto015_tuple_columns_come_back_as_tuples(store):
    page = store.rows(FilterSpec(), ("actors", "actor_groups", "duplicate_of", "event_date"), limit=5)
    assert all(isinstance(v, tuple) for column in ("actors", "actor_groups", "duplicate_of") for v in page[column])
    assert isinstance(store.take(np.array([0]), ("actors",))["actors"][0], tuple)
    assert isinstance(store.event("rutas:0001")["actors"], tuple)
    assert hasattr(page["event_date"][0], "isoformat")


class SpyCache:
    """A ResultCache that counts what it is asked."""

    def __init__(self) -> None:
        self.inner = LruResultCache(64)
        self.gets = self.hits = self.sets = 0

    def get(self, key):
        self.gets += 1
        found = self.inner.get(key)
        self.hits += found is not None
        return found

    def set(self, key, value):
        self.sets += 1
        self.inner.set(key, value)


def test_sto016_results_are_cached_per_version(events):
    spy = SpyCache()
    first = InMemoryEventStore(events, cache=spy, version="v1")
    spec = FilterSpec(event_types=("drug_seizure",))
    queries = (lambda s: s.totals(spec), lambda s: s.histogram(spec), lambda s: s.breakdown(spec, "country"),
               lambda s: s.bins(spec, 0.5), lambda s: s.points(spec, 100),
               lambda s: s.rows(spec, ("event_id",), limit=10))
    answers = [q(first) for q in queries]
    stored = len(queries) + 1  # and the (type, month) counts the histogram came from, shared with breakdowns
    assert spy.hits == 0 and spy.sets == stored
    again = [q(first) for q in queries]
    assert spy.hits == len(queries) and spy.sets == stored
    assert again[0] is answers[0] and again[1] is answers[1]
    assert list(again[-1]["event_id"]) == list(answers[-1]["event_id"])
    other = InMemoryEventStore(events, cache=spy, version="v2")
    for q in queries:
        q(other)
    assert spy.hits == len(queries) and spy.sets == 2 * stored  # another version misses
    with pytest.raises(ValueError):
        answers[1].counts[0, 0] = 1  # shared results are read-only


def test_sto017_totals_count_sources_and_synthetic(events, store):
    totals = store.totals(FilterSpec())
    keys = np.where(events["source_url"] != "", events["source_url"], events["source_name"])
    assert totals.sources == len(set(keys) - {""})
    assert totals.synthetic == int(events["synthetic"].sum())
