"""The words of an export: default title, source line and alt text, in English or Spanish.

Every word comes from the i18n catalogs (``export.title.*``, ``export.source.*``,
``export.alt.*``), so the two languages never drift apart in what they say. The subtitle is
:func:`dashboard.words.summary.filter_summary`, the same filters-in-words the app shows.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime

import numpy as np

from ..data.facets import BREAKDOWN_FACETS
from ..data.filters import FilterSpec
from ..data.indicators import IndicatorCatalog
from ..data.schema import BUNDLED_DATASET
from ..data.store import EventStore, Totals
from ..figures.indicator_chart import indicator_alt_text, publishers_shown, series_title, unit_name
from ..figures.print_map import focus_note, main_cluster
from ..i18n import format_number, label, normalise_language, translate, translate_count
from ..words.summary import filter_summary
from .charts import EXPORT_MAX_POINTS, bundled_indicators, spec_date_range
from .spec import ChartKind, ChartRequest, ExportContext

MAX_TITLE_CHARS = 80
TOP_ITEMS = 3  # places and categories named in an alt text
# Second half of the years over the first: above RISING (or below 1/RISING) is a trend.
RISING = 1.25
MIN_TREND_DIFFERENCE = 2  # events; a change of one event between halves is never a trend
MIN_TREND_EVENTS = 10  # fewer events than this: only the busiest year is named, no trend
_ALL = 10_000  # "every category" for a breakdown whose tail is only counted


# ---- small pieces -------------------------------------------------------------------------------
def _events_phrase(count: int, lang: str) -> str:
    return translate_count("export.events", count, lang)


def _join(items: list[str], lang: str) -> str:
    """``a``, ``a and b``, ``a, b and c`` (``y`` in Spanish)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {translate('export.list_and', lang)} {items[-1]}"


def _lower_first(text: str) -> str:
    # Only a capital followed by lower case is lowered: "VRAEM" keeps its capitals.
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _month_name(day: date, lang: str) -> str:
    return translate(f"export.month.{day.month}", lang)


def _month_text(day: date, lang: str) -> str:
    return translate("export.date.month", lang, month=_month_name(day, lang), year=day.year)


def _day_text(day: date, lang: str) -> str:
    return translate("export.date.day", lang, day=day.day, month=_month_name(day, lang), year=day.year)


def format_event_date(day: date, precision: str, lang: str) -> str:
    """An event date in words, as precisely as it is known: ``17 June 2019``, ``April 2019`` or ``2019``.

    One style for every date an alt text reads out (a screen reader says "2019-06-17" digit by
    digit, and "April 2019 to 2024-11-19" reads as two writers).

    Parameters
    ----------
    day : date
        The event's ``event_date`` (the first day of its month or year when coarser).
    precision : str
        ``day``, ``month`` or ``year``.
    lang : str
        ``en`` or ``es``.

    Returns
    -------
    str
    """
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return _month_text(day, lang)
    return _day_text(day, lang)


def _as_date(value: object) -> date | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else value.astype("datetime64[D]").item()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "date"):  # pandas Timestamp; NaT has no year
        try:
            return value.date()  # type: ignore[union-attr]
        except (TypeError, ValueError):
            return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def view_date_range(store: EventStore, spec: FilterSpec) -> tuple[tuple[date, str], tuple[date, str]] | None:
    """Earliest and latest dated event matching ``spec``, each with its date precision.

    Parameters
    ----------
    store : EventStore
    spec : FilterSpec

    Returns
    -------
    tuple or None
        ``((earliest, precision), (latest, precision))``; None when no matching event has a date.
    """
    columns = ("event_date", "date_precision")
    first = store.rows(spec, columns, order_by="event_date", descending=False, limit=1)
    last = store.rows(spec, columns, order_by="event_date", descending=True, limit=1)
    if not len(first["event_date"]):
        return None
    earliest, latest = _as_date(first["event_date"][0]), _as_date(last["event_date"][0])
    if earliest is None or latest is None:  # the schema requires a date; a store may still lack one
        return None
    return (earliest, str(first["date_precision"][0])), (latest, str(last["date_precision"][0]))


# ---- title --------------------------------------------------------------------------------------
def _start_text(day: date, lang: str) -> tuple[str, str]:
    if (day.month, day.day) == (1, 1):
        return str(day.year), "year"
    if day.day == 1:
        return _month_text(day, lang), "month"
    return day.isoformat(), "day"


def _end_text(day: date, lang: str) -> tuple[str, str]:
    if (day.month, day.day) == (12, 31):
        return str(day.year), "year"
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return _month_text(day, lang), "month"
    return day.isoformat(), "day"


def _date_phrase(spec: FilterSpec, lang: str) -> tuple[str, str] | None:
    """(separator, words) for the filter's dates: (", ", "2019–2024") or (" ", "since 2017")."""
    start, end = spec.date_from, spec.date_to
    if start is None and end is None:
        return None
    if end is None:
        return " ", translate("export.title.since", lang, start=_start_text(start, lang)[0])
    if start is None:
        return " ", translate("export.title.until", lang, end=_end_text(end, lang)[0])
    (a, a_kind), (b, b_kind) = _start_text(start, lang), _end_text(end, lang)
    if a_kind == b_kind == "year":
        return ", ", a if a == b else f"{a}–{b}"
    if a_kind == b_kind == "month" and start.year == end.year:
        if start.month == end.month:
            return ", ", a
        return ", ", translate("export.title.month_span", lang, start=_month_name(start, lang),
                               end=_month_name(end, lang), year=start.year)
    return ", ", f"{a} – {b}"


def _subject(spec: FilterSpec, lang: str, dataset_names: dict[str, str] | None) -> str:
    nouns = []
    for value in spec.event_types[:3]:
        key = f"export.title.type.{value}"
        noun = translate(key, lang)
        nouns.append(label("event_type", value, lang) if noun == key else noun)
    if 1 <= len(spec.event_types) <= 2:
        return _join([nouns[0], *(_lower_first(n) for n in nouns[1:])], lang)
    if spec.datasets and BUNDLED_DATASET not in spec.datasets:
        names = dataset_names or {}
        return translate("export.title.events_from", lang,
                         names=" + ".join(names.get(d, d) for d in spec.datasets))
    return translate("export.title.events", lang)


def _place(spec: FilterSpec, lang: str) -> str | None:
    if 1 <= len(spec.countries) <= 2:
        return translate("export.title.in", lang,
                         place=_join([label("country", c, lang) for c in spec.countries], lang))
    if spec.countries:
        return translate("export.title.countries_n", lang, count=format_number(len(spec.countries), lang))
    if 1 <= len(spec.regions) <= 2:
        return translate("export.title.in", lang, place=_join(list(spec.regions), lang))
    if spec.bbox is not None or spec.polygon is not None:
        return translate("export.title.area", lang)
    return None


def shorten(text: str, limit: int = MAX_TITLE_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, ending in an ellipsis.

    Parameters
    ----------
    text : str
    limit : int

    Returns
    -------
    str
    """
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[:cut.rindex(" ")]
        head, _, last = cut.rpartition(" ")
        if head and len(last) <= 3 and last.islower():  # a dangling "and", "in", "de"…
            cut = head
    return cut.rstrip(" ,;:·–-") + "…"


def default_title(spec: FilterSpec, chart: ChartKind, lang: str,
                  dataset_names: dict[str, str] | None = None, *,
                  breakdown_field: str = "event_type") -> str:
    """A short newsroom headline written from the filters.

    Parameters
    ----------
    spec : FilterSpec
        The view's filters.
    chart : ChartKind
        The exported chart; a breakdown says what it is broken down by, a timeline without a
        date filter says "over time".
    lang : str
        ``en`` or ``es``.
    dataset_names : dict of str to str, optional
        Display names of imported datasets, by id.
    breakdown_field : str
        ``event_type``, ``actor_group`` or ``country`` (breakdown charts only).

    Returns
    -------
    str
        e.g. "Drug seizures, 2019–2024" or "Attacks on security forces in Peru since 2017";
        never empty, at most :data:`MAX_TITLE_CHARS` characters.

    Examples
    --------
    >>> default_title(FilterSpec(), ChartKind.MAP, "en")
    "Cocaine-trade events from Peru's VRAEM to Europe"
    """
    lang = normalise_language(lang)
    chart = ChartKind(chart)
    if spec.is_empty and chart == ChartKind.MAP:
        return shorten(translate("export.title.all", lang))
    words = {"subject": _subject(spec, lang, dataset_names)}
    facet = BREAKDOWN_FACETS.get(breakdown_field)
    if chart == ChartKind.BREAKDOWN and (facet is None or len(getattr(spec, facet.name)) != 1):
        words["by"] = translate("export.title.by", lang,
                                field=translate(f"breakdown.{breakdown_field}", lang).lower())
    if 1 <= len(spec.actors) <= 2:
        words["involving"] = translate("export.title.involving", lang, actors=_join(
            [label("actor_group", a, lang) for a in spec.actors], lang))
    if len(spec.routes) == 1:
        words["route"] = translate("export.title.route", lang, route=label("route", spec.routes[0], lang))
    words["place"] = _place(spec, lang) or ""
    dates = _date_phrase(spec, lang)
    if dates is None and chart == ChartKind.TIMELINE:
        dates = " ", translate("export.title.over_time", lang)

    tail = dates[0] + dates[1] if dates else ""

    def body() -> str:
        return " ".join(w for w in words.values() if w)

    # Too long: leave out what the subtitle says anyway, least telling first; then cut the
    # words before the dates, which a headline keeps.
    for least_telling in ("by", "route", "involving"):
        if len(body() + tail) <= MAX_TITLE_CHARS:
            break
        words.pop(least_telling, None)
    return shorten(shorten(body(), MAX_TITLE_CHARS - len(tail)) + tail)


# ---- source line --------------------------------------------------------------------------------
def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def source_line(totals: Totals, spec: FilterSpec, lang: str, exported_at: datetime,
                dataset_names: dict[str, str] | None = None) -> str:
    """The footer line that says where the chart's numbers come from.

    Parameters
    ----------
    totals : Totals
        ``store.totals(spec)`` for the exported view.
    spec : FilterSpec
    lang : str
        ``en`` or ``es``.
    exported_at : datetime
        When the export was made (a naive time is taken as UTC).
    dataset_names : dict of str to str, optional
        Display names of imported datasets, named in the filters part.

    Returns
    -------
    str
        e.g. "Source: Rutas — 123 events from 45 published reports; filters: …; exported
        2026-12-01 14:03 UTC", with "includes K synthetic (generated) events" after the counts
        when the view holds any.
    """
    lang = normalise_language(lang)
    parts = [translate("export.source.line", lang, events=_events_phrase(totals.events, lang),
                       reports=translate_count("export.source.reports", totals.sources, lang))]
    if totals.synthetic:
        parts.append(translate_count("export.source.synthetic", totals.synthetic, lang))
    if spec.is_empty:
        parts.append(translate("export.source.no_filters", lang))
    else:
        parts.append(translate("export.source.filters", lang,
                               filters=filter_summary(spec, lang, dataset_names)))
    parts.append(translate("export.source.exported", lang,
                           when=_utc(exported_at).strftime("%Y-%m-%d %H:%M UTC")))
    return "; ".join(parts)


# ---- alt text -----------------------------------------------------------------------------------
def _named_counts(kind: str, labels: tuple[str, ...], counts: np.ndarray, lang: str) -> str:
    items = [f"{label(kind, v, lang)} ({format_number(int(c), lang)})"
             for v, c in zip(labels[:TOP_ITEMS], counts[:TOP_ITEMS])]
    if len(labels) > TOP_ITEMS:
        items.append(translate_count("export.more", len(labels) - TOP_ITEMS, lang))
    return _join(items, lang)


def _trend_sentence(store: EventStore, spec: FilterSpec, lang: str) -> str | None:
    histogram = store.histogram(spec, "year")
    per_year = histogram.counts.sum(axis=0)
    years = [int(str(start)[:4]) for start in histogram.bin_starts]
    if not years:
        return None
    if len(years) == 1:
        return translate("export.alt.trend.one_year", lang, year=years[0])
    peak = int(np.argmax(per_year))  # the first of equal peaks
    if per_year[peak] <= 1:
        return translate("export.alt.trend.sparse", lang)
    peak_words = {"year": years[peak], "events": _events_phrase(int(per_year[peak]), lang)}
    if per_year.sum() < MIN_TREND_EVENTS:
        return translate("export.alt.trend.peak", lang, **peak_words)
    half = len(years) // 2
    before, after = int(per_year[:half].sum()), int(per_year[-half:].sum())
    if after > before * RISING and after - before >= MIN_TREND_DIFFERENCE:
        key = "export.alt.trend.rising"
    elif before > after * RISING and before - after >= MIN_TREND_DIFFERENCE:
        key = "export.alt.trend.falling"
    else:
        key = "export.alt.trend.steady"
    return translate(key, lang, **peak_words)


def filter_dates_in_words(spec: FilterSpec, lang: str) -> str | None:
    """The filter's date range in the alt text's words ("from 1 January 2019 to 31 December 2024").

    Parameters
    ----------
    spec : FilterSpec
    lang : str

    Returns
    -------
    str or None
        None when the filter has no dates.
    """
    start = _day_text(spec.date_from, lang) if spec.date_from else None
    end = _day_text(spec.date_to, lang) if spec.date_to else None
    if start and end:
        return translate("export.date.span", lang, start=start, end=end)
    if start:
        return translate("export.title.since", lang, start=start)
    if end:
        return translate("export.title.until", lang, end=end)
    return None


def _filters_sentence(spec: FilterSpec, lang: str, dataset_names: dict[str, str] | None) -> str:
    if spec.is_empty:
        return filter_summary(spec, lang, dataset_names) + "."
    # The summary writes dates as ISO days; the alt text says every date in words.
    dates = filter_dates_in_words(spec, lang)
    rest = spec.with_changes(date_from=None, date_to=None)
    parts = [dates] if dates else []
    if not rest.is_empty:
        parts.append(filter_summary(rest, lang, dataset_names))
    return translate("export.alt.filters", lang, filters=" · ".join(parts)) + "."


def alt_text(store: EventStore, spec: FilterSpec, chart: ChartKind, lang: str, *,
             breakdown_field: str = "event_type", dataset_names: dict[str, str] | None = None) -> str:
    """A plain-language description of an exported chart, for screen readers.

    Two to four sentences: what the chart is and how many events it shows between which dates
    (and how many are synthetic); the top countries and categories with their counts; the
    yearly trend and its peak; the filters in words.

    Parameters
    ----------
    store : EventStore
    spec : FilterSpec
        The view's filters.
    chart : ChartKind
    lang : str
        ``en`` or ``es``.
    breakdown_field : str
        What a breakdown chart's bars are (``event_type``, ``actor_group`` or ``country``);
        for ``actor_group`` the top actors are named instead of the top event types.
    dataset_names : dict of str to str, optional
        Display names of imported datasets, by id.

    Returns
    -------
    str
    """
    lang = normalise_language(lang)
    chart = ChartKind(chart)
    if chart is ChartKind.INDICATOR:  # drawn from a series, not the events: indicator_words says what it shows
        return translate("export.alt.what.indicator", lang) + "."
    totals = store.totals(spec)
    if totals.events == 0:
        return " ".join((translate("export.alt.none", lang, chart=translate(f"export.chart.{chart}", lang)),
                         _filters_sentence(spec, lang, dataset_names)))
    what = translate(f"export.alt.what.{chart}", lang, events=_events_phrase(totals.events, lang),
                     field=translate(f"breakdown.{breakdown_field}", lang).lower())
    span = view_date_range(store, spec)
    if span is not None:
        (first, first_precision), (last, last_precision) = span
        start = format_event_date(first, first_precision, lang)
        end = format_event_date(last, last_precision, lang)
        what = (translate("export.alt.single_date", lang, what=what, date=start) if start == end
                else translate("export.alt.span", lang, what=what, start=start, end=end))
    if totals.synthetic:
        what += "; " + translate_count("export.alt.synthetic", totals.synthetic, lang)
    sentences = [what + "."]

    parts = []
    countries = store.breakdown(spec, "country", top=_ALL)
    if countries.labels:
        parts.append(translate("export.alt.places", lang,
                               places=_named_counts("country", countries.labels, countries.counts, lang)))
    kind = "actor_group" if chart == ChartKind.BREAKDOWN and breakdown_field == "actor_group" else "event_type"
    categories = store.breakdown(spec, kind, top=_ALL)
    if categories.labels:
        parts.append(translate(f"export.alt.top.{kind}", lang,
                               items=_named_counts(kind, categories.labels, categories.counts, lang)))
    if parts:
        sentences.append(_upper_first("; ".join(parts)) + ".")
    trend = _trend_sentence(store, spec, lang) if totals.events > 1 else None
    if trend:
        sentences.append(trend + ".")
    sentences.append(_filters_sentence(spec, lang, dataset_names))
    return " ".join(sentences)


def unsaid_filters(spec: FilterSpec, title: str, lang: str,
                   dataset_names: dict[str, str] | None = None) -> FilterSpec:
    """``spec`` without the filters a default ``title`` already states, for the subtitle under it.

    A title "Drug seizures, 2019–2024" over a subtitle "2019-01-01 – 2024-12-31 · Drug seizure"
    says everything twice: the dates, the types (when they are the title's subject), the places,
    the actors and the route go when the title names them; what is left is the subtitle.

    Parameters
    ----------
    spec : FilterSpec
    title : str
        The title drawn above the subtitle, as :func:`default_title` wrote it.
    lang : str
    dataset_names : dict of str to str, optional

    Returns
    -------
    FilterSpec
    """
    changes: dict[str, object] = {}
    dates = _date_phrase(spec, lang)
    if dates is not None and dates[1] in title:
        changes.update(date_from=None, date_to=None)
    if 1 <= len(spec.event_types) <= 2 and _subject(spec, lang, dataset_names) in title:
        changes["event_types"] = ()
    place = _place(spec, lang)
    if place and place in title:
        changes.update(countries=(), regions=()) if spec.countries or spec.regions else \
            changes.update(bbox=None, polygon=None)
    if 1 <= len(spec.actors) <= 2 and translate("export.title.involving", lang, actors=_join(
            [label("actor_group", a, lang) for a in spec.actors], lang)) in title:
        changes["actors"] = ()
    if len(spec.routes) == 1 and label("route", spec.routes[0], lang) in title:
        changes["routes"] = ()
    return spec.with_changes(**changes) if changes else spec


def _synthetic_warning(totals: Totals, lang: str) -> str:
    if not totals.synthetic:
        return ""
    return translate("export.synthetic.all", lang) if totals.synthetic == totals.events else \
        translate_count("export.synthetic.some", totals.synthetic, lang)


def _subtitle(totals: Totals, spec: FilterSpec, lang: str, dataset_names: dict[str, str] | None) -> str:
    """The filters in words, led by a warning when the view holds generated (synthetic) events."""
    filters = "" if spec.is_empty and not totals.synthetic else filter_summary(spec, lang, dataset_names)
    warning = _synthetic_warning(totals, lang)
    return " · ".join(part for part in (warning, filters) if part)


def framing_sentence(store: EventStore, spec: FilterSpec, lang: str) -> str | None:
    """What an exported map's frame leaves out, for its alt text (the subtitle's note); None when all is shown.

    Parameters
    ----------
    store : EventStore
    spec : FilterSpec
    lang : str

    Returns
    -------
    str or None
        e.g. "Map framed on where most events are (23 of 28); not shown: Rotterdam (2), …".
    """
    total = store.count(spec)
    if not 0 < total <= EXPORT_MAX_POINTS:
        return None
    points = store.points(spec, total)
    cluster = main_cluster(points.longitude, points.latitude)
    return None if cluster is None else focus_note(points, cluster, lang)


# ---- an indicator chart's words -------------------------------------------------------------------
def indicator_words(catalog: IndicatorCatalog, series_id: str, spec: FilterSpec, lang: str) -> tuple[str, str, str]:
    """Default title, alt text and source line (every publisher of the values drawn) of an
    indicator chart on the filter's date range; an unknown series says so in each."""
    info = catalog.info(series_id)
    if info is None:
        unknown = translate("indicator.unknown", lang)
        return unknown, translate("export.indicator_none", lang), unknown
    date_range = spec_date_range(spec, catalog, series_id)
    first, last = (date_range[0].year, date_range[1].year) if date_range else (info.first_year, info.last_year)
    title = translate("export.title.indicator", lang, title=series_title(info, lang), unit=unit_name(info.unit, lang),
                      start=first, end=last)
    drawn = [v for v in catalog.series_values(series_id) if first <= v.year <= last]
    return (shorten(title), indicator_alt_text(catalog, series_id, date_range, lang),
            publishers_shown(drawn, lang, None))


# ---- everything an export records --------------------------------------------------------------
def export_context(store: EventStore, spec: FilterSpec, request: ChartRequest, lang: str, *,
                   permalink: str, exported_at: datetime,
                   dataset_names: dict[str, str] | None = None,
                   indicators: IndicatorCatalog | None = None) -> ExportContext:
    """Title, subtitle, source line, alt text and counts of one export.

    Parameters
    ----------
    store : EventStore
    spec : FilterSpec
    request : ChartRequest
        The user's title (blank: :func:`default_title`), credit and chart.
    lang : str
        ``en`` or ``es``.
    permalink : str
        Absolute URL that reopens the view.
    exported_at : datetime
        When the export was made; stored as timezone-aware UTC.
    dataset_names : dict of str to str, optional
        Display names of imported datasets, by id.
    indicators : IndicatorCatalog, optional
        The series an indicator chart (``request.indicator``) is drawn from; None: the bundled ones.

    Returns
    -------
    ExportContext
    """
    lang = normalise_language(lang)
    totals = store.totals(spec)
    own_title = " ".join(request.title.split())
    if request.chart == ChartKind.INDICATOR:
        default, description, publishers = indicator_words(indicators or bundled_indicators(), request.indicator,
                                                           spec, lang)
        when = translate("export.source.exported", lang, when=_utc(exported_at).strftime("%Y-%m-%d %H:%M UTC"))
        return ExportContext(
            spec=spec, lang=lang, title=own_title or default, subtitle="",
            filters=_subtitle(totals, spec, lang, dataset_names), source_line=f"{publishers}; {when}",
            alt_text=description, permalink=permalink, exported_at=_utc(exported_at), events=totals.events,
            sources=totals.sources, credit=" ".join(request.credit.split()), dataset_names=dict(dataset_names or {}))
    title = own_title or default_title(spec, request.chart, lang, dataset_names,
                                       breakdown_field=request.breakdown_field)
    # Under a title of the user's own, the subtitle states every filter: we cannot know what it says.
    shown = spec if own_title else unsaid_filters(spec, title, lang, dataset_names)
    description = alt_text(store, spec, request.chart, lang, breakdown_field=request.breakdown_field,
                           dataset_names=dataset_names)
    framing = framing_sentence(store, spec, lang) if request.chart == ChartKind.MAP else None
    if framing:  # the exported map shows fewer events than the alt text counts: say which
        description = f"{description} {framing}."
    return ExportContext(
        spec=spec,
        lang=lang,
        title=title,
        subtitle=_subtitle(totals, shown, lang, dataset_names),
        filters=_subtitle(totals, spec, lang, dataset_names),
        source_line=source_line(totals, spec, lang, exported_at, dataset_names),
        alt_text=description,
        permalink=permalink,
        exported_at=_utc(exported_at),
        events=totals.events,
        sources=totals.sources,
        credit=" ".join(request.credit.split()),
        dataset_names=dict(dataset_names or {}),
    )
