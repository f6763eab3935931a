"""The PostGIS store's cells inside a box: exactly those whose every event (``floor(degrees /
cell)``, a rounded division) lies in the box, checked float by float around the edges (pure)."""

from __future__ import annotations

import math
import random

import pytest

from dashboard.data.store.postgis import (
    BOX_PARTS,
    MAX_STRIP_BANDS,
    STRIP_BAND,
    STRIP_BAND_EXPRESSION,
    _box_parts,
    _cell_start,
    _inner_cells,
    _inner_span,
    coarse_of_fine,
    cut_sliver,
    finer_grid_size,
    strip_bands,
)

CELLS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
EDGES = (-12.2, -77.3, -76.9, -11.8, -12.0, 0.0, 0.3, -0.3, 179.9, -180.0, 33.35, -60.1)


def around(value: float, steps: int = 6) -> list[float]:
    """``value`` and the floats a few ulps either side of it."""
    below, above, out = value, value, [value]
    for _ in range(steps):
        below, above = math.nextafter(below, -math.inf), math.nextafter(above, math.inf)
        out += [below, above]
    return out


@pytest.mark.parametrize("cell", CELLS)
def test_pic001_a_cell_starts_at_its_least_float(cell):
    for index in (-1801, -61, -60, -1, 0, 1, 7, 333, 1799):
        start = _cell_start(index, cell)
        assert math.floor(start / cell) >= index > math.floor(math.nextafter(start, -math.inf) / cell)


@pytest.mark.parametrize("cell", CELLS)
def test_pic002_inner_cells_hold_only_events_inside_and_are_all_such_cells(cell):
    rng = random.Random(int(cell * 1000))
    boxes = [(low, high) for low in EDGES for high in EDGES if high - low >= 2 * cell]
    boxes += [tuple(sorted(rng.uniform(-80, 80) for _ in range(2))) for _ in range(40)]
    for low, high in boxes:
        first, last = _inner_span(low, high, cell)
        probes = around(low) + around(high) + [p for k in range(first - 1, last + 3) for p in around(k * cell, 3)]
        for x in probes:
            if first <= math.floor(x / cell) <= last:  # an event of an inner cell is inside
                assert low <= x <= high, (low, high, x, first, last)
        # maximal: the cells just outside the span each hold some float outside the box
        assert _cell_start(first - 1, cell) < low
        assert math.nextafter(_cell_start(last + 2, cell), -math.inf) > high


def test_pic003_a_cell_an_ulp_over_a_box_edge_is_inside_the_box_widened():
    """-12.200000000000001 / 0.2 is -61.0: cell -61 holds a float an ulp south of a box from -12.2,
    so it is inside only the box widened (the store checks no event lies there); widened, it
    counts (it held Callao's port: read from the facts, a box there took 2 s at 10M events)."""
    assert _inner_span(-12.2, -11.8, 0.2) == (-60, -60)
    assert _inner_cells((-77.3, -12.2, -76.9, -11.8), 0.2, widen=1e-9) == (-386, -386, -61, -60)
    assert _inner_cells((-77.3, -12.2, -77.25, -11.8), 0.2) is None


@pytest.mark.parametrize("cell", CELLS)
def test_pic004_a_box_over_a_few_cells_is_cut_into_each_cells_exact_part(cell):
    """Each float of the box falls in exactly one part, the part of its own cell."""
    rng = random.Random(7 + int(cell * 100))
    boxes = [(-77.3, -12.2, -76.9, -11.8), (0.0, 0.0, cell, cell), (-0.3, -0.3, 0.3, 0.3)]
    boxes += [(w, s, w + rng.uniform(0, 1.5 * cell), s + rng.uniform(0, 1.5 * cell))
              for w, s in ((rng.uniform(-80, 80), rng.uniform(-60, 60)) for _ in range(30))]
    for box in boxes:
        parts = _box_parts(box, cell)
        if parts is None:
            assert (math.floor(box[2] / cell) - math.floor(box[0] / cell) + 1) * \
                   (math.floor(box[3] / cell) - math.floor(box[1] / cell) + 1) > BOX_PARTS
            continue
        xs = around(box[0]) + around(box[2]) + [p for x, _, _ in parts for p in around(x * cell, 3)]
        ys = around(box[1]) + around(box[3]) + [p for _, y, _ in parts for p in around(y * cell, 3)]
        for lon in xs:
            for lat in ys:
                inside = box[0] <= lon <= box[2] and box[1] <= lat <= box[3]
                holding = [(x, y) for x, y, (w, s, e, n) in parts if w <= lon <= e and s <= lat <= n]
                assert holding == ([(math.floor(lon / cell), math.floor(lat / cell))] if inside else []), (box, lon, lat)


def test_pic005_a_box_over_more_cells_is_not_cut():
    assert _box_parts((-80.0, -20.0, -60.0, 0.0), 1.0) is None
    assert _box_parts((1.0, 0.0, 0.5, 1.0), 1.0) is None  # not upright
    assert len(_box_parts((-77.3, -12.2, -76.9, -11.8), 0.5)) == 4  # across -77 and -12


@pytest.mark.parametrize("cell", [0.5, 1.0, 0.2, 2.0, 0.1, 0.05])
def test_pic006_a_fine_cell_maps_to_the_coarse_cell_of_all_its_floats_or_is_cut(cell):
    fine = finer_grid_size(cell)
    assert fine is not None and fine < cell
    first = math.floor(-80.0 / fine)
    mapping = coarse_of_fine(first, first + 1600, fine, cell)
    assert any(coarse is None for coarse in mapping.values())  # coarse edges do cut fine cells
    for index, coarse in mapping.items():
        start, end = _cell_start(index, fine), _cell_start(index + 1, fine)
        floats = around(start, 3)[::2][:1] + around(start, 3) + around(end, 3)
        members = [x for x in floats if math.floor(x / fine) == index]
        if coarse is not None:
            assert all(math.floor(x / cell) == coarse for x in members), (index, coarse)
        else:  # cut: the sliver holds the floats of the other coarse cell, and only those
            low, high, rest = cut_sliver(index, fine, cell)
            assert start <= low < high <= end and high - low < 1e-9
            for x in members:
                assert (math.floor(x / cell) == rest) == (not low <= x < high), (index, x)


def test_pic007_the_finer_grid_size_divides_the_cell():
    assert finer_grid_size(0.5) == 0.05 and finer_grid_size(10.0) == 1.0 and finer_grid_size(0.02) == 0.01
    assert finer_grid_size(0.01) is None


def test_pic008_a_strip_s_bands_hold_every_longitude_between_its_edges():
    """Each float from west to east (edges, ulps around them, and random ones) falls in a listed
    band, and the list runs from the west edge's band to the east edge's, no more."""
    rng = random.Random(8)
    edges = [*EDGES, -74.95, -74.8, -72.85, -73.0, -75.0, 0.01, -0.01, 180.0]
    pairs = [(a, b) for a in edges for b in edges if a <= b and b - a < MAX_STRIP_BANDS * STRIP_BAND]
    pairs += [(w, w + rng.uniform(0, 5)) for w in (rng.uniform(-180, 175) for _ in range(200))]
    for west, east in pairs:
        bands = strip_bands(west, east)
        assert bands == [float(b) for b in range(math.floor(west / STRIP_BAND), math.floor(east / STRIP_BAND) + 1)]
        listed = set(bands)
        inside = [x for x in around(west) + around(east) if west <= x <= east]
        inside += [rng.uniform(west, east) for _ in range(20)]
        assert all(math.floor(x / STRIP_BAND) in listed for x in inside), (west, east)


def test_pic009_a_strip_over_too_many_bands_has_none():
    assert strip_bands(-180.0, 180.0) is None
    width = (MAX_STRIP_BANDS - 1) * STRIP_BAND
    assert len(strip_bands(0.0, width - STRIP_BAND / 2)) <= MAX_STRIP_BANDS
    assert strip_bands(0.0, (MAX_STRIP_BANDS + 1) * STRIP_BAND) is None
    # the band expression the SQL names is the band the Python computes
    assert STRIP_BAND_EXPRESSION == f"floor(longitude / {STRIP_BAND!r})"
