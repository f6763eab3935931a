"""The process-wide context: settings, bundled layers, imported datasets and the event store.

Built once by ``create_app`` before any request (and before gunicorn forks with --preload). The
bundled layers never change; the store is rebuilt when the imported datasets change (an import
or a delete, by this worker or another), checked once per access, so every worker serves the
same datasets.

Two engines, picked here and nowhere else (:func:`dataset_repository_for`, :meth:`AppContext._rebuild`):

- embedded (the default): datasets are files in ``RUTAS_DATA_DIR`` and each process holds every
  event in an :class:`~dashboard.data.store.InMemoryEventStore`; the check is a directory listing;
- shared (``RUTAS_DATABASE_URL`` set): datasets and the bundled events live in PostgreSQL/PostGIS,
  the :class:`~dashboard.data.store.PostgisEventStore` asks the database, the check is one query
  of the data version.

Stories follow the same choice (:func:`story_repository_for`). Either way the results are memoised in :func:`~dashboard.data.redis_cache.result_cache_for`'s
cache: Redis shared by the workers when ``RUTAS_REDIS_URL`` answers, else the process's own LRU.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard.config import Settings
from dashboard.data.cache import LruResultCache, ResultCache
from dashboard.data.catalog import GEODATA_DIR, BundledData, load_bundled_data
from dashboard.data.database import engine_for, require_current_schema
from dashboard.data.database.datasets import PostgisDatasetRepository
from dashboard.data.database.stories import DatabaseStoryRepository
from dashboard.data.database.upload_outcomes import DatabaseUploadOutcomes
from dashboard.data.datasets import DatasetMeta, DatasetRepository, concat_events, with_import_columns
from dashboard.data.indicators import load_indicator_catalog
from dashboard.data.redis_cache import result_cache_for
from dashboard.data.schema import BUNDLED_DATASET
from dashboard.data.store import EventStore, InMemoryEventStore, PostgisEventStore
from dashboard.data.store.postgis import set_query_slots
from dashboard.data.stories import BUNDLED_STORIES_DIR, StoryRepository
from dashboard.data.upload_outcomes import UploadOutcomes
from dashboard.state.story_builder import StaleStory


@dataclass
class AppContext:
    settings: Settings
    data: BundledData
    repository: DatasetRepository | PostgisDatasetRepository
    vraem_feature: dict | None
    stories: StoryRepository | DatabaseStoryRepository = field(default=None)  # bundled stories and the user's
    _bundled_events: pd.DataFrame = field(repr=False, default=None)
    _store: EventStore | None = field(repr=False, default=None)
    _version: tuple[str, ...] | str | None = field(repr=False, default=None)
    _datasets: list[DatasetMeta] = field(repr=False, default_factory=list)
    _lock: threading.Lock = field(repr=False, default_factory=threading.Lock)
    # One result cache per process (or Redis, shared), made before gunicorn forks; keys carry the
    # data version, so a rebuilt store never reads results of the old one.
    results: ResultCache = field(repr=False, default_factory=LruResultCache)

    @property
    def store(self) -> EventStore:
        """The store over bundled + imported events, rebuilt when datasets were added or removed."""
        version = self.repository.version()
        if self._store is None or version != self._version:
            with self._lock:
                if self._store is None or version != self._version:
                    self._rebuild(version)
                    release_free_memory()
        return self._store

    @property
    def datasets(self) -> list[DatasetMeta]:
        """Imported datasets, oldest first (as of the store's last rebuild)."""
        _ = self.store
        return self._datasets

    def dataset_names(self) -> dict[str, str]:
        """Dataset id → the name its importer gave it (what a chart or file calls it)."""
        return {meta.dataset_id: meta.name for meta in self.datasets}

    def synthetic_datasets(self) -> set[str]:
        """Ids of the datasets holding generated (synthetic) rows, so the UI can say so."""
        return {dataset.dataset_id for dataset in self.store.datasets() if dataset.synthetic}

    def duplicates_in(self, dataset_id: str) -> int:
        """Rows of a dataset that may report the same event as a row of another dataset."""
        return self.store.duplicates_in(dataset_id)

    def _rebuild(self, version: tuple[str, ...] | str) -> None:
        datasets = self.repository.list()
        clear = getattr(self.results, "clear", None)
        if clear is not None:
            clear()  # keyed by version, so never wrong; cleared to free the memory at once
        # The one place that picks the engine: everything else asks through EventStore.
        if isinstance(self.repository, PostgisDatasetRepository):
            self._store = PostgisEventStore(self.repository.url, default_datasets=(BUNDLED_DATASET,),
                                            cache=self.results)
        else:
            # Imported datasets arrive as codes (text as dictionaries, actor lists and dates once per
            # value); concat_events keeps them, so the store hashes no row again.
            imported = self.repository.load_all(as_codes=True)
            frames = [self._bundled_events] + ([imported] if len(imported) else [])
            events = concat_events(frames)
            self._store = InMemoryEventStore(events, default_datasets=(BUNDLED_DATASET,), cache=self.results,
                                             version=data_version(version, datasets))
        self._datasets = datasets
        self._version = version


def data_version(names: tuple[str, ...], datasets: list[DatasetMeta]) -> str:
    """Names the data a store holds: the dataset folders and the bytes each was imported from."""
    text = repr((names, sorted((m.dataset_id, m.sha256) for m in datasets)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def release_free_memory() -> None:
    """Hand memory freed after a (re)build back to the system.

    Reading a dataset peaks at about three times what the store keeps; Arrow's pool and glibc's
    malloc otherwise hold the freed pages, and each forked worker would start that much bigger.
    """
    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pass
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        trim = getattr(ctypes.CDLL(libc_name), "malloc_trim", None)  # glibc only
        if trim is not None:
            trim(0)


_context: AppContext | None = None


def set_context(context: AppContext) -> None:
    global _context
    _context = context


def get_context() -> AppContext:
    if _context is None:
        raise RuntimeError("create_app() has not run: no data is loaded")
    return _context


def load_context(settings: Settings) -> AppContext:
    """Load and validate the bundled data named by the settings, then index it with the imports."""
    directory = Path(settings.geodata_dir) if settings.geodata_dir else GEODATA_DIR
    data = load_bundled_data(directory)
    load_indicator_catalog(directory)  # a broken bundled indicator row stops the start (file, line, field)
    return build_context(settings, data)


def dataset_repository_for(settings: Settings) -> DatasetRepository | PostgisDatasetRepository:
    """Where datasets live: the database when ``RUTAS_DATABASE_URL`` is set, else ``RUTAS_DATA_DIR``.

    The database must be at this version's schema (``SchemaOutdated`` names the command that
    migrates it; ``DatabaseUnavailable`` names the server and why it cannot be reached).
    """
    if settings.database_url:
        require_current_schema(settings.database_url)
        set_query_slots(settings.database_query_slots)
        return PostgisDatasetRepository(settings.database_url)
    return DatasetRepository(Path(settings.data_dir))


def story_repository_for(settings: Settings) -> StoryRepository | DatabaseStoryRepository:
    """Where stories live: the shared database (the revision an optimistic lock in SQL) when
    ``RUTAS_DATABASE_URL`` is set, else the files in ``RUTAS_DATA_DIR/stories``."""
    if settings.database_url:
        return DatabaseStoryRepository(engine_for(settings.database_url), BUNDLED_STORIES_DIR, conflict=StaleStory,
                                       data_dir=Path(settings.data_dir))
    return StoryRepository(Path(settings.data_dir), BUNDLED_STORIES_DIR)


def upload_outcomes_for(settings: Settings) -> UploadOutcomes | DatabaseUploadOutcomes:
    """Where the outcome of each browser upload is kept for the page's polls: the shared database
    (any server answers, whichever imported it) or the files of ``RUTAS_DATA_DIR/uploads``."""
    if settings.database_url:
        return DatabaseUploadOutcomes(engine_for(settings.database_url))
    return UploadOutcomes(settings.data_dir)


def build_context(settings: Settings, data: BundledData) -> AppContext:
    """Index the bundled data and the imported datasets (files, or the shared database)."""
    vraem = next((f for f in data.regions["features"] if f["properties"].get("kind") == "vraem"), None)
    repository = dataset_repository_for(settings)
    repository.remove_leftovers()
    bundled_events = with_import_columns(data.events)
    if isinstance(repository, PostgisDatasetRepository):
        repository.sync_bundled(bundled_events)  # the database answers for the bundled events too
        bundled_events = None
    stories = story_repository_for(settings)
    context = AppContext(settings=settings, data=data, repository=repository, vraem_feature=vraem, stories=stories,
                         _bundled_events=bundled_events, results=result_cache_for(settings))
    _ = context.store  # build now: fail at start-up, not on the first request
    return context
