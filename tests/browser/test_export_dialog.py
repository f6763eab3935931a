"""The export dialog in a real browser: a filtered view exported as PNG and CSV, files opened and checked.

Expected numbers come from the store in Python, never from the page.
"""

from __future__ import annotations

import struct
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from dashboard.data.filters import parse_url_state
from dashboard.exports.described import png_text
from dashboard.exports.tables import read_events_csv
from dashboard.i18n import format_number

pytestmark = pytest.mark.browser

STORY_QUERY = "?type=drug_seizure&from=2019-01-01&to=2024-12-31"


def open_dialog(ui) -> None:
    ui.page.click("#export-open")
    ui.page.wait_for_selector("#export-dialog:not([hidden])")
    ui.page.wait_for_function("() => document.querySelector('#export-alt-text').value.length > 40")


def download(ui, fmt: str, tmp_path):
    ui.page.check(f"#export-format input[value='{fmt}']")
    with ui.page.expect_download(timeout=120_000) as info:
        ui.page.click("#export-download-button")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_brw201_export_png_and_csv_of_a_filtered_view(ui, store, tmp_path):
    spec = parse_url_state(STORY_QUERY)[0].spec
    expected = store.count(spec)
    assert expected > 0
    ui.open(STORY_QUERY)
    ui.settle("opening a filtered view")
    open_dialog(ui)
    page = ui.page
    alt = page.input_value("#export-alt-text")
    assert format_number(expected, "en") in alt
    assert page.input_value("#export-title")  # a default title written from the filters
    link = page.input_value("#export-permalink")
    assert parse_qs(urlsplit(link).query)["type"] == ["drug_seizure"]
    # The chart's accessible label in the app is its alt text too.
    label = page.get_attribute("#map-figure", "aria-label")
    assert label and format_number(expected, "en") in label

    page.wait_for_function("() => (document.querySelector('#export-preview').src || '').startsWith('data:image/png')",
                           timeout=120_000)
    assert page.get_attribute("#export-preview", "alt") == alt  # the preview is described too
    page.fill("#export-title", "Seizures bound for Europe, 2019–2024")
    page.press("#export-title", "Enter")
    page.check("#export-scale input[value='1']")
    png = download(ui, "png", tmp_path).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1200, 675)
    described = png_text(png)
    assert described["Title"] == "Seizures bound for Europe, 2019–2024"
    assert format_number(expected, "en") in described["Description"]
    page.wait_for_function("() => document.querySelector('#export-status').textContent.includes('.png')")
    page.screenshot(path=tmp_path / "brw_export_dialog.png")

    csv_path = download(ui, "csv", tmp_path)
    assert csv_path.suffix == ".csv"
    metadata, rows = read_events_csv(csv_path.read_bytes())
    assert len(rows) == expected
    assert {row["event_type"] for row in rows} == {"drug_seizure"}
    assert all(row["source_url"].startswith("http") for row in rows if row.get("synthetic") != "true")
    assert metadata == {}  # a plain table: the view's record is in the pack's sidecar
    assert len(pd.read_csv(csv_path)) == expected  # pandas with its defaults reads it as is
    ui.assert_no_console_errors("exporting a PNG and a CSV")

    page.keyboard.press("Escape")  # closes the dialog and gives focus back to the Export button
    page.wait_for_selector("#export-dialog", state="hidden")
    assert page.evaluate("document.activeElement.id") == "export-open"
