"""The Story panel in a real browser: build a story of two views, reorder, export, import, present.

Expected titles and filters come from Python (the default title of each filter), never from the page.
"""

from __future__ import annotations

import json

import pytest

from dashboard.data.filters import parse_url_state
from dashboard.data.stories import StoryNotFound, parse_story
from dashboard.i18n import format_number
from dashboard.state.story_builder import default_slide_title

pytestmark = pytest.mark.browser

STORY_TITLE = "Story builder test"
FIRST_QUERY = "?type=drug_seizure&from=2019-01-01"
SECOND_QUERY = "?type=aircraft_interdiction"
FIRST_CAPTION = "Seizures since 2019, from the VRAEM to Europe."
SECOND_CAPTION = "Narco-planes intercepted on the air bridge."


def wait_for_status(page, text: str) -> None:
    page.wait_for_function("(text) => (document.querySelector('#story-status') || {}).textContent"
                           " && document.querySelector('#story-status').textContent.includes(text)", arg=text,
                           timeout=60_000)


def wait_for_slides(page, titles: list[str]) -> None:
    """The list is read back from the file after the status line is written: wait for it."""
    page.wait_for_function("(titles) => JSON.stringify(Array.from(document.querySelectorAll("
                           "'#story-list .story-slide-title')).map(e => e.textContent)) === JSON.stringify(titles)",
                           arg=titles, timeout=60_000)


def add_view(ui, query: str, caption: str) -> None:
    ui.open(query)
    ui.settle(f"opening {query}")
    page = ui.page
    expected = default_slide_title({k: v for k, v in (p.split("=") for p in query[1:].split("&"))}, "en")
    page.wait_for_function("(t) => document.querySelector('#story-slide-title').value === t", arg=expected)
    page.fill("#story-slide-caption", caption)
    page.click("#story-add")


def selected_story_id(page) -> str:
    page.wait_for_function("() => (document.querySelector('#story-present').getAttribute('href') || '')"
                           ".includes('/present/')")
    return page.get_attribute("#story-present", "href").split("/present/", 1)[1].split("?")[0]


@pytest.fixture
def own_stories(app_context):
    """Delete every user story a test made, so other tests see the same state."""
    before = {s.story_id for s in app_context.stories.list()[0]}
    yield
    for listing in app_context.stories.list()[0]:
        if listing.story_id not in before and not listing.bundled:
            try:
                app_context.stories.delete(listing.story_id)
            except StoryNotFound:
                pass


def test_stb101_build_reorder_export_import_and_present_a_story(ui, app_context, store, own_stories, tmp_path):
    page = ui.page
    ui.open()
    ui.settle("opening the dashboard")
    page.fill("#story-new-title", STORY_TITLE)
    page.click("button[aria-label='Start a new story with this title']")
    page.wait_for_function("(t) => document.querySelector('#story-heading').textContent.includes(t)",
                           arg=STORY_TITLE)

    add_view(ui, FIRST_QUERY, FIRST_CAPTION)
    wait_for_status(page, "Saved the new story")
    story_id = selected_story_id(page)
    assert (app_context.stories.user_dir / f"{story_id}.json").is_file()  # saved at once

    add_view(ui, SECOND_QUERY, SECOND_CAPTION)  # a reload: the selection survives it
    wait_for_status(page, "Added slide 2")
    first_title = default_slide_title({"type": "drug_seizure", "from": "2019-01-01"}, "en")
    second_title = default_slide_title({"type": "aircraft_interdiction"}, "en")
    wait_for_slides(page, [first_title, second_title])

    page.click("button[aria-label='Move slide 2 up']")
    wait_for_slides(page, [second_title, first_title])
    assert [s.title for s in app_context.stories.get(story_id).slides] == [second_title, first_title]
    ui.assert_no_console_errors("building and reordering a story")

    page.get_by_role("link", name="Show this view").first.click()  # slide 1: the aircraft view
    page.wait_for_url("**/?type=aircraft_interdiction")
    ui.settle("showing slide 1's view")
    expected = format_number(store.count(parse_url_state(SECOND_QUERY)[0].spec), "en")
    page.wait_for_function("(n) => document.querySelector('#counts-events').textContent === n", arg=expected)

    with page.expect_download(timeout=60_000) as info:
        page.click("#story-export")
    exported = tmp_path / info.value.suggested_filename
    info.value.save_as(exported)
    assert exported.name == f"{story_id}.json"
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["version"] == 2 and data["title"] == STORY_TITLE
    assert [s["title"] for s in data["slides"]] == [second_title, first_title]
    assert [s["caption"] for s in data["slides"]] == [SECOND_CAPTION, FIRST_CAPTION]
    assert [s["filters"] for s in data["slides"]] == [{"type": "aircraft_interdiction"},
                                                      {"from": "2019-01-01", "type": "drug_seizure"}]

    page.set_input_files("#story-import input[type=file]", str(exported))
    wait_for_status(page, "Imported")
    page.wait_for_function("(old) => !document.querySelector('#story-present').href.includes('/present/' + old + '?')"
                           " && !document.querySelector('#story-present').href.endsWith('/present/' + old)",
                           arg=story_id)
    new_id = selected_story_id(page)
    assert new_id != story_id
    assert app_context.stories.get(new_id).slides == parse_story(exported.read_bytes()).slides
    wait_for_slides(page, [second_title, first_title])
    assert STORY_TITLE in page.inner_text("#story-select")
    assert page.get_attribute("#story-notes-link", "target") == "_blank"
    page.screenshot(path=tmp_path / "brw_story_builder.png", full_page=True)
    ui.assert_no_console_errors("exporting and importing a story")

    page.goto(f"{ui.base_url}/present/{new_id}")
    page.get_by_text(second_title, exact=True).first.wait_for(state="visible", timeout=60_000)
    page.get_by_text(SECOND_CAPTION).first.wait_for(state="visible", timeout=60_000)
    ui.assert_no_console_errors("presenting the imported story")


def test_stb102_a_bad_story_file_is_listed_by_slide_and_field(ui, app_context, own_stories, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps({"format": "rutas-story", "version": 2, "title": "Broken",
                               "slides": [{"title": "", "filters": {"type": "nonsense"}}]}), encoding="utf-8")
    before = sorted(p.name for p in app_context.stories.user_dir.glob("*.json")) \
        if app_context.stories.user_dir.is_dir() else []
    ui.open()
    ui.settle("opening the dashboard")
    ui.page.set_input_files("#story-import input[type=file]", str(bad))
    wait_for_status(ui.page, "broken.json")
    problems = ui.page.locator("#story-status li").all_inner_texts()
    assert any("Slide 1" in p and "title" in p for p in problems)
    assert any("Slide 1" in p and "filters.type" in p for p in problems)
    after = sorted(p.name for p in app_context.stories.user_dir.glob("*.json")) \
        if app_context.stories.user_dir.is_dir() else []
    assert after == before  # nothing was written
    ui.assert_no_console_errors("importing a bad story file")


def test_wrd102_the_bundled_story_offers_a_copy_where_the_add_button_was(ui, app_context, own_stories):
    bundled = next(s for s in app_context.stories.list()[0] if s.bundled)
    ui.open()
    ui.settle("opening the dashboard")
    page = ui.page
    page.click("#story-select")
    page.get_by_role("option", name=bundled.title, exact=False).first.click()
    page.wait_for_function("() => !document.querySelector('#story-bundled-note').hidden", timeout=60_000)
    add = page.locator("#story-add")
    assert add.is_hidden() and add.is_disabled()
    # No empty title/caption/notes fields either: the whole form is hidden, the copy button shown.
    assert page.locator("#story-add-form").is_hidden() and page.locator("#story-slide-title").is_hidden()
    copy = page.locator("#story-copy")
    assert copy.is_visible() and copy.is_enabled() and copy.text_content() == "Make an editable copy"
    # The copy is editable: the add button is back and active.
    copy.click()
    wait_for_status(page, bundled.title)
    page.wait_for_function("() => !document.querySelector('#story-add').hidden"
                           " && !document.querySelector('#story-add').disabled", timeout=60_000)
    assert page.locator("#story-bundled-note").is_hidden()
    assert page.locator("#story-slide-title").is_visible()
    ui.assert_no_console_errors("copying the bundled story")
