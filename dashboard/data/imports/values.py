"""Parsing of single values shared by every reader: text decoding, dates and numbers.

Each parser raises ValueError with a message fit for the import report (it is shown to the
user after "row N, field F:"), never returns a guess.
"""

from __future__ import annotations

import math
import re
from datetime import date

from .base import ImportRefused

MONTHS = {name: number for number, names in enumerate((
    ("january", "jan", "enero", "ene"), ("february", "feb", "febrero"), ("march", "mar", "marzo"),
    ("april", "apr", "abril", "abr"), ("may", "mayo"), ("june", "jun", "junio"),
    ("july", "jul", "julio"), ("august", "aug", "agosto", "ago"),
    ("september", "sep", "sept", "septiembre", "setiembre", "set"), ("october", "oct", "octubre"),
    ("november", "nov", "noviembre"), ("december", "dec", "diciembre", "dic"),
), start=1) for name in names}

_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.+\-Z]*)?$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_NAMED = re.compile(r"^(\d{1,2})[ \-/]([A-Za-zé]+)\.?,?[ \-/](\d{4})$")  # 18 March 2017, 18-Mar-2017
_NAMED_US = re.compile(r"^([A-Za-zé]+)\.? (\d{1,2}),? (\d{4})$")  # March 18, 2017
_SLASHED_ANYWHERE = re.compile(r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})[/.]\d{4}(?![\d/])")
_GROUPED_DECIMAL_COMMA = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_SLASHED = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")  # 18/03/2017 or 03/18/2017


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    Returns the text and a warning when the encoding was not UTF-8. Refuses NUL-laden bytes,
    which mean a binary file, not a damaged text one.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "decoded as UTF-16"
        except UnicodeDecodeError as error:
            raise ImportRefused(f"not valid UTF-16 text ({error.reason} at byte {error.start})") from error
    if b"\x00" in data[:65536]:
        raise ImportRefused("this is a binary file, not text (it contains NUL bytes)")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        try:
            return data.decode("cp1252"), (f"not UTF-8 (byte {error.start}); read as Windows-1252 — "
                                           "check accented names")
        except UnicodeDecodeError as cp_error:
            raise ImportRefused(f"not UTF-8 or Windows-1252 text (byte {cp_error.start})") from cp_error


def _checked_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"'{text}' is not a real date") from None


def slash_date_order(text: str) -> tuple[bool, str | None]:
    """Read all of a file's dd/mm/yyyy-like dates at once and choose one order for the file.

    Returns (day_first, warning). A file whose dates only make sense month first (03/18/2017)
    is read month first throughout; with no such evidence, ambiguous dates are read day first
    and the report says so; a file with both kinds gets a warning that its dates disagree.
    """
    pairs = [(int(a), int(b)) for a, b in _SLASHED_ANYWHERE.findall(text)]
    day_first_seen = any(a > 12 for a, _ in pairs)
    month_first_seen = any(b > 12 for _, b in pairs)
    ambiguous = any(a <= 12 and b <= 12 and a != b for a, b in pairs)
    if month_first_seen and not day_first_seen:
        return False, ("dates are month first (like 03/18/2017), so dates like 03/04/2017 are read "
                       "as 4 March" if ambiguous else None)
    if month_first_seen and day_first_seen:
        return True, ("dates are written both day first and month first; dates like 03/04/2017 "
                      "were read day first (3 April): check them")
    if ambiguous and not day_first_seen:
        return True, "nothing in the file shows the date order: dates like 03/04/2017 were read day first (3 April)"
    return True, None


def parse_date(text: object, day_first: bool = True) -> tuple[date, str]:
    """Parse a date and say how precise it is: (first day of the period, day|month|year).

    Accepts 2017-03-18, 2017-03-18T00:00:00, 18 March 2017, 18-Mar-2017, March 18, 2017,
    18/03/2017 (day first; month first only when the day cannot be a month), 2017-03 and 2017.
    """
    if isinstance(text, date):
        return text, "day"
    value = str(text or "").strip()
    if not value:
        raise ValueError("no date")
    if match := _ISO_DAY.match(value):
        return _checked_date(int(match[1]), int(match[2]), int(match[3]), value), "day"
    if match := _ISO_MONTH.match(value):
        return _checked_date(int(match[1]), int(match[2]), 1, value), "month"
    if match := _YEAR.match(value):
        return _checked_date(int(match[1]), 1, 1, value), "year"
    if match := _NAMED.match(value):
        month = MONTHS.get(match[2].lower())
        if month is None:
            raise ValueError(f"'{value}': unknown month '{match[2]}'")
        return _checked_date(int(match[3]), month, int(match[1]), value), "day"
    if match := _NAMED_US.match(value):
        month = MONTHS.get(match[1].lower())
        if month is None:
            raise ValueError(f"'{value}': unknown month '{match[1]}'")
        return _checked_date(int(match[3]), month, int(match[2]), value), "day"
    if match := _SLASHED.match(value):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        if first > 12 or (second <= 12 and day_first):
            return _checked_date(year, second, first, value), "day"
        return _checked_date(year, first, second, value), "day"
    raise ValueError(f"'{value}' is not a date this importer reads (e.g. 2017-03-18 or 18 March 2017)")


def parse_number(text: object, low: float, high: float, decimal_comma: bool = False) -> float | None:
    """Parse a finite number in [low, high]; blank gives None. ``decimal_comma`` reads 1,5 as 1.5."""
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        raw = str(text).strip()
        if not raw:
            return None
        cleaned = raw
        if decimal_comma:
            if _GROUPED_DECIMAL_COMMA.match(raw):  # 1.250 or 1.250,5: points group thousands
                cleaned = raw.replace(".", "").replace(",", ".")
            elif "." in raw and "," in raw:
                raise ValueError(f"'{raw[:40]}' mixes '.' and ',' in a way that could mean two numbers")
            else:
                cleaned = raw.replace(",", ".")
        try:
            value = float(cleaned)
        except ValueError:
            raise ValueError(f"'{raw[:40]}' is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    if not low <= value <= high:
        raise ValueError(f"{value:g} is outside {low:g}..{high:g}")
    return value

