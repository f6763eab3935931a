"""Peak memory of importing hostile file shapes, as a multiple of the file's size.

Run: ``.venv/bin/python -m bench.hostile_imports [--mb 49] [--shapes oneline wide_line kmz_near_ratio]``.
Each shape runs in a fresh process: the file is generated and written to a temporary folder, the
child reads it back as bytes (its baseline peak RSS), imports it through the same path as the
command line and an upload (``import_bytes``), and prints the peak RSS growth over the baseline,
its ratio to the file's size, the seconds taken and what the import answered. The files are made
of invented filler and never imported into a data directory.

Shapes (after the issue "Safe to expose"): ``oneline`` a CSV whose second line is the whole file
(no newline); ``wide_line`` one line of ``a,a,a,…``; ``kmz_near_ratio`` a KMZ just under the
compression-ratio limit whose KML holds placemarks up to the row limit.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

SHAPES = ("oneline", "wide_line", "kmz_near_ratio")
_PLACEMARK = b"<Placemark><name>%s</name><Point><coordinates>-74,-12</coordinates></Point></Placemark>"


def hostile_file(shape: str, megabytes: float) -> tuple[str, bytes]:
    """(file name, bytes) of a hostile shape about ``megabytes`` long (the KMZ: its inflated KML)."""
    size = int(megabytes * 1024 * 1024)
    if shape == "oneline":
        return "oneline.csv", b"event_date,latitude,longitude,notes\n2020-01-01,-12,-74," + b"x" * size
    if shape == "wide_line":
        return "wide.csv", b"a," * (size // 2)
    if shape == "kmz_near_ratio":
        rng = random.Random(1)  # random names keep the ratio under the limit
        parts = [_PLACEMARK % rng.randbytes(3).hex().encode() for _ in range(size // len(_PLACEMARK % b"000000"))]
        kml = (b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
               + b"".join(parts) + b"</Document></kml>")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("doc.kml", kml)
        return "near_ratio.kmz", buffer.getvalue()
    raise ValueError(f"unknown shape {shape!r}; one of {', '.join(SHAPES)}")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_file(path: Path) -> dict[str, object]:
    """Import one file in this process: baseline and peak RSS (MB), seconds, the answer."""
    from dashboard.data.imports.base import ImportLimits
    from dashboard.data.imports.pipeline import import_bytes

    data = path.read_bytes()
    baseline = _peak_mb()
    started = time.perf_counter()
    limits = ImportLimits(max_upload_bytes=max(len(data), ImportLimits.max_upload_bytes))
    outcome = import_bytes(data, path.name, limits=limits)
    report = outcome.report
    return {"file_mb": round(len(data) / 1e6, 1), "baseline_mb": round(baseline), "peak_mb": round(_peak_mb()),
            "growth_mb": round(_peak_mb() - baseline), "growth_per_file_byte": round((_peak_mb() - baseline)
                                                                                     / (len(data) / 2**20), 2),
            "seconds": round(time.perf_counter() - started, 1), "read": report.read,
            "accepted": report.accepted, "refused": report.refused}


def measure(shape: str, megabytes: float) -> dict[str, object]:
    """Generate the shape, then import it in a fresh process; its figures as a dict."""
    name, data = hostile_file(shape, megabytes)
    with tempfile.TemporaryDirectory(prefix="rutas-hostile-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        del data
        done = subprocess.run([sys.executable, "-m", "bench.hostile_imports", "--file", str(path)],
                              capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    return {"shape": shape, **json.loads(done.stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=49.0, help="size of each file (the KMZ: of its KML)")
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    parser.add_argument("--file", help=argparse.SUPPRESS)  # child process: one file
    arguments = parser.parse_args()
    if arguments.file:
        print(json.dumps(measure_file(Path(arguments.file))))
        return
    for shape in arguments.shapes:
        figures = measure(shape, arguments.mb)
        print(f"{shape:<15} file {figures['file_mb']:>7.1f} MB  {figures['seconds']:>5.1f} s  "
              f"baseline {figures['baseline_mb']:>5} MB  peak {figures['peak_mb']:>5} MB  "
              f"growth {figures['growth_mb']:>5} MB = {figures['growth_per_file_byte']:.2f}× the file  "
              f"read {figures['read']:,} accepted {figures['accepted']:,}  refused: {figures['refused'] or '-'}")


if __name__ == "__main__":
    main()
