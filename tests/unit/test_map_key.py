"""The map key: exactly the types in view, the real size scale, precision and routes, everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from dashboard.data.filters import FilterSpec
from dashboard.data.store import EVENT_TYPES
from dashboard.figures.event_map import LayerSlot, build_event_map, marker_sizes, screen_key_layout
from dashboard.figures.map_key import (
    DEATH_STEPS,
    KG_STEPS,
    build_map_key,
    key_layout,
    types_present,
)
from dashboard.figures.theme import EVENT_COLOURS, PROJECTOR, SCREEN
from dashboard.i18n import label

# Several views: everything, attacks on security forces 2016–18 (the empty legend), only
# types whose places are all approximate, seizures, and a filter that matches nothing.
VIEWS = {
    "all": FilterSpec(),
    "attacks_2016_18": FilterSpec(event_types=("attack_on_security_forces",), date_from=date(2016, 1, 1),
                                  date_to=date(2018, 12, 31)),
    "approximate_only": FilterSpec(event_types=("armed_clash", "lab_destroyed", "coca_eradication",
                                                "state_of_emergency", "airstrip_destroyed")),
    "seizures": FilterSpec(event_types=("drug_seizure",)),
    "nothing": FilterSpec(event_types=("drug_seizure",), date_from=date(1990, 1, 1), date_to=date(1990, 1, 2)),
}


def vraem_of(bundled):
    return next(f for f in bundled.regions["features"] if f["properties"]["kind"] == "vraem")


def legend_types(figure, bundled) -> list[str]:
    """The event types the map's key names, in its order (read from its words)."""
    labels = {label("event_type", event_type, "en"): event_type for event_type in EVENT_TYPES}
    return [labels[a.text] for a in figure.layout.annotations if a.text in labels]


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_key001_legend_holds_exactly_the_types_in_view(view, store, bundled):
    points = store.points(VIEWS[view], limit=10_000)
    expected = sorted({EVENT_TYPES[code] for code in points.type_code.tolist()}, key=EVENT_TYPES.index)
    figure = build_event_map(points, routes=bundled.routes, vraem_feature=vraem_of(bundled))
    assert legend_types(figure, bundled) == expected  # each once, none missing, none extra
    key = build_map_key(points, routes=bundled.routes, vraem=True, theme=SCREEN, lang="en")
    assert [entry.event_type for entry in key.types] == expected
    if view != "nothing":
        assert expected  # the view really shows something
    # One trace and no legend: routes, VRAEM, rings, cells and highlight are explained by the key.
    assert len(figure.data) == 1 and figure.layout.showlegend is False
    # Each type's swatch is the colour its markers are drawn in.
    swatches = [s.fillcolor for s in figure.layout.shapes if s.type == "circle" and s.name == "map-key"]
    assert [SCREEN.colour(EVENT_COLOURS[t]) for t in expected] == swatches[:len(expected)]


def test_key002_approximate_only_types_are_in_the_legend(store, bundled):
    points = store.points(VIEWS["approximate_only"], limit=10_000)
    assert not points.precise.any() and len(points.type_code)  # the case: all approximate
    figure = build_event_map(points, routes=bundled.routes, vraem_feature=None)
    assert len(legend_types(figure, bundled)) == len(types_present(points.type_code)) == 5


@pytest.mark.parametrize("theme", [SCREEN, PROJECTOR], ids=lambda t: t.name)
def test_key004_size_key_uses_the_scale_the_markers_use(theme, store, bundled):
    key = build_map_key(None, routes=bundled.routes, vraem=False, theme=theme, lang="en")
    zeros = np.zeros(len(KG_STEPS), dtype=np.float32)
    by_kg = theme.marker_px(marker_sizes(np.array(KG_STEPS, dtype=np.float32), zeros))
    by_deaths = theme.marker_px(marker_sizes(zeros, np.array(DEATH_STEPS, dtype=np.float32)))
    assert [s.diameter_px for s in key.kg_steps] == by_kg.tolist()
    assert [s.diameter_px for s in key.death_steps] == by_deaths.tolist()
    assert [s.diameter_px for s in key.kg_steps] == sorted({s.diameter_px for s in key.kg_steps})  # grows
    # The key's circles are drawn at those diameters (shapes in px).
    drawn = screen_key_layout(key, theme)
    diameters = {round(s["x1"] - s["x0"], 3) for s in drawn.shapes if s["type"] == "circle"}
    assert {round(s.diameter_px, 3) for s in key.kg_steps + key.death_steps} <= diameters
    # A point of 1,000 kg on the map is drawn at the key's "1,000" size.
    points = store.points(FilterSpec(), limit=10_000)
    figure = build_event_map(points, routes=bundled.routes, vraem_feature=None, theme=theme)
    assert figure.layout.margin.r >= drawn.width_px  # the key fits in the margin: never over the map


def test_key005_routes_precision_and_words_in_both_languages(bundled):
    modes = {f["properties"]["mode"] for f in bundled.routes["features"]}
    for lang in ("en", "es"):
        key = build_map_key(None, routes=bundled.routes, vraem=True, theme=SCREEN, lang=lang)
        assert {r.mode for r in key.routes} == modes
        texts = [a["text"] for a in key_layout(key, SCREEN).annotations]
        assert not [t for t in texts if "map.key" in t]  # every word found in the catalog
        assert any(r.inferred for r in key.routes) and any(r.documented for r in key.routes)
        dashes = {s["line"]["dash"] for s in key_layout(key, SCREEN).shapes if s["type"] == "line"}
        assert dashes == {"solid", "dot"}  # documented solid, inferred dotted, as the printed map draws them
        screen = {s["line"]["dash"] for s in screen_key_layout(key, SCREEN).shapes if s["type"] == "line"}
        assert screen == {"solid", "dash"}  # the screen map draws inferred legs dashed
    spanish = " ".join(a["text"] for a in key_layout(build_map_key(
        None, routes=bundled.routes, vraem=True, theme=SCREEN, lang="es"), SCREEN).annotations)
    assert "muertes" in spanish and "aproximado" in spanish


def test_key006_projector_halo_is_not_dark_on_dark(store, bundled):
    points = store.points(FilterSpec(), limit=10_000)
    figure = build_event_map(points, routes=bundled.routes, vraem_feature=None, theme=PROJECTOR)
    ring_colour = figure.data[0].marker.colorscale[-1][1]  # the last colour code is the uncertainty ring
    red, green, blue = (int(v) for v in ring_colour[5:-1].split(",")[:3])

    def luminance(colour: str) -> float:
        red, green, blue = (int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    assert luminance(f"#{red:02x}{green:02x}{blue:02x}") - luminance(PROJECTOR.paper_colour) > 0.4
    key = build_map_key(points, routes=bundled.routes, vraem=False, theme=PROJECTOR, lang="en")
    rings = [s for s in key_layout(key, PROJECTOR).shapes if s["type"] == "circle"]
    assert all(luminance(s["fillcolor"]) > 0.4 for s in rings if s["fillcolor"].startswith("#"))


def test_key007_key_starts_below_the_toolbar_and_stacks_without_overlap(bundled):
    key = build_map_key(None, routes=bundled.routes, vraem=True, theme=SCREEN, lang="en")
    drawn = key_layout(key, SCREEN)
    tops = [a["yshift"] for a in drawn.annotations]
    assert max(tops) <= -25  # the map's toolbar takes the top ~25 px of the margin
    rows = sorted({round(a["yshift"]) for a in drawn.annotations if a["xanchor"] == "left"})
    assert len(rows) == len({a["yshift"] for a in drawn.annotations if a["xanchor"] == "left"})
    assert drawn.height_px > -min(tops)


# ---- the printed map (exports, briefing pages, embed) ----------------------------------------------
def print_map(store, bundled, spec: FilterSpec, size):
    from dashboard.exports.charts import build_export_figure
    from dashboard.exports.spec import ChartKind, ChartRequest, ExportContext

    context = ExportContext(spec=spec, lang="en", title="Map", subtitle="", source_line="Source: Rutas",
                            alt_text="A map.", permalink="", exported_at=datetime(2026, 1, 15, tzinfo=UTC),
                            events=1, sources=1, credit="")
    return build_export_figure(store, spec, ChartRequest(chart=ChartKind.MAP, size=size), context,
                               routes=bundled.routes, regions=bundled.regions)


def key_boxes(figure) -> list[tuple[float, float, float, float]]:
    """Page px boxes (left, top, right, bottom) of the key's circles, from the plot's top-right corner."""
    layout = figure.layout
    right, top = layout.width - layout.margin.r, layout.margin.t
    return [(right + s.x0, top - s.y1, right + s.x1, top - s.y0) for s in layout.shapes if s.name == "map-key"]


@pytest.mark.parametrize("view", ["all", "seizures", "approximate_only"])
@pytest.mark.parametrize("size", ["web", "square", "story"])
def test_key008_print_map_key_sits_outside_the_map_at_the_markers_sizes(view, size, store, bundled):
    from dashboard.exports.spec import SizePreset

    figure = print_map(store, bundled, VIEWS[view], SizePreset(size))
    points = store.points(VIEWS[view], limit=10_000)
    # The legend names exactly the types shown, the halo has no entry of its own (the key explains it).
    entries = [t.legendgroup for t in figure.data if t.showlegend and t.legend in (None, "legend")]
    shown = {t.legendgroup for t in figure.data if t.legendgroup in EVENT_TYPES and len(t.lat)}
    assert sorted(entries) == sorted(shown) and shown <= set(types_present(points.type_code))
    layout = figure.layout
    plot = (layout.margin.l, layout.margin.t, layout.width - layout.margin.r, layout.height - layout.margin.b)
    boxes = key_boxes(figure)
    assert len(boxes) >= 6  # three kg and three death circles at least
    for box in boxes:
        inside = plot[0] < box[2] and box[0] < plot[2] and plot[1] < box[3] and box[1] < plot[3]
        assert not inside, f"key circle {box} over the map {plot}"
        assert 0 <= box[0] and box[2] <= layout.width and 0 <= box[1] and box[3] <= layout.height
    # The size circles are the printed markers' diameters for those amounts.
    meta = layout.meta["rutas_map_key"]
    diameters = sorted({round(box[2] - box[0], 2) for box in boxes})
    for row in meta["rows"]:
        assert all(any(abs(x - d) < 0.06 for x in diameters) for _, d in row["steps"])


def test_key009_selected_area_is_outlined_without_a_trace(store, bundled):
    from dashboard.figures.event_map import selection_ring

    points = store.points(FilterSpec(), limit=10_000)
    plain = build_event_map(points, routes=bundled.routes, vraem_feature=None)
    box = selection_ring((-75.0, -14.0, -72.0, -11.0), None)
    assert box == [[-75.0, -14.0], [-72.0, -14.0], [-72.0, -11.0], [-75.0, -11.0], [-75.0, -14.0]]
    lasso = selection_ring(None, ((-75.0, -14.0), (-72.0, -14.0), (-73.0, -11.0)))
    assert lasso[0] == lasso[-1] and len(lasso) == 4
    assert selection_ring(None, None) is None
    outlined = build_event_map(points, routes=bundled.routes, vraem_feature=None, selection=box)
    assert len(outlined.data) == len(plain.data) == 1  # a layer in its slot, not a trace
    assert len(outlined.layout.map.layers) == len(plain.layout.map.layers)  # the slots' positions hold
    slot = outlined.layout.map.layers[LayerSlot.SELECTION]
    assert slot.visible and slot.source["geometry"]["coordinates"] == box and slot.type == "line"
    assert plain.layout.map.layers[LayerSlot.SELECTION].visible is False


def test_key010_print_key_edges_its_approximate_dot_as_the_printed_markers(store, bundled):
    """Print fades an approximate place's fill and keeps its edge: the key's dot says the same (it
    was a lone pale grey dot); the screen key keeps its plain faded dot, like its markers."""
    points = store.points(FilterSpec(), limit=10_000)
    key = build_map_key(points, routes=bundled.routes, vraem=False, theme=SCREEN, lang="en")
    assert key.approximate_shown

    def rings(layout):
        return [s for s in layout.shapes if s["type"] == "circle" and s["fillcolor"] == "rgba(0,0,0,0)"]

    plain = key_layout(key, SCREEN)
    edged = key_layout(key, SCREEN, approximate_rim=True)
    assert len(rings(edged)) == len(rings(plain)) + 1
    rim = rings(edged)[-1]
    assert rim["line"]["color"] == SCREEN.text_colour and rim["line"]["width"] >= 1 and rim["opacity"] == 1.0
