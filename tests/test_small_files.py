"""A small CSV is read in plain Python (catalog/validate/text_table.py; with a plain Table
Schema, typed_rows.py): its findings are the full path's (Frictionless, Arrow, pandas), finding
for finding, and reading it imports none of those libraries unless a column needs them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from catalog.validate import files, text_table
from catalog.validate.personal.scan import could_hold, inert

REPO = Path(__file__).resolve().parents[1]


def _findings(path: Path, light: bool, monkeypatch, public=()):
    """Every finding of `catalog validate FILE`, through the light path or the full one."""
    with monkeypatch.context() as patch:
        if not light:
            patch.setattr(text_table, "SMALL_BYTES", 0)
        else:
            patch.setattr(text_table, "SMALL_BYTES", 1 << 24)
        target = files.validate_file(path, path.name, public=tuple(public))
    return [f.to_dict() for f in target.findings]


def _same(path, monkeypatch, public=()):
    light, full = _findings(path, True, monkeypatch, public), _findings(path, False, monkeypatch, public)
    assert light == full, f"{path.name}: light\n{json.dumps(light, indent=1, ensure_ascii=False)}\nfull\n" \
                          f"{json.dumps(full, indent=1, ensure_ascii=False)}"
    return light


CRAFTED = {
    "plain.csv": "id,nom,commune\n1,Lieu A,Sampleville\n2,Lieu B,Autreville\n",
    "ragged.csv": "a,b,c\n1,2\n1,2,3,4,5\n,,\n\n7,8,9\n,,,x\n",
    "blank_dup_labels.csv": "a,,a,b,a\n1,2,3,4,5\n6,7,8,9,10\n",
    "padded_labels.csv": " a , b ,c\n1,2,3\n",
    "quoted.csv": 'nom,commentaire\n"Dupont, Jean","il a dit ""oui"""\n"x","multi\nligne"\n',
    "semicolon.csv": "nom;montant;email\nJean Martin;12,5;jean.martin@gmail.com\nMarie Durand;-3;contact@ville.fr\n",
    "formulas.csv": "a,b\n=SUM(A1:A2),x\n+33 1 23 45 67 89,-12\n@VilleDeX,-HYPERLINK(\"x\")\n\t=1+1,ok\n",
    "persons.csv": ("prenom,nom,telephone,iban,nir\nJean,DUPONT,06 12 34 56 78,FR76 3000 6000 0112 3456 7890 189,"
                    "1 85 05 78 006 084 91\nMarie,MARTIN,01 23 45 67 89,,\n"),
    "coordinates.csv": "nom,latitude,longitude\nA,46.6,2.4\nB,2.4,46.6\nC,95,2\nD,,\n",
    "lambert.csv": "nom,x,y,epsg\nA,652000,6862000,2154\nB,2.35,48.85,4326\n",
    "header_only.csv": "a,b,c\n",
    "one_column.csv": "a\n1\n\n2\n",
    "crlf.csv": "a,b\r\n1,2\r\n\r\n3\r\n",
    "cr_only.csv": "a,b\r1,2\r3,4\r",
    "bom.csv": "\ufeffcode,libellé\n2A,Corse-du-Sud\n01,Ain\n",
    "tabs.tsv": "a\tb\tc\n1\t2\n1\t2\t3\t4\n",
    "gtfs_like.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,Gare,46.6,2.4\nS2,Mairie,46.7,2.5\n",
    "free_text.csv": ("id,commentaire\n1,Le dossier a été transmis à Monsieur Jean Dupont pour avis\n"
                      "2,Voir la rue Victor Hugo et le collège Jean Moulin\n3,Réunion le 12 mars avec les services\n"),
    "places.csv": "etablissement,contact\nCollège Jean Moulin,accueil@college.fr\nÉcole Victor Hugo,0123456789\n",
    "unicode_space.csv": "a,b\n\u00a0,x\n\u2003y,\u3000\n",
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_files_agree_and_take_the_light_path(name, tmp_path, monkeypatch):
    path = tmp_path / name
    data = CRAFTED[name].encode("cp1252" if name == "semicolon.csv" else "utf-8")
    path.write_bytes(data)
    _same(path, monkeypatch)
    assert _read_lightly(path)  # the light path read it itself: it did not step aside


def _read_lightly(path: Path) -> bool:
    """Whether the light path reads the file itself rather than stepping aside."""
    from catalog.validate import sniff

    actual = sniff.sniff(path)
    descriptor = {"name": "file", "format": path.suffix.lstrip("."), "encoding": sniff.declaration(actual.encoding)}
    if actual.delimiter:
        descriptor["dialect"] = {"delimiter": actual.delimiter}
    return files._lightly(lambda: files._text_table(path, path.name, descriptor, ())) is not None


def test_public_columns_agree(tmp_path, monkeypatch):
    path = tmp_path / "contacts.csv"
    path.write_text("service,email,tel\nMairie,jean.dupont@gmail.com,06 12 34 56 78\n", encoding="utf-8")
    found = _same(path, monkeypatch, public=("email", "tel"))
    assert any(f["code"] == "personal-data" for f in found)


def _shared_tables(shared_data):
    return sorted(p for p in shared_data.rglob("*") if p.suffix.lower() in (".csv", ".tsv", ".txt")
                  and p.is_file())


def test_real_files_agree(shared_data, monkeypatch):
    """Every CSV of ../shared/data and of the bundled datasets, validated as a bare file."""
    paths = _shared_tables(shared_data) + sorted((REPO / "datasets").rglob("*.csv")) \
        + sorted((REPO / "datasets").rglob("*.txt"))
    assert len(paths) > 30
    read = []
    for path in paths:
        _same(path, monkeypatch)
        with monkeypatch.context() as patch:
            patch.setattr(text_table, "SMALL_BYTES", 1 << 24)
            if _read_lightly(path):
                read.append(path.name)
    assert len(read) >= 0.8 * len(paths), sorted(set(p.name for p in paths) - set(read))


UNREADABLE = {
    "unclosed.csv": b'a,b\n1,"never closed\n2,3\n',
    "bad_bytes.csv": b"a,b\n1,\xff\xfe\x00x\n",
    "empty.csv": b"",
    "blank_header.csv": b"\n1,2\n",
    "single_quote.csv": b"a,b\n'x, y',2\n'z',3\n",
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_files_the_light_path_cannot_read_as_the_full_path_get_the_full_path(name, tmp_path, monkeypatch):
    path = tmp_path / name
    path.write_bytes(UNREADABLE[name])
    _same(path, monkeypatch)


def test_error_limit_steps_aside(tmp_path, monkeypatch):
    path = tmp_path / "ragged_many.csv"
    path.write_text("a,b,c\n" + "1,2\n" * 1200, encoding="utf-8")
    with pytest.raises(text_table.StepAside):
        text_table.structure_report(text_table.read(path, "utf-8", ",", "csv"), "file", 1000)
    found = _same(path, monkeypatch)
    assert any(f["code"] == "too-many-errors" for f in found)


def test_the_one_value_filters_agree_with_the_arrow_ones(shared_data):
    """`could_hold` and `inert` are the Arrow filters' rules for one value: same answer on every
    distinct cell of the real files and on crafted values."""
    import csv

    import pyarrow as pa

    from catalog.validate.personal.scan import _inert, worth_scanning

    values = {"", " ", "Jean Dupont", "rue Victor Hugo", "Collège Jean Moulin", "jean (at) gmail.com",
              "x arobase y", "123456789", "12345678", "M. Durand", "Jean ", " Marie", "ÉLODIE Martin",
              "İstanbul Ali", "ñ", "\u00a0Pierre\u00a0Paul", "a@b", "Saint Jean Baptiste", "2A", "abcdefghij"}
    for path in _shared_tables(shared_data):
        if path.stat().st_size > 1 << 20:
            continue
        from catalog.validate import sniff
        actual = sniff.sniff(path)
        with open(path, encoding=sniff.declaration(actual.encoding), errors="replace", newline="") as handle:
            for row in csv.reader(handle, delimiter=actual.delimiter or ","):
                values.update(row)
    ordered = sorted(values)
    array = pa.array(ordered, pa.string())
    assert worth_scanning(array).tolist() == [could_hold(v) for v in ordered]
    assert _inert(array)[0].tolist() == [inert(v) for v in ordered]


def test_a_small_bare_csv_imports_no_heavy_library(tmp_path):
    """Import only what the file needs: no Frictionless, pandas, numpy or pyarrow for a small
    CSV without coordinates; phonenumbers only once a cell could be a phone number."""
    path = tmp_path / "t.csv"
    path.write_text("id,nom,code_insee,montant\n" + "".join(f"{i},Lieu {i},0{1000 + i},{i * 10.5}\n"
                                                             for i in range(40)), encoding="utf-8")
    probe = ("import sys, runpy\nsys.argv = ['catalog', 'validate', sys.argv[1], '--json']\n"
             "try:\n    runpy.run_module('catalog.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "heavy = [m for m in ('frictionless', 'pandas', 'numpy', 'pyarrow', 'phonenumbers', 'stdnum')"
             " if m in sys.modules]\nprint('HEAVY', heavy, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert "HEAVY []" in done.stderr, done.stderr[-2000:]
    assert json.loads(done.stdout)["valid"] is True


SCHEMA = {"fields": [{"name": "id", "type": "integer", "constraints": {"unique": True, "minimum": 1}},
                     {"name": "nom", "type": "string", "constraints": {"required": True, "maxLength": 12}},
                     {"name": "montant", "type": "number", "decimalChar": ","},
                     {"name": "ouvert", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]},
                     {"name": "date", "type": "date"},
                     {"name": "latitude", "type": "number"}, {"name": "longitude", "type": "number"}],
          "primaryKey": ["id", "nom"]}
TYPED = {
    "typed_valid.csv": "id,nom,montant,ouvert,date,latitude,longitude\n1,A,\"12,5\",oui,2025-01-31,46.6,2.4\n",
    "typed_errors.csv": ("id,nom,montant,ouvert,date,latitude,longitude\n1,A,12.5,peut-être,31/01/2025,46.6,2.4\n"
                         "1,A,x,oui,2025-13-01,2.4,46.6\n0,,\"1 000,5\",non,,95,2\n2,Un nom bien trop long,1,oui,,,\n"
                         ",,,,,,\n3,B,1\n4,C,1,oui,2025-01-01,46,2,extra\n"),
    "typed_cells.csv": ("id,nom,montant,ouvert,date,latitude,longitude\n1,A,12.5,peut-être,31/01/2025,46.6,2.4\n"
                        "1,A,x,oui,2025-13-01,2.4,46.6\n0,,1 000,non,,95,2\n2,Un nom bien trop long,1,oui,,,\n"
                        "2,Un nom bien trop long,1,oui,,,\n3,B,-1,vrai,2025-02-30,46.7,2.5\n"),
    "typed_header.csv": "id,name,montant,ouvert,date,latitude\n1,A,1,oui,2025-01-01,46\n",
}


@pytest.mark.parametrize("name", sorted(TYPED))
def test_small_tables_with_a_schema_agree_with_the_vectorised_checks(name, tmp_path, monkeypatch):
    """With a schema, a small table is read in plain Python (typed_rows.py; Frictionless itself
    when its header or descriptor needs it), a large one by the vectorised checks; both give
    the same findings."""
    path, schema = tmp_path / name, tmp_path / "schema.json"
    path.write_text(TYPED[name], encoding="utf-8")
    schema.write_text(json.dumps(SCHEMA), encoding="utf-8")
    small, vectorised = (_with_schema(path, schema, size, monkeypatch) for size in (1 << 24, 0))
    assert small == vectorised
    assert name == "typed_valid.csv" or any(f["severity"] == "error" for f in small)


def _with_schema(path, schema, size, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(text_table, "SMALL_BYTES", size)
        return [f.to_dict() for f in files.validate_file(path, path.name, schema).findings]


def test_schema_examples_agree_with_the_vectorised_checks(shared_data, monkeypatch):
    """schema.data.gouv.fr's examples, valid and invalid, each against its schema."""
    pairs = [(csv_path, folder / "schema.json") for folder in sorted((shared_data / "schemas").rglob("*"))
             if (folder / "schema.json").is_file() for csv_path in sorted(folder.glob("*.csv"))]
    assert len(pairs) >= 10
    errors = 0
    for path, schema in pairs:
        small, vectorised = (_with_schema(path, schema, size, monkeypatch) for size in (1 << 24, 0))
        assert small == vectorised, path
        errors += sum(f["severity"] == "error" for f in small)
    assert errors > 0  # the invalid examples are reported


def test_numbers_read_in_python_are_the_numbers_pandas_reads(shared_data):
    """Coordinates of a small table are read by Python's float, of a large one by Arrow: the
    same values as pandas', on every coordinate-like column of the real files and on crafted texts."""
    import csv

    import numpy as np
    import pandas as pd

    from catalog.validate import geo, sniff

    texts = {"46.6", "-1.5", "+2.25", ".5", "5.", "1e5", "1E-3", "652000", "0", "-0", "46.123456789012345",
             "1.7976931348623157e308", "4.9e-324", "00012.50", "", "x", "1_000", "inf", "nan", "١٢", " 4 ",
             "\t-1.5\n", "4\u00a0", "1e400", "-Infinity", "+nan", "infinite", "1e", "0x10", "1.2.3", "--1", "4 6",
             "9007199254740993", "12345678901234567890123"}
    for path in _shared_tables(shared_data):
        actual = sniff.sniff(path)
        with open(path, encoding=sniff.declaration(actual.encoding), errors="replace", newline="") as handle:
            rows = list(csv.reader(handle, delimiter=actual.delimiter or ","))
        for index, label in enumerate(rows[0] if rows else []):
            if geo._axis(label) or "coord" in label.lower():
                texts.update(row[index].strip().replace(",", ".") for row in rows[1:] if len(row) > index)
    ordered = sorted(texts)
    assert len(ordered) > 1000
    ours = geo._as_numbers(ordered)
    theirs = pd.to_numeric(pd.Series(ordered, dtype=object), errors="coerce").to_numpy(dtype=float)
    assert np.array_equal(ours, theirs, equal_nan=True)
    plain = [t for t in ordered if not t or geo.PLAIN_NUMBER.fullmatch(t)]
    assert np.array_equal(geo._as_numbers(plain), pd.to_numeric(pd.Series(plain, dtype=object),
                                                                 errors="coerce").to_numpy(dtype=float), equal_nan=True)


def test_small_files_benchmark_runs(tmp_path):
    """The benchmark keeps working: one run of each input, its figures' shape, never timings."""
    out = tmp_path / "small.json"
    done = subprocess.run([sys.executable, "-m", "tests.benchmarks.small_files", "--repeat", "1", "--json", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    labels = [row["input"] for row in result["results"]]
    assert labels[:3] == ["bare CSV, 40 rows", "bare CSV with lat/lon, 40 rows", "CSV + Table Schema, 40 rows"]
    for row in result["results"]:
        for tool in ("frictionless", "catalog"):
            assert row[tool]["median_seconds"] > 0 and row[tool]["peak_mb"] > 0
            assert set(row[tool]["returncodes"]) <= {0, 1}
    assert "load average" in done.stdout and "target (bare CSV)" in done.stdout


def test_a_bug_in_the_light_path_fails_loudly_under_tests(tmp_path, monkeypatch):
    """Injected failure: under the test suite it is raised; for users the full path answers."""
    path = tmp_path / "t.csv"
    path.write_text("id,nom\n1,Jean Dupont\n", encoding="utf-8")
    expected = _findings(path, False, monkeypatch)

    def broken(*args):
        raise RuntimeError("injected")

    monkeypatch.setattr(text_table, "structure_report", broken)
    with pytest.raises(RuntimeError, match="injected"):
        files.validate_file(path, path.name)
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    monkeypatch.delenv("CATALOG_STRICT", raising=False)
    assert [f.to_dict() for f in files.validate_file(path, path.name).findings] == expected


def _workbook(path: Path, sheets: dict, merged=None):
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    if merged:
        book[next(iter(sheets))].merge_cells(merged)
    book.save(path)
    return path


WORKBOOKS = {
    "plain.xlsx": ({"Données": [["id", "nom", "montant", "date"], [1, "Lieu A", 12.5, "2025-01-31"],
                                [2, "Lieu B", 0.1 + 0.2, None], [None, None, None, None], [3, "=1+1", -4, True]]}, None),
    "sheets.xlsx": ({"Données": [["code", "libellé"], ["01", "Ain"], ["2A", "Corse-du-Sud"]],
                     "Contacts": [["prenom", "nom", "telephone"], ["Jean", "DUPONT", "06 12 34 56 78"]],
                     "Vide": []}, None),
    "empty_first.xlsx": ({"Feuil1": [], "Données": [["a", "b"], [1, 2]]}, None),
    "merged.xlsx": ({"S": [["Adresse", None, "Code"], ["rue", "1", "01000"], ["place", "2", "02000"]]}, "A1:B1"),
    "ragged.xlsx": ({"S": [["a", "b", "c"], [1, 2], [1, 2, 3, 4], [None, None, None]]}, None),
    "coordinates.xlsx": ({"S": [["nom", "latitude", "longitude", "email"], ["A", 46.6, 2.4, "contact@ville.fr"],
                                ["B", 2.4, 46.6, "jean.dupont@gmail.com"]]}, None),
}


@pytest.mark.parametrize("name", sorted(WORKBOOKS))
def test_small_workbooks_agree(name, tmp_path, monkeypatch):
    sheets, merged = WORKBOOKS[name]
    path = _workbook(tmp_path / name, sheets, merged)
    _same(path, monkeypatch)
    for sheet in sheets:
        with monkeypatch.context() as patch:
            light, full = ([f.to_dict() for f in _sheet_findings(path, sheet, size, patch)] for size in (1 << 24, 0))
        assert light == full, (name, sheet)


def _sheet_findings(path, sheet, size, patch):
    patch.setattr(text_table, "SMALL_BYTES", size)
    return files.validate_file(path, path.name, sheet=sheet).findings


def test_real_workbooks_agree(shared_data, monkeypatch):
    paths = sorted(p for p in shared_data.rglob("*") if p.suffix.lower() in (".xlsx", ".xls", ".ods"))
    assert paths
    for path in paths:
        _same(path, monkeypatch)


def test_a_small_workbook_takes_the_light_path(tmp_path, monkeypatch):
    """Frictionless is not imported for a small workbook without a schema."""
    path = _workbook(tmp_path / "w.xlsx", {"S": [["id", "nom"], [1, "Lieu"]]})
    probe = ("import sys, runpy\nsys.argv = ['catalog', 'validate', sys.argv[1], '--json']\n"
             "try:\n    runpy.run_module('catalog.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print('HEAVY', [m for m in ('frictionless', 'pandas', 'pyarrow') if m in sys.modules], file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert "HEAVY []" in done.stderr, done.stderr[-2000:]


def _dataset_findings(folder, root, size, monkeypatch):
    from catalog.validate.dataset import validate_dataset

    with monkeypatch.context() as patch:
        patch.setattr(text_table, "SMALL_BYTES", size)
        target = validate_dataset(folder, root)
    return [f.to_dict() for f in target.findings], target.score


def test_small_datasets_agree_with_the_vectorised_checks(shared_data, monkeypatch, tmp_path):
    """A dataset's small tables are validated in plain Python (or by Frictionless itself) and
    their cells read in plain Python: the same findings as the vectorised checks give, on the bundled datasets, the
    shared Data Packages (foreign keys across tables included) and a crafted dataset of errors."""
    folders = [(d, REPO) for d in sorted((REPO / "datasets").glob("*/*")) if (d / "datapackage.json").is_file()]
    folders += [(p.parent, p.parent) for p in sorted(shared_data.rglob("datapackage.json"))]
    crafted = tmp_path / "datasets" / "ville" / "equipements"
    crafted.mkdir(parents=True)
    (crafted / "communes.csv").write_text("insee,nom\n01001,Ain\n2A004,Ajaccio\n", encoding="utf-8")
    (crafted / "lieux.csv").write_text("id,nom,insee,latitude,longitude,contact\n1,Gare,01001,46.6,2.4,x@gmail.com\n"
                                       "1,Mairie,99999,2.4,46.6,=HYPERLINK(\"x\")\n2,,01001,,,\n3,Parc\n",
                                       encoding="utf-8")
    (crafted / "datapackage.json").write_text(json.dumps({"name": "equipements", "title": "Équipements", "resources": [
        {"name": "communes", "path": "communes.csv", "schema": {"fields": [{"name": "insee", "type": "string"},
                                                                          {"name": "nom", "type": "string"}],
                                                               "primaryKey": ["insee"]}},
        {"name": "lieux", "path": "lieux.csv", "schema": {
            "fields": [{"name": "id", "type": "integer"}, {"name": "nom", "type": "string",
                                                           "constraints": {"required": True}},
                       {"name": "insee", "type": "string"}, {"name": "latitude", "type": "number"},
                       {"name": "longitude", "type": "number"}, {"name": "contact", "type": "string"}],
            "primaryKey": ["id"],
            "foreignKeys": [{"fields": ["insee"], "reference": {"resource": "communes", "fields": ["insee"]}}]}}]}),
        encoding="utf-8")
    folders.append((crafted, tmp_path))
    assert len(folders) >= 10
    codes = set()
    for folder, root in folders:
        small, vectorised = (_dataset_findings(folder, root, size, monkeypatch) for size in (1 << 24, 0))
        assert small == vectorised, folder
        codes.update(f["code"] for f in small[0])
    assert {"foreign-key", "primary-key", "constraint-error", "missing-cell", "personal-data",
            "formula-injection", "coordinates-swapped"} <= codes




def test_a_closed_value_with_a_line_break_in_the_last_row_is_no_unclosed_quote(tmp_path, monkeypatch):
    # Found by the generated tables: the full path took `"deux\nlignes",` for a value left open.
    path = tmp_path / "t.csv"
    path.write_text('id\n"deux\nlignes",\n', encoding="utf-8")
    _same(path, monkeypatch)
    assert "unclosed-quote" not in {f["code"] for f in _findings(path, False, monkeypatch, ())}
    opened = tmp_path / "o.csv"
    opened.write_text('id,x\n1,"ouvert\njamais fermé\n', encoding="utf-8")
    assert "unclosed-quote" in {f["code"] for f in _findings(opened, False, monkeypatch, ())}


def test_generated_tables_agree(tmp_path_factory):
    """Generated CSV text (quoted cells with delimiters and line breaks, blank and ragged rows,
    persons, formulas, coordinates, blank and repeated labels): light and full paths agree."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    words = st.sampled_from(["", " ", "Jean Dupont", "rue Victor Hugo", "=SUM(A1)", "-12,5", "+33 6 12 34 56 78",
                             "46.6", "2.4", "95", "a,b", 'dit "oui"', "deux\nlignes", "2A", "jean@gmail.com",
                             "x", "Ω", "\u00a0", "0612345678", "contact@ville.fr"])
    labels = st.lists(st.sampled_from(["id", "nom", "", "latitude", "longitude", "email", "nom", "prenom"]),
                      min_size=1, max_size=5)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(labels, st.lists(st.lists(words, max_size=6), max_size=8), st.sampled_from([",", ";", "\t"]))
    def check(header, rows, delimiter):
        import csv
        import io

        folder = tmp_path_factory.mktemp("generated")
        text = io.StringIO()
        writer = csv.writer(text, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        path = folder / ("t.tsv" if delimiter == "\t" else "t.csv")
        path.write_text(text.getvalue(), encoding="utf-8")
        with pytest.MonkeyPatch.context() as patch:
            _same(path, patch)
        read.append(_read_lightly(path))

    read = []
    check()
    assert sum(read) >= 0.3 * len(read)  # the light path read a good share itself


# A small table with a Table Schema: read in plain Python (typed_rows.py) when its descriptor is
# plain (plain_descriptor.py); Frictionless itself (what the full path of a small table does) is the
# oracle, and the vectorised checks of a large table must agree too.

def _typed_findings(path, schema, mode, monkeypatch):
    """Findings of `catalog validate FILE --schema SCHEMA` through the plain-Python reading of the
    rows ("light"; it must not step aside), Frictionless' own validation of the small table
    ("frictionless"), or the vectorised checks of a large one ("vectorised")."""
    from catalog.validate import plain_descriptor, typed_rows

    calls = []
    with monkeypatch.context() as patch:
        patch.setattr(text_table, "SMALL_BYTES", 0 if mode == "vectorised" else 1 << 24)
        if mode == "frictionless":
            patch.setattr(plain_descriptor, "plain_resource", lambda descriptor: False)
        real = typed_rows.typed_report

        def spy(*args):
            report = real(*args)
            calls.append(args)
            return report
        patch.setattr(typed_rows, "typed_report", spy)
        found = [f.to_dict() for f in files.validate_file(path, path.name, schema).findings]
    return found, bool(calls)


def _typed_same(path, schema, monkeypatch, light=True):
    """Light, Frictionless and vectorised findings are the same; `light`: the light path read it."""
    ours, read = _typed_findings(path, schema, "light", monkeypatch)
    oracle, _ = _typed_findings(path, schema, "frictionless", monkeypatch)
    assert ours == oracle, f"{path.name}: light\n{json.dumps(ours, indent=1, ensure_ascii=False)}\nfrictionless\n" \
                           f"{json.dumps(oracle, indent=1, ensure_ascii=False)}"
    if light is not None:
        assert read == light, f"{path.name}: the light path {'stepped aside' if light else 'read it'}"
    return ours


@pytest.mark.parametrize("name", sorted(TYPED))
def test_small_tables_with_a_plain_schema_are_read_in_python_as_frictionless_reads_them(name, tmp_path, monkeypatch):
    path, schema = tmp_path / name, tmp_path / "schema.json"
    path.write_text(TYPED[name], encoding="utf-8")
    schema.write_text(json.dumps(SCHEMA), encoding="utf-8")
    found = _typed_same(path, schema, monkeypatch, light=name != "typed_header.csv")  # a wrong header: Frictionless'
    assert found == _typed_findings(path, schema, "vectorised", monkeypatch)[0]


def test_schema_examples_are_read_in_python_as_frictionless_reads_them(shared_data, monkeypatch):
    """schema.data.gouv.fr's examples, valid and invalid, against their schemas: the same
    findings; the schemas Frictionless takes without a word are read in Python."""
    pairs = [(csv_path, folder / "schema.json") for folder in sorted((shared_data / "schemas").rglob("*"))
             if (folder / "schema.json").is_file() for csv_path in sorted(folder.glob("*.csv"))]
    assert len(pairs) >= 10
    light, errors = [], 0
    for path, schema in pairs:
        found = _typed_same(path, schema, monkeypatch, light=None)
        light.append(_typed_findings(path, schema, "light", monkeypatch)[1])
        errors += sum(f["severity"] == "error" for f in found)
    assert errors > 0
    assert sum(light) >= 4, [p.name for (p, _), read in zip(pairs, light) if not read]


TRICKY = {
    "integer": ["1", "-7", "+5", " 12 ", "1_000", "007", "1.0", "1,5", "1 000", "x", "12345678901234567890123",
                "٣", "1e3", "", "NA", "-", "--1", "0"],
    "number": ["1.5", "-0.25", "12,5", "1 000,5", "1\u00a0000,5", "1e5", "1E-3", "+2", ".5", "5.", "NaN", "nan",
               "INF", "-Infinity", "1.2.3", "x", "", "NA", "1.000,5", " 3.14 ", "1_0", "0"],
    "boolean": ["true", "false", "True", "FALSE", "TRUE ", "1", "0", "oui", "non", "OUI", "yes", "", "NA", "vrai"],
    "date": ["2020-01-31", "2020-02-30", "2020-02-29", "2021-02-29", "31/01/2020", "2020-1-5", "2020-01- 5",
             "0000-01-01", "9999-12-31", "2020/01/31", "20200131", "2020-13-01", "", "NA", "2020-01-31T00:00:00",
             "31.01.2020"],
    "datetime": ["2020-01-31T10:00:00", "2020-01-31T24:00:00", "2020-01-31 10:00:00", "2020-01-31T10:00:00Z",
                 "2020-01-31T10:00:00+02:00", "2020-01-31T08:00:00Z", "2020-01-31T10:00:00-23:59",
                 "2020-01-31T10:00:00+24:00", "2020-01-31T10:00:00+0000", "2020-01-31T12:35:49-0130",
                 "2020-01-31T10:00:00-00:00", "2020-01-31T10:00", "2020-02-30T10:00:00", "x", "", "NA"],
    "time": ["10:00:00", "24:00:00", "23:59:60", "10:00", "1:00:00", "10:00:00Z", "10:00:00.5", "x", "", "NA"],
    "year": ["2020", "0000", "9999", "202", "20201", "+202", " 202", "x", "", "NA", "1e03"],
    "geopoint": ["2.35, 48.85", "2.35,48.85", "[2.35, 48.85]", "[7.48710500,48.345345]", "[07.5,48]", "200, 48",
                 "[2.35, 95]", "[-180, -90]", "2.35", "[2.35]", "{\"lon\": 2, \"lat\": 48}", "2,35, 48,85", "x",
                 "", "NA", " 2.35 , 48.85 ", "1e1, 2"],
    "string": ["Jean", "", "NA", " ", "2A004", "01000", "ABC", "abc", "é", "trop long pour le champ", "a\nb",
               "jean@ville.fr", "jean@", "Jean <jean@ville.fr>", "https://www.ville.fr/a?b=1", "www.ville.fr",
               "mailto:jean@ville.fr", "2bc1c94f-0deb-43e9-92a1-4775189ec9f8", "2BC1C94F0DEB43E992A14775189EC9F8",
               "2bc1c94f-0deb-43e9-92a1"],
}


def _field_strategy():
    from hypothesis import strategies as st

    def options(kind):
        if kind == "number":  # a bound or enum value written as text is read with the field's decimalChar
            return st.sampled_from([".", ","]).flatmap(lambda decimal: st.fixed_dictionaries(
                {"decimalChar": st.just(decimal)}, optional={
                    "groupChar": st.sampled_from(["", " ", "\u00a0", "."]),
                    "constraints": st.fixed_dictionaries({}, optional={
                        "minimum": st.sampled_from([0, -1.5, f"2{decimal}5", 1000]),
                        "maximum": st.sampled_from([10, 999.99]), "required": st.booleans(), "unique": st.booleans(),
                        "enum": st.sampled_from([[1, 2.5], [f"1{decimal}5", "0"]])})}))
        if kind == "integer":
            return st.fixed_dictionaries({}, optional={"constraints": st.fixed_dictionaries({}, optional={
                "minimum": st.sampled_from([0, 1, "5"]), "maximum": st.sampled_from([10, 1000]),
                "exclusiveMinimum": st.just(0), "exclusiveMaximum": st.just(100), "required": st.booleans(),
                "unique": st.booleans(), "enum": st.sampled_from([[0, 1, 7], ["1", "-7"]])})})
        if kind == "boolean":
            return st.fixed_dictionaries({}, optional={
                "trueValues": st.sampled_from([["oui"], ["oui", "OUI"], ["1", "true"]]),
                "falseValues": st.sampled_from([["non"], ["0"]]),
                "constraints": st.fixed_dictionaries({}, optional={"required": st.booleans(),
                                                                    "enum": st.just([True])})})
        if kind == "date":  # a bound is written in the field's format
            bounds = {"default": "2020-01-01", "%d/%m/%Y": "01/01/2020", "%Y-%m-%d": "2020-01-01", "%d.%m.%Y": "01.01.2020"}
            return st.sampled_from(sorted(bounds)).flatmap(lambda fmt: st.fixed_dictionaries(
                {"format": st.just(fmt)}, optional={"constraints": st.fixed_dictionaries({}, optional={
                    "minimum": st.just(bounds[fmt]), "required": st.booleans(), "unique": st.booleans()})}))
        if kind in ("datetime", "time"):  # no bounds: a zoned value against a naive bound fails in Frictionless
            return st.fixed_dictionaries({}, optional={"constraints": st.fixed_dictionaries(
                {}, optional={"required": st.booleans(), "unique": st.booleans()})})
        if kind == "geopoint":
            return st.fixed_dictionaries({}, optional={"format": st.sampled_from(["default", "array"]),
                                                       "constraints": st.fixed_dictionaries({}, optional={
                                                           "required": st.booleans()})})
        if kind == "year":
            return st.fixed_dictionaries({}, optional={"constraints": st.fixed_dictionaries({}, optional={
                "minimum": st.sampled_from([2000, "2010"]), "maximum": st.just(2030), "required": st.booleans()})})
        return st.fixed_dictionaries({}, optional={
            "format": st.sampled_from(["default", "email", "uri", "uuid"]),
            "constraints": st.fixed_dictionaries({}, optional={
                "required": st.booleans(), "unique": st.booleans(), "minLength": st.sampled_from([0, 2]),
                "maxLength": st.sampled_from([3, 10]), "pattern": st.sampled_from(["[0-9]{5}|2[AB][0-9]{3}", "[A-Z]+", ".*"]),
                "enum": st.sampled_from([["Jean", "ABC"], ["NA", ""]])})})

    return st.sampled_from(sorted(TRICKY)).flatmap(
        lambda kind: options(kind).map(lambda extra: {"type": kind, **extra}))


def test_generated_typed_cells_agree_with_frictionless(tmp_path_factory):
    """Generated schemas (every light type with its options and constraints, missing values,
    unique fields, primary keys) and cells (numbers with spaces and commas, 2020-02-30, booleans
    in other cases, huge integers, leading '+', exponents, NaN and INF...): the light path gives
    Frictionless' findings, and reads most tables itself."""
    import csv
    import io

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(_field_strategy(), min_size=1, max_size=4), st.data(),
           st.sampled_from([None, ["", "NA"], ["-"]]), st.booleans())
    def check(fields, data, missing, keyed):
        names = [f"c{i}" for i in range(len(fields))]
        schema = {"fields": [{"name": n, **f} for n, f in zip(names, fields)]}
        for field in schema["fields"]:  # a field's own missing values replace the schema's
            own = data.draw(st.sampled_from([None, ["NA"], ["", "0"]]))
            if own is not None:
                field["missingValues"] = own
        if missing is not None:
            schema["missingValues"] = missing
        if keyed:
            schema["primaryKey"] = names[:2]
        rows = data.draw(st.lists(st.tuples(*[st.sampled_from(TRICKY[f["type"]]) for f in fields]), max_size=8))
        ragged = data.draw(st.sampled_from([None, "short", "long", "blank"]))
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow(row)
        if ragged == "short":
            writer.writerow(list(rows[0][:-1]) if rows else [])
        elif ragged == "long":
            writer.writerow(list(rows[0]) + ["x"] if rows else ["x"])
        elif ragged == "blank":
            text.write("\n" + "," * (len(names) - 1) + "\n")
        folder = tmp_path_factory.mktemp("typed")
        path, schema_path = folder / "t.csv", folder / "schema.json"
        path.write_text(text.getvalue(), encoding="utf-8")
        schema_path.write_text(json.dumps(schema), encoding="utf-8")
        with pytest.MonkeyPatch.context() as patch:
            _typed_same(path, schema_path, patch, light=None)
            read.append(_typed_findings(path, schema_path, "light", patch)[1])

    read = []
    check()
    assert sum(read) >= 0.6 * len(read)


# A pattern that does not compile and a bound the field's type cannot read make the full path
# itself fail with a traceback (Frictionless builds its reader): the light path steps aside for
# them (plain_descriptor.py), and they are left out here until the full path says them.
MUTATIONS = [
    ("unknown type", lambda s: s["fields"][0].update(type="entier")),
    ("other type", lambda s: s["fields"][0].update(type="geopoint")),
    ("required at the top", lambda s: s["fields"][1].update(required=True)),
    ("pattern not a string", lambda s: s["fields"][1].setdefault("constraints", {}).update(pattern=5)),
    ("maxLength a string", lambda s: s["fields"][1]["constraints"].update(maxLength="12")),
    ("enum empty", lambda s: s["fields"][0]["constraints"].update(enum=[])),
    ("enum of other types", lambda s: s["fields"][1]["constraints"].update(enum=[1, "A"])),
    ("unique a string", lambda s: s["fields"][0]["constraints"].update(unique="yes")),
    ("unknown constraint", lambda s: s["fields"][1]["constraints"].update(minimum=3)),
    ("unknown string format", lambda s: s["fields"][1].update(format="siret")),
    ("date format any", lambda s: s["fields"][4].update(format="any")),
    ("date format of hours", lambda s: s["fields"][4].update(format="%d/%m/%Y %H:%M")),
    ("decimalChar two characters", lambda s: s["fields"][2].update(decimalChar=",,")),
    ("groupChar equal to decimalChar", lambda s: s["fields"][2].update(groupChar=",")),
    ("trueValues not a list", lambda s: s["fields"][3].update(trueValues="oui")),
    ("missingValues not strings", lambda s: s.update(missingValues=[None, 0])),
    ("missingValues with labels", lambda s: s.update(missingValues=[{"value": "NA", "label": "absent"}])),
    ("field missingValues", lambda s: s["fields"][2].update(missingValues=["NA"])),
    ("primary key unknown", lambda s: s.update(primaryKey=["identifiant"])),
    ("primary key a string", lambda s: s.update(primaryKey="id")),
    ("foreign key to itself", lambda s: s.update(foreignKeys=[{"fields": ["id"], "reference": {"resource": "",
                                                                                                 "fields": ["id"]}}])),
    ("duplicate field names", lambda s: s["fields"][6].update(name="latitude")),
    ("field without a name", lambda s: s["fields"][6].pop("name")),
    ("fields empty", lambda s: s.update(fields=[])),
    ("v2 profile", lambda s: s.update({"$schema": "https://datapackage.org/profiles/2.0/tableschema.json"})),
    ("v1 profile and documentation", lambda s: s.update({"$schema": "https://frictionlessdata.io/schemas/table-schema.json",
                                                         "title": "Lieux", "version": "1.0", "custom_checks": []})),
    ("title not a string", lambda s: s["fields"][0].update(title=["Id"])),
    ("bareNumber false", lambda s: s["fields"][0].update(bareNumber=False)),
    ("floatNumber", lambda s: s["fields"][2].update(floatNumber=True)),
    ("constraints a list", lambda s: s["fields"][0].update(constraints=[])),
    ("example not of the type", lambda s: s["fields"][0].update(example="un")),
    ("example with the field's decimal comma", lambda s: s["fields"][2].update(example="12,5")),
    ("example of the type", lambda s: s["fields"][0].update(example=12)),
    ("example of a boolean", lambda s: s["fields"][3].update(example="oui")),
    ("pattern and enum beside the constraints", lambda s: s["fields"][1].update(pattern="[A-Z]", enum=["A"])),
    ("keys of our own", lambda s: s["fields"][1].update({"catalog": {"public": True}, "x-unit": "m"})),
]


@pytest.mark.parametrize("label", [label for label, _ in MUTATIONS])
def test_schema_descriptors_get_frictionless_findings(label, tmp_path, monkeypatch):
    """A descriptor Frictionless finds fault with, or reads in a way the light path does not
    know, is Frictionless' to check: the findings are the same as without the light path."""
    import copy

    schema = copy.deepcopy(SCHEMA)
    dict(MUTATIONS)[label](schema)
    path, schema_path = tmp_path / "t.csv", tmp_path / "schema.json"
    path.write_text(TYPED["typed_errors.csv"], encoding="utf-8")
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    _typed_same(path, schema_path, monkeypatch, light=None)


def test_a_small_csv_with_a_schema_imports_no_frictionless(tmp_path):
    """The common case, a valid table against a plain schema: no Frictionless, pandas, numpy
    or pyarrow; an odd cell (NaN) then brings Frictionless' reader, and only it."""
    from tests.benchmarks.small_files import write_inputs

    write_inputs(tmp_path)
    probe = ("import sys, runpy\nsys.argv = ['catalog', 'validate', *sys.argv[1:], '--json']\n"
             "try:\n    runpy.run_module('catalog.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "heavy = [m for m in ('frictionless', 'pandas', 'numpy', 'pyarrow') if m in sys.modules]\n"
             "print('HEAVY', heavy, file=sys.stderr)\n")

    def heavy(*args):
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=tmp_path,
                              env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=120)
        return done.stderr.split("HEAVY ")[-1].strip(), json.loads(done.stdout)

    found, report = heavy("bare.csv", "--schema", "schema.json")
    assert found == "[]" and report["valid"] is True, found
    lines = (tmp_path / "bare.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[lines[0].split(",").index("montant")] = "NaN"  # a number no plain rule reads
    (tmp_path / "odd.csv").write_text("\n".join([lines[0], ",".join(cells)] + lines[2:]) + "\n", encoding="utf-8")
    found, report = heavy("odd.csv", "--schema", "schema.json")
    assert found == "['frictionless']" and report["valid"] is True, found


def _dataset_modes(folder, root, monkeypatch):
    """(light findings and score, whether a table was read in Python), then Frictionless' own."""
    from catalog.validate import plain_descriptor, typed_rows
    from catalog.validate.dataset import validate_dataset

    out = []
    for mode in ("light", "frictionless"):
        calls = []
        with monkeypatch.context() as patch:
            patch.setattr(text_table, "SMALL_BYTES", 1 << 24)
            if mode == "frictionless":
                patch.setattr(plain_descriptor, "plain_resource", lambda descriptor: False)
            real = typed_rows.typed_report
            patch.setattr(typed_rows, "typed_report", lambda *args: calls.append(args) or real(*args))
            target = validate_dataset(folder, root)
        out.append(([f.to_dict() for f in target.findings], target.score, bool(calls)))
    return out


def test_dataset_tables_with_plain_schemas_are_read_in_python(shared_data, monkeypatch, tmp_path):
    """A dataset folder's small tables with plain schemas are read in plain Python, with
    Frictionless' findings: the bundled datasets, the shared Data Packages and crafted datasets
    of errors (a foreign key makes the whole package Frictionless')."""
    folders = [(d, REPO) for d in sorted((REPO / "datasets").glob("*/*")) if (d / "datapackage.json").is_file()]
    folders += [(p.parent, p.parent) for p in sorted(shared_data.rglob("datapackage.json"))]
    schema = {"fields": [{"name": "id", "type": "integer", "constraints": {"required": True, "unique": True}},
                         {"name": "nom", "type": "string", "constraints": {"required": True, "maxLength": 10}},
                         {"name": "ouvert", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]},
                         {"name": "montant", "type": "number", "decimalChar": ",", "groupChar": " "},
                         {"name": "date", "type": "date", "format": "%d/%m/%Y"}], "primaryKey": ["id"]}
    rows = ("id;nom;ouvert;montant;date\n1;Gare;oui;1 250,5;31/01/2025\n1;Mairie;peut-être;12.5;2025-01-31\n"
            ";;;;\n3;Un nom trop long;non;-3;30/02/2025\n4;Parc\n")
    for name, extra in (("errors", {}), ("keyed", {"foreignKeys": [{"fields": ["id"], "reference": {
            "resource": "autre", "fields": ["id"]}}]})):
        folder = tmp_path / "datasets" / "ville" / name
        folder.mkdir(parents=True)
        (folder / "lieux.csv").write_text(rows, encoding="utf-8")
        (folder / "autre.csv").write_text("id,nom\n1,A\n2,B\n", encoding="utf-8")
        (folder / "datapackage.json").write_text(json.dumps({"name": name, "title": "Lieux", "resources": [
            {"name": "lieux", "path": "lieux.csv", "dialect": {"delimiter": ";"}, "schema": {**schema, **extra}},
            {"name": "autre", "path": "autre.csv", "schema": {"fields": [{"name": "id", "type": "integer"},
                                                                         {"name": "nom", "type": "string"}]}}]}),
            encoding="utf-8")
        folders.append((folder, tmp_path))
    book = tmp_path / "datasets" / "ville" / "classeur"
    book.mkdir(parents=True)
    _workbook(book / "lieux.xlsx", {"Vide": [], "Lieux": [["id", "nom", "ouvert", "montant", "date"],
                                                          [1, "Gare", "oui", 1250.5, "31/01/2025"],
                                                          [1, "Mairie", "peut-être", "12.5", "2025-01-31"]]})
    (book / "datapackage.json").write_text(json.dumps({"name": "classeur", "title": "Classeur", "resources": [
        {"name": "lieux", "path": "lieux.xlsx", "dialect": {"sheet": "Lieux"},
         "schema": {**schema, "fields": [dict(f, decimalChar=".", groupChar="") if f["name"] == "montant" else f
                                         for f in schema["fields"]]}}]}), encoding="utf-8")
    folders.insert(len(folders) - 2, (book, tmp_path))
    read, codes = [], set()
    for folder, root in folders:
        (ours, score, light), (theirs, their_score, _) = _dataset_modes(folder, root, monkeypatch)
        assert (ours, score) == (theirs, their_score), folder
        read.append(light)
        codes.update(f["code"] for f in ours)
    assert read[-3] and read[-2] and not read[-1]  # the crafted workbook and dataset, then the one with a foreign key
    assert sum(read) >= 4, [str(f) for (f, _), r in zip(folders, read) if not r]
    assert {"type-error", "constraint-error", "unique-error", "primary-key", "blank-row", "missing-cell",
            "foreign-key"} <= codes


def test_a_small_dataset_imports_no_frictionless(tmp_path):
    from tests.benchmarks.small_files import write_inputs

    write_inputs(tmp_path)
    probe = ("import sys, runpy\nsys.argv = ['catalog', 'validate', sys.argv[1], '--json']\n"
             "try:\n    runpy.run_module('catalog.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print('HEAVY', [m for m in ('frictionless', 'pandas', 'numpy', 'pyarrow') if m in sys.modules],"
             " file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe, "dataset"], capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert "HEAVY []" in done.stderr, done.stderr[-2000:]
    assert json.loads(done.stdout)["errors"] == 0


def test_a_row_s_errors_come_in_frictionless_order(tmp_path, monkeypatch):
    """Frictionless reads a row's unique and key fields first: their cells' errors come before
    the others' (the vectorised checks listed them field by field)."""
    path, schema = tmp_path / "t.csv", tmp_path / "schema.json"
    path.write_text("a,b,c\nx,,1\ny,5,1\nz,5,\n", encoding="utf-8")
    schema.write_text(json.dumps({"fields": [
        {"name": "a", "type": "integer"}, {"name": "b", "type": "integer", "constraints": {"unique": True, "required": True}},
        {"name": "c", "type": "integer", "constraints": {"required": True}}], "primaryKey": ["c"]}), encoding="utf-8")
    found = _typed_same(path, schema, monkeypatch)
    assert [(f["code"], f["row"], f["column"]) for f in found][:2] == [("constraint-error", 2, "b"), ("type-error", 2, "a")]
    assert found == _typed_findings(path, schema, "vectorised", monkeypatch)[0]


STRUCTURED = {  # the reading's habits, now with a schema: (file name, bytes)
    "crlf": ("t.csv", "id,nom,montant,ouvert,date,latitude,longitude\r\n1,A,\"1,5\",oui,2025-01-31,46.6,2.4\r\n\r\n"),
    "bom": ("t.csv", "\ufeffid,nom,montant,ouvert,date,latitude,longitude\n1,A,2,non,,46.6,2.4\n"),
    "quoted": ("t.csv", 'id,nom,montant,ouvert,date,latitude,longitude\n"1","A\nB","3",oui,2025-01-01,"46","2"\n'),
    "tsv": ("t.tsv", "id\tnom\tmontant\touvert\tdate\tlatitude\tlongitude\n1\tA\t1,5\toui\t2025-01-31\t46.6\t2.4\n"
                     "2\tB\t1.5\tnon\t\t\t\n"),
    "semicolon cp1252": ("t.csv", "id;nom;montant;ouvert;date;latitude;longitude\n1;Él;1,5;oui;2025-01-31;46.6;2.4\n"),
    "ragged and blank": ("t.csv", "id,nom,montant,ouvert,date,latitude,longitude\n1,A\n,,,,,,\n\n2,B,1,oui,,,,x,y\n"),
    "cr only": ("t.csv", "id,nom,montant,ouvert,date,latitude,longitude\r1,A,1,oui,,46,2\r"),
}


@pytest.mark.parametrize("label", sorted(STRUCTURED))
def test_small_typed_tables_keep_the_reading_s_habits(label, tmp_path, monkeypatch):
    name, text = STRUCTURED[label]
    path, schema = tmp_path / name, tmp_path / "schema.json"
    path.write_bytes(text.encode("cp1252" if "cp1252" in label else "utf-8"))
    schema.write_text(json.dumps(SCHEMA), encoding="utf-8")
    _typed_same(path, schema, monkeypatch, light=None)
    assert _typed_findings(path, schema, "light", monkeypatch)[1], "stepped aside"


@pytest.mark.parametrize("kind", ["statique", "dynamique"])
def test_irve_examples_against_the_national_schema_are_read_in_python(kind, shared_data, tmp_path, monkeypatch):
    """`--schema etalab/schema-irve-<kind>@2.3.1` (the snapshot's schema, points as
    `[lon, lat]` arrays): read in Python, with Frictionless' findings, on the valid example
    and on a copy with broken cells."""
    example = shared_data / "schemas" / "irve" / kind / f"exemple-valide-{kind}.csv"
    reference = Path(f"etalab/schema-irve-{kind}@2.3.1")
    _typed_same(example, reference, monkeypatch, light=True)
    lines = example.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / example.name
    row = lines[-1]
    for good, bad in {"statique": [("[7.48710500,48.345345]", "[48.3, 200]"), (",true,", ",oui,")],
                      "dynamique": [(",en_service,", ",en service,"), ("2022-10-18T12:35:49+0000", "18/10/2022")]}[kind]:
        assert good in row
        row = row.replace(good, bad)
    broken.write_text("\n".join(lines + [row]) + "\n", encoding="utf-8")
    found = _typed_same(broken, reference, monkeypatch, light=True)
    assert any(f["severity"] == "error" for f in found)


def test_small_workbooks_with_a_schema_are_read_in_python(shared_data, tmp_path, monkeypatch):
    """A workbook's sheet, once it is text (numbers without `.0`, dates as ISO), is checked
    against a plain schema in Python like a CSV: the shared workbooks with a schema beside
    them, and crafted ones, with Frictionless' findings."""
    pairs = [(p, p.parent / "schema.json") for p in sorted(shared_data.rglob("*"))
             if p.suffix.lower() in (".xlsx", ".xls", ".ods") and (p.parent / "schema.json").is_file()]
    pairs.append((shared_data / "excel" / "mayenne-cd53-2018.xlsx", shared_data / "schemas" / "subventions-scdl" / "schema.json"))
    assert len(pairs) >= 2
    for path, schema in pairs:
        _typed_same(path, schema, monkeypatch, light=None)
    rows = [["id", "nom", "montant", "ouvert", "date", "latitude", "longitude"],
            [1, "A", 12.5, "oui", "2025-01-31", 46.6, 2.4], [1, "B", "x", "peut-être", "31/01/2025", 2.4, 46.6],
            [None, None, None, None, None, None, None], [3, "Un nom bien trop long", -1, "non", None, 46, 2]]
    book = _workbook(tmp_path / "typed.xlsx", {"Données": rows})
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA), encoding="utf-8")
    found = _typed_same(book, schema, monkeypatch, light=True)
    assert {"type-error", "primary-key", "constraint-error", "blank-row"} <= {f["code"] for f in found}


@pytest.mark.parametrize("where", ["file", "dataset"])
def test_a_bug_in_the_typed_light_path_fails_loudly_under_tests(where, tmp_path, monkeypatch):
    """Injected failure in typed_rows: raised under the test suite; for users, Frictionless answers."""
    from catalog.validate import typed_rows
    from catalog.validate.dataset import validate_dataset

    folder = tmp_path / "datasets" / "ville" / "lieux"
    folder.mkdir(parents=True)
    (folder / "t.csv").write_text(TYPED["typed_errors.csv"], encoding="utf-8")
    (folder / "schema.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    (folder / "datapackage.json").write_text(json.dumps({"name": "lieux", "title": "Lieux", "resources": [
        {"name": "t", "path": "t.csv", "schema": SCHEMA}]}), encoding="utf-8")

    def run():
        if where == "file":
            return [f.to_dict() for f in files.validate_file(folder / "t.csv", "t.csv", folder / "schema.json").findings]
        return [f.to_dict() for f in validate_dataset(folder, tmp_path).findings]

    expected = run()
    assert any(f["code"] == "type-error" for f in expected)

    def broken(*args):
        raise RuntimeError("injected")

    monkeypatch.setattr(typed_rows, "typed_report", broken)
    with pytest.raises(RuntimeError, match="injected"):
        run()
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    monkeypatch.delenv("CATALOG_STRICT", raising=False)
    assert run() == expected
