"""Spreadsheet-safe text cells (OWASP "CSV injection"): the one rule for every CSV and sheet we write.

No dash. Exports (``exports/tables.py``) and the import report (``data/imports/report.py``) use it.
"""

from __future__ import annotations

import re
import unicodedata

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # the ASCII ones; see looks_like_formula
FORMULA_STARTS = frozenset("=+-@")  # compared after NFKC, so ＝＋－＠ (U+FF1D, FF0B, FF0D, FF20) count
NEUTRALISING_PREFIX = "'"
# Characters a reader does not see before a formula: spaces (incl. no-break), controls, format
# characters (zero-width space U+200B, BOM U+FEFF, direction marks), blank letters, and '"'
# (a semicolon reader may take it for a quote).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Where a semicolon-separated reader starts a new cell inside one of ours (see the module notes).
_CELL_BREAK = re.compile("([;\r\n])")


def _invisible(char: str) -> bool:
    return char.isspace() or char == '"' or char in _BLANK_LETTERS or unicodedata.category(char) in ("Cc", "Cf")


def _visible_start_is_formula(text: str) -> bool:
    for char in text:
        if not _invisible(char):
            return unicodedata.normalize("NFKC", char)[:1] in FORMULA_STARTS
    return False


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could run a text cell as a formula.

    Parameters
    ----------
    text
        The text of a cell.

    Returns
    -------
    bool
        True when ``text`` starts with tab or carriage return, or its first visible character
        is ``=``, ``+``, ``-`` or ``@`` in ASCII or any compatible form (full-width ``＝＋－＠``,
        small ``﹦﹢﹣﹫``), after spaces (no-break included), control characters, zero-width and
        other format characters (U+200B, U+FEFF, direction marks), blank letters and ``"``.
    """
    return text.startswith(("\t", "\r")) or _visible_start_is_formula(text)


def neutralise_cell(value: object) -> object:
    """Prefix a formula-looking text cell with an apostrophe; return anything else unchanged.

    Parameters
    ----------
    value
        A cell value. Only ``str`` values are ever changed; numbers, booleans and ``None``
        are returned as they are.

    Returns
    -------
    object
        ``"'" + value`` when ``value`` is a string that :func:`looks_like_formula`, else
        ``value`` itself.
    """
    if isinstance(value, str) and looks_like_formula(value):
        return NEUTRALISING_PREFIX + value
    return value


def neutralise_csv_cell(value: object) -> object:
    """:func:`neutralise_cell`, and the same for every piece of the text after a ``;`` or a line break.

    A spreadsheet whose list separator is ``;`` splits a CSV line at every ``;``, quoted or
    not, and may start a row at a line break inside a quoted cell: ``x;=HYPERLINK(…)`` would be
    a formula in a cell of its own. So a piece after ``;``, CR or LF whose first visible
    character starts a formula gets the apostrophe too: ``x;'=HYPERLINK(…)``.

    Parameters
    ----------
    value
        A cell value; only ``str`` values are ever changed.

    Returns
    -------
    object
        The neutralised text, or ``value`` itself when it is not a string.
    """
    value = neutralise_cell(value)
    if not isinstance(value, str) or not _CELL_BREAK.search(value):
        return value
    pieces = _CELL_BREAK.split(value)  # text, break, text, break, …
    for index in range(2, len(pieces), 2):
        if _visible_start_is_formula(pieces[index]):
            pieces[index] = NEUTRALISING_PREFIX + pieces[index]
    return "".join(pieces)
