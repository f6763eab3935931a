"""UCDP Georeferenced Event Dataset (GED) files to candidate rows.

GED is recognised by its columns (:data:`GED_CORE_COLUMNS`, any case and order, other columns
free), so every release since GED 5.0 reads the same way, whatever the container: a CSV with a
header, a headerless CSV (candidate releases; read with the 49 columns of :data:`GED_COLUMNS`,
the GED 23.1–25.1 order), or GeoJSON/GeoPackage properties (see :mod:`.geofile`, which calls
:func:`ucdp_values`). Codes are mapped to our vocabularies as tabled in ``docs/IMPORTS.md``;
UCDP's type of violence and conflict name are kept beside our event type.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from functools import lru_cache

from ..schema import DatePrecision, EventType, GeoPrecision
from .base import Deadline, Format, ImportLimits, ImportRefused, ReadResult
from .columns import MAX_FATALITIES, FieldReader, split_actors
from .tabular import collect_rows, decode_table, iter_csv_rows, read_header, sniff_delimiter

GED_COLUMNS = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,"
    "conflict_name,dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,"
    "side_b_dset_id,side_b_new_id,side_b,number_of_sources,source_article,source_office,"
    "source_date,source_headline,source_original,where_prec,where_coordinates,where_description,"
    "adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,country_id,region,event_clarity,"
    "date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,deaths_unknown,best,high,low,"
    "gwnoa,gwnob"
).split(",")
GED_HEADER_START = GED_COLUMNS[:5]
# The columns that tell a GED file from any other table: present in every GED release since 5.0
# (2016; later releases add relid, code_status, the *_dset_id columns and where_description),
# and together specific to GED (type_of_violence, where_prec and date_prec are UCDP's own names).
# ``id`` is not among them: a GIS conversion may move it to the feature id, which is then used.
GED_CORE_COLUMNS = frozenset({
    "type_of_violence", "side_a", "side_b", "date_start", "date_prec", "where_prec", "best",
})
_INDEX = {name: index for index, name in enumerate(GED_COLUMNS)}
_ID = re.compile(r"^\d+(\.0)?$")
_RELID = re.compile(r"^[A-Z]{2,4}-\d{4}-\d")  # PER-1990-1-500-18
_YEAR = re.compile(r"^\d{4}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")

# type_of_violence → (UCDP's name for it, our event type)
TYPE_OF_VIOLENCE = {
    "1": ("state-based conflict", EventType.ARMED_CLASH),
    "2": ("non-state conflict", EventType.ARMED_CLASH),
    "3": ("one-sided violence", EventType.ATTACK_ON_CIVILIANS),
}
# GED codebook date_prec: 1 = the exact day; 2 = within 2–6 days; 3 = only the week; 4 = within
# 8–30 days or only the month; 5 = only the year (or a longer span). date_start is the event date
# and date_end is kept; anything short of one known day becomes "month" rather than claim a day.
DATE_PRECISION = {
    "1": DatePrecision.DAY, "2": DatePrecision.MONTH, "3": DatePrecision.MONTH,
    "4": DatePrecision.MONTH, "5": DatePrecision.YEAR,
}
# GED codebook where_prec: 1 = exact place; 2 = within about 25 km of a known point ("near X");
# 3 = only the second-order division (ADM2, a Peruvian provincia); 4 = only the first-order
# division (ADM1, a departamento/región); 5 = a part of the country larger than one ADM1, or a
# linear feature (a river, a road, a border) — our coarsest level short of the whole country;
# 6 = only the country; 7 = international waters or airspace.
GEO_PRECISION = {
    "1": GeoPrecision.EXACT, "2": GeoPrecision.TOWN, "3": GeoPrecision.PROVINCE,
    "4": GeoPrecision.REGION, "5": GeoPrecision.REGION, "6": GeoPrecision.COUNTRY,
    "7": GeoPrecision.COUNTRY,
}


@lru_cache(maxsize=4096)  # the same few names come with every feature of a layer
def column_name(field: str) -> str:
    """A column name as GED's codebook writes it: stripped, lower case, without a BOM."""
    return field.strip().lstrip("\ufeff").strip().lower()


def column_names(fields: list[str]) -> list[str]:
    """:func:`column_name` of each field."""
    return [column_name(str(field)) for field in fields]


def missing_ged_columns(names: list[str]) -> list[str]:
    """The GED core columns (:data:`GED_CORE_COLUMNS`) that ``names`` lacks, sorted."""
    return sorted(GED_CORE_COLUMNS - set(column_names(names)))


def matches_ged_columns(names: list[str]) -> bool:
    """True when column or property names are GED's: all of :data:`GED_CORE_COLUMNS`, any case."""
    return not missing_ged_columns(names)


def _is_header(fields: list[str]) -> bool:
    # the GED 18.1+ header start is kept as a signature too, as it was the first rule documented
    return matches_ged_columns(fields) or column_names(fields[:5]) == GED_HEADER_START


def _is_data_row(fields: list[str]) -> bool:
    if len(fields) != len(GED_COLUMNS):
        return False
    value = {name: fields[_INDEX[name]].strip() for name in
             ("id", "relid", "year", "type_of_violence", "date_start")}
    return bool(_ID.match(value["id"]) and _RELID.match(value["relid"]) and _YEAR.match(value["year"])
                and value["type_of_violence"] in TYPE_OF_VIOLENCE and _DATE.match(value["date_start"]))


def matches_ucdp_row(fields: list[str]) -> bool:
    """True for a GED header (its core columns in any order or case) or a headerless GED row.

    A header is recognised by :func:`matches_ged_columns` (or by starting
    ``id,relid,year,active_year,code_status``). A data row must have the 49 GED fields with a
    numeric id, a relid like ``PER-1990-1-…``, a four-digit year, a type of violence 1–3 and an
    ISO date_start.
    """
    return _is_header(fields) or _is_data_row(fields)


def ucdp_values(row: Mapping[str, str], limits: ImportLimits) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Candidate values of one GED row (keyed by lower-case column name) and its problems."""
    reader = FieldReader(limits)

    def text(name: str) -> str:
        return reader.text(name, row.get(name, ""))

    values: dict[str, object] = {}
    start = reader.date("date_start", row.get("date_start", ""))
    if start is None and not reader.problems:
        reader.problems.append(("date_start", "no date"))
    if start is not None:
        values["event_date"], values["date_precision"] = start[0], DatePrecision.DAY.value
    end = reader.date("date_end", row.get("date_end", ""))
    if end is not None:
        values["date_end"] = end[0]
    precision = reader.code("date_prec", row.get("date_prec", ""), DATE_PRECISION, ())
    if precision:
        values["date_precision"] = precision
    geo_precision = reader.code("where_prec", row.get("where_prec", ""), GEO_PRECISION, ())
    if geo_precision:
        values["geo_precision"] = geo_precision

    violence = text("type_of_violence").removesuffix(".0")
    if violence in TYPE_OF_VIOLENCE:
        values["original_type"], event_type = TYPE_OF_VIOLENCE[violence]
        values["event_type"] = event_type.value
    elif violence:
        reader.problems.append(("type_of_violence", f"'{violence[:40]}' is not one of 1, 2, 3"))
    values["original_subtype"] = text("conflict_name")
    values["actors"] = split_actors(text("side_a"), text("side_b"))
    values["source_event_id"] = text("id").removesuffix(".0")
    values["summary"] = text("source_headline")
    values["source_name"] = text("source_article") or text("source_office")
    values["location"] = text("where_coordinates") or text("where_description")
    # the country name as UCDP writes it ("Peru"); the normaliser resolves names and codes
    values["country"] = text("country")
    values["admin1"], values["admin2"] = text("adm_1"), text("adm_2")
    for ours, theirs, low, high in (
        ("latitude", "latitude", -90, 90), ("longitude", "longitude", -180, 180),
        ("fatalities", "best", 0, MAX_FATALITIES), ("fatalities_low", "low", 0, MAX_FATALITIES),
        ("fatalities_high", "high", 0, MAX_FATALITIES),
    ):
        number = reader.number(theirs, row.get(theirs, ""), low, high)
        if number is not None:
            values[ours] = number
    return {k: v for k, v in values.items() if v not in ("", ())}, reader.problems


def _first_record(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:
        return []


def read_ucdp(data: bytes, limits: ImportLimits, deadline: Deadline) -> ReadResult:
    """Read a UCDP GED CSV, with or without its header row (any GED release since 5.0).

    Parameters
    ----------
    data
        The file (UTF-8 with or without BOM; see :func:`~.values.decode_text`).
    limits, deadline
        Row, field-count and field-length limits and the parse budget.

    Returns
    -------
    ReadResult
        One candidate per readable row; rows are file lines (header = 1; in a headerless file the
        first event is row 1).
    """
    result = ReadResult(Format.UCDP)
    text = decode_table(data, result)
    # a GED re-saved by a European spreadsheet is ';'-separated; UCDP's own files use ','
    delimiter = sniff_delimiter(text)
    first = _first_record(text, delimiter)
    if _is_header(first):
        rows = iter_csv_rows(text, delimiter, limits, deadline)
        names = column_names(read_header(rows))
        layout = "header"
    elif _is_data_row(first):
        names, layout = list(GED_COLUMNS), "the GED layout"
        rows = iter_csv_rows(text, delimiter, limits, deadline, names=names)
    else:
        missing = ", ".join(missing_ged_columns(first))
        raise ImportRefused(f"not a UCDP GED file: the first line is neither a GED header (it lacks "
                            f"{missing}) nor a row of GED's 49 columns")
    collect_rows(rows, names, result, lambda row: ucdp_values(row, limits), layout)
    return result
