"""The page runs without Dash's babel polyfill: assets/regenerator-runtime.js gives
dash_core_components the one global it needs, before that bundle runs."""

from __future__ import annotations

from bench.harness import UiPage


def test_psc001_the_page_loads_no_polyfill_and_works(ui: UiPage):
    ui.open()
    ui.settle("loading the page")
    scripts = [url.split("?")[0] for url in ui.log.requests if url.split("?")[0].endswith(".js")]
    assert not [url for url in scripts if "polyfill" in url], scripts
    runtime = next(i for i, url in enumerate(scripts) if url.endswith("/assets/regenerator-runtime.js"))
    core = next(i for i, url in enumerate(scripts) if "/dcc/dash_core_components." in url)
    assert runtime < core, scripts  # requested in page order: the runtime's script tag comes first
    assert ui.page.evaluate("() => typeof regeneratorRuntime.mark") == "function"
    # dcc's components (whose async code calls the runtime) drew, and the views follow a pick.
    before = ui.page.locator("#counts-events").inner_text()
    ui.page.locator('#filters-types label:has(input[value="drug_seizure"])').click()
    ui.settle("checking 'Drug seizure'")
    assert ui.page.locator("#counts-events").inner_text() != before
    ui.assert_no_console_errors("checking 'Drug seizure'")
