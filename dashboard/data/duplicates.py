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
CHUNK_ROWS = 20_000


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

    Rows are bucketed on a grid about ``max_km`` wide and only rows of *different* datasets in
    neighbouring cells are joined (a dense dataset is never compared with itself), a chunk of
    rows at a time with each chunk's candidates filtered at once, so memory stays bounded.
    """
    codes = np.unique(dataset_code)
    if len(latitude) == 0 or len(codes) < 2:
        return np.empty((0, 2), dtype=np.int64)
    cell_deg = max_km / 111.0
    cells = pd.DataFrame({
        "row": np.arange(len(latitude)),
        "cy": np.floor(latitude / cell_deg).astype(np.int64),
        "cx": np.floor(longitude / cell_deg).astype(np.int64),
        "type": type_code,
    })
    found = []
    for code in codes[:-1]:
        others = cells[dataset_code > code]
        mine = cells[dataset_code == code]
        for start in range(0, len(mine), CHUNK_ROWS):
            chunk = mine.iloc[start:start + CHUNK_ROWS]
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    shifted = chunk.assign(cy=chunk["cy"] + dy, cx=chunk["cx"] + dx)
                    pairs = shifted.merge(others, on=["cy", "cx", "type"], suffixes=("_a", "_b"))
                    if len(pairs):
                        kept = _same_event(pairs["row_a"].to_numpy(), pairs["row_b"].to_numpy(), latitude,
                                           longitude, date_start, date_end, max_km)
                        found.append(kept)
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    return np.unique(np.sort(pairs, axis=1), axis=0)


def _same_event(a: np.ndarray, b: np.ndarray, latitude: np.ndarray, longitude: np.ndarray,
                date_start: np.ndarray, date_end: np.ndarray, max_km: float) -> np.ndarray:
    keep = (date_start[a] <= date_end[b]) & (date_start[b] <= date_end[a])
    keep &= _km_between(latitude[a], longitude[a], latitude[b], longitude[b]) <= max_km
    return np.stack([a[keep], b[keep]], axis=1)

