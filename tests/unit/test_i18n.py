"""Every language's catalog is complete, every coded value has a label in each, and a language is
added by its catalog and its enum member alone."""

from __future__ import annotations

import re
import sys
import types

import pytest

import dashboard.i18n as i18n
from dashboard.data.facets import BREAKDOWN_FIELDS, FACETS
from dashboard.data.language import DEFAULT_LANGUAGE, Language
from dashboard.data.schema import ActorGroup, DatePrecision, Drug, EventType, GeoPrecision
from dashboard.i18n import CATALOGS, format_number, label, translate, translate_count
from dashboard.i18n.catalogs import load_catalogs
from dashboard.layout.page import build_language_switch
from dashboard.state.interactions import next_language


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"(?<!{){(\w+)}", text))


def test_i18n001_every_language_has_a_catalog_with_every_key():
    assert list(CATALOGS) == list(Language)
    keys = set().union(*(catalog.keys() for catalog in CATALOGS.values()))
    for lang in Language:
        assert set(CATALOGS[lang]) == keys, (lang, sorted(keys ^ set(CATALOGS[lang])))


def test_i18n002_placeholders_match():
    default = CATALOGS[DEFAULT_LANGUAGE]
    for lang in Language:
        for key, text in default.items():
            assert _placeholders(CATALOGS[lang][key]) == _placeholders(text), (lang, key)


def test_i18n003_every_value_has_a_label(bundled):
    expected = {f"{kind}.{member.value}"
                for kind, enum in (("event_type", EventType), ("actor_group", ActorGroup), ("drug", Drug),
                                   ("date_precision", DatePrecision), ("geo_precision", GeoPrecision))
                for member in enum}
    expected |= {f"route.{route}" for route in {f["properties"]["route_id"] for f in bundled.routes["features"]}
                 | set(bundled.events["route_id"]) - {""}}
    expected |= {f"country.{country}" for country in set(bundled.events["country"])}
    for lang in Language:
        assert expected <= set(CATALOGS[lang]), (lang, sorted(expected - set(CATALOGS[lang])))


def test_i18n004_translate_and_label():
    assert translate("counts.events", "es") == "Eventos"
    assert translate_count("map.cells_note", 1_234_567, "en") == \
        "1,234,567 events in view shown as cells — zoom in for points"
    assert translate("no.such.key", "es") == "no.such.key"
    assert translate("counts.events", "xx") == translate("counts.events", DEFAULT_LANGUAGE)
    assert label("event_type", "drug_seizure", "es") == "Incautación de droga"
    assert label("country", "ESP", "es") == "España"
    assert label("country", "ESP", "en") == "Spain"
    assert label("country", "XYZ", "es") == "XYZ"
    assert format_number(67995.6, "en") == "67,996"
    assert format_number(67995.6, "es") == "67\u202f996"


def test_i18n005_every_facet_and_breakdown_choice_has_words():
    keys = {facet.title_key for facet in FACETS} | {f"breakdown.{field}" for field in BREAKDOWN_FIELDS}
    keys |= {"filters.more"}
    for lang in Language:
        assert keys <= set(CATALOGS[lang]), (lang, sorted(keys - set(CATALOGS[lang])))
    assert translate("filters.original_types", "es") == "Tipo de evento de la fuente"
    assert translate("breakdown.original_subtype", "en") == "Source's sub-event type"


def test_i18n006_the_switch_cycles_through_every_language_named_in_its_own_words():
    lang, visited = DEFAULT_LANGUAGE, []
    for _ in Language:
        visited.append(lang)
        lang = next_language(lang)
    assert visited == list(Language) and lang == DEFAULT_LANGUAGE
    for lang in Language:
        target = next_language(lang)
        button = build_language_switch(lang)
        assert button.lang == target and button.children == translate("language.name", target)
    assert build_language_switch("es").children == "English"
    assert build_language_switch("en").children == "Español"


def test_i18n007_a_third_language_needs_only_its_catalog(monkeypatch):
    fake = types.ModuleType("dashboard.i18n.catalogs.xx")
    fake.MESSAGES = {"counts.events": "Événements", "language.name": "Xx",
                     "number.group_separator": ".", "number.decimal_separator": ","}
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    catalogs = load_catalogs([*Language, "xx"])
    assert list(catalogs) == [*Language, "xx"] and catalogs["en"] == CATALOGS["en"]
    monkeypatch.setattr(i18n, "CATALOGS", catalogs)
    assert translate("counts.events", "xx") == "Événements"
    assert translate("map.title", "xx") == "Map"  # a missing key reads in the default language
    assert format_number(1234567.5, "xx", 1) == "1.234.567,5"
    assert translate("counts.events", "es") == "Eventos"


# ---- plurals (helper K, issue 15) ------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "count", "expected"), [
    ("en", 0, "0 slides"), ("en", 1, "1 slide"), ("en", 2, "2 slides"),
    ("es", 0, "0 diapositivas"), ("es", 1, "1 diapositiva"), ("es", 2, "2 diapositivas"),
])
def test_wrd001_plurals_for_0_1_2_in_both_languages(lang, count, expected):
    assert i18n.translate_count("story.slides", count, lang) == expected


def test_wrd002_plural_form_follows_the_catalogs_rule_and_only_a_whole_one_is_singular(monkeypatch):
    for lang in Language:
        assert [i18n.plural_form(n, lang) for n in (0, 1, 2, 1.0, 1.5, -1)] == [
            "other", "one", "other", "one", "other", "one"]
    assert i18n.translate_count("present.events", 1, "es") == "evento"
    assert i18n.translate_count("present.sources", 1, "en") == "source"
    # A catalog naming another rule is obeyed (0 is singular under French-style rules).
    monkeypatch.setitem(CATALOGS["es"], "plural.rule", "one_is_0_or_1")
    assert i18n.plural_form(0, "es") == "one" and i18n.plural_form(0, "en") == "other"


def test_wrd003_every_plural_entry_has_both_forms_in_every_catalog():
    for lang in Language:
        catalog = CATALOGS[lang]
        assert catalog["plural.rule"] in i18n.PLURAL_RULES, lang
        stems = {key.removesuffix(".one") for key in catalog if key.endswith(".one")}
        assert {"present.events", "present.fatalities", "present.kg", "present.sources", "story.slides"} <= stems
        for stem in stems:
            assert {f"{stem}.one", f"{stem}.other"} <= set(catalog), (lang, stem)


# Unpluralised count keys still read by callers in files these words' owners may not edit; each has
# its .one/.other pair already, so the caller moves to translate_count and the key (and its line) goes.
LEGACY_COUNT_KEYS: dict[str, str] = {}  # every caller counts through translate_count
# A count that never needs a plural: a fraction, a unit, or never fewer than three.
NOT_PLURAL = {"briefing.slide": "Slide {number} / {count}", "playback.frame": "frame {number} of {total}",
              "briefing.kg": "kg is a unit", "export.title.countries_n": "only for 3 countries or more (1–2 are named)",
              "map.print.focus": "most of the events: framed on a cluster with others elsewhere, so 3 or more"}


def test_wrd015_every_count_in_words_goes_through_a_plural_pair():
    for lang in Language:
        for key, text in CATALOGS[lang].items():
            counted = {"count", "total"} & _placeholders(text)
            if not counted or key in LEGACY_COUNT_KEYS or key in NOT_PLURAL:
                continue
            assert key.endswith((".one", ".other")), (lang, key, text)
        assert not [key for key in CATALOGS[lang] if key.endswith(".many") and key not in LEGACY_COUNT_KEYS]
    for key in LEGACY_COUNT_KEYS:
        stem = key.removesuffix(".many")
        assert {f"{stem}.one", f"{stem}.other"} <= set(CATALOGS["en"]), key


@pytest.mark.parametrize(("key", "lang", "expected"), [
    ("export.events", "en", ("0 events", "1 event", "2 events")),
    ("export.events", "es", ("0 eventos", "1 evento", "2 eventos")),
    ("export.source.reports", "es", ("0 informes publicados", "1 informe publicado", "2 informes publicados")),
    ("briefing.deaths", "en", ("0 deaths", "1 death", "2 deaths")),
    ("briefing.sources", "es", ("0 fuentes", "1 fuente", "2 fuentes")),
    ("map.cells_note", "en", ("0 events in view", "1 event in view", "2 events in view")),
    ("map.synthetic_note", "es", ("0 eventos SINTÉTICOS", "1 evento SINTÉTICO", "2 eventos SINTÉTICOS")),
    ("data.more", "en", ("0 more kinds", "1 more kind ", "2 more kinds")),
    ("data.report_duplicates", "es", ("0 filas podrían", "1 fila podría", "2 filas podrían")),
    ("export.synthetic.some", "en", ("0 generated events", "1 generated event,", "2 generated events")),
    ("briefing.subject", "es", ("0 diapositivas", "1 diapositiva", "2 diapositivas")),
    ("playback.window", "es", ("0 pasos", "1 paso", "2 pasos")),
])
def test_wrd016_counts_agree_for_0_1_2(key, lang, expected):
    for count, words in zip((0, 1, 2), expected):
        text = i18n.translate_count(key, count, lang, start="a", end="b", shown="1", total=count)
        assert words in text, (key, lang, count, text)
