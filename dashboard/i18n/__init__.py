"""One translation function over one catalog per language. No dash import.

Every UI string goes through :func:`translate`. The strings live in ``catalogs/<code>.py``, one
file per :class:`~dashboard.data.language.Language` member; a test checks every catalog has every
key. Value labels (event types, actor groups, routes, countries…) are keys too, under a
``<kind>.<value>`` name; number separators and each language's own name are keys as well, so
nothing outside the catalogs knows which languages exist.

Adding a language: a member in ``dashboard/data/language.py`` and ``catalogs/<code>.py``.
"""

from __future__ import annotations

from dashboard.data.language import DEFAULT_LANGUAGE, LANGUAGES, Language, language_or_default

from .catalogs import load_catalogs

__all__ = ["CATALOGS", "LANGUAGES", "PLURAL_RULES", "format_number", "label", "normalise_language",
           "plural_form", "translate", "translate_count"]

CATALOGS: dict[str, dict[str, str]] = load_catalogs()


def normalise_language(lang: str | None) -> Language:
    """``lang`` as a :class:`Language`, or the default language when it is not one."""
    return language_or_default(lang)


def _catalog(lang: str | None) -> dict[str, str]:
    # Looked up in CATALOGS itself (not the enum), so a test can register a catalog alone.
    return CATALOGS.get(lang) or CATALOGS[DEFAULT_LANGUAGE]


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """Look ``key`` up in the catalog for ``lang`` and fill ``{placeholders}``.

    A key missing from ``lang`` falls back to the default language; an unknown key returns the
    key itself, so a missing string is visible, never a crash.
    """
    text = _catalog(lang).get(key) or CATALOGS[DEFAULT_LANGUAGE].get(key, key)
    return text.format(**values) if values else text


# Plural forms are named as CLDR names them; each catalog's ``plural.rule`` picks one rule by name
# (English and Spanish: ``one_is_1``), so a language with other rules adds a rule here, not a branch.
PLURAL_RULES = {
    "one_is_1": lambda n: "one" if n == 1 else "other",  # en, es, de, it…: 0 → other, 1 → one, 2 → other
    "one_is_0_or_1": lambda n: "one" if n in (0, 1) else "other",  # fr, pt-BR
}
PLURAL_FORMS = ("one", "other")


def plural_form(count: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """The plural form (``"one"`` or ``"other"``) a count takes in ``lang``.

    Only a whole 1 (or 0 where the rule says so) is singular: 1.5 kg and 0 events are plural.
    """
    rule = PLURAL_RULES.get(translate("plural.rule", lang), PLURAL_RULES["one_is_1"])
    whole = float(count).is_integer()
    return rule(abs(int(count))) if whole else "other"


def translate_count(key: str, count: float, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """``key.one`` or ``key.other`` for ``count`` in ``lang``, ``{count}`` filled with the number in
    the language's separators (``translate_count("present.events", 1, "es")`` → ``"1 evento"``).

    ``values`` fill the entry's other placeholders; a caller may pass ``count`` itself already
    formatted (e.g. with decimals).
    """
    values.setdefault("count", format_number(count, lang))
    return translate(f"{key}.{plural_form(count, lang)}", lang, **values)


def label(kind: str, value: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Human label for a coded value (``label("event_type", "arrest", "es")``, ``label("country", "PER")``)."""
    key = f"{kind}.{value}"
    text = translate(key, lang)
    return value.replace("_", " ") if text == key else text


def format_number(value: float, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """Group thousands the way each language reads them (1,234 / 1 234): its catalog's separators."""
    separators = str.maketrans({",": translate("number.group_separator", lang),
                                ".": translate("number.decimal_separator", lang)})
    return f"{value:,.{decimals}f}".translate(separators)
