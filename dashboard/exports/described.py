"""Write a chart's title and alt text into the image file itself, so the description travels with it.

PNG gets international text chunks (``Title``, ``Description``: the keywords image tools and
CMSs read); SVG gets ``<title>``/``<desc>`` and an ``aria-label`` on the root element; PDF gets
its document information (Title, Subject = the alt text, Author = the credit) and language.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from xml.sax.saxutils import escape, quoteattr

from ..data.language import DEFAULT_LANGUAGE

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _itxt(keyword: str, text: str) -> bytes:
    # keyword, NUL, compression flag 0, method 0, empty language tag, NUL, empty translated keyword, NUL
    return _png_chunk(b"iTXt", keyword.encode("latin-1") + b"\x00\x00\x00\x00\x00" + text.encode("utf-8"))


def describe_png(png: bytes, title: str, description: str) -> bytes:
    """Insert ``Title`` and ``Description`` iTXt chunks right after the header chunk.

    Raises
    ------
    ValueError
        When ``png`` is not a PNG.
    """
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    header_end = len(PNG_SIGNATURE) + 8 + struct.unpack(">I", png[8:12])[0] + 4  # IHDR is always first
    chunks = _itxt("Title", title) + _itxt("Description", description)
    return png[:header_end] + chunks + png[header_end:]


def png_text(png: bytes) -> dict[str, str]:
    """The iTXt chunks of a PNG as keyword → text (to read the description back)."""
    found: dict[str, str] = {}
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        payload = png[position + 8:position + 8 + length]
        if kind == b"iTXt":
            keyword, rest = payload.split(b"\x00", 1)
            # skip compression flag and method, then language tag and translated keyword
            _language, _translated, text = rest[2:].split(b"\x00", 2)
            found[keyword.decode("latin-1")] = text.decode("utf-8")
        if kind == b"IEND":
            break
        position += 12 + length
    return found


# Characters XML 1.0 cannot hold (a control character typed into a search box reaches the alt text).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


def describe_svg(svg: bytes, title: str, description: str) -> bytes:
    """Give the root ``<svg>`` a ``<title>``, a ``<desc>``, ``role="img"`` and an ``aria-label``."""
    text = svg.decode("utf-8")
    start = text.find("<svg")
    end = text.find(">", start)
    if start < 0 or end < 0:
        raise ValueError("not an SVG file")
    title, description = _xml_text(title), _xml_text(description)
    root = text[start:end].rstrip("/")
    self_closing = text[end - 1] == "/"
    opening = f'{root} role="img" aria-label={quoteattr(description)}>'
    inner = f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
    rest = text[end + 1:] if not self_closing else "</svg>" + text[end + 1:]
    return (text[:start] + opening + inner + rest).encode("utf-8")


def describe_pdf(pdf: bytes, title: str, description: str, *, author: str = "",
                 lang: str = DEFAULT_LANGUAGE) -> bytes:
    """Set the PDF's title, subject (the alt text), author, creator and language.

    Chromium titles every PDF it prints after its page ("Kaleido-fier" for kaleido's).
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    metadata = {"/Title": _xml_text(title), "/Subject": _xml_text(description), "/Creator": "Rutas",
                "/Producer": "Rutas (plotly, kaleido, pypdf)"}
    if author.strip():
        metadata["/Author"] = _xml_text(author)
    writer.add_metadata(metadata)
    writer._root_object[NameObject("/Lang")] = TextStringObject(lang)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
