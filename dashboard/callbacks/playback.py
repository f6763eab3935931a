"""Callbacks of the playback feature (filled in by its owner)."""
