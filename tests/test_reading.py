"""One reading per table: what comes in goes out, on real files (../shared/data) and crafted ones.

Each table is read once (catalog/reading.py): a spreadsheet's cells as the text a person sees,
a CSV with its declared dialect, a file without a schema as text. Validation, the cell checks,
the package and the hub all see that same text.
"""
import csv
import io
import json
import shutil
from pathlib import Path

import openpyxl

from catalog.package import package
from catalog.publish.datasette import publish_datasette
from catalog.sheets import cell_text
from catalog.validate import validate
from tests.hub import make_hub
from tests.servers import running_hub


def findings(report):
    return [f for t in report.targets for f in t.findings]


def sheet_cells(path: Path):
    """Every cell of the first sheet as text, read independently of catalog.sheets' row loop."""
    if path.suffix == ".xls":
        import xlrd
        book = xlrd.open_workbook(str(path))
        sheet = book.sheet_by_index(0)
        rows = [[_xls_text(book, c) for c in sheet.row(i)] for i in range(sheet.nrows)]
    else:
        book = openpyxl.load_workbook(path, data_only=True)
        rows = [[cell_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    return rows[0], rows[1:]


def _xls_text(book, cell):
    import datetime

    import xlrd
    if cell.ctype == xlrd.XL_CELL_DATE:
        return cell_text(datetime.datetime(*xlrd.xldate_as_tuple(cell.value, book.datemode)))
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    return cell_text(cell.value)


def workbook_hub(tmp_path, source: Path, schema: dict):
    france = {"theme": "facilities", "frequency": "annual", "temporal": {"start": "2018-01-01"},
              "spatial": {"label": "France", "insee": ["00001"], "bbox": [-5.5, 41.0, 10.0, 51.5]}}
    folder = make_hub(tmp_path, data="", schema=schema, filename=source.name,
                      resource={"format": source.suffix.lstrip(".")}, descriptor={"catalog": france})
    shutil.copyfile(source, folder / source.name)
    (folder / "data.csv").unlink(missing_ok=True)
    return folder


def string_schema(header):
    return {"fields": [{"name": name, "type": "string"} for name in header]}


def assert_every_cell_kept(tmp_path, source: Path, schema: dict, published=None):
    """Validate, package and publish a workbook; every non-empty cell's text reaches the package
    CSV and the hub's table (read back over HTTP from a real Datasette)."""
    header, rows = sheet_cells(source)
    folder = workbook_hub(tmp_path, source, schema)
    report = validate([str(folder)], tmp_path)
    assert report.valid, [f.to_dict() for f in findings(report) if f.severity == "error"][:5]
    out = tmp_path / "build" / "packages"
    run = package((), tmp_path, out)
    assert not run.refused, run.refused
    written = list(csv.reader(open(out / "testville/equipements/data/equipements.csv", encoding="utf-8", newline="")))
    assert written[0] == header
    expected = [[published(h, c) if published else c for h, c in zip(header, row)] + [""] * (len(header) - len(row))
                for row in rows]
    assert written[1:] == expected
    db = tmp_path / "build" / "hub.db"
    publish_datasette((), tmp_path, db, out)
    with running_hub(tmp_path, db, out) as hub:
        served = hub.get("/hub.json", params={"_shape": "array",
                                              "sql": "select * from equipements_equipements order by rowid"}).json()
    assert isinstance(served, list), served
    hub_cells = [["" if r[h] is None else str(r[h]) for h in header] for r in served]
    assert len(hub_cells) == len(expected)
    filled = sum(1 for row in expected for c in row if c)
    assert filled == sum(1 for row in hub_cells for c in row if c)
    return expected, hub_cells


def test_a_workbook_of_numbers_and_dates_in_string_fields_loses_no_cell(tmp_path, shared_data):
    """Mayenne's subsidies: SIRETs, amounts and dates stored as numbers and dates in the cells."""
    source = shared_data / "excel" / "mayenne-cd53-2018.xlsx"
    header, _ = sheet_cells(source)
    expected, hub_cells = assert_every_cell_kept(tmp_path, source, string_schema(header))
    assert hub_cells == expected  # every field is text: the hub shows the very text of each cell
    sirets = [row[header.index("idBeneficiaire")] for row in expected]
    assert "82772807200014" in sirets and "317626745" in sirets
    assert expected[0][header.index("dateConvention")] == "2017-06-27"
    assert "28732.32" in [row[header.index("montant")] for row in expected]


def test_an_xls_workbook_with_its_national_schema_loses_no_cell(tmp_path, shared_data):
    folder = shared_data / "schemas" / "lieux-covoiturage"
    schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
    types = {f["name"]: f["type"] for f in schema["fields"]}

    def published(name, text):  # the hub types numbers and booleans; the package writes them one way
        if types[name] == "boolean" and text:
            return "true" if text.lower() in ("true", "1") else "false"
        return text

    expected, hub_cells = assert_every_cell_kept(tmp_path, folder / "exemple-valide.xls", schema, published)
    assert expected[0][0] == "76217-C-001" and expected[0][4] == "76217"  # an INSEE code typed as a number


def test_the_nine_digit_siret_of_mayenne_is_reported(shared_data):
    schema = shared_data / "schemas" / "subventions-scdl" / "schema.json"
    report = validate([str(shared_data / "excel" / "mayenne-cd53-2018.xlsx")], schema=schema)
    bad = [(f.row, f.column, f.value) for f in findings(report) if f.column == "idBeneficiaire"]
    assert (161, "idBeneficiaire", "317626745") in bad
    # Cells typed as numbers in Excel are read as their text: the SIRETs of 14 digits pass.
    assert all(len(v) != 14 for _, _, v in bad)


def gtfs_hub(tmp_path, resources, files):
    """A hub whose one dataset is a GTFS feed (`catalog.profile: gtfs`) made of `resources`."""
    folder = make_hub(tmp_path, filename="x.csv", data="a\n", descriptor={"catalog": {
        "theme": "transport", "frequency": "annual", "profile": "gtfs", "temporal": {"start": "2013-01-01"},
        "spatial": {"label": "France", "insee": ["00001"], "bbox": [-5.5, 41.0, 10.0, 51.5]}}})
    (folder / "x.csv").unlink()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = resources
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def test_a_gtfs_zip_publishes_one_table_per_file(tmp_path, shared_data):
    source = shared_data / "gtfs" / "sncf-intercites-2013.zip"
    gtfs_hub(tmp_path, [{"name": "intercites", "path": "intercites.zip", "format": "zip"}],
             {"intercites.zip": source.read_bytes()})
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    publish_datasette((), tmp_path, db, out)
    import zipfile
    with zipfile.ZipFile(source) as archive:
        members = {n: archive.read(n).decode("utf-8-sig") for n in archive.namelist() if n.endswith(".txt")}
    with running_hub(tmp_path, db, out) as hub:
        for member, text in members.items():
            table = "equipements_" + member[:-4]
            rows = list(csv.reader(io.StringIO(text)))[1:]
            count = hub.get(f"/hub/{table}.json", params={"_shape": "objects", "_size": 1}).json()
            assert count.get("filtered_table_rows_count") == len(rows), (table, count)
        late = hub.get("/hub.json", params={"_shape": "array", "sql":
                       "select arrival_time from equipements_stop_times where arrival_time >= '24:00:00' limit 1"})
        assert late.json() and late.json()[0]["arrival_time"] >= "24:00:00"  # a service day's time, kept
        typed = hub.get("/hub.json", params={"_shape": "array", "sql":
                        "select typeof(stop_lat) as kind from equipements_stops limit 1"}).json()
        assert typed == [{"kind": "real"}]  # coordinates are numbers (the GTFS reference's type)
    descriptor = json.loads((out / "testville/equipements/datapackage.json").read_text(encoding="utf-8"))
    assert {r["name"] for r in descriptor["resources"]} >= {"stops", "stop_times", "trips", "intercites"}


def test_gtfs_files_without_a_schema_get_the_reference_types(tmp_path, shared_data):
    import zipfile
    with zipfile.ZipFile(shared_data / "gtfs" / "sncf-intercites-2013.zip") as archive:
        files = {n: archive.read(n) for n in archive.namelist() if n.endswith(".txt")}
    gtfs_hub(tmp_path, [{"name": n[:-4], "path": n} for n in sorted(files)], files)
    report = validate([str(tmp_path / "datasets" / "testville" / "equipements")], tmp_path)
    typed = [f for f in findings(report) if f.code in ("type-error", "constraint-error")]
    assert not typed, [f.to_dict() for f in typed[:3]]  # 24:30:00 is a time of the service day
    bad = dict(files)
    lines = bad["stop_times.txt"].decode("utf-8-sig").split("\n")
    cells = lines[1].split(",")
    cells[1] = "18h07"  # not a time of any kind
    lines[1] = ",".join(cells)
    bad["stop_times.txt"] = "\n".join(lines).encode("utf-8")
    gtfs_hub(tmp_path / "bad", [{"name": n[:-4], "path": n} for n in sorted(bad)], bad)
    report = validate([str(tmp_path / "bad" / "datasets" / "testville" / "equipements")], tmp_path / "bad")
    assert [(f.code, f.row, f.column) for f in findings(report) if f.code == "constraint-error"] == \
        [("constraint-error", 2, "arrival_time")]


def test_a_table_without_a_schema_is_read_as_text(tmp_path):
    """Frictionless would guess integers from the first rows and call 2A, or a phone number's
    leading zero, wrong; no schema means every cell is the text it is."""
    rows = "\n".join(["code,libelle,code_postal"] + [f"{n:02d},Département {n},0{n}100" for n in range(1, 10)]
                     + ["2A,Corse-du-Sud,20000", "2B,Haute-Corse,20200"]) + "\n"
    folder = make_hub(tmp_path, data=rows, resource={"schema": None})
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0].pop("schema")
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = validate([str(folder)], tmp_path)
    assert not [f for f in findings(report) if f.code == "type-error"]
    criteria = {c.name: c.met for c in report.targets[0].quality}
    assert criteria["schema for every table"] is False  # quality says there is no schema
    out = tmp_path / "build" / "packages"
    run = package((), tmp_path, out)
    assert not run.refused, run.refused
    written = (out / "testville/equipements/data/equipements.csv").read_text(encoding="utf-8")
    assert "2A,Corse-du-Sud,20000" in written and "\n01,Département 1,01100\n" in written


def test_hidden_errors_do_not_use_up_the_error_limit(tmp_path):
    """1,200 numbers typed in a string column of a workbook are text, not 1,200 hidden errors
    ending in "0 errors" and "stopped after 1000 errors"; the real error further down is found."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["code", "nombre"])
    for number in range(1, 1201):
        sheet.append([76000 + number, number])
    sheet.append(["77001", "beaucoup"])
    path = tmp_path / "codes.xlsx"
    book.save(path)
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"fields": [{"name": "code", "type": "string"},
                                             {"name": "nombre", "type": "integer"}]}), encoding="utf-8")
    report = validate([str(path)], schema=schema)
    found = findings(report)
    assert [(f.code, f.row, f.column) for f in found] == [("type-error", 1202, "nombre")]


def test_the_declared_delimiter_wins_and_ragged_rows_are_reported_as_frictionless_does(tmp_path):
    import frictionless

    # Every line ends ";;" (an export's empty trailing columns) and the commas vary: a guess says ";".
    data = "id,nom,commune;;\n1,Mairie,Sampleville;;\n2,École,Sampleville, annexe;;\n3,Gare;;\n4,Stade,Bourg,nord,est;;\n"
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "nom", "type": "string"},
                         {"name": "commune;;", "type": "string"}]}
    for dialect in ({}, {"delimiter": ","}, {"csv": {"delimiter": ","}}):
        folder = make_hub(tmp_path / str(len(str(dialect))), data=data, schema=schema,
                          resource={"dialect": dialect} if dialect else {})
        report = validate([str(folder)], folder.parent.parent.parent)
        ours = sorted((f.row, f.code) for f in findings(report) if f.row)
        assert not [f for f in findings(report) if f.code == "delimiter-mismatch"]
        reference = frictionless.Resource({"name": "t", "path": "data.csv", "schema": schema, "dialect": {"delimiter": ","}},
                                          basepath=str(folder)).validate()
        theirs = sorted((e.row_number, e.type) for e in reference.tasks[0].errors)
        assert ours == sorted(set(theirs)) == [(3, "extra-cell"), (4, "missing-cell"), (5, "extra-cell")]


def test_a_wrong_declared_delimiter_is_still_reported(tmp_path):
    folder = make_hub(tmp_path, data="id;nom\n1;Mairie\n", schema={"fields": [
        {"name": "id", "type": "integer"}, {"name": "nom", "type": "string"}]})
    report = validate([str(folder)], tmp_path)
    assert [f.code for f in findings(report)] == ["delimiter-mismatch"]


def test_double_encoded_utf8_is_a_finding_of_its_own(tmp_path):
    text = "Département,Région\nCôte-d'Or,Bourgogne\n".encode("utf-8").decode("latin-1").encode("utf-8")
    path = tmp_path / "deps.csv"
    path.write_bytes(text)
    report = validate([str(path)])
    twice = [f for f in findings(report) if f.code == "double-encoded"]
    assert len(twice) == 1 and twice[0].value == "DÃ©partement" and "iconv" in twice[0].fix
    clean = tmp_path / "clean.csv"
    clean.write_bytes("Département,Région\nÀ côté,Île-de-France\n".encode("utf-8"))
    assert not [f for f in findings(validate([str(clean)])) if f.code == "double-encoded"]


def test_frictionless_v5_descriptor_forms_read_like_v1(tmp_path, shared_data):
    """What `frictionless describe` writes today: the dialect under "csv", "type": "table"."""
    source = shared_data / "csv" / "covoiturage-corse-latin1-semicolon.csv"
    import subprocess
    import sys
    described = json.loads(subprocess.run([sys.executable, "-m", "frictionless", "describe", str(source), "--json"],
                                          capture_output=True, text=True, check=True).stdout)
    assert described["dialect"] == {"csv": {"delimiter": ";"}}
    results = {}
    for form, dialect in (("v5", described["dialect"]), ("v1", {"delimiter": ";"})):
        folder = make_hub(tmp_path / form, data=source.read_bytes(), schema=described["schema"],
                          resource={"dialect": dialect, "encoding": described["encoding"], "type": "table"})
        results[form] = sorted((f.code, f.row, f.column) for f in findings(validate([str(folder)], tmp_path / form)))
    assert results["v5"] == results["v1"]
    assert not [r for r in results["v5"] if r[0] in ("delimiter-mismatch", "encoding-mismatch")]


def codes(report):
    return [f.code for f in findings(report)]


def test_irve_v1_coordinate_columns_are_recognised(tmp_path):
    """IRVE v1 (2018) wrote Xlongitude/Ylatitude: a swapped row and a point in the sea are reported."""
    rows = ["id_pdc,Xlongitude,Ylatitude", "A1,2.35,48.85", "A2,48.86,2.36", "A3,2.34,48.84", "A4,-30.5,40.1"]
    path = tmp_path / "irve.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    found = {f.code: f for f in findings(validate([str(path)]))}
    assert found["coordinates-swapped"].row == 3
    assert found["coordinates-implausible"].row == 5
    for lat, lon in (("coordonnees_y", "coordonnees_x"), ("lat", "lon"), ("y", "x")):
        path.write_text(f"id,{lon},{lat}\nA,2.35,48.85\nB,48.86,2.36\n", encoding="utf-8")
        assert "coordinates-swapped" in codes(validate([str(path)])), (lat, lon)


def test_a_declared_coordinate_system_is_respected(tmp_path, shared_data):
    # The school directory: Lambert-93 X/Y with an "epsg" column saying EPSG:2154, beside WGS84 degrees.
    report = validate([str(shared_data / "csv" / "annuaire-education-35.csv")])
    assert not [c for c in codes(report) if c.startswith("coordinates-")]
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "x", "type": "number"},
                         {"name": "y", "type": "number"}]}
    lambert = [[1, 652469.0, 6862035.0], [2, 653000.5, 6861000.0]]  # Paris, in Lambert-93 metres
    paris = {"catalog": {"theme": "facilities", "frequency": "annual", "temporal": {"start": "2025-01-01"},
                         "spatial": {"label": "Paris", "insee": ["75056"], "bbox": [2.2, 48.8, 2.5, 48.9]}}}
    plain = make_hub(tmp_path / "plain", rows=lambert, schema=schema, descriptor=paris)
    assert "coordinates-projected" in codes(validate([str(plain)], tmp_path / "plain"))
    declared = make_hub(tmp_path / "declared", rows=lambert, schema=schema, resource={"catalog": {"crs": "EPSG:2154"}},
                        descriptor=paris)
    assert not [c for c in codes(validate([str(declared)], tmp_path / "declared")) if c.startswith("coordinates-")]
    # Declared, but the points are not where the dataset says: still reported.
    far = make_hub(tmp_path / "far", rows=[[1, 1000000.0, 6200000.0]], schema=schema,
                   resource={"catalog": {"crs": "EPSG:2154"}}, descriptor=paris)
    assert "coordinates-implausible" in codes(validate([str(far)], tmp_path / "far"))


def test_fractions_are_not_coordinates(tmp_path):
    """Bounding boxes of an image (x, y in [0, 1]) are not points on Earth."""
    path = tmp_path / "boxes.csv"
    path.write_text("image,x,y,width,height\na.jpg,0.12,0.5,0.2,0.1\nb.jpg,0.9,0.05,0.1,0.3\n", encoding="utf-8")
    assert not [c for c in codes(validate([str(path)])) if c.startswith("coordinates-")]


def test_an_inline_data_resource_is_not_an_unsafe_path(tmp_path):
    """Inline rows are not a path leaving the folder; the hub publishes files, and says so."""
    folder = make_hub(tmp_path)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append({"name": "codes", "data": [["code", "libelle"], ["01", "Ain"]]})
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    found = codes(validate([str(folder)], tmp_path))
    assert "unsafe-path" not in found and "unsupported-resource" in found


def two_sheet_workbook(path, first_rows, second_rows, merge=None):
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Notice"
    for row in first_rows:
        first.append(row)
    second = book.create_sheet("Données")
    for row in second_rows:
        second.append(row)
    if merge:
        second.merge_cells(merge)
    book.save(path)
    return path


def test_the_sheet_is_chosen_and_named_in_every_message(tmp_path):
    from click.testing import CliRunner

    from catalog.cli import main
    path = two_sheet_workbook(tmp_path / "aides.xlsx", [["Lisez-moi"], ["Données sur l'autre feuille"]],
                              [["code", "montant"], ["01", 12], ["02", "douze"]])
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"fields": [{"name": "code", "type": "string"},
                                             {"name": "montant", "type": "integer"}]}), encoding="utf-8")
    for sheet in ("Données", "2"):
        result = CliRunner().invoke(main, ["validate", str(path), "--schema", str(schema), "--sheet", sheet, "--json"])
        report = json.loads(result.output)
        found = report["targets"][0]["findings"]
        assert [(f["code"], f["row"], f["column"]) for f in found] == [("type-error", 3, "montant")]
        assert all('[sheet "Données"]' in f["file"] for f in found)
    folder = workbook_hub(tmp_path / "hub", path, json.loads(schema.read_text()))
    for dialect in ({"sheet": "Données"}, {"excel": {"sheet": "Données"}}):
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        descriptor["resources"][0]["dialect"] = dialect
        (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        found = findings(validate([str(folder)], tmp_path / "hub"))
        assert [(f.code, f.row, f.file) for f in found if f.severity == "error"] == \
            [("type-error", 3, 'aides.xlsx [sheet "Données"]')]
    unknown = findings(validate([str(path)], schema=schema, sheet="Budget"))
    assert [f.code for f in unknown] == ["format-error"] and '"Données"' in unknown[0].message


def test_an_empty_first_sheet_is_explained(tmp_path):
    path = two_sheet_workbook(tmp_path / "aides.xlsx", [], [["code", "montant"], ["01", 12]])
    found = findings(validate([str(path)]))
    assert [f.code for f in found] == ["empty-sheet"]
    assert '"Notice" is empty' in found[0].message and '--sheet "Données"' in found[0].fix


def test_merged_header_cells_are_reported_as_such(tmp_path):
    path = two_sheet_workbook(tmp_path / "aides.xlsx", [["x"]], [["Montant", None, "code"], [1, 2, "a"]], "A1:B1")
    found = findings(validate([str(path)], sheet="Données"))
    merged = [f for f in found if f.code == "merged-header"]
    assert len(merged) == 1 and "A1:B1" in merged[0].message and merged[0].row == 1


def test_a_formula_never_computed_is_reported_not_guessed(tmp_path):
    """A workbook written by a program (not saved by Excel) holds formulas without their values."""
    book = openpyxl.Workbook()
    book.active.append(["code", "total"])
    book.active.append(["a", "=1+2"])
    path = tmp_path / "calcul.xlsx"
    book.save(path)
    found = findings(validate([str(path)]))
    assert [(f.code, f.row) for f in found] == [("formula-not-computed", 2)] and "B2" in found[0].message


def test_integer_fields_are_not_told_to_declare_group_char(tmp_path):
    path = tmp_path / "budget.csv"
    path.write_text('id;montant\n1;1 250\n2;12,5\n', encoding="utf-8")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"fields": [{"name": "id", "type": "integer"},
                                             {"name": "montant", "type": "integer"}]}), encoding="utf-8")
    fixes = {f.row: f.fix for f in findings(validate([str(path)], schema=schema)) if f.code == "type-error"}
    assert set(fixes) == {2, 3}
    for fix in fixes.values():
        assert '"number"' in fix and 'declare "groupChar"' not in fix and 'declare "decimalChar"' not in fix


def test_schema_errors_point_at_the_schema_file(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,x\n", encoding="utf-8")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"fields": [{"name": "a", "type": "integer", "required": True},
                                             {"name": "b", "type": "string"}]}), encoding="utf-8")
    found = findings(validate([str(data)], schema=schema))
    assert [(f.code, f.file) for f in found] == [("field-error", str(schema))]


def test_header_names_with_line_breaks_are_printed_escaped(tmp_path):
    from click.testing import CliRunner

    from catalog.cli import main
    path = tmp_path / "export.csv"
    path.write_text('id,"Montant\n(€)"\n1,x\n', encoding="utf-8")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"fields": [{"name": "id", "type": "integer"},
                                             {"name": "Montant\n(€)", "type": "integer"}]}), encoding="utf-8")
    output = CliRunner().invoke(main, ["validate", str(path), "--schema", str(schema)]).output
    line = next(line for line in output.splitlines() if "[type-error]" in line)
    assert 'column "Montant\\n(€)"' in line
    assert not [text for text in output.splitlines() if text.startswith("(€)")]


def test_every_sheet_can_be_read_as_text_for_checks_of_the_whole_file(tmp_path):
    """What the personal-data gate needs: each sheet, hidden ones included, as the same text."""
    from catalog.reading import every_sheet
    path = two_sheet_workbook(tmp_path / "aides.xlsx", [["code", "montant"], ["01", 12]],
                              [["nom", "telephone"], ["Jean Dupont", 612345678]])
    book = openpyxl.load_workbook(path)
    book["Données"].sheet_state = "hidden"
    book.save(path)
    with every_sheet(path, "aides.xlsx") as readings:
        texts = {r.sheet.name: r.path.read_text(encoding="utf-8") for r in readings}
        assert [r.display for r in readings] == ['aides.xlsx [sheet "Notice"]', 'aides.xlsx [sheet "Données"]']
    assert texts == {"Notice": "code,montant\n01,12\n", "Données": "nom,telephone\nJean Dupont,612345678\n"}


def test_a_coordinate_system_declared_on_the_fields_is_respected(tmp_path):
    """`catalog describe` declares the system on the coordinate fields themselves."""
    schema = {"fields": [{"name": "id", "type": "integer"},
                         {"name": "x", "type": "number", "catalog": {"crs": "EPSG:2154"}},
                         {"name": "y", "type": "number", "catalog": {"crs": "EPSG:2154"}}]}
    paris = {"catalog": {"theme": "facilities", "frequency": "annual", "temporal": {"start": "2025-01-01"},
                         "spatial": {"label": "Paris", "insee": ["75056"], "bbox": [2.2, 48.8, 2.5, 48.9]}}}
    folder = make_hub(tmp_path, rows=[[1, 652469.0, 6862035.0]], schema=schema, descriptor=paris)
    assert not [c for c in codes(validate([str(folder)], tmp_path)) if c.startswith("coordinates-")]
