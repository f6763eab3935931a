"""``python -m dashboard story``: briefing packs (PDF, PPTX) made in a fresh process, as a user runs it.

kaleido is real (Debian Chromium, offline). Each pack is made once per module and opened with
pypdf or python-pptx; the slides' facts come from the same bundled data the CLI loads.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pypdf
import pytest
from pptx import Presentation

from dashboard.data.stories import BUNDLED_STORIES_DIR, Panel, StoryRepository, story_from_dict
from dashboard.exports.briefing import drawn_panels
from dashboard.words.slide_facts import slide_facts, sources_lines

REPO = Path(__file__).resolve().parents[2]
BUNDLED_ID = "from-the-vraem-to-europe"
MADE_ID = "made-in-tests"
LONG_CAPTION = " ".join(["Las incautaciones en el puerto del Callao crecieron entre 2019 y 2024,"] * 8) + " fin."
MADE_STORY = {
    "format": "rutas-story", "version": 2, "id": MADE_ID, "title": "Historia de prueba: puertos & valles",
    "lang": "es", "description": "Una historia hecha en las pruebas.",
    "slides": [
        {"title": "Todo desde 2001", "caption": "Todos los eventos, del VRAEM a Europa.", "notes": "Abrir amplio.",
         "view": {"lat": -10.0, "lon": -60.0, "zoom": 2.2}},
        {"title": "Decomisos, 2019–2024", "caption": LONG_CAPTION, "notes": "Hablar de los puertos.",
         "filters": {"type": "drug_seizure", "from": "2019-01-01", "to": "2024-12-31"},
         "view": {"lat": -9.5, "lon": -75.5, "zoom": 4.6}},
        {"title": "Sin resultados <b>", "caption": "Nada coincide & se dice.", "filters": {"from": "2030-01-01"}},
    ],
}


def run_story(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", "story", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=600,
                          env={"RUTAS_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "HOME": str(data_dir)})


def words_of(text: str) -> list[str]:
    return " ".join(text.split()).split(" ")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("briefing-instance")
    StoryRepository(directory).save(story_from_dict(MADE_STORY))
    return directory


@pytest.fixture(scope="module")
def repository(data_dir):
    return StoryRepository(data_dir)


def story_ids():
    return [pytest.param(BUNDLED_ID, "en", id="bundled-en"), pytest.param(MADE_ID, "es", id="made-es")]


@pytest.fixture(scope="module")
def packs(data_dir):
    """(story id, lang, format) -> (path, CLI result), each made once."""
    made: dict[tuple[str, str, str], tuple[Path, subprocess.CompletedProcess]] = {}

    def make(story_id: str, lang: str, fmt: str):
        if story_id == BUNDLED_ID:  # shipped with the app: its absence is a failure, never a skip
            assert (BUNDLED_STORIES_DIR / f"{BUNDLED_ID}.json").is_file(), f"{BUNDLED_ID}.json is missing"
        key = (story_id, lang, fmt)
        if key not in made:
            out = data_dir / f"{story_id}-{lang}.{fmt}"
            result = run_story(data_dir, "export", story_id, "--format", fmt, "--lang", lang, "--out", str(out),
                               "--base-url", "https://rutas.example.org/app")
            made[key] = (out, result)
        return made[key]
    return make


@pytest.mark.parametrize(("story_id", "lang"), story_ids())
def test_brf001_pdf_has_one_page_per_slide_with_its_title_and_whole_caption(packs, repository, story_id, lang):
    out, result = packs(story_id, lang, "pdf")
    assert result.returncode == 0, result.stderr
    story = repository.get(story_id)
    assert f"({len(story.slides)} pages, {out.stat().st_size:,} bytes)" in result.stdout
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == len(story.slides)
    assert reader.metadata.title == story.title
    assert reader.trailer["/Root"]["/Lang"] == lang
    for number, (page, slide) in enumerate(zip(reader.pages, story.slides), start=1):
        box = page.mediabox
        assert abs(float(box.width) - 842) < 3 and abs(float(box.height) - 595) < 3  # A4 landscape
        text = " ".join(page.extract_text().split())
        assert " ".join(words_of(slide.title)) in text
        caption = words_of(slide.caption)
        assert " ".join(caption[:8]) in text, f"slide {number}: caption start missing"
        assert caption[-1] in text.split(), f"slide {number}: caption end missing"
        assert f"{number} / {len(story.slides)}" in text
        assert "https://rutas.example.org/app/?" in text


@pytest.mark.parametrize(("story_id", "lang"), story_ids())
def test_brf002_pptx_has_one_slide_per_slide_with_map_notes_and_sources(packs, repository, store, story_id, lang):
    out, result = packs(story_id, lang, "pptx")
    assert result.returncode == 0, result.stderr
    story = repository.get(story_id)
    assert f"({len(story.slides)} slides, {out.stat().st_size:,} bytes)" in result.stdout
    deck = Presentation(io.BytesIO(out.read_bytes()))
    assert (deck.slide_width, deck.slide_height) == (12_192_000, 6_858_000)  # 16:9
    assert len(deck.slides) == len(story.slides)
    assert deck.core_properties.title == story.title and deck.core_properties.language == lang
    assert deck.core_properties.created is not None and deck.core_properties.subject
    for index, (page, slide) in enumerate(zip(deck.slides, story.slides)):
        assert page.shapes.title.text == " ".join(slide.title.split())
        texts = [shape.text_frame.text for shape in page.shapes if shape.has_text_frame]
        if slide.caption:
            assert " ".join(slide.caption.split()) in texts
        facts = slide_facts(store, story, index, lang)
        assert any(text.startswith(f"{facts.counts['events']} ") for text in texts)  # the counts line
        pictures = [shape for shape in page.shapes if shape.shape_type == 13]
        assert len(pictures) == len(drawn_panels(slide))  # one picture per panel the slide shows
        for picture in pictures:
            image = picture.image
            assert image.content_type == "image/png" and image.blob[:8] == b"\x89PNG\r\n\x1a\n"
            width, height = struct.unpack(">II", image.blob[16:24])
            assert width / height == pytest.approx(picture.width / picture.height, rel=0.01)  # no stretch, no band
        notes = page.notes_slide.notes_text_frame.text
        if slide.notes:
            assert notes.startswith(slide.notes.strip())
        *_, sources_block, link_block = notes.split("\n\n")
        heading, *listed = sources_block.splitlines()
        assert heading == {"en": "Sources:", "es": "Fuentes:"}[lang]
        assert len(listed) == max(1, len(facts.sources))
        if facts.sources:  # every source, most-cited first, as name — url
            assert [line.rsplit(" — ", 1)[-1] for line in listed] == [url or name for name, url, _ in facts.sources]
            assert listed == sources_lines(facts, lang)
        assert link_block.split(": ", 1)[1].startswith("https://rutas.example.org/app/?")


def test_brf003_spanish_pack_has_spanish_words(packs):
    out, result = packs(MADE_ID, "es", "pdf")
    assert result.returncode == 0, result.stderr
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(out).pages)
    assert "Diapositiva 1 / 3" in text and "Fuentes" in text and "eventos" in text and "exportado" in text
    assert "Slide 1" not in text and " events " not in text
    out, result = packs(MADE_ID, "es", "pptx")
    deck = Presentation(io.BytesIO(out.read_bytes()))
    notes = deck.slides[1].notes_slide.notes_text_frame.text
    assert "Fuentes:" in notes and "Enlace: " in notes and "lang=es" in notes


def test_brf004_english_pack_of_the_bundled_story_has_english_words(packs):
    out, result = packs(BUNDLED_ID, "en", "pdf")
    assert result.returncode == 0, result.stderr
    text = " ".join(pypdf.PdfReader(out).pages[0].extract_text().split())
    assert "Slide 1 /" in text and "Sources" in text and "events" in text and "exported" in text


def test_brf005_story_list_json_equals_the_repository_listing(data_dir, repository):
    result = run_story(data_dir, "list", "--json")
    assert result.returncode == 0, result.stderr
    listings, errors = repository.list()
    assert json.loads(result.stdout) == [listing.to_json() for listing in listings]
    assert errors == [] and MADE_ID in {item["id"] for item in json.loads(result.stdout)}
    text = run_story(data_dir, "list")
    assert text.returncode == 0
    assert len(text.stdout.splitlines()) == len(listings)
    assert f"{MADE_ID}: Historia de prueba: puertos & valles — 3 slides" in text.stdout


def test_brf006_unreadable_story_files_are_named_on_stderr_without_hiding_others(tmp_path):
    repository = StoryRepository(tmp_path)
    repository.save(story_from_dict(MADE_STORY))
    (tmp_path / "stories" / "broken.json").write_text('{"format": "rutas-story", "version": 2, "title": ""}')
    (tmp_path / "stories" / "not-json.json").write_text("{")
    result = run_story(tmp_path, "list", "--json")
    assert result.returncode == 0
    assert MADE_ID in {item["id"] for item in json.loads(result.stdout)}
    assert "broken.json" in result.stderr and "field 'title': is empty" in result.stderr
    assert "not-json.json" in result.stderr and "not JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_brf007_unknown_story_exits_2_naming_the_available_ids(data_dir):
    out = data_dir / "nope.pdf"
    result = run_story(data_dir, "export", "no-such-story", "--format", "pdf", "--out", str(out))
    assert result.returncode == 2 and not out.exists()
    assert "no story 'no-such-story'" in result.stderr and MADE_ID in result.stderr
    assert "Traceback" not in result.stderr


def test_brf008_unwritable_path_exits_2_with_a_message(data_dir):
    result = run_story(data_dir, "export", MADE_ID, "--format", "pptx", "--out",
                       str(data_dir / "missing-folder" / "pack.pptx"))
    assert result.returncode == 2 and "cannot write" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_story(data_dir, "export", MADE_ID, "--format", "pdf", "--out", str(data_dir))
    assert result.returncode == 2 and "must name a file" in result.stderr
    assert not list(data_dir.rglob(".*.partial"))


# ---- the pack is the slide (issue 15) -------------------------------------------------------------
def test_pks020_pdf_pages_carry_the_timeline_and_breakdown_their_slides_show(packs, repository):
    out, result = packs(BUNDLED_ID, "en", "pdf")
    assert result.returncode == 0, result.stderr
    story = repository.get(BUNDLED_ID)
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == len(story.slides)  # no extra page: sources fit on each slide's page
    checked = set()
    for page, slide in zip(reader.pages, story.slides):
        lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
        has_unit = any(line in ("Events per year", "Events per month", "Events per week", "Events per day")
                       for line in lines)
        assert has_unit == slide.shows(Panel.TIMELINE), slide.title
        if slide.shows(Panel.TIMELINE):
            # The date axis: a line of year labels only (the caption's years do not count).
            axis = [line for line in lines if line and all(w.isdigit() and 1990 < int(w) < 2100 for w in line.split())]
            assert axis and len(axis[0].split()) >= 3, f"{slide.title}: no year labels on the timeline"
            checked.add("timeline")
        # The breakdown's value axis is titled "Events" (the timeline's unit says "Events per …").
        assert ("Events" in lines) == slide.shows(Panel.BREAKDOWN), slide.title
        checked.add("breakdown" if slide.shows(Panel.BREAKDOWN) else "no-breakdown")
    assert checked == {"timeline", "breakdown", "no-breakdown"}


def test_pks021_sources_are_short_links_not_a_wall_of_urls(packs, repository, store):
    out, result = packs(BUNDLED_ID, "en", "pdf")
    assert result.returncode == 0, result.stderr
    story = repository.get(BUNDLED_ID)
    for index, page in enumerate(pypdf.PdfReader(out).pages):
        urls = [annotation.get_object()["/A"]["/URI"] for annotation in page.get("/Annots", [])]
        cited = [url for _, url, _ in slide_facts(store, story, index, "en").sources if url.startswith("http")]
        assert urls and urls == cited[:len(urls)]  # each listed source clicks through to its whole URL
        text = page.extract_text()
        assert text.count("http") == 1  # the footer's permalink; sources are written domain/path…
        assert text.count("https://rutas.example.org/app/?") == 1
        lines = [line for line in text.splitlines() if line.strip()[:3].rstrip(".").isdigit() and " — " in line]
        assert sum(len(line) for line in lines) <= 6 * 80


def test_pks022_pptx_pictures_fill_their_boxes(packs, repository):
    from PIL import Image

    out, result = packs(BUNDLED_ID, "en", "pptx")
    assert result.returncode == 0, result.stderr
    deck = Presentation(io.BytesIO(out.read_bytes()))
    story = repository.get(BUNDLED_ID)
    for page, slide in zip(deck.slides, story.slides):
        pictures = {shape.name.split(":")[0]: shape for shape in page.shapes if shape.shape_type == 13}
        assert set(pictures) == {panel.value for panel in drawn_panels(slide)}
        pixels = np.asarray(Image.open(io.BytesIO(pictures["map"].image.blob)).convert("L"))
        height, width = pixels.shape
        # The map's frame starts within a few px of the top (no band where a title was) and the
        # picture is drawn down to its foot (map, or its key below it).
        rows = np.flatnonzero((pixels < 200).any(axis=1))
        assert rows[0] <= 0.03 * height and rows[-1] >= 0.9 * height
