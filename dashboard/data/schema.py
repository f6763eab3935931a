"""The canonical event schema: value sets, column order and row validation.

Everything that enters Rutas (bundled facts now, user imports later) is checked here, so a bad
row is reported with its file, line and field instead of surfacing as a traceback later.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit


class EventType(StrEnum):
    """Closed vocabulary of event types (order = legend and colour order)."""

    DRUG_SEIZURE = "drug_seizure"
    ATTACK_ON_SECURITY_FORCES = "attack_on_security_forces"
    ARMED_CLASH = "armed_clash"
    ATTACK_ON_CIVILIANS = "attack_on_civilians"
    AIRCRAFT_INTERDICTION = "aircraft_interdiction"
    AIRSTRIP_DESTROYED = "airstrip_destroyed"
    LAB_DESTROYED = "lab_destroyed"
    COCA_ERADICATION = "coca_eradication"
    ARREST = "arrest"
    STATE_OF_EMERGENCY = "state_of_emergency"
    OTHER = "other"


class DatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class GeoPrecision(StrEnum):
    """How well a point is placed, finest first."""

    EXACT = "exact"
    TOWN = "town"
    DISTRICT = "district"
    PROVINCE = "province"
    REGION = "region"
    COUNTRY = "country"


# exact/town points are drawn solid; coarser ones get an uncertainty halo.
PRECISE_GEO = frozenset({GeoPrecision.EXACT, GeoPrecision.TOWN})


class Drug(StrEnum):
    COCAINE = "cocaine"
    COCAINE_BASE = "cocaine_base"
    COCA_LEAF = "coca_leaf"
    MARIJUANA = "marijuana"
    OTHER = "other"


class ActorGroup(StrEnum):
    """Coarse actor families, so a filter can say "Shining Path" for every named column.

    State groups hold only state bodies (forces, governments, prosecutors, customs); the generic
    groups follow ACLED's actor types for non-state actors (``dashboard.data.actors`` has the rules).
    """

    SHINING_PATH = "shining_path"
    PERU_POLICE = "peru_police"
    PERU_MILITARY = "peru_military"
    PERU_GOVERNMENT = "peru_government"
    TRAFFICKERS = "traffickers"
    BOLIVIA_AUTHORITIES = "bolivia_authorities"
    BRAZIL_AUTHORITIES = "brazil_authorities"
    COLOMBIA_AUTHORITIES = "colombia_authorities"
    EUROPE_AUTHORITIES = "europe_authorities"
    US_AUTHORITIES = "us_authorities"
    OTHER_STATE_FORCES = "other_state_forces"  # any other country's forces or government
    CIVILIANS = "civilians"
    PROTESTERS = "protesters"  # ACLED's "Protesters (…)": peaceful demonstrators
    RIOTERS = "rioters"  # ACLED's "Rioters (…)": violent demonstrators, kept apart from protesters
    UNIDENTIFIED_ARMED_GROUPS = "unidentified_armed_groups"
    OTHER = "other"


EVENT_COLUMNS: tuple[str, ...] = (
    "event_id", "event_date", "date_precision", "event_type", "actors", "actor_groups",
    "country", "admin1", "admin2", "location", "latitude", "longitude", "geo_precision",
    "fatalities", "drug", "quantity_kg", "origin", "destination", "route_id", "summary",
    "source_name", "source_url", "dataset", "synthetic",
)
BUNDLED_DATASET = "rutas"  # the ``dataset`` of every bundled event; what no ``dataset`` filter shows
REQUIRED_TEXT = ("event_id", "location", "source_url", "dataset")
# Columns that imports fill (what the source called things, how a point was placed); bundled
# rows and older stored datasets get these defaults, so every table has every column.
IMPORT_COLUMN_DEFAULTS: dict[str, object] = {
    "source_event_id": "",  # the id in the source file (ACLED event_id_cnty, UCDP id, ...)
    "original_type": "",  # the source's own event type, kept beside our mapped one
    "original_subtype": "",
    "date_end": None,  # last day of a reported range (UCDP date_end), when the source gives one
    "fatalities_low": math.nan,
    "fatalities_high": math.nan,
    "geocoded": False,  # placed from the gazetteer by name, not by the source's coordinates
}
ALL_COLUMNS: tuple[str, ...] = EVENT_COLUMNS + tuple(IMPORT_COLUMN_DEFAULTS)
# Columns an events CSV in our schema may add: ``date_end`` closes a reported range that is
# narrower than a month (e.g. "the weekend of 18-19 March"), ``event_date`` being its first day.
OPTIONAL_EVENT_COLUMNS: tuple[str, ...] = ("date_end",)
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class FieldProblem:
    """One reason a row was refused: where it is and what is wrong."""

    line: int
    field: str
    message: str

    def describe(self, file_name: str, row_label: str = "line") -> str:
        return f"{file_name}, {row_label} {self.line}, field '{self.field}': {self.message}"


class DataFileError(Exception):
    """A data file that cannot be used; names the file and every broken row and field."""

    def __init__(self, file_name: str, problems: list[FieldProblem], row_label: str = "line") -> None:
        self.file_name = file_name
        self.problems = problems
        shown = "\n  ".join(p.describe(file_name, row_label) for p in problems[:10])
        more = f"\n  … and {len(problems) - 10} more" if len(problems) > 10 else ""
        super().__init__(f"{file_name}: {len(problems)} problem(s)\n  {shown}{more}")


def read_csv_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """A bundled CSV's rows with their file line numbers (header = line 1).

    Raises
    ------
    DataFileError
        A column of ``columns`` is missing (each named), or the file cannot be read.
    """
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise DataFileError(path.name, [FieldProblem(1, c, "column missing") for c in missing])
            return list(enumerate(reader, start=2))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataFileError(path.name, [FieldProblem(0, "-", f"cannot read file: {error}")]) from error


def is_safe_url(url: object) -> bool:
    """True for absolute http(s) URLs with a host; everything else may never reach an href."""
    if not isinstance(url, str) or any(ch in url for ch in "\r\n\t \"'<>"):
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


def safe_href(url: object) -> str | None:
    """``url`` (trimmed) when :func:`is_safe_url` lets it reach an href, else None.

    The one check for every link built from data (a source's address in the notes, the detail
    card, an embed's permalink): the same rule the data was validated with.
    """
    return url.strip() if isinstance(url, str) and is_safe_url(url) else None


def _parse_float(text: str) -> float | None:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def check_event_row(row: dict[str, str], line: int) -> tuple[dict[str, object] | None, list[FieldProblem]]:
    """Validate one raw text row; return the typed row (or None) and the problems found.

    Parameters
    ----------
    row
        Column name to raw text, as read from CSV.
    line
        Line number in the file (header = 1), used in every message.
    """
    problems: list[FieldProblem] = []

    def bad(field: str, message: str) -> None:
        problems.append(FieldProblem(line, field, message))

    for field in EVENT_COLUMNS:
        if field not in row or row[field] is None:
            bad(field, "column missing")
    if problems:
        return None, problems

    for field in REQUIRED_TEXT:
        if not row[field].strip():
            bad(field, "must not be empty")

    def member(field: str, enum: type[StrEnum], allow_blank: bool = False) -> str:
        value = row[field].strip()
        if allow_blank and not value:
            return ""
        if value not in {m.value for m in enum}:
            bad(field, f"'{value}' is not one of {', '.join(m.value for m in enum)}")
        return value

    event_type = member("event_type", EventType)
    date_precision = member("date_precision", DatePrecision)
    geo_precision = member("geo_precision", GeoPrecision)
    drug = member("drug", Drug, allow_blank=True)

    try:
        event_date = date.fromisoformat(row["event_date"].strip())
    except ValueError:
        bad("event_date", f"'{row['event_date']}' is not an ISO date (YYYY-MM-DD)")
        event_date = None

    numbers: dict[str, float | None] = {}
    for field, low, high in (("latitude", -90, 90), ("longitude", -180, 180),
                             ("fatalities", 0, 1e6), ("quantity_kg", 0, 1e7)):
        text = row[field].strip()
        if not text:
            if field in ("latitude", "longitude"):
                bad(field, "must not be empty")
            numbers[field] = None
            continue
        try:
            value = _parse_float(text)
        except ValueError:
            bad(field, f"'{text}' is not a number")
            continue
        if not low <= value <= high:
            bad(field, f"{value} is outside {low}..{high}")
        numbers[field] = value

    if row["source_url"].strip() and not is_safe_url(row["source_url"].strip()):
        bad("source_url", "must be an absolute http(s) URL")
    synthetic = row["synthetic"].strip().lower()
    if synthetic not in {"true", "false"}:
        bad("synthetic", "must be true or false")

    if problems:
        return None, problems
    country = row["country"].strip().upper()
    if len(country) != 3 or not country.isalpha():
        bad("country", f"'{row['country']}' is not an ISO 3166 alpha-3 code")
        return None, problems
    return {
        "event_id": row["event_id"].strip(),
        "event_date": event_date,
        "date_precision": date_precision,
        "event_type": event_type,
        "actors": split_list(row["actors"]),
        "actor_groups": split_list(row["actor_groups"]),
        "country": country,
        "admin1": row["admin1"].strip(),
        "admin2": row["admin2"].strip(),
        "location": row["location"].strip(),
        "latitude": numbers["latitude"],
        "longitude": numbers["longitude"],
        "geo_precision": geo_precision,
        "fatalities": numbers["fatalities"],
        "drug": drug,
        "quantity_kg": numbers["quantity_kg"],
        "origin": row["origin"].strip(),
        "destination": row["destination"].strip(),
        "route_id": row["route_id"].strip(),
        "summary": row["summary"].strip(),
        "source_name": row["source_name"].strip(),
        "source_url": row["source_url"].strip(),
        "dataset": row["dataset"].strip(),
        "synthetic": synthetic == "true",
    }, problems


def check_date_end(text: str | None, event_date: date | None, line: int) -> tuple[date | None, list[FieldProblem]]:
    """Parse an optional ``date_end`` cell: blank, or an ISO day on or after ``event_date``."""
    text = (text or "").strip()
    if not text:
        return None, []
    try:
        end = date.fromisoformat(text)
    except ValueError:
        return None, [FieldProblem(line, "date_end", f"'{text}' is not an ISO date (YYYY-MM-DD)")]
    if event_date is not None and end < event_date:
        return None, [FieldProblem(line, "date_end", f"{end} is before event_date {event_date}")]
    return end, []


def split_list(text: str) -> tuple[str, ...]:
    """Split a ';'-separated cell into its trimmed, non-empty parts."""
    return tuple(part.strip() for part in text.split(LIST_SEPARATOR) if part.strip())
