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
