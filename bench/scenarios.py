"""The scripted interactions both arms of `bench run` replay, and where they point."""

SCENARIOS = ("cold load", "one type", "brush 2019", "VRAEM box", "zoom VRAEM", "click event", "reset", "search")
EVENT_TYPE = "drug_seizure"
# Each repetition asks something new (same sequence for both arms), so a cache cannot answer it
# from the repetition before: a type, a year, a box and a zoom centre that move with the rep.
TYPES_BY_REP = ("drug_seizure", "arrest", "lab_destroyed", "airstrip_destroyed", "aircraft_interdiction",
                "armed_clash", "attack_on_security_forces", "coca_eradication", "other")
VRAEM_BOX = (-75.0, -13.4, -72.8, -11.0)  # west, south, east, north (as bench/updates.py)
VRAEM_VIEW = {"lon": -73.9, "lat": -12.4, "zoom": 8.5}
# A click needs a drawn event: the user zooms in to a town (Llochegua) until points show.
CLICK_VIEW = {"lon": -73.907, "lat": -12.41, "zoom": 13}
# A word typed in the search box, a new one each repetition: places, a region and kinds of event
# the generated events name, from a few in a hundred to one in five (of 200k: vraem 2.8 %,
# pichari 3.2 %, clash 3.8 %, cocaine 6.9 %, cusco 8.8 %, callao 15 %, ayacucho 19 %).
SEARCH_WORDS = ("vraem", "callao", "pichari", "cusco", "cocaine", "ayacucho", "clash")
