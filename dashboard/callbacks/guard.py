"""One check for every callback request, before Dash or the callback sees it (issue 19).

A callback request names an output and carries, for each declared input and state, its component
id, property and value. A forged or mangled request (wrong types, missing fields, huge lists,
other ids) used to reach Dash's plumbing or the callback and end in a 500. Here the request is
held against the callback map: the output must be registered, the inputs and states must be the
declared ones in the declared order (a pattern-matching input: a list of matching ids), and each
value must be of the kind its property takes (:data:`PROPERTY_RULES`), within bounds. A request
that fails answers 400 with the reason, and nothing runs. What the values mean (a filter's
facets, a story's fields) is then checked by the parsers the callbacks already call
(``FilterSpec.from_store``, ``PlaybackState.from_store`` …), which read anything malformed as
"nothing chosen".
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dashboard.data.count_rules import CountRule
from dashboard.data.language import LANGUAGES
from dashboard.data.roles import PageAccount, Permission, granted_permissions
from dashboard.data.stories import PlaybackMode, PlaybackStep
from dashboard.ids import (
    CountIds,
    DataIds,
    DetailIds,
    ExportIds,
    FilterIds,
    IndicatorIds,
    MapIds,
    NotesIds,
    PageIds,
    PlaybackIds,
    PresentIds,
    StoryIds,
    TableIds,
)
from dashboard.state.playback import SPEEDS_MS

CALLBACK_PATH = "/_dash-update-component"
MAX_COUNT = 10**9  # n_clicks and the like: a page never clicks more
MAX_TEXT = 10_000  # a URL's search, a control's text
MAX_DATA_TEXT = 2_000_000  # one string inside a store (a story's notes, an upload token)
MAX_ITEMS = 10_000  # items in one list or object
MAX_DEPTH = 12
MAX_NODES = 500_000  # values in one property, all levels
MAX_UPLOAD_TEXT = 1 << 31  # uploads are bounded by the request size limit, not here


class CallbackRequestError(ValueError):
    """The request does not match the callback it names; the message says where."""


# ---- value kinds ------------------------------------------------------------------------------
def _json_value(value: object, *, max_text: int, path: str) -> None:
    """Plain JSON (None, bool, finite number, text, lists, objects with text keys) within bounds."""
    nodes = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise CallbackRequestError(f"{path}: more than {MAX_NODES:,} values")
        if depth > MAX_DEPTH:
            raise CallbackRequestError(f"{path}: nested deeper than {MAX_DEPTH}")
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                raise CallbackRequestError(f"{path}: a number that is not finite")
            continue
        if isinstance(item, str):
            if len(item) > max_text:
                raise CallbackRequestError(f"{path}: text longer than {max_text:,} characters")
            continue
        if isinstance(item, list):
            if len(item) > MAX_ITEMS:
                raise CallbackRequestError(f"{path}: a list of more than {MAX_ITEMS:,} items")
            stack.extend((child, depth + 1) for child in item)
            continue
        if isinstance(item, dict):
            if len(item) > MAX_ITEMS:
                raise CallbackRequestError(f"{path}: an object of more than {MAX_ITEMS:,} keys")
            stack.extend((child, depth + 1) for child in item.values())
            continue
        raise CallbackRequestError(f"{path}: {type(item).__name__} is not a JSON value")


def any_json(max_text: int = MAX_DATA_TEXT) -> Callable[[object, str], None]:
    return lambda value, path: _json_value(value, max_text=max_text, path=path)


def count(value: object, path: str) -> None:
    """A click or tick count: None or a whole number in [0, MAX_COUNT]."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise CallbackRequestError(f"{path}: expected a count (a whole number from 0), got {_shown(value)}")


def text(max_length: int = MAX_TEXT) -> Callable[[object, str], None]:
    def check(value: object, path: str) -> None:
        if value is not None and not isinstance(value, str):
            raise CallbackRequestError(f"{path}: expected text, got {_shown(value)}")
        if isinstance(value, str) and len(value) > max_length:
            raise CallbackRequestError(f"{path}: text longer than {max_length:,} characters")
    return check


def flag(value: object, path: str) -> None:
    if value is not None and not isinstance(value, bool):
        raise CallbackRequestError(f"{path}: expected true or false, got {_shown(value)}")


def number(value: object, path: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CallbackRequestError(f"{path}: expected a number, got {_shown(value)}")


def object_or_none(value: object, path: str) -> None:
    """Plotly's event data and the grid's requests: an object (or nothing), plain JSON inside."""
    if value is not None and not isinstance(value, dict):
        raise CallbackRequestError(f"{path}: expected an object, got {_shown(value)}")
    _json_value(value, max_text=MAX_TEXT, path=path)


def list_or_none(value: object, path: str) -> None:
    if value is not None and not isinstance(value, list):
        raise CallbackRequestError(f"{path}: expected a list, got {_shown(value)}")
    _json_value(value, max_text=MAX_TEXT, path=path)


def control_value(value: object, path: str) -> None:
    """A control's value: nothing, text, a number, or a flat list of those (checklists, dropdowns)."""
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            raise CallbackRequestError(f"{path}: a list of more than {MAX_ITEMS:,} items")
        for item in value:
            if isinstance(item, (list, dict)):
                raise CallbackRequestError(f"{path}: a list of lists or objects")
            _json_value(item, max_text=MAX_TEXT, path=path)
        return
    if isinstance(value, dict):
        raise CallbackRequestError(f"{path}: expected a value or a list of values, got an object")
    _json_value(value, max_text=MAX_TEXT, path=path)


def upload_text(value: object, path: str) -> None:
    """An upload's contents or file name: text (or a list of texts), sized by the request limit."""
    for item in value if isinstance(value, list) else [value]:
        if item is not None and not isinstance(item, str):
            raise CallbackRequestError(f"{path}: expected text, got {_shown(item)}")


# The kind of value each property takes, by property name: declared once for every callback.
PROPERTY_RULES: Mapping[str, Callable[[object, str], None]] = {
    "n_clicks": count, "n_submit": count, "n_intervals": count, "submit_n_clicks": count,
    "search": text(), "pathname": text(), "hash": text(), "href": text(), "search_value": text(1_000),
    "start_date": text(40), "end_date": text(40), "filename": upload_text, "contents": upload_text,
    "hidden": flag, "disabled": flag, "interval": number,
    "value": control_value, "data": any_json(),
    "relayoutData": object_or_none, "selectedData": object_or_none, "clickData": object_or_none,
    "hoverData": object_or_none, "getRowsRequest": object_or_none, "selectedRows": list_or_none,
    "id": any_json(MAX_TEXT),
}


def one_of(allowed: tuple[str, ...]) -> Callable[[object, str], None]:
    def check(value: object, path: str) -> None:
        if value is not None and value not in allowed:
            raise CallbackRequestError(f"{path}: expected one of {', '.join(allowed)}")
    return check


def story_reference(value: object, path: str) -> None:
    """The presenter's story store: ``{"id": text, "lang": a language, ...}``."""
    if not isinstance(value, dict) or not isinstance(value.get("id"), str) or value.get("lang") not in LANGUAGES:
        raise CallbackRequestError(f"{path}: expected the presenter's story (an id and a language)")
    _json_value(value, max_text=MAX_TEXT, path=path)


def _values(enum: type) -> tuple[str, ...]:
    return tuple(str(member) for member in enum)


TEXT_INPUTS = (DataIds.STATED_DATE, ExportIds.ALT_TEXT, ExportIds.CREDIT, ExportIds.PERMALINK, ExportIds.TITLE,
               StoryIds.NEW_TITLE, StoryIds.SLIDE_CAPTION, StoryIds.SLIDE_NOTES, StoryIds.SLIDE_TITLE,
               StoryIds.SELECT)
def texts(value: object, path: str) -> None:
    """A multi-choice control's value: nothing, or a list of texts."""
    if value is not None and not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
        raise CallbackRequestError(f"{path}: expected a list of texts, got {_shown(value)}")
    _json_value(value, max_text=MAX_TEXT, path=path)


def _facet_controls() -> dict[tuple[str, str], Callable[[object, str], None]]:
    """Every filter control the facet registry declares takes a list of chosen values."""
    from dashboard.data.facets import FACETS

    return {(str(facet.control), "value"): texts for facet in FACETS}


# Stores holding one object (a selection, an undo record, a request) or one text.
OBJECT_STORES = (StoryIds.STORE, StoryIds.UNDO_STORE, TableIds.SORT_REQUEST, TableIds.ROWS_REQUEST, PageIds.PAGE_KEY,
                 DataIds.UPLOAD_TOKEN, MapIds.MOVED)
TEXT_STORES = (ExportIds.DEFAULT_TITLE, StoryIds.DEFAULT_TITLE, MapIds.VIEW_REQUEST, DetailIds.SELECTED,
               DataIds.DELETE_TARGET)
# Values checked by component, before the property's rule: the lists of allowed values are the
# ones the controls offer, declared where the feature declares them.
ID_RULES: Mapping[tuple[str, str], Callable[[object, str], None]] = {
    **_facet_controls(),
    **{(component, "data"): object_or_none for component in OBJECT_STORES},
    **{(component, "data"): text() for component in TEXT_STORES},
    (PageIds.LANG_STORE, "data"): one_of(tuple(LANGUAGES)),
    (FilterIds.STORE, "data"): object_or_none,
    (DataIds.REPORT_STORE, "data"): object_or_none,
    (PresentIds.STORY, "data"): story_reference, (NotesIds.STORY, "data"): story_reference,
    (PlaybackIds.SPEED, "value"): one_of(tuple(SPEEDS_MS)), (PresentIds.SPEED, "value"): one_of(tuple(SPEEDS_MS)),
    (PlaybackIds.MODE, "value"): one_of(_values(PlaybackMode)), (PresentIds.MODE, "value"): one_of(_values(PlaybackMode)),
    (PlaybackIds.STEP, "value"): one_of(_values(PlaybackStep)),
    (FilterIds.KG_MIN, "value"): number, (FilterIds.KG_MAX, "value"): number,
    (CountIds.RULE, "value"): one_of(_values(CountRule)),
    (IndicatorIds.SELECT, "value"): text(60),  # a series id (SERIES_ID); any other text reads as none
    **{(component, "value"): text() for component in TEXT_INPUTS},
}


def _shown(value: object) -> str:
    """A short, safe description of a value for a message (never the value's whole text)."""
    if isinstance(value, str):
        return f"text of {len(value):,} characters"
    if isinstance(value, (list, dict)):
        return f"{type(value).__name__} of {len(value):,} items"
    return type(value).__name__ if not isinstance(value, (int, float)) else f"{type(value).__name__} {value!r}"[:40]


# ---- the request's shape ----------------------------------------------------------------------
@dataclass(frozen=True)
class Declared:
    """One declared input or state: its id (text, or a pattern with wildcards) and property."""

    component_id: str | dict
    prop: str

    @classmethod
    def of(cls, entry: Mapping) -> Declared:
        raw = str(entry["id"])
        return cls(json.loads(raw) if raw.startswith("{") else raw, str(entry["property"]))

    @property
    def is_pattern(self) -> bool:
        return isinstance(self.component_id, dict) and any(isinstance(v, list) for v in self.component_id.values())

    def matches(self, component_id: object) -> bool:
        if not isinstance(self.component_id, dict):
            return component_id == self.component_id
        if not isinstance(component_id, dict) or set(component_id) != set(self.component_id):
            return False
        return all(isinstance(wanted, list) or component_id[key] == wanted
                   for key, wanted in self.component_id.items())


def check_callback_request(body: object, callbacks: Mapping[str, Mapping]) -> None:
    """Raise :class:`CallbackRequestError` unless ``body`` is a well-formed request for a registered callback."""
    if not isinstance(body, dict):
        raise CallbackRequestError("the request body is not a JSON object")
    output = body.get("output")
    entry = callbacks.get(output) if isinstance(output, str) else None
    if entry is None or "callback" not in entry:
        raise CallbackRequestError("the request names no callback of this app")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) and len(c) <= MAX_TEXT for c in changed):
        raise CallbackRequestError("changedPropIds: expected a list of texts")
    _check_outputs(output, body.get("outputs"))
    for part in ("inputs", "state"):
        declared = [Declared.of(item) for item in entry.get(part, [])]
        sent = body.get(part, [])
        if not isinstance(sent, list) or len(sent) != len(declared):
            raise CallbackRequestError(f"{part}: expected {len(declared)} entries")
        for position, (wanted, given) in enumerate(zip(declared, sent)):
            _check_entry(wanted, given, f"{part}[{position}]")


def declared_outputs(output: str) -> Declared | list[Declared]:
    """The outputs a callback key names: one (``id.prop``) or several (``..a.p...b.q..``); a
    duplicate-allowed output's ``@hash`` is not part of its property."""
    if output.startswith(".."):
        return [declared_outputs(part) for part in output[2:-2].split("...")]  # type: ignore[misc]
    component_id, prop = output.rsplit(".", 1)
    return Declared.of({"id": component_id, "property": prop.split("@", 1)[0]})


def _check_outputs(output: str, given: object) -> None:
    """The outputs the request expects back must be the callback's own (Dash checks their number
    only after running the callback, and fails with a 500)."""
    if given is None:
        return  # older renderers send none: Dash reads them from the key
    declared = declared_outputs(output)
    if isinstance(declared, list):
        if not isinstance(given, list) or len(given) != len(declared):
            raise CallbackRequestError(f"outputs: expected {len(declared)} entries")
        for position, (wanted, item) in enumerate(zip(declared, given)):
            _check_entry(wanted, item, f"outputs[{position}]", value=False)
        return
    _check_entry(declared, given, "outputs", value=False)


def _check_entry(wanted: Declared, given: object, path: str, *, value: bool = True) -> None:
    if wanted.is_pattern:
        if not isinstance(given, list) or len(given) > MAX_ITEMS:
            raise CallbackRequestError(f"{path}: expected a list of matching components")
        for index, item in enumerate(given):
            _check_one(wanted, item, f"{path}[{index}]", value)
        return
    _check_one(wanted, given, path, value)


def _check_one(wanted: Declared, given: object, path: str, value: bool = True) -> None:
    prop = given.get("property") if isinstance(given, dict) else None
    if not value and isinstance(prop, str):
        prop = prop.split("@", 1)[0]  # an output that allows duplicates is sent as "prop@hash"
    if not isinstance(given, dict) or prop != wanted.prop or not wanted.matches(given.get("id")):
        raise CallbackRequestError(f"{path}: expected {wanted.prop} of {wanted.component_id}")
    if not value:
        return
    rule = (ID_RULES.get((wanted.component_id, wanted.prop)) if isinstance(wanted.component_id, str) else None) \
        or PROPERTY_RULES.get(wanted.prop, any_json())
    rule(given.get("value"), f"{path} ({wanted.prop})")


# ---- who may run it (the shared deployment's roles) ---------------------------------------------
# Every callback that changes what is stored, by its function (module.name), with the permission it
# needs; any other callback needs Permission.VIEW. Checked on the server for every request
# (dashboard/access.py), so a hidden button is never the only thing in the way.
# tests/unit/test_access.py fails when a callback that writes is missing here.
CALLBACK_PERMISSIONS: Mapping[str, Permission] = {
    "dashboard.callbacks.datasets.on_upload": Permission.IMPORT,
    "dashboard.callbacks.datasets.on_upload_poll": Permission.IMPORT,  # an upload's outcome is its importer's
    "dashboard.callbacks.datasets.on_delete_clicked": Permission.DELETE_DATASETS,
    "dashboard.callbacks.datasets.on_delete_confirmed": Permission.DELETE_DATASETS,
    **{f"dashboard.callbacks.stories.{name}": Permission.EDIT_STORIES
       for name in ("on_new_story", "on_copy_story", "on_add_slide", "on_slide_action", "on_edit_toggled",
                    "on_save_edit", "on_undo", "on_import_story")},
}


USER_ATTRIBUTE = "rutas_user"  # where dashboard/access.py leaves the request's signed-in user (flask.g)


def current_user():
    """The signed-in user of this request (a ``dashboard.data.database.users.User``), None when
    nobody is signed in or in the embedded default; callbacks may read it to show or hide controls
    (the server checks every request anyway)."""
    import flask

    return getattr(flask.g, USER_ATTRIBUTE, None) if flask.has_request_context() else None


def page_account(settings) -> PageAccount:
    """Who the page is drawn for and what it may offer them (every control in the embedded default)."""
    user = current_user()
    shared = bool(settings.database_url)
    role = None if user is None else str(user.role)
    return PageAccount(name=None if user is None else user.username, role=role, shared=shared,
                       permissions=granted_permissions(role, shared=shared, public_read=settings.public_read))


def callback_name(entry: Mapping) -> str:
    """``module.function`` of a callback map entry's function (Dash wraps it, keeping its name)."""
    function = entry.get("callback")
    function = getattr(function, "__wrapped__", function)
    return f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', '')}"


def required_permission(body: object, callbacks: Mapping[str, Mapping]) -> Permission:
    """What a callback request needs: the permission of the callback its ``output`` names (VIEW
    for the rest, and for a request naming none, which the guard refuses anyway)."""
    output = body.get("output") if isinstance(body, dict) else None
    entry = callbacks.get(output) if isinstance(output, str) else None
    if entry is None:
        return Permission.VIEW
    return CALLBACK_PERMISSIONS.get(callback_name(entry), Permission.VIEW)


def _component_key(component_id: object, prop: object) -> str:
    """``id.prop`` as the renderer writes it in ``changedPropIds`` (a pattern id: its keys sorted)."""
    if isinstance(component_id, dict):
        component_id = "{" + ",".join(f"{json.dumps(key, ensure_ascii=False)}:{json.dumps(component_id[key], ensure_ascii=False)}"
                                      for key in sorted(component_id)) + "}"
    return f"{component_id}.{prop}"


NO_ACTION_VALUES = (None, 0, False, "", [], {})


def is_user_action(body: object) -> bool:
    """Whether a callback request was set off by something done on the page: an input it names as
    changed holds a value (a click count above 0, a file, text). A list drawn anew reports its new
    buttons with no clicks, which is nothing done. Anything unreadable counts as done (the safe side:
    a refused action is answered 403, a refused non-action 204, and neither runs the callback)."""
    if not isinstance(body, dict):
        return True
    changed, inputs = body.get("changedPropIds"), body.get("inputs")
    if not isinstance(changed, list) or not isinstance(inputs, list) or not changed:
        return True
    values: dict[str, object] = {}
    for entry in inputs:
        for item in entry if isinstance(entry, list) else [entry]:
            if not isinstance(item, dict):
                return True
            try:
                values[_component_key(item.get("id"), item.get("property"))] = item.get("value")
            except (TypeError, ValueError):
                return True
    if not all(isinstance(key, str) and key in values for key in changed):
        return True
    return any(values[key] not in NO_ACTION_VALUES for key in changed)


def install_callback_guard(server, callbacks: Callable[[], Mapping[str, Mapping]]) -> None:
    """Check every callback request before Dash reads it; a bad one answers 400 with the reason.

    ``callbacks`` gives the app's callback map (Dash fills it at the first request).
    """
    from flask import jsonify, request

    @server.before_request
    def _guard_callbacks():
        if request.method != "POST" or not request.path.endswith(CALLBACK_PATH):
            return None
        try:
            body = request.get_json(force=True, silent=True)
            check_callback_request(body, callbacks())
        except CallbackRequestError as problem:
            return jsonify(error="bad callback request", reason=str(problem)), 400
        return None
