"""ACLED exports (the Armed Conflict Location & Event Data Project) to candidate rows.

ACLED has changed its layout several times since its first release (1997 data onward): the
UPPERCASE files of versions 1–7 (``GWNO``, ``ALLY_ACTOR_1``), the 2017–2018 exports
(``assoc_actor_1``, ``iso``, no ``sub_event_type``), the 2019–2022 ones (``data_id``,
``event_id_no_cnty``, ``iso3``) and the current one (``disorder_type``, ``civilian_targeting``,
``tags``). Columns are therefore read by name, whatever their case or order, and a file is
recognised as ACLED by the columns every era shares plus one of ACLED's id columns (see
:func:`matches_acled_header`). CSV (also pandas / R dumps with a row-name column) and the JSON
of ACLED's API are read the same way. Codes are mapped to our vocabularies as tabled in
``docs/IMPORTS.md``; ACLED's own event type and sub-event type are always kept beside ours.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from functools import lru_cache

from ..schema import DatePrecision, EventType, GeoPrecision
from ..text import fold_text
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
from .columns import MAX_FATALITIES, FieldReader, split_actors, too_long_reason
from .tabular import (
    CHECK_EVERY,
    ROW_FIELD,
    Row,
    collect_rows,
    decode_table,
    iter_csv_rows,
    longest_line,
    looks_decimal_comma,
    read_header,
    sniff_delimiter,
    text_lines,
)
from .values import decide_date_order, is_missing

# ACLED's event id columns, best first: event_id_cnty (all eras; "PER1001", or "1416RTA" in
# realtime files), event_id_no_cnty (numeric, unique within a country; gone in 2023), data_id
# (a row number that changed with each release; 2019–2022 only).
ID_COLUMNS = ("event_id_cnty", "event_id_no_cnty", "data_id")
# Present in every ACLED layout since version 1 (with one of ID_COLUMNS): enough to tell ACLED
# from a CSV that merely has "latitude" and "event_type" columns. actor2/inter2 are not
# required, so a monadic API export (one actor per row) is still recognised.
ACLED_CORE_COLUMNS = frozenset({
    "event_date", "time_precision", "event_type", "actor1", "inter1", "country", "location", "latitude",
    "longitude", "geo_precision", "fatalities",
})
ACLED_COLUMNS = (  # the current layout (since March 2023), as ACLED's export tool writes it
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,"
    "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,"
    "fatalities,tags,timestamp"
).split(",")
# Layouts before 2017 name the associated actors "ally" actors; same meaning.
ASSOCIATED_ACTOR_COLUMNS = (("assoc_actor_1", "ally_actor_1"), ("assoc_actor_2", "ally_actor_2"))
ROW_NAME_COLUMN = "row_name"  # the unnamed first column R's write.table adds to the rows only

# ACLED codebook: time_precision 1 = the day is known, 2 = only the week or a range of days is
# known, 3 = only the month (or a longer range) is known; ACLED then picks a day inside it. The
# date is kept as ACLED gives it; our precision, one step coarser on purpose, says how far to
# trust that day.
TIME_PRECISION = {"1": DatePrecision.DAY, "2": DatePrecision.MONTH, "3": DatePrecision.YEAR}
# ACLED codebook: geo_precision 1 = the event happened in (or at the coordinates of) a named
# town; 2 = near a town or in a small part of a region, placed at the nearest town; 3 = only a
# larger region is known, placed at its centre.
GEO_PRECISION = {"1": GeoPrecision.TOWN, "2": GeoPrecision.DISTRICT, "3": GeoPrecision.REGION}
# inter1/inter2: numbers in older exports, words in newer ones; both become these words.
# 0 is ACLED's "no actor" (the empty side of a one-sided event): it becomes nothing.
ACTOR_TYPES = {
    "1": "State forces", "2": "Rebel group", "3": "Political militia", "4": "Identity militia",
    "5": "Rioters", "6": "Protesters", "7": "Civilians", "8": "External/Other forces",
}
NO_ACTOR_CODE = "0"
STATE_FORCES = ACTOR_TYPES["1"]
CIVILIANS = ACTOR_TYPES["7"]
# (event_type, sub_event_type) folded → ours, for the types whose sub-type decides.
SUB_EVENT_TYPES = {
    ("strategic developments", "arrests"): EventType.ARREST,
}
# event_type folded → ours whatever the sub-type; a type not listed (and not remote violence)
# is "other": Protests, Riots, Strategic developments (but arrests), and before 2019
# Riots/Protests, Strategic development, Headquarters or base established, Non-violent
# transfer of territory, Non-violent activity by a conflict actor.
EVENT_TYPES = {
    "battles": EventType.ARMED_CLASH,
    "violence against civilians": EventType.ATTACK_ON_CIVILIANS,
}
# Before 2019: "Battle-No change of territory", "Battle-Government regains territory",
# "Battle-Non-state actor overtakes territory" (also spelt "…actors overtake…").
OLD_BATTLE_PREFIX = "battle-"
REMOTE_VIOLENCE = ("explosions/remote violence", "remote violence")  # the second before 2019

# Number columns and their ranges, and text columns as (our field, ACLED's column), read alike
NUMBER_RANGES = {"latitude": (-90, 90), "longitude": (-180, 180), "fatalities": (0, MAX_FATALITIES)}
TEXT_COLUMNS = (("admin1", "admin1"), ("admin2", "admin2"), ("location", "location"), ("source_name", "source"))
TEXT_CACHE_SIZE = 65_536  # distinct cell texts and actor lists remembered over one import
DATE_ORDER_SAMPLE_ROWS = 200  # date cells looked at before deciding whether to read the whole column


def acled_column_name(name: str) -> str:
    """A header cell as the mapping names it: ``"EVENT_ID_CNTY"``, ``" Source Scale"`` → lower snake case."""
    return "_".join(name.strip().lstrip("\ufeff").strip().strip('"').lower().replace("-", " ").split())


def missing_acled_columns(fields: Iterable[str]) -> list[str]:
    """What a header lacks to be ACLED's: core column names, and the id columns when none is there."""
    names = {acled_column_name(field) for field in fields}
    missing = sorted(ACLED_CORE_COLUMNS - names)
    if not names.intersection(ID_COLUMNS):
        missing.append("an id column (" + ", ".join(ID_COLUMNS[:-1]) + " or " + ID_COLUMNS[-1] + ")")
    return missing


def matches_acled_header(fields: list[str]) -> bool:
    """True for the header of an ACLED export of any era, in any column order or case.

    It needs every column of :data:`ACLED_CORE_COLUMNS` and one of :data:`ID_COLUMNS`; other
    columns (an index column first, ``gwno``, ``iso3``, ``tags``…) do not matter.
    """
    return not missing_acled_columns(fields)


@lru_cache(maxsize=1024)  # a handful of distinct values over a whole export
def actor_type(text: str) -> str:
    """An inter1/inter2 code as words: ``"1"`` and ``"State forces"`` both give "State forces"; ``"0"`` gives ""."""
    value = text.strip()
    if value.endswith(".0"):
        value = value[:-2]
    if value == NO_ACTOR_CODE:
        return ""
    if value in ACTOR_TYPES:
        return ACTOR_TYPES[value]
    for words in ACTOR_TYPES.values():
        # "State Forces", "Rebel groups" and the like
        if fold_text(value).rstrip("s") == fold_text(words).rstrip("s"):
            return words
    return value


@lru_cache(maxsize=1024)
def event_type_for(event_type: str, sub_event_type: str, target_type: str) -> str:
    """Our event type for an ACLED event type, sub-event type and the type of actor 2.

    Explosions and remote violence against state forces are attacks on security forces, against
    civilians attacks on civilians; everything else ACLED calls remote violence is "other".
    """
    kind, sub_kind = fold_text(event_type).strip(), fold_text(sub_event_type).strip()
    if kind in REMOTE_VIOLENCE:
        if target_type == STATE_FORCES:
            return EventType.ATTACK_ON_SECURITY_FORCES.value
        if target_type == CIVILIANS:
            return EventType.ATTACK_ON_CIVILIANS.value
        return EventType.OTHER.value
    if kind.startswith(OLD_BATTLE_PREFIX):
        return EventType.ARMED_CLASH.value
    found = SUB_EVENT_TYPES.get((kind, sub_kind)) or EVENT_TYPES.get(kind) or EventType.OTHER
    return found.value


def acled_values(row: Mapping[str, object], limits: ImportLimits, decimal_comma: bool = False,
                 day_first: bool = True, this_year: int | None = None,
                 ) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Candidate values of one ACLED row (keyed by lower-case column name) and its problems.

    Parameters
    ----------
    row
        Column name → value (text from a CSV; text, numbers or None from JSON or a GeoPackage).
        Older names (``ally_actor_1``) are read as well as newer ones; a missing value (``NA``,
        ``NULL``…) is blank.
    decimal_comma
        Read -12,5 as -12.5 (an export re-saved by a Spanish-locale spreadsheet).
    day_first, this_year
        The file's order for numeric dates like 03/04/2017 (:func:`~.values.decide_date_order`)
        and the year two-digit years are read against (today's when None).
    """
    reader = FieldReader(limits, decimal_comma, day_first, this_year)
    problems = reader.problems
    max_chars = limits.max_field_chars
    get = row.get

    def text(name: str) -> str:
        value = get(name)
        if value is None or value == "":
            return ""
        value = value if isinstance(value, str) else str(value)
        if len(value) > max_chars:
            problems.append((name, too_long_reason(len(value), limits)))
            return ""
        return cell_text(value)

    values: dict[str, object] = {}
    parsed = reader.date("event_date", get("event_date"))
    if parsed is None and not problems:
        problems.append(("event_date", "no date"))
    if parsed is not None:
        values["event_date"], values["date_precision"] = parsed
    if precision := _code(problems, "time_precision", text("time_precision"), TIME_PRECISION):
        values["date_precision"] = precision
    if geo_precision := _code(problems, "geo_precision", text("geo_precision"), GEO_PRECISION):
        values["geo_precision"] = geo_precision

    original_type, original_subtype = text("event_type"), text("sub_event_type")
    target_type = actor_type(text("inter2"))
    values["event_type"] = event_type_for(original_type, original_subtype, target_type)
    values["original_type"] = original_type
    values["original_subtype"] = original_subtype
    values["actors"] = distinct_actors(
        text("actor1"), *(text(name) for name in ASSOCIATED_ACTOR_COLUMNS[0]),
        text("actor2"), *(text(name) for name in ASSOCIATED_ACTOR_COLUMNS[1]))
    notes = text("notes")
    described = " vs ".join(kind for kind in (actor_type(text("inter1")), target_type) if kind)
    # ACLED's actor types say who fought whom; no field of ours holds them, so they close the summary
    values["summary"] = f"{notes} [ACLED actor types: {described}]".strip() if described else notes
    for name in ID_COLUMNS:
        if source_event_id := text(name):
            values["source_event_id"] = source_event_id
            break
    # the country name as ACLED writes it ("Peru"), else its codes; the normaliser resolves names,
    # letter codes and numeric ISO 3166 codes (iso 604 = Peru). ACLED writes iso 0 for Kosovo.
    iso_number = text("iso").removesuffix(".0")
    values["country"] = text("country") or text("iso3") or (iso_number if iso_number.strip("0") else "")
    for ours, theirs in TEXT_COLUMNS:
        values[ours] = text(theirs)
    for ours, (low, high) in NUMBER_RANGES.items():
        number = reader.number(ours, get(ours), low, high)
        if number is not None:
            values[ours] = number
    return {k: v for k, v in values.items() if v != "" and v != ()}, problems


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def cell_text(value: str) -> str:
    """A cell's text, stripped; blank when it is a missing marker (``NA``, ``NULL``, ``-``…).

    Cached: most ACLED columns repeat a few values (types, codes, countries, admin names) over a
    whole file, and a long note that misses the cache costs no more than reading it uncached.
    """
    return "" if is_missing(value) else value.strip()


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def distinct_actors(*texts: str) -> tuple[str, ...]:
    """:func:`~.columns.split_actors`, cached: the same actor pairs come back row after row."""
    return split_actors(*texts)


def _code(problems: list[tuple[str, str]], name: str, text: str, codes: Mapping[str, str]) -> str:
    """One of ACLED's numeric codes (``"2"`` or ``"2.0"``) as our value; another value is a problem."""
    if not text:
        return ""
    found = codes.get(text[:-2] if text.endswith(".0") else text)
    if found is None:
        problems.append((name, f"'{text[:40]}' is not one of {', '.join(codes)}"))
        return ""
    return str(found)


def read_acled(data: bytes, limits: ImportLimits, deadline: Deadline) -> ReadResult:
    """Read an ACLED export: CSV with a header row of any era, or the JSON of ACLED's API.

    Parameters
    ----------
    data
        The file (UTF-8 with or without BOM; see :func:`~.values.decode_text`). CSV may carry a
        row-name column first (pandas' ``Unnamed: 0``, R's ``""`` or a header one field short);
        JSON is ``{"status": 200, "success": true, "count": N, "data": [{…}, …]}`` or the bare
        list of records.
    limits, deadline
        Row, field-count and field-length limits and the parse budget.

    Returns
    -------
    ReadResult
        One candidate per readable row (row = file line, header = 1; in JSON the record's
        number, from 1).

    Raises
    ------
    ImportRefused
        The header (or the first JSON record) lacks ACLED's columns; the reason names them.
    """
    result = ReadResult(Format.ACLED)
    text = decode_table(data, result)
    if text.lstrip()[:1] in ("{", "["):
        _read_api_json(text, limits, deadline, result)
        return result
    delimiter = sniff_delimiter(text)
    rows = iter_csv_rows(text, delimiter, limits, deadline)
    header = read_header(rows)
    _refuse_unless_acled(header)
    names = [acled_column_name(name) for name in header]
    rows, names = _with_row_name_column(rows, names)
    decimal_comma = looks_decimal_comma(text, delimiter, names)
    day_first, order_warning = decide_date_order(_date_column(text, delimiter, names.index("event_date"),
                                                                  longest_line(limits)))
    if order_warning:
        result.warnings.append(RowProblem(0, "event_date", order_warning))
    this_year = date.today().year
    collect_rows(rows, names, result, lambda row: acled_values(row, limits, decimal_comma, day_first, this_year))
    return result


def _refuse_unless_acled(fields: Iterable[str]) -> None:
    missing = missing_acled_columns(fields)
    if missing:
        raise ImportRefused(f"not an ACLED export: the header lacks {', '.join(missing)}")


def _with_row_name_column(rows: Iterator[Row], names: list[str]) -> tuple[Iterator[Row], list[str]]:
    """R's write.table writes row names in every row but not in the header: name that first column.

    Decided on the first data row: one field more than the header means a row-name column.
    """
    first = next(rows, None)
    if first is None:
        return rows, names
    fields = first[1]
    if fields is not None and len(fields) == len(names) + 1:
        names = [ROW_NAME_COLUMN, *names]
    return itertools.chain([first], rows), names


def _date_column(text: str, delimiter: str, index: int, longest: int) -> list[str]:
    """The event_date cells, for deciding the date order; read whole only when a sample has numeric dates.

    ACLED writes ISO or named-month dates; only files re-saved by a spreadsheet (or the oldest,
    18/04/2001) have numeric ones, and only those need the whole column read a second time.
    """
    sample = date_cells(text, delimiter, index, DATE_ORDER_SAMPLE_ROWS, longest)
    if not has_numeric_dates(sample):
        return sample
    return date_cells(text, delimiter, index, None, longest)


def has_numeric_dates(cells: Iterable[str]) -> bool:
    """True when some date cell is written with '/' or '.' (03/04/2017): the order must be decided."""
    return any(character in cell for cell in cells for character in "/.")


def date_cells(text: str, delimiter: str, index: int, limit: int | None, longest: int | None = None) -> list[str]:
    """The cells of column ``index`` in the first ``limit`` records after the header (all when None),
    up to a line longer than ``longest`` characters."""
    reader = csv.reader(text_lines(text, longest), delimiter=delimiter)
    found: list[str] = []
    try:
        for fields in itertools.islice(reader, 1, None if limit is None else limit + 1):
            if len(fields) > index:
                found.append(fields[index])
    except (csv.Error, LimitExceeded):  # the row reader reports it with its line; the sample just ends here
        pass
    return found


def _read_api_json(text: str, limits: ImportLimits, deadline: Deadline, result: ReadResult) -> None:
    """Records of an ACLED API response (or a bare list of them) as candidates, numbered from 1."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRefused(f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    records = document.get("data") if isinstance(document, dict) else document
    if not isinstance(records, list):
        raise ImportRefused('a JSON file without a list of ACLED records (expected "data": [...])')
    first = next((record for record in records if isinstance(record, dict)), {})
    _refuse_unless_acled(first)
    if len(records) > limits.max_rows:
        raise LimitExceeded(f"the file has more than {limits.max_rows:,} records", SETTING_OF_LIMIT["max_rows"])
    day_first, order_warning = decide_date_order(
        str(record.get("event_date", "")) for record in records if isinstance(record, dict))
    if order_warning:
        result.warnings.append(RowProblem(0, "event_date", order_warning))
    this_year = date.today().year
    for number, record in enumerate(records, start=1):
        if number % CHECK_EVERY == 0:
            deadline.check()
        result.rows_read += 1
        row, problem = _api_record(record, limits)
        if problem:
            result.rejected.append(RowProblem(number, *problem))
            continue
        values, problems = acled_values(row, limits, day_first=day_first, this_year=this_year)
        if problems:
            result.rejected.extend(RowProblem(number, name, reason) for name, reason in problems)
            continue
        result.candidates.append(Candidate(number, values))


def _api_record(record: object, limits: ImportLimits) -> tuple[dict[str, object], tuple[str, str] | None]:
    """One JSON record keyed by ACLED column name, or the problem that makes it unreadable."""
    if not isinstance(record, dict):
        return {}, (ROW_FIELD, f"a JSON {type(record).__name__}, not a record of named values")
    if len(record) > limits.max_fields_per_row:
        return {}, (ROW_FIELD, f"{len(record):,} fields, more than the {limits.max_fields_per_row:,} allowed "
                               f"(limit set by {SETTING_OF_LIMIT['max_fields_per_row']})")
    row: dict[str, object] = {}
    for key, value in record.items():
        name = acled_column_name(str(key))
        if isinstance(value, (dict, list)):
            return {}, (name, "a nested JSON value, not a single value")
        row[name] = value if value is None or isinstance(value, str) else _json_scalar(value)
    return row, None


def _json_scalar(value: object) -> str:
    """A JSON number or true/false as the text a CSV would hold (3, not 3.0, for whole numbers)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

