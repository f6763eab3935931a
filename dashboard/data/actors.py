"""Actor families: one rule table shared by the bundled-data build and every import.

A filter on "Shining Path" must find the group whatever a source calls it, so each actor name
is mapped to a coarse group by the first matching pattern.
"""

from __future__ import annotations

import re
from functools import cache

# First matching rule wins; an actor matching none is grouped as "other". Order matters:
# "Peruvian and Bolivian traffickers" must reach the traffickers rule before the Bolivian one.
ACTOR_GROUP_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("shining_path", re.compile(r"shining path|sendero|mpcp|comrade m[ií]o", re.I)),
    ("traffickers", re.compile(
        r"cartel|c[áa]rtel|traffick|network of|mochilero|pilot|registered aircraft|\bPCC\b|"
        r"suspects|crews|producer|caracol|exporter|truck drivers", re.I)),
    ("peru_police", re.compile(r"national police of peru|puno regional police|airport security", re.I)),
    ("peru_military", re.compile(
        r"peruvian (army|armed forces|navy|air force)|comando especial vraem|task force", re.I)),
    ("peru_government", re.compile(
        r"government of peru|ministry of the interior|public ministry|corah|sunat|congress of peru|"
        r"peruvian authorities|^customs$|police informants", re.I)),
    ("bolivia_authorities", re.compile(r"bolivia", re.I)),
    ("brazil_authorities", re.compile(r"brazil|gefron", re.I)),
    ("europe_authorities", re.compile(
        r"guardia civil|spanish|mossos|dutch|belgian|guardia di finanza|seacop", re.I)),
    ("us_authorities", re.compile(r"\bDEA\b|US (coast guard|customs)|homeland security|\bCIA\b", re.I)),
]


@cache  # sources repeat the same few actor names on thousands of rows
def group_actor(actor: str) -> str:
    """Return the actor group key for one actor name ("other" when no rule matches)."""
    for group, pattern in ACTOR_GROUP_RULES:
        if pattern.search(actor):
            return group
    return "other"


def group_actors(actors: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Sorted, distinct groups of several actors (empty for no actors)."""
    return tuple(sorted({group_actor(a) for a in actors}))
