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
from dashboard.figures.print_charts import MIN_EVENTS_PER_BIN, print_time_unit
from dashboard.figures.theme import EVENT_COLOURS, EXPORT_DARK, MARK_CONTRAST
from dashboard.words.summary import filter_summary

EXPORTED = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SEIZURES_2019_2024 = FilterSpec(event_types=("drug_seizure",), date_from=date(2019, 1, 1),
                                date_to=date(2024, 12, 31))
SEIZURES_QUERY = "type=drug_seizure&from=2019-01-01&to=2024-12-31"


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
    assert seizures and {t.marker.color for t in seizures} == {EXPORT_DARK.colour("#332288")}
    assert EXPORT_DARK.colour("#332288") != "#332288"
    bars = build(store, bundled, SEIZURES_2019_2024, ChartKind.TIMELINE, theme=ExportTheme.DARK)
    assert {t.marker.color for t in bars.data} == {EXPORT_DARK.colour("#332288")}


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
