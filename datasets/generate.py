#!/usr/bin/env python3
"""Rebuild the bundled sample territory, "Pays de Sample".

Everything here is SAMPLE DATA: a fictional territory with fictional communes,
INSEE codes (département "00"), SIRENs, stops and amounts. No real person appears.

    python3 datasets/generate.py            # rewrites the generated folders under datasets/
    python3 datasets/generate.py --out DIR  # writes DIR/<publisher>/<dataset>/ instead

The script is seeded and writes numbers with fixed formats, so re-running it gives
the same bytes (tests/test_bundled.py checks it). Each dataset folder is built aside
and swapped in whole; folders it does not generate (the reuses) are left alone.

The datasets share keys so reuses can combine them: commune INSEE codes (boundaries,
population, budget, facilities, charging points, bike stations), stop ids (GTFS stops
and bike stations) and WGS84 coordinates everywhere.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import math
import os
import random
import shutil
import tempfile
from pathlib import Path

from shapely.geometry import Point, Polygon, mapping
from shapely.geometry.polygon import orient

SEED = 20250901
HERE = Path(__file__).resolve().parent
# The national IRVE static schema, referred to by name and version: its copy ships in the package.
IRVE_REFERENCE = "etalab/schema-irve-statique@2.3.1"
IRVE_SCHEMA = HERE.parent / "catalog" / "schemas" / "snapshot" / "etalab" / "schema-irve-statique" / "2.3.1" / "schema-statique.json"
IRVE_PUBLIC = ["contact_amenageur", "contact_operateur", "telephone_operateur"]  # the services' contacts

TERRITORY = "Pays de Sample (territoire fictif)"
BBOX = [2.2, 46.5, 2.6, 46.75]  # west, south, east, north: the whole territory with a margin
GRID = (2.25, 46.55, 2.55, 46.70)  # the communes tile this rectangle
COLUMNS, ROWS, SUBDIVISIONS = 4, 2, 3
SAMPLE_NOTE = "Données d'exemple fictives (territoire imaginaire, aucune personne réelle)."

# (INSEE code, name, population, postcode), in grid order: north row west to east, then south row.
COMMUNES = [
    ("00002", "Fauxbourg", 2140, "00120"),
    ("00001", "Sampleville", 18450, "00100"),
    ("00003", "Villedémo", 5320, "00130"),
    ("00004", "Les Essais", 1180, "00140"),
    ("00005", "Brouillon-le-Bas", 860, "00150"),
    ("00006", "Maquette-sur-Cher", 3470, "00160"),
    ("00007", "Épreuve-en-Bois", 1920, "00170"),
    ("00008", "Gabarit", 640, "00180"),
]
TOWN = "00001"

PLACES = ["Mairie", "Église", "Place du Marché", "Les Tilleuls", "Stade", "Collège", "La Poste",
          "Les Peupliers", "Zone Artisanale", "Le Moulin", "Les Vignes", "Cimetière", "Salle des Fêtes",
          "Le Lavoir", "Les Chênes", "Croix Blanche", "Le Pont", "Centre", "Les Acacias", "Rond-Point",
          "La Fontaine", "Les Prés", "Champ de Foire", "Les Rosiers", "La Gare", "Le Bourg", "Les Érables",
          "Le Château d'Eau", "La Sablière", "Les Noyers"]
STREETS = ["rue de la République", "avenue de la Gare", "place du Marché", "rue des Écoles", "rue du Moulin",
           "chemin des Vignes", "rue de l'Église", "boulevard du Centre", "allée des Tilleuls", "route de Sampleville"]
ROUTE_COLOURS = ["E4003A", "0055A4", "00A651", "F39200", "8E44AD", "00A0B0", "7F8C8D", "C0392B"]
SERVICE_START, SERVICE_END = datetime.date(2025, 9, 1), datetime.date(2026, 7, 3)
HOLIDAYS = [datetime.date(2025, 11, 1), datetime.date(2025, 11, 11), datetime.date(2025, 12, 25),
            datetime.date(2026, 1, 1), datetime.date(2026, 4, 6), datetime.date(2026, 5, 1),
            datetime.date(2026, 5, 8), datetime.date(2026, 5, 14), datetime.date(2026, 5, 25)]
LICENCES = {
    "etalab-2.0": {"name": "etalab-2.0", "title": "Licence Ouverte / Open Licence version 2.0",
                   "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"},
    "ODbL-1.0": {"name": "ODbL-1.0", "title": "Open Data Commons Open Database License 1.0",
                 "path": "https://opendatacommons.org/licenses/odbl/1-0/"},
}


# --- small helpers ---------------------------------------------------------------------------

def metres(a, b):
    """Distance between two (lon, lat) points; an equirectangular approximation is ample at this scale."""
    mean_lat = math.radians((a[1] + b[1]) / 2)
    return math.hypot((b[0] - a[0]) * 111_320 * math.cos(mean_lat), (b[1] - a[1]) * 110_574)


def offset(point, east_m, north_m):
    lon, lat = point
    return (lon + east_m / (111_320 * math.cos(math.radians(lat))), lat + north_m / 110_574)


def coord(value):
    return round(value, 6)


def field(name, type_, description, **extra):
    return {"name": name, "type": type_, "description": description, **extra}


def table_csv(header, rows, delimiter=",", lineterminator="\n"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def json_text(value):
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


# The day this sample release was "published": fixed, so the output never depends on the clock.
RELEASE = "2025-11-20"


def catalog_key(theme, frequency, insee, bbox, start, end, keywords, **extra):
    label = TERRITORY if len(insee) > 1 else f"{name_of(insee[0])} ({insee[0]}), {TERRITORY}"
    return {"theme": theme, "frequency": frequency, "modified": min(end, RELEASE),
            "spatial": {"label": label, "insee": list(insee), "bbox": bbox},
            "temporal": {"start": start, "end": end}, "keywords": keywords, **extra}


def name_of(insee):
    return next(name for code, name, *_ in COMMUNES if code == insee)


def descriptor(name, title, description, version, licence, catalog, resources):
    return {"name": name, "title": title, "description": f"{description} {SAMPLE_NOTE}", "version": version,
            "licenses": [LICENCES[licence]], "catalog": catalog, "resources": resources}


# --- the territory -------------------------------------------------------------------------

class Territory:
    """Communes tiling GRID: a jittered vertex lattice, each commune a 3×3 block of it, so
    neighbours share their border vertices exactly (no gap, no overlap)."""

    def __init__(self, rng: random.Random):
        west, south, east, north = GRID
        nx, ny = COLUMNS * SUBDIVISIONS + 1, ROWS * SUBDIVISIONS + 1
        dx, dy = (east - west) / (nx - 1), (north - south) / (ny - 1)
        lattice = [[(coord(west + i * dx + rng.uniform(-0.3, 0.3) * dx),
                     coord(north - j * dy + rng.uniform(-0.3, 0.3) * dy)) for i in range(nx)] for j in range(ny)]
        self.polygons = {}
        for index, (code, *_rest) in enumerate(COMMUNES):
            row, col = divmod(index, COLUMNS)
            i0, j0, k = col * SUBDIVISIONS, row * SUBDIVISIONS, SUBDIVISIONS
            ring = [lattice[j0][i] for i in range(i0, i0 + k + 1)]
            ring += [lattice[j][i0 + k] for j in range(j0 + 1, j0 + k + 1)]
            ring += [lattice[j0 + k][i] for i in range(i0 + k - 1, i0 - 1, -1)]
            ring += [lattice[j][i0] for j in range(j0 + k - 1, j0, -1)]
            polygon = orient(Polygon(ring), 1.0)  # RFC 7946: exterior rings counterclockwise
            assert polygon.is_valid, code
            self.polygons[code] = polygon

    def commune_at(self, point):
        for code, polygon in self.polygons.items():
            if polygon.contains(Point(point)):
                return code
        return None

    def centre(self, code):
        c = self.polygons[code].representative_point() if code != TOWN else self.polygons[code].centroid
        return (c.x, c.y)

    def random_point(self, rng, code, margin_m=150):
        """A point well inside the commune (at least `margin_m` from its border)."""
        polygon = self.polygons[code]
        west, south, east, north = polygon.bounds
        while True:
            point = (coord(rng.uniform(west, east)), coord(rng.uniform(south, north)))
            # ~80 km per degree at this latitude is close enough for a margin.
            if polygon.contains(Point(point)) and polygon.exterior.distance(Point(point)) * 80_000 > margin_m:
                return point

    def bbox(self, codes):
        bounds = [self.polygons[c].bounds for c in codes]
        return [round(min(b[0] for b in bounds) - 0.005, 3), round(min(b[1] for b in bounds) - 0.005, 3),
                round(max(b[2] for b in bounds) + 0.005, 3), round(max(b[3] for b in bounds) + 0.005, 3)]


def area_km2(polygon):
    lat = math.radians(polygon.centroid.y)
    return polygon.area * 111_320 * math.cos(lat) * 110_574 / 1e6


# --- datasets: one function per dataset, each returning {relative path: text} -----------------

def communes(territory):
    features = []
    for code, name, _population, postcode in COMMUNES:
        geometry = mapping(territory.polygons[code])
        geometry = {"type": "Polygon", "coordinates": [[list(p) for p in ring] for ring in geometry["coordinates"]]}
        features.append({"type": "Feature", "properties": {"code_insee": code, "nom": name, "code_postal": postcode},
                         "geometry": geometry})
    collection = {"type": "FeatureCollection", "name": "communes", "features": features}
    meta = descriptor(
        "communes", "Limites des communes du Pays de Sample",
        "Contours des huit communes du Pays de Sample en GeoJSON (WGS84), avec le code INSEE, le nom et le code "
        "postal de chaque commune. Les limites sont jointives : chaque frontière est partagée exactement par les "
        "deux communes voisines.",
        "2025.1.0", "etalab-2.0",
        catalog_key("boundaries", "annual", [c[0] for c in COMMUNES], BBOX, "2025-01-01", "2025-12-31",
                    ["communes", "limites administratives", "GeoJSON", "code INSEE"]),
        [{"name": "communes", "title": "Contours des communes", "path": "communes.geojson", "format": "geojson",
          "mediatype": "application/geo+json",
          "description": "Un polygone par commune ; propriétés code_insee, nom et code_postal."}])
    return {"communes.geojson": json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n",
            "datapackage.json": json_text(meta)}


def population(territory):
    rows = []
    for code, name, inhabitants, _ in COMMUNES:
        surface = area_km2(territory.polygons[code])
        rows.append([code, name, inhabitants, 2022, f"{surface:.2f}", f"{inhabitants / surface:.1f}"])
    schema = {
        "fields": [
            field("code_insee", "string", "Code officiel géographique (INSEE) de la commune.",
                  constraints={"required": True, "unique": True, "pattern": r"^\d{5}$"}),
            field("nom", "string", "Nom de la commune.", constraints={"required": True}),
            field("population", "integer", "Population municipale au 1er janvier de l'année de référence.",
                  constraints={"required": True, "minimum": 0}),
            field("annee", "year", "Année de référence du recensement.", constraints={"required": True}),
            field("superficie_km2", "number", "Superficie de la commune en km², calculée sur ses limites.",
                  constraints={"minimum": 0}),
            field("densite_hab_km2", "number", "Densité de population en habitants par km².",
                  constraints={"minimum": 0}),
        ],
        "primaryKey": ["code_insee"],
    }
    meta = descriptor(
        "population-communes", "Population des communes du Pays de Sample",
        "Population municipale de chaque commune du Pays de Sample (recensement, année de référence 2022), avec "
        "sa superficie et sa densité. Le code INSEE permet de la croiser avec les limites des communes, le budget "
        "des villes ou les équipements.",
        "2022.1.0", "etalab-2.0",
        catalog_key("population", "annual", [c[0] for c in COMMUNES], BBOX, "2022-01-01", "2022-12-31",
                    ["population", "recensement", "communes", "code INSEE"]),
        [{"name": "population", "title": "Population par commune", "path": "population.csv", "format": "csv",
          "mediatype": "text/csv", "encoding": "utf-8", "schema": "population.schema.json"}])
    return {"population.csv": table_csv([f["name"] for f in schema["fields"]], rows),
            "population.schema.json": json_text(schema), "datapackage.json": json_text(meta)}


class Network:
    """The bus network: stops laid along lines from Sampleville's bus station to each commune."""

    def __init__(self, rng, territory):
        self.rng, self.territory = rng, territory
        self.places = {code: rng.sample(PLACES, len(PLACES)) for code, *_ in COMMUNES}
        self.stops = []  # (stop_id, name, (lon, lat), insee, wheelchair)
        self.routes = []  # (route_id, short, long, colour, [stop indexes])
        hub = self._stop(territory.centre(TOWN), TOWN, "Gare routière")
        for number, (code, name, *_rest) in enumerate((c for c in COMMUNES if c[0] != TOWN), start=1):
            self._route(number, hub, code)
        self._loop(len(self.routes) + 1, hub)

    def _stop(self, point, code, place=None):
        places = self.places[code]
        if place in places:
            places.remove(place)
        place = place or (places.pop(0) if places else f"Arrêt {len(self.stops) + 1}")
        stop_id = f"SMP{len(self.stops) + 1:04d}"
        self.stops.append((stop_id, f"{name_of(code)} – {place}", point, code, self.rng.choice([0, 1, 1, 1, 2])))
        return len(self.stops) - 1

    def _inside(self, point):
        return self.territory.commune_at(point)

    def _route(self, number, hub, code):
        start, end = self.stops[hub][2], self.territory.centre(code)
        count = max(6, round(metres(start, end) / 650))
        span = math.hypot(end[0] - start[0], end[1] - start[1])
        ux, uy = (end[0] - start[0]) / span, (end[1] - start[1]) / span
        indexes = [hub]
        for k in range(1, count + 1):
            t = (k + (self.rng.uniform(-0.2, 0.2) if k < count else 0)) / count
            point = (start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)
            if k < count:  # a little off the straight line, as roads are
                side = self.rng.uniform(-120, 120)
                point = offset(point, -uy * side, ux * side)
            point = (coord(point[0]), coord(point[1]))
            where = self._inside(point)
            if where is None:
                continue
            indexes.append(self._stop(point, where, "Mairie" if k == count else None))
        terminus = self.stops[indexes[-1]][1]
        self.routes.append((f"L{number}", str(number), f"Sampleville – Gare routière ↔ {terminus}",
                            ROUTE_COLOURS[number - 1], indexes))

    def _loop(self, number, hub):
        """A town-centre shuttle: a loop of stops around the bus station."""
        centre = self.stops[hub][2]
        indexes = [hub]
        for k in range(1, 11):
            angle = 2 * math.pi * k / 11
            point = offset(centre, 1100 * math.cos(angle), 800 * math.sin(angle))
            point = (coord(point[0]), coord(point[1]))
            indexes.append(self._stop(point, self._inside(point)))
        self.routes.append((f"N{number}", "N", "Navette centre-ville de Sampleville", "2C3E50", indexes))

    def nearest_stop(self, point):
        return min(self.stops, key=lambda stop: metres(point, stop[2]))


def departures(service):
    """Departure times (minutes after midnight) of one direction of one line for a service."""
    if service == "SEM":
        times = list(range(6 * 60, 21 * 60 + 1, 20))
        times += list(range(6 * 60 + 10, 9 * 60, 20)) + list(range(16 * 60 + 10, 19 * 60, 20))  # rush hours
        times += [22 * 60 + 30, 23 * 60 + 40]  # the last trips run past midnight on long lines
    elif service == "SAM":
        times = list(range(7 * 60, 21 * 60 + 1, 40))
    else:
        times = list(range(8 * 60 + 30, 20 * 60 + 1, 60))
    return sorted(times)


def hms(seconds):
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def gtfs(network: Network):
    stops = network.stops
    files = {}
    files["agency.txt"] = table_csv(
        ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
        [["SAMPLE", "Sample Mobilités (réseau fictif)", "https://www.sample-mobilites.example.fr", "Europe/Paris", "fr"]])
    files["stops.txt"] = table_csv(
        ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "wheelchair_boarding"],
        [[s[0], s[1], f"{s[2][1]:.6f}", f"{s[2][0]:.6f}", 0, s[4]] for s in stops])
    files["routes.txt"] = table_csv(
        ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type", "route_color", "route_text_color"],
        [[r[0], "SAMPLE", r[1], r[2], 3, r[3], "FFFFFF"] for r in network.routes])
    calendar = [["SEM", 1, 1, 1, 1, 1, 0, 0], ["SAM", 0, 0, 0, 0, 0, 1, 0], ["DIM", 0, 0, 0, 0, 0, 0, 1]]
    files["calendar.txt"] = table_csv(
        ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
         "start_date", "end_date"],
        [row + [SERVICE_START.strftime("%Y%m%d"), SERVICE_END.strftime("%Y%m%d")] for row in calendar])
    exceptions = []
    for day in HOLIDAYS:  # public holidays run the Sunday timetable
        usual = "SEM" if day.weekday() < 5 else "SAM" if day.weekday() == 5 else None
        if usual:
            exceptions += [["DIM", day.strftime("%Y%m%d"), 1], [usual, day.strftime("%Y%m%d"), 2]]
    files["calendar_dates.txt"] = table_csv(["service_id", "date", "exception_type"], exceptions)
    trips, stop_times, shapes = [], [], []
    for route_id, _short, _long, _colour, indexes in network.routes:
        loop = route_id.startswith("N")
        for direction in (0,) if loop else (0, 1):
            sequence = indexes + [indexes[0]] if loop else indexes if direction == 0 else indexes[::-1]
            shape_id = f"{route_id}-{direction}"
            points = [stops[i][2] for i in sequence]
            shape = [points[0]]
            for a, b in zip(points, points[1:]):
                for t in (1 / 3, 2 / 3):
                    shape.append(offset((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t),
                                        network.rng.uniform(-25, 25), network.rng.uniform(-25, 25)))
                shape.append(b)
            shapes += [[shape_id, f"{p[1]:.6f}", f"{p[0]:.6f}", n + 1] for n, p in enumerate(shape)]
            hops = [0] + [max(60, round((metres(a, b) / 6.1 + 20) / 60) * 60) for a, b in zip(points, points[1:])]
            headsign = stops[sequence[-1]][1]
            for service in ("SEM", "SAM", "DIM"):
                for n, minute in enumerate(departures(service), start=1):
                    trip_id = f"{route_id}-{service}-{direction}-{n:03d}"
                    trips.append([route_id, service, trip_id, headsign, direction, shape_id, 1])
                    clock = minute * 60
                    for position, (index, hop) in enumerate(zip(sequence, hops), start=1):
                        clock += hop
                        stop_times.append([trip_id, hms(clock), hms(clock), stops[index][0], position])
    files["trips.txt"] = table_csv(["route_id", "service_id", "trip_id", "trip_headsign", "direction_id", "shape_id",
                                    "wheelchair_accessible"], trips)
    files["stop_times.txt"] = table_csv(["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
                                        stop_times)
    files["shapes.txt"] = table_csv(["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"], shapes)
    schemas = gtfs_schemas()
    resources = []
    for name in ("agency", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates", "shapes"):
        files[f"schemas/{name}.json"] = json_text(schemas[name])
        resources.append({"name": name, "path": f"{name}.txt", "format": "csv", "mediatype": "text/csv",
                          "encoding": "utf-8", "schema": f"schemas/{name}.json"})
    codes = sorted({s[3] for s in stops})
    meta = descriptor(
        "reseau-bus", "Réseau de bus du Pays de Sample (GTFS)",
        "Horaires théoriques du réseau de bus Sample Mobilités au format GTFS : arrêts, lignes, courses, horaires "
        "de passage, calendriers (jours fériés compris) et tracés. Huit lignes relient la gare routière de "
        "Sampleville aux autres communes ; une navette dessert le centre-ville.",
        "2025.9.0", "ODbL-1.0",
        catalog_key("transport", "monthly", codes, BBOX, SERVICE_START.isoformat(), SERVICE_END.isoformat(),
                    ["bus", "GTFS", "horaires", "arrêts", "transport en commun"], profile="gtfs",
                    charts=[{"title": "Courses par ligne", "type": "bar", "resource": "trips",
                             "category": "route_id", "aggregate": "count",
                             "description": "Nombre de courses prévues au calendrier, toutes périodes confondues."}]),
        resources)
    files["datapackage.json"] = json_text(meta)
    return files


def gtfs_schemas():
    time = {"required": True, "pattern": r"^\d{1,2}:[0-5]\d:[0-5]\d$"}
    gtfs_date = {"required": True, "pattern": r"^\d{8}$"}
    day = {"required": True, "enum": [0, 1]}
    latitude = {"required": True, "minimum": -90, "maximum": 90}
    longitude = {"required": True, "minimum": -180, "maximum": 180}

    def fk(column, resource, key=None):
        return {"fields": column, "reference": {"resource": resource, "fields": key or column}}

    def labels(**by_value):
        """What the hub shows for GTFS codes (field key `catalog.labels`): {code: {lang: label}}."""
        return {"labels": {code[1:]: {"fr": fr, "en": en} for code, (fr, en) in by_value.items()}}

    access = labels(_0=("inconnu", "unknown"), _1=("accessible", "accessible"), _2=("non accessible", "not accessible"))
    running = labels(_0=("ne circule pas", "no service"), _1=("circule", "runs"))

    return {
        "agency": {"fields": [
            field("agency_id", "string", "Identifiant de l'exploitant.", constraints={"required": True, "unique": True}),
            field("agency_name", "string", "Nom commercial de l'exploitant.", constraints={"required": True}),
            field("agency_url", "string", "Site web de l'exploitant.", format="uri", constraints={"required": True}),
            field("agency_timezone", "string", "Fuseau horaire des horaires publiés.", constraints={"required": True}),
            field("agency_lang", "string", "Langue principale des informations voyageurs."),
        ], "primaryKey": ["agency_id"]},
        "stops": {"fields": [
            field("stop_id", "string", "Identifiant de l'arrêt, repris par les courses et les stations de vélos.",
                  constraints={"required": True, "unique": True, "pattern": r"^SMP\d{4}$"}),
            field("stop_name", "string", "Nom de l'arrêt, précédé du nom de la commune.", constraints={"required": True}),
            field("stop_lat", "number", "Latitude WGS84 de l'arrêt.", constraints=latitude),
            field("stop_lon", "number", "Longitude WGS84 de l'arrêt.", constraints=longitude),
            field("location_type", "integer", "Type d'emplacement GTFS (0 = arrêt).", constraints={"enum": [0, 1, 2, 3, 4]},
                  catalog=labels(_0=("arrêt", "stop"), _1=("station", "station"), _2=("entrée ou sortie", "entrance or exit"),
                                 _3=("nœud générique", "generic node"), _4=("zone d'embarquement", "boarding area"))),
            field("wheelchair_boarding", "integer", "Accessibilité en fauteuil roulant (0 inconnue, 1 oui, 2 non).",
                  constraints={"enum": [0, 1, 2]}, catalog=access),
        ], "primaryKey": ["stop_id"]},
        "routes": {"fields": [
            field("route_id", "string", "Identifiant de la ligne.", constraints={"required": True, "unique": True}),
            field("agency_id", "string", "Exploitant de la ligne.", constraints={"required": True}),
            field("route_short_name", "string", "Numéro de la ligne affiché aux voyageurs."),
            field("route_long_name", "string", "Nom complet de la ligne (terminus)."),
            field("route_type", "integer", "Mode de transport GTFS (3 = bus).", constraints={"required": True, "minimum": 0}),
            field("route_color", "string", "Couleur de la ligne (hexadécimal sans #).", constraints={"pattern": r"^[0-9A-F]{6}$"}),
            field("route_text_color", "string", "Couleur du texte sur la couleur de ligne.", constraints={"pattern": r"^[0-9A-F]{6}$"}),
        ], "primaryKey": ["route_id"], "foreignKeys": [fk("agency_id", "agency")]},
        "trips": {"fields": [
            field("route_id", "string", "Ligne de la course.", constraints={"required": True}),
            field("service_id", "string", "Calendrier de circulation (SEM, SAM, DIM).", constraints={"required": True}),
            field("trip_id", "string", "Identifiant de la course.", constraints={"required": True, "unique": True}),
            field("trip_headsign", "string", "Destination affichée sur le bus."),
            field("direction_id", "integer", "Sens de circulation (0 aller, 1 retour).", constraints={"enum": [0, 1]},
                  catalog=labels(_0=("aller", "outbound"), _1=("retour", "inbound"))),
            field("shape_id", "string", "Tracé suivi par la course (shapes.txt)."),
            field("wheelchair_accessible", "integer", "Véhicule accessible en fauteuil roulant (1 oui).",
                  constraints={"enum": [0, 1, 2]}, catalog=access),
        ], "primaryKey": ["trip_id"],
            "foreignKeys": [fk("route_id", "routes"), fk("service_id", "calendar")]},
        "stop_times": {"fields": [
            field("trip_id", "string", "Course desservant l'arrêt.", constraints={"required": True}),
            field("arrival_time", "string", "Heure d'arrivée HH:MM:SS (au-delà de 24:00:00 après minuit).",
                  constraints=time),
            field("departure_time", "string", "Heure de départ HH:MM:SS (au-delà de 24:00:00 après minuit).",
                  constraints=time),
            field("stop_id", "string", "Arrêt desservi.", constraints={"required": True}),
            field("stop_sequence", "integer", "Rang de l'arrêt dans la course, strictement croissant.",
                  constraints={"required": True, "minimum": 0}),
        ], "primaryKey": ["trip_id", "stop_sequence"],
            "foreignKeys": [fk("trip_id", "trips"), fk("stop_id", "stops")]},
        "calendar": {"fields": [
            field("service_id", "string", "Identifiant du calendrier.", constraints={"required": True, "unique": True}),
            *[field(name, "integer", f"1 si le service circule le {label}, 0 sinon.", constraints=day, catalog=running)
              for name, label in (("monday", "lundi"), ("tuesday", "mardi"), ("wednesday", "mercredi"),
                                  ("thursday", "jeudi"), ("friday", "vendredi"), ("saturday", "samedi"),
                                  ("sunday", "dimanche"))],
            field("start_date", "string", "Premier jour de validité (AAAAMMJJ).", constraints=gtfs_date),
            field("end_date", "string", "Dernier jour de validité (AAAAMMJJ).", constraints=gtfs_date),
        ], "primaryKey": ["service_id"]},
        "calendar_dates": {"fields": [
            field("service_id", "string", "Calendrier concerné par l'exception.", constraints={"required": True}),
            field("date", "string", "Jour de l'exception (AAAAMMJJ).", constraints=gtfs_date),
            field("exception_type", "integer", "1 service ajouté ce jour, 2 service supprimé ce jour.",
                  constraints={"required": True, "enum": [1, 2]},
                  catalog=labels(_1=("service ajouté", "service added"), _2=("service supprimé", "service removed"))),
        ], "primaryKey": ["service_id", "date"], "foreignKeys": [fk("service_id", "calendar")]},
        "shapes": {"fields": [
            field("shape_id", "string", "Identifiant du tracé.", constraints={"required": True}),
            field("shape_pt_lat", "number", "Latitude WGS84 du point du tracé.", constraints=latitude),
            field("shape_pt_lon", "number", "Longitude WGS84 du point du tracé.", constraints=longitude),
            field("shape_pt_sequence", "integer", "Rang du point dans le tracé.", constraints={"required": True, "minimum": 0}),
        ], "primaryKey": ["shape_id", "shape_pt_sequence"]},
    }


def bike_stations(rng, territory, network):
    rows = []
    for number in range(1, 19):
        code = TOWN if number <= 12 else "00003"
        point = territory.random_point(rng, code)
        stop = network.nearest_stop(point)
        place = PLACES[(number * 7) % len(PLACES)]
        rows.append([f"VLS{number:02d}", f"{name_of(code)} – {place}", code, f"{point[1]:.6f}", f"{point[0]:.6f}",
                     rng.choice([8, 10, 12, 16, 20, 24]), stop[0], round(metres(point, stop[2])),
                     (datetime.date(2023, 4, 1) + datetime.timedelta(days=rng.randrange(0, 700))).isoformat()])
    schema = {
        "fields": [
            field("id_station", "string", "Identifiant de la station.", constraints={"required": True, "unique": True}),
            field("nom", "string", "Nom de la station.", constraints={"required": True}),
            field("code_insee", "string", "Code INSEE de la commune de la station.",
                  constraints={"required": True, "pattern": r"^\d{5}$"}),
            field("latitude", "number", "Latitude WGS84.", constraints={"required": True, "minimum": -90, "maximum": 90}),
            field("longitude", "number", "Longitude WGS84.", constraints={"required": True, "minimum": -180, "maximum": 180}),
            field("capacite", "integer", "Nombre de points d'attache.", constraints={"required": True, "minimum": 1}),
            field("stop_id_proche", "string", "Arrêt de bus le plus proche (stop_id du GTFS reseau-bus).",
                  constraints={"pattern": r"^SMP\d{4}$"}),
            field("distance_arret_m", "integer", "Distance à vol d'oiseau jusqu'à cet arrêt, en mètres.",
                  constraints={"minimum": 0}),
            field("date_mise_en_service", "date", "Date d'ouverture de la station."),
        ],
        "primaryKey": ["id_station"],
    }
    meta = descriptor(
        "velos-libre-service", "Stations de vélos en libre-service du Pays de Sample",
        "Emplacement et capacité des stations du service de vélos en libre-service de Sample Mobilités à "
        "Sampleville et Villedémo, avec l'arrêt de bus le plus proche (identifiant du GTFS) pour faciliter "
        "l'intermodalité.",
        "2025.2.0", "ODbL-1.0",
        catalog_key("mobility", "quarterly", [TOWN, "00003"], territory.bbox([TOWN, "00003"]), "2023-04-01",
                    "2025-09-01", ["vélo", "vélos en libre-service", "mobilité", "intermodalité"]),
        [{"name": "stations", "title": "Stations", "path": "stations.csv", "format": "csv", "mediatype": "text/csv",
          "encoding": "utf-8", "schema": "stations.schema.json"}])
    return {"stations.csv": table_csv([f["name"] for f in schema["fields"]], rows),
            "stations.schema.json": json_text(schema), "datapackage.json": json_text(meta)}


def irve_schema():
    """The national IRVE static schema, as published (the dataset refers to it; its columns come from it)."""
    return json.loads(IRVE_SCHEMA.read_text(encoding="utf-8"))


def charging_points(rng, territory, network):
    schema = irve_schema()
    names = [f["name"] for f in schema["fields"]]
    power_plugs = {7.4: ("ef", "2"), 22: ("2",), 50: ("combo_ccs", "chademo"), 150: ("combo_ccs",)}
    rows = []
    for number in range(1, 21):
        if number % 3:  # two stations in three stand near a bus stop, as a département plans them
            stop = network.stops[rng.randrange(len(network.stops))]
            distance, angle = rng.uniform(40, 280), rng.uniform(0, 2 * math.pi)
            point = offset(stop[2], distance * math.cos(angle), distance * math.sin(angle))
            point = (coord(point[0]), coord(point[1]))
            code = territory.commune_at(point)
            if code is None:
                code = stop[3]
                point = stop[2]
        else:
            code = rng.choice([c[0] for c in COMMUNES])
            point = territory.random_point(rng, code)
        commune, postcode = name_of(code), next(c[3] for c in COMMUNES if c[0] == code)
        power = rng.choice([7.4, 22, 22, 22, 50, 150])
        plugs = power_plugs[power]
        count = rng.choice([1, 2, 2, 3, 4])
        station = {
            "nom_amenageur": "Département de Sample", "siren_amenageur": "220000004",
            "contact_amenageur": "mobilite-electrique@departement-sample.example.fr",
            "nom_operateur": "Sample Énergie Services (fictif)",
            "contact_operateur": "supervision@sample-energie.example.fr", "telephone_operateur": "0261910100",
            "nom_enseigne": "Sample'Recharge", "id_station_itinerance": f"FRSMPP{number:05d}",
            "id_station_local": f"SMP-ST-{number:03d}",
            "nom_station": f"{commune} – {PLACES[(number * 11) % len(PLACES)]}",
            "implantation_station": rng.choice(["Voirie", "Voirie", "Parking public",
                                                "Station dédiée à la recharge rapide"] if power >= 50 else
                                               ["Voirie", "Parking public", "Parking privé à usage public"]),
            "adresse_station": f"{rng.randrange(1, 80)} {rng.choice(STREETS)} {postcode} {commune}",
            "code_insee_commune": code, "coordonneesXY": f"[{point[0]:.6f},{point[1]:.6f}]", "nbre_pdc": count,
            "id_pdc_local": "", "puissance_nominale": f"{power:g}",
            "gratuit": "false", "paiement_acte": "true", "paiement_cb": "true" if power >= 50 else "false",
            "paiement_autre": "true", "tarification": "0,35 € / kWh" if power < 50 else "0,49 € / kWh",
            "condition_acces": "Accès libre", "reservation": "false",
            "horaires": "24/7" if power >= 22 else "Mo-Sa 07:00-20:00",
            "accessibilite_pmr": rng.choice(["Accessible mais non réservé PMR", "Réservé PMR", "Non accessible",
                                             "Accessibilité inconnue"]),
            "restriction_gabarit": rng.choice(["Aucune", "Hauteur maximale 2,10 m"]),
            "station_deux_roues": "false", "raccordement": "Direct", "num_pdl": "",
            "date_mise_en_service": (datetime.date(2021, 1, 4) + datetime.timedelta(days=rng.randrange(0, 1600))).isoformat(),
            "observations": "Borne d'exemple (données fictives).", "date_maj": "2025-09-01",
            "cable_t2_attache": "true" if "2" in plugs and power < 22 else "false",
        }
        for plug in ("ef", "2", "combo_ccs", "chademo", "autre"):
            station[f"prise_type_{plug}"] = "true" if plug in plugs else "false"
        for k in range(1, count + 1):
            rows.append([station.get(n, "") if n != "id_pdc_itinerance" else f"FRSMPE{number:05d}{k}" for n in names])
    meta = descriptor(
        "bornes-recharge", "Bornes de recharge pour véhicules électriques du Pays de Sample (IRVE)",
        "Points de recharge pour véhicules électriques aménagés par le Département de Sample, au format du schéma "
        "national IRVE statique (une ligne par point de charge) : localisation, puissance, prises, accès, "
        "paiement et horaires. Les adresses et le téléphone de contact sont ceux des services exploitants.",
        "2025.3.0", "etalab-2.0",
        catalog_key("energy", "monthly", [c[0] for c in COMMUNES], BBOX, "2021-01-04", "2025-09-01",
                    ["IRVE", "recharge", "véhicule électrique", "borne", "mobilité électrique"]),
        [{"name": "irve", "title": "Points de recharge (schéma IRVE statique)", "path": "irve-statique.csv",
          "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "schema": IRVE_REFERENCE,
          "catalog": {"public": IRVE_PUBLIC}}])
    return {"irve-statique.csv": table_csv(names, rows), "datapackage.json": json_text(meta)}


FACILITIES = [
    ("Mairie", ["Hôtel de ville"]),
    ("École", ["École maternelle des Tilleuls", "École élémentaire du Centre", "École primaire des Acacias",
               "École maternelle des Prés", "École élémentaire des Vignes"]),
    ("Collège", ["Collège des Noyers"]),
    ("Gymnase", ["Gymnase des Chênes", "Gymnase du Champ de Foire"]),
    ("Stade", ["Stade municipal", "Terrain de sport des Érables"]),
    ("Médiathèque", ["Médiathèque du Centre"]),
    ("Piscine", ["Piscine des Rosiers"]),
    ("Crèche", ["Crèche des Petits Pas", "Multi-accueil de la Fontaine"]),
    ("Salle polyvalente", ["Salle des fêtes", "Salle polyvalente du Moulin"]),
    ("Parc", ["Parc du Lavoir", "Jardin public de la Sablière", "Square des Peupliers"]),
    ("Déchèterie", ["Déchèterie intercommunale"]),
    ("Centre social", ["Centre social du Bourg"]),
    ("Cimetière", ["Cimetière communal"]),
    ("Maison de santé", ["Maison de santé pluriprofessionnelle"]),
    ("Police municipale", ["Poste de police municipale"]),
    ("Conservatoire", ["Conservatoire de musique et de danse"]),
]


def facilities(rng, territory):
    rows, number = [], 0
    for kind, names in FACILITIES:
        for name in names:
            number += 1
            point = territory.random_point(rng, TOWN)
            rows.append([f"EQ{number:03d}", name, kind, f"{rng.randrange(1, 120)} {rng.choice(STREETS)}", "00100",
                         TOWN, "Sampleville", f"{point[1]:.6f}", f"{point[0]:.6f}",
                         f"02 61 91 {number // 100:02d} {number % 100:02d}", rng.choice(["oui", "oui", "non"])])
    kinds = [kind for kind, _ in FACILITIES]
    schema = {
        "fields": [
            field("id", "string", "Identifiant de l'équipement.", constraints={"required": True, "unique": True}),
            field("nom", "string", "Nom de l'équipement.", constraints={"required": True}, catalog={"searchable": True}),
            field("type", "string", "Catégorie de l'équipement.", constraints={"required": True, "enum": kinds},
                  catalog={"searchable": True}),
            field("adresse", "string", "Numéro et voie.", catalog={"searchable": True}),
            field("code_postal", "string", "Code postal.", constraints={"pattern": r"^\d{5}$"}),
            field("code_insee", "string", "Code INSEE de la commune.", constraints={"required": True, "pattern": r"^\d{5}$"}),
            field("commune", "string", "Nom de la commune."),
            field("latitude", "number", "Latitude WGS84.", constraints={"required": True, "minimum": -90, "maximum": 90}),
            field("longitude", "number", "Longitude WGS84.", constraints={"required": True, "minimum": -180, "maximum": 180}),
            field("telephone", "string", "Numéro d'accueil du service (numéro public, pas une personne).",
                  catalog={"public": True}),
            field("accessible_pmr", "boolean", "Accessible aux personnes à mobilité réduite.",
                  trueValues=["oui"], falseValues=["non"]),
        ],
        "primaryKey": ["id"],
    }
    meta = descriptor(
        "equipements-publics", "Équipements publics de Sampleville",
        "Liste géolocalisée des équipements publics de la ville de Sampleville : mairie, écoles, équipements "
        "sportifs et culturels, crèches, parcs, services. Chaque équipement a son adresse, son numéro d'accueil, "
        "son accessibilité et ses coordonnées WGS84.",
        "2025.1.0", "etalab-2.0",
        catalog_key("facilities", "annual", [TOWN], territory.bbox([TOWN]), "2025-01-01", "2025-12-31",
                    ["équipements", "services publics", "écoles", "sport", "culture"]),
        [{"name": "equipements", "title": "Équipements publics", "path": "equipements.csv", "format": "csv",
          "mediatype": "text/csv", "encoding": "utf-8", "schema": "equipements.schema.json"}])
    return {"equipements.csv": table_csv([f["name"] for f in schema["fields"]], rows),
            "equipements.schema.json": json_text(schema), "datapackage.json": json_text(meta)}


# M57 functions (the chart of accounts of French local authorities) and natures by section and direction.
FUNCTIONS = [("0", "Services généraux"), ("1", "Sécurité"), ("2", "Enseignement, formation professionnelle et apprentissage"),
             ("3", "Culture, vie sociale, jeunesse, sports et loisirs"), ("4", "Santé et action sociale"),
             ("5", "Aménagement des territoires et habitat"), ("6", "Action économique"), ("7", "Environnement"),
             ("8", "Transports")]
NATURES = {
    ("Fonctionnement", "Dépense"): [("011", "Charges à caractère général"), ("012", "Charges de personnel et frais assimilés"),
                                    ("65", "Autres charges de gestion courante")],
    ("Fonctionnement", "Recette"): [("70", "Produits des services, du domaine et ventes diverses"),
                                    ("74", "Dotations, subventions et participations")],
    ("Investissement", "Dépense"): [("21", "Immobilisations corporelles"), ("23", "Immobilisations en cours")],
    ("Investissement", "Recette"): [("13", "Subventions d'investissement")],
}
UNVENTILATED = [("Fonctionnement", "Recette", "73", "Impôts et taxes", 9_800_000),
                ("Fonctionnement", "Dépense", "66", "Charges financières", 310_000),
                ("Investissement", "Dépense", "16", "Emprunts et dettes assimilées", 1_150_000),
                ("Investissement", "Recette", "16", "Emprunts et dettes assimilées", 1_400_000)]
BUDGET_HEADER = ["Exercice", "Code INSEE", "Collectivité", "Étape budgétaire", "Section", "Sens", "Fonction",
                 "Libellé fonction", "Nature", "Libellé nature", "Montant (€)", "Date de vote"]


def french_amount(value: float) -> str:
    """1234567.8 -> '1 234 567,80': the way French accounting software exports amounts."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def budget(rng, territory):
    rows = []
    stages = [("Budget primitif", "27/03/2025", 1.0), ("Décision modificative n°1", "26/06/2025", 0.04)]
    for stage, voted, scale in stages:
        for code, label in FUNCTIONS:
            for (section, direction), natures in NATURES.items():
                for nature, nature_label in natures:
                    if scale < 1 and rng.random() < 0.6:
                        continue  # an amending budget touches a few lines only
                    amount = rng.uniform(20_000, 1_600_000) * scale
                    rows.append([2025, TOWN, "Ville de Sampleville", stage, section, direction, code, label,
                                 nature, nature_label, french_amount(amount), voted])
        if scale == 1.0:
            for section, direction, nature, nature_label, amount in UNVENTILATED:
                rows.append([2025, TOWN, "Ville de Sampleville", stage, section, direction, "01",
                             "Opérations non ventilables", nature, nature_label,
                             french_amount(amount * rng.uniform(0.95, 1.05)), voted])
    schema = {
        "fields": [
            field("Exercice", "year", "Année budgétaire.", constraints={"required": True}),
            field("Code INSEE", "string", "Code INSEE de la collectivité.", constraints={"required": True, "pattern": r"^\d{5}$"}),
            field("Collectivité", "string", "Nom de la collectivité."),
            field("Étape budgétaire", "string", "Budget primitif ou décision modificative.",
                  constraints={"required": True, "enum": [s[0] for s in stages]}),
            field("Section", "string", "Section budgétaire.", constraints={"required": True, "enum": ["Fonctionnement", "Investissement"]}),
            field("Sens", "string", "Dépense ou recette.", constraints={"required": True, "enum": ["Dépense", "Recette"]}),
            field("Fonction", "string", "Code de la fonction (nomenclature M57).", constraints={"required": True}),
            field("Libellé fonction", "string", "Libellé de la fonction.", catalog={"searchable": True}),
            field("Nature", "string", "Code du chapitre par nature (nomenclature M57).", constraints={"required": True}),
            field("Libellé nature", "string", "Libellé du chapitre par nature.", catalog={"searchable": True}),
            field("Montant (€)", "number", "Montant voté en euros (virgule décimale, espace entre les milliers).",
                  decimalChar=",", groupChar=" ", constraints={"required": True, "minimum": 0}),
            field("Date de vote", "date", "Date de la délibération du conseil municipal (jj/mm/aaaa).",
                  format="%d/%m/%Y", constraints={"required": True}),
        ],
        "primaryKey": ["Étape budgétaire", "Section", "Sens", "Fonction", "Nature"],
    }
    meta = descriptor(
        "budget", "Budget 2025 de la ville de Sampleville",
        "Budget voté 2025 de la ville de Sampleville par fonction (nomenclature M57) et par chapitre : budget "
        "primitif et décision modificative, dépenses et recettes de fonctionnement et d'investissement. Export "
        "tel que produit par le logiciel financier : Windows-1252, point-virgule, virgule décimale.",
        "2025.2.0", "etalab-2.0",
        catalog_key("budget", "annual", [TOWN], territory.bbox([TOWN]), "2025-01-01", "2025-12-31",
                    ["budget", "finances locales", "M57", "dépenses", "recettes"],
                    charts=[{"title": "Dépenses par fonction", "type": "bar", "resource": "budget-2025",
                             "category": "Libellé fonction", "measure": "Montant (€)", "aggregate": "sum",
                             "filter": {"Sens": "Dépense"},
                             "description": "Budget primitif et décision modificative, fonctionnement et "
                                            "investissement, en euros."},
                            {"title": "Recettes par nature", "type": "treemap", "resource": "budget-2025",
                             "category": "Libellé nature", "measure": "Montant (€)", "aggregate": "sum",
                             "filter": {"Sens": "Recette"},
                             "description": "Chapitres de recettes, fonctionnement et investissement, en euros."}]),
        [{"name": "budget-2025", "title": "Budget 2025 par fonction et par nature", "path": "budget-2025.csv",
          "format": "csv", "mediatype": "text/csv", "encoding": "cp1252", "dialect": {"delimiter": ";"},
          "schema": "budget-2025.schema.json"}])
    data = table_csv(BUDGET_HEADER, rows, delimiter=";", lineterminator="\r\n").encode("cp1252")
    return {"budget-2025.csv": data, "budget-2025.schema.json": json_text(schema), "datapackage.json": json_text(meta)}


# --- writing ---------------------------------------------------------------------------------

def build() -> dict[str, dict[str, str | bytes]]:
    """Every generated dataset: {"<publisher>/<dataset>": {relative path: content}}."""
    rng = random.Random(SEED)
    territory = Territory(rng)
    network = Network(rng, territory)
    result = {
        "departement-de-sample/communes": communes(territory),
        "departement-de-sample/population-communes": population(territory),
        "sample-mobilites/reseau-bus": gtfs(network),
        "sample-mobilites/velos-libre-service": bike_stations(rng, territory, network),
        "departement-de-sample/bornes-recharge": charging_points(rng, territory, network),
        "ville-de-sampleville/equipements-publics": facilities(rng, territory),
        "ville-de-sampleville/budget": budget(rng, territory),
    }
    return result


def write(out: Path) -> list[str]:
    """Write every dataset folder under `out`, each built aside then swapped in whole."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for dataset_id, files in build().items():
        target = out / dataset_id
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            for relative, content in sorted(files.items()):
                path = work / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    path.write_bytes(content)
                else:
                    path.write_bytes(content.encode("utf-8"))
            old = target.parent / f".{target.name}.old"
            if target.exists():
                shutil.rmtree(old, ignore_errors=True)
                os.replace(target, old)
            os.replace(work, target)
            shutil.rmtree(old, ignore_errors=True)
            os.chmod(target, 0o755)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        written.append(dataset_id)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description="Rebuild the sample territory 'Pays de Sample' (fictional data).")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write <publisher>/<dataset>/ into "
                        "(default: the datasets/ folder beside this script)")
    args = parser.parse_args(argv)
    for dataset_id in write(args.out):
        print(f"wrote {args.out / dataset_id}")


if __name__ == "__main__":
    main()
