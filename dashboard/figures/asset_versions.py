"""Versions of the static files the map's style names, for their URLs (``?m=<version>``).

The base map's GeoJSON and MapLibre's glyph ranges are asked for by MapLibre itself, by URLs
Dash does not fingerprint: the server then told the browser to check each one again on every
page load (``no-cache``), a round trip on the map's path to its first full frame (the glyphs
come last: a tile's names wait for them). With the file's content in the URL they are kept a
year like Dash's own fingerprinted files (``dashboard.serving.cache_control``), and a changed
file has a new URL.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
VERSION_LENGTH = 12  # hex digits of the content hash


@functools.cache
def asset_version(relative_path: str) -> str:
    """A short hash of the file, or of every file under the folder, at ``assets/<relative_path>``."""
    target = ASSETS_DIR / relative_path
    files = sorted(path for path in target.rglob("*") if path.is_file()) if target.is_dir() else [target]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(ASSETS_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:VERSION_LENGTH]


def versioned_asset_url(relative_path: str, url: str | None = None) -> str:
    """``url`` (default ``/assets/<relative_path>``) with the version of ``relative_path``."""
    return f"{url or '/assets/' + relative_path}?m={asset_version(relative_path)}"
