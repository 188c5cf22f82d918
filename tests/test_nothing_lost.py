"""Nothing read is lost: generated tables go through validate, package and the hub, and the
text of every cell comes out the other end (README, "Nothing lost").

- CSV in every supported encoding and delimiter, with quotes, delimiters and line breaks in cells;
- xlsx with numbers, dates, booleans, formulas (with the value Excel stores) and empty cells;
- GeoJSON properties.
The hub is checked in its database here; tests/test_reading.py reads a real Datasette over HTTP.
"""
import csv
import datetime
import io
import json
import re
import sqlite3
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from catalog.normalise import CellsLost, write_csv
from catalog.package import package
from catalog.publish.datasette import publish_datasette
from catalog.sheets import cell_text
from catalog.validate import validate
from tests.hub import make_hub

SETTINGS = settings(max_examples=8, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "iso-8859-1"]
DELIMITERS = [",", ";", "\t", "|"]
# Letters a French export holds, the characters CSV must quote, digits; no leading formula
# sign (that is a finding of its own) and no carriage return (a line end in every dialect).
LETTERS = "abcdeéèêàçôûœ ABCZ'’,;|\"\n0123456789.:/()"


def cells(alphabet=LETTERS):
    return st.text(alphabet=alphabet, max_size=12)


def public_text_schema(names):
    """Columns declared public: the personal-data gate would rightly stop a random "name"."""
    return {"fields": [{"name": n, "type": "string", "catalog": {"public": True}} for n in names]}


def hub_rows(db, table, names):
    with sqlite3.connect(db) as connection:
        got = connection.execute(
            "select {} from [{}] order by rowid".format(", ".join(f"[{n}]" for n in names), table)).fetchall()
    return [["" if v is None else str(v) for v in row] for row in got]


def publish(tmp_path):
    report = validate([str(tmp_path / "datasets" / "testville" / "equipements")], tmp_path)
    errors = [f.to_dict() for t in report.targets for f in t.findings if f.severity == "error"]
    assert not errors, errors[:3]
    out, db = tmp_path / "build" / "packages", tmp_path / "build" / "hub.db"
    run = package((), tmp_path, out)
    assert not run.refused, run.refused
    publish_datasette((), tmp_path, db, out)
    return out / "testville" / "equipements", db


def fresh(tmp_path_factory):
    return tmp_path_factory.mktemp("hub")


@SETTINGS
@given(encoding=st.sampled_from(ENCODINGS), delimiter=st.sampled_from(DELIMITERS),
       width=st.integers(2, 4), data=st.data())
def test_csv_cells_survive_every_encoding_and_dialect(tmp_path_factory, encoding, delimiter, width, data):
    tmp_path = fresh(tmp_path_factory)
    names = [f"col{i}" for i in range(width)]
    alphabet = "".join(c for c in LETTERS if c.encode(encoding, "ignore"))  # what the encoding can write
    rows = data.draw(st.lists(st.tuples(cells("abcXYZ0123456789").filter(bool),
                                        *[cells(alphabet) for _ in range(width - 1)]), min_size=1, max_size=8))
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows([names, *rows])
    folder = make_hub(tmp_path, schema=public_text_schema(names), data=text.getvalue().encode(encoding),
                      resource={"encoding": encoding, "dialect": {"delimiter": delimiter}})
    assert folder.is_dir()
    packaged, db = publish(tmp_path)
    written = list(csv.reader(open(packaged / "data" / "equipements.csv", encoding="utf-8", newline="")))
    expected = [list(r) for r in rows]
    assert written == [names, *expected]
    assert hub_rows(db, "equipements_equipements", names) == expected


def _with_stored_values(path, values):
    """Write the values Excel stores beside formulas (openpyxl writes formulas without them)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode("utf-8")
    for ref, value in values.items():
        sheet = re.sub(rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>', rf"\g<1><v>{value}</v>", sheet)
    members["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


SPREADSHEET_VALUES = st.one_of(
    st.none(),
    st.integers(-10**15, 10**15),
    # Numbers as a spreadsheet holds them: at most 15 significant digits (Excel's precision).
    st.tuples(st.integers(-10**12, 10**12), st.integers(0, 6)).map(lambda p: p[0] / 10 ** p[1]),
    st.booleans(),
    st.dates(min_value=datetime.date(1901, 1, 1), max_value=datetime.date(2100, 12, 31)),
    st.datetimes(min_value=datetime.datetime(1901, 1, 1), max_value=datetime.datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)),
    cells("abcdeé XYZ0123456789."),
    st.integers(0, 999).map(lambda n: ("formula", n)),
)


@SETTINGS
@given(rows=st.lists(st.lists(SPREADSHEET_VALUES, min_size=3, max_size=3), min_size=1, max_size=8))
def test_xlsx_cells_survive_as_the_text_they_show(tmp_path_factory, rows):
    tmp_path = fresh(tmp_path_factory)
    names = ["id", "a", "b", "c"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(names)
    stored, expected = {}, []
    for number, row in enumerate(rows, start=2):
        out, shown = [f"r{number}"], [f"r{number}"]
        for column, value in zip("BCD", row):
            if isinstance(value, tuple):  # a formula and the value Excel stored with it
                out.append(f"={value[1]}+1")
                stored[f"{column}{number}"] = value[1] + 1
                shown.append(str(value[1] + 1))
            else:
                out.append(value)
                shown.append(cell_text(value))
        sheet.append(out)
        expected.append(shown)
    path = tmp_path / "equipements.xlsx"
    book.save(path)
    _with_stored_values(path, stored)
    make_hub(tmp_path, schema=public_text_schema(names), filename="equipements.xlsx",
             data=path.read_bytes(), resource={"format": "xlsx"})
    packaged, db = publish(tmp_path)
    written = list(csv.reader(open(packaged / "data" / "equipements.csv", encoding="utf-8", newline="")))
    assert written == [names, *expected]
    assert hub_rows(db, "equipements_equipements", names) == expected


@SETTINGS
@given(values=st.lists(st.tuples(cells("abcdeé XYZ0123456789.-"), st.integers(-10**9, 10**9)), min_size=1,
                        max_size=6))
def test_geojson_properties_survive(tmp_path_factory, values):
    from catalog.validate.personal.scan import scan

    # A GeoJSON file has no schema to declare a column public, and a drawn "0100000000" is a
    # phone number the gate rightly stops: this test is about cells surviving, not the gate.
    assume(not any(scan(name) for name, _ in values))
    tmp_path = fresh(tmp_path_factory)
    features = [{"type": "Feature", "properties": {"nom": name, "code": code, "id": i},
                 "geometry": {"type": "Point", "coordinates": [2.4, 46.6]}} for i, (name, code) in enumerate(values)]
    folder = make_hub(tmp_path, filename="equipements.geojson", data=json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        resource={"format": "geojson", "schema": None})
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0].pop("schema")
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    _, db = publish(tmp_path)
    assert hub_rows(db, "equipements_equipements", ["nom", "code", "id"]) == \
        [[name, str(code), str(i)] for i, (name, code) in enumerate(values)]


def test_the_package_is_refused_when_a_column_would_lose_cells(tmp_path):
    """The invariant itself: a cell its field cannot read would be written empty; the normaliser
    refuses and names the column (validation stops such a table first; this is the last guard)."""
    (tmp_path / "t.csv").write_text("id,montant\n1,12\n2,douze\n3,\n", encoding="utf-8")
    descriptor = {"name": "t", "path": "t.csv", "schema": {"fields": [
        {"name": "id", "type": "integer"}, {"name": "montant", "type": "integer"}]}}
    for columns in (True, False):
        if not columns:  # the row-by-row writer too
            import catalog.normalise_columns as normalise_columns
            saved, normalise_columns.write_csv = normalise_columns.write_csv, lambda *a, **k: None
        try:
            with pytest.raises(CellsLost, match='column "montant": 2 cells read, 1 written'):
                write_csv(descriptor, str(tmp_path), tmp_path / "out.csv")
        finally:
            if not columns:
                normalise_columns.write_csv = saved


def test_catalog_package_refuses_a_dataset_that_would_lose_cells(tmp_path, monkeypatch):
    """A writer that drops a value (a fake, only to inject the failure): the package is not
    written, and the refusal names the column."""
    from click.testing import CliRunner

    import catalog.normalise as normalise
    import catalog.normalise_columns as columns
    from catalog.cli import main

    make_hub(tmp_path)
    writes = normalise.cell
    monkeypatch.setattr(normalise, "cell", lambda value, geopoint=None: "" if value == "Mairie" else writes(value, geopoint))
    monkeypatch.setattr(columns, "write_csv", lambda *args, **kwargs: None)  # the row-by-row writer, which calls cell
    result = CliRunner().invoke(main, ["package", "--root", str(tmp_path), "--packages", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert 'column "nom": 3 cells read, 2 written' in result.output
    assert not (tmp_path / "out" / "testville" / "equipements").exists()
