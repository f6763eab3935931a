"""The languages Rutas speaks: declared once (adding one = a member here + its catalog file)."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    """Interface languages; the first is the default."""

    EN = "en"
    ES = "es"


DEFAULT_LANGUAGE = Language.EN
LANGUAGES: tuple[str, ...] = tuple(Language)


def language_or_default(value: object) -> Language:
    """``value`` as a :class:`Language`, or the default when it is not one."""
    return Language(value) if isinstance(value, str) and value in LANGUAGES else DEFAULT_LANGUAGE
