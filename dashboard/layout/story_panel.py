"""The Story panel of the main page: build a story from views, present it, export it."""

from __future__ import annotations

from dash import html

from dashboard.context import AppContext


def build_story_panel(context: AppContext, lang: str) -> html.Section:
    """Placeholder until the story builder lands."""
    return html.Section(hidden=True)
