"""Exported charts fit for print (issue 15): framing, labels, subtitles, bins, contrast, file names."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from dashboard.data.filters import FilterSpec
from dashboard.data.schema import EventType
from dashboard.exports.captions import export_context, unsaid_filters
from dashboard.exports.charts import build_export_figure
from dashboard.exports.service import export_view
from dashboard.exports.spec import ChartKind, ChartRequest, ExportFormat, ExportTheme, SizePreset
from dashboard.figures.geo import MapProjection
from dashboard.figures.page_frame import print_page, with_note
from dashboard.figures.print_charts import (
    MIN_EVENTS_PER_BIN,
    UPRIGHT_TICK_EMS,
    print_time_unit,
    year_label_step,
)
from dashboard.figures.print_map import (
    CLUSTER_MAX_LEFT_OUT,
    CLUSTER_MIN_SHARE,
    build_print_map,
    frame_extent,
    main_cluster,
)
from dashboard.figures.text_metrics import text_width
from dashboard.figures.theme import EVENT_COLOURS, EXPORT_DARK, EXPORT_LIGHT, MARK_CONTRAST
from dashboard.words.summary import filter_summary

EXPORTED = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SEIZURES_2019_2024 = FilterSpec(event_types=("drug_seizure",), date_from=date(2019, 1, 1),
                                date_to=date(2024, 12, 31))
SEIZURES_QUERY = "type=drug_seizure&from=2019-01-01&to=2024-12-31"


def type_page():
    return print_page(1200, 675, 1200)


def context_for(store, spec, chart=ChartKind.MAP, title="", lang="en"):
    return export_context(store, spec, ChartRequest(chart=chart, title=title), lang, permalink="x",
                          exported_at=EXPORTED)


def build(store, bundled, spec, chart=ChartKind.MAP, theme=ExportTheme.LIGHT, size=SizePreset.WEB):
    request = ChartRequest(chart=chart, theme=theme, size=size)
    return build_export_figure(store, spec, request, context_for(store, spec, chart), routes=bundled.routes,
                               regions=bundled.regions)


# ---- contrast -----------------------------------------------------------------------------------
def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a ``#rrggbb`` colour."""
    value = colour.lstrip("#")
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_prn001_contrast_ratio_is_wcags():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#332288", "#3a424c") < MARK_CONTRAST  # the old dark land: indigo seizures vanished


@pytest.mark.parametrize("event_type", list(EventType))
def test_prn002_dark_export_marks_reach_3_to_1_on_land_and_paper(event_type):
    shown = EXPORT_DARK.colour(EVENT_COLOURS[event_type])
    for background in (EXPORT_DARK.land_colour, EXPORT_DARK.paper_colour, EXPORT_DARK.water_colour):
        assert contrast(shown, background) >= MARK_CONTRAST, (event_type, shown, background)


def test_prn003_dark_map_and_timeline_draw_the_lifted_colours(store, bundled):
    figure = build(store, bundled, SEIZURES_2019_2024, theme=ExportTheme.DARK)
    seizures = [t for t in figure.data if t.legendgroup == "drug_seizure"]
    assert seizures and {solid(t.marker.color) for t in seizures} == {EXPORT_DARK.colour("#332288")}
    assert EXPORT_DARK.colour("#332288") != "#332288"
    bars = build(store, bundled, SEIZURES_2019_2024, ChartKind.TIMELINE, theme=ExportTheme.DARK)
    assert {t.marker.color for t in bars.data} == {EXPORT_DARK.colour("#332288")}


def solid(colour: str) -> str:
    """``#rrggbb`` of a marker colour given as hex or as ``rgba(r,g,b,a)`` (a faded fill)."""
    if colour.startswith("#"):
        return colour.lower()
    red, green, blue = (int(part) for part in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


@pytest.mark.parametrize("event_type", list(EventType))
def test_prn004_light_export_marks_reach_3_to_1_by_fill_or_rim(event_type):
    """Light print: a hue under 3:1 against land, paper or water keeps its hue and gets a rim that
    reaches 3:1 against all three (aircraft interdiction measured 1.4:1 on water, arrest 1.3:1)."""
    shown = EXPORT_LIGHT.colour(EVENT_COLOURS[event_type])
    backgrounds = (EXPORT_LIGHT.land_colour, EXPORT_LIGHT.paper_colour, EXPORT_LIGHT.water_colour)
    rim = EXPORT_LIGHT.mark_rim(shown)
    if min(contrast(shown, b) for b in backgrounds) < MARK_CONTRAST:
        assert rim is not None and min(contrast(rim, b) for b in backgrounds) >= MARK_CONTRAST, event_type
    else:
        assert rim is None, event_type
    assert EXPORT_LIGHT.mark_rim("#88CCEE") and EXPORT_LIGHT.mark_rim("#DDCC77") and EXPORT_LIGHT.mark_rim("#BBBBBB")


def test_prn005_light_map_and_charts_draw_the_rims_and_full_colour_swatches(store, bundled):
    air = FilterSpec(event_types=("aircraft_interdiction", "airstrip_destroyed", "drug_seizure"))
    figure = build(store, bundled, air)
    marks = [t for t in figure.data if t.legendgroup in ("aircraft_interdiction", "airstrip_destroyed", "drug_seizure")]
    assert marks
    for trace in marks:
        rim = EXPORT_LIGHT.mark_rim(solid(trace.marker.color).upper())
        if trace.legendgroup == "drug_seizure":
            assert rim is None and trace.marker.line.color == EXPORT_LIGHT.marker_line_colour
        else:
            assert trace.marker.line.color == rim == EXPORT_LIGHT.pale_mark_rim and trace.marker.line.width >= 1
    # Each type's legend swatch is its full colour: an exact-place trace or a legend-only one, never a faded fill.
    swatches = [t for t in figure.data if t.showlegend and t.legendgroup in EVENT_COLOURS]
    assert swatches and all(t.marker.color.startswith("#") and t.marker.opacity >= 0.9 for t in swatches)
    bars = build(store, bundled, air, ChartKind.TIMELINE)
    rimmed = 0
    for trace in bars.data:
        rim = EXPORT_LIGHT.mark_rim(trace.marker.color)
        if rim:
            assert trace.marker.line.color == rim and trace.marker.line.width >= 1, trace.name
            rimmed += 1
    assert rimmed == 2  # aircraft interdiction and airstrips destroyed


# ---- timeline bins ------------------------------------------------------------------------------
@pytest.mark.parametrize(("events", "first", "last", "unit"), [
    (28, date(2019, 1, 1), date(2024, 12, 31), "year"),  # 72 months of 0.4 events
    (200, date(2019, 1, 1), date(2024, 12, 31), "month"),
    (10, date(2017, 3, 1), date(2017, 3, 31), "week"),
    (100, date(2017, 3, 1), date(2017, 3, 31), "day"),
    (1, date(2017, 3, 18), date(2017, 3, 18), "year"),
    (0, date(2019, 1, 1), date(2024, 12, 31), "year"),
])
def test_prn010_timeline_unit_is_chosen_for_the_count(events, first, last, unit):
    assert print_time_unit(events, first, last) == unit


def test_prn011_each_bin_of_the_chosen_unit_averages_enough_events(store):
    spec = SEIZURES_2019_2024
    unit = print_time_unit(store.count(spec), spec.date_from, spec.date_to)
    counts = store.histogram(spec, unit).counts.sum(axis=0)
    years = spec.date_to.year - spec.date_from.year + 1
    assert unit == "year" and counts.sum() / years >= MIN_EVENTS_PER_BIN
    finer = store.histogram(spec, "month").counts.sum(axis=0)
    assert finer.sum() / (years * 12) < MIN_EVENTS_PER_BIN


def test_prn012_timeline_axis_starts_at_the_filters_start_not_the_first_event(store, bundled):
    first_event = store.histogram(SEIZURES_2019_2024, "day").bin_starts[0]
    assert str(first_event) > "2019-01-31"  # the first seizure is later than the filter's start
    figure = build(store, bundled, SEIZURES_2019_2024, ChartKind.TIMELINE)
    assert list(figure.layout.xaxis.range)[0].startswith("2019-01-01")
    assert list(figure.layout.xaxis.range)[1].startswith("2025-01-01")
    assert list(figure.layout.xaxis.ticktext) == [str(y) for y in range(2019, 2025)]
    assert sum(int(np.sum(t.y)) for t in figure.data) == store.count(SEIZURES_2019_2024)
    assert all(len(t.x) == 6 for t in figure.data)  # one bar per year


def test_prn013_year_labels_thin_to_round_years_by_the_charts_width():
    assert year_label_step(6, 900, 16) == 1  # 2019–2024 on a web page: every year
    assert year_label_step(25, 900, 16) == 5  # 9 labels fit: 2005, 2010… (not 25 crammed ones)
    assert year_label_step(25, 500, 16) == 5 and year_label_step(25, 450, 16) == 10  # 5 labels fit, then 4
    assert year_label_step(12, 600, 16) == 2 and year_label_step(12, 560, 16) == 5


@pytest.mark.parametrize("size", list(SizePreset))
def test_prn014_printed_timeline_keeps_its_year_labels_upright_and_apart(store, bundled, size):
    """All events 2001–2025 in yearly bars: the labels fall on round years and each has its room."""
    figure = build(store, bundled, FilterSpec(), ChartKind.TIMELINE, size=size)
    axis = figure.layout.xaxis
    years = [int(text) for text in axis.ticktext]
    assert len(years) >= 2 and axis.tickangle in (None, 0)
    step = years[1] - years[0]
    assert step in (1, 2, 5, 10) and all(year % step == 0 for year in years)
    margin = figure.layout.margin
    plot_width = figure.layout.width - margin.l - margin.r
    tick = figure.layout.xaxis.tickfont.size
    assert len(years) <= max(2, plot_width // (tick * UPRIGHT_TICK_EMS)), (size, years)


# ---- subtitle -----------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "es"])
def test_prn020_subtitle_does_not_repeat_what_the_default_title_says(store, lang):
    context = context_for(store, SEIZURES_2019_2024, lang=lang)
    assert context.subtitle == ""  # "Drug seizures, 2019–2024" says both filters
    assert context.filters == filter_summary(SEIZURES_2019_2024, lang)
    callao = FilterSpec(event_types=("drug_seizure",), regions=("Callao",), date_from=date(2019, 1, 1))
    words = context_for(store, callao, lang=lang)
    assert "2019" in words.title and "2019" not in words.subtitle
    assert unsaid_filters(callao, words.title, lang) == FilterSpec()


def test_prn021_subtitle_keeps_what_the_title_leaves_out(store):
    spec = SEIZURES_2019_2024.with_changes(kg_min=100.0)
    context = context_for(store, spec)
    assert context.subtitle == filter_summary(FilterSpec(kg_min=100.0), "en")
    own = context_for(store, SEIZURES_2019_2024, title="Seizures under the new law")
    assert own.subtitle == filter_summary(SEIZURES_2019_2024, "en")  # a user's title: every filter


# ---- file names ---------------------------------------------------------------------------------
def test_prn030_chart_file_names_carry_chart_size_and_theme(store, bundled):
    names = set()
    for chart in (ChartKind.MAP, ChartKind.TIMELINE):
        for size in (SizePreset.WEB, SizePreset.SQUARE):
            for theme in ExportTheme:
                request = ChartRequest(chart=chart, size=size, theme=theme)
                name = export_view(store, bundled, SEIZURES_QUERY, ExportFormat.HTML, request,
                                   exported_at=EXPORTED).file_name
                assert name == f"rutas-{chart.value}-drug-seizures-2019-2024-{size.value}-{theme.value}-20261203.html"
                names.add(name)
    assert len(names) == 8  # none overwrites another


def test_prn031_data_file_names_do_not_depend_on_the_chart(store, bundled):
    light = export_view(store, bundled, SEIZURES_QUERY, ExportFormat.CSV, ChartRequest(), exported_at=EXPORTED)
    dark = export_view(store, bundled, SEIZURES_QUERY, ExportFormat.CSV,
                       ChartRequest(theme=ExportTheme.DARK, size=SizePreset.A4), exported_at=EXPORTED)
    assert light.file_name == dark.file_name == "rutas-events-drug-seizures-2019-2024-20261203.csv"


# ---- framing ------------------------------------------------------------------------------------
CALLAO = FilterSpec(event_types=("drug_seizure",), regions=("Callao",))


def test_prn040_main_cluster_is_found_only_when_a_few_events_lie_far_off(store):
    points = store.points(SEIZURES_2019_2024, 1000)
    cluster = main_cluster(points.longitude, points.latitude)
    assert cluster is not None and 0 < (~cluster).sum() <= CLUSTER_MAX_LEFT_OUT
    assert cluster.sum() / cluster.size >= CLUSTER_MIN_SHARE
    assert (points.longitude[cluster] < -60).all() and (points.longitude[~cluster] > -76).all()
    everything = store.points(FilterSpec(), 1000)  # 11 events in Europe: too many to name, all shown
    assert main_cluster(everything.longitude, everything.latitude) is None
    route = store.points(FilterSpec(routes=("callao_europe_sea",)), 1000)  # half in Europe: no cluster
    assert main_cluster(route.longitude, route.latitude) is None
    one_place = np.full(10, -77.14), np.full(10, -12.05)
    assert main_cluster(*one_place) is None


def test_prn041_a_map_framed_on_its_cluster_says_so_and_names_what_it_leaves_out(store, bundled):
    figure = build(store, bundled, SEIZURES_2019_2024)
    west, east = figure.layout.geo.lonaxis.range
    assert -95 <= west and east < -50  # Peru and Bolivia, not the Atlantic
    subtitle = " ".join(a.text for a in figure.layout.annotations if a.name == "export-subtitle")
    assert "23 of 28" in subtitle and "Rotterdam (2)" in subtitle and "Philadelphia" in subtitle
    assert "2019" not in subtitle  # the title's dates are not repeated
    events = [t for t in figure.data if t.legendgroup == "drug_seizure"]
    assert sum(len(t.lon) for t in events) == 23
    spanish = build_export_figure(store, SEIZURES_2019_2024, ChartRequest(),
                                  context_for(store, SEIZURES_2019_2024, lang="es"), routes=bundled.routes,
                                  regions=bundled.regions)
    assert any("23 de 28" in a.text for a in spanish.layout.annotations if a.name == "export-subtitle")


def test_prn042_a_story_slides_view_is_kept_as_it_is(store, bundled):
    extent = (-80.0, -20.0, 10.0, 55.0)
    context = context_for(store, SEIZURES_2019_2024)
    figure = build_print_map(store, SEIZURES_2019_2024, type_page(), context, EXPORT_LIGHT, routes=bundled.routes,
                             regions=bundled.regions, max_points=1000, extent=extent)
    assert figure.layout.geo.lonaxis.range[1] >= 10
    assert not [a for a in figure.layout.annotations if a.name == "export-subtitle"]


def test_prn043_events_in_one_port_are_framed_on_the_port(store, bundled):
    west, east = build(store, bundled, CALLAO).layout.geo.lonaxis.range
    assert east - west < 3.0  # was a 5.8° box of empty hills
    assert west < -77.14 < east


def test_prn044_with_note_adds_to_the_subtitle(store):
    context = context_for(store, SEIZURES_2019_2024.with_changes(kg_min=100.0))
    noted = with_note(context, "Map framed on Peru")
    assert noted.subtitle == f"{context.subtitle} · Map framed on Peru" and noted.title == context.title
    assert with_note(context_for(store, SEIZURES_2019_2024), "Note").subtitle == "Note"


# ---- labels -------------------------------------------------------------------------------------
def label_boxes(figure, projection):
    """Each drawn name's px box (centred where it is drawn), with its text."""
    boxes = []
    for trace in figure.data:
        if trace.mode != "text" or not str(trace.name).startswith("labels"):
            continue
        x, y = projection.px(np.asarray(trace.lon, dtype=float), np.asarray(trace.lat, dtype=float))
        for text, cx, cy in zip(trace.text, x, y):
            width, height = text_width(text, trace.textfont.size), trace.textfont.size * 1.1
            boxes.append((text, (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)))
    return boxes


def map_projection(figure, store, spec):
    margin = figure.layout.margin
    width, height = figure.layout.width - margin.l - margin.r, figure.layout.height - margin.t - margin.b
    points = store.points(spec, 1000)
    cluster = main_cluster(points.longitude, points.latitude)
    lon, lat = (points.longitude, points.latitude) if cluster is None else \
        (points.longitude[cluster], points.latitude[cluster])
    extent = frame_extent(lon, lat, width / height)
    assert extent[0] == pytest.approx(figure.layout.geo.lonaxis.range[0])
    return MapProjection(extent, margin.l, margin.t, width, height), points


@pytest.mark.parametrize("spec", [CALLAO, SEIZURES_2019_2024, FilterSpec(bbox=(-75.5, -13.5, -73.0, -11.0))])
@pytest.mark.parametrize("theme", list(ExportTheme))
def test_prn050_names_sit_on_no_marker_no_other_name_and_inside_the_map(store, bundled, spec, theme):
    figure = build(store, bundled, spec, theme=theme)
    projection, points = map_projection(figure, store, spec)
    boxes = label_boxes(figure, projection)
    assert len(boxes) >= 2
    events = [t for t in figure.data if t.legendgroup and t.mode == "markers"]
    lon = np.concatenate([np.asarray(t.lon, dtype=float) for t in events])
    lat = np.concatenate([np.asarray(t.lat, dtype=float) for t in events])
    radius = np.concatenate([np.broadcast_to(np.asarray(t.marker.size, dtype=float), len(t.lon)) for t in events]) / 2
    mx, my = projection.px(lon, lat)
    left, top, right, bottom = projection.plot_box
    for index, (text, box) in enumerate(boxes):
        assert left - 1 <= box[0] and box[2] <= right + 1 and top - 1 <= box[1] and box[3] <= bottom + 1, text
        nearest_x, nearest_y = np.clip(mx, box[0], box[2]), np.clip(my, box[1], box[3])
        inside = np.hypot(mx - nearest_x, my - nearest_y) < radius - 1
        assert not inside.any(), (text, lon[inside], lat[inside])
        for other_text, other in boxes[index + 1:]:
            overlap = min(box[2], other[2]) - max(box[0], other[0]), min(box[3], other[3]) - max(box[1], other[1])
            assert min(overlap) <= 1, (text, other_text)


def test_prn051_the_places_of_the_events_are_named_first_callao_on_a_callao_map(store, bundled):
    figure = build(store, bundled, CALLAO)
    names = {t.name: list(t.text) for t in figure.data if t.mode == "text"}
    assert names["labels-events"] == ["Port of Callao"]
    assert "Lima" in [text for values in names.values() for text in values]  # both fit, neither on a marker
    seizures = {t.name: list(t.text) for t in build(store, bundled, SEIZURES_2019_2024).data if t.mode == "text"}
    assert {"Port of Callao", "Pichari", "Tambo Quemado"} <= set(seizures["labels-events"])
    assert "Antwerp" not in [text for values in seizures.values() for text in values]  # outside the frame


def test_prn052_a_name_is_drawn_next_to_its_place(store, bundled):
    figure = build(store, bundled, CALLAO)
    projection, _ = map_projection(figure, store, CALLAO)
    trace = next(t for t in figure.data if t.name == "labels-events")
    (place_lon, place_lat), = trace.customdata
    px, py = projection.px(np.array([place_lon]), np.array([place_lat]))
    (_, box), = [b for b in label_boxes(figure, projection) if b[0] == "Port of Callao"]
    gap = max(box[0] - px[0], px[0] - box[2], box[1] - py[0], py[0] - box[3])
    assert 0 < gap < 30  # clear of the port's markers, close enough to read as its name


def test_prn045_the_alt_text_of_a_framed_map_says_what_it_leaves_out(store):
    framed = context_for(store, SEIZURES_2019_2024).alt_text
    assert framed.endswith("(23 of 28); not shown: Rotterdam (2), Algeciras, Barcelona and Philadelphia.")
    timeline = context_for(store, SEIZURES_2019_2024, ChartKind.TIMELINE).alt_text
    assert "not shown" not in timeline  # a timeline counts every event
    assert "not shown" not in context_for(store, CALLAO).alt_text


def test_prn053_an_exact_event_place_missing_from_the_places_file_is_named_from_the_gazetteer(store, bundled):
    route = FilterSpec(routes=("callao_europe_sea",))
    names = {t.name: list(t.text) for t in build(store, bundled, route).data if t.mode == "text"}
    assert "Medellín" in names["labels-events"]  # the arrest on the sea route, in no places-file row
    assert {"Lima", "Rotterdam"} <= set(names["labels-rank1"])  # capitals and ports in a knot still named
    vraem = build(store, bundled, FilterSpec(bbox=(-75.5, -13.5, -73.0, -11.0)))
    projection, points = map_projection(vraem, store, FilterSpec(bbox=(-75.5, -13.5, -73.0, -11.0)))
    named = [t for t in vraem.data if t.name == "labels-events"][0]
    approximate_x, approximate_y = projection.px(points.longitude[~points.precise], points.latitude[~points.precise])
    exact_x, exact_y = projection.px(points.longitude[points.precise], points.latitude[points.precise])
    for place_lon, place_lat in named.customdata:  # every event place is near an event
        px, py = projection.px(np.array([place_lon]), np.array([place_lat]))
        near = np.hypot(np.concatenate([approximate_x, exact_x]) - px[0],
                        np.concatenate([approximate_y, exact_y]) - py[0])
        assert near.min() <= 10.5
