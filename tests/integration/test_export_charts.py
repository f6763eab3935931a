"""Exported chart figures, checked without rendering: traces, frame text, sizes, themes, cells."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import plotly.graph_objects as go
import pytest

from dashboard.data.filters import FilterSpec
from dashboard.exports.charts import EXPORT_MAX_POINTS, build_export_figure, type_scale
from dashboard.exports.render import render_figure
from dashboard.exports.spec import (
    PRESET_PIXELS,
    ChartKind,
    ChartRequest,
    ExportContext,
    ExportFormat,
    ExportTheme,
    SizePreset,
)
from dashboard.figures.geo import DEFAULT_EXTENT, fit_extent, geo_axis_ranges, mercator_y
from dashboard.figures.text_metrics import text_width, wrap_lines
from dashboard.figures.theme import EXPORT_DARK, EXPORT_LIGHT, ROUTE_COLOURS

TITLE = "Seizures bound for Europe, 2019–2024"
SUBTITLE = "Drug seizures · Peru, Spain and the Netherlands · 2019–2024"
SOURCE = ("Source: Rutas — 156 events from 98 published reports; filters: type drug seizure, countries "
          "Peru, Spain, Netherlands, from 2019-01-01 to 2024-12-31; exported 2026-01-15 10:32 UTC")


NO_FILTER = FilterSpec()


def make_context(spec: FilterSpec = NO_FILTER, *, title: str = TITLE, subtitle: str = SUBTITLE,
                 source: str = SOURCE, credit: str = "", lang: str = "en") -> ExportContext:
    return ExportContext(spec=spec, lang=lang, title=title, subtitle=subtitle, source_line=source,
                         alt_text="A map.", permalink="https://example.org/?lang=en",
                         exported_at=datetime(2026, 1, 15, 10, 32, tzinfo=UTC), events=156, sources=98,
                         credit=credit)


@pytest.fixture(scope="module")
def build(store, bundled):
    def _build(chart=ChartKind.MAP, size=SizePreset.WEB, theme=ExportTheme.LIGHT, spec=NO_FILTER,
               context=None, **kwargs):
        request = ChartRequest(chart=chart, size=size, theme=theme,
                               breakdown_field=kwargs.pop("breakdown_field", "event_type"))
        return build_export_figure(store, spec, request, context or make_context(spec), routes=bundled.routes,
                                   regions=bundled.regions, **kwargs)
    return _build


def annotation(figure: go.Figure, name: str):
    found = [a for a in figure.layout.annotations if a.name == name]
    assert len(found) == 1, f"{name}: {len(found)} annotations"
    return found[0]


def joined(text: str) -> str:
    return " ".join(text.replace("<br>", " ").split())


def test_exp001_map_is_all_geo_traces_on_a_mercator_map(build):
    figure = build()
    assert figure.data and all(isinstance(trace, go.Scattergeo) for trace in figure.data)
    geo = figure.layout.geo
    assert geo.projection.type == "mercator" and geo.resolution == 110  # a view wider than 60°
    assert build(spec=FilterSpec(countries=("PER",))).layout.geo.resolution == 50
    assert geo.showcountries and geo.showcoastlines and geo.showland and geo.showocean
    assert "map" not in figure.to_plotly_json()["layout"]  # no MapLibre subplot (it exports as a raster)
    go.Figure(figure.to_dict())  # every property valid


def test_exp002_map_draws_every_route_leg_documented_solid_inferred_dotted(build, bundled):
    figure = build()
    legs = [t for t in figure.data if t.legend == "legend2" and t.fill != "toself"]
    assert len(legs) == len(bundled.routes["features"])
    for trace, feature in zip(legs, bundled.routes["features"], strict=True):
        props = feature["properties"]
        assert trace.line.dash == ("solid" if props["evidence"] == "documented" else "dot")
        assert trace.line.color == ROUTE_COLOURS[props["mode"]]
    vraem = [t for t in figure.data if t.fill == "toself"]
    assert len(vraem) == 1 and vraem[0].name.startswith("VRAEM")
    # One legend entry per mode and evidence.
    shown = [t.name for t in legs if t.showlegend]
    assert len(shown) == len(set(shown)) == len({(f["properties"]["mode"], f["properties"]["evidence"])
                                                  for f in bundled.routes["features"]})


def test_exp003_map_points_coloured_by_type_with_one_legend_entry_each(build, store):
    figure = build()
    events = [t for t in figure.data if t.legendgroup and t.legend in (None, "legend")
              and t.mode == "markers" and t.legendgroup != ""]
    drawn = sum(sum(lat is not None for lat in t.lat) for t in events)  # legend-only swatches hold [None]
    assert drawn == store.count(FilterSpec())  # the bundled events all fall inside the fitted view
    in_legend = [t.legendgroup for t in events if t.showlegend]
    assert len(in_legend) == len(set(in_legend)) == len({t.legendgroup for t in events})


@pytest.mark.parametrize("chart", list(ChartKind))
def test_exp004_title_subtitle_source_and_credit_are_drawn(build, chart):
    figure = build(chart=chart, context=make_context(credit="Graphic: A. Reporter"))
    assert joined(annotation(figure, "export-title").text) == TITLE
    assert joined(annotation(figure, "export-subtitle").text) == SUBTITLE
    assert joined(annotation(figure, "export-source").text) == SOURCE
    assert annotation(figure, "export-credit").text == "Graphic: A. Reporter"
    assert annotation(figure, "export-credit").xanchor == "right"
    assert annotation(figure, "export-title").font.weight == "bold"


@pytest.mark.parametrize("size", list(SizePreset))
@pytest.mark.parametrize("chart", list(ChartKind))
def test_exp005_layout_size_is_the_preset_and_the_frame_fits(build, chart, size):
    figure = build(chart=chart, size=size)
    width, height = PRESET_PIXELS[size]
    layout = figure.layout
    assert (layout.width, layout.height) == (width, height)
    margin = layout.margin
    assert margin.autoexpand is False
    plot_w, plot_h = width - margin.l - margin.r, height - margin.t - margin.b
    assert plot_w > 0.45 * width and plot_h > 0.35 * height
    title = annotation(figure, "export-title")
    source = annotation(figure, "export-source")
    # Title starts inside the page's top padding; the footer ends inside the bottom padding.
    assert 0 < margin.t - title.yshift < 0.1 * height
    assert 0 < margin.b + source.yshift < 0.1 * height


def test_exp006_long_text_wraps_to_the_page_width(build):
    long_source = SOURCE + "; " + "; ".join(f"dataset {n} (a long descriptive name)" for n in range(12))
    figure = build(size=SizePreset.STORY, context=make_context(source=long_source))
    lines = annotation(figure, "export-source").text.split("<br>")
    scale = type_scale(ChartRequest(size=SizePreset.STORY))
    assert len(lines) > 2
    assert all(text_width(line, scale.footer) <= 1080 - 2 * scale.pad for line in lines)
    assert joined(annotation(figure, "export-source").text).startswith("Source: Rutas —")


def test_exp007_user_text_is_escaped(build):
    figure = build(context=make_context(title="<b>Seized</b> & <script>x</script>", credit="<i>me</i>",
                                        subtitle="Dataset <img src=x>"))
    assert joined(annotation(figure, "export-title").text) == "&lt;b&gt;Seized&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;"
    assert annotation(figure, "export-credit").text == "&lt;i&gt;me&lt;/i&gt;"
    assert "<img" not in annotation(figure, "export-subtitle").text


def test_exp008_story_puts_the_legend_below_wide_pages_to_the_right(build):
    story = build(size=SizePreset.STORY)
    bottom_of_plot = story.layout.margin.b / 1920  # container y of the plot's bottom edge
    for name in ("legend", "legend2"):
        legend = story.layout[name]
        assert legend.yref == "container" and legend.y < bottom_of_plot
    assert story.layout.legend.x < story.layout.legend2.x  # side by side
    web = build(size=SizePreset.WEB)
    right_of_plot = (1200 - web.layout.margin.r) / 1200
    for name in ("legend", "legend2"):
        assert web.layout[name].xref == "container" and web.layout[name].x > right_of_plot


def test_exp009_type_grows_for_pages_read_on_a_phone():
    web = type_scale(ChartRequest(size=SizePreset.WEB))
    story = type_scale(ChartRequest(size=SizePreset.STORY))
    square = type_scale(ChartRequest(size=SizePreset.SQUARE))
    a4 = type_scale(ChartRequest(size=SizePreset.A4))
    assert story.base > 1.6 * web.base and square.base > 1.5 * web.base
    assert 13 <= a4.base <= 16  # ~10–12 pt on paper
    assert story.title >= 40


def test_exp010_dark_theme_colours(build):
    for chart in ChartKind:
        figure = build(chart=chart, theme=ExportTheme.DARK)
        assert figure.layout.paper_bgcolor == EXPORT_DARK.paper_colour
        assert annotation(figure, "export-title").font.color == EXPORT_DARK.text_colour
    geo = build(theme=ExportTheme.DARK).layout.geo
    assert (geo.landcolor, geo.oceancolor) == (EXPORT_DARK.land_colour, EXPORT_DARK.water_colour)
    light = build(theme=ExportTheme.LIGHT)
    assert light.layout.paper_bgcolor == EXPORT_LIGHT.paper_colour == "#ffffff"

    def luminance(colour: str) -> float:
        red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    assert luminance(EXPORT_DARK.paper_colour) < 0.1 < 0.8 < luminance(EXPORT_DARK.text_colour)
    assert abs(luminance(EXPORT_DARK.land_colour) - luminance(EXPORT_DARK.water_colour)) > 0.05


def test_exp011_many_events_become_grid_cells(build, store):
    figure = build(max_points=20)
    cells = [t for t in figure.data if t.marker and t.marker.symbol == "square"]
    assert len(cells) == 1
    assert cells[0].marker.colorbar is not None
    assert int(np.sum(cells[0].customdata)) == store.count(FilterSpec())
    assert not [t for t in figure.data if t.legendgroup in {"drug_seizure", "arrest"}]  # no points
    assert annotation(figure, "export-cell-scale").text.startswith("Events per cell (")
    assert EXPORT_MAX_POINTS == 20_000


def test_exp012_extent_fits_the_events_and_the_plot_shape():
    lon = np.array([-77.1, -73.8, -63.2, 4.4])
    lat = np.array([-12.0, -12.5, -17.8, 51.3])
    west, south, east, north = fit_extent(lon, lat, aspect=1.6)
    assert west < -77.1 and east > 4.4 and south < -17.8 and north > 51.3
    ratio = math.radians(east - west) / (mercator_y(north) - mercator_y(south))
    assert ratio == pytest.approx(1.6, rel=1e-6)
    assert fit_extent(np.array([]), np.array([]), 1.0)[0] <= DEFAULT_EXTENT[0]
    # From 100 events on, a lone far event does not set the view.
    many_lon = np.r_[np.full(150, -74.0) + np.linspace(0, 2, 150), [100.0]]
    many_lat = np.r_[np.full(150, -12.0) + np.linspace(0, 2, 150), [40.0]]
    assert fit_extent(many_lon, many_lat, 1.0)[2] < 0


def test_exp013_axis_ranges_undo_plotlys_great_circle_box():
    lon_range, lat_range = geo_axis_ranges((-120.0, -25.0, 40.0, 57.0))
    assert lon_range == [-120.0, 40.0]
    assert -25.0 < lat_range[0] < 0 < lat_range[1] < 57.0
    # An arc from the asked latitude, 40° of longitude long, peaks at the wanted edge.
    peak = math.degrees(math.atan(math.tan(math.radians(lat_range[1])) / math.cos(math.radians(20))))
    assert peak == pytest.approx(57.0)
    assert geo_axis_ranges((-80.0, -20.0, -60.0, -5.0))[1][1] == -5.0  # edge bows inwards: unchanged


def test_exp014_map_of_nothing_shows_peru_and_bolivia_and_says_so(build):
    spec = FilterSpec(text="no such place anywhere")
    figure = build(spec=spec)
    lon_range = figure.layout.geo.lonaxis.range
    assert lon_range[0] <= -77 and lon_range[1] >= -58
    assert annotation(figure, "export-empty").text == "No events match these filters"


def test_exp015_place_names_only_inside_the_view(build):
    figure = build(spec=FilterSpec(countries=("PER",)))
    west, east = figure.layout.geo.lonaxis.range
    names = [t for t in figure.data if t.mode == "text"]
    assert names and sum(len(t.text) for t in names) >= 5
    for trace in names:
        assert all(west <= lon <= east for lon in trace.lon)
    assert "Pichari" in [text for t in names for text in t.text]


def test_exp016_timeline_for_print(build):
    figure = build(chart=ChartKind.TIMELINE)
    assert all(isinstance(t, go.Bar) for t in figure.data)
    assert figure.layout.showlegend and figure.layout.dragmode is False
    assert not figure.layout.shapes  # no brushed-range shading
    assert figure.layout.title.text is None
    assert annotation(figure, "export-axis-unit").text.startswith("Events per")
    assert figure.layout.xaxis.tickfont.size == type_scale(ChartRequest()).tick
    go.Figure(figure.to_dict())


@pytest.mark.parametrize("field", ["event_type", "actor_group", "country"])
def test_exp017_breakdown_for_print(build, field):
    figure = build(chart=ChartKind.BREAKDOWN, breakdown_field=field)
    bars = figure.data[0]
    assert bars.orientation == "h" and len(bars.y) >= 3
    assert figure.layout.height == 675 and figure.layout.showlegend is False
    go.Figure(figure.to_dict())


def test_exp018_spanish_labels(build):
    figure = build(context=make_context(lang="es", title="Incautaciones"))
    names = {t.name for t in figure.data if t.showlegend}
    assert "Incautación de droga" in names
    assert figure.layout.legend2.title.text.startswith("Rutas")


def test_exp019_wrapping_keeps_every_word_and_marks_a_cut():
    text = "one two three four five six seven eight nine ten"
    lines = wrap_lines(text, 120, 16)
    assert len(lines) > 1 and " ".join(lines) == text
    cut = wrap_lines(text, 120, 16, max_lines=2)
    assert len(cut) == 2 and cut[-1].endswith("…")
    assert wrap_lines("", 100, 16) == []


def test_exp020_render_rejects_other_formats_before_starting_anything():
    with pytest.raises(ValueError):
        render_figure(go.Figure(), ExportFormat.CSV, width=100, height=100)
    with pytest.raises(ValueError):
        render_figure(go.Figure(), ExportFormat.PNG, width=100, height=100, scale=4)
    with pytest.raises(ValueError):
        render_figure(go.Figure(), ExportFormat.PNG, width=0, height=100)
