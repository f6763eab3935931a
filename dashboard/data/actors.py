"""Actor families: one rule table shared by the bundled-data build and every import.

A filter on "Shining Path" must find the group whatever a source calls it, so each actor name
is mapped to a coarse group (:class:`~dashboard.data.schema.ActorGroup`) by the first matching rule.

Rules read a name the way ACLED and UCDP write them, from its start: ACLED names state forces
``Military Forces of Peru (2021-)``, ``Police Forces of Bolivia (2020-) <unit>`` and governments
``Government of Peru (2021-)``; UCDP names them ``Government of Peru``; ACLED's non-state types
are ``Protesters (Bolivia)``, ``Rioters (Peru)``, ``Civilians (Brazil)``, ``Unidentified Armed
Group (Peru)``. Free-text names (the bundled facts, hand-made files) are read the same way: a
country's adjective followed by a state body in the name's head (the part before any
parenthesis), e.g. ``Bolivian anti-narcotics force (FELCN)``. A country's name *inside* a name
("Protesters (Bolivia)", "Civilians (Brazil)") never makes an actor a state body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .schema import ActorGroup

# A name's head: everything before its first parenthesis ("Police Forces of Peru (2021-) ...").
_HEAD = r"[^(]*?"
# The end of a word, also after "U.S." (where \b fails between "." and a space).
_END = r"(?!\w)"

# What makes a free-text name a state body (its head names one of these).
POLICE_WORDS = r"police|polic[ií]a|gendarmer\w*|anti-?narcotics|anti-?drug|border patrol|border guard"
MILITARY_WORDS = r"army|navy|air force|armed forces|military|marines?|special forces|coast guard"
GOVERNMENT_WORDS = (r"government|authorities|ministry|customs|prosecut\w*|public prosecution|tax agency|"
                    r"attorney general")
STATE_WORDS = f"{POLICE_WORDS}|{MILITARY_WORDS}|{GOVERNMENT_WORDS}"


@dataclass(frozen=True)
class StateNames:
    """How sources write one country (or bloc) whose state bodies have their own group.

    ``names`` as ACLED/UCDP write the country ("the Netherlands", "United States of America"),
    ``adjectives`` as free text does ("Dutch", "US"), ``spanish`` as Spanish-language sources do
    ("Policía Nacional del Perú"). Each is a regular-expression alternation.
    """

    group: ActorGroup
    names: str
    adjectives: str
    spanish: str


STATE_NAMES: tuple[StateNames, ...] = (
    StateNames(ActorGroup.PERU_GOVERNMENT, r"Peru", r"Peruvian", r"Per[uú]"),  # split below
    StateNames(ActorGroup.BOLIVIA_AUTHORITIES, r"Bolivia", r"Bolivian", r"Bolivia"),
    StateNames(ActorGroup.BRAZIL_AUTHORITIES, r"Brazil", r"Brazilian", r"Brasil"),
    StateNames(ActorGroup.COLOMBIA_AUTHORITIES, r"Colombia", r"Colombian", r"Colombia"),
    StateNames(ActorGroup.US_AUTHORITIES, r"(?:the )?United States(?: of America)?|USA?",
               r"US|U\.S\.|United States|American", r"(?:los )?Estados Unidos"),
    StateNames(ActorGroup.EUROPE_AUTHORITIES,
               r"(?:the )?(?:Netherlands|United Kingdom)|Spain|Belgium|Portugal|France|Italy|Germany|"
               r"Ireland|Greece|Albania",
               r"Spanish|Dutch|Belgian|Portuguese|French|Italian|German|British|Irish|Greek|Albanian|EU",
               r"Espa[ñn]a|(?:los )?Pa[ií]ses Bajos|B[ée]lgica|Portugal|Francia|Italia|Alemania"),
)


def _structured_state_rules(country: StateNames) -> list[tuple[ActorGroup, str]]:
    """ACLED's "Military/Police Forces of <country> (…)" and ACLED/UCDP "Government of <country>"."""
    if country.group is not ActorGroup.PERU_GOVERNMENT:
        return [(country.group, rf"(?:(?:Military|Police) Forces|Government) of (?:{country.names}){_END}")]
    return [(ActorGroup.PERU_MILITARY, rf"Military Forces of (?:{country.names}){_END}"),
            (ActorGroup.PERU_POLICE, rf"Police Forces of (?:{country.names}){_END}"),
            (ActorGroup.PERU_GOVERNMENT, rf"Government of (?:{country.names}){_END}")]


def _free_text_state_rules(country: StateNames) -> list[tuple[ActorGroup, str]]:
    """"<Adjective> … <state body>" and Spanish "<body> … de(l) <country>"; Peru's split three ways."""
    adjectives, spanish = country.adjectives, country.spanish
    if country.group is not ActorGroup.PERU_GOVERNMENT:
        return [
            (country.group, rf"(?:{adjectives}){_END}{_HEAD}\b(?:{STATE_WORDS}){_END}"),
            (country.group, rf"(?:Polic[ií]a|Ej[ée]rcito|Armada|Marina|Fuerzas? A[ée]rea|Fuerzas Armadas|Gobierno|"
                            rf"Fiscal[ií]a|Aduanas?){_HEAD} (?:de|del) (?:{spanish}){_END}"),
        ]
    return [
        (ActorGroup.PERU_MILITARY, rf"(?:{adjectives}){_END}{_HEAD}\b(?:{MILITARY_WORDS}){_END}"),
        (ActorGroup.PERU_POLICE, rf"(?:{adjectives}){_END}{_HEAD}\b(?:{POLICE_WORDS}){_END}"),
        (ActorGroup.PERU_GOVERNMENT, rf"(?:{adjectives}){_END}{_HEAD}\b(?:{GOVERNMENT_WORDS}){_END}"),
        (ActorGroup.PERU_MILITARY, rf"(?:Ej[ée]rcito|Marina de Guerra|Fuerza A[ée]rea|Fuerzas Armadas){_HEAD} "
                                   rf"del? (?:{spanish}){_END}"),
        (ActorGroup.PERU_POLICE, rf"Polic[ií]a{_HEAD} del? (?:{spanish}){_END}"),
        (ActorGroup.PERU_GOVERNMENT, rf"(?:Gobierno|Fiscal[ií]a|Ministerio){_HEAD} del? (?:{spanish}){_END}"),
    ]


# Each pattern must match at the START of the name (re.match); the first rule that does wins.
_RULES: list[tuple[ActorGroup, str]] = [
    # ACLED writes "<acronym>: <name>" for some groups ("PCP-SL: …"); UCDP writes "Sendero Luminoso".
    (ActorGroup.SHINING_PATH, r"(?:[\w-]+: )?(?:Shining Path|Sendero Luminoso|PCP-SL|SL-PCP|MPCP|"
                              r"Militari[sz]ed Communist Party of Peru|Communist Party of Peru\W+Shining Path)" + _END),
    # ACLED's generic non-state actor types (codebook inter codes 5, 6, 7), named "<Type> (<Country>)".
    (ActorGroup.CIVILIANS, r"Civilians" + _END),
    (ActorGroup.PROTESTERS, r"Protesters" + _END),
    (ActorGroup.RIOTERS, r"Rioters" + _END),
    # ACLED's and UCDP's own state names are unambiguous, whatever unit follows them.
    *(rule for country in STATE_NAMES for rule in _structured_state_rules(country)),
    (ActorGroup.OTHER_STATE_FORCES, r"(?:(?:Military|Police) Forces|Government) of \w"),
    # Free text from here on. Non-state even though a state word appears: ACLED's "Mutiny of
    # Military Forces of …", "Former Military Forces of …", private security, informants, and
    # rebel armies ("ELN: National Liberation Army", "Fuerzas Armadas Revolucionarias de Colombia").
    (ActorGroup.OTHER, rf"(?:Mutiny of|Mutinous|Former|Ex-|Private)\b|{_HEAD}\b(?:informants?|deserters?|"
                       r"revolution\w*|revolucionari\w*|liberation|liberaci[oó]n|rebels?|insurgent\w*|"
                       r"guerrill\w*|dissident\w*|resistance|popular|people's)\b"),
    # Named state bodies whose names carry no country adjective.
    (ActorGroup.PERU_POLICE, r"(?:National Police of Peru|PNP|DIRANDRO|DIRCOTE|Puno regional police)" + _END),
    (ActorGroup.PERU_MILITARY, r"(?:Comando Especial VRAEM?|CE-VRAEM|Comando Conjunto de las Fuerzas Armadas)"
                               + _END),
    (ActorGroup.PERU_GOVERNMENT, r"(?:Congress of Peru|Ministry of the Interior|Public Ministry|CORAH|SUNAT|"
                                 r"DEVIDA)" + _END + r"|Customs$"),
    (ActorGroup.BOLIVIA_AUTHORITIES, r"(?:FELCN|UMOPAR|(?:Air )?task force ['‘’]?Diablos Rojos)" + _END),
    (ActorGroup.BRAZIL_AUTHORITIES, r"(?:GEFRON|Mato Grosso border task force|Pol[ií]cia Federal)" + _END),
    (ActorGroup.COLOMBIA_AUTHORITIES, r"(?:DIJIN|DIRAN)" + _END),
    (ActorGroup.EUROPE_AUTHORITIES, r"(?:Guardia Civil|Guardia di Finanza|Mossos d'Esquadra|Douane|Zoll|"
                                    r"Europol|Eurojust|EU SEACOP)" + _END),
    (ActorGroup.US_AUTHORITIES, r"(?:DEA|Drug Enforcement Administration|CIA|Homeland Security Investigations|"
                                r"Customs and Border Protection)" + _END),
    *(rule for country in STATE_NAMES for rule in _free_text_state_rules(country)),
    # Traffickers come after the state rules: "Police Forces of Bolivia (2020-) Special Force for
    # the Fight Against Drug Trafficking" is the state, not traffickers.
    (ActorGroup.TRAFFICKERS, r".*(?:cartel|c[áa]rtel|traffick|network of|mochilero|pilot|registered aircraft|"
                             r"\bPCC\b|First Capital Command|Comando Vermelho|Red Command|Gulf Clan|"
                             r"Clan del Golfo|Tren de Aragua|Los Choneros|Los Lobos|suspects|crews|producer|"
                             r"Caracol|exporter|truck drivers)"),
    # ACLED's "Unidentified Armed Group (…)", "Unidentified Gang (…)", "Unidentified Communal Militia (…)".
    (ActorGroup.UNIDENTIFIED_ARMED_GROUPS, r"Unidentified" + _END),
    # A free-text state body of a country without its own group ("Argentine Gendarmería Nacional").
    # ACLED's "<acronym>: <name>" is only ever a non-state organisation.
    (ActorGroup.OTHER_STATE_FORCES, rf"(?![\w-]+: ){_HEAD}\b(?:{POLICE_WORDS}|{MILITARY_WORDS}){_END}"),
]
ACTOR_GROUP_RULES: list[tuple[ActorGroup, re.Pattern[str]]] = [
    (group, re.compile(pattern, re.I)) for group, pattern in _RULES]


@cache  # sources repeat the same few actor names on thousands of rows
def group_actor(actor: str) -> str:
    """Return the actor group of one actor name.

    Parameters
    ----------
    actor
        The name as the source gives it (ACLED ``actor1``, UCDP ``side_a``, free text).

    Returns
    -------
    str
        An :class:`ActorGroup` value; ``"other"`` when no rule matches (the name itself is kept
        in ``actors`` either way).
    """
    name = " ".join(actor.split())
    for group, pattern in ACTOR_GROUP_RULES:
        if pattern.match(name):
            return group.value
    return ActorGroup.OTHER.value


def group_actors(actors: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Sorted, distinct groups of several actors (empty for no actors)."""
    return tuple(sorted({group_actor(a) for a in actors}))
