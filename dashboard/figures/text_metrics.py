"""Text widths before drawing: plotly-safe escaping, estimated line widths and word wrapping.

Exported charts lay out their frame in pixels (never plotly's automargin), so the width of a line
must be known before it is drawn. Widths come from the advance widths of Liberation Sans (Arial's
metrics), the font every export names first. The screen charts' margins are set from DejaVu Sans's
(their type) so that plotly.js's automargin has nothing to push. No dash.
"""

from __future__ import annotations

import html
import math
import unicodedata

from ..i18n import format_number


def escape_text(text: str) -> str:
    """User text made literal for plotly's pseudo-HTML (``<``, ``>``, ``&``)."""
    return html.escape(str(text), quote=False)


def _widths(chars: str, values: str) -> dict[str, float]:
    return dict(zip(chars, (int(v) / 1000 for v in values.split()), strict=True))


# Advance widths (em) of Liberation Sans / Arial, regular and bold; other characters are
# measured by their unaccented letter, or a generous default.
_COMMON = _widths(" !\"#$%&'()*+,-./0123456789:;<=>?@[]_|",
                  "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
                  "556 556 556 556 278 278 584 584 584 556 1015 278 278 556 260")
_UPPER = _widths("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                 "667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 667 "
                 "944 667 667 611")
_UPPER_BOLD = _UPPER | _widths("ABJKLN", "722 722 556 722 611 722")
_LOWER = _widths("abcdefghijklmnopqrstuvwxyz",
                 "556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 "
                 "722 500 500 500")
_LOWER_BOLD = _widths("abcdefghijklmnopqrstuvwxyz",
                      "556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 "
                      "778 556 556 500")
_OTHER = {"–": 0.556, "—": 1.0, "…": 1.0, "·": 0.278, "°": 0.4, "’": 0.222, "‘": 0.222, "“": 0.333,
          "”": 0.333, "→": 1.0, "×": 0.584, "€": 0.556, "\u202f": 0.2}
REGULAR_WIDTHS = _COMMON | _UPPER | _LOWER | _OTHER
# DejaVu Sans, the screen charts' type (theme.SCREEN): its advance widths, read from the font
# file with PIL at 1000 units a size.
SCREEN_WIDTHS = _widths(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_abcdefghijklmnopqrstuvwxyz|",
    "318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 636 636 636 636 "
    "337 337 838 838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 557 863 748 787 603 787 695 "
    "635 611 732 684 989 685 611 685 390 390 500 613 635 550 635 615 352 635 634 278 278 579 278 974 634 "
    "612 635 635 411 521 392 634 592 818 592 592 525 337") | {
    "–": 0.5, "—": 1.0, "…": 1.0, "·": 0.318, "°": 0.5, "’": 0.318, "‘": 0.318, "“": 0.518, "”": 0.518,
    "→": 0.838, "×": 0.838, "€": 0.636, "\u202f": 0.2, "\u00a0": 0.318}
# What plotly.js leaves between a left axis's tick labels and the plot (measured: labels of
# 34.4 and 149.1 px pushed the margin to 45 and 160 px), with a pixel to spare.
TICK_LABEL_PAD = 12
BOLD_WIDTHS = _COMMON | _UPPER_BOLD | _LOWER_BOLD | _OTHER | _widths(":;", "333 333")
UNKNOWN_EM = 0.75
WIDTH_SAFETY = 1.04


def _char_em(char: str, table: dict[str, float]) -> float:
    if char in table:
        return table[char]
    base = unicodedata.normalize("NFKD", char)[:1]
    if base in table:
        return table[base]
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else UNKNOWN_EM


def _line_width(text: str, size: float, table: dict[str, float]) -> float:
    return sum(_char_em(char, table) for char in str(text)) * size * WIDTH_SAFETY


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated width in px of one line of ``text`` at font ``size`` (Liberation Sans metrics)."""
    return _line_width(text, size, BOLD_WIDTHS if bold else REGULAR_WIDTHS)


def screen_text_width(text: str, size: float) -> float:
    """Estimated width in px of one line of ``text`` at font ``size`` in the screen charts' DejaVu Sans."""
    return _line_width(text, size, SCREEN_WIDTHS)


def left_label_margin(labels: list[str], size: float, least: int) -> int:
    """A left margin that holds a screen chart's axis labels, so plotly.js's automargin has
    nothing to push: a push redraws the whole chart (a page load drew each chart twice, ~50 ms
    each). Never under ``least``; plotly.js still pushes wider labels than estimated."""
    widest = max((screen_text_width(text, size) for text in labels), default=0.0)
    return max(least, math.ceil(widest + TICK_LABEL_PAD))


# plotly.js pads an axis's range to zero 5 % over its tallest bar, and a round tick may stand above
# that bar: the widest tick label of an axis up to a value is that of a value this much larger.
AXIS_HEADROOM = 1.06


def top_tick_label(max_value: float, lang: str) -> str:
    """About the widest tick label plotly.js writes on a count or kg axis from 0 to ``max_value``."""
    return format_number(math.ceil(max(max_value, 1) * AXIS_HEADROOM), lang)


def wrap_lines(text: str, width_px: float, size: float, *, bold: bool = False, max_lines: int = 0) -> list[str]:
    """``text`` wrapped at spaces to ``width_px`` (estimated); a cut last line ends in "…".

    A word longer than the line is broken where it reaches the edge. Linear in the text length
    (running widths), and it stops once ``max_lines`` is passed: link parameters reach the
    subtitle, so a huge one must not cost the server time.
    """
    table = BOLD_WIDTHS if bold else REGULAR_WIDTHS
    scale = size * WIDTH_SAFETY
    space = _char_em(" ", table) * scale
    lines: list[str] = []
    current, current_width = "", 0.0
    for word in str(text).split():
        if max_lines and len(lines) > max_lines:
            break
        widths = [_char_em(char, table) * scale for char in word]
        word_width = sum(widths)
        if current and current_width + space + word_width <= width_px:
            current, current_width = f"{current} {word}", current_width + space + word_width
            continue
        if not current and word_width <= width_px:
            current, current_width = word, word_width
            continue
        if current:
            lines.append(current)
        current, current_width = "", 0.0
        for char, char_width in zip(word, widths):
            if current and current_width + char_width > width_px:
                lines.append(current)
                current, current_width = "", 0.0
            current, current_width = current + char, current_width + char_width
    if current and not (max_lines and len(lines) > max_lines):
        lines.append(current)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size, bold=bold) > width_px:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def html_lines(lines: list[str]) -> str:
    """Escaped lines joined with plotly's line break."""
    return "<br>".join(escape_text(line) for line in lines)
