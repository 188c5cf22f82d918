"""Geography: lat/lon columns, geopoint fields and GeoJSON files (WGS84, validity, swaps, coverage)."""
import json

import pandas as pd
import pytest
from click.testing import CliRunner
from pyproj import Transformer

import catalog.validate.geojson as geojson
from catalog.cli import main
from catalog.findings import ERROR, WARNING
from catalog.validate.context import FRANCE_BBOXES, TableContext
from catalog.validate.geo import LatLonCheck, _axis
from catalog.validate.geojson import check_geojson
from tests.hub import make_hub

SAMPLEVILLE = [(2.3, 46.5, 2.5, 46.7)]
TO_LAMBERT = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)


def latlon(frame, fields=None, bboxes=None, first_row=2):
    table = TableContext("points.csv", None, fields or {}, list(bboxes or SAMPLEVILLE))
    checker = LatLonCheck(table)
    checker.feed(pd.DataFrame(frame, dtype=str), first_row)
    return checker.findings()


def by_code(findings):
    return {f.code: f for f in findings}


# ---------------------------------------------------------------- columns

@pytest.mark.parametrize("name,axis", [
    ("latitude", "lat"), ("lat", "lat"), ("y", "lat"), ("Ylat", "lat"), ("stop_lat", "lat"), ("Latitude (WGS84)", "lat"),
    ("longitude", "lon"), ("lon", "lon"), ("lng", "lon"), ("x", "lon"), ("Xlong", "lon"), ("stop_lon", "lon"),
    ("nom", None), ("type", None), ("pays", None),
])
def test_axis_from_column_names(name, axis):
    assert _axis(name) == axis


def test_valid_points_pass_even_with_a_decimal_comma():
    assert latlon({"latitude": ["46.6", "46,61", ""], "longitude": ["2.4", "2,41", ""]}) == []


def test_swapped_rows_are_reported_with_the_fix():
    found = latlon({"lat": ["46.6", "2.41", "2.42"], "lon": ["2.4", "46.61", "46.62"]})
    assert list(by_code(found)) == ["coordinates-swapped"]
    swap = found[0]
    assert (swap.row, swap.column, swap.severity) == (3, "lat", ERROR)
    assert swap.message.startswith("2 rows") and 'Exchange the values of "lat" and "lon"' in swap.fix


def test_lambert93_columns_are_recognised():
    x, y = TO_LAMBERT.transform(2.4, 46.6)
    found = latlon({"x": [f"{x:.1f}"], "y": [f"{y:.1f}"]})
    projected = by_code(found)["coordinates-projected"]
    assert "Lambert-93 (EPSG:2154)" in projected.message and "EPSG:4326" in projected.fix


def test_out_of_range_and_outside_coverage():
    found = by_code(latlon({"latitude": ["123", "48.85"], "longitude": ["2.4", "2.35"]}))
    assert found["coordinates-out-of-range"].row == 2
    assert found["coordinates-implausible"].row == 3 and found["coordinates-implausible"].severity == ERROR
    assert "bbox" in found["coordinates-implausible"].fix
    # Without a declared area, France is assumed and a point elsewhere is only a warning.
    abroad = latlon({"latitude": ["40.71"], "longitude": ["-74.0"]}, bboxes=FRANCE_BBOXES)
    assert [(f.code, f.severity) for f in abroad] == [("coordinates-implausible", WARNING)]


def test_lone_axis_is_range_checked():
    found = latlon({"latitude": ["46.6", "95"]})
    assert [(f.code, f.row) for f in found] == [("coordinates-out-of-range", 3)]


def test_geopoint_fields():
    fields = {"coords": {"name": "coords", "type": "geopoint"}}
    assert latlon({"coords": ["2.4, 46.6"]}, fields) == []
    assert by_code(latlon({"coords": ["46.6, 2.4"]}, fields))["coordinates-swapped"].row == 2
    fields = {"coords": {"name": "coords", "type": "geopoint", "format": "array"}}
    assert latlon({"coords": ["[2.4, 46.6]"]}, fields) == []
    assert "coordinates-swapped" in by_code(latlon({"coords": ["[46.6,2.4]"]}, fields))
    fields = {"coords": {"name": "coords", "type": "geopoint", "format": "object"}}
    assert "coordinates-swapped" in by_code(latlon({"coords": ['{"lon": 46.6, "lat": 2.4}']}, fields))


def test_swap_in_a_dataset_through_the_cli(tmp_path):
    folder = make_hub(tmp_path, rows=[[1, "Mairie", 46.6, 2.4], [2, "Gymnase", 2.41, 46.61]])
    result = CliRunner().invoke(main, ["validate", str(folder), "--json"])
    assert result.exit_code == 1, result.output
    found = [f for t in json.loads(result.output)["targets"] for f in t["findings"]]
    assert [(f["code"], f["row"]) for f in found] == [("coordinates-swapped", 3)]


# ---------------------------------------------------------------- GeoJSON

def collection(*features, **extra):
    return {"type": "FeatureCollection", **extra, "features": list(features)}


def point(lon, lat, **properties):
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def square(west, south, size=0.01, bowtie=False, **properties):
    ring = [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]
    if bowtie:
        ring = [[west, south], [west + size, south + size], [west + size, south], [west, south + size], [west, south]]
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def write(tmp_path, document, name="layer.geojson"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def codes(findings, severity=ERROR):
    return sorted({f.code for f in findings if f.severity == severity})


def test_real_communes_pass(shared_data):
    assert check_geojson(shared_data / "geo" / "communes-corse.geojson", "communes-corse.geojson") == []
    corse = [(8.5, 41.3, 9.6, 43.1)]
    assert check_geojson(shared_data / "geo" / "communes-corse.geojson", "c.geojson", corse) == []
    elsewhere = check_geojson(shared_data / "geo" / "communes-01-ain.geojson", "ain.geojson", corse)
    assert codes(elsewhere) == ["geojson-implausible-coordinates"]
    assert elsewhere[0].message.startswith("407 of 407 features")


def test_lambert93_geojson_is_recognised(shared_data, tmp_path):
    document = json.loads((shared_data / "geo" / "communes-corse.geojson").read_text(encoding="utf-8"))

    def project(coordinates):
        if isinstance(coordinates[0], (int, float)):
            return list(TO_LAMBERT.transform(coordinates[0], coordinates[1]))
        return [project(c) for c in coordinates]

    for feature in document["features"]:
        feature["geometry"]["coordinates"] = project(feature["geometry"]["coordinates"])
    found = check_geojson(write(tmp_path, document), "lambert.geojson")
    assert codes(found) == ["geojson-not-wgs84"]
    assert "Lambert-93 (EPSG:2154)" in found[0].message and "ogr2ogr -t_srs EPSG:4326" in found[0].fix
    document["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}
    found = check_geojson(write(tmp_path, document), "lambert.geojson")
    assert codes(found) == ["geojson-crs", "geojson-not-wgs84"]


def test_swapped_geojson(tmp_path):
    found = check_geojson(write(tmp_path, collection(point(46.6, 2.4, nom="Mairie"), point(2.41, 46.61))),
                          "p.geojson", SAMPLEVILLE)
    assert codes(found) == ["geojson-swapped-coordinates"]
    assert "1 of 2 features" in found[0].message and "Mairie" in found[0].message


def test_one_stray_vertex_is_enough(tmp_path):
    feature = square(2.4, 46.6)
    feature["geometry"]["coordinates"][0][2] = [2.41, 48.0]
    found = check_geojson(write(tmp_path, collection(feature)), "p.geojson", SAMPLEVILLE)
    assert codes(found) == ["geojson-implausible-coordinates"]


def test_invalid_geometry_is_explained(tmp_path):
    found = check_geojson(write(tmp_path, collection(square(2.4, 46.6, nom="Parc"), square(2.42, 46.62, bowtie=True))),
                          "zones.geojson", SAMPLEVILLE)
    assert codes(found) == ["geojson-invalid-geometry"]
    assert "feature #2" in found[0].message and "Self-intersection" in found[0].message
    assert "make_valid" in found[0].fix


def test_unclosed_ring_and_malformed_positions(tmp_path):
    open_ring = square(2.4, 46.6)
    open_ring["geometry"]["coordinates"][0].pop()
    bad = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": ["2.4", 46.6]}}
    found = check_geojson(write(tmp_path, collection(open_ring, bad)), "z.geojson", SAMPLEVILLE)
    assert codes(found) == ["geojson-geometry", "geojson-invalid-geometry"]
    assert "not closed" in next(f.message for f in found if f.code == "geojson-invalid-geometry")


def test_structure(tmp_path):
    found = check_geojson(write(tmp_path, {"type": "FeatureCollection"}), "x.geojson")
    assert codes(found) == ["geojson-structure"]
    found = check_geojson(write(tmp_path, [1, 2]), "x.geojson")
    assert codes(found) == ["geojson-structure"]
    found = check_geojson(write(tmp_path, {"fields": []}, "schema.json"), "schema.json")
    assert codes(found) == ["geojson-structure"] and "--schema" in found[0].fix
    found = check_geojson(write(tmp_path, collection({"type": "Point", "coordinates": [2.4, 46.6]})), "x.geojson")
    assert codes(found) == ["geojson-structure"] and "feature #1" in found[0].message
    single = check_geojson(write(tmp_path, point(2.4, 46.6)), "x.geojson")
    assert codes(single) == [] and codes(single, WARNING) == ["geojson-structure"]
    nowhere = {"type": "Feature", "properties": {}, "geometry": None}  # allowed: a feature without location
    assert check_geojson(write(tmp_path, collection(nowhere)), "x.geojson") == []


@pytest.mark.parametrize("content,message", [
    ('{"type": "FeatureCollection",\n "features": [{"type": "Feature", "geometry": {"type": "Po', "line 2"),
    ("", "empty"),
    ("\x00\x01\x02 garbage", "not valid JSON"),
])
def test_broken_files(tmp_path, content, message):
    found = check_geojson(write(tmp_path, content), "broken.geojson")
    assert codes(found) == ["geojson-syntax"] and message in found[0].message


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.geojson"
    path.write_bytes(json.dumps(collection(point(2.4, 46.6, nom="Orléans")), ensure_ascii=False).encode("latin-1"))
    assert codes(check_geojson(path, "latin.geojson")) == ["geojson-encoding"]


def test_too_large_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(geojson, "MAX_GEOJSON_BYTES", 100)
    path = write(tmp_path, collection(*[point(2.4, 46.6)] * 10))
    assert codes(check_geojson(path, "big.geojson")) == ["geojson-too-large"]


def test_geojson_through_the_cli(shared_data, tmp_path):
    result = CliRunner().invoke(main, ["validate", str(shared_data / "geo" / "communes-corse.geojson")])
    assert result.exit_code == 0, result.output
    path = write(tmp_path, collection(point(46.6, 2.4)))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1 and "geojson-swapped-coordinates" in result.output


def test_geojson_resource_is_checked_against_the_dataset_bbox(tmp_path):
    folder = make_hub(tmp_path)
    write(folder, collection(point(2.4, 46.6), point(5.0, 45.0)), "limites.geojson")
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["resources"].append({"name": "limites", "path": "limites.geojson", "format": "geojson"})
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    result = CliRunner().invoke(main, ["validate", str(folder), "--json"])
    assert result.exit_code == 1, result.output
    found = [f for t in json.loads(result.output)["targets"] for f in t["findings"]]
    assert [(f["code"], f["file"]) for f in found] == [("geojson-implausible-coordinates", "limites.geojson")]


def test_feature_properties_pass_the_personal_data_and_formula_checks(tmp_path):
    features = [point(2.4, 46.6, nom="Parc", signale_par="jean.dupont@gmail.com", n=1),
                point(2.41, 46.61, nom="=1+1", signale_par="", n=None),
                {"type": "Feature", "properties": None, "geometry": {"type": "Point", "coordinates": [2.4, 46.6]}}]
    found = check_geojson(write(tmp_path, collection(*features)), "signalements.geojson", SAMPLEVILLE)
    assert [(f.code, f.column, f.row) for f in found] == [("personal-data", "signale_par", None),
                                                          ("formula-injection", "nom", None)]
    assert "(feature 1)" in found[0].message and found[0].value == "j•••@gmail.com"
    assert "(feature 2)" in found[1].message
