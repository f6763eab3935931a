"""Both catalogs are complete, and every coded value has a label in each language."""

from __future__ import annotations

import re

from dashboard.data.schema import ActorGroup, DatePrecision, Drug, EventType, GeoPrecision
from dashboard.i18n import CATALOGS, COUNTRY_NAMES, format_number, label, translate


def test_i18n001_catalogs_have_the_same_keys():
    assert set(CATALOGS["en"]) == set(CATALOGS["es"])


def test_i18n002_placeholders_match():
    for key, english in CATALOGS["en"].items():
        assert set(re.findall(r"{(\w+)}", english)) == set(re.findall(r"{(\w+)}", CATALOGS["es"][key])), key


def test_i18n003_every_value_has_a_label(bundled):
    for kind, enum in (("event_type", EventType), ("actor_group", ActorGroup), ("drug", Drug),
                       ("date_precision", DatePrecision), ("geo_precision", GeoPrecision)):
        for member in enum:
            assert f"{kind}.{member.value}" in CATALOGS["en"], (kind, member)
    for route in {f["properties"]["route_id"] for f in bundled.routes["features"]} | set(
            bundled.events["route_id"]) - {""}:
        assert f"route.{route}" in CATALOGS["en"], route
    for country in set(bundled.events["country"]):
        assert country in COUNTRY_NAMES, country


def test_i18n004_translate_and_label():
    assert translate("counts.events", "es") == "Eventos"
    assert translate("map.cells_note", "en", count="1,234,567") == \
        "1,234,567 events in view shown as cells — zoom in for points"
    assert translate("no.such.key", "es") == "no.such.key"
    assert label("event_type", "drug_seizure", "es") == "Incautación de droga"
    assert label("country", "ESP", "es") == "España"
    assert format_number(67995.6, "en") == "67,996"
    assert format_number(67995.6, "es") == "67\u202f996"
