"""GeoJSON, GeoPackage, KML and KMZ readers: mapping, geometry policy, limits and hostile input.

Every fixture is written here (in memory or under tmp_path). Security tests carry ``sec`` codes,
limit tests a just-under and a just-over case.
"""

from __future__ import annotations

import io
import json
import socket
import sqlite3
import struct
import tempfile
import threading
import zipfile
from datetime import date
from pathlib import Path

import pytest

from dashboard.data.imports.base import SETTING_OF_LIMIT, Deadline, ImportLimits, ImportRefused, LimitExceeded
from dashboard.data.imports.geofile import GDAL_NETWORK_OFF, read_geojson, read_gpkg
from dashboard.data.imports.kml import read_kml, text_of_html

LIMITS = ImportLimits()
SECRET = "TOP-SECRET-CANARY-91c2"
LIMA_UTM18S = (279000.0, 8665000.0)  # EPSG:32718
LIMA_LONLAT = (-77.030275, -12.068977)


def deadline() -> Deadline:
    return Deadline(60)


def expired() -> Deadline:
    ticks = iter(range(10**9))
    return Deadline(0.5, clock=lambda: next(ticks))


def everything(result) -> str:
    """All text a result carries, to look for leaked content."""
    return repr(result)


# ------------------------------------------------------------------------------------- GeoJSON


def feature(geometry, **properties) -> dict:
    return {
        "type": "Feature",
        "properties": {"date": "2019-05-04", "name": "Pichari", **properties},
        "geometry": geometry,
    }


def point(lon=-73.8, lat=-12.5) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def collection(*features, **extra) -> bytes:
    return json.dumps({"type": "FeatureCollection", **extra, "features": list(features)}).encode()


def square(side: float, vertices: int = 5, x0: float = -74.0, y0: float = -12.0) -> dict:
    """A closed ring of ``vertices`` positions (first = last) around a square of ``side`` degrees."""
    corners = [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side]]
    ring = (
        corners
        + [[x0, y0 + side - side * (i + 1) / (vertices - 4)] for i in range(vertices - 5)]
        + [[x0, y0]]
    )
    return {"type": "Polygon", "coordinates": [ring]}


def test_geo001_feature_collection_mapped():
    data = collection(
        feature(point(), description="Cocaine seized", fatalities=2),
        feature(point(-74.1, -12.9), name="Llochegua"),
        feature(point(), date="31/02/2020"),
    )
    result = read_geojson(data, LIMITS, deadline())
    assert result.rows_read == 3
    assert [c.row for c in result.candidates] == [1, 2]
    first = result.candidates[0].values
    assert first["event_date"] == date(2019, 5, 4)
    assert first["location"] == "Pichari"
    assert first["summary"] == "Cocaine seized"
    assert first["fatalities"] == 2
    assert (first["longitude"], first["latitude"]) == (-73.8, -12.5)
    assert result.candidates[1].values["location"] == "Llochegua"
    assert [(p.row, p.field) for p in result.rejected] == [(3, "date")]


def test_geo002_single_feature_and_null_geometry():
    result = read_geojson(json.dumps(feature(point())).encode(), LIMITS, deadline())
    assert len(result.candidates) == 1 and result.candidates[0].row == 1
    unlocated = read_geojson(collection(feature(None)), LIMITS, deadline())
    assert len(unlocated.candidates) == 1
    assert "latitude" not in unlocated.candidates[0].values  # left to the geocoder, by name


@pytest.mark.parametrize(
    "crs_name", ["urn:ogc:def:crs:EPSG::32718", "EPSG:32718", "http://www.opengis.net/def/crs/EPSG/0/32718"]
)
def test_geo003_legacy_crs_reprojected(crs_name):
    crs = {"type": "name", "properties": {"name": crs_name}}
    data = collection(feature(point(*LIMA_UTM18S)), feature(point(500000.0, 10000000.0)), crs=crs)
    result = read_geojson(data, LIMITS, deadline())
    lima, equator = (c.values for c in result.candidates)
    assert lima["longitude"] == pytest.approx(LIMA_LONLAT[0], abs=1e-4)
    assert lima["latitude"] == pytest.approx(LIMA_LONLAT[1], abs=1e-4)
    assert (equator["longitude"], equator["latitude"]) == pytest.approx((-75.0, 0.0), abs=1e-4)


def test_geo004_wgs84_crs_names_not_reprojected():
    for name in ("urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326"):
        data = collection(feature(point()), crs={"type": "name", "properties": {"name": name}})
        values = read_geojson(data, LIMITS, deadline()).candidates[0].values
        assert (values["longitude"], values["latitude"]) == (-73.8, -12.5)


def test_geo005_geometry_policy():
    data = collection(
        feature({"type": "MultiPoint", "coordinates": [[-73.8, -12.5], [-73.8, -12.5]]}),
        feature({"type": "MultiPoint", "coordinates": [[-73.8, -12.5], [-74.0, -12.0]]}),
        feature(square(0.3)),
        feature({"type": "LineString", "coordinates": [[-73.8, -12.5], [-77.1, -12.0]]}),
        feature({"type": "GeometryCollection", "geometries": [point()]}),
        feature(square(0.01)),
    )
    result = read_geojson(data, LIMITS, deadline())
    assert [c.row for c in result.candidates] == [1, 3, 6]
    assert {p.row: p.field for p in result.rejected} == {2: "geometry", 4: "geometry", 5: "geometry"}
    assert "MultiPoint with 2 different points" in result.rejected[0].reason
    area, small = result.candidates[1].values, result.candidates[2].values
    assert area["geo_precision"] == "district" and small["geo_precision"] == "town"
    assert -74.0 <= area["longitude"] <= -73.7 and -12.0 <= area["latitude"] <= -11.7
    assert [(w.row, w.field) for w in result.warnings] == [(3, "geometry"), (6, "geometry")]
    assert "geo_precision" not in result.candidates[0].values


@pytest.mark.parametrize(
    ("lon", "lat"), [(float("nan"), -12.5), (-73.8, float("inf")), (500.0, -12.5), (-73.8, -300.0)]
)
def test_geo006_bad_coordinates_rejected(lon, lat):
    data = json.dumps({"type": "FeatureCollection", "features": [feature(point(lon, lat))]}).encode()
    result = read_geojson(data, LIMITS, deadline())
    assert result.rows_read == 1 and not result.candidates
    assert [p.field for p in result.rejected] == ["geometry"]


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": None},
        {"type": "Point", "coordinates": ["a", 1]},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]},
        {"type": "Blob"},
        [1, 2],
        {"type": "Point", "coordinates": [[[[[[1]]]]]]},
    ],
)
def test_geo007_malformed_geometry_rejected_not_crash(geometry):
    result = read_geojson(collection(feature(geometry)), LIMITS, deadline())
    assert [p.field for p in result.rejected] == ["geometry"]


def test_geo008_vertex_limit_just_under_and_over():
    data = collection(feature(square(0.2, vertices=12)))
    assert len(read_geojson(data, ImportLimits(max_vertices=12), deadline()).candidates) == 1
    over = read_geojson(data, ImportLimits(max_vertices=11), deadline())
    assert not over.candidates
    assert SETTING_OF_LIMIT["max_vertices"] in over.rejected[0].reason


def test_geo009_row_limit_just_under_and_over():
    data = collection(*[feature(point())] * 5)
    assert len(read_geojson(data, ImportLimits(max_rows=5), deadline()).candidates) == 5
    with pytest.raises(LimitExceeded) as refused:
        read_geojson(data, ImportLimits(max_rows=4), deadline())
    assert refused.value.setting == SETTING_OF_LIMIT["max_rows"]


def test_geo010_deadline_checked():
    with pytest.raises(LimitExceeded) as refused:
        read_geojson(collection(*[feature(point())] * 500), LIMITS, expired())
    assert refused.value.setting == SETTING_OF_LIMIT["max_parse_seconds"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"type": "FeatureCollection", "features": [', "not valid JSON"),
        (b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested"),
        (b'{"type": "FeatureCollection", "features": {"a": 1}}', "not a list"),
        (b'{"type": "Topology"}', "FeatureCollection or Feature is needed"),
        (
            collection(
                feature(point()), crs={"type": "link", "properties": {"href": "http://example.org/crs"}}
            ),
            "points to a file or URL",
        ),
        (
            collection(feature(point()), crs={"type": "name", "properties": {"name": "EPSG:99999"}}),
            "EPSG:99999",
        ),
        (
            collection(feature(point()), crs={"type": "name", "properties": {"name": "+proj=utm +zone=18"}}),
            "not one this importer reads",
        ),
    ],
)
def test_geo011_refusals(data, reason):
    with pytest.raises(ImportRefused) as refused:
        read_geojson(data, LIMITS, deadline())
    assert reason in refused.value.reason


def test_geo012_properties_limit_just_under_and_over():
    properties = {f"extra{i}": i for i in range(8)}  # + date and name = 10
    data = collection(feature(point(), **properties))
    assert len(read_geojson(data, ImportLimits(max_fields_per_row=10), deadline()).candidates) == 1
    over = read_geojson(data, ImportLimits(max_fields_per_row=9), deadline())
    assert [p.field for p in over.rejected] == ["properties"]
    assert SETTING_OF_LIMIT["max_fields_per_row"] in over.rejected[0].reason


# ---------------------------------------------------------------------------------- GeoPackage


def write_gpkg(path: Path, geometries, crs="EPSG:4326", layer="events", **columns) -> Path:
    import geopandas as gpd

    count = len(geometries)
    frame = gpd.GeoDataFrame(
        {"date": ["2019-05-04"] * count, "name": [f"Place {i + 1}" for i in range(count)], **columns},
        geometry=list(geometries),
        crs=crs,
    )
    frame.to_file(path, driver="GPKG", layer=layer)
    return path


def corrupt_geometry(path: Path, fid: int, layer: str = "events") -> None:
    with sqlite3.connect(path) as db:  # the R-tree triggers need SpatiaLite functions: drop them first
        for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f'DROP TRIGGER "{trigger}"')
        db.execute(f"UPDATE {layer} SET geom = X'47500003DEADBEEF' WHERE fid = ?", (fid,))


@pytest.fixture
def private_temp(tmp_path, monkeypatch) -> Path:
    """The system temp directory, redirected so a test can see what a reader leaves there."""
    directory = tmp_path / "system-temp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def test_gpk001_points_mapped(tmp_path, private_temp):
    import shapely

    path = write_gpkg(
        tmp_path / "a.gpkg", [shapely.Point(-73.8, -12.5), shapely.Point(-74.1, -12.9)], fatalities=[1, 0]
    )
    result = read_gpkg(path.read_bytes(), LIMITS, deadline())
    assert result.rows_read == 2 and not result.rejected
    first = result.candidates[0].values
    assert first["event_date"] == date(2019, 5, 4) and first["location"] == "Place 1"
    assert first["fatalities"] == 1
    assert (first["longitude"], first["latitude"]) == (-73.8, -12.5)
    assert list(private_temp.iterdir()) == []


def test_gpk002_utm_layer_reprojected(tmp_path):
    import shapely

    path = write_gpkg(tmp_path / "utm.gpkg", [shapely.Point(*LIMA_UTM18S)], crs="EPSG:32718")
    values = read_gpkg(path.read_bytes(), LIMITS, deadline()).candidates[0].values
    assert values["longitude"] == pytest.approx(LIMA_LONLAT[0], abs=1e-4)
    assert values["latitude"] == pytest.approx(LIMA_LONLAT[1], abs=1e-4)


def test_gpk003_broken_geometry_rejects_its_row_only(tmp_path, private_temp):
    import shapely

    path = write_gpkg(tmp_path / "broken.gpkg", [shapely.Point(-73.8, -12.5)] * 3)
    corrupt_geometry(path, fid=2)
    result = read_gpkg(path.read_bytes(), LIMITS, deadline())
    assert result.rows_read == 3
    assert [c.row for c in result.candidates] == [1, 3]
    assert [(p.row, p.field) for p in result.rejected] == [(2, "geometry")]
    assert list(private_temp.iterdir()) == []


def test_gpk004_policy_and_layer_choice(tmp_path):
    import shapely

    path = tmp_path / "layers.gpkg"
    write_gpkg(
        path,
        [shapely.box(-74.0, -12.0, -73.7, -11.7), shapely.LineString([(-74, -12), (-75, -13)])],
        layer="areas",
    )
    write_gpkg(path, [shapely.Point(-73.8, -12.5)], layer="points")
    result = read_gpkg(path.read_bytes(), LIMITS, deadline())
    assert [c.row for c in result.candidates] == [1]
    assert any(w.field == "layer" and "areas" in w.reason for w in result.warnings)

    areas = write_gpkg(
        tmp_path / "areas.gpkg",
        [shapely.box(-74.0, -12.0, -73.7, -11.7), shapely.MultiPoint([(-74, -12), (-75, -13)])],
    )
    result = read_gpkg(areas.read_bytes(), LIMITS, deadline())
    assert [c.row for c in result.candidates] == [1]
    assert result.candidates[0].values["geo_precision"] == "district"
    assert [(p.row, p.field) for p in result.rejected] == [(2, "geometry")]


def test_gpk005_vertex_and_row_limits(tmp_path):
    import shapely

    ring = [(-74 + i * 0.001, -12 + (i % 2) * 0.001) for i in range(10)] + [(-74, -11.99)]
    path = write_gpkg(tmp_path / "v.gpkg", [shapely.Polygon(ring)] + [shapely.Point(-73.8, -12.5)] * 2)
    data = path.read_bytes()
    vertices = len(ring) + 1  # shapely closes the ring
    assert len(read_gpkg(data, ImportLimits(max_vertices=vertices), deadline()).candidates) == 3
    over = read_gpkg(data, ImportLimits(max_vertices=vertices - 1), deadline())
    assert [p.row for p in over.rejected] == [1]
    assert SETTING_OF_LIMIT["max_vertices"] in over.rejected[0].reason
    assert len(read_gpkg(data, ImportLimits(max_rows=3), deadline()).candidates) == 3
    with pytest.raises(LimitExceeded) as refused:
        read_gpkg(data, ImportLimits(max_rows=2), deadline())
    assert refused.value.setting == SETTING_OF_LIMIT["max_rows"]


def test_gpk006_refusals_leave_nothing_behind(tmp_path, private_temp):
    import shapely

    good = write_gpkg(tmp_path / "g.gpkg", [shapely.Point(-73.8, -12.5)]).read_bytes()
    for data, reason in [
        (good[:4096], "damaged or truncated"),
        (b"SQLite format 3\x00" + bytes(200), "not a GeoPackage"),
        (b"<OGRVRTDataSource><OGRVRTLayer name='x'/></OGRVRTDataSource>", "not a GeoPackage"),
    ]:
        with pytest.raises(ImportRefused) as refused:
            read_gpkg(data, LIMITS, deadline())
        assert reason in refused.value.reason
        assert str(private_temp) not in refused.value.reason
        assert list(private_temp.iterdir()) == []


class _Listener:
    """A local TCP server that records whether anything connected to it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


def _config_text(value: object) -> str:
    text = str(value).upper()
    return {"FALSE": "OFF", "NO": "OFF", "TRUE": "ON", "YES": "ON"}.get(text, text)


def test_sec010_gdal_network_off_after_a_read(tmp_path):
    import pyogrio
    import shapely

    read_gpkg(write_gpkg(tmp_path / "n.gpkg", [shapely.Point(-73.8, -12.5)]).read_bytes(), LIMITS, deadline())
    for name, value in GDAL_NETWORK_OFF.items():
        assert _config_text(pyogrio.get_gdal_config_option(name)) == _config_text(value)
    listener = _Listener()
    try:
        for url in (
            f"/vsicurl/http://127.0.0.1:{listener.port}/x.gpkg",
            f"http://127.0.0.1:{listener.port}/x.geojson",
            f"WFS:http://127.0.0.1:{listener.port}/wfs",
        ):
            with pytest.raises(RuntimeError):
                pyogrio.read_info(url)
    finally:
        listener.close()
    assert listener.connections == 0


def test_sec011_gpkg_view_cannot_reach_out(tmp_path):
    """A GeoPackage layer that is a view calling gdal_get_pixel_value on a URL and a server file."""
    import shapely

    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    path = write_gpkg(tmp_path / "view.gpkg", [shapely.Point(-73.8, -12.5)])
    listener = _Listener()
    try:
        with sqlite3.connect(path) as db:
            db.execute(f"""CREATE VIEW sneaky AS SELECT fid, geom, date, name,
                gdal_get_pixel_value('/vsicurl/http://127.0.0.1:{listener.port}/x.tif', 1, 'pixel', 0, 0) AS a,
                gdal_get_pixel_value('{secret}', 1, 'pixel', 0, 0) AS b FROM events""")
            db.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                "VALUES ('sneaky', 'features', 'sneaky', 4326)"
            )
            db.execute("INSERT INTO gpkg_geometry_columns VALUES ('sneaky', 'geom', 'POINT', 4326, 0, 0)")
            db.execute("DELETE FROM gpkg_contents WHERE table_name = 'events'")
            db.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = 'events'")
        try:
            result = read_gpkg(path.read_bytes(), LIMITS, deadline())
        except ImportRefused as refused:
            result = refused
    finally:
        listener.close()
    assert listener.connections == 0
    assert SECRET not in everything(result)


# ----------------------------------------------------------------------------------------- KML

KML_NS = "http://www.opengis.net/kml/2.2"


def placemark(coordinates="-73.8,-12.5,0", name="Pichari", when="2019-05-04", extra="", geometry=None) -> str:
    geometry = (
        geometry if geometry is not None else f"<Point><coordinates>{coordinates}</coordinates></Point>"
    )
    time = f"<TimeStamp><when>{when}</when></TimeStamp>" if when else ""
    return f"<Placemark><name>{name}</name>{time}{extra}{geometry}</Placemark>"


def kml(*placemarks: str, namespace: str | None = KML_NS, prolog: str = "") -> bytes:
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    body = "".join(placemarks) if placemarks else placemark()
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<kml{xmlns}><Document><Folder>{body}</Folder>'
        f"</Document></kml>"
    ).encode()


def kmz(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


MY_MAPS = placemark(
    name="Incautación en Callao",
    when="",
    extra=(
        "<description><![CDATA[<p>Cocaine <b>seized</b> &amp; burned</p><script>alert(1)</script>]]></description>"
        '<ExtendedData><Data name="date"><value>2019-05-04</value></Data>'
        '<Data name="fatalities"><displayName>Deaths</displayName><value>3</value></Data></ExtendedData>'
    ),
    coordinates="-77.14, -12.05, 0",
)


def test_kml001_placemarks_with_extended_data():
    data = kml(
        placemark(),
        MY_MAPS,
        placemark(
            name="Schema",
            when="2019-06-01",
            extra=(
                '<ExtendedData><SchemaData schemaUrl="#s"><SimpleData name="fatalities">1</SimpleData>'
                "</SchemaData></ExtendedData>"
            ),
        ),
    )
    result = read_kml(data, LIMITS, deadline())
    assert result.rows_read == 3 and not result.rejected
    first, my_maps, schema = (c.values for c in result.candidates)
    assert first["location"] == "Pichari" and first["event_date"] == date(2019, 5, 4)
    assert (first["longitude"], first["latitude"]) == (-73.8, -12.5)
    assert my_maps["location"] == "Incautación en Callao"
    assert my_maps["summary"] == "Cocaine seized & burned"
    assert my_maps["event_date"] == date(2019, 5, 4) and my_maps["fatalities"] == 3
    assert (my_maps["longitude"], my_maps["latitude"]) == (-77.14, -12.05)
    assert schema["fatalities"] == 1 and schema["event_date"] == date(2019, 6, 1)


@pytest.mark.parametrize(
    "namespace", [KML_NS, "http://earth.google.com/kml/2.1", "http://earth.google.com/kml/2.2", None]
)
def test_kml002_namespace_variations(namespace):
    result = read_kml(kml(placemark(), namespace=namespace), LIMITS, deadline())
    assert [c.values["location"] for c in result.candidates] == ["Pichari"]


def test_kml003_time_span_and_bad_date():
    span = placemark(when="", extra="<TimeSpan><begin>2019-05</begin><end>2019-07-31</end></TimeSpan>")
    result = read_kml(kml(span, placemark(when="someday")), LIMITS, deadline())
    values = result.candidates[0].values
    assert values["event_date"] == date(2019, 5, 1) and values["date_precision"] == "month"
    assert values["date_end"] == date(2019, 7, 31)
    assert [(p.row, p.field) for p in result.rejected] == [(2, "TimeStamp/when")]


def test_kml004_geometry_policy():
    def multi(*parts: str) -> str:
        return "<MultiGeometry>" + "".join(parts) + "</MultiGeometry>"

    pt = "<Point><coordinates>{}</coordinates></Point>"
    polygon = (
        "<Polygon><outerBoundaryIs><LinearRing><coordinates>-74,-12 -73.7,-12 -73.7,-11.7 -74,-11.7 -74,-12"
        "</coordinates></LinearRing></outerBoundaryIs></Polygon>"
    )
    data = kml(
        placemark(geometry=multi(pt.format("-73.8,-12.5"), pt.format("-73.8,-12.5,10"))),
        placemark(geometry=multi(pt.format("-73.8,-12.5"), pt.format("-74,-12"))),
        placemark(geometry=polygon),
        placemark(geometry="<LineString><coordinates>-73.8,-12.5 -77,-12</coordinates></LineString>"),
        placemark(geometry=""),
        placemark(coordinates="abc,def"),
        placemark(coordinates="-73.8"),
        placemark(coordinates="nan,-12.5"),
        placemark(coordinates="-12.5,-173.8"),
    )
    result = read_kml(data, LIMITS, deadline())
    assert result.rows_read == 9
    assert [c.row for c in result.candidates] == [1, 3, 5]
    assert {p.row for p in result.rejected} == {2, 4, 6, 7, 8, 9}
    assert all(p.field == "geometry" for p in result.rejected)
    assert result.candidates[1].values["geo_precision"] == "district"
    assert "latitude" not in result.candidates[2].values  # no geometry: the geocoder may place it by name


def test_kml005_vertex_limit_just_under_and_over():
    def polygon(x0: float) -> str:  # a closed ring of 10 positions
        ring = [(x0, -12.0), (x0 + 0.1, -12.0), (x0 + 0.1, -11.9)] + [
            (x0, -11.9 - i * 0.01) for i in range(6)
        ]
        text = " ".join(f"{x:.3f},{y:.3f}" for x, y in ring + ring[:1])
        return f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{text}</coordinates></LinearRing></outerBoundaryIs></Polygon>"

    data = kml(placemark(geometry=f"<MultiGeometry>{polygon(-74.0)}{polygon(-73.5)}</MultiGeometry>"))
    under = read_kml(data, ImportLimits(max_vertices=20), deadline())
    assert len(under.candidates) == 1 and under.candidates[0].values["geo_precision"] == "province"
    over = read_kml(data, ImportLimits(max_vertices=19), deadline())
    assert not over.candidates and SETTING_OF_LIMIT["max_vertices"] in over.rejected[0].reason


def test_kml006_row_limit_and_deadline():
    data = kml(*[placemark()] * 4)
    assert len(read_kml(data, ImportLimits(max_rows=4), deadline()).candidates) == 4
    with pytest.raises(LimitExceeded) as refused:
        read_kml(data, ImportLimits(max_rows=3), deadline())
    assert refused.value.setting == SETTING_OF_LIMIT["max_rows"]
    with pytest.raises(LimitExceeded) as late:
        read_kml(data, LIMITS, expired())
    assert late.value.setting == SETTING_OF_LIMIT["max_parse_seconds"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<kml><Document><Placemark>", "not well-formed XML"),
        (b"<notkml/>", "without a <kml> element"),
        (b"<kml><Placemark><name>&nbsp;</name></Placemark></kml>", "not well-formed XML"),
    ],
)
def test_kml007_refusals(data, reason):
    with pytest.raises(ImportRefused) as refused:
        read_kml(data, LIMITS, deadline())
    assert reason in refused.value.reason


def test_kml008_no_placemarks_is_refused_saying_so():
    with pytest.raises(ImportRefused, match="holds no placemarks"):
        read_kml(f'<kml xmlns="{KML_NS}"><Document/></kml>'.encode(), LIMITS, deadline())


def test_kml009_html_description_to_text():
    assert text_of_html("<div>One<br>two &lt;3</div><style>p{}</style><script>x()</script>") == "One\ntwo <3"


# ------------------------------------------------------------------------------- KML security


def xxe_cases(secret: Path) -> dict[str, bytes]:
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 12))
    return {
        "file": kml(
            placemark(name="&xxe;"), prolog=f'<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        ),
        "parameter": kml(prolog=f'<!DOCTYPE kml [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>'),
        "external_dtd": kml(prolog=f'<!DOCTYPE kml SYSTEM "file://{secret}">'),
        "billion_laughs": kml(placemark(name="&l11;"), prolog=f'<!DOCTYPE kml [<!ENTITY l0 "lol">{laughs}]>'),
        "quadratic": kml(placemark(name="&a;" * 5000), prolog=f'<!DOCTYPE kml [<!ENTITY a "{"x" * 5000}">]>'),
    }


@pytest.mark.parametrize("case", ["file", "parameter", "external_dtd", "billion_laughs", "quadratic"])
def test_sec001_dtd_and_entities_refused(tmp_path, case):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    data = xxe_cases(secret)[case]
    for wrapped in (data, kmz({"doc.kml": data})):
        with pytest.raises(ImportRefused) as refused:
            read_kml(wrapped, LIMITS, deadline())
        assert "DTD" in refused.value.reason
        assert SECRET not in refused.value.reason


def test_sec002_external_http_entity_never_fetched():
    listener = _Listener()
    try:
        data = kml(
            placemark(name="&x;"),
            prolog=f'<!DOCTYPE kml [<!ENTITY x SYSTEM "http://127.0.0.1:{listener.port}/x">]>',
        )
        with pytest.raises(ImportRefused):
            read_kml(data, LIMITS, deadline())
    finally:
        listener.close()
    assert listener.connections == 0


# ------------------------------------------------------------------------------------------ KMZ


def test_kmz001_reads_doc_kml_first():
    other = kml(placemark(name="Other"))
    data = kmz({"files/a.kml": other, "doc.kml": kml(placemark(name="Doc")), "files/icon.png": b"\x89PNG"})
    assert [c.values["location"] for c in read_kml(data, LIMITS, deadline()).candidates] == ["Doc"]
    assert [
        c.values["location"] for c in read_kml(kmz({"x/a.kml": other}), LIMITS, deadline()).candidates
    ] == ["Other"]


def test_kmz002_uncompressed_limit_just_under_and_over():
    data = kmz({"doc.kml": kml()}, compression=zipfile.ZIP_STORED)
    size = len(kml())
    assert len(read_kml(data, ImportLimits(max_kmz_uncompressed_bytes=size), deadline()).candidates) == 1
    with pytest.raises(LimitExceeded) as refused:
        read_kml(data, ImportLimits(max_kmz_uncompressed_bytes=size - 1), deadline())
    assert refused.value.setting == SETTING_OF_LIMIT["max_kmz_uncompressed_bytes"]


def test_kmz003_ratio_limit_just_under_and_over():
    inner = kml(placemark(extra="<!--" + " " * 20_000 + "-->"))
    data = kmz({"doc.kml": inner})
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    ratio = info.file_size / info.compress_size
    assert ratio > 10
    accepted = read_kml(data, ImportLimits(max_kmz_ratio=int(ratio) + 1), deadline())
    assert len(accepted.candidates) == 1
    with pytest.raises(LimitExceeded) as refused:
        read_kml(data, ImportLimits(max_kmz_ratio=int(ratio)), deadline())
    assert refused.value.setting == SETTING_OF_LIMIT["max_kmz_ratio"]


def test_sec003_zip_bomb_refused_with_setting():
    bomb = kmz({"doc.kml": b"<kml>" + b" " * 50_000_000 + b"</kml>"})
    assert len(bomb) < 100_000
    with pytest.raises(LimitExceeded) as refused:
        read_kml(bomb, LIMITS, deadline())
    assert refused.value.setting in refused.value.reason
    assert refused.value.setting in (
        SETTING_OF_LIMIT["max_kmz_ratio"],
        SETTING_OF_LIMIT["max_kmz_uncompressed_bytes"],
    )
    small = ImportLimits(max_kmz_ratio=10**6, max_kmz_uncompressed_bytes=1_000_000)
    with pytest.raises(LimitExceeded) as by_size:
        read_kml(bomb, small, deadline())
    assert by_size.value.setting == SETTING_OF_LIMIT["max_kmz_uncompressed_bytes"]


def _set_declared_size(data: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size a ZIP declares for its only member (local and central headers)."""
    patched = bytearray(data)
    local = patched.find(b"PK\x03\x04")
    patched[local + 22 : local + 26] = struct.pack("<I", size)
    central = patched.find(b"PK\x01\x02")
    patched[central + 24 : central + 28] = struct.pack("<I", size)
    return bytes(patched)


def test_sec004_lying_zip_header_refused():
    inner = kml(*[placemark()] * 50)
    liar = _set_declared_size(kmz({"doc.kml": inner}), 100)
    with pytest.raises(ImportRefused) as refused:
        read_kml(liar, ImportLimits(max_kmz_uncompressed_bytes=len(inner) - 1), deadline())
    assert "KMZ" in refused.value.reason


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04" + bytes(60), kmz({"doc.kml": kml()})[:-30], kmz({"readme.txt": b"hello"})]
)
def test_kmz004_damaged_or_empty_archives_refused(data):
    with pytest.raises(ImportRefused) as refused:
        read_kml(data, LIMITS, deadline())
    assert len(refused.value.reason) >= 10


def test_geo100_projected_xy_attributes_do_not_reject_a_feature_with_geometry():
    """UTM x/y columns beside a WGS84 geometry: the geometry places the row, the columns are not read."""
    from dashboard.data.imports.pipeline import import_bytes

    collection = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [-73.8, -12.5]},
        "properties": {"date": "2019-05-04", "type": "seizure", "name": "Pichari", "x": 612345.0, "y": 8612345.0}}]}
    report = import_bytes(json.dumps(collection).encode(), "utm-columns.geojson").report
    assert (report.read, report.accepted, report.rejected_rows) == (1, 1, 0)
