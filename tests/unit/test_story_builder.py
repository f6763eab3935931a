"""The Story panel: pure helpers, and each callback as a plain function against a temporary story folder."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.exceptions import PreventUpdate

import dashboard.callbacks.stories as callbacks
import dashboard.data.stories as stories_module
from dashboard.data.filters import FilterSpec, MapView, parse_url_state
from dashboard.data.language import DEFAULT_LANGUAGE, Language
from dashboard.data.stories import (
    Panel,
    Slide,
    Story,
    StoryRepository,
    parse_story,
    story_from_dict,
    story_json,
    story_to_dict,
)
from dashboard.exports.render import ExportError
from dashboard.i18n import CATALOGS
from dashboard.ids import StoryIds
from dashboard.state.story_builder import (
    DEFAULT_SLIDE_PANELS,
    StaleUndo,
    default_slide_title,
    restore,
    selection,
    slide_from_view,
    slide_rows,
    slide_view_href,
    story_hash,
    story_options,
)

SEARCH = "?type=drug_seizure&from=2019-01-01&view=-12.4,-73.9,7.5&event=rutas:0066"
FILTERS = FilterSpec.from_store({"type": "drug_seizure", "from": "2019-01-01"}).to_store()
BUNDLED = {"format": "rutas-story", "version": 2, "id": "air-bridge", "title": "The air bridge", "lang": "en",
           "slides": [{"title": "Narco-planes", "caption": "Intercepted planes.",
                       "filters": {"type": "aircraft_interdiction"}, "panels": ["map", "counts"]}]}


def trigger(prop_id: str, value: object = 1) -> None:
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": value}]))


def click(kind: StoryIds, index: int) -> None:
    trigger(json.dumps({"index": index, "type": str(kind)}, separators=(",", ":")) + ".n_clicks")


@pytest.fixture
def stories(app_context, tmp_path, monkeypatch):
    """The context's story repository over an empty user folder and one bundled story."""
    bundled_dir = tmp_path / "bundled"
    bundled_dir.mkdir()
    (bundled_dir / "air-bridge.json").write_text(json.dumps(BUNDLED), encoding="utf-8")
    repository = StoryRepository(tmp_path / "data", bundled_dir)
    monkeypatch.setattr(app_context, "stories", repository)
    return repository


def user_files(repository: StoryRepository) -> list[str]:
    return sorted(p.name for p in repository.user_dir.glob("*.json")) if repository.user_dir.is_dir() else []


def add(current: dict, search: str = SEARCH, filters: dict | None = None, title: str = "", caption: str = "",
        notes: str = "", panels=DEFAULT_SLIDE_PANELS, new_title: str = "", lang: str = "en") -> tuple:
    return callbacks.on_add_slide(1, current, search, FILTERS if filters is None else filters, title, caption, notes,
                                  list(panels), new_title, lang)


def story_with_slides(repository: StoryRepository, titles: list[str]) -> dict:
    """A saved user story with one slide per title; returns the panel's selection of it."""
    trigger("story-new.n_clicks")
    current, _, _, _ = callbacks.on_new_story(1, None, "Briefing", selection(None), "en")
    for title in titles:
        current = add(current, title=title)[0]
    return current


# ---- pure helpers ----------------------------------------------------------------------------------
def test_stb001_slide_from_view_keeps_the_filter_the_map_view_and_the_selected_event():
    slide = slide_from_view(SEARCH, FILTERS, "  Seizures   since 2019 ", "For the room.", "Say it slowly.",
                            ["timeline", "map", "nonsense"])
    assert slide.spec == FilterSpec.from_store(FILTERS) and slide.spec.event_types == ("drug_seizure",)
    assert slide.view == MapView(-12.4, -73.9, 7.5)
    assert slide.highlight == ("rutas:0066",)
    assert slide.title == "Seizures since 2019" and slide.caption == "For the room." and slide.notes == "Say it slowly."
    assert slide.panels == (Panel.MAP, Panel.TIMELINE)  # fixed order, unknown values dropped
    bare = slide_from_view("", {}, "All")
    assert bare.view is None and bare.highlight == () and bare.spec == FilterSpec()
    assert bare.panels == (Panel.MAP, Panel.COUNTS, Panel.TIMELINE)  # the default: map, counts and timeline


def test_stb020_a_slide_of_a_view_keeps_its_indicator_series():
    """'Add this view as a slide' keeps the view's ``ind``; the slide's link, the slide list and a save
    carry it, and without one the slide names none."""
    slide = slide_from_view(SEARCH + "&ind=coca_area", FILTERS, "Coca", panels=["map", "indicator"])
    assert slide.indicator == "coca_area" and slide.panels == (Panel.MAP, Panel.INDICATOR)
    assert parse_url_state(slide_view_href(slide, "en")[1:])[0].indicator == "coca_area"
    assert slide_from_view(SEARCH, FILTERS, "x").indicator == ""
    rows = slide_rows(Story(story_id="s", title="s", slides=(slide,)), "es")
    assert rows[0].summary.endswith("Indicador: Cultivo de coca") and rows[0].panels == ("map", "indicator")
    saved = story_from_dict(story_to_dict(Story(story_id="s", title="s", slides=(slide,))))
    assert saved.slides[0].indicator == "coca_area"


def test_stb002_default_slide_title_is_written_from_the_filters(app_context):
    en = default_slide_title(FILTERS, "en")
    es = default_slide_title(FILTERS, "es")
    assert en and es and en != es
    assert "seizure" in en.lower() and "2019" in en
    assert default_slide_title({}, "en")  # no filter: still a title
    assert default_slide_title({"type": "aircraft_interdiction"}, "en") != default_slide_title({}, "en")


def test_stb003_show_this_view_link_reopens_the_slide_view():
    slide = slide_from_view(SEARCH, FILTERS, "x")
    href = slide_view_href(slide, "es")
    assert href.startswith("/?")
    state, notices = parse_url_state(href[1:])
    assert notices == []
    assert (state.spec, state.view, state.selected, state.lang) == (slide.spec, slide.view, "rutas:0066", "es")
    assert slide_view_href(Slide(title="all"), "en") == "/"


def test_stb004_story_options_mark_bundled_stories_read_only(stories):
    story_with_slides(stories, ["One"])
    options = story_options(stories.list()[0], "en")
    labels = {o["value"]: o["label"] for o in options}
    assert "read-only" in labels["air-bridge"] and "1 slide" in labels["air-bridge"] and "slides" not in labels["air-bridge"]
    assert "read-only" not in labels["briefing"]
    assert "solo lectura" in story_options(stories.list()[0], "es")[0]["label"]


def test_stb005_every_story_string_exists_in_both_languages():
    assert all(CATALOGS[lang].keys() == CATALOGS[DEFAULT_LANGUAGE].keys() for lang in Language)
    assert {"story.more_sources.one", "story.more_sources.other"} <= CATALOGS["en"].keys()


def test_stb006_story_builder_loads_no_dash():
    code = ("import sys, dashboard.state.story_builder\n"
            "print(sorted(k for k in sys.modules if k == 'dash' or k.startswith('dash.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == "[]"


# ---- callbacks ----------------------------------------------------------------------------------
def test_stb010_new_story_is_saved_with_its_first_slide(stories):
    trigger("story-new.n_clicks")
    current, status, field, undo = callbacks.on_new_story(1, None, "  Cocaine   routes ", selection(None), "en")
    assert current["id"] is None and current["draft"] == "Cocaine routes" and field == ""
    assert "Cocaine routes" in status and user_files(stories) == []  # nothing to save before the first slide
    assert undo is None  # a new story may take the id a delete freed: the undo record goes
    current, status, title, default, caption, notes, undo = add(current, title="", caption="Seizures since 2019.")
    assert current["id"] == "cocaine-routes" and current["revision"] > 0
    assert user_files(stories) == ["cocaine-routes.json"]
    story = stories.get("cocaine-routes")
    assert story.title == "Cocaine routes" and len(story.slides) == 1
    slide = story.slides[0]
    assert slide.title == default_slide_title(FILTERS, "en")  # a blank title takes the default
    assert slide.caption == "Seizures since 2019." and slide.view == MapView(-12.4, -73.9, 7.5)
    assert slide.highlight == ("rutas:0066",) and slide.spec.event_types == ("drug_seizure",)
    assert (caption, notes, undo) == ("", "", None) and title == default
    assert "Cocaine routes" in status


def test_stb011_add_appends_to_the_selected_story(stories):
    current = story_with_slides(stories, ["One"])
    current, status = add(current, search="?type=aircraft_interdiction", filters={"type": "aircraft_interdiction"},
                          title="Two", notes="Pause here.")[:2]
    story = stories.get(current["id"])
    assert [s.title for s in story.slides] == ["One", "Two"]
    assert story.slides[1].notes == "Pause here." and story.slides[1].view is None
    assert "2" in status and "Two" in status


def test_stb012_reorder_moves_a_slide_and_saves(stories):
    current = story_with_slides(stories, ["One", "Two", "Three"])
    click(StoryIds.MOVE_UP, 2)
    current, status, undo, editing = callbacks.on_slide_action([0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], current,
                                                               "en")
    assert [s.title for s in stories.get(current["id"]).slides] == ["One", "Three", "Two"]
    assert "Three" in status and "2" in status and undo is None and editing is None
    click(StoryIds.MOVE_DOWN, 0)
    current = callbacks.on_slide_action([], [], [], [], current, "en")[0]
    assert [s.title for s in stories.get(current["id"]).slides] == ["Three", "One", "Two"]


def test_stb013_a_re_rendered_list_is_not_a_click(stories):
    current = story_with_slides(stories, ["One"])
    click(StoryIds.DELETE, 0)
    context_value.set(AttributeDict(triggered_inputs=[
        {"prop_id": '{"index":0,"type":"story-delete"}.n_clicks', "value": 0}]))
    with pytest.raises(PreventUpdate):
        callbacks.on_slide_action([0], [0], [0], [0], current, "en")
    assert len(stories.get(current["id"]).slides) == 1


def test_stb014_edit_saves_title_caption_notes_and_panels(stories):
    current = story_with_slides(stories, ["One", "Two"])
    click(StoryIds.EDIT, 1)
    editing = callbacks.on_edit_toggled([0, 1], [], current)
    assert editing == {"id": current["id"], "index": 1}
    click(StoryIds.SAVE_EDIT, 1)
    current2, status, editing, _ = callbacks.on_save_edit([1], ["Renamed"], ["New caption"], ["New notes"],
                                                          [["breakdown", "map"]], current, "en")
    slide = stories.get(current["id"]).slides[1]
    assert (slide.title, slide.caption, slide.notes) == ("Renamed", "New caption", "New notes")
    assert slide.panels == (Panel.MAP, Panel.BREAKDOWN) and editing is None and "Renamed" in status
    # A blank title is refused with a sentence naming the slide and field; the file is unchanged.
    before = (stories.user_dir / f"{current['id']}.json").read_bytes()
    store, status, editing, _ = callbacks.on_save_edit([2], [" "], [""], [""], [["map"]], current2, "en")
    assert store is no_update and editing is no_update
    assert "Slide 2" in status and "title" in status
    assert (stories.user_dir / f"{current['id']}.json").read_bytes() == before
    click(StoryIds.CANCEL_EDIT, 1)
    assert callbacks.on_edit_toggled([1, 1], [1], current) is None


def test_stb015_duplicate_inserts_a_copy_after_the_slide(stories):
    current = story_with_slides(stories, ["One", "Two"])
    click(StoryIds.DUPLICATE, 0)
    current, status = callbacks.on_slide_action([], [], [1, 0], [], current, "en")[:2]
    slides = stories.get(current["id"]).slides
    assert [s.title for s in slides] == ["One", "One", "Two"] and slides[0] == slides[1]
    assert "1" in status


def test_stb016_delete_then_undo_puts_the_slide_back(stories):
    current = story_with_slides(stories, ["One", "Two"])
    click(StoryIds.DELETE, 0)
    current, status, undo, _ = callbacks.on_slide_action([], [], [], [1, 0], current, "en")
    assert [s.title for s in stories.get(current["id"]).slides] == ["Two"]
    assert "One" in status and undo["id"] == current["id"]
    trigger("story-undo.n_clicks")
    current, status, cleared = callbacks.on_undo(1, undo, current, "en")
    assert [s.title for s in stories.get(current["id"]).slides] == ["One", "Two"] and cleared is None


def test_stb017_deleting_the_only_slide_removes_the_file_until_undone(stories):
    current = story_with_slides(stories, ["Only"])
    click(StoryIds.DELETE, 0)
    current, status, undo, _ = callbacks.on_slide_action([], [], [], [1], current, "en")
    assert user_files(stories) == [] and "Briefing" in status
    view = callbacks.update_story_view(current, None, undo, "en")
    assert view["undo_hidden"] is False  # Undo is offered
    current = callbacks.on_undo(1, undo, current, "en")[0]
    assert [s.title for s in stories.get(current["id"]).slides] == ["Only"]


def test_stb018_bundled_story_is_read_only_and_copied_to_an_editable_one(stories):
    current = selection("air-bridge")
    status = add(current, title="New")[1]
    assert "read-only" in status and user_files(stories) == []
    view = callbacks.update_story_view(current, None, None, "en")
    heading, note_hidden, items = view["heading"], view["note_hidden"], view["slides"]
    assert "The air bridge" in heading and note_hidden is False
    assert "story-edit" not in json.dumps([i.to_plotly_json() for i in items], default=str)  # no edit buttons
    trigger("story-copy.n_clicks")
    current, status, undo = callbacks.on_copy_story(1, current, "en")
    assert current["id"] not in (None, "air-bridge") and stories.is_bundled("air-bridge")
    copy = stories.get(current["id"])
    assert not copy.bundled and copy.slides == stories.get("air-bridge").slides and "copy" in copy.title
    assert copy.title in status and undo is None
    current = add(current, title="Mine")[0]
    assert len(stories.get(current["id"]).slides) == 2 and len(stories.get("air-bridge").slides) == 1


def test_stb019_export_downloads_the_story_file_that_parses_back_equal(stories):
    current = story_with_slides(stories, ["One", "Two"])
    trigger("story-export.n_clicks")
    data, status = callbacks.on_export_story(1, current, "en")
    assert data["filename"] == f"{current['id']}.json" and data["filename"] in status
    parsed = parse_story(data["content"].encode("utf-8"))
    assert parsed == stories.get(current["id"])
    assert json.loads(data["content"])["version"] == 2


def upload(data: bytes) -> str:
    return "data:application/json;base64," + base64.b64encode(data).decode("ascii")


def test_stb020_a_bad_story_file_lists_slide_and_field_problems_and_writes_nothing(stories):
    bad = {"format": "rutas-story", "version": 2, "title": "Broken", "slides": [
        {"title": "", "filters": {"type": "nonsense"}},
        {"title": "ok", "view": {"lat": 200, "lon": 0, "zoom": 3}, "panels": ["map", "chart"]}]}
    trigger("story-import.contents")
    current, status, contents, undo = callbacks.on_import_story(upload(json.dumps(bad).encode()), "bad.json",
                                                                selection(None), "en")
    assert current is no_update and contents is None and undo is no_update and user_files(stories) == []
    text = json.dumps([c.to_plotly_json() for c in status], default=str)
    assert "bad.json" in text
    for expected in ("Slide 1, field \\u201ctitle\\u201d", "Slide 1, field \\u201cfilters.type\\u201d",
                     "Slide 2, field \\u201cview\\u201d", "Slide 2, field \\u201cpanels\\u201d"):
        assert expected in text
    not_json = callbacks.on_import_story(upload(b"not json"), "x.json", selection(None), "es")[1]
    assert "x.json" in json.dumps([c.to_plotly_json() for c in not_json], default=str)


def test_stb021_import_never_overwrites_and_selects_the_new_story(stories):
    current = story_with_slides(stories, ["One", "Two"])
    original = (stories.user_dir / f"{current['id']}.json").read_bytes()
    trigger("story-import.contents")
    first, status, _, _ = callbacks.on_import_story(upload(original), f"{current['id']}.json", current, "en")
    second = callbacks.on_import_story(upload(original), f"{current['id']}.json", first, "en")[0]
    assert len({current["id"], first["id"], second["id"]}) == 3
    assert (stories.user_dir / f"{current['id']}.json").read_bytes() == original
    assert [s.title for s in stories.get(second["id"]).slides] == ["One", "Two"] and "2" in status
    assert all(stories.get(c["id"]) for c in (first, second))  # each import is selected and saved


def test_stb022_briefing_pack_download_and_failures_are_messages(stories, monkeypatch):
    current = story_with_slides(stories, ["One"])
    calls = {}

    def fake(store, layers, story, fmt, **kwargs):
        calls.update(story=story, fmt=fmt, **kwargs)
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(callbacks, "build_briefing", fake)
    trigger("story-pack-pdf.n_clicks")
    data, status = callbacks.on_pack_download(1, 0, current, "es")
    assert data["filename"].startswith(f"{current['id']}-briefing-") and data["filename"].endswith(".pdf")
    assert base64.b64decode(data["content"]) == b"%PDF-1.7 fake" and data["type"] == "application/pdf"
    assert calls["story"].story_id == current["id"] and calls["lang"] == "es" and data["filename"] in status

    def broken(*args, **kwargs):
        raise ExportError("the renderer is missing")

    monkeypatch.setattr(callbacks, "build_briefing", broken)
    trigger("story-pack-pptx.n_clicks")
    data, status = callbacks.on_pack_download(0, 1, current, "en")
    assert data is no_update and "the renderer is missing" in status

    def bug(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(callbacks, "build_briefing", bug)
    data, status = callbacks.on_pack_download(0, 2, current, "en")
    assert data is no_update and status and "secret internals" not in status


def test_stb023_choosing_a_story_selects_it_and_a_selection_shows_in_the_chooser(stories):
    current = story_with_slides(stories, ["One"])
    trigger("story-select.value", "air-bridge")
    value, options, chosen = callbacks.on_story_chosen("air-bridge", current, "en")
    assert value is no_update and chosen["id"] == "air-bridge" and chosen["revision"] > current["revision"]
    assert {o["value"] for o in options} == {"air-bridge", current["id"]}
    trigger("story-store.data", current)
    value, _, store = callbacks.on_story_chosen(None, current, "en")
    assert value == current["id"] and store is no_update
    value = callbacks.on_story_chosen(None, selection("gone"), "en")[0]
    assert value is None


def test_stb024_story_view_links_to_the_presenter_and_the_notes(stories):
    current = story_with_slides(stories, ["One", "Two"])
    view = callbacks.update_story_view(current, {"id": current["id"], "index": 1}, None, "es")
    heading, note_hidden, items, tools_hidden = view["heading"], view["note_hidden"], view["slides"], view["tools_hidden"]
    present, notes, undo_hidden = view["present_href"], view["notes_href"], view["undo_hidden"]
    disabled = [view["export_disabled"], view["pdf_disabled"], view["pptx_disabled"]]
    assert present == f"/present/{current['id']}?lang=es" and notes == f"/present/{current['id']}/notes?lang=es"
    assert tools_hidden is False and note_hidden is True and disabled == [False, False, False] and undo_hidden
    assert len(items) == 2 and "editing" in items[1].className
    assert "2" in heading
    empty = callbacks.update_story_view(selection(None, draft="Draft"), None, None, "en")
    assert "Draft" in empty["heading"] and empty["tools_hidden"] is True
    assert view["add_disabled"] is False and view["add_hidden"] is False  # a user story takes slides


def test_stb025_slide_title_follows_the_filters_until_the_user_writes_one(app_context):
    title, default = callbacks.update_slide_title(FILTERS, None, None, "en")
    assert title == default == default_slide_title(FILTERS, "en")
    other = {"type": "aircraft_interdiction"}
    assert callbacks.update_slide_title(other, title, default, "en")[0] == default_slide_title(other, "en")
    assert callbacks.update_slide_title(other, "My own", default, "en")[0] == "My own"


def test_stb026_a_failed_story_write_leaves_the_old_file_and_no_temp_file(stories, monkeypatch):
    current = story_with_slides(stories, ["One"])
    path = stories.user_dir / f"{current['id']}.json"
    saved = stories.get(current["id"])
    assert story_json(saved) == path.read_bytes() and isinstance(saved, Story)
    before = path.read_bytes()

    def no_rename(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(stories_module.os, "replace", no_rename)
    store, status = add(current, title="Two")[:2]
    assert store is no_update and "No space left on device" in status
    assert path.read_bytes() == before  # the old file is whole: the new content never replaced it
    assert sorted(p.name for p in stories.user_dir.iterdir()) == [path.name]  # no temp file left behind


def test_stb027_a_double_click_on_delete_removes_one_slide_and_the_second_click_is_refused(stories):
    current = story_with_slides(stories, ["One", "Two", "Three"])
    assert current["hash"] == story_hash(stories.get(current["id"]))
    click(StoryIds.DELETE, 0)
    # Both callbacks of the double click carry the store of the list that was clicked.
    first, status, undo, _ = callbacks.on_slide_action([], [], [], [1, 0, 0], current, "en")
    second, refused, undo2, editing = callbacks.on_slide_action([], [], [], [2, 0, 0], current, "en")
    assert [s.title for s in stories.get(current["id"]).slides] == ["Two", "Three"]
    assert "One" in status and refused == CATALOGS["en"]["story.stale"]
    assert undo2 is no_update and editing is None
    # The refusal refreshes the list: the store now carries the file's hash, so the next click works.
    assert second["hash"] == first["hash"] == story_hash(stories.get(current["id"]))
    assert second["revision"] > current["revision"]
    click(StoryIds.DELETE, 0)
    assert "Two" in callbacks.on_slide_action([], [], [], [1, 0], second, "en")[1]
    # The undo of the first click still restores exactly the story before it… but not over a later change.
    assert stories.get(current["id"]).slides[0].title == "Three"
    store, status, cleared = callbacks.on_undo(1, undo, second, "en")
    assert status == CATALOGS["en"]["story.undo_stale"] and cleared is None
    assert [s.title for s in stories.get(current["id"]).slides] == ["Three"]
    assert store["hash"] == story_hash(stories.get(current["id"]))


def test_stb028_edits_and_moves_from_an_outdated_list_are_refused(stories):
    current = story_with_slides(stories, ["One", "Two"])
    other_tab = dict(current)
    click(StoryIds.MOVE_DOWN, 0)
    current = callbacks.on_slide_action([1, 0], [], [], [], current, "en")[0]
    click(StoryIds.SAVE_EDIT, 0)
    before = (stories.user_dir / f"{current['id']}.json").read_bytes()
    store, status, editing, _ = callbacks.on_save_edit([1], ["Renamed"], [""], [""], [["map"]], other_tab, "es")
    assert status == CATALOGS["es"]["story.stale"] and editing is None
    assert store["hash"] == current["hash"]  # refreshed to the file as it is
    assert (stories.user_dir / f"{current['id']}.json").read_bytes() == before
    # Add refuses too, from the outdated list, and takes the story as it is now.
    store, status = add(other_tab, title="Three")[:2]
    assert status == CATALOGS["en"]["story.stale"] and store["hash"] == current["hash"]
    assert [s.title for s in stories.get(current["id"]).slides] == ["Two", "One"]
    # From the current list, both work and carry the new hash on.
    store = callbacks.on_save_edit([1], ["Renamed"], [""], [""], [["map"]], current, "en")[0]
    assert stories.get(current["id"]).slides[0].title == "Renamed"
    assert store["hash"] == story_hash(stories.get(current["id"]))
    assert add(store, title="Three")[0]["hash"] == story_hash(stories.get(current["id"]))


def test_stb029_undo_after_an_import_into_the_freed_id_refuses_and_keeps_the_imported_story(stories):
    current = story_with_slides(stories, ["Only"])
    click(StoryIds.DELETE, 0)
    current, _, undo, _ = callbacks.on_slide_action([], [], [], [1], current, "en")
    assert user_files(stories) == [] and undo["after"] is None
    other = story_json(Story(story_id=current["id"], title="Imported", lang="en",
                             slides=(slide_from_view("", {}, "Theirs"),)))
    trigger("story-import.contents")
    imported, status, _, cleared = callbacks.on_import_story(upload(other), "theirs.json", current, "en")
    assert imported["id"] == current["id"] and cleared is None  # the import took the freed id; Undo is gone
    kept = (stories.user_dir / f"{current['id']}.json").read_bytes()
    # An Undo that still holds the old record (another window, a click in flight) must not overwrite it.
    trigger("story-undo.n_clicks")
    store, status, cleared = callbacks.on_undo(1, undo, imported, "en")
    assert status == CATALOGS["en"]["story.undo_stale"] and cleared is None
    assert (stories.user_dir / f"{current['id']}.json").read_bytes() == kept
    assert stories.get(current["id"]).title == "Imported"
    with pytest.raises(StaleUndo):  # a record without the state the delete left is refused too
        restore(stories, {"id": undo["id"], "story": undo["story"]})


def test_stb030_undo_after_a_plain_delete_still_puts_the_story_back(stories):
    current = story_with_slides(stories, ["One", "Two"])
    click(StoryIds.DELETE, 1)
    current, _, undo, _ = callbacks.on_slide_action([], [], [], [0, 1], current, "en")
    assert undo["after"] == current["hash"] == story_hash(stories.get(current["id"]))
    trigger("story-undo.n_clicks")
    current, status, cleared = callbacks.on_undo(1, undo, current, "en")
    assert [s.title for s in stories.get(current["id"]).slides] == ["One", "Two"] and cleared is None
    assert current["hash"] == story_hash(stories.get(current["id"])) and "Briefing" in status
    # The only slide: the file is gone until undone, and the undo works on the absent file.
    only = story_with_slides(stories, ["Only"])
    click(StoryIds.DELETE, 0)
    only, _, undo, _ = callbacks.on_slide_action([], [], [], [1], only, "en")
    assert only["hash"] is None and not (stories.user_dir / f"{only['id']}.json").exists()
    only = callbacks.on_undo(1, undo, only, "en")[0]
    assert [s.title for s in stories.get(only["id"]).slides] == ["Only"]
    assert only["hash"] == story_hash(stories.get(only["id"]))


def test_stb031_a_loaded_page_reads_the_story_hash_afresh(stories):
    current = story_with_slides(stories, ["One"])
    old = dict(current, hash="0" * 16)  # the session store of an earlier visit
    context_value.set(AttributeDict(triggered_inputs=[]))  # the initial call
    value, _, store = callbacks.on_story_chosen(None, old, "en")
    assert value == current["id"] and store["hash"] == current["hash"]
    trigger("story-store.data", current)
    assert callbacks.on_story_chosen(None, {k: v for k, v in current.items() if k != "hash"}, "en")[2]["hash"] \
        == current["hash"]
    trigger("story-select.value", "air-bridge")
    chosen = callbacks.on_story_chosen("air-bridge", current, "en")[2]
    assert chosen["hash"] == story_hash(stories.get("air-bridge"))


def _component(tree, component_id):
    """The component with this id in a layout tree."""
    if getattr(tree, "id", None) == component_id:
        return tree
    children = getattr(tree, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, str):
            found = _component(child, component_id)
            if found is not None:
                return found
    return None


def test_stb032_a_fresh_page_selects_no_story_and_keeps_the_choice_in_its_own_tab(app_context, stories):
    """User A's story (notes and all) is never pre-selected on user B's fresh page: the server picks
    nothing, and the tab's own session storage keeps what this tab chose."""
    from dashboard.layout.story_panel import build_story_panel

    trigger("story-new.n_clicks")
    mine = callbacks.on_new_story(1, None, "Private", selection(None), "en")[0]
    mine = add(mine, title="A's slide", notes="Only for A: 4417")[0]
    assert stories.get(mine["id"]).slides[0].notes == "Only for A: 4417"
    panel = build_story_panel(app_context, "en")
    store = _component(panel, StoryIds.STORE)
    assert store.storage_type == "session"  # per browser tab, never shared through the server
    assert store.data == selection(None)
    assert _component(panel, StoryIds.SELECT).value is None
    assert _component(panel, StoryIds.TOOLS).hidden is True
    assert "4417" not in str(panel) and "A's slide" not in str(panel)
    # The first callback of that page shows no story either, while the chooser still lists them all.
    context_value.set(AttributeDict(triggered_inputs=[]))
    value, options, store_data = callbacks.on_story_chosen(None, store.data, "en")
    assert value is None and store_data is no_update
    assert {o["value"] for o in options} >= {mine["id"], "air-bridge"}
    heading = callbacks.update_story_view(store.data, None, None, "en")["heading"]
    assert "Private" not in heading
    # Browsing the bundled story from that page works as before.
    trigger("story-select.value", "air-bridge")
    chosen = callbacks.on_story_chosen("air-bridge", store.data, "en")[2]
    assert chosen["id"] == "air-bridge"
    view = callbacks.update_story_view(chosen, None, None, "en")
    assert "The air bridge" in view["heading"] and view["note_hidden"] is False  # the bundled note shows


# ---- read-only stories, writing in the page's language (helper K, issue 15) ------------------------
def test_wrd013_a_read_only_story_offers_a_copy_not_an_active_add_button(stories, app_context):
    from dashboard.layout.story_panel import build_story_panel
    from tests.unit.layout_tree import find

    view = callbacks.update_story_view(selection("air-bridge"), None, None, "en")
    assert view["add_disabled"] is True and view["add_hidden"] is True and view["note_hidden"] is False
    # The whole add form hides (its empty fields would wait for a slide the story cannot take), and the
    # copy button stands where the form was: right after it, outside it.
    assert view["form_hidden"] is True
    panel = build_story_panel(app_context, "en")
    [editing] = [child for child in panel.children if getattr(child, "className", "") == "story-editing"]
    ids = [getattr(child, "id", None) for child in editing.children]  # the editing controls, shown to editors
    assert ids.index(StoryIds.BUNDLED_NOTE) == ids.index(StoryIds.ADD_FORM) + 1
    form = editing.children[ids.index(StoryIds.ADD_FORM)]
    assert "story-add" in form.className and find(form, StoryIds.ADD) is not None
    assert find(editing.children[ids.index(StoryIds.BUNDLED_NOTE)], StoryIds.COPY).children == "Make an editable copy"
    # A user's own story keeps its form and an active add button.
    mine = story_with_slides(stories, ["Mine"])
    view = callbacks.update_story_view(mine, None, None, "en")
    assert view["add_disabled"] is False and view["add_hidden"] is False and view["note_hidden"] is True
    assert view["form_hidden"] is False


def test_wrd014_editing_in_spanish_writes_spanish_and_keeps_english(stories):
    current = story_with_slides(stories, ["Seizures"])
    story_id = current["id"]
    trigger(json.dumps({"index": 0, "type": str(StoryIds.SAVE_EDIT)}, separators=(",", ":")) + ".n_clicks")
    current = callbacks.on_save_edit([1], ["Incautaciones"], ["Leyenda"], ["Notas"], [["map", "counts"]], current,
                                     "es")[0]
    saved = stories.get(story_id)
    assert (saved.slides[0].title, saved.lang) == ("Seizures", "en")
    spanish = next(t for t in saved.slides[0].translations if t.lang == "es")
    assert (spanish.title, spanish.caption, spanish.notes) == ("Incautaciones", "Leyenda", "Notas")
    # The list shows each language its own words.
    es_rows = callbacks.update_story_view(current, None, None, "es")["slides"]
    en_rows = callbacks.update_story_view(current, None, None, "en")["slides"]
    assert "Incautaciones" in json.dumps(es_rows[0].to_plotly_json(), default=str)
    assert "Incautaciones" not in json.dumps(en_rows[0].to_plotly_json(), default=str)
    # A blank Spanish title is refused like a blank English one.
    status = callbacks.on_save_edit([1], ["  "], [""], [""], [["map"]], current, "es")[1]
    assert "Incautaciones" == next(t for t in stories.get(story_id).slides[0].translations if t.lang == "es").title
    assert status


def test_wrd015_the_chooser_names_a_translated_story_in_the_page_language(app_context):
    from dashboard.data.stories import BUNDLED_STORIES_DIR, StoryRepository

    listings, _ = StoryRepository(app_context.settings.data_dir, BUNDLED_STORIES_DIR).list()
    bundled = next(listing for listing in listings if listing.story_id == "from-the-vraem-to-europe")
    spanish = story_options([bundled], "es")[0]["label"]
    english = story_options([bundled], "en")[0]["label"]
    assert "Del VRAEM a Europa" in spanish and f"{bundled.slides} diapositivas" in spanish
    assert "From the VRAEM to Europe" in english and "Del VRAEM" not in english
