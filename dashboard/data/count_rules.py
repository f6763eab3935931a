"""How contested deaths and kg are counted (the URL's ``count``): declared once, here.

Apart from :mod:`.reported_figures` (which applies a rule to the reported figures) so the URL
state in :mod:`.filters` can name a rule without importing what applies it.
"""

from __future__ import annotations

from enum import StrEnum


class CountRule(StrEnum):
    """Which of an event's reported figures the headline counts use."""

    LATEST_OFFICIAL = "latest_official"  # the latest official correction, else the cited source's figure
    HIGHEST_REPORTED = "highest_reported"
    FIRST_REPORT = "first_report"


DEFAULT_COUNT_RULE = CountRule.LATEST_OFFICIAL


def parse_count_rule(text: object) -> CountRule:
    """A rule from a URL value; anything unknown is the default (a link never fails on it)."""
    try:
        return CountRule(str(text))
    except ValueError:
        return DEFAULT_COUNT_RULE
