"""Route lines of a GTFS feed (catalog/hub/maps.py) from shapes, or along stop sequences, in
each route's colour; and the point pairs a derived table carries."""
import asyncio
import json
import sqlite3

from datasette.app import Datasette

from catalog.hub import maps
from catalog.hub.records import point_pairs


def feed(path, shapes: bool, colour="E4003A"):
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE catalog_tables (name TEXT, dataset_id TEXT, resource TEXT, columns TEXT);
        CREATE TABLE f_routes (route_id TEXT, route_short_name TEXT, route_long_name TEXT, route_color TEXT);
        CREATE TABLE f_trips (route_id TEXT, trip_id TEXT, direction_id INTEGER, shape_id TEXT);
        CREATE TABLE f_stops (stop_id TEXT, stop_lat REAL, stop_lon REAL);
        CREATE TABLE f_stop_times (trip_id TEXT, stop_id TEXT, stop_sequence INTEGER);
        CREATE TABLE f_shapes (shape_id TEXT, shape_pt_lat REAL, shape_pt_lon REAL, shape_pt_sequence INTEGER);
    """)
    tables = {"routes": ["route_id", "route_short_name", "route_long_name", "route_color"],
              "trips": ["route_id", "trip_id", "direction_id", "shape_id"],
              "stops": ["stop_id", "stop_lat", "stop_lon"], "stop_times": ["trip_id", "stop_id", "stop_sequence"]}
    if shapes:
        tables["shapes"] = ["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"]
    for resource, columns in tables.items():
        conn.execute("INSERT INTO catalog_tables VALUES (?, 'op/bus', ?, ?)",
                     [f"f_{resource}", resource, json.dumps({c: "" for c in columns})])
    conn.executemany("INSERT INTO f_routes VALUES (?, ?, ?, ?)",
                     [("A", "1", "Gare ↔ Mairie", colour), ("B", "2", "Collège", "not-a-colour")])
    conn.executemany("INSERT INTO f_trips VALUES (?, ?, ?, ?)",
                     [("A", "A1", 0, "SA"), ("A", "A2", 0, "SA"), ("A", "A3", 1, "SA"), ("B", "B1", 0, None)])
    conn.executemany("INSERT INTO f_stops VALUES (?, ?, ?)",
                     [("S1", 46.60, 2.40), ("S2", 46.61, 2.41), ("S3", 46.62, 2.42), ("S4", 46.63, 2.43)])
    conn.executemany("INSERT INTO f_stop_times VALUES (?, ?, ?)",
                     [("A1", "S2", 2), ("A1", "S1", 1), ("A1", "S3", 3), ("A2", "S1", 1), ("A2", "S2", 2),
                      ("A3", "S3", 1), ("A3", "S1", 2), ("B1", "S3", 1), ("B1", "S4", 2)])
    conn.executemany("INSERT INTO f_shapes VALUES (?, ?, ?, ?)",
                     [("SA", 46.605, 2.405, 2), ("SA", 46.600, 2.400, 1), ("SA", 46.620, 2.420, 3)])
    conn.commit()
    conn.close()


def lines_of(path):
    datasette = Datasette([str(path)], immutables=[])
    database = datasette.get_database(path.stem)
    return asyncio.run(maps.route_lines(database, "op/bus"))


def test_routes_follow_their_shapes_and_others_their_stops(tmp_path):
    feed(tmp_path / "shapes.db", shapes=True)
    lines = {f["id"]: f for f in lines_of(tmp_path / "shapes.db")["features"]}
    assert lines["A"]["geometry"]["coordinates"] == [[[2.4, 46.6], [2.405, 46.605], [2.42, 46.62]]]
    assert lines["A"]["properties"]["route_color"] == "#E4003A"
    assert lines["A"]["properties"]["source"] == "shapes"
    assert lines["B"]["properties"]["route_color"] == "#" + maps.DEFAULT_COLOUR  # a bad colour is not passed on
    assert lines["B"]["properties"]["source"] == "stops"  # no shape: along its stops
    assert lines["B"]["geometry"]["coordinates"] == [[[2.42, 46.62], [2.43, 46.63]]]


def test_without_shapes_routes_follow_their_longest_trip_each_way(tmp_path):
    feed(tmp_path / "stops.db", shapes=False, colour="0055a4")
    lines = {f["id"]: f for f in lines_of(tmp_path / "stops.db")["features"]}
    assert lines["A"]["properties"]["source"] == "stops"
    assert lines["A"]["properties"]["route_color"] == "#0055A4"
    # direction 0: A1 (three stops, in stop_sequence order); direction 1: A3
    assert sorted(lines["A"]["geometry"]["coordinates"]) == sorted([
        [[2.4, 46.6], [2.41, 46.61], [2.42, 46.62]], [[2.42, 46.62], [2.4, 46.6]]])
    assert lines["B"]["geometry"]["coordinates"] == [[[2.42, 46.62], [2.43, 46.63]]]


def test_point_pairs_of_a_derived_table():
    fields = [{"name": n, "type": t} for n, t in (("id", "string"), ("latitude", "number"), ("longitude", "number"),
                                                  ("stop_lat", "number"), ("stop_lon", "number"),
                                                  ("stop_name", "string"), ("lat_note", "string"))]
    assert point_pairs(fields) == [{"lat": "latitude", "lon": "longitude", "prefix": ""},
                                   {"lat": "stop_lat", "lon": "stop_lon", "prefix": "stop"}]
    assert point_pairs([{"name": "stop_lat", "type": "number"}]) == []
