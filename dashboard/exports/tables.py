"""Data exports of the current view: CSV, XLSX and GeoJSON, each recording its filters and sources.

One list of rows (:func:`export_rows`) feeds every format, so the three always hold the same
events in the same order (date ascending, then id) with the same columns (:data:`EXPORT_COLUMNS`).

Spreadsheet safety (OWASP "CSV injection"): in CSV and XLSX every *text* cell that starts with
tab or carriage return, or whose first visible character is ``=``, ``+``, ``-`` or ``@`` (or a
full-width or small form of one, ``＝＋－＠``, behind any spaces, zero-width or other invisible
characters) gets a leading apostrophe, so no spreadsheet runs it as a formula
(:func:`neutralise_cell`). A spreadsheet whose list separator is ``;`` (a European Excel) splits
a line at every ``;`` whatever the quotes say, and a line break inside a cell can start a row:
so in CSV every piece of a text cell after a ``;`` or a line break gets the same test, and the
apostrophe if it needs it (:func:`neutralise_csv_cell`). Numbers are written as numbers and
never touched (``-5`` stays ``-5``); the text ``"-5"`` is text and is neutralised. XLSX cells
are always typed explicitly, so none is ever a formula. GeoJSON is not a spreadsheet format and
keeps the raw values.

Decisions, per format:

* **CSV** — a plain rectangular table that pandas (``read_csv`` with defaults), Excel,
  LibreOffice, Google Sheets and Datawrapper open as it is: the header on line 1, one line per
  event, nothing else. UTF-8 *with* a byte-order mark, so Excel opens accents ("Apurímac")
  correctly (pandas and Python's ``csv`` drop the mark); ``\\r\\n`` line ends (RFC 4180), a cell
  quoted when it holds ``,`` ``"`` ``;`` or a line break. Numbers are plain decimal text with
  the shortest digits that read back to the same float (``550``, ``-77.13``, ``0.00001``);
  missing numbers are empty; ``synthetic`` is ``true``/``false``. Every character is kept,
  control characters included. What the table records about its view (filters, export time,
  permalink, …) is a sidecar text file beside it (:func:`csv_sidecar_text`, the pack's
  ``<name>.meta.txt``); a single self-describing file can still be asked for
  (``metadata_block=True``: one-cell ``# key: value`` rows before the header, which
  :func:`read_events_csv` reads back).
* **XLSX** — sheet ``events`` (bold frozen header, auto-filter, numbers as numeric cells
  written with all their digits, ``synthetic`` as TRUE/FALSE, blanks as empty cells,
  ``event_date`` as real date cells shown ``yyyy-mm-dd``, so they sort and filter as dates; a
  month-precision event is dated the 1st, as ``date_precision`` says; a date before March 1900,
  which Excel's calendar cannot hold, stays ISO text) and sheet ``about``
  (:func:`metadata_rows`, then the sources). XML cannot hold some characters, so two
  alterations are unavoidable and documented in :func:`xlsx_text`: XML-illegal characters
  (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF, lone surrogates) become U+FFFD, and
  CR / CRLF become LF (XML parsers normalise line ends; a line break stays a line break).
* **GeoJSON** — RFC 7946 FeatureCollection, one Point ``[longitude, latitude]`` per event
  (``null`` geometry when a coordinate is missing), properties = the export columns, raw;
  NaN becomes ``null``; the metadata sits in a foreign member ``"rutas"``. UTF-8, no BOM.

Non-finite numbers (NaN, ±inf) are "missing" everywhere: empty in CSV/XLSX, ``null`` in JSON.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..data.cells import (  # noqa: F401  (re-exported: the export's cell rules)
    FORMULA_PREFIXES,
    FORMULA_STARTS,
    NEUTRALISING_PREFIX,
    looks_like_formula,
    neutralise_cell,
    neutralise_csv_cell,
)
from ..data.filters import FilterSpec
from ..data.store import EventStore
from ..i18n import translate
from .spec import ExportContext

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

_CSV_NEEDS_QUOTES = re.compile('[",;\r\n]')

# Store columns in the order a reader scans them; ``sources`` (name — url) closes each row.
STORE_COLUMNS: tuple[str, ...] = (
    "event_id", "event_date", "date_precision", "event_type", "actors", "country", "admin1",
    "admin2", "location", "latitude", "longitude", "geo_precision", "fatalities", "drug",
    "quantity_kg", "origin", "destination", "route_id", "summary", "dataset", "synthetic",
    "source_name", "source_url",
)
SOURCES_COLUMN = "sources"
EXPORT_COLUMNS: tuple[str, ...] = STORE_COLUMNS + (SOURCES_COLUMN,)
NUMBER_COLUMNS = frozenset({"latitude", "longitude", "fatalities", "quantity_kg"})
BOOLEAN_COLUMNS = frozenset({"synthetic"})
DATE_COLUMNS = frozenset({"event_date"})  # ISO text in the rows and the CSV; date cells in XLSX
SOURCE_SEPARATOR = " — "
LIST_JOINER = "; "

CSV_ENCODING = "utf-8-sig"  # UTF-8 with BOM: Excel guesses a legacy code page without it
CSV_LINE_END = "\r\n"
METADATA_MARK = "# "
XLSX_DATE_FORMAT = "yyyy-mm-dd"
# Excel's 1900 calendar counts a 29 February 1900 that never was and has nothing before 1900:
# a date before this one would show as another day, so it stays ISO text.
XLSX_FIRST_DATE = date(1900, 3, 1)
SIDECAR_SUFFIX = ".meta.txt"
# What a reader of the bare CSV cannot guess from the values (the sidecar's column notes).
COLUMN_NOTES: dict[str, str] = {
    "event_date": "YYYY-MM-DD; an event known to the month or year is dated the first day of it "
                  "(see date_precision)",
    "latitude": "decimal degrees, WGS 84; geo_precision says how well the point is placed "
                "(exact, town, district, province, region, country)",
    "longitude": "decimal degrees, WGS 84",
    "fatalities": "deaths reported; empty when the report gives no toll (0 means none died)",
    "quantity_kg": "kilograms seized; empty when no quantity was reported",
    "actors": "names separated by '; '",
    "synthetic": "true for generated rows (tests, benchmarks), which are not real events",
    "sources": "source_name — source_url, the published report each event rests on",
}
EVENTS_SHEET = "events"
ABOUT_SHEET = "about"
# XML 1.0 forbids these; openpyxl raises IllegalCharacterError on the C0 ones and writes the
# rest into a file no reader opens.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n|\r|\n")
_WIDTH_SAMPLE = 500  # rows looked at to size the XLSX columns
_MIN_WIDTH, _MAX_WIDTH = 8, 60

Row = dict[str, object]


# ---- cells ------------------------------------------------------------------------------------
def plain_decimal(value: object) -> str:
    """A number as CSV text: plain decimal, shortest digits that read back exactly; '' if missing.

    Parameters
    ----------
    value
        ``int``, ``float`` (or numpy scalar), ``bool`` or ``None``.

    Returns
    -------
    str
        ``"550"`` for 550.0, ``"0.00001"`` for 1e-05, ``"true"``/``"false"`` for booleans and
        ``""`` for ``None``, NaN and ±inf. ``float(text)`` equals the input.
    """
    value = _scalar(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return np.format_float_positional(value, unique=True, trim="-")
    return "" if value is None else str(value)


def xlsx_text(value: str) -> str:
    """A text cell as it can be stored in XLSX: neutralised, XML-illegal characters replaced.

    Parameters
    ----------
    value
        The text of a cell.

    Returns
    -------
    str
        :func:`neutralise_cell` of ``value``, then every XML-illegal character (C0 controls
        other than tab, LF and CR; U+FFFE; U+FFFF; lone surrogates) replaced by U+FFFD and
        every CR or CRLF written as LF, which is what any XML reader would return anyway.
        Nothing else changes.
    """
    text = str(neutralise_cell(value))
    return _XML_ILLEGAL.sub("\ufffd", text).replace("\r\n", "\n").replace("\r", "\n")


def _scalar(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (str, tuple, list, bool, int)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text_cell(value: object) -> str:
    value = _scalar(value)
    if _is_missing(value):
        return ""
    if isinstance(value, (tuple, list)):
        return LIST_JOINER.join(str(part) for part in value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return str(value.astype("datetime64[D]"))
    return str(value)


def _number_cell(value: object) -> int | float | None:
    value = _scalar(value)
    if isinstance(value, bool) or _is_missing(value):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def source_cell(name: str, url: str) -> str:
    """What a citation needs in one cell: ``"<source_name> — <source_url>"`` (empty parts left out)."""
    return SOURCE_SEPARATOR.join(part for part in (name.strip(), url.strip()) if part)


# ---- rows -------------------------------------------------------------------------------------
def export_rows(store: EventStore, spec: FilterSpec) -> list[Row]:
    """The events of a view as export rows, sorted by date ascending, then id.

    Parameters
    ----------
    store
        The event store the view reads.
    spec
        The view's filter.

    Returns
    -------
    list of dict
        One dict per matching event, keys :data:`EXPORT_COLUMNS` in order. Text is ``str``
        (ISO dates, actors joined with ``"; "``, ``""`` when missing); ``latitude``,
        ``longitude`` and ``quantity_kg`` are ``float`` and ``fatalities`` an ``int`` when
        whole (``None`` when missing); ``synthetic`` is ``bool``.
    """
    columns = store.rows(spec, STORE_COLUMNS, order_by="event_date", descending=False)
    count = len(columns["event_id"])
    rows: list[Row] = []
    for i in range(count):
        row: Row = {}
        for name in STORE_COLUMNS:
            value = columns[name][i]
            if name in NUMBER_COLUMNS:
                number = _number_cell(value)
                if name == "fatalities" and number is not None and number.is_integer():
                    number = int(number)
                row[name] = number
            elif name in BOOLEAN_COLUMNS:
                row[name] = bool(_scalar(value)) if not _is_missing(value) else False
            else:
                row[name] = _text_cell(value)
        row[SOURCES_COLUMN] = source_cell(str(row["source_name"]), str(row["source_url"]))
        rows.append(row)
    # Dates are ISO text, so text order is date order; undated rows go last.
    rows.sort(key=lambda r: (r["event_date"] == "", r["event_date"], r["event_id"]))
    return rows


def _columns_of(rows: Sequence[Mapping[str, object]]) -> list[str]:
    """EXPORT_COLUMNS, or the first row's keys for rows built by hand."""
    return list(rows[0]) if rows else list(EXPORT_COLUMNS)


# ---- metadata and sources ---------------------------------------------------------------------
def format_exported_at(moment: datetime) -> str:
    """ISO 8601 in UTC to the second, ``2026-05-09T10:30:00Z`` (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _metadata(context: ExportContext) -> dict[str, object]:
    meta: dict[str, object] = {
        "title": context.title,
        # Every filter: the subtitle leaves out what the chart's title already says.
        "filters": context.filters or context.subtitle,
        "events": int(context.events),
        "published_reports": int(context.sources),
        "source_line": context.source_line,
        "permalink": context.permalink,
        "exported_at": format_exported_at(context.exported_at),
        "language": context.lang,
    }
    if context.credit:
        meta["credit"] = context.credit
    meta["note"] = ("Text cells starting with = + - @ (or their full-width forms, after any invisible "
                    "characters), tab or carriage return were prefixed with an apostrophe ('), and in CSV so "
                    "was any such piece of a cell after a semicolon or a line break, so no spreadsheet runs "
                    "them as formulas; numbers are unchanged.")
    return meta


def metadata_rows(context: ExportContext) -> list[tuple[str, str]]:
    """What an exported table records about its view, as ``(key, value)`` text pairs.

    Parameters
    ----------
    context
        The export's context.

    Returns
    -------
    list of tuple of str
        ``title``, ``filters`` (every filter in words, even those the title states),
        ``events``, ``published_reports``,
        ``source_line``, ``permalink``, ``exported_at`` (ISO 8601 UTC), ``language``,
        ``credit`` (only when given) and ``note`` (the apostrophe rule), in that order.
        Values are raw: each writer neutralises them.
    """
    return [(key, str(value)) for key, value in _metadata(context).items()]


def sources_list(rows: Iterable[Mapping[str, object]]) -> list[tuple[str, str, int]]:
    """The published reports the rows cite, most-cited first.

    Parameters
    ----------
    rows
        Export rows (see :func:`export_rows`).

    Returns
    -------
    list of tuple
        ``(source_name, source_url, events citing it)``, by count descending, then name and
        URL; rows with neither a name nor a URL are left out.
    """
    counts = Counter((str(row.get("source_name") or "").strip(), str(row.get("source_url") or "").strip())
                     for row in rows)
    counts.pop(("", ""), None)
    return [(name, url, n) for (name, url), n in
            sorted(counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1]))]


def sources_text(rows: Sequence[Mapping[str, object]], context: ExportContext) -> str:
    """The sources of a view as plain text (the briefing pack's ``sources.txt``).

    Parameters
    ----------
    rows
        Export rows.
    context
        The export's context (title, source line, export time, language).

    Returns
    -------
    str
        A header line (``Sources — <title>``), the source line and export time, a blank
        line, then one numbered ``name — url (events: n)`` line per source, most-cited first.
    """
    heading = translate("counts.sources", context.lang)
    events_word = translate("counts.events", context.lang).lower()
    lines = [f"{heading} — {context.title}" if context.title else heading,
             context.source_line, format_exported_at(context.exported_at), ""]
    listed = sources_list(rows)
    width = len(str(len(listed)))
    lines += [f"{i:>{width}}. {source_cell(name, url)} ({events_word}: {n})"
              for i, (name, url, n) in enumerate(listed, start=1)]
    return "\n".join(_LINE_BREAKS.sub(" ", line) for line in lines) + "\n"


# ---- CSV --------------------------------------------------------------------------------------
def _csv_field(value: object) -> str:
    value = _scalar(value)
    if isinstance(value, str):
        return str(neutralise_csv_cell(value))
    return plain_decimal(value)


def _csv_quoted(field: str) -> str:
    """A field quoted when it holds ``,`` ``"`` ``;`` or a line break (``;``: so a semicolon-separated
    reader keeps the cell whole when it starts its line)."""
    if _CSV_NEEDS_QUOTES.search(field):
        return '"' + field.replace('"', '""') + '"'
    return field


def _csv_line(fields: Sequence[str]) -> str:
    """One RFC 4180 record with its line end."""
    if len(fields) == 1 and not fields[0]:
        return '""' + CSV_LINE_END  # as csv.writer: a row of one empty cell is not a blank line
    return ",".join(_csv_quoted(field) for field in fields) + CSV_LINE_END


def events_csv(rows: Sequence[Mapping[str, object]], context: ExportContext | None = None, *,
               metadata_block: bool = False) -> bytes:
    """The rows as a plain CSV table: the header row on line 1, then one line per event.

    Parameters
    ----------
    rows
        Export rows (see :func:`export_rows`); their keys are the columns.
    context
        The export's context; only read when ``metadata_block`` is asked for.
    metadata_block
        Opt-in: write the context as one-cell ``# key: value`` rows (:func:`metadata_rows`)
        before the header, for a single self-describing file. Off by default, because no
        spreadsheet or ``pandas.read_csv`` reads such a file without being told to skip them:
        the pack carries the same record as a sidecar (:func:`csv_sidecar_text`).

    Returns
    -------
    bytes
        UTF-8 with BOM, ``\\r\\n`` line ends; a cell is quoted when it holds ``,`` ``"`` ``;``
        or a line break. Text cells are neutralised (:func:`neutralise_csv_cell`), metadata
        values too; numbers are plain decimal text, never quoted or prefixed.
    """
    lines: list[str] = []
    if metadata_block and context is not None:
        for key, value in metadata_rows(context):
            # One cell per line, starting with '#': never a formula whatever the value says.
            text = _LINE_BREAKS.sub(" ", str(neutralise_csv_cell(value)))
            lines.append(_csv_line([f"{METADATA_MARK}{key}: {text}"]))
    columns = _columns_of(rows)
    lines.append(_csv_line(columns))
    for row in rows:
        lines.append(_csv_line([_csv_field(row.get(name)) for name in columns]))
    return "".join(lines).encode(CSV_ENCODING)


def sidecar_name(csv_name: str) -> str:
    """The sidecar's file name beside a CSV: ``rutas-events-x.csv`` → ``rutas-events-x.meta.txt``."""
    stem = csv_name[:-4] if csv_name.lower().endswith(".csv") else csv_name
    return stem + SIDECAR_SUFFIX


def csv_sidecar_text(rows: Sequence[Mapping[str, object]], context: ExportContext, csv_name: str = "") -> str:
    """What a CSV export records about its view, as a text file to keep beside it.

    Parameters
    ----------
    rows
        The rows the CSV holds (their keys are its columns).
    context
        The export's context.
    csv_name
        The CSV's file name, named in the first line when given.

    Returns
    -------
    str
        ``key: value`` lines (:func:`metadata_rows`: title, filters, counts, source line,
        permalink, export time, language, credit, the apostrophe note), how the file is
        written, its columns in order, and a note on each column whose meaning the values do
        not say (:data:`COLUMN_NOTES`). Line breaks inside a value become spaces, so every
        line is one key.
    """
    columns = _columns_of(rows)
    lines = [f"About {csv_name}" if csv_name else "About the CSV file", ""]
    lines += [f"{key}: {value}" for key, value in metadata_rows(context)]
    lines += [f"rows: {len(rows)}",
              "format: UTF-8 with byte-order mark, comma-separated, header on line 1, ISO dates, "
              "empty cell = not reported",
              f"columns: {', '.join(columns)}", "", "Notes on the columns"]
    lines += [f"{name}: {COLUMN_NOTES[name]}" for name in columns if name in COLUMN_NOTES]
    return "\n".join(_LINE_BREAKS.sub(" ", line) for line in lines) + "\n"


def read_events_csv(data: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Read a file written by :func:`events_csv` back: its metadata and its rows, as text.

    Parameters
    ----------
    data
        The CSV bytes (a BOM is optional).

    Returns
    -------
    tuple
        ``(metadata, rows)``: the ``# key: value`` block as a dict (empty for the default plain
        table), and one dict per data row mapping header to cell text exactly as stored
        (neutralised cells keep their apostrophe).
    """
    reader = csv.reader(io.StringIO(data.decode(CSV_ENCODING), newline=""))
    metadata: dict[str, str] = {}
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    for record in reader:
        if header is None:
            if len(record) == 1 and record[0].startswith(METADATA_MARK):
                key, _, value = record[0][len(METADATA_MARK):].partition(": ")
                metadata[key] = value
                continue
            header = record
            continue
        rows.append(dict(zip(header, record)))
    return metadata, rows


# ---- XLSX -------------------------------------------------------------------------------------
def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object, bold: bool = False) -> Cell | None:
    """One typed cell; ``None`` (nothing written) for empty text and missing or non-finite numbers."""
    value = _scalar(value)
    if isinstance(value, float) and not math.isfinite(value):
        value = None
    if value is None or value == "" or _is_missing(value):
        return None
    if isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value=value)
    elif isinstance(value, (int, float)):
        cell = WriteOnlyCell(sheet)
        # openpyxl writes numbers with 16 significant digits ("%.16g"), which changes some
        # doubles (0.1 + 0.2 reads back as 0.3). The shortest repr reads back exactly.
        cell._value = repr(value)
        cell.data_type = "n"
    else:
        cell = WriteOnlyCell(sheet, value=xlsx_text(str(value)))
        # Text, always: openpyxl guesses a formula from a leading "=" and an error from "#N/A".
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _xlsx_date_cell(sheet: WriteOnlyWorksheet, value: object) -> Cell | None:
    """An ISO date as a real date cell shown ``yyyy-mm-dd``; text Excel cannot date stays text."""
    try:
        day = date.fromisoformat(str(value)) if isinstance(value, str) and value else None
    except ValueError:
        day = None
    if day is None or day < XLSX_FIRST_DATE:
        return _xlsx_cell(sheet, value)
    cell = WriteOnlyCell(sheet, value=day)
    cell.number_format = XLSX_DATE_FORMAT
    return cell


def _width(values: Iterable[object]) -> float:
    longest = max((len(str(v)) for v in values if v is not None), default=0)
    return float(min(_MAX_WIDTH, max(_MIN_WIDTH, longest + 2)))


XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit (1,048,576) less the header row


def events_xlsx(rows: Sequence[Mapping[str, object]], context: ExportContext) -> bytes:
    """The rows as an XLSX workbook: sheet ``events`` and sheet ``about``.

    Parameters
    ----------
    rows
        Export rows (see :func:`export_rows`); their keys are the columns.
    context
        The export's context, written on the ``about`` sheet with the sources list.

    Returns
    -------
    bytes
        The workbook. Text cells go through :func:`xlsx_text` and are typed as text; numbers
        are numeric cells with every digit; ``event_date`` cells are dates (``yyyy-mm-dd``);
        booleans are TRUE/FALSE; blanks are empty cells; no cell is a formula.
    """
    if len(rows) > XLSX_MAX_ROWS:
        raise ValueError(f"an Excel sheet holds at most {XLSX_MAX_ROWS:,} rows and this view has "
                         f"{len(rows):,} events: export CSV or GeoJSON, or narrow the filters")
    workbook = Workbook(write_only=True)
    events = workbook.create_sheet(EVENTS_SHEET)
    columns = _columns_of(rows)
    sample = rows[:_WIDTH_SAMPLE]
    for index, name in enumerate(columns, start=1):
        events.column_dimensions[get_column_letter(index)].width = _width(
            [name, *(row.get(name) for row in sample)])
    events.freeze_panes = "A2"
    events.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{len(rows) + 1}"
    events.append([_xlsx_cell(events, name, bold=True) for name in columns])
    for row in rows:
        events.append([_xlsx_date_cell(events, row.get(name)) if name in DATE_COLUMNS
                       else _xlsx_cell(events, row.get(name)) for name in columns])

    about = workbook.create_sheet(ABOUT_SHEET)
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 80
    about.column_dimensions["C"].width = 10
    for key, value in _metadata(context).items():  # counts stay numbers here
        about.append([_xlsx_cell(about, key, bold=True), _xlsx_cell(about, value)])
    about.append([])
    about.append([_xlsx_cell(about, text, bold=True) for text in ("source_name", "source_url", "events")])
    for name, url, count in sources_list(rows):
        about.append([_xlsx_cell(about, name), _xlsx_cell(about, url), _xlsx_cell(about, count)])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- GeoJSON ----------------------------------------------------------------------------------
def _json_value(value: object) -> object:
    value = _scalar(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return None if _is_missing(value) else _text_cell(value)


def events_geojson(rows: Sequence[Mapping[str, object]], context: ExportContext) -> bytes:
    """The rows as an RFC 7946 GeoJSON FeatureCollection.

    Parameters
    ----------
    rows
        Export rows (see :func:`export_rows`).
    context
        The export's context, written as the top-level foreign member ``"rutas"``.

    Returns
    -------
    bytes
        UTF-8 JSON (accents as themselves). One Feature per row, ``id`` = ``event_id``,
        geometry a Point ``[longitude, latitude]`` (``null`` when either is missing),
        properties = the row's raw values with NaN as ``null``.
    """
    features = []
    for row in rows:
        properties = {name: _json_value(value) for name, value in row.items()}
        lon, lat = properties.get("longitude"), properties.get("latitude")
        located = isinstance(lon, (int, float)) and isinstance(lat, (int, float)) \
            and not isinstance(lon, bool) and not isinstance(lat, bool)
        feature: dict[str, object] = {"type": "Feature"}
        if properties.get("event_id") not in (None, ""):
            feature["id"] = properties["event_id"]
        feature["geometry"] = {"type": "Point", "coordinates": [lon, lat]} if located else None
        feature["properties"] = properties
        features.append(feature)
    collection = {"type": "FeatureCollection", "rutas": _metadata(context), "features": features}
    return json.dumps(collection, ensure_ascii=False, allow_nan=False).encode("utf-8")
