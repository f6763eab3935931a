"""Schema validation: a broken row is refused with its line and field; good rows pass."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.data.catalog import GEODATA_DIR, load_events_csv, load_routes
from dashboard.data.schema import EVENT_COLUMNS, DataFileError, check_event_row, is_safe_url

REPO = Path(__file__).resolve().parents[2]


def good_row(**changes: str) -> dict[str, str]:
    row = {column: "" for column in EVENT_COLUMNS}
    row.update(
        event_id="rutas:9999", event_date="2017-03-18", date_precision="day",
        event_type="attack_on_security_forces", actors="Shining Path;National Police of Peru",
        actor_groups="shining_path;peru_police", country="PER", admin1="Cusco", location="Cumunpiari",
        latitude="-12.7", longitude="-73.7", geo_precision="town", fatalities="3",
        source_url="https://example.org/report", source_name="Example", dataset="rutas", synthetic="false",
    )
    row.update(changes)
    return row


def test_sch001_good_row_is_typed():
    record, problems = check_event_row(good_row(), line=2)
    assert problems == []
    assert record["actors"] == ("Shining Path", "National Police of Peru")
    assert record["latitude"] == -12.7 and record["fatalities"] == 3.0
    assert record["synthetic"] is False


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("event_type", "bombing", "not one of"),
        ("event_date", "31/02/2020", "ISO date"),
        ("event_date", "2020-02-31", "ISO date"),
        ("latitude", "95", "outside"),
        ("longitude", "nan", "not a number"),
        ("latitude", "", "must not be empty"),
        ("fatalities", "-1", "outside"),
        ("geo_precision", "street", "not one of"),
        ("source_url", "javascript:alert(1)", "http(s)"),
        ("source_url", "", "must not be empty"),
        ("synthetic", "maybe", "true or false"),
        ("country", "Peru", "alpha-3"),
    ],
)
def test_sch002_broken_field_is_named(field, value, fragment):
    record, problems = check_event_row(good_row(**{field: value}), line=7)
    assert record is None
    assert any(p.field == field and p.line == 7 and fragment in p.message for p in problems), problems


def test_sch003_broken_file_names_file_line_and_field(tmp_path):
    source = GEODATA_DIR / "events.csv"
    broken = tmp_path / "events.csv"
    rows = list(csv.DictReader(source.open(encoding="utf-8")))
    rows[4]["latitude"] = "north"
    with broken.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))  # the file's own header
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(DataFileError) as caught:
        load_events_csv(broken)
    message = str(caught.value)
    assert "events.csv" in message and "line 6" in message and "'latitude'" in message


def test_sch004_duplicate_ids_refused(tmp_path):
    rows = list(csv.DictReader((GEODATA_DIR / "events.csv").open(encoding="utf-8")))
    rows[1]["event_id"] = rows[0]["event_id"]
    path = tmp_path / "events.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))  # the file's own header
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(DataFileError, match="duplicate of line 2"):
        load_events_csv(path)


def test_sch005_route_without_source_refused(tmp_path):
    text = (GEODATA_DIR / "routes.geojson").read_text(encoding="utf-8")
    path = tmp_path / "routes.geojson"
    path.write_text(text.replace('"mode": "air"', '"mode": "rocket"', 1), encoding="utf-8")
    with pytest.raises(DataFileError, match="'mode'"):
        load_routes(path)


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>x</script>", "vbscript:x",
     "//evil.example/x", "/relative/path", "https://", "http://a b", "ftp://example.org", "",
     " javascript:alert(1)", "https://ok.example/\"onmouseover=x"],
)
def test_sec001_unsafe_urls_refused(url):
    assert not is_safe_url(url)


@pytest.mark.parametrize("url", ["https://insightcrime.org/news/x/", "http://web.archive.org/web/2005/http:/x"])
def test_sec002_http_urls_allowed(url):
    assert is_safe_url(url)


def test_sch006_app_refuses_to_start_on_broken_bundle(tmp_path):
    """`python app.py` on a broken events file exits non-zero naming file, line and field."""
    geodata = tmp_path / "geodata"
    shutil.copytree(GEODATA_DIR, geodata)
    rows = list(csv.DictReader((GEODATA_DIR / "events.csv").open(encoding="utf-8")))
    rows[2]["date_precision"] = "fortnight"
    with (geodata / "events.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))  # the file's own header
        writer.writeheader()
        writer.writerows(rows)
    result = subprocess.run(
        [sys.executable, str(REPO / "app.py")], capture_output=True, text=True, timeout=120,
        env={"RUTAS_GEODATA_DIR": str(geodata), "PATH": "/usr/bin:/bin", "RUTAS_PORT": "0"},
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert "events.csv, line 4, field 'date_precision'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[1, 2, 3]", "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": [7]}', "'feature'"),
        ("{not json", "cannot read GeoJSON"),
    ],
)
def test_sch007_malformed_routes_file_named_not_crashed(tmp_path, text, fragment):
    path = tmp_path / "routes.geojson"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match="routes.geojson") as caught:
        load_routes(path)
    assert fragment in str(caught.value)


def test_sch008_route_coordinates_must_be_numbers(tmp_path):
    import json

    collection = json.loads((GEODATA_DIR / "routes.geojson").read_text(encoding="utf-8"))
    collection["features"][2]["geometry"]["coordinates"][1] = ["west", "south"]
    path = tmp_path / "routes.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(DataFileError, match="routes.geojson, feature 3, field 'geometry'"):
        load_routes(path)
