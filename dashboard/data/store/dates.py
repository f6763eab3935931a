"""Dates for the store: histogram time units, and the days each event covers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..filters import FilterSpec


def time_unit_for_span(days: int) -> str:
    """Histogram unit for a date range of ``days``: day ≤ 92, week ≤ 2 years, month ≤ 6, else year."""
    if days <= 92:
        return "day"
    if days <= 2 * 366:
        return "week"
    if days <= 6 * 366:
        return "month"
    return "year"


def choose_time_unit(starts: np.ndarray, spec: FilterSpec) -> str:
    """Time unit for a histogram: from the filter's date range, or the events' where it is open.

    Parameters
    ----------
    starts
        First day (datetime64[D]) of each matching event.
    spec
        The filter; its dates win over the events' where set.
    """
    first = np.datetime64(spec.date_from, "D") if spec.date_from else (starts.min() if starts.size else None)
    last = np.datetime64(spec.date_to, "D") if spec.date_to else (starts.max() if starts.size else None)
    if first is None or last is None:
        return "month"
    return time_unit_for_span(int((last - first).astype(np.int64)))


def period_ends(start: np.ndarray, is_month: np.ndarray, is_year: np.ndarray) -> np.ndarray:
    """Last day of each event's precision period: its day, month or year."""
    end = start.copy()
    if is_month.any():
        months = start[is_month].astype("datetime64[M]")
        end[is_month] = (months + 1).astype("datetime64[D]") - 1
    if is_year.any():
        years = start[is_year].astype("datetime64[Y]")
        end[is_year] = (years + 1).astype("datetime64[D]") - 1
    return end


def days_of(series: pd.Series) -> np.ndarray:
    """A date column (dates, timestamps or text) as datetime64[D], NaT where missing."""
    if series.dtype == object and len(series):
        # Few distinct dates over many rows: convert each once.
        codes, uniques = pd.factorize(series)
        converted = pd.to_datetime(pd.Series(np.asarray(uniques, dtype=object))).to_numpy()
        converted = np.append(converted.astype("datetime64[D]"), np.datetime64("NaT", "D"))
        return converted[codes]
    return pd.to_datetime(series).to_numpy().astype("datetime64[D]")
