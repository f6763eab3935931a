"""ACLED CSV exports read in blocks with Arrow and mapped a column at a time (the 1M-row path).

:func:`~.acled.read_acled` reads a row at a time in Python: exact for every file, and 45% of a
1M-row import. This reader gives the same candidates, rejections and warnings for the files
ACLED's tools write, at a fraction of the cost and with memory bounded by the block size:
Arrow's CSV reader splits each block into columns, and every ACLED mapping rule runs once per
distinct value of its column (see :mod:`.columnar`), with the same functions and messages as
the row reader.

It only takes files it reads exactly like Python's strict ``csv`` module does; anything else
(another encoding, blank lines, a lone carriage return, a quote the two parsers could read
differently, a row with another field count, an R row-name column, JSON) raises
:class:`NeedsRowReader` before the first block is mapped or while reading, and the caller reads
the file row by row instead.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .acled import (
    ASSOCIATED_ACTOR_COLUMNS,
    DATE_ORDER_SAMPLE_ROWS,
    GEO_PRECISION,
    ID_COLUMNS,
    NUMBER_RANGES,
    TEXT_COLUMNS,
    TIME_PRECISION,
    _code,
    acled_column_name,
    actor_type,
    cell_text,
    date_cells,
    distinct_actors,
    event_type_for,
    has_numeric_dates,
    missing_acled_columns,
)
from .base import SETTING_OF_LIMIT, Deadline, ImportLimits, LimitExceeded, ReadResult, RowProblem
from .columnar import (
    Answers,
    contains_byte,
    distinct_answers,
    distinct_row_answers,
    map_unless_plain,
    numbers,
    spread,
    spread_text,
)
from .columns import too_long_reason
from .tabular import SNIFF_CHARS, iter_csv_rows, looks_decimal_comma, read_header, sniff_delimiter
from .values import MISSING_MARKERS, decide_date_order, is_missing, parse_date, parse_number

BLOCK_BYTES = 16 * 1024 * 1024  # one Arrow block: ~70,000 ACLED rows, ~100 MB while mapped
PREFIX_BYTES = 4 * 1024 * 1024  # decoded up front for the delimiter, the header and the samples
SCAN_BYTES = 16 * 1024 * 1024  # bytes looked at at once when checking the quotes
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
QUOTE = ord('"')
LINE_BREAKS = (ord("\n"), ord("\r"))
LONGEST_MISSING_MARKER = max(map(len, MISSING_MARKERS))
VISIBLE = "[!-~]"  # a printable ASCII character other than a space: the row is not blank
# The checks acled_values makes, in the order it makes them: a rejected row lists its problems so.
CHECKED_FIELDS = ("event_date", "time_precision", "geo_precision", "latitude", "longitude", "fatalities")


class NeedsRowReader(Exception):  # noqa: N818 - a hand-over, not a program error
    """The file must be read by the row reader to be read exactly; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class CandidateBlock:
    """Candidate rows of one block as columns (the streaming form of :class:`~.base.Candidate`).

    ``columns`` holds, aligned with ``rows`` (file lines): ``event_date`` (dates),
    ``date_precision``, ``geo_precision`` (may be blank), ``country`` (as declared), ``actors``
    (tuples) as object arrays; ``event_day`` (``event_date`` as datetime64[D]); ``event_type``,
    ``original_type``, ``original_subtype``, ``summary``, ``source_event_id``, ``admin1``,
    ``admin2``, ``location``, ``source_name`` as Arrow strings (blank when absent);
    ``latitude``, ``longitude``, ``fatalities`` as floats (NaN when absent).
    """

    rows: np.ndarray
    columns: dict[str, object]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class AcledLayout:
    """What the first bytes of a file decide for all its blocks."""

    start: int  # byte offset of the header (after a BOM)
    header: list[str]  # as written (stripped): the field a too-long value is reported under
    names: list[str]  # ACLED column names
    delimiter: str
    decimal_comma: bool
    day_first: bool
    this_year: int
    prefix: str  # the decoded first bytes (the whole file when short), cut after a line
    whole: bool  # the prefix is the whole file


def stream_acled(data: bytes, limits: ImportLimits, deadline: Deadline, result: ReadResult,
                 block_bytes: int = BLOCK_BYTES) -> Iterator[CandidateBlock]:
    """Candidate blocks of an ACLED CSV export; rejections and warnings go to ``result``.

    Raises
    ------
    NeedsRowReader
        Before the first block, or while reading: the file has something only the row reader
        reads exactly (nothing of it is kept; read it again with :func:`~.acled.read_acled`).
    LimitExceeded
        More than ``max_rows`` data rows, or the parse deadline passed.
    """
    layout = acled_layout(data, limits, deadline)
    dates = _sample_dates(layout)
    if has_numeric_dates(dates):  # the order needs every date: one more pass, over that column only
        dates = _all_dates(data, layout, block_bytes)
    layout.day_first, warning = decide_date_order(dates)
    if warning:
        result.warnings.append(RowProblem(0, "event_date", warning))
    rules = AcledRules(layout)
    next_line, data_rows = 2, 0
    for batch in _batches(data, layout, block_bytes):
        deadline.check()
        columns = batch.columns
        breaks = _line_breaks(columns)  # a quoted field may hold line breaks
        lines = next_line + np.concatenate(([0], np.cumsum(1 + breaks)[:-1])).astype(np.int64)
        next_line += int(len(breaks) + breaks.sum())
        readable = ~_blank(columns)
        data_rows += int(readable.sum())
        if data_rows > limits.max_rows:
            raise LimitExceeded(f"the file has more than {limits.max_rows:,} data rows", SETTING_OF_LIMIT["max_rows"])
        result.rows_read += int(readable.sum())
        readable &= ~_reject_long_fields(columns, lines, readable, layout.header, limits, result)
        kept = np.flatnonzero(readable)
        if kept.size:
            block = _candidates(batch if kept.size == batch.num_rows else batch.take(pa.array(kept)), lines[kept],
                                rules, result)
            if len(block):
                yield block


def acled_layout(data: bytes, limits: ImportLimits, deadline: Deadline) -> AcledLayout:
    """Delimiter, header, number style and date sample from the first bytes; checks the whole file
    reads alike in Arrow and in the ``csv`` module (see the module docstring)."""
    if data.startswith(UTF16_BOMS) or b"\x00" in data:
        raise NeedsRowReader("UTF-16 or NUL bytes")
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    whole = len(data) - start <= PREFIX_BYTES
    prefix_end = len(data) if whole else data.rfind(b"\n", start, start + PREFIX_BYTES) + 1
    if prefix_end <= start:
        raise NeedsRowReader("no line break in the first bytes")
    try:
        prefix = data[start:prefix_end].decode("utf-8")
    except UnicodeDecodeError:
        raise NeedsRowReader("not UTF-8") from None
    if not prefix.strip() or prefix.lstrip()[:1] in ("{", "["):
        raise NeedsRowReader("empty, or JSON")
    if not whole and len(prefix) < SNIFF_CHARS * 4:
        raise NeedsRowReader("long lines")
    delimiter = sniff_delimiter(prefix)
    _check_bytes(data, start, delimiter)
    try:
        header = read_header(iter_csv_rows(prefix, delimiter, limits, deadline))
        first_line = next(csv.reader([prefix.split("\n", 1)[0].removesuffix("\r")], delimiter=delimiter,
                                     strict=True))
    except Exception:  # noqa: BLE001 - the row reader refuses it with its own words
        raise NeedsRowReader("the header") from None
    if [name.strip() for name in first_line] != header:  # Arrow takes line 1 as the header
        raise NeedsRowReader("a header not on the first line alone")
    if missing_acled_columns(header):
        raise NeedsRowReader("not ACLED's header")
    names = [acled_column_name(name) for name in header]
    return AcledLayout(start, header, names, delimiter, looks_decimal_comma(prefix, delimiter, names),
                       True, date.today().year, prefix, whole)


def _check_bytes(data: bytes, start: int, delimiter: str) -> None:
    """Refuse (to the row reader) what Arrow and Python's strict ``csv`` module read differently.

    Lines: Arrow skips blank lines without counting them, and a lone CR ends a line for Python
    only; blank lines at the very end change no line number and are fine. Quotes: both read a
    quoted field, a doubled quote inside one and a quote inside an unquoted field alike; they
    differ on a quoted field followed by more text (``"abc"def``: an error for ``csv``,
    ``abcdef`` for Arrow). Quotes are followed in order: outside a quoted field a run of them
    must start a field (a quote inside an unquoted field is read alike, but then the count of
    quotes no longer says where quoted fields are, so such a file goes the slow way), and a run
    that closes a field (odd inside one, even from a field's start) must end it.
    """
    buffer = np.frombuffer(data, dtype=np.uint8)
    end = len(data)
    while end > start and data[end - 1] in LINE_BREAKS:
        end -= 1
    if end == start or buffer[start] in LINE_BREAKS:
        raise NeedsRowReader("a blank first line")
    quotes, previous_feed = [], -2
    for at in range(start, len(data), SCAN_BYTES):
        chunk = buffer[at:at + SCAN_BYTES]
        returns = np.flatnonzero(chunk == LINE_BREAKS[1]) + at
        if returns.size and (returns[-1] + 1 >= len(data) or np.any(buffer[returns + 1] != LINE_BREAKS[0])):
            raise NeedsRowReader("a carriage return without a line feed")
        feeds = np.flatnonzero(chunk == LINE_BREAKS[0]) + at
        feeds = feeds[feeds < end]
        gaps = np.diff(np.concatenate(([previous_feed], feeds)))
        if np.any(gaps == 1) or np.any((gaps == 2) & (buffer[np.maximum(feeds - 1, 0)] == LINE_BREAKS[1])):
            raise NeedsRowReader("a blank line")
        previous_feed = feeds[-1] if feeds.size else previous_feed
        quotes.append(np.flatnonzero(chunk == QUOTE) + at)
    quotes = np.concatenate(quotes)
    if not quotes.size:
        return
    if quotes.size % 2:
        raise NeedsRowReader("a quoted field left open")
    run_breaks = np.flatnonzero(np.diff(quotes) != 1)
    first_quote = np.r_[0, run_breaks + 1]  # index of each run's first quote among all the quotes
    run_start = quotes[first_quote]
    run_end = quotes[np.r_[run_breaks, len(quotes) - 1]] + 1
    boundary = np.zeros(256, dtype=bool)
    boundary[[ord(delimiter), *LINE_BREAKS]] = True
    # with no quote taken literally (checked below), an odd count of quotes before a run means it
    # begins inside a quoted field
    inside = first_quote % 2 == 1
    at_field_start = (run_start == start) | boundary[buffer[np.maximum(run_start - 1, 0)]]
    followed_by_text = (run_end < len(data)) & ~boundary[buffer[np.minimum(run_end, len(data) - 1)]]
    odd = (run_end - run_start) % 2 == 1
    literal = ~inside & ~at_field_start  # a quote inside an unquoted field: fine for both, but breaks the count
    closed_then_text = followed_by_text & (inside == odd)  # "abc"def: an error for csv, abcdef for Arrow
    if np.any(literal | closed_then_text):
        raise NeedsRowReader("a quote read differently by the two parsers")


def _sample_dates(layout: AcledLayout) -> list[str]:
    sample = date_cells(layout.prefix, layout.delimiter, layout.names.index("event_date"), DATE_ORDER_SAMPLE_ROWS)
    if not layout.whole and len(sample) < DATE_ORDER_SAMPLE_ROWS:
        raise NeedsRowReader("a short date sample")
    return sample


def _all_dates(data: bytes, layout: AcledLayout, block_bytes: int) -> set[str]:
    column = f"c{layout.names.index('event_date')}"
    found: set[str] = set()
    for batch in _batches(data, layout, block_bytes, [column]):
        found.update(pc.unique(batch.column(0)).to_pylist())
    return found


def _batches(data: bytes, layout: AcledLayout, block_bytes: int,
             include: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The file's data rows as string columns ``c0, c1, …``, a block at a time."""
    names = [f"c{index}" for index in range(len(layout.header))]
    read = pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=block_bytes)
    parse = pacsv.ParseOptions(delimiter=layout.delimiter, quote_char='"', double_quote=True, escape_char=False,
                               newlines_in_values=True, ignore_empty_lines=True)
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                                   quoted_strings_can_be_null=False, include_columns=include or [])
    try:
        reader = pacsv.open_csv(pa.py_buffer(data).slice(layout.start), read, parse, convert)
        yield from reader
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:  # another field count, bad UTF-8…
        raise NeedsRowReader(f"Arrow: {str(error)[:120]}") from None


def _line_breaks(columns: list[pa.Array]) -> np.ndarray:
    """Line breaks inside each row's quoted fields (a lone CR never reaches here)."""
    breaks = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    for column in columns:
        if contains_byte(column, ord("\n")):
            breaks += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
    return breaks


def _blank(columns: list[pa.Array]) -> np.ndarray:
    """Rows whose every field is blank (only delimiters on the line): skipped, like the row reader does."""
    unsure = np.ones(len(columns[0]), dtype=bool)
    for column in columns:
        at = np.flatnonzero(unsure)
        if not at.size:
            break
        part = column if at.size == len(column) else column.take(pa.array(at))
        visible = pc.match_substring_regex(part, VISIBLE).to_numpy(zero_copy_only=False)
        unsure[at[visible]] = False
    for row in np.flatnonzero(unsure):  # no printable ASCII: Python's strip() decides
        unsure[row] = not any(str(column[row].as_py()).strip() for column in columns)
    return unsure


def _reject_long_fields(columns: list[pa.Array], lines: np.ndarray, readable: np.ndarray, header: list[str],
                        limits: ImportLimits, result: ReadResult) -> np.ndarray:
    """Rows with a field over ``max_field_chars``, rejected under the first such field's name."""
    long_rows = np.zeros(len(lines), dtype=bool)
    for index, column in enumerate(columns):
        if (pc.max(pc.binary_length(column)).as_py() or 0) <= limits.max_field_chars:
            continue  # no value has that many bytes, so none has that many characters
        lengths = pc.utf8_length(column).to_numpy(zero_copy_only=False)
        for row in np.flatnonzero((lengths > limits.max_field_chars) & readable & ~long_rows):
            result.rejected.append(RowProblem(int(lines[row]), header[index], too_long_reason(int(lengths[row]),
                                                                                             limits)))
            long_rows[row] = True
    return long_rows


class AcledRules:
    """acled_values' rules for one file, each remembering its answers over all the blocks."""

    def __init__(self, layout: AcledLayout) -> None:
        self.layout = layout
        self.date = Answers(self._date)
        self.codes = {name: Answers(lambda value, n=name, c=codes: _code_answer(value, n, c))
                      for name, codes in (("time_precision", TIME_PRECISION), ("geo_precision", GEO_PRECISION))}
        self.types = Answers(_types_answer)
        self.actors = Answers(lambda *values: distinct_actors(*map(cell_text, values)))
        self.country = Answers(_declared_country)
        self.numbers = {name: Answers(_number_parser(low, high, layout.decimal_comma))
                        for name, (low, high) in NUMBER_RANGES.items()}

    def _date(self, value: str) -> object:
        """reader.date's answer: (day, precision), or the problem ("no date" when blank)."""
        if is_missing(value):
            return "no date"
        try:
            return parse_date(value, day_first=self.layout.day_first, this_year=self.layout.this_year)
        except ValueError as error:
            return str(error)


def _candidates(batch: pa.RecordBatch, lines: np.ndarray, rules: AcledRules, result: ReadResult) -> CandidateBlock:
    """acled_values for every row of a block, a column at a time; rows with problems go to ``result``."""
    layout = rules.layout
    index_of = {name: index for index, name in enumerate(layout.names)}  # a repeated name: the last wins
    blank = pa.array([""] * batch.num_rows, pa.string())

    def raw(name: str) -> pa.Array:
        return batch.column(index_of[name]) if name in index_of else blank

    def text(name: str) -> pa.Array:
        return map_unless_plain(raw(name), cell_text, LONGEST_MISSING_MARKER)

    reasons: dict[str, np.ndarray] = {}
    columns: dict[str, object] = {}
    answers, codes = distinct_answers(raw("event_date"), rules.date)
    reasons["event_date"] = spread(answers, codes, lambda a: a if isinstance(a, str) else None)
    columns["event_date"] = spread(answers, codes, lambda a: a[0] if isinstance(a, tuple) else None)
    columns["event_day"] = np.array([a[0] if isinstance(a, tuple) else None for a in answers],
                                    dtype="datetime64[D]")[codes]
    day_precision = spread(answers, codes, lambda a: a[1] if isinstance(a, tuple) else "")
    for name, rule in rules.codes.items():
        answers, codes = distinct_answers(raw(name), rule)
        reasons[name] = spread(answers, codes, lambda a: a[1])
        columns[name] = spread(answers, codes, lambda a: a[0])
    stated_precision = columns.pop("time_precision")  # ACLED's time_precision, when given, decides
    columns["date_precision"] = np.where(stated_precision != "", stated_precision, day_precision)

    answers, codes = distinct_row_answers([raw(n) for n in ("event_type", "sub_event_type", "inter1", "inter2")],
                                          rules.types)
    for position, name in enumerate(("original_type", "original_subtype", "event_type")):
        columns[name] = spread_text(answers, codes, lambda a, p=position: a[p])
    tails = spread_text(answers, codes, lambda a: f" [ACLED actor types: {a[3]}]" if a[3] else "")
    actor_columns = ("actor1", *ASSOCIATED_ACTOR_COLUMNS[0], "actor2", *ASSOCIATED_ACTOR_COLUMNS[1])
    columns["actors"] = spread(*distinct_row_answers([raw(n) for n in actor_columns], rules.actors))
    columns["summary"] = _summaries(text("notes"), tails)
    source_id = text(ID_COLUMNS[0])
    for name in ID_COLUMNS[1:]:
        if name in index_of:
            source_id = pc.if_else(pc.equal(source_id, ""), text(name), source_id)
    columns["source_event_id"] = source_id
    columns["country"] = spread(*distinct_row_answers([raw(n) for n in ("country", "iso3", "iso")], rules.country))
    for ours, theirs in TEXT_COLUMNS:
        columns[ours] = text(theirs)
    for name, (low, high) in NUMBER_RANGES.items():
        columns[name], reasons[name] = numbers(raw(name), rules.numbers[name], low, high, layout.decimal_comma)

    problems = np.column_stack([reasons[name] for name in CHECKED_FIELDS])
    bad = np.flatnonzero((problems != None).any(axis=1))  # noqa: E711 - elementwise
    for row in bad:
        result.rejected.extend(RowProblem(int(lines[row]), name, reason)
                               for name, reason in zip(CHECKED_FIELDS, problems[row]) if reason is not None)
    if bad.size:
        good = np.ones(len(lines), dtype=bool)
        good[bad] = False
        lines = lines[good]
        columns = {name: (values.filter(pa.array(good)) if isinstance(values, pa.Array) else values[good])
                   for name, values in columns.items()}
    return CandidateBlock(lines, columns)


def _code_answer(value: str, name: str, codes: dict) -> tuple[str, str | None]:
    """One of ACLED's codes through acled._code: (our value or blank, the problem or None)."""
    problems: list[tuple[str, str]] = []
    found = _code(problems, name, cell_text(value), codes)
    return found, (problems[0][1] if problems else None)


def _types_answer(event_type: str, sub_event_type: str, inter1: str, inter2: str) -> tuple[str, str, str, str]:
    """(original type, original sub-type, our type, the actor types the summary ends with)."""
    original_type, original_subtype = cell_text(event_type), cell_text(sub_event_type)
    target_type = actor_type(cell_text(inter2))
    described = " vs ".join(kind for kind in (actor_type(cell_text(inter1)), target_type) if kind)
    return original_type, original_subtype, event_type_for(original_type, original_subtype, target_type), described


def _declared_country(country: str, iso3: str, iso: str) -> str:
    iso_number = cell_text(iso).removesuffix(".0")
    return cell_text(country) or cell_text(iso3) or (iso_number if iso_number.strip("0") else "")


def _summaries(notes: pa.Array, tails: pa.Array) -> pa.Array:
    """acled_values' summary: the notes, then " [ACLED actor types: …]" (``tails``) when the types are known."""
    joined = pc.binary_join_element_wise(notes, tails, "")
    alone = pc.and_(pc.equal(notes, ""), pc.not_equal(tails, ""))  # " [...]".strip(): no leading space
    if pc.any(alone).as_py():
        joined = pc.if_else(alone, pc.utf8_slice_codeunits(joined, 1), joined)
    return joined


def _number_parser(low: float, high: float, decimal_comma: bool):
    def parse(value: str) -> object:
        try:
            return parse_number(value, low, high, decimal_comma=decimal_comma)
        except ValueError as error:
            return str(error)
    return parse
