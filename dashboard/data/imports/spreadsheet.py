"""Excel workbooks (XLSX) to candidate rows: the first sheet's columns decide the mapping.

UCDP publishes GED as an Excel workbook beside the CSV, and researchers keep ACLED extracts and
their own tables in Excel, so a workbook is read like any attribute table
(:func:`.geofile.attribute_mapper`): GED or ACLED columns as their CSV, anything else by the
usual column names. Date cells arrive as dates, so no day/month order is guessed for them.

An XLSX is a ZIP of XML parts: its declared sizes are checked against the same limits as a KMZ
before anything is inflated (a ZIP member never inflates past its declared size), and a part
that declares a DTD is refused before any XML parser sees it.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, time

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
from .geofile import attribute_mapper, candidate_from, check_row_count, plain_value

CHECK_EVERY = 500
DOCTYPE_SCAN_BYTES = 4096  # a DTD must come before the root element, so the start of a part tells


def read_xlsx(data: bytes, limits: ImportLimits, deadline: Deadline) -> ReadResult:
    """Read the first non-empty sheet of an XLSX workbook, header on its first non-blank row.

    Returns
    -------
    ReadResult
        One candidate per readable row; rows are the sheet's row numbers (header included), as
        Excel shows them. Other non-empty sheets are named in one warning.

    Raises
    ------
    ImportRefused
        A damaged workbook, one over the size or ratio limits, a part with a DTD, no sheet with
        data, or more rows or columns than allowed.
    """
    check_package(data, limits)
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged part; all mean the same here
        raise ImportRefused(f"a damaged Excel workbook ({type(error).__name__})") from None
    try:
        return _read_first_sheet(workbook, limits, deadline)
    finally:
        workbook.close()


def check_package(data: bytes, limits: ImportLimits) -> None:
    """Refuse a workbook whose parts would inflate past the limits or that declares a DTD."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            unpacked = sum(info.file_size for info in infos)
            if unpacked > limits.max_kmz_uncompressed_bytes:
                raise LimitExceeded(f"the workbook unpacks to {unpacked:,} bytes, more than "
                                    f"{limits.max_kmz_uncompressed_bytes:,}",
                                    SETTING_OF_LIMIT["max_kmz_uncompressed_bytes"])
            packed = max(1, sum(info.compress_size for info in infos))
            if unpacked / packed > limits.max_kmz_ratio:
                raise LimitExceeded(f"the workbook unpacks {unpacked / packed:,.0f} times its size, more than "
                                    f"{limits.max_kmz_ratio}", SETTING_OF_LIMIT["max_kmz_ratio"])
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    with archive.open(info) as part:
                        head = part.read(DOCTYPE_SCAN_BYTES)
                    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                        raise ImportRefused(f"the workbook part {info.filename[:80]} declares a DTD; DTDs and "
                                            "entities are refused because they can read files or expand without bound")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise ImportRefused(f"a damaged Excel workbook ({type(error).__name__})") from None


def _cell(value: object) -> object:
    """A cell as a plain value: dates stay dates, a time of day is text, the rest as GDAL's."""
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value
    if isinstance(value, time):
        return value.isoformat()
    return plain_value(value)


def _read_first_sheet(workbook, limits: ImportLimits, deadline: Deadline) -> ReadResult:
    result = ReadResult(Format.XLSX)
    chosen, header, header_row, body = None, [], 0, []
    ignored = []
    for sheet in workbook.worksheets:
        if chosen is not None:
            if any(any(value not in (None, "") for value in values)
                   for values in sheet.iter_rows(max_row=50, values_only=True)):
                ignored.append(sheet.title)
            continue
        rows = sheet.iter_rows(values_only=True)
        for number, values in enumerate(rows, start=1):
            if number % CHECK_EVERY == 0:
                deadline.check()
            if not header:
                if any(value not in (None, "") for value in values):
                    header, header_row = _header(values, limits), number
                continue
            if len(body) >= limits.max_rows:
                check_row_count(len(body) + 1, limits, "data rows")
            if any(value not in (None, "") for value in values):
                body.append((number, values))
        if header:
            chosen = sheet.title
    if not header:
        raise ImportRefused("the workbook has no sheet with data")
    if ignored:
        result.warnings.append(RowProblem(0, "sheet", f"read sheet '{chosen[:60]}'; other sheets ignored: "
                                                      f"{', '.join(ignored)[:200]}"))
    names = [name for name in header if name]
    columns = {name: [_cell(values[i]) if i < len(values) else None for _, values in body]
               for i, name in enumerate(header) if name}
    mapper, notes = attribute_mapper(names, limits, lambda name: columns[name])
    result.warnings.extend(notes)
    for index, (number, values) in enumerate(body):
        if (index + 1) % CHECK_EVERY == 0:
            deadline.check()
        result.rows_read += 1
        width = len([v for v in values[len(header):] if v not in (None, "")])
        if width:
            result.rejected.append(RowProblem(number, "row", f"{width} values right of the header's last column "
                                                             f"(row {header_row})"))
            continue
        fields = {name: columns[name][index] for name in names}
        candidate_from(number, fields, None, limits, result, mapper=mapper)
    return result


def _header(values: tuple, limits: ImportLimits) -> list[str]:
    names = [str(value).strip() if value is not None else "" for value in values]
    while names and not names[-1]:
        names.pop()
    if len(names) > limits.max_fields_per_row:
        raise LimitExceeded(f"the header has {len(names):,} columns, more than {limits.max_fields_per_row:,}",
                            SETTING_OF_LIMIT["max_fields_per_row"])
    if any(len(name) > limits.max_field_chars for name in names):
        raise LimitExceeded("a column name in the header is too long", SETTING_OF_LIMIT["max_field_chars"])
    return names
