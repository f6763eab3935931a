"""Duplicate detection across datasets: exact against brute force, bounded where events pile up."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from dashboard.data.datasets import with_import_columns
from dashboard.data.duplicates import (
    DEFAULT_MAX_KM,
    MAX_CANDIDATES_PER_ROW,
    MAX_PARTNERS_PER_ROW,
    duplicate_pairs,
    find_duplicates,
)
from dashboard.data.store import InMemoryEventStore

DAY = np.timedelta64(1, "D")


def brute_force_pairs(lat, lon, start, end, kind, dataset, max_km=DEFAULT_MAX_KM) -> set[tuple[int, int]]:
    """Every pair (i < j): other dataset, same kind, overlapping periods, ≤ max_km by haversine."""
    i, j = np.triu_indices(len(lat), k=1)
    phi1, phi2 = np.radians(lat[i]), np.radians(lat[j])
    h = (np.sin((phi2 - phi1) / 2) ** 2
         + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon[j] - lon[i]) / 2) ** 2)
    km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    keep = (dataset[i] != dataset[j]) & (kind[i] == kind[j]) & (start[i] <= end[j]) & (start[j] <= end[i])
    keep &= km <= max_km
    return set(zip(i[keep].tolist(), j[keep].tolist()))


def flags_of(pairs: set[tuple[int, int]], n: int) -> np.ndarray:
    flagged = np.zeros(n, dtype=bool)
    for i, j in pairs:
        flagged[i] = flagged[j] = True
    return flagged


def random_events(seed: int, n: int, centres: int = 3) -> tuple[np.ndarray, ...]:
    """Events clustered around a few places (equator to near the pole), so some lie ~max_km apart."""
    rng = np.random.default_rng(seed)
    centre_lat = rng.choice([0.0, -12.5, 45.0, 70.0, 84.0, -60.0], size=centres)
    centre_lon = rng.uniform(-170, 170, size=centres)
    at = rng.integers(0, centres, n)
    spread = rng.choice([0.01, 0.03, 0.06], size=n)  # degrees of latitude: 1, 3 and 7 km
    lat = np.clip(centre_lat[at] + rng.normal(0, spread), -89.9, 89.9)
    lon = centre_lon[at] + rng.normal(0, spread) / np.cos(np.radians(lat))
    start = np.datetime64("2020-01-01") + rng.integers(0, 40, n) * DAY
    precision = rng.choice(["day", "month", "year", "range"], size=n, p=[0.6, 0.2, 0.1, 0.1])
    end = start.copy()
    month = precision == "month"
    end[month] = (start[month].astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    year = precision == "year"
    end[year] = (start[year].astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1
    ranged = precision == "range"
    end[ranged] = start[ranged] + rng.integers(1, 12, int(ranged.sum())) * DAY
    kind = rng.integers(0, 2, n)
    dataset = rng.integers(0, 3, n)
    return lat, lon, start, end, kind, dataset


@pytest.mark.parametrize("seed", range(40))
def test_dup003_same_flags_and_pairs_as_brute_force_below_the_cap(seed):
    # Fewer rows than the cap: no row can have more candidates than it examines.
    n = int(np.random.default_rng(1000 + seed).integers(2, MAX_CANDIDATES_PER_ROW + 1))
    events = random_events(seed, n)
    truth = brute_force_pairs(*events)
    found = find_duplicates(*events)
    assert found.flagged.tolist() == flags_of(truth, n).tolist()
    listed = {(min(a, b), max(a, b)) for a, b in found.partners.tolist()}
    assert listed <= truth
    assert set(found.partners[:, 0].tolist()) == set(np.flatnonzero(found.flagged).tolist())
    partners_per_row = np.bincount(np.array([p for pair in truth for p in pair], dtype=np.int64), minlength=n)
    if partners_per_row.max(initial=0) <= MAX_PARTNERS_PER_ROW:  # each row lists every twin of its own
        assert {tuple(p) for p in found.partners.tolist()} == truth | {(j, i) for i, j in truth}
        assert {tuple(p) for p in duplicate_pairs(*events).tolist()} == truth


@pytest.mark.parametrize("seed", range(10))
def test_dup004_capped_search_never_invents_a_duplicate(seed):
    n = 600
    events = random_events(seed, n, centres=1)
    truth = brute_force_pairs(*events)
    found = find_duplicates(*events, max_candidates=5, max_partners=2)
    listed = {(min(a, b), max(a, b)) for a, b in found.partners.tolist()}
    assert listed <= truth
    assert not (found.flagged & ~flags_of(truth, n)).any()
    assert set(found.partners[:, 0].tolist()) == set(np.flatnonzero(found.flagged).tolist())
    assert np.bincount(found.partners[:, 0]).max() <= 2


def capped_twins(decoys: int) -> tuple[np.ndarray, ...]:
    """Row 0 (dataset 0, March) and row 1 (dataset 1, 20 March) are twins ~160 m apart.

    Each has ``decoys`` candidates examined before the other: same cell, same type, overlapping
    days, other dataset, but ~6.7 km away in the cell's far corner.
    """
    near, far = (0.001, 0.002), 0.044
    lat = np.array([near[0], near[1], *[far] * (2 * decoys)])
    lon = lat.copy()
    march, twentieth = np.datetime64("2020-03-01"), np.datetime64("2020-03-20")
    start = np.array([march, twentieth, *[march] * decoys, *[twentieth] * decoys], dtype="datetime64[D]")
    end = start.copy()
    end[0] = np.datetime64("2020-03-31")
    kind = np.zeros(len(lat), dtype=np.int64)
    dataset = np.array([0, 1, *[1] * decoys, *[0] * decoys])
    return lat, lon, start, end, kind, dataset


def test_dup005_twins_found_when_each_has_exactly_the_cap_of_candidates():
    events = capped_twins(MAX_CANDIDATES_PER_ROW - 1)  # the twin is the cap-th candidate
    assert brute_force_pairs(*events) == {(0, 1)}
    found = find_duplicates(*events)
    assert found.flagged.tolist() == [True, True] + [False] * (len(found.flagged) - 2)
    assert found.partners.tolist() == [[0, 1], [1, 0]]


def test_dup006_twins_beyond_each_others_cap_are_missed_as_documented():
    events = capped_twins(MAX_CANDIDATES_PER_ROW)  # the twin is candidate cap + 1, on both sides
    assert brute_force_pairs(*events) == {(0, 1)}
    found = find_duplicates(*events)
    assert not found.flagged.any() and not len(found.partners)
    # One more examined candidate on either side finds them.
    assert find_duplicates(*events, max_candidates=MAX_CANDIDATES_PER_ROW + 1).flagged[:2].all()


def test_dup007_twins_up_to_max_km_apart_east_west_at_high_latitude():
    # 4.9 km east-west at 70° N is 0.13° of longitude: three cells of max_km / 111 degrees.
    lat = np.array([70.0, 70.0, 70.0])
    lon = np.array([20.0, 20.0 + 4.9 / (111.195 * np.cos(np.radians(70.0))),
                    20.0 + 5.1 / (111.195 * np.cos(np.radians(70.0)))])
    day = np.array(["2020-01-01"] * 3, dtype="datetime64[D]")
    events = (lat, lon, day, day, np.zeros(3), np.array([0, 1, 1]))
    assert brute_force_pairs(*events) == {(0, 1)}
    assert duplicate_pairs(*events).tolist() == [[0, 1]]


def test_dup008_missing_place_or_date_is_never_a_duplicate():
    lat = np.array([-12.5, -12.5, np.nan, -12.5])
    lon = np.array([-73.8, -73.8, -73.8, -73.8])
    start = np.array(["2020-01-01", "2020-01-01", "2020-01-01", "NaT"], dtype="datetime64[D]")
    found = find_duplicates(lat, lon, start, start, np.zeros(4), np.array([0, 1, 1, 1]))
    assert found.flagged.tolist() == [True, True, False, False]
    assert find_duplicates(lat[:1], lon[:1], start[:1], start[:1], np.zeros(1), np.zeros(1)).partners.shape == (0, 2)


def test_dup009_twenty_thousand_events_at_one_point_stay_within_a_memory_budget():
    # Before: one merge of 10,000 × 10,000 rows (10^8 pairs, several GB) for every store rebuild.
    n = 10_000
    lat, lon = np.full(2 * n, -12.5), np.full(2 * n, -73.8)
    day = np.full(2 * n, np.datetime64("2020-01-01"), dtype="datetime64[D]")
    dataset = np.repeat([0, 1], n)
    tracemalloc.start()
    try:
        found = find_duplicates(lat, lon, day, day, np.zeros(2 * n, dtype=np.int8), dataset)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 1024 * 1024
    assert found.flagged.all()
    assert np.bincount(found.partners[:, 0]).max() == MAX_PARTNERS_PER_ROW
    assert (dataset[found.partners[:, 0]] != dataset[found.partners[:, 1]]).all()


def test_dup010_one_point_over_many_days_is_exact_while_each_day_is_under_the_cap():
    rng = np.random.default_rng(7)
    n = 10_000
    day = np.datetime64("2020-01-01") + rng.integers(0, 730, 2 * n) * DAY
    dataset = np.repeat([0, 1], n)
    per_day = [np.bincount((day[dataset == d] - day.min()).astype(np.int64), minlength=730) for d in (0, 1)]
    assert max(p.max() for p in per_day) < MAX_CANDIDATES_PER_ROW  # the cap is never reached
    found = find_duplicates(np.full(2 * n, -12.5), np.full(2 * n, -73.8), day, day, np.zeros(2 * n), dataset)
    offset = (day - day.min()).astype(np.int64)
    expected = np.where(dataset == 0, per_day[1][offset] > 0, per_day[0][offset] > 0)
    assert found.flagged.tolist() == expected.tolist()


def test_dup011_store_counts_every_twin_and_lists_a_few(bundled):
    events = with_import_columns(bundled.events)
    copies = events.iloc[[0] * 30].copy()
    copies["event_id"] = [f"copy:{k}" for k in range(30)]
    copies["dataset"] = "copy"
    store = InMemoryEventStore(pd.concat([events, copies], ignore_index=True))
    assert store.duplicates_in("copy") == 30
    listed = store.event(events.iloc[0]["event_id"])["duplicate_of"]
    assert len(listed) == MAX_PARTNERS_PER_ROW and all(i.startswith("copy:") for i in listed)
    assert store.event("copy:29")["duplicate_of"][0] == events.iloc[0]["event_id"]
