"""UI strings of the playback feature (English, Español)."""

MESSAGES: dict[str, dict[str, str]] = {
    "en": {},
    "es": {},
}
