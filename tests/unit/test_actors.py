"""Actor groups from whole names (issue 14, item 6).

The names below are written the way ACLED and UCDP write them. Sources for the naming:

- ACLED Codebook (2019-2023 editions), "Actor Names, Types and Inter Codes": state forces are
  named "Military Forces of <country> (<years of the regime>)" or "Police Forces of <country>
  (<years>)", optionally followed by a unit ("Police Forces of Brazil (2019-2022) Military
  Police"); mutinies are named "Mutiny of Military Forces of <country>" and coded as rebels;
  non-state generic actors carry the country in parentheses: "Protesters (Peru)" (inter 6),
  "Rioters (Peru)" (inter 5), "Civilians (Brazil)" (inter 7), "Unidentified Armed Group (Peru)".
- Real ACLED actor1/actor2 values as republished in the Hugging Face dataset
  vinaykudari/acled-ie-actors ("Military Forces of Cameroon (1982-)", "Police Forces of Somalia
  (2012-2017)", "Unidentified Armed Group (Somalia)", "Rioters (South Africa)", "Police Forces of
  the Democratic Republic of Congo (2001-2019)", "Civilians (Democratic Republic of Congo)",
  "Dinka Ethnic Militia (South Sudan)").
- UCDP GED codebook: ``side_a`` of state-based conflicts is "Government of <country>"
  ("Government of Peru", "Government of United States of America"); ``side_b`` "Sendero Luminoso".
- Issue 14's own list of names met in Peru/Bolivia/Brazil ACLED exports.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dashboard.data.actors import group_actor, group_actors
from dashboard.data.schema import ActorGroup
from dashboard.i18n import translate

G = ActorGroup
EVENTS_CSV = Path(__file__).resolve().parents[2] / "geodata" / "events.csv"

STATE_GROUPS = frozenset({
    G.PERU_POLICE, G.PERU_MILITARY, G.PERU_GOVERNMENT, G.BOLIVIA_AUTHORITIES, G.BRAZIL_AUTHORITIES,
    G.COLOMBIA_AUTHORITIES, G.EUROPE_AUTHORITIES, G.US_AUTHORITIES, G.OTHER_STATE_FORCES,
})

# Every state-force name of the countries the trade runs through, as ACLED / UCDP write them.
STATE_NAMES = (
    ("Military Forces of Peru (2021-)", G.PERU_MILITARY),
    ("Military Forces of Peru (2021-) Navy", G.PERU_MILITARY),
    ("Military Forces of Peru (2016-2018) Joint Command of the Armed Forces", G.PERU_MILITARY),
    ("Police Forces of Peru (2021-)", G.PERU_POLICE),
    ("Police Forces of Peru (2018-2020) Anti-Drug Directorate", G.PERU_POLICE),
    ("Government of Peru (2021-)", G.PERU_GOVERNMENT),
    ("Government of Peru", G.PERU_GOVERNMENT),  # UCDP side_a
    ("Military Forces of Bolivia (2020-)", G.BOLIVIA_AUTHORITIES),
    ("Police Forces of Bolivia (2020-) Special Force for the Fight Against Drug Trafficking", G.BOLIVIA_AUTHORITIES),
    ("Police Forces of Bolivia (2019-2020)", G.BOLIVIA_AUTHORITIES),
    ("Government of Bolivia (2020-)", G.BOLIVIA_AUTHORITIES),
    ("Military Forces of Brazil (2023-)", G.BRAZIL_AUTHORITIES),
    ("Police Forces of Brazil (2019-2022) Military Police", G.BRAZIL_AUTHORITIES),
    ("Police Forces of Brazil (2023-) Federal Police", G.BRAZIL_AUTHORITIES),
    ("Government of Brazil (2023-)", G.BRAZIL_AUTHORITIES),
    ("Military Forces of Colombia (2022-)", G.COLOMBIA_AUTHORITIES),
    ("Military Forces of Colombia (2018-2022) Navy", G.COLOMBIA_AUTHORITIES),
    ("Police Forces of Colombia (2022-)", G.COLOMBIA_AUTHORITIES),
    ("Government of Colombia", G.COLOMBIA_AUTHORITIES),  # UCDP side_a
    ("Military Forces of the United States (2021-)", G.US_AUTHORITIES),
    ("Police Forces of the United States (2021-) Border Patrol", G.US_AUTHORITIES),
    ("Government of United States of America", G.US_AUTHORITIES),  # UCDP side_a
    ("Police Forces of Spain (2018-) Civil Guard", G.EUROPE_AUTHORITIES),
    ("Military Forces of Spain (2018-)", G.EUROPE_AUTHORITIES),
    ("Police Forces of the Netherlands (2017-)", G.EUROPE_AUTHORITIES),
    ("Military Forces of the Netherlands (2017-)", G.EUROPE_AUTHORITIES),
    ("Police Forces of Belgium (2020-)", G.EUROPE_AUTHORITIES),
    ("Military Forces of Cameroon (1982-)", G.OTHER_STATE_FORCES),
    ("Police Forces of Somalia (2012-2017)", G.OTHER_STATE_FORCES),
    ("Police Forces of the Democratic Republic of Congo (2001-2019)", G.OTHER_STATE_FORCES),
    ("Military Forces of Ecuador (2023-)", G.OTHER_STATE_FORCES),
    ("Government of India", G.OTHER_STATE_FORCES),  # UCDP side_a
)

# Non-state actors (ACLED inter codes 2-8), several naming a state's country in parentheses.
NON_STATE_NAMES = (
    ("Protesters (Bolivia)", G.PROTESTERS),
    ("Protesters (Peru)", G.PROTESTERS),
    ("Rioters (Peru)", G.RIOTERS),
    ("Rioters (South Africa)", G.RIOTERS),
    ("Civilians (Brazil)", G.CIVILIANS),
    ("Civilians (Peru)", G.CIVILIANS),
    ("Civilians (Democratic Republic of Congo)", G.CIVILIANS),
    ("Civilians (International)", G.CIVILIANS),
    ("Unidentified Armed Group (Peru)", G.UNIDENTIFIED_ARMED_GROUPS),
    ("Unidentified Armed Group (Somalia)", G.UNIDENTIFIED_ARMED_GROUPS),
    ("Unidentified Gang (Brazil)", G.UNIDENTIFIED_ARMED_GROUPS),
    ("Unidentified Communal Militia (Colombia)", G.UNIDENTIFIED_ARMED_GROUPS),
    ("PCC: First Capital Command", G.TRAFFICKERS),
    ("CV: Red Command", G.TRAFFICKERS),
    ("Gulf Clan", G.TRAFFICKERS),
    ("Sendero Luminoso", G.SHINING_PATH),  # UCDP side_b
    ("Shining Path", G.SHINING_PATH),
    ("MPCP: Militarized Communist Party of Peru", G.SHINING_PATH),
    ("Militia (Pro-Government)", G.OTHER),
    ("Communal Militia (Peru)", G.OTHER),
    ("Health Workers (Bolivia)", G.OTHER),
    ("Labor Group (Peru)", G.OTHER),
    ("Labor Group (Brazil)", G.OTHER),
    ("Indigenous Group (Bolivia)", G.OTHER),
    ("Private Security Forces (Peru)", G.OTHER),
    ("Prisoners (Brazil)", G.OTHER),
    ("Journalists (Colombia)", G.OTHER),
    ("Civilian Joint Task Force", G.OTHER),
    ("Mutiny of Police Forces of Bolivia (2019-2020)", G.OTHER),
    ("Mutiny of Military Forces of Peru (2000-2001)", G.OTHER),
    ("Former Military Forces of Colombia", G.OTHER),
    ("ELN: National Liberation Army", G.OTHER),
    ("FARC Dissident Forces", G.OTHER),
    ("Dinka Ethnic Militia (South Sudan)", G.OTHER),
    ("Communist Party of Peru - Red Fatherland", G.OTHER),  # a legal party, not Shining Path
)

# Bundled free-text names whose group was wrong under substring rules, and what they are.
BUNDLED_CORRECTIONS = (
    ("Task force 'Diablos Rojos'", G.BOLIVIA_AUTHORITIES),  # Bolivian air task force (events in BOL)
    ("Air task force 'Diablos Rojos'", G.BOLIVIA_AUTHORITIES),
    ("Mato Grosso border task force (GEFRON)", G.BRAZIL_AUTHORITIES),  # a Brazilian state's force
    ("police informants (ex-militants)", G.OTHER),  # former rebels, not the government
    ("Airport Security Police (PSA)", G.OTHER_STATE_FORCES),  # Argentina's PSA (event in ARG)
    ("Argentine Gendarmería Nacional", G.OTHER_STATE_FORCES),
    ("Salta provincial police", G.OTHER_STATE_FORCES),
    ("Mexican Navy (SEMAR) intelligence", G.OTHER_STATE_FORCES),
    ("Colombian and Peruvian police", G.COLOMBIA_AUTHORITIES),  # first named country (arrest in COL)
)

# Bundled and synthetic free-text names that kept their group.
FREE_TEXT_NAMES = (
    ("National Police of Peru (DIRANDRO)", G.PERU_POLICE),
    ("Puno regional police (Macrorregión Puno–Madre de Dios)", G.PERU_POLICE),
    ("Policía Nacional del Perú", G.PERU_POLICE),
    ("Peruvian Army (BIM 51 Huanta)", G.PERU_MILITARY),
    ("Peruvian Armed Forces (CE-VRAEM)", G.PERU_MILITARY),
    ("Peruvian Air Force intelligence", G.PERU_MILITARY),
    ("Comando Especial VRAEM (helicopter patrol)", G.PERU_MILITARY),
    ("Ejército del Perú", G.PERU_MILITARY),
    ("Government of Peru (PCM)", G.PERU_GOVERNMENT),
    ("Public Ministry (Callao)", G.PERU_GOVERNMENT),
    ("Peruvian authorities", G.PERU_GOVERNMENT),
    ("Customs", G.PERU_GOVERNMENT),
    ("SUNAT customs intelligence", G.PERU_GOVERNMENT),
    ("Bolivian anti-narcotics force (FELCN)", G.BOLIVIA_AUTHORITIES),
    ("Bolivian customs and anti-narcotics authorities", G.BOLIVIA_AUTHORITIES),
    ("Bolivian, Belgian and Dutch police", G.BOLIVIA_AUTHORITIES),
    ("FELCN", G.BOLIVIA_AUTHORITIES),
    ("Brazilian Federal Police", G.BRAZIL_AUTHORITIES),
    ("Spanish Tax Agency (Agencia Tributaria)", G.EUROPE_AUTHORITIES),
    ("Dutch Public Prosecution Service (OM)", G.EUROPE_AUTHORITIES),
    ("Guardia Civil", G.EUROPE_AUTHORITIES),
    ("Douane", G.EUROPE_AUTHORITIES),
    ("German Customs (Zoll)", G.EUROPE_AUTHORITIES),
    ("US Customs and Border Protection", G.US_AUTHORITIES),
    ("CIA-operated surveillance aircraft (US air-bridge denial programme)", G.US_AUTHORITIES),
    ("DEA", G.US_AUTHORITIES),
    ("Shining Path (MPCP) column", G.SHINING_PATH),
    ("Sendero Luminoso (Militarizado Partido Comunista del Perú)", G.SHINING_PATH),
    ("Bolivian pilots", G.TRAFFICKERS),
    ("Bolivian-registered aircraft CP-2890", G.TRAFFICKERS),
    ("Peruvian and Bolivian traffickers", G.TRAFFICKERS),
    ("Unidentified traffickers", G.TRAFFICKERS),
    ("US missionaries (ABWE)", G.OTHER),
    ("residents of Ccarhuarán", G.OTHER),
)


@pytest.mark.parametrize(("name", "group"), STATE_NAMES)
def test_agr001_state_force_names_reach_their_country_group(name, group):
    assert group_actor(name) == group


@pytest.mark.parametrize(("name", "group"), NON_STATE_NAMES)
def test_agr002_non_state_names_reach_their_generic_group(name, group):
    assert group_actor(name) == group


def test_agr003_no_state_group_is_given_to_a_non_state_actor():
    wrongly_state = {name: group_actor(name) for name, _ in NON_STATE_NAMES if group_actor(name) in STATE_GROUPS}
    assert wrongly_state == {}


@pytest.mark.parametrize(("name", "group"), BUNDLED_CORRECTIONS + FREE_TEXT_NAMES)
def test_agr004_free_text_names_of_the_bundled_facts(name, group):
    assert group_actor(name) == group


def test_agr005_case_and_spacing_do_not_change_a_group():
    assert group_actor("MILITARY FORCES OF PERU (2021-)") == G.PERU_MILITARY
    assert group_actor("  Police  Forces of Bolivia (2020-)\n") == G.BOLIVIA_AUTHORITIES
    assert group_actor("protesters (bolivia)") == G.PROTESTERS


def test_agr006_a_country_inside_a_name_is_not_its_state():
    """The substring rules put these in state groups (issue 14); anchored rules do not."""
    for country in ("Peru", "Bolivia", "Brazil", "Colombia", "Spain", "Belgium", "the Netherlands",
                    "the United States"):
        for kind in ("Protesters", "Rioters", "Civilians", "Health Workers", "Labor Group",
                     "Unidentified Gang", "Communal Militia", "Students", "Farmers"):
            assert group_actor(f"{kind} ({country})") not in STATE_GROUPS, (kind, country)


def test_agr007_unmatched_names_are_other_and_group_actors_is_sorted_and_distinct():
    assert group_actor("Ronderos of Cajamarca") == G.OTHER
    assert group_actor("") == G.OTHER
    assert group_actors(["Rioters (Peru)", "Military Forces of Peru (2021-)", "Rioters (Peru)"]) == (
        "peru_military", "rioters")
    assert group_actors([]) == ()


def test_agr008_bundled_events_carry_the_groups_of_their_actors():
    """geodata/events.csv is built by geodata/build_events.py from these rules; it must agree."""
    with EVENTS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    disagree = [row["event_id"] for row in rows
                if ";".join(group_actors([a for a in row["actors"].split(";") if a])) != row["actor_groups"]]
    assert disagree == []
    by_id = {row["event_id"]: row["actor_groups"] for row in rows}
    assert by_id["rutas:0118"] == "bolivia_authorities"  # 'Diablos Rojos' was peru_military
    assert by_id["rutas:0113"] == "brazil_authorities"  # GEFRON was peru_military


@pytest.mark.parametrize("lang", ["en", "es"])
def test_agr009_every_group_has_a_label(lang):
    for group in ActorGroup:
        key = f"actor_group.{group.value}"
        assert translate(key, lang) != key


def test_agr010_rebel_armies_and_rebel_names_are_not_state_forces():
    for name in ("FARC: Revolutionary Armed Forces of Colombia", "Fuerzas Armadas Revolucionarias de Colombia",
                 "Ejército de Liberación Nacional", "EPL: Popular Liberation Army", "Peruvian rebels",
                 "Colombian guerrillas (army deserters)"):
        assert group_actor(name) not in STATE_GROUPS, name
