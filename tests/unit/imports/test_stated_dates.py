"""Files of places with no dates: refused once with the way out, imported with a stated period."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from dashboard.data.imports.pipeline import import_bytes
from dashboard.data.imports.stated_dates import parse_stated_dates

NOW = datetime(2026, 12, 3, tzinfo=UTC)
# Places as a Google My Maps layer exports them: a name, a description, a point, no date.
PLACES = [("Pichari", -73.83, -12.52), ("Kimbiri", -73.79, -12.61), ("Llochegua", -73.91, -12.41)]


def my_maps_kml(places=PLACES) -> bytes:
    marks = "".join(f"<Placemark><name>{name}</name><description>airstrip reported</description>"
                    f"<Point><coordinates>{lon},{lat},0</coordinates></Point></Placemark>"
                    for name, lon, lat in places)
    return (f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<name>Pistas</name><Folder><name>Capa sin título</name>{marks}</Folder></Document></kml>").encode()


def geojson(properties: list[dict]) -> bytes:
    features = [{"type": "Feature", "properties": props,
                 "geometry": {"type": "Point", "coordinates": [lon, lat]}}
                for props, (_, lon, lat) in zip(properties, PLACES)]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


@pytest.mark.parametrize(("text", "start", "end", "precision"), [
    ("2021-03-15", date(2021, 3, 15), date(2021, 3, 15), "day"),
    ("2021-03", date(2021, 3, 1), date(2021, 3, 31), "month"),
    ("2020-02", date(2020, 2, 1), date(2020, 2, 29), "month"),
    ("2021", date(2021, 1, 1), date(2021, 12, 31), "year"),
    ("2021-03-01/2021-03-20", date(2021, 3, 1), date(2021, 3, 20), "month"),
    ("2021-03-01..2021-05-20", date(2021, 3, 1), date(2021, 5, 20), "year"),
    (" 2026 ", date(2026, 1, 1), date(2026, 12, 3), "year"),  # the current year ends today
])
def test_std001_stated_periods_and_their_precision(text, start, end, precision):
    stated = parse_stated_dates(text, NOW.date())
    assert (stated.start, stated.end, stated.precision) == (start, end, precision)


@pytest.mark.parametrize(("text", "says"), [
    ("03/2021", "not a date or period"), ("2021-13", "month 13"), ("2021-02-30", "not a real date"),
    ("2021-03-20/2021-03-01", "ends before"), ("2027", "future"), ("1850", "before 1900"), ("", "not a date"),
])
def test_std002_bad_stated_dates_say_why(text, says):
    with pytest.raises(ValueError, match=says):
        parse_stated_dates(text, NOW.date())


@pytest.mark.parametrize(("data", "name"), [(my_maps_kml(), "pistas.kml"),
                                            (geojson([{"name": n} for n, *_ in PLACES]), "pistas.geojson")])
def test_std003_a_file_with_no_dated_row_is_refused_once_with_the_way_out(data, name):
    report = import_bytes(data, name, now=NOW).report
    assert report.refused.startswith("none of the 3 rows has a date")
    assert "--date" in report.refused and "upload panel" in report.refused
    assert report.rejected == [] and not report.imported  # one file-level line, not one per feature


@pytest.mark.parametrize(("data", "name"), [(my_maps_kml(), "pistas.kml"),
                                            (geojson([{"name": n} for n, *_ in PLACES]), "pistas.geojson")])
def test_std004_a_stated_month_dates_every_row_with_month_precision(data, name):
    outcome = import_bytes(data, name, now=NOW, stated_date="2021-03")
    events = outcome.events
    assert outcome.report.accepted == 3 and not outcome.report.refused
    assert set(events["event_date"].astype(str)) == {"2021-03-01"}
    assert set(events["date_end"].astype(str)) == {"2021-03-31"}
    assert set(events["date_precision"]) == {"month"}
    assert sorted(events["location"]) == ["Kimbiri", "Llochegua", "Pichari"]
    notes = [w.reason for w in outcome.report.warnings if w.field == "event_date"]
    assert notes == ["3 rows had no date of their own: given the stated date 2021-03 (month precision)"]


def test_std005_rows_with_their_own_date_keep_it():
    data = geojson([{"name": "Pichari", "date": "2019-07-02"}, {"name": "Kimbiri"}, {"name": "Llochegua"}])
    unstated = import_bytes(data, "mixed.geojson", now=NOW).report
    assert unstated.accepted == 1 and unstated.rejected_rows == 2  # dated rows make it a per-row problem
    events = import_bytes(data, "mixed.geojson", now=NOW, stated_date="2021").events.set_index("location")
    assert str(events.loc["Pichari", "event_date"]) == "2019-07-02"
    assert events.loc["Pichari", "date_precision"] == "day"
    assert str(events.loc["Kimbiri", "event_date"]) == "2021-01-01"
    assert events.loc["Kimbiri", "date_precision"] == "year"


def test_std006_a_bad_stated_date_refuses_the_file_and_names_the_date():
    report = import_bytes(my_maps_kml(), "pistas.kml", now=NOW, stated_date="March 2021").report
    assert report.refused.startswith("the stated date: 'March 2021' is not a date or period")


def test_std007_the_command_line_takes_date(tmp_path, monkeypatch, capsys):
    from dashboard.__main__ import main

    path = tmp_path / "pistas.kml"
    path.write_bytes(my_maps_kml())
    monkeypatch.setenv("RUTAS_DATA_DIR", str(tmp_path / "data"))
    assert main(["import", str(path), "--json"]) == 1
    assert "none of the 3 rows has a date" in json.loads(capsys.readouterr().out)["refused"]
    assert main(["import", str(path), "--date", "2021-03", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["accepted"] == 3 and report["dataset_id"]


def test_std008_the_upload_panel_passes_its_date_and_refuses_a_forged_one(app_context, monkeypatch):
    import base64

    import dashboard.callbacks.datasets as datasets_callbacks
    from dashboard.callbacks.datasets import import_upload

    contents = "data:application/vnd.google-earth.kml+xml;base64," + base64.b64encode(
        my_maps_kml(PLACES[:1])).decode()
    passed = {}

    def not_stored(repository, data, file_name, **options):  # the session's data directory stays as it is
        passed.update(options)
        return import_bytes(data, file_name, stated_date=options["stated_date"]).report

    with monkeypatch.context() as patched:
        patched.setattr(datasets_callbacks, "import_into", not_stored)
        stated = import_upload(contents, "one.kml", "auto", "2019")
    assert passed["stated_date"] == "2019" and stated["accepted"] == 1
    forged = import_upload(contents, "one.kml", "auto", {"not": "text"})  # not text: no date stated
    assert forged["refused"].startswith("none of the 1 rows has a date")
    too_long = import_upload(contents, "one.kml", "auto", "2019" * 50)
    assert "is not a date or period" in too_long["refused"]
