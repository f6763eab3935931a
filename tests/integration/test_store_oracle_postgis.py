"""Random filters: the PostGIS store answers exactly as the in-memory store (the oracle) does.

Hypothesis draws filters over the contract suite's event table: dates, every facet of the registry
(values the data holds, other case, unknown ones), kg bounds, boxes, lassos, text (accents, case,
several words, LIKE's own % and _), dataset choices; both stores answer every question of the
protocol for each, and the answers must be equal (floats to 1e-9).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.data.database import loader
from dashboard.data.facets import BREAKDOWN_FIELDS, FACETS, Match
from dashboard.data.filters import FilterSpec
from dashboard.data.store import SORTABLE_COLUMNS, InMemoryEventStore, PostgisEventStore
from dashboard.data.store.postgis import WORD_CELLS
from tests.integration.database import database_copies, load_events
from tests.unit.test_store_contract import BUNDLED, IMPORTED, contract_events

EVENTS = contract_events(seed=29)
TEXT_PIECES = ("cusco", "CUSCO", "apurimac", "Apurímac", "straße", "strasse", "near", "convoy", "near kimbiri",
               "kimbiri cusco", "sendero", "policía", "seizure", "%", "_", "a_b", "100%", "zz")


def facet_values(facet) -> list[str]:
    if facet.match is Match.ACTOR:
        names = sorted({a for actors in EVENTS["actors"] for a in actors})
        groups = sorted({g for groups in EVENTS["actor_groups"] for g in groups})
        return names + [n.upper() for n in names[:2]] + groups + ["nobody"]
    if facet.match is Match.REGION:
        regions = sorted({r for value in EVENTS["admin1"] for r in value.split(";") if r})
        return regions + [r.lower() for r in regions[:3]] + ["Nowhere"]
    return sorted({str(v) for v in EVENTS[facet.column] if str(v).strip()}) + ["unknown-value"]


@st.composite
def filter_specs(draw) -> FilterSpec:
    fields: dict[str, object] = {}
    if draw(st.booleans()):
        fields["date_from"] = date(2015, 1, 1) + timedelta(days=draw(st.integers(0, 6 * 365)))
    if draw(st.booleans()):
        fields["date_to"] = date(2015, 1, 1) + timedelta(days=draw(st.integers(0, 6 * 365)))
    for facet in FACETS:
        if draw(st.integers(0, 4)) == 0:
            fields[facet.name] = tuple(draw(st.lists(st.sampled_from(facet_values(facet)), min_size=1, max_size=3)))
    if draw(st.integers(0, 3)) == 0:
        fields["kg_min"] = draw(st.sampled_from([0.0, 1.0, 20.0, 150.5]))
    if draw(st.integers(0, 3)) == 0:
        fields["kg_max"] = draw(st.sampled_from([5.0, 20.0, 1000.0]))
    if draw(st.integers(0, 3)) == 0:
        west, south = draw(st.floats(-80, 10)), draw(st.floats(-20, 50))
        fields["bbox"] = (west, south, west + draw(st.floats(0, 60)), south + draw(st.floats(0, 40)))
    if draw(st.integers(0, 4)) == 0:
        centre_x, centre_y = draw(st.sampled_from([(-73.8, -12.6), (-74.0, -12.0), (-63.2, -17.8)]))
        corners = draw(st.lists(st.tuples(st.floats(-2, 2), st.floats(-2, 2)), min_size=3, max_size=7))
        fields["polygon"] = tuple((centre_x + dx, centre_y + dy) for dx, dy in corners)
    if draw(st.integers(0, 3)) == 0:
        fields["text"] = draw(st.sampled_from(TEXT_PIECES))
    return FilterSpec(**fields)


# Place words (migration 0019) at this table's scale, so a search for "cusco", "apurimac" or
# "strasse" is answered from event_word_cells (the generated dataset's few Abancay events too).
PLACE_WORD_EVENTS = 5


@pytest.fixture(scope="module")
def stores():
    with database_copies() as new_database, pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "WORD_MIN_EVENTS", PLACE_WORD_EVENTS)
        pairs = {}
        for default in ((), (BUNDLED,)):
            url = new_database()
            load_events(url, EVENTS)
            pairs[default] = (InMemoryEventStore(EVENTS, default_datasets=default),
                              PostgisEventStore(url, default))
        yield pairs


def same_arrays(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return a.shape == b.shape and np.allclose(a.astype(float), b.astype(float), rtol=1e-9, equal_nan=True)
    return a.shape == b.shape and list(a.tolist()) == list(b.tolist())


def assert_same_result(oracle_answer, answer, what) -> None:
    if hasattr(oracle_answer, "__dataclass_fields__"):
        for name in oracle_answer.__dataclass_fields__:
            assert_same_result(getattr(oracle_answer, name), getattr(answer, name), f"{what}.{name}")
    elif isinstance(oracle_answer, np.ndarray):
        assert same_arrays(oracle_answer, np.asarray(answer)), (what, oracle_answer, answer)
    elif isinstance(oracle_answer, float):
        assert answer == pytest.approx(oracle_answer, rel=1e-9), what
    else:
        assert oracle_answer == answer, what


ORACLE_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                           derandomize=False)


def test_orc000_the_place_words_searched_have_their_groups(stores):
    store = stores[()][1]
    assert store._cells_table(FilterSpec(text="CUSCO")) == WORD_CELLS
    assert store._cells_table(FilterSpec(text="apurimac")) == WORD_CELLS  # made by two, held by all three
    assert stores[(BUNDLED,)][1]._cells_table(FilterSpec(text="Straße")) == WORD_CELLS
    assert store._cells_table(FilterSpec(text="near kimbiri")) is None  # not a word of the places


@ORACLE_SETTINGS
@given(spec=filter_specs(), default=st.sampled_from([(), (BUNDLED,)]))
def test_orc001_random_filters_get_the_oracles_answers(stores, spec, default):
    oracle, store = stores[default]
    total = oracle.count(spec)
    assert store.count(spec) == total, spec
    assert_same_result(oracle.totals(spec), store.totals(spec), "totals")
    for limit in sorted({0, 1, total // 3, total // 2, max(total - 1, 0), total + 1}):  # thinned and not
        assert_same_result(oracle.points(spec, limit), store.points(spec, limit), f"points {limit}")
    for cell in (0.01, 0.2, 1.0, 5.0):
        assert_same_result(oracle.bins(spec, cell), store.bins(spec, cell), f"bins {cell}")
    for unit in ("auto", "day", "week", "month", "year"):
        assert_same_result(oracle.histogram(spec, unit), store.histogram(spec, unit), f"histogram {unit}")
    assert_same_result(oracle.kg_by_year(spec), store.kg_by_year(spec), "kg_by_year")
    for field in BREAKDOWN_FIELDS:
        for top in (3, 100):
            assert_same_result(oracle.breakdown(spec, field, top), store.breakdown(spec, field, top),
                               f"breakdown {field} {top}")


@ORACLE_SETTINGS
@given(spec=filter_specs(), order_by=st.sampled_from(sorted(SORTABLE_COLUMNS)),
       descending=st.booleans(), page=st.integers(0, 6), size=st.sampled_from([1, 7, 25]))
def test_orc002_pages_of_rows_are_the_oracles(stores, spec, order_by, descending, page, size):
    oracle, store = stores[(BUNDLED,)]
    columns = ("event_id", "event_date", "actors", "quantity_kg", "dataset", "synthetic", "duplicate_of")
    # Pages in order, as the table asks for them: the later ones come by keyset.
    for offset in range(0, (page + 1) * size, size):
        expected = oracle.rows(spec, columns, order_by=order_by, descending=descending, offset=offset, limit=size)
        got = store.rows(spec, columns, order_by=order_by, descending=descending, offset=offset, limit=size)
        for column in columns:
            assert_same_result(expected[column], got[column], (order_by, descending, offset, column))
    everything = oracle.rows(spec, ("event_id",), order_by=order_by, descending=descending)
    assert list(store.rows(spec, ("event_id",), order_by=order_by, descending=descending)["event_id"]) == \
        list(everything["event_id"])


@ORACLE_SETTINGS
@given(row=st.integers(0, len(EVENTS) - 1), nudge=st.floats(-0.002, 0.002), spec=filter_specs(),
       kind=st.sampled_from([None, "trace"]))
def test_orc003_nearest_and_lookups_are_the_oracles(stores, row, nudge, spec, kind):
    oracle, store = stores[()]
    event = EVENTS.iloc[row]
    lat, lon = float(event["latitude"]) + nudge, float(event["longitude"]) - nudge
    narrowing = {} if kind is None else {"event_type": event["event_type"], "precise": bool(row % 2)}
    assert store.nearest(spec, lat, lon, **narrowing) == oracle.nearest(spec, lat, lon, **narrowing)
    assert store.event_id_at(row) == oracle.event_id_at(row)
    got, expected = store.event(event["event_id"]), oracle.event(event["event_id"])
    assert {k: got[k] for k in ("event_id", "dataset", "location", "synthetic")} == \
        {k: expected[k] for k in ("event_id", "dataset", "location", "synthetic")}
    assert tuple(got["duplicate_of"]) == tuple(expected["duplicate_of"])


def test_orc004_whole_table_answers_are_the_oracles(stores):
    for oracle, store in stores.values():
        assert store.datasets() == oracle.datasets()
        assert store.source_links() == oracle.source_links()
        for scope in (None, (), (IMPORTED,), (BUNDLED, IMPORTED), ("no-such",)):
            assert store.date_extent(scope) == oracle.date_extent(scope)
        for facet in FACETS:
            for scope in ((), (IMPORTED,), ("no-such",)):
                assert store.facet_options(facet.name, scope) == oracle.facet_options(facet.name, scope)
