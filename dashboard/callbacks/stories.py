"""Callbacks of the stories feature (filled in by its owner)."""
