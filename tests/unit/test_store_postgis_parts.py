"""The PostGIS store's pure parts, without a server: row numbering, LIKE patterns, sort keys, filters → SQL."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dashboard.data.facets import FACETS, Match
from dashboard.data.filters import FilterSpec
from dashboard.data.store.postgis import (
    BOX_ESTIMATE_CELLS,
    GRID_CELL_SIZES,
    PostgisEventStore,
    _Runs,
    _sort_expression,
    box_estimate_cell,
    like_pattern,
)


def test_pgp001_rows_are_numbered_across_interleaved_runs_and_back():
    # dataset 7: seq 1-3 and 9-10; dataset 8: seq 4-8 (a layout tests use; imports make one run each)
    runs = _Runs.of([(9, 2, 7), (1, 3, 7), (4, 5, 8)])
    seq = np.array([1, 2, 3, 4, 8, 9, 10])
    positions = runs.positions(seq)
    assert positions.tolist() == [0, 1, 2, 3, 7, 8, 9]
    keys, back = runs.locate(positions)
    assert back.tolist() == seq.tolist() and keys.tolist() == [7, 7, 7, 8, 8, 7, 7]


def test_pgp002_like_patterns_take_the_needle_literally():
    assert like_pattern("callao") == "%callao%"
    assert like_pattern("100%_a\\b") == "%100\\%\\_a\\\\b%"


def test_pgp003_sort_keys_are_code_point_text_and_never_input():
    assert _sort_expression("location") == 'location COLLATE "C"'
    assert _sort_expression("actors") == "array_to_string(actors, '; ') COLLATE \"C\""
    assert _sort_expression("event_date") == "event_date"
    assert ":dataset_rank" in _sort_expression("dataset")


class _NoDatabase(PostgisEventStore):
    """The store's filter translation with a fixed dataset list, no connection."""

    def __init__(self) -> None:  # noqa: D107 - no database: only _where is used
        self.default_datasets = ("rutas",)
        self._key_of = {"rutas": 1, "acled": 2}
        self._all_keys = [1, 2]


def test_pgp004_every_value_goes_in_a_bound_parameter():
    hostile = "x'); DROP TABLE events; --"
    spec = FilterSpec(**{facet.name: (hostile,) for facet in FACETS}, text=hostile, kg_min=1.0,
                      bbox=(-80.0, -20.0, -60.0, 0.0), polygon=((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)))
    where, params = _NoDatabase()._where(spec)
    assert hostile not in where and "DROP" not in where
    assert params["dataset_keys"] == []  # an unknown dataset: no rows, not every row
    for facet in FACETS:
        if facet.name == "datasets":
            continue
        value = params[f"facet_{facet.name}"]
        assert value == ([hostile] if facet.match is Match.VALUE else [hostile.casefold()]), facet.name
    assert params["text_pattern"] == f"%{hostile.casefold()}%" and params["edge_bx"] == [1.0, 0.0, 0.0]


@pytest.mark.parametrize("datasets, keys", [((), [1]), (("acled",), [2]), (("acled", "rutas"), [1, 2]),
                                            (("nope",), [])])
def test_pgp005_an_empty_dataset_filter_reads_the_defaults(datasets, keys):
    _, params = _NoDatabase()._where(FilterSpec(datasets=datasets))
    assert params["dataset_keys"] == keys


def _cells_around(box, size: float) -> int:
    west, south, east, north = box
    return ((math.floor(east / size) - math.floor(west / size) + 3)
            * (math.floor(north / size) - math.floor(south / size) + 3))


@pytest.mark.parametrize("box,size", [
    ((-73.96, -12.45, -73.85, -12.37), 0.01),  # a town's view at zoom 12
    ((-75.0, -13.4, -72.8, -11.0), 0.05),  # the VRAEM
    ((-82.0, -20.0, -57.0, 2.0), 0.5),  # Peru and Bolivia
    ((-180.0, -90.0, 180.0, 90.0), 10.0),  # the world
])
def test_pgp006_a_box_is_estimated_from_the_finest_grid_of_few_cells(box, size):
    assert box_estimate_cell(box) == size
    assert _cells_around(box, size) <= BOX_ESTIMATE_CELLS
    finer = [s for s in GRID_CELL_SIZES if s < size]
    assert not finer or _cells_around(box, max(finer)) > BOX_ESTIMATE_CELLS
