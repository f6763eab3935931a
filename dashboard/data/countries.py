"""Countries for imports: names and codes to ISO 3166 alpha-3, and which country a point is in.

Reads the bundled base-map outlines (Natural Earth, ``assets/basemap/countries.geojson``), so the
check "coordinates outside the declared country" needs no network and no extra data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import shapely

from .text import fold_text

COUNTRIES_PATH = Path(__file__).resolve().parents[2] / "assets" / "basemap" / "countries.geojson"
# Names sources use that differ from Natural Earth's, in whatever language our sources write them:
# aliases to resolve, in no order. The names the UI shows are the catalogs' ``country.<ISO3>`` keys.
EXTRA_NAMES = {
    "PER": ("Perú",), "BOL": ("Bolivia (Plurinational State of)", "Plurinational State of Bolivia"),
    "BRA": ("Brasil",), "ESP": ("España", "Spain"), "NLD": ("Netherlands", "The Netherlands",
                                                           "Holland", "Países Bajos"),
    "BEL": ("Bélgica",), "USA": ("United States of America", "United States", "US", "USA",
                                 "Estados Unidos", "EEUU"),
    "GBR": ("United Kingdom", "UK", "Reino Unido"), "DEU": ("Germany", "Alemania"),
    "ITA": ("Italia",), "FRA": ("Francia",), "MEX": ("México",), "ECU": ("Ecuador",),
    "COL": ("Colombia",), "CHL": ("Chile",), "PRY": ("Paraguay",), "ARG": ("Argentina",),
    "VEN": ("Venezuela (Bolivarian Republic of)",), "PRT": ("Portugal",),
}
# Points within this many degrees of a border (about 25 km) count as inside: outlines are
# simplified and many events happen on borders and coasts.
BORDER_TOLERANCE_DEG = 0.25


@dataclass(frozen=True)
class CountryIndex:
    codes: tuple[str, ...]
    names: dict[str, str]  # folded name or code -> ISO3
    shapes: np.ndarray  # shapely geometries, aligned with codes
    tree: shapely.STRtree

    def resolve(self, text: str) -> str | None:
        """ISO3 for a code (ISO3/ISO2 we know) or a country name; None when unknown."""
        return self.names.get(fold_text(text.strip())) if text and text.strip() else None

    def countries_at(self, longitude: float, latitude: float, tolerance: float = 0.0) -> tuple[str, ...]:
        """ISO3 codes of the countries containing the point (within ``tolerance`` degrees)."""
        point = shapely.Point(longitude, latitude)
        if tolerance:
            hits = self.tree.query(point, predicate="dwithin", distance=tolerance)
        else:
            hits = self.tree.query(point, predicate="intersects")
        return tuple(sorted(self.codes[i] for i in hits))


@cache
def country_index(path: Path = COUNTRIES_PATH) -> CountryIndex:
    collection = json.loads(path.read_text(encoding="utf-8"))
    codes: list[str] = []
    shapes = []
    names: dict[str, str] = {}
    for feature in collection["features"]:
        code = feature["properties"]["iso3"]
        codes.append(code)
        shapes.append(shapely.geometry.shape(feature["geometry"]))
        names[fold_text(feature["properties"]["name"])] = code
        names[fold_text(code)] = code
    for code, extra in EXTRA_NAMES.items():
        for name in extra:
            names[fold_text(name)] = code
        names[fold_text(code)] = code
    geometries = np.array(shapes, dtype=object)
    return CountryIndex(tuple(codes), names, geometries, shapely.STRtree(geometries))
