"""Take a screenshot of the running app: ``python -m bench.screenshot URL OUT.png``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import PageLog, chromium_browser, wait_for_map  # noqa: E402


def main(url: str, out: str) -> None:
    with chromium_browser() as browser:
        page = browser.new_page()
        log = PageLog(page)
        page.goto(url)
        try:
            wait_for_map(page, timeout_ms=30_000)
        except Exception as error:  # still take the picture: it shows what went wrong
            print("map not ready:", str(error).splitlines()[0])
        page.wait_for_timeout(1500)
        page.screenshot(path=out, full_page=True)
        print("errors:", log.errors)
        print("outside requests:", log.outside_requests())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
