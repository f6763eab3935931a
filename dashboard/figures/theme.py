"""Colours and type for each medium. Palettes are colour-blind safe (Paul Tol's "muted")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.schema import EventType

EVENT_COLOURS: dict[str, str] = {
    EventType.DRUG_SEIZURE: "#332288",
    EventType.ATTACK_ON_SECURITY_FORCES: "#CC6677",
    EventType.ARMED_CLASH: "#882255",
    EventType.ATTACK_ON_CIVILIANS: "#AA4499",
    EventType.AIRCRAFT_INTERDICTION: "#88CCEE",
    EventType.AIRSTRIP_DESTROYED: "#44AA99",
    EventType.LAB_DESTROYED: "#117733",
    EventType.COCA_ERADICATION: "#999933",
    EventType.ARREST: "#DDCC77",
    EventType.STATE_OF_EMERGENCY: "#555555",
    EventType.OTHER: "#BBBBBB",
}

# Route modes use Okabe–Ito hues kept apart from the event palette by line form and width.
ROUTE_COLOURS: dict[str, str] = {
    "air": "#E69F00",
    "road": "#8C510A",
    "river": "#0072B2",
    "sea": "#1F4E79",
}


# WCAG 1.4.11: graphical objects need 3:1 against what they sit on.
MARK_CONTRAST = 3.0


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a ``#rrggbb`` colour."""
    value = colour.lstrip("#")
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass(frozen=True)
class Theme:
    """Type sizes and neutral colours for one medium (screen now; print and projector later)."""

    name: str
    font_family: str
    font_size: int
    title_size: int
    text_colour: str
    muted_colour: str
    paper_colour: str
    land_colour: str
    water_colour: str
    border_colour: str
    river_colour: str
    # Used by the exported charts; the screen figures keep their own literals.
    grid_colour: str = "#e6e8eb"
    region_colour: str = "#c4c8cc"  # department outlines
    marker_line_colour: str = "rgba(255,255,255,0.7)"  # keeps dark markers apart on dark land
    route_colours: tuple[tuple[str, str], ...] = tuple(ROUTE_COLOURS.items())  # (mode, colour)
    vraem_colour: str = "#b05566"
    river_label_colour: str = "#2f6f9f"
    place_label_colour: str = "#3b434b"  # capitals and ports (rank 1)
    minor_label_colour: str = "#5b6570"  # towns shown once zoomed in (ranks 2 and 3)
    label_scale: float = 1.0  # map label sizes times this (larger on a projector)
    legend_font_size: int = 10
    marker_scale: float = 1.0  # per-point marker sizes (events and their halos) times this
    # (colour, as this medium shows it), lower-case hex: hues too dark for the medium's page, lifted.
    colour_lift: tuple[tuple[str, str], ...] = ()
    # A rim round marks whose fill stays under MARK_CONTRAST against land, paper or water (pale hues
    # on a light page: their meaning is the hue, so the hue stays and the edge carries the contrast).
    pale_mark_rim: str = ""

    def route_colour(self, mode: str) -> str:
        """Line colour for a route mode in this theme."""
        return dict(self.route_colours).get(mode, ROUTE_COLOURS.get(mode, "#666666"))

    def colour(self, colour: str) -> str:
        """A marker or bar colour as this theme shows it (lifted where the theme says so)."""
        return dict(self.colour_lift).get(colour.lower(), colour) if self.colour_lift else colour

    def mark_rim(self, colour: str) -> str | None:
        """The rim a mark of ``colour`` (as shown) needs to stand out at MARK_CONTRAST, or None."""
        if not self.pale_mark_rim:
            return None
        backgrounds = (self.land_colour, self.paper_colour, self.water_colour)
        return self.pale_mark_rim if min(contrast_ratio(colour, b) for b in backgrounds) < MARK_CONTRAST else None

    def marker_px(self, sizes: np.ndarray) -> np.ndarray:
        """Per-point marker diameters (whole px, uint8) scaled by :attr:`marker_scale`."""
        if self.marker_scale == 1.0:
            return sizes
        return np.minimum(np.rint(sizes * self.marker_scale), 255).astype(np.uint8)


SCREEN = Theme(
    name="screen",
    font_family="DejaVu Sans, Helvetica, Arial, sans-serif",
    font_size=13,
    title_size=16,
    text_colour="#1b1f24",
    muted_colour="#5b6570",
    paper_colour="#ffffff",
    land_colour="#f4f1ea",
    water_colour="#d9e6ef",
    border_colour="#9aa3ab",
    river_colour="#9cc2de",
)


# Exported charts: print type (Liberation Sans has Arial's metrics, so text widths can be
# estimated) and colours that hold up on paper and on a phone.
EXPORT_FONT = "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif"

EXPORT_LIGHT = Theme(
    name="export-light",
    font_family=EXPORT_FONT,
    font_size=16,
    title_size=28,
    text_colour="#1b1f24",
    muted_colour="#4f5963",
    paper_colour="#ffffff",
    land_colour="#f2efe8",
    water_colour="#d6e4ee",
    border_colour="#8a939c",
    river_colour="#9cc2de",
    grid_colour="#e3e6e9",
    region_colour="#c2c7cc",
    marker_line_colour="rgba(255,255,255,0.8)",
    vraem_colour="#a8465a",
    # Six hues measured 1.4–2.8:1 on the light land/paper/water (aircraft interdiction, arrest, other,
    # airstrip destroyed, coca eradication; attacks on security forces on water): rimmed in this grey,
    # 5.5:1 or more against all three.
    pale_mark_rim="#4f5963",
)

# Dark: the event hues stay (they are the legend's meaning) but the darkest are lifted to 3:1
# against the land they sit on (WCAG 1.4.11 for graphical objects; indigo seizures measured 1.2:1
# and vanished); route hues are lifted so sea and road lines stand out from dark water and land.
EXPORT_DARK = Theme(
    name="export-dark",
    font_family=EXPORT_FONT,
    font_size=16,
    title_size=28,
    text_colour="#eceff2",
    muted_colour="#aab3bd",
    paper_colour="#14181d",
    land_colour="#333a43",
    water_colour="#1b2733",
    border_colour="#8d98a4",
    river_colour="#4f7fa3",
    grid_colour="#323a44",
    region_colour="#5a6470",
    marker_line_colour="rgba(236,239,242,0.85)",
    route_colours=(("air", "#F5B942"), ("road", "#D9A066"), ("river", "#56B4E9"), ("sea", "#7FB8E6")),
    vraem_colour="#e88a9a",
    river_label_colour="#9ccbec",
    colour_lift=(("#332288", "#8a7ade"), ("#cc6677", "#cd6a7a"), ("#882255", "#d75d9a"),
                 ("#aa4499", "#c368b4"), ("#117733", "#179f44"), ("#555555", "#888888"),
                 ("#4b5a6a", "#8da2b8")),
)


# Projector: a dark room, a screen seen from ten metres. Light type on near-black, land lifted
# enough that the darkest event colours (drug seizures, #332288) still read against it, and map
# labels large and pale, event markers larger (seen from the back of the room) and the darkest
# event colours lifted (same hues: they vanish on a projected near-black page). Sizes are for a
# 1920 px wide figure; the presenter page scales its HTML type with the viewport.
PROJECTOR = Theme(
    name="projector",
    font_family="DejaVu Sans, Helvetica, Arial, sans-serif",
    font_size=20,
    title_size=32,
    text_colour="#f2f4f7",
    muted_colour="#b8c1cc",
    paper_colour="#0b0e12",
    land_colour="#5d6876",
    water_colour="#10161d",
    border_colour="#dfe4ea",
    river_colour="#4f86b5",
    grid_colour="#2b323b",
    region_colour="#6f7884",
    marker_line_colour="rgba(242,244,247,0.9)",
    route_colours=(("air", "#F5B942"), ("road", "#D9A066"), ("river", "#56B4E9"), ("sea", "#7FB8E6")),
    vraem_colour="#ff9aac",
    river_label_colour="#bfe0ff",
    place_label_colour="#ffffff",
    minor_label_colour="#e3e8ee",
    label_scale=1.5,
    legend_font_size=18,
    marker_scale=1.4,
    colour_lift=(("#332288", "#8c7fe8"), ("#882255", "#d0508c"), ("#555555", "#a3a3a3"),
                 ("#117733", "#3fb164"), ("#4b5a6a", "#8da2b8")),
)


def small_template() -> dict:
    """Plotly's default look without its per-trace-type defaults and unused subplot types.

    The full template is about 7 KB in every figure sent to the browser; this one about 1 KB.
    """
    import plotly.io as pio

    layout = pio.templates["plotly"].layout.to_plotly_json()
    for unused in ("polar", "ternary", "scene", "geo", "coloraxis", "colorscale", "shapedefaults",
                   "annotationdefaults"):
        layout.pop(unused, None)
    return {"layout": layout}


SMALL_TEMPLATE = small_template()
