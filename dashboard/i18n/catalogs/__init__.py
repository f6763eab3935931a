"""The catalogs: one module per language, named by its code (``en.py`` holds ``Language.EN``).

Each module defines ``MESSAGES: dict[str, str]``, every UI string of that language under the keys
all catalogs share. Nothing lists the modules: :func:`load_catalogs` imports one per member of
:class:`~dashboard.data.language.Language`, so adding a language is its module here and its member
there (a missing module fails at import; a missing key fails ``tests/unit/test_i18n.py``).

Country names (``country.<ISO3>`` for every country of the base map, in English and Spanish) are
generated into ``country_names.py`` by ``geodata/build_basemap.py`` and laid under each catalog;
a key the language's own module holds wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module

from dashboard.data.language import Language

from .country_names import COUNTRY_NAMES


def load_catalog(lang: str) -> dict[str, str]:
    """The ``MESSAGES`` of the catalog module named ``lang`` (a copy).

    Parameters
    ----------
    lang
        Language code, also the module's name in this package.

    Returns
    -------
    dict[str, str]
        Translation key → text: the module's own, over the generated country names.
    """
    return {**COUNTRY_NAMES.get(lang, {}), **import_module(f"{__name__}.{lang}").MESSAGES}


def load_catalogs(languages: Iterable[str] = Language) -> dict[str, dict[str, str]]:
    """Every language's catalog, keyed by language, in the order given (the enum's by default).

    Parameters
    ----------
    languages
        Language codes to load; :class:`Language` itself unless a test adds one.

    Returns
    -------
    dict[str, dict[str, str]]
        Language → its catalog.
    """
    return {lang: load_catalog(lang) for lang in languages}
