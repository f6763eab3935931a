"""Parsing of single values shared by every reader: text decoding, dates and numbers.

Each parser raises ValueError with a message fit for the import report (it is shown to the
user after "row N, field F:"), never returns a guess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

from .base import ImportRefused

MONTHS = {name: number for number, names in enumerate((
    ("january", "jan", "enero", "ene"), ("february", "feb", "febrero"), ("march", "mar", "marzo"),
    ("april", "apr", "abril", "abr"), ("may", "mayo"), ("june", "jun", "junio"),
    ("july", "jul", "julio"), ("august", "aug", "agosto", "ago"),
    ("september", "sep", "sept", "septiembre", "setiembre", "set"), ("october", "oct", "octubre"),
    ("november", "nov", "noviembre"), ("december", "dec", "diciembre", "dic"),
), start=1) for name in names}
# A leading weekday ("Monday, 9 May 2020", "lunes 9 de mayo de 2020") says nothing more: skipped.
WEEKDAYS = ("monday", "mon", "tuesday", "tues", "tue", "wednesday", "wed", "thursday", "thurs", "thur", "thu",
            "friday", "fri", "saturday", "sat", "sunday", "sun", "lunes", "martes", "miercoles", "miércoles",
            "jueves", "viernes", "sabado", "sábado", "domingo")

# Two-digit years: yy is 20yy unless 20yy is after the current year, then 19yy. ACLED starts in
# 1997 and UCDP GED in 1989, so "9-May-20" is 2020 and "4/27/97" is 1997 (see docs/IMPORTS.md).
TWO_DIGIT_YEAR_CENTURIES = (2000, 1900)  # tried in this order; the first not after this year wins
# Excel's 1900 date system counts days from 1899-12-30 (its serial 60 is the 29 February 1900 that
# never was). Only five-digit serials in this range are read as dates, so 2017 stays a year.
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_PHANTOM_LEAP_DAY = 60
EXCEL_SERIAL_FIRST_DAY = date(1950, 1, 1)
EXCEL_SERIAL_LAST_DAY = date(2099, 12, 31)
# What a cell holds when the value is missing, as R, pandas, Stata, SPSS and Excel write it
# (compared ignoring case and surrounding spaces). A lone "-" is missing; "-12.5" is a number.
MISSING_MARKERS = frozenset({
    "", "na", "n/a", "null", "-", "--", "nan", "#n/a", "none", "nat", "<na>", "#null!", ".",
})
_LONGEST_MISSING_MARKER = max(map(len, MISSING_MARKERS))
ACCEPTED_DATE_EXAMPLES = ("2017-03-18, 18/03/2017, 18 March 2017, 9-May-20, mayo de 2020, 2017 "
                          "or an Excel serial like 42812")
DATE_CACHE_SIZE = 65_536  # distinct date texts remembered: 1M-row files repeat a few thousand dates

_TIME = (r"(?:(?:[T ]|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[ap]\.?m\.?)?"
         r"\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?)?")
_WEEKDAY = rf"(?:(?:{'|'.join(WEEKDAYS)})\.?,?\s+)?"
_WORD = r"([^\W\d_]+)"  # a month name, looked up in MONTHS
_YEAR_2_OR_4 = r"(\d{4}|\d{2})"
_ISO_DAY = re.compile(rf"^(\d{{4}})([-/.])(\d{{1,2}})\2(\d{{1,2}}){_TIME}$", re.IGNORECASE)
_ISO_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_COMPACT_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")  # 20170318 (GDELT, some databases)
_YEAR = re.compile(r"^(\d{4})(?:\.0+)?$")  # 2017, or 2017.0 from a float column
_EXCEL_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")
_NUMERIC_DAY = re.compile(rf"^(\d{{1,2}})([/.\-])(\d{{1,2}})\2{_YEAR_2_OR_4}{_TIME}$", re.IGNORECASE)
_NUMERIC_MONTH = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")  # 03/2017
_NAMED_DAY = re.compile(  # 18 March 2017, 18-Mar-2017, 9-May-20, 9 de mayo de 2020
    rf"^{_WEEKDAY}(\d{{1,2}})(?:st|nd|rd|th|º|°)?(?:\s+de\s+|[\s\-/.]+){_WORD}\.?"
    rf"(?:\s+del?\s+|[\s\-/.,]+){_YEAR_2_OR_4}{_TIME}$", re.IGNORECASE)
_NAMED_US = re.compile(  # March 18, 2017; Mar 18 2017
    rf"^{_WEEKDAY}{_WORD}\.?[\s\-]+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR_2_OR_4}{_TIME}$", re.IGNORECASE)
_NAMED_MONTH = re.compile(  # May 2020, Mar-2017, mayo de 2020, and Mar-20 (Excel's mmm-yy)
    r"^([^\W\d_]+)\.?(?:(?:\s+del?\s+|[\s\-/.,]+)(\d{4})|-(\d{2}))$", re.IGNORECASE)
_GROUPED_DECIMAL_COMMA = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")


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


def is_missing(value: object) -> bool:
    """True for None, a float NaN and any of :data:`MISSING_MARKERS` (ignoring case and spaces)."""
    if isinstance(value, str):
        # called for every cell: a long value with no surrounding space is settled by its length
        if len(value) > _LONGEST_MISSING_MARKER and not (value[0].isspace() or value[-1].isspace()):
            return False
        return value.strip().lower() in MISSING_MARKERS
    if value is None:
        return True
    return isinstance(value, float) and math.isnan(value)


def expand_two_digit_year(two_digits: int, this_year: int) -> int:
    """The year a two-digit year stands for: 20yy unless that is after ``this_year``, then 19yy."""
    for century in TWO_DIGIT_YEAR_CENTURIES:
        if century + two_digits <= this_year:
            return century + two_digits
    return TWO_DIGIT_YEAR_CENTURIES[-1] + two_digits


def date_from_excel_serial(serial: float) -> date:
    """The day of an Excel serial date (1900 date system; a fraction is a time of day, dropped).

    Serial 60 is Excel's 29 February 1900, a day that never was, and is refused; serials below
    it count from 1899-12-31 (Excel believed 1900 a leap year, so only they are off by one).
    """
    whole = math.floor(serial)
    if whole < 1:
        raise ValueError(f"{serial:g} is not an Excel serial date (they start at 1 = 1900-01-01)")
    if whole == EXCEL_PHANTOM_LEAP_DAY:
        raise ValueError("Excel serial 60 is 29 February 1900, a day that does not exist")
    if whole < EXCEL_PHANTOM_LEAP_DAY:
        return EXCEL_EPOCH + timedelta(days=whole + 1)
    return EXCEL_EPOCH + timedelta(days=whole)


def _checked_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"'{text}' is not a real date") from None


def _month_number(word: str, text: str) -> int:
    month = MONTHS.get(word.lower())
    if month is None:
        raise ValueError(f"'{text}': unknown month '{word}'")
    return month


def _full_year(digits: str, this_year: int) -> int:
    return expand_two_digit_year(int(digits), this_year) if len(digits) == 2 else int(digits)


def _day_and_month(first: int, second: int, day_first: bool) -> tuple[int, int]:
    """(day, month) of a numeric date: day first unless told otherwise or the first cannot be a month."""
    if first > 12 or (second <= 12 and day_first):
        return first, second
    return second, first


def decide_date_order(texts: Iterable[str]) -> tuple[bool, str | None]:
    """Choose one order, day first or month first, for all the numeric dates of a date column.

    Pass the values of the file's date column(s) only: a date written inside a note says
    nothing about how the date column is written.

    Returns
    -------
    day_first, warning
        Month first only when some dates only make sense that way (03/18/2017, 4/27/20) and
        none only day first; otherwise day first. The warning, for the report once per file,
        says when ambiguous dates (03/04/2017) were read by that decision or the dates disagree;
        None when there is nothing to say.
    """
    day_first_seen = month_first_seen = ambiguous = False
    for text in set(texts):
        match = _NUMERIC_DAY.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            continue
        first, second = int(match[1]), int(match[3])
        day_first_seen |= first > 12 and second <= 12
        month_first_seen |= second > 12 and first <= 12
        ambiguous |= first <= 12 and second <= 12 and first != second
        if day_first_seen and month_first_seen:
            break
    if month_first_seen and day_first_seen:
        return True, ("dates are written both day first and month first; dates like 03/04/2017 "
                      "were read day first (3 April): check them")
    if month_first_seen:
        return False, ("dates are month first (like 03/18/2017), so dates like 03/04/2017 are read "
                       "as 4 March" if ambiguous else None)
    if ambiguous and not day_first_seen:
        return True, ("nothing in the date column shows the date order: dates like 03/04/2017 were "
                      "read day first (3 April)")
    return True, None


def parse_date(text: object, day_first: bool = True, this_year: int | None = None) -> tuple[date, str]:
    """Parse a date and say how precise it is: (first day of the period, day|month|year).

    Parameters
    ----------
    text
        The value as the file gives it. Accepted (any case; English or Spanish month names,
        full or abbreviated, with or without ``de``; a trailing time and zone is ignored, the
        day is the one written): ``2017-03-18``, ``2017/03/18``, ``20170318``,
        ``2017-03-18T14:30:00Z`` → day; ``18/03/2017``, ``18.03.2017``, ``18-03-2017``,
        ``27/04/20`` → day (see ``day_first``); ``18 March 2017``, ``9-May-20``,
        ``9 de mayo de 2020``, ``March 18, 2017`` → day; five-digit Excel serials (``42812``,
        ``42812.5``) → day; ``2017-03``, ``03/2017``, ``May 2020``, ``mayo de 2020``,
        ``Mar-20`` → month (the 1st); ``2017`` → year (1 January).
    day_first
        How to read a numeric date whose two numbers could both be a month (03/04/2017); a
        first number over 12 is always a day. Decide it per file with :func:`decide_date_order`.
    this_year
        The current year, for the two-digit year rule (:func:`expand_two_digit_year`);
        None means today's.

    Raises
    ------
    ValueError
        A blank or missing value ("no date"), a text that is no date form listed above, or a day
        that does not exist; the message is fit for the import report.
    """
    if isinstance(text, datetime):
        return text.date(), "day"
    if isinstance(text, date):
        return text, "day"
    if is_missing(text):
        raise ValueError("no date")
    parsed = _parse_date_text(str(text).strip(), day_first, this_year or date.today().year)
    if isinstance(parsed, str):
        raise ValueError(parsed)
    return parsed


@lru_cache(maxsize=DATE_CACHE_SIZE)
def _parse_date_text(value: str, day_first: bool, this_year: int) -> tuple[date, str] | str:
    """:func:`parse_date` of a stripped text; an error comes back as its message, so it is cached too."""
    try:
        return _read_date_text(value, day_first, this_year)
    except ValueError as error:
        return str(error)


def _read_date_text(value: str, day_first: bool, this_year: int) -> tuple[date, str]:
    if match := _ISO_DAY.match(value):
        return _checked_date(int(match[1]), int(match[3]), int(match[4]), value), "day"
    if match := _YEAR.match(value):
        return _checked_date(int(match[1]), 1, 1, value), "year"
    if match := _ISO_MONTH.match(value):
        return _checked_date(int(match[1]), int(match[2]), 1, value), "month"
    if match := _NUMERIC_DAY.match(value):
        day, month = _day_and_month(int(match[1]), int(match[3]), day_first)
        return _checked_date(_full_year(match[4], this_year), month, day, value), "day"
    if match := _NUMERIC_MONTH.match(value):
        return _checked_date(int(match[2]), int(match[1]), 1, value), "month"
    if match := _EXCEL_SERIAL.match(value):
        day = date_from_excel_serial(float(value))
        if not EXCEL_SERIAL_FIRST_DAY <= day <= EXCEL_SERIAL_LAST_DAY:
            raise ValueError(f"'{value}' read as an Excel serial date is {day}, outside "
                             f"{EXCEL_SERIAL_FIRST_DAY.year}..{EXCEL_SERIAL_LAST_DAY.year}")
        return day, "day"
    if match := _COMPACT_DAY.match(value):
        return _checked_date(int(match[1]), int(match[2]), int(match[3]), value), "day"
    if match := _NAMED_DAY.match(value):
        month = _month_number(match[2], value)
        return _checked_date(_full_year(match[3], this_year), month, int(match[1]), value), "day"
    if match := _NAMED_US.match(value):
        month = _month_number(match[1], value)
        return _checked_date(_full_year(match[3], this_year), month, int(match[2]), value), "day"
    if match := _NAMED_MONTH.match(value):
        month = _month_number(match[1], value)
        return _checked_date(_full_year(match[2] or match[3], this_year), month, 1, value), "month"
    raise ValueError(f"'{value[:40]}' is not a date this importer reads (e.g. {ACCEPTED_DATE_EXAMPLES})")


def parse_number(text: object, low: float, high: float, decimal_comma: bool = False) -> float | None:
    """Parse a finite number in [low, high]; blank or missing (see :func:`is_missing`) gives None.

    ``decimal_comma`` reads 1,5 as 1.5.
    """
    if is_missing(text):
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

