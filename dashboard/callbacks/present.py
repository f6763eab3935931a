"""Callbacks of the present feature (filled in by its owner)."""
