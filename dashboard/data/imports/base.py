"""Shared vocabulary of the importers: formats, limits, candidate rows and what went wrong.

A reader turns the bytes of one file into :class:`Candidate` rows in our field names (values
already mapped to our vocabularies where the source has codes) plus :class:`RowProblem` for the
rows it could not read. It raises :class:`ImportRefused` only when the *whole file* cannot be
used (wrong format, over a limit, hostile content). Validation, geocoding and ids happen later,
in :mod:`dashboard.data.imports.normalise`, the same for every format.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum


class Format(StrEnum):
    ACLED = "acled"
    UCDP = "ucdp"
    CSV = "csv"
    GEOJSON = "geojson"
    GPKG = "gpkg"
    KML = "kml"  # KML and KMZ (zipped KML) share one reader
    PARQUET = "parquet"  # Parquet and GeoParquet tables
    XLSX = "xlsx"  # Excel workbooks (the first sheet with data)


class ImportRefused(Exception):  # noqa: N818 - a refusal, not a program error
    """The whole file is refused; ``reason`` says why in words a researcher can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LimitExceeded(ImportRefused):
    """A size, count or time limit was crossed; ``setting`` names the env var that sets it."""

    def __init__(self, reason: str, setting: str) -> None:
        super().__init__(f"{reason} (limit set by {setting})")
        self.setting = setting


@dataclass(frozen=True)
class ImportLimits:
    """Server-side limits for one import. Each is a setting (see ``dashboard.config``)."""

    max_upload_bytes: int = 50 * 1024 * 1024
    max_rows: int = 1_000_000
    max_fields_per_row: int = 200
    max_field_chars: int = 10_000
    max_vertices: int = 10_000
    max_kmz_uncompressed_bytes: int = 200 * 1024 * 1024
    max_kmz_ratio: int = 100
    max_parse_seconds: float = 120.0


SETTING_OF_LIMIT = {
    "max_upload_bytes": "RUTAS_MAX_UPLOAD_BYTES",
    "max_rows": "RUTAS_MAX_IMPORT_ROWS",
    "max_fields_per_row": "RUTAS_MAX_FIELDS_PER_ROW",
    "max_field_chars": "RUTAS_MAX_FIELD_CHARS",
    "max_vertices": "RUTAS_MAX_VERTICES",
    "max_kmz_uncompressed_bytes": "RUTAS_MAX_KMZ_UNCOMPRESSED_BYTES",
    "max_kmz_ratio": "RUTAS_MAX_KMZ_RATIO",
    "max_parse_seconds": "RUTAS_MAX_PARSE_SECONDS",
}


class Deadline:
    """Parse-time budget; readers call :meth:`check` every few hundred rows."""

    def __init__(self, seconds: float, clock=time.monotonic) -> None:
        self._clock = clock
        self._seconds = seconds
        self._end = clock() + seconds

    def check(self) -> None:
        if self._clock() > self._end:
            raise LimitExceeded(f"parsing took longer than {self._seconds:g} s",
                                SETTING_OF_LIMIT["max_parse_seconds"])


@dataclass(frozen=True)
class RowProblem:
    """Why one row was rejected (or, in warnings, what is doubtful about a kept row).

    ``row`` is the row's number as the user sees it: the line in a CSV (header = line 1), the
    feature number (1-based) in GeoJSON/GPKG, the placemark number in KML.
    """

    row: int
    field: str
    reason: str


# Fields a reader may fill in a Candidate (all optional). Values are Python values, not text:
#   source_event_id str · event_date datetime.date · date_end datetime.date · date_precision str
#   (day|month|year) · event_type str (our EventType value) · original_type str ·
#   original_subtype str · actors tuple[str, ...] · country str (ISO3, or a country name) ·
#   admin1 admin2 location str · latitude longitude float · geo_precision str (our GeoPrecision
#   value) · fatalities fatalities_low fatalities_high float · drug str · quantity_kg float ·
#   summary source_name source_url str
CANDIDATE_FIELDS = (
    "source_event_id", "event_date", "date_end", "date_precision", "event_type", "original_type",
    "original_subtype", "actors", "country", "admin1", "admin2", "location", "latitude",
    "longitude", "geo_precision", "fatalities", "fatalities_low", "fatalities_high", "drug",
    "quantity_kg", "summary", "source_name", "source_url",
)


@dataclass
class Candidate:
    """One readable row, in our field names, before validation and geocoding."""

    row: int
    values: dict[str, object]


@dataclass
class ReadResult:
    """What a reader got out of a file."""

    format: Format
    rows_read: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
