"""Format detection from content: every known magic, every refusal with a reason naming the kind."""

from __future__ import annotations

import io
import json
import sys
import types
import zipfile

import pytest

from dashboard.data.imports.base import Format, ImportRefused
from dashboard.data.imports.detect import FORCEABLE, detect_format

KML = (
    b'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
    b"<Placemark><name>Pichari</name><Point><coordinates>-73.8,-12.5</coordinates></Point></Placemark>"
    b"</Document></kml>"
)
GEOJSON = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"date": "2019-05-04"},
                "geometry": {"type": "Point", "coordinates": [-73.8, -12.5]},
            }
        ],
    }
).encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _gpkg(tmp_path) -> bytes:
    import geopandas as gpd
    import shapely

    path = tmp_path / "x.gpkg"
    gpd.GeoDataFrame(
        {"date": ["2019-05-04"]}, geometry=[shapely.Point(-73.8, -12.5)], crs="EPSG:4326"
    ).to_file(path, driver="GPKG", layer="events")
    return path.read_bytes()


@pytest.fixture
def fake_matchers(monkeypatch):
    """ACLED/UCDP matchers that recognise a marker, so dispatch is tested apart from their rules."""
    acled = types.ModuleType("dashboard.data.imports.acled")
    acled.matches_acled_header = lambda fields: fields[:1] == ["event_id_cnty"]
    ucdp = types.ModuleType("dashboard.data.imports.ucdp")
    ucdp.matches_ucdp_row = lambda fields: fields[:2] == ["id", "relid"]
    monkeypatch.setitem(sys.modules, "dashboard.data.imports.acled", acled)
    monkeypatch.setitem(sys.modules, "dashboard.data.imports.ucdp", ucdp)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (KML, Format.KML),
        (b"\xef\xbb\xbf" + KML, Format.KML),
        (KML.decode().encode("utf-16"), Format.KML),
        (b'<kml xmlns="http://earth.google.com/kml/2.1"><Document/></kml>', Format.KML),
        (b"<!-- exported --><kml><Document/></kml>", Format.KML),
        (
            b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x "<y>">]><kml>&x;</kml>',
            Format.KML,
        ),  # reader refuses
        (GEOJSON, Format.GEOJSON),
        (b'  {"type": "Feature", "properties": {}, "geometry": null}', Format.GEOJSON),
        (GEOJSON.decode().encode("utf-16"), Format.GEOJSON),
        (_zip({"doc.kml": KML}), Format.KML),
        (_zip({"files/photo.png": b"x", "Events.KML": KML}), Format.KML),
    ],
)
def test_det001_formats_from_content(data, expected):
    assert detect_format(data) is expected


def test_det002_geopackage_by_application_id(tmp_path):
    assert detect_format(_gpkg(tmp_path)) is Format.GPKG


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b" \n\t\r\n", "the file is empty"),
        (b"SQLite format 3\x00" + bytes(200), "SQLite database that is not a GeoPackage"),
        (_zip({"readme.txt": b"hello"}), "a ZIP archive without a .kml inside"),
        (b"PK\x03\x04" + bytes(100), "damaged ZIP"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + bytes(50), "PNG"),
        (b"\xff\xd8\xff\xe0" + bytes(50), "JPEG"),
        (b"GIF89a" + bytes(50), "GIF"),
        (b"\x1f\x8b\x08\x00" + KML, "gzip"),
        (b"\x00\x00\x27\x0a" + bytes(96), "shapefile"),
        (b"\x7fELF\x02\x01\x01" + bytes(100), "ELF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "XLS"),
        (
            b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/vsicurl/http://example.org/x.csv'
            b"</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>",
            "VRT",
        ),
        (b'<?xml version="1.0"?>\n<VRTDataset rasterXSize="1" rasterYSize="1"></VRTDataset>', "VRT"),
        (b"<!DOCTYPE html><html><body>not data</body></html>", "HTML"),
        (b'<gpx version="1.1"><trk/></gpx>', "GPX"),
        (
            b'<?xml version="1.0"?><gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml"/>',
            "root is <FeatureCollection>".lower(),
        ),
        (b'{"hello": "world"}', "not GeoJSON"),
        (b"[1, 2, 3]", "not GeoJSON"),
        (b"date,lat\x00,lon\n", "binary"),
    ],
)
def test_det003_refused_with_what_it_looks_like(data, reason):
    with pytest.raises(ImportRefused) as refused:
        detect_format(data)
    assert reason.lower() in refused.value.reason.lower()
    assert len(refused.value.reason) >= 10


def test_det004_vrt_refusal_says_why():
    with pytest.raises(ImportRefused) as refused:
        detect_format(b"<OGRVRTDataSource><OGRVRTLayer name='x'/></OGRVRTDataSource>")
    assert "files or URLs" in refused.value.reason


def test_det005_csv_dispatch_on_first_row(fake_matchers):
    assert detect_format(b"event_id_cnty,event_date,latitude\nPER1,2017-03-18,-12.5\n") is Format.ACLED
    assert detect_format(b'"id","relid","year"\n1,PER-1,2008\n') is Format.UCDP
    assert detect_format(b"event_id_cnty;event_date;latitude\nPER1;2017-03-18;-12.5\n") is Format.ACLED
    assert detect_format(b"\xef\xbb\xbfid\trelid\tyear\n1\tPER-1\t2008\n") is Format.UCDP
    assert (
        detect_format(b"date,type,location,lat,lon\n2019-05-04,seizure,Pichari,-12.5,-73.8\n") is Format.CSV
    )
    assert detect_format("fecha,lugar\n2019-05-04,Pichar\xed\n".encode("cp1252")) is Format.CSV


def test_det006_real_acled_and_ucdp_headers():
    pytest.importorskip("dashboard.data.imports.acled")
    pytest.importorskip("dashboard.data.imports.ucdp")
    from tests.integration.test_hostile_corpus import acled, generic, ucdp

    assert detect_format(acled()) is Format.ACLED
    assert detect_format(ucdp()) is Format.UCDP
    assert detect_format(generic()) is Format.CSV


def test_det007_forceable_names():
    assert set(FORCEABLE) == {"acled", "ucdp", "csv", "geojson", "gpkg", "kml", "kmz", "parquet", "xlsx"}
    assert FORCEABLE["kmz"] is Format.KML
    assert all(FORCEABLE[f.value] is f for f in Format)
