"""The researchers' CLI runs the same code path as the app."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from dashboard.__main__ import dataset_info, run_query
from dashboard.data.filters import parse_url_state

REPO = Path(__file__).resolve().parents[2]


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


def test_cli005_module_entry_point(bundled):
    result = subprocess.run([sys.executable, "-m", "dashboard", "info", "--json"], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(result.stdout)["events"] == len(bundled.events)


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "RUTAS_DATA_DIR": str(data_dir), "HOME": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli010_import_list_delete(tmp_path):
    """import → datasets → info shows it → delete; exit codes as documented."""
    data_dir = tmp_path / "instance"
    source = tmp_path / "seizures.csv"
    source.write_text(
        "date,type,location,lat,lon,kg,source_url\n"
        "2019-05-04,seizure,Callao port,-12.05,-77.14,2000,https://example.org/a\n"
        "2019-06-01,seizure,Pichari,-12.52,-73.83,,https://example.org/b\n"
        "2019-13-01,seizure,Pichari,-12.52,-73.83,,https://example.org/c\n", encoding="utf-8")
    done = run_cli("import", str(source), "--json", "--name", "My seizures", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["read"], report["accepted"], report["rejected"]) == (3, 2, 1)
    assert report["dataset_id"].startswith("my-seizures-")
    assert report["rejected_rows"][0]["row"] == 4 and report["rejected_rows"][0]["field"]
    assert isinstance(report["warnings"], list)

    listed = json.loads(run_cli("datasets", "--json", data_dir=data_dir).stdout)
    assert [(d["dataset_id"], d["events"], d["file_name"]) for d in listed] == \
        [(report["dataset_id"], 2, "seizures.csv")]
    count = run_cli("query", f"dataset={report['dataset_id']}", data_dir=data_dir)
    assert count.stdout.strip() == "2"

    deleted = run_cli("delete", report["dataset_id"], data_dir=data_dir)
    assert deleted.returncode == 0 and "deleted" in deleted.stdout
    assert json.loads(run_cli("datasets", "--json", data_dir=data_dir).stdout) == []
    assert run_cli("delete", report["dataset_id"], data_dir=data_dir).returncode == 2


def test_cli011_nothing_imported_exits_non_zero_and_writes_nothing(tmp_path):
    data_dir = tmp_path / "instance"
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    done = run_cli("import", str(junk), data_dir=data_dir)
    assert done.returncode == 1 and "refused" in done.stdout
    assert not (data_dir / "datasets").exists() or not any((data_dir / "datasets").iterdir())


def test_cli012_import_flags_duplicates_of_bundled_events(tmp_path, bundled):
    events = bundled.events[bundled.events["date_precision"] == "day"].head(3)
    source = tmp_path / "copy.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "type", "location", "lat", "lon", "source"])
        for row in events.itertuples():
            # the same event as reported elsewhere: same day and type, ~1 km away
            writer.writerow([row.event_date, row.event_type, row.location, row.latitude + 0.009, row.longitude,
                             "Another newspaper"])
        writer.writerow(["1990-01-01", "arrest", "Elsewhere", -5.0, -60.0, "Another newspaper"])
    done = run_cli("import", str(source), "--json", data_dir=tmp_path / "instance")
    report = json.loads(done.stdout)
    assert (report["accepted"], report["duplicates"]) == (4, 3)
