"""The PostGIS store's kg bands (migration 0012): which bands kg bounds keep whole and which they
cut, checked against the bands themselves (pure; no database)."""

from __future__ import annotations

import math
from bisect import bisect_right

import pytest

from dashboard.data.store.postgis import KG_BANDS, kg_bands_kept

SAMPLES = sorted({-5.0, *KG_BANDS, *(edge + 0.5 for edge in KG_BANDS), *(edge - 0.25 for edge in KG_BANDS), 1e9})
BOUNDS = [None, -1.0, 0.0, 0.5, 1.0, 10.0, 42.0, 100.0, 150.0, 500.0, 50_000.0, 75_000.0]


def kept(value: float, kg_min: float | None, kg_max: float | None) -> bool:
    return (kg_min is None or value >= kg_min) and (kg_max is None or value <= kg_max)


@pytest.mark.parametrize("kg_min", BOUNDS)
@pytest.mark.parametrize("kg_max", BOUNDS)
def test_kgb001_whole_bands_keep_every_value_and_cut_bands_hold_the_rest(kg_min, kg_max):
    first, last, cut = kg_bands_kept(kg_min, kg_max)
    for value in SAMPLES:
        band = bisect_right(KG_BANDS, value)  # what PostgreSQL's width_bucket writes
        whole = first <= band <= last
        in_cut = any((low is None or value >= low) and (high is None or value < high) for low, high in cut)
        if whole:  # a whole band's every value passes the bounds
            assert kept(value, kg_min, kg_max), (value, band)
        if kept(value, kg_min, kg_max):  # a kept value is in a whole band or in a cut one, never both
            assert whole != in_cut, (value, band, first, last, cut)


def test_kgb002_bounds_on_edges_cut_nothing_below_and_the_top_band_is_open():
    assert kg_bands_kept(100.0, None) == (KG_BANDS.index(100.0) + 1, len(KG_BANDS), [])
    first, last, cut = kg_bands_kept(None, 10.0)
    assert (first, cut) == (0, [(10.0, 50.0)])  # exactly 10 kg is kept; the rest of its band is read
    assert kg_bands_kept(None, None) == (0, len(KG_BANDS), [])
    assert kg_bands_kept(75_000.0, None)[2] == [(KG_BANDS[-1], None)]
    assert kg_bands_kept(-3.0, None)[2] == [(None, 0.0)]
    assert not math.isnan(kg_bands_kept(120.0, 130.0)[2][0][0])
