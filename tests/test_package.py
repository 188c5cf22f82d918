"""`catalog package`: resolved descriptors, normalised data, reproducible bytes."""
import csv
import json
import subprocess
import sys
import zipfile

from click.testing import CliRunner

from catalog.cli import main
from catalog.hashing import file_sha256
from catalog.package import package
from tests.hub import make_hub

BUDGET = ("id;libellé;montant;date\r\n"
          "1;Écoles – fournitures;12 345,67;31/03/2025\r\n"
          "2;Œuvres sociales;-1 000,5;01/12/2024\r\n").encode("cp1252")
BUDGET_SCHEMA = {"fields": [
    {"name": "id", "type": "integer", "description": "Ligne"},
    {"name": "libellé", "type": "string", "description": "Libellé"},
    {"name": "montant", "type": "number", "decimalChar": ",", "groupChar": " ", "description": "Montant"},
    {"name": "date", "type": "date", "format": "%d/%m/%Y", "description": "Date de vote"},
]}


def budget_hub(tmp_path):
    return make_hub(tmp_path, schema=BUDGET_SCHEMA, data=BUDGET,
                    resource={"encoding": "cp1252", "dialect": {"delimiter": ";"}})


def test_french_budget_is_normalised(tmp_path):
    budget_hub(tmp_path)
    run = package(root=tmp_path, out=tmp_path / "out")
    assert not run.refused
    folder = run.packaged[0].folder
    with open(folder / "data" / "equipements.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["id", "libellé", "montant", "date"],
                    ["1", "Écoles – fournitures", "12345.67", "2025-03-31"],
                    ["2", "Œuvres sociales", "-1000.5", "2024-12-01"]]
    assert (folder / "original" / "data.csv").read_bytes() == BUDGET


def test_descriptor_is_resolved(tmp_path):
    make_hub(tmp_path)
    folder = package(root=tmp_path, out=tmp_path / "out").packaged[0].folder
    descriptor = json.loads((folder / "datapackage.json").read_text())
    assert descriptor["id"] == "testville/equipements"
    assert descriptor["licenses"][0]["path"].startswith("https://www.etalab.gouv.fr")
    assert descriptor["contributors"][0] == {"title": "Ville de Testville", "role": "publisher",
                                             "path": "https://www.testville.example.fr",
                                             "email": "opendata@testville.example.fr"}
    resource = descriptor["resources"][0]
    data = folder / resource["path"]
    assert resource["hash"] == f"sha256:{file_sha256(data)}"
    assert resource["bytes"] == data.stat().st_size
    assert resource["schema"]["fields"][0]["name"] == "id"  # inlined
    assert descriptor["catalog"]["quality"] == 100


def test_output_passes_frictionless_validate(tmp_path):
    budget_hub(tmp_path)
    folder = package(root=tmp_path, out=tmp_path / "out").packaged[0].folder
    result = subprocess.run([sys.executable, "-m", "frictionless", "validate", "datapackage.json"],
                            cwd=folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_packaging_twice_is_byte_identical(tmp_path):
    budget_hub(tmp_path)
    first = package(root=tmp_path, out=tmp_path / "a", zip=True).packaged[0]
    second = package(root=tmp_path, out=tmp_path / "b", zip=True).packaged[0]
    files = sorted(p.relative_to(first.folder) for p in first.folder.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second.folder) for p in second.folder.rglob("*") if p.is_file())
    for name in files:
        assert (first.folder / name).read_bytes() == (second.folder / name).read_bytes(), name
    assert first.zip_path.read_bytes() == second.zip_path.read_bytes()
    assert "datapackage.json" in zipfile.ZipFile(first.zip_path).namelist()


def test_unchanged_input_is_not_rewritten_and_changed_input_is(tmp_path):
    folder = make_hub(tmp_path)
    assert package(root=tmp_path, out=tmp_path / "out").packaged[0].changed
    assert not package(root=tmp_path, out=tmp_path / "out").packaged[0].changed
    (folder / "data.csv").write_text((folder / "data.csv").read_text() + "4,Piscine,46.63,2.43\n")
    again = package(root=tmp_path, out=tmp_path / "out").packaged[0]
    assert again.changed
    assert "Piscine" in (again.folder / "data" / "equipements.csv").read_text()


def test_invalid_dataset_is_not_packaged(tmp_path):
    make_hub(tmp_path, rows=[[1, "A", "north", 2.4]])
    result = CliRunner().invoke(main, ["package", "--root", str(tmp_path), "--out", str(tmp_path / "out"),
                                       str(tmp_path / "datasets" / "testville" / "equipements")])
    assert result.exit_code == 1
    assert "was not packaged" in result.output and "catalog validate" in result.output
    assert not (tmp_path / "out" / "testville" / "equipements").exists()


def test_unreadable_descriptor_exits_2_and_invalid_data_exits_1(tmp_path):
    """Exit codes as documented: 2 for a dataset that cannot be read, 1 for invalid data."""
    folder = make_hub(tmp_path)
    (folder / "datapackage.json").write_text('{"name": "equipements", ', encoding="utf-8")
    result = CliRunner().invoke(main, ["package", "--root", str(tmp_path), "--packages", str(tmp_path / "out"), str(folder)])
    assert result.exit_code == 2, result.output
    assert "was not packaged" in result.output and "Traceback" not in result.output
    make_hub(tmp_path, rows=[[1, "A", 46.6, 2.4], [2, "B", "not a number", 2.4]])
    result = CliRunner().invoke(main, ["package", "--root", str(tmp_path), "--packages", str(tmp_path / "out"), str(folder)])
    assert result.exit_code == 1, result.output
    assert not (tmp_path / "out" / "testville" / "equipements").exists()
