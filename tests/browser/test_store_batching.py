"""React hears of Dash's store once per task (assets/store-batching.js): fewer notifications than
store actions on a page load and on a filter change, the views still follow, and a field typed
into keeps its caret (a change inside a user's event is told at once)."""

from __future__ import annotations

from bench.harness import UiPage

COUNTS_JS = "() => Object.assign({}, window.rutasStoreBatching)"


def test_stb001_react_is_told_once_per_task_and_the_views_follow(ui: UiPage):
    ui.open()
    ui.settle("loading the page")
    loaded = ui.page.evaluate(COUNTS_JS)
    # The renderer still hands its store to window.store before React subscribes: else nothing is
    # batched and every action runs every wrapper's selector again.
    assert loaded["batched"] is True, loaded
    assert loaded["actions"] > 100, loaded  # a page load is hundreds of store actions...
    assert loaded["told"] * 5 < loaded["actions"], loaded  # ...told to React a few times
    before_counts = ui.page.locator("#counts-events").inner_text()

    ui.page.locator('#filters-types label:has(input[value="drug_seizure"])').click()
    ui.settle("checking 'Drug seizure'")
    picked = ui.page.evaluate(COUNTS_JS)
    actions, told = picked["actions"] - loaded["actions"], picked["told"] - loaded["told"]
    assert actions > 20 and told * 3 < actions, picked
    # What React drew is the store's last state: the counts and the URL follow the pick.
    assert ui.page.locator("#counts-events").inner_text() != before_counts
    assert "type=drug_seizure" in ui.page.url
    ui.assert_no_console_errors("checking 'Drug seizure'")


def test_stb002_a_field_typed_into_keeps_its_caret(ui: UiPage):
    ui.open()
    ui.settle("loading the page")
    # dcc.Textarea shows the value Dash's store holds (a controlled field): had React not re-rendered
    # before the keystroke's event ended, React would have put the old value back and the caret at
    # the end (the story caption, open on a fresh page; nothing is saved).
    field = ui.page.locator("#story-slide-caption")
    field.click()
    field.press_sequentially("abcd")
    field.evaluate("(el) => el.setSelectionRange(2, 2)")
    field.press_sequentially("XY")
    state = field.evaluate("(el) => [el.value, el.selectionStart]")
    assert state == ["abXYcd", 4], state
    ui.page.wait_for_timeout(300)  # any deferred render has run by now
    state = field.evaluate("(el) => [el.value, el.selectionStart]")
    assert state == ["abXYcd", 4], state
