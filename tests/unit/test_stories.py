"""Story files: round trip, validation naming slide and field, old versions, storage, editing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.data.filters import FilterSpec, MapView
from dashboard.data.stories import (
    MAX_SLIDES,
    STORY_VERSION,
    Panel,
    PlaybackMode,
    PlaybackStep,
    Slide,
    SlidePlayback,
    Story,
    StoryError,
    StoryNotFound,
    StoryRepository,
    add_slide,
    delete_slide,
    duplicate_slide,
    edit_slide,
    move_slide,
    parse_story,
    slugify,
    story_from_dict,
    story_json,
    story_to_dict,
)
from dashboard.words.slide_facts import slide_facts, sources_lines


def make_story(count: int = 3, story_id: str = "test-story") -> Story:
    slides = tuple(
        Slide(title=f"Slide {n}", caption=f"Caption {n}", notes=f"Notes {n}",
              spec=FilterSpec(event_types=("drug_seizure",), date_from=date(2010 + n, 1, 1)),
              view=MapView(-12.5, -74.25 + n, 6.5), panels=(Panel.MAP, Panel.COUNTS),
              highlight=(f"rutas:{n:04d}",))
        for n in range(1, count + 1))
    return Story(story_id=story_id, title="Test story", slides=slides)


def v2_slide(**fields) -> dict:
    return {"title": "A slide", "caption": "", "filters": {}, **fields}


def v2_story(*slides: dict, **fields) -> dict:
    return {"format": "rutas-story", "version": 2, "id": "s", "title": "A story",
            "slides": list(slides) or [v2_slide()], **fields}


# ---- round trip ----------------------------------------------------------------------------------
def test_sty001_round_trip_keeps_every_field():
    story = make_story()
    story = edit_slide(story, 1, playback=SlidePlayback(PlaybackStep.QUARTER, PlaybackMode.ROLLING, 4),
                       breakdown_field="country",
                       spec=FilterSpec(actors=("Sendero Luminoso, Militarizado",), kg_min=0.5, text="Callao",
                                       polygon=((-75.0, -12.0), (-74.0, -12.0), (-74.5, -13.0))))
    again = parse_story(story_json(story))
    assert again == story
    assert json.loads(story_json(story))["version"] == STORY_VERSION


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=40, deadline=None)
@given(title=text.filter(lambda t: t.strip()), caption=text, notes=text,
       kinds=st.lists(st.sampled_from(["drug_seizure", "arrest", "armed_clash"]), max_size=3),
       query=text, lat=st.floats(-90, 90), lon=st.floats(-180, 180), zoom=st.floats(0, 22),
       panels=st.lists(st.sampled_from(list(Panel)), min_size=1, max_size=4, unique=True))
def test_sty002_round_trip_property(title, caption, notes, kinds, query, lat, lon, zoom, panels):
    slide = Slide(title=title.strip(), caption=caption.strip(), notes=notes.strip(),
                  spec=FilterSpec(event_types=tuple(kinds), text=query), view=MapView(lat, lon, zoom),
                  panels=tuple(panels))
    story = Story(story_id="prop", title="Property", slides=(slide,))
    again = parse_story(story_json(story)).slides[0]
    assert again.spec == slide.spec and again.title == slide.title and again.caption == slide.caption
    assert again.notes == slide.notes and again.panels == slide.panels
    assert again.view == pytest.approx(MapView(round(lat, 5), round(lon, 5), round(zoom, 3)))


def test_sty003_slide_query_is_the_link_of_its_filters():
    slide = make_story().slides[0]
    assert slide.query == "from=2011-01-01&type=drug_seizure"


# ---- validation ------------------------------------------------------------------------------------
def problems_of(data: object) -> list[tuple[int | None, str]]:
    with pytest.raises(StoryError) as caught:
        story_from_dict(data)
    return [(p.slide, p.field) for p in caught.value.problems]


def test_sty010_errors_name_slide_and_field():
    data = v2_story(v2_slide(), v2_slide(title="", filters={"type": "bogus,arrest", "from": "2019-13-01"},
                                         panels=["map", "pie"], view={"lat": 91, "lon": 0, "zoom": 3}),
                    v2_slide(highlight="rutas:0001", playback={"step": "decade"}), "not a slide")
    assert sorted(problems_of(data), key=str) == sorted(
        [(2, "title"), (2, "filters.from"), (2, "filters.type"), (2, "view"), (2, "panels"),
         (3, "highlight"), (3, "playback.step"), (4, "slide")], key=str)
    with pytest.raises(StoryError) as caught:
        story_from_dict(data)
    message = str(caught.value)
    assert "slide 2, field 'filters.type': unknown 'bogus'" in message
    assert "slide 2, field 'panels': unknown 'pie'" in message


def test_sty011_story_level_errors():
    assert problems_of([]) == [(None, "story")]
    assert problems_of(v2_story(version=7)) == [(None, "version")]
    assert problems_of(v2_story(version=True)) == [(None, "version")]
    assert problems_of(v2_story(format="other")) == [(None, "format")]
    assert problems_of({**v2_story(), "slides": []}) == [(None, "slides")]
    assert sorted(problems_of(v2_story(id="Bad Id!", lang="fr"))) == [(None, "id"), (None, "lang")]
    assert problems_of(v2_story(v2_slide(filters={"colour": "red"}))) == [(1, "filters.colour")]
    assert problems_of(v2_story(*[v2_slide()] * (MAX_SLIDES + 1))) == [(None, "slides")]


def test_sty012_file_that_is_not_json_is_a_story_error():
    with pytest.raises(StoryError, match="field 'file': not JSON"):
        parse_story(b"{not json", source="broken.json")
    with pytest.raises(StoryError, match="broken.json"):
        parse_story(b"\xff\xfe", source="broken.json")


def test_sty013_limits_are_named():
    with pytest.raises(StoryError, match=r"slide 1, field 'caption': longer than 2000"):
        story_from_dict(v2_story(v2_slide(caption="x" * 2001)))
    assert story_from_dict(v2_story(v2_slide(caption="x" * 2000))).slides[0].caption == "x" * 2000


# ---- old versions ----------------------------------------------------------------------------------
def test_sty020_version_1_links_load_as_slides():
    old = {"version": 1, "title": "Mi historia de Callao", "slides": [
        {"title": "Callao", "caption": "Seizures at the port",
         "link": "http://127.0.0.1:8050/?type=drug_seizure&region=Callao&view=-12.05,-77.14,10&event=rutas:0007"},
        {"title": "Everything", "link": ""},
    ]}
    story = story_from_dict(old)
    assert story.story_id == "mi-historia-de-callao"
    first, second = story.slides
    assert first.spec == FilterSpec(event_types=("drug_seizure",), regions=("Callao",))
    assert first.view == MapView(-12.05, -77.14, 10.0)
    assert first.highlight == ("rutas:0007",)
    assert first.panels == (Panel.MAP, Panel.COUNTS, Panel.TIMELINE)
    assert second.spec == FilterSpec() and second.view is None
    # Saved again, it is a version-2 file that reads back the same.
    assert story_to_dict(story)["version"] == 2 and parse_story(story_json(story)) == story


def test_sty021_version_1_bad_link_names_slide_and_parameter():
    with pytest.raises(StoryError, match=r"slide 1, field 'link.from': not an ISO date"):
        story_from_dict({"version": 1, "title": "x", "slides": [{"title": "a", "link": "?from=2019-02-30"}]})


# ---- editing -----------------------------------------------------------------------------------------
def titles(story: Story) -> list[str]:
    return [s.title for s in story.slides]


def test_sty030_editing_returns_new_stories():
    story = make_story(3)
    assert titles(move_slide(story, 2, -1)) == ["Slide 1", "Slide 3", "Slide 2"]
    assert titles(move_slide(story, 0, -5)) == ["Slide 1", "Slide 2", "Slide 3"]
    assert titles(move_slide(story, 0, 9)) == ["Slide 2", "Slide 3", "Slide 1"]
    assert titles(delete_slide(story, 1)) == ["Slide 1", "Slide 3"]
    assert titles(duplicate_slide(story, 0)) == ["Slide 1", "Slide 1", "Slide 2", "Slide 3"]
    assert titles(add_slide(story, Slide(title="New"), at=1)) == ["Slide 1", "New", "Slide 2", "Slide 3"]
    assert edit_slide(story, 2, caption="Changed").slides[2].caption == "Changed"
    assert titles(story) == ["Slide 1", "Slide 2", "Slide 3"]  # the original is untouched
    with pytest.raises(IndexError, match="slide 4 does not exist"):
        delete_slide(story, 3)
    with pytest.raises(ValueError, match="at most"):
        add_slide(make_story(MAX_SLIDES), Slide(title="one too many"))


# ---- storage -----------------------------------------------------------------------------------------
@pytest.fixture
def repository(tmp_path):
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    (bundled / "shipped.json").write_bytes(story_json(make_story(2, "shipped")))
    return StoryRepository(tmp_path / "data", bundled)


def test_sty040_save_get_list_delete(repository):
    saved = repository.save(make_story(3, "mine"))
    assert repository.get("mine") == saved and not saved.bundled
    assert repository.get("shipped").bundled and repository.is_bundled("shipped")
    listings, errors = repository.list()
    assert [(s.story_id, s.slides, s.bundled) for s in listings] == [("shipped", 2, True), ("mine", 3, False)]
    assert errors == []
    repository.delete("mine")
    with pytest.raises(StoryNotFound):
        repository.get("mine")
    with pytest.raises(StoryNotFound):
        repository.get("../etc/passwd")


def test_sty044_a_story_file_is_parsed_again_only_once_its_bytes_change(repository, monkeypatch):
    """Every page load lists the stories: an unchanged file is not parsed again, and a file
    rewritten in place (same size, within the same clock tick) is read anew."""
    from dashboard.data import stories

    parsed = []
    parse = stories.parse_story
    monkeypatch.setattr(stories, "parse_story", lambda content, **kw: parsed.append(kw["source"]) or parse(content, **kw))
    repository.save(make_story(2, "mine"))
    first = repository.list()[0]
    assert parsed.count("mine.json") == 1  # (the shipped file's bytes may be known from before)
    seen = len(parsed)
    assert repository.list()[0] == first and repository.get("mine").title == "Test story"
    assert len(parsed) == seen
    path = repository.user_dir / "mine.json"
    text = path.read_text(encoding="utf-8")
    renamed = text.replace('"title": "Test story"', '"title": "Test storm"', 1)
    assert renamed != text and len(renamed) == len(text)
    path.write_text(renamed, encoding="utf-8")
    assert [s.title for s in repository.list()[0] if s.story_id == "mine"] == ["Test storm"]
    assert repository.get("mine").title == "Test storm"
    assert parsed[seen:] == ["mine.json"]


def test_sty041_bundled_ids_cannot_be_overwritten(repository):
    with pytest.raises(ValueError, match="bundled story"):
        repository.save(make_story(1, "shipped"))
    with pytest.raises(StoryNotFound):
        repository.delete("shipped")
    assert repository.get("shipped").slides == make_story(2, "shipped").slides


def test_sty042_import_never_overwrites_and_bad_files_write_nothing(repository):
    data = story_json(make_story(2, "shipped"))
    first = repository.import_bytes(data, "shipped.json")
    second = repository.import_bytes(data, "shipped.json")
    assert (first.story_id, second.story_id) == ("shipped-2", "shipped-3")
    before = sorted(p.name for p in repository.user_dir.iterdir())
    broken = json.loads(data)
    broken["slides"][1]["filters"] = {"to": "tomorrow"}
    with pytest.raises(StoryError, match=r"slide 2, field 'filters.to'"):
        repository.import_bytes(json.dumps(broken).encode(), "broken.json")
    assert sorted(p.name for p in repository.user_dir.iterdir()) == before


def test_sty043_unreadable_file_is_listed_as_an_error_not_hidden(repository):
    repository.save(make_story(1, "good"))
    (repository.user_dir / "bad.json").write_text('{"version": 2, "title": "Bad", "slides": [{"title": ""}]}')
    listings, errors = repository.list()
    assert [s.story_id for s in listings] == ["shipped", "good"]
    assert len(errors) == 1 and "bad.json" in str(errors[0]) and "slide 1, field 'title'" in str(errors[0])


def test_sty044_save_is_atomic(repository, monkeypatch):
    repository.save(make_story(2, "mine"))
    original = repository.user_dir.joinpath("mine.json").read_bytes()

    def fail(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("dashboard.data.stories.os.replace", fail)
    with pytest.raises(OSError):
        repository.save(make_story(5, "mine"))
    assert repository.user_dir.joinpath("mine.json").read_bytes() == original
    assert [p.name for p in repository.user_dir.iterdir()] == ["mine.json"]  # no temp file left


def test_sty045_slugify_and_free_ids(repository):
    assert slugify("Del VRAEM a Europa: ¡2017!") == "del-vraem-a-europa-2017"
    assert slugify("¿¿??") == "story"
    assert repository.free_id("Shipped") == "shipped-2"
    assert repository.free_id("new one") == "new-one"


# ---- slide facts -------------------------------------------------------------------------------------
def test_sty050_slide_facts_match_the_query_command(app_context):
    from dashboard.__main__ import run_query

    store = app_context.store
    story = make_story(2)
    facts = slide_facts(store, story, 1, "en")
    spec = story.slides[1].spec
    assert facts.counts["events"] == f"{int(run_query(app_context, story.slides[1].query, 'count')[0]):,}"
    assert facts.totals.sources == len(facts.sources)  # the listed reports are the counted ones
    assert facts.progress == "2 / 2" and facts.is_last
    cited = store.rows(spec, ("source_url",))["source_url"]
    assert {url for _, url, _ in facts.sources} == {u for u in cited if u}
    assert sum(n for *_, n in facts.sources) == sum(1 for u in cited if u)
    assert slide_facts(store, story, 99, "en").number == 2  # clamped


def test_sty051_missing_highlights_and_source_lines(store):
    story = Story("s", "S", (Slide(title="x", highlight=("rutas:0001", "nope:1")),))
    facts = slide_facts(store, story, 0, "es")
    assert facts.missing_highlights == ("nope:1",)
    lines = sources_lines(facts, "es", limit=2)
    assert len(lines) == 3 and lines[-1].startswith("… y ") and "fuentes más" in lines[-1]
    assert len(sources_lines(facts, "en")) == len(facts.sources)


def test_sty052_one_report_cited_under_two_names_is_one_source(bundled):
    from dashboard.data.store import InMemoryEventStore

    events = bundled.events.head(3).copy()
    events["source_url"] = ["https://example.org/a", "https://example.org/a", ""]
    events["source_name"] = ["Outlet", "Outlet (wire copy)", "Radio Only"]
    store = InMemoryEventStore(events)
    facts = slide_facts(store, Story("s", "S", (Slide(title="all"),)), 0, "en")
    assert facts.totals.sources == 2
    assert sorted((url, n) for _, url, n in facts.sources) == [("", 1), ("https://example.org/a", 2)]


# ---- hostile files -------------------------------------------------------------------------------
@pytest.mark.parametrize("view", [
    {"lat": 10 ** 400, "lon": 0, "zoom": 3},
    {"lat": True, "lon": "5", "zoom": False},
    {"lat": "NaN", "lon": 0, "zoom": 3},
])
def test_sty060_view_must_be_finite_numbers(view):
    with pytest.raises(StoryError, match=r"slide 1, field 'view'"):
        parse_story(json.dumps(v2_story(v2_slide(view=view))).encode())


def test_sty061_hostile_json_is_a_story_error_not_a_traceback():
    with pytest.raises(StoryError, match="nested too deeply"):
        parse_story(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(StoryError, match="not JSON"):
        parse_story(b'{"version": 2, "title": "x", "slides": [{"title": "a", "view": {"lat": NaN}}]}')
    with pytest.raises(StoryError, match=r"field 'filters'"):
        story_from_dict(v2_story(v2_slide(filters={"q": True})))


def test_sty062_a_user_file_cannot_shadow_a_bundled_story(repository):
    repository.user_dir.mkdir(parents=True)
    (repository.user_dir / "shipped.json").write_bytes(story_json(make_story(5, "shipped")))
    assert repository.get("shipped").bundled and len(repository.get("shipped").slides) == 2
    listings, errors = repository.list()
    assert [s.story_id for s in listings] == ["shipped"]
    assert len(errors) == 1 and "a bundled story has this id" in str(errors[0])
    assert repository.is_bundled("shipped")


def test_sty063_ids_with_a_final_newline_are_refused(repository):
    with pytest.raises(StoryNotFound):
        repository.get("shipped\n")
    with pytest.raises(StoryError, match="field 'id'"):
        story_from_dict(v2_story(id="abc\n"))


# ---- bilingual text (helper K, issue 15) -----------------------------------------------------------
def test_wrd009_a_story_may_carry_english_and_spanish_text():
    from dashboard.data.stories import slide_with_texts, story_in

    data = v2_story({"title": {"en": "Callao", "es": "El Callao"}, "caption": "Plain English caption.",
                     "notes": {"es": "Notas.", "en": "Notes."}, "filters": {"type": "drug_seizure"}},
                    title={"en": "A story", "es": "Un relato"}, lang="en")
    story = story_from_dict(data)
    assert (story.title, story.slides[0].title, story.slides[0].notes) == ("A story", "Callao", "Notes.")
    spanish = story_in(story, "es")
    assert (spanish.title, spanish.slides[0].title, spanish.slides[0].notes) == ("Un relato", "El Callao", "Notas.")
    assert spanish.slides[0].caption == "Plain English caption."  # not translated: the story's own text
    assert story_in(story, "en") == story and story.languages == ("en", "es")
    assert story_from_dict(json.loads(story_json(story))) == story  # written back as objects, read the same
    assert json.loads(story_json(story))["slides"][0]["caption"] == "Plain English caption."  # plain stays plain
    # A plain one-language story stays a plain-string file.
    plain = story_from_dict(v2_story())
    assert isinstance(json.loads(story_json(plain))["slides"][0]["title"], str) and plain.languages == ("en",)
    # Writing in Spanish keeps the English words; writing in English keeps the Spanish ones.
    edited = slide_with_texts(story.slides[0], "es", "en", title="Callao, el puerto")
    assert edited.title == "Callao" and story_in(story.with_slides([edited]), "es").slides[0].title == \
        "Callao, el puerto"
    edited = slide_with_texts(edited, "en", "en", title="The port")
    assert edited.title == "The port" and next(t for t in edited.translations if t.lang == "es").title == \
        "Callao, el puerto"


def test_wrd010_bad_translations_are_named_by_language():
    problems = problems_of(v2_story({"title": {"en": "Ok", "fr": "Non", "es": 3}}))
    assert (1, "title") in problems and (1, "title.es") in problems
    assert problems_of(v2_story({"title": {"es": ""}})) == [(1, "title")]  # no text in any language
    assert story_from_dict(v2_story({"title": {"es": "Solo en español"}})).slides[0].title == "Solo en español"


def test_sto090_an_id_that_is_not_text_names_no_story(tmp_path):
    """A forged request may carry any JSON as a story id: it names no story, it raises no TypeError."""
    from dashboard.data.stories import StoryNotFound, StoryRepository
    from dashboard.state.story_builder import find_story

    repository = StoryRepository(tmp_path)
    for forged in (True, 7, ["a"], {"id": "x"}):
        with pytest.raises(StoryNotFound):
            repository.get(forged)
        assert find_story(repository, forged) is None


# ---- a slide's indicator series (issue 18 part 5) ------------------------------------------------
def test_sty070_a_slide_names_an_indicator_series_and_keeps_it():
    story = story_from_dict(v2_story(v2_slide(indicator="coca_area", panels=["map", "indicator"]), v2_slide()))
    first, second = story.slides
    assert first.indicator == "coca_area" and first.shows(Panel.INDICATOR) and second.indicator == ""
    assert "ind=coca_area" in first.query
    written = story_to_dict(story)
    assert written["slides"][0]["indicator"] == "coca_area" and "indicator" not in written["slides"][1]
    assert parse_story(story_json(story)) == story


@pytest.mark.parametrize(("value", "message"), [
    ("nope", r"slide 1, field 'indicator': unknown series 'nope' \(known: coca_area, "),
    (5, r"slide 1, field 'indicator': expected an indicator series id"),
    ("Coca Area", r"slide 1, field 'indicator': expected an indicator series id"),
])
def test_sty071_an_unknown_or_malformed_series_is_named(value, message):
    with pytest.raises(StoryError, match=message):
        story_from_dict(v2_story(v2_slide(indicator=value)))


def test_sty072_version_1_links_keep_their_series():
    story = story_from_dict({"version": 1, "title": "x", "slides": [
        {"title": "a", "link": "?type=drug_seizure&ind=port_cocaine_seizures"}]})
    assert story.slides[0].indicator == "port_cocaine_seizures"
    with pytest.raises(StoryError, match=r"slide 1, field 'link.ind': unknown series 'nope'"):
        story_from_dict({"version": 1, "title": "x", "slides": [{"title": "a", "link": "?ind=nope"}]})


def test_sty073_a_series_the_user_imported_is_known_to_their_repository(tmp_path):
    from dashboard.data.catalog import GEODATA_DIR
    from dashboard.data.indicators import INDICATOR_COLUMNS, import_indicators

    row = {name: "" for name in INDICATOR_COLUMNS} | {
        "series_id": "lab_raids", "series_title": "Labs raided (count as kg)", "unit": "kg", "place_kind": "country",
        "place_code": "PER", "year": "2020", "value": "12", "publisher": "Test publisher",
        "source_url": "https://example.org/labs", "quote": "12"}
    source = tmp_path / "labs.csv"
    source.write_text(",".join(INDICATOR_COLUMNS) + "\n" + ",".join(row[c] for c in INDICATOR_COLUMNS) + "\n",
                      encoding="utf-8")
    repository = StoryRepository(tmp_path)
    data = json.dumps(v2_story(v2_slide(indicator="lab_raids"))).encode()
    with pytest.raises(StoryError, match="unknown series 'lab_raids'"):
        repository.import_bytes(data, "labs.json")
    assert import_indicators(source, GEODATA_DIR, tmp_path).kept
    saved = repository.import_bytes(data, "labs.json")
    assert repository.get(saved.story_id).slides[0].indicator == "lab_raids"
    with pytest.raises(StoryError, match="unknown series 'lab_raids'"):
        parse_story(data)  # without the repository's catalog: the bundled series only
