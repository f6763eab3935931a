"""The map key on a phone: folded at first so the map keeps its width, opened by its switch."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# The map's drawing area (MapLibre's canvas) and the key switch, measured in the page.
MAP_JS = """() => {
    const canvas = document.querySelector('#map-graph .maplibregl-canvas');
    const box = canvas ? canvas.getBoundingClientRect() : null;
    return {width: box ? box.width : 0, checked: document.querySelector('#map-key input').checked,
            annotations: document.querySelectorAll('#map-graph .annotation').length};
}"""


def test_key001_the_key_starts_folded_on_a_phone_and_opens_on_demand(ui):
    page = ui.page
    page.set_viewport_size({"width": 390, "height": 844})
    ui.open()
    ui.settle("opening the page at 390 px")
    folded = page.evaluate(MAP_JS)
    assert not folded["checked"] and folded["annotations"] == 0
    assert folded["width"] >= 330, folded  # the map's own width, not half of it
    page.check("#map-key input")
    ui.settle("opening the key")
    page.wait_for_function("() => document.querySelectorAll('#map-graph .annotation').length > 0")
    opened = page.evaluate(MAP_JS)
    assert opened["checked"] and opened["width"] < folded["width"]  # the key takes its margin
    ui.assert_no_console_errors("switching the key")

    page.set_viewport_size({"width": 1440, "height": 900})
    ui.open()
    ui.settle("opening the page at 1440 px")
    wide = page.evaluate(MAP_JS)
    assert wide["checked"] and wide["annotations"] > 0  # on a wide screen the key is there at once
