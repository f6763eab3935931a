"""Offline geocoding of imported rows that name a place but carry no coordinates.

The gazetteer is ``geodata/gazetteer.csv`` (built by ``geodata/build_gazetteer.py``): the
hand-placed ``places.csv`` rows, GeoNames towns and cities, UN/LOCODE ports and Peru district
capitals.  A lookup never guesses: when a name matches places that are more than
``SAME_PLACE_KM`` apart, the result is ambiguous and lists them.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

from ..text import fold_text

GAZETTEER_PATH = Path(__file__).resolve().parents[3] / "geodata" / "gazetteer.csv"

SAME_PLACE_KM = 10.0  # matches closer than this to each other are one place
HAND_PLACED_SOURCE = "places.csv"  # source prefix of the hand-placed rows, which win ties

# Tried only when the name as given matches nothing: "Port of Callao", "Puerto de Paita",
# "Antwerp port", "Puerto del Callao", "Porto de Santos".
_PORT_PATTERNS = (
    re.compile(r"^(?:the )?(?:port|harbou?r|puerto|porto|haven) (?:of|de|del|do|da|di|van) (.+)$"),
    re.compile(r"^(.+?) (?:port|harbou?r|seaport)$"),
)
_ADMIN1_PREFIX = re.compile(r"^(?:departamento|department|region|provincia|province|estado)(?: de(?:l)?)? ")


@dataclass(frozen=True)
class Place:
    """One gazetteer row."""

    place_id: str
    name: str
    kind: str
    country: str
    admin1: str
    latitude: float
    longitude: float
    population: int


@dataclass(frozen=True)
class GeocodeResult:
    """Outcome of one lookup.

    ``candidates`` holds one entry per distinct place that matched (matches within
    ``SAME_PLACE_KM`` of each other are one place), best first.  ``place`` is set only
    when exactly one distinct place matched.
    """

    place: Place | None
    candidates: tuple[Place, ...]

    @property
    def ambiguous(self) -> bool:
        """True when several distinct places matched and none was chosen."""
        return self.place is None and len(self.candidates) > 1

    def describe_candidates(self, limit: int = 5) -> str:
        """Human-readable list of the candidates, e.g. for an import report.

        Parameters
        ----------
        limit : int
            Most candidates to name; the rest are counted.

        Returns
        -------
        str
            ``"Santa Rosa (PER, Ayacucho); Santa Rosa (BOL, Beni); … and 3 more"``, or
            ``""`` when there are no candidates.
        """
        parts = []
        for p in self.candidates[:limit]:
            where = ", ".join(x for x in (p.country, p.admin1) if x)
            parts.append(f"{p.name} ({where})" if where else p.name)
        text = "; ".join(parts)
        extra = len(self.candidates) - limit
        if extra > 0:
            text += f"; … and {extra} more"
        return text


def normalise_name(text: str) -> str:
    """Fold a place name for matching: case- and accent-insensitive, whitespace collapsed.

    Parameters
    ----------
    text : str
        A place name as written in a file.

    Returns
    -------
    str
        The matching key, e.g. ``"  PICHARÍ "`` -> ``"pichari"``.
    """
    return " ".join(fold_text(text).split())


def _normalise_admin1(text: str) -> str:
    key = normalise_name(text)
    key = _ADMIN1_PREFIX.sub("", key)
    return key[3:] if key.startswith("el ") else key


def _distance_km(a: Place, b: Place) -> float:
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dp, dl = p2 - p1, math.radians(b.longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(h, 1.0)))


class Gazetteer:
    """Name index over the gazetteer rows; build with :meth:`load`."""

    def __init__(self, places: list[Place], keys: list[set[str]], hand_placed: set[str]) -> None:
        self._places = places
        self._hand_placed = hand_placed
        self._index: dict[str, list[int]] = {}
        for i, row_keys in enumerate(keys):
            for key in row_keys:
                self._index.setdefault(key, []).append(i)

    @classmethod
    def load(cls, path: Path = GAZETTEER_PATH) -> Gazetteer:
        """Read a gazetteer CSV.

        Parameters
        ----------
        path : Path
            A CSV with the columns of ``geodata/gazetteer.csv``.

        Returns
        -------
        Gazetteer
        """
        places: list[Place] = []
        keys: list[set[str]] = []
        hand_placed: set[str] = set()
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                place = Place(
                    place_id=row["place_id"],
                    name=row["name"],
                    kind=row["kind"],
                    country=row["country"],
                    admin1=row["admin1"],
                    latitude=float(row["latitude"]),
                    longitude=float(row["longitude"]),
                    population=int(row["population"] or 0),
                )
                names = [row["name"], *row["alt_names"].split(";")]
                places.append(place)
                keys.append({normalise_name(n) for n in names if n.strip()})
                if row["source"].startswith(HAND_PLACED_SOURCE):
                    hand_placed.add(place.place_id)
        return cls(places, keys, hand_placed)

    def __len__(self) -> int:
        return len(self._places)

    def lookup(self, name: str, country: str = "", admin1: str = "") -> GeocodeResult:
        """Find the one place a name refers to, or say why not.

        Parameters
        ----------
        name : str
            Place name as written (any case, accents optional).
        country : str
            ISO 3166 alpha-3 code to restrict to, or ``""`` for anywhere.
        admin1 : str
            Department/state name to narrow by; ignored if it would leave no match.

        Returns
        -------
        GeocodeResult
            ``place`` set when one distinct place matched; ``place`` None and several
            ``candidates`` when ambiguous; both empty when nothing matched.
        """
        matches = self._matches(name, country.strip().upper())
        if admin1.strip() and matches:
            wanted = _normalise_admin1(admin1)
            narrowed = [p for p in matches if _normalise_admin1(p.admin1) == wanted]
            matches = narrowed or matches
        distinct = self._distinct_places(matches)
        if len(distinct) == 1:
            return GeocodeResult(place=distinct[0], candidates=tuple(distinct))
        return GeocodeResult(place=None, candidates=tuple(distinct))

    def _matches(self, name: str, country: str) -> list[Place]:
        key = normalise_name(name)
        tried = [key]
        for pattern in _PORT_PATTERNS:
            m = pattern.match(key)
            if m:
                tried.append(m.group(1))
        if "," in key:  # "Antwerp, Belgium"
            tried.append(key.split(",")[0].strip())
        for k in tried:
            found = [self._places[i] for i in self._index.get(k, [])]
            if country:
                found = [p for p in found if p.country == country]
            if found:
                return found
        return []

    def _distinct_places(self, matches: list[Place]) -> list[Place]:
        """One representative per cluster of matches within SAME_PLACE_KM, best first."""
        ranked = sorted(matches, key=lambda p: (p.place_id not in self._hand_placed, -p.population))
        reps: list[Place] = []
        for p in ranked:
            if not any(_distance_km(p, r) <= SAME_PLACE_KM for r in reps):
                reps.append(p)
        return reps


@functools.cache
def default_gazetteer() -> Gazetteer:
    """The bundled gazetteer, read once per process.

    Returns
    -------
    Gazetteer
        Loaded from ``GAZETTEER_PATH``.
    """
    return Gazetteer.load(GAZETTEER_PATH)
