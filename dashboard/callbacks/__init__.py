"""Callbacks, one module per feature. Importing this package registers them all."""

from dashboard.callbacks import (  # noqa: F401
    datasets,
    detail,
    exports,
    map_view,
    options,
    page,
    playback,
    present,
    state,
    stories,
    views,
)
