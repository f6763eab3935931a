"""Script injection, tried as an attacker would (issue 19): a corpus of payloads in every text a
user can bring in — an imported file's actors, places, notes, sources and source URLs, the
dataset's name, a story's title, caption and notes, URL parameters — shown on every view that
prints them: the hover line, the detail card, the table, the dropdowns, the breakdown's labels,
the export dialog, the presenter and the speaker notes. Nothing may run: each payload would
call ``window.__xss`` (or open a dialog) if it did.

The file is test input in a throwaway data directory, marked synthetic; no real event is made up.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from bench.harness import map_canvas_point
from dashboard.data.filters import FilterSpec

pytestmark = pytest.mark.browser

HIT = "window.__xss=(window.__xss||[]).concat(1)"
PAYLOADS = [
    f"<script>{HIT}</script>",
    f"<img src=x onerror=\"{HIT}\">",
    f"<svg onload=\"{HIT}\">",
    f"\"><img src=x onerror={HIT}>",
    f"'><svg/onload={HIT}>",
    f"</title><script>{HIT}</script>",
    f"</textarea><script>{HIT}</script>",
    f"<iframe srcdoc=\"<script>parent.{HIT}</script>\"></iframe>",
    f"<details open ontoggle=\"{HIT}\">x</details>",
    f"<a href=\"javascript:{HIT}\">link</a>",
    f"javascript:{HIT}",
    f"JaVaScRiPt:{HIT}",
    f"data:text/html,<script>{HIT}</script>",
    f"<body onload={HIT}>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={HIT}>",
    f"<style>@import 'javascript:{HIT}';</style>",
    f"{{{{constructor.constructor('{HIT}')()}}}}",
    f"${{{HIT}}}",
    f"<b onmouseover=\"{HIT}\">hover me</b>",
    f"<input autofocus onfocus=\"{HIT}\">",
    f"<video><source onerror=\"{HIT}\"></video>",
    f"<object data=\"javascript:{HIT}\"></object>",
    f"<embed src=\"javascript:{HIT}\">",
    f"<form><button formaction=\"javascript:{HIT}\">x</button></form>",
    "<img src=\"x\" onerror=\"&#x77;indow.__xss=1\">",
    f"\u003cscript\u003e{HIT}\u003c/script\u003e",
    f"<scr<script>ipt>{HIT}</scr</script>ipt>",
    f"[click](javascript:{HIT})",
    f"<base href=\"javascript:{HIT}//\">",
    f"<meta http-equiv=\"refresh\" content=\"0;url=javascript:{HIT}\">",
]


def hostile_csv() -> bytes:
    """One row per payload, the payload in every free-text field, in the VRAEM (so the map draws them)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["event_id", "event_date", "event_type", "actor1", "actor2", "location", "admin1", "latitude",
                     "longitude", "notes", "source", "source_url", "fatalities", "synthetic"])
    for number, payload in enumerate(PAYLOADS):
        writer.writerow([f"xss{number}", f"2019-03-{1 + number % 28:02d}", "armed_clash", payload, f"B {payload}",
                         payload, payload, -12.4 + number * 0.01, -73.9 + number * 0.01, payload, payload,
                         payload if number % 2 else f"https://example.org/{payload}", 1, "true"])
    return out.getvalue().encode()


def hostile_story(dataset_id: str) -> bytes:
    slide = {"title": {"en": PAYLOADS[0]}, "caption": {"en": PAYLOADS[1]}, "notes": {"en": PAYLOADS[2]},
             "filters": {"dataset": dataset_id}, "panels": ["map", "counts", "timeline", "breakdown"]}
    return json.dumps({"format": "rutas-story", "version": 2, "id": "xss-story", "title": {"en": PAYLOADS[3]},
                       "lang": "en", "description": {"en": PAYLOADS[4]}, "slides": [slide]}).encode()


@pytest.fixture(scope="module")
def hostile_dataset(app_context):
    from dashboard.data.imports.pipeline import import_bytes

    outcome = import_bytes(hostile_csv(), "xss.csv", name=PAYLOADS[5])
    assert outcome.report.accepted == len(PAYLOADS), outcome.report.to_dict()
    meta = app_context.repository.save(outcome)
    story = app_context.stories.import_bytes(hostile_story(meta.dataset_id), "xss-story.json")
    yield meta.dataset_id, story.story_id
    app_context.stories.delete(story.story_id)
    app_context.repository.delete(meta.dataset_id)


def assert_nothing_ran(ui, dialogs: list, where: str) -> None:
    ran = ui.page.evaluate("() => window.__xss || []")
    assert ran == [] and dialogs == [], f"a payload ran on {where}: {ran} {dialogs}"


def test_xss001_no_payload_runs_on_any_view(ui, hostile_dataset, app_context):
    dataset_id, story_id = hostile_dataset
    page, dialogs = ui.page, []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # URL parameters carry payloads too: a text search, an unknown event id, a sort.
    ui.open(f"?dataset={dataset_id}&q=%3Cimg%20src%3Dx%20onerror%3D{HIT}%3E&event=%3Csvg%20onload%3D{HIT}%3E")
    ui.settle("opening the hostile dataset")
    ui.open(f"?dataset={dataset_id}&view=-12.3,-73.75,9")
    ui.settle("opening the hostile dataset")
    assert_nothing_ran(ui, dialogs, "the page")

    # Hover and click a point: the hover line and the detail card print every field.
    spec = FilterSpec(datasets=(dataset_id,))
    event = app_context.store.event(app_context.store.rows(spec, ("event_id",))["event_id"][0])
    x, y = map_canvas_point(page, float(event["longitude"]), float(event["latitude"]))
    page.mouse.move(x - 10, y - 10)
    page.mouse.move(x, y, steps=4)
    page.mouse.click(x, y)
    ui.settle("clicking a hostile event")
    page.wait_for_function("() => document.querySelector('#detail-card').textContent.includes('xss')")
    card = page.text_content("#detail-card")
    clicked = re.search(r":xss(\d+)$", card)  # the card ends with the event's id
    assert clicked and PAYLOADS[int(clicked.group(1))] in card  # the payload is shown, as text
    assert_nothing_ran(ui, dialogs, "the hover line and the detail card")

    # The table's rows, the actor dropdown's options, the breakdown by actor.
    page.locator("#table-grid .ag-row").first.wait_for()
    page.locator("#table-grid .ag-row").first.click()
    page.locator("#filters-actors").click()
    page.keyboard.type("onerror")
    page.wait_for_timeout(500)
    page.keyboard.press("Escape")
    page.locator('#breakdown-field label:has(input[value="actor_group"])').click()
    ui.settle("the breakdown by actor")
    assert_nothing_ran(ui, dialogs, "the table, the actor list and the breakdown")

    # The export dialog: title, alt text and permalink are built from the view.
    page.click("#export-open")
    page.wait_for_function("() => !document.querySelector('#export-dialog').hidden")
    ui.settle("opening the export dialog")
    assert_nothing_ran(ui, dialogs, "the export dialog")

    # The story: its panel entry, the presenter and the speaker notes.
    for path in (f"/present/{story_id}", f"/present/{story_id}/notes"):
        page.goto(f"{ui.base_url}{path}")
        page.wait_for_timeout(3000)
        assert_nothing_ran(ui, dialogs, path)
