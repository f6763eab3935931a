"""UI strings of the story builder and of story text shared by the presenter and the pack."""

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "story.more_sources": "… and {count} more sources",
    },
    "es": {
        "story.more_sources": "… y {count} fuentes más",
    },
}
