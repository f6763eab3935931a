"""Shared fixtures: the bundled data, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.data.catalog import GEODATA_DIR, load_bundled_data
from dashboard.data.store import InMemoryEventStore

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def bundled():
    return load_bundled_data(GEODATA_DIR)


@pytest.fixture(scope="session")
def store(bundled):
    return InMemoryEventStore(bundled.events)


@pytest.fixture(scope="session")
def app_context(bundled, tmp_path_factory):
    """The process context the callbacks read (set once), over an empty data directory."""
    from dashboard.config import Settings
    from dashboard.state.context import build_context, set_context

    data_dir = tmp_path_factory.mktemp("instance")
    context = build_context(Settings(data_dir=str(data_dir)), bundled)
    set_context(context)
    return context
