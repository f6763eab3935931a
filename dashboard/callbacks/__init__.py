"""Callbacks, one module per feature. Importing this package registers them all."""

from dashboard.callbacks import datasets, detail, exports, map_view, page, state, views  # noqa: F401
