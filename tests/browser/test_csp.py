"""The Content-Security-Policy in Chromium: the dashboard, the export dialog, the presenter and the
speaker notes work under it and report no violation; an injected inline script and an inline event
handler are blocked and reported. (Code that Playwright evaluates is exempt from the policy, eval in
it included: that the policy has no 'unsafe-eval' is checked in tests/unit/test_headers.py.)

Violations are read from the page's ``securitypolicyviolation`` events (recorded from before the
first script runs) and from the console, where Chromium also logs them as errors.
"""

from __future__ import annotations

import pytest

from bench.harness import PageLog, settle, wait_for_dash_idle

pytestmark = pytest.mark.browser

STORY_ID = "from-the-vraem-to-europe"
TIMEOUT_MS = 90_000
RECORD_VIOLATIONS_JS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(
  {directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, sample: e.sample}));
"""
PRESENTER_READY_JS = """() => {
  const state = window.rutasPresent && window.rutasPresent.state;
  const gd = document.querySelector('#present-map .js-plotly-plot');
  const m = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
    && gd._fullLayout.map._subplot.map;
  return !!(state && m && !state.flying && m.loaded() && !m.isMoving());
}"""


def open_page(browser_context, url: str):
    """A page recording CSP violations from its first script on; its log, and the main response."""
    page = browser_context.new_page()
    page.add_init_script(RECORD_VIOLATIONS_JS)
    log = PageLog(page)
    response = page.goto(url)
    return page, log, response


def violations(page) -> list[dict]:
    return page.evaluate("() => window.__cspViolations")


def assert_no_violation(page, log: PageLog, step: str) -> None:
    assert violations(page) == [], f"CSP violations after {step}: {violations(page)}"
    assert log.errors == [], f"console errors after {step}: {log.errors}"


def test_csp001_dashboard_and_export_dialog_under_the_policy(browser_context, base_url):
    page, log, response = open_page(browser_context, f"{base_url}/")
    try:
        policy = response.headers["content-security-policy"]
        assert "script-src 'self' 'sha256-" in policy and "'unsafe-eval'" not in policy
        assert response.headers["x-frame-options"] == "DENY"
        settle(page, TIMEOUT_MS)
        # The table drew its rows (AG Grid's code, added to the page as the table comes into view,
        # and its value getters run under the policy).
        page.locator("#table-grid").scroll_into_view_if_needed()
        page.wait_for_function("() => { try { return window.dash_ag_grid.getApi('table-grid')"
                               ".getDisplayedRowCount() > 0; } catch (e) { return false; } }")
        assert_no_violation(page, log, "loading the dashboard")
        page.click("#export-open")
        page.wait_for_selector("#export-dialog:not([hidden])")
        page.wait_for_function("() => document.querySelector('#export-alt-text').value.length > 40")
        wait_for_dash_idle(page, TIMEOUT_MS)
        assert_no_violation(page, log, "opening the export dialog")
    finally:
        page.close()


def test_csp002_presenter_and_notes_under_the_policy(browser_context, base_url):
    page, log, _ = open_page(browser_context, f"{base_url}/present/{STORY_ID}")
    notes = None
    try:
        page.wait_for_function(PRESENTER_READY_JS, timeout=TIMEOUT_MS, polling=200)
        page.keyboard.press("ArrowRight")  # a slide change: the map flies (clientside callbacks)
        page.wait_for_function("() => window.rutasPresent.state.slide === 1", timeout=TIMEOUT_MS)
        page.wait_for_function(PRESENTER_READY_JS, timeout=TIMEOUT_MS, polling=200)
        assert_no_violation(page, log, "opening the presenter and going to slide 2")
        notes, notes_log, _ = open_page(browser_context, f"{base_url}/present/{STORY_ID}/notes")
        notes.wait_for_function("() => /^Slide 1 \\//.test((document.getElementById('notes-progress') || {})"
                                ".textContent || '')", timeout=TIMEOUT_MS)
        wait_for_dash_idle(notes, TIMEOUT_MS)
        assert_no_violation(notes, notes_log, "opening the speaker notes")
    finally:
        page.close()
        if notes is not None:
            notes.close()


def test_csp003_injected_inline_script_and_handler_are_blocked(browser_context, base_url):
    page, log, _ = open_page(browser_context, f"{base_url}/")
    try:
        wait_for_dash_idle(page, TIMEOUT_MS)
        page.evaluate("""() => {
          window.__injected = [];
          const script = document.createElement('script');
          script.textContent = "window.__injected.push('script')";
          document.body.appendChild(script);
          // What an HTML injection would carry: an inline event handler.
          document.body.insertAdjacentHTML('beforeend',
            '<img id="csp-probe" src="/no-such-image.png" onerror="window.__injected.push(\\'handler\\')">');
        }""")
        page.wait_for_function("() => window.__cspViolations.some(v => v.directive === 'script-src-attr')")
        assert page.evaluate("() => window.__injected") == []
        directives = {v["directive"] for v in violations(page)}
        assert {"script-src-elem", "script-src-attr"} <= directives, violations(page)
        assert any("Content Security Policy" in error for error in log.errors)
    finally:
        page.close()
