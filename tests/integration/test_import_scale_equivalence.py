"""The streaming ACLED reader gives the row reader's outcome on every file of the hostile corpus.

Each corpus file is imported row by row (``block_bytes=0``) and with the default streaming path
(tiny blocks, so a file spans several); the reports (rows, fields, messages) and the events must
be identical, whichever path the streaming reader chose to take. In integration because the
corpus takes seconds to build and run.
"""

from __future__ import annotations

import logging

import pandas as pd

from dashboard.data.imports.pipeline import import_bytes
from tests.integration.test_hostile_corpus import LIMITS, build_corpus

TINY_BLOCK = 1024
NOW_TEXT = "2025-06-01T00:00:00+00:00"


def test_ise001_every_hostile_file_gives_the_same_outcome_both_ways(tmp_path, caplog):
    from datetime import datetime

    now = datetime.fromisoformat(NOW_TEXT)
    differing, streamed = [], 0
    for name, data in sorted(build_corpus(tmp_path).items()):
        by_rows = import_bytes(data, name, limits=LIMITS, now=now, block_bytes=0)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="dashboard.data.imports.pipeline"):
            in_blocks = import_bytes(data, name, limits=LIMITS, now=now, block_bytes=TINY_BLOCK)
        failed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        if failed:
            differing.append(f"{name}: streaming failed: {failed[0][:200]}")
        streamed += in_blocks.report.format == "acled" and not caplog.records
        if in_blocks.report.to_dict() != by_rows.report.to_dict():
            differing.append(f"{name}: reports differ")
            continue
        try:
            pd.testing.assert_frame_equal(in_blocks.events, by_rows.events)
        except AssertionError as error:
            differing.append(f"{name}: events differ: {str(error)[:200]}")
    assert not differing, "\n".join(differing)
    assert streamed >= 5  # the good ACLED file and the mutations Arrow reads alike did stream
