"""Filter options at scale: capped labels, values a browser can index, large vocabularies searched here.

Pure choices (dashboard/state/options.py), the panel's options over the shown datasets
(dashboard/layout/filters.py) and the two thin callbacks (dashboard/callbacks/options.py).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.exceptions import PreventUpdate

from dashboard.callbacks import options as option_callbacks
from dashboard.data.facets import FACETS_BY_NAME
from dashboard.data.filters import FilterSpec
from dashboard.data.schema import ActorGroup
from dashboard.data.store import InMemoryEventStore
from dashboard.data.text import fold_text
from dashboard.i18n import translate
from dashboard.layout.filters import (
    DROPDOWN_FACETS,
    PANEL_FACETS,
    build_filter_panel,
    options_for,
    with_chosen,
)
from dashboard.state.options import (
    ELLIPSIS,
    MAX_BROWSER_INDEX_COST,
    MAX_LABEL_CHARS,
    MAX_OPTION_INDEX_COST,
    MAX_QUERY_CHARS,
    MAX_SEARCH_RESULTS,
    SERVER_SEARCH_ABOVE,
    cap_label,
    index_cost,
    keep_chosen,
    make_option,
    offer_options,
    option_cost,
    search_values,
    sorted_by_label,
)
from tests.unit.layout_tree import find

LONG_WORD = "X" * 9_000  # one word, as long as RUTAS_MAX_FIELD_CHARS allows
BIG, SMALL = "big-test", "small-test"
BIG_ACTORS = SERVER_SEARCH_ABOVE + 100


def missing(value: str) -> str:
    return f"{value} (absent)"


def offer(values, chosen=(), **kwargs):
    return offer_options(values, chosen, str, missing, **kwargs)


def values_of(options) -> list[str]:
    return [option["value"] for option in options]


# ---- pure choices -------------------------------------------------------------------------------
def test_opt001_labels_are_capped_values_kept_whole():
    assert cap_label("a" * MAX_LABEL_CHARS) == "a" * MAX_LABEL_CHARS  # just under: as it is
    capped = cap_label("a" * (MAX_LABEL_CHARS + 1))  # just over: cut, with an ellipsis
    assert len(capped) == MAX_LABEL_CHARS and capped.endswith(ELLIPSIS)
    assert cap_label("word " * 40).endswith("word" + ELLIPSIS)  # no space before the ellipsis
    long_name = "Frente " * 30
    option = make_option(long_name, long_name)
    assert option["value"] == long_name and len(option["label"]) == MAX_LABEL_CHARS


def test_opt002_index_cost_counts_substrings_of_words_as_the_browser_splits_them():
    assert index_cost("") == 0 and index_cost("abc") == 6 and index_cost("ab cd") == 6
    assert index_cost("ab\u00a0cd\u3000ef") == 9  # JavaScript's \s includes these spaces
    assert index_cost(LONG_WORD) == 9_000 * 9_001 // 2
    assert option_cost({"label": "ab", "value": "ab", "search": "abc"}) == 3 + 3 + 6
    assert option_cost({"label": object(), "value": "ab"}) == 3  # a component label is not indexed


def test_opt003_small_vocabularies_go_whole_to_the_browser_without_what_it_cannot_index():
    under, over = "Y" * 170, "Z" * 185  # one word; with its capped label, just under and just over
    assert option_cost(make_option(under, under)) <= MAX_OPTION_INDEX_COST < option_cost(make_option(over, over))
    offered = offer(["Apurímac", "Callao", LONG_WORD, under, over])
    assert not offered.on_server
    assert values_of(offered.options) == ["Apurímac", "Callao", under]
    # 'apurimac' finds 'Apurímac' in the browser too: the folded label is its search text.
    assert offered.options[0]["search"] == "apurimac" and "search" not in offered.options[1]


def test_opt004_the_threshold_is_a_count_just_under_and_just_over():
    under = [f"Actor {i:04d}" for i in range(SERVER_SEARCH_ABOVE)]
    assert not offer(under).on_server and len(offer(under).options) == SERVER_SEARCH_ABOVE
    over = [*under, "Actor 9999"]
    offered = offer(over)
    assert offered.on_server and offered.options == []  # nothing chosen, nothing typed: nothing sent


def test_opt005_and_a_budget_of_index_entries():
    # Few values, but long words: over the browser's budget, so searched here.
    word = "w" * 150
    cost = option_cost(make_option(f"{word}000", f"{word}000"))
    assert cost <= MAX_OPTION_INDEX_COST  # each is sent alone
    heavy = [f"{word}{i:03d}" for i in range(MAX_BROWSER_INDEX_COST // cost + 1)]
    assert len(heavy) < SERVER_SEARCH_ABOVE and offer(heavy).on_server
    assert not offer(heavy[:len(heavy) // 2]).on_server


def test_opt006_server_search_is_case_and_accent_insensitive_every_word_prefix_first():
    values = ["Ejército del Perú", "Policía Nacional del Perú", "POLICIA MUNICIPAL", "Sendero Luminoso",
              "Comité de policía", LONG_WORD + " policia"]
    assert search_values(values, "policia") == ["Policía Nacional del Perú", "POLICIA MUNICIPAL",
                                                "Comité de policía"]
    assert search_values(values, "  PERÚ  ejerc ") == ["Ejército del Perú"]  # every word, any order
    assert search_values(values, "") == search_values(values, None) == search_values(values, "   ") == []
    assert search_values(values, "xx") == []  # the long word is never found: never sent
    many = [f"Name {i:04d}" for i in range(1000)]
    assert search_values(many, "name") == many[:MAX_SEARCH_RESULTS]
    assert len(search_values(many, "name", limit=3)) == 3
    # A translated label is searched when asked (a country named in words).
    assert search_values(["PER", "BOL"], "peru", label={"PER": "Perú", "BOL": "Bolivia"}.get) == ["PER"]
    assert search_values(["PER"], "peru") == []


def test_opt007_large_vocabularies_send_what_the_search_finds_and_keep_the_chosen():
    values = [f"Actor número {i:04d}" for i in range(SERVER_SEARCH_ABOVE + 1)]
    chosen = ["Actor número 0007", "Gone from the data"]
    offered = offer(values, chosen)
    assert offered.on_server
    assert offered.options == [{"label": "Actor número 0007", "value": "Actor número 0007"},
                               {"label": "Gone from the data (absent)", "value": "Gone from the data"}]
    found = offer(values, chosen, query="NUMERO 012")
    expected = [value for value in values if "012" in value]  # 0012, 0120 … 0129
    assert len(expected) == 11 and values_of(found.options) == expected + chosen
    # The browser filters what it holds by what is typed (accents count there): each result
    # carries the query as search text, so it stays shown.
    assert all(option["search"].startswith("NUMERO 012") for option in found.options[:11])
    long_query = "a" * (MAX_QUERY_CHARS + 40)
    assert offer(values, query=long_query).options == []
    assert len(make_option("v", "v", long_query)["search"]) == MAX_QUERY_CHARS


def test_opt008_chosen_values_are_kept_capped_once_each_unless_the_browser_cannot_index_them():
    options = [{"label": "A", "value": "A"}]
    long_name = "Comité " * 40
    kept = keep_chosen(options, ["A", "B", "B", long_name, LONG_WORD], str, missing, {"B"}.__contains__)
    assert values_of(kept) == ["A", "B", long_name]  # the 9,000-character word would hang the page
    assert kept[1]["label"] == "B"
    assert kept[2]["label"] == cap_label(long_name) + " (absent)"  # the words around it survive
    assert kept[:1] == options
    # with_chosen (the panel's, for the legend and checklists) caps the same way, in the catalog's words.
    added = with_chosen([], [long_name, LONG_WORD], "es")
    assert added == [{"label": translate("filters.not_in_data", "es", value=cap_label(long_name)), "value": long_name}]


def test_opt009_checklists_are_never_searched_on_the_server_but_labels_are_capped():
    values = [f"value {i} " + "long " * 30 for i in range(SERVER_SEARCH_ABOVE + 10)]
    offered = offer(values, searchable=False)
    assert not offered.on_server and len(offered.options) == len(values)
    assert all(len(option["label"]) <= MAX_LABEL_CHARS for option in offered.options)


# ---- the panel over the shown datasets -----------------------------------------------------------
@pytest.fixture(scope="module")
def scoped_store(bundled):
    """The bundled facts (the default), one small dataset and one with a large, long vocabulary."""
    events = bundled.events
    small = events.head(5).copy()
    small["dataset"], small["event_id"] = SMALL, [f"{SMALL}:{i}" for i in range(len(small))]
    small["actors"] = pd.Series([("Solo en el pequeño",)] * len(small), index=small.index, dtype=object)
    small["admin1"] = LONG_WORD
    big = pd.concat([events] * (BIG_ACTORS // len(events) + 1)).head(BIG_ACTORS).copy()
    big["dataset"], big["event_id"] = BIG, [f"{BIG}:{i}" for i in range(len(big))]
    big["actors"] = pd.Series([(f"Frente armado número {i:04d} " + "de la región " * 10,) for i in range(len(big))],
                              index=big.index, dtype=object)
    return InMemoryEventStore(pd.concat([events, small, big], ignore_index=True), default_datasets=("rutas",))


def test_opt010_the_panel_offers_what_the_shown_datasets_hold(scoped_store):
    actors, regions = FACETS_BY_NAME["actors"], FACETS_BY_NAME["regions"]
    groups = [g.value for g in ActorGroup]
    default = values_of(options_for(actors, scoped_store, "en"))
    assert default[:len(groups)] == groups and "Solo en el pequeño" not in default
    assert default == groups + scoped_store.facet_options("actors")
    small = values_of(options_for(actors, scoped_store, "en", (SMALL,)))
    assert small == [*groups, "Solo en el pequeño"]
    # The small dataset's only region is one 9,000-character word: never sent.
    assert values_of(options_for(regions, scoped_store, "en", (SMALL,))) == []
    assert scoped_store.facet_options("regions", (SMALL,)) == [LONG_WORD]
    panel = build_filter_panel(scoped_store, FilterSpec(datasets=(SMALL,)), "en")
    control = find(panel, actors.control)
    assert values_of(control.options) == small
    assert control.labels["search"] == translate("filters.search_values", "en")


def test_opt011_a_large_vocabulary_starts_with_the_groups_and_the_chosen(scoped_store):
    actors = FACETS_BY_NAME["actors"]
    chosen = scoped_store.facet_options("actors", (BIG,))[3]
    spec = FilterSpec(datasets=(BIG,), actors=(chosen, "shining_path"))
    control = find(build_filter_panel(scoped_store, spec, "es"), actors.control)
    assert values_of(control.options) == [g.value for g in ActorGroup] + [chosen]
    assert control.options[-1]["label"] == cap_label(chosen) and control.value == list(spec.actors)


# ---- the callbacks ----------------------------------------------------------------------------
@pytest.fixture
def scoped_context(monkeypatch, scoped_store):
    monkeypatch.setattr(option_callbacks, "get_context", lambda: SimpleNamespace(store=scoped_store))


def typed(facet_name: str) -> None:
    prop_id = f"{FACETS_BY_NAME[facet_name].control}.search_value"
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": None}]))


def test_opt012_ticking_datasets_refreshes_every_panel_facet(scoped_context, scoped_store):
    chosen = {facet.name: [] for facet in PANEL_FACETS}
    chosen["actors"] = ["Someone from a link"]
    result = option_callbacks.on_datasets_shown(ticked=[SMALL], chosen=chosen, lang="en")["options"]
    assert set(result) == {facet.name for facet in PANEL_FACETS}
    assert values_of(result["actors"])[-2:] == ["Solo en el pequeño", "Someone from a link"]
    assert result["actors"][-1]["label"] == translate("filters.not_in_data", "en", value="Someone from a link")
    # The bundled facts alone (or nothing ticked yet) mean the default datasets.
    for ticked in (["rutas"], None):
        default = option_callbacks.on_datasets_shown(ticked=ticked, chosen={}, lang="en")["options"]
        assert values_of(default["actors"]) == [g.value for g in ActorGroup] + scoped_store.facet_options("actors")


def test_opt013_a_search_in_a_large_vocabulary_is_answered_here(scoped_context):
    queries = {facet.name: None for facet in DROPDOWN_FACETS}
    chosen = {facet.name: [] for facet in DROPDOWN_FACETS}
    typed("actors")
    result = option_callbacks.on_option_search(queries={**queries, "actors": "NUMERO 015"},
                                               chosen={**chosen, "actors": ["shining_path"]}, ticked=[BIG],
                                               lang="en")["options"]
    assert all(result[name] is no_update for name in result if name != "actors")
    names = values_of(result["actors"])[len(ActorGroup):]
    assert [name.split(" de ")[0] for name in names] == [
        f"Frente armado número {i:04d}" for i in range(BIG_ACTORS) if "015" in f"{i:04d}"]
    # The search box emptied (the menu closed): back to the groups and the chosen values.
    typed("actors")
    closed = option_callbacks.on_option_search(queries=queries, chosen={**chosen, "actors": [names[0]]},
                                               ticked=[BIG], lang="en")["options"]["actors"]
    assert values_of(closed) == [g.value for g in ActorGroup] + [names[0]]


def test_opt014_a_search_in_a_small_vocabulary_is_left_to_the_browser(scoped_context):
    queries = {facet.name: None for facet in DROPDOWN_FACETS}
    typed("actors")
    with pytest.raises(PreventUpdate):  # the bundled actors are few: the browser has them all
        option_callbacks.on_option_search(queries={**queries, "actors": "sendero"}, chosen={}, ticked=["rutas"],
                                          lang="en")
    typed("regions")
    with pytest.raises(PreventUpdate):
        option_callbacks.on_option_search(queries={**queries, "regions": "x"}, chosen={}, ticked=[BIG], lang="en")


def test_lay010_countries_are_listed_by_name_in_the_page_language(store):
    from dashboard.i18n import label

    for lang in ("en", "es"):
        options = options_for(FACETS_BY_NAME["countries"], store, lang)
        names = [option["label"] for option in options]
        assert len(names) > 3
        folded = [fold_text(name) for name in names]
        assert folded == sorted(folded), lang
        assert names == [label("country", option["value"], lang) for option in options]
    codes = [option["value"] for option in options_for(FACETS_BY_NAME["countries"], store, "en")]
    assert codes != sorted(codes)  # the bundled countries do not read in code order (BOL, BRA, ESP…)


def test_lay011_sorted_by_label_ignores_case_and_accents():
    names = {"PER": "Perú", "PAN": "panamá", "PRY": "Paraguay", "BOL": "Bolivia"}
    assert sorted_by_label(names, names.get) == ["BOL", "PAN", "PRY", "PER"]


def test_lay012_actor_groups_are_marked_apart_from_actor_names(store):
    for lang in ("en", "es"):
        options = options_for(FACETS_BY_NAME["actors"], store, lang)
        labels = [option["label"] for option in options]
        assert len(labels) == len(set(labels)), "two options read the same"
        group = next(option for option in options if option["value"] == ActorGroup.SHINING_PATH.value)
        assert group["label"] == translate("filters.actor_group_option", lang,
                                           name=translate("actor_group.shining_path", lang))
        assert group["label"] != translate("actor_group.shining_path", lang)


def test_opt015_the_options_offered_are_remembered_per_store_and_question(scoped_store, bundled, monkeypatch):
    """The panel's options are worked out once per store (a new import makes a new store) and
    question (facet, language, datasets, chosen values, search): the same answer again, each caller
    with its own list, and a store over other data answers from its own data."""
    from dashboard.layout import filters

    worked_out = []
    offer = filters.offer_options
    monkeypatch.setattr(filters, "offer_options", lambda *a, **k: worked_out.append(1) or offer(*a, **k))
    actors = FACETS_BY_NAME["actors"]
    first = options_for(actors, scoped_store, "en", (SMALL,), ["Someone from a link"])
    first[0]["label"] = "changed by a caller"
    first.append({"label": "added by a caller", "value": "x"})
    again = options_for(actors, scoped_store, "en", (SMALL,), ["Someone from a link"])
    assert values_of(again) == [*[g.value for g in ActorGroup], "Solo en el pequeño", "Someone from a link"]
    assert again[0]["label"] != "changed by a caller"
    assert len(worked_out) <= 1  # at most once (an earlier test may have asked the same)
    assert values_of(options_for(actors, scoped_store, "es", (SMALL,))) == [*[g.value for g in ActorGroup],
                                                                            "Solo en el pequeño"]
    other = InMemoryEventStore(bundled.events.head(3).copy(), default_datasets=("rutas",))
    assert values_of(options_for(actors, other, "en")) == [g.value for g in ActorGroup] + other.facet_options("actors")
    assert values_of(options_for(actors, scoped_store, "en")) == \
        [g.value for g in ActorGroup] + scoped_store.facet_options("actors")
