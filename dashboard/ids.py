"""Every component id, grouped by feature. No id literal lives anywhere else."""

from enum import StrEnum


class PageIds(StrEnum):
    URL = "page-url"
    BODY_URL = "page-body-url"
    BODY = "page-body"
    LANG_STORE = "page-lang-store"
    VIEW_STORE = "page-view-store"
    NOTICE = "page-notice"
    LANG_SWITCH = "page-lang-switch"
    TITLE = "page-title"
    SUBTITLE = "page-subtitle"
    RESET = "page-reset"


class FilterIds(StrEnum):
    STORE = "filters-store"
    PANEL = "filters-panel"
    DATE_RANGE = "filters-date-range"
    TYPES = "filters-types"
    ACTORS = "filters-actors"
    COUNTRIES = "filters-countries"
    REGIONS = "filters-regions"
    ROUTES = "filters-routes"
    DRUGS = "filters-drugs"
    KG_MIN = "filters-kg-min"
    KG_MAX = "filters-kg-max"
    TEXT = "filters-text"
    SPATIAL = "filters-spatial"
    CLEAR_SPATIAL = "filters-clear-spatial"
    SUMMARY = "filters-summary"


class DataIds(StrEnum):
    PANEL = "data-panel"
    DATASETS = "data-datasets"
    LIST = "data-list"
    UPLOAD = "data-upload"
    UPLOAD_STATUS = "data-upload-status"
    FORMAT = "data-format"
    REPORT = "data-report"
    REPORT_STORE = "data-report-store"
    REPORT_DOWNLOAD = "data-report-download"
    REPORT_DOWNLOAD_BUTTON = "data-report-download-button"
    REPORT_CLOSE = "data-report-close"
    DELETE = "data-delete"  # pattern-matching: {"type": DELETE, "index": dataset_id}
    CONFIRM = "data-confirm"
    DELETE_TARGET = "data-delete-target"


class CountIds(StrEnum):
    EVENTS = "counts-events"
    FATALITIES = "counts-fatalities"
    KG = "counts-kg"
    SOURCES = "counts-sources"


class MapIds(StrEnum):
    GRAPH = "map-graph"
    NOTE = "map-note"
    FIT = "map-fit"
    HOVER = "map-hover"  # details of the hovered point, fetched from the server
    FIGURE = "map-figure"  # wrapper whose aria-label is the chart's alt text


class TimelineIds(StrEnum):
    GRAPH = "timeline-graph"
    FIGURE = "timeline-figure"


class BreakdownIds(StrEnum):
    GRAPH = "breakdown-graph"
    FIELD = "breakdown-field"
    FIGURE = "breakdown-figure"


class TableIds(StrEnum):
    GRID = "table-grid"


class DetailIds(StrEnum):
    CARD = "detail-card"


class ExportIds(StrEnum):
    OPEN = "export-open"
    DIALOG = "export-dialog"
    HEADING = "export-heading"
    CLOSE = "export-close"
    CHART = "export-chart"
    FORMAT = "export-format"
    SIZE = "export-size"
    SCALE = "export-scale"
    THEME = "export-theme"
    TITLE = "export-title"
    CREDIT = "export-credit"
    ALT_TEXT = "export-alt-text"
    PERMALINK = "export-permalink"
    COPY = "export-copy"
    DOWNLOAD_BUTTON = "export-download-button"
    DOWNLOAD = "export-download"
    STATUS = "export-status"
    PREVIEW = "export-preview"
    DEFAULT_TITLE = "export-default-title"  # the default last written into the title field


ALL_ID_ENUMS = (PageIds, FilterIds, DataIds, CountIds, MapIds, TimelineIds, BreakdownIds, TableIds, DetailIds,
                ExportIds)
