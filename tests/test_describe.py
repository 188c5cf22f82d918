"""`catalog describe`: raw files to a dataset folder whose descriptor validates, habits declared."""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from catalog.cli import main
from catalog.datasets import load_dataset
from catalog.validate import validate
from tests.conftest import ROOT

PLAIN_DESCRIPTION = ("Toilettes publiques de la commune : adresse, accessibilité, horaires et position. "
                     "Données d'exemple construites pour les tests (aucune personne réelle).")


def describe(*args):
    return CliRunner().invoke(main, ["describe", *map(str, args)])


def hub_copy(tmp_path: Path) -> Path:
    root = tmp_path / "hub"
    shutil.copytree(ROOT / "datasets", root / "datasets", ignore=shutil.ignore_patterns("generate.py"))
    shutil.copytree(ROOT / "publishers", root / "publishers")
    return root


def _types(schema: dict) -> dict:
    return {f["name"]: f.get("type", "string") for f in schema["fields"]}


def test_bundled_datasets_described_again_validate_and_keep_their_types(tmp_path):
    """Each bundled dataset's descriptor removed, `describe` on its files writes one that validates
    with no error, and at least 90% of the fields get the type the publisher gave them."""
    root = hub_copy(tmp_path)
    same = total = described = 0
    mismatches = []
    for folder in sorted((root / "datasets").glob("*/*")):
        dataset = load_dataset(folder)
        if dataset.hub.get("reuse"):
            continue  # derived: no data file to describe
        originals = {r["path"]: dataset.schema(r) for r in dataset.resources if r.get("schema")}
        files = [folder / r["path"] for r in dataset.resources]
        (folder / "datapackage.json").unlink()
        result = describe(*files, "--root", root)
        assert result.exit_code == 0, result.output
        described += 1
        report = validate([str(folder)], root)
        errors = [f for t in report.targets for f in t.findings if f.severity == "error"]
        assert errors == [], (folder.name, [(f.code, f.file, f.column, f.message) for f in errors])
        codes = {f.code for t in report.targets for f in t.findings}
        assert codes <= {"placeholder"}, (folder.name, codes)
        new = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        for resource in new["resources"]:
            if resource["path"] not in originals:
                continue
            ours, theirs = _types(resource["schema"]), _types(originals[resource["path"]])
            for name, kind in theirs.items():
                total += 1
                same += ours.get(name) == kind
                if ours.get(name) != kind:
                    mismatches.append((folder.name, name, kind, ours.get(name)))
    assert described == 7
    assert total > 100
    assert same / total >= 0.9, mismatches


def test_cp1252_budget_round_trips(tmp_path):
    """The budget (cp1252, `;`, decimal comma, thousands separated by spaces, dd/mm/yyyy) described
    again: the file is copied byte for byte, its habits declared, and the package holds the same values."""
    root = hub_copy(tmp_path)
    folder = root / "datasets" / "ville-de-sampleville" / "budget"
    original_bytes = (folder / "budget-2025.csv").read_bytes()
    runner = CliRunner()
    assert runner.invoke(main, ["package", str(folder), "--root", str(root), "--packages", str(tmp_path / "before")]
                         ).exit_code == 0
    raw = tmp_path / "raw" / "Budget 2025.csv"
    raw.parent.mkdir()
    raw.write_bytes(original_bytes)
    result = describe(raw, "--publisher", "ville-de-sampleville", "--dataset", "budget-again", "--root", root,
                      "--description", PLAIN_DESCRIPTION, "--frequency", "annual", "--theme", "budget",
                      "--coverage", "Sampleville")
    assert result.exit_code == 0, result.output
    target = root / "datasets" / "ville-de-sampleville" / "budget-again"
    assert (target / "budget-2025.csv").read_bytes() == original_bytes  # declared, not converted
    descriptor = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    resource = descriptor["resources"][0]
    assert resource["encoding"] == "cp1252" and resource["dialect"] == {"delimiter": ";"}
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["Montant (€)"]["type"] == "number"
    assert fields["Montant (€)"]["decimalChar"] == "," and fields["Montant (€)"]["groupChar"] == " "
    assert fields["Date de vote"] == {"name": "Date de vote", "type": "date", "format": "%d/%m/%Y"}
    assert fields["Code INSEE"]["type"] == "string" and fields["Nature"]["type"] == "string"
    assert fields["Exercice"]["type"] == "year"
    assert descriptor["title"] == "Budget 2025"
    assert runner.invoke(main, ["package", str(target), "--root", str(root), "--packages", str(tmp_path / "after")]
                         ).exit_code == 0
    before = (tmp_path / "before/ville-de-sampleville/budget/data/budget-2025.csv").read_text(encoding="utf-8")
    after = (tmp_path / "after/ville-de-sampleville/budget-again/data/budget-2025.csv").read_text(encoding="utf-8")
    assert after == before
    assert "181309.31" in after and "2025-03-27" in after and "\n2025,00001," in after


TOILETS_HEADER = "Identifiant;Nom;Adresse;Code postal;Code INSEE;Commune;Accessible PMR;Payant;Tarif (€);" \
                 "Date d'installation;Latitude;Longitude"


def toilets_csv(path: Path, rows: int = 24) -> Path:
    """A raw export as an agency writes it: cp1252, `;`, decimal comma, oui/non, INSEE codes with
    leading zeros (and Corsica's 2A), dd/mm/yyyy dates, WGS84 degrees with a decimal comma."""
    communes = [("01001", "01400", "L'Abergement-Clémenciat"), ("01053", "01000", "Bourg-en-Bresse"),
                ("2A004", "20000", "Ajaccio"), ("01004", "01500", "Ambérieu-en-Bugey")]
    lines = [TOILETS_HEADER]
    for number in range(1, rows + 1):
        insee, postcode, commune = communes[number % len(communes)]
        paying = number % 3 == 0
        lines.append(";".join([
            f"WC{number:04d}", f"Sanisette n°{number} – Place de l'Église", f"{number} rue des Écoles",
            postcode, insee, commune, "oui" if number % 2 else "non", "oui" if paying else "non",
            "0,50" if paying else "0", f"{(number % 28) + 1:02d}/0{(number % 9) + 1}/2023",
            f"46,{200000 + number * 137}", f"5,{220000 + number * 91}"]))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def test_raw_toilets_export_is_declared_not_converted(tmp_path):
    root = hub_copy(tmp_path)
    raw = toilets_csv(tmp_path / "Toilettes publiques.csv")
    result = describe(raw, "--publisher", "ville-de-sampleville", "--root", root)
    assert result.exit_code == 0, result.output
    folder = root / "datasets" / "ville-de-sampleville" / "toilettes-publiques"
    assert (folder / "toilettes-publiques.csv").read_bytes() == raw.read_bytes()
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["title"] == "Toilettes publiques"
    assert descriptor["licenses"][0]["name"] == "etalab-2.0"  # the publisher's licence
    resource = descriptor["resources"][0]
    assert resource["encoding"] == "cp1252" and resource["dialect"] == {"delimiter": ";"}
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["Code INSEE"]["type"] == "string" and fields["Code postal"]["type"] == "string"
    assert fields["Accessible PMR"] == {"name": "Accessible PMR", "type": "boolean",
                                        "trueValues": ["oui"], "falseValues": ["non"]}
    assert fields["Tarif (€)"]["type"] == "number" and fields["Tarif (€)"]["decimalChar"] == ","
    assert fields["Latitude"]["type"] == "number" and fields["Latitude"]["decimalChar"] == ","
    assert fields["Date d'installation"]["format"] == "%d/%m/%Y"
    assert fields["Commune"]["constraints"] == {"enum": sorted({"L'Abergement-Clémenciat", "Bourg-en-Bresse",
                                                                "Ajaccio", "Ambérieu-en-Bugey"})}
    assert resource["schema"]["primaryKey"] == ["Identifiant"]
    assert resource["catalog"]["coordinates"] == {"latitude": "Latitude", "longitude": "Longitude",
                                                  "crs": "EPSG:4326"}
    spatial = descriptor["catalog"]["spatial"]
    assert spatial["insee"] == ["01001", "01004", "01053", "2A004"]
    west, south, east, north = spatial["bbox"]
    assert west < 5.22 < east and south < 46.2 < north
    # Unknowable values are placeholders that validate reports and the quality score does not count.
    report = validate([str(folder)], root)
    target = report.targets[0]
    assert target.valid
    placeholders = {f.column or f.message.split("`")[1] for f in target.findings if f.code == "placeholder"}
    assert placeholders == {"description", "catalog.theme", "catalog.frequency", "catalog.spatial.label"}
    unmet = {c.name for c in target.quality if not c.met}
    assert {"description", "update frequency", "spatial coverage"} <= unmet


def test_never_overwrites_without_force(tmp_path):
    root = hub_copy(tmp_path)
    raw = toilets_csv(tmp_path / "toilettes.csv")
    assert describe(raw, "--publisher", "ville-de-sampleville", "--root", root).exit_code == 0
    descriptor = root / "datasets/ville-de-sampleville/toilettes/datapackage.json"
    descriptor.write_text(descriptor.read_text(encoding="utf-8").replace("TODO: describe", "Mes notes"),
                          encoding="utf-8")
    kept = descriptor.read_bytes()
    (root / "datasets/ville-de-sampleville/toilettes/notes.txt").write_text("à garder", encoding="utf-8")
    again = describe(raw, "--publisher", "ville-de-sampleville", "--root", root)
    assert again.exit_code == 2 and "--force" in again.output
    assert descriptor.read_bytes() == kept
    forced = describe(raw, "--publisher", "ville-de-sampleville", "--root", root, "--force")
    assert forced.exit_code == 0, forced.output
    assert descriptor.read_bytes() != kept
    assert (root / "datasets/ville-de-sampleville/toilettes/notes.txt").read_text(encoding="utf-8") == "à garder"
    assert not [p for p in (root / "datasets/ville-de-sampleville").iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("option, value", [("--publisher", "../outside"), ("--publisher", "/tmp/x"),
                                           ("--dataset", "../../etc"), ("--dataset", "Mes Données"),
                                           ("--dataset", "a..b"), ("--publisher", ".hidden")])
def test_names_outside_the_safe_alphabet_are_refused(tmp_path, option, value):
    root = hub_copy(tmp_path)
    raw = toilets_csv(tmp_path / "toilettes.csv")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    args = [raw, "--root", root, option, value]
    if option == "--dataset":
        args += ["--publisher", "ville-de-sampleville"]
    result = describe(*args)
    assert result.exit_code == 2, result.output
    assert "not a valid name" in result.output and "Traceback" not in result.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_excel_sheet_is_chosen_and_validates(tmp_path):
    root = hub_copy(tmp_path)
    workbook = openpyxl.Workbook()
    cover = workbook.active
    cover.title = "Lisez-moi"
    cover.append(["Ce classeur contient les marchés de la ville."])
    sheet = workbook.create_sheet("Marchés")
    sheet.append(["Numéro SIRET", "Objet", "Montant", "Notifié le", "Code postal"])
    for number in range(1, 13):
        sheet.append([21000001400010 + number, f"Marché n°{number}", 1500.5 * number,
                      __import__("datetime").datetime(2024, 1, number), "01000"])
    path = tmp_path / "marches.xlsx"
    workbook.save(path)
    result = describe(path, "--publisher", "ville-de-sampleville", "--root", root, "--sheet", "2")
    assert result.exit_code == 0, result.output
    assert "sheet 'Marchés'" in result.output and "Lisez-moi" in result.output
    folder = root / "datasets/ville-de-sampleville/marches"
    resource = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]
    assert resource["dialect"] == {"excel": {"sheet": "Marchés"}} and resource["format"] == "xlsx"
    # Numbers in the workbook stay numbers (a reader gives numbers; their zeros were lost in Excel already).
    assert _types(resource["schema"]) == {"Numéro SIRET": "integer", "Objet": "string", "Montant": "number",
                                          "Notifié le": "date", "Code postal": "string"}
    report = validate([str(folder)], root)
    assert report.targets[0].valid, [(f.code, f.message) for f in report.targets[0].findings]
    assert describe(path, "--publisher", "ville-de-sampleville", "--root", root, "--sheet", "Budget",
                    "--dataset", "autre").exit_code == 2


def test_geojson_and_gtfs_zip_are_described(tmp_path, shared_data):
    root = hub_copy(tmp_path)
    result = describe(shared_data / "geo/communes-corse.geojson", "--publisher", "departement-de-sample",
                      "--root", root)
    assert result.exit_code == 0, result.output
    folder = root / "datasets/departement-de-sample/communes-corse"
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["resources"][0]["format"] == "geojson"
    west, south, east, north = descriptor["catalog"]["spatial"]["bbox"]
    assert 8.4 < west < 8.6 and 41.3 < south < 41.4 and 9.5 < east < 9.6 and 42.9 < north < 43.1
    assert "2A004" in descriptor["catalog"]["spatial"].get("insee", []) or len(
        descriptor["catalog"]["spatial"].get("insee", [])) == 0
    assert validate([str(folder)], root).targets[0].valid
    result = describe(shared_data / "gtfs/google-sample-feed-1.zip", "--publisher", "sample-mobilites",
                      "--dataset", "feed", "--root", root)
    assert result.exit_code == 0, result.output
    folder = root / "datasets/sample-mobilites/feed"
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["catalog"]["profile"] == "gtfs" and descriptor["resources"][0]["format"] == "zip"
    assert len(descriptor["catalog"]["spatial"]["bbox"]) == 4
    report = validate([str(folder)], root)
    assert {f.code for f in report.targets[0].findings if f.severity == "error"} <= {
        c for c in {f.code for f in validate([str(shared_data / "gtfs/google-sample-feed-1.zip")]).targets[0].findings
                    if f.severity == "error"}}


def test_a_not_a_gtfs_zip_or_unknown_file_is_refused(tmp_path):
    root = hub_copy(tmp_path)
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("a.txt", "hello")
    result = describe(archive, "--publisher", "sample-mobilites", "--root", root)
    assert result.exit_code == 2 and "stops.txt" in result.output
    other = tmp_path / "notes.docx"
    other.write_bytes(b"PK")
    result = describe(other, "--publisher", "sample-mobilites", "--root", root)
    assert result.exit_code == 2 and "CSV" in result.output
    assert not (root / "datasets/sample-mobilites/photos").exists()


def test_headers_of_a_national_schema_are_recognised(tmp_path, shared_data):
    root = hub_copy(tmp_path)
    example = shared_data / "schemas/irve/statique/exemple-valide-statique.csv"
    result = describe(example, "--publisher", "departement-de-sample", "--dataset", "irve", "--root", root)
    assert result.exit_code == 0, result.output
    assert "IRVE statique 2.3.1" in result.output
    assert "--schema etalab/schema-irve-statique@2.3.1" in result.output
    result = describe(example, "--publisher", "departement-de-sample", "--dataset", "irve", "--root", root,
                      "--schema", "etalab/schema-irve-statique@latest", "--force")
    assert result.exit_code == 0, result.output
    folder = root / "datasets/departement-de-sample/irve"
    resource = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]
    assert resource["schema"] == "etalab/schema-irve-statique@2.3.1"
    report = validate([str(folder)], root)
    assert report.targets[0].valid, [(f.code, f.message) for f in report.targets[0].findings]
    unknown = describe(example, "--publisher", "departement-de-sample", "--dataset", "irve2", "--root", root,
                       "--schema", "etalab/schema-inconnu@1.0.0")
    assert unknown.exit_code == 2 and "unknown national schema" in unknown.output
    assert not (root / "datasets/departement-de-sample/irve2").exists()


def test_the_sample_is_bounded_before_reading(tmp_path):
    """With --sample-rows, only that many rows are read: no enum or primary key is claimed from a
    part of the file, and the summary says it was a sample."""
    root = hub_copy(tmp_path)
    raw = toilets_csv(tmp_path / "toilettes.csv", rows=500)
    result = describe(raw, "--publisher", "ville-de-sampleville", "--root", root, "--sample-rows", "20")
    assert result.exit_code == 0, result.output
    assert "the first 20" in result.output
    schema = json.loads((root / "datasets/ville-de-sampleville/toilettes/datapackage.json").read_text(
        encoding="utf-8"))["resources"][0]["schema"]
    assert "primaryKey" not in schema and not any("enum" in f.get("constraints", {}) for f in schema["fields"])


def test_the_fix_of_a_folder_without_descriptor_is_a_describe_command_that_works(tmp_path, monkeypatch):
    root = hub_copy(tmp_path)
    folder = root / "datasets/ville-de-sampleville/toilettes"
    folder.mkdir()
    toilets_csv(folder / "toilettes.csv")
    monkeypatch.chdir(root)
    report = validate([], root)
    fix = next(f.fix for t in report.targets for f in t.findings if f.code == "missing-descriptor")
    command = fix.split("`")[1].split()
    assert command[:2] == ["catalog", "describe"]
    result = describe(*command[2:])
    assert result.exit_code == 0, result.output
    after = validate([], root)
    assert "missing-descriptor" not in {f.code for t in after.targets for f in t.findings}
    assert after.exit_code == 0


REAL_FILES = ["csv/annuaire-education-35.csv", "csv/covoiturage-calvados-utf8bom.csv",
              "csv/covoiturage-corse-latin1-semicolon.csv", "csv/loire-atlantique-subventions-associations.csv",
              "csv/plf-2012-jaune-associations-subventionnees-2010.cp1252.csv",
              "csv/plf-2017-nomenclature-mission-programme-action.cp1252.csv", "excel/mayenne-cd53-2018.xlsx",
              "schemas/lieux-covoiturage/exemple-valide.xls", "schemas/dispositif-aide/exemple.csv",
              "schemas/subventions-scdl/exemple_invalide_erreurs_cellules.csv", "geo/communes-01-ain.geojson",
              "gtfs/libellus-castres-mazamet.zip", "gtfs/sncf-intercites-2013.zip"]
# What a descriptor decides: a finding among these means describe declared something the file is not.
DESCRIPTOR_FINDINGS = {"type-error", "constraint-error", "unique-error", "primary-key", "encoding-mismatch",
                       "delimiter-mismatch", "schema-error", "field-error", "resource-error", "dialect-error",
                       "missing-label", "extra-label", "incorrect-label", "coordinates-projected",
                       "coordinates-swapped", "coordinates-out-of-range", "unusable-input", "format-error"}


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_exports_described_declare_what_the_files_are(tmp_path, shared_data, name):
    """Real public files (Latin-1 `;`, BOM, cp1252 with thousands separated by spaces, Lambert-93
    beside WGS84, SIRETs stored as numbers in Excel, GeoJSON, GTFS): described, they validate
    without any finding that the descriptor would be to blame for."""
    root = hub_copy(tmp_path)
    result = describe(shared_data / name, "--publisher", "ville-de-sampleville", "--dataset", "real", "--root", root)
    assert result.exit_code == 0, result.output
    folder = root / "datasets/ville-de-sampleville/real"
    report = validate([str(folder)], root)
    blamed = [(f.code, f.row, f.column, f.value) for t in report.targets for f in t.findings
              if f.code in DESCRIPTOR_FINDINGS]
    assert blamed == [], result.output
    assert report.exit_code in (0, 1)


def test_projected_coordinates_are_declared_with_their_system(tmp_path, shared_data):
    root = hub_copy(tmp_path)
    result = describe(shared_data / "csv/annuaire-education-35.csv", "--publisher", "ville-de-sampleville",
                      "--dataset", "ecoles", "--root", root)
    assert "coordonnee_X (EPSG:2154)" in result.output and "longitude longitude (EPSG:4326)" in result.output
    resource = json.loads((root / "datasets/ville-de-sampleville/ecoles/datapackage.json").read_text(
        encoding="utf-8"))["resources"][0]
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["coordonnee_X"]["catalog"]["crs"] == "EPSG:2154" == fields["coordonnee_Y"]["catalog"]["crs"]
    assert resource["catalog"]["coordinates"] == {"latitude": "latitude", "longitude": "longitude",
                                                  "crs": "EPSG:4326"}
    # Undeclared on the fields, the file's own "epsg" column still says EPSG:2154 on every row:
    # the metres are not a finding (issue #11, a declared coordinate system is respected).
    del fields["coordonnee_X"]["catalog"], fields["coordonnee_Y"]["catalog"]
    path = root / "datasets/ville-de-sampleville/ecoles/datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"][0]["schema"]["fields"] = list(fields.values())
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    codes = {f.code for t in validate([str(path.parent)], root).targets for f in t.findings}
    assert "coordinates-projected" not in codes


@pytest.mark.parametrize("content, said", [
    (b"", "empty"), (b"a;b;a\n1;2;3\n", "both named 'a'"), (b"a;b;\n1;2;\n", "column 3 has no name"),
    (b"\x00\x01PK\x03\x04" * 50, "not a text file")])
def test_unusable_tables_are_refused_plainly_and_nothing_is_written(tmp_path, content, said):
    root = hub_copy(tmp_path)
    raw = tmp_path / "export.csv"
    raw.write_bytes(content)
    result = describe(raw, "--publisher", "ville-de-sampleville", "--root", root)
    assert result.exit_code == 2 and said in result.output and "Traceback" not in result.output
    assert not (root / "datasets/ville-de-sampleville/export").exists()


def test_declared_coordinates_put_the_table_on_the_hub_map_whatever_their_names(tmp_path):
    """Columns named Y_WGS84/X_WGS84 are no names the hub guesses: the pair `describe` declares
    is the one the hub maps."""
    root = hub_copy(tmp_path)
    raw = tmp_path / "bornes.csv"
    raw.write_text("id;nom;Y_WGS84;X_WGS84\n" + "".join(f"B{i};Borne {i};46,6{i};2,4{i}\n" for i in range(1, 9)),
                   encoding="utf-8")
    result = describe(raw, "--publisher", "ville-de-sampleville", "--root", root, "--description", PLAIN_DESCRIPTION,
                      "--frequency", "annual", "--theme", "facilities", "--coverage", "Sampleville")
    assert result.exit_code == 0, result.output
    db = tmp_path / "hub.db"
    published = CliRunner().invoke(main, ["publish", "datasette", str(root / "datasets/ville-de-sampleville/bornes"),
                                          "--root", str(root), "--db", str(db),
                                          "--packages", str(tmp_path / "packages")])
    assert published.exit_code == 0, published.output
    import sqlite3
    with sqlite3.connect(db) as connection:
        row = connection.execute("select latitude_column, longitude_column from catalog_tables "
                                 "where dataset_id = 'ville-de-sampleville/bornes'").fetchone()
    assert row == ("Y_WGS84", "X_WGS84")


def test_public_contact_columns_are_a_decision_left_or_given(tmp_path, shared_data):
    root = hub_copy(tmp_path)
    example = shared_data / "schemas/irve/statique/exemple-valide-statique.csv"
    result = describe(example, "--publisher", "departement-de-sample", "--dataset", "irve", "--root", root)
    assert "public contacts? to decide" in result.output
    fields = {f["name"]: f for f in json.loads((root / "datasets/departement-de-sample/irve/datapackage.json")
                                               .read_text(encoding="utf-8"))["resources"][0]["schema"]["fields"]}
    assert fields["contact_operateur"]["catalog"]["public"].startswith("TODO:")
    result = describe(example, "--publisher", "departement-de-sample", "--dataset", "irve", "--root", root, "--force",
                      "--public", "contact_operateur", "--public", "contact_amenageur",
                      "--public", "telephone_operateur")
    assert result.exit_code == 0, result.output
    fields = {f["name"]: f for f in json.loads((root / "datasets/departement-de-sample/irve/datapackage.json")
                                               .read_text(encoding="utf-8"))["resources"][0]["schema"]["fields"]}
    assert fields["contact_operateur"]["catalog"] == {"public": True}
    result = describe(example, "--publisher", "departement-de-sample", "--dataset", "irve", "--root", root, "--force",
                      "--schema", "etalab/schema-irve-statique@2.3.1", "--public", "contact_operateur")
    resource = json.loads((root / "datasets/departement-de-sample/irve/datapackage.json")
                          .read_text(encoding="utf-8"))["resources"][0]
    assert resource["schema"] == "etalab/schema-irve-statique@2.3.1"
    assert resource["catalog"]["public"] == ["contact_operateur"]
    wrong = describe(example, "--publisher", "departement-de-sample", "--dataset", "irve2", "--root", root,
                     "--public", "nope")
    assert wrong.exit_code == 2 and "no such column" in wrong.output


def test_a_row_that_cannot_be_split_ends_the_sample_and_validate_says_where(tmp_path):
    root = hub_copy(tmp_path)
    raw = tmp_path / "export.csv"
    raw.write_text("a;b\n" + "".join(f"{i};x{i}\n" for i in range(10)) + '11;"never closed' + "y" * 200_000 + "\n",
                   encoding="utf-8")
    result = describe(raw, "--publisher", "ville-de-sampleville", "--root", root)
    assert result.exit_code == 0, result.output
    # The csv module's field limit is process-wide (a reader may have raised it): either the row
    # ends the sample, or its one long cell is in it; the descriptor is written either way.
    assert "the first 10" in result.output or "11 rows" in result.output
    codes = {f.code for t in validate([str(root / "datasets/ville-de-sampleville/export")], root).targets
             for f in t.findings}
    assert "unclosed-quote" in codes


@pytest.mark.parametrize("name,cells,expected", [
    # Amounts and rates exported with their unit: numbers, the unit allowed around them.
    ("Montant", ["9 943 864,69 €", "1 250,00 €", "12,50 €"],
     {"type": "number", "groupChar": " ", "decimalChar": ",", "bareNumber": False}),
    ("Taux", ["47,9 %", "5 %", "100 %"], {"type": "number", "decimalChar": ",", "bareNumber": False}),
    ("Budget", ["1200 EUR", "35 EUR"], {"type": "integer", "bareNumber": False}),
    # Commune codes: their shape, never this year's list (2A004 is not a number, 01004 keeps its zero).
    ("Code INSEE", ["2A004", "01004", "97411"] * 4, {"type": "string", "constraints": {"pattern": "([0-9]{2}|2[AB])[0-9]{3}"}}),
    ("code_commune", ["35238", "01004"] * 4, {"type": "string", "constraints": {"pattern": "([0-9]{2}|2[AB])[0-9]{3}"}}),
    ("population_commune", ["17194", "35238"] * 4, {"type": "integer"}),
    ("Code fonction", ["A1", "B2", "C3"] * 4, {"type": "string"}),
    # Mixed units or a unit in some cells only: text, not a guess.
    ("Montant", ["12 €", "13 %"], {"type": "string"}),
])
def test_french_amounts_rates_and_codes_are_read_as_what_they_are(name, cells, expected):
    from catalog.describe.infer import Column, infer_column

    field = infer_column(Column.of(name, cells)).field
    assert {k: v for k, v in field.items() if k != "name"} == expected
