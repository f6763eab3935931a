"""One import, start to finish, without touching storage: bytes in, rows and a report out.

Kept apart from :mod:`dashboard.data.datasets` so the same pipeline serves the CLI, the upload
callback and the tests, and so a refused file can never leave anything on disk.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd

from ..countries import country_index
from ..schema import ALL_COLUMNS
from .base import SETTING_OF_LIMIT, Deadline, Format, ImportLimits, ImportRefused, LimitExceeded, ReadResult
from .normalise import NormalisedRows, Normaliser
from .report import ImportReport
from .stated_dates import parse_stated_dates, undated_refusal

if TYPE_CHECKING:
    from .geocode import Gazetteer
    from .stated_dates import StatedDates

MAX_NAME_CHARS = 80
STREAM_BLOCK_BYTES = 16 * 1024 * 1024  # ACLED CSV read in Arrow blocks of this size; 0 reads row by row
log = logging.getLogger(__name__)


@dataclass
class ImportOutcome:
    """A finished import: the rows to store (empty when refused) and the report."""

    events: pd.DataFrame
    report: ImportReport
    name: str
    file_name: str
    sha256: str
    imported_at: str


def display_name(text: str, limit: int = MAX_NAME_CHARS) -> str:
    """A name safe to show and store: no path parts, no control characters, bounded length."""
    base = re.split(r"[\\/]", text or "")[-1]
    cleaned = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return cleaned[:limit]


def dataset_id_for(name: str, sha256: str) -> str:
    """A stable id from the dataset's name and content: lowercase ASCII, digits and hyphens only.

    Never a path taken from the user: the slug drops everything but [a-z0-9-].
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-") or "dataset"
    return f"{slug}-{sha256[:8]}"


def _stated_dates(text: str, now: datetime) -> StatedDates | None:
    if not text.strip():
        return None
    try:
        return parse_stated_dates(text, now.date())
    except ValueError as error:
        raise ImportRefused(f"the stated date: {error}") from None


def _date_undated_rows(read: ReadResult, stated: StatedDates | None) -> None:
    """Give undated rows the stated period; with none stated, refuse a file with no dated row at all.

    One clear refusal instead of one "no date" line per row (4,132 for one My Maps layer).
    """
    if stated is not None:
        filled = stated.fill(read.candidates)
        if filled:
            read.warnings.append(stated.warning(filled))
        return
    if read.candidates and all(c.values.get("event_date") is None for c in read.candidates):
        raise ImportRefused(undated_refusal(len(read.candidates)))


def read_with(file_format: Format, data: bytes, limits: ImportLimits, deadline: Deadline) -> ReadResult:
    """Run the reader for a format (imported here so a reader's import cost is paid on use)."""
    if file_format is Format.ACLED:
        from .acled import read_acled
        return read_acled(data, limits, deadline)
    if file_format is Format.UCDP:
        from .ucdp import read_ucdp
        return read_ucdp(data, limits, deadline)
    if file_format is Format.CSV:
        from .tabular import read_csv
        return read_csv(data, limits, deadline)
    if file_format is Format.GEOJSON:
        from .geofile import read_geojson
        return read_geojson(data, limits, deadline)
    if file_format is Format.GPKG:
        from .geofile import read_gpkg
        return read_gpkg(data, limits, deadline)
    if file_format is Format.XLSX:
        from .spreadsheet import read_xlsx
        return read_xlsx(data, limits, deadline)
    if file_format is Format.PARQUET:
        from .parquet import read_parquet
        return read_parquet(data, limits, deadline)
    from .kml import read_kml
    return read_kml(data, limits, deadline)


def _streamed_acled(data: bytes, limits: ImportLimits, deadline: Deadline, block_bytes: int,
                    normaliser: Normaliser) -> tuple[ReadResult, NormalisedRows] | None:
    """An ACLED CSV read and normalised in blocks (:mod:`.acled_stream`); None when the file needs
    the row reader, which then reads it from the start (nothing of this attempt is kept)."""
    from .acled_stream import NeedsRowReader, stream_acled

    read = ReadResult(Format.ACLED)
    try:
        rows = normaliser.run_blocks(stream_acled(data, limits, deadline, read, block_bytes))
    except NeedsRowReader as hand_over:
        log.info("ACLED file read row by row: %s", hand_over.reason)
        return None
    except (ImportRefused, MemoryError, RecursionError):
        raise
    except Exception:  # the row reader is the reference: a streaming bug costs time, never the file
        log.exception("streaming ACLED reader failed; reading row by row")
        return None
    return read, rows


def import_bytes(
    data: bytes,
    file_name: str,
    *,
    name: str = "",
    file_format: str = "auto",
    limits: ImportLimits | None = None,
    gazetteer: Gazetteer | None = None,
    now: datetime | None = None,
    stated_date: str = "",
    block_bytes: int = STREAM_BLOCK_BYTES,
) -> ImportOutcome:
    """Read, map and validate one file. Never raises for bad input: the report says what happened.

    Parameters
    ----------
    data
        The file's bytes (the upload, or the file the CLI read).
    file_name
        Shown in the report only; never used as a path.
    name
        Dataset name; defaults to the file name without its extension.
    file_format
        ``auto`` (detect from content) or one of :class:`Format` (``kmz`` = ``kml``).
    stated_date
        A day, month, year or ``first/last`` period for the rows that have no date of their own
        (see :mod:`.stated_dates`); blank: such rows are rejected, and a file with no dated row
        at all is refused once, saying how to state one.
    block_bytes
        ACLED CSV exports are read in blocks of about this many bytes, a column at a time, when
        the file allows it (:mod:`.acled_stream`); 0 reads every file row by row. Both give the
        same rows and report.
    """
    from .detect import FORCEABLE, detect_format
    from .geocode import default_gazetteer

    limits = limits or ImportLimits()
    now = now or datetime.now(UTC)

    def normaliser_for(dataset_id: str) -> Normaliser:
        return Normaliser(dataset_id, gazetteer or default_gazetteer(), country_index(), now.date())

    shown_file = display_name(file_name) or "upload"
    dataset_name = display_name(name) or display_name(shown_file.rsplit(".", 1)[0]) or "dataset"
    sha256 = hashlib.sha256(data).hexdigest()
    report = ImportReport(file_name=shown_file, name=dataset_name)
    empty = pd.DataFrame(columns=list(ALL_COLUMNS))
    outcome = ImportOutcome(empty, report, dataset_name, shown_file, sha256, now.isoformat(timespec="seconds"))
    try:
        if len(data) > limits.max_upload_bytes:
            raise LimitExceeded(f"the file has {len(data):,} bytes, more than {limits.max_upload_bytes:,}",
                                SETTING_OF_LIMIT["max_upload_bytes"])
        if file_format == "auto":
            chosen = detect_format(data)
        elif file_format in FORCEABLE:
            chosen = FORCEABLE[file_format]
        else:
            raise ImportRefused(f"unknown format '{file_format}'; use auto, {', '.join(sorted(FORCEABLE))}")
        report.format = chosen.value
        stated = _stated_dates(stated_date, now)
        deadline = Deadline(limits.max_parse_seconds)
        # every ACLED row has its own date or is rejected: a stated date changes nothing there
        streamed = (_streamed_acled(data, limits, deadline, block_bytes, normaliser_for(dataset_id_for(
            dataset_name, sha256))) if chosen is Format.ACLED and block_bytes else None)
        if streamed is None:
            read = read_with(chosen, data, limits, deadline)
            _date_undated_rows(read, stated)
        else:
            read, rows = streamed
    except ImportRefused as refusal:
        report.refused = refusal.reason
        return outcome
    except (MemoryError, RecursionError) as error:
        report.refused = f"the file is too complex to read ({type(error).__name__})"
        return outcome
    except Exception as error:  # a reader bug must cost this file, never the app; the log keeps it
        log.exception("reader failed on %s", shown_file)
        report.refused = f"the file could not be read ({type(error).__name__}: {str(error)[:160]})"
        return outcome

    report.read = read.rows_read
    report.dataset_id = dataset_id_for(dataset_name, sha256)
    if streamed is None:
        try:
            rows = normaliser_for(report.dataset_id).run(read.candidates)
        except Exception as error:  # as above: a bug costs this file, not the app
            log.exception("normalising failed on %s", shown_file)
            report.refused = f"the rows could not be checked ({type(error).__name__}: {str(error)[:160]})"
            report.dataset_id = ""
            return outcome
    report.rejected = sorted(read.rejected + rows.rejected, key=lambda p: p.row)
    report.warnings = sorted(read.warnings + rows.warnings, key=lambda p: p.row)
    report.accepted = len(rows.frame)
    report.geocoded = rows.geocoded
    if not report.accepted:
        report.dataset_id = ""
    outcome.events = rows.frame
    return outcome
