"""Issue 20, item 7: permalink hosts, a fresh page's story, long event ids, spreadsheet-safe CSV."""

from __future__ import annotations

import flask
import pytest

from dashboard.config import Settings, allowed_hosts, local_base_url
from dashboard.exports.spec import DEFAULT_BASE_URL, is_allowed_host, public_base_url

LOCAL = ("127.0.0.1", "localhost", "[::1]", "127.0.0.1:8050")


# ---- a. the Host header reaches a permalink only when it is allowed ---------------------------------
@pytest.mark.parametrize(("url", "allowed", "expected"), [
    ("http://127.0.0.1:8050/", LOCAL, True),
    ("http://localhost/", LOCAL, True),
    ("http://LOCALHOST:9000/", LOCAL, True),  # host names are case-insensitive; no port: any port
    ("http://evil.example/", LOCAL, False),
    ("http://evil.example:8050/", LOCAL, False),
    ("http://127.0.0.1.evil.example/", LOCAL, False),
    ("http://rutas.example:8050/", ("rutas.example:8050",), True),
    ("http://rutas.example:8051/", ("rutas.example:8050",), False),  # an entry's port must match
    ("http://rutas.example/", ("rutas.example:80",), True),  # no port in the URL: the scheme's
    ("https://rutas.example/", ("rutas.example:80",), False),
    ("https://Rutas.Example./", ("RUTAS.example",), True),  # uppercase entry, trailing dot
    ("http://[::1]:8050/", LOCAL, True),  # IPv6 literal
    ("http://[::1]:8050/", ("::1",), True),  # a bare IPv6 entry: any port
    ("http://[::2]:8050/", LOCAL, False),
    ("http://[2001:DB8::1]/", ("[2001:db8::1]:80",), True),
    ("http://user@localhost/", LOCAL, False),
    ("http://localhost:99999/", LOCAL, False),  # malformed port
    ("javascript://localhost/", LOCAL, False),
    ("http://localhost/", (), False),
])
def test_sec201_is_allowed_host(url, allowed, expected):
    assert is_allowed_host(url, allowed) is expected


def test_sec202_public_base_url_takes_the_request_only_when_allowed():
    assert public_base_url("https://rutas.example/", "http://evil.example/", LOCAL) == "https://rutas.example/"
    assert public_base_url("", "http://localhost:8050/", LOCAL) == "http://localhost:8050/"
    assert public_base_url("", "http://evil.example/", LOCAL) == DEFAULT_BASE_URL
    assert public_base_url("", "http://evil.example/") == DEFAULT_BASE_URL  # no list: never the request
    assert public_base_url(None, "http://evil.example/", LOCAL, "http://127.0.0.1:9000/") == "http://127.0.0.1:9000/"


def test_sec203_allowed_hosts_setting_and_its_default():
    assert allowed_hosts(Settings()) == ("127.0.0.1", "localhost", "[::1]", "127.0.0.1:8050")
    assert allowed_hosts(Settings(host="0.0.0.0", port=9000))[-1] == "0.0.0.0:9000"
    assert allowed_hosts(Settings(host="::", port=9000))[-1] == "[::]:9000"
    settings = Settings.from_env({"RUTAS_ALLOWED_HOSTS": " rutas.example , 10.0.0.5:8050,", "RUTAS_PORT": "9000"})
    assert allowed_hosts(settings) == ("rutas.example", "10.0.0.5:8050")
    assert local_base_url(settings) == "http://127.0.0.1:9000/"


@pytest.mark.parametrize(("host", "env", "expected"), [
    ("evil.example", {}, "http://127.0.0.1:8050/"),
    ("EVIL.example:8050", {}, "http://127.0.0.1:8050/"),
    ("127.0.0.1:8050", {}, "http://127.0.0.1:8050/"),
    ("localhost:8050", {}, "http://localhost:8050/"),
    ("[::1]:8050", {}, "http://[::1]:8050/"),
    ("rutas.example", {"RUTAS_ALLOWED_HOSTS": "rutas.example"}, "http://rutas.example/"),
    ("evil.example", {"RUTAS_ALLOWED_HOSTS": "rutas.example"}, "http://127.0.0.1:8050/"),
    ("evil.example", {"RUTAS_PUBLIC_URL": "https://rutas.example/"}, "https://rutas.example/"),
])
def test_sec204_request_base_url_refuses_an_unlisted_host_header(app_context, monkeypatch, host, env, expected):
    from dashboard.callbacks.links import request_base_url

    monkeypatch.setattr(app_context, "settings", Settings.from_env({"RUTAS_DATA_DIR": app_context.settings.data_dir,
                                                                    **env}))
    with flask.Flask(__name__).test_request_context("/", headers={"Host": host}):
        assert request_base_url() == expected


# ---- c. an event id as long as an import makes is selectable, a longer one refused ------------------
def test_fil201_the_event_id_limit_is_the_longest_id_an_import_makes():
    from dashboard.data.filters import MAX_EVENT_ID_CHARS
    from dashboard.data.imports.base import ImportLimits
    from dashboard.data.imports.pipeline import dataset_id_for

    longest = (f"{dataset_id_for('x' * 200, 'f' * 64)}:{'s' * ImportLimits.max_field_chars}"
               f"~{ImportLimits.max_upload_bytes}")
    assert len(longest) == MAX_EVENT_ID_CHARS


def test_fil202_event_ids_just_under_and_just_over_the_limit():
    from dashboard.data.filters import MAX_EVENT_ID_CHARS, UrlState, build_search, parse_url_state

    for length in (150, MAX_EVENT_ID_CHARS):
        event_id = f"acled-{'a' * 10}:" + "x" * (length - 17)
        assert len(event_id) == length
        state, notices = parse_url_state(build_search(UrlState(selected=event_id)))
        assert state.selected == event_id and notices == []
    state, notices = parse_url_state("?event=" + "x" * (MAX_EVENT_ID_CHARS + 1))
    assert state.selected == "" and notices == [("event", "notice.unknown_value")]  # refused, not cut


def test_fil203_a_150_character_event_id_in_the_url_shows_its_card(app_context, bundled, monkeypatch):
    from dashboard.callbacks.detail import update_detail
    from dashboard.data.filters import UrlState, build_search
    from dashboard.data.store import InMemoryEventStore
    from dashboard.i18n import translate
    from dashboard.state.context import AppContext

    long_id = "long-import-0123abcd:" + "L" * 129
    assert len(long_id) == 150
    events = bundled.events.head(3).copy().reset_index(drop=True)
    events.at[1, "event_id"] = long_id
    store = InMemoryEventStore(events)
    monkeypatch.setattr(AppContext, "store", property(lambda self: store))
    search = build_search(UrlState(selected=long_id))
    card = update_detail(None, "en", None, search)["card"]
    assert card != [translate("detail.empty", "en")]
    assert long_id in str(card)
    # Cut to 100 characters (as before), the id named no event and the card was the empty hint.
    assert update_detail(None, "en", None, build_search(UrlState(selected=long_id[:100])))["card"] == [
        translate("detail.empty", "en")]
