"""The cell checks fed from Arrow batches give exactly the findings of the pandas reading."""
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


def findings(table, encoding, delimiter, arrow):
    if not arrow:
        def refuse(*args):
            raise cells.NotDecidable("pandas wanted")
        saved, cells._check_arrow = cells._check_arrow, refuse
    try:
        return [f.to_dict() for f in cells.check_cells(table, "csv", encoding, delimiter)]
    finally:
        if not arrow:
            cells._check_arrow = saved


@pytest.mark.parametrize("seed,encoding,delimiter", [(1, "utf-8", ","), (2, "cp1252", ";"), (3, "utf-8", "\t")])
def test_arrow_and_pandas_readings_agree(tmp_path, seed, encoding, delimiter, monkeypatch):
    path = tmp_path / "people.csv"
    write(path, 120_000, seed, encoding, delimiter)
    table = TableContext("people.csv", path, {"note": {"name": "note", "catalog": {"public": seed == 3}}})
    read = []
    monkeypatch.setattr(cells, "chunk_checks", lambda t, real=cells.chunk_checks: read.append(1) or real(t))
    fast = findings(table, encoding, delimiter, arrow=True)
    assert read == [1]  # the Arrow reading was used, not a fallback
    slow = findings(table, encoding, delimiter, arrow=False)
    assert fast == slow
    codes = {f["code"] for f in fast}
    assert {"personal-data", "formula-injection"} <= codes and len(fast) >= 6


def test_files_arrow_cannot_split_go_to_pandas(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('a,b\n"=1+1, quoted",jean.dupont@gmail.com\n', encoding="utf-8")
    with pytest.raises(cells.NotDecidable):
        cells._check_arrow(TableContext("quoted.csv", path), "utf-8", ",", None)
    found = cells.check_cells(TableContext("quoted.csv", path), "csv", "utf-8", ",")
    assert {f.code for f in found} == {"formula-injection", "personal-data"}
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n=1+1,x\n=2+2\n", encoding="utf-8")
    found = cells.check_cells(TableContext("ragged.csv", ragged), "csv", "utf-8", ",")
    assert [(f.code, f.row) for f in found] == [("formula-injection", 2)]


def test_table_checks_feed_the_cell_checks_to_the_end(tmp_path, monkeypatch):
    """The vectorised table checks hand their Arrow batches to the cell checks (one parse of
    the file, not two), on past their own error limit, with the findings of a reading alone."""
    import frictionless

    from catalog.validate import table_checks

    path = tmp_path / "people.csv"
    write(path, 120_000, 1)
    table = TableContext("people.csv", path, {})
    alone = findings(table, "utf-8", ",", arrow=True)
    fields = [{"name": n, "type": "integer" if n == "note" else "string"}
              for n in ["id", "contact", "nom", "prenom", "note", "latitude", "longitude"]]
    resource = frictionless.Resource({"name": "people", "path": "people.csv", "schema": {"fields": fields}},
                                     basepath=str(tmp_path))
    shared = cells.SharedRead(table, "utf-8", ",")
    report = table_checks.validate(resource, 1000, shared)
    assert len(report.tasks[0].errors) == 1000  # "note" is mostly not an integer: the limit was hit early
    assert shared.complete

    def read_again(*args):
        raise AssertionError("the file was read a second time")
    monkeypatch.setattr(cells, "_check_arrow", read_again)
    assert [f.to_dict() for f in cells.check_cells(table, "csv", "utf-8", ",", shared=shared)] == alone


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
    assert shared.checks is not None and not shared.complete  # it was fed, then abandoned
    assert any(e.type == "missing-cell" for e in report.tasks[0].errors)
    alone = [f.to_dict() for f in cells.check_cells(table, "csv", "utf-8", ",")]
    assert [f.to_dict() for f in cells.check_cells(table, "csv", "utf-8", ",", shared=shared)] == alone
