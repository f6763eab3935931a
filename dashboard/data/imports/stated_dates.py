"""A date stated for a whole file, for spatial files that carry none (Google My Maps, GIS layers).

Many KML, GeoJSON and GeoPackage files hold places but no dates. Rather than one "no date" line
per feature, such a file is refused once, with the way out: the person importing it states when
the features are from (``--date 2021-03`` on the command line, the date field of the upload
panel). The stated period fills only the rows without a date of their own, and its length sets
their date precision, so nothing claims a day that was not known.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from ..schema import DatePrecision
from .base import Candidate, RowProblem

_DAY = r"\d{4}-\d{2}-\d{2}"
_ONE_DAY = re.compile(rf"^({_DAY})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(rf"^({_DAY})\s*(?:/|\.\.)\s*({_DAY})$")
EXAMPLES = "2021-03-15, 2021-03, 2021 or 2021-03-01/2021-03-20"
EARLIEST_YEAR = 1900
MAX_STATED_DATE_CHARS = 40  # the longest form, a period of two days, has 21


@dataclass(frozen=True)
class StatedDates:
    """The period a whole file's undated rows are from, as the importer stated it."""

    start: date
    end: date
    precision: str  # a DatePrecision value: the finest unit the period does not cross
    text: str  # as stated, for the report

    def fill(self, candidates: list[Candidate]) -> int:
        """Give every candidate without a date the stated period; returns how many were given it."""
        filled = 0
        for candidate in candidates:
            if candidate.values.get("event_date") is None:
                candidate.values["event_date"] = self.start
                candidate.values["date_precision"] = self.precision
                if self.end != self.start:
                    candidate.values["date_end"] = self.end
                filled += 1
        return filled

    def warning(self, filled: int) -> RowProblem:
        """The report's one line for the rows given the stated period."""
        return RowProblem(0, "event_date", f"{filled:,} rows had no date of their own: given the stated "
                                           f"date {self.text} ({self.precision} precision)")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a real date") from None


def _precision(start: date, end: date) -> str:
    if start == end:
        return DatePrecision.DAY.value
    if (start.year, start.month) == (end.year, end.month):
        return DatePrecision.MONTH.value
    return DatePrecision.YEAR.value


def parse_stated_dates(text: str, today: date) -> StatedDates:
    """Read a stated date or period: a day, a month, a year, or ``first/last`` day.

    Raises ValueError with a message fit for the report: the form is not one of
    :data:`EXAMPLES`, a day is not real, the period ends before it starts, lies before
    :data:`EARLIEST_YEAR` or starts after ``today``.
    """
    value = (text or "").strip()[:MAX_STATED_DATE_CHARS + 1]
    if match := _ONE_DAY.match(value):
        start = end = _day(match[1])
    elif match := _MONTH.match(value):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"'{value}': month {month} does not exist")
        start, end = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    elif match := _YEAR.match(value):
        start, end = date(int(match[1]), 1, 1), date(int(match[1]), 12, 31)
    elif match := _RANGE.match(value):
        start, end = _day(match[1]), _day(match[2])
        if end < start:
            raise ValueError(f"'{value}': the period ends before it starts")
    else:
        raise ValueError(f"'{value[:40]}' is not a date or period this importer reads (e.g. {EXAMPLES})")
    if start.year < EARLIEST_YEAR:
        raise ValueError(f"'{value}' is before {EARLIEST_YEAR}")
    if start > today:
        raise ValueError(f"'{value}' is in the future")
    return StatedDates(start, min(end, today), _precision(start, end), value)


def undated_refusal(rows: int) -> str:
    """Why a file none of whose rows has a date is refused, and how to import it anyway."""
    return (f"none of the {rows:,} rows has a date. If they are all from one period, state it for the whole "
            f"file: the upload panel's 'Date for undated rows' field, or --date on the command line "
            f"(e.g. {EXAMPLES})")
