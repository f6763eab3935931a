"""A hostile corpus, generated here: every file gets a clear report and leaves no debris.

For each file: no unhandled exception; either a refusal with a reason or a report whose every
rejected row names its row, field and reason; a dataset folder only when rows were accepted,
and then a complete, loadable one; no temporary files left in the data directory or in the
system's temp directory.
"""

from __future__ import annotations

import csv
import io
import json
import random
import tempfile
import zipfile
from pathlib import Path

import pytest

from dashboard.data.datasets import DatasetRepository, import_into
from dashboard.data.imports.base import ImportLimits

LIMITS = ImportLimits(max_upload_bytes=2_000_000, max_rows=5_000, max_fields_per_row=60, max_field_chars=2_000,
                      max_vertices=200, max_kmz_uncompressed_bytes=1_000_000, max_kmz_ratio=50,
                      max_parse_seconds=20)
SECRET = "TOP-SECRET-CANARY-7f3a"

ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,"
    "admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,"
    "tags,timestamp").split(",")
UCDP_HEADER = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,conflict_name,"
    "dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,side_b_dset_id,side_b_new_id,"
    "side_b,number_of_sources,source_article,source_office,source_date,source_headline,source_original,"
    "where_prec,where_coordinates,where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,"
    "country,country_id,region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,"
    "deaths_civilians,deaths_unknown,best,high,low,gwnoa,gwnob").split(",")


def _csv(header: list[str], rows: list[list[object]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def acled(lat="-12.5", lon="-73.8", day="2017-03-18", notes="Generated row", rows=3) -> bytes:
    values = []
    for i in range(rows):
        row = dict.fromkeys(ACLED_HEADER, "")
        row.update(event_id_cnty=f"PER{9000 + i}", event_date=day, year="2017", time_precision="1",
                   event_type="Battles", sub_event_type="Armed clash", actor1="Military Forces of Peru",
                   inter1="1", actor2="Shining Path", inter2="2", iso="604", country="Peru",
                   admin1="Ayacucho", location="Llochegua", latitude=lat, longitude=lon, geo_precision="1",
                   source="Test", notes=notes, fatalities="0", timestamp="1700000000")
        values.append([row[c] for c in ACLED_HEADER])
    return _csv(ACLED_HEADER, values)


def ucdp(header=True, lat="-12.5", lon="-73.8") -> bytes:
    row = dict.fromkeys(UCDP_HEADER, "")
    row.update(id="123456", relid="PER-2008-1-1-1", year="2008", active_year="1", code_status="Clear",
               type_of_violence="1", conflict_name="Peru: Government", side_a="Government of Peru",
               side_b="Sendero Luminoso", where_prec="1", where_coordinates="Vizcatán", latitude=lat,
               longitude=lon, country="Peru", country_id="135", region="Americas", date_prec="1",
               date_start="2008-10-09", date_end="2008-10-09", best="19", high="19", low="19",
               source_article="Test", gwnoa="135")
    text = _csv(UCDP_HEADER, [[row[c] for c in UCDP_HEADER]])
    return text if header else text.split(b"\n", 1)[1]


def generic(delimiter=",", lat="-12.5", lon="-73.8", day="2019-05-04", location="Pichari") -> bytes:
    return _csv(["date", "type", "location", "lat", "lon", "source_url"],
                [[day, "seizure", location, lat, lon, "https://example.org/x"]] * 3, delimiter)


def geojson(lon=-73.8, lat=-12.5, geometry=None) -> bytes:
    feature = {"type": "Feature", "properties": {"date": "2019-05-04", "type": "seizure", "name": "Pichari"},
               "geometry": geometry or {"type": "Point", "coordinates": [lon, lat]}}
    return json.dumps({"type": "FeatureCollection", "features": [feature] * 2}, allow_nan=True).encode()


def kml(coordinates="-73.8,-12.5,0", extra="") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{extra}<kml xmlns="http://www.opengis.net/kml/2.2">'
            f"<Document><Placemark><name>Pichari</name><TimeStamp><when>2019-05-04</when></TimeStamp>"
            f"<Point><coordinates>{coordinates}</coordinates></Point></Placemark></Document></kml>").encode()


def kmz(inner: bytes, name="doc.kml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, inner)
    return buffer.getvalue()


def gpkg(tmp: Path, broken: bool = False) -> bytes:
    import geopandas as gpd
    import shapely

    path = tmp / f"layer-{'broken' if broken else 'good'}.gpkg"
    path.unlink(missing_ok=True)
    frame = gpd.GeoDataFrame({"date": ["2019-05-04"] * 3, "type": ["seizure"] * 3, "name": ["Pichari"] * 3},
                             geometry=[shapely.Point(-73.8, -12.5)] * 3, crs="EPSG:4326")
    frame.to_file(path, driver="GPKG", layer="events")
    if broken:
        import sqlite3
        with sqlite3.connect(path) as db:  # the R-tree triggers need SpatiaLite: drop them first
            for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                db.execute(f'DROP TRIGGER "{trigger}"')
            db.execute("UPDATE events SET geom = X'47500003DEADBEEF' WHERE fid = 2")
    return path.read_bytes()


def base_files(tmp: Path) -> dict[str, bytes]:
    return {
        "acled.csv": acled(), "ucdp.csv": ucdp(), "ucdp_noheader.csv": ucdp(header=False),
        "generic.csv": generic(), "generic.tsv": generic("\t"), "generic_semicolon.csv": generic(";"),
        "events.geojson": geojson(), "events.kml": kml(), "events.kmz": kmz(kml()),
        "events.gpkg": gpkg(tmp),
    }


def mutations(name: str, data: bytes, rng: random.Random) -> dict[str, bytes]:
    """Ways a real file goes wrong, applied to one good file."""
    out = {
        f"{name}.truncated10": data[: len(data) // 10],
        f"{name}.truncated50": data[: len(data) // 2],
        f"{name}.truncated90": data[: len(data) * 9 // 10],
        f"{name}.bom_twice": b"\xef\xbb\xbf\xef\xbb\xbf" + data,
        f"{name}.utf16": data.decode("utf-8", "replace").encode("utf-16"),
        f"{name}.utf16_no_bom": data.decode("utf-8", "replace").encode("utf-16-le"),
        f"{name}.latin1": data.decode("utf-8", "replace").replace("Vizcatán", "Vizcat\u00e1n").encode(
            "latin-1", "replace"),
        f"{name}.nul_bytes": data.replace(b",", b"\x00,", 3),
        f"{name}.crlf": data.replace(b"\n", b"\r\n"),
        f"{name}.cr_only": data.replace(b"\n", b"\r"),
        f"{name}.mixed_delimiters": data.replace(b",", b";", 5),
        f"{name}.doubled": data + data,
        f"{name}.trailing_garbage": data + bytes(rng.randrange(256) for _ in range(64)),
        f"{name}.gzip_prefix": b"\x1f\x8b\x08\x00" + data,
        f"{name}.quote_unclosed": data.replace(b"\n", b'\n"', 2),
    }
    for flip in range(12):
        corrupted = bytearray(data)
        for _ in range(1 + flip):
            corrupted[rng.randrange(len(corrupted))] = rng.randrange(256)
        out[f"{name}.flip{flip}"] = bytes(corrupted)
    return out


def special_files(tmp: Path) -> dict[str, bytes]:
    secret = tmp / "secret.txt"
    secret.write_text(SECRET)
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 12))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", b"<kml>" + b" " * 20_000_000 + b"</kml>")
    files = {
        "empty.csv": b"",
        "whitespace.csv": b"  \n\n \t\n",
        "header_only.csv": ACLED_HEADER[0].encode() + b"," + ",".join(ACLED_HEADER[1:]).encode() + b"\n",
        "png_named_csv.csv": b"\x89PNG\r\n\x1a\n" + bytes(200),
        "pdf_named_kml.kml": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n",
        "zip_without_kml.kmz": kmz(b"hello", name="readme.txt"),
        "xlsx_named_csv.csv": kmz(b"<xml/>", name="xl/workbook.xml"),
        "elf.csv": b"\x7fELF\x02\x01\x01" + bytes(100),
        "vrt.geojson": b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/vsicurl/http://example.org/x.csv'
                       b"</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>",
        "vrt_raster.xml": b'<VRTDataset rasterXSize="1" rasterYSize="1"></VRTDataset>',
        "sqlite_not_gpkg.gpkg": b"SQLite format 3\x00" + bytes(200),
        "xxe_file.kml": kml(coordinates="&xxe;", extra=f'<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file://{secret}">]>'),
        "xxe_param.kml": kml(extra=f'<!DOCTYPE kml [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>'),
        "xxe_http.kml": kml(extra='<!DOCTYPE kml [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>'),
        "billion_laughs.kml": kml(coordinates="&l11;", extra=f'<!DOCTYPE kml [<!ENTITY l0 "lol">{laughs}]>'),
        "zip_bomb.kmz": bomb.getvalue(),
        "kmz_with_xxe.kmz": kmz(kml(coordinates="&xxe;",
                                    extra=f'<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file://{secret}">]>')),
        "gpkg_broken_geometry.gpkg": gpkg(tmp, broken=True),
        "gpkg_truncated.gpkg": gpkg(tmp)[:4096],
        "json_not_geojson.geojson": b'{"hello": "world"}',
        "json_array.geojson": b"[1, 2, 3]",
        "json_deep.geojson": b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "features_not_list.geojson": b'{"type": "FeatureCollection", "features": {"a": 1}}',
        "geojson_null_geometry.geojson": geojson(geometry={"type": "Point", "coordinates": None}),
        "geojson_polygon_huge.geojson": geojson(geometry={"type": "Polygon", "coordinates": [
            [[-73.0 + i * 1e-4, -12.0] for i in range(1000)] + [[-73.0, -12.0]]]}),
        "geojson_nan.geojson": geojson(lon=float("nan"), lat=float("inf")),
        "geojson_out_of_range.geojson": geojson(lon=500.0, lat=-300.0),
        "kml_no_placemarks.kml": b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>',
        "kml_bad_coordinates.kml": kml(coordinates="abc,def"),
        "kml_many_vertices.kml": kml(coordinates=" ".join(f"-73.{i:04d},-12.5" for i in range(500))),
        "huge_field.csv": generic(location="x" * 5000),
        "many_columns.csv": b",".join(f"c{i}".encode() for i in range(500)) + b"\n" + b"1," * 499 + b"1\n",
        "one_long_line.csv": b"date,lat,lon," + b"a" * 1_000_000,
        "over_upload_limit.csv": generic() + b"#" * 2_000_001,
        "too_many_rows.csv": b"date,lat,lon,location\n" + b"2019-01-01,-12.5,-73.8,Pichari\n" * 5_001,
        "nan_inf.csv": generic(lat="nan", lon="inf"),
        "out_of_range.csv": generic(lat="-95", lon="200"),
        "swapped.csv": generic(lat="-73.8", lon="-12.5"),
        "swapped_impossible.csv": generic(lat="-173.8", lon="-12.5"),
        "bad_date.csv": generic(day="31/02/2020"),
        "future_date.csv": generic(day="2099-01-01"),
        "formula_text.csv": generic(location='=HYPERLINK("http://evil.example","x")'),
        "formula_date.csv": generic(day="=1+1"),
        "acled_nan.csv": acled(lat="NaN", lon="-inf"),
        "acled_text_date.csv": acled(day="18 Marchember 2017"),
        "acled_formula_notes.csv": acled(notes="@SUM(1+1)*cmd|' /C calc'!A0"),
        "acled_no_rows.csv": acled(rows=0),
        "ucdp_bad_coordinates.csv": ucdp(lat="x", lon="y"),
        "no_coordinates_unknown_place.csv": _csv(["date", "location"], [["2019-01-01", "Atlantis"]]),
        "no_coordinates_no_place.csv": _csv(["date", "type"], [["2019-01-01", "seizure"]]),
        "only_delimiters.csv": b",,,,\n,,,,\n",
        "binary_random.csv": bytes(random.Random(7).randrange(256) for _ in range(4096)),
        "html_named_csv.csv": b"<!DOCTYPE html><html><body>not data</body></html>",
        "geojson_huge_integer.geojson": geojson().replace(b"-73.8", b"1" + b"0" * 400),
        "kml_bow_tie_areas.kml": kml().replace(
            b"<Point><coordinates>-73.8,-12.5,0</coordinates></Point>",
            b"<MultiGeometry>" + b"".join(
                b"<Polygon><outerBoundaryIs><LinearRing><coordinates>" + ring + b"</coordinates></LinearRing>"
                b"</outerBoundaryIs></Polygon>" for ring in (b"0,0 1,1 1,0 0,1 0,0", b"0.5,0 1.5,1 1.5,0 0.5,1 0.5,0"))
            + b"</MultiGeometry>"),
        "kml_unknown_encoding.kml": kml().replace(b'encoding="UTF-8"', b'encoding="latin-9x"'),
        "kml_utf32_declared.kml": kml().replace(b'encoding="UTF-8"', b'encoding="utf-32"'),
    }
    return files


def build_corpus(tmp: Path) -> dict[str, bytes]:
    rng = random.Random(20261126)
    corpus = {}
    for name, data in base_files(tmp).items():
        corpus[name] = data
        corpus.update(mutations(name, data, rng))
    corpus.update(special_files(tmp))
    return corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, bytes]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def test_hst000_corpus_is_large_enough(corpus):
    assert len(corpus) >= 300


def test_hst001_every_file_reported_nothing_partial_nothing_left(corpus, tmp_path, monkeypatch):
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    failures = []
    for name, data in sorted(corpus.items()):
        data_dir = tmp_path / "instances" / name.replace("/", "_")
        repository = DatasetRepository(data_dir)
        try:
            report = import_into(repository, data, name, limits=LIMITS)
        except Exception as error:  # noqa: BLE001 - the point of the test is that none escape
            failures.append(f"{name}: unhandled {type(error).__name__}: {error}")
            continue
        problems = _check(name, report, repository, data_dir)
        failures.extend(problems)
        leftovers = list(system_temp.iterdir())
        if leftovers:
            failures.append(f"{name}: temp files left: {[p.name for p in leftovers]}")
            for path in leftovers:
                path.unlink() if path.is_file() else None
    assert not failures, "\n".join(failures[:40])


def _check(name: str, report, repository: DatasetRepository, data_dir: Path) -> list[str]:
    problems = []
    as_text = json.dumps(report.to_dict(), ensure_ascii=False)
    if SECRET in as_text:
        problems.append(f"{name}: a file's content leaked into the report")
    if report.refused:
        if len(report.refused) < 10:
            problems.append(f"{name}: refusal without a reason: {report.refused!r}")
    for problem in report.rejected:
        if not (isinstance(problem.row, int) and problem.field and len(problem.reason) >= 5):
            problems.append(f"{name}: vague rejection {problem}")
    if report.read and report.accepted + report.rejected_rows > report.read:
        problems.append(f"{name}: accepted {report.accepted} + rejected {report.rejected_rows} > read {report.read}")
    if report.read > 0 and not report.refused and report.accepted + report.rejected_rows != report.read:
        problems.append(f"{name}: {report.read - report.accepted - report.rejected_rows} rows neither "
                        "accepted nor rejected (silently dropped)")
    stored = repository.list()
    if report.imported:
        if [m.dataset_id for m in stored] != [report.dataset_id]:
            problems.append(f"{name}: accepted rows but stored {stored}")
        else:
            loaded = repository.load_events(report.dataset_id)
            if len(loaded) != report.accepted:
                problems.append(f"{name}: stored {len(loaded)} rows, report says {report.accepted}")
            if SECRET in loaded.to_json():
                problems.append(f"{name}: a file's content leaked into stored rows")
    elif stored or ((data_dir / "datasets").is_dir() and any((data_dir / "datasets").iterdir())):
        problems.append(f"{name}: nothing accepted but something stored")
    if data_dir.exists():
        debris = [p.name for p in data_dir.iterdir() if p.name != "datasets"]
        if debris:
            problems.append(f"{name}: debris in the data directory: {debris}")
    return problems
