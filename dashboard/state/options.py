"""What a filter control is sent as options: short labels, values a browser can index, large lists searched here.

Dash's dropdown (``dcc.Dropdown``, Dash 4) indexes every substring of every word of each option's
value, label and ``search`` text in the browser, again on every change of its options
(js-search, all-substrings strategy). A word of L characters makes L(L+1)/2 entries: one
9,000-character word is 40 million and hangs the tab for minutes, a few thousand long names
take seconds. So the options are chosen here, in plain Python:

- a label is at most :data:`MAX_LABEL_CHARS` long (the value keeps the full text, so a filter
  still matches exactly);
- an option whose index would cost more than :data:`MAX_OPTION_INDEX_COST` entries is never sent
  (a junk "word" of hundreds of characters; the text search still finds its events);
- a vocabulary of more than :data:`SERVER_SEARCH_ABOVE` values, or one whose index would cost
  more than :data:`MAX_BROWSER_INDEX_COST`, is searched on the server: the control starts with the
  chosen values only, and each search sends at most :data:`MAX_SEARCH_RESULTS` matches;
- a chosen value is always offered (a dropdown drops a value missing from its options and the
  view would silently widen), unless the browser could not index it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from dashboard.data.text import fold_text

MAX_LABEL_CHARS = 80  # a label longer than this is cut, with an ellipsis (the value stays whole)
ELLIPSIS = "…"
# Above this many values the browser is sent only the chosen values and what a search finds:
# a few hundred short options index in milliseconds, thousands of long names take seconds.
SERVER_SEARCH_ABOVE = 500
MAX_SEARCH_RESULTS = 50  # options one search sends (a list to pick from, not to scroll)
MAX_QUERY_CHARS = 60  # a longer search is cut (it is sent back as each result's search text)
# Index entries (substrings of words) the browser makes of one option: one 200-character word,
# about 30 ms in Chromium. An option over this is never sent.
MAX_OPTION_INDEX_COST = 20_000
# Index entries of a whole vocabulary searched in the browser (about a quarter of a second);
# a vocabulary over this is searched on the server however few values it has.
MAX_BROWSER_INDEX_COST = 2_000_000

# The dropdown splits text into words on JavaScript's \s, not Python's.
_JS_WHITESPACE = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")

Label = Callable[[str], str]


def cap_label(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when cut."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1].rstrip() + ELLIPSIS


def index_cost(text: str) -> int:
    """Entries the dropdown's search index makes of ``text``: every substring of every word."""
    return sum(len(word) * (len(word) + 1) // 2 for word in _JS_WHITESPACE.split(str(text)))


def option_cost(option: dict) -> int:
    """Index entries of one option: its value, its label (when text) and its search text."""
    label = option.get("label")
    return (index_cost(option["value"]) + (index_cost(label) if isinstance(label, str) else 0)
            + index_cost(option.get("search", "")))


def make_option(value: str, label: str, query: str = "") -> dict:
    """One option: the label capped, and a search text that lets the browser keep what the server found.

    The browser filters the options it holds by what is typed (any case, but accents count):
    the folded label lets 'peru' find 'Perú', and ``query`` (a server search's words) keeps every
    server result visible for the search that found it.
    """
    option = {"label": cap_label(label), "value": value}
    words = [query[:MAX_QUERY_CHARS].strip()] if query and query.strip() else []
    shown = option["label"].removesuffix(ELLIPSIS)  # folding reads '…' as '...'
    if fold_text(shown) != shown.lower():
        words.append(fold_text(shown))
    if words:
        option["search"] = " ".join(words)
    return option


def sorted_by_label(values: Iterable[str], label: Label) -> list[str]:
    """``values`` in the alphabetical order of their labels, any case or accent ('Perú' by 'peru').

    Coded values (ISO country codes) sorted by code read in no order a reader knows: Bolivia
    (BOL) after Belgium (BEL) but Spain (ESP) before Ecuador in Spanish. Ties keep the codes' order.
    """
    return sorted(values, key=lambda value: (fold_text(label(value)), value))


def query_words(query: str | None) -> tuple[str, ...]:
    """The folded words of a search (cut to :data:`MAX_QUERY_CHARS`); every one must match."""
    return tuple(fold_text((query or "")[:MAX_QUERY_CHARS]).split())


@lru_cache(maxsize=4)
def _folded(values: tuple[str, ...]) -> tuple[str, ...]:
    # A vocabulary is searched keystroke after keystroke: fold it once.
    return tuple(fold_text(value) for value in values)


def search_values(values: Sequence[str], query: str | None, label: Label | None = None,
                  limit: int = MAX_SEARCH_RESULTS) -> list[str]:
    """At most ``limit`` values whose text holds every word of ``query``, any case or accent.

    Values whose text starts with the first word come first; otherwise the order of ``values``.
    ``label`` (a translated name) is searched too when given. Values the browser could not index
    are never found. An empty query finds nothing.
    """
    words = query_words(query)
    if not words or limit <= 0:
        return []
    first, rest = [], []
    for value, folded in zip(values, _folded(tuple(values)), strict=True):
        text = f"{folded} {fold_text(label(value))}" if label else folded
        if not all(word in text for word in words):
            continue
        if index_cost(value) > MAX_OPTION_INDEX_COST:
            continue
        (first if text.startswith(words[0]) else rest).append(value)
        if len(first) >= limit:
            break
    return (first + rest)[:limit]


def keep_chosen(options: list[dict], chosen: Iterable[str], label: Label, missing: Label,
                known: Callable[[str], bool]) -> list[dict]:
    """``options`` plus each chosen value they lack, so the control keeps it.

    A value the data holds (``known``) reads as ``label`` gives it (capped); another as ``missing``
    gives its capped text (so the words around it survive). A value the browser could not index
    is left out: keeping it would hang the page, and it can only come from junk data or a
    made-up link.
    """
    offered = {option["value"] for option in options}
    added = []
    for value in dict.fromkeys(chosen):
        if value in offered:
            continue
        option = {"label": cap_label(label(value)) if known(value) else missing(cap_label(value)), "value": value}
        if option_cost(option) <= MAX_OPTION_INDEX_COST:
            added.append(option)
    return options + added


def browser_options(values: Sequence[str], label: Label) -> list[dict] | None:
    """Every option, when the browser can search them itself; ``None`` when they are too many."""
    if len(values) > SERVER_SEARCH_ABOVE:
        return None
    options = [option for option in (make_option(value, label(value)) for value in values)
               if option_cost(option) <= MAX_OPTION_INDEX_COST]
    return options if sum(option_cost(option) for option in options) <= MAX_BROWSER_INDEX_COST else None


@dataclass(frozen=True)
class OfferedOptions:
    """What a control is sent, and whether its searches are answered by the server."""

    options: list[dict]
    on_server: bool


def offer_options(values: Sequence[str], chosen: Sequence[str], label: Label, missing: Label, *,
                  query: str | None = None, fixed: Sequence[dict] = (), searchable: bool = True,
                  search_labels: bool = False) -> OfferedOptions:
    """The options a filter control is sent.

    Parameters
    ----------
    values
        The vocabulary of the shown data (sorted).
    chosen
        The values the filter holds; always offered (see :func:`keep_chosen`).
    label, missing
        How a value reads, and how a chosen value the data does not hold reads (given its capped text).
    query
        What is typed in the control's search box (server-searched vocabularies only).
    fixed
        Options always offered first (the actor groups), as they are.
    searchable
        ``False`` for a checklist: nothing is indexed, every value is sent (labels still capped).
    search_labels
        A server search looks in the labels too (translated names; each search labels every value).

    Returns
    -------
    OfferedOptions
        ``fixed``, then every value the browser can search, or (a large vocabulary) the values
        ``query`` finds; then the chosen values. ``on_server`` when searches must come here.
    """
    fixed = list(fixed)
    if not searchable:
        found: list[dict] | None = [{"label": cap_label(label(value)), "value": value} for value in values]
    else:
        found = browser_options(values, label)
    on_server = found is None
    if found is None:
        found = [option for option in (make_option(value, label(value), query or "")
                                        for value in search_values(values, query, label if search_labels else None))
                 if option_cost(option) <= MAX_OPTION_INDEX_COST]
    known = set(values) | {option["value"] for option in fixed}
    return OfferedOptions(keep_chosen(fixed + found, chosen, label, missing, known.__contains__), on_server)
