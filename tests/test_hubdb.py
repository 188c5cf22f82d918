"""catalog.hubdb.load_package: typed tables, keys, indexes, full-text search, geometries."""
import json
import subprocess
import sys

import pytest
import sqlite_utils

from catalog import split_load
from catalog.errors import UnusableInput
from catalog.hubdb import load_package, never_empty
from catalog.package import package
from tests.test_package import budget_hub

STOPS = "stop_id,stop_name,stop_lat,stop_lon,wheelchair,parent_station\nS1,Gare,46.6,2.4,true,\nS2,Mairie,46.61,2.41,false,S1\n"
TIMES = "trip_id,stop_id,stop_sequence,arrival_time,position,served\nT1,S1,1,08:00:00,\"2.4,46.6\",2025-03-31\nT1,S2,2,,\"2.41,46.61\",\n"


def write_package(folder, resources, files):
    (folder / "data").mkdir(parents=True)
    for name, text in files.items():
        (folder / "data" / name).write_text(text, encoding="utf-8")
    descriptor = {"name": "reseau-bus", "resources": resources}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def transport_package(folder):
    stops = {"name": "stops", "path": "data/stops.csv", "format": "csv", "schema": {
        "fields": [{"name": "stop_id", "type": "string"},
                   {"name": "stop_name", "type": "string", "catalog": {"searchable": True}},
                   {"name": "stop_lat", "type": "number"}, {"name": "stop_lon", "type": "number"},
                   {"name": "wheelchair", "type": "boolean"}, {"name": "parent_station", "type": "string"}],
        "primaryKey": "stop_id",
        "foreignKeys": [{"fields": "parent_station", "reference": {"resource": "", "fields": "stop_id"}}]}}
    times = {"name": "stop-times", "path": "data/stop-times.csv", "format": "csv", "schema": {
        "fields": [{"name": "trip_id", "type": "string"}, {"name": "stop_id", "type": "string"},
                   {"name": "stop_sequence", "type": "integer"}, {"name": "arrival_time", "type": "string"},
                   {"name": "position", "type": "geopoint"}, {"name": "served", "type": "date"}],
        "primaryKey": ["trip_id", "stop_sequence"],
        "foreignKeys": [{"fields": ["stop_id"], "reference": {"resource": "stops", "fields": ["stop_id"]}}]}}
    zones = {"name": "zones", "path": "data/zones.geojson", "format": "geojson", "type": "file"}
    feed = {"name": "gtfs", "path": "data/gtfs.zip", "format": "gtfs", "type": "file"}
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "Z1", "properties": {"nom": "Centre", "population": 1200, "tags": ["a"]},
         "geometry": {"type": "Polygon", "coordinates": [[[2.3, 46.5], [2.5, 46.5], [2.5, 46.7], [2.3, 46.5]]]}},
        {"type": "Feature", "id": "Z2", "properties": {"nom": "Nord", "population": 80.5, "tags": []},
         "geometry": {"type": "Point", "coordinates": [2.4, 46.7]}}]}
    # stop-times comes first on purpose: the loader must create stops before the key pointing at it.
    return write_package(folder, [times, stops, zones, feed],
                         {"stops.csv": STOPS, "stop-times.csv": TIMES, "zones.geojson": json.dumps(geojson)})


@pytest.fixture
def loaded(tmp_path):
    db = sqlite_utils.Database(tmp_path / "hub.db")
    tables = load_package(db, transport_package(tmp_path / "pkg"))
    yield db, tables
    db.close()


def test_tables_are_named_and_ordered(loaded):
    db, tables = loaded
    assert tables == ["reseau_bus_stops", "reseau_bus_stop_times", "reseau_bus_zones"]
    assert "reseau_bus_gtfs" not in db.table_names()


def test_columns_are_typed(loaded):
    db, _ = loaded
    row = db.execute("SELECT typeof(stop_lat), stop_lat, typeof(wheelchair), wheelchair, parent_station "
                     "FROM reseau_bus_stops WHERE stop_id = 'S1'").fetchone()
    assert row == ("real", 46.6, "integer", 1, None)
    assert db.execute("SELECT wheelchair FROM reseau_bus_stops WHERE stop_id = 'S2'").fetchone() == (0,)
    times = list(db.query("SELECT * FROM reseau_bus_stop_times ORDER BY stop_sequence"))
    assert times[0]["stop_sequence"] == 1 and isinstance(times[0]["stop_sequence"], int)
    assert times[0]["served"] == "2025-03-31"
    assert times[1]["arrival_time"] is None and times[1]["served"] is None  # empty cells are NULL
    assert (times[0]["latitude"], times[0]["longitude"]) == (46.6, 2.4)  # split out of the geopoint
    assert times[0]["position"] == "2.4,46.6"  # the original cell is kept
    assert db["reseau_bus_stop_times"].columns_dict["stop_sequence"] is int


def test_keys_and_indexes(loaded):
    db, _ = loaded
    assert db["reseau_bus_stops"].pks == ["stop_id"]
    assert db["reseau_bus_stop_times"].pks == ["trip_id", "stop_sequence"]
    keys = {(fk.column, fk.other_table, fk.other_column) for fk in db["reseau_bus_stop_times"].foreign_keys}
    assert keys == {("stop_id", "reseau_bus_stops", "stop_id")}
    self_keys = {(fk.column, fk.other_table) for fk in db["reseau_bus_stops"].foreign_keys}
    assert self_keys == {("parent_station", "reseau_bus_stops")}
    indexed = {tuple(i.columns) for i in db["reseau_bus_stop_times"].indexes}
    assert ("stop_id",) in indexed


def test_full_text_search(loaded):
    db, _ = loaded
    assert db["reseau_bus_stops"].detect_fts() == "reseau_bus_stops_fts"
    assert [r["stop_id"] for r in db["reseau_bus_stops"].search("mairie")] == ["S2"]


def test_geojson_becomes_features_with_geometry(loaded):
    db, _ = loaded
    rows = list(db.query("SELECT * FROM reseau_bus_zones ORDER BY id"))
    assert [r["id"] for r in rows] == ["Z1", "Z2"]
    assert json.loads(rows[0]["geometry"])["type"] == "Polygon"
    assert rows[1]["population"] == 80.5 and db["reseau_bus_zones"].columns_dict["population"] is float
    assert json.loads(rows[0]["tags"]) == ["a"]
    assert db["reseau_bus_zones"].pks == ["id"]


def test_reloading_replaces_tables(tmp_path):
    db = sqlite_utils.Database(tmp_path / "hub.db")
    folder = transport_package(tmp_path / "pkg")
    indexed_yet = []
    load_package(db, folder, rows_in=lambda: indexed_yet.append(len(db["reseau_bus_stops"].indexes)))
    # Called once each table's rows are in (stops first), before its indexes: there, only its key's own.
    assert indexed_yet == [1, 2, 2]
    load_package(db, folder)
    assert db["reseau_bus_stops"].count == 2
    assert [r["stop_id"] for r in db["reseau_bus_stops"].search("gare")] == ["S1"]


def test_french_budget_round_trip(tmp_path):
    """cp1252, `;`, decimal comma and French dates arrive as REAL numbers and ISO dates."""
    budget_hub(tmp_path)
    folder = package(root=tmp_path, out=tmp_path / "out").packaged[0].folder
    db = sqlite_utils.Database(tmp_path / "hub.db")
    assert load_package(db, folder) == ["equipements_equipements"]
    rows = db.execute("SELECT id, \"libellé\", montant, typeof(montant), date FROM equipements_equipements "
                      "ORDER BY id").fetchall()
    assert rows == [(1, "Écoles – fournitures", 12345.67, "real", "2025-03-31"),
                    (2, "Œuvres sociales", -1000.5, "real", "2024-12-01")]
    assert db["equipements_equipements"].columns_dict["montant"] is float


def test_header_mismatch_is_a_clear_error(tmp_path):
    folder = transport_package(tmp_path / "pkg")
    (folder / "data" / "stops.csv").write_text("id,name\nS1,Gare\n", encoding="utf-8")
    with pytest.raises(UnusableInput) as error:
        load_package(sqlite_utils.Database(memory=True), folder)
    assert "stops.csv" in str(error.value) and "catalog package" in str(error.value)


def test_required_fields_load_like_the_others(tmp_path):
    """Required fields that cannot be empty skip the NULLIF; one that can (a required string whose
    source had other missing values) still turns an empty cell into NULL."""
    fields = [{"name": "code", "type": "string", "constraints": {"required": True, "pattern": "[A-Z][0-9]"}},
              {"name": "rank", "type": "integer", "constraints": {"required": True}},
              {"name": "label", "type": "string", "constraints": {"required": True}},
              {"name": "kind", "type": "string", "constraints": {"required": True, "enum": ["a", "b"]}},
              {"name": "note", "type": "string"}]
    resource = {"name": "codes", "path": "data/codes.csv", "format": "csv", "schema": {"fields": fields}}
    folder = write_package(tmp_path / "pkg", [resource], {"codes.csv": "code,rank,label,kind,note\nA1,7,,a,\n"})
    db = sqlite_utils.Database(memory=True)
    load_package(db, folder)
    row = db.execute("SELECT code, typeof(rank), rank, label, kind, note FROM reseau_bus_codes").fetchone()
    assert row == ("A1", "integer", 7, None, "a", None)
    assert [never_empty(f) for f in fields] == [True, True, False, True, False]
    assert not never_empty({"name": "x", "type": "string", "constraints": {"required": True, "pattern": "[0-9]*"}})
    assert never_empty({"name": "x", "type": "string", "constraints": {"required": True, "minLength": 1}})
    assert not never_empty({"name": "x", "type": "geopoint", "constraints": {"required": True}})


def split_package(folder, rows=2000, duplicate=False):
    fields = [{"name": "code", "type": "string"}, {"name": "rank", "type": "integer"},
              {"name": "share", "type": "number"}, {"name": "open", "type": "boolean"},
              {"name": "note", "type": "string"}]
    resource = {"name": "places", "path": "data/places.csv", "format": "csv",
                "schema": {"fields": fields, "primaryKey": "code"}}
    lines = ["code,rank,share,open,note"]
    for i in range(rows):
        code = "P0" if duplicate and i == rows - 1 else f"P{i}"
        lines.append(f"{code},{i},{i / 8},{'true' if i % 3 else 'false'},{'' if i % 5 else 'à voir'}")
    return write_package(folder, [resource], {"places.csv": "\n".join(lines) + "\n"})


def table_rows(path):
    db = sqlite_utils.Database(path)
    try:
        return db.execute("SELECT rowid, * FROM reseau_bus_places ORDER BY rowid").fetchall()
    finally:
        db.close()


def one_pass(tmp_path, folder, monkeypatch):
    monkeypatch.setattr(split_load, "MIN_BYTES", 1 << 60)
    load_package(sqlite_utils.Database(tmp_path / "one.db"), folder)
    monkeypatch.setattr(split_load, "MIN_BYTES", 0)
    return table_rows(tmp_path / "one.db")


def test_a_large_table_loaded_by_two_processes_is_the_one_pass_table(tmp_path, monkeypatch):
    folder = split_package(tmp_path / "pkg")
    expected = one_pass(tmp_path, folder, monkeypatch)
    appended = []
    append = split_load.SecondHalf.append
    monkeypatch.setattr(split_load.SecondHalf, "append", lambda self: appended.append(append(self)) or appended[-1])
    load_package(sqlite_utils.Database(tmp_path / "split.db"), folder)
    assert 0 < appended[0] < 2000  # the child inserted the rows after the cut
    assert table_rows(tmp_path / "split.db") == expected and len(expected) == 2000
    assert expected[3][3:5] == (0.375, 0) and expected[4][4] == 1 and expected[1][5] is None
    assert expected[0][5] == "à voir"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.db", "pkg", "split.db"]  # no part file left


def test_a_failing_child_leaves_the_rows_to_the_caller(tmp_path, monkeypatch):
    folder = split_package(tmp_path / "pkg")
    expected = one_pass(tmp_path, folder, monkeypatch)
    popen = subprocess.Popen
    # A fake, only to inject the failure: the child exits at once with an error.
    monkeypatch.setattr(split_load.subprocess, "Popen",
                        lambda command, **options: popen([sys.executable, "-c", "raise SystemExit(3)"], **options))
    load_package(sqlite_utils.Database(tmp_path / "split.db"), folder)
    assert table_rows(tmp_path / "split.db") == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.db", "pkg", "split.db"]


def test_a_key_held_by_both_halves_fails_as_in_one_pass(tmp_path, monkeypatch):
    folder = split_package(tmp_path / "pkg", duplicate=True)
    monkeypatch.setattr(split_load, "MIN_BYTES", 1 << 60)
    with pytest.raises(UnusableInput) as one:
        load_package(sqlite_utils.Database(tmp_path / "one.db"), folder)
    monkeypatch.setattr(split_load, "MIN_BYTES", 0)
    with pytest.raises(UnusableInput) as split:
        load_package(sqlite_utils.Database(tmp_path / "split.db"), folder)
    assert str(split.value) == str(one.value) and "near row 2001" in str(one.value)


def test_a_quoted_cell_keeps_the_table_in_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(split_load, "MIN_BYTES", 0)
    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    plain.write_text("a,b\n1,2\n3,4\n5,6\n", encoding="utf-8")
    quoted.write_text('a,b\n1,"2\n3",4\n5,6\n', encoding="utf-8")
    assert split_load.split_point(plain) == (12, 3) and split_load.split_point(quoted) is None


def test_the_hub_modules_do_not_import_geopandas():
    """geopandas (and shapely) load only when a reuse is derived, not for every publish."""
    code = ("import sys\nimport catalog.publish.datasette\n"
            "assert 'geopandas' not in sys.modules and 'shapely' not in sys.modules, 'geopandas'\nprint('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
