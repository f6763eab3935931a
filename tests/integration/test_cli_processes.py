"""The researchers' command line run as a process (python -m dashboard), as they run it.

Moved out of tests/unit: each test starts Python processes, which the fast suite cannot afford.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


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


def test_syn011_cli_module_entry_point_and_import(tmp_path):
    out = tmp_path / "synth.csv"
    env = {"PATH": "/usr/bin:/bin", "RUTAS_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    run = [sys.executable, "-m", "dashboard"]
    made = subprocess.run([*run, "synth", "--n", "200", "--out", str(out)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0 and f"to {out}" in made.stdout
    imported = subprocess.run([*run, "import", str(out)], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr
    info = subprocess.run([*run, "info"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert "200 events (synthetic)" in info.stdout
