"""UI strings of the stories feature (English, Español)."""

MESSAGES: dict[str, dict[str, str]] = {
    "en": {},
    "es": {},
}
