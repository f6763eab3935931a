"""Possible duplicates across datasets: the same kind of event, at the same time, in one place.

Two rows from *different* datasets are flagged when they have the same event type, their date
periods overlap (each widened by its precision: a month-precision event spans its month), and
they lie within ``max_km`` of each other. Flags are shown side by side; nothing is dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EARTH_RADIUS_KM = 6371.0
DEFAULT_MAX_KM = 5.0


def _km_between(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    lat1, lon1, lat2, lon2 = (np.radians(a) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def duplicate_pairs(
    latitude: np.ndarray,
    longitude: np.ndarray,
    date_start: np.ndarray,
    date_end: np.ndarray,
    type_code: np.ndarray,
    dataset_code: np.ndarray,
    max_km: float = DEFAULT_MAX_KM,
) -> np.ndarray:
    """Row-index pairs (i < j) of likely duplicates across datasets, shape (n, 2).

    Rows are bucketed on a grid about ``max_km`` wide, so only rows in neighbouring cells are
    compared; cost grows with the number of same-type rows per cell, not with n².
    """
    if len(latitude) == 0 or len(np.unique(dataset_code)) < 2:
        return np.empty((0, 2), dtype=np.int64)
    cell_deg = max_km / 111.0
    cells = pd.DataFrame({
        "row": np.arange(len(latitude)),
        "cy": np.floor(latitude / cell_deg).astype(np.int64),
        "cx": np.floor(longitude / cell_deg).astype(np.int64),
        "type": type_code,
    })
    found = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            shifted = cells.assign(cy=cells["cy"] + dy, cx=cells["cx"] + dx)
            pairs = cells.merge(shifted, on=["cy", "cx", "type"], suffixes=("_a", "_b"))
            pairs = pairs[pairs["row_a"] < pairs["row_b"]]
            if len(pairs):
                found.append(pairs[["row_a", "row_b"]].to_numpy())
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    candidates = np.unique(np.concatenate(found), axis=0)
    a, b = candidates[:, 0], candidates[:, 1]
    keep = dataset_code[a] != dataset_code[b]
    keep &= (date_start[a] <= date_end[b]) & (date_start[b] <= date_end[a])
    keep &= _km_between(latitude[a], longitude[a], latitude[b], longitude[b]) <= max_km
    return candidates[keep]


def duplicates_by_row(pairs: np.ndarray, size: int) -> list[tuple[int, ...]]:
    """For each row, the other rows it may duplicate (empty tuple for most rows)."""
    others: list[list[int]] = [[] for _ in range(size)]
    for a, b in pairs:
        others[int(a)].append(int(b))
        others[int(b)].append(int(a))
    return [tuple(sorted(o)) for o in others]
