"""Inputs researchers really send (found in review): each one kept, rejected or warned, never lost."""

from __future__ import annotations

import csv
import io

from dashboard.data.imports.pipeline import import_bytes

ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,"
    "admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,"
    "tags,timestamp").split(",")


def report_and_events(data: bytes, name: str):
    outcome = import_bytes(data, name)
    return outcome.report, outcome.events


def test_rin001_huge_integer_coordinate_rejects_its_feature_only():
    big = "1" + "0" * 400
    data = ('{"type":"FeatureCollection","features":['
            '{"type":"Feature","properties":{"date":"2017-03-18"},"geometry":{"type":"Point","coordinates":[-74,-12]}},'
            '{"type":"Feature","properties":{"date":"2017-03-18"},"geometry":{"type":"Point","coordinates":[' + big +
            ',5]}}]}').encode()
    report, _ = report_and_events(data, "big.geojson")
    assert (report.accepted, report.rejected_rows) == (1, 1) and report.rejected[0].field == "geometry"


def test_rin002_kml_bow_tie_areas_and_unknown_encodings():
    bow_ties = ('<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>x</name>'
                "<TimeStamp><when>2019-01-01</when></TimeStamp><MultiGeometry>"
                + "".join(f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing>"
                          "</outerBoundaryIs></Polygon>"
                          for ring in ("-74,-12 -73,-11 -73,-12 -74,-11 -74,-12",
                                       "-73.5,-12 -72.5,-11 -72.5,-12 -73.5,-11 -73.5,-12"))
                + "</MultiGeometry></Placemark></Document></kml>").encode()
    report, _ = report_and_events(bow_ties, "bowtie.kml")
    assert report.accepted == 1 and not report.refused
    for encoding in ("latin-9x", "utf-32"):
        declared = (f'<?xml version="1.0" encoding="{encoding}"?>'
                    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>').encode()
        refused = report_and_events(declared, "enc.kml")[0].refused
        assert "encoding" in refused


def test_rin003_spanish_excel_thousands_latitud_and_day_first():
    rows = ["Fecha;Latitud;Longitud;Lugar;Kilos;Fuente"]
    rows += [f"0{day}/03/2019;-12,5;-73,8;Pichari;250;PNP" for day in range(1, 6)]
    rows += ["15/03/2019;-12,61;-73,79;Kimbiri;1.250;PNP"]
    report, events = report_and_events("\n".join(rows).encode("cp1252"), "incautaciones.csv")
    assert (report.read, report.accepted) == (6, 6)
    assert sorted(events["quantity_kg"]) == [250.0] * 5 + [1250.0]  # 1.250 is one thousand two hundred fifty
    assert not events["geocoded"].any() and events["latitude"].iloc[-1] == -12.61  # Latitud was read
    assert str(events["event_date"].iloc[0]) == "2019-03-01"
    ambiguous = report_and_events(b"Fecha;Lat;Lon;Kilos\n01/03/2019;-12,5;-73,8;1.250,5.3\n", "x.csv")[0]
    assert ambiguous.rejected_rows == 1 and "two numbers" in ambiguous.rejected[0].reason


def test_rin004_slash_dates_take_one_order_per_file():
    us = b"date,lat,lon,location,source\n03/18/2017,-12.5,-73.8,a,s\n03/04/2017,-12.5,-73.8,a,s\n"
    report, events = report_and_events(us, "us.csv")
    assert [str(d) for d in events["event_date"]] == ["2017-03-18", "2017-03-04"]
    assert any("month first" in w.reason for w in report.warnings)
    unsure = report_and_events(b"date,lat,lon\n03/04/2017,-12.5,-73.8\n", "unsure.csv")[0]
    assert any("day first" in w.reason for w in unsure.warnings)


def test_rin005_acled_resaved_with_decimal_commas():
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(ACLED_HEADER)
    row = dict.fromkeys(ACLED_HEADER, "")
    row.update(event_id_cnty="PER1", event_date="18 March 2017", time_precision="1", event_type="Battles",
               sub_event_type="Armed clash", country="Peru", location="Llochegua", latitude="-12,4128",
               longitude="-73,9093", geo_precision="1", source="El Comercio", fatalities="0")
    writer.writerow([row[c] for c in ACLED_HEADER])
    report, events = report_and_events(buffer.getvalue().encode("cp1252"), "acled_es.csv")
    assert report.format == "acled" and report.accepted == 1
    assert (events["latitude"].iloc[0], events["longitude"].iloc[0]) == (-12.4128, -73.9093)


def test_rin006_swapped_coordinates_are_flagged_even_without_a_country():
    report, events = report_and_events(b"date,lat,lon,location,source\n2019-01-01,-73.8,-12.5,Pichari,PNP\n",
                                       "swapped.csv")
    assert report.accepted == 1  # kept: the researcher decides
    assert any("swapped" in w.reason and "PER" in w.reason for w in report.warnings)
