"""Level of detail on the map, lean payloads and the paged table, on generated (synthetic) events."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from dashboard.data.filters import FilterSpec, MapView
from dashboard.data.store import EVENT_TYPES, InMemoryEventStore, PointColumns
from dashboard.data.synth import synthetic_events
from dashboard.figures.event_map import (
    EVENT_TRACE,
    HALO_POINT_LIMIT,
    array_of,
    build_event_map,
    drawn_events,
    event_trace,
    points_layer,
)
from dashboard.state.views import (
    event_row_at,
    map_layer,
    map_note,
    table_page,
    viewport_from_relayout,
    viewport_of,
    within_box,
)

N = 20_000
THRESHOLD = 3_000
WORLD = viewport_of(MapView(lat=0, lon=0, zoom=1.5))
VRAEM_CLOSE = viewport_of(MapView(lat=-12.45, lon=-73.85, zoom=11))


@pytest.fixture(scope="module")
def synthetic_frame():
    return synthetic_events(N, seed=7)


@pytest.fixture(scope="module")
def synthetic_store(synthetic_frame):
    return InMemoryEventStore(synthetic_frame)


def test_lod001_cells_above_threshold_and_counts_sum_to_filtered_count(synthetic_store):
    spec = FilterSpec()
    layer = map_layer(synthetic_store, spec, WORLD, THRESHOLD)
    assert layer.mode == "cells" and layer.total == N
    assert int(layer.cells.counts.sum()) == layer.in_view == synthetic_store.count(within_box(spec, WORLD.expanded()))
    assert len(layer.points.row) == 0
    assert "shown as cells" in map_note(layer, "en") and "zoom in" in map_note(layer, "en")
    assert 0 < layer.shown <= layer.in_view and f"{layer.shown:,}" in map_note(layer, "en")
    assert "celdas" in map_note(layer, "es")


def test_lod002_switch_happens_at_the_threshold(synthetic_store):
    spec = FilterSpec(event_types=("drug_seizure",))
    count = synthetic_store.count(spec)
    assert 0 < count < N
    everything = viewport_of(MapView(lat=0, lon=0, zoom=0.5))
    at = map_layer(synthetic_store, spec, everything, threshold=count)
    assert at.mode == "all" and len(at.points.row) == count
    below = map_layer(synthetic_store, spec, everything, threshold=count - 1)
    assert below.mode == "cells" and int(below.cells.counts.sum()) == count


def test_lod003_zooming_in_requeries_the_box_and_shows_points(synthetic_store):
    spec = FilterSpec()
    relayout = {"map.center": {"lon": -73.85, "lat": -12.45}, "map.zoom": 11,
                "map._derived": {"coordinates": [[-74.0, -12.3], [-73.7, -12.3], [-73.7, -12.6], [-74.0, -12.6]]}}
    viewport = viewport_from_relayout(relayout)
    assert viewport is not None and viewport.zoom == 11
    assert map_layer(synthetic_store, spec, WORLD, 5_000).mode == "cells"
    layer = map_layer(synthetic_store, spec, viewport, 5_000)
    assert layer.mode == "points" and 0 < len(layer.points.row) == layer.in_view <= 5_000
    west, south, east, north = viewport.expanded()
    assert (layer.points.longitude >= west - 1e-4).all() and (layer.points.longitude <= east + 1e-4).all()
    assert (layer.points.latitude >= south - 1e-4).all() and (layer.points.latitude <= north + 1e-4).all()
    assert viewport_from_relayout({"dragmode": "lasso"}) is None
    # A move made by code (Plotly.relayout) reports only centre and zoom.
    scripted = viewport_from_relayout({"map.center": {"lon": -73.85, "lat": -12.45}, "map.zoom": 11})
    assert scripted is not None and scripted.west < -73.85 < scripted.east and scripted.south < -12.45 < scripted.north


def test_lod004_user_box_and_view_intersect(synthetic_store, synthetic_frame):
    spec = FilterSpec(bbox=(-80, -20, -70, -10))
    assert within_box(spec, (-75, -15, -60, 0)).bbox == (-75, -15, -70, -10)
    apart = within_box(spec, (-70, -10, 10, 10))  # touching at one corner only
    assert synthetic_store.count(within_box(spec, (0, 0, 10, 10))) == 0
    assert synthetic_store.count(apart) == synthetic_store.count(FilterSpec(bbox=(-70, -10, -70, -10)))
    # A box narrows the cached mask of the rest of the filter: same answer as from scratch.
    text = FilterSpec(text="Pichari", bbox=(-74, -13, -73.5, -12))
    synthetic_store.count(FilterSpec(text="Pichari"))  # the rest of the filter, cached first
    named = synthetic_frame[[("pichari" in " ".join([a, b, c, d, " ".join(e)]).casefold())
                             for a, b, c, d, e in zip(synthetic_frame["location"], synthetic_frame["admin1"],
                                                      synthetic_frame["admin2"], synthetic_frame["summary"],
                                                      synthetic_frame["actors"])]]
    inside = named["longitude"].between(-74, -73.5) & named["latitude"].between(-13, -12)
    assert synthetic_store.count(text) == int(inside.sum()) > 0


def test_lod007_browser_views_past_the_date_line_and_odd_zooms():
    wrapped = viewport_from_relayout({"map.zoom": 5, "map._derived": {"coordinates": [
        [400.0, 10.0], [420.0, 10.0], [420.0, 0.0], [400.0, 0.0]]}})
    assert (wrapped.west, wrapped.east) == (40.0, 60.0)
    across = viewport_from_relayout({"map.zoom": 4, "map._derived": {"coordinates": [
        [170.0, 10.0], [190.0, 10.0], [190.0, 0.0], [170.0, 0.0]]}})
    assert (across.west, across.east) == (-180.0, 180.0)
    for zoom in (-2000, 2000, 1e308):
        viewport = viewport_from_relayout({"map.zoom": zoom, "map.center": {"lon": 0, "lat": 0}})
        assert viewport is not None and 0 <= viewport.zoom <= 24
    for bad in ({"map.zoom": "7"}, {"map.zoom": [7]}, {"map.zoom": 7, "map.center": {"lon": "x", "lat": 0}},
                {"map.zoom": 7, "map._derived": {"coordinates": "nope"}}, [], None):
        assert viewport_from_relayout(bad) is None


def test_lod008_crowded_spot_past_the_finest_cells_draws_the_largest_points(synthetic_store):
    spec = FilterSpec()
    deep = viewport_of(MapView(lat=-12.41, lon=-73.907, zoom=16))
    layer = map_layer(synthetic_store, spec, deep, threshold=5)
    assert layer.mode == "points" and len(layer.points.row) == 5 and layer.in_view > 5
    assert "5 of" in map_note(layer, "en") and "largest first" in map_note(layer, "en")


def test_lod005_payload_is_typed_arrays_without_text_per_point(synthetic_store, bundled):
    layer = map_layer(synthetic_store, FilterSpec(), VRAEM_CLOSE, THRESHOLD)
    assert layer.mode in ("points", "all") and len(layer.points.row) > 100
    trace = event_trace(layer, "en")
    encoded = json.dumps(trace)
    for key in ("lat", "lon"):
        value = trace.get(key)
        assert value == [] or (isinstance(value, dict) and value.get("dtype") == "f4"), (key, value)
    assert trace["marker"]["color"]["dtype"] == "u1" and trace["marker"]["size"]["dtype"] == "u1"
    assert "customdata" not in trace and "hovertext" not in trace and "text" not in trace
    # Ten bytes a point (two float32, a uint8 size and a uint8 colour code) and ten more for a
    # coarse point's ring, in base64: at most 27 bytes a point.
    assert len(encoded) < 2_000 + 27 * len(layer.points.row)
    figure = build_event_map(layer, routes=bundled.routes, vraem_feature=None)
    full = pio.to_json(figure)
    assert len(full) < 600_000


def test_lod006_clicked_point_finds_its_event_again(synthetic_store, synthetic_frame, bundled):
    spec = FilterSpec()
    layer = map_layer(synthetic_store, spec, VRAEM_CLOSE, THRESHOLD)
    figure = build_event_map(layer, routes=bundled.routes, vraem_feature=None)
    drawn = drawn_events(figure.data[EVENT_TRACE])
    assert drawn.count > 0
    checked = 0
    for position in sorted({0, drawn.count // 3, drawn.count // 2, drawn.count - 1}):
        point = {"lat": float(drawn.latitude[position]), "lon": float(drawn.longitude[position]),
                 "curveNumber": EVENT_TRACE, "pointNumber": drawn.rings + position}
        row = event_row_at(synthetic_store, spec, point, EVENT_TRACE)
        assert row is not None
        event = synthetic_frame.iloc[row]
        assert np.float32(event["latitude"]) == np.float32(point["lat"])
        assert np.float32(event["longitude"]) == np.float32(point["lon"])
        # The drawn point is this very event, or one drawn at exactly the same spot.
        same_spot = layer.points.row[(layer.points.latitude == np.float32(point["lat"]))
                                     & (layer.points.longitude == np.float32(point["lon"]))]
        assert row in same_spot
        assert event_row_at(synthetic_store, spec, {**point, "customdata": 3}, EVENT_TRACE) is None  # a cell
        assert event_row_at(synthetic_store, spec, point, EVENT_TRACE + 1) is None  # no other trace
        checked += 1
    assert checked >= 2
    # An uncertainty ring repeats its event's coordinates: hovering it finds an approximate event there
    # (rings are drawn while at most HALO_POINT_LIMIT points are approximate: the first 800 here).
    assert drawn.rings == 0 and (~layer.points.precise).sum() > HALO_POINT_LIMIT
    first = {name: value[:800] for name, value in vars(layer.points).items() if isinstance(value, np.ndarray)}
    few = points_layer(PointColumns(**first, total=800))
    trace = build_event_map(few, routes=bundled.routes, vraem_feature=None).data[EVENT_TRACE]
    assert drawn_events(trace).rings > 0
    ring = {"lat": float(array_of(trace.lat)[0]), "lon": float(array_of(trace.lon)[0]), "pointNumber": 0}
    assert not synthetic_store.precise[event_row_at(synthetic_store, spec, ring, EVENT_TRACE)]
    assert event_row_at(synthetic_store, spec, {"lat": 89.0, "lon": 0.0}, EVENT_TRACE) is None
    assert event_row_at(synthetic_store, spec, None, EVENT_TRACE) is None
    # Browser JSON is user-controlled: lists, text and NaN are refused, never a crash.
    for bad in ({"lat": [1, 2], "lon": [1, 2]}, {"lat": "x", "lon": 1}, {"lat": float("nan"), "lon": 0}):
        assert event_row_at(synthetic_store, spec, bad, EVENT_TRACE) is None
    assert event_row_at(synthetic_store, spec, {"lat": 0, "lon": 0}, None) is None


def test_tbl001_paging_matches_a_reference_sort(synthetic_store, synthetic_frame):
    """Pages equal slices of a stable pandas sort (ties keep table order, unknown values last
    ascending and first descending), for random columns, directions and offsets."""
    spec = FilterSpec(countries=("PER",))
    selected = synthetic_frame.loc[synthetic_frame["country"] == "PER"]
    columns = ("event_date", "event_type", "location", "quantity_kg", "event_id")
    rng = random.Random(11)
    for _ in range(12):
        column = rng.choice(["event_date", "location", "quantity_kg", "event_type", "event_id"])
        descending = rng.random() < 0.5
        start = rng.randrange(0, max(1, len(selected) - 60))
        request = {"startRow": start, "endRow": start + 50,
                   "sortModel": [{"colId": column, "sort": "desc" if descending else "asc"}]}
        page = table_page(synthetic_store, spec, request, columns, "en")
        assert page["rowCount"] == len(selected)
        key = selected[column].astype(str) if column in ("location", "event_type", "event_id") else selected[column]
        reference = selected.assign(_key=key.to_numpy()).sort_values(
            "_key", ascending=not descending, kind="stable", na_position="last")
        expected = list(reference["event_id"].iloc[start:start + 50])
        assert [row["event_id"] for row in page["rowData"]] == expected, (column, descending, start)


def test_tbl003_malformed_requests_get_the_first_block(synthetic_store):
    for bad in ([], "x", {"startRow": "a"}, {"sortModel": 5}, {"startRow": -5, "endRow": float("nan")},
                {"startRow": 1e300, "endRow": 2e300}, {"sortModel": [None, {"colId": 3}]}):
        page = table_page(synthetic_store, FilterSpec(), bad, ("event_id",), "en")
        assert page["rowCount"] == N and len(page["rowData"]) <= 100


def test_tbl002_a_block_never_exceeds_the_cap(synthetic_store):
    page = table_page(synthetic_store, FilterSpec(), {"startRow": 0, "endRow": 1_000_000}, ("event_id",), "en")
    assert len(page["rowData"]) <= 500 and page["rowCount"] == N
    bad = table_page(synthetic_store, FilterSpec(), {"startRow": 0, "endRow": 10,
                                                     "sortModel": [{"colId": "__class__", "sort": "asc"}]},
                     ("event_id", "event_date"), "en")
    assert len(bad["rowData"]) == 10  # unknown sort column: newest first, never an error


def test_syn001_synthetic_rows_say_so(synthetic_store):
    page = table_page(synthetic_store, FilterSpec(), {"startRow": 0, "endRow": 5},
                      ("event_id", "dataset", "synthetic"), "en")
    assert all("SYNTHETIC" in row["dataset_label"] for row in page["rowData"])
    layer = map_layer(synthetic_store, FilterSpec(), WORLD, THRESHOLD)
    assert "SYNTHETIC" in map_note(layer, "en", synthetic=N)
    assert all(t in EVENT_TYPES for t in synthetic_store.facet_options("event_types"))


def test_syn002_synthetic_rows_never_duplicate_real_reports(bundled):
    from dashboard.data.datasets import with_import_columns

    real = with_import_columns(bundled.events)
    fake = synthetic_events(3_000, seed=3)
    # A generated copy of every real event, same place, date and type, in another dataset.
    copies = fake.iloc[: len(real)].copy()
    for column in ("latitude", "longitude", "event_date", "date_precision", "event_type"):
        copies[column] = real[column].to_numpy()
    store = InMemoryEventStore(pd.concat([real, copies], ignore_index=True))
    assert sum(d.duplicates for d in store.datasets()) == 0
    twin = real.iloc[:5].copy().assign(dataset="someone-else", event_id=lambda f: "x:" + f["event_id"])
    with_twin = InMemoryEventStore(pd.concat([real, copies, twin], ignore_index=True))
    assert sum(d.duplicates for d in with_twin.datasets()) >= 10  # real rows still pair with real rows
