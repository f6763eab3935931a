"""Place names in the reader's language, for every map (screen, presenter, print, pack).

The base map's label files (``assets/basemap/labels-*.geojson``, built by
``geodata/build_labels.py``) carry each place's ``name`` (the places file's: English or the
place's own) and a ``name_<lang>`` for every other language (Amberes, Puerto del Callao …).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path

from dashboard.data.language import DEFAULT_LANGUAGE

LABEL_FILES = sorted((Path(__file__).resolve().parents[2] / "assets" / "basemap").glob("labels-*.geojson"))


def place_name_field(lang: str) -> str:
    """The label property holding a place's name in ``lang``."""
    return "name" if lang == DEFAULT_LANGUAGE else f"name_{lang}"


def place_name(properties: Mapping[str, object], lang: str) -> str:
    """A label feature's name in ``lang`` (its own name where the file has none for that language)."""
    return str(properties.get(place_name_field(lang)) or properties.get("name") or "")


@functools.cache
def _names_in(lang: str) -> dict[str, str]:
    """A place's name → its name in ``lang``, for the places whose name differs (read once)."""
    field = place_name_field(lang)
    names: dict[str, str] = {}
    for path in LABEL_FILES:
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            properties = feature["properties"]
            if properties.get(field) and properties[field] != properties.get("name"):
                names[str(properties["name"])] = str(properties[field])
    return names


def localised_place(name: str, lang: str) -> str:
    """A place named in the data ("Port of Callao") as a reader of ``lang`` knows it ("Puerto del
    Callao"), when the base map names that place in that language; any other text as it is."""
    return _names_in(lang).get(name, name)
