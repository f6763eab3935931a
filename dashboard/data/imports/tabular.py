"""Delimited text files: the shared CSV row reader and the generic CSV/TSV reader.

:func:`iter_csv_rows` does the work every tabular reader (generic CSV, ACLED, UCDP) needs the
same way: file line numbers, the row, field-count and field-length limits, the parse deadline
and recovery from a malformed row. :func:`read_csv` maps any CSV whose columns have usual names
(see :mod:`.columns` and ``docs/IMPORTS.md``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date

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
from .columns import COLUMN_ALIASES, candidate_values_from_fields, field_for_column, missing_place_columns
from .values import decide_date_order, decode_text

CHECK_EVERY = 500
DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 20
SNIFF_CHARS = 64 * 1024
# The csv module's own cap would stop a long field with a bare "field larger than field limit";
# lift it so the reader can name the setting (max_field_chars) instead. The text is already in
# memory and bounded by max_upload_bytes, so this costs nothing.
CSV_FIELD_SIZE_LIMIT = 2**31 - 1
ROW_FIELD = "row"  # the field named in a problem about the row as a whole
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^[+-]?\d+\.\d+$")
_THOUSANDS_GROUP = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
NUMBER_FIELDS = ("latitude", "longitude", "fatalities", "quantity_kg")
DATE_FIELDS = ("event_date", "date_end")

Row = tuple[int, list[str] | None, RowProblem | None]
# One physical line: ends at \r\n, \n or \r (old Mac "CSV (Macintosh)" files), as io's newline="".
_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


def longest_line(limits: ImportLimits) -> int:
    """Characters the longest physical line of a valid record can hold: every field at its longest,
    quoted, each character an escaped quote (2 for 1), a delimiter between fields and \r\n at the end."""
    return limits.max_fields_per_row * (2 * limits.max_field_chars + 3) + 1


def text_lines(text: str, longest: int | None = None) -> Iterator[str]:
    """The physical lines of a decoded file, their ends kept, for ``csv.reader``.

    ``io.StringIO`` would first copy the text at 4 bytes per character, and the csv module would
    build a field or a field list as long as the line: a 50 MB file of one line peaked at 12× its
    size. Here the text is sliced one line at a time, and a line longer than ``longest`` refuses
    the file before it is copied, since no record within the limits can be that long.

    Raises
    ------
    LimitExceeded
        A line longer than ``longest`` characters.
    """
    for number, match in enumerate(_PHYSICAL_LINE.finditer(text), start=1):
        start, end = match.span()
        if longest is not None and end - start > longest:
            raise LimitExceeded(
                f"line {number:,} is {end - start:,} characters long, more than the {longest:,} a row within "
                f"the field limits can hold", f"{SETTING_OF_LIMIT['max_fields_per_row']} and "
                                              f"{SETTING_OF_LIMIT['max_field_chars']}")
        yield match.group()


def sniff_delimiter(text: str) -> str:
    """The delimiter of a delimited file: the one giving the header the most fields, consistently.

    Each candidate splits the first lines (quotes respected); one that gives the header more than
    one field and the same count on the following lines wins, more fields breaking ties. A file
    with a single column is read with commas.
    """
    sample = "\n".join(text[:SNIFF_CHARS].splitlines()[:SNIFF_LINES])
    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        rows: list[list[str]] = []
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
        try:
            for fields in reader:
                if fields:
                    rows.append(fields)
        except csv.Error:
            pass
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:-1] or rows[1:]  # the last sampled line may be cut inside a quoted field
        consistent = sum(len(fields) == width for fields in body) / len(body) if body else 1.0
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def iter_csv_rows(
    text: str,
    delimiter: str,
    limits: ImportLimits,
    deadline: Deadline,
    names: Sequence[str] | None = None,
) -> Iterator[Row]:
    """Yield ``(line, fields, problem)`` for each non-blank record of a delimited text.

    Parameters
    ----------
    text, delimiter
        The decoded file and its delimiter.
    names
        Column names of a headerless file. When None, the first record is the header: it is
        yielded first, and a header over ``max_fields_per_row`` or ``max_field_chars`` refuses
        the file.

    Yields
    ------
    line, fields, problem
        ``line`` is the file line the record starts on (header = 1). Exactly one of ``fields``
        (the record) and ``problem`` (why it was rejected: a quoting error, too many fields, a
        field too long) is set.

    Raises
    ------
    LimitExceeded
        More than ``max_rows`` data rows, or the deadline passed.
    """
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_SIZE_LIMIT))
    # strict: a quote in the wrong place or a quoted field left open at the end of the file is
    # an error for that row instead of silently swallowing the lines after it
    reader = csv.reader(text_lines(text, longest_line(limits)), delimiter=delimiter, strict=True)
    header = names
    data_rows = records = 0
    next_line = 1
    while True:
        records += 1
        if records % CHECK_EVERY == 0:  # counts blank records too: a file of blank lines is no faster
            deadline.check()
        try:
            fields = next(reader)
            problem = None
        except StopIteration:
            return
        except csv.Error as error:
            fields, problem = None, RowProblem(next_line, ROW_FIELD, f"malformed CSV: {error}")
        line, next_line = next_line, reader.line_num + 1
        if fields is not None and not any(field.strip() for field in fields):
            continue
        if header is None:
            header = _checked_header(fields, line, limits, problem)
            yield line, header, None
            continue
        data_rows += 1
        if data_rows > limits.max_rows:
            raise LimitExceeded(f"the file has more than {limits.max_rows:,} data rows",
                                SETTING_OF_LIMIT["max_rows"])
        if fields is not None:
            problem = _row_problem(fields, header, line, limits)
        yield (line, None, problem) if problem else (line, fields, None)


def _checked_header(fields: list[str] | None, line: int, limits: ImportLimits,
                    problem: RowProblem | None) -> list[str]:
    if fields is None:
        raise ImportRefused(f"the header (line {line}) cannot be read: {problem.reason if problem else ''}")
    if len(fields) > limits.max_fields_per_row:
        raise LimitExceeded(f"the header has {len(fields):,} columns, more than {limits.max_fields_per_row:,}",
                            SETTING_OF_LIMIT["max_fields_per_row"])
    longest = max(len(field) for field in fields)
    if longest > limits.max_field_chars:
        raise LimitExceeded(f"a column name in the header has {longest:,} characters, more than "
                            f"{limits.max_field_chars:,}", SETTING_OF_LIMIT["max_field_chars"])
    return [field.strip() for field in fields]


def _row_problem(fields: list[str], names: Sequence[str], line: int, limits: ImportLimits) -> RowProblem | None:
    if len(fields) > limits.max_fields_per_row:
        return RowProblem(line, ROW_FIELD, f"{len(fields):,} fields, more than the {limits.max_fields_per_row:,} "
                                           f"allowed (limit set by {SETTING_OF_LIMIT['max_fields_per_row']})")
    for index, field in enumerate(fields):
        if len(field) > limits.max_field_chars:
            name = names[index] if index < len(names) else f"field {index + 1}"
            return RowProblem(line, name, f"{len(field):,} characters, more than the {limits.max_field_chars:,} "
                                          f"allowed (limit set by {SETTING_OF_LIMIT['max_field_chars']})")
    return None


def collect_rows(
    rows: Iterable[Row],
    names: Sequence[str],
    result: ReadResult,
    map_row: Callable[[dict[str, str]], tuple[dict[str, object], list[tuple[str, str]]]],
    layout: str = "header",
) -> None:
    """File each record of ``rows`` as a candidate or a rejection; ``map_row`` maps a named row.

    A record whose field count differs from ``names`` is rejected ("N fields, header has M"), as
    is one with any problem ``map_row`` reports (one rejection per problem).
    """
    for line, fields, problem in rows:
        result.rows_read += 1
        if problem is not None or fields is None:
            result.rejected.append(problem or RowProblem(line, ROW_FIELD, "unreadable row"))
            continue
        if len(fields) != len(names):
            result.rejected.append(RowProblem(line, ROW_FIELD, f"{len(fields)} fields, {layout} has {len(names)}"))
            continue
        values, problems = map_row(dict(zip(names, fields)))
        if problems:
            result.rejected.extend(RowProblem(line, name, reason) for name, reason in problems)
            continue
        result.candidates.append(Candidate(line, values))


def read_header(rows: Iterator[Row]) -> list[str]:
    """The header record :func:`iter_csv_rows` yields first; refuses a file of blank lines."""
    first = next(rows, None)
    if first is None or not first[1]:
        raise ImportRefused("no header row: every line of the file is blank or only delimiters")
    return first[1]


def decode_table(data: bytes, result: ReadResult) -> str:
    """Decoded text of a delimited file; an encoding guess becomes a file warning."""
    text, warning = decode_text(data)
    if warning:
        result.warnings.append(RowProblem(0, "file", warning))
    if not text.strip():
        raise ImportRefused("the file is empty")
    return text


def looks_decimal_comma(text: str, delimiter: str, header: Sequence[str]) -> bool:
    """True when the number columns of the first lines are written like -12,5 and never like -12.5."""
    columns = [index for index, name in enumerate(header) if field_for_column(name) in NUMBER_FIELDS]
    if not columns or delimiter == ",":
        # with ',' as delimiter a decimal comma needs quotes on every number: not worth guessing
        return False
    comma = point = 0
    sample = "\n".join(text[:SNIFF_CHARS * 4].splitlines()[1:SNIFF_LINES * 5])
    try:
        for fields in csv.reader(io.StringIO(sample), delimiter=delimiter):
            for index in columns:
                value = fields[index].strip() if index < len(fields) else ""
                comma += bool(_DECIMAL_COMMA.match(value))
                # 1.250 may be a thousands group under a decimal comma: it decides nothing
                point += bool(_DECIMAL_POINT.match(value)) and not _THOUSANDS_GROUP.match(value)
    except csv.Error:
        pass
    return comma > 0 and point == 0


def column_values(text: str, delimiter: str, columns: Sequence[int], deadline: Deadline,
                  longest: int | None = None) -> Iterator[str]:
    """The values of some columns of a delimited text with a header, in one quick pass.

    For decisions a file makes once before its rows are read (e.g. the order of its dates, see
    :func:`~.values.decide_date_order`); the header and records too short for a column are
    skipped, and a malformed record only loses its own values: the row pass reports it. The pass
    ends at a line longer than ``longest``: the row pass refuses the file there.
    """
    reader = csv.reader(text_lines(text, longest), delimiter=delimiter)
    header_seen = False
    records = 0
    while True:
        records += 1
        if records % CHECK_EVERY == 0:
            deadline.check()
        try:
            fields = next(reader)
        except (StopIteration, LimitExceeded):
            return
        except csv.Error:
            continue
        if not header_seen:
            header_seen = any(field.strip() for field in fields)
            continue
        for index in columns:
            if index < len(fields):
                yield fields[index]


def _column_list(field_name: str) -> str:
    return "/".join(COLUMN_ALIASES[field_name])


def read_csv(
    data: bytes, limits: ImportLimits, deadline: Deadline, decimal_comma: bool | None = None,
    this_year: int | None = None,
) -> ReadResult:
    """Read a generic CSV, TSV, semicolon or pipe separated file with a header row.

    Parameters
    ----------
    data
        The file (UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252).
    limits, deadline
        ``max_rows``, ``max_fields_per_row`` and ``max_field_chars`` apply; see :func:`iter_csv_rows`.
    decimal_comma
        Read numbers like ``-12,5``; None guesses it from the first rows (usual with ';' files).
    this_year
        Anchors two-digit years (see :func:`~.values.expand_two_digit_year`); None is today's.

    Returns
    -------
    ReadResult
        One candidate per row whose values could all be read, a rejection for every other row,
        a warning (on row 1) for each column that no alias knows, and at most one warning (row 0)
        on how numeric dates were read, decided from the date columns alone.

    Raises
    ------
    ImportRefused
        No date column, or neither a latitude/longitude pair nor a place name column.
    """
    result = ReadResult(Format.CSV)
    text = decode_table(data, result)
    delimiter = sniff_delimiter(text)
    rows = iter_csv_rows(text, delimiter, limits, deadline)
    header = read_header(rows)
    known = [field_for_column(name) for name in header]
    if missing_place_columns(header):
        raise ImportRefused(
            "no columns for the place: looked for a latitude column (" + _column_list("latitude")
            + ") with a longitude column (" + _column_list("longitude") + "), or a place name column ("
            + _column_list("location") + ")")
    if "event_date" not in known:
        raise ImportRefused("no date column: looked for " + _column_list("event_date"))
    for name, field_name in zip(header, known):
        if field_name is None:
            result.warnings.append(RowProblem(1, name, "column not used"))
    date_columns = [name for name, field_name in zip(header, known) if field_name == "event_date"]
    if decimal_comma is None:
        decimal_comma = looks_decimal_comma(text, delimiter, header)
    this_year = this_year or date.today().year  # once, not per row
    # the order is read from the date columns only: a date quoted in the notes decides nothing
    date_indexes = [index for index, field_name in enumerate(known) if field_name in DATE_FIELDS]
    day_first, order_warning = decide_date_order(column_values(text, delimiter, date_indexes, deadline,
                                                                     longest_line(limits)))
    if order_warning:
        result.warnings.append(RowProblem(0, date_columns[0], order_warning))

    def map_row(row: dict[str, str]) -> tuple[dict[str, object], list[tuple[str, str]]]:
        values, problems = candidate_values_from_fields(row, limits, decimal_comma=bool(decimal_comma),
                                                        day_first=day_first, this_year=this_year)
        if not problems and "event_date" not in values:
            problems = [(date_columns[0], "no date")]
        return values, problems

    collect_rows(rows, header, result, map_row)
    return result
