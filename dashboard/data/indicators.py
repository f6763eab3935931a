"""Indicator series: sourced yearly values by place (coca area, eradication, seizures), no Dash.

One row is one value one source reported for one place and year (or a part of a year): its
series, place (a country by ISO3, a zone such as ``VRAEM``, a port named as in
``geodata/places.csv``), unit, value and bounds, flags (approximate, partial period, method
break), drug form, and its source: publisher, report, URL, the quoted sentence, a note and the
value as printed. The bundled file (``geodata/indicators.csv``, built by
``geodata/build_indicators.py``) is validated at start-up: a broken row stops the start naming
file, line and field. A user's CSV of series in the same columns is imported the way events are:
bad rows are named and left out, good rows kept (``python -m dashboard indicators import FILE``).

Two sources for the same place and year stay two values (never averaged, never one picked);
a year with no value is a gap (never a zero).
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

from .schema import DataFileError, FieldProblem, is_safe_url

# ---- the schema: each list of allowed values declared once -------------------------------------
UNITS = ("ha", "kg")
PLACE_KINDS = ("country", "zone", "port")
ZONES = ("VRAEM",)  # zones with an outline in geodata/regions.geojson (kind "vraem")
DRUG_FORMS = ("", "all_drugs", "cocaine", "cocaine_hcl", "cocaine_paste")
INDICATOR_COLUMNS = (
    "series_id", "series_title", "unit", "place_kind", "place_code", "country", "year", "period_start",
    "period_end", "value", "lower", "upper", "approximate", "partial_period", "drug_form", "method_break",
    "publisher", "report", "source_url", "quote", "quote_verbatim", "note", "as_printed", "reference",
)
REQUIRED_COLUMNS = ("series_id", "series_title", "unit", "place_kind", "place_code", "year", "value",
                    "publisher", "source_url", "quote")
FLAG_COLUMNS = ("approximate", "partial_period", "method_break", "quote_verbatim")
BUNDLED_FILE = "indicators.csv"
IMPORTED_FILE = "indicators.csv"  # in the data directory, beside the imported datasets
SERIES_ID = re.compile(r"[a-z][a-z0-9_]{0,59}")
ISO3 = re.compile(r"[A-Z]{3}")
FIRST_YEAR, LAST_YEAR = 1900, 2100
MAX_TEXT_CHARS = 2_000
MAX_IMPORT_ROWS = 50_000
TRUE_WORDS, FALSE_WORDS = frozenset({"true", "yes", "1"}), frozenset({"false", "no", "0", ""})


@dataclass(frozen=True)
class IndicatorValue:
    """One reported value of a series, with its source."""

    series_id: str
    series_title: str
    unit: str
    place_kind: str
    place_code: str
    country: str
    year: int
    period_start: date | None
    period_end: date | None
    value: float
    lower: float | None
    upper: float | None
    approximate: bool
    partial_period: bool
    drug_form: str
    method_break: bool
    publisher: str
    report: str
    source_url: str
    quote: str
    quote_verbatim: bool
    note: str
    as_printed: str
    reference: str
    imported: bool = False  # from a user's file, not the bundled one

    @property
    def panel(self) -> Panel:
        return Panel(self.place_kind, self.place_code, self.drug_form, self.country)

    @property
    def is_lower_bound(self) -> bool:
        """The source gives a minimum ("more than 8,000 kg"), not an estimate."""
        return self.lower is not None and self.upper is None and self.lower == self.value


@dataclass(frozen=True)
class Panel:
    """One place (and drug form) of a series: one small multiple, one mark on the map."""

    place_kind: str
    place_code: str
    drug_form: str
    country: str


@dataclass(frozen=True)
class SeriesInfo:
    """What the indicator control lists: id, title, unit, years covered and places."""

    series_id: str
    title: str
    unit: str
    first_year: int
    last_year: int
    panels: tuple[Panel, ...]
    publishers: tuple[str, ...]


# ---- parsing one row --------------------------------------------------------------------------
def _text(row: Mapping[str, object], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _number(text: str, line: int, name: str, problems: list[FieldProblem], *, required: bool) -> float | None:
    if not text:
        if required:
            problems.append(FieldProblem(line, name, "must not be empty"))
        return None
    try:
        number = float(text)
    except ValueError:
        problems.append(FieldProblem(line, name, f"{text[:40]!r} is not a number"))
        return None
    if number != number or number in (float("inf"), float("-inf")) or number < 0:
        problems.append(FieldProblem(line, name, f"{text[:40]!r} is not a finite number from 0"))
        return None
    return number


def _flag(text: str, line: int, name: str, problems: list[FieldProblem]) -> bool:
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word not in FALSE_WORDS:
        problems.append(FieldProblem(line, name, f"{text[:40]!r} is not true or false"))
    return False


def _day(text: str, line: int, name: str, problems: list[FieldProblem]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(FieldProblem(line, name, f"{text[:40]!r} is not an ISO date (YYYY-MM-DD)"))
        return None


def check_indicator_row(row: Mapping[str, object], line: int, ports: Iterable[str] = (),
                        *, imported: bool = False) -> tuple[IndicatorValue | None, list[FieldProblem]]:
    """One row in our columns → a value, or the problems naming its line and fields."""
    problems: list[FieldProblem] = []
    text = {name: _text(row, name) for name in INDICATOR_COLUMNS}
    for name in REQUIRED_COLUMNS:
        if not text[name]:
            problems.append(FieldProblem(line, name, "must not be empty"))
    for name, value in text.items():
        if len(value) > MAX_TEXT_CHARS:
            problems.append(FieldProblem(line, name, f"longer than {MAX_TEXT_CHARS} characters"))
    if text["series_id"] and not SERIES_ID.fullmatch(text["series_id"]):
        problems.append(FieldProblem(line, "series_id", "lower-case letters, digits and '_', starting with a letter"))
    if text["unit"] and text["unit"] not in UNITS:
        problems.append(FieldProblem(line, "unit", f"must be one of {', '.join(UNITS)}"))
    if text["drug_form"] not in DRUG_FORMS:
        problems.append(FieldProblem(line, "drug_form", f"must be empty or one of {', '.join(DRUG_FORMS[1:])}"))
    kind, code = text["place_kind"], text["place_code"]
    if kind and kind not in PLACE_KINDS:
        problems.append(FieldProblem(line, "place_kind", f"must be one of {', '.join(PLACE_KINDS)}"))
    elif kind == "country" and code and not ISO3.fullmatch(code):
        problems.append(FieldProblem(line, "place_code", "a country is its ISO 3166 alpha-3 code (PER)"))
    elif kind == "zone" and code and code not in ZONES:
        problems.append(FieldProblem(line, "place_code", f"zone must be one of {', '.join(ZONES)}"))
    elif kind == "port" and code and code not in set(ports):
        problems.append(FieldProblem(line, "place_code", "not a port of geodata/places.csv"))
    country = text["country"] or (code if kind == "country" else "")
    if not ISO3.fullmatch(country):
        problems.append(FieldProblem(line, "country", "the place's country as an ISO 3166 alpha-3 code"))
    elif kind == "country" and code and country != code:
        problems.append(FieldProblem(line, "country", "differs from the country's place_code"))
    year = None
    if text["year"]:
        try:
            year = int(text["year"])
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError(year)
        except ValueError:
            problems.append(FieldProblem(line, "year", f"a year from {FIRST_YEAR} to {LAST_YEAR}"))
            year = None
    start = _day(text["period_start"], line, "period_start", problems)
    end = _day(text["period_end"], line, "period_end", problems)
    if start and end and start > end:
        problems.append(FieldProblem(line, "period_end", "before period_start"))
    if year is not None and end is not None and end.year != year:
        problems.append(FieldProblem(line, "period_end", "not in the row's year"))
    value = _number(text["value"], line, "value", problems, required=True)
    lower = _number(text["lower"], line, "lower", problems, required=False)
    upper = _number(text["upper"], line, "upper", problems, required=False)
    if value is not None and lower is not None and lower > value:
        problems.append(FieldProblem(line, "lower", "above the value"))
    if value is not None and upper is not None and upper < value:
        problems.append(FieldProblem(line, "upper", "below the value"))
    flags = {name: _flag(text[name], line, name, problems) for name in FLAG_COLUMNS}
    if not text["quote_verbatim"]:
        flags["quote_verbatim"] = True  # a user's file need not say it: its quotes are taken as quoted
    if text["source_url"] and not is_safe_url(text["source_url"]):
        problems.append(FieldProblem(line, "source_url", "must be an absolute http(s) address"))
    if problems:
        return None, problems
    return IndicatorValue(
        series_id=text["series_id"], series_title=text["series_title"], unit=text["unit"], place_kind=kind,
        place_code=code, country=country, year=int(year), period_start=start, period_end=end, value=float(value),
        lower=lower, upper=upper, drug_form=text["drug_form"], publisher=text["publisher"],
        report=text["report"] or text["publisher"], source_url=text["source_url"], quote=text["quote"],
        note=text["note"], as_printed=text["as_printed"] or text["value"], reference=text["reference"],
        imported=imported, **flags), []


def check_indicator_rows(rows: Iterable[Mapping[str, object]], ports: Iterable[str] = (), *, first_line: int = 2,
                         imported: bool = False, known: Sequence[IndicatorValue] = ()
                         ) -> tuple[list[IndicatorValue], list[FieldProblem]]:
    """Check every row, then the rows together: one title and one unit per series (``known``
    values included), no row repeated. Returns the good values and the problems of the others."""
    ports = frozenset(ports)
    values: list[tuple[int, IndicatorValue]] = []
    problems: list[FieldProblem] = []
    for line, row in enumerate(rows, start=first_line):
        value, row_problems = check_indicator_row(row, line, ports, imported=imported)
        problems.extend(row_problems)
        if value is not None:
            values.append((line, value))
    series_of: dict[str, tuple[str, str]] = {v.series_id: (v.unit, v.series_title) for v in known}
    seen = {_identity(v): 0 for v in known}
    kept: list[IndicatorValue] = []
    for line, value in values:
        unit, title = series_of.setdefault(value.series_id, (value.unit, value.series_title))
        identity = _identity(value)
        if value.unit != unit:
            problems.append(FieldProblem(line, "unit", f"series {value.series_id} is in {unit}"))
        elif identity in seen:
            where = f"line {seen[identity]}" if seen[identity] else "a value already loaded"
            problems.append(FieldProblem(line, "value", f"repeats {where} (same series, place, year, source and value)"))
        else:
            seen[identity] = line
            kept.append(value)
    return kept, sorted(problems, key=lambda p: p.line)


def _identity(value: IndicatorValue) -> tuple:
    return (value.series_id, value.panel, value.year, value.period_end, value.source_url, value.value)


# ---- files ------------------------------------------------------------------------------------
def _read_rows(path: Path) -> tuple[list[dict[str, str]], list[FieldProblem]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return [], [FieldProblem(0, "-", f"cannot read file: {error}")]
    return read_indicator_text(text)


def read_indicator_text(text: str) -> tuple[list[dict[str, str]], list[FieldProblem]]:
    """CSV text → rows (``dict`` per line) and the problems of its header."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            return [], [FieldProblem(1, c, "column missing") for c in missing]
        rows = []
        for row in reader:
            if len(rows) >= MAX_IMPORT_ROWS:
                return rows, [FieldProblem(MAX_IMPORT_ROWS + 2, "-", f"more than {MAX_IMPORT_ROWS:,} rows")]
            rows.append(row)
        return rows, []
    except csv.Error as error:
        return [], [FieldProblem(0, "-", f"not a CSV file: {error}")]


def port_names(places_csv: Path) -> tuple[str, ...]:
    """Names of the ports in ``geodata/places.csv`` (a port series names its place this way)."""
    with places_csv.open(encoding="utf-8", newline="") as handle:
        return tuple(row["name"] for row in csv.DictReader(handle) if row.get("kind") == "port")


def port_positions(places_csv: Path) -> dict[str, tuple[float, float]]:
    """(lat, lon) of each port of ``geodata/places.csv``, by name."""
    with places_csv.open(encoding="utf-8", newline="") as handle:
        return {row["name"]: (float(row["latitude"]), float(row["longitude"]))
                for row in csv.DictReader(handle) if row.get("kind") == "port"}


def load_indicators_csv(path: Path, ports: Iterable[str]) -> list[IndicatorValue]:
    """Read and validate the bundled series; raise :class:`DataFileError` naming every bad row."""
    rows, problems = _read_rows(path)
    values, row_problems = check_indicator_rows(rows, ports)
    if problems or row_problems:
        raise DataFileError(path.name, [*problems, *row_problems])
    return values


@dataclass(frozen=True)
class IndicatorImport:
    """What an import kept and what it refused (each problem names its line and field)."""

    kept: list[IndicatorValue]
    problems: list[FieldProblem]


def check_indicator_import(text: str, ports: Iterable[str], known: Sequence[IndicatorValue]) -> IndicatorImport:
    """A user's CSV of series: good rows kept, bad rows named; the series already loaded
    (``known``) fix each series' unit and title."""
    rows, problems = read_indicator_text(text)
    kept, row_problems = check_indicator_rows(rows, ports, imported=True, known=known)
    return IndicatorImport(kept=kept, problems=[*problems, *row_problems])


def value_row(value: IndicatorValue) -> dict[str, str]:
    """A value as a row of :data:`INDICATOR_COLUMNS` (text cells, as the files hold them)."""
    cells = {}
    for item in fields(IndicatorValue):
        if item.name not in INDICATOR_COLUMNS:
            continue
        cell = getattr(value, item.name)
        if isinstance(cell, bool):
            cell = "true" if cell else "false"
        elif isinstance(cell, float):
            cell = str(int(cell)) if cell.is_integer() else repr(cell)
        elif isinstance(cell, date):
            cell = cell.isoformat()
        cells[item.name] = "" if cell is None else str(cell)
    return cells


def write_indicator_csv(values: Iterable[IndicatorValue], path: Path) -> None:
    """Write ``values`` atomically (a temporary file renamed over ``path``): never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".indicators-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=INDICATOR_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(value_row(value) for value in values)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def indicators_csv_text(values: Iterable[IndicatorValue]) -> str:
    """The values as CSV text in our columns (the CLI's export)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INDICATOR_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(neutralised(value_row(value)) for value in values)
    return buffer.getvalue()


def neutralised(row: dict[str, str]) -> dict[str, str]:
    """Text cells that a spreadsheet would run as a formula start with a quote."""
    return {name: "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and name not in ("value", "lower", "upper")
            else cell for name, cell in row.items()}


# ---- the catalog: bundled + imported values, and the questions the views ask ------------------
@dataclass(frozen=True)
class IndicatorCatalog:
    """Every loaded value; the pure queries the chart, the map and the CLI make."""

    values: tuple[IndicatorValue, ...]

    def series(self) -> list[SeriesInfo]:
        """Every series, in the order first seen (bundled first), with its years and places."""
        grouped: dict[str, list[IndicatorValue]] = {}
        for value in self.values:
            grouped.setdefault(value.series_id, []).append(value)
        return [SeriesInfo(series_id=series_id, title=rows[0].series_title, unit=rows[0].unit,
                           first_year=min(v.year for v in rows), last_year=max(v.year for v in rows),
                           panels=tuple(dict.fromkeys(v.panel for v in rows)),
                           publishers=tuple(dict.fromkeys(v.publisher for v in rows)))
                for series_id, rows in grouped.items()]

    def info(self, series_id: str | None) -> SeriesInfo | None:
        return next((s for s in self.series() if s.series_id == series_id), None)

    def series_values(self, series_id: str) -> list[IndicatorValue]:
        return [v for v in self.values if v.series_id == series_id]

    def values_for_year(self, series_id: str, year: int) -> dict[Panel, list[IndicatorValue]]:
        """Every value of ``year`` by place: two sources, two values; a place with none is absent."""
        found: dict[Panel, list[IndicatorValue]] = {}
        for value in self.series_values(series_id):
            if value.year == year:
                found.setdefault(value.panel, []).append(value)
        return found

    def by_year(self, series_id: str, panel: Panel) -> dict[int, list[IndicatorValue]]:
        """One place's values by year; years without a value are not keys (gaps, not zeros)."""
        found: dict[int, list[IndicatorValue]] = {}
        for value in self.series_values(series_id):
            if value.panel == panel:
                found.setdefault(value.year, []).append(value)
        return dict(sorted(found.items()))

    def break_years(self, series_id: str, country: str) -> list[int]:
        """Years a method break starts for ``country`` (its zones and ports share it)."""
        return sorted({v.year for v in self.series_values(series_id) if v.method_break and v.country == country})


def disagreeing_years(by_year: Mapping[int, Sequence[IndicatorValue]]) -> list[int]:
    """Years with two or more values from different sources."""
    return [year for year, values in by_year.items() if len({v.source_url for v in values}) > 1]


def load_indicator_catalog(geodata_dir: Path, data_dir: Path | None = None) -> IndicatorCatalog:
    """The bundled series (a broken row raises, naming it) and those a user imported into
    ``data_dir`` (written only after validation, so read as they are)."""
    ports = port_names(geodata_dir / "places.csv")
    values = load_indicators_csv(geodata_dir / BUNDLED_FILE, ports)
    imported_path = (data_dir / IMPORTED_FILE) if data_dir is not None else None
    if imported_path is not None and imported_path.exists():
        rows, problems = _read_rows(imported_path)
        extra, row_problems = check_indicator_rows(rows, ports, imported=True, known=values)
        if problems or row_problems:
            raise DataFileError(str(imported_path), [*problems, *row_problems])
        values = [*values, *extra]
    return IndicatorCatalog(tuple(values))


_CATALOGS: dict[tuple[str, str, int], IndicatorCatalog | DataFileError] = {}
MAX_CACHED_CATALOGS = 4


def indicator_catalog(geodata_dir: Path, data_dir: Path | None) -> IndicatorCatalog:
    """:func:`load_indicator_catalog`, loaded again only when the imported file changes (a file
    that fails raises its error again without being read again)."""
    imported = data_dir / IMPORTED_FILE if data_dir is not None else None
    stamp = imported.stat().st_mtime_ns if imported is not None and imported.exists() else 0
    key = (str(geodata_dir), str(data_dir), stamp)
    if key not in _CATALOGS:
        if len(_CATALOGS) >= MAX_CACHED_CATALOGS:
            _CATALOGS.clear()
        try:
            _CATALOGS[key] = load_indicator_catalog(geodata_dir, data_dir)
        except DataFileError as error:
            _CATALOGS[key] = error
    found = _CATALOGS[key]
    if isinstance(found, DataFileError):
        raise found
    return found


def import_indicators(path: Path, geodata_dir: Path, data_dir: Path) -> IndicatorImport:
    """Import a user's CSV of series into ``data_dir``: the good rows are added to the imported
    file (written whole, atomically), the bad ones named. Nothing is written when none is good."""
    catalog = load_indicator_catalog(geodata_dir, data_dir)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return IndicatorImport([], [FieldProblem(0, "-", f"cannot read file: {error}")])
    outcome = check_indicator_import(text, port_names(geodata_dir / "places.csv"), catalog.values)
    if outcome.kept:
        already = [v for v in catalog.values if v.imported]
        write_indicator_csv([*already, *outcome.kept], data_dir / IMPORTED_FILE)
    return outcome
