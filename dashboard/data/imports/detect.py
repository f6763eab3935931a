"""Which reader a file needs, decided from its bytes alone (never from its name).

A name can lie and a browser sends whatever the user picked, so the first bytes decide. Formats
that point to other files or URLs (GDAL VRT, OGR VRT) are refused here, before any library that
would follow those references sees them.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

from .base import Format, ImportRefused

SQLITE_HEADER = b"SQLite format 3\x00"
# GeoPackage 1.0 wrote 'GP10', 1.1 'GP11', 1.2 and later 'GPKG' (big-endian application_id at 68).
GEOPACKAGE_APPLICATION_IDS = (b"GPKG", b"GP10", b"GP11")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
SNIFF_BYTES = 65536

FORCEABLE: dict[str, Format] = {
    "acled": Format.ACLED,
    "ucdp": Format.UCDP,
    "csv": Format.CSV,
    "geojson": Format.GEOJSON,
    "gpkg": Format.GPKG,
    "kml": Format.KML,
    "kmz": Format.KML,  # a KMZ is zipped KML; the KML reader opens both
    "parquet": Format.PARQUET,
    "xlsx": Format.XLSX,
}
# How the upload panel names each format a user can force (proper names, the same in every language).
FORMAT_NAMES: dict[Format, str] = {
    Format.ACLED: "ACLED", Format.UCDP: "UCDP GED", Format.CSV: "CSV / TSV", Format.GEOJSON: "GeoJSON",
    Format.GPKG: "GeoPackage", Format.KML: "KML / KMZ", Format.PARQUET: "Parquet",
    Format.XLSX: "Excel (XLSX)",
}
PARQUET_MAGIC = b"PAR1"

# Binary formats we do not read, by their magic bytes, with what to tell the user.
BINARY_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip-compressed file; uncompress it first"),
    (b"BZh", "a bzip2-compressed file; uncompress it first"),
    (b"\xfd7zXZ\x00", "an xz-compressed file; uncompress it first"),
    (b"(\xb5/\xfd", "a zstd-compressed file; uncompress it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (XLS/DOC); save it as CSV"),
    (b"\x00\x00\x27\x0a", "an ESRI shapefile (.shp); convert it to GeoPackage or GeoJSON"),
    (b"fgb\x03", "a FlatGeobuf file; convert it to GeoPackage or GeoJSON"),
    (b"ARROW1", "an Arrow file; export it as CSV"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"MZ\x90\x00", "a Windows program"),
    (b"\xca\xfe\xba\xbe", "a program (Mach-O or Java class)"),
    (b"\xcf\xfa\xed\xfe", "a program (Mach-O)"),
)

# Root elements of XML documents we refuse, with why.
REFUSED_XML_ROOTS = {
    "vrtdataset": "a GDAL raster VRT, which points to other files or URLs; such references are "
    "refused because they could read files on the server or the network",
    "ogrvrtdatasource": "an OGR virtual (VRT) data source, which points to other files or URLs; such "
    "references are refused because they could read files on the server or the "
    "network",
    "html": "a web page (HTML), not data",
    "gpx": "a GPX track; convert it to KML or GeoJSON",
    "svg": "an SVG image",
}

_ROOT_ELEMENT = re.compile(r"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_GEOJSON_TYPE = re.compile(r'"type"\s*:\s*"(FeatureCollection|Feature)"')
_CSV_DELIMITERS = (",", ";", "\t", "|")
_JSON_KEY = re.compile(r'"([^"\\]{1,64})"\s*:')  # the keys among a JSON file's first bytes


def is_geopackage(data: bytes) -> bool:
    """True for an SQLite database that declares itself a GeoPackage (application_id)."""
    return data.startswith(SQLITE_HEADER) and data[68:72] in GEOPACKAGE_APPLICATION_IDS


def detect_format(data: bytes) -> Format:
    """Choose the reader for a file from its content.

    Parameters
    ----------
    data
        The whole file.

    Returns
    -------
    Format
        The reader to use. CSV text is ACLED or UCDP when its first row matches their layout;
        JSON is GeoJSON, or ACLED when its first record has ACLED's columns (the API's output).

    Raises
    ------
    ImportRefused
        For an empty file, a binary or XML format we do not read, a ZIP without KML, JSON that is
        neither GeoJSON nor ACLED's, or an SQLite database that is not a GeoPackage; the reason
        names what the file looks like.
    """
    if not data.strip():
        raise ImportRefused("the file is empty")
    if data.startswith(SQLITE_HEADER):
        if is_geopackage(data):
            return Format.GPKG
        raise ImportRefused("an SQLite database that is not a GeoPackage (no 'GPKG' application id)")
    if data.startswith(ZIP_MAGICS):
        return _zip_format(data)
    if data.startswith(PARQUET_MAGIC):
        if data.endswith(PARQUET_MAGIC):
            return Format.PARQUET
        raise ImportRefused("a Parquet file cut short (it does not end with its footer)")
    for magic, looks_like in BINARY_MAGICS:
        if data.startswith(magic):
            raise ImportRefused(f"this looks like {looks_like}, not a file of events")
    text = _sniff_text(data[:SNIFF_BYTES])
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return _xml_format(stripped)
    if stripped.startswith(("{", "[")):
        return _json_format(stripped)
    return _csv_format(stripped)


def _json_format(text: str) -> Format:
    """GeoJSON by its "type"; the JSON of ACLED's API by the ACLED columns among its first keys."""
    if _GEOJSON_TYPE.search(text):
        return Format.GEOJSON
    from .acled import matches_acled_header

    if matches_acled_header(_JSON_KEY.findall(text)):
        return Format.ACLED
    raise ImportRefused('a JSON file that is not GeoJSON (no "type": "FeatureCollection" or "Feature") '
                        "and not an ACLED API response (no record with ACLED's columns)")


def _zip_format(data: bytes) -> Format:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [info.filename for info in archive.infolist()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise ImportRefused(f"a damaged ZIP archive ({type(error).__name__})") from None
    if any(name.lower().endswith(".kml") for name in names):
        return Format.KML
    if "xl/workbook.xml" in names:
        return Format.XLSX
    if any(name.startswith(("word/", "ppt/")) for name in names) or "mimetype" in names:
        raise ImportRefused("an office document in a ZIP archive, not a file of events")
    raise ImportRefused("a ZIP archive without a .kml inside (a KMZ must hold a .kml file)")


def _sniff_text(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
    if b"\x00" in head:
        raise ImportRefused("a binary file of a kind this importer does not read (it contains NUL bytes)")
    return head.decode("utf-8-sig", errors="replace")


def _xml_format(text: str) -> Format:
    root = _root_element(text)
    if root == "kml":
        return Format.KML
    if root in REFUSED_XML_ROOTS:
        raise ImportRefused(f"this is {REFUSED_XML_ROOTS[root]}")
    if root:
        raise ImportRefused(f"an XML document whose root is <{root[:40]}>, not KML")
    raise ImportRefused("text starting with '<' that is not a KML document")


def _root_element(text: str) -> str:
    """Local name of the first element, skipping the XML declaration, comments and DOCTYPE."""
    position = 0
    while True:
        position = text.find("<", position)
        if position < 0:
            return ""
        if text.startswith("<!--", position):
            position = text.find("-->", position)
        elif text.startswith("<!DOCTYPE", position) or text.startswith("<!doctype", position):
            # an internal subset may hold '<!ENTITY …>' declarations; skip to its end
            bracket, close = text.find("[", position), text.find(">", position)
            if 0 <= bracket < close:
                position = text.find("]", bracket)
            else:
                position = close
        elif text.startswith(("<?", "<!"), position):
            position = text.find(">", position)
        else:
            match = _ROOT_ELEMENT.match(text, position)
            return match[2].lower() if match else ""
        if position < 0:
            return ""
        position += 1


def _csv_format(text: str) -> Format:
    first_line = text.splitlines()[0] if text else ""
    delimiter = max(_CSV_DELIMITERS, key=first_line.count)
    try:
        fields = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    except csv.Error:
        fields = first_line.split(delimiter)
    fields = [field.strip() for field in fields]
    from .acled import matches_acled_header
    from .ucdp import matches_ucdp_row

    if matches_acled_header(fields):
        return Format.ACLED
    if matches_ucdp_row(fields):
        return Format.UCDP
    return Format.CSV
