"""UI strings of the present feature (English, Español)."""

MESSAGES: dict[str, dict[str, str]] = {
    "en": {},
    "es": {},
}
