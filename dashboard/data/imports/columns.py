"""Named attributes to candidate values: the column aliases every attribute-based reader shares.

Generic CSV columns, GeoJSON/GeoPackage properties and KML ExtendedData all arrive as
``name → value``. :func:`candidate_values_from_fields` recognises the usual names for each of
our fields (in English and Spanish, any case, with spaces, hyphens or underscores) and parses
their values; :class:`FieldReader` is the value parsing it uses, shared with the ACLED and UCDP
readers so every format reports a bad value the same way. The tables are documented in
``docs/IMPORTS.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from functools import lru_cache

from ..schema import LIST_SEPARATOR, DatePrecision, Drug, EventType, GeoPrecision
from ..text import fold_text
from .base import SETTING_OF_LIMIT, ImportLimits
from .values import is_missing, parse_date, parse_number

MAX_FATALITIES = 1e6
MAX_QUANTITY_KG = 1e7

# Our field → the column names that mean it, best first: when a row has several of them, the
# first non-blank one in this order wins ("location" beats "name"). Names are in folded form
# (see fold_column_name). ``actors`` is the exception: every actor column contributes.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "source_event_id": ("event_id", "id", "uid"),
    "event_date": ("event_date", "date", "fecha", "start_date", "date_start", "year"),
    "date_end": ("end_date", "date_end"),
    "date_precision": ("date_precision", "time_precision"),
    "event_type": ("event_type", "type", "category", "tipo"),
    "original_subtype": ("sub_event_type", "sub_type", "subtype"),
    "actors": ("actors", "actor", "actor1", "actor_1", "actor2", "actor_2"),
    "country": ("country", "pais", "iso3"),
    "admin1": ("admin1", "region", "department", "departamento", "state"),
    "admin2": ("admin2", "province", "provincia"),
    "location": ("location", "place", "lugar", "town", "city", "port", "name"),
    "latitude": ("latitude", "lat", "y", "latitud", "decimal_latitude", "coord_y", "latitude_dd"),
    "longitude": ("longitude", "lon", "lng", "long", "x", "longitud", "decimal_longitude", "coord_x",
                  "longitude_dd"),
    "fatalities": ("fatalities", "deaths", "killed", "muertos", "fallecidos"),
    "drug": ("drug", "droga"),
    "quantity_kg": ("quantity_kg", "kg", "kilos", "quantity"),
    "summary": ("summary", "description", "notes", "descripcion", "notas"),
    "source_name": ("source_name", "source", "fuente"),
    "source_url": ("source_url", "url", "link", "enlace"),
    "geo_precision": ("geo_precision", "precision"),
    "synthetic": ("synthetic", "sintetico"),  # generated test data (python -m dashboard synth)
}
FIELD_OF_COLUMN: dict[str, str] = {
    alias: field_name for field_name, aliases in COLUMN_ALIASES.items() for alias in aliases
}
# How a yes/no column may say yes or no (folded); a blank cell means no.
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "si", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})

# ACLED's geo_precision codes, also accepted in a generic precision column (see docs/IMPORTS.md)
ACLED_GEO_PRECISION = {"1": GeoPrecision.TOWN, "2": GeoPrecision.DISTRICT, "3": GeoPrecision.REGION}
# ACLED's time_precision codes, also accepted in a generic date precision column
ACLED_DATE_PRECISION = {"1": DatePrecision.DAY, "2": DatePrecision.MONTH, "3": DatePrecision.YEAR}

_SECURITY = r"(polic|militar|military|army|ejercito|soldier|soldado|troop|patrol|patrulla|navy|marina|" \
            r"security forces|fuerzas del orden|ffaa|pnp)"
_ATTACK = r"(attack|ambush|ataque|atentado|emboscada|hostigamiento)"
# Keyword rules for a free-text type, first match wins; the text is folded (lower case, no accents).
# Object-specific rules (airstrip, aircraft, lab) come before the generic "seizure" one, so
# "decomiso de avioneta" is an aircraft interdiction rather than a seizure.
EVENT_TYPE_RULES: list[tuple[EventType, re.Pattern[str]]] = [
    (EventType.ATTACK_ON_SECURITY_FORCES,
     re.compile(rf"{_ATTACK}.*{_SECURITY}|{_SECURITY}.*{_ATTACK}")),
    (EventType.ATTACK_ON_CIVILIANS, re.compile(rf"{_ATTACK}.*(civil|population|poblacion)")),
    (EventType.ARMED_CLASH, re.compile(r"clash|enfrentamiento|battle|combate|firefight|balacera")),
    (EventType.AIRSTRIP_DESTROYED, re.compile(r"airstrip|landing strip|\bpistas?\b")),
    (EventType.AIRCRAFT_INTERDICTION,
     re.compile(r"plane|aircraft|avioneta|narcoavioneta|aeronave|\bavion")),
    (EventType.LAB_DESTROYED, re.compile(r"\blabs?\b|laborator|\bpozas?\b")),
    (EventType.COCA_ERADICATION, re.compile(r"eradicat|erradica")),
    (EventType.DRUG_SEIZURE, re.compile(r"seizure|seized|incauta|decomis")),
    (EventType.ARREST, re.compile(r"arrest|detencion|detenid|captur")),
    (EventType.STATE_OF_EMERGENCY, re.compile(r"state of emergency|estado de emergencia")),
]
DRUG_RULES: list[tuple[Drug, re.Pattern[str]]] = [
    (Drug.COCA_LEAF, re.compile(r"leaf|hoja")),
    (Drug.COCAINE_BASE, re.compile(r"base|paste|pasta|\bpbc\b|crack")),
    (Drug.COCAINE, re.compile(r"cocain|clorhidrato|hydrochloride")),
    (Drug.MARIJUANA, re.compile(r"marijuana|marihuana|cannabis")),
]


@lru_cache(maxsize=4096)  # the same few column names come with every row
def fold_column_name(name: str) -> str:
    """``"Event Date"``, ``"event-date"`` and ``"EVENT_DATE"`` all become ``event_date``."""
    return re.sub(r"[\s_\-]+", "_", fold_text(name)).strip("_")


def field_for_column(name: str) -> str | None:
    """Our field a column name stands for, or None when no alias knows it."""
    return FIELD_OF_COLUMN.get(fold_column_name(name))


def missing_place_columns(names: Iterable[str]) -> bool:
    """True when the columns give neither a latitude/longitude pair nor a place name."""
    fields = {field_for_column(name) for name in names}
    return not ({"latitude", "longitude"} <= fields or "location" in fields)


def split_actors(*texts: str | None) -> tuple[str, ...]:
    """Distinct actor names, in order, from ';'-separated cells; a missing value (``NA``) is no actor."""
    actors: list[str] = []
    for text in texts:
        if not isinstance(text, str):
            if is_missing(text):
                continue
            text = str(text)
        for part in text.split(LIST_SEPARATOR):
            name = part.strip()
            if not is_missing(name) and name not in actors:
                actors.append(name)
    return tuple(actors)


def _vocabulary_value(text: str, vocabulary: type[StrEnum], rules: list[tuple[StrEnum, re.Pattern[str]]],
                      otherwise: StrEnum) -> str:
    """A value of ``vocabulary``: the text itself when it is one, else the first rule matching it."""
    value = text.strip()
    if value in vocabulary.__members__.values():
        return value
    folded = fold_text(value)
    if folded in vocabulary.__members__.values():
        return folded
    for member, pattern in rules:
        if pattern.search(folded):
            return member.value
    return otherwise.value


def event_type_of(text: str) -> str:
    """Our event type for a free-text type: itself when it already is one, else by keyword."""
    return _vocabulary_value(text, EventType, EVENT_TYPE_RULES, EventType.OTHER)


def drug_of(text: str) -> str:
    """Our drug value for a free-text drug name (blank stays blank, unknown is "other")."""
    return _vocabulary_value(text, Drug, DRUG_RULES, Drug.OTHER) if fold_text(text).strip() else ""


def too_long_reason(length: int, limits: ImportLimits) -> str:
    return (f"{length:,} characters, more than the {limits.max_field_chars:,} allowed "
            f"(limit set by {SETTING_OF_LIMIT['max_field_chars']})")


class FieldReader:
    """Parses one row's values, collecting ``(field name, reason)`` for each bad one.

    Every method takes the field name as the input called it (it is what the report shows) and
    returns a parsed value, or an empty value after recording a problem: a caller rejects the row
    when :attr:`problems` is not empty, so nothing bad is ever silently dropped. A missing value
    (``NA``, ``NULL``, ``-``, NaN…: :func:`~.values.is_missing`) is blank for every method.

    ``day_first`` is the file's order for numeric dates (:func:`~.values.decide_date_order`);
    ``this_year`` anchors two-digit years (:func:`~.values.expand_two_digit_year`), today's
    year when None.
    """

    def __init__(self, limits: ImportLimits, decimal_comma: bool = False, day_first: bool = True,
                 this_year: int | None = None) -> None:
        self.limits = limits
        self.decimal_comma = decimal_comma
        self.day_first = day_first
        self.this_year = this_year or date.today().year
        self.problems: list[tuple[str, str]] = []

    def text(self, name: str, value: object) -> str:
        """The value as stripped text; blank when missing, and a problem when over the length limit."""
        if is_missing(value):
            return ""
        text = str(value).strip()
        if len(text) > self.limits.max_field_chars:
            self.problems.append((name, too_long_reason(len(text), self.limits)))
            return ""
        return text

    def number(self, name: str, value: object, low: float, high: float) -> float | None:
        try:
            return parse_number(value, low, high, decimal_comma=self.decimal_comma)
        except ValueError as error:
            self.problems.append((name, str(error)))
            return None

    def date(self, name: str, value: object) -> tuple[date, str] | None:
        """A date and its precision; blank gives None without a problem (the caller decides)."""
        if is_missing(value):
            return None
        try:
            return parse_date(value, day_first=self.day_first, this_year=self.this_year)
        except ValueError as error:
            self.problems.append((name, str(error)))
            return None

    def flag(self, name: str, value: object) -> bool:
        """A yes/no value (true/false, yes/no, sí/no, 1/0); blank or missing is no, anything else a problem."""
        if isinstance(value, bool):
            return value
        text = fold_text(self.text(name, value))
        if not text:
            return False
        if text.endswith(".0"):  # 1.0 from a spreadsheet
            text = text[:-2]
        if text in TRUE_WORDS or text in FALSE_WORDS:
            return text in TRUE_WORDS
        self.problems.append((name, f"'{text[:40]}' is not true or false"))
        return False

    def code(self, name: str, value: object, codes: Mapping[str, str], allowed: Iterable[str]) -> str:
        """A value of our vocabulary (``allowed``), or one of the source's ``codes`` for it."""
        text = fold_text(self.text(name, value))
        if not text:
            return ""
        if text.endswith(".0"):  # a code read as a float by a spreadsheet
            text = text[:-2]
        if text in codes:
            return str(codes[text])
        allowed = tuple(allowed)
        if text in allowed:
            return text
        self.problems.append((name, f"'{text[:40]}' is not one of {', '.join((*allowed, *codes))}"))
        return ""


def candidate_values_from_fields(
    fields: Mapping[str, object], limits: ImportLimits, *, decimal_comma: bool = False, day_first: bool = True,
    this_year: int | None = None,
) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Map named attributes to candidate values by their usual names.

    Parameters
    ----------
    fields
        Attribute name → value (text, number, date or None), e.g. one CSV row or the properties
        of one GeoJSON feature.
    limits
        ``max_field_chars`` applies to every text value, known column or not.
    decimal_comma
        Read ``-12,5`` as -12.5 (files written with a Spanish or French locale).
    day_first, this_year
        How to read numeric and two-digit-year dates (see :class:`FieldReader`).

    Returns
    -------
    values, problems
        Candidate values (keys from :data:`~.base.CANDIDATE_FIELDS`; absent when blank) and the
        ``(field name as in the input, reason)`` of every value that could not be read. A row
        with problems must be rejected. Unknown columns are ignored; a missing value (``NA``,
        NaN…) counts as blank, so a later alias may fill the field; a blank date is not a
        problem here (the normaliser rejects a row that ends up with no date).
    """
    reader = FieldReader(limits, decimal_comma, day_first, this_year)
    chosen: dict[str, tuple[int, str, object]] = {}  # field → (alias rank, column name, value)
    actor_texts: list[str] = []
    for name, value in fields.items():
        if isinstance(value, str):
            value = reader.text(name, value)  # "" when missing
        elif is_missing(value):
            continue
        field_name = field_for_column(name)
        if field_name is None or value == "":
            continue
        if field_name == "actors":
            actor_texts.append(value if isinstance(value, str) else reader.text(name, value))
            continue
        rank = COLUMN_ALIASES[field_name].index(fold_column_name(name))
        if field_name not in chosen or rank < chosen[field_name][0]:
            chosen[field_name] = (rank, name, value)

    values: dict[str, object] = {}
    column = {field_name: name for field_name, (_, name, _) in chosen.items()}
    raw = {field_name: value for field_name, (_, _, value) in chosen.items()}

    if "event_date" in raw and (parsed := reader.date(column["event_date"], raw["event_date"])):
        values["event_date"], values["date_precision"] = parsed
    if "date_end" in raw and (parsed := reader.date(column["date_end"], raw["date_end"])):
        values["date_end"] = parsed[0]
    if "date_precision" in raw:
        precision = reader.code(column["date_precision"], raw["date_precision"], ACLED_DATE_PRECISION,
                                DatePrecision.__members__.values())
        if precision:
            values["date_precision"] = precision
    if "geo_precision" in raw:
        precision = reader.code(column["geo_precision"], raw["geo_precision"], ACLED_GEO_PRECISION,
                                GeoPrecision.__members__.values())
        if precision:
            values["geo_precision"] = precision

    if "event_type" in raw:
        original = reader.text(column["event_type"], raw["event_type"])
        values["event_type"] = event_type_of(original)
        values["original_type"] = original
    if actor_texts:
        values["actors"] = split_actors(*actor_texts)
    if "drug" in raw:
        values["drug"] = drug_of(reader.text(column["drug"], raw["drug"]))
    if "synthetic" in raw and reader.flag(column["synthetic"], raw["synthetic"]):
        values["synthetic"] = True
    for field_name in ("source_event_id", "original_subtype", "country", "admin1", "admin2", "location",
                       "summary", "source_name", "source_url"):
        if field_name in raw:
            value = raw[field_name]  # a text is already stripped and checked
            values[field_name] = value if isinstance(value, str) else reader.text(column[field_name], value)

    for field_name, low, high in (("latitude", -90, 90), ("longitude", -180, 180),
                                  ("fatalities", 0, MAX_FATALITIES), ("quantity_kg", 0, MAX_QUANTITY_KG)):
        if field_name in raw:
            number = reader.number(column[field_name], raw[field_name], low, high)
            if number is not None:
                values[field_name] = number
    return {k: v for k, v in values.items() if v not in ("", ())}, reader.problems
