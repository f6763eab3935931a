"""Presenter and speaker notes: pure helpers, and the callbacks called as plain functions."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from dash import Patch, html, no_update

from dashboard.callbacks.present import (
    FRAME_OUTPUTS,
    SLIDE_OUTPUTS,
    on_frame,
    on_play,
    update_notes,
    update_slide,
    update_speed,
)
from dashboard.data.charts import SHARED_PATH_CHARTS
from dashboard.data.filters import FilterSpec, MapView, parse_url_state
from dashboard.data.language import DEFAULT_LANGUAGE, Language
from dashboard.data.schema import safe_href
from dashboard.data.store import EVENT_TYPES
from dashboard.data.stories import (
    Panel,
    PlaybackMode,
    PlaybackStep,
    Slide,
    SlidePlayback,
    Story,
    StoryRepository,
)
from dashboard.figures.event_map import (
    EVENT_TRACE,
    LABEL_LAYERS,
    LayerSlot,
    array_of,
    build_event_map,
    drawn_events,
    map_update,
    offline_style,
    points_layer,
    rings_layer,
)
from dashboard.figures.theme import EVENT_COLOURS, PROJECTOR, SCREEN
from dashboard.i18n import CATALOGS, format_number
from dashboard.ids import NotesIds, PresentIds
from dashboard.layout.present import build_notes, build_presenter
from dashboard.state.playback import SPEEDS_MS
from dashboard.state.present_view import (
    clamp_slide,
    dashboard_link,
    dates_in_words,
    frame_label,
    initial_frame_state,
    load_story,
    median_p95,
    panels_class,
    slide_frames,
    slide_from_search,
    slide_search,
    step_frame,
    toggle_playback,
)
from tests.unit.layout_tree import find

STORY_ID = "from-the-vraem-to-europe"
ASSETS = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture(scope="module")
def story(app_context) -> Story:
    return app_context.stories.get(STORY_ID)


def story_data(story: Story, lang: str = "en") -> dict:
    return {"id": story.story_id, "slides": len(story.slides), "lang": lang}


# ---- slide index, URL, links -----------------------------------------------------------------------
@pytest.mark.parametrize(("index", "count", "expected"), [
    (0, 6, 0), (5, 6, 5), (6, 6, 5), (99, 6, 5), (-1, 6, 0), ("3", 6, 3), ("x", 6, 0), (None, 6, 0),
    (2.7, 6, 2), (3, 0, 0),
])
def test_prs101_clamp_slide(index, count, expected):
    assert clamp_slide(index, count) == expected


@pytest.mark.parametrize(("search", "expected"), [
    ("", 0), ("?slide=1", 0), ("?slide=3", 2), ("slide=3&lang=es", 2), ("?slide=0", 0), ("?slide=-4", 0),
    ("?slide=99", 5), ("?slide=abc", 0), ("?slide=2.5", 0), ("?lang=es", 0), (None, 0), ("?slide=%203", 2),
])
def test_prs102_slide_from_search_is_one_based_and_clamped(search, expected):
    assert slide_from_search(search, 6) == expected


def test_prs103_slide_search_and_dashboard_link(story):
    assert slide_search(2, "en") == "?slide=3"
    assert slide_search(0, "es") == "?slide=1&lang=es"
    link = dashboard_link(story.slides[1], "es")
    state, notices = parse_url_state(link[1:])
    assert link.startswith("/?") and not notices
    assert state.spec == story.slides[1].spec and state.view == story.slides[1].view and state.lang == "es"


def test_prs104_load_story_never_raises(tmp_path):
    repository = StoryRepository(tmp_path)
    assert load_story(repository, "missing").message == "present.not_found"
    assert load_story(repository, "../etc/passwd").message == "present.not_found"
    (tmp_path / "stories").mkdir()
    (tmp_path / "stories" / "broken.json").write_text('{"format": "rutas-story", "version": 2, "slides": 3}')
    broken = load_story(repository, "broken")
    assert broken.story is None and broken.message == "present.unreadable" and "slides" in broken.detail
    (tmp_path / "stories" / "bad.json").write_text("not json")
    assert load_story(repository, "bad").message == "present.unreadable"
    bundled = load_story(StoryRepository(tmp_path), STORY_ID)
    assert bundled.story is not None and 6 <= len(bundled.story.slides) <= 8


def test_prs105_missing_story_page_has_message_and_link(app_context):
    for build, root in ((build_presenter, PresentIds.ROOT), (build_notes, NotesIds.ROOT)):
        page = build(app_context, "no-such-story", "", "en")
        assert page.id == root
        text = str(page.to_plotly_json())
        assert "There is no story called “no-such-story”." in text and "Back to the dashboard" in text
        assert "Traceback" not in text
    spanish = str(build_presenter(app_context, "no-such-story", "", "es").to_plotly_json())
    assert "No hay ninguna historia" in spanish and "?lang=es" in spanish


# ---- words ---------------------------------------------------------------------------------------
def test_prs106_dates_in_words():
    assert dates_in_words(None, None, "en") == "All dates"
    assert dates_in_words(date(2015, 1, 1), date(2017, 12, 31), "en") == "2015 – 2017"
    assert dates_in_words(date(2017, 1, 1), date(2017, 12, 31), "en") == "2017"
    assert dates_in_words(date(2017, 3, 1), date(2017, 3, 31), "en") == "Mar 2017"
    assert dates_in_words(date(2016, 3, 1), date(2018, 6, 30), "es") == "mar 2016 – jun 2018"
    assert dates_in_words(date(2017, 3, 18), date(2017, 3, 19), "en") == "18 Mar 2017 – 19 Mar 2017"
    assert dates_in_words(date(2017, 3, 18), None, "es") == "Desde 18 mar 2017"


def test_prs107_messages_have_the_same_keys_and_reach_the_catalog():
    assert all(CATALOGS[lang].keys() == CATALOGS[DEFAULT_LANGUAGE].keys() for lang in Language)


def test_prs108_only_http_links(story):
    assert safe_href("https://x.org/a") == "https://x.org/a"
    assert safe_href("javascript:alert(1)") is None and safe_href("") is None and safe_href("ftp://x") is None
    # The strict check the data was validated with: no host, or a quote or space inside, is no link.
    assert safe_href("https://") is None and safe_href('https://x.org/"onmouseover=') is None
    assert safe_href(None) is None


# ---- playback frames -----------------------------------------------------------------------------
def test_prs109_frames_step_and_stop_at_the_last():
    slide = Slide(title="t", spec=FilterSpec(date_from=date(2015, 1, 1), date_to=date(2017, 6, 30)),
                  playback=SlidePlayback(PlaybackStep.YEAR, PlaybackMode.CUMULATIVE))
    frames = slide_frames(slide, None)
    assert frames == [(date(2015, 1, 1), date(2015, 12, 31)), (date(2015, 1, 1), date(2016, 12, 31)),
                      (date(2015, 1, 1), date(2017, 6, 30))]
    rolling = slide_frames(slide, None, "rolling")
    assert rolling[1] == (date(2016, 1, 1), date(2016, 12, 31))
    state = toggle_playback(initial_frame_state(4), 4, len(frames))
    assert state == {"slide": 4, "index": None, "playing": True}
    shown = []
    for _ in range(5):
        step = step_frame(state, 4, frames)
        state = step.state
        if step.frame is not None:
            shown.append(step.frame)
    assert shown == frames and state["playing"] is False and state["index"] == 2
    assert toggle_playback(state, 4, len(frames))["index"] is None, "Play after the end starts over"
    paused = toggle_playback({"slide": 4, "index": 1, "playing": True}, 4, 3)
    assert paused == {"slide": 4, "index": 1, "playing": False}
    assert toggle_playback(paused, 4, 3) == {"slide": 4, "index": 1, "playing": True}
    assert step_frame({"slide": 3, "index": 0, "playing": True}, 4, frames).frame is None, "another slide's clock"
    assert toggle_playback(None, 4, 0)["playing"] is False, "nothing to play"


def test_prs110_frame_label_rounds_only_open_ends():
    open_slide = Slide(title="t")
    assert frame_label((date(2003, 6, 9), date(2004, 12, 31)), open_slide, "en") == "2003 – 2004"
    assert frame_label((date(2003, 6, 9), date(2025, 8, 15)), open_slide, "en") == "2003 – 2025"
    closed = Slide(title="t", spec=FilterSpec(date_from=date(2017, 3, 5), date_to=date(2017, 3, 20)))
    assert frame_label((date(2017, 3, 5), date(2017, 3, 20)), closed, "en") == "5 Mar 2017 – 20 Mar 2017"


def test_prs111_panels_class_and_colours():
    assert panels_class(Slide(title="t", panels=(Panel.MAP, Panel.COUNTS))) == "present-panels side-0 with-map"
    assert panels_class(Slide(title="t", panels=(Panel.TIMELINE, Panel.BREAKDOWN))) == "present-panels side-2 no-map"
    assert PROJECTOR.colour("#332288") != "#332288" and PROJECTOR.colour("#CC6677") == "#CC6677"
    assert SCREEN.colour("#332288") == "#332288"
    assert median_p95([1.0, 2.0, 3.0, 4.0, 100.0]) == (3.0, 100.0)


# ---- figures: the projector theme is additive -------------------------------------------------------
def test_prs112_screen_map_layers_unchanged_and_projector_larger():
    def names(theme):
        return [layer for layer in offline_style(theme)["layers"] if layer["id"].startswith("names-")]
    screen = names(SCREEN)
    assert [(layer["layout"]["text-size"], layer["paint"]["text-color"]) for layer in screen] \
        == [(size, colour) for _, _, size, colour, _ in LABEL_LAYERS]
    departments = next(layer for layer in offline_style(SCREEN)["layers"] if layer["id"] == "departments")
    assert departments["paint"]["line-color"] == "#c4c8cc"
    projector = names(PROJECTOR)
    assert all(p["layout"]["text-size"] > s["layout"]["text-size"] for p, s in zip(projector, screen))


def test_prs120_projector_markers_are_built_larger_and_lifted(store, bundled):
    """The theme carries the projector's marker scale and colour lift: the builders apply them."""
    points = store.points(FilterSpec(), limit=5000)
    kwargs = dict(routes=bundled.routes, vraem_feature=None)
    screen, projector = build_event_map(points, **kwargs), build_event_map(points, theme=PROJECTOR, **kwargs)
    plain, projected = screen.data[EVENT_TRACE], projector.data[EVENT_TRACE]
    assert list(array_of(projected.marker.size)) == \
        [min(255, round(s * PROJECTOR.marker_scale)) for s in array_of(plain.marker.size)]
    lifted = [colour for _, colour in projected.marker.colorscale]
    seizure = 2 * EVENT_TYPES.index("drug_seizure")
    assert lifted[seizure] == "rgba(140,127,232,0.95)"  # #8c7fe8, the lifted indigo
    assert drawn_events(projected).count == len(points.row)
    update = map_update(points_layer(points), routes=bundled.routes, vraem=False, lang="en", theme=PROJECTOR)
    assert [tuple(stop) for stop in update.trace["marker"]["colorscale"]] == list(projected.marker.colorscale)
    # The screen theme changes nothing.
    colours = [colour for _, colour in plain.marker.colorscale]
    assert colours[0:2 * len(EVENT_TYPES):2] == [
        "rgba({},{},{},0.95)".format(*(int(EVENT_COLOURS[t][i:i + 2], 16) for i in (1, 3, 5))) for t in EVENT_TYPES]


def test_prs113_rings_take_the_highlight_place(app_context, store):
    points = store.points(FilterSpec(), limit=10)
    kwargs = dict(routes=app_context.data.routes, vraem_feature=app_context.vraem_feature)
    plain = build_event_map(points, **kwargs)
    ringed = build_event_map(points, view=MapView(-12, -74, 7), rings=[(-12.0, -74.0), (-11.0, -75.0)], **kwargs)
    assert len(plain.data) == len(ringed.data) == 1
    ring = ringed.layout.map.layers[LayerSlot.HIGHLIGHT]
    assert ring.type == "line" and len(ring.source["features"]) == 2
    assert all(len(f["geometry"]["coordinates"]) == 37 for f in ring.source["features"])
    assert rings_layer([], 20, 5)["visible"] is False


# ---- callbacks -------------------------------------------------------------------------------------
def test_prs114_presenter_page_renders_the_urls_slide(app_context, story):
    page = build_presenter(app_context, STORY_ID, "?slide=99", "en")
    last = len(story.slides) - 1
    assert find(page, PresentIds.SLIDE).data == last
    assert find(page, PresentIds.PROGRESS).children == f"{last + 1} / {len(story.slides)}"
    assert find(page, PresentIds.TITLE).children == story.slides[last].title
    totals = app_context.store.totals(story.slides[last].spec)
    assert find(page, PresentIds.COUNT_EVENTS).children == format_number(totals.events, "en")
    notes = build_notes(app_context, STORY_ID, "?slide=2", "en")
    assert find(notes, NotesIds.NOTES).children == story.slides[1].notes
    notes = build_notes(app_context, STORY_ID, "?slide=2", "es")
    assert find(notes, NotesIds.PROGRESS).children == f"Diapositiva 2 / {len(story.slides)}"


def test_prs115_update_slide_shows_the_slide(app_context, story):
    index = next(i for i, s in enumerate(story.slides) if s.shows(Panel.BREAKDOWN) and not s.shows(Panel.TIMELINE))
    values = by_component(SLIDE_OUTPUTS, update_slide(index, story_data(story)))
    slide, totals = story.slides[index], app_context.store.totals(story.slides[index].spec)
    assert values["present-title.children"] == slide.title
    assert count_value(values["present-counts.children"], PresentIds.COUNT_EVENTS) == format_number(totals.events, "en")
    assert count_value(values["present-counts.children"], PresentIds.COUNT_FATALITIES) == format_number(
        totals.fatalities, "en")
    assert values["present-progress.children"] == f"{index + 1} / {len(story.slides)}"
    assert values["present-map-panel.hidden"] is False and values["present-timeline-panel.hidden"] is True
    assert values["present-breakdown-panel.hidden"] is False and values["present-counts.hidden"] is False
    assert isinstance(values["present-map.figure"], Patch)
    view = values["present-view.data"]
    assert (view["lat"], view["lon"], view["zoom"]) == (slide.view.lat, slide.view.lon, slide.view.zoom)
    assert view["slide"] == index and view["map"] is True and view["layout"] == values["present-panels.className"]
    assert values["present-frame.data"] == initial_frame_state(index) and values["present-interval.disabled"]
    assert update_slide(99, story_data(story))["title"] == story.slides[-1].title, "clamped"
    gone = by_component(SLIDE_OUTPUTS, update_slide(0, {"id": "gone", "slides": 1, "lang": "en"}))
    # 22 outputs of the hand-made panels, and two (panel, figure) per chart of the shared path and for
    # the indicator's
    assert len(gone) == 22 + 2 * (len(SHARED_PATH_CHARTS) + 1) and all(value is no_update for value in gone.values())


def count_value(blocks: list, count_id: str) -> str | None:
    """The number a headline counter shows among the count blocks (None: the counter is left out)."""
    found = find(html.Div(blocks), count_id)
    return None if found is None else found.children


def by_component(outputs: dict, values: dict) -> dict:
    """A dict-wired callback's (nested) result keyed by 'component-id.property', as the page sees it."""
    flat = {}
    for name, output in outputs.items():
        if isinstance(output, dict):
            flat.update(by_component(output, values[name]))
        else:
            flat[f"{output.component_id}.{output.component_property}"] = values[name]
    return flat


def test_prs116_play_then_frames_follow(app_context, story):
    index = next(i for i, s in enumerate(story.slides) if s.playback is not None)
    data = story_data(story)
    state, disabled, label = on_play(1, initial_frame_state(index), index, "cumulative", data)
    assert state["playing"] and disabled is False and "Pause" in label
    shown = []
    for tick in range(1, 4):
        result = by_component(FRAME_OUTPUTS, on_frame(tick, state, index, "cumulative", data))
        state = result["present-frame.data"]
        shown.append((count_value(result["present-counts.children"], PresentIds.COUNT_EVENTS),
                      result["present-dates.children"]))
        assert isinstance(result["present-map.figure"], Patch) and isinstance(result["present-timeline.figure"], Patch)
    assert len({dates for _, dates in shown}) == 3
    counts = [int(events.replace(",", "")) for events, _ in shown]
    assert counts == sorted(counts)
    paused, disabled, label = on_play(2, state, index, "cumulative", data)
    assert not paused["playing"] and disabled is True and "Play" in label
    stale = by_component(FRAME_OUTPUTS, on_frame(9, {**state, "slide": index - 1}, index, "cumulative", data))
    assert stale["present-map.figure"] is no_update and stale["present-interval.disabled"] is True
    assert update_speed("fast") == SPEEDS_MS["fast"] and update_speed("nonsense") == SPEEDS_MS["normal"]


def test_prs117_update_notes_follows(app_context, story):
    progress, title, notes, caption, sources, next_title = update_notes(1, story_data(story))
    assert progress == f"Slide 2 / {len(story.slides)}" and title == story.slides[1].title
    assert notes == story.slides[1].notes and caption == story.slides[1].caption
    assert next_title == f"Next: {story.slides[2].title}"
    assert update_notes(99, story_data(story))[5] == "Last slide"
    assert "http" in str(sources.to_plotly_json())


def test_prs118_script_names_only_ids_that_exist():
    script = (ASSETS / "present.js").read_text(encoding="utf-8")
    block = re.search(r"var IDS = \{(.*?)\};", script, re.S).group(1)
    named = set(re.findall(r"'([a-z-]+)'", block))
    known = {member.value for member in (*PresentIds, *NotesIds)}
    assert named - known == set()
    assert set(re.findall(r"byId\('([a-z-]+)'\)", script)) == {"present-jump-box"}, "other ids come from IDS"
    assert {"present-slide", "notes-slide", "present-help", "present-play"} <= named


# ---- words on the presenter (helper K, issue 15) ---------------------------------------------------
def slide_of_type(story: Story, event_type: str) -> int:
    """The first slide that filters on exactly one event type."""
    return next(i for i, s in enumerate(story.slides) if s.spec.event_types == (event_type,))


def test_wrd004_no_kg_line_on_an_attack_slide_and_no_deaths_line_on_a_seizure_slide(app_context, story):
    attack = slide_of_type(story, "attack_on_security_forces")
    seizure = slide_of_type(story, "drug_seizure")
    for lang in Language:
        page = build_presenter(app_context, STORY_ID, f"?slide={attack + 1}", lang)
        assert find(page, PresentIds.COUNT_KG) is None and find(page, PresentIds.COUNT_FATALITIES) is not None
        shown = by_component(SLIDE_OUTPUTS, update_slide(seizure, story_data(story, lang)))
        blocks = shown["present-counts.children"]
        assert count_value(blocks, PresentIds.COUNT_FATALITIES) is None
        assert count_value(blocks, PresentIds.COUNT_KG) == format_number(
            app_context.store.totals(story.slides[seizure].spec).kg_seized, lang)
    # The first slide mixes attacks and seizures: all four counters apply.
    page = build_presenter(app_context, STORY_ID, "?slide=1", "en")
    assert all(find(page, i) is not None for i in (PresentIds.COUNT_EVENTS, PresentIds.COUNT_FATALITIES,
                                                   PresentIds.COUNT_KG, PresentIds.COUNT_SOURCES))


def test_wrd005_counter_words_agree_with_their_number(app_context, story):
    attack = slide_of_type(story, "attack_on_security_forces")
    totals = app_context.store.totals(story.slides[attack].spec)
    assert totals.events == 1 and totals.sources == 1  # the convoy ambush: one event, one report
    for lang, expected in (("en", ["1 event", "3 deaths", "1 source"]), ("es", ["1 evento", "3 muertes", "1 fuente"])):
        page = build_presenter(app_context, STORY_ID, f"?slide={attack + 1}", lang)
        words = [" ".join(child.children for child in block.children)
                 for block in find(page, PresentIds.COUNTS).children]
        assert words == expected, lang


def test_wrd006_with_lang_es_slides_read_in_spanish(app_context, story):
    for index, slide in enumerate(story.slides):
        page = build_presenter(app_context, STORY_ID, f"?slide={index + 1}&lang=es", "es")
        title, caption = find(page, PresentIds.TITLE).children, find(page, PresentIds.CAPTION).children
        spanish = next(t for t in slide.translations if t.lang == "es")
        assert title == spanish.title != slide.title and caption == spanish.caption != slide.caption
        shown = update_slide(index, story_data(story, "es"))
        assert shown["title"] == spanish.title
        notes = build_notes(app_context, STORY_ID, f"?slide={index + 1}", "es")
        assert find(notes, NotesIds.NOTES).children == spanish.notes
    # English stays English.
    assert find(build_presenter(app_context, STORY_ID, "?slide=1", "en"), PresentIds.TITLE).children == \
        story.slides[0].title


def test_wrd007_ring_labels_name_the_ringed_event(app_context, story):
    from dashboard.state.present_view import ring_label, slide_rings

    sea = next(i for i, s in enumerate(story.slides) if "rutas:0066" in s.highlight)
    slide = story.slides[sea]
    rings = slide_rings(app_context.store, slide, slide.view.zoom, "en")
    names = [f["properties"]["name"] for f in rings.labels["source"]["features"]]
    assert len(names) == len(slide.highlight)
    callao = names[list(slide.highlight).index("rutas:0066")]
    assert callao.splitlines() == ["Port of Callao", "1,417 kg"] and "Pichari" not in " ".join(names)
    # Each label stands just north of its own event.
    for event_id, feature in zip(slide.highlight, rings.labels["source"]["features"]):
        event = app_context.store.event(event_id)
        lon, lat = feature["geometry"]["coordinates"]
        assert lat > event["latitude"] and abs(lon - event["longitude"]) < 0.01
    toll = {"location": "Tintaypuncu (Tintay Puncu)", "fatalities": 19.0, "quantity_kg": float("nan")}
    assert ring_label(toll, "es") == "Tintaypuncu\n19 muertes" and ring_label({**toll, "fatalities": 1.0}, "en") == \
        "Tintaypuncu\n1 death"


def test_wrd008_playback_rings_only_the_events_its_frame_draws(app_context, story):
    from dashboard.state.present_view import frame_view, slide_extent

    index = next(i for i, s in enumerate(story.slides) if s.playback is not None and len(s.highlight) > 1)
    slide = story.slides[index]
    frames = slide_frames(slide, slide_extent(app_context.store, slide))
    dates = sorted(app_context.store.event(e)["event_date"] for e in slide.highlight)
    ringed = []
    for frame in frames:
        shown = frame_view(app_context.store, story, index, frame, "en", app_context.settings.max_map_points,
                           routes=app_context.data.routes, vraem=True)
        ringed.append(len(shown.rings.labels["source"]["features"]))
        drawn = sum(1 for day in dates if day <= frame[1])  # cumulative: everything up to the frame's end
        assert ringed[-1] == drawn, (frame, ringed[-1], drawn)
        rings = shown.rings.layer["source"]["features"] if shown.rings.layer["visible"] else []
        assert len(rings) == drawn and all(len(r["geometry"]["coordinates"]) == 37 for r in rings)
    assert ringed[0] == 0 and ringed[-1] == len(slide.highlight)
    # The frame's map patch carries the rings and their labels.
    data = story_data(story)
    state, *_ = on_play(1, initial_frame_state(index), index, "cumulative", data)
    patch = on_frame(1, state, index, "cumulative", data)["map"]
    assert "layers" in json.dumps(patch.to_plotly_json(), default=str)


# ---- a slide's indicator series: on the map for the slide's year, and as a panel (issue 18 part 5) ----
def indicator_of(app_context, slide, lang="en", date_to=None):
    from dashboard.state.present_view import slide_indicator
    from dashboard.state.views import indicator_catalog_of, indicator_positions

    return slide_indicator(indicator_catalog_of(app_context), indicator_positions(app_context), slide, lang, date_to)


def test_prs140_the_map_shows_the_series_for_the_slide_s_last_year(app_context, story):
    from dataclasses import replace

    scale = story.slides[-1]
    shown = indicator_of(app_context, scale)
    assert (shown.series_id, shown.year) == ("coca_area", 2022)
    assert shown.legend.startswith("Coca cultivation (hectares), 2022") and "VRAEM 35,709 / 35,106" in shown.legend
    assert shown.layer["visible"] and len(shown.layer["source"]["features"]) == 4  # Peru, VRAEM twice, Bolivia
    earlier = replace(scale, spec=scale.spec.with_changes(date_to=date(2015, 12, 31)))
    assert indicator_of(app_context, earlier).year == 2015 and "VRAEM 18,333" in indicator_of(app_context, earlier).legend
    assert indicator_of(app_context, scale, "es").legend.startswith("Cultivo de coca (hectáreas), 2022")
    assert indicator_of(app_context, scale, date_to=date(2016, 12, 31)).year == 2016  # a playing frame's end
    none = indicator_of(app_context, story.slides[0])
    assert none.series_id == "" and none.layer["visible"] is False and none.legend == ""


def test_prs144_a_playing_frame_shows_the_series_for_its_own_last_year(app_context, story):
    from dashboard.state.present_view import frame_view
    from dashboard.state.views import indicator_catalog_of, indicator_positions

    index = len(story.slides) - 1
    shown = frame_view(app_context.store, story, index, (date(2013, 1, 1), date(2016, 12, 31)), "en",
                       app_context.settings.max_map_points, routes=app_context.data.routes, vraem=True,
                       indicators=indicator_catalog_of(app_context), positions=indicator_positions(app_context))
    assert shown.indicator.year == 2016
    assert any(a.get("name") == "indicator-legend" and "2016" in a["text"] for a in shown.update.annotations)


def test_prs141_the_indicator_legend_fits_the_map_at_1280(app_context, story):
    from dashboard.figures.text_metrics import text_width
    from dashboard.state.present_view import (
        INDICATOR_LEGEND_PX,
        INDICATOR_LEGEND_WIDTH_PX,
        indicator_legend_note,
    )

    ports = replace_indicator(story.slides[-1], "port_cocaine_seizures")
    note = indicator_legend_note(indicator_of(app_context, ports).legend)
    lines = note["text"].split("<br>")
    assert len(lines) >= 3 and note["font"]["size"] == INDICATOR_LEGEND_PX
    assert all(text_width(line, INDICATOR_LEGEND_PX) <= INDICATOR_LEGEND_WIDTH_PX for line in lines)


def replace_indicator(slide, series_id):
    from dataclasses import replace

    return replace(slide, indicator=series_id)


def test_prs142_the_presenter_page_draws_the_slide_s_indicator(app_context, story):
    from dashboard.ids import present_chart_id, present_chart_panel_id

    page = build_presenter(app_context, STORY_ID, f"?slide={len(story.slides)}", "en")
    assert find(page, present_chart_panel_id("indicator")).hidden is False
    chart = find(page, present_chart_id("indicator")).figure
    assert chart.layout.title.text.startswith("Coca cultivation") and chart.layout.height is None
    assert {a.text for a in chart.layout.annotations} >= {"<b>Peru</b>", "<b>VRAEM</b>", "<b>Bolivia</b>"}
    figure = find(page, PresentIds.MAP).figure
    last = figure.layout.map.layers[-1]
    assert last.name == "indicator" and last.visible
    legend = [a.text for a in figure.layout.annotations if a.name == "indicator-legend"]
    assert len(legend) == 1 and "2022" in legend[0]
    first = build_presenter(app_context, STORY_ID, "?slide=1", "en")
    assert find(first, present_chart_panel_id("indicator")).hidden is True
    assert not find(first, PresentIds.MAP).figure.layout.map.layers[-1].visible


def test_prs143_a_slide_change_patches_the_indicator_layer_and_panel(app_context, story):
    from dashboard.state.present_view import present_indicator_slot

    slot = present_indicator_slot(app_context.settings.basemap, app_context.vraem_feature, app_context.data.routes, "en")
    page = build_presenter(app_context, STORY_ID, "?slide=1", "en")
    assert slot == len(find(page, PresentIds.MAP).figure.layout.map.layers) - 1

    def indicator_layer_of(values):
        operations = values["present-map.figure"].to_plotly_json()["operations"]
        return next(op["params"]["value"] for op in operations if op["location"] == ["layout", "map", "layers", slot])

    scale = by_component(SLIDE_OUTPUTS, update_slide(len(story.slides) - 1, story_data(story)))
    assert scale["present-indicator-panel.hidden"] is False
    assert scale["present-indicator.figure"].layout.title.text.startswith("Coca cultivation")
    assert indicator_layer_of(scale)["name"] == "indicator" and indicator_layer_of(scale)["visible"]
    annotations = [op["params"]["value"] for op in scale["present-map.figure"].to_plotly_json()["operations"]
                   if op["location"] == ["layout", "annotations"]][0]
    assert any(a.get("name") == "indicator-legend" and "2022" in a["text"] for a in annotations)
    back = by_component(SLIDE_OUTPUTS, update_slide(0, story_data(story)))
    assert back["present-indicator-panel.hidden"] is True and indicator_layer_of(back)["visible"] is False
