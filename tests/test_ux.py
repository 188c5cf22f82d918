"""What agency staff read: every error says what, where and how to fix, with the right exit code."""
import json

import click
import pytest
from click.testing import CliRunner

from catalog.cli import main
from tests.hub import PROFILE, make_hub


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def findings(result):
    return [f for t in json.loads(result.output)["targets"] for f in t["findings"]]


def test_package_without_datasets_folder_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("package")
    assert result.exit_code == 2, result.output
    assert "no dataset" in result.output and "datasets/" in result.output
    assert not (tmp_path / "build").exists()


def test_validate_in_a_folder_without_hub_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("validate")
    assert result.exit_code == 2, result.output
    assert "nothing to validate" in result.output and "unusable input" in result.output
    assert [f["code"] for f in findings(invoke("validate", "--json"))] == ["unusable-input"]


def test_profile_findings_name_the_key_not_a_column(tmp_path):
    make_hub(tmp_path)
    profile = tmp_path / "publishers" / "testville.yml"
    profile.write_text(PROFILE.replace("kind: town", "kind: city"), encoding="utf-8")
    result = invoke("validate", profile)
    assert result.exit_code == 1
    assert 'key "kind"' in result.output and 'column "kind"' not in result.output
    as_json = invoke("validate", profile, "--json")
    assert [f["column"] for f in findings(as_json)] == ["kind"]  # JSON keys are never renamed


def test_dataset_folder_without_descriptor_is_reported(tmp_path, monkeypatch):
    make_hub(tmp_path)
    orphan = tmp_path / "datasets" / "testville" / "parkings"
    orphan.mkdir()
    (orphan / "parkings.csv").write_text("id,nom\n1,Gare\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = invoke("validate", "--json")
    assert result.exit_code == 2, result.output
    missing = [f for f in findings(result) if f["code"] == "missing-descriptor"]
    assert len(missing) == 1 and missing[0]["severity"] == "error"
    assert "datapackage.json" in missing[0]["message"] and "parkings.csv" in missing[0]["message"]
    assert "datapackage.json" in missing[0]["fix"]
    human = invoke("validate")
    assert "testville/parkings" in human.output and "unusable input" in human.output
    for named in ("datasets", "datasets/testville", "datasets/testville/parkings"):
        result = invoke("validate", named, "--json")
        assert result.exit_code == 2 and "missing-descriptor" in [f["code"] for f in findings(result)], named
    monkeypatch.chdir(orphan)
    assert "testville/parkings" in invoke("validate", ".").output


def test_damaged_excel_file_says_so_plainly(tmp_path):
    workbook = tmp_path / "budget.xlsx"
    workbook.write_bytes(b"this is not a workbook\n" * 10)
    result = invoke("validate", workbook, "--json")
    assert result.exit_code in (1, 2), result.output
    found = findings(result)
    assert len(found) == 1, found
    assert "not a readable Excel workbook" in found[0]["message"]
    assert "engine" not in found[0]["message"]
    assert "LibreOffice" in found[0]["fix"] and "CSV" in found[0]["fix"]


def test_broken_geojson_message_is_plain(tmp_path):
    broken = tmp_path / "communes.geojson"
    broken.write_bytes(b'{"type": "Feature\x01Collection", "features": []}')
    result = invoke("validate", broken, "--json")
    message = findings(result)[0]["message"]
    assert "at at" not in message and "line 1, column 18" in message
    assert "control character" in message


@pytest.mark.parametrize("line, broken, where", [
    ("kind: town", 'kind: "town', "line 2, column 7"),  # never closed: reported where it starts
    ("title: Ville de Testville", 'title: "Ville de Testville', "line 1, column 8"),  # closed by a later line
])
def test_unterminated_yaml_quote_is_reported_where_it_starts(tmp_path, line, broken, where):
    make_hub(tmp_path)
    profile = tmp_path / "publishers" / "testville.yml"
    profile.write_text(PROFILE.replace(line, broken), encoding="utf-8")
    result = invoke("validate", profile)
    assert result.exit_code == 2
    assert where in result.output, result.output
    if line == "kind: town":
        assert "quote" in result.output


def test_summary_says_unusable_input_for_exit_2(tmp_path):
    result = invoke("validate", tmp_path / "nowhere.csv")
    assert result.exit_code == 2
    assert "unusable input" in result.output and "INVALID" not in result.output
    make_hub(tmp_path, rows=[[1, "A", "x", 2.4]])
    invalid = invoke("validate", tmp_path / "datasets" / "testville" / "equipements")
    assert invalid.exit_code == 1 and "INVALID" in invalid.output


def test_decimal_comma_fix_writes_a_plain_number(tmp_path):
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "montant", "type": "number"}]}
    make_hub(tmp_path, schema=schema, data='id,montant\n1,"-1 000,5"\n')
    result = invoke("validate", tmp_path / "datasets" / "testville" / "equipements", "--json")
    fix = next(f["fix"] for f in findings(result) if f["code"] == "type-error")
    assert "write -1000.5" in fix and "-1 000.5" not in fix


def test_encoding_message_when_nothing_is_declared(tmp_path):
    data = "id,nom,latitude,longitude\n1,Médiathèque,46.6,2.4\n".encode("cp1252")
    make_hub(tmp_path, data=data)
    result = invoke("validate", tmp_path / "datasets" / "testville" / "equipements", "--json")
    mismatch = next(f for f in findings(result) if f["code"] == "encoding-mismatch")
    assert "no encoding is declared, so UTF-8 is assumed" in mismatch["message"]
    assert "descriptor says" not in mismatch["message"]
    make_hub(tmp_path, data=data, resource={"encoding": "utf-8"})
    declared = invoke("validate", tmp_path / "datasets" / "testville" / "equipements", "--json")
    assert "the descriptor says" in next(f["message"] for f in findings(declared) if f["code"] == "encoding-mismatch")


def _groups(group, ctx):
    yield group, ctx
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _groups(command, click.Context(command, info_name=name, parent=ctx))


def test_help_lists_commands_untruncated_with_workflow_and_exit_codes():
    top = invoke("--help").output
    for line in ("validate", "package", "publish datasette", "serve", "publish ckan", "export dcat"):
        assert f"catalog {line}" in top, top
    for code in ("0 ", "1 ", "2 ", "3 "):
        assert f"  {code} " in top, top
    assert "partly done" in top and "unusable input" in top
    for group, ctx in _groups(main, click.Context(main, info_name="catalog")):
        path = ctx.command_path.split()[1:]
        output = invoke(*path, "--help").output
        listed = output.split("Commands:")[1]
        assert "..." not in listed, output
        for name in group.list_commands(ctx):
            assert group.get_command(ctx, name).get_short_help_str(limit=45) in listed


def test_unclosed_quote_in_a_csv_is_an_error_at_its_row(tmp_path):
    table = tmp_path / "equipements.csv"
    table.write_text('id,nom\n1,Gare\n2,"Mairie\n3,Gymnase\n4,Piscine\n', encoding="utf-8")
    result = invoke("validate", table, "--json")
    assert result.exit_code == 1, result.output
    found = [f for f in findings(result) if f["severity"] == "error"]
    assert [(f["code"], f["row"], f["column"], f["value"]) for f in found] == [("unclosed-quote", 3, "nom", '"Mairie')]
    assert "line 3" in found[0]["message"] and "closing quote" in found[0]["fix"]
    assert "Error tokenizing" not in result.output


def test_extra_cells_of_a_row_are_reported_once_with_their_values(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("id,nom\n1,a,b,c\n2,d\n", encoding="utf-8")
    result = invoke("validate", table)
    assert result.output.count("[extra-cell]") == 1, result.output
    assert "2 more cells" in result.output and "value: b, c" in result.output


def test_profile_not_in_utf8_names_the_line(tmp_path):
    make_hub(tmp_path)
    profile = tmp_path / "publishers" / "testville.yml"
    profile.write_bytes((PROFILE + "description: Mairie de Testville, Hôtel de ville\n").encode("cp1252"))
    result = invoke("validate", profile)
    assert result.exit_code == 2
    assert "line 7: not UTF-8" in result.output and "Save the file as UTF-8" in result.output
