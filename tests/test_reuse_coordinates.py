"""A new spatial reuse carries the coordinates of both sides without declaring them, and the hub
maps both points (catalog/reuse/spec.py, catalog/hub/maps.py), checked over HTTP on `catalog serve`."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyproj import Transformer

from catalog.cli import main
from tests.hub import make_hub
from tests.servers import running_hub

TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
TO_DEGREES = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
FACILITIES = [(1, "Mairie", 46.60, 2.40), (2, "Gymnase", 46.61, 2.41), (3, "Médiathèque", 46.62, 2.42)]


def moved(lat, lon, east_m):
    x, y = TO_METRES.transform(lon, lat)
    lon, lat = TO_DEGREES.transform(x + east_m, y)
    return round(lat, 6), round(lon, 6)


def write_dataset(root: Path, name: str, descriptor: dict, files: dict):
    folder = root / "datasets" / "testville" / name
    folder.mkdir(parents=True, exist_ok=True)
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    base = json.loads((root / "datasets" / "testville" / "equipements" / "datapackage.json").read_text("utf-8"))
    base.update(name=name, **descriptor)
    (folder / "datapackage.json").write_text(json.dumps(base, ensure_ascii=False, indent=2), encoding="utf-8")


def hub_with_new_reuse(root: Path) -> Path:
    """Facilities, bus stops 120 m east of the first two, and a `nearest` reuse declaring no coordinate."""
    make_hub(root, rows=[list(f) for f in FACILITIES])
    stops = [("A", "Arrêt Mairie", *moved(46.60, 2.40, 120)), ("B", "Arrêt Gymnase", *moved(46.61, 2.41, 120))]
    write_dataset(root, "arrets", {"title": "Arrêts de bus (exemple)", "resources": [{
        "name": "arrets", "path": "arrets.csv", "format": "csv", "schema": {"fields": [
            {"name": "stop_id", "type": "string", "description": "Identifiant de l'arrêt"},
            {"name": "stop_name", "type": "string", "description": "Nom de l'arrêt"},
            {"name": "stop_lat", "type": "number", "description": "Latitude WGS84"},
            {"name": "stop_lon", "type": "number", "description": "Longitude WGS84"}],
            "primaryKey": ["stop_id"]}}]},
        {"arrets.csv": "stop_id,stop_name,stop_lat,stop_lon\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in stops)})
    reuse = {"sources": ["testville/equipements", "testville/arrets"], "method": "nearest", "distance": 300,
             "points": {"table": "equipements_equipements", "lon": "longitude", "lat": "latitude",
                        "columns": ["id", "nom"]},
             "targets": {"table": "arrets_arrets", "lon": "stop_lon", "lat": "stop_lat",
                         "columns": ["stop_id", "stop_name"]}}
    catalog = json.loads((root / "datasets" / "testville" / "equipements" / "datapackage.json")
                         .read_text("utf-8"))["catalog"]
    write_dataset(root, "equipements-pres-des-arrets", {
        "title": "Équipements à moins de 300 m d'un arrêt (exemple)",
        "catalog": dict(catalog, reuse=reuse),
        "resources": [{"name": "proches", "path": "proches.csv", "format": "csv", "schema": {"fields": [
            {"name": "id", "type": "integer", "description": "Identifiant de l'équipement"},
            {"name": "nom", "type": "string", "description": "Nom de l'équipement"},
            {"name": "stop_id", "type": "string", "description": "Arrêt le plus proche"},
            {"name": "stop_name", "type": "string", "description": "Nom de l'arrêt"},
            {"name": "distance_m", "type": "number", "description": "Distance en mètres"}]}}]}, {})
    return root


CARRIED = [{"name": n, "type": "number", "description": "Coordonnée WGS84"}
           for n in ("point_latitude", "point_longitude", "target_latitude", "target_longitude")]


@pytest.mark.parametrize("listed", [False, True], ids=["schema-leaves-them-out", "schema-lists-them"])
def test_a_new_nearest_reuse_validates_with_or_without_its_coordinates_in_the_schema(tmp_path, listed):
    root = hub_with_new_reuse(tmp_path / "hub")
    if listed:
        path = root / "datasets" / "testville" / "equipements-pres-des-arrets" / "datapackage.json"
        descriptor = json.loads(path.read_text("utf-8"))
        fields = descriptor["resources"][0]["schema"]["fields"]
        fields[2:2] = CARRIED[:2]
        fields[6:6] = CARRIED[2:]
        path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(root / "datasets" / "testville" / "equipements-pres-des-arrets"),
                                       "--root", str(root)])
    assert "reuse-output" not in result.output, result.output
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = hub_with_new_reuse(tmp_path_factory.mktemp("reuse-coordinates") / "hub")
    with running_hub(root, root / "build" / "hub.db", root / "build" / "packages") as hub:
        yield hub


def test_the_derived_table_carries_both_points(served):
    response = served.get("/hub/equipements_pres_des_arrets_proches.json", params={"_shape": "array"})
    assert response.status_code == 200, response.text
    rows = response.json()
    assert [(r["id"], r["stop_id"]) for r in rows] == [(1, "A"), (2, "B")]
    for row, (_, _, lat, lon) in zip(rows, FACILITIES):
        assert (row["point_latitude"], row["point_longitude"]) == (lat, lon)
    for row, stop in zip(rows, [moved(46.60, 2.40, 120), moved(46.61, 2.41, 120)]):
        assert (row["target_latitude"], row["target_longitude"]) == pytest.approx(stop, abs=1e-6)
        assert row["distance_m"] == pytest.approx(120, abs=0.5)


def test_the_hub_maps_both_points_of_the_new_reuse(served):
    config = served.get("/-/map/hub/equipements_pres_des_arrets_proches.json")
    assert config.status_code == 200, config.text
    assert [(p["lat"], p["lon"]) for p in config.json()["points"]] == [
        ("point_latitude", "point_longitude"), ("target_latitude", "target_longitude")]
    page = served.get("/hub/equipements_pres_des_arrets_proches")
    assert page.status_code == 200
    assert "/hub-assets/hub-maps.js" in page.text


def test_a_new_within_reuse_carries_its_points(tmp_path):
    """`within` carries the point side's coordinates, and for the polygon side a point inside it."""
    from tests.test_reuse import OBSERVATORY, craft_communes, craft_gtfs, hub, packaged_rows, square

    root = hub(tmp_path, "sample-mobilites/reseau-bus", "departement-de-sample/communes",
               f"{OBSERVATORY}/arrets-par-commune")
    folder = root / "datasets" / OBSERVATORY / "arrets-par-commune"
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    descriptor["catalog"]["reuse"]["points"]["columns"] = ["stop_id", "stop_name"]  # no coordinate declared
    descriptor["resources"][0]["schema"] = {"fields": [
        {"name": n, "type": "string", "description": n} for n in ("stop_id", "stop_name", "code_insee", "nom")]}
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    # An L-shaped commune: its centroid (2.3617, 46.6117) lies outside it, in the missing corner.
    ell = {"type": "Polygon", "coordinates": [[[2.35, 46.60], [2.40, 46.60], [2.40, 46.61], [2.36, 46.61],
                                                [2.36, 46.65], [2.35, 46.65], [2.35, 46.60]]]}
    craft_communes(root, [("00001", "Sampleville", ell["coordinates"])])
    craft_gtfs(root, [("SMP0001", "Dedans", 2.38, 46.605), ("SMP0002", "Dehors", 2.45, 46.61)])
    rows, packaged, _ = packaged_rows(root, tmp_path, "arrets-par-commune")
    assert [(r["stop_id"], r["code_insee"], float(r["point_latitude"]), float(r["point_longitude"])) for r in rows] \
        == [("SMP0001", "00001", 46.605, 2.38), ("SMP0002", "", 46.61, 2.45)]
    fields = packaged["resources"][0]["schema"]["fields"]
    assert [(f["name"], f["type"]) for f in fields[2:4]] == [("point_latitude", "number"), ("point_longitude", "number")]
    assert [(f["name"], f["type"]) for f in fields[6:]] == [("polygon_latitude", "number"),
                                                           ("polygon_longitude", "number")]
    from shapely.geometry import Point, shape

    inside = Point(float(rows[0]["polygon_longitude"]), float(rows[0]["polygon_latitude"]))
    assert shape(ell).contains(inside) and not shape(ell).contains(shape(ell).centroid)
    assert rows[1]["polygon_latitude"] == rows[1]["polygon_longitude"] == ""  # in no commune: no point
