"""The researchers' CLI runs the same code path as the app."""

from __future__ import annotations

import csv
import io
import json

from dashboard.__main__ import dataset_info, run_query
from dashboard.data.filters import parse_url_state


def test_cli001_info(app_context, bundled):
    info = dataset_info(app_context)
    total = len(bundled.events)  # read from geodata/ independently of the app's store
    assert info["events"] == total and info["share_with_source"] == 1.0
    assert info["datasets"] == [{"id": "rutas", "events": total, "synthetic": False}]
    assert info["date_from"] == "2001-04-20"


def test_cli002_query_count_matches_store(app_context):
    query = "type=drug_seizure&from=2017-01-01&q=callao"
    text, notices = run_query(app_context, query, "count")
    assert notices == []
    assert int(text) == app_context.store.count(parse_url_state(query)[0].spec) > 0


def test_cli003_query_csv_and_json_hold_the_rows(app_context):
    text, _ = run_query(app_context, "country=BOL", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 9 and all(r["country"] == "BOL" and r["source_url"].startswith("http") for r in rows)
    records = json.loads(run_query(app_context, "country=BOL", "json")[0])
    assert [r["event_id"] for r in records] == [r["event_id"] for r in rows]


def test_cli004_malformed_query_reports_the_parameter(app_context, bundled):
    text, notices = run_query(app_context, "kg_min=lots", "count")
    assert text == str(len(bundled.events)) and notices == ["ignored parameter kg_min: not a non-negative number"]
    text, notices = run_query(app_context, "type=bombing", "count")
    assert text == str(len(bundled.events)) and notices == ["ignored parameter type: unknown values were dropped"]
