"""Read-only views of the catalogs by feature, for the tests that still import them.

The strings themselves live in ``dashboard/i18n/catalogs/<language>.py`` (one file per language);
nothing here holds a string. Import :data:`dashboard.i18n.CATALOGS` instead; this package goes
once no test imports it.
"""

from __future__ import annotations

from dashboard.i18n import CATALOGS


def messages_with_prefix(*prefixes: str) -> dict[str, dict[str, str]]:
    """Each language's keys that start with one of ``prefixes`` (``"playback."``…)."""
    return {lang: {key: text for key, text in catalog.items() if key.startswith(prefixes)}
            for lang, catalog in CATALOGS.items()}
