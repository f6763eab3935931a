"""Build ``geodata/routes.geojson`` from the waypoint tables of ``routes_reference.md``.

Run from the repo root: ``python geodata/build_routes.py``. Waypoints (name, lat, lon) are copied
from ../shared/reference/routes_reference.md, which says they are approximate centroids. Sea legs
also carry a few unnamed *drawing vertices* (``"~"``) so that a line between two ports does not
cut across land; they are not waypoints and are not listed in the ``waypoints`` property.

Evidence: ``documented`` where the reference cites reporting of the leg itself; ``inferred`` where
the reference says the evidence is thin (Callao → United States) or that no seized load states a
Peruvian origin (the onward legs from Bolivia into Brazil, Paraguay and Argentina).
"""

from __future__ import annotations

import json
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "routes.geojson"
VERTEX = "~"  # an unnamed drawing vertex, not a waypoint

SOURCES = {
    "vraem_bolivia_air": [
        "https://insightcrime.org/news/brief/90-of-cocaine-from-perus-vraem-moved-by-air/",
        "https://larepublica.pe/sociedad/2020/07/24/ucayali-crimen-y-castigo-abandonan-narco-avioneta-boliviana/",
        "https://noticias.madrededios.com/articulo/local/pnp-frustran-envio-mas-300-kg-droga-madre-dios-bolivia/20230428074423023860.amp.html",
        "https://eldeber.com.bo/122426_peru-inutiliza-avioneta-de-bolivia-con-288-kg-de-droga",
    ],
    "vraem_bolivia_river": [
        "https://larepublica.pe/sociedad/2022/05/16/vraem-identifican-nuevas-rutas-de-la-droga-narcotrafico-ucayali-bolivia-brasil-paraguay/",
        "https://archivo.inforegion.pe/junin-incautan-mas-de-400-kilos-de-cocaina-en-rio-tambo",
    ],
    "vraem_callao_sea": [
        "https://larepublica.pe/amp/sociedad/2024/07/26/hallan-450-kilos-de-cocaina-en-caleta-hidraulica-de-camion-1428440",
        "https://elcomercio.pe/peru/huancavelica/zona-emboscada-narcoterrorista-cerca-corredores-traslado-droga-noticia-456282",
        "https://www.livinginperu.com/354-kilos-cocaine-seized-peru/",
    ],
    "callao_europe_sea": [
        "https://insightcrime.org/news/how-important-port-callao-peru-cocaine-trade/",
        "https://larepublica.pe/sociedad/2024/01/31/dirandro-capturan-72-toneladas-de-cocaina-en-el-callao-con-destino-a-europa-pnp-drogas-1201219",
        "https://www.debate.com.mx/mundo/Incautan-22-toneladas-de-cocaina-en-buque-con-rumbo-a-Belgica-20190425-0123.html",
        "https://nos.nl/artikel/2329852-grote-cocainevangst-in-rotterdamse-haven.html",
    ],
    "callao_usa_sea": [
        "http://www.latinamericanstudies.org/drugs/550kg.htm",
        "https://www.cbc.ca/news/world/cocaine-bust-philadelphia-ship-1.5180447?cmp=rss",
        "https://narcodiario.com/2024/08/descubren-una-ruta-de-la-cocaina-que-enlazaba-los-puertos-de-callao-y-ensenada/",
    ],
    "bolivia_brazil": [
        "http://cosecharoja.org/de-mochileros-a-transportadores-de-droga/",
        "https://redaccion.lamula.pe/2017/05/02/estas-son-las-siete-rutas-nuevas-de-la-droga-que-sale-del-vraem-hacia-brasil-h/leslierosas/",
        "https://eldeber.com.bo/bolivia/la-cocaina-peruana-entra-a-bolivia-con-dos-sellos_93207",
        "https://ultimahora.com/pedro-juan-caballero-es-la-ruta-principal-del-trafico-cocaina-al-brasil-n1000610",
    ],
    "peru_brazil_madre_de_dios": [
        "https://redaccion.lamula.pe/2017/05/02/estas-son-las-siete-rutas-nuevas-de-la-droga-que-sale-del-vraem-hacia-brasil-h/leslierosas/",
        "https://archivo.inforegion.pe/cae-narcotraficante-con-kilo-y-medio-de-cocaina-en-inapari",
    ],
}

# (route_id, leg_id, name, mode, evidence, [(waypoint name or VERTEX, lat, lon), ...])
LEGS = [
    ("vraem_bolivia_air", "air-main", "VRAEM → Bolivia air bridge", "air", "documented", [
        ("Pichari", -12.518, -73.829), ("Llochegua", -12.411, -73.908),
        ("Ixiamas (Abel Iturralde)", -13.76, -68.14), ("Santa Ana del Yacuma", -13.74, -65.43),
        ("Trinidad", -14.83, -64.90), ("Santa Cruz de la Sierra", -17.78, -63.18)]),
    ("vraem_bolivia_air", "air-manu", "Southern strip via Manu", "air", "documented", [
        ("Pichari", -12.518, -73.829), ("Itahuania (Manu)", -12.79, -71.23),
        ("Ixiamas (Abel Iturralde)", -13.76, -68.14)]),
    ("vraem_bolivia_air", "river-feed", "River feed to Ucayali airstrips", "river", "documented", [
        ("Sivia", -12.510, -73.858), ("Mayapo / Llochegua", -12.38, -73.92),
        ("Apurímac–Mantaro confluence", -12.25, -73.98), ("Puerto Ene", -12.0, -74.0),
        ("Puerto Prado", -11.18, -74.25), ("Atalaya", -10.73, -73.76)]),
    ("vraem_callao_sea", "road-lima", "VRAEM → Lima/Callao overland", "road", "documented", [
        ("Pichari", -12.518, -73.829), ("San Francisco (Ayna)", -12.624, -73.796),
        ("Tambo (La Mar)", -12.95, -74.02), ("Huanta", -12.94, -74.25),
        ("Churcampa", -12.74, -74.39), ("Acostambo", -12.365, -75.055), ("Huancayo", -12.07, -75.21),
        ("La Oroya", -11.52, -75.90), ("Lima", -12.046, -77.043), ("Port of Callao", -12.050, -77.145)]),
    ("callao_europe_sea", "sea-panama", "Callao → Panama Canal", "sea", "documented", [
        ("Port of Callao", -12.050, -77.145), (VERTEX, -8.0, -80.5), (VERTEX, -2.5, -82.0),
        (VERTEX, 5.0, -80.2), ("Panama Canal – Balboa", 8.95, -79.57),
        ("Panama Canal – Cristóbal", 9.35, -79.91)]),
    ("callao_europe_sea", "sea-mediterranean", "Panama → Spain and Italy", "sea", "documented", [
        ("Panama Canal – Cristóbal", 9.35, -79.91), ("Cartagena", 10.39, -75.51),
        (VERTEX, 18.5, -66.0), (VERTEX, 36.0, -10.0), ("Algeciras", 36.13, -5.44),
        (VERTEX, 36.6, -1.8), (VERTEX, 37.4, -0.5), (VERTEX, 38.6, 0.45), ("Valencia", 39.44, -0.32), ("Barcelona", 41.345, 2.165),
        (VERTEX, 38.8, 9.0), (VERTEX, 38.25, 15.5), ("Gioia Tauro", 38.44, 15.90)]),
    ("callao_europe_sea", "sea-north", "Panama → North Sea ports", "sea", "documented", [
        ("Cartagena", 10.39, -75.51), (VERTEX, 18.5, -66.0), (VERTEX, 45.0, -10.0),
        (VERTEX, 49.0, -5.0), (VERTEX, 49.85, -2.3), ("Le Havre", 49.48, 0.11), (VERTEX, 51.4, 2.5),
        ("Antwerp", 51.26, 4.40), (VERTEX, 51.6, 3.6), ("Rotterdam", 51.95, 4.14)]),
    ("callao_usa_sea", "sea-east", "Callao → Philadelphia", "sea", "inferred", [
        ("Port of Callao", -12.050, -77.145), (VERTEX, -8.0, -80.5), (VERTEX, -2.5, -82.0),
        ("Buenaventura", 3.88, -77.03), (VERTEX, 5.0, -80.2), ("Panama Canal – Cristóbal", 9.35, -79.91),
        (VERTEX, 19.9, -74.0), ("Freeport", 26.53, -78.70), (VERTEX, 35.0, -74.5),
        ("Philadelphia", 39.905, -75.14)]),
    ("callao_usa_sea", "sea-ensenada", "Callao → Ensenada (Mexico)", "sea", "inferred", [
        ("Port of Callao", -12.050, -77.145), (VERTEX, -2.5, -84.0), (VERTEX, 12.0, -95.0),
        (VERTEX, 22.0, -110.0), ("Ensenada", 31.85, -116.62)]),
    ("bolivia_brazil", "road-altiplano", "VRAEM → Desaguadero → Santa Cruz", "road", "documented", [
        ("Kimbiri", -12.612, -73.787), ("Cusco", -13.53, -71.97), ("Juliaca", -15.50, -70.13),
        ("Puno", -15.84, -70.02), ("Desaguadero", -16.565, -69.04), ("El Alto / La Paz", -16.50, -68.19),
        ("Santa Cruz de la Sierra", -17.78, -63.18)]),
    ("bolivia_brazil", "onward-brazil", "Santa Cruz → Mato Grosso → Santos", "road", "inferred", [
        ("Santa Cruz de la Sierra", -17.78, -63.18), ("Comodoro (Mato Grosso)", -13.66, -59.79),
        ("Santos", -23.96, -46.33)]),
    ("bolivia_brazil", "onward-paraguay", "Santa Cruz → Pedro Juan Caballero", "air", "inferred", [
        ("Santa Cruz de la Sierra", -17.78, -63.18), ("Pedro Juan Caballero", -22.55, -55.73)]),
    ("bolivia_brazil", "onward-argentina", "Santa Cruz → Salta (Argentina)", "air", "inferred", [
        ("Santa Cruz de la Sierra", -17.78, -63.18), ("Rosario de la Frontera", -25.80, -64.97)]),
    ("peru_brazil_madre_de_dios", "road-interoceanic", "VRAEM → Madre de Dios → Acre", "road", "documented", [
        ("Kimbiri", -12.612, -73.787), ("Cusco", -13.53, -71.97), ("Mazuco (Inambari)", -13.06, -70.36),
        ("Puerto Maldonado", -12.59, -69.19), ("Iñapari", -10.95, -69.58), ("Assis Brasil", -10.94, -69.57)]),
]

ROUTE_NAMES = {
    "vraem_bolivia_air": "VRAEM → Bolivia air bridge",
    "vraem_callao_sea": "VRAEM → Lima/Callao overland",
    "callao_europe_sea": "Callao → Europe by sea",
    "callao_usa_sea": "Callao → United States by sea",
    "bolivia_brazil": "Peru → Bolivia overland and onward",
    "peru_brazil_madre_de_dios": "Peru → Brazil via Madre de Dios",
}


def build_feature(route_id: str, leg_id: str, name: str, mode: str, evidence: str,
                  points: list[tuple[str, float, float]]) -> dict:
    source_key = "vraem_bolivia_river" if leg_id == "river-feed" else route_id
    return {
        "type": "Feature",
        "properties": {
            "route_id": route_id,
            "route_name": ROUTE_NAMES[route_id],
            "leg_id": leg_id,
            "leg_name": name,
            "mode": mode,
            "evidence": evidence,
            "waypoints": [p[0] for p in points if p[0] != VERTEX],
            "source_urls": SOURCES[source_key],
        },
        "geometry": {"type": "LineString", "coordinates": [[lon, lat] for _, lat, lon in points]},
    }


def main() -> None:
    features = [build_feature(*leg) for leg in LEGS]
    collection = {"type": "FeatureCollection", "features": features}
    OUTPUT.write_text(json.dumps(collection, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(features)} route legs ({len(ROUTE_NAMES)} routes) to {OUTPUT.name}")


if __name__ == "__main__":
    main()
