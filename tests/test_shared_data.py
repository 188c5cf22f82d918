"""`catalog validate` on the real public files of ../shared/data, through the CLI and the library.

SOURCES.tsv there documents each file's defects; these tests hold the validator to them.
"""
import json
import shutil
from collections import Counter

import pytest
from click.testing import CliRunner
from pyproj import Transformer

from catalog.cli import main
from catalog.validate import sniff, validate


def cli(*args):
    """The CLI's --json report, after checking it never shows a traceback."""
    result = CliRunner().invoke(main, ["validate", *map(str, args), "--json"])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    report = json.loads(result.output)
    assert report["exit_code"] == result.exit_code
    return report


def both(paths, schema=None):
    """The CLI's report, checked equal to the library's for the same input."""
    args = [*paths] + (["--schema", schema] if schema else [])
    report = cli(*args)
    library = validate([str(p) for p in paths], schema=schema).to_dict()
    assert report == json.loads(json.dumps(library))
    return report


def errors(report):
    return Counter(f["code"] for t in report["targets"] for f in t["findings"] if f["severity"] == "error")


def findings(report, code):
    return [f for t in report["targets"] for f in t["findings"] if f["code"] == code]


# ---------------------------------------------------------------- national schemas and their examples

@pytest.mark.parametrize("example,schema", [
    ("stationnement/exemple-valide.csv", "stationnement/schema.json"),
    ("lieux-covoiturage/exemple-valide.csv", "lieux-covoiturage/schema.json"),
    ("lieux-covoiturage/exemple-valide.xls", "lieux-covoiturage/schema.json"),
    ("subventions-scdl/exemple_valide.csv", "subventions-scdl/schema.json"),
    ("irve/statique/exemple-valide-statique.csv", "irve/statique/schema-statique.json"),
    ("irve/dynamique/exemple-valide-dynamique.csv", "irve/dynamique/schema-dynamique.json"),
    ("dispositif-aide/exemple.csv", "dispositif-aide/schema.json"),
])
def test_valid_examples_pass(shared_data, example, schema):
    schemas = shared_data / "schemas"
    report = both([schemas / example], schemas / schema)
    assert report["exit_code"] == 0 and report["errors"] == 0, report


def test_stationnement_invalid_has_its_two_constraint_errors(shared_data):
    folder = shared_data / "schemas" / "stationnement"
    report = both([folder / "exemple-invalide.csv"], folder / "schema.json")
    assert report["exit_code"] == 1
    assert errors(report) == Counter({"constraint-error": 2})
    found = {(f["row"], f["column"], f["value"]) for f in findings(report, "constraint-error")}
    assert found == {(2, "id", "P-001"), (2, "tarif_pmr", "inconnu")}


def test_lieux_covoiturage_invalid_has_its_type_error_and_a_swapped_point(shared_data):
    folder = shared_data / "schemas" / "lieux-covoiturage"
    report = both([folder / "exemple-invalide.csv"], folder / "schema.json")
    assert report["exit_code"] == 1
    (type_error,) = findings(report, "type-error")
    assert (type_error["row"], type_error["column"], type_error["value"]) == (3, "date_maj", "24-06-2019")
    assert '"%d-%m-%Y"' in type_error["fix"] and "2019-06-24" in type_error["fix"]
    # The same row also gives Xlong=49.92, Ylat=1.07: a latitude/longitude swap the schema cannot see.
    (swap,) = findings(report, "coordinates-swapped")
    assert swap["row"] == 3 and errors(report) == Counter({"type-error": 1, "coordinates-swapped": 1})


@pytest.mark.parametrize("example,expected", [
    ("exemple_invalide_erreurs_cellules.csv", {"constraint-error", "type-error"}),
    ("exemple_invalide_erreurs_colonnes.csv", {"incorrect-label", "missing-label"}),
])
def test_subventions_invalid_examples(shared_data, example, expected):
    folder = shared_data / "schemas" / "subventions-scdl"
    report = both([folder / example], folder / "schema.json")
    assert report["exit_code"] == 1 and expected <= set(errors(report))


@pytest.mark.parametrize("example,schema,field", [
    ("comptage-mobilites/exemple-valide.csv", "comptage-mobilites/schema.json", "temporality"),
    ("comptage-mobilites/exemple-invalide.csv", "comptage-mobilites/schema.json", "started_at"),
    ("plf/plf-2017-exemple-valide.csv", "plf/schema.json", "Mission"),
])
def test_schema_with_required_outside_constraints_is_a_clear_schema_error(shared_data, example, schema, field):
    schemas = shared_data / "schemas"
    report = both([schemas / example], schemas / schema)
    assert report["exit_code"] == 1
    assert set(errors(report)) == {"field-error"}
    named = {f["column"]: f for f in findings(report, "field-error")}
    assert field in named
    assert f'"constraints": {{"required": true}} on field "{field}"' in named[field]["fix"]


def test_irve_and_frictionless_datapackages_pass(shared_data):
    for folder in (shared_data / "schemas" / "irve", shared_data / "datapackages" / "population",
                   shared_data / "datapackages" / "gdp"):
        report = both([folder])
        # Outside a hub a package has no publisher profile: a warning, not an error.
        assert report["exit_code"] == 0, report
        assert {f["code"] for t in report["targets"] for f in t["findings"]} == {"unknown-publisher"}


def test_dispositif_aide_datapackage_points_to_files_not_shipped(shared_data):
    report = both([shared_data / "schemas" / "dispositif-aide" / "datapackage.json"])
    assert report["exit_code"] == 2  # a resource file is missing: unusable input
    assert {f["file"] for f in findings(report, "missing-file")} == {
        "build/dispositif-aide/exemple.csv", "build/dispositif-aide-professionnels/exemple.csv"}


# ---------------------------------------------------------------- GTFS

@pytest.mark.parametrize("name,defect", [
    ("errors-invalid_references.zip", "gtfs-invalid-reference"),
    ("errors-duplicate_stop_sequence.zip", "gtfs-duplicate-stop-sequence"),
    ("errors-stop_times_increase.zip", "gtfs-time-decreasing"),
    ("errors-missing_mandatory_files.zip", "gtfs-missing-file"),
])
def test_gtfs_error_feeds_fail_for_their_defect(shared_data, name, defect):
    report = both([shared_data / "gtfs" / name])
    assert report["exit_code"] == 1 and defect in errors(report)


@pytest.mark.parametrize("name", ["libellus-castres-mazamet.zip", "frioul-if-express-marseille.zip",
                                  "google-sample-feed-1.zip"])
def test_real_gtfs_feeds_pass(shared_data, name):
    report = both([shared_data / "gtfs" / name])
    assert report["exit_code"] == 0 and report["errors"] == 0, report


# ---------------------------------------------------------------- French CSV habits

FRENCH_CSVS = {
    "covoiturage-corse-latin1-semicolon.csv": ("latin-1", ";", "ISO-8859-1 (Latin-1)"),
    "covoiturage-calvados-utf8bom.csv": ("utf-8-sig", ",", None),
    "plf-2012-jaune-associations-subventionnees-2010.cp1252.csv": ("cp1252", ";", "Windows-1252 (cp1252)"),
    "plf-2017-nomenclature-mission-programme-action.cp1252.csv": ("cp1252", ";", "Windows-1252 (cp1252)"),
    "loire-atlantique-subventions-associations.csv": ("utf-8", ";", None),
}


@pytest.mark.parametrize("name", sorted(FRENCH_CSVS))
def test_french_csvs_encoding_and_delimiter_are_detected(shared_data, name):
    encoding, delimiter, said = FRENCH_CSVS[name]
    found = sniff.sniff(shared_data / "csv" / name)
    assert (found.encoding, found.delimiter) == (encoding, delimiter)
    report = both([shared_data / "csv" / name])
    assert report["exit_code"] == 0, report
    detected = findings(report, "encoding-detected")
    assert [said] == [d["message"].split("encoded in ")[1].split(", not")[0] for d in detected] if said else not detected


def test_french_csv_described_wrongly_says_what_to_declare(shared_data, tmp_path):
    """The Corsican car-pool file in a dataset whose descriptor keeps the defaults (UTF-8, comma)."""
    folder = tmp_path / "datasets" / "sample" / "covoiturage"
    folder.mkdir(parents=True)
    shutil.copy(shared_data / "csv" / "covoiturage-corse-latin1-semicolon.csv", folder / "aires.csv")
    (folder / "datapackage.json").write_text(json.dumps({
        "name": "covoiturage", "resources": [{"name": "aires", "path": "aires.csv", "format": "csv"}]}))
    report = cli(folder)
    assert report["exit_code"] == 1
    (encoding,) = findings(report, "encoding-mismatch")
    assert "ISO-8859-1 (Latin-1)" in encoding["message"] and '"encoding": "iso-8859-1"' in encoding["fix"]
    (delimiter,) = findings(report, "delimiter-mismatch")
    assert "';'" in delimiter["message"] and '"dialect": {"delimiter": ";"}' in delimiter["fix"]


# ---------------------------------------------------------------- geography

@pytest.mark.parametrize("name", ["communes-corse.geojson", "communes-01-ain.geojson", "communes-bretagne.geojson",
                                  "departements.geojson", "departements-version-simplifiee.geojson",
                                  "regions-version-simplifiee.geojson"])
def test_real_boundaries_pass(shared_data, name):
    report = both([shared_data / "geo" / name])
    assert report["exit_code"] == 0 and report["errors"] == report["warnings"] == 0, report


def _variant(shared_data, tmp_path, name, move):
    document = json.loads((shared_data / "geo" / "departements-version-simplifiee.geojson").read_text("utf-8"))

    def walk(coordinates):
        if isinstance(coordinates[0], (int, float)):
            return list(move(coordinates[0], coordinates[1]))
        return [walk(c) for c in coordinates]

    for feature in document["features"]:
        feature["geometry"]["coordinates"] = walk(feature["geometry"]["coordinates"])
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_lambert93_variant_fails_and_says_how_to_reproject(shared_data, tmp_path):
    to_lambert = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    report = both([_variant(shared_data, tmp_path, "departements-l93.geojson", to_lambert.transform)])
    assert report["exit_code"] == 1 and set(errors(report)) == {"geojson-not-wgs84"}
    (finding,) = findings(report, "geojson-not-wgs84")
    assert "Lambert-93" in finding["message"] and "ogr2ogr -t_srs EPSG:4326" in finding["fix"]


def test_swapped_variant_fails(shared_data, tmp_path):
    report = both([_variant(shared_data, tmp_path, "departements-swapped.geojson", lambda x, y: (y, x))])
    assert report["exit_code"] == 1 and set(errors(report)) == {"geojson-swapped-coordinates"}
    assert findings(report, "geojson-swapped-coordinates")[0]["message"].startswith("96 of 96 features")
