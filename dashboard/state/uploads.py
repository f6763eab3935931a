"""Browser uploads: a ``data:...;base64,`` string in a JSON request, checked before decoding.

Pure functions (no dash import): the upload callback stays thin and these are unit-tested.
"""

from __future__ import annotations

import base64
import binascii
import math

from dashboard.data.imports.base import SETTING_OF_LIMIT, ImportRefused, LimitExceeded

# Headroom the JSON envelope of a Dash callback adds around the base64 file (ids, state).
REQUEST_OVERHEAD_BYTES = 1024 * 1024


def request_size_limit(max_upload_bytes: int) -> int:
    """Largest HTTP request body to accept for a file of ``max_upload_bytes`` sent as base64."""
    return 4 * math.ceil(max_upload_bytes / 3) + REQUEST_OVERHEAD_BYTES


def decode_upload(contents: str | None, max_upload_bytes: int) -> bytes:
    """The uploaded file's bytes; refuses a malformed or oversized upload without decoding it."""
    if not isinstance(contents, str) or "," not in contents:
        raise ImportRefused("the upload is not a file (expected a data URL)")
    header, payload = contents.split(",", 1)
    if not header.startswith("data:") or ";base64" not in header:
        raise ImportRefused("the upload is not base64-encoded")
    padding = len(payload) - len(payload.rstrip("="))
    size = len(payload) * 3 // 4 - padding
    if size > max_upload_bytes:
        raise LimitExceeded(f"the file has {size:,} bytes, more than {max_upload_bytes:,}",
                            SETTING_OF_LIMIT["max_upload_bytes"])
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImportRefused(f"the upload's base64 is damaged ({error})") from error
