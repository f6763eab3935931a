"""Time playback controls under the main page's timeline."""

from __future__ import annotations

from dash import html


def build_playback_controls(lang: str) -> html.Div:
    """Placeholder until playback lands."""
    return html.Div(hidden=True)
