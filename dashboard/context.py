"""The process-wide, read-only context: settings, bundled layers and the event store.

Built once by ``create_app`` before any request (and before gunicorn forks with --preload);
never mutated afterwards, so workers share it safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dashboard.config import Settings
from dashboard.data.catalog import GEODATA_DIR, BundledData, load_bundled_data
from dashboard.data.store import EventStore, InMemoryEventStore
from dashboard.figures.event_map import MapTraceIndex, map_trace_index


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    data: BundledData
    store: EventStore
    vraem_feature: dict | None
    map_traces: MapTraceIndex  # where each trace group sits in the map figure (for Patches)


_context: AppContext | None = None


def set_context(context: AppContext) -> None:
    global _context
    _context = context


def get_context() -> AppContext:
    if _context is None:
        raise RuntimeError("create_app() has not run: no data is loaded")
    return _context


def load_context(settings: Settings) -> AppContext:
    """Load and validate the bundled data named by the settings, then index it."""
    directory = Path(settings.geodata_dir) if settings.geodata_dir else GEODATA_DIR
    return build_context(settings, load_bundled_data(directory))


def build_context(settings: Settings, data: BundledData) -> AppContext:
    """Index the bundled data for serving."""
    vraem = next((f for f in data.regions["features"] if f["properties"].get("kind") == "vraem"), None)
    return AppContext(settings=settings, data=data, store=InMemoryEventStore(data.events),
                      vraem_feature=vraem, map_traces=map_trace_index(len(data.routes["features"])))
