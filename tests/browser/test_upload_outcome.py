"""An upload whose response never reaches the page: the page still shows the real outcome.

The import's POST reaches the server (which imports and stores the file), then the response is
dropped before the page gets it, as a proxy or a lost connection would. The page's poll of the
upload's outcome record must then show the import report and the new dataset.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from dashboard.i18n import format_number

pytestmark = pytest.mark.browser

ROWS = [("2019-05-04", "Pichari", -12.52, -73.83), ("2019-06-11", "Kimbiri", -12.61, -73.79),
        ("2020-02-20", "Llochegua", -12.41, -73.91)]
# What the one response we abort on purpose logs, once each: Chromium's network error and Dash's
# report of the failed callback. Nothing else may appear.
DROPPED_RESPONSE = ("Failed to load resource: net::ERR_FAILED", "Error: Callback failed: the server did not respond.")


def _is_dropped_response_error(message: str) -> bool:
    return message == DROPPED_RESPONSE[0] or message.split("\n", 1)[0] == DROPPED_RESPONSE[1]


def _is_callback_url(url: str) -> bool:
    return urlsplit(url).path == "/_dash-update-component"  # Dash 4 adds a query string


def _is_import_request(request) -> bool:
    """The import callback's POST is the one whose input is the upload's token."""
    if request.method != "POST" or not _is_callback_url(request.url):
        return False
    try:
        body = json.loads(request.post_data or "{}")
    except ValueError:
        return False
    inputs = body.get("inputs", [])
    # A pattern-matching input is a list of items; the token is a plain one.
    return any(isinstance(item, dict) and item.get("id") == "data-upload-token" for item in inputs)


def test_brw103_dropped_import_response_still_shows_the_stored_outcome(ui, tmp_path, app_context):
    source = tmp_path / "dropped_response.csv"
    source.write_text("date,type,location,lat,lon\n" + "".join(f"{day},seizure,{place},{lat},{lon}\n"
                                                               for day, place, lat, lon in ROWS), encoding="utf-8")
    page = ui.page
    dropped = []

    def drop_the_response(route):
        if not _is_import_request(route.request):
            route.continue_()
            return
        response = route.fetch(timeout=120_000)  # the server does the work…
        dropped.append(response.status)
        route.abort()  # …and the page never hears of it

    ui.open()
    ui.settle("opening the page")
    page.route(_is_callback_url, drop_the_response)
    before = {meta.dataset_id for meta in app_context.repository.list()}
    try:
        page.set_input_files("#data-upload input[type=file]", str(source))
        report = page.locator(".import-report")
        report.wait_for(state="visible", timeout=60_000)
        assert dropped == [200]  # the import ran on the server and its answer was dropped
        text = report.inner_text()
        assert f"read {len(ROWS)} rows" in text and f"{format_number(len(ROWS))} accepted" in text, text

        [new] = [meta for meta in app_context.repository.list() if meta.dataset_id not in before]
        assert new.events == len(ROWS)
        page.locator(f"#data-datasets input[value='{new.dataset_id}']").wait_for(state="attached")
        assert page.locator(f"#data-list button[title='{new.dataset_id}']").count() == 1
        page.wait_for_function("id => new URLSearchParams(location.search).get('dataset') === id",
                               arg=new.dataset_id)
        page.unroute(_is_callback_url, drop_the_response)
        assert page.locator("#data-upload-outcome").inner_text() == ""
        unexpected = [e for e in ui.log.errors if not _is_dropped_response_error(e)]
        assert unexpected == [] and len(ui.log.errors) <= len(DROPPED_RESPONSE), ui.log.errors
        ui.log.errors.clear()
        ui.settle("the poll showing the outcome")
        # The poll stopped: nothing more is asked once the outcome is shown.
        asked = len(ui.log.requests)
        page.wait_for_timeout(2_500)
        assert len(ui.log.requests) == asked
    finally:
        for meta in app_context.repository.list():
            if meta.dataset_id not in before:
                app_context.repository.delete(meta.dataset_id)
