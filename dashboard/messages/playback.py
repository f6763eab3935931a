"""The playback feature's strings, as held in the catalogs (see :mod:`dashboard.messages`)."""

from dashboard.messages import messages_with_prefix

MESSAGES = messages_with_prefix("playback.")
