"""`catalog validate` end to end through the CLI: messages, exit codes, JSON, safety."""
import json
import zipfile

import pytest
from click.testing import CliRunner

from catalog.cli import main
from catalog.validate import validate
from tests.hub import make_hub


def run(*args):
    result = CliRunner().invoke(main, ["validate", *map(str, args)])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def codes(result):
    report = json.loads(result.output)
    return [f["code"] for t in report["targets"] for f in t["findings"] if f["severity"] == "error"]


def test_version_and_help():
    runner = CliRunner()
    assert runner.invoke(main, ["--version"]).output.startswith("catalog, version")
    assert "validate" in runner.invoke(main, ["--help"]).output


def test_valid_dataset_passes_with_full_quality(tmp_path):
    folder = make_hub(tmp_path)
    result = run(folder)
    assert result.exit_code == 0, result.output
    assert "quality 100/100" in result.output


def test_json_report_matches_library(tmp_path):
    folder = make_hub(tmp_path, rows=[[1, "A", 46.6, 2.4], [1, "B", "x", 2.4]])
    result = run(folder, "--json")
    assert result.exit_code == 1
    cli = json.loads(result.output)
    library = validate([str(folder)], tmp_path).to_dict()
    assert cli == json.loads(json.dumps(library))
    assert cli["version"] == 1 and cli["exit_code"] == 1
    finding = next(f for f in cli["targets"][0]["findings"] if f["code"] == "type-error")
    assert finding == {**finding, "file": "data.csv", "row": 3, "column": "latitude", "value": "x"}
    assert "primary-key" in codes(result)
    lines = result.output.splitlines()  # one finding a line, for people reading or diffing it
    for finding in cli["targets"][0]["findings"]:
        assert json.dumps(finding, ensure_ascii=False) in [line.strip().rstrip(",") for line in lines]


def test_no_path_validates_every_dataset_and_profile(tmp_path, monkeypatch):
    make_hub(tmp_path)
    monkeypatch.chdir(tmp_path)
    report = json.loads(run("--json").output)
    assert sorted(t["kind"] for t in report["targets"]) == ["dataset", "publisher"]


def test_profile_errors_name_file_and_key(tmp_path):
    make_hub(tmp_path)
    profile = tmp_path / "publishers" / "testville.yml"
    profile.write_text(profile.read_text().replace("title: Ville de Testville\n", "").replace('"213700008"', '"213700001"'))
    result = run(profile)
    assert result.exit_code == 1
    assert "publishers/testville.yml" in result.output
    assert "`title` is missing" in result.output
    assert "not a valid SIREN" in result.output


def test_dataset_needs_existing_publisher(tmp_path):
    folder = make_hub(tmp_path)
    (tmp_path / "publishers" / "testville.yml").unlink()
    result = run(folder, "--json")
    assert "unknown-publisher" in codes(result)


def test_cp1252_declared_as_utf8_says_what_the_file_is(tmp_path):
    data = "id;nom;latitude;longitude\n1;Salle des fêtes – œuvre;46,6;2,4\n".encode("cp1252")
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "nom", "type": "string"},
                         {"name": "latitude", "type": "number"}, {"name": "longitude", "type": "number"}]}
    folder = make_hub(tmp_path, schema=schema, data=data)
    result = run(folder)
    assert result.exit_code == 1
    assert "Windows-1252 (cp1252)" in result.output
    assert '"encoding": "cp1252"' in result.output
    assert '"dialect": {"delimiter": ";"}' in result.output
    assert '"decimalChar": ","' in result.output  # the decimal comma gets its own fix


def test_french_csv_declared_correctly_is_valid(tmp_path):
    data = "id;nom;montant;date\r\n1;Écoles – fournitures;12 345,67;31/03/2025\r\n".encode("cp1252")
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "nom", "type": "string"},
                         {"name": "montant", "type": "number", "decimalChar": ",", "groupChar": " "},
                         {"name": "date", "type": "date", "format": "%d/%m/%Y"}]}
    folder = make_hub(tmp_path, schema=schema, data=data,
                      resource={"encoding": "cp1252", "dialect": {"delimiter": ";"}})
    result = run(folder)
    assert result.exit_code == 0, result.output


def test_resource_path_outside_dataset_is_refused_and_not_read(tmp_path):
    folder = make_hub(tmp_path, resource={"path": "../../../../etc/passwd"})
    result = run(folder, "--json")
    assert result.exit_code == 1
    assert "unsafe-path" in codes(result)
    assert "root:" not in result.output


def test_missing_path_is_unusable():
    result = run("does/not/exist.csv")
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_broken_descriptor_json_says_line(tmp_path):
    folder = make_hub(tmp_path)
    (folder / "datapackage.json").write_text('{"name": "x",\n "resources": [}\n')
    result = run(folder)
    assert result.exit_code == 2
    assert "line 2" in result.output


def test_unreadable_zip_is_unusable(tmp_path):
    bad = tmp_path / "feed.zip"
    bad.write_bytes(b"not a zip at all")
    result = run(bad)
    assert result.exit_code == 2
    assert "not a readable zip" in result.output


def test_zip_bomb_is_refused(tmp_path, monkeypatch):
    import catalog.safety
    monkeypatch.setattr(catalog.safety, "MAX_UNPACKED_BYTES", 1024 * 1024)
    bomb = tmp_path / "feed.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("stops.txt", "0" * (5 * 1024 * 1024))
    result = run(bomb)
    assert result.exit_code == 2
    assert "refused as unsafe" in result.output


def test_metadata_quality_lists_unmet_criteria(tmp_path):
    folder = make_hub(tmp_path, descriptor={"description": "Trop court.", "licenses": [], "catalog": {}})
    result = run(folder, "--json")
    target = json.loads(result.output)["targets"][0]
    unmet = {c["name"] for c in target["quality"]["criteria"] if not c["met"]}
    assert unmet == {"licence", "description", "update frequency", "spatial coverage", "temporal coverage"}
    assert target["quality"]["score"] < 50
    human = run(folder).output
    assert "description: Write a description of at least 100 characters" in human


@pytest.mark.parametrize("name,expected", [
    ("stationnement/exemple-invalide.csv", {"constraint-error"}),
    ("lieux-covoiturage/exemple-invalide.csv", {"type-error"}),
    ("subventions-scdl/exemple_invalide_erreurs_cellules.csv", {"constraint-error", "type-error"}),
    ("subventions-scdl/exemple_invalide_erreurs_colonnes.csv", {"incorrect-label", "missing-label"}),
])
def test_real_invalid_examples_fail_for_their_reason(shared_data, name, expected):
    path = shared_data / "schemas" / name
    result = run(path, "--schema", path.parent / "schema.json", "--json")
    assert result.exit_code == 1
    assert expected <= set(codes(result))


@pytest.mark.parametrize("name", [
    "stationnement/exemple-valide.csv",
    "lieux-covoiturage/exemple-valide.csv",
    "lieux-covoiturage/exemple-valide.xls",
    "subventions-scdl/exemple_valide.csv",
    "irve/statique/exemple-valide-statique.csv",
])
def test_real_valid_examples_pass(shared_data, name):
    path = shared_data / "schemas" / name
    schema = next(p for p in [path.parent / "schema.json", path.parent / "schema-statique.json"] if p.exists())
    result = run(path, "--schema", schema)
    assert result.exit_code == 0, result.output


def test_real_irve_datapackage_passes(shared_data):
    result = run(shared_data / "schemas" / "irve" / "datapackage.json")
    assert result.exit_code == 0, result.output


def test_schema_with_top_level_required_is_reported(shared_data):
    path = shared_data / "schemas" / "comptage-mobilites"
    result = run(path / "exemple-valide.csv", "--schema", path / "schema.json", "--json")
    assert result.exit_code == 1
    assert "field-error" in codes(result)


@pytest.mark.parametrize("name,encoding", [
    ("covoiturage-corse-latin1-semicolon.csv", "ISO-8859-1"),
    ("plf-2017-nomenclature-mission-programme-action.cp1252.csv", "cp1252"),
])
def test_real_french_csvs_are_read_with_their_encoding(shared_data, name, encoding):
    result = run(shared_data / "csv" / name)
    assert result.exit_code == 0, result.output
    assert encoding in result.output


# ---------------------------------------------------------------- broken input: one clear message, never a traceback

@pytest.mark.parametrize("name,content,exit_code,expected", [
    ("feed.zip", lambda d: (d / "gtfs" / "google-sample-feed-1.zip").read_bytes()[:3000], 2, "not a readable zip"),
    ("empty.zip", b"", 2, "not a readable zip"),
    ("garbage.csv", bytes(range(256)) * 64, 2, "not a text file"),
    ("empty.csv", b"", 1, "the file is empty"),
    ("empty.geojson", b"", 1, "the file is empty"),
    ("cut.geojson", lambda d: (d / "geo" / "communes-corse.geojson").read_bytes()[:5000], 1, "not valid JSON"),
    ("cut.xls", lambda d: (d / "schemas" / "lieux-covoiturage" / "exemple-valide.xls").read_bytes()[:2000], 1,
     "not a readable Excel workbook"),
    ("garbage.xlsx", b"PK\x03\x04 not really a workbook", 1, "not a readable Excel workbook"),
    ("notes.pdf", b"%PDF-1.4", 1, "does not know how to read"),
])
def test_broken_files_give_one_clear_message(shared_data, tmp_path, name, content, exit_code, expected):
    path = tmp_path / name
    path.write_bytes(content(shared_data) if callable(content) else content)
    result = run(path)
    assert result.exit_code == exit_code, result.output
    assert expected in result.output
    json_result = run(path, "--json")
    assert json.loads(json_result.stdout)["exit_code"] == exit_code  # nothing but the report on stdout


def test_utf16_csv_is_read(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("id\tlibellé\r\n1\t=1+1\r\n".encode("utf-16"))
    result = run(path)
    assert result.exit_code == 1, result.output
    assert "UTF-16" in result.output and "formula-injection" in result.output


@pytest.mark.parametrize("change,code", [
    ({"resources": "x"}, "descriptor-error"),
    ({"resources": [{"name": "a", "path": "data.csv", "schema": 12}]}, "resource-error"),
    ({"resources": [{"name": "a", "path": "data.csv", "schema": {"fields": "x"}}]}, "schema-error"),
    ({"resources": [{"name": "a", "path": "data.csv", "dialect": "x"}]}, "dialect-error"),
    ({"resources": [{"name": "a", "path": "data.csv", "schema": "missing.json"}]}, "unusable-input"),
    ({"resources": [{"name": "a", "path": 5}]}, "unsafe-path"),
])
def test_odd_descriptors_are_reported_not_crashed_on(tmp_path, change, code):
    folder = make_hub(tmp_path, descriptor=change)
    result = run(folder, "--json")
    assert result.exit_code in (1, 2)
    assert code in codes(result)


# ---------------------------------------------------------------- progress

def test_progress_bar_on_a_terminal_only(shared_data):
    """The bar is drawn on stderr when it is a terminal; stdout keeps only the report."""
    import os
    import pty
    import select
    import subprocess
    import sys

    args = [sys.executable, "-m", "catalog.cli", "validate", "--json",
            str(shared_data / "gtfs" / "google-sample-feed-1.zip"), str(shared_data / "geo" / "communes-corse.geojson")]
    master, slave = pty.openpty()
    # A person's terminal: CI may export TERM=dumb, on which rich rightly draws nothing.
    terminal = {**os.environ, "TERM": "xterm-256color"}
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, env=terminal)
    os.close(slave)
    out = process.stdout.read()
    process.wait(timeout=120)
    drawn = b""
    while select.select([master], [], [], 0.5)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    assert process.returncode == 0
    assert json.loads(out)["valid"] is True
    assert b"communes-corse" in drawn and b"1/2" in drawn
    piped = subprocess.run(args, capture_output=True, env=terminal)
    assert piped.returncode == 0 and piped.stderr == b""


def test_cell_check_rows_match_frictionless_rows_after_ragged_blank_and_multiline_records(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text('id,nom,note\n1,a,ok\n2,b,c,extra\n\n3,"sur\ndeux lignes",ok\n4,d,=1+1\n', encoding="utf-8")
    report = json.loads(run(path, "--json").output)
    rows = {f["code"]: f["row"] for t in report["targets"] for f in t["findings"]}
    assert rows == {"extra-cell": 3, "blank-row": 4, "formula-injection": 6}


@pytest.mark.parametrize("schema,exit_code,expected", [
    ("[1, 2]", 2, "not a Table Schema"),
    ("{bad", 2, "invalid JSON"),
    ('{"fields": "x"}', 1, "is not of type 'array'"),
])
def test_bad_schema_option(tmp_path, schema, exit_code, expected):
    (tmp_path / "data.csv").write_text("id\n1\n", encoding="utf-8")
    (tmp_path / "schema.json").write_text(schema, encoding="utf-8")
    result = run(tmp_path / "data.csv", "--schema", tmp_path / "schema.json")
    assert result.exit_code == exit_code and expected in result.output


@pytest.mark.parametrize("seed", range(6))
def test_damaged_real_files_never_crash(shared_data, tmp_path, seed):
    """Real files truncated, with bytes flipped or inserted: always a report, never an exception."""
    import random

    rng = random.Random(seed)
    sources = [shared_data / "csv" / "covoiturage-corse-latin1-semicolon.csv",
               shared_data / "geo" / "regions-version-simplifiee.geojson",
               shared_data / "gtfs" / "google-sample-feed-1.zip",
               shared_data / "schemas" / "lieux-covoiturage" / "exemple-valide.xls"]
    paths = []
    for index, source in enumerate(sources * 3):
        data = bytearray(source.read_bytes())
        how = index // len(sources)
        if how == 0:
            data = data[:rng.randrange(len(data))]
        elif how == 1:
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            at = rng.randrange(len(data))
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 50)))
        path = tmp_path / f"damaged{index}{source.suffix}"
        path.write_bytes(bytes(data))
        paths.append(str(path))
    report = validate(paths, tmp_path)
    assert len(report.targets) == len(paths)
    assert report.exit_code in (0, 1, 2)


SCHEMA_MISTAKES = {
    "a pattern that is no regular expression": (
        {"name": "code", "type": "string", "constraints": {"pattern": "[0-9"}}, "A1", "field-error", "pattern"),
    "a boolean bound on an integer": (
        {"name": "code", "type": "integer", "constraints": {"minimum": True}}, "7", "field-error", "minimum"),
    "a decimal comma bound without decimalChar": (
        {"name": "code", "type": "number", "constraints": {"maximum": "2,5"}}, "1.5", "field-error", "maximum"),
    "a bound without time zone for cells with one": (
        {"name": "code", "type": "datetime", "constraints": {"minimum": "2020-01-01T00:00:00"}},
        "2021-05-01T10:00:00Z", "schema-error", "time zone"),
}


@pytest.mark.parametrize("name", sorted(SCHEMA_MISTAKES))
@pytest.mark.parametrize("rows", [3, 250_000])  # Frictionless' own row loop, and the vectorised checks
def test_constraints_frictionless_cannot_apply_are_one_finding_not_a_traceback(tmp_path, name, rows):
    """Frictionless raises (re.error, TypeError) on these schemas instead of reporting them."""
    field, cell, code, words = SCHEMA_MISTAKES[name]
    (tmp_path / "t.csv").write_text("code,nom\n" + f"{cell},x\n" * rows, encoding="utf-8")
    (tmp_path / "schema.json").write_text(json.dumps({"fields": [field, {"name": "nom", "type": "string"}]}))
    result = run(tmp_path / "t.csv", "--schema", tmp_path / "schema.json", "--json")
    assert result.exit_code == 1, result.output
    found = [f for t in json.loads(result.output)["targets"] for f in t["findings"] if f["severity"] == "error"]
    assert [f["code"] for f in found] == [code], found
    assert words in found[0]["message"] + found[0]["fix"] and found[0]["file"].endswith("schema.json")

    folder = make_hub(tmp_path / "hub", schema={"fields": [field, {"name": "nom", "type": "string"}]},
                      data="code,nom\n" + f"{cell},x\n" * rows)
    result = run(folder, "--json")
    assert result.exit_code == 1, result.output
    assert code in codes(result)
