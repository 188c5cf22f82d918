"""One reader for every table (catalog/reading.py decides how a file is read, catalog/delimited.py
reads its cells): the same table written as CSV (any encoding,
delimiter, quoting), as a workbook, as GeoJSON properties or as a member of a GTFS zip gives
the same cells to every step that reads cells, and no module of catalog/ reads a table on its own.
"""
from __future__ import annotations

import ast
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import delimited, geojson_rows, reading
from catalog.delimited import text_batches
from catalog.reading import open_table

HEADER = ["code", "nom", "contact", "montant", "note"]
ROWS = [
    ["01053", "Zoé Lefèvre", "zoe.lefevre@gmail.com", "12.5", "=1+1"],
    ["2A004", "Mairie d'Ajaccio", "accueil@ajaccio.fr", "", 'dit "le grand"'],
    ["75056", "Ligne 1\nligne 2", "06 12 34 56 78", "-3", ""],
    ["", "", "", "", ""],
    ["97411", "Saint-Denis; La Réunion", "", "1000000", "x,y"],
]


def cells_of(batches, first: int = 2) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a stream of TextBatches, checking that row numbers follow each other
    from `first` (2: the row below a header; GeoJSON features count from 1)."""
    header, rows = None, []
    for batch in batches:
        header = list(batch.names)
        assert batch.first_row == len(rows) + first
        rows += [list(r) for r in zip(*[c.to_pylist() for c in batch.columns])]
    return header, rows


def write_csv(path: Path, header, rows, encoding="utf-8", delimiter=",", newline="\n"):
    """RFC 4180: a cell is quoted when it holds the delimiter, a quote or any line break (the csv
    module's writer leaves a lone CR unquoted when the line end is LF, which reads back as a line end)."""
    def quoted(cell):
        if any(c in cell for c in (delimiter, '"', "\r", "\n")) or (len(header) == 1 and cell == ""):
            return '"' + cell.replace('"', '""') + '"'
        return cell
    text = "".join(delimiter.join(quoted(c) for c in row) + newline for row in [header, *rows])
    path.write_bytes(text.encode(encoding))


def write_xlsx(path: Path, header, rows, sheet="Données"):
    book = openpyxl.Workbook()
    book.active.title = "Lisez-moi"
    book.active.append(["Ce classeur contient un tableau."])
    work = book.create_sheet(sheet)
    for row in [header, *rows]:
        work.append([cell if cell != "" else None for cell in row])
    for row in work.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text typed by a person, not a formula (openpyxl takes "=" for one)
    book.save(path)


def sheet_cells(path: Path, sheet):
    descriptor = {"name": "t", "path": path.name, "format": path.suffix.lstrip("."), "dialect": {"sheet": sheet}}
    with open_table(descriptor, path, str(path.parent), path.name) as table:
        assert table.readable, [f.message for f in table.findings]
        return cells_of(text_batches(table.path, table.encoding, table.delimiter))


@pytest.mark.parametrize("encoding,delimiter,newline", [("utf-8", ",", "\n"), ("cp1252", ";", "\r\n"),
                                                        ("utf-8-sig", "\t", "\r\n"), ("latin-1", "|", "\n")])
def test_csv_in_every_encoding_and_dialect_gives_the_cells_written(tmp_path, encoding, delimiter, newline):
    path = tmp_path / "t.csv"
    write_csv(path, HEADER, ROWS, encoding, delimiter, newline)
    assert cells_of(text_batches(path, encoding, delimiter)) == (HEADER, ROWS)


def test_every_kind_of_file_gives_the_same_cells(tmp_path):
    """CSV, a sheet of an xlsx workbook, GeoJSON properties and a GTFS zip member: one table, one answer."""
    expected = (HEADER, ROWS)
    write_csv(tmp_path / "t.csv", HEADER, ROWS)
    assert cells_of(text_batches(tmp_path / "t.csv")) == expected

    write_xlsx(tmp_path / "t.xlsx", HEADER, ROWS)
    header, rows = sheet_cells(tmp_path / "t.xlsx", "Données")
    # A workbook keeps no trailing empty row: the blank record of the CSV is a blank row of the sheet.
    assert (header, rows) == expected

    features = [{"type": "Feature", "properties": dict(zip(HEADER, row)),
                 "geometry": {"type": "Point", "coordinates": [2.4, 46.6]}} for row in ROWS]
    (tmp_path / "t.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    found = geojson_rows.features(geojson_rows.load(tmp_path / "t.geojson"))
    assert cells_of(geojson_rows.text_batches(found), first=1) == expected

    with zipfile.ZipFile(tmp_path / "feed.zip", "w") as archive:
        archive.write(tmp_path / "t.csv", "stops.txt")
    with zipfile.ZipFile(tmp_path / "feed.zip") as archive:
        assert cells_of(text_batches(lambda: archive.open("stops.txt"))) == expected
    with reading.zip_tables(tmp_path / "feed.zip", "feed.zip") as tables:
        assert [cells_of(text_batches(path)) for _, path, _ in tables] == [expected]


def test_an_xls_workbook_and_its_csv_export_give_the_same_cells(shared_data):
    folder = shared_data / "schemas" / "lieux-covoiturage"
    from catalog.validate import sniff

    sniffed = sniff.sniff(folder / "exemple-valide.csv")
    assert sheet_cells(folder / "exemple-valide.xls", None) == \
        cells_of(text_batches(folder / "exemple-valide.csv", sniffed.encoding, sniffed.delimiter))


def test_describe_samples_the_cells_validate_checks(tmp_path):
    """`describe` reads its sample through the same reader, for a CSV and for a sheet."""
    from catalog.describe.read import read_csv, read_excel

    write_csv(tmp_path / "t.csv", HEADER, ROWS, "cp1252", ";")
    sample = read_csv(tmp_path / "t.csv")
    non_blank = [r for r in ROWS if any(c.strip() for c in r)]
    assert (sample.header, sample.rows) == (HEADER, non_blank)
    write_xlsx(tmp_path / "t.xlsx", HEADER, ROWS)
    sample = read_excel(tmp_path / "t.xlsx", "Données")
    assert (sample.header, sample.rows) == (HEADER, non_blank)


def test_a_title_above_the_header_hides_no_column_from_the_cell_checks(tmp_path):
    """A raw export with a title line: the checks read from the declared header row (headerRows),
    with file row numbers, and a declared comment row is no record."""
    from catalog.validate.cells import check_cells
    from catalog.validate.context import TableContext

    path = tmp_path / "agents.csv"
    path.write_text("Liste des agents\n\nnom,email\nDupont,jean.dupont@gmail.com\nMartin,marie.martin@orange.fr\n"
                    "Total,=SUM(B4:B5)\n", encoding="utf-8")
    header, rows = cells_of(text_batches(path, layout=(3, frozenset({6}))), first=4)
    assert header == ["nom", "email"] and rows == [["Dupont", "jean.dupont@gmail.com"],
                                                   ["Martin", "marie.martin@orange.fr"], ["", ""]]
    found = check_cells(TableContext("agents.csv", path), "csv", "utf-8", ",", layout=(3, frozenset({6})))
    assert {(f.code, f.column, f.row) for f in found} >= {("personal-data", "email", 4)}
    assert "formula-injection" not in {f.code for f in found}  # the totals row was declared a comment
    assert "personal-data" not in {f.code for f in check_cells(TableContext("agents.csv", path), "csv", "utf-8", ",")}


CELL = st.text(st.sampled_from(list('ab Zé€,;"\n\r\t=@0')), max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(st.text(st.sampled_from("abcé_"), min_size=1, max_size=6), min_size=1, max_size=5, unique=True),
       data=st.data(), encoding=st.sampled_from(["utf-8", "cp1252"]), delimiter=st.sampled_from([",", ";", "\t"]),
       block=st.sampled_from([8, 64, 1 << 20]))
def test_generated_tables_round_trip_through_the_reader(tmp_path, header, data, encoding, delimiter, block):
    """Any table the csv module writes is read back cell for cell, whatever the blocks the reader
    splits it into (small blocks make it switch from pyarrow to the csv module mid-file)."""
    rows = data.draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)), max_size=12))
    path = tmp_path / "g.csv"
    write_csv(path, header, rows, encoding, delimiter)
    saved = delimited._TextReader.BLOCK
    delimited._TextReader.BLOCK = block
    try:
        labels = []  # the header, also of a table without rows (which yields no batch)
        _, read = cells_of(text_batches(path, encoding, delimiter, rows=5, labels=labels))
        assert (labels, read) == (header, rows)
    finally:
        delimited._TextReader.BLOCK = saved


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.text(st.sampled_from(list("ab Zé€,;\"=@0-")), max_size=6), min_size=3, max_size=3),
                     min_size=1, max_size=8))
def test_generated_sheets_and_geojson_give_the_csv_cells(tmp_path, rows):
    header = ["a", "b", "c"]
    rows = [[c.strip() for c in r] for r in rows]  # a sheet keeps no trailing empty rows: end on a filled one
    rows[-1][0] = rows[-1][0] or "x"
    write_xlsx(tmp_path / "g.xlsx", header, rows)
    write_csv(tmp_path / "g.csv", header, rows)
    from_csv = cells_of(text_batches(tmp_path / "g.csv"))
    assert sheet_cells(tmp_path / "g.xlsx", "Données") == from_csv == (header, rows)
    features = [{"type": "Feature", "properties": dict(zip(header, r)), "geometry": None} for r in rows]
    assert cells_of(geojson_rows.text_batches(features), first=1) == from_csv


# Where a table's bytes may be parsed, and why; anything else goes through catalog.reading and catalog.delimited.
READERS = {
    "catalog/reading.py": "decides how a file is read (encoding, dialect, sheet)",
    "catalog/delimited.py": "the one reader of cells",
    "catalog/sheets.py": "a workbook's sheet rendered as text, for the one reader",
    "catalog/validate/csv_batches.py": "Frictionless' own row split, for the table checks and the normaliser",
    "catalog/validate/sniff.py": "decides the encoding and delimiter the reader is given",
    "catalog/validate/text_table.py": "a small table in plain Python lists, Frictionless' own dialect (no Arrow import)",
    "catalog/validate/personal/parts.py": "tells a table from free text on a sample's first lines",
    "catalog/hubdb.py": "loads the package's normalised CSV, which catalog itself wrote",
    "catalog/split_load.py": "inserts the package's normalised CSV, which catalog itself wrote",
    "catalog/publish/ckan_datastore.py": "uploads the package's normalised CSV, which catalog itself wrote",
    "catalog/reuse/build.py": "writes a derived table (no reading)",
}
PARSERS = {("csv", "reader"), ("csv", "DictReader"), ("pd", "read_csv"), ("pd", "read_excel"),
           ("pacsv", "read_csv"), ("pacsv", "open_csv"), ("openpyxl", "load_workbook"), ("xlrd", "open_workbook")}


def test_no_module_reads_a_table_on_its_own():
    """A new private reading path (a csv.reader, pandas or pyarrow CSV reader, a workbook opened)
    outside the modules listed with their reason fails here."""
    root = Path(__file__).resolve().parents[1]
    found = set()
    for path in (root / "catalog").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    isinstance(node.func.value, ast.Name) and (node.func.value.id, node.func.attr) in PARSERS:
                found.add(str(path.relative_to(root)))
    assert found - set(READERS) == set(), "tables read outside the one reader"
    for private in ("catalog/validate/cells.py", "catalog/describe/read.py", "catalog/validate/gtfs/reading.py",
                    "catalog/validate/links.py", "catalog/describe/spatial.py",
                    "catalog/validate/gtfs/types.py"):
        assert private not in found  # each read a table on its own before


def test_validate_finds_personal_data_below_a_title_line(tmp_path):
    """A raw export whose first line is a title: before, the cell checks took that line for the
    header, padded every row to its one cell, and the e-mail column went unread (exit 0)."""
    from click.testing import CliRunner

    from catalog.cli import main

    path = tmp_path / "agents.csv"
    path.write_text("Liste des agents de la commune\n\nnom,prenom,email\nDupont,Jean,jean.dupont@gmail.com\n"
                    "Martin,Marie,marie.martin@orange.fr\nDurand,Paul,paul.durand@free.fr\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path), "--json"])
    assert result.exit_code == 1, result.output
    found = [(f["code"], f["column"], f["row"]) for t in json.loads(result.output)["targets"] for f in t["findings"]]
    assert ("personal-data", "email", 4) in found and ("table-layout", None, 3) in found


def test_geojson_gives_the_same_columns_and_kinds_to_the_hub_and_to_ckan(tmp_path):
    """Hub database, CKAN DataStore and reuses take their columns from catalog.geojson_rows: the
    same names in the same order, one rule for kinds, mixed values as their JSON text."""
    import sqlite_utils

    from catalog import hubdb
    from catalog.publish import ckan_geojson
    from catalog.reuse.sources import _geojson_columns

    features = [
        {"type": "Feature", "id": 7, "properties": {"n": 1, "ok": True, "x": 1.5, "tags": ["a"], "mixed": 3,
                                                    "geometry": "a property"},
         "geometry": {"type": "Point", "coordinates": [2.4, 46.6]}},
        {"type": "Feature", "id": 8, "properties": {"n": 2, "ok": False, "x": 2, "tags": {"k": 1}, "mixed": "trois",
                                                    "late": None},
         "geometry": {"type": "Point", "coordinates": [2.5, 46.7]}}]
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    db = sqlite_utils.Database(memory=True)
    hubdb._load_geojson(db, "points", path)
    fields, key, records = ckan_geojson.read(path)
    names = ["id", "n", "ok", "x", "tags", "mixed", "geometry_property", "late", "geometry"]
    assert list(db["points"].columns_dict) == [f["id"] for f in fields] == _geojson_columns(path) == names
    assert {f["id"]: f["type"] for f in fields} == {"id": "int8", "n": "int8", "ok": "bool", "x": "numeric",
                                                    "tags": "json", "mixed": "text", "geometry_property": "text",
                                                    "late": "text", "geometry": "json"}
    assert db["points"].columns_dict == {"id": int, "n": int, "ok": int, "x": float, "tags": str, "mixed": str,
                                         "geometry_property": str, "late": str, "geometry": str}
    hub_rows = list(db["points"].rows)
    assert [r["mixed"] for r in hub_rows] == [r["mixed"] for r in records] == ["3", "trois"]
    assert key == ["id"] and [r["id"] for r in hub_rows] == [7, 8]
