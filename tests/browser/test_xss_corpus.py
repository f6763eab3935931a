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
import xml.etree.ElementTree as ElementTree
import zipfile

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
    # Spreadsheet formulas (CSV injection), also behind spaces, a no-break space or full-width
    "=HYPERLINK(\"javascript:alert(1)\",\"x\")",
    " +cmd|' /C calc'!A0",
    "\u00a0@SUM(1+1)*cmd|' /C calc'!A0",
    "\uff1d1+1",
    "-2+3+cmd|' /C calc'!A0",
]
FORMULA_PAYLOADS = PAYLOADS[-5:]


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
    page.locator("#table-grid").scroll_into_view_if_needed()
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


def _formula_starts(text: str) -> bool:
    """A text a spreadsheet would run as a formula (a number such as -12.4 is a number, not a formula)."""
    try:
        float(text)
        return False
    except ValueError:
        visible = text.lstrip(" \t\u00a0\u200b")
        return visible[:1] in ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _no_live_link(markup_links: list[str], where: str) -> None:
    live = [link for link in markup_links if re.sub(r"[\s\x00-\x1f]", "", link).lower().startswith(
        ("javascript:", "data:", "vbscript:"))]
    assert live == [], f"live script links in {where}: {live}"


def test_xss002_no_payload_runs_or_links_in_any_exported_file(ui, hostile_dataset, app_context, tmp_path):
    """SVG, HTML embed, PDF, CSV, XLSX and GeoJSON of the hostile view, titled and credited with payloads:
    opened in Chromium where a browser opens them (nothing runs), parsed where a tool reads them."""
    from pypdf import PdfReader

    from dashboard.exports.service import ChartRequest, ExportFormat, export_view
    from dashboard.exports.spec import ChartKind

    dataset_id, _story = hostile_dataset
    page, dialogs = ui.page, []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    def export(fmt: str, chart: ChartKind = ChartKind.MAP, **request) -> bytes:
        return export_view(app_context.store, app_context.data, f"dataset={dataset_id}", ExportFormat(fmt),
                           ChartRequest(chart=chart, title=PAYLOADS[6], credit=PAYLOADS[7], **request),
                           dataset_names=app_context.dataset_names()).data

    # A browser opens SVG and HTML files: the payloads (place names, actors as breakdown labels,
    # title, credit, alt text) must stay text.
    for name, data in (("map.svg", export("svg")), ("actors.svg", export("svg", ChartKind.BREAKDOWN,
                                                                          breakdown_field="actor_group")),
                       ("map.html", export("html")), ("actors.html", export("html", ChartKind.BREAKDOWN,
                                                                            breakdown_field="actor_group"))):
        path = tmp_path / name
        path.write_bytes(data)
        page.goto(path.as_uri())
        page.wait_for_timeout(1500)
        assert_nothing_ran(ui, dialogs, name)
        links = page.evaluate("""() => [...document.querySelectorAll('[href], [src], [action], [formaction]')]
            .flatMap(e => ['href', 'xlink:href', 'src', 'action', 'formaction'].map(a => e.getAttribute(a) || ''))
            .filter(Boolean)""")
        _no_live_link(links, name)
        if name.endswith(".svg"):
            tree = ElementTree.fromstring(data)
            tags = {element.tag.rsplit("}", 1)[-1].lower() for element in tree.iter()}
            handlers = [key for element in tree.iter() for key in element.attrib if key.lower().startswith("on")]
            assert "script" not in tags and "foreignobject" not in tags and handlers == [], name
            assert "__xss" in data.decode("utf-8")  # payloads are there, as text

    # PDF: the payloads are text; no JavaScript, launch action or script link anywhere in the file.
    pdf = export("pdf")
    assert not re.search(rb"/(JavaScript|JS|Launch|SubmitForm|ImportData)\b", pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(pdf_page.extract_text() for pdf_page in reader.pages)
    assert "Attack" in text or "attack" in text or "xss" in text.lower() or "script" in text
    uris = [annotation.get_object().get("/A", {}).get("/URI", "") for pdf_page in reader.pages
            for annotation in pdf_page.get("/Annots", []) or []]
    _no_live_link([str(uri) for uri in uris], "the PDF")

    # CSV and XLSX: every text cell that a spreadsheet would read as a formula starts with an apostrophe.
    rows = list(csv.reader(io.StringIO(export("csv").decode("utf-8-sig"))))
    texts = [cell for row in rows[1:] for cell in row]
    assert all(not _formula_starts(cell) or cell.startswith("'") for cell in texts)
    assert sum(cell.startswith("'") for cell in texts) >= len(FORMULA_PAYLOADS)
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(export("xlsx")))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]  # no formula at all
    strings = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert all(not _formula_starts(value) or value.startswith("'") for value in strings)
    _no_live_link([cell.hyperlink.target for cell in cells if cell.hyperlink and cell.hyperlink.target], "the XLSX")
    with zipfile.ZipFile(io.BytesIO(export("xlsx"))) as archive:
        assert not [name for name in archive.namelist() if "vba" in name.lower() or name.endswith(".bin")]

    # GeoJSON is data, not a page: the payloads come back exactly as imported.
    features = json.loads(export("geojson"))["features"]
    summaries = {feature["properties"].get("summary") for feature in features}
    assert {payload.strip() for payload in PAYLOADS} - summaries == set()  # import trims the ends only
