"""The cell checks read a table through the one reader (catalog.delimited.text_batches), or are fed
the batches the table checks read: the same cells either way."""
import csv
import io
import random

import pytest

import catalog.validate.cells as cells
from catalog.validate.context import TableContext

CELLS = [
    "", " ", "  ", "\u00a0", "T000123", "12:35:26", "42", "-12,5", "+33 6 12 34 56 78", "0612345678",
    "06 12 34 56 78", "=SUM(A1:A9)", "=1+1", "-=1+1", "@SUM(A1)", "+A1*2", "\t=cmd|' /C calc'!A0", "@VilleDeX",
    "- voir annexe", "jean.dupont@sampleville.fr", "contact@mairie.fr", "zorglub1987@gmail.com",
    "Jean DUPONT", "DUPONT Jean", "Mme Martin", "Marie-Claire Le Goff", "Gymnase Jean Moulin",
    "FR7630006000011234567890189", "1850578006048 23", "École élémentaire", "a@b", "x" * 12, "Paris",
]


def write(path, rows, seed, encoding="utf-8", delimiter=","):
    rng = random.Random(seed)
    header = ["id", "contact", "nom", "prenom", "note", "latitude", "longitude"]
    lines = [delimiter.join(header)]
    for i in range(rows):
        lat, lon = rng.choice([("46.6", "2.4"), ("2.4", "46.6"), ("95", "2"), ("40,5", "3"), ("", ""), ("x", "1")])
        row = [f"R{i:06d}", rng.choice(CELLS), rng.choice(CELLS), rng.choice(CELLS), rng.choice(CELLS), lat, lon]
        lines.append(delimiter.join(c.replace(delimiter, " ") for c in row))
    path.write_bytes(("\r\n" if seed % 2 else "\n").join(lines).encode(encoding) + b"\n")


def findings(table, encoding, delimiter):
    return [f.to_dict() for f in cells.check_cells(table, "csv", encoding, delimiter)]


def reference_rows(path, encoding, delimiter):
    """(header, [(row number, cells)]) as Python's csv module splits the whole text (Frictionless'
    parser), each record padded or cut to the header's width: what the one reader must give."""
    text = path.read_bytes().decode(encoding, errors="replace").lstrip("\ufeff")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header, width = records[0], len(records[0])
    return header, [(number, (r + [""] * width)[:width]) for number, r in enumerate(records[1:], start=2)]


def read_rows(source, encoding, delimiter, rows=None):
    """(header, [(row number, cells)]) as delimited.text_batches gives them."""
    from catalog.delimited import text_batches

    header, found = None, []
    for batch in text_batches(source, encoding, delimiter, rows=rows):
        header = batch.names
        assert batch.first_row == len(found) + 2  # batches follow each other, row numbers too
        found += [(batch.first_row + i, list(cells)) for i, cells in enumerate(zip(*[c.to_pylist() for c in batch.columns]))]
    return header, found


@pytest.mark.parametrize("seed,encoding,delimiter", [(1, "utf-8", ","), (2, "cp1252", ";"), (3, "utf-8", "\t")])
def test_the_cell_checks_read_through_the_one_reader(tmp_path, seed, encoding, delimiter, monkeypatch):
    """The cell checks see exactly the text delimited.text_batches gives, which is the csv module's split."""
    import catalog.delimited as delimited

    path = tmp_path / "people.csv"
    write(path, 120_000, seed, encoding, delimiter)
    table = TableContext("people.csv", path, {"note": {"name": "note", "catalog": {"public": seed == 3}}})
    seen = []
    monkeypatch.setattr(delimited, "text_batches", lambda *a, real=delimited.text_batches, **k: seen.append(a) or real(*a, **k))
    found = findings(table, encoding, delimiter)
    assert [a[0] for a in seen] == [path]  # one reading, by the one reader
    codes = {f["code"] for f in found}
    assert {"personal-data", "formula-injection"} <= codes and len(found) >= 6
    assert read_rows(path, encoding, delimiter, rows=50_000) == reference_rows(path, encoding, delimiter)


def test_quoted_and_ragged_files_are_read_whole(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('a,b\n"=1+1, quoted",jean.dupont@gmail.com\n', encoding="utf-8")
    found = cells.check_cells(TableContext("quoted.csv", path), "csv", "utf-8", ",")
    assert {f.code for f in found} == {"formula-injection", "personal-data"}
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n=1+1,x\n=2+2\n", encoding="utf-8")
    found = cells.check_cells(TableContext("ragged.csv", ragged), "csv", "utf-8", ",")
    assert [(f.code, f.row) for f in found] == [("formula-injection", 2)]


def test_the_cell_checks_stop_with_the_table_checks_at_the_error_limit(tmp_path, monkeypatch):
    """The vectorised table checks hand their Arrow batches to the cell checks (one parse of
    the file, not two); when they stop at the error limit, as Frictionless does, the cell checks
    stop with them and say at which row: their findings are those of the rows read, alone."""
    import frictionless

    from catalog.validate import table_checks

    path = tmp_path / "people.csv"
    write(path, 120_000, 1)
    table = TableContext("people.csv", path, {})
    fields = [{"name": n, "type": "integer" if n == "note" else "string"}
              for n in ["id", "contact", "nom", "prenom", "note", "latitude", "longitude"]]
    resource = frictionless.Resource({"name": "people", "path": "people.csv", "schema": {"fields": fields}},
                                     basepath=str(tmp_path))
    shared = cells.SharedRead(table, "utf-8", ",")
    report = table_checks.validate(resource, 1000, shared)
    assert len(report.tasks[0].errors) == 1000  # "note" is mostly not an integer: the limit was hit early
    assert shared.complete and 1000 < shared.stopped_at < 120_001

    import catalog.delimited as delimited

    lines = path.read_bytes().splitlines(keepends=True)
    head = tmp_path / "head" / "people.csv"
    head.parent.mkdir()
    head.write_bytes(b"".join(lines[:shared.stopped_at]))  # the header is row 1
    alone = findings(TableContext("people.csv", head, {}), "utf-8", ",")

    def read_again(*args, **kwargs):
        raise AssertionError("the file was read a second time")
    monkeypatch.setattr(delimited, "text_batches", read_again)
    found = [f.to_dict() for f in cells.check_cells(table, "csv", "utf-8", ",", shared=shared)]
    assert found[0]["code"] == "cell-checks-incomplete" and found[0]["row"] == shared.stopped_at
    assert found[1:] == alone


def test_a_reading_the_cell_checks_would_not_make_is_refused(tmp_path):
    from catalog.validate import table_checks
    import frictionless

    path = tmp_path / "semi.csv"
    path.write_text("a;b\n=1+1;x\n", encoding="utf-8")
    shared = cells.SharedRead(TableContext("semi.csv", path), "utf-8", ",")  # told ',' but the file says ';'
    table_checks.validate(frictionless.Resource({"name": "semi", "path": "semi.csv", "dialect": {"delimiter": ";"},
                                         "schema": {"fields": [{"name": "a"}, {"name": "b"}]}},
                                        basepath=str(tmp_path)), 1000, shared)
    assert not shared.complete


def test_a_reading_abandoned_half_way_is_not_used(tmp_path):
    """A ragged row far down the file makes the table checks hand over to Frictionless after
    feeding the cell checks some batches: those partial counts must not be reported."""
    import frictionless

    from catalog.validate import table_checks

    path = tmp_path / "people.csv"
    write(path, 120_000, 1)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("R999999,jean.dupont@gmail.com\n")  # two cells where the header has seven
    table = TableContext("people.csv", path, {})
    fields = [{"name": n, "type": "string"} for n in ["id", "contact", "nom", "prenom", "note", "latitude", "longitude"]]
    shared = cells.SharedRead(table, "utf-8", ",")
    report = table_checks.validate(frictionless.Resource({"name": "people", "path": "people.csv", "schema": {"fields": fields}},
                                                 basepath=str(tmp_path)), 1000, shared)
    assert shared.checks is None and not shared.complete  # it was fed, then abandoned: forgotten (restart)
    assert any(e.type == "missing-cell" for e in report.tasks[0].errors)
    alone = [f.to_dict() for f in cells.check_cells(table, "csv", "utf-8", ",")]
    assert [f.to_dict() for f in cells.check_cells(table, "csv", "utf-8", ",", shared=shared)] == alone


def test_validate_says_where_the_cell_checks_stopped_at_the_error_limit(tmp_path):
    """`catalog validate` of a large file past the error limit: one warning says the checks
    stopped and where; the personal data of the rows read is still reported."""
    import json
    import subprocess
    import sys

    rows = ["id,n,contact"] + [f"{i},{'x' if i % 2 else i},{'jean.dupont@gmail.com' if i == 5 else 'Mairie'}"
                               for i in range(300_000)]
    (tmp_path / "big.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "big.schema.json").write_text(json.dumps({"fields": [
        {"name": "id", "type": "integer"}, {"name": "n", "type": "integer"}, {"name": "contact", "type": "string"}]}))
    run = subprocess.run([sys.executable, "-m", "catalog.cli", "validate", "big.csv", "--schema", "big.schema.json",
                          "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    found = json.loads(run.stdout)["targets"][0]["findings"]
    codes = [f["code"] for f in found]
    assert codes.count("type-error") == 1000 and "cell-checks-incomplete" not in codes
    stop = next(f for f in found if f["code"] == "too-many-errors")
    row = int(stop["message"].rsplit("at row ", 1)[1].rstrip(".").replace(",", ""))
    assert 2_000 < row < 300_001, stop["message"]
    personal = next(f for f in found if f["code"] == "personal-data")
    assert personal["row"] == 7 and personal["column"] == "contact"


RAW_PIECES = ["a", "b", ",", '"', '""', "\n", "\r\n", "\r", "é", " "]


@pytest.mark.parametrize("block", [5, 16, 40, 2 << 20])
def test_raw_quotes_are_read_as_the_csv_module_reads_them(tmp_path, monkeypatch, block):
    """The one reader splits quoted values with pyarrow where their quotes follow the rules,
    cutting blocks between records only; anywhere else the csv module reads: the same cells."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    import catalog.delimited as delimited

    monkeypatch.setattr(delimited._TextReader, "BLOCK", block)
    headers = ["h1,h2,h3\n", '"h1","h2",h3\r\n', "\ufeffh1,h2,h3\n", '"h,1",h2,h3\n']

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(headers), st.lists(st.sampled_from(RAW_PIECES), max_size=120))
    def check(header, pieces):
        text = header + "".join(pieces)
        path = tmp_path / "raw.csv"
        path.write_bytes(text.encode("utf-8"))
        records = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
        width = len(records[0])
        try:
            names, found = read_rows(path, "utf-8", ",", rows=3)
        except delimited.Unsplittable:
            return
        assert found == [(n, (r + [""] * width)[:width]) for n, r in enumerate(records[1:], start=2)]
        assert names is None or names == records[0]

    check()


def test_a_file_quoted_by_the_rules_is_split_by_pyarrow(tmp_path, monkeypatch):
    """One quoted cell used to send the whole file to the csv module (several times slower)."""
    import catalog.delimited as delimited

    path = tmp_path / "quoted.csv"
    rows = ['"id";"nom"'] + [f'{i};"Dupont; Marie ""dite"" M."' for i in range(1000)]
    path.write_text("\r\n".join(rows) + "\r\n", encoding="cp1252")
    monkeypatch.setattr(delimited._TextReader, "_csv", lambda *a: (_ for _ in ()).throw(AssertionError("csv module")))
    names, found = read_rows(path, "cp1252", ";")
    assert names == ["id", "nom"] and len(found) == 1000
    assert found[-1] == (1001, ["999", 'Dupont; Marie "dite" M.'])


def test_a_quote_left_open_is_not_scanned_again_with_every_block(tmp_path, monkeypatch):
    """Hostile input: one quote opened at the top of a large file. Looking for the end of that
    record stops at LONGEST_RECORD; the csv module then reads on, in one pass."""
    import catalog.delimited as delimited

    monkeypatch.setattr(delimited._TextReader, "BLOCK", 64)
    monkeypatch.setattr(delimited, "LONGEST_RECORD", 512)
    scanned = []
    real = delimited.record_end
    monkeypatch.setattr(delimited, "record_end", lambda data, at_end: scanned.append(len(data)) or real(data, at_end))
    path = tmp_path / "open.csv"
    path.write_text('a,b\n"x,1\n' + "".join(f"{i},y\n" for i in range(20_000)), encoding="utf-8")
    try:
        for _ in delimited.text_batches(path, "utf-8", ","):
            pass
    except delimited.Unsplittable:  # the csv module's limit on one value, unless a reader raised it
        pass
    assert sum(scanned) < 10 * 512


def test_a_quoted_crlf_across_pyarrow_blocks_keeps_its_lf(tmp_path, monkeypatch):
    """pyarrow drops the LF of a quoted CR LF that straddles two of its internal blocks: a piece
    with quoted values is parsed as one block, whatever its size."""
    import catalog.delimited as delimited

    path = tmp_path / "crlf.csv"
    path.write_bytes(b"a,b\r\n" + b'"ab\r\ncd",x\r\n' * 40)
    expected = [(n, ["ab\r\ncd", "x"]) for n in range(2, 42)]
    for block in range(6, 48):
        monkeypatch.setattr(delimited._TextReader, "BLOCK", block)
        assert read_rows(path, "utf-8", ",")[1] == expected, block
