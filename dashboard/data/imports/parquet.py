"""Parquet (and GeoParquet) tables to candidate rows: the columns decide the mapping.

Researchers pass UCDP GED and ACLED around as Parquet (pandas ``to_parquet``, R ``arrow``,
GeoPandas), so a Parquet file is read like any attribute table: GED or ACLED columns are mapped
as their CSV, anything else by the usual column names (:func:`.geofile.attribute_mapper`). A
GeoParquet ``geometry`` column (WKB) places the rows; otherwise their latitude/longitude columns
do. The metadata is checked against the limits before any column is decoded, and texts stay
dictionary-encoded until their expanded size is paid for, so a small file that would unpack to
gigabytes is refused, not expanded.
"""

from __future__ import annotations

import io
import json

import shapely

from ..schema import LIST_SEPARATOR
from .base import (
    SETTING_OF_LIMIT,
    Deadline,
    Format,
    ImportLimits,
    ImportRefused,
    LimitExceeded,
    ReadResult,
    RowProblem,
)
from .geofile import (
    RowRejected,
    attribute_mapper,
    candidate_from,
    check_row_count,
    feature_id_text,
    place_of_geometry,
    plain_value,
)

CHECK_EVERY = 500
BATCH_ROWS = 2000  # rows decoded at a time: the size check runs before each batch is expanded
GEOMETRY_COLUMN = "geometry"  # GeoParquet's default primary column


def read_parquet(data: bytes, limits: ImportLimits, deadline: Deadline) -> ReadResult:
    """Read a Parquet file's rows, mapped by its column names.

    Parameters
    ----------
    data
        The whole file (``PAR1`` at both ends).
    limits, deadline
        ``max_rows`` and ``max_fields_per_row`` are checked from the metadata first; the unpacked
        size (``max_kmz_uncompressed_bytes``, shared by every compressed container) batch by batch,
        before each batch is expanded into Python values.

    Returns
    -------
    ReadResult
        One candidate per readable row (row = its number, from 1).

    Raises
    ------
    ImportRefused
        A damaged file, a limit crossed, or nested columns (lists, structs) that no mapping reads.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as error:
        raise ImportRefused(f"a damaged Parquet file ({str(error)[:120]})") from None
    meta = parquet.metadata
    check_row_count(meta.num_rows, limits, "rows")
    if meta.num_columns > limits.max_fields_per_row:
        raise LimitExceeded(f"the table has {meta.num_columns:,} columns, more than {limits.max_fields_per_row:,}",
                            SETTING_OF_LIMIT["max_fields_per_row"])
    schema = parquet.schema_arrow
    nested = [field.name for field in schema if pa.types.is_nested(field.type) and not _is_flat_list(field.type)]
    if nested:
        raise ImportRefused(f"nested columns (structs, maps, lists of lists) are not read: {', '.join(nested)[:200]}; "
                            "flatten them or export the table as CSV")
    # Texts stay dictionary-encoded while read, so their decoded size is known before it is paid.
    texts = [field.name for field in schema if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)]
    parquet = pq.ParquetFile(io.BytesIO(data), read_dictionary=texts)
    result = ReadResult(Format.PARQUET)
    geometry_column = _geometry_column(schema.metadata, schema.names)
    names = [name for name in schema.names if name != geometry_column]
    budget = _Budget(limits.max_kmz_uncompressed_bytes)
    mapper, notes = attribute_mapper(names, limits, lambda name: _column(parquet, name, _Budget(budget.limit), deadline))
    result.warnings.extend(notes)
    number = 0
    for batch in _batches(parquet, None, budget, deadline):
        columns = {name: _values(batch.column(name)) for name in names}
        geometries = batch.column(geometry_column).to_pylist() if geometry_column else None
        for index in range(batch.num_rows):
            number += 1
            if number % CHECK_EVERY == 0:
                deadline.check()
            result.rows_read += 1
            fields = {name: columns[name][index] for name in names}
            place = None
            if geometries is not None and geometries[index] is not None:
                try:
                    geometry = shapely.from_wkb(geometries[index], on_invalid="ignore")
                    place = place_of_geometry(geometry, limits, None)
                except (RowRejected, shapely.errors.ShapelyError) as problem:
                    reason = problem.reason if isinstance(problem, RowRejected) else "not a readable WKB geometry"
                    result.rejected.append(RowProblem(number, GEOMETRY_COLUMN, reason))
                    continue
            candidate_from(number, fields, place, limits, result, mapper=mapper,
                           feature_id=feature_id_text(fields.get("fid")))
    return result


class _Budget:
    """Decoded bytes a read may still produce (the unpacked-size limit)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0

    def spend(self, size: int) -> None:
        self.spent += size
        if self.spent > self.limit:
            raise LimitExceeded(f"the table unpacks to more than {self.limit:,} bytes",
                                SETTING_OF_LIMIT["max_kmz_uncompressed_bytes"])


def _batches(parquet, columns: list[str] | None, budget: _Budget, deadline: Deadline):
    """Record batches of the file, each paid for (decoded size) before anyone decodes it."""
    import pyarrow as pa

    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns, use_threads=False):
            deadline.check()
            budget.spend(sum(_decoded_bytes(column) for column in batch.columns))
            yield batch
    except pa.ArrowException as error:
        raise ImportRefused(f"the Parquet data cannot be read ({str(error)[:120]})") from None


def _decoded_bytes(column) -> int:
    """What a column costs once its dictionary is expanded (a repeated long text counts every time)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        lengths = pc.binary_length(column.dictionary).take(column.indices)
        return int(pc.sum(lengths).as_py() or 0) + len(column) * 8
    return column.nbytes


def _column(parquet, name: str, budget: _Budget, deadline: Deadline) -> list[object]:
    """One column's values over the whole file (a generic layer's date order is decided from them)."""
    return [value for batch in _batches(parquet, [name], budget, deadline) for value in _values(batch.column(0))]


def _values(column) -> list[object]:
    """A column as plain Python values; a list of texts becomes one ';'-separated text."""
    if _is_flat_list(column.type):
        return [_joined(value) for value in column.to_pylist()]
    return [plain_value(value) for value in column.to_pylist()]


def _is_flat_list(kind) -> bool:
    """A list of plain values (actors as R or pandas write a list column): read as a ';' list."""
    import pyarrow as pa

    return (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and not pa.types.is_nested(kind.value_type)


def _joined(values: list | None) -> str | None:
    if values is None:
        return None
    return LIST_SEPARATOR.join(str(value).strip() for value in values if value is not None and str(value).strip())


def _geometry_column(metadata: dict[bytes, bytes] | None, names: list[str]) -> str | None:
    """GeoParquet's primary geometry column (WKB in longitude/latitude), if the file declares one.

    Only OGC:CRS84/EPSG:4326 (GeoParquet's default when no CRS is given) is read: a projected
    GeoParquet is refused rather than misplaced.
    """
    raw = (metadata or {}).get(b"geo")
    if raw is None:
        return None
    try:
        geo = json.loads(raw)
        column = str(geo.get("primary_column") or GEOMETRY_COLUMN)
        crs = (geo.get("columns") or {}).get(column, {}).get("crs")
    except (ValueError, AttributeError):
        raise ImportRefused("the GeoParquet metadata ('geo') cannot be read") from None
    if column not in names:
        return None
    if crs is not None and not _is_longitude_latitude(crs):
        raise ImportRefused("the GeoParquet geometry is not in longitude/latitude (WGS 84); "
                            "reproject it to EPSG:4326 first")
    return column


def _is_longitude_latitude(crs: object) -> bool:
    if isinstance(crs, str):
        return crs.upper().replace(" ", "") in ("OGC:CRS84", "EPSG:4326", "CRS84")
    if isinstance(crs, dict):
        identifier = crs.get("id") or {}
        return (identifier.get("authority"), str(identifier.get("code"))) in (("OGC", "CRS84"), ("EPSG", "4326"))
    return False
