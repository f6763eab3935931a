"""The briefing pack's pure parts, checked without rendering: page text layout, notes, footer, names, views."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pandas as pd
import pytest

from dashboard.data.filters import MapView, parse_url_state
from dashboard.data.store import InMemoryEventStore
from dashboard.data.stories import Slide, Story
from dashboard.data.synth import synthetic_events
from dashboard.exports.briefing import (
    BRIEFING_MEDIA_TYPES,
    CAPTION_SIZES,
    LINE_HEIGHT,
    BriefingFormat,
    briefing_file_name,
    build_briefing,
    build_pdf_page,
    build_slide_map,
    caption_points,
    counts_line,
    footer_text,
    layout_column,
    notes_text,
    slide_extent,
    slide_permalink,
    title_points,
)
from dashboard.figures.geo import mercator_y, shape_extent, view_extent
from dashboard.figures.text_metrics import wrap_lines
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


# ---- page text column ----------------------------------------------------------------------------
def test_brf101_caption_is_always_whole_and_the_column_fits(store):
    layout = layout_column(CAPTION, "10 events · 2 deaths · 3 kg seized · 12 sources", SOURCES, "en",
                           width=400, height=640)
    caption = next(b for b in layout.blocks if b.name == "caption")
    assert " ".join(" ".join(caption.lines).split()) == " ".join(CAPTION.split())
    assert layout.bottom <= 640
    assert layout.sources_shown + layout.sources_left_out == len(SOURCES)
    # Blocks follow each other without overlapping.
    for upper, lower in zip(layout.blocks, layout.blocks[1:]):
        assert upper.bottom <= lower.top + 1e-6


def test_brf102_sources_past_the_room_become_one_more_line():
    layout = layout_column("Short.", "1 event", SOURCES, "en", width=400, height=300)
    assert 0 < layout.sources_shown < len(SOURCES)
    more = layout.blocks[-1]
    assert more.name == "sources-more"
    assert more.lines == (f"… and {len(SOURCES) - layout.sources_shown} more sources",)
    assert layout.bottom <= 300
    shown_names = [b.lines[0] for b in layout.blocks if b.name.endswith("-name")]
    assert shown_names == [f"Outlet {i} —" for i in range(layout.sources_shown)]  # most-cited first


def test_brf103_all_sources_fit_without_a_more_line_and_spanish_words():
    layout = layout_column("Corto.", "1 evento", SOURCES[:2], "es", width=400, height=640)
    assert layout.sources_shown == 2 and layout.sources_left_out == 0
    assert [b.lines for b in layout.blocks if b.name == "sources-heading"] == [("Fuentes",)]
    tight = layout_column("Corto.", "1 evento", SOURCES, "es", width=400, height=200)
    assert tight.blocks[-1].lines[0].startswith("… y ") and tight.blocks[-1].lines[0].endswith("fuentes más")


def test_brf104_a_long_caption_shrinks_before_sources_go():
    long_caption = "word " * 330  # the longest a caption may be (2,000 characters)
    layout = layout_column(long_caption, "1 event", SOURCES, "en", width=400, height=640)
    assert layout.caption_size < CAPTION_SIZES[0]
    caption = layout.blocks[0]
    assert len(caption.lines) * caption.size * LINE_HEIGHT == pytest.approx(caption.height)
    assert " ".join(caption.lines).split() == long_caption.split()
    assert layout.bottom <= 640


def test_brf105_no_sources_no_heading():
    layout = layout_column("Text.", "0 events", (), "en", width=400, height=640)
    assert [b.name for b in layout.blocks] == ["caption", "counts"]


# ---- words around the story ----------------------------------------------------------------------
def test_brf110_counts_line_and_footer_in_both_languages(store):
    story = make_story()
    facts = slide_facts(store, story, 1, "en")
    line = counts_line(facts, "en")
    assert line.startswith(f"{facts.totals.events:,} events · ") and "kg seized" in line and "sources" in line
    es = counts_line(slide_facts(store, story, 1, "es"), "es")
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


def test_brf122_slide_without_a_view_fits_its_events():
    assert slide_extent(Slide(title="x")) is None
    assert slide_extent(Slide(title="x", view=MapView(0.0, 0.0, 0.0)))[0] == -180.0


def test_brf123_pptx_text_sizes_shrink_for_long_text():
    assert caption_points("Short.", 4.2, 5.5) == 16
    long_points = caption_points("word " * 400, 4.2, 5.5)
    assert long_points < 12
    px = long_points * 96 / 72
    assert len(wrap_lines("word " * 400, 4.2 * 96 * 0.96, px)) * px * 1.2 <= 5.5 * 96
    assert title_points("Short title", 12.5) == 28
    assert title_points("A very long slide title " * 8, 12.5) < 28



# ---- page figures (built, not rendered) -----------------------------------------------------------
def _annotation(figure, name):
    return next(a for a in figure.layout.annotations if a.name == name)


def test_brf130_pdf_page_has_title_filters_column_footer_and_ringed_highlights(store, bundled):
    seizures = parse_url_state("type=drug_seizure")[0].spec
    shown = store.rows(seizures, ("event_id",))["event_id"][0]
    story = Story(story_id="page", title="Page story", slides=(
        Slide(title="Seizures <i>", caption=CAPTION, spec=seizures, view=MapView(-10.0, -70.0, 3.0),
              highlight=(str(shown), "no-such-event")),))
    figure = build_pdf_page(store, bundled, story, 0, lang="en", exported_at=WHEN, base_url="https://r.example/")
    assert (figure.layout.width, figure.layout.height) == (1123, 794)
    assert _annotation(figure, "export-title").text == "Seizures &lt;i&gt;"
    assert "Drug seizure" in _annotation(figure, "export-subtitle").text
    footer = _annotation(figure, "export-source").text.replace("<br>", " ")
    assert "Page story · Slide 1 / 1 · exported 2026-12-01 06:30 UTC" in footer and "https://r.example/?" in footer
    caption = _annotation(figure, "briefing-caption").text.replace("<br>", " ")
    assert caption.split() == CAPTION.split()
    assert _annotation(figure, "briefing-counts").text.endswith("sources")
    # The column stays left of the map.
    assert figure.layout.margin.l > 1123 * 0.36
    rings = [t for t in figure.data if t.name == "highlight"]
    assert len(rings) == 1 and len(rings[0].lon) == 1  # the unknown id is left out


def test_brf131_synthetic_events_are_labelled_on_the_page_and_the_map(bundled):
    mixed = InMemoryEventStore(pd.concat([bundled.events, synthetic_events(300, seed=5)], ignore_index=True))
    story = Story(story_id="synthetic", title="Mixed", slides=(Slide(title="All", caption="Everything."),))
    page = build_pdf_page(mixed, bundled, story, 0, lang="es", exported_at=WHEN)
    assert "INCLUYE DATOS SINTÉTICOS" in _annotation(page, "export-subtitle").text
    figure, context = build_slide_map(mixed, bundled, story.slides[0], lang="en", permalink="http://x/",
                                      exported_at=WHEN)
    assert "INCLUDES SYNTHETIC DATA" in _annotation(figure, "export-subtitle").text
    assert (figure.layout.width, figure.layout.height) == (1600, 900) and context.title == ""
    assert "synthetic" in context.alt_text


def test_brf140_wide_views_stay_inside_the_date_line():
    west, _, east, _ = view_extent(0.0, -60.0, 1.2)
    assert -180.0 <= west and east <= 180.0
    assert east > 120.0  # slid east, not cut: Europe and Asia stay in the box
    narrow = view_extent(-12.0, -74.0, 7.0)
    assert narrow[0] < -74.0 < narrow[2] and abs((narrow[0] + narrow[2]) / 2 + 74.0) < 1e-9
