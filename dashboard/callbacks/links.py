"""Where the permalinks of exports and briefing packs point, for a callback serving a request."""

from __future__ import annotations

import flask

from dashboard.exports.spec import public_base_url
from dashboard.state.context import get_context


def request_base_url() -> str:
    """The configured public address, else the address this request came to (one rule: spec.py)."""
    request_url = flask.request.host_url if flask.has_request_context() else None
    return public_base_url(get_context().settings.public_url, request_url)
