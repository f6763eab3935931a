"""The briefing pack of a story: a PDF (one page per slide) and a PPTX (one slide per slide).

Interface fixed first so the story panel can call it; the owner of this module fills it in.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from dashboard.data.store import EventStore
from dashboard.data.stories import Story
from dashboard.exports.service import DEFAULT_BASE_URL, ReferenceLayers


class BriefingFormat(StrEnum):
    PDF = "pdf"
    PPTX = "pptx"


BRIEFING_MEDIA_TYPES = {
    BriefingFormat.PDF: "application/pdf",
    BriefingFormat.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def build_briefing(store: EventStore, layers: ReferenceLayers, story: Story, fmt: BriefingFormat, *,
                   lang: str | None = None, exported_at: datetime | None = None,
                   dataset_names: dict[str, str] | None = None, base_url: str = DEFAULT_BASE_URL) -> bytes:
    """The pack of ``story`` as PDF or PPTX bytes (``lang`` defaults to the story's language)."""
    raise NotImplementedError("the briefing pack is being built")


def briefing_file_name(story: Story, fmt: BriefingFormat, exported_at: datetime) -> str:
    """``<story-id>-briefing-YYYYMMDD-HHMM.<ext>``."""
    return f"{story.story_id}-briefing-{exported_at:%Y%m%d-%H%M}.{BriefingFormat(fmt).value}"
