"""What became of each browser upload, kept on disk so the page can ask again after a dropped response.

The browser names each upload with a random token before sending it. The import writes a
"started" record under that token before it begins and a "finished" record holding the report
after; a page that never got the import's response polls :meth:`UploadOutcomes.get` and shows the
real outcome. One small JSON file per token in ``<data dir>/uploads/``, each written atomically
(temporary file, then ``os.replace``), so every worker of the app reads the same answer and a reader
never sees half a record. No dash import.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .interprocess import owned_prefix, owner_of, process_alive

UPLOADS_DIR = "uploads"
# A record is read within seconds or minutes of its upload; a day leaves room for a slow import
# and a tab reconnecting later, and keeps the folder small. Older records go when a new one is written.
OUTCOME_MAX_AGE_SECONDS = 24 * 3600
# Made by the browser (crypto.randomUUID or a time + random fallback): nothing else is a file name.
UPLOAD_TOKEN = re.compile(r"[A-Za-z0-9-]{8,64}")
# How long the page waits for the server to receive an upload before saying it did not arrive:
# a few seconds, plus the time the request takes at a slow uplink (the data URL's characters).
MISSING_AFTER_SECONDS = 5
SLOW_UPLINK_CHARS_PER_SECOND = 250_000
_TEMP_PREFIX = ".tmp-"


class OutcomeState(StrEnum):
    STARTED = "started"
    FINISHED = "finished"
    # Read, never written: started by a server process that is gone (killed mid-import).
    INTERRUPTED = "interrupted"


class PollVerdict(StrEnum):
    """What the page says about an upload on one poll."""

    FINISHED = "finished"  # show the report
    WORKING = "working"  # the server has it and is importing
    WAITING = "waiting"  # not received yet, still within the time a send may take
    MISSING = "missing"  # never reached the server: nothing was stored
    INTERRUPTED = "interrupted"  # the process importing it died: the dataset list says what was kept


@dataclass(frozen=True)
class UploadOutcome:
    token: str
    state: OutcomeState
    report: dict | None = field(default=None)


def is_upload_token(token: object) -> bool:
    """True for a token the browser could have made (and so a safe file name)."""
    return isinstance(token, str) and UPLOAD_TOKEN.fullmatch(token) is not None


def parse_upload_ticket(data: object) -> tuple[str, int] | None:
    """The token and data-URL length the browser stored for an upload; None unless both are sound."""
    if not isinstance(data, dict) or not is_upload_token(data.get("token")):
        return None
    chars = data.get("chars")
    return data["token"], chars if isinstance(chars, int) and not isinstance(chars, bool) and chars >= 0 else 0


def poll_verdict(outcome: UploadOutcome | None, polls: int, poll_seconds: float, upload_chars: int) -> PollVerdict:
    """What to tell the user after ``polls`` polls, ``poll_seconds`` apart, about an upload.

    Parameters
    ----------
    outcome : UploadOutcome or None
        The record of the upload's token, None when the server has none.
    polls : int
        Polls made so far for this upload (the interval's ``n_intervals``).
    poll_seconds : float
        Time between polls.
    upload_chars : int
        Length of the upload's data URL, which bounds how long sending it may take.
    """
    if outcome is not None:
        return {OutcomeState.FINISHED: PollVerdict.FINISHED,
                OutcomeState.INTERRUPTED: PollVerdict.INTERRUPTED}.get(outcome.state, PollVerdict.WORKING)
    grace = MISSING_AFTER_SECONDS + max(upload_chars, 0) / SLOW_UPLINK_CHARS_PER_SECOND
    return PollVerdict.MISSING if polls * poll_seconds >= grace else PollVerdict.WAITING


class UploadOutcomes:
    """The outcome records of one data directory's uploads.

    Parameters
    ----------
    root : Path or str
        The data directory (``RUTAS_DATA_DIR``); records live in its ``uploads/`` folder.
    max_age_seconds : float
        Records (and stray temporary files) older than this are removed when a record is written.
    """

    def __init__(self, root: Path | str, max_age_seconds: float = OUTCOME_MAX_AGE_SECONDS) -> None:
        self.folder = Path(root) / UPLOADS_DIR
        self.max_age_seconds = max_age_seconds

    def _path(self, token: str) -> Path:
        if not is_upload_token(token):
            raise ValueError(f"not an upload token: {token!r}")
        return self.folder / f"{token}.json"

    def start(self, token: str) -> None:
        """Record that the upload ``token`` reached the server and its import begins."""
        self.remove_old()
        self._write(token, {"token": token, "state": OutcomeState.STARTED.value, "at": time.time(),
                            "owner": owned_prefix("")})

    def finish(self, token: str, report: dict) -> None:
        """Record the import's report (stored or refused) for the upload ``token``."""
        self._write(token, {"token": token, "state": OutcomeState.FINISHED.value, "at": time.time(),
                            "report": report})

    def get(self, token: str) -> UploadOutcome | None:
        """The upload's record; None for an unknown, invalid or unreadable token."""
        if not is_upload_token(token):
            return None
        try:
            record = json.loads(self._path(token).read_text(encoding="utf-8"))
            state = OutcomeState(record["state"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if state is OutcomeState.STARTED:
            # Its importer on this host has died: it will never finish (a worker killed mid-import).
            owner = owner_of(str(record.get("owner", "")), "")
            if owner is not None and not process_alive(owner):
                state = OutcomeState.INTERRUPTED
            return UploadOutcome(token=token, state=state)
        report = record.get("report")
        return UploadOutcome(token=token, state=state, report=report) if isinstance(report, dict) else None

    def remove_old(self, now: float | None = None) -> list[str]:
        """Delete records and temporary files older than ``max_age_seconds``; return their names."""
        cutoff = (time.time() if now is None else now) - self.max_age_seconds
        removed = []
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return removed
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed.append(entry.name)
            except FileNotFoundError:  # another worker removed it first
                continue
        return removed

    def _write(self, token: str, record: dict) -> None:
        path = self._path(token)
        self.folder.mkdir(parents=True, exist_ok=True)
        descriptor, temp = tempfile.mkstemp(dir=self.folder, prefix=_TEMP_PREFIX, suffix=".json")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(record, handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
