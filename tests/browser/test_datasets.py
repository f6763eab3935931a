"""Bring your own data in a real browser: upload → report → shown on the map → kept → deleted.

The ACLED file is generated here from the documented 31-column layout; expected numbers come
from the file we wrote and the store in Python, never from the page.
"""

from __future__ import annotations

import csv
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.harness import UPLOAD_LIMIT_BYTES, view_counts, wait_for_view_counts
from dashboard.data.filters import FilterSpec
from dashboard.i18n import format_number

pytestmark = pytest.mark.browser

ACLED_COLUMNS = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,"
    "admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,"
    "tags,timestamp").split(",")
# (id, date, lat, lon): four good rows in the VRAEM and one with an impossible date.
ROWS = [("PER9001", "2017-03-18", -12.49, -73.78), ("PER9002", "18 March 2018", -12.61, -73.79),
        ("PER9003", "2019-07-02", -12.25, -73.97), ("PER9004", "2020-01-15", -11.91, -74.29),
        ("PER9005", "31/02/2020", -12.50, -73.80)]
GOOD_ROWS = 4


def write_acled(path) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=ACLED_COLUMNS)
        writer.writeheader()
        for event_id, day, lat, lon in ROWS:
            writer.writerow({
                "event_id_cnty": event_id, "event_date": day, "year": day[-4:] if "/" in day else day[:4],
                "time_precision": "1", "disorder_type": "Political violence", "event_type": "Battles",
                "sub_event_type": "Armed clash", "actor1": "Military Forces of Peru (2016-)",
                "inter1": "1", "actor2": "Shining Path", "inter2": "2", "interaction": "12",
                "civilian_targeting": "", "iso": "604", "region": "South America", "country": "Peru",
                "admin1": "Ayacucho", "admin2": "La Mar", "admin3": "", "location": "Test place",
                "latitude": lat, "longitude": lon, "geo_precision": "1", "source": "Generated for a test",
                "source_scale": "National", "notes": "Generated test row, not a real event.",
                "fatalities": "1", "tags": "", "timestamp": "1700000000"})


def dataset_param(page) -> list[str]:
    return parse_qs(urlsplit(page.url).query).get("dataset", [""])[0].split(",")


def test_brw101_upload_report_select_reload_delete(ui, trace_index, tmp_path, app_context):
    source = tmp_path / "acled_vraem_test.csv"
    write_acled(source)
    page = ui.page
    ui.open()
    ui.settle("opening the page")
    bundled = app_context.store.count(FilterSpec())

    page.set_input_files("#data-upload input[type=file]", str(source))
    report = page.locator(".import-report")
    report.wait_for(state="visible", timeout=60_000)
    text = report.inner_text()
    assert f"read {len(ROWS)} rows" in text and f"{GOOD_ROWS} accepted" in text and "1 rejected" in text, text
    assert "31/02/2020" in text  # the rejected row's reason is shown, with its value
    ui.settle("the import")
    [dataset_id] = dataset_param(page)
    assert dataset_id.startswith("acled-vraem-test-")
    wait_for_view_counts(page, trace_index.events, {"headline": format_number(GOOD_ROWS), "map_events": GOOD_ROWS,
                                                    "timeline_total": GOOD_ROWS, "table_rows": GOOD_ROWS})
    assert "acled_vraem_test" in page.locator("#filters-summary").inner_text()  # whose data is shown
    page.screenshot(path=tmp_path / "brw_import_report.png", full_page=False)
    ui.assert_no_console_errors("the import")

    # The report downloads as CSV, with the rejected row.
    with page.expect_download() as download_info:
        page.click("#data-report-download-button")
    report_csv = download_info.value.path().read_text(encoding="utf-8")
    assert report_csv.startswith("kind,row,field,reason") and "rejected,6," in report_csv

    # Kept across a reload (the URL and the data directory both hold it).
    page.reload()
    ui.settle("reloading")
    assert dataset_param(page) == [dataset_id]
    checked = page.eval_on_selector_all("#data-datasets input", "els => els.filter(e => e.checked).map(e => e.value)")
    assert checked == [dataset_id]
    wait_for_view_counts(page, trace_index.events, {"map_events": GOOD_ROWS, "table_rows": GOOD_ROWS})

    # Combined with the bundled facts.
    page.check("#data-datasets input[value=rutas]")
    ui.settle("ticking the bundled facts")
    assert sorted(dataset_param(page)) == sorted([dataset_id, "rutas"])
    wait_for_view_counts(page, trace_index.events, {"headline": format_number(bundled + GOOD_ROWS),
                                                    "table_rows": bundled + GOOD_ROWS})

    # Deleted after confirmation: gone from the list, the views and the disk.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"#data-list button[title='{dataset_id}']")
    page.locator("#data-list li").first.wait_for(state="detached", timeout=60_000)
    ui.settle("deleting")
    assert page.locator(f"#data-datasets input[value='{dataset_id}']").count() == 0
    assert "deleted" in page.locator("#data-report").inner_text().lower()
    wait_for_view_counts(page, trace_index.events, {"headline": format_number(bundled), "table_rows": bundled})
    assert app_context.repository.list() == []
    ui.assert_no_console_errors("deleting")
    assert view_counts(page, trace_index.events)["map_events"] == bundled


def test_brw102_file_over_the_limit_is_refused_in_the_page_and_never_sent(ui, tmp_path, app_context):
    big = tmp_path / "too_big.csv"
    big.write_bytes(b"date,lat,lon\n" + b"2019-01-01,-12.5,-73.8\n" * (UPLOAD_LIMIT_BYTES // 20))
    assert big.stat().st_size > UPLOAD_LIMIT_BYTES
    ui.open()
    ui.settle("opening the page")
    ui.page.set_input_files("#data-upload input[type=file]", str(big))
    status = ui.page.locator("#data-upload-status.upload-refused")
    status.wait_for(state="visible", timeout=30_000)
    assert "too_big.csv" in status.inner_text() and "RUTAS_MAX_UPLOAD_BYTES" in status.inner_text()
    ui.settle("choosing a file over the limit")
    assert app_context.repository.list() == [] and ui.page.locator(".import-report").count() == 0
    ui.assert_no_console_errors("choosing a file over the limit")
