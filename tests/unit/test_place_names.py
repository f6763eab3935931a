"""Place names in the reader's language on every map: the label files carry them, maps pick them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.data.language import DEFAULT_LANGUAGE, Language
from dashboard.figures.geo import MapProjection
from dashboard.figures.page_frame import TypeScale
from dashboard.figures.place_names import place_name, place_name_field
from dashboard.figures.print_map import place_labels
from dashboard.figures.theme import EXPORT_LIGHT

LABELS = Path(__file__).resolve().parents[2] / "assets" / "basemap"


@pytest.mark.parametrize("layer", sorted(LABELS.glob("labels-*.geojson")), ids=lambda p: p.stem)
def test_plc001_every_label_has_a_name_in_every_language(layer):
    features = json.loads(layer.read_text(encoding="utf-8"))["features"]
    for lang in Language:
        field = place_name_field(lang)
        assert all(feature["properties"].get(field) for feature in features), (layer.name, lang)


def test_plc002_spanish_readers_get_spanish_names_and_the_rest_keep_theirs():
    callao = {"name": "Port of Callao", "name_es": "Puerto del Callao"}
    assert place_name(callao, "es") == "Puerto del Callao" and place_name(callao, DEFAULT_LANGUAGE) == "Port of Callao"
    assert place_name({"name": "Medellín"}, "es") == "Medellín"  # a gazetteer place has no other name
    rank1 = json.loads((LABELS / "labels-rank1.geojson").read_text(encoding="utf-8"))["features"]
    names = {f["properties"]["name"]: f["properties"]["name_es"] for f in rank1}
    assert names["Antwerp"] == "Amberes" and names["Rotterdam"] == "Róterdam" and names["Lima"] == "Lima"


def test_plc003_a_printed_map_names_places_in_the_page_language():
    extent = (2.0, 50.0, 6.5, 53.0)  # Antwerp and Rotterdam
    projection = MapProjection(extent, 0.0, 0.0, 900.0, 700.0)

    def texts(lang: str) -> set[str]:
        labels = place_labels(extent, projection, EXPORT_LIGHT, TypeScale(base=16.0), lang=lang)
        return {text for trace in labels.names for text in (trace.text or ())}

    assert {"Amberes", "Róterdam"} <= texts("es") and not {"Antwerp", "Rotterdam"} & texts("es")
    assert {"Antwerp", "Rotterdam"} <= texts("en")


def test_plc004_a_place_named_in_the_data_reads_in_the_slide_language():
    from dashboard.figures.place_names import localised_place
    from dashboard.state.present_view import ring_label

    assert localised_place("Port of Callao", "es") == "Puerto del Callao"
    assert localised_place("Port of Callao", "en") == "Port of Callao"
    assert localised_place("Tintaypuncu", "es") == "Tintaypuncu"  # no other name: as the data has it
    callao = {"location": "Port of Callao", "quantity_kg": 1417.0, "fatalities": float("nan")}
    assert ring_label(callao, "es").splitlines()[0] == "Puerto del Callao"
    assert ring_label(callao, "en").splitlines()[0] == "Port of Callao"
