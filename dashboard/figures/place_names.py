"""Place names in the reader's language, for every map (screen, presenter, print, pack).

The base map's label files (``assets/basemap/labels-*.geojson``, built by
``geodata/build_labels.py``) carry each place's ``name`` (the places file's: English or the
place's own) and a ``name_<lang>`` for every other language (Amberes, Puerto del Callao …).
"""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.data.language import DEFAULT_LANGUAGE


def place_name_field(lang: str) -> str:
    """The label property holding a place's name in ``lang``."""
    return "name" if lang == DEFAULT_LANGUAGE else f"name_{lang}"


def place_name(properties: Mapping[str, object], lang: str) -> str:
    """A label feature's name in ``lang`` (its own name where the file has none for that language)."""
    return str(properties.get(place_name_field(lang)) or properties.get("name") or "")
