"""The store over ~50k synthetic events agrees with plain pandas (counts, totals, bins, pages)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.data.filters import FilterSpec
from dashboard.data.store import InMemoryEventStore
from dashboard.data.synth import synthetic_events
from dashboard.data.text import fold_text

N = 50_000


@pytest.fixture(scope="module")
def events():
    return synthetic_events(N, seed=3)


@pytest.fixture(scope="module")
def big(events):
    return InMemoryEventStore(events)


_HAYSTACKS: dict[int, list[str]] = {}


def _haystack(events: pd.DataFrame) -> list[str]:
    """The search text written the obvious way: parts joined by spaces, then folded."""
    if id(events) not in _HAYSTACKS:
        _HAYSTACKS[id(events)] = [fold_text(" ".join([a, b, c, d, " ".join(actors)])) for a, b, c, d, actors in zip(
            events["location"], events["admin1"], events["admin2"], events["summary"], events["actors"])]
    return _HAYSTACKS[id(events)]


def _expected(events: pd.DataFrame, spec: FilterSpec) -> np.ndarray:
    """Vectorised pandas reference for the filters exercised here."""
    keep = np.ones(len(events), dtype=bool)
    start = pd.to_datetime(events["event_date"])
    if spec.date_from is not None:
        end = start.copy()
        month = events["date_precision"] == "month"
        year = events["date_precision"] == "year"
        end[month] = start[month] + pd.offsets.MonthEnd(0)
        end[year] = start[year] + pd.offsets.YearEnd(0)
        keep &= (end >= pd.Timestamp(spec.date_from)).to_numpy()
    if spec.date_to is not None:
        keep &= (start <= pd.Timestamp(spec.date_to)).to_numpy()
    if spec.event_types:
        keep &= events["event_type"].isin(spec.event_types).to_numpy()
    if spec.bbox is not None:
        w, s, e, n = spec.bbox
        keep &= events["longitude"].between(w, e).to_numpy() & events["latitude"].between(s, n).to_numpy()
    if spec.text:
        haystack = _haystack(events)
        needle = fold_text(spec.text)
        keep &= np.array([needle in h for h in haystack])
    if spec.actors:
        wanted = {a.casefold() for a in spec.actors}
        keep &= np.array([bool(wanted & ({a.casefold() for a in actors} | set(groups)))
                          for actors, groups in zip(events["actors"], events["actor_groups"])])
    return keep


SPECS = (FilterSpec(), FilterSpec(event_types=("drug_seizure",)),
         FilterSpec(date_from=date(2018, 1, 1), date_to=date(2019, 6, 30)),
         FilterSpec(bbox=(-75.0, -13.4, -72.8, -11.0)), FilterSpec(text="Kimbiri"),
         FilterSpec(text="clash at kimbi"), FilterSpec(text="SYNTHETIC —"),
         FilterSpec(actors=("shining_path",), event_types=("armed_clash",)))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: str(s.to_store()))
def test_scl001_counts_totals_and_aggregates_match_pandas(events, big, spec):
    keep = _expected(events, spec)
    assert big.count(spec) == int(keep.sum())
    totals = big.totals(spec)
    assert totals.fatalities == int(events.loc[keep, "fatalities"].sum())
    assert totals.kg_seized == pytest.approx(events.loc[keep, "quantity_kg"].sum())
    assert totals.synthetic == int(keep.sum())
    assert big.histogram(spec).counts.sum() == keep.sum()
    bins = big.bins(spec, 0.1)
    assert bins.counts.sum() == bins.total == keep.sum()
    breakdown = big.breakdown(spec, "event_type", top=20)
    assert dict(zip(breakdown.labels, breakdown.counts)) == events.loc[keep, "event_type"].value_counts().to_dict()


def test_scl002_pages_match_pandas_sort(events, big):
    rng = np.random.default_rng(1)
    for column in ("event_date", "quantity_kg", "location", "actors", "event_id"):
        for descending in (False, True):
            spec = SPECS[rng.integers(len(SPECS))]
            keep = _expected(events, spec)
            selected = events.loc[keep, list(dict.fromkeys([column, "event_id"]))].copy()
            if column == "actors":
                selected[column] = selected[column].map("; ".join)
            if column == "event_date":
                selected[column] = pd.to_datetime(selected[column])
            ordered = selected.sort_values(column, ascending=not descending, kind="stable",
                                           na_position="first" if descending else "last")
            offset = int(rng.integers(0, max(1, len(ordered) - 50)))
            page = big.rows(spec, ("event_id",), order_by=column, descending=descending, offset=offset, limit=50)
            assert list(page["event_id"]) == list(ordered["event_id"].iloc[offset:offset + 50]), (column, descending)


def test_scl003_points_thin_to_the_heaviest(big):
    points = big.points(FilterSpec(), limit=1_000)
    assert len(points.row) == 1_000 and points.total == N
    weight = np.nan_to_num(big.quantity_kg) + 1000 * np.nan_to_num(big.fatalities)
    expected = np.sort(np.argsort(-weight, kind="stable")[:1_000])
    assert np.array_equal(points.row, expected)


def test_scl004_event_lookup_and_compact_frame(events, big):
    for row in (0, 1234, N - 1):
        event_id = events["event_id"].iloc[row]
        assert big.event(event_id)["event_id"] == event_id and big.event_id_at(row) == event_id
        assert big.event(event_id)["actors"] == events["actors"].iloc[row]
    assert big.event("synthetic:nope") is None
    assert isinstance(big.frame["country"].dtype, pd.CategoricalDtype)
    assert (big.frame["dataset"] == "synthetic").sum() == N
