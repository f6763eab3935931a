"""Countries for imports: codes and names to ISO 3166 alpha-3, and which country a point is in.

Reads two bundled files, so assigning a country needs no network and no extra package:

* ``assets/basemap/countries.geojson``: Natural Earth outlines of the whole world (the base map
  draws the same file), one feature per ISO alpha-3 code;
* ``dashboard/data/country_names.csv``: every code and spelling we resolve, one row each with
  the source it comes from (ISO 3166 codes and English/Spanish names, Natural Earth's names,
  ACLED's and UCDP's own spellings). Both are written by ``geodata/build_basemap.py``.

Assignment order (:meth:`CountryIndex.resolve`, then :meth:`CountryIndex.locate`): a code first
(alpha-3; numeric ISO 3166 such as ACLED's ``iso`` 604; alpha-2 except ``NA``), then a name, then
the coordinates: the country whose outline contains the point, else the nearest one within
:data:`BORDER_TOLERANCE_DEG`, else none (at sea).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

import numpy as np
import shapely

from .text import fold_text

COUNTRIES_PATH = Path(__file__).resolve().parents[2] / "assets" / "basemap" / "countries.geojson"
COUNTRY_NAMES_PATH = Path(__file__).resolve().with_name("country_names.csv")
# Points within this many degrees of a country (about 25 km) count as in it: outlines are
# simplified (by up to ~0.1° over the Americas, Europe and Africa, ~0.2° elsewhere) and many
# events happen on borders, coasts and in ports.
BORDER_TOLERANCE_DEG = 0.25
# ISO alpha-2 codes that files also write for "missing" (Namibia's NA): never read as a country.
ALPHA2_NOT_READ = frozenset({"NA"})
_NUMERIC_CODE = re.compile(r"\d{1,3}(?:\.0*)?")


class SpellingKind(StrEnum):
    """What a row of the name table holds: a code of one ISO 3166 kind, or a name."""

    ALPHA3 = "alpha3"
    ALPHA2 = "alpha2"
    NUMERIC = "numeric"
    NAME = "name"


def spelling_key(text: str) -> str:
    """The form names are matched in: folded case and accents, one kind of apostrophe,
    hyphens as spaces, single spaces ("Guinea-Bissau" finds "Guinea Bissau", "Côte d’Ivoire"
    finds "cote d'ivoire")."""
    folded = fold_text(text).replace("’", "'").replace("`", "'")
    return " ".join(re.sub(r"[-‐–—_]", " ", folded).split())


def code_key(kind: SpellingKind, text: str) -> str:
    """The form codes are matched in: upper case; numeric codes as three digits ("32" → "032")."""
    text = text.strip()
    if kind is SpellingKind.NUMERIC:
        return f"{int(float(text)):03d}"
    return text.upper()


@dataclass(frozen=True)
class CountryIndex:
    """Country outlines (one per ISO alpha-3) and the codes and names that resolve to them.

    Attributes
    ----------
    codes
        ISO alpha-3 of each outline, aligned with ``shapes``.
    shapes
        Shapely geometries.
    tree
        Spatial index over ``shapes``.
    spellings
        ``(kind, key)`` → ISO alpha-3, keys made by :func:`code_key` / :func:`spelling_key`.
    """

    codes: tuple[str, ...]
    shapes: np.ndarray
    tree: shapely.STRtree
    spellings: dict[tuple[SpellingKind, str], str]

    def resolve(self, text: str) -> str | None:
        """ISO alpha-3 for a country code or name; None when unknown or empty.

        Codes are tried first — alpha-3, numeric ISO 3166 (``604``, ``604.0``), alpha-2 except
        ``NA`` — then names in any case and accent (ISO English/Spanish, Natural Earth, ACLED,
        UCDP; see ``country_names.csv``).
        """
        text = (text or "").strip()
        if not text:
            return None
        if _NUMERIC_CODE.fullmatch(text):
            return self.spellings.get((SpellingKind.NUMERIC, code_key(SpellingKind.NUMERIC, text)))
        if text.isascii() and text.isalpha() and len(text) in (2, 3):
            kind = SpellingKind.ALPHA3 if len(text) == 3 else SpellingKind.ALPHA2
            found = self.spellings.get((kind, code_key(kind, text)))
            if found:
                return found
        return self.spellings.get((SpellingKind.NAME, spelling_key(text)))

    def countries_at(self, longitude: float, latitude: float, tolerance: float = 0.0) -> tuple[str, ...]:
        """ISO3 codes of the countries containing the point (within ``tolerance`` degrees)."""
        point = shapely.Point(longitude, latitude)
        if tolerance:
            hits = self.tree.query(point, predicate="dwithin", distance=tolerance)
        else:
            hits = self.tree.query(point, predicate="intersects")
        return tuple(sorted(self.codes[i] for i in hits))

    def locate(self, longitudes: Sequence[float], latitudes: Sequence[float],
               tolerance: float = BORDER_TOLERANCE_DEG) -> list[str]:
        """The country each point is in: the one whose outline contains it, else the nearest
        within ``tolerance`` degrees, else ``""`` (at sea). Vectorised over all points.

        Parameters
        ----------
        longitudes, latitudes
            WGS84 degrees, aligned.
        tolerance
            How far off an outline (degrees) a point still counts as in that country.

        Returns
        -------
        list[str]
            ISO alpha-3 per point, ``""`` where no country is within ``tolerance``. A point on a
            shared border goes to the first code alphabetically, so the answer never depends on
            order.
        """
        x, y = np.asarray(longitudes, dtype=float), np.asarray(latitudes, dtype=float)
        points = shapely.points(x, y)
        codes = np.array(self.codes + ("",), dtype=object)  # index len(self.codes): no country
        found = np.full(len(points), len(self.codes))
        # bounding boxes from the tree, then the exact test against the prepared outlines: ten
        # times faster than the tree's own predicate, which prepares the points instead
        point_index, shape_index = self.tree.query(points)
        inside = shapely.intersects(self.shapes[shape_index], points[point_index])
        point_index, shape_index = point_index[inside], shape_index[inside]
        hits = np.bincount(point_index, minlength=len(points))
        alone = hits[point_index] == 1
        found[point_index[alone]] = shape_index[alone]
        unsettled = np.flatnonzero(hits != 1)
        if len(unsettled) and tolerance:
            around = shapely.box(x[unsettled] - tolerance, y[unsettled] - tolerance,
                                 x[unsettled] + tolerance, y[unsettled] + tolerance)
            near_point, near_shape = self.tree.query(around)
            close = shapely.dwithin(self.shapes[near_shape], points[unsettled][near_point], tolerance)
            near_point, near_shape = near_point[close], near_shape[close]
            distances = shapely.distance(self.shapes[near_shape], points[unsettled][near_point])
            # nearest first, ties to the first code alphabetically; keep each point's first row
            order = np.lexsort((codes[near_shape].astype(str), distances, near_point))
            first = order[np.unique(near_point[order], return_index=True)[1]]
            found[unsettled[near_point[first]]] = near_shape[first]
        return codes[found].tolist()

    def near(self, countries: Sequence[str], longitudes: Sequence[float], latitudes: Sequence[float],
             tolerance: float = BORDER_TOLERANCE_DEG) -> list[bool]:
        """Whether each point lies within ``tolerance`` degrees of its country's outline.

        ``True`` where the country is empty or has no outline here (a territory too small for
        the base map): nothing to check against.
        """
        index_of = {code: i for i, code in enumerate(self.codes)}
        out = [True] * len(countries)
        rows = [i for i, c in enumerate(countries) if c in index_of]
        if rows:
            points = shapely.points(np.asarray(longitudes, dtype=float)[rows],
                                    np.asarray(latitudes, dtype=float)[rows])
            shapes = self.shapes[[index_of[countries[i]] for i in rows]]
            for i, ok in zip(rows, shapely.dwithin(shapes, points, tolerance).tolist()):
                out[i] = ok
        return out


def read_spellings(path: Path = COUNTRY_NAMES_PATH) -> dict[tuple[SpellingKind, str], str]:
    """The name table as ``(kind, key)`` → ISO alpha-3.

    Parameters
    ----------
    path
        A CSV with columns ``iso3, kind, spelling, source`` (``kind`` a :class:`SpellingKind`).

    Returns
    -------
    dict
        Keys made by :func:`code_key` for codes and :func:`spelling_key` for names.

    Raises
    ------
    ValueError
        When one spelling names two countries (the table must stay unambiguous).
    """
    spellings: dict[tuple[SpellingKind, str], str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            kind = SpellingKind(row["kind"])
            key = spelling_key(row["spelling"]) if kind is SpellingKind.NAME else code_key(kind, row["spelling"])
            if kind is SpellingKind.ALPHA2 and key in ALPHA2_NOT_READ:
                continue
            if spellings.setdefault((kind, key), row["iso3"]) != row["iso3"]:
                raise ValueError(f"{path.name} line {line}: '{row['spelling']}' names both "
                                 f"{spellings[(kind, key)]} and {row['iso3']}")
    return spellings


@cache
def country_index(path: Path = COUNTRIES_PATH, names_path: Path = COUNTRY_NAMES_PATH) -> CountryIndex:
    """The bundled outlines and name table, read once per process."""
    collection = json.loads(path.read_text(encoding="utf-8"))
    codes = tuple(feature["properties"]["iso3"] for feature in collection["features"])
    shapes = np.array([shapely.geometry.shape(feature["geometry"]) for feature in collection["features"]],
                      dtype=object)
    shapely.prepare(shapes)  # point-in-polygon over a whole file
    spellings = read_spellings(names_path)
    for code in codes:  # an outline's own code always resolves
        spellings.setdefault((SpellingKind.ALPHA3, code), code)
    return CountryIndex(codes, shapes, shapely.STRtree(shapes), spellings)
