"""The bundled story "From the VRAEM to Europe": it loads, and every slide rests on bundled events."""

from __future__ import annotations

import json
import re

import pytest

from dashboard.data.filters import parse_url_state
from dashboard.data.stories import BUNDLED_STORIES_DIR, Panel, StoryRepository, parse_story

STORY_ID = "from-the-vraem-to-europe"
STORY_FILE = BUNDLED_STORIES_DIR / f"{STORY_ID}.json"
MAX_CAPTION = 320  # what the audience reads; the parser itself allows far more
MAX_TITLE = 60
MAX_NOTES = 1_500


@pytest.fixture(scope="module")
def raw():
    return STORY_FILE.read_bytes()


@pytest.fixture(scope="module")
def story(raw):
    return parse_story(raw, source=STORY_FILE.name, bundled=True)


def filtered_ids(store, slide) -> set[str]:
    return {str(v) for v in store.rows(slide.spec, ("event_id",))["event_id"]}


def day_span(event: dict) -> str:
    """"18" for one day, "18–19" for a range within one month (rutas:0066, the weekend of 18-19 Mar 2017)."""
    day, end = event["event_date"], event.get("date_end")
    if end and end != day:
        assert (end.year, end.month) == (day.year, day.month), "a caption range across months: write the rule"
        return f"{day.day}–{end.day}"
    return str(day.day)


def cited_date(event: dict) -> str:
    """How a caption writes an event's date: no finer than its date precision (a range in full)."""
    day = event["event_date"]
    if event["date_precision"] == "year":
        return str(day.year)
    if event["date_precision"] == "month":
        return day.strftime("%b %Y")
    return f"{day_span(event)} {day.strftime('%b %Y')}"


def test_sty101_bundled_story_parses_without_problems(raw, story):
    data = json.loads(raw)
    assert data["format"] == "rutas-story" and data["version"] == 2
    assert story.title == "From the VRAEM to Europe"
    assert story.lang == "en" and story.description
    assert story.bundled


def test_sty102_id_equals_the_file_name_and_the_repository_lists_it(story, tmp_path):
    assert story.story_id == STORY_FILE.stem  # the id written in the file, not the one the repository imposes
    repository = StoryRepository(tmp_path)
    assert repository.is_bundled(STORY_ID)
    listings, errors = repository.list()
    assert [e for e in errors if STORY_FILE.name in str(e)] == []
    assert STORY_ID in {listing.story_id for listing in listings if listing.bundled}
    assert repository.get(STORY_ID).slides == story.slides


def test_sty103_six_to_eight_slides(story):
    assert 6 <= len(story.slides) <= 8


def test_sty104_every_slide_narrows_the_data_and_selects_events(store, story):
    everything = store.count(parse_url_state("")[0].spec)
    for number, slide in enumerate(story.slides, start=1):
        assert not slide.spec.is_empty, f"slide {number} has no filters"
        count = store.count(slide.spec)
        assert 1 <= count < everything, f"slide {number} selects {count} events"


def test_sty105_filters_survive_as_the_link_the_cli_takes(story):
    for number, slide in enumerate(story.slides, start=1):
        state, notices = parse_url_state(slide.query)
        assert notices == [], f"slide {number}: {notices}"
        assert state.spec == slide.spec, f"slide {number}"


def test_sty106_highlighted_events_exist_and_are_on_their_slide(store, story):
    for number, slide in enumerate(story.slides, start=1):
        # A slide on an indicator series cites the series' values (test_sty114), not events.
        assert slide.highlight or slide.indicator, f"slide {number} cites no event"
        selected = filtered_ids(store, slide)
        for event_id in slide.highlight:
            assert store.event(event_id) is not None, f"slide {number}: {event_id} is not a bundled event"
            assert event_id in selected, f"slide {number}: {event_id} is outside the slide's filters"


def test_sty107_titles_captions_and_notes_fit_the_screen(story):
    for number, slide in enumerate(story.slides, start=1):
        assert slide.title and len(slide.title) <= MAX_TITLE, f"slide {number} title"
        assert slide.caption.strip(), f"slide {number} has no caption"
        assert len(slide.caption) <= MAX_CAPTION, f"slide {number} caption is {len(slide.caption)} characters"
        assert slide.notes.strip() and len(slide.notes) <= MAX_NOTES, f"slide {number} notes"


def test_sty108_toll_slide_plays_the_years_on_a_timeline(story):
    tolls = [slide for slide in story.slides if "toll" in slide.title.lower()]
    assert len(tolls) == 1
    toll = tolls[0]
    assert toll.shows(Panel.TIMELINE)
    assert toll.playback is not None
    assert (toll.playback.step.value, toll.playback.mode.value, toll.playback.window) == ("year", "cumulative", 1)


def test_sty109_highlighted_sources_are_named_and_ids_given(store, story):
    for number, slide in enumerate(story.slides, start=1):
        text = f"{slide.caption}\n{slide.notes}"
        for event_id in slide.highlight:
            source = store.event(event_id)["source_name"]
            assert source and source in text, f"slide {number}: {event_id}'s source {source!r} is not named"
            assert event_id in slide.notes, f"slide {number}: notes do not give {event_id}"


def test_sty110_captions_date_events_no_finer_than_their_precision(store, story):
    for number, slide in enumerate(story.slides, start=1):
        for event_id in slide.highlight:
            event = store.event(event_id)
            assert cited_date(event) in slide.caption, f"slide {number}: {event_id} not dated {cited_date(event)}"
            if event["date_precision"] != "day":
                month_year = event["event_date"].strftime("%b %Y")
                assert not re.search(rf"\b\d{{1,2}} {month_year}", slide.caption), (
                    f"slide {number}: {event_id} is {event['date_precision']}-precision but is given a day")


def test_sty111_every_slide_shows_map_and_counts(story):
    for number, slide in enumerate(story.slides, start=1):
        assert {Panel.MAP, Panel.COUNTS} <= set(slide.panels), f"slide {number}: {slide.panels}"
        assert slide.view is not None, f"slide {number} has no map view"


# ---- both languages, real filters (helper K, issue 15) ---------------------------------------------
ES_MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic")


def test_wrd011_bundled_story_reads_in_spanish_too(store, story):
    from dashboard.data.stories import story_in

    assert story.languages == ("en", "es")
    spanish = story_in(story, "es")
    assert spanish.title != story.title and spanish.description != story.description
    for number, (english, slide) in enumerate(zip(story.slides, spanish.slides), start=1):
        for name in ("title", "caption", "notes"):
            assert getattr(slide, name) and getattr(slide, name) != getattr(english, name), (number, name)
        # Same facts: every event id, source and figure of the English notes is in the Spanish ones.
        assert set(re.findall(r"rutas:\d{4}", english.notes)) == set(re.findall(r"rutas:\d{4}", slide.notes)), number
        for event_id in slide.highlight:
            event = store.event(event_id)
            assert event["source_name"] in f"{slide.caption}\n{slide.notes}", (number, event_id)
            day = event["event_date"]
            cited = {"year": str(day.year), "month": f"{ES_MONTHS[day.month - 1]} {day.year}",
                     "day": f"{day_span(event)} {ES_MONTHS[day.month - 1]} {day.year}"}[event["date_precision"]]
            assert cited in slide.caption, (number, event_id, cited)
        assert spanish.slides[number - 1].notes.startswith("Filtro:"), number


def test_wrd012_notes_name_only_the_filters_the_slide_has(story):
    """The notes open with the slide's filter; a year range there is the slide's own date filter
    (a slide with no dates says "all dates")."""
    from dashboard.data.stories import story_in

    for lang, opening, every_date in (("en", "Filter:", "all dates"), ("es", "Filtro:", "todas las fechas")):
        for number, slide in enumerate(story_in(story, lang).slides, start=1):
            assert slide.notes.startswith(opening), (lang, number)
            stated = slide.notes.split(". ", 1)[0]
            years = set(re.findall(r"\b(?:19|20)\d{2}\b", stated.split("(")[0]))
            if slide.spec.date_from or slide.spec.date_to:
                assert {str(slide.spec.date_from.year), str(slide.spec.date_to.year)} <= years, (lang, number)
            else:
                assert not years, (lang, number, stated)
        assert any(every_date in s.notes for s in story_in(story, lang).slides)


# ---- claims checked against their sources (issue 18; ../shared/reference/corrections_story_claims.csv) ----
def test_sty112_the_deadliest_event_named_is_the_deadliest_counted(store, story):
    """The toll slide's "Deadliest" is the event with the highest counted toll in its filter: after
    the official correction of Tintaypuncu (19 -> 14) that is San Miguel del Ene (16)."""
    toll = next(slide for slide in story.slides if "toll" in slide.title.lower())
    rows = store.rows(toll.spec, ("event_id", "fatalities"))
    deaths, deadliest = max((float(f), str(i)) for i, f in zip(rows["event_id"], rows["fatalities"]) if f == f)
    deaths = int(deaths)
    event = store.event(deadliest)
    named = toll.caption.split("Deadliest:", 1)[1].split(".")[0]
    assert f"{deaths} at" in named and event["source_name"] in named and deadliest in toll.highlight
    assert (deadliest, deaths) == ("rutas:0104", 16)
    assert "19 dead" not in toll.caption and "corrected to 14" in toll.caption
    assert "attorney general" in toll.caption and "7" in toll.caption  # the official toll of rutas:0058


def test_sty113_claims_are_dated_and_no_false_disagreement_is_reported(story):
    from dashboard.data.stories import story_in

    vraem, convoy, callao, air, sea, _, _ = story.slides
    assert "in 2017 the last Shining Path cells answered" in vraem.caption and "27 Jan 2021" in vraem.caption
    assert "differs on direction" not in convoy.notes and "left Palmapampa for Pichari" in convoy.notes
    for slide in (callao, sea):  # Belgium in every stored report; the US is InSight Crime's alone
        assert "US and Belgium" not in slide.caption and "InSight Crime" in slide.caption
    assert "VRAEM origin are the article's only" not in callao.notes and "AFP also reports" in callao.notes
    for year in ("2014", "2016", "2017", "2022"):  # "most drugs leave by air", with its dates
        assert year in air.notes.split("Share by air", 1)[1], year
    spanish = story_in(story, "es").slides
    assert "27 ene 2021" in spanish[0].caption and "solo InSight Crime" in spanish[2].caption
    assert "fiscal de la Nación" in spanish[5].caption


# ---- the scale slide: coca area, the VRAEM against Peru, from the bundled series (issue 18 part 5) ----
def _percent(part: float, whole: float, lang: str) -> str:
    text = f"{100 * part / whole:.1f}"
    return text.replace(".", ",") if lang == "es" else text


def _grouped(value: float, lang: str) -> str:
    return f"{value:,.0f}".replace(",", " " if lang == "es" else ",")


@pytest.fixture(scope="module")
def coca():
    from dashboard.data.catalog import GEODATA_DIR
    from dashboard.data.indicators import load_indicator_catalog

    catalog = load_indicator_catalog(GEODATA_DIR)
    peru, vraem = (next(p for p in catalog.info("coca_area").panels if p.place_code == code) for code in ("PER", "VRAEM"))
    return catalog, catalog.by_year("coca_area", peru), catalog.by_year("coca_area", vraem)


@pytest.mark.parametrize("lang, percent", [("en", "%"), ("es", " %")])
def test_sty114_the_scale_slide_states_the_series_values(story, coca, lang, percent):
    """Every share the scale slide states is the VRAEM's value over Peru's for that year in the bundled
    series (both sources where a year has two), each named with its source in the notes; Peru's totals
    are the series' own; the 2018 method change (DEVIDA) is named."""
    from dashboard.data.stories import story_in

    catalog, peru, vraem = coca
    scale = story_in(story, lang).slides[-1]
    assert scale.indicator == "coca_area" and scale.shows(Panel.INDICATOR) and scale.shows(Panel.MAP)
    assert (scale.spec.date_from.year, scale.spec.date_to.year) == (2013, 2022)
    word = {"en": " in ", "es": " en "}[lang]
    # single shares ("38.5% in 2013"); a range's upper end ("–37.6% in 2022") is checked below
    stated = re.findall(r"(?<![–\d.,])(\d+[.,]\d)" + re.escape(percent) + word + r"(20\d\d)", scale.caption)
    assert len(stated) >= 4, stated
    for share, year in stated:
        (total,) = peru[int(year)]
        assert [share] == [_percent(v.value, total.value, lang) for v in vraem[int(year)]], (lang, year)
    two = vraem[2022]
    assert len({v.source_url for v in two}) == 2  # two sources, two values: stated as a range
    low, high = sorted(_percent(v.value, peru[2022][0].value, lang) for v in two)
    assert f"{low}–{high}{percent}{word}2022" in scale.caption
    for year in (2015, 2022):
        assert f"{_grouped(peru[year][0].value, lang)} ha ({year})" in scale.caption
    assert "2018" in scale.caption and "DEVIDA" in scale.caption
    assert any(v.method_break and v.year == 2018 for v in peru[2018])
    for year, values in vraem.items():  # every VRAEM value from 2013 on is in the notes, with its source
        for value in values:
            if year >= 2013:
                assert _grouped(value.value, lang) in scale.notes, (lang, year, value.value)
    for publisher in ("El Deber", "InSight Crime", "EFE", "UNODC Peru press release", "La República", "El Búho",
                      "El Comercio"):
        assert publisher.split()[0] in scale.notes, (lang, publisher)
