"""Readers for GeoJSON and GeoPackage files, and the geometry policy every geo reader shares.

Geometry policy (also used by the KML reader):

* **Point** — its coordinates, as given.
* **MultiPoint** — accepted when all its points coincide (one place, written as a MultiPoint by a
  GIS); rejected when they differ, because one event needs one place: splitting it into several
  events would multiply its fatalities and seizures, and a centroid of scattered points can lie
  anywhere (often at sea).
* **Polygon / MultiPolygon** — an area stands for "somewhere in here": the row is kept at a point
  guaranteed to lie inside the area (``point_on_surface``, unlike a centroid which can fall
  outside a concave shape), with a ``geo_precision`` as coarse as the area's extent and a warning.
* **LineString / MultiLineString / GeometryCollection** — rejected: a line (typically a route)
  has no single event place, and a mixed collection has no defined one.
* More vertices than ``max_vertices`` — the row is rejected, naming the setting.
* A coordinate that is NaN, infinite or off the globe — the row is rejected (field ``geometry``).

A GeoJSON feature whose geometry is ``null`` keeps its properties only (the normaliser may then
geocode its place name). A GeoPackage feature without a readable geometry is rejected: GDAL
reports an empty and a damaged geometry blob the same way, and a damaged one must not be
silently geocoded.

Attributes: GIS users convert UCDP GED and ACLED exports to GeoJSON or GeoPackage and keep their
columns. When a layer's property names are GED's (:func:`~.ucdp.matches_ged_columns`) or
ACLED's (:func:`~.acled.matches_acled_header`), its rows are mapped exactly as the CSV of that
source; any other layer is read by the usual column names (:mod:`.columns`). A feature's own id
(GeoJSON ``id``, GeoPackage ``fid``, KML ``<Placemark id>``) is kept as its source id when no
attribute gives one.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import numpy as np
import shapely
import shapely.errors
import shapely.geometry
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from .acled import acled_values, matches_acled_header
from .base import (
    SETTING_OF_LIMIT,
    Candidate,
    Deadline,
    Format,
    ImportLimits,
    ImportRefused,
    LimitExceeded,
    ReadResult,
    RowProblem,
)
from .columns import candidate_values_from_fields, field_for_column, too_long_reason
from .detect import is_geopackage
from .ucdp import (
    GED_CORE_COLUMNS,
    column_name,
    column_names,
    matches_ged_columns,
    missing_ged_columns,
    ucdp_values,
)
from .values import decide_date_order, decode_text

CHECK_EVERY = 200
WGS84_EPSG = 4326

# GDAL must never reach the network or files outside the upload while reading it. Set before
# every read (they are process-wide config options, and cheap to set):
GDAL_NETWORK_OFF = {
    # /vsicurl/ (and the cloud handlers built on it) only open names with these extensions;
    # no real file ends like this, so every network path fails before a connection is made.
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".rutas-network-disabled",
    # never list a (remote or local) directory to look for side-car files
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    # SQLite/GPKG SQL functions that open other datasets (gdal_get_pixel_value, VirtualOGR) stay
    # off, so a view in a hostile GeoPackage cannot read a server file or a URL
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    # should anything still try HTTP (a driver using CPLHTTPFetch, such as WFS, ignores the
    # extension list): send it through a proxy on a closed local port, so it fails at once
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTPS_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    # PROJ (inside GDAL) must not download transformation grids
    "PROJ_NETWORK": "OFF",
}

# An area's longest side (degrees) -> the precision a point inside it can claim.
AREA_PRECISION = ((0.05, "town"), (0.5, "district"), (2.0, "province"), (8.0, "region"))

_EPSG_NAME = re.compile(
    r"^(?:EPSG:+|urn:ogc:def:crs:EPSG:[\d.]*:|https?://www\.opengis\.net/def/crs/EPSG/[\d.]+/)(\d{4,6})$",
    re.IGNORECASE,
)
_CRS84_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:ogc::crs84",
    "crs84",
    "ogc:crs84",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84",
}


class RowRejected(Exception):  # noqa: N818 - control flow: one row is rejected, not an error
    """One row cannot be used; ``field`` and ``reason`` go to the report."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Place:
    """Where a geometry puts an event, in WGS84, and how precisely (None: as given)."""

    latitude: float
    longitude: float
    geo_precision: str | None = None
    warning: str | None = None


def wgs84_transformer(crs: CRS | None) -> Transformer | None:
    """A transformer to longitude/latitude, or None when ``crs`` already is WGS84 (or unknown)."""
    if (
        crs is None
        or crs.to_epsg() == WGS84_EPSG
        or crs.equals(CRS.from_epsg(WGS84_EPSG), ignore_axis_order=True)
    ):
        return None
    return Transformer.from_crs(crs, CRS.from_epsg(WGS84_EPSG), always_xy=True)


def place_of_geometry(
    geometry: shapely.Geometry | None, limits: ImportLimits, transformer: Transformer | None = None
) -> Place:
    """Apply the geometry policy of this module to one geometry.

    Parameters
    ----------
    geometry
        In the file's CRS, x = easting/longitude.
    limits
        ``max_vertices`` bounds the geometry's size.
    transformer
        From the file's CRS to WGS84 longitude/latitude (``always_xy``); None when WGS84.

    Raises
    ------
    RowRejected
        With field ``geometry`` when the policy rejects it.
    """
    if geometry is None:
        raise RowRejected("geometry", "no readable geometry (missing or damaged)")
    vertices = int(shapely.get_num_coordinates(geometry))
    check_vertices(vertices, limits)
    if geometry.is_empty:
        raise RowRejected("geometry", "the geometry is empty")
    if not np.isfinite(shapely.get_coordinates(geometry)).all():
        raise RowRejected("geometry", "a coordinate is not a finite number (NaN or infinity)")
    kind = geometry.geom_type
    precision = warning = None
    if kind == "Point":
        x, y = geometry.x, geometry.y
    elif kind == "MultiPoint":
        distinct = {(point.x, point.y) for point in geometry.geoms}
        if len(distinct) > 1:
            raise RowRejected(
                "geometry",
                f"a MultiPoint with {len(distinct)} different points: one event "
                "needs one place — split it into Point features",
            )
        x, y = distinct.pop()
    elif kind in ("Polygon", "MultiPolygon"):
        try:
            inside = (geometry if geometry.is_valid else shapely.make_valid(geometry)).point_on_surface()
        except shapely.errors.GEOSException as error:
            raise RowRejected("geometry", f"the {kind} is not a valid area: {str(error)[:120]}") from None
        x, y = inside.x, inside.y
        precision = _area_precision(geometry, transformer)
        warning = (
            f"a {kind}, not a point: placed at a point inside it, with geo_precision "
            f"'{precision}' (the area's size)"
        )
    elif kind in ("LineString", "MultiLineString", "LinearRing"):
        raise RowRejected(
            "geometry", f"a {kind} (such as a route) has no single event place; give each event as a Point"
        )
    else:
        raise RowRejected("geometry", f"a {kind} has no single event place; give each event as a Point")
    longitude, latitude = _to_wgs84(x, y, transformer)
    return Place(latitude, longitude, precision, warning)


def check_vertices(count: int, limits: ImportLimits) -> None:
    """Reject a geometry with more vertices than ``limits.max_vertices``."""
    if count > limits.max_vertices:
        raise RowRejected(
            "geometry",
            f"{count:,} vertices, more than the {limits.max_vertices:,} allowed "
            f"(limit set by {SETTING_OF_LIMIT['max_vertices']})",
        )


def _to_wgs84(x: float, y: float, transformer: Transformer | None) -> tuple[float, float]:
    longitude, latitude = transformer.transform(x, y) if transformer else (x, y)
    longitude, latitude = float(longitude), float(latitude)
    if not (math.isfinite(longitude) and math.isfinite(latitude)):
        raise RowRejected("geometry", f"{x:g},{y:g} cannot be converted to longitude/latitude")
    if not -180 <= longitude <= 180:
        raise RowRejected("geometry", f"longitude {longitude:g} is outside -180..180")
    if not -90 <= latitude <= 90:
        raise RowRejected("geometry", f"latitude {latitude:g} is outside -90..90")
    return longitude, latitude


def _area_precision(geometry: shapely.Geometry, transformer: Transformer | None) -> str:
    min_x, min_y, max_x, max_y = geometry.bounds
    if transformer:
        xs, ys = transformer.transform([min_x, min_x, max_x, max_x], [min_y, max_y, min_y, max_y])
        min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    span = max(max_x - min_x, max_y - min_y)
    for largest, precision in AREA_PRECISION:
        if span <= largest:
            return precision
    return "country"


class AttributeLayout(StrEnum):
    """Whose columns a layer's attributes are, which decides how they are mapped."""

    UCDP = "UCDP GED"
    ACLED = "ACLED"
    GENERIC = "generic"


FieldValues = tuple[dict[str, object], list[tuple[str, str]]]
FEATURE_ID_FIELD = "feature id"  # the field a report names for a feature's own id


@dataclass(frozen=True)
class AttributeMapper:
    """Maps one feature's attributes to candidate values, the way its layout needs."""

    layout: AttributeLayout
    limits: ImportLimits
    day_first: bool = True  # for a generic layer's numeric dates (GED and ACLED write ISO dates)

    def values(self, fields: Mapping[str, object]) -> FieldValues:
        """Candidate values and ``(field, reason)`` problems of one feature's attributes."""
        if self.layout is AttributeLayout.GENERIC:
            return candidate_values_from_fields(fields, self.limits, day_first=self.day_first)
        by_name = _by_column_name(fields)
        values, problems = (ucdp_values if self.layout is AttributeLayout.UCDP else acled_values)(by_name, self.limits)
        # as in a CSV, the length limit holds for every attribute, the unused ones too
        reported = {name for name, _ in problems}
        problems.extend((name, too_long_reason(len(value), self.limits))
                        for name, value in by_name.items()
                        if name not in reported and isinstance(value, str)
                        and len(value.strip()) > self.limits.max_field_chars)
        return values, problems


def _by_column_name(fields: Mapping[str, object]) -> dict[str, object]:
    """Attributes keyed as GED's and ACLED's readers expect: lower case, stripped, no BOM."""
    return {column_name(str(name)): value for name, value in fields.items()}


def attribute_mapper(
    names: Iterable[str], limits: ImportLimits, values_of: Callable[[str], Iterable[object]]
) -> tuple[AttributeMapper, list[RowProblem]]:
    """The mapper for a layer whose attributes are ``names``, and what the report should say.

    Parameters
    ----------
    names
        Every attribute name of the layer (for GeoJSON, of any feature).
    limits
        Passed on to the value readers.
    values_of
        The values of one attribute over all features: a generic layer's date order (day or
        month first) is decided from its date attributes only, never from notes.

    Returns
    -------
    mapper, notes
        A GED or ACLED layer is mapped as that source's CSV and noted once for the file; a layer
        that has ``type_of_violence`` but not all of GED's core columns is read as a generic
        file, and the note names the missing columns. A doubtful date order is noted once.
    """
    names = [str(name) for name in names]
    if matches_acled_header(names):
        layout, notes = AttributeLayout.ACLED, [_layout_note(AttributeLayout.ACLED)]
    elif matches_ged_columns(names):
        layout, notes = AttributeLayout.UCDP, [_layout_note(AttributeLayout.UCDP)]
    else:
        layout, notes = AttributeLayout.GENERIC, []
        if "type_of_violence" in column_names(names):
            missing = ", ".join(missing_ged_columns(names))
            notes.append(RowProblem(0, "file", f"the attributes look like UCDP GED but lack {missing} "
                                               f"(GED needs {', '.join(sorted(GED_CORE_COLUMNS))}): "
                                               "read by the usual column names instead"))
        day_first, order_note = _date_order(names, values_of)
        if order_note:
            notes.append(order_note)
        return AttributeMapper(layout, limits, day_first), notes
    return AttributeMapper(layout, limits), notes


def _date_order(names: list[str], values_of: Callable[[str], Iterable[object]]) -> tuple[bool, RowProblem | None]:
    date_names = [name for name in names if field_for_column(name) in ("event_date", "date_end")]
    texts = [value for name in date_names for value in values_of(name) if isinstance(value, str)]
    day_first, warning = decide_date_order(texts)
    return day_first, (RowProblem(0, date_names[0], warning) if warning else None)


def _layout_note(layout: AttributeLayout) -> RowProblem:
    return RowProblem(0, "file", f"the attributes are {layout.value} columns: mapped as that source's "
                                 "own export (docs/IMPORTS.md)")


def feature_id_text(value: object) -> str | None:
    """A feature's own id as text (GeoJSON allows a string or a number); None when there is none."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, str)):
        return str(value).strip() or None
    return None


def candidate_from(
    row: int,
    fields: Mapping[str, object],
    place: Place | None,
    limits: ImportLimits,
    result: ReadResult,
    *,
    mapper: AttributeMapper | None = None,
    feature_id: str | None = None,
) -> None:
    """Map attributes, add the place, and file the row as a candidate or a rejection.

    A value that cannot be parsed (a bad date, a text over the length limit) rejects the row:
    a reader never keeps a row with a value silently dropped. When the feature has a geometry,
    attribute columns that look like coordinates (x/y may be projected) are not read: the
    geometry places the row. ``mapper`` maps the attributes (generic column names when None);
    ``feature_id`` becomes the source id when no attribute gives one.
    """
    if place is not None:
        fields = {k: v for k, v in fields.items() if field_for_column(k) not in ("latitude", "longitude")}
    values, problems = (mapper or AttributeMapper(AttributeLayout.GENERIC, limits)).values(fields)
    if feature_id and not values.get("source_event_id"):
        if len(feature_id) > limits.max_field_chars:
            problems = [*problems, (FEATURE_ID_FIELD, f"{len(feature_id):,} characters, more than the "
                                                      f"{limits.max_field_chars:,} allowed (limit set by "
                                                      f"{SETTING_OF_LIMIT['max_field_chars']})")]
        else:
            values["source_event_id"] = feature_id
    if problems:
        result.rejected.extend(RowProblem(row, name, reason) for name, reason in problems)
        return
    if place is not None:
        values["latitude"], values["longitude"] = place.latitude, place.longitude
        if place.geo_precision:
            values["geo_precision"] = place.geo_precision
        if place.warning:
            result.warnings.append(RowProblem(row, "geometry", place.warning))
    result.candidates.append(Candidate(row, values))


def check_fields(fields: Mapping[str, object], limits: ImportLimits, field_name: str) -> None:
    if len(fields) > limits.max_fields_per_row:
        raise RowRejected(
            field_name,
            f"{len(fields)} attributes, more than the {limits.max_fields_per_row} "
            f"allowed (limit set by {SETTING_OF_LIMIT['max_fields_per_row']})",
        )


def check_row_count(count: int, limits: ImportLimits, what: str) -> None:
    if count > limits.max_rows:
        raise LimitExceeded(
            f"the file has more than {limits.max_rows:,} {what}", SETTING_OF_LIMIT["max_rows"]
        )


# --------------------------------------------------------------------------------------- GeoJSON


def read_geojson(data: bytes, limits: ImportLimits, deadline: Deadline) -> ReadResult:
    """Read a GeoJSON FeatureCollection or single Feature.

    Parameters
    ----------
    data
        The file (UTF-8, or another encoding :func:`~.values.decode_text` reads).
    limits, deadline
        ``max_rows`` (features), ``max_vertices`` (per geometry), ``max_fields_per_row``
        (properties) and the parse-time budget.

    Returns
    -------
    ReadResult
        One candidate or rejection per feature; row = the feature's 1-based number. A legacy
        top-level ``crs`` naming another CRS (e.g. ``EPSG:32718``) is reprojected to WGS84.

    Raises
    ------
    ImportRefused
        Not JSON, not a FeatureCollection/Feature, an unknown or linked CRS, or too many features.
    """
    text, encoding_warning = decode_text(data)
    try:
        document = json.loads(text)
    except RecursionError:
        raise ImportRefused("the JSON is nested too deeply to read") from None
    except ValueError as error:
        detail = (
            f" ({error.msg} at line {error.lineno}, column {error.colno})"
            if isinstance(error, json.JSONDecodeError)
            else ""
        )
        raise ImportRefused(f"not valid JSON{detail}") from None
    if not isinstance(document, dict):
        raise ImportRefused("the JSON is not a GeoJSON object (FeatureCollection or Feature)")
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise ImportRefused('a FeatureCollection whose "features" is not a list')
    elif kind == "Feature":
        features = [document]
    else:
        raise ImportRefused(f"GeoJSON of type '{str(kind)[:40]}'; a FeatureCollection or Feature is needed")
    check_row_count(len(features), limits, "features")
    transformer = wgs84_transformer(_geojson_crs(document.get("crs")))

    result = ReadResult(format=Format.GEOJSON)
    if encoding_warning:
        result.warnings.append(RowProblem(0, "file", encoding_warning))
    mapper, notes = attribute_mapper(_property_names(features), limits, lambda name: _property_values(features, name))
    result.warnings.extend(notes)
    for number, feature in enumerate(features, start=1):
        if number % CHECK_EVERY == 0:
            deadline.check()
        result.rows_read += 1
        try:
            properties, place = _read_feature(feature, limits, transformer)
        except RowRejected as problem:
            result.rejected.append(RowProblem(number, problem.field, problem.reason))
            continue
        candidate_from(number, properties, place, limits, result, mapper=mapper,
                       feature_id=feature_id_text(feature.get("id")))
    return result


def _property_values(features: list, name: str) -> Iterable[object]:
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict):
            yield properties.get(name)


def _property_names(features: list) -> list[str]:
    """Every property name of the features, in first-seen order (features may differ)."""
    names: dict[str, None] = {}
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict):
            names.update(dict.fromkeys(map(str, properties)))
    return list(names)


def _read_feature(
    feature: object, limits: ImportLimits, transformer: Transformer | None
) -> tuple[Mapping[str, object], Place | None]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise RowRejected("feature", "not a GeoJSON Feature object")
    properties = feature.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise RowRejected("properties", '"properties" is not an object')
    check_fields(properties, limits, "properties")
    if "geometry" not in feature:
        raise RowRejected("geometry", 'the feature has no "geometry" member')
    geometry = feature["geometry"]
    if geometry is None:
        return properties, None
    return properties, place_of_geometry(_geojson_geometry(geometry, limits), limits, transformer)


_NESTING = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


def _geojson_geometry(geometry: object, limits: ImportLimits) -> shapely.Geometry:
    """Validate the structure and size of a GeoJSON geometry before building it."""
    if not isinstance(geometry, dict):
        raise RowRejected("geometry", "the geometry is not a GeoJSON object")
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        raise RowRejected(
            "geometry", "a GeometryCollection has no single event place; give each event as a Point"
        )
    if kind not in _NESTING:
        raise RowRejected("geometry", f"'{str(kind)[:40]}' is not a GeoJSON geometry type")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list):
        raise RowRejected("geometry", f"the {kind} has no coordinates")
    check_vertices(_count_positions(coordinates, _NESTING[kind], limits.max_vertices), limits)
    try:
        return shapely.geometry.shape({"type": kind, "coordinates": coordinates})
    except (ValueError, TypeError, IndexError, OverflowError, shapely.errors.ShapelyError) as error:
        raise RowRejected("geometry", f"the {kind} is not valid: {str(error)[:120]}") from None


def _count_positions(coordinates: list, depth: int, stop_after: int) -> int:
    """Count positions in a coordinates array of a known nesting; stop early past the limit."""
    count = 0
    stack = [(coordinates, depth)]
    while stack:
        items, level = stack.pop()
        if level == 0:
            if not (
                2 <= len(items) <= 4
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items)
            ):
                raise RowRejected("geometry", "a position is not [longitude, latitude] numbers")
            count += 1
            if count > stop_after:
                return count
            continue
        for item in items:
            if not isinstance(item, list):
                raise RowRejected("geometry", "the coordinates are not nested as the geometry type needs")
            stack.append((item, level - 1))
    return count


def _geojson_crs(member: object) -> CRS | None:
    """The CRS of a legacy (2008) GeoJSON ``crs`` member; None for WGS84 or no member."""
    if member is None:
        return None
    if not isinstance(member, dict):
        raise ImportRefused('the "crs" member is not an object')
    if member.get("type") != "name":
        raise ImportRefused(
            'the "crs" member points to a file or URL elsewhere; only a named CRS (e.g. EPSG:32718) is read'
        )
    name = (
        str((member.get("properties") or {}).get("name", "")).strip()
        if isinstance(member.get("properties"), dict)
        else ""
    )
    if name.lower() in _CRS84_NAMES:
        return None
    match = _EPSG_NAME.match(name)
    if not match:
        raise ImportRefused(
            f"the CRS '{name[:60]}' is not one this importer reads (use an EPSG code, e.g. EPSG:32718)"
        )
    code = int(match[1])
    if code == WGS84_EPSG:
        return None  # legacy GeoJSON in EPSG:4326 is written longitude first, like CRS84
    try:
        return CRS.from_epsg(code)
    except CRSError:
        raise ImportRefused(f"EPSG:{code} is not a known coordinate reference system") from None


# ------------------------------------------------------------------------------------ GeoPackage


def disable_gdal_network() -> None:
    """Set :data:`GDAL_NETWORK_OFF` (process-wide GDAL config options)."""
    import pyogrio

    pyogrio.set_gdal_config_options(GDAL_NETWORK_OFF)


def read_gpkg(data: bytes, limits: ImportLimits, deadline: Deadline) -> ReadResult:
    """Read the point layer of a GeoPackage (or its first layer with geometry).

    The bytes are written to a private temporary directory (named by us, never by the user),
    read with GDAL with network and external access off, and the directory is removed whatever
    happens.

    Parameters
    ----------
    data
        The file; must be an SQLite database with a GeoPackage application id.
    limits, deadline
        As for :func:`read_geojson`.

    Returns
    -------
    ReadResult
        One candidate or rejection per feature; row = the feature's 1-based position in the layer.
        A layer in another CRS is reprojected to WGS84.
    """
    if not is_geopackage(data):
        raise ImportRefused("not a GeoPackage (an SQLite database with a 'GPKG' application id is needed)")
    disable_gdal_network()
    directory = tempfile.mkdtemp(prefix="rutas-gpkg-")
    path = os.path.join(directory, "upload.gpkg")
    try:
        with open(path, "wb") as file:
            file.write(data)
        try:
            return _read_gpkg_file(path, limits, deadline)
        except (RuntimeError, OSError, ValueError) as error:  # pyogrio's errors are RuntimeErrors
            raise ImportRefused(_gdal_refusal(str(error), directory)) from None
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _gdal_refusal(message: str, directory: str) -> str:
    """A refusal reason from a GDAL error: no server paths, no raw SQL from GDAL's internals."""
    if "sqlite3_" in message or "Raw error" in message or "not a database" in message:
        return "the GeoPackage is damaged or truncated (its SQLite tables cannot be read)"
    detail = message.replace(directory, "").strip()[:160]
    return f"the GeoPackage could not be read ({detail})"


def _read_gpkg_file(path: str, limits: ImportLimits, deadline: Deadline) -> ReadResult:
    import pyogrio
    import pyogrio.raw

    result = ReadResult(format=Format.GPKG)
    layers = [(str(name), str(kind or "")) for name, kind in pyogrio.list_layers(path)]
    with_geometry = [layer for layer in layers if layer[1] not in ("", "None")]
    points = [layer for layer in with_geometry if "Point" in layer[1]]
    chosen = (points or with_geometry or layers or [None])[0]
    if chosen is None:
        raise ImportRefused("the GeoPackage has no vector layer (raster tiles only?)")
    layer = chosen[0]
    if len(layers) > 1:
        others = ", ".join(name for name, _ in layers if name != layer)
        result.warnings.append(
            RowProblem(0, "layer", f"read layer '{layer[:60]}'; other layers ignored: {others[:200]}")
        )
    info = pyogrio.read_info(path, layer=layer)
    if info.get("driver") != "GPKG":
        raise ImportRefused(f"GDAL read this file as '{info.get('driver')}', not as a GeoPackage")
    check_row_count(int(info.get("features") or 0), limits, "features")
    deadline.check()
    # No max_features: with it GDAL fails the whole read on one damaged geometry. The count in
    # the file's metadata can lie, so the rows actually read are counted again; the upload size
    # limit bounds the work either way.
    meta, fids, geometries, columns = pyogrio.raw.read(
        path, layer=layer, return_fids=True, datetime_as_string=True
    )
    check_row_count(len(fids), limits, "features")
    names = [str(name) for name in meta["fields"]]
    if len(names) > limits.max_fields_per_row:
        raise LimitExceeded(
            f"the layer has {len(names)} attribute columns, more than {limits.max_fields_per_row}",
            SETTING_OF_LIMIT["max_fields_per_row"],
        )
    crs = CRS.from_user_input(meta["crs"]) if meta.get("crs") else None
    if crs is None:
        result.warnings.append(
            RowProblem(0, "geometry", "the layer has no CRS; coordinates read as longitude/latitude")
        )
    transformer = wgs84_transformer(crs)
    column_of = dict(zip(names, columns))
    mapper, notes = attribute_mapper(names, limits, lambda name: map(plain_value, column_of[name]))
    result.warnings.extend(notes)
    for index in range(len(fids)):
        number = index + 1
        if number % CHECK_EVERY == 0:
            deadline.check()
        result.rows_read += 1
        fields = {name: plain_value(column[index]) for name, column in zip(names, columns)}
        blob = geometries[index] if geometries is not None else None
        geometry = shapely.from_wkb(blob, on_invalid="ignore") if blob is not None else None
        try:
            place = place_of_geometry(geometry, limits, transformer)
        except RowRejected as problem:
            result.rejected.append(RowProblem(number, problem.field, problem.reason))
            continue
        candidate_from(number, fields, place, limits, result, mapper=mapper,
                       feature_id=feature_id_text(plain_value(fids[index])))
    return result


def plain_value(value: object) -> object:
    """A GDAL field value as a plain Python value (None for empty, no numpy types, no blobs)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return None
    if isinstance(value, (datetime, date, str, int, float, bool)) or value is None:
        return value
    return str(value)
