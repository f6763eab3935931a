"""Feature catalogs merged into ``dashboard.i18n.CATALOGS``: one module per feature, so each has
one owner. Each module defines ``MESSAGES = {"en": {...}, "es": {...}}`` with the same keys."""

from dashboard.messages import playback, present, stories

FEATURE_CATALOGS = (present.MESSAGES, stories.MESSAGES, playback.MESSAGES)
