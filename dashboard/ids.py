"""Every component id, grouped by feature. No id literal lives anywhere else."""

from enum import StrEnum


class PageIds(StrEnum):
    URL = "page-url"
    BODY_URL = "page-body-url"
    BODY = "page-body"
    LANG_STORE = "page-lang-store"
    NOTICE = "page-notice"
    LANG_SWITCH = "page-lang-switch"
    TITLE = "page-title"
    SUBTITLE = "page-subtitle"
    RESET = "page-reset"
    ROUTE_STORE = "page-route-store"  # which page the body holds: main, present or notes
    PAGE_KEY = "page-key"  # {path, lang} of the URL, set in the browser only when either changes
    COMPONENT_PRELOAD = "page-component-preload"  # hidden: loads the lazy components' code early


class FilterIds(StrEnum):
    STORE = "filters-store"
    SHOWN = "filters-shown"  # the filter the views show (drawn with the body, then by the views callback)
    PANEL = "filters-panel"
    DATE_RANGE = "filters-date-range"
    TYPES = "filters-types"
    ACTORS = "filters-actors"
    COUNTRIES = "filters-countries"
    REGIONS = "filters-regions"
    ROUTES = "filters-routes"
    DRUGS = "filters-drugs"
    MORE = "filters-more"
    KG_MIN = "filters-kg-min"
    KG_MAX = "filters-kg-max"
    KG_NOTICE = "filters-kg-notice"  # says when min and max were swapped
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
    UPLOAD_TOKEN = "data-upload-token"  # {"token": …, "chars": …}: names the upload being sent
    UPLOAD_POLL = "data-upload-poll"  # asks for the upload's outcome while its response is awaited
    UPLOAD_OUTCOME = "data-upload-outcome"  # what the poll says (importing, or never received)
    FORMAT = "data-format"
    STATED_DATE = "data-stated-date"  # a period for the rows of a file that have no date
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
    RULE = "counts-rule"  # how contested deaths and kg are counted (the URL's count)


class IndicatorIds(StrEnum):
    """The indicator control and its chart."""

    SELECT = "indicator-select"  # the series drawn on the map and under the timeline ("" / None: none)
    PANEL = "indicator-panel"  # the chart's box, hidden when no series is chosen
    GRAPH = "indicator-graph"
    FIGURE = "indicator-figure"  # wrapper whose aria-label names the chart
    LEGEND = "indicator-legend"  # the map's legend line: series, unit, year and values


class MapIds(StrEnum):
    GRAPH = "map-graph"
    NOTE = "map-note"
    FIT = "map-fit"
    KEY = "map-key"  # the key switch: ["shown"] or []
    HOVER = "map-hover"  # details of the hovered point, fetched from the server
    FIGURE = "map-figure"  # wrapper whose aria-label is the chart's alt text
    VIEW_SHOWN = "map-view-shown"  # the view the map shows now (None: the starting view)
    VIEW_REQUEST = "map-view-request"  # a URL view the map may not show: the server checks and moves
    MOVED = "map-moved"  # the map's relayout when the user moved the view (set in the browser)


class TimelineIds(StrEnum):
    GRAPH = "timeline-graph"
    FIGURE = "timeline-figure"


class BreakdownIds(StrEnum):
    GRAPH = "breakdown-graph"
    FIELD = "breakdown-field"
    FIGURE = "breakdown-figure"


class TableIds(StrEnum):
    GRID = "table-grid"
    SORT_REQUEST = "table-sort-request"  # a grid order the URL does not record yet
    FIRST_ROWS = "table-first-rows"  # the first block for the filter the views show, sent with them
    ROWS_REQUEST = "table-rows-request"  # a block request the first rows do not answer: to the server


class DetailIds(StrEnum):
    CARD = "detail-card"
    SELECTED = "detail-selected"  # the URL's event id, set in the browser only when it changes


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


class PlaybackIds(StrEnum):
    """Time playback on the main page's timeline."""

    PLAY = "playback-play"
    STEP = "playback-step"
    MODE = "playback-mode"
    SPEED = "playback-speed"
    INTERVAL = "playback-interval"
    STATE = "playback-state"
    LABEL = "playback-label"
    WINDOW = "playback-window"  # rolling window, in steps
    FILTER = "playback-filter"  # the shared filter, passed on only while playing


class StoryIds(StrEnum):
    """Building a story in the main page (the Story panel)."""

    PANEL = "story-panel"
    STORE = "story-store"  # the story being edited: {"id": …, "revision": n}
    SELECT = "story-select"
    NEW_TITLE = "story-new-title"
    NEW = "story-new"
    SLIDE_TITLE = "story-slide-title"
    SLIDE_CAPTION = "story-slide-caption"
    SLIDE_NOTES = "story-slide-notes"
    ADD = "story-add"
    ADD_FORM = "story-add-form"  # the whole "add this view as a slide" form, hidden on a read-only story
    LIST = "story-list"
    MOVE_UP = "story-move-up"  # pattern-matching: {"type": MOVE_UP, "index": n}
    MOVE_DOWN = "story-move-down"
    EDIT = "story-edit"
    DUPLICATE = "story-duplicate"
    DELETE = "story-delete"
    EDIT_INDEX = "story-edit-index"
    SAVE_EDIT = "story-save-edit"
    CANCEL_EDIT = "story-cancel-edit"
    PRESENT = "story-present"
    NOTES_LINK = "story-notes-link"
    EXPORT = "story-export"
    DOWNLOAD = "story-download"
    IMPORT = "story-import"
    PACK_PDF = "story-pack-pdf"
    PACK_PPTX = "story-pack-pptx"
    PACK_DOWNLOAD = "story-pack-download"
    STATUS = "story-status"
    COPY = "story-copy"  # make an editable copy of a bundled story
    BUNDLED_NOTE = "story-bundled-note"
    HEADING = "story-heading"  # the selected story in words: title, slide count, read-only or not
    SLIDE_PANELS = "story-slide-panels"
    DEFAULT_TITLE = "story-default-title"  # the slide title last written from the filters
    EDIT_TITLE = "story-edit-title"  # pattern-matching, like MOVE_UP; only the slide being edited has them
    EDIT_CAPTION = "story-edit-caption"
    EDIT_NOTES = "story-edit-notes"
    EDIT_PANELS = "story-edit-panels"
    SHOW = "story-show"  # pattern-matching link: show this slide's view on the dashboard
    UNDO = "story-undo"
    UNDO_STORE = "story-undo-store"  # the story as it was before the last delete
    TOOLS = "story-tools"  # present, export and pack: shown once the story is saved


class PresentIds(StrEnum):
    """The presenter screen, /present/<story>."""

    ROOT = "present-root"
    URL = "present-url"
    STORY = "present-story"  # {"id": …, "slides": n, "lang": …}
    SLIDE = "present-slide"  # 0-based index; the keyboard script writes it
    VIEW = "present-view"  # the slide's map view, flown to by a clientside callback
    TITLE = "present-title"
    CAPTION = "present-caption"
    FILTERS = "present-filters"
    DATES = "present-dates"
    COUNTS = "present-counts"
    COUNT_EVENTS = "present-count-events"
    COUNT_FATALITIES = "present-count-fatalities"
    COUNT_KG = "present-count-kg"
    COUNT_SOURCES = "present-count-sources"
    MAP_PANEL = "present-map-panel"
    MAP = "present-map"
    TIMELINE_PANEL = "present-timeline-panel"
    TIMELINE = "present-timeline"
    BREAKDOWN_PANEL = "present-breakdown-panel"
    BREAKDOWN = "present-breakdown"
    PROGRESS = "present-progress"
    PROGRESS_BAR = "present-progress-bar"
    SOURCES = "present-sources"
    PLAY = "present-play"
    SPEED = "present-speed"
    MODE = "present-mode"
    INTERVAL = "present-interval"
    FRAME = "present-frame"  # playback state of the current slide
    NOTICE = "present-notice"
    HELP = "present-help"
    PANELS = "present-panels"  # the panel area; its class says which charts share the screen
    PLAYBACK = "present-playback"  # the playback controls (shown on slides that play)
    NOTES_LINK = "present-notes-link"  # opens the speaker notes (on the help overlay)


class NotesIds(StrEnum):
    """The speaker-notes window, /present/<story>/notes."""

    ROOT = "notes-root"
    STORY = "notes-story"
    SLIDE = "notes-slide"  # follows the presenter (BroadcastChannel)
    TITLE = "notes-title"
    NOTES = "notes-notes"
    CAPTION = "notes-caption"
    SOURCES = "notes-sources"
    NEXT = "notes-next"
    PROGRESS = "notes-progress"
    CLOCK = "notes-clock"


ALL_ID_ENUMS = (PageIds, FilterIds, DataIds, CountIds, IndicatorIds, MapIds, TimelineIds, BreakdownIds, TableIds, DetailIds,
                ExportIds, PlaybackIds, StoryIds, PresentIds, NotesIds)


def facet_control_id(param: str) -> str:
    """Id of the filter-panel control of a facet declared without one: ``filters-<param>``."""
    return "filters-" + param.replace("_", "-")


def _chart_slug(kind: str) -> str:
    return kind.replace("_", "-")


def chart_graph_id(kind: str) -> str:
    """The dashboard graph of a chart on the shared path (``data.charts``): ``chart-<kind>-graph``."""
    return f"chart-{_chart_slug(kind)}-graph"


def chart_figure_id(kind: str) -> str:
    """The figure around that graph, labelled with the chart's alt text: ``chart-<kind>-figure``."""
    return f"chart-{_chart_slug(kind)}-figure"


def present_chart_id(kind: str) -> str:
    """The presenter's graph of a registry chart (the shared path's, or the indicator): ``present-<kind>``."""
    return f"present-{_chart_slug(kind)}"


def present_chart_panel_id(kind: str) -> str:
    """The presenter's panel around that graph (hidden unless the slide shows it)."""
    return f"present-{_chart_slug(kind)}-panel"
