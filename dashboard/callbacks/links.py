"""Where the permalinks of exports and briefing packs point, for a callback serving a request."""

from __future__ import annotations

import flask

from dashboard.config import allowed_hosts, local_base_url
from dashboard.exports.spec import public_base_url
from dashboard.state.context import get_context


def request_base_url() -> str:
    """The configured public address, else the address this request came to when its host is
    allowed, else this machine's (one rule: spec.py ``public_base_url``)."""
    settings = get_context().settings
    request_url = flask.request.host_url if flask.has_request_context() else None
    return public_base_url(settings.public_url, request_url, allowed_hosts(settings), local_base_url(settings))
