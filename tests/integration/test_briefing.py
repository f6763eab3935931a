"""The briefing pack's pure parts, checked without rendering: page text layout, notes, footer, names, views."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from dashboard.data.filters import MapView, parse_url_state
from dashboard.data.store import InMemoryEventStore
from dashboard.data.stories import Panel, Slide, Story, StoryRepository
from dashboard.data.synth import synthetic_events
from dashboard.exports.briefing import (
    BRIEFING_MEDIA_TYPES,
    PDF_PX,
    PRESENTER_LEGEND_PX,
    SLIDE_IN,
    SOURCE_COLUMNS,
    SOURCE_ROWS,
    BriefingFormat,
    briefing_file_name,
    build_briefing,
    build_panel,
    build_pdf_page,
    caption_points,
    counts_line,
    drawn_panels,
    footer_text,
    layout_page,
    layout_slide,
    link_areas,
    notes_text,
    panel_boxes,
    presenter_extent,
    short_link,
    slide_permalink,
    source_list,
    title_points,
)
from dashboard.figures.geo import PRESENT_MAP_PX, mercator_y, shape_extent, slide_view, view_extent
from dashboard.figures.text_metrics import text_width, wrap_lines
from dashboard.words.slide_facts import slide_facts

WHEN = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
SOURCES = tuple((f"Outlet {i}", f"https://news.example.org/{i}/" + "long-path-segment-" * 4, 10 - i)
                for i in range(12))
CAPTION = " ".join(["Police seized cocaine in Callao bound for Antwerp."] * 6) + " Lastword."


def make_story(**slide_changes) -> Story:
    slides = (
        Slide(title="All events", caption="Everything we hold.", notes="Open wide.",
              view=MapView(-10.0, -70.0, 3.0)),
        Slide(title="Seizures", caption=CAPTION, spec=parse_url_state("type=drug_seizure&from=2019-01-01")[0].spec,
              **slide_changes),
    )
    return Story(story_id="unit-story", title="A unit story", slides=slides, lang="en")


# ---- words around the story ----------------------------------------------------------------------
def test_brf110_counts_line_and_footer_in_both_languages(store):
    story = make_story()
    facts = slide_facts(store, story, 1, "en")
    line = counts_line(facts, "en")
    assert line.startswith(f"{facts.totals.events:,} events · ") and "kg seized" in line and "sources" in line
    assert "deaths" not in line  # a seizure slide has no death toll to state
    es = counts_line(slide_facts(store, story, 0, "es"), "es")
    assert "eventos" in es and "muertes" in es and "kg incautados" in es and "fuentes" in es
    link = slide_permalink("https://rutas.example.org/app", story.slides[1], "es")
    assert link.startswith("https://rutas.example.org/app/?") and "lang=es" in link and "type=drug_seizure" in link
    footer = footer_text(story, facts, link, WHEN, "es")
    assert footer == f"A unit story · Diapositiva 2 / 2 · exportado 2026-12-01 06:30 UTC · {link}"
    assert "Slide 1 / 2" in footer_text(story, slide_facts(store, story, 0, "en"), link, WHEN, "en")


def test_brf111_notes_hold_the_notes_every_source_and_the_link(store):
    story = make_story(notes="Talk about Callao.")
    facts = slide_facts(store, story, 1, "en")
    link = slide_permalink("http://127.0.0.1:8050/", story.slides[1], "en")
    text = notes_text(facts, link, "en")
    head, sources, tail = text.split("\n\n")
    assert head == "Talk about Callao."
    lines = sources.splitlines()
    assert lines[0] == "Sources:"
    assert lines[1:] == [f"{name} — {url}" for name, url, _ in facts.sources]  # all, most-cited first
    assert tail == f"Link: {link}"


def test_brf112_notes_without_notes_or_sources(store):
    story = Story(story_id="empty", title="Empty", slides=(Slide(title="None", spec=parse_url_state(
        "from=2030-01-01")[0].spec),), lang="es")
    facts = slide_facts(store, story, 0, "es")
    assert notes_text(facts, "http://x/", "es") == "Fuentes:\n(ninguna fuente publicada)\n\nEnlace: http://x/"


def test_brf113_file_names_and_media_types():
    story = make_story()
    assert briefing_file_name(story, BriefingFormat.PDF, WHEN) == "unit-story-briefing-20261201-0630.pdf"
    assert briefing_file_name(story, "pptx", WHEN) == "unit-story-briefing-20261201-0630.pptx"
    assert BRIEFING_MEDIA_TYPES[BriefingFormat.PDF] == "application/pdf"
    assert BRIEFING_MEDIA_TYPES[BriefingFormat.PPTX].endswith("presentationml.presentation")


def test_brf114_a_story_without_slides_or_an_unknown_format_is_refused(store, bundled):
    with pytest.raises(ValueError, match="no slides"):
        build_briefing(store, bundled, Story(story_id="none", title="None"), BriefingFormat.PDF)
    with pytest.raises(ValueError):
        build_briefing(store, bundled, make_story(), "docx")


# ---- the slide's map view ------------------------------------------------------------------------
def test_brf120_view_extent_matches_the_web_map():
    west, south, east, north = view_extent(-12.0, -74.0, 7.0)
    # 1600 px at zoom 7 on a 512 px world: 1600 / (512 * 128) of 360°.
    assert east - west == pytest.approx(1600 / (512 * 2 ** 7) * 360)
    assert (west + east) / 2 == pytest.approx(-74.0)
    y_mid = (float(mercator_y(south)) + float(mercator_y(north))) / 2
    assert y_mid == pytest.approx(float(mercator_y(-12.0)), abs=1e-9)
    # 700 px high, 1600 px wide: the same ratio in Mercator units.
    ratio = (math.radians(east - west)) / (float(mercator_y(north)) - float(mercator_y(south)))
    assert ratio == pytest.approx(1600 / 700, rel=1e-6)


def test_brf121_shape_extent_holds_the_view_at_any_aspect():
    view = view_extent(-12.0, -74.0, 7.0)
    for aspect in (0.7, 1.0, 16 / 9, 3.0):
        west, south, east, north = shape_extent(view, aspect)
        assert west <= view[0] + 1e-9 and east >= view[2] - 1e-9
        assert south <= view[1] + 1e-9 and north >= view[3] - 1e-9
        got = math.radians(east - west) / (float(mercator_y(north)) - float(mercator_y(south)))
        assert got == pytest.approx(aspect, rel=1e-6)


def test_brf123_pptx_text_sizes_shrink_for_long_text():
    assert caption_points("Short.", 4.2, 5.5) == 16
    long_points = caption_points("word " * 400, 4.2, 5.5)
    assert long_points < 12
    px = long_points * 96 / 72
    assert len(wrap_lines("word " * 400, 4.2 * 96 * 0.96, px)) * px * 1.2 <= 5.5 * 96
    assert title_points("Short title", 12.5) == 28
    assert title_points("A very long slide title " * 8, 12.5) < 28



def test_brf140_wide_views_stay_inside_the_date_line():
    west, _, east, _ = view_extent(0.0, -60.0, 1.2)
    assert -180.0 <= west and east <= 180.0
    assert east > 120.0  # slid east, not cut: Europe and Asia stay in the box
    narrow = view_extent(-12.0, -74.0, 7.0)
    assert narrow[0] < -74.0 < narrow[2] and abs((narrow[0] + narrow[2]) / 2 + 74.0) < 1e-9


# ---- the pack is the slide (issue 15): panels, the presenter's view, short sources --------------
def bundled_story(tmp_path) -> Story:
    return StoryRepository(tmp_path).get("from-the-vraem-to-europe")


def mercator_aspect(box) -> float:
    west, south, east, north = box
    return math.radians(east - west) / (float(mercator_y(north)) - float(mercator_y(south)))


def mercator_area(box) -> float:
    west, south, east, north = box
    return math.radians(east - west) * (float(mercator_y(north)) - float(mercator_y(south)))


def test_pks001_the_pack_looks_where_the_presenter_looks(store, bundled, tmp_path):
    from dashboard.config import Basemap
    from dashboard.state import present_view

    # One rule for where a slide looks (figures.geo.slide_view): the presenter's name is that function, and
    # the pack's map is framed on it (a saved view, a fitted one, none).
    assert present_view.slide_view is slide_view
    story = bundled_story(tmp_path)
    seizures = parse_url_state("type=drug_seizure")[0].spec
    slides = [*story.slides, Slide(title="fitted", spec=seizures),
              Slide(title="nothing", spec=parse_url_state("from=2030-01-01")[0].spec)]
    for slide in slides:
        view = slide_view(store, slide, 20_000)
        assert (view == slide.view) if slide.view else view.zoom > 0, slide.title
        page_map = build_panel(store, bundled, slide, Panel.MAP, width=900, height=600, type_px=11.0, lang="en")
        box = presenter_extent(view, 900 / 600)
        assert list(page_map.layout.geo.lonaxis.range) == pytest.approx([box[0], box[2]]), slide.title
    figure = present_view.present_map(store, story.slides[0], routes=bundled.routes, vraem_feature=None, lang="en",
                                      basemap=Basemap.OFFLINE, threshold=20_000)
    assert figure.layout.margin.r == PRESENTER_LEGEND_PX  # the presenter's map is its figure less the legend


def test_pks002_the_map_keeps_the_presenters_centre_zoom_and_ground():
    view = MapView(-12.25, -74.25, 7.2)  # the bundled story's first slide
    presenter = view_extent(view.lat, view.lon, view.zoom, PRESENT_MAP_PX[0] - PRESENTER_LEGEND_PX,
                            PRESENT_MAP_PX[1])
    for aspect in (0.8, 1.86, 2.95):
        box = presenter_extent(view, aspect)
        assert (box[0] + box[2]) / 2 == pytest.approx(view.lon)
        assert (float(mercator_y(box[1])) + float(mercator_y(box[3]))) / 2 == pytest.approx(
            float(mercator_y(view.lat)), abs=1e-9)
        assert mercator_aspect(box) == pytest.approx(aspect, rel=1e-6)
        assert mercator_area(box) == pytest.approx(mercator_area(presenter), rel=1e-6)
    # On the A4 page the VRAEM slide no longer runs from Huaraz to Moquegua.
    slide = Slide(title="VRAEM", view=view, panels=(Panel.MAP, Panel.COUNTS, Panel.BREAKDOWN))
    page = layout_page(slide, subtitle="", counts="1 event", sources=(), footer="f", lang="en")
    west, south, east, north = presenter_extent(view, page.panels[0].aspect)
    assert north - south < 4.5 and east - west < 5.0
    assert not south <= -9.53 <= north  # Huaraz
    assert south < -12.52 < north and west < -73.83 < east  # Pichari


def assert_tiles(boxes, left, top, width, height):
    """Boxes inside the area, none overlapping another."""
    for box in boxes:
        assert left - 1e-9 <= box.left and box.left + box.width <= left + width + 1e-9
        assert top - 1e-9 <= box.top and box.top + box.height <= top + height + 1e-9
        assert box.width > 0 and box.height > 0
    for a, b in ((a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]):
        apart = (a.left + a.width <= b.left + 1e-9 or b.left + b.width <= a.left + 1e-9
                 or a.top + a.height <= b.top + 1e-9 or b.top + b.height <= a.top + 1e-9)
        assert apart, (a, b)


def test_pks003_exactly_the_slides_panels_are_laid_out():
    area = (30.0, 200.0, 1063.0, 500.0)
    toll = Slide(title="toll", panels=(Panel.MAP, Panel.COUNTS, Panel.TIMELINE))
    boxes = panel_boxes(toll, *area, gap=14)
    assert [box.panel for box in boxes] == [Panel.MAP, Panel.TIMELINE] == list(drawn_panels(toll))
    assert boxes[0].left < boxes[1].left and boxes[0].width > boxes[1].width  # the map leads, as on screen
    assert_tiles(boxes, *area)
    every = Slide(title="all", panels=tuple(Panel))
    boxes = panel_boxes(every, *area, gap=14)
    assert {box.panel for box in boxes} == set(Panel) - {Panel.COUNTS}
    assert_tiles(boxes, *area)
    charts = Slide(title="charts", panels=(Panel.COUNTS, Panel.BREAKDOWN, Panel.TIMELINE))
    boxes = panel_boxes(charts, *area, gap=14)
    assert [box.panel for box in boxes] == [Panel.TIMELINE, Panel.BREAKDOWN]
    assert all(box.height == area[3] for box in boxes)
    assert_tiles(boxes, *area)
    alone = panel_boxes(Slide(title="map"), *area, gap=14)
    assert [(b.panel, b.left, b.top, b.width, b.height) for b in alone] == [(Panel.MAP, *area)]
    assert panel_boxes(Slide(title="counts", panels=(Panel.COUNTS,)), *area, gap=14) == ()


# The indicator panel keeps its title (series, unit) and source line (its publishers): test_pks012.
@pytest.mark.parametrize("panel", [p for p in Panel if p not in (Panel.COUNTS, Panel.INDICATOR)])
def test_pks004_a_panel_fills_its_box_without_title_or_footer_bands(store, bundled, panel):
    slide = Slide(title="All", panels=tuple(Panel), highlight=("rutas:0066",))
    figure = build_panel(store, bundled, slide, panel, width=640, height=420, type_px=11.0, lang="en")
    assert (figure.layout.width, figure.layout.height) == (640, 420)
    names = {annotation.name for annotation in figure.layout.annotations}
    assert not names & {"export-title", "export-subtitle", "export-source"}
    # No band left where the frame's title was: half a pad, plus an axis unit read across above the bars.
    half_pad = round(11 * 1.4) / 2
    assert figure.layout.margin.t <= half_pad + 2.2 * 11
    if panel is Panel.MAP:
        assert figure.layout.margin.t == pytest.approx(half_pad, abs=1)
    for key, value in figure.layout.to_plotly_json().items():
        if key.startswith("legend") and value.get("yref") == "container":
            assert 0.0 <= value["y"] <= 1.0, key


@pytest.mark.parametrize("lang", ["en", "es"])
def test_pks012_the_indicator_panel_states_its_series_unit_and_every_publisher(store, bundled, lang):
    """The one panel whose words no other part of the page gives: its title names the series, unit and
    years, its source line every publisher of the values drawn (none counted away); it fills its box."""
    from datetime import date

    from dashboard.data.filters import FilterSpec
    from dashboard.exports.charts import bundled_indicators

    spec = FilterSpec(date_from=date(2013, 1, 1), date_to=date(2022, 12, 31))
    slide = Slide(title="Scale", spec=spec, panels=(Panel.MAP, Panel.INDICATOR), indicator="coca_area")
    figure = build_panel(store, bundled, slide, Panel.INDICATOR, width=380, height=460, type_px=11.0, lang=lang)
    assert (figure.layout.width, figure.layout.height) == (380, 460)
    words = {a.name: " ".join(a.text.replace("<br>", " ").split()) for a in figure.layout.annotations if a.name}
    assert words["export-title"] == {"en": "Coca cultivation (hectares), 2013–2022",
                                     "es": "Cultivo de coca (hectáreas), 2013–2022"}[lang]
    drawn = {v.publisher for v in bundled_indicators().series_values("coca_area") if 2013 <= v.year <= 2022}
    assert all(name in words["export-source"] for name in drawn)
    assert figure.layout.margin.t + figure.layout.margin.b < 0.75 * 460  # the panels keep a quarter at least
    unnamed = build_panel(store, bundled, Slide(title="x", panels=(Panel.INDICATOR,)), Panel.INDICATOR, width=380,
                          height=460, type_px=11.0, lang=lang)
    assert any(a.name == "export-title" and a.text for a in unnamed.layout.annotations)  # "Unknown indicator"


def test_pks005_a_pdf_page_draws_exactly_the_panels_its_slide_shows(store, bundled, tmp_path):
    story = bundled_story(tmp_path)
    seen_timeline = seen_without_breakdown = False
    for index, slide in enumerate(story.slides):
        page = build_pdf_page(store, bundled, story, index, lang="en", exported_at=WHEN, base_url="https://r.example/")
        assert tuple(box.panel for box, _ in page.panels) == drawn_panels(slide)
        for box, figure in page.panels:
            assert (figure.layout.width, figure.layout.height) == (round(box.width), round(box.height))
        names = [annotation.name for annotation in page.words.layout.annotations]
        assert ("briefing-counts" in names) == slide.shows(Panel.COUNTS)
        if slide.shows(Panel.TIMELINE):
            seen_timeline = True
            timeline = dict((box.panel, figure) for box, figure in page.panels)[Panel.TIMELINE]
            drawn = sum(float(np.nansum(np.asarray(trace.y, dtype=float))) for trace in timeline.data
                        if trace.type == "bar")
            assert drawn == store.count(slide.spec)
        if not slide.shows(Panel.BREAKDOWN):
            seen_without_breakdown = True
            assert Panel.BREAKDOWN not in [box.panel for box, _ in page.panels]
    assert seen_timeline and seen_without_breakdown


def test_pks006_sources_are_a_short_numbered_list_with_short_links():
    assert short_link("https://www.example.org/a/b/") == "example.org/a/b"
    long = short_link("https://news.example.org/2015/03/24/" + "long-path-segment-" * 4)
    assert long.startswith("news.example.org/2015/") and long.endswith("…") and len(long) <= 34
    width = PDF_PX[0] - 60
    listed = source_list(SOURCES, "en", width)
    slots = SOURCE_COLUMNS * SOURCE_ROWS
    assert listed.shown == slots - 1 and listed.left_out == len(SOURCES) - listed.shown
    entries = [line for column in listed.columns for line in column]
    assert entries[-1] == f"… and {listed.left_out} more sources"
    assert [entry.split(". ", 1)[0] for entry in entries[:-1]] == [str(n) for n in range(1, listed.shown + 1)]
    assert all("https://" not in entry for entry in entries)
    column_width = (width - 14 * (SOURCE_COLUMNS - 1)) / SOURCE_COLUMNS
    assert all(text_width(entry, 9.0) <= column_width for entry in entries)
    assert sum(len(entry) for entry in entries) <= slots * 80  # the budget: a few lines, not 40 % of a page
    links = [url for column in listed.links for url in column]
    assert links[:-1] == [url for _, url, _ in SOURCES[:listed.shown]] and links[-1] == ""
    few = source_list((("A", "javascript:alert(1)", 2), ("B", "https://b.example/x", 1)), "en", width)
    assert [line for column in few.columns for line in column] == ["1. A — javascript:alert(1)", "2. B — b.example/x"]
    assert [url for column in few.links for url in column] == ["", "https://b.example/x"]  # only web links


def test_pks007_the_page_fits_and_sources_take_little_room():
    slide = Slide(title="Seizures", caption=CAPTION, panels=(Panel.MAP, Panel.COUNTS, Panel.TIMELINE))
    many = SOURCES * 4
    for caption in (CAPTION, "word " * 330):
        layout = layout_page(replace(slide, caption=caption), subtitle="Drug seizure", counts="10 events · 12 sources",
                             sources=many, footer="Story · Slide 1 / 1 · https://r.example/?x=1", lang="en")
        blocks = {block.name: block for block in layout.blocks}
        assert " ".join(" ".join(blocks["caption"].lines).split()) == " ".join(caption.split())  # whole
        assert all(0 <= block.top and block.bottom <= PDF_PX[1] for block in layout.blocks)
        body_top = min(box.top for box in layout.panels)
        body_bottom = max(box.top + box.height for box in layout.panels)
        assert blocks["counts"].bottom <= body_top and body_bottom <= blocks["sources-heading"].top
        sources_height = blocks["footer"].top - blocks["sources-heading"].top
        assert sources_height <= 0.08 * PDF_PX[1]
        assert body_bottom - body_top >= 0.45 * PDF_PX[1]  # the panels get most of the page
    assert layout.caption_size < 13  # the longest caption is set smaller, never cut
    bare = layout_page(replace(slide, panels=(Panel.MAP,)), subtitle="", counts="x", sources=(), footer="f", lang="en")
    assert "counts" not in {block.name for block in bare.blocks}
    assert not any(block.name.startswith("sources") for block in bare.blocks)


def test_pks008_the_counts_line_has_the_counters_that_apply(store):
    story = make_story()
    facts = slide_facts(store, story, 1, "en")
    line = counts_line(replace(facts, counters=("events", "kg")), "en")
    assert line == f"{facts.counts['events']} events · {facts.counts['kg']} kg seized"
    assert counts_line(replace(facts, counters=("events", "fatalities", "kg", "sources")), "en").count(" · ") == 3


def test_pks009_pptx_slide_layout_fits_the_slide(tmp_path):
    story = bundled_story(tmp_path)
    long = Slide(title="Long", caption="word " * 330, panels=tuple(Panel))
    for slide in (*story.slides, long):
        placed = layout_slide(slide)
        assert [box.panel for box in placed.panels] == list(drawn_panels(slide))
        words_bottom = placed.counts_top + 0.4 if placed.counts_top is not None else (
            placed.caption_top + placed.caption_height)
        assert_tiles(placed.panels, 0.4, words_bottom, SLIDE_IN[0] - 0.8, SLIDE_IN[1] - 0.45 - words_bottom)
        assert min(box.height for box in placed.panels) >= 1.5
    assert layout_slide(long).caption_points < 16
    one_line, two_lines = layout_slide(Slide(title="Short")), layout_slide(Slide(title="A very long slide title " * 5))
    assert two_lines.subtitle_top > one_line.subtitle_top + 0.3  # a second title line pushes the filters down
    assert two_lines.caption_top >= two_lines.subtitle_top + 0.3


def test_pks010_synthetic_events_are_labelled_under_the_title(bundled):
    mixed = InMemoryEventStore(pd.concat([bundled.events, synthetic_events(300, seed=5)], ignore_index=True))
    story = Story(story_id="synthetic", title="Mixed", slides=(Slide(title="All", caption="Everything."),))
    page = build_pdf_page(mixed, bundled, story, 0, lang="es", exported_at=WHEN)
    subtitle = next(a for a in page.words.layout.annotations if a.name == "briefing-subtitle")
    assert "INCLUYE DATOS SINTÉTICOS" in subtitle.text
    title = next(a for a in page.words.layout.annotations if a.name == "briefing-title")
    assert title.text == "All"


def test_pks011_side_charts_stay_readable_in_a_small_box(store, bundled):
    slide = Slide(title="All", panels=tuple(Panel))
    timeline = build_panel(store, bundled, slide, Panel.TIMELINE, width=430, height=340, type_px=11.0, lang="en")
    assert timeline.layout.showlegend is False  # the map beside it keys the type colours
    margin = timeline.layout.margin
    plot_width = 430 - margin.l - margin.r
    assert plot_width >= 0.75 * 430
    labels = timeline.layout.xaxis.ticktext or ()
    if labels:  # one label per year would not fit: every n-th is kept, upright
        assert len(labels) * 11 * 6 <= plot_width
    assert timeline.layout.xaxis.tickangle == 0
    alone = build_panel(store, bundled, Slide(title="t", panels=(Panel.TIMELINE,)), Panel.TIMELINE, width=430,
                        height=340, type_px=11.0, lang="en")
    assert alone.layout.showlegend is not False  # without the map, the chart keeps its own key


def test_pks012_source_lines_are_links_to_the_whole_url():
    sources = (("A", "https://a.example/" + "x" * 80, 3), ("B", "ftp://b.example/file", 2), ("C", "", 1))
    layout = layout_page(Slide(title="t"), subtitle="", counts="", sources=sources, footer="f", lang="en")
    areas = link_areas(layout, PDF_PX[1])
    assert [url for _, url in areas] == ["https://a.example/" + "x" * 80]  # web links only, whole
    (x0, y0, x1, y1), _ = areas[0]
    block = next(b for b in layout.blocks if b.name == "sources-1")
    assert x0 == pytest.approx(block.left * 0.75) and x1 > x0
    assert y1 == pytest.approx((PDF_PX[1] - block.top) * 0.75) and y1 - y0 == pytest.approx(9.0 * 1.3 * 0.75)
