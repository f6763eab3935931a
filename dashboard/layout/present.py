"""The presenter screen (/present/<story>) and the speaker-notes window (/present/<story>/notes)."""

from __future__ import annotations

from dash import html

from dashboard.context import AppContext


def build_presenter(context: AppContext, story_id: str, search: str, lang: str) -> html.Div:
    """Placeholder until the presenter lands."""
    return html.Div(f"presenter for {story_id}")


def build_notes(context: AppContext, story_id: str, search: str, lang: str) -> html.Div:
    """Placeholder until the notes window lands."""
    return html.Div(f"notes for {story_id}")
