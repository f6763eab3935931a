"""Build ``assets/basemap/labels.geojson`` (map label points) from ``geodata/places.csv``.

Run from the repo root: ``python geodata/build_labels.py``. Labels are drawn as MapLibre symbol
layers so the map engine hides colliding names and shows finer places only when zoomed in.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLACES = REPO / "geodata" / "places.csv"
OUTPUT_DIR = REPO / "assets" / "basemap"
# One file per map layer: plotly's layers cannot filter features, so each minzoom gets a file.
LABEL_FILES = {
    "labels-rivers.geojson": lambda row: row["kind"] == "river_label",
    "labels-rank1.geojson": lambda row: row["kind"] != "river_label" and row["label_rank"] == "1",
    "labels-rank2.geojson": lambda row: row["kind"] != "river_label" and row["label_rank"] == "2",
    "labels-rank3.geojson": lambda row: row["kind"] != "river_label" and row["label_rank"] == "3",
}


# Names a Spanish reader knows a place by, where they differ from the places file's (English or
# the place's own): Fundéu BBVA's recommended forms for the foreign cities, the port's own name
# for Callao. Every other place keeps its name in Spanish.
SPANISH_NAMES = {
    "Port of Callao": "Puerto del Callao",
    "Antwerp": "Amberes",
    "Rotterdam": "Róterdam",
    "Philadelphia": "Filadelfia",
    "Le Havre": "El Havre",
}
# The label languages other than the places file's own: each feature carries name_<code>.
LABEL_LANGUAGES = {"es": SPANISH_NAMES}


def build_labels(rows: list[dict[str, str]]) -> dict:
    """GeoJSON points with ``name`` (NFC: decomposed accents need glyphs we do not ship),
    ``name_<lang>`` for each of :data:`LABEL_LANGUAGES` (the name when it has none), ``kind``
    and ``rank``."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": unicodedata.normalize("NFC", row["name"]),
                               **{f"name_{lang}": unicodedata.normalize("NFC", names.get(row["name"], row["name"]))
                                  for lang, names in LABEL_LANGUAGES.items()},
                               "kind": row["kind"], "rank": int(row["label_rank"])},
                "geometry": {"type": "Point",
                             "coordinates": [round(float(row["longitude"]), 4),
                                             round(float(row["latitude"]), 4)]},
            }
            for row in rows
        ],
    }


def label_files(places_csv: Path = PLACES) -> dict[str, str]:
    """File name → GeoJSON text, for every label layer."""
    with places_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        name: json.dumps(build_labels([r for r in rows if keep(r)]), ensure_ascii=False,
                         separators=(",", ":")) + "\n"
        for name, keep in LABEL_FILES.items()
    }


def main() -> None:
    for name, text in label_files().items():
        (OUTPUT_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUTPUT_DIR.relative_to(REPO) / name}")


if __name__ == "__main__":
    main()
