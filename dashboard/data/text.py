"""Folding text for matching: the one rule the store's search, imports and gazetteer share.

A bottom module (standard library only), so importers and the store can both use it without
importing each other.
"""

from __future__ import annotations

import unicodedata


def fold_text(text: str) -> str:
    """Case-fold and strip accents, so 'apurimac' finds 'Apurímac'.

    Parameters
    ----------
    text
        Any text; surrounding white space is kept (a search needle may span two words).

    Returns
    -------
    str
        ``text`` case-folded (``casefold``, so 'ß' matches 'ss'), decomposed (NFKD) and without
        combining marks.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
