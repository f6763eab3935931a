"""ACLED exports (the Armed Conflict Location & Event Data Project) to candidate rows.

Columns are read by name, so the current 31-column export, the older one (``data_id``, ``iso3``,
``event_id_no_cnty``) and exports with columns added or dropped all work as long as the core
columns are there. Codes are mapped to our vocabularies as tabled in ``docs/IMPORTS.md``; the
source's own event type and sub-event type are always kept beside ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from ..schema import DatePrecision, EventType, GeoPrecision
from ..text import fold_text
from .base import Deadline, Format, ImportLimits, ImportRefused, ReadResult
from .columns import MAX_FATALITIES, FieldReader, split_actors
from .tabular import (
    collect_rows,
    decode_table,
    iter_csv_rows,
    looks_decimal_comma,
    read_header,
    sniff_delimiter,
)

# Present in every ACLED layout we know; enough to tell ACLED from a CSV that merely has a
# "latitude" and an "event_type" column.
ACLED_CORE_COLUMNS = frozenset({
    "event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1",
    "actor2", "inter1", "inter2", "country", "location", "latitude", "longitude", "geo_precision",
    "fatalities",
})
ACLED_COLUMNS = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,"
    "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,"
    "fatalities,tags,timestamp"
).split(",")

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
ACTOR_TYPES = {
    "1": "State forces", "2": "Rebel group", "3": "Political militia", "4": "Identity militia",
    "5": "Rioters", "6": "Protesters", "7": "Civilians", "8": "External/Other forces",
}
STATE_FORCES = ACTOR_TYPES["1"]
CIVILIANS = ACTOR_TYPES["7"]
# (event_type, sub_event_type) folded → ours. A pair not listed falls back on its event type in
# EVENT_TYPE_FALLBACK, then on "other".
SUB_EVENT_TYPES = {
    ("battles", "armed clash"): EventType.ARMED_CLASH,
    ("battles", "government regains territory"): EventType.ARMED_CLASH,
    ("battles", "non-state actor overtakes territory"): EventType.ARMED_CLASH,
    ("violence against civilians", "attack"): EventType.ATTACK_ON_CIVILIANS,
    ("violence against civilians", "abduction/forced disappearance"): EventType.ATTACK_ON_CIVILIANS,
    ("violence against civilians", "sexual violence"): EventType.ATTACK_ON_CIVILIANS,
    ("strategic developments", "arrests"): EventType.ARREST,
}
EVENT_TYPE_FALLBACK = {
    "battles": EventType.ARMED_CLASH,
    "violence against civilians": EventType.ATTACK_ON_CIVILIANS,
    # event types of ACLED exports before 2019
    "battle-no change of territory": EventType.ARMED_CLASH,
    "battle-government regains territory": EventType.ARMED_CLASH,
    "battle-non-state actor overtakes territory": EventType.ARMED_CLASH,
}
REMOTE_VIOLENCE = ("explosions/remote violence", "remote violence")  # the second before 2019


def matches_acled_header(fields: list[str]) -> bool:
    """True for the header of an ACLED export (either layout, any column order or case)."""
    names = {field.strip().lstrip("\ufeff").lower() for field in fields}
    return ACLED_CORE_COLUMNS <= names


@lru_cache(maxsize=1024)  # a handful of distinct values over a whole export
def actor_type(text: str) -> str:
    """An inter1/inter2 code as words: ``"1"`` and ``"State forces"`` both give "State forces"."""
    value = text.strip()
    if value.endswith(".0"):
        value = value[:-2]
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
    kind, sub_kind = fold_text(event_type), fold_text(sub_event_type)
    if kind in REMOTE_VIOLENCE:
        if target_type == STATE_FORCES:
            return EventType.ATTACK_ON_SECURITY_FORCES.value
        if target_type == CIVILIANS:
            return EventType.ATTACK_ON_CIVILIANS.value
        return EventType.OTHER.value
    found = SUB_EVENT_TYPES.get((kind, sub_kind)) or EVENT_TYPE_FALLBACK.get(kind) or EventType.OTHER
    return found.value


def acled_values(row: Mapping[str, str], limits: ImportLimits,
                 decimal_comma: bool = False) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Candidate values of one ACLED row (keyed by lower-case column name) and its problems.

    ``decimal_comma`` reads -12,5 as -12.5 (an export re-saved by a Spanish-locale spreadsheet).
    """
    reader = FieldReader(limits, decimal_comma)

    def text(name: str) -> str:
        return reader.text(name, row.get(name, ""))

    values: dict[str, object] = {}
    parsed = reader.date("event_date", row.get("event_date", ""))
    if parsed is None and not reader.problems:
        reader.problems.append(("event_date", "no date"))
    if parsed is not None:
        values["event_date"], values["date_precision"] = parsed
    precision = reader.code("time_precision", row.get("time_precision", ""), TIME_PRECISION, ())
    if precision:
        values["date_precision"] = precision
    geo_precision = reader.code("geo_precision", row.get("geo_precision", ""), GEO_PRECISION, ())
    if geo_precision:
        values["geo_precision"] = geo_precision

    original_type, original_subtype = text("event_type"), text("sub_event_type")
    types = [actor_type(text(name)) for name in ("inter1", "inter2")]
    values["event_type"] = event_type_for(original_type, original_subtype, types[1])
    values["original_type"] = original_type
    values["original_subtype"] = original_subtype
    values["actors"] = split_actors(*(text(name) for name in ("actor1", "assoc_actor_1", "actor2",
                                                               "assoc_actor_2")))
    notes = text("notes")
    described = " vs ".join(kind for kind in types if kind)
    # ACLED's actor types say who fought whom; no field of ours holds them, so they close the summary
    values["summary"] = f"{notes} [ACLED actor types: {described}]".strip() if described else notes
    values["source_event_id"] = text("event_id_cnty") or text("data_id")
    # the country name as ACLED writes it ("Peru"); the normaliser resolves names and codes
    values["country"] = text("country") or text("iso3")
    for ours, theirs in (("admin1", "admin1"), ("admin2", "admin2"), ("location", "location"),
                         ("source_name", "source")):
        values[ours] = text(theirs)
    for ours, low, high in (("latitude", -90, 90), ("longitude", -180, 180), ("fatalities", 0, MAX_FATALITIES)):
        number = reader.number(ours, row.get(ours, ""), low, high)
        if number is not None:
            values[ours] = number
    return {k: v for k, v in values.items() if v not in ("", ())}, reader.problems


def read_acled(data: bytes, limits: ImportLimits, deadline: Deadline) -> ReadResult:
    """Read an ACLED export (CSV with a header row).

    Parameters
    ----------
    data
        The file (UTF-8 with or without BOM; see :func:`~.values.decode_text`).
    limits, deadline
        Row, field-count and field-length limits and the parse budget.

    Returns
    -------
    ReadResult
        One candidate per readable row (row = file line, header = 1).
    """
    result = ReadResult(Format.ACLED)
    text = decode_table(data, result)
    delimiter = sniff_delimiter(text)
    rows = iter_csv_rows(text, delimiter, limits, deadline)
    header = read_header(rows)
    names = [name.lower() for name in header]
    if not matches_acled_header(names):
        missing = ", ".join(sorted(ACLED_CORE_COLUMNS - set(names)))
        raise ImportRefused(f"not an ACLED export: the header lacks {missing}")
    decimal_comma = looks_decimal_comma(text, delimiter, names)
    collect_rows(rows, names, result, lambda row: acled_values(row, limits, decimal_comma))
    return result
