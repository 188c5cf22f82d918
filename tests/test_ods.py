"""OpenDocument spreadsheets (.ods), LibreOffice Calc's own format and the one France's
interoperability framework (RGI) recommends to public bodies: read as the text their cells
show, like an Excel workbook, by validate, describe, package and the hub.

The workbooks are written here as LibreOffice writes them (typed cells with their office:value,
repeated empty columns, a merged header cell), not by the library that reads them."""
from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from click.testing import CliRunner

from catalog.cli import main
from tests.conftest import ROOT

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def cell(value) -> str:
    """One table:table-cell as LibreOffice stores it: the value typed, the text shown."""
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, tuple):  # (kind, stored value, shown text)
        kind, stored, shown = value
        if kind == "string":  # text typed in a cell: no stored value beside it
            return f'<table:table-cell office:value-type="string"><text:p>{escape(shown)}</text:p></table:table-cell>'
        attribute = {"date": "office:date-value", "boolean": "office:boolean-value"}.get(kind, "office:value")
        extra = ' office:currency="EUR"' if kind == "currency" else ""
        return (f'<table:table-cell office:value-type="{kind}"{extra} {attribute}="{stored}">'
                f"<text:p>{escape(shown)}</text:p></table:table-cell>")
    if isinstance(value, (int, float)):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'


def write_ods(path: Path, sheets: dict, merged_header: bool = False) -> Path:
    tables = []
    for name, rows in sheets.items():
        body = []
        for number, row in enumerate(rows):
            cells = "".join(cell(v) for v in row)
            if merged_header and number == 0:  # the first label spans two columns, as a merged cell
                cells = cells.replace("<table:table-cell ", '<table:table-cell table:number-columns-spanned="2" '
                                      'table:number-rows-spanned="1" ', 1)
                first_end = cells.index("</table:table-cell>") + len("</table:table-cell>")
                second_end = cells.index("</table:table-cell>", first_end) + len("</table:table-cell>")
                cells = cells[:first_end] + "<table:covered-table-cell/>" + cells[second_end:]
            # LibreOffice ends each row with the empty columns up to the sheet's edge.
            body.append(f'<table:table-row>{cells}<table:table-cell table:number-columns-repeated="1020"/>'
                        "</table:table-row>")
        tables.append(f'<table:table table:name="{escape(name)}">{"".join(body)}</table:table>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS} office:version="1.3">'
               f'<office:body><office:spreadsheet>{"".join(tables)}</office:spreadsheet></office:body>'
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


HEADER = ["SIRET", "Bénéficiaire", "Montant", "Taux", "Date de vote", "Reconduite", "Code postal"]
ROWS = [
    [("string", "", "21350238800019"), "Association Vélo", ("currency", "1250.5", "1 250,50 €"),
     ("percentage", "0.125", "12,50 %"), ("date", "2024-03-05", "05/03/2024"), ("boolean", "true", "VRAI"),
     "01000"],
    [("string", "", "21350238800027"), "Club de Judo", ("currency", "30000", "30 000,00 €"),
     ("percentage", "1", "100,00 %"), ("date", "2024-11-28", "28/11/2024"), ("boolean", "false", "FAUX"),
     "35000"],
]
# The text each cell shows, as catalog.sheets writes any spreadsheet's (numbers as values, ISO dates).
SHOWN = [["21350238800019", "Association Vélo", "1250.5", "0.125", "2024-03-05", "TRUE", "01000"],
         ["21350238800027", "Club de Judo", "30000", "1", "2024-11-28", "FALSE", "35000"]]


def test_every_cell_is_read_as_the_text_it_shows(tmp_path):
    from catalog.sheets import write_sheet

    book = write_ods(tmp_path / "subventions.ods", {"Subventions": [HEADER] + ROWS})
    seen = write_sheet(book, "ods", None, tmp_path / "sheet.csv")
    with open(tmp_path / "sheet.csv", encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [HEADER] + SHOWN
    assert (seen.name, seen.rows, seen.merged_header) == ("Subventions", 3, [])


def test_a_bare_ods_file_validates_like_a_workbook(tmp_path):
    book = write_ods(tmp_path / "subventions.ods", {"Subventions": [HEADER] + ROWS})
    result = CliRunner().invoke(main, ["validate", str(book), "--json"])
    assert result.exit_code == 0, result.output
    # A Table Schema with the national SIRET rule: the text shown is what is checked.
    schema = {"fields": [{"name": "SIRET", "type": "string", "constraints": {"pattern": "[0-9]{14}"}},
                         {"name": "Bénéficiaire", "type": "string"}, {"name": "Montant", "type": "number"},
                         {"name": "Taux", "type": "number"}, {"name": "Date de vote", "type": "date"},
                         {"name": "Reconduite", "type": "boolean"}, {"name": "Code postal", "type": "integer"}]}
    (tmp_path / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
    typed = CliRunner().invoke(main, ["validate", str(book), "--schema", str(tmp_path / "schema.json")])
    assert typed.exit_code == 0, typed.output
    short = write_ods(tmp_path / "court.ods", {"Subventions": [HEADER, [("string", "", "213502388")] + ROWS[0][1:]]})
    wrong = CliRunner().invoke(main, ["validate", str(short), "--schema", str(tmp_path / "schema.json")])
    assert wrong.exit_code == 1 and 'court.ods [sheet "Subventions"]' in wrong.output and "213502388" in wrong.output


def test_personal_data_on_another_sheet_and_a_merged_header_are_found(tmp_path):
    book = write_ods(tmp_path / "rh.ods", {"Synthèse": [HEADER] + ROWS,
                                           "Agents": [["Nom", "Téléphone"], ["Jean Dupont", "06 12 34 56 78"],
                                                      ["Marie Martin", "06 98 76 54 32"]]})
    result = CliRunner().invoke(main, ["validate", str(book)])
    assert result.exit_code == 1 and 'rh.ods [sheet "Agents"]' in result.output and "personal-data" in result.output
    merged = write_ods(tmp_path / "fusion.ods", {"S": [HEADER] + ROWS}, merged_header=True)
    assert "merged-header" in CliRunner().invoke(main, ["validate", str(merged)]).output


def test_an_ods_export_becomes_a_dataset_published_with_every_cell(tmp_path):
    root = tmp_path / "hub"
    (root / "publishers").mkdir(parents=True)
    (root / "publishers" / "departement-de-sample.yml").write_text(
        (ROOT / "publishers" / "departement-de-sample.yml").read_text(encoding="utf-8"), encoding="utf-8")
    book = write_ods(tmp_path / "subventions.ods", {"Subventions": [["Subventions 2024"], [], HEADER] + ROWS * 10})
    runner = CliRunner()
    described = runner.invoke(main, ["describe", str(book), "--root", str(root), "--publisher", "departement-de-sample",
                                     "--theme", "budget", "--frequency", "annual", "--description",
                                     "Subventions versées par le département en 2024 : bénéficiaire, SIRET, montant, "
                                     "taux, date du vote, reconduction et code postal du siège."])
    assert described.exit_code == 0, described.output
    folder = root / "datasets" / "departement-de-sample" / "subventions"
    resource = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]
    assert resource["format"] == "ods" and resource["dialect"]["headerRows"] == [3]
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["Code postal"]["type"] == "string" and fields["Montant"]["type"] == "number"
    out = tmp_path / "packages"
    packaged = runner.invoke(main, ["package", str(folder), "--root", str(root), "--out", str(out)])
    assert packaged.exit_code == 0, packaged.output
    data = next(p for p in out.rglob("*.csv") if p.parent.name == "data")
    with open(data, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == HEADER and len(rows) == 21
    assert rows[1][0] == "21350238800019" and rows[1][6] == "01000" and float(rows[1][2]) == 1250.5


def test_a_file_renamed_ods_is_said_to_be_no_workbook(tmp_path):
    fake = tmp_path / "export.ods"
    fake.write_text("nom;montant\nAssociation;12\n", encoding="utf-8")
    validated = CliRunner().invoke(main, ["validate", str(fake)])
    assert validated.exit_code == 1 and "not a readable OpenDocument spreadsheet" in validated.output
    described = CliRunner().invoke(main, ["describe", str(fake), "--root", str(tmp_path), "--publisher", "p"])
    assert described.exit_code == 2 and "not a readable workbook" in described.output, described.output
    assert "Traceback" not in described.output + validated.output
