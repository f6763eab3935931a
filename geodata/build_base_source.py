"""Build ``assets/basemap/base.geojson``: every base-map file in one GeoJSON, for the screen map.

Run from the repo root after ``build_basemap.py`` and ``build_labels.py``:
``python geodata/build_base_source.py``. MapLibre tiles each source on its own and draws a frame
as each one's tiles arrive: seven base files were seven sources, so a zoom drew seven frames
(~100 ms each in software WebGL) before the events. One source, whose style layers pick their
features by ``BASE_PART_PROPERTY`` (names declared in ``dashboard/figures/event_map.py``), arrives in one piece. The part files stay the source of truth
(the print map reads them); ``tests/unit/test_basemap_files.py`` checks this file is their merge.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script from the repo root: make `dashboard` importable
from dashboard.figures.event_map import BASE_FILE, BASE_PART_PROPERTY, BASE_PARTS  # noqa: E402

BASEMAP_DIR = REPO / "assets" / "basemap"


def merged_base(parts: dict[str, dict]) -> dict:
    """One FeatureCollection of the ``parts`` (name → FeatureCollection), in :data:`BASE_PARTS` order,
    each feature tagged with its part's name."""
    features = [{**feature, "properties": {**(feature.get("properties") or {}), BASE_PART_PROPERTY: name}}
                for name in BASE_PARTS for feature in parts[name]["features"]]
    return {"type": "FeatureCollection", "features": features}


def read_parts(directory: Path = BASEMAP_DIR) -> dict[str, dict]:
    return {name: json.loads((directory / f"{name}.geojson").read_text(encoding="utf-8")) for name in BASE_PARTS}


def main() -> int:
    text = json.dumps(merged_base(read_parts()), ensure_ascii=False, separators=(",", ":"))
    (BASEMAP_DIR / BASE_FILE).write_text(text + "\n", encoding="utf-8")
    print(f"wrote {BASEMAP_DIR / BASE_FILE} ({len(text.encode('utf-8')):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
