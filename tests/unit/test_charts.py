"""The chart registry: every chart is drawn on the dashboard, exported, and can be put on a slide."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from dashboard.callbacks.views import update_shared_charts
from dashboard.data.charts import CHARTS, SHARED_PATH_CHARTS, ChartKind
from dashboard.data.filters import FilterSpec, UrlState
from dashboard.data.language import Language
from dashboard.data.stories import Panel, parse_story
from dashboard.exports.charts import build_export_figure
from dashboard.exports.spec import ChartRequest, ExportContext
from dashboard.figures.charts import CHART_BUILDERS
from dashboard.figures.kg_by_year import build_kg_by_year
from dashboard.i18n import translate
from dashboard.ids import chart_graph_id, present_chart_id, present_chart_panel_id
from dashboard.layout.page import build_page
from dashboard.layout.present import build_presenter
from dashboard.state.present_view import panels_class
from tests.unit.figure_json import as_drawn
from tests.unit.layout_tree import find


def test_cht001_kinds_and_panels_come_from_the_registry():
    assert [kind.value for kind in ChartKind] == [chart.kind for chart in CHARTS]
    assert {panel.value for panel in Panel} == {chart.kind for chart in CHARTS} | {"counts"}
    assert set(CHART_BUILDERS) == {chart.kind for chart in SHARED_PATH_CHARTS}


@pytest.mark.parametrize("kind", list(ChartKind))
@pytest.mark.parametrize("lang", list(Language))
def test_cht002_every_chart_has_its_words(kind, lang):
    keys = [f"export.chart.{kind}", f"export.alt.what.{kind}", f"story.panel.{kind}"]
    if kind in CHART_BUILDERS:
        keys += [f"chart.{kind}.title", f"chart.{kind}.help"]
    assert all(translate(key, lang) != key for key in keys)


def kg_drawn(figure) -> float:
    return float(sum(np.nansum(np.asarray(trace.y, dtype=float)) for trace in figure.data))


@pytest.mark.parametrize("spec", [FilterSpec(), FilterSpec(event_types=("drug_seizure",)),
                                  FilterSpec(countries=("BOL",)), FilterSpec(event_types=("arrest",), drugs=("cocaine",))])
def test_cht003_kg_by_year_draws_the_kilograms_of_the_view(store, bundled, spec):
    figure = build_kg_by_year(store, spec)
    assert kg_drawn(figure) == pytest.approx(store.totals(spec).kg_seized, abs=0.5)
    events = bundled.events
    chosen = events[events["quantity_kg"].fillna(0) > 0]
    if spec == FilterSpec():  # one trace per drug that holds kg, years from the first to the last seizure
        assert len(figure.data) == chosen["drug"].fillna("").nunique()
        years = sorted({int(str(d)[:4]) for d in chosen["event_date"]})
        assert list(figure.data[0].x) == [str(y) for y in range(years[0], years[-1] + 1)]


def test_cht004_the_dashboard_has_a_panel_and_a_callback_for_each_shared_chart(app_context):
    page = build_page(app_context, UrlState(), [])
    for chart in SHARED_PATH_CHARTS:
        assert find(page, chart_graph_id(chart.kind)) is not None
    spec = FilterSpec(event_types=("drug_seizure",))
    figures = {kind: as_drawn(figure) for kind, figure in update_shared_charts(lang="es", filter_data=spec.to_store()).items()}
    assert set(figures) == {chart.kind for chart in SHARED_PATH_CHARTS}
    assert kg_drawn(figures["kg_by_year"]) == pytest.approx(app_context.store.totals(spec).kg_seized, abs=0.5)
    assert figures["kg_by_year"].layout.title.text == translate("chart.kg_by_year.unit", "es")


@pytest.mark.parametrize("kind", [chart.kind for chart in SHARED_PATH_CHARTS])
def test_cht005_each_shared_chart_exports_a_framed_page(store, bundled, kind):
    context = ExportContext(spec=FilterSpec(), lang="en", sources=1, title="A title", subtitle="A subtitle",
                            source_line="Source: Rutas", alt_text="", permalink="https://example.org/",
                            exported_at=datetime(2026, 1, 15, tzinfo=UTC), events=store.size)
    figure = build_export_figure(store, FilterSpec(), ChartRequest(chart=ChartKind(kind)), context,
                                 routes=bundled.routes, regions=bundled.regions)
    text = json.dumps(figure.to_plotly_json(), default=str)
    assert "A title" in text and "Source: Rutas" in text
    assert kg_drawn(figure) == pytest.approx(store.totals(FilterSpec()).kg_seized, abs=0.5)


def test_cht006_a_slide_can_show_a_shared_chart_and_the_presenter_draws_it(app_context, tmp_path):
    story_text = json.dumps({"format": "rutas-story", "version": 2, "id": "kg-story", "title": "Kg", "slides": [
        {"title": "Kilograms", "filters": {"type": "drug_seizure"}, "panels": ["map", "kg_by_year"]}]})
    story = parse_story(story_text)
    slide = story.slides[0]
    assert slide.shows(Panel.KG_BY_YEAR) and not slide.shows(Panel.TIMELINE)
    assert "side-1" in panels_class(slide) and "with-map" in panels_class(slide)
    app_context.stories.save(story)
    try:
        page = build_presenter(app_context, "kg-story", "", "en")
    finally:  # the session's data directory is shared: leave no story behind
        app_context.stories.delete("kg-story")
    panel = find(page, present_chart_panel_id("kg_by_year"))
    assert panel is not None and panel.hidden is False
    graph = find(page, present_chart_id("kg_by_year"))
    assert kg_drawn(graph.figure) == pytest.approx(app_context.store.totals(slide.spec).kg_seized, abs=0.5)


@pytest.mark.parametrize(("spec", "note_key"), [(FilterSpec(event_types=("attack_on_security_forces",)), "chart.kg_by_year.no_kg"),
                                                (FilterSpec(countries=("ZZZ",)), "map.no_events")])
def test_cht007_an_empty_kg_chart_says_why(store, bundled, spec, note_key):
    """Events without a stated quantity are not 'no events': the export says which it is."""
    assert store.totals(spec).kg_seized == 0
    context = ExportContext(spec=spec, lang="es", sources=0, title="T", subtitle="S", source_line="Source",
                            alt_text="", permalink="https://example.org/",
                            exported_at=datetime(2026, 1, 15, tzinfo=UTC), events=store.count(spec))
    figure = build_export_figure(store, spec, ChartRequest(chart=ChartKind.KG_BY_YEAR), context,
                                 routes=bundled.routes, regions=bundled.regions)
    notes = [a.text for a in figure.layout.annotations if a.name == "export-empty"]
    assert notes == [translate(note_key, "es")]
    screen = build_kg_by_year(store, spec, lang="es")
    assert [a.text for a in screen.layout.annotations if a.name == "chart-empty"] == [translate(note_key, "es")]
