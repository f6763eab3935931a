"""Bytes on the wire of a cold page load, compressed (the browser's own Accept-Encoding) and not.

Run against a served app: ``.venv/bin/python -m bench.cold_load_bytes --url http://127.0.0.1:8050/``.
Headless Chromium loads the page with its cache off, twice: once as browsers ask (brotli, gzip)
and once asking for no encoding; the sum of every response's encoded length is printed for each.
"""

from __future__ import annotations

import argparse

from bench.harness import chromium_browser


def cold_load_bytes(url: str, encoding: str | None, settle_ms: int = 9000) -> tuple[int, int]:
    """(responses, bytes on the wire) of one cold load of ``url``."""
    with chromium_browser() as context:
        page = context.new_page()
        if encoding:
            page.set_extra_http_headers({"Accept-Encoding": encoding})
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        seen = {"responses": 0, "bytes": 0}

        def finished(event: dict) -> None:
            seen["responses"] += 1
            seen["bytes"] += int(event.get("encodedDataLength", 0))

        cdp.on("Network.loadingFinished", finished)
        page.goto(url)
        page.wait_for_timeout(settle_ms)
        return seen["responses"], seen["bytes"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8050/")
    arguments = parser.parse_args()
    for label, encoding in (("compressed (br, gzip)", None), ("uncompressed (identity)", "identity")):
        responses, size = cold_load_bytes(arguments.url, encoding)
        print(f"{label:<24} {responses:>3} responses  {size / 1e6:6.2f} MB on the wire")


if __name__ == "__main__":
    main()
