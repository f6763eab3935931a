#!/usr/bin/env python3
"""Build offline MapLibre glyph PBFs (SDF font ranges) for the Rutas map.

MapLibre draws map text (Scattermap ``text`` traces and ``layout.map.layers``
of type ``"symbol"``) from signed-distance-field glyph ranges fetched from the
style's ``glyphs`` URL, ``.../{fontstack}/{range}.pbf``. Plotly's built-in
styles point at a remote font server; this script makes the files locally so
labels render with no network.

Output: ``assets/fonts/<fontstack>/<start>-<end>.pbf`` for the ranges 0-255
(ASCII + Latin-1: á é í ó ú ñ ü ¿ ¡ ...), 8192-8447 (General Punctuation and
currency: – — ‘ ’ “ ” • … € ...) and 8448-8703 (the arrows of route names: →).

Format: ``glyphs.proto`` (``glyphs{stacks: fontstack{name, range, glyphs:
glyph{id, bitmap, width, height, left, top, advance}}}``), 24 px, SDF buffer 3,
radius 8, cutoff 0.25 -- the same parameters as node-fontnik and
mapbox/tiny-sdf, and the same distance transform as tiny-sdf (Felzenszwalb &
Huttenlocher exact EDT over an anti-aliased coverage bitmap).

Fontstack names: Plotly/MapLibre ask for these names, so the directories must
be named after them (see ``FONTSTACKS``):

* ``Open Sans Regular`` / ``Open Sans Bold`` / ``Open Sans Italic`` -- what
  plotly.js turns Scattermap ``textfont`` into (family "Open Sans Regular" by
  default; ``weight="bold"`` -> Bold; ``style="italic"`` -> Italic). Bold
  *and* italic ("Open Sans Bold Italic") is not shipped: MapLibre would 404
  it, warn, and draw those labels with a local system font.
* ``Open Sans Regular,Arial Unicode MS Regular`` -- MapLibre's default
  ``text-font``; plotly.js sets no ``text-font`` on ``layout.map.layers``
  symbol layers, so those request this stack.

The glyph shapes come from DejaVu Sans (Debian ``fonts-dejavu-core``; free
license), not Open Sans: the names are only the keys MapLibre asks for.

Build-only dependency: ``freetype-py`` (see ``geodata/requirements-build.txt``).
numpy is already a runtime dependency.

Usage::

    python geodata/build_glyphs.py            # writes ../assets/fonts
    python geodata/build_glyphs.py --out DIR --check
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

try:
    import freetype  # freetype-py (build-only)
except ImportError:  # pragma: no cover - message for humans
    sys.exit("freetype-py is needed: pip install -r geodata/requirements-build.txt")

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
ITALIC = FONT_DIR / "DejaVuSans-Oblique.ttf"

#: fontstack name (directory under assets/fonts) -> TTF with the shapes.
FONTSTACKS: dict[str, Path] = {
    "Open Sans Regular": REGULAR,
    "Open Sans Bold": BOLD,
    "Open Sans Italic": ITALIC,
    # MapLibre's default text-font, used by layout.map.layers symbol layers.
    "Open Sans Regular,Arial Unicode MS Regular": REGULAR,
}

#: glyph ranges written (each must be a 256-aligned block MapLibre requests).
RANGES = [(0, 255), (8192, 8447), (8448, 8703)]

#: code points written, if the font has them. Everything else in a range is
#: left out to keep the files small: C0/C1 controls never occur in labels, and
#: of 8192-8447 only spaces, dashes, quotes, bullets, ellipsis, primes,
#: guillemets, fraction slash and the euro sign are kept (the rest --
#: super/subscripts, rare currencies, combining marks -- cost ~40 KB a stack).
KEEP = (
    set(range(0x20, 0x7F))
    | set(range(0xA0, 0x100))
    | set(range(0x2000, 0x2045))
    | {0x20AC}
    | set(range(0x2190, 0x21A0))  # arrows: route names ("Callao → Europe by sea")
)

SIZE = 24  # px, MapLibre's ONE_EM
BUFFER = 3  # MapLibre hard-codes a 3 px border around every glyph bitmap
RADIUS = 8
CUTOFF = 0.25
#: ``top`` = bitmap_top - ASCENDER. fontnik uses the face's own ascender;
#: MapLibre's text centring is calibrated for Open Sans (ascender 26 px at
#: 24 px, and its local TinySDF fallback uses ~27). Using 26 for DejaVu puts
#: the glyphs where Open Sans glyphs would sit, so anchors stay centred.
ASCENDER = 26
INF = 1e20


# --------------------------------------------------------------------------
# SDF (port of mapbox/tiny-sdf's draw() + edt())
# --------------------------------------------------------------------------
def _edt1d(grid: np.ndarray, length: int) -> None:
    """1-D squared EDT in place on ``grid`` (a 1-D view), Felzenszwalb."""
    f = grid[:length].tolist()
    v = [0] * length
    z = [0.0] * (length + 1)
    z[0] = -INF
    z[1] = INF
    k = 0
    for q in range(1, length):
        fq = f[q]
        q2 = q * q
        while True:
            r = v[k]
            s = (fq - f[r] + q2 - r * r) / (q - r) / 2
            if s <= z[k]:
                k -= 1
                if k > -1:
                    continue
            break
        k += 1
        v[k] = q
        z[k] = s
        z[k + 1] = INF
    k = 0
    for q in range(length):
        while z[k + 1] < q:
            k += 1
        r = v[k]
        qr = q - r
        grid[q] = f[r] + qr * qr


def _edt(data: np.ndarray, x0: int, y0: int, w: int, h: int) -> None:
    """2-D squared EDT in place on the sub-rectangle of ``data`` (rows, cols)."""
    for x in range(x0, x0 + w):
        _edt1d(data[y0 : y0 + h, x], h)
    for y in range(y0, y0 + h):
        _edt1d(data[y, x0 : x0 + w], w)


def sdf_from_coverage(alpha: np.ndarray) -> np.ndarray:
    """tiny-sdf: coverage (h, w) uint8 -> SDF (h+2B, w+2B) uint8."""
    gh, gw = alpha.shape
    width, height = gw + 2 * BUFFER, gh + 2 * BUFFER
    outer = np.full((height, width), INF, dtype=np.float64)
    inner = np.zeros((height, width), dtype=np.float64)
    a = alpha.astype(np.float64) / 255.0
    sub_o = outer[BUFFER : BUFFER + gh, BUFFER : BUFFER + gw]
    sub_i = inner[BUFFER : BUFFER + gh, BUFFER : BUFFER + gw]
    full = a == 1.0
    part = (a > 0) & ~full
    sub_o[full] = 0.0
    sub_i[full] = INF
    d = 0.5 - a
    sub_o[part] = np.where(d[part] > 0, d[part] ** 2, 0.0)
    sub_i[part] = np.where(d[part] < 0, d[part] ** 2, 0.0)
    _edt(outer, 0, 0, width, height)
    _edt(inner, BUFFER, BUFFER, gw, gh)
    dist = np.sqrt(outer) - np.sqrt(inner)
    out = np.round(255 - 255 * (dist / RADIUS + CUTOFF))
    return np.clip(out, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------
# glyphs.proto encoding (hand-rolled: no protobuf dependency)
# --------------------------------------------------------------------------
def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 31)


def _key(field: int, wire: int) -> bytes:
    return _varint((field << 3) | wire)


def _bytes_field(field: int, payload: bytes) -> bytes:
    return _key(field, 2) + _varint(len(payload)) + payload


def encode_glyph(gid, bitmap, width, height, left, top, advance) -> bytes:
    msg = _key(1, 0) + _varint(gid)
    if bitmap:
        msg += _bytes_field(2, bitmap)
    msg += _key(3, 0) + _varint(width)
    msg += _key(4, 0) + _varint(height)
    msg += _key(5, 0) + _varint(_zigzag(left))
    msg += _key(6, 0) + _varint(_zigzag(top))
    msg += _key(7, 0) + _varint(advance)
    return msg


def encode_range(name: str, start: int, end: int, glyphs: list[bytes]) -> bytes:
    stack = _bytes_field(1, name.encode("utf-8"))
    stack += _bytes_field(2, f"{start}-{end}".encode("ascii"))
    for g in glyphs:
        stack += _bytes_field(3, g)
    return _bytes_field(1, stack)  # glyphs.stacks


# --------------------------------------------------------------------------
def render_glyph(face: freetype.Face, cp: int) -> bytes | None:
    if not face.get_char_index(cp):
        return None
    face.load_char(cp, freetype.FT_LOAD_RENDER | freetype.FT_LOAD_NO_HINTING)
    g = face.glyph
    bm = g.bitmap
    advance = round(g.advance.x / 64)
    w, h = bm.width, bm.rows
    if w == 0 or h == 0:  # space-like: metrics only
        return encode_glyph(cp, b"", 0, 0, 0, 0, advance)
    buf = np.array(bm.buffer, dtype=np.uint8).reshape(h, bm.pitch)[:, :w]
    sdf = sdf_from_coverage(buf)
    return encode_glyph(
        cp, sdf.tobytes(), w, h, g.bitmap_left, g.bitmap_top - ASCENDER, advance
    )


def build(out_dir: Path) -> dict[Path, int]:
    cache: dict[tuple[Path, int], bytes] = {}
    written: dict[Path, int] = {}
    for name, ttf in FONTSTACKS.items():
        face = freetype.Face(str(ttf))
        face.set_pixel_sizes(0, SIZE)
        for start, end in RANGES:
            key = (ttf, start)
            if key not in cache:
                glyphs = [
                    g
                    for cp in range(start, end + 1)
                    if cp in KEEP and (g := render_glyph(face, cp))
                ]
                cache[key] = glyphs  # type: ignore[assignment]
            data = encode_range(name, start, end, cache[key])  # type: ignore[arg-type]
            path = out_dir / name / f"{start}-{end}.pbf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written[path] = len(data)
    return written


def _decode_check(path: Path) -> int:
    """Minimal decoder: returns the glyph count, raising on malformed data."""
    data = path.read_bytes()

    def read_varint(b, i):
        shift = n = 0
        while True:
            c = b[i]
            i += 1
            n |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                return n, i

    def fields(b):
        i = 0
        while i < len(b):
            key, i = read_varint(b, i)
            wire = key & 7
            if wire == 0:
                val, i = read_varint(b, i)
            elif wire == 2:
                ln, i = read_varint(b, i)
                val = b[i : i + ln]
                i += ln
            else:
                raise ValueError(f"unexpected wire type {wire}")
            yield key >> 3, val

    count = 0
    for f, stack in fields(data):
        assert f == 1
        for sf, sv in fields(stack):
            if sf == 3:
                g = dict(fields(sv))
                bmp = g.get(2, b"")
                if bmp:
                    assert len(bmp) == (g[3] + 2 * BUFFER) * (g[4] + 2 * BUFFER)
                count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "assets" / "fonts",
    )
    ap.add_argument("--check", action="store_true", help="decode what was written")
    args = ap.parse_args(argv)
    written = build(args.out)
    for path, size in sorted(written.items()):
        extra = f"  {_decode_check(path)} glyphs" if args.check else ""
        print(f"{size:8d}  {path.relative_to(args.out)}{extra}")
    print(f"{sum(written.values()):8d}  total bytes in {len(written)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
