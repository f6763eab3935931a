"""Colours and type for each medium. Palettes are colour-blind safe (Paul Tol's "muted")."""

from __future__ import annotations

from dataclasses import dataclass

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
