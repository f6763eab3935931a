"""Build ``geodata/routes.geojson`` from the waypoint tables of ``routes_reference.md``.

Run from the repo root: ``python geodata/build_routes.py``. Waypoints (name, lat, lon) are copied
from ../shared/reference/routes_reference.md, which says they are approximate centroids. Sea legs
also carry unnamed *drawing vertices* (``"~"``) that keep the line at sea; they are not waypoints
and are not listed in the ``waypoints`` property. ``geodata/checks.py`` proves the sea legs stay
off the base map's land (a few km of coast aside) except along a leg's declared ``waterways``
(the Panama Canal, the river up to a river port), and the bundled-data tests run it.

Evidence: a leg is ``documented`` only when its ``leg_sources`` (each a URL and the waypoints that
report documents) cover every named waypoint of the leg; otherwise it is ``inferred`` and carries
the route's sources (``source_scope: "route"``). Corrections made after checking the sources
(../shared/reference/corrections_routes.csv) are listed in :data:`CHANGES` and in
geodata/README.md.

Route ids follow the events' ``route_id``. The collection's ``routes`` member says, per route id,
whether it has a line and, when the line has no bundled event or the id has no line, why.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: make `geodata` importable

OUTPUT = Path(__file__).resolve().parent / "routes.geojson"
VERTEX = "~"  # an unnamed drawing vertex, not a waypoint

# Reports, by short name, so a leg lists the same address the same way.
URL = {
    "insight_air": "https://insightcrime.org/news/brief/90-of-cocaine-from-perus-vraem-moved-by-air/",
    "larepublica_ec_2015": "https://www.larepublica.ec/blog/internacional/2015/03/24/destruyen-pistas-clandestinas-de-aterrizaje-mayor-zona-cocalera-peru/",
    "americaeconomia": "https://americaeconomia.com/politica-sociedad/sociedad/la-felcn-secuestro-cuatro-avionetas-y-386-kilos-de-droga",
    "larepublica_ucayali_2020": "https://larepublica.pe/sociedad/2020/07/24/ucayali-crimen-y-castigo-abandonan-narco-avioneta-boliviana/",
    "madrededios_2023": "https://noticias.madrededios.com/articulo/local/pnp-frustran-envio-mas-300-kg-droga-madre-dios-bolivia/20230428074423023860.amp.html",
    "larepublica_rivers_2022": "https://larepublica.pe/sociedad/2022/05/16/vraem-identifican-nuevas-rutas-de-la-droga-narcotrafico-ucayali-bolivia-brasil-paraguay/",
    "inforegion_tambo": "https://archivo.inforegion.pe/junin-incautan-mas-de-400-kilos-de-cocaina-en-rio-tambo",
    "eldeber_288kg": "https://eldeber.com.bo/122426_peru-inutiliza-avioneta-de-bolivia-con-288-kg-de-droga",
    "larepublica_acostambo_2024": "https://larepublica.pe/amp/sociedad/2024/07/26/hallan-450-kilos-de-cocaina-en-caleta-hidraulica-de-camion-1428440",
    "elcomercio_churcampa_2018": "https://elcomercio.pe/peru/huancavelica/zona-emboscada-narcoterrorista-cerca-corredores-traslado-droga-noticia-456282",
    "expresion_putis": "https://www.expresiondiario.pe/hallan-caleta-con-200-kilos-de-cocaina-y-un-fusil-de-guerra/",
    "perucom_lurin_2017": "https://peru.com/actualidad/mi-ciudad/callao-asi-fue-megaoperativo-donde-incautaron-1300-kilos-droga-noticia-538572?ref=portada_actualidad_mi-ciudad&ft=modulo_fotogaleria",
    "livinginperu": "https://www.livinginperu.com/354-kilos-cocaine-seized-peru/",
    "insight_callao_2023": "https://insightcrime.org/news/how-important-port-callao-peru-cocaine-trade/",
    "debate_carlotta_2019": "https://www.debate.com.mx/mundo/Incautan-22-toneladas-de-cocaina-en-buque-con-rumbo-a-Belgica-20190425-0123.html",
    "larepublica_72t_2024": "https://larepublica.pe/sociedad/2024/01/31/dirandro-capturan-72-toneladas-de-cocaina-en-el-callao-con-destino-a-europa-pnp-drogas-1201219",
    "insight_caracol_2016": "https://insightcrime.org/news/brief/caracol-arrest-what-next-peru-drug-trafficking-callao/",
    "lavozdigital_algeciras_2013": "http://www.lavozdigital.es/cadiz/v/20130117/cadiz/interceptan-primer-alijo-grande-20130117.html",
    "informacion_valencia_2008": "https://www.informacion.es/sucesos/2008/05/20/intervienen-585-kilos-cocaina-contenedor-7510225.html",
    "noticiaslatam_barcelona_2019": "https://noticiaslatam.lat/20191115/espana-intercepta-500-kilos-de-cocaina-procedente-de-peru-1089330235.html",
    "aqvarius_gioia_2014": "https://wwwaqvariuscom.blogspot.com/2014/09/gioia-tauro-la-gdf-sequestra-55-chili.html",
    "atv_antwerp_2017": "https://atv.be/nieuws/douane-neemt-170-kg-cocaine-in-beslag-in-antwerpse-haven",
    "nos_rotterdam_2020": "https://nos.nl/artikel/2329852-grote-cocainevangst-in-rotterdamse-haven.html",
    "cbc_gayane_2019": "https://www.cbc.ca/news/world/cocaine-bust-philadelphia-ship-1.5180447?cmp=rss",
    "breitbart_gayane_2019": "https://www.breitbart.com/crime/2019/06/19/feds-seize-16-5-tons-of-cocaine-at-philly-port-worth-over-1-billion/?utm_source=feedburner&utm_medium=feed&utm_campaign=Feed%3A+breitbart+%28Breitbart+News%29",
    "narcodiario_ensenada_2024": "https://narcodiario.com/2024/08/descubren-una-ruta-de-la-cocaina-que-enlazaba-los-puertos-de-callao-y-ensenada/",
    "cosecharoja_idl_2010": "http://cosecharoja.org/de-mochileros-a-transportadores-de-droga/",
    "lamula_2017": "https://redaccion.lamula.pe/2017/05/02/estas-son-las-siete-rutas-nuevas-de-la-droga-que-sale-del-vraem-hacia-brasil-h/leslierosas/",
    "eldeber_sellos_2017": "https://eldeber.com.bo/bolivia/la-cocaina-peruana-entra-a-bolivia-con-dos-sellos_93207",
    "lostiempos_convoy_2016": "https://www.lostiempos.com/actualidad/pais/20161116/policia-peru-detiene-convoy-camiones-droga-que-se-dirigia-bolivia",
    "ultimahora_pjc": "https://ultimahora.com/pedro-juan-caballero-es-la-ruta-principal-del-trafico-cocaina-al-brasil-n1000610",
    "brasilagora_comodoro_2022": "https://brasilagora.org/2022/11/01/policia-federal-mais-de-127-milhoes-de-reais-de-cocaina-em-mato-grosso",
    "oglobo_narcosul": "http://oglobo.globo.com/mundo/ponte-aerea-do-narcosul-transporta-duas-toneladas-de-cocaina-por-dia-para-brasil-12601534",
    "bluradio_salta_2025": "https://www.bluradio.com/mundo/cuatro-detenidos-en-argentina-tras-caida-de-avioneta-boliviana-que-transportaba-cocaina-cb20",
    "inforegion_inapari": "https://archivo.inforegion.pe/cae-narcotraficante-con-kilo-y-medio-de-cocaina-en-inapari",
}

# Each route's sources as routes_reference.md lists them: what an inferred leg carries.
ROUTE_SOURCES = {
    "vraem_bolivia_air": ["insight_air", "larepublica_ucayali_2020", "madrededios_2023", "eldeber_288kg"],
    "vraem_callao_sea": ["larepublica_acostambo_2024", "elcomercio_churcampa_2018", "expresion_putis"],
    "callao_europe_sea": ["insight_callao_2023", "larepublica_72t_2024", "debate_carlotta_2019", "nos_rotterdam_2020"],
    "callao_usa_sea": ["cbc_gayane_2019", "breitbart_gayane_2019", "narcodiario_ensenada_2024"],
    "bolivia_brazil": ["cosecharoja_idl_2010", "lamula_2017", "eldeber_sellos_2017", "ultimahora_pjc",
                       "oglobo_narcosul"],
    "peru_brazil_madre_de_dios": ["lamula_2017", "inforegion_inapari"],
}

ROUTE_NAMES = {
    "vraem_bolivia_air": "VRAEM → Bolivia air bridge",
    "vraem_callao_sea": "VRAEM → Lima/Callao overland",
    "callao_europe_sea": "Callao → Europe by sea",
    "callao_usa_sea": "Callao → United States by sea",
    "bolivia_brazil": "Peru → Bolivia overland and onward",
    "peru_brazil_madre_de_dios": "Peru → Brazil via Madre de Dios",
}

# Route ids that events carry but that have no line, and lines that no event carries: said here.
ROUTES_WITHOUT_LINE = {
    "vraem_internal": {
        "area": "vraem",
        "note": "movement inside the VRAEM (labs, stockpiles, local seizures): the reference gives no line, so "
                "the route is the VRAEM area itself (regions.geojson 'vraem', approximate)",
    },
    "other": {
        "area": "",
        "note": "events on routes the reference does not draw as one line (Paita, Huanchaco, Puno, Mexico- and "
                "US-bound cases, the Salta crash); route code 'other' in the reference",
    },
}
LINES_WITHOUT_EVENTS = {
    "callao_usa_sea": "no bundled event is coded to this route: the reference codes its US-bound cases 'other' "
                      "(rutas:0081 MSC Gayane, loaded at sea after leaving Peru; rutas:0138 Callao-Ensenada, bound "
                      "for Mexico); the line shows what routes_reference.md route 4 describes",
    "peru_brazil_madre_de_dios": "no bundled event is coded to this route: the reference codes route 6 'other'; "
                                 "the line shows what routes_reference.md route 6 describes",
}

# Inland waterways a sea leg may follow across the base map's land (from one drawn point to the next).
PANAMA_CANAL = "Panama Canal"
WESTERN_SCHELDT = "Western Scheldt to Antwerp"
NIEUWE_WATERWEG = "Nieuwe Waterweg to Rotterdam"
DELAWARE = "Delaware Bay and River to Philadelphia"
BUENAVENTURA_BAY = "Bay of Buenaventura"

# Shared stretches of sea, so legs that sail the same water draw the same line.
PERU_COAST_NORTH = [(VERTEX, -11.5, -78.4), (VERTEX, -6.5, -81.8), (VERTEX, -2.5, -82.0), (VERTEX, 2.0, -80.6),
                    (VERTEX, 5.0, -80.2), (VERTEX, 6.8, -79.6), (VERTEX, 8.5, -79.4)]
CARIBBEAN_EXIT = [(VERTEX, 11.2, -79.2), (VERTEX, 13.0, -76.0), (VERTEX, 15.5, -70.0), (VERTEX, 18.3, -63.9)]


def leg(route_id, leg_id, name, mode, points, leg_sources=None, waterways=None):
    """One leg; documented exactly when ``leg_sources`` (url key → waypoints it documents) are given."""
    return {"route_id": route_id, "leg_id": leg_id, "name": name, "mode": mode, "points": points,
            "leg_sources": leg_sources or {}, "waterways": waterways or []}


LEGS = [
    leg("vraem_bolivia_air", "air-main", "VRAEM → Bolivia air bridge", "air", [
        ("Pichari", -12.518, -73.829), ("Llochegua", -12.411, -73.908),
        ("Ixiamas (Abel Iturralde)", -13.76, -68.14), ("Santa Ana del Yacuma", -13.74, -65.43),
        ("Santa Cruz de la Sierra", -17.78, -63.18)], {
        "insight_air": ["Pichari"],
        "larepublica_ec_2015": ["Pichari", "Llochegua"],
        "americaeconomia": ["Ixiamas (Abel Iturralde)"],
        "larepublica_ucayali_2020": ["Santa Ana del Yacuma", "Santa Cruz de la Sierra"]}),
    leg("vraem_bolivia_air", "air-manu", "Southern strip via Manu", "air", [
        ("Pichari", -12.518, -73.829), ("Itahuania (Manu)", -12.79, -71.23),
        ("Ixiamas (Abel Iturralde)", -13.76, -68.14)], {
        "larepublica_ec_2015": ["Pichari"],
        "madrededios_2023": ["Itahuania (Manu)"],
        "americaeconomia": ["Ixiamas (Abel Iturralde)"]}),
    leg("vraem_bolivia_air", "river-feed", "River feed to Ucayali airstrips", "river", [
        ("Sivia", -12.510, -73.858), ("Mayapo / Llochegua", -12.38, -73.92),
        ("Apurímac–Mantaro confluence", -12.25, -73.98), ("Puerto Ene", -12.0, -74.0),
        ("Puerto Prado", -11.18, -74.25), ("Atalaya", -10.73, -73.76)], {
        "larepublica_rivers_2022": ["Sivia", "Mayapo / Llochegua", "Apurímac–Mantaro confluence", "Puerto Ene",
                                    "Puerto Prado", "Atalaya"],
        "inforegion_tambo": []}),
    leg("vraem_callao_sea", "road-vraem-exit", "VRAEM → Huanta by road (typical trunk)", "road", [
        ("Pichari", -12.518, -73.829), ("San Francisco (Ayna)", -12.624, -73.796),
        ("Tambo (La Mar)", -12.95, -74.02), ("Huanta", -12.94, -74.25), ("Churcampa", -12.74, -74.39)]),
    leg("vraem_callao_sea", "road-churcampa", "Llochegua → Putis → Churcampa → Huancayo", "road", [
        ("Llochegua", -12.411, -73.908), ("Putis", -12.66, -74.05), ("Churcampa", -12.74, -74.39),
        ("Acostambo", -12.365, -75.055), ("Huancayo", -12.07, -75.21)], {
        "expresion_putis": ["Llochegua", "Putis", "Churcampa"],
        "elcomercio_churcampa_2018": ["Churcampa", "Huancayo"],
        "larepublica_acostambo_2024": ["Acostambo", "Huancayo"]}),
    leg("vraem_callao_sea", "road-lima", "Huancayo → Lima → Callao", "road", [
        ("Huancayo", -12.07, -75.21), (VERTEX, -11.52, -75.90), ("Lima", -12.046, -77.043),
        ("Port of Callao", -12.050, -77.145)], {
        "larepublica_acostambo_2024": ["Huancayo", "Lima"],
        "perucom_lurin_2017": ["Lima", "Port of Callao"]}),
    leg("callao_europe_sea", "sea-panama", "Callao → Panama Canal", "sea", [
        ("Port of Callao", -12.050, -77.145), *PERU_COAST_NORTH, ("Panama Canal – Balboa", 8.95, -79.57),
        ("Panama Canal – Cristóbal", 9.35, -79.91)], {
        "debate_carlotta_2019": ["Port of Callao", "Panama Canal – Balboa", "Panama Canal – Cristóbal"],
        "larepublica_72t_2024": ["Port of Callao", "Panama Canal – Balboa", "Panama Canal – Cristóbal"],
        "insight_callao_2023": ["Port of Callao"]}, [PANAMA_CANAL]),
    leg("callao_europe_sea", "sea-mediterranean", "Panama → Spain and Italy", "sea", [
        ("Panama Canal – Cristóbal", 9.35, -79.91), *CARIBBEAN_EXIT, (VERTEX, 36.0, -9.0), (VERTEX, 35.95, -5.6),
        ("Algeciras", 36.13, -5.44), (VERTEX, 36.0, -4.8), (VERTEX, 36.6, -1.8), (VERTEX, 37.4, -0.4),
        (VERTEX, 38.6, 0.5), ("Valencia", 39.44, -0.32), (VERTEX, 39.9, 0.5), (VERTEX, 40.6, 1.3),
        ("Barcelona", 41.345, 2.165), (VERTEX, 40.5, 5.0), (VERTEX, 38.6, 9.0), (VERTEX, 38.7, 14.0),
        (VERTEX, 38.55, 15.7), ("Gioia Tauro", 38.44, 15.90)], {
        "insight_caracol_2016": ["Panama Canal – Cristóbal"],
        "lavozdigital_algeciras_2013": ["Algeciras"],
        "informacion_valencia_2008": ["Valencia"],
        "noticiaslatam_barcelona_2019": ["Barcelona"],
        "aqvarius_gioia_2014": ["Gioia Tauro"]}),
    leg("callao_europe_sea", "sea-north", "Panama → Rotterdam", "sea", [
        ("Panama Canal – Cristóbal", 9.35, -79.91), *CARIBBEAN_EXIT, (VERTEX, 45.0, -10.0), (VERTEX, 48.6, -5.6),
        (VERTEX, 49.95, -2.5), (VERTEX, 50.4, 0.2), (VERTEX, 51.0, 1.5), (VERTEX, 51.55, 2.9),
        (VERTEX, 52.0, 3.9), ("Rotterdam", 51.95, 4.14)], {
        "debate_carlotta_2019": ["Panama Canal – Cristóbal"],
        "nos_rotterdam_2020": ["Rotterdam"]}, [NIEUWE_WATERWEG]),
    leg("callao_europe_sea", "sea-antwerp", "North Sea → Antwerp", "sea", [
        (VERTEX, 51.55, 2.9), (VERTEX, 51.45, 3.5), ("Antwerp", 51.26, 4.40)], {
        "atv_antwerp_2017": ["Antwerp"],
        "larepublica_72t_2024": ["Antwerp"]}, [WESTERN_SCHELDT]),
    leg("callao_usa_sea", "sea-east", "Callao → Philadelphia", "sea", [
        ("Port of Callao", -12.050, -77.145), *PERU_COAST_NORTH[:4], (VERTEX, 3.8, -77.45),
        ("Buenaventura", 3.88, -77.03), (VERTEX, 3.8, -77.45), *PERU_COAST_NORTH[4:],
        ("Panama Canal – Balboa", 8.95, -79.57), ("Panama Canal – Cristóbal", 9.35, -79.91),
        (VERTEX, 11.2, -79.2), (VERTEX, 17.5, -75.0), (VERTEX, 19.9, -73.8), (VERTEX, 21.6, -74.5),
        (VERTEX, 22.8, -74.6), (VERTEX, 24.6, -76.9), (VERTEX, 26.2, -78.4), ("Freeport", 26.53, -78.70),
        (VERTEX, 27.0, -79.3), (VERTEX, 31.0, -79.0), (VERTEX, 35.0, -74.8), (VERTEX, 38.85, -75.0),
        ("Philadelphia", 39.905, -75.14)], waterways=[BUENAVENTURA_BAY, PANAMA_CANAL, DELAWARE]),
    leg("callao_usa_sea", "sea-ensenada", "Callao → Ensenada (Mexico)", "sea", [
        ("Port of Callao", -12.050, -77.145), (VERTEX, -11.5, -78.4), (VERTEX, -2.5, -84.0), (VERTEX, 12.0, -95.0),
        (VERTEX, 21.5, -110.5), (VERTEX, 27.0, -116.0), (VERTEX, 30.5, -116.9), (VERTEX, 31.8, -116.9),
        ("Ensenada", 31.85, -116.62)], {
        "narcodiario_ensenada_2024": ["Port of Callao", "Ensenada"]}),
    leg("bolivia_brazil", "road-altiplano", "VRAEM → Desaguadero → Santa Cruz", "road", [
        ("Kimbiri", -12.612, -73.787), ("Cusco", -13.53, -71.97), ("Juliaca", -15.50, -70.13),
        ("Puno", -15.84, -70.02), ("Desaguadero", -16.565, -69.04), ("El Alto / La Paz", -16.50, -68.19),
        ("Santa Cruz de la Sierra", -17.78, -63.18)], {
        "cosecharoja_idl_2010": ["Kimbiri", "Cusco", "Desaguadero"],
        "lamula_2017": ["Juliaca", "Puno", "Desaguadero"],
        "eldeber_sellos_2017": ["Puno", "Desaguadero", "El Alto / La Paz", "Santa Cruz de la Sierra"],
        "lostiempos_convoy_2016": ["Desaguadero"]}),
    leg("bolivia_brazil", "onward-brazil", "Santa Cruz → Mato Grosso (by air)", "air", [
        ("Santa Cruz de la Sierra", -17.78, -63.18), ("Comodoro (Mato Grosso)", -13.66, -59.79)]),
    leg("bolivia_brazil", "onward-santos", "Mato Grosso → Santos", "road", [
        ("Comodoro (Mato Grosso)", -13.66, -59.79), ("Santos", -23.96, -46.33)]),
    leg("bolivia_brazil", "onward-paraguay", "Santa Cruz → Pedro Juan Caballero", "air", [
        ("Santa Cruz de la Sierra", -17.78, -63.18), ("Pedro Juan Caballero", -22.55, -55.73)]),
    leg("bolivia_brazil", "onward-argentina", "Santa Cruz → Salta (Argentina)", "air", [
        ("Santa Cruz de la Sierra", -17.78, -63.18), ("Rosario de la Frontera", -25.80, -64.97)]),
    leg("peru_brazil_madre_de_dios", "road-interoceanic", "Juliaca → San Gabán → Madre de Dios → Acre", "road", [
        ("Juliaca", -15.50, -70.13), ("San Gabán", -13.44, -70.40), ("Mazuco (Inambari)", -13.06, -70.36),
        ("Puerto Maldonado", -12.59, -69.19), ("Iñapari", -10.95, -69.58), ("Assis Brasil", -10.94, -69.57)], {
        "lamula_2017": ["Juliaca", "San Gabán", "Mazuco (Inambari)", "Puerto Maldonado", "Assis Brasil"],
        "inforegion_inapari": ["Iñapari"]}),
    leg("peru_brazil_madre_de_dios", "road-vraem-mazuco", "VRAEM → Cusco → Mazuco (VRAEM-origin variant)", "road", [
        ("Kimbiri", -12.612, -73.787), ("Cusco", -13.53, -71.97), ("Mazuco (Inambari)", -13.06, -70.36)]),
]

# Inferred legs' own evidence, where the reference has a report on the leg but not on every point.
INFERRED_LEG_SOURCES = {
    "onward-brazil": ["brasilagora_comodoro_2022", "oglobo_narcosul"],
    "onward-paraguay": ["ultimahora_pjc"],
    "onward-argentina": ["bluradio_salta_2025"],
    "sea-east": ["cbc_gayane_2019", "breitbart_gayane_2019"],
}

# What changed after checking the sources (../shared/reference/corrections_routes.csv).
CHANGES = (
    "sources are given per leg (leg_sources: each report and the waypoints it documents), not per route",
    "air-main: Trinidad dropped (no listed report names it); Abel Iturralde documented by AméricaEconomía",
    "VRAEM → Lima split: Pichari–Huanta trunk inferred (no report names San Francisco or Tambo); "
    "Llochegua–Putis–Churcampa–Huancayo and Huancayo–Lima–Callao documented; La Oroya only a drawing vertex",
    "sea legs re-drawn off land; Cartagena dropped (one Valencia controlled delivery only); Le Havre dropped "
    "(a planned destination, rutas:0101 was seized in Callao); Antwerp and Rotterdam on their own legs",
    "Callao–Ensenada documented (narcodiario 2024, rutas:0138); the 2005 AP page (a Lima seizure) left off "
    "the Philadelphia leg",
    "Brazil onward leg: Santa Cruz → Mato Grosso by air (its events are aircraft interdictions), Mato Grosso → "
    "Santos by road, both inferred",
    "Madre de Dios: the documented leg follows La Mula 2017 (Juliaca–San Gabán–Mazuco–Puerto Maldonado–Brazil); "
    "the VRAEM–Cusco–Mazuco variant is inferred",
)


def build_feature(spec: dict) -> dict:
    points = spec["points"]
    documented = bool(spec["leg_sources"])
    if documented:
        keys = list(spec["leg_sources"])
        leg_sources = [{"url": URL[key], "waypoints": spec["leg_sources"][key]} for key in keys]
        scope = "leg"
    else:
        keys = INFERRED_LEG_SOURCES.get(spec["leg_id"], ROUTE_SOURCES[spec["route_id"]])
        leg_sources = []
        scope = "leg" if spec["leg_id"] in INFERRED_LEG_SOURCES else "route"
    return {
        "type": "Feature",
        "properties": {
            "route_id": spec["route_id"],
            "route_name": ROUTE_NAMES[spec["route_id"]],
            "leg_id": spec["leg_id"],
            "leg_name": spec["name"],
            "mode": spec["mode"],
            "evidence": "documented" if documented else "inferred",
            "waypoints": [p[0] for p in points if p[0] != VERTEX],
            "source_urls": [URL[key] for key in keys],
            "source_scope": scope,
            "leg_sources": leg_sources,
            "waterways": waterway_segments(spec),
        },
        "geometry": {"type": "LineString", "coordinates": [[lon, lat] for _, lat, lon in points]},
    }


# Where each waterway runs: between these two consecutive drawn points of a leg.
WATERWAY_ENDS = {
    PANAMA_CANAL: ("Panama Canal – Balboa", "Panama Canal – Cristóbal"),
    WESTERN_SCHELDT: ((51.45, 3.5), "Antwerp"),
    NIEUWE_WATERWEG: ((52.0, 3.9), "Rotterdam"),
    DELAWARE: ((38.85, -75.0), "Philadelphia"),
    BUENAVENTURA_BAY: ((3.8, -77.45), "Buenaventura"),
}


def waterway_segments(spec: dict) -> list[dict]:
    """The declared waterways as segments [[lon, lat], [lon, lat]] with their names."""
    def matches(point, end) -> bool:
        return point[0] == end if isinstance(end, str) else (point[1], point[2]) == end

    segments = []
    for name in spec["waterways"]:
        start, end = WATERWAY_ENDS[name]
        points = spec["points"]
        for a, b in zip(points, points[1:]):
            if (matches(a, start) and matches(b, end)) or (matches(a, end) and matches(b, start)):  # in or out
                segments.append({"name": name, "from": [a[2], a[1]], "to": [b[2], b[1]]})
        if not any(s["name"] == name for s in segments):
            raise SystemExit(f"{spec['leg_id']}: waterway {name} is not between two consecutive points")
    return segments


def route_notes() -> dict:
    """Per route id: its name, whether it has a line, and why when the line or its events are missing."""
    notes = {route_id: {"name": name, "line": True, "note": LINES_WITHOUT_EVENTS.get(route_id, "")}
             for route_id, name in ROUTE_NAMES.items()}
    for route_id, info in ROUTES_WITHOUT_LINE.items():
        notes[route_id] = {"name": route_id, "line": False, "area": info["area"], "note": info["note"]}
    return notes


def main() -> None:
    features = [build_feature(spec) for spec in LEGS]
    collection = {"type": "FeatureCollection", "routes": route_notes(), "features": features}
    from geodata.checks import leg_source_problems, sea_land_problems

    problems = leg_source_problems(collection) + sea_land_problems(collection)
    if problems:  # never write a file the bundled-data tests would refuse
        raise SystemExit("routes not written:\n  " + "\n  ".join(problems))
    OUTPUT.write_text(json.dumps(collection, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(features)} route legs ({len(ROUTE_NAMES)} routes) to {OUTPUT.name}")


if __name__ == "__main__":
    main()
