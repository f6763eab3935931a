"""Figure builders: traces, colours, hover text with date precision, precision styling."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard.data.filters import FilterSpec, MapView
from dashboard.data.store import EVENT_TYPES, GEO_PRECISIONS
from dashboard.figures.asset_versions import asset_version
from dashboard.figures.breakdown import build_breakdown, clicked_category
from dashboard.figures.event_map import (
    APPROXIMATE_OPACITY,
    EVENT_TRACE,
    EVENTS_LAYER_ID,
    HALO_CODE,
    PRECISE_OPACITY,
    LayerSlot,
    array_of,
    build_event_map,
    drawn_events,
    event_colour_codes,
    event_colourscale,
    marker_sizes,
    offline_style,
    selection_ring,
)
from dashboard.figures.theme import EVENT_COLOURS, ROUTE_COLOURS
from dashboard.figures.timeline import brushed_date_range, build_timeline
from dashboard.i18n import format_number


@pytest.fixture(scope="module")
def full_map(store, bundled):
    points = store.points(FilterSpec(), limit=10_000)
    vraem = next(f for f in bundled.regions["features"] if f["properties"]["kind"] == "vraem")
    figure = build_event_map(points, routes=bundled.routes, vraem_feature=vraem)
    return points, figure


def test_map001_one_trace_and_fixed_layer_slots(full_map, bundled):
    _, figure = full_map
    assert len(figure.data) == 1 and EVENT_TRACE == 0  # events and their rings: one trace
    layers = figure.layout.map.layers
    assert layers[LayerSlot.HIGHLIGHT].visible is False  # nothing selected
    assert layers[LayerSlot.SELECTION].visible is False and layers[LayerSlot.RING_LABELS].visible is False
    assert len(layers) == LayerSlot.RING_LABELS + 2  # the slots and the indicator's: the rest is the style
    style_ids = [layer["id"] for layer in figure.layout.map.style["layers"]]
    assert {"vraem-fill", "vraem-line", "route-names"} <= set(style_ids)
    assert figure.data[0].meta["cells"] is False  # few events: points, no cells
    # the events go under the style's marker layer: over land, the VRAEM and routes, under the names
    assert figure.data[0].below == EVENTS_LAYER_ID
    marker = style_ids.index(EVENTS_LAYER_ID)
    assert style_ids.index("routes-documented") < marker < style_ids.index("names-labels-rank1")


def test_map002_every_point_drawn_once(full_map, bundled, store):
    points, figure = full_map
    drawn = drawn_events(figure.data[0])
    assert drawn.count == store.size
    trace = figure.data[0]  # per point only coordinates, a size and a colour code: no text, no ids
    assert trace.hovertext is None and trace.customdata is None and trace.text is None
    assert array_of(trace.lat).dtype == np.float32 and array_of(trace.marker.size).dtype == np.uint8
    assert array_of(trace.marker.color).dtype == np.uint8
    assert drawn.colour_code.tolist() == event_colour_codes(points).tolist()


def test_map003_precision_styling(full_map, bundled, store):
    points, figure = full_map
    drawn = drawn_events(figure.data[0])
    coarse = np.isin(np.asarray(GEO_PRECISIONS)[points.geo_precision_code], ["district", "province", "region",
                                                                             "country"])
    assert drawn.rings == int(coarse.sum()) > 0  # one ring per point with a coarse place
    rings = array_of(figure.data[0].marker.color)[:drawn.rings]
    assert set(rings.tolist()) == {HALO_CODE}
    scale = dict((round(position * (len(EVENT_TYPES) * 2), 6), colour)
                 for position, colour in figure.data[0].marker.colorscale)
    seizure = 2 * EVENT_TYPES.index("drug_seizure")
    assert scale[seizure].endswith(f",{PRECISE_OPACITY})") and scale[seizure + 1].endswith(f",{APPROXIMATE_OPACITY})")
    assert int((drawn.colour_code == seizure + 1).sum()) == \
        int(((~points.precise) & (points.type_code == seizure // 2)).sum())


def test_map003b_colour_codes_sit_on_the_stops():
    scale = event_colourscale()
    assert len(scale) == HALO_CODE + 1 and scale[0][0] == 0 and scale[-1][0] == 1
    red, green, blue = (int(EVENT_COLOURS["drug_seizure"][i:i + 2], 16) for i in (1, 3, 5))
    code = 2 * EVENT_TYPES.index("drug_seizure")
    assert scale[code][1] == f"rgba({red},{green},{blue},{PRECISE_OPACITY})"


def test_map004_hover_has_date_precision_place_type_and_quantities(store):
    from dashboard.state.views import event_lines

    # A month-precision seizure (the Messi haul, used here before, is now dated 18-19 Mar 2017).
    event = store.event("rutas:0087")
    text = " · ".join(event_lines(event, "en"))
    assert "Drug seizure" in text and "2020-04-01 (month only)" in text
    assert "1,000" in text and "(location: exact)" in text
    spanish = " · ".join(event_lines(event, "es"))
    assert "Incautación de droga" in spanish and "solo mes" in spanish and "1\u202f000" in spanish


def _style_layer(figure, layer_id: str) -> dict:
    return next(layer for layer in figure.layout.map.style["layers"] if layer["id"] == layer_id)


def test_map005_routes_documented_solid_inferred_dashed(full_map, bundled):
    _, figure = full_map
    style = figure.layout.map.style
    legs = [f for f in style["sources"]["overlay"]["data"]["features"] if f["properties"]["overlay"] == "route"]
    assert sorted((f["properties"]["mode"], f["properties"]["evidence"]) for f in legs) == sorted(
        (f["properties"]["mode"], f["properties"]["evidence"]) for f in bundled.routes["features"])
    documented, inferred = _style_layer(figure, "routes-documented"), _style_layer(figure, "routes-inferred")
    assert "line-dasharray" not in documented["paint"] and inferred["paint"]["line-dasharray"]
    colours = documented["paint"]["line-color"]  # ["match", ["get", "mode"], mode, colour, …, fallback]
    modes = {f["properties"]["mode"] for f in bundled.routes["features"]}
    assert dict(zip(colours[2:-1:2], colours[3:-1:2])) == {mode: ROUTE_COLOURS[mode] for mode in modes}
    names = [f for f in style["sources"]["overlay"]["data"]["features"] if f["properties"]["overlay"] == "route-name"]
    assert len(names) == len({f["properties"]["route_id"] for f in bundled.routes["features"]})
    assert _style_layer(figure, "route-names")["layout"]["symbol-placement"] == "line-center"


def test_map005b_map_layers_stay_within_budget(store, bundled):
    """MapLibre gets 4 layers per trace: one trace, the rest as layers, ≤ 25 in all with a selection;
    the base map is two sources (MapLibre draws a frame as each source's tiles arrive)."""
    vraem = next(f for f in bundled.regions["features"] if f["properties"]["kind"] == "vraem")
    figure = build_event_map(store.points(FilterSpec(), limit=10_000), routes=bundled.routes, vraem_feature=vraem,
                             highlight=(-12.5, -73.8), selection=selection_ring((-75.0, -13.0, -73.0, -11.0), None))
    style_layers = len(figure.layout.map.style["layers"])
    added = sum(1 for layer in figure.layout.map.layers if layer.visible is not False)
    assert style_layers + added + 4 * len(figure.data) <= 25
    assert set(figure.layout.map.style["sources"]) == {"base", "overlay"}


def test_map006_offline_base_map_has_no_remote_url():
    style = offline_style()
    assert style["glyphs"].startswith("/assets/")
    # A non-empty, local-only sources object: plotly prunes empty ones and MapLibre then fails.
    # Versioned by content, so the browser keeps it (and the glyphs) rather than asking each load.
    assert style["sources"]["base"]["data"] == f"/assets/basemap/base.geojson?m={asset_version('basemap/base.geojson')}"
    assert style["glyphs"] == f"/assets/fonts/{{fontstack}}/{{range}}.pbf?m={asset_version('fonts')}"
    for layer in style["layers"]:
        if layer["type"] == "symbol":
            assert layer["layout"]["icon-image"] == ""  # a named icon would fetch a sprite from a CDN


def test_map006c_the_style_s_files_are_versioned_by_content(tmp_path, monkeypatch):
    """The base map and the glyphs carry their content's version, so the server lets the browser
    keep them a year (a changed file has a new URL) instead of asking again on every page load."""
    from urllib.parse import parse_qs, urlsplit

    from dashboard import is_versioned_url
    from dashboard.figures import asset_versions
    from dashboard.serving import LONG_LIVED, cache_control

    style = offline_style()
    for url in (style["sources"]["base"]["data"], style["glyphs"].format(fontstack="Open Sans Regular", range="0-255")):
        address = urlsplit(url)
        args = {key: values[0] for key, values in parse_qs(address.query).items()}
        assert is_versioned_url(address.path, args) and cache_control(address.path, True) == LONG_LIVED, url
    # The version follows the content: a file's, and every file's under a folder.
    monkeypatch.setattr(asset_versions, "ASSETS_DIR", tmp_path)
    asset_versions.asset_version.cache_clear()
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "0-255.pbf").write_bytes(b"one")
    (tmp_path / "base.geojson").write_bytes(b"{}")
    before = asset_versions.asset_version("fonts"), asset_versions.asset_version("base.geojson")
    asset_versions.asset_version.cache_clear()
    (tmp_path / "fonts" / "0-255.pbf").write_bytes(b"two")
    (tmp_path / "base.geojson").write_bytes(b"{ }")
    after = asset_versions.asset_version("fonts"), asset_versions.asset_version("base.geojson")
    asset_versions.asset_version.cache_clear()
    assert before[0] != after[0] and before[1] != after[1]


def test_map006b_names_over_or_under_the_events():
    """The dashboard draws place names over the events; the presenter under them (its ring labels,
    a layout layer over everything, must win every collision)."""
    def order(style):
        return [layer["id"] for layer in style["layers"]]
    over, under = order(offline_style()), order(offline_style(names_over_events=False))
    assert over.index(EVENTS_LAYER_ID) < over.index("names-labels-rank1")
    assert under.index(EVENTS_LAYER_ID) > under.index("names-labels-rank1") and under[-1] == EVENTS_LAYER_ID


def test_map006c_symbol_offsets_as_plotly_draws_them():
    """Labels keep the place Plotly gave them as layout layers ("top right" of the point)."""
    style = offline_style()
    rank1 = next(layer for layer in style["layers"] if layer["id"] == "names-labels-rank1")
    rivers = next(layer for layer in style["layers"] if layer["id"] == "names-labels-rivers")
    assert rank1["layout"]["text-anchor"] == "top-left" and rank1["layout"]["text-offset"] == [0.6, -1.6]
    assert rivers["layout"]["text-anchor"] == "center" and rivers["layout"]["text-offset"] == [0, 0]


def test_map007_view_and_sizes():
    sizes = marker_sizes(np.array([np.nan, 10, 10_000], dtype=np.float32),
                         np.array([np.nan, np.nan, 16], dtype=np.float32))
    assert sizes[0] < sizes[1] < sizes[2] <= 26


def test_map008_view_applied(store, bundled):
    points = store.points(FilterSpec(), limit=10)
    figure = build_event_map(points, routes=bundled.routes, vraem_feature=None,
                             view=MapView(-12.4, -73.9, 8.0), highlight=(-12.5, -73.8))
    assert figure.layout.map.zoom == 8.0 and figure.layout.map.center.lat == -12.4
    highlight = figure.layout.map.layers[LayerSlot.HIGHLIGHT]
    assert highlight.visible and highlight.source["geometry"]["coordinates"] == [-73.8, -12.5]


def test_tim001_timeline_stacks_types_and_totals(store):
    histogram = store.histogram(FilterSpec())
    figure = build_timeline(histogram)
    assert figure.layout.barmode == "stack" and figure.layout.dragmode == "select"
    assert sum(int(np.sum(trace.y)) for trace in figure.data) == store.size
    names = {trace.name for trace in figure.data}
    assert "Drug seizure" in names


def test_tim002_brushed_range_parsing():
    assert brushed_date_range({"range": {"x": ["2018-05-03 10:00", "2016-01-02"]}}) == ("2016-01-02", "2018-05-03")
    assert brushed_date_range(None) is None and brushed_date_range({"points": []}) is None
    assert brushed_date_range({"range": {"x": ["garbage", "2016-01-02"]}}) is None


def test_brk001_breakdown_bars_and_click(store):
    breakdown = store.breakdown(FilterSpec(), "country")
    figure = build_breakdown(breakdown, lang="es", active=("PER",))
    bar = figure.data[0]
    assert list(bar.y)[-1] == "Perú"  # largest at the top
    assert list(bar.customdata)[-1] == "PER"
    assert clicked_category({"points": [{"customdata": "BOL"}]}) == "BOL"
    assert clicked_category({}) is None


def test_brk002_bar_counts_read_as_the_page_reads_numbers_and_stay_inside_long_bars():
    """A count of six digits is grouped (230,814; 230 814 in Spanish) and shown inside its bar when
    it fits there: outside, the longest bar's label ran past the panel and read "2308"."""
    from dashboard.data.store import Breakdown

    breakdown = Breakdown(field="event_type", labels=("attack_on_security_forces", "armed_clash", "arrest"),
                          counts=np.array([230_814, 128_302, 7]))
    for lang in ("en", "es"):
        bar = build_breakdown(breakdown, lang=lang).data[0]
        assert list(bar.text) == [format_number(n, lang) for n in (7, 128_302, 230_814)]
        assert bar.textposition == "auto" and len(set(bar.text[-1]) - set("0123456789")) == 1


def test_map009_basemap_setting_switches_style(store, bundled):
    from dashboard.config import Basemap
    from dashboard.state.views import ONLINE_STYLE, remote_style_for

    assert remote_style_for(Basemap.ONLINE) == ONLINE_STYLE and remote_style_for(Basemap.OFFLINE) is None
    vraem = next(f for f in bundled.regions["features"] if f["properties"]["kind"] == "vraem")
    points = store.points(FilterSpec(), limit=10)
    online = build_event_map(points, routes=bundled.routes, vraem_feature=vraem, remote_style=ONLINE_STYLE)
    # over a remote style the VRAEM and routes are layout layers, and the events go on top
    assert online.layout.map.style == ONLINE_STYLE and online.data[0].below is None
    assert {"vraem-fill", "route-names"} <= {layer.name for layer in online.layout.map.layers}

    # place names in the page's language: the Spanish page reads the labels' name_es
    def names(lang):
        return {layer["layout"]["text-field"] for layer in offline_style(lang=lang)["layers"]
                if layer["id"].startswith("names-")}
    assert names("en") == {"{name}"} and names("es") == {"{name_es}"}


def test_fig001_built_figures_pass_plotly_validation(full_map, store):
    """Builders skip plotly's validation for speed; every figure must still validate here."""
    import plotly.graph_objects as go

    from dashboard.figures.kg_by_year import build_kg_by_year

    figures = [full_map[1], build_timeline(store.histogram(FilterSpec()), date_range=("2010-01-01", "2012-01-01")),
               build_breakdown(store.breakdown(FilterSpec(), "actor_group"), active=("shining_path",)),
               build_kg_by_year(store, FilterSpec()), build_kg_by_year(store, FilterSpec(text="no such words"))]
    for figure in figures:
        validated = go.Figure(figure.to_dict())  # raises ValueError on any unknown property or bad value
        assert len(validated.data) == len(figure.data)
        assert validated.to_dict()["layout"] == figure.to_dict()["layout"]  # nothing coerced differently


def test_lay020_spanish_date_axis_names_months_in_spanish(store):
    from datetime import date

    spec = FilterSpec(date_from=date(2019, 3, 1), date_to=date(2019, 12, 31))
    axis = build_timeline(store.histogram(spec), lang="es").layout.xaxis
    assert axis.tickmode == "array" and len(axis.ticktext) >= 3
    assert all(text.split("\u00a0")[0] in SPANISH_MONTHS for text in axis.ticktext), axis.ticktext
    assert not any("Jan" in text or "Sep" in text for text in axis.ticktext)
    english = build_timeline(store.histogram(spec), lang="en").layout.xaxis.ticktext
    assert [text.split("\u00a0")[0] for text in english] == [
        date.fromisoformat(value).strftime("%b") for value in axis.tickvals]  # Jan, Mar… (C locale)


SPANISH_MONTHS = {"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "sep", "oct", "nov", "dic"}


@pytest.mark.parametrize(("start", "end", "at_most"), [
    ("2001-04-20", "2025-12-31", 8), ("2016-01-01", "2018-12-31", 8), ("2020-01-05", "2020-02-10", 8),
    ("2020-01-05", "2020-01-05", 8), ("2001-01-01", "2025-12-31", 3)])
def test_lay021_date_ticks_fit_inside_the_span_and_the_budget(start, end, at_most):
    from datetime import date

    from dashboard.figures.timeline import date_ticks

    first, last = date.fromisoformat(start), date.fromisoformat(end)
    values, texts = date_ticks(first, last, "en", max_ticks=at_most)
    assert 1 <= len(values) <= at_most and len(values) == len(texts)
    assert all(first <= date.fromisoformat(value) <= last for value in values)
    assert values == sorted(values) and len(set(texts)) == len(texts)


def test_lay022_count_axis_has_no_tick_between_integers(store):
    from datetime import date

    spec = FilterSpec(date_from=date(2016, 1, 1), date_to=date(2018, 12, 31), event_types=("arrest",))
    histogram = store.histogram(spec)
    tallest = int(np.asarray(histogram.counts).sum(axis=0).max())
    assert 0 < tallest <= 5  # a few events: where Plotly would tick at 0.5
    axis = build_timeline(histogram).layout.yaxis
    assert axis.dtick == 1 and axis.tick0 == 0 and axis.tickformat == ",d"
    assert build_timeline(store.histogram(FilterSpec())).layout.yaxis.tickformat == ",d"


def test_lay023_a_fixed_axis_range_holds_the_whole_playback_span(store):
    from datetime import date

    frame = FilterSpec(date_from=date(2017, 1, 1), date_to=date(2017, 12, 31))
    whole = (date(2005, 1, 1), date(2025, 12, 31))
    axis = build_timeline(store.histogram(frame), axis_range=whole).layout.xaxis
    assert list(axis.range) == ["2005-01-01", "2026-01-01"]
    assert axis.tickvals[0] >= "2005-01-01" and axis.tickvals[-1] <= "2025-12-31"
    assert build_timeline(store.histogram(frame)).layout.xaxis.range is None
