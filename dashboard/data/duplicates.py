"""Possible duplicates across datasets: the same kind of event, at the same time, in one place.

Two rows from *different* datasets are flagged when they have the same event type, their date
periods overlap (each widened by its precision: a month-precision event spans its month), and
they lie within ``max_km`` of each other (great-circle distance). Flags are shown side by side;
nothing is dropped.

Cost is bounded whatever the data: sort and window, never a join whose output grows with the
square of the rows in one place.

* Rows are bucketed by place (a grid of cells at least ``max_km`` wide at every latitude, so a
  twin is always in one of the 9 neighbouring cells), type and *duration class* (periods of 1,
  2, 3–4, 5–8, … days), and sorted by first day within each bucket. A row's candidates in one
  bucket are the rows of other datasets whose first day lies in ``[start - longest period of
  the class + 1, end]``, found by two binary searches: every row whose period overlaps, and a
  few of that class that end shortly before it starts (a class's periods differ by less than 2×).
* Each row examines at most :data:`MAX_CANDIDATES_PER_ROW` candidates, in this order: its own
  cell, then the 8 neighbours (:data:`NEIGHBOURS`); within a cell the shortest class first;
  within a class by first day. Rows are read :data:`CHUNK_ROWS` at a time, so peak memory is
  ``O(n × MAX_PARTNERS_PER_ROW + CHUNK_ROWS × MAX_CANDIDATES_PER_ROW)`` and time
  ``O(n log n × 9 × classes + n × MAX_CANDIDATES_PER_ROW)``, plus a linear pass per dataset,
  even when every event shares one point.
* A match flags *both* rows, so a row is also flagged when another row's search found it.

What the cap can miss: the flag of row A is exact unless A has more than
``MAX_CANDIDATES_PER_ROW`` candidates, none of its first ``MAX_CANDIDATES_PER_ROW`` lies within
``max_km`` with an overlapping period, and every twin of A also has more than
``MAX_CANDIDATES_PER_ROW`` candidates with A beyond its first ``MAX_CANDIDATES_PER_ROW``. Then
A is not flagged although it has a twin (tests ``test_dup005``/``test_dup006`` show both sides
of the cap). A flag is never wrong: every pair reported is a true match. A row keeps at most
:data:`MAX_PARTNERS_PER_ROW` partners (the first it found) for the side-by-side view; the
flag, and so every count of duplicates, does not depend on that cap.

Longitude does not wrap at ±180° (neither did the grid before).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0
DEFAULT_MAX_KM = 5.0
# A degree of latitude is 111.19 km on this sphere; cells of max_km / 111 degrees are a little
# wider than max_km, so float rounding never pushes a twin two cells away.
KM_PER_DEGREE = 111.0
MAX_CANDIDATES_PER_ROW = 50
MAX_PARTNERS_PER_ROW = 10
CHUNK_ROWS = 4096
# Own cell first: twins reported at the same place are the likeliest.
NEIGHBOURS = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


@dataclass(frozen=True)
class Duplicates:
    """Likely duplicates found by :func:`find_duplicates`.

    Attributes
    ----------
    flagged
        ``bool`` per row: the row has at least one likely duplicate in another dataset.
    partners
        ``int64`` array of shape ``(m, 2)``: ``(row, partner)`` for each flagged row and up to
        :data:`MAX_PARTNERS_PER_ROW` of its partners, sorted by row then partner. Every flagged
        row has at least one.
    """

    flagged: np.ndarray
    partners: np.ndarray


def _km_between(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    lat1, lon1, lat2, lon2 = (np.radians(a) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _band_widths(first_band: int, last_band: int, cell_deg: float) -> np.ndarray:
    """Cell width in longitude (degrees) of each latitude band, ``first_band``..``last_band``.

    Two points within ``max_km`` lie at most one band apart, so both are in bands ``b-1..b+1``;
    there a great circle of ``cell_deg`` spans at most ``2 asin(sin(cell_deg / 2) / cos φ)``
    degrees of longitude, φ the largest latitude of those bands.
    """
    bands = np.arange(first_band, last_band + 1, dtype=np.float64)
    edge = np.minimum(90.0, np.maximum(np.abs(bands - 1), np.abs(bands + 2)) * cell_deg)
    cos_edge = np.cos(np.radians(edge))
    ratio = np.sin(np.radians(cell_deg) / 2) / np.maximum(cos_edge, 1e-12)
    widths = np.degrees(2 * np.arcsin(np.minimum(ratio, 1.0)))
    # Near a pole a band is one cell (a width of 360 keeps every longitude within one cell step).
    return np.where(ratio >= 1.0, 360.0, np.maximum(widths, cell_deg))


def _duration_classes(days: np.ndarray) -> np.ndarray:
    """Class of a period of ``days + 1`` days: 0 for one day, then 1 + floor(log2(days))."""
    return np.where(days > 0, np.floor(np.log2(np.maximum(days, 1))).astype(np.int64) + 1, 0)


def find_duplicates(
    latitude: np.ndarray,
    longitude: np.ndarray,
    date_start: np.ndarray,
    date_end: np.ndarray,
    type_code: np.ndarray,
    dataset_code: np.ndarray,
    max_km: float = DEFAULT_MAX_KM,
    *,
    max_candidates: int = MAX_CANDIDATES_PER_ROW,
    max_partners: int = MAX_PARTNERS_PER_ROW,
) -> Duplicates:
    """Rows with a likely duplicate in another dataset, and a few of their partners.

    Parameters
    ----------
    latitude, longitude
        Degrees; a row with a missing coordinate is never a duplicate.
    date_start, date_end
        First and last day (``datetime64[D]``) of each row's period; ``NaT`` is never a duplicate.
    type_code
        Rows are compared only when their codes are equal (the event type, or any finer kind).
    dataset_code
        Rows of one dataset are never compared with each other.
    max_km
        Greatest distance between twins, km (> 0).
    max_candidates
        Candidates a row examines at most (see the module notes for what the cap can miss).
    max_partners
        Partners kept per row.

    Returns
    -------
    Duplicates
        Per-row flags and up to ``max_partners`` partner rows per flagged row.
    """
    if max_km <= 0:
        raise ValueError("max_km must be positive")
    n = len(latitude)
    flagged = np.zeros(n, dtype=bool)
    latitude = np.asarray(latitude, dtype=np.float64)
    longitude = np.asarray(longitude, dtype=np.float64)
    start_all = np.asarray(date_start, dtype="datetime64[D]")
    end_all = np.asarray(date_end, dtype="datetime64[D]")
    valid = np.isfinite(latitude) & np.isfinite(longitude) & ~np.isnat(start_all) & ~np.isnat(end_all)
    rows = np.flatnonzero(valid)
    datasets, dataset = np.unique(np.asarray(dataset_code)[rows], return_inverse=True)
    if len(datasets) < 2:
        return Duplicates(flagged, np.empty((0, 2), dtype=np.int64))
    grid = _Grid(latitude[rows], longitude[rows], start_all[rows].view(np.int64),
                 end_all[rows].view(np.int64), np.asarray(type_code)[rows], max_km)

    found: list[np.ndarray] = []  # row × len(rows) + partner: half the memory of pairs
    finder = np.full(len(rows), -1, dtype=np.int64)  # some row that found this one
    for code in range(len(datasets)):
        others = dataset[grid.order] != code
        targets = _Targets(grid.sorted_key[others], grid.order[others])
        queries = grid.order[~others]  # in bucket and day order: neighbouring searches, warm caches
        for first in range(0, len(queries), CHUNK_ROWS):
            query, partner = grid.matches(queries[first:first + CHUNK_ROWS], targets, max_candidates)
            flagged[rows[query]] = True
            flagged[rows[partner]] = True
            finder[partner] = query
            # Matches come grouped by query row, in the order examined: keep each row's first few.
            new_row = np.flatnonzero(np.r_[True, query[1:] != query[:-1]]) if len(query) else query
            rank = np.arange(len(query)) - np.repeat(new_row, np.diff(np.r_[new_row, len(query)]))
            keep = rank < max_partners
            found.append(query[keep] * len(rows) + partner[keep])

    own = np.zeros(len(rows), dtype=bool)
    for keys in found:
        own[keys // len(rows)] = True
    # Flagged only because another row found it (that row's search reached it, its own was capped).
    lent = np.flatnonzero(~own & (finder >= 0))
    found.append(lent * len(rows) + finder[lent])
    keys = np.concatenate(found)
    del found
    keys.sort()
    pairs = np.empty((len(keys), 2), dtype=np.int64)
    np.floor_divide(keys, len(rows), out=pairs[:, 0])
    np.remainder(keys, len(rows), out=pairs[:, 1])
    del keys
    return Duplicates(flagged, pairs if len(rows) == n else rows[pairs])


@dataclass(frozen=True)
class _Targets:
    """Rows of the other datasets: bucket-and-day keys in sorted order, and their rows."""

    key: np.ndarray
    row: np.ndarray


class _Grid:
    """Rows bucketed by (latitude band, longitude cell, type, duration class), sorted by first day.

    A row's sort key is ``bucket rank × span + (first day - earliest first day)``, so one binary
    search finds a bucket's rows starting within a window of days.
    """

    def __init__(self, latitude: np.ndarray, longitude: np.ndarray, start: np.ndarray, end: np.ndarray,
                 type_code: np.ndarray, max_km: float) -> None:
        self.latitude, self.longitude, self.start, self.end = latitude, longitude, start, end
        self.max_km = max_km
        cell_deg = max_km / KM_PER_DEGREE
        self.band = np.floor(latitude / cell_deg).astype(np.int64)
        self.first_band, self.last_band = int(self.band.min()), int(self.band.max())
        # One band beyond each side: a query looks one band up and one down.
        self.widths = _band_widths(self.first_band - 1, self.last_band + 1, cell_deg)
        cell = self._cell(longitude, self.band)
        self.first_cell, self.last_cell = int(cell.min()), int(cell.max())
        self.kinds, self.kind = np.unique(type_code, return_inverse=True)
        duration = np.maximum(end - start, 0)
        self.classes, self.duration_class = np.unique(_duration_classes(duration), return_inverse=True)
        self.longest = np.zeros(len(self.classes), dtype=np.int64)
        np.maximum.at(self.longest, self.duration_class, duration)

        buckets = ((self.last_band - self.first_band + 1) * (self.last_cell - self.first_cell + 1)
                   * len(self.kinds) * len(self.classes))
        self.first_day = int(start.min())
        self.span = int(max(start.max(), end.max())) - self.first_day + 1
        if buckets >= 2**62 or (len(start) + 1) * self.span >= 2**62:
            raise ValueError("max_km too small or dates too far apart for the duplicate grid")
        self.buckets, rank = np.unique(self._bucket(self.band, cell, self.kind, self.duration_class),
                                       return_inverse=True)
        key = rank.astype(np.int64) * self.span + (start - self.first_day)
        self.order = np.argsort(key, kind="stable")
        self.sorted_key = key[self.order]

    def _cell(self, longitude: np.ndarray, band: np.ndarray) -> np.ndarray:
        return np.floor(longitude / self.widths[band - (self.first_band - 1)]).astype(np.int64)

    def _bucket(self, band: np.ndarray, cell: np.ndarray, kind: np.ndarray,
                duration_class: np.ndarray | int) -> np.ndarray:
        cells = self.last_cell - self.first_cell + 1
        return ((((band - self.first_band) * cells + (cell - self.first_cell)) * len(self.kinds) + kind)
                * len(self.classes) + duration_class)

    def matches(self, query: np.ndarray, targets: _Targets, cap: int) -> tuple[np.ndarray, np.ndarray]:
        """(query row, partner row) of every match among each query row's first ``cap`` candidates.

        Matches come grouped by query row, in the order of ``query``, each in the order examined.
        """
        start, end, kind = self.start[query], self.end[query], self.kind[query]
        classes = len(self.classes)
        low = np.zeros((len(query), len(NEIGHBOURS) * classes), dtype=np.int64)
        count = np.zeros_like(low)
        bands = {dy: self.band[query] + dy for dy in (-1, 0, 1)}
        cells = {dy: self._cell(self.longitude[query], band) for dy, band in bands.items()}
        for k, (dy, dx) in enumerate(NEIGHBOURS):
            band, cell = bands[dy], cells[dy] + dx
            inside = ((band >= self.first_band) & (band <= self.last_band)
                      & (cell >= self.first_cell) & (cell <= self.last_cell))
            base = self._bucket(band, cell, kind, 0)
            for c in range(classes):
                rank = np.minimum(np.searchsorted(self.buckets, base + c), len(self.buckets) - 1)
                at = np.flatnonzero(inside & (self.buckets[rank] == base + c))
                rank = rank[at]
                # Rows of this class starting before ``start - longest`` end before ``start``.
                first = rank * self.span + np.maximum(start[at] - self.longest[c] - self.first_day, 0)
                last = rank * self.span + (end[at] - self.first_day)
                slot = k * classes + c
                low[at, slot] = np.searchsorted(targets.key, first, side="left")
                count[at, slot] = np.maximum(np.searchsorted(targets.key, last, side="right") - low[at, slot], 0)

        # The cap: a row's candidates in slot order, own cell first, the first ``cap`` of them.
        take = np.clip(np.minimum(count, cap - (np.cumsum(count, axis=1) - count)), 0, None).ravel()
        runs = np.flatnonzero(take)
        lengths = take[runs]
        offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        mine = query[np.repeat(runs // low.shape[1], lengths)]
        other = targets.row[np.repeat(low.ravel()[runs], lengths) + offsets]
        keep = (self.start[mine] <= self.end[other]) & (self.start[other] <= self.end[mine])
        keep &= _km_between(self.latitude[mine], self.longitude[mine],
                            self.latitude[other], self.longitude[other]) <= self.max_km
        return mine[keep], other[keep]


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

    The pairs of :func:`find_duplicates` (each row with up to :data:`MAX_PARTNERS_PER_ROW`
    partners), each once. Exactly every matching pair while no row reaches a cap.
    """
    found = find_duplicates(latitude, longitude, date_start, date_end, type_code, dataset_code, max_km)
    if not len(found.partners):
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.sort(found.partners, axis=1), axis=0)
