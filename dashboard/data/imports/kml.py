"""Reader for KML and KMZ (zipped KML): one candidate per Placemark.

KML is XML, and XML can declare entities that read server files (XXE) or expand without bound
(billion laughs). We parse with expat and refuse any DOCTYPE, entity declaration or external
entity reference outright: a KML file never needs them. Geometry follows the policy of
:mod:`dashboard.data.imports.geofile` (points; areas placed inside with a coarser precision; lines
and scattered multi-points rejected), looking inside MultiGeometry.

A ``<Placemark id="…">`` keeps its id as the source id. A KML that holds no placemark is refused
with the reason: when it only links to another file (a ``<NetworkLink>``, as Google My Maps
writes when "Export to a .KML file" is not ticked) the refusal names the link, which is never
followed — this reader makes no request of any kind.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

import shapely
import shapely.errors

from .base import (
    SETTING_OF_LIMIT,
    Deadline,
    Format,
    ImportLimits,
    ImportRefused,
    LimitExceeded,
    ReadResult,
    RowProblem,
)
from .geofile import (
    CHECK_EVERY,
    Place,
    RowRejected,
    attribute_mapper,
    candidate_from,
    check_fields,
    check_row_count,
    check_vertices,
    feature_id_text,
    place_of_geometry,
)
from .values import parse_date

FEED_BYTES = 1 << 20
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
KML_NAMESPACES = {"", "http://www.opengis.net/kml/2.2"}
KML_NAMESPACE_PREFIX = "http://earth.google.com/kml/"  # KML 2.0, 2.1 and Google's 2.2 beta
SEPARATOR = "}"  # expat writes a namespaced tag as "namespace}local"
MAX_HREF_CHARS = 200  # of a NetworkLink address quoted in the report
NETWORK_LINK_FIELD = "NetworkLink"
MY_MAPS_HINT = ("in Google My Maps, tick 'Export to a .KML file' in 'Download KML' (or open the "
                "link in Google Earth and save the places), then import that file")
NO_PLACEMARK_REASON = ("the KML holds no placemarks (no <Placemark> element), so there is nothing to "
                       "import; styles, folders, overlays and tours carry no events")


class _Hostile(Exception):  # noqa: N818 - raised from expat handlers, turned into a refusal
    pass


def read_kml(data: bytes, limits: ImportLimits, deadline: Deadline) -> ReadResult:
    """Read a KML document, or the KML inside a KMZ archive.

    Parameters
    ----------
    data
        KML bytes, or a ZIP (KMZ) holding a ``.kml`` member (``doc.kml`` preferred).
    limits, deadline
        ``max_kmz_uncompressed_bytes`` and ``max_kmz_ratio`` bound a KMZ; ``max_rows``
        (placemarks), ``max_vertices`` (per placemark), ``max_fields_per_row`` (ExtendedData)
        and the parse-time budget bound the KML.

    Returns
    -------
    ReadResult
        One candidate or rejection per Placemark; row = its 1-based number in the document.
        ``name`` is the place name, ``description`` (HTML removed) the summary, ``TimeStamp`` or
        ``TimeSpan`` the date, and ``ExtendedData`` fields are mapped like CSV columns.

    Raises
    ------
    ImportRefused
        Malformed XML, a DTD or entity (XXE, entity expansion), a damaged or oversized KMZ.
    """
    chunks = kml_from_kmz(data, limits, deadline) if data.startswith(ZIP_MAGICS) else _slices(data)
    reader = _PlacemarkReader(limits, deadline)
    parser = expat.ParserCreate(namespace_separator=SEPARATOR)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external_entity
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.data
    parser.buffer_text = True
    try:
        for chunk in chunks:
            deadline.check()
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Hostile as refusal:
        raise ImportRefused(str(refusal)) from None
    except (LookupError, ValueError) as error:  # an unknown or multi-byte encoding declaration
        raise ImportRefused(f"the XML declares an encoding this reader cannot use ({error}); save it as UTF-8") from None
    except expat.ExpatError as error:
        raise ImportRefused(
            f"not well-formed XML ({expat.ErrorString(error.code)} at line {error.lineno}, "
            f"column {error.offset})"
        ) from None
    if not reader.saw_kml:
        raise ImportRefused("an XML document without a <kml> element")
    reader.map_placemarks()
    result = reader.result
    if result.rows_read == 0:
        raise ImportRefused(network_link_reason(reader.links) if reader.links else NO_PLACEMARK_REASON)
    if reader.links:
        result.warnings.append(RowProblem(0, NETWORK_LINK_FIELD, network_link_warning(reader.links)))
    return result


def _quoted_href(href: str) -> str:
    """A link address fit for the report: no control characters, bounded length."""
    printable = "".join(ch for ch in href if ch.isprintable()).strip()
    if not printable:
        return "an address it does not give"
    return printable if len(printable) <= MAX_HREF_CHARS else printable[:MAX_HREF_CHARS] + "…"


@dataclass
class NetworkLinks:
    """The NetworkLinks of a document: how many, and the first one's address (never fetched)."""

    count: int = 0
    first_href: str = ""

    def add(self, href: str) -> None:
        if not self.count:
            self.first_href = href
        self.count += 1

    def __bool__(self) -> bool:
        return self.count > 0


def _links_text(links: NetworkLinks) -> str:
    first = _quoted_href(links.first_href)
    if links.count == 1:
        return f"another file at {first} (NetworkLink)"
    return f"{links.count:,} other files, the first at {first} (NetworkLinks)"


def network_link_reason(links: NetworkLinks) -> str:
    """Why a KML made only of NetworkLinks imports nothing, and what to do instead."""
    return (f"this KML only links to {_links_text(links)}; nothing was downloaded — {MY_MAPS_HINT}")


def network_link_warning(links: NetworkLinks) -> str:
    """What a KML with placemarks and NetworkLinks leaves out."""
    return (f"the KML also links to {_links_text(links)}; nothing was downloaded, so the places in "
            "the linked file are not imported")


def _refuse_doctype(*_args: object) -> None:
    raise _Hostile(
        "the KML declares a DTD (<!DOCTYPE …>); DTDs and entities are refused because "
        "they can read files on the server or expand without bound"
    )


def _refuse_entity(*_args: object) -> None:
    raise _Hostile(
        "the KML declares an XML entity; entities are refused because they can read files "
        "on the server or expand without bound"
    )


def _refuse_external_entity(*_args: object) -> int:
    raise _Hostile(
        "the KML refers to an external XML entity; refused because it could read files on "
        "the server or the network"
    )


def _slices(data: bytes) -> Iterator[bytes]:
    for offset in range(0, len(data), FEED_BYTES):
        yield data[offset : offset + FEED_BYTES]


def kml_from_kmz(data: bytes, limits: ImportLimits, deadline: Deadline) -> Iterator[bytes]:
    """The KML member of a KMZ, inflated a chunk at a time, checked against the KMZ limits.

    The sizes in a ZIP's headers are checked first (cheap) and the bytes actually inflated are
    counted too, because headers can lie. Chunks go straight to the parser: holding the whole
    KML, then a joined copy of it, cost twice its inflated size.
    """
    max_bytes = limits.max_kmz_uncompressed_bytes
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            declared = sum(info.file_size for info in infos)
            if declared > max_bytes:
                raise LimitExceeded(
                    f"the KMZ unpacks to {declared:,} bytes, more than {max_bytes:,}",
                    SETTING_OF_LIMIT["max_kmz_uncompressed_bytes"],
                )
            _check_ratio(declared, sum(info.compress_size for info in infos), limits)
            member = _kml_member(infos)
            if member.flag_bits & 0x1:
                raise ImportRefused("the KML inside the KMZ is encrypted")
            total = 0
            with archive.open(member) as stream:
                while chunk := stream.read(FEED_BYTES):
                    total += len(chunk)
                    if total > max_bytes:
                        raise LimitExceeded(
                            f"the KMZ unpacks to more than {max_bytes:,} bytes",
                            SETTING_OF_LIMIT["max_kmz_uncompressed_bytes"],
                        )
                    _check_ratio(total, member.compress_size, limits)
                    yield chunk
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
    ) as error:
        raise ImportRefused(f"a damaged or unsupported KMZ (ZIP) archive: {str(error)[:120]}") from None


def _check_ratio(uncompressed: int, compressed: int, limits: ImportLimits) -> None:
    if uncompressed > limits.max_kmz_ratio * max(compressed, 1):
        raise LimitExceeded(
            f"the KMZ unpacks to {uncompressed / max(compressed, 1):,.0f} times its "
            f"compressed size, more than {limits.max_kmz_ratio} (a ZIP bomb?)",
            SETTING_OF_LIMIT["max_kmz_ratio"],
        )


def _kml_member(infos: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    kml = [
        info
        for info in infos
        if info.filename.lower().endswith(".kml")
        and not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
    ]
    if not kml:
        raise ImportRefused("a ZIP archive without a .kml inside (a KMZ must hold a .kml file)")
    return next((info for info in kml if info.filename.lower() == "doc.kml"), kml[0])


def _split(tag: str) -> tuple[str, str]:
    namespace, _, local = tag.rpartition(SEPARATOR)
    return namespace, local


def _is_kml(namespace: str) -> bool:
    return namespace in KML_NAMESPACES or namespace.startswith(KML_NAMESPACE_PREFIX)


class _PlacemarkReader:
    """expat handlers: build each Placemark (or NetworkLink) as a small tree, read it, drop it."""

    BUILT = ("Placemark", "NetworkLink")

    def __init__(self, limits: ImportLimits, deadline: Deadline) -> None:
        self.limits = limits
        self.deadline = deadline
        self.result = ReadResult(format=Format.KML)
        self.saw_kml = False
        self.builder: TreeBuilder | None = None
        self.depth = 0
        self.links = NetworkLinks()
        self.pending: list[_ReadPlacemark] = []

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        namespace, local = _split(tag)
        if self.builder is not None:
            self.depth += 1
            self.builder.start(tag, attributes)
        elif local in self.BUILT and _is_kml(namespace):
            self.builder = TreeBuilder()
            self.depth = 1
            self.builder.start(tag, attributes)
        elif local == "kml" and _is_kml(namespace):
            self.saw_kml = True

    def data(self, text: str) -> None:
        if self.builder is not None:
            self.builder.data(text)

    def end(self, tag: str) -> None:
        if self.builder is None:
            return
        self.builder.end(tag)
        self.depth -= 1
        if self.depth == 0:
            element = self.builder.close()
            self.builder = None
            if _split(element.tag)[1] == "NetworkLink":
                self.links.add(_network_link_href(element))
            else:
                self._placemark(element)

    def _placemark(self, placemark: Element) -> None:
        result = self.result
        number = result.rows_read + 1
        check_row_count(number, self.limits, "placemarks")
        if number % CHECK_EVERY == 0:
            self.deadline.check()
        result.rows_read = number
        try:
            fields, dates = _placemark_fields(placemark, self.limits)
            place = _placemark_place(placemark, self.limits)
        except RowRejected as problem:
            result.rejected.append(RowProblem(number, problem.field, problem.reason))
            return
        self.pending.append(_ReadPlacemark(number, fields, dates, place, feature_id_text(placemark.get("id"))))

    def map_placemarks(self) -> None:
        """Map every read placemark, once all are known: the layout and the date order need them all."""
        names = list(dict.fromkeys(name for placemark in self.pending for name in placemark.fields))
        mapper, notes = attribute_mapper(
            names, self.limits, lambda name: (placemark.fields.get(name) for placemark in self.pending))
        result = self.result
        result.warnings.extend(notes)
        for index, placemark in enumerate(self.pending, start=1):
            if index % CHECK_EVERY == 0:
                self.deadline.check()
            before = len(result.candidates)
            candidate_from(placemark.number, placemark.fields, placemark.place, self.limits, result,
                           mapper=mapper, feature_id=placemark.feature_id)
            if len(result.candidates) > before:
                values = result.candidates[-1].values
                for name, value in placemark.dates.items():
                    values.setdefault(name, value)
        self.pending = []


@dataclass(slots=True)  # one per placemark until all are read: no __dict__ each
class _ReadPlacemark:
    """A placemark's attributes, TimeStamp/TimeSpan dates, place and id, before mapping."""

    number: int
    fields: dict[str, object]
    dates: dict[str, object]
    place: Place | None
    feature_id: str | None


def _network_link_href(link: Element) -> str:
    """The address a NetworkLink points to: ``<Link><href>`` (KML 2.2) or ``<Url><href>`` (2.0)."""
    for holder in (*_children(link, "Link"), *_children(link, "Url")):
        href = _child_text(holder, "href")
        if href:
            return href
    return ""


def _children(element: Element, local: str) -> list[Element]:
    return [child for child in element if _split(child.tag)[1] == local and _is_kml(_split(child.tag)[0])]


def _child_text(element: Element, local: str) -> str | None:
    found = _children(element, local)
    return (found[0].text or "").strip() if found else None


def _descendants(element: Element, local: str) -> list[Element]:
    return [node for node in element.iter() if _split(node.tag)[1] == local and _is_kml(_split(node.tag)[0])]


def _placemark_fields(
    placemark: Element, limits: ImportLimits
) -> tuple[dict[str, object], dict[str, object]]:
    """ExtendedData attributes plus name/description; TimeStamp/TimeSpan dates parsed apart."""
    fields: dict[str, object] = {}
    for data in _descendants(placemark, "Data"):
        name = (data.get("name") or "").strip()
        if name:
            value = _child_text(data, "value")
            fields[name] = value or ""
    for simple in _descendants(placemark, "SimpleData"):
        name = (simple.get("name") or "").strip()
        if name:
            fields[name] = (simple.text or "").strip()
    check_fields(fields, limits, "ExtendedData")
    name = _child_text(placemark, "name")
    if name and not any(key.strip().lower() in ("name", "location", "place") for key in fields):
        fields["name"] = name
    description = _child_text(placemark, "description")
    if description and not any(key.strip().lower() in ("description", "notes", "summary") for key in fields):
        fields["description"] = text_of_html(description)

    dates: dict[str, object] = {}
    when = _first_text(placemark, "TimeStamp", "when")
    begin = _first_text(placemark, "TimeSpan", "begin")
    end = _first_text(placemark, "TimeSpan", "end")
    for label, text, key in (
        ("TimeStamp/when", when, "event_date"),
        ("TimeSpan/begin", begin, "event_date"),
        ("TimeSpan/end", end, "date_end"),
    ):
        if not text or key in dates:
            continue
        try:
            day, precision = parse_date(text)
        except ValueError as error:
            raise RowRejected(label, str(error)) from None
        dates[key] = day
        if key == "event_date":
            dates["date_precision"] = precision
    if "event_date" not in dates and "date_end" in dates:
        dates["event_date"] = dates.pop("date_end")
        dates["date_precision"] = "day"
    return fields, dates


def _first_text(placemark: Element, parent: str, child: str) -> str | None:
    for node in _children(placemark, parent):
        text = _child_text(node, child)
        if text:
            return text
    return None


_GEOMETRY_TAGS = (
    "Point",
    "LineString",
    "LinearRing",
    "Polygon",
    "MultiGeometry",
    "Track",
    "MultiTrack",
    "Model",
)
_COMMA_SPACES = re.compile(r"\s*,\s*")


def _placemark_place(placemark: Element, limits: ImportLimits) -> Place | None:
    geometries = [child for child in placemark if _split(child.tag)[1] in _GEOMETRY_TAGS]
    if not geometries:
        return None
    vertices = sum(
        _count_tuples(node.text or "")
        for node in placemark.iter()
        if _split(node.tag)[1] in ("coordinates", "coord")
    )
    check_vertices(vertices, limits)
    return place_of_geometry(_shape(geometries[0]), limits)


def _count_tuples(text: str) -> int:
    return len(_COMMA_SPACES.sub(",", text).split())


def _coordinates(element: Element) -> list[tuple[float, ...]]:
    text = _child_text(element, "coordinates")
    if not text:
        raise RowRejected("geometry", f"a {_split(element.tag)[1]} without <coordinates>")
    positions = []
    for item in _COMMA_SPACES.sub(",", text).split():
        parts = item.split(",")
        try:
            numbers = tuple(float(part) for part in parts)
        except ValueError:
            numbers = ()
        if not 2 <= len(numbers) <= 3:
            raise RowRejected(
                "geometry", f"'{item[:40]}' in <coordinates> is not longitude,latitude[,altitude]"
            )
        positions.append(numbers[:2])
    return positions


def _shape(element: Element) -> shapely.Geometry:
    kind = _split(element.tag)[1]
    if kind == "Point":
        positions = _coordinates(element)
        if len(positions) != 1:
            raise RowRejected("geometry", f"a Point with {len(positions)} positions")
        return shapely.Point(positions[0])
    if kind in ("LineString", "LinearRing"):
        positions = _coordinates(element)
        if len(positions) < 2:
            raise RowRejected("geometry", f"a {kind} with fewer than 2 positions")
        return shapely.LineString(positions)
    if kind == "Polygon":
        return _polygon(element)
    if kind == "MultiGeometry":
        parts = [_shape(child) for child in element if _split(child.tag)[1] in _GEOMETRY_TAGS]
        if not parts:
            raise RowRejected("geometry", "an empty MultiGeometry")
        kinds = {part.geom_type for part in parts}
        if kinds <= {"Point", "MultiPoint"}:
            return shapely.MultiPoint(shapely.get_coordinates(parts))
        if kinds <= {"Polygon", "MultiPolygon"}:
            if len(parts) == 1:
                return parts[0]
            try:  # self-intersecting (bow-tie) parts are common in hand-drawn areas
                return shapely.union_all([shapely.make_valid(part) for part in parts])
            except shapely.errors.GEOSException as error:
                raise RowRejected("geometry", f"the MultiGeometry's areas cannot be combined: {str(error)[:100]}") from None
        return shapely.GeometryCollection(parts)
    raise RowRejected(
        "geometry", f"a {kind} (gx:Track or 3D model) has no single event place; give each event as a Point"
    )


def _polygon(element: Element) -> shapely.Geometry:
    def ring(boundary: Element) -> list[tuple[float, ...]]:
        rings = _children(boundary, "LinearRing")
        if not rings:
            raise RowRejected("geometry", "a Polygon boundary without a LinearRing")
        positions = _coordinates(rings[0])
        if len(positions) < 3:
            raise RowRejected("geometry", "a Polygon ring with fewer than 3 positions")
        return positions

    outer = _children(element, "outerBoundaryIs")
    if not outer:
        raise RowRejected("geometry", "a Polygon without <outerBoundaryIs>")
    holes = [ring(boundary) for boundary in _children(element, "innerBoundaryIs")]
    try:
        return shapely.Polygon(ring(outer[0]), holes)
    except (ValueError, shapely.errors.ShapelyError) as error:
        raise RowRejected("geometry", f"the Polygon is not valid: {str(error)[:120]}") from None


class _TextOfHtml(HTMLParser):
    BLOCKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def text_of_html(html: str) -> str:
    """Visible text of an HTML fragment (KML descriptions often are HTML): no tags, no scripts."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)
