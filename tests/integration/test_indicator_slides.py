"""Indicators in exports and briefing packs (issue 18 part 6): the export dialog offers the view's series
and makes its chart as PNG, SVG, PDF and HTML; a slide's indicator panel is drawn on its PDF page and
PPTX slide. kaleido is real (Debian Chromium, offline)."""

from __future__ import annotations

import base64
import html
import io
import re
from datetime import UTC, datetime

import pypdf
import pytest
from dash import no_update
from dash.exceptions import PreventUpdate
from pptx import Presentation

from dashboard.callbacks.exports import on_export_download, update_export_charts
from dashboard.data.charts import ChartKind
from dashboard.data.stories import Panel, StoryRepository, story_in
from dashboard.exports.briefing import BriefingFormat, build_briefing
from dashboard.exports.render import find_chart_browser
from dashboard.i18n import translate
from dashboard.state.views import indicator_catalog_of

pytestmark = pytest.mark.skipif(find_chart_browser() is None, reason="no Chromium for kaleido")

VIEW = "?type=drug_seizure&from=2013-01-01&to=2022-12-31&ind=coca_area"
EXPORTED = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def publishers_drawn(app_context, first: int, last: int) -> set[str]:
    return {v.publisher for v in indicator_catalog_of(app_context).series_values("coca_area") if first <= v.year <= last}


def test_ixs001_the_dialog_offers_the_indicator_only_when_the_view_has_one(app_context):
    with pytest.raises(PreventUpdate):
        update_export_charts(True, "map", VIEW, "en")
    shown = update_export_charts(False, "map", VIEW, "es")
    option = next(o for o in shown["options"] if o["value"] == ChartKind.INDICATOR)
    assert option["disabled"] is False and option["label"] == "Indicador: Cultivo de coca"
    assert shown["chart"] is no_update
    bare = update_export_charts(False, "indicator", "?type=drug_seizure", "en")
    assert next(o for o in bare["options"] if o["value"] == ChartKind.INDICATOR)["disabled"] is True
    assert bare["chart"] == ChartKind.MAP  # the series went away: back to the map
    unknown = update_export_charts(False, "map", "?ind=no_such_series", "en")
    assert next(o for o in unknown["options"] if o["value"] == ChartKind.INDICATOR)["disabled"] is True


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("svg", b"<svg"), ("pdf", b"%PDF"),
                                            ("html", b"<!DOCTYPE html>")])
def test_ixs002_the_dialog_exports_the_view_s_indicator_chart(app_context, fmt, magic):
    data, status = on_export_download(1, "indicator", fmt, "web", 1, "light", "", "Graphic: Rutas", "event_type",
                                      VIEW, "en")
    assert data is not no_update, status
    body = base64.b64decode(data["content"])
    assert body.lstrip()[:len(magic)].lower() == magic.lower()
    assert data["filename"].startswith("rutas-indicator-coca-cultivation-hectares-2013-2022-web-light-")
    assert data["filename"] in status
    if fmt == "svg":
        text = body.decode("utf-8")
        assert "Coca cultivation (hectares), 2013–2022" in text and "method change 2018" in text
        words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())
        for name in publishers_drawn(app_context, 2013, 2022):  # the source line names every one
            assert name in words, name
        assert "Chart of Coca cultivation (hectares) by year, 2013–2022" in text  # alt text inside the file
    if fmt == "pdf":
        text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)
        assert "Coca cultivation (hectares), 2013–2022" in " ".join(text.split())


def test_ixs003_a_view_without_a_series_is_told_so(app_context):
    data, status = on_export_download(1, "indicator", "png", "web", 1, "light", "", "", "event_type",
                                      "?type=drug_seizure", "en")
    assert data is no_update and translate("export.indicator_none", "en") in status


@pytest.fixture(scope="module")
def scale_story(app_context):
    story = StoryRepository(app_context.settings.data_dir).get("from-the-vraem-to-europe")
    scale = story.with_slides(story.slides[-1:])
    assert scale.slides[0].indicator == "coca_area" and scale.slides[0].shows(Panel.INDICATOR)
    return scale


def test_ixs004_the_pdf_page_draws_the_slide_s_indicator_panel(app_context, scale_story):
    data = build_briefing(app_context.store, app_context.data, scale_story, BriefingFormat.PDF, lang="en",
                          exported_at=EXPORTED, indicators=indicator_catalog_of(app_context))
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Coca cultivation (hectares), 2013–2022" in text and "method change 2018" in text
    for place in ("Peru", "VRAEM", "Bolivia"):
        assert place in text
    assert "El Comercio 30 Jun 2023" in text and "El Búho" in text  # the 2022 VRAEM value's two sources
    assert "ind=coca_area" in text  # the slide's link reopens its series


def test_ixs005_the_pptx_slide_has_the_indicator_picture_and_its_alt_text(app_context, scale_story):
    data = build_briefing(app_context.store, app_context.data, story_in(scale_story, "es"), BriefingFormat.PPTX,
                          lang="es", exported_at=EXPORTED, indicators=indicator_catalog_of(app_context))
    (slide,) = Presentation(io.BytesIO(data)).slides
    pictures = {shape.name.split(":")[0]: shape for shape in slide.shapes if shape.shape_type == 13}
    assert set(pictures) == {"map", "indicator"}
    indicator = pictures["indicator"]
    alt = indicator._element.nvPicPr.cNvPr.get("descr")
    assert alt.startswith("Gráfico de Cultivo de coca (hectáreas) por año, 2013–2022")
    assert indicator.left > pictures["map"].left and indicator.image.blob[:4] == b"\x89PNG"
