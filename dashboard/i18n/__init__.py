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

__all__ = ["CATALOGS", "LANGUAGES", "format_number", "label", "normalise_language", "translate"]

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
