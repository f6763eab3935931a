"""Upload outcome records (started → finished, atomic, cleaned by age) and the poll that reads them."""

from __future__ import annotations

import base64
import json
import os
import time

import pytest
from dash import no_update

from dashboard.data.upload_outcomes import (
    MISSING_AFTER_SECONDS,
    OUTCOME_MAX_AGE_SECONDS,
    SLOW_UPLINK_CHARS_PER_SECOND,
    OutcomeState,
    PollVerdict,
    UploadOutcomes,
    parse_upload_ticket,
    poll_verdict,
)
from dashboard.i18n import translate

TOKEN = "0b6f3c1e-8d2a-4f57-9c1b-2e4d6a8f0c13"
REPORT = {"file_name": "x.csv", "format": "csv", "read": 3, "accepted": 3, "rejected": 0, "warnings": [],
          "dataset_id": None, "refused": ""}
CSV = b"date,type,location,lat,lon\n2019-05-04,seizure,Pichari,-12.5,-73.8\n2019-06-01,seizure,Pichari,-12.6,-73.7\n"


def test_upl002_started_then_finished_round_trip(tmp_path):
    outcomes = UploadOutcomes(tmp_path)
    assert outcomes.get(TOKEN) is None
    outcomes.start(TOKEN)
    started = outcomes.get(TOKEN)
    assert started.state is OutcomeState.STARTED and started.report is None
    outcomes.finish(TOKEN, REPORT)
    finished = outcomes.get(TOKEN)
    assert finished.state is OutcomeState.FINISHED and finished.report == REPORT
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [f"{TOKEN}.json"]  # no temporary file left


def test_upl003_a_failed_replace_keeps_the_old_record_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    outcomes = UploadOutcomes(tmp_path)
    outcomes.start(TOKEN)

    def failing_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        outcomes.finish(TOKEN, REPORT)
    monkeypatch.undo()
    assert outcomes.get(TOKEN).state is OutcomeState.STARTED  # never half a record
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [f"{TOKEN}.json"]


@pytest.mark.parametrize("token", ["", "short", "../../etc/passwd", "a" * 65, "abc def ghi", "token.json",
                                   None, 12345678, "ñandú-ñandú"])
def test_upl004_an_invalid_token_is_never_a_file_name(tmp_path, token):
    outcomes = UploadOutcomes(tmp_path)
    assert outcomes.get(token) is None
    with pytest.raises(ValueError):
        outcomes.start(token)
    with pytest.raises(ValueError):
        outcomes.finish(token, REPORT)
    assert parse_upload_ticket({"token": token, "chars": 10}) is None
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_upl005_unknown_and_damaged_records_read_as_none(tmp_path):
    outcomes = UploadOutcomes(tmp_path)
    assert outcomes.get("a" * 64) is None and outcomes.get("A1b2C3d4") is None  # both ends of the length
    outcomes.start(TOKEN)
    (tmp_path / "uploads" / f"{TOKEN}.json").write_text("{not json", encoding="utf-8")
    assert outcomes.get(TOKEN) is None
    (tmp_path / "uploads" / f"{TOKEN}.json").write_text(json.dumps({"state": "lost"}), encoding="utf-8")
    assert outcomes.get(TOKEN) is None
    (tmp_path / "uploads" / f"{TOKEN}.json").write_text(json.dumps({"state": "finished"}), encoding="utf-8")
    assert outcomes.get(TOKEN) is None  # finished without a report: nothing to show


def test_upl006_old_records_go_when_a_new_one_is_written(tmp_path):
    outcomes = UploadOutcomes(tmp_path)
    old, recent = "old-token-1", "recent-token-1"
    outcomes.finish(old, REPORT)
    outcomes.finish(recent, REPORT)
    stray = tmp_path / "uploads" / ".tmp-crashed.json"
    stray.write_text("{}", encoding="utf-8")
    now = time.time()
    for path, age in ((outcomes.folder / f"{old}.json", OUTCOME_MAX_AGE_SECONDS + 60), (stray, OUTCOME_MAX_AGE_SECONDS + 1),
                      (outcomes.folder / f"{recent}.json", OUTCOME_MAX_AGE_SECONDS - 60)):
        os.utime(path, (now - age, now - age))
    outcomes.start(TOKEN)
    assert outcomes.get(old) is None and outcomes.get(recent) is not None and outcomes.get(TOKEN) is not None
    assert not stray.exists()


def test_upl007_ticket_parsing():
    assert parse_upload_ticket({"token": TOKEN, "chars": 1234}) == (TOKEN, 1234)
    assert parse_upload_ticket({"token": TOKEN}) == (TOKEN, 0)
    assert parse_upload_ticket({"token": TOKEN, "chars": -5}) == (TOKEN, 0)
    assert parse_upload_ticket({"token": TOKEN, "chars": True}) == (TOKEN, 0)
    assert parse_upload_ticket(TOKEN) is None and parse_upload_ticket(None) is None


def test_upl008_the_verdict_waits_longer_for_a_bigger_upload(tmp_path):
    outcomes = UploadOutcomes(tmp_path)
    assert poll_verdict(None, MISSING_AFTER_SECONDS - 1, 1.0, 0) is PollVerdict.WAITING
    assert poll_verdict(None, MISSING_AFTER_SECONDS, 1.0, 0) is PollVerdict.MISSING
    big = 10 * SLOW_UPLINK_CHARS_PER_SECOND
    assert poll_verdict(None, MISSING_AFTER_SECONDS + 9, 1.0, big) is PollVerdict.WAITING
    assert poll_verdict(None, MISSING_AFTER_SECONDS + 10, 1.0, big) is PollVerdict.MISSING
    outcomes.start(TOKEN)
    assert poll_verdict(outcomes.get(TOKEN), 10_000, 1.0, 0) is PollVerdict.WORKING
    outcomes.finish(TOKEN, REPORT)
    assert poll_verdict(outcomes.get(TOKEN), 0, 1.0, 0) is PollVerdict.FINISHED


# --- The callbacks, as plain functions -------------------------------------------------------

def _data_url(data: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(data).decode()


def test_upl009_the_poll_shows_what_the_import_showed(app_context):
    from dashboard.callbacks.datasets import on_upload, on_upload_poll

    ticket = {"token": "poll-finished-1", "chars": 100}
    shown = on_upload(ticket, _data_url(CSV), "poll_test.csv", "auto", "", "en", "")
    try:
        assert shown["report_data"]["accepted"] == 2 and shown["report_data"]["dataset_id"]
        assert shown["polling"] is True and shown["upload"] is None
        polled = on_upload_poll(3, ticket, "en", "")
        # The same report, URL, dataset list and follow-up as the import's own response.
        assert polled["report_data"] == shown["report_data"] and polled["search"] == shown["search"]
        assert str(polled["report"]) == str(shown["report"]) and str(polled["views"]) == str(shown["views"])
        assert polled["polling"] is True and polled["upload"] is None and polled["status"] == ""
    finally:
        app_context.repository.delete(shown["report_data"]["dataset_id"])


def test_upl010_the_poll_says_working_while_started_and_missing_when_nothing_came(app_context):
    from dashboard.callbacks.datasets import on_upload_poll

    UploadOutcomes(app_context.settings.data_dir).start("poll-started-1")
    working = on_upload_poll(2, {"token": "poll-started-1", "chars": 100}, "es", "")
    assert working["status"] == translate("data.upload_working", "es")
    assert working["report"] is no_update and working["polling"] is no_update
    assert all(value is no_update for value in working["views"].values())

    from dash.exceptions import PreventUpdate

    with pytest.raises(PreventUpdate):  # not yet: the file may still be on its way
        on_upload_poll(1, {"token": "poll-missing-1", "chars": 100}, "en", "")
    missing = on_upload_poll(MISSING_AFTER_SECONDS + 1, {"token": "poll-missing-1", "chars": 100}, "en", "")
    assert translate("data.upload_missing", "en") in str(missing["report"])
    assert missing["polling"] is True and missing["upload"] is None and missing["search"] is no_update


def test_upl011_an_invalid_token_is_refused_and_nothing_imported(app_context):
    from dashboard.callbacks.datasets import on_upload, on_upload_poll

    before = app_context.repository.list()
    shown = on_upload({"token": "../x"}, _data_url(CSV), "bad_token.csv", "auto", "", "en", "")
    assert shown["report_data"]["refused"] == translate("data.bad_upload", "en")
    assert app_context.repository.list() == before
    assert on_upload_poll(3, {"token": "../x"}, "en", "")["polling"] is True


def test_upl012_a_start_whose_importer_died_reads_as_interrupted(tmp_path, app_context):
    """A worker killed mid-import leaves 'started' for ever: the page must not say 'working' for ever."""
    import multiprocessing

    from dashboard.callbacks.datasets import on_upload_poll

    context = multiprocessing.get_context("spawn")
    importer = context.Process(target=UploadOutcomes(app_context.settings.data_dir).start, args=("poll-killed-1",))
    importer.start()
    importer.join(60)
    assert importer.exitcode == 0  # it wrote 'started' and is gone, as a killed worker is
    outcome = UploadOutcomes(app_context.settings.data_dir).get("poll-killed-1")
    assert outcome.state is OutcomeState.INTERRUPTED
    assert poll_verdict(outcome, 1000, 1.0, 0) is PollVerdict.INTERRUPTED
    shown = on_upload_poll(3, {"token": "poll-killed-1", "chars": 100}, "en", "")
    assert translate("data.upload_interrupted", "en") in str(shown["report"])
    assert shown["polling"] is True and shown["views"]["dataset_list"] is not no_update
    # This process's own start is alive: still working.
    UploadOutcomes(tmp_path).start(TOKEN)
    assert UploadOutcomes(tmp_path).get(TOKEN).state is OutcomeState.STARTED
