"""A small Dash client that talks to a running app over HTTP the way dash-renderer does.

It reads ``/_dash-layout`` and ``/_dash-dependencies``, holds every component's props, and fires
server callbacks with the request body the renderer sends (``output``, ``outputs``, ``inputs``,
``state``, ``changedPropIds``), in the renderer's order:

- page load: every callback with an output in the layout (not ``prevent_initial_call``);
  callbacks whose inputs are all missing are left out, as the renderer does;
- a callback runs only when no pending callback can still change one of its inputs (transitively);
- outputs are applied to the held props; changed props trigger the callbacks they are Inputs of;
  a prop that holds components (``children``) is a new layout chunk, whose callbacks fire too;
- a callback is never re-fired by its own chain (the renderer's circular-callback rule).

``dcc.Location`` is emulated (it fills pathname/search/hash/href from the page URL on mount, and
``refresh="callback-nav"`` tells the other Locations about a new URL), since Rutas depends on it.
Clientside callbacks are not run (no JavaScript here), except those in :data:`CLIENTSIDE`: Rutas'
derivations of the URL (page key, selected event) and its gate on the map's relayouts (only a
move goes on), done by the same rules written in Python, so the page body, the detail card and a
move's requests are made as in the browser. Not emulated: other clientside
callbacks and pattern-matching ids (skipped, listed in ``skipped``),
``Patch`` responses (Assign operations applied to the held value), other component side
effects (e.g. dcc.Graph's ``relayoutData={"autosize": true}`` after its first draw).

Cookies are kept as a browser keeps them for one host, and a POST carries the ``_csrf_token``
cookie's value as ``X-CSRFToken``, as the renderer does: so one client is one session of the shared
deployment (public read) too. :meth:`DashClient.reload` opens the page as a browser reload does.

Server time of one interaction is the wall time of its POSTs, one after another (the renderer
sends independent callbacks of one level in parallel; this client does not); bytes are the sum of
the response bodies.
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import logging
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import numpy as np
import orjson

log = logging.getLogger(__name__)

DIRECT, INDIRECT = 2, 1
# The shared deployment's CSRF token: Dash's renderer copies this cookie into this header on each POST.
CSRF_COOKIE, CSRF_HEADER = "_csrf_token", "X-CSRFToken"
LOCATION_PROPS = ("pathname", "href", "hash", "search")
# Props that hold data, never components: not crawled for layout chunks.
DATA_PROPS = frozenset({"figure", "data", "rowData", "columnDefs", "selectedData", "clickData",
                        "relayoutData", "hoverData", "options", "value"})


def apply_patch(target: object, patch: dict) -> None:
    """Apply a ``Patch`` response's Assign operations to the held value (others are ignored:
    no app under test uses them on a value it later reads)."""
    for operation in patch.get("operations", []):
        if operation.get("operation") != "Assign" or not operation.get("location"):
            continue
        node = target
        try:
            for key in operation["location"][:-1]:
                node = node[key]
            node[operation["location"][-1]] = operation["params"]["value"]
        except (KeyError, IndexError, TypeError):
            continue


class DashRequestError(RuntimeError):
    """A callback request failed: timeout, connection error or HTTP error."""


def is_component(value: object) -> bool:
    return isinstance(value, dict) and "props" in value and "type" in value and "namespace" in value


def child_components(value: object) -> list[dict]:
    """Components directly held by a prop value (a component, or a list of them)."""
    if is_component(value):
        return [value]
    if isinstance(value, list):
        found = []
        for item in value:
            found.extend(child_components(item))
        return found
    return []


def crawl(component: dict):
    """Yield every component in a tree (the given one first)."""
    stack = [component]
    while stack:
        node = stack.pop()
        yield node
        for prop, value in node.get("props", {}).items():
            if prop not in DATA_PROPS:
                stack.extend(reversed(child_components(value)))


def copy_tree(value: object) -> object:
    """Copy the component structure; prop values are shared (they are replaced, never mutated)."""
    if is_component(value):
        return {**value, "props": {k: copy_tree(v) if k not in DATA_PROPS else v
                                   for k, v in value["props"].items()}}
    if isinstance(value, list) and any(is_component(v) or isinstance(v, list) for v in value):
        return [copy_tree(v) for v in value]
    return value


def decode_array(value: object) -> np.ndarray | list:
    """A plotly data array as numpy (typed-array ``bdata`` spec) or as the list it is."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            array = array.reshape([int(s) for s in str(shape).split(",")])
        return array
    return value if isinstance(value, list) else []


def plain(value: object) -> object:
    """A numpy scalar/array element as a JSON-ready Python value."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


NO_UPDATE = object()


def _page_key(pathname, search, current):
    """dashboard/callbacks/page.py's clientside page key: {path, lang}, written only when it changes."""
    from urllib.parse import parse_qs

    key = {"path": pathname or "/", "lang": (parse_qs((search or "").lstrip("?")).get("lang") or [""])[0]}
    return NO_UPDATE if current == key else key


def _selected(search, current):
    """dashboard/callbacks/detail.py's clientside selected event: the URL's ``event``, when it changes."""
    from urllib.parse import parse_qs

    selected = (parse_qs((search or "").lstrip("?")).get("event") or [None])[0] or None
    return NO_UPDATE if selected == (current or None) else selected


def _moved(relayout):
    """dashboard/callbacks/views.py's clientside gate: the map's relayout when it moved the view."""
    moved = isinstance(relayout, dict) and ("map.center" in relayout or "map.zoom" in relayout)
    return relayout if moved else NO_UPDATE


# Clientside callbacks run here in Python, by output: (inputs..., states...) -> value or NO_UPDATE.
CLIENTSIDE = {"page-key.data": _page_key, "detail-selected.data": _selected, "map-moved.data": _moved}


@dataclass(frozen=True)
class Callback:
    """One server callback from ``/_dash-dependencies`` (or a clientside one run in Python)."""

    output: str
    outputs: tuple[tuple[str, str], ...]  # (id, property) with any "@hash" kept
    inputs: tuple[tuple[str, str], ...]
    state: tuple[tuple[str, str], ...]
    prevent_initial_call: bool
    multi: bool
    emulate: object = None  # a CLIENTSIDE function: no request, the value is set here

    @classmethod
    def from_dependency(cls, dep: dict) -> Callback:
        output = dep["output"]
        multi = output.startswith("..")
        parts = output[2:-2].split("...") if multi else [output]
        outputs = tuple(tuple(p.rsplit(".", 1)) for p in parts if p)
        return cls(output=output, outputs=outputs,
                   inputs=tuple((d["id"], d["property"]) for d in dep["inputs"]),
                   state=tuple((d["id"], d["property"]) for d in dep.get("state", [])),
                   prevent_initial_call=bool(dep.get("prevent_initial_call")), multi=multi)

    def clean_outputs(self) -> list[str]:
        return [f"{cid}.{prop.split('@')[0]}" for cid, prop in self.outputs]

    def input_keys(self) -> list[str]:
        return [f"{cid}.{prop}" for cid, prop in self.inputs]


@dataclass
class Pending:
    callback: Callback
    changed: dict[str, int] = field(default_factory=dict)
    initial: bool = False
    predecessors: frozenset[str] = frozenset()


@dataclass
class Exchange:
    """What one interaction cost: requests made (callback POSTs; a reload's GETs), their total wall
    time, response bytes and the bytes the page sent (callback POST bodies: inputs and states)."""

    posts: int = 0
    gets: int = 0  # page, layout and callback graph of a reload
    seconds: float = 0.0
    response_bytes: int = 0
    request_bytes: int = 0
    fired: list[str] = field(default_factory=list)
    response_sizes: list[int] = field(default_factory=list)  # bytes of each response, in order
    request_sizes: list[int] = field(default_factory=list)  # bytes of each request's body, in order
    request_ms: list[float] = field(default_factory=list)  # wall time of each request, in order

    @property
    def ms(self) -> float:
        return self.seconds * 1000

    def record(self, what: str, seconds: float, size: int, sent: int = 0) -> None:
        """Count one request: what it was (a callback's output, or ``GET <path>``), its wall time,
        its response's bytes and its body's (``sent``; a GET has none)."""
        if what.startswith("GET "):
            self.gets += 1
        else:
            self.posts += 1
        self.seconds += seconds
        self.response_bytes += size
        self.request_bytes += sent
        self.fired.append(what)
        self.response_sizes.append(size)
        self.request_sizes.append(sent)
        self.request_ms.append(seconds * 1000)

    def merge(self, other: Exchange) -> Exchange:
        """This exchange followed by ``other`` (one user action made of both)."""
        for what, ms, size, sent in zip(other.fired, other.request_ms, other.response_sizes, other.request_sizes,
                                        strict=True):
            self.record(what, ms / 1000, size, sent)
        return self


def keep_cookies(cookies: dict[str, str], set_cookie_headers: list[str]) -> None:
    """A browser's cookie jar for one host, updated from a response's ``Set-Cookie`` headers (the
    shared deployment's session and CSRF cookies); a cookie set to expire is dropped."""
    for header in set_cookie_headers:
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                cookies.pop(name, None)
            else:
                cookies[name] = morsel.value


class DashClient:
    """Hold one page's component props and fire its server callbacks like the renderer."""

    def __init__(self, base_url: str, search: str = "", timeout_s: float = 30.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.base_url = base_url.rstrip("/")
        self.page_search = search
        self.timeout_s = timeout_s
        self.callbacks: list[Callback] = []
        self.skipped: list[str] = []
        self.by_input: dict[str, list[Callback]] = {}
        self.by_output: dict[str, Callback] = {}
        self._layout_source: dict | None = None
        self.root: dict | None = None
        self.components: dict[str, dict] = {}
        self.location: dict[str, str] = {}
        self.cookies: dict[str, str] = {}

    # --- HTTP -------------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            if method != "GET" and self.cookies.get(CSRF_COOKIE):
                headers[CSRF_HEADER] = self.cookies[CSRF_COOKIE]
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            self._keep_cookies(response.msg.get_all("Set-Cookie") or [])
            return response.status, data
        except (OSError, http.client.HTTPException) as error:
            raise DashRequestError(f"{method} {path}: {type(error).__name__}: {error}") from error
        finally:
            connection.close()

    def _keep_cookies(self, set_cookie_headers: list[str]) -> None:
        keep_cookies(self.cookies, set_cookie_headers)

    def reload(self) -> Exchange:
        """Open the page as a browser reload does: the page, the layout and the callback graph (GETs,
        timed), then :meth:`initial_load`. The callback graph is read once; later reloads fetch it again
        for the time and bytes only."""
        exchange, bodies = Exchange(), []
        for path in (f"/{self.page_search}", "/_dash-layout", "/_dash-dependencies"):
            start = time.perf_counter()
            status, data = self._request("GET", path)
            exchange.record(f"GET {path}", time.perf_counter() - start, len(data))
            if status != 200:
                raise DashRequestError(f"GET {path}: HTTP {status}: {data[:300]!r}")
            bodies.append(data)
        if self._layout_source is None:
            self._read_app(bodies[1], bodies[2])
        return exchange.merge(self.initial_load())

    def fetch_app(self) -> None:
        """Read the layout and the callback graph (once per client)."""
        status, layout = self._request("GET", "/_dash-layout")
        if status != 200:
            raise DashRequestError(f"GET /_dash-layout: HTTP {status}")
        status, deps = self._request("GET", "/_dash-dependencies")
        if status != 200:
            raise DashRequestError(f"GET /_dash-dependencies: HTTP {status}")
        self._read_app(layout, deps)

    def _read_app(self, layout: bytes, deps: bytes) -> None:
        self._layout_source = orjson.loads(layout)
        for dep in orjson.loads(deps):
            text = dep["output"]
            if dep.get("clientside_function") and text not in CLIENTSIDE:
                self.skipped.append(f"clientside: {text}")
                continue
            if "{" in text or any(isinstance(d["id"], dict) for d in dep["inputs"] + dep.get("state", [])):
                self.skipped.append(f"pattern-matching: {text}")
                continue
            callback = Callback.from_dependency(dep)
            if dep.get("clientside_function"):
                callback = dataclasses.replace(callback, emulate=CLIENTSIDE[text])
            self.callbacks.append(callback)
            for key in callback.input_keys():
                self.by_input.setdefault(key, []).append(callback)
            for key in callback.clean_outputs():
                self.by_output.setdefault(key, callback)
        for line in self.skipped:
            log.info("not fired by the bench client (%s)", line)

    def reads(self, component_id: str, prop: str) -> bool:
        """Whether any server callback has ``id.prop`` as an Input."""
        return f"{component_id}.{prop}" in self.by_input

    # --- state ------------------------------------------------------------------------------

    def get(self, component_id: str, prop: str) -> object:
        component = self.components.get(component_id)
        return None if component is None else component["props"].get(prop)

    def snapshot(self) -> tuple:
        return copy_tree(self.root), dict(self.location)

    def restore(self, snapshot: tuple) -> None:
        root, location = snapshot
        self.root, self.location = copy_tree(root), dict(location)
        self._index()

    def _index(self) -> None:
        self.components = {}
        for node in crawl(self.root):
            component_id = node["props"].get("id")
            if isinstance(component_id, str):
                self.components[component_id] = node

    def _present(self, key: str) -> bool:
        component_id, prop = key.rsplit(".", 1)
        return component_id in self.components

    # --- interactions -----------------------------------------------------------------------

    def initial_load(self) -> Exchange:
        """Open the page afresh: the layout, then every initial callback and what it cascades into."""
        if self._layout_source is None:
            self.fetch_app()
        path = "/"
        self.location = {"pathname": path, "search": self.page_search, "hash": "",
                         "href": f"{self.base_url}{path}{self.page_search}"}
        self.root = copy_tree(self._layout_source)
        self._index()
        pending: dict[str, Pending] = {}
        self._add_chunk(self.root, pending, frozenset(), outputs_only=True)
        return self._run(pending)

    def act(self, changes: dict[str, object]) -> Exchange:
        """Set props as a user would (``{"id.prop": value}``) and run every callback that follows."""
        pending: dict[str, Pending] = {}
        for key, value in changes.items():
            component_id, prop = key.rsplit(".", 1)
            self.components[component_id]["props"][prop] = value
            self._trigger(key, DIRECT, pending, frozenset(), exclude=None)
        return self._run(pending)

    def _add(self, pending: dict[str, Pending], callback: Callback, changed: dict[str, int], initial: bool,
             predecessors: frozenset[str]) -> None:
        if callback.output in predecessors:
            return  # a callback's own chain never fires it again
        entry = pending.get(callback.output)
        if entry is None:
            pending[callback.output] = Pending(callback, dict(changed), initial, predecessors)
            return
        for key, kind in changed.items():
            entry.changed[key] = max(entry.changed.get(key, 0), kind)
        entry.initial = entry.initial or initial
        entry.predecessors = entry.predecessors | predecessors

    def _trigger(self, key: str, kind: int, pending: dict[str, Pending], predecessors: frozenset[str],
                 exclude: str | None) -> None:
        for callback in self.by_input.get(key, ()):
            if callback.output != exclude:
                self._add(pending, callback, {key: kind}, False, predecessors)

    def _add_chunk(self, chunk: dict | list, pending: dict[str, Pending], predecessors: frozenset[str],
                   outputs_only: bool = False) -> None:
        """Callbacks of newly rendered components: by output (initial calls) and, unless this is the
        whole page, by input."""
        found: dict[str, Pending] = {}
        chunk_components = [n for c in child_components(chunk) for n in crawl(c)]
        ids = {n["props"].get("id") for n in chunk_components if isinstance(n["props"].get("id"), str)}
        for component_id in ids:
            for callback in self.callbacks:
                outs = [k.rsplit(".", 1)[0] for k in callback.clean_outputs()]
                if component_id in outs and not callback.prevent_initial_call:
                    self._add(found, callback, {}, True, predecessors)
                if not outputs_only and any(i == component_id for i, _ in callback.inputs):
                    # Inputs inside a chunk count as changed when an output lies outside it.
                    if not all(o in ids for o in outs):
                        changed = {f"{i}.{p}": INDIRECT for i, p in callback.inputs if i == component_id}
                        self._add(found, callback, changed, False, predecessors)
        # Leave out callbacks whose inputs are all missing (or fed only by such callbacks).
        excluded: set[str] = set()
        while True:
            dropped = [o for o, p in found.items()
                       if all(not self._present(k) or k in excluded for k in p.callback.input_keys())]
            if not dropped:
                break
            for output in dropped:
                excluded.update(found.pop(output).callback.clean_outputs())
        for entry in found.values():
            self._add(pending, entry.callback, entry.changed, entry.initial, entry.predecessors)
        for node in chunk_components:
            if node.get("type") == "Location":
                self._mount_location(node, pending, predecessors)

    def _mount_location(self, node: dict, pending: dict[str, Pending], predecessors: frozenset[str]) -> None:
        props = node["props"]
        for prop in LOCATION_PROPS:
            if props.get(prop) is None:
                props[prop] = self.location[prop]
                self._trigger(f"{props['id']}.{prop}", DIRECT, pending, predecessors, exclude=None)

    def _location_written(self, node: dict, written: set[str], pending: dict[str, Pending],
                          predecessors: frozenset[str]) -> None:
        """A callback set a Location's URL: push it, and tell the other Locations (callback-nav)."""
        props = node["props"]
        if not any(props.get(p) != self.location[p] for p in written if p in LOCATION_PROPS):
            return
        if "search" in written or "pathname" in written or "hash" in written:
            self.location.update({p: props.get(p) or "" for p in ("pathname", "search", "hash")})
            self.location["href"] = f"{self.base_url}{self.location['pathname']}{self.location['search']}" \
                                    f"{self.location['hash']}"
        if props.get("refresh") != "callback-nav":
            return
        for other in self.components.values():
            if other.get("type") != "Location":
                continue
            for prop in LOCATION_PROPS:
                if other["props"].get(prop) != self.location[prop]:
                    other["props"][prop] = self.location[prop]
                    self._trigger(f"{other['props']['id']}.{prop}", DIRECT, pending, predecessors, exclude=None)

    def _blocked_keys(self, pending: dict[str, Pending]) -> set[str]:
        """Every prop that a pending callback may still change, directly or down its chain."""
        reachable: set[str] = set()
        queue = [k for p in pending.values() for k in p.callback.clean_outputs()]
        while queue:
            key = queue.pop()
            if key in reachable:
                continue
            reachable.add(key)
            for callback in self.by_input.get(key, ()):
                queue.extend(callback.clean_outputs())
        return reachable

    def _ready(self, pending: dict[str, Pending]) -> list[Pending]:
        ready = []
        for output, entry in pending.items():
            others = {o: p for o, p in pending.items() if o != output}
            blocked = self._blocked_keys(others)
            own = set(entry.callback.clean_outputs())
            if not any(k in blocked for k in entry.callback.input_keys() if k not in own):
                ready.append(entry)
        return ready or [next(iter(pending.values()))]  # a cycle: run the oldest

    def _run(self, pending: dict[str, Pending]) -> Exchange:
        exchange = Exchange()
        while pending:
            for entry in self._ready(pending):
                del pending[entry.callback.output]
                self._fire(entry, pending, exchange)
        return exchange

    def _body(self, entry: Pending) -> bytes | None:
        callback = entry.callback
        needed = callback.input_keys() + [f"{i}.{p}" for i, p in callback.state]
        if not all(self._present(k) for k in needed):
            return None  # the renderer does not fire a callback with a missing input or state
        if not all(self._present(k) for k in callback.clean_outputs()):
            return None
        if not entry.initial and not entry.changed:
            return None
        outputs = [{"id": i, "property": p} for i, p in callback.outputs]
        body = {
            "output": callback.output,
            "outputs": outputs if callback.multi else outputs[0],
            "inputs": [{"id": i, "property": p, "value": self.get(i, p)} for i, p in callback.inputs],
            "changedPropIds": list(entry.changed),
        }
        if callback.state:
            body["state"] = [{"id": i, "property": p, "value": self.get(i, p)} for i, p in callback.state]
        return orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)

    def _emulate(self, entry: Pending, pending: dict[str, Pending]) -> None:
        """A clientside callback, in Python: set its one output, trigger what reads it."""
        callback = entry.callback
        args = [self.get(i, p) for i, p in callback.inputs + callback.state]
        value = callback.emulate(*args)
        if value is NO_UPDATE:
            return
        component_id, prop = callback.outputs[0]
        self.components[component_id]["props"][prop.split("@")[0]] = value
        self._trigger(f"{component_id}.{prop.split('@')[0]}", DIRECT, pending,
                      entry.predecessors | {callback.output}, exclude=None)

    def _fire(self, entry: Pending, pending: dict[str, Pending], exchange: Exchange) -> None:
        body = self._body(entry)
        if body is None:
            return
        if entry.callback.emulate is not None:
            self._emulate(entry, pending)
            return
        start = time.perf_counter()
        status, data = self._request("POST", "/_dash-update-component", body)
        exchange.record(entry.callback.output, time.perf_counter() - start, len(data), len(body))
        if status == 204:
            return  # PreventUpdate
        if status != 200:
            raise DashRequestError(f"{entry.callback.output}: HTTP {status}: {data[:300]!r}")
        response = orjson.loads(data).get("response", {})
        predecessors = entry.predecessors | {entry.callback.output}
        for component_id, props in response.items():
            node = self.components.get(component_id)
            if node is None:
                continue
            written = set()
            for prop, value in props.items():
                if isinstance(value, dict) and value.get("__dash_patch_update"):
                    apply_patch(node["props"].get(prop), value)
                    continue
                node["props"][prop] = value
                written.add(prop)
                if prop not in DATA_PROPS and child_components(value):
                    self._index()
                    self._add_chunk(value, pending, predecessors)
            for prop in props:
                self._trigger(f"{component_id}.{prop}", DIRECT, pending, predecessors, exclude=None)
            if node.get("type") == "Location" and written:
                self._location_written(node, written, pending, predecessors)
