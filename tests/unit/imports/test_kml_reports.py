"""KML reports say what happened: Placemark ids kept, NetworkLink-only and empty KML refused with
the reason, and no request ever made for a linked file.

Fixtures: ``tests/fixtures/imports/kml/`` (see its README).
"""

from __future__ import annotations

import io
import socket
import urllib.request
import zipfile
from datetime import date
from pathlib import Path

import pytest

from dashboard.data.imports.base import Format
from dashboard.data.imports.kml import MAX_HREF_CHARS
from dashboard.data.imports.pipeline import import_bytes

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports" / "kml"
KML_NS = "http://www.opengis.net/kml/2.2"
MY_MAPS_HREF = "https://www.google.com/maps/d/kml?mid=TEST-FIXTURE-NOT-A-MAP&lid=test"
NETWORK_LINK_REASON = (
    f"this KML only links to another file at {MY_MAPS_HREF} (NetworkLink); nothing was downloaded — "
    "in Google My Maps, tick 'Export to a .KML file' in 'Download KML' (or open the link in Google "
    "Earth and save the places), then import that file"
)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to resolve a name, open a socket connection or a URL fails the test."""
    attempts: list[str] = []

    def refuse(what: str):
        def call(*args, **kwargs):
            attempts.append(what)
            raise AssertionError(f"the KML reader tried the network ({what})")
        return call

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse("urllib.request.urlopen"))
    return attempts


def kmz(kml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", kml)
    return buffer.getvalue()


def test_ged101_placemark_ids_are_kept_as_source_ids():
    outcome = import_bytes((FIXTURES / "placemark_ids.kml").read_bytes(), "placemark_ids.kml")
    report = outcome.report
    assert report.format == Format.KML and (report.read, report.accepted) == (3, 3)
    events = outcome.events
    # an ExtendedData id wins over the Placemark's own; a Placemark without an id gets its number
    assert list(events["source_event_id"]) == ["ambush-aucayacu-2005", "rutas:0015", ""]
    assert list(events["event_id"]) == [f"{report.dataset_id}:ambush-aucayacu-2005",
                                        f"{report.dataset_id}:rutas:0015", f"{report.dataset_id}:row3"]
    first = events.iloc[0]
    assert (first["event_type"], first["fatalities"], first["country"]) == ("attack_on_security_forces", 8.0, "PER")
    assert first["location"] == "Angashyacu, km 41 Tingo María–Aucayacu road"
    assert not [w for w in report.warnings if w.field == "NetworkLink"]


def test_ged102_a_network_link_only_kml_is_refused_with_the_link_and_nothing_is_fetched(no_network):
    data = (FIXTURES / "network_link_only.kml").read_bytes()
    for file_name, content in (("my_map.kml", data), ("my_map.kmz", kmz(data))):
        outcome = import_bytes(content, file_name)
        assert outcome.report.refused == NETWORK_LINK_REASON
        assert outcome.report.accepted == 0 and outcome.events.empty
        assert outcome.report.summary_lines() == [f"{file_name}: refused — {NETWORK_LINK_REASON}"]
        assert outcome.report.to_dict()["refused"] == NETWORK_LINK_REASON  # what the upload panel shows
    assert no_network == []


def test_ged103_an_empty_kml_says_it_has_no_placemarks(no_network):
    outcome = import_bytes((FIXTURES / "empty.kml").read_bytes(), "empty.kml")
    assert outcome.report.refused == (
        "the KML holds no placemarks (no <Placemark> element), so there is nothing to import; styles, "
        "folders, overlays and tours carry no events")
    assert no_network == []


def document(*parts: str) -> bytes:
    return f'<kml xmlns="{KML_NS}"><Document>{"".join(parts)}</Document></kml>'.encode()


def link(href: str) -> str:
    return f"<NetworkLink><Link><href>{href}</href></Link></NetworkLink>"


PLACEMARK = ("<Placemark><name>Ccarhuarán</name><TimeStamp><when>2005-12-18</when></TimeStamp>"
             "<Point><coordinates>-74.15,-12.75</coordinates></Point></Placemark>")


def test_ged104_placemarks_beside_a_network_link_are_imported_and_the_link_is_reported(no_network):
    outcome = import_bytes(document(PLACEMARK, link("https://example.org/more.kml")), "mixed.kml")
    assert outcome.report.accepted == 1 and not outcome.report.refused
    [warning] = [w for w in outcome.report.warnings if w.field == "NetworkLink"]
    assert (warning.row, warning.reason) == (0, "the KML also links to another file at https://example.org/more.kml "
                                                "(NetworkLink); nothing was downloaded, so the places in the "
                                                "linked file are not imported")
    assert no_network == []


def test_ged105_several_links_kml_2_0_url_and_a_missing_href(no_network):
    many = document(link("https://example.org/a.kml"), link("https://example.org/b.kml"),
                    "<Folder>" + link("https://example.org/c.kml") + "</Folder>")
    assert import_bytes(many, "many.kml").report.refused.startswith(
        "this KML only links to 3 other files, the first at https://example.org/a.kml (NetworkLinks); "
        "nothing was downloaded")
    old = b'<kml xmlns="http://earth.google.com/kml/2.0"><NetworkLink><Url><href>http://example.org/old.kml</href>' \
          b"</Url></NetworkLink></kml>"
    assert "another file at http://example.org/old.kml (NetworkLink)" in import_bytes(old, "old.kml").report.refused
    bare = document("<NetworkLink><name>no address</name></NetworkLink>")
    assert "another file at an address it does not give (NetworkLink)" in import_bytes(bare, "bare.kml").report.refused
    assert no_network == []


@pytest.mark.parametrize(("length", "cut"), [(MAX_HREF_CHARS, False), (MAX_HREF_CHARS + 1, True)])
def test_ged106_a_quoted_link_is_bounded_and_printable(length, cut):
    href = "https://example.org/" + "x" * (length - len("https://example.org/"))
    # a tab and a zero-width space inside the address are left out of the quote
    written = href.replace("org/", "org/&#9;&#x200B;")
    reason = import_bytes(document(link(written)), "long.kml").report.refused
    quoted = reason.removeprefix("this KML only links to another file at ").split(" (NetworkLink)")[0]
    assert quoted == (href[:MAX_HREF_CHARS] + "…" if cut else href)


def simple_data(**columns: object) -> str:
    return "".join(f'<SimpleData name="{name}">{value}</SimpleData>' for name, value in columns.items())


def test_ged107_ged_columns_in_kml_extended_data_map_as_ged():
    # ogr2ogr -f KML writes a layer's columns as SchemaData/SimpleData: GED stays GED
    columns = simple_data(id=900008, type_of_violence=1, side_a="Government of Peru", side_b="Sendero Luminoso",
                          date_start="2005-12-20", date_end="2005-12-20", date_prec=1, where_prec=2, best=8,
                          low=8, high=8, adm_1="Huánuco department", region="Americas", country="Peru",
                          where_coordinates="Aucayacu town")
    placemark = (f'<Placemark id="fid-1"><name>900008</name><ExtendedData><SchemaData schemaUrl="#GEDEvent">'
                 f"{columns}</SchemaData></ExtendedData><Point><coordinates>-76.08,-9.0</coordinates></Point></Placemark>")
    outcome = import_bytes(document(placemark), "ged.kml")
    assert outcome.report.accepted == 1
    row = outcome.events.iloc[0]
    assert (row["source_event_id"], row["event_type"], row["actors"]) == (
        "900008", "armed_clash", ("Government of Peru", "Sendero Luminoso"))
    assert (row["fatalities"], row["admin1"], row["geo_precision"], row["country"]) == (
        8.0, "Huánuco department", "town", "PER")


def test_ged108_kml_date_order_comes_from_the_date_field_only():
    def placemark(when: str, notes: str) -> str:
        return (f"<Placemark><name>Test place</name><ExtendedData><Data name=\"date\"><value>{when}</value></Data>"
                f"<Data name=\"notes\"><value>{notes}</value></Data></ExtendedData>"
                "<Point><coordinates>-74.15,-12.75</coordinates></Point></Placemark>")

    outcome = import_bytes(document(placemark("03/18/2020", "TEST ROW seen 25/12/2019"),
                                    placemark("03/04/2020", "TEST ROW")), "dates.kml")
    assert list(outcome.events["event_date"]) == [date(2020, 3, 18), date(2020, 3, 4)]
    assert [w.row for w in outcome.report.warnings if w.field == "date"] == [0]
