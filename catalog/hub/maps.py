"""Maps the hub draws itself (catalog/static/hub-maps.js), beside datasette-cluster-map:

- a GeoJSON table: all its features on one map, each with a popup;
- a table with several point pairs (a derived table carrying its sources' points, such as
  chargers and their nearest stop): both points and the line between them;
- a GTFS feed: each route as lines in its `route_color`, from `shapes.txt`, or, lacking
  shapes, along the stops of its longest trip in each direction.

Base tiles come from `CATALOG_MAP_TILE_URL` (default OpenStreetMap; `none` for none): when they
cannot load, the map keeps a plain background and says so.
"""
from __future__ import annotations

import json
import os
import re

# The tile servers the hub's Content-Security-Policy allows (catalog/hub/security.py, CATALOG_MAP_TILES).
DEFAULT_TILES = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
ATTRIBUTION = "© OpenStreetMap"
COLOUR = re.compile(r"^[0-9A-Fa-f]{6}$")
DEFAULT_COLOUR = "276890"
MAX_POINTS = 200_000  # shape points read for one feed's map
_routes_cache: dict = {}


def tiles() -> dict:
    url = os.environ.get("CATALOG_MAP_TILE_URL", DEFAULT_TILES).strip()
    return {"url": "" if url.lower() in ("", "none") else url, "attribution": ATTRIBUTION}


def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


async def _rows(database, sql, params=None) -> list[dict]:
    return [dict(r) for r in (await database.execute(sql, params or [])).rows]


async def gtfs_tables(database, dataset_id: str) -> dict[str, dict]:
    """Resource name -> its catalog_tables row (with column names), for the feed's tables."""
    found = {}
    for row in await _rows(database, "SELECT name, resource, columns FROM catalog_tables WHERE dataset_id = ?",
                           [dataset_id]):
        try:
            row["columns"] = list(json.loads(row["columns"] or "{}"))
        except ValueError:
            row["columns"] = []
        found[row["resource"]] = row
    return found


def _add(lines: dict, sources: dict, source: str, points: list[dict]) -> None:
    for point in points:
        if point["lat"] is None or point["lon"] is None:
            continue
        lines.setdefault(point["route_id"], {}).setdefault(point["line"], []).append(
            [round(float(point["lon"]), 6), round(float(point["lat"]), 6)])
        sources.setdefault(point["route_id"], source)


def has_routes(tables: dict) -> bool:
    routes, trips = tables.get("routes"), tables.get("trips")
    return bool(routes and trips and "route_id" in routes["columns"] and "route_id" in trips["columns"]
                and (_uses_shapes(tables) or _uses_stops(tables)))


def _uses_shapes(tables) -> bool:
    shapes, trips = tables.get("shapes"), tables.get("trips")
    return bool(shapes and trips and "shape_id" in trips["columns"]
                and {"shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"} <= set(shapes["columns"]))


def _uses_stops(tables) -> bool:
    stops, times = tables.get("stops"), tables.get("stop_times")
    return bool(stops and times and {"stop_id", "stop_lat", "stop_lon"} <= set(stops["columns"])
                and {"trip_id", "stop_id", "stop_sequence"} <= set(times["columns"]))


async def route_lines(database, dataset_id: str) -> dict:
    """A GeoJSON FeatureCollection: one MultiLineString per route, with its name and colour."""
    key = (getattr(database, "generation", id(database)), dataset_id)
    if key in _routes_cache:
        return _routes_cache[key]
    tables = await gtfs_tables(database, dataset_id)
    if not has_routes(tables):
        return {"type": "FeatureCollection", "features": []}
    routes_t, trips_t = _q(tables["routes"]["name"]), _q(tables["trips"]["name"])
    columns = tables["routes"]["columns"]
    pick = ", ".join(f"{_q(c)}" if c in columns else f"NULL AS {_q(c)}" for c in
                     ("route_short_name", "route_long_name", "route_color", "route_text_color"))
    routes = {r["route_id"]: r for r in await _rows(database, f"SELECT route_id, {pick} FROM {routes_t}")}
    lines: dict[str, dict[str, list]] = {}
    sources: dict[str, str] = {}
    if _uses_shapes(tables):
        shapes_t = _q(tables["shapes"]["name"])
        _add(lines, sources, "shapes", await _rows(database, f"""
            SELECT t.route_id, s.shape_id AS line, s.shape_pt_lat AS lat, s.shape_pt_lon AS lon
            FROM {shapes_t} AS s
            JOIN (SELECT DISTINCT route_id, shape_id FROM {trips_t} WHERE shape_id IS NOT NULL) AS t
              ON t.shape_id = s.shape_id
            ORDER BY t.route_id, s.shape_id, s.shape_pt_sequence LIMIT {MAX_POINTS}"""))
    if _uses_stops(tables) and set(routes) - set(lines):  # routes without shapes: along their stops
        stops_t, times_t = _q(tables["stops"]["name"]), _q(tables["stop_times"]["name"])
        direction = "COALESCE(t.direction_id, 0)" if "direction_id" in tables["trips"]["columns"] else "0"
        missing = sorted(set(routes) - set(lines), key=str)
        marks = ", ".join("?" for _ in missing)
        _add(lines, sources, "stops", await _rows(database, f"""
            WITH counts AS (SELECT trip_id, COUNT(*) AS n FROM {times_t} GROUP BY trip_id),
            best AS (SELECT t.route_id, t.trip_id, ROW_NUMBER() OVER (
                       PARTITION BY t.route_id, {direction} ORDER BY c.n DESC, t.trip_id) AS rank
                     FROM {trips_t} AS t JOIN counts AS c ON c.trip_id = t.trip_id
                     WHERE t.route_id IN ({marks}))
            SELECT b.route_id, b.trip_id AS line, s.stop_lat AS lat, s.stop_lon AS lon
            FROM best AS b JOIN {times_t} AS st ON st.trip_id = b.trip_id
            JOIN {stops_t} AS s ON s.stop_id = st.stop_id
            WHERE b.rank = 1 ORDER BY b.route_id, b.trip_id, st.stop_sequence LIMIT {MAX_POINTS}""", missing))
    features = []
    for route_id in sorted(lines, key=str):
        route = routes.get(route_id) or {}
        colour = str(route.get("route_color") or "")
        colour = colour if COLOUR.match(colour) else DEFAULT_COLOUR
        features.append({"type": "Feature", "id": str(route_id), "properties": {
            "route_id": route_id, "route_short_name": route.get("route_short_name"),
            "route_long_name": route.get("route_long_name"), "route_color": f"#{colour.upper()}",
            "source": sources[route_id]},
            "geometry": {"type": "MultiLineString", "coordinates": [c for c in lines[route_id].values() if len(c) > 1]}})
    result = {"type": "FeatureCollection", "features": features}
    if len(_routes_cache) > 64:
        _routes_cache.clear()
    _routes_cache[key] = result
    return result
