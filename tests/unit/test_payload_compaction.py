"""What a filter change sends, made smaller without changing what is drawn: the timeline's bar
positions, the map key's shared properties and the table's first block."""

from __future__ import annotations

import json

import numpy as np
import orjson
import pandas as pd
import pytest
from _plotly_utils.utils import convert_to_base64, to_typed_array_spec

from bench.run import TABLE_BLOCK
from dashboard.data.filters import FilterSpec, UrlState
from dashboard.figures.breakdown import breakdown_figure
from dashboard.figures.event_map import (
    key_item_defaults,
    map_template,
    map_update,
    points_layer,
    screen_key_layout,
)
from dashboard.figures.kg_by_year import kg_by_year_figure
from dashboard.figures.map_key import build_map_key
from dashboard.figures.theme import PROJECTOR, SCREEN
from dashboard.figures.timeline import BIN_DAYS, bar_positions, build_timeline, timeline_figure
from dashboard.figures.unchecked import _typed_array, as_figure, for_browser
from dashboard.ids import TableIds
from dashboard.layout.page import build_page
from tests.unit.figure_json import as_drawn
from tests.unit.layout_tree import find


def bar_dates(trace) -> np.ndarray:
    """The dates a bar trace's bars stand at, whichever way their positions were sent."""
    if trace.x is not None:
        return np.asarray(trace.x, dtype=np.float64).astype("datetime64[ms]")
    start = np.datetime64(trace.x0, "ms")
    return start + np.arange(len(trace.y)) * np.timedelta64(int(trace.dx), "ms")


@pytest.mark.parametrize("unit", ["day", "week", "month", "year"])
def test_pay101_bars_stand_at_their_bin_centres_in_fewer_bytes(store, unit):
    histogram = store.histogram(FilterSpec(), unit=unit)
    figure = build_timeline(histogram)
    half_bin = np.timedelta64(int(BIN_DAYS[unit] * 12 * 3600 * 1000), "ms")  # bars stand mid-bin
    expected = histogram.bin_starts.astype("datetime64[ms]") + half_bin
    assert figure.data, "the bundled data has events"
    for trace in figure.data:
        assert (bar_dates(trace) == expected).all()
    even = unit in ("day", "week")
    assert all((trace.x is None) == even for trace in figure.data)  # a step only where bins are even
    as_strings = sum(len(json.dumps(expected.astype(str).tolist())) for _ in figure.data)
    sent = sum(len(json.dumps(trace.get("x", ""))) for trace in json.loads(figure.to_json())["data"])
    assert sent < as_strings / 2


def test_pay102_uneven_or_single_bins_keep_every_position():
    months = np.array(["2019-01-16", "2019-02-15", "2019-03-16"], dtype="datetime64[ms]")
    assert "x" in bar_positions(months) and "x0" not in bar_positions(months)
    assert "x" in bar_positions(months[:1])
    weeks = np.array(["2019-01-04", "2019-01-11", "2019-01-18"], dtype="datetime64[ms]")
    assert bar_positions(weeks) == {"x0": "2019-01-04T00:00:00.000", "dx": 7 * 24 * 3600 * 1000}


def merged(item: dict, defaults: dict) -> dict:
    """``item`` with ``defaults`` filled in as plotly.js fills a template's item defaults."""
    whole = dict(defaults)
    for name, value in item.items():
        whole[name] = merged(value, defaults[name]) if isinstance(value, dict) and isinstance(
            defaults.get(name), dict) else value
    return whole


def rounded(item: dict) -> dict:
    return {name: rounded(value) if isinstance(value, dict) else round(value, 2) if isinstance(value, float)
            else value for name, value in item.items()}


@pytest.mark.parametrize("theme", [SCREEN, PROJECTOR], ids=lambda t: t.name)
def test_pay103_key_items_with_the_template_defaults_are_the_full_key(store, bundled, theme):
    points = store.points(FilterSpec(), limit=10_000)
    full = screen_key_layout(build_map_key(points, routes=bundled.routes, vraem=True, theme=theme, lang="en"), theme)
    update = map_update(points_layer(points), routes=bundled.routes, vraem=True, lang="en", theme=theme)
    shape_defaults, annotation_defaults = key_item_defaults(theme)
    template = map_template(theme)["layout"]
    assert template["shapedefaults"] == shape_defaults and template["annotationdefaults"] == annotation_defaults
    assert [merged(s, shape_defaults) for s in update.shapes] == [rounded(s) for s in full.shapes]
    assert [merged(a, annotation_defaults) for a in update.annotations] == [rounded(a) for a in full.annotations]
    sent = len(json.dumps(update.shapes)) + len(json.dumps(update.annotations))
    assert sent < 0.6 * (len(json.dumps(full.shapes)) + len(json.dumps(full.annotations)))


def test_pay104_the_bench_asks_for_the_block_the_grid_asks_for(app_context):
    grid = find(build_page(app_context, UrlState(), []), TableIds.GRID)
    block = grid.dashGridOptions["cacheBlockSize"]
    assert TABLE_BLOCK["endRow"] - TABLE_BLOCK["startRow"] == block
    assert block < app_context.settings.table_page_size  # a page arrives as it is scrolled to



def test_pay105_charts_sent_as_plain_dicts_validate_and_match_the_figures(store):
    """The charts redrawn on each change skip go.Figure; what they send is what it would send."""
    spec = FilterSpec(event_types=("drug_seizure",))
    builders = {
        "timeline": lambda: timeline_figure(store.histogram(spec, unit="week"), date_range=("2019-01-01", "2019-12-31")),
        "breakdown": lambda: breakdown_figure(store.breakdown(spec, "country"), active=("PER",)),
        "kg_by_year": lambda: kg_by_year_figure(store, spec),
        "kg_by_year empty": lambda: kg_by_year_figure(store, FilterSpec(text="no such words")),
    }
    for name, build in builders.items():
        sent = for_browser(build())
        assert "bdata" in json.dumps(sent) or name == "kg_by_year empty", name  # arrays went binary
        as_drawn(sent)  # raises on an unknown property or a bad value
        assert json.loads(json.dumps(sent)) == json.loads(as_figure(build()).to_json()), name


def test_pay106_arrays_go_binary_where_plotly_s_own_walk_puts_them(store):
    """for_browser's walk gives what plotly's convert_to_base64 gives: on the charts built for a
    filter, and on a figure with arrays in every place the walk treats apart (a list of traces, a
    nested dict, a pandas Series, an int64 array plotly narrows, plotly's skipped keys)."""
    spec = FilterSpec(event_types=("drug_seizure",))

    def odd_places() -> dict:
        return {"data": [{"x": np.arange(3, dtype=np.int64), "y": [1, 2, 3], "customdata": pd.Series([1.5, 2.5]),
                          "marker": {"color": np.array([0.1, 0.2]), "line": {"width": (np.array([1.0]),)}}}],
                "layout": {"xaxis": {"range": np.array([0.0, 1.0])}, "map": {"layers": [{"source": np.arange(2)}]},
                           "annotations": [{"x": np.array([5], dtype=np.uint64)}], "title": {"text": "t"}}}

    builders = {
        "timeline": lambda: timeline_figure(store.histogram(spec, unit="month")),
        "breakdown": lambda: breakdown_figure(store.breakdown(spec, "country")),
        "kg_by_year": lambda: kg_by_year_figure(store, spec),
        "odd places": odd_places,
    }
    for name, build in builders.items():
        plotly_s = build()
        convert_to_base64(plotly_s)
        ours = for_browser(build())
        assert orjson.dumps(ours, option=orjson.OPT_SERIALIZE_NUMPY) == \
            orjson.dumps(plotly_s, option=orjson.OPT_SERIALIZE_NUMPY), name
    assert "bdata" in orjson.dumps(for_browser(odd_places()), option=orjson.OPT_SERIALIZE_NUMPY).decode()


ARRAYS_OF_EVERY_KIND = {
    "int64 in int8": np.arange(-3, 10, dtype=np.int64), "int64 in int16": np.arange(5, dtype=np.int64) * 1_000,
    "int64 in int32": np.array([-2**31, 2**31 - 1], dtype=np.int64), "int64 beyond": np.array([2**40, 1]),
    "int64 at int8's edges": np.array([-128, 127], dtype=np.int64), "int64 past them": np.array([-129, 127]),
    "uint64 in uint8": np.arange(256, dtype=np.uint64), "uint64 in uint32": np.array([2**32 - 1], dtype=np.uint64),
    "uint64 beyond": np.array([2**33], dtype=np.uint64), "int16": np.array([1, -2], dtype=np.int16),
    "int32 matrix": np.arange(6, dtype=np.int32).reshape(2, 3), "uint8": np.array([0, 255], dtype=np.uint8),
    "float64 with nan": np.array([1.0, np.nan, -np.inf]), "float32": np.array([0.5, 2.25], dtype=np.float32),
    "float64 strided": np.linspace(0, 1, 11)[::3], "float64 matrix": np.linspace(0, 1, 12).reshape(3, 4),
    "float64 big-endian": np.array([1.5, 2.5], dtype=">f8"), "float16": np.array([1.5], dtype=np.float16),
    "empty": np.array([], dtype=np.float64), "text": np.array(["a", "bc"]), "bool": np.array([True, False]),
    "dates": np.array(["2020-01-01", "2021-06-30"], dtype="datetime64[D]"), "objects": np.array([1, "a"], dtype=object),
}


@pytest.mark.parametrize("name", sorted(ARRAYS_OF_EVERY_KIND))
def test_pay107_a_numpy_array_goes_as_plotly_would_send_it(name):
    """The walk encodes numpy arrays itself (plotly's own path passes each through narwhals and a
    copy): the same typed array for every dtype plotly.js reads, narrowed as plotly narrows 64-bit
    integers, and plotly's own answer for anything else."""
    array = ARRAYS_OF_EVERY_KIND[name]
    plotly_s, ours = to_typed_array_spec(array.copy()), _typed_array(array.copy())
    if isinstance(plotly_s, dict):
        assert ours == plotly_s
    else:  # left an array: the same dtype and values (the answer's encoder writes it)
        assert isinstance(ours, np.ndarray) and ours.dtype == plotly_s.dtype
        assert np.array_equal(ours, plotly_s, equal_nan=ours.dtype.kind == "f")

