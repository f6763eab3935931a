"""The PostGIS store's cells inside a box: exactly those whose every event (``floor(degrees /
cell)``, a rounded division) lies in the box, checked float by float around the edges (pure)."""

from __future__ import annotations

import math
import random

import pytest

from dashboard.data.store.postgis import (
    BOX_PARTS,
    _box_parts,
    _cell_start,
    _inner_cells,
    _inner_span,
    coarse_of_fine,
    cut_sliver,
    fine_grid_for_box,
    finer_grid_sizes,
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


@pytest.mark.parametrize(("cell", "fine"), [(cell, fine) for cell in (0.5, 1.0, 0.2, 2.0, 0.1, 0.05)
                                             for fine in finer_grid_sizes(cell)])
def test_pic006_a_fine_cell_maps_to_the_coarse_cell_of_all_its_floats_or_is_cut(cell, fine):
    assert fine < cell
    first = math.floor(-80.0 / fine)
    mapping = coarse_of_fine(first, first + 1600, fine, cell)
    if math.isclose(cell / fine, 10):
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


def test_pic007_the_finer_grid_sizes_divide_the_cell():
    assert finer_grid_sizes(0.5) == (0.1, 0.05, 0.02, 0.01)  # not 0.2: 2.5 of them to a side
    assert finer_grid_sizes(1.0) == (0.5, 0.2, 0.1, 0.05, 0.02, 0.01)
    assert finer_grid_sizes(0.02) == (0.01,) and finer_grid_sizes(0.01) == ()


VRAEM_LIKE = (-74.95, -13.35, -72.85, -11.05)  # edges on the 0.05-degree lines


def test_pic008_the_fine_grid_costs_least_for_the_box_and_its_density():
    # Dense (the generated VRAEM: ~740k events a square degree): the finest size leaving no edge
    # (edges on the 0.05 lines) beats a coarser one's strips and a finer one's many cells.
    assert fine_grid_for_box(VRAEM_LIKE, 1.0, 740_000.0) == 0.05
    # An edge off every grid line: a finer grid leaves a thinner edge, worth it when it is dense...
    off_lines = (-74.957, -13.353, -72.853, -11.057)
    assert fine_grid_for_box(off_lines, 1.0, 740_000.0) < 0.05
    # ...and not when the events are few: the fewest cells.
    assert fine_grid_for_box(off_lines, 1.0, 10.0) == 0.5
    # A box with no cell of any finer size inside: none.
    assert fine_grid_for_box((-74.001, -13.001, -73.999, -12.999), 1.0, 740_000.0) is None


def test_pic009_the_fine_grid_never_holds_more_cells_than_its_limit():
    from dashboard.data.store.postgis import FINE_GRID_CELLS

    wide = (-80.003, -20.003, -60.003, -0.003)  # 400 square degrees, edges off every grid line
    fine = fine_grid_for_box(wide, 2.0, 5_000_000.0)  # dense: as fine as the limit lets it be
    first_x, last_x, first_y, last_y = _inner_cells(wide, fine)
    assert (last_x - first_x + 1) * (last_y - first_y + 1) <= FINE_GRID_CELLS
    assert fine == 0.1  # 0.05 would be 160,000 cells
