"""The vectorised validator and Frictionless agree, error for error.

Each case validates the same resource twice, with `frictionless.Resource.validate`
and with `catalog.validate.table_checks`, and compares every error's (row, field, type, cell,
note) and the findings users see (in the order of rows; within a row each states its
errors in its own order). Cases also say whether the fast path must decide by itself, so a fast path
that quietly always handed over to Frictionless would fail here.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import zipfile

import frictionless
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.validate import table_checks, tables

LIMIT = tables.LIMIT_ERRORS


def said(error) -> dict:
    """What an error says, whoever built it: (row, field, type, cell, note)."""
    return {"rowNumber": getattr(error, "row_number", None), "fieldName": getattr(error, "field_name", None),
            "type": error.type, "cell": getattr(error, "cell", None), "note": getattr(error, "note", "")}


def _in_row_order(items, row):
    return sorted(items, key=lambda item: (row(item) or 0, json.dumps(item, sort_keys=True, default=str)))


def outcome(run):
    """Everything a validation says, comparable with ==."""
    try:
        report = run()
    except frictionless.FrictionlessException as error:
        return {"exception": error.error.to_descriptor()}
    return {
        "valid": report.valid,
        "errors": [e.to_descriptor() for e in report.errors],
        "tasks": [{"errors": _in_row_order([said(e) for e in t.errors], lambda e: e["rowNumber"]),
                   "warnings": t.warnings} for t in report.tasks],
        "findings": _in_row_order([f.to_dict() for f in tables.findings_of(report, lambda task: "file.csv")],
                                  lambda f: f["row"]),
    }


def agree(descriptor, basepath, limit=LIMIT, decided=None):
    make = lambda: frictionless.Resource(copy.deepcopy(descriptor), basepath=str(basepath))
    slow = outcome(lambda: make().validate(limit_errors=limit))
    quick = outcome(lambda: table_checks.validate(make(), limit))
    assert quick == slow
    if decided is not None:
        try:
            report = table_checks.fast_report(make(), limit)
        except frictionless.FrictionlessException:
            report = None
        assert (report is not None) == decided, "the fast path should " + ("" if decided else "not ") + "decide"
    plain = plain_agree(descriptor, basepath, limit, slow)
    if decided and plain is not None:
        assert plain, "the fast path planned without Frictionless should decide a plain descriptor"
    return slow


def plain_agree(descriptor, basepath, limit, slow):
    """For a descriptor plain_descriptor.py accepts, the fast path planned without Frictionless
    (`table_checks.plain_report`) gives Frictionless' answer too; whether it decided, or None
    for another descriptor."""
    from pathlib import Path

    from catalog.validate.plain_descriptor import plain_resource

    fmt = descriptor.get("format") or descriptor["path"].rsplit(".", 1)[-1]
    if not plain_resource({**descriptor, "format": fmt}):
        return None
    decided = []

    def run():
        report = table_checks.plain_report(Path(basepath) / descriptor["path"], fmt, descriptor.get("encoding", "utf-8"),
                                           (descriptor.get("dialect") or {}).get("delimiter"),
                                           copy.deepcopy(descriptor["schema"]), descriptor["name"], limit)
        decided.append(report is not None)
        return report or frictionless.Resource(copy.deepcopy(descriptor), basepath=str(basepath)).validate(
            limit_errors=limit)
    assert outcome(run) == slow
    return decided[0]


def write(folder, data, name="file.csv"):
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return name


def fields(*specs):
    return {"fields": [dict(name=n, type=t, **extra) for n, t, extra in specs]}


TYPED = fields(("id", "integer", {"constraints": {"required": True, "minimum": 1, "maximum": 100}}),
               ("code", "string", {"constraints": {"pattern": "[A-Z]{2}[0-9]+", "maxLength": 5}}),
               ("price", "number", {"constraints": {"minimum": 0, "maximum": 999.99}}),
               ("open", "boolean", {}),
               ("day", "date", {}),
               ("kind", "string", {"constraints": {"enum": ["bus", "tram"]}}),
               ("level", "integer", {"constraints": {"enum": [0, 1, 2]}}))

CASES = {
    "clean": ("id,code,price,open,day,kind,level\n1,AB1,2.5,true,2025-01-31,bus,0\n2,CD22,0,false,2024-02-29,tram,2\n",
              TYPED, {}, True),
    "every kind of bad cell": (
        "id,code,price,open,day,kind,level\n"
        "0,AB1,2.5,true,2025-01-31,bus,0\n"        # minimum
        ",ab1,-1,yes,2025-02-30,Bus,3\n"           # required, pattern, minimum, boolean, date, enum, enum
        "x,ABCDEF1,1000,1,31/01/2025,car,x\n"       # type, pattern+maxLength, exclusiveMaximum, date, enum, type
        ' 7 ,"AB1\n",1e2,TRUE,2025-01-01,,-0\n'       # spaces around an integer, a line break in a pattern cell
        "+5,AB1 ,1_000,0,2025-1-1,tram,00\n"        # what Python's int() and Decimal() also accept
        "101,,NaN,False,,bus,2\n",
        TYPED, {}, True),
    "blank rows and all-missing keys": (
        "id,name\n1,a\n,\n2,\n,\n", {**fields(("id", "integer", {}), ("name", "string", {})), "primaryKey": ["id"]},
        {}, True),
    "unique and primary key": (
        "trip,seq,code\nT1,1,a\nT1,2,b\nT1,1,c\nT2,01,a\nT2,1,a\nT1,2,z\n,1,\nT2,x,b\n",
        {**fields(("trip", "string", {}), ("seq", "integer", {}), ("code", "string", {"constraints": {"unique": True}})),
         "primaryKey": ["trip", "seq"]}, {}, True),
    "unique field checked before other fields": (
        "a,b,c\nx,1,k\ny,2,k\n1,z,k\n",
        fields(("a", "integer", {}), ("b", "integer", {}), ("c", "string", {"constraints": {"unique": True}})),
        {}, True),
    "missing values and patterns Python reads its own way": (
        "code,n\nNA,-\n\\d1,5\nab,٣\n12,\n",
        {**fields(("code", "string", {"constraints": {"pattern": r"\d+|ab", "required": True}}),
                  ("n", "integer", {"constraints": {"required": True}})),
         "missingValues": ["", "NA", "-"]}, {}, True),
    "decimal comma and thousands": (
        "montant;taux\n1 234,5;0,5\n12,5;1.5\n1.234,5;2\n-3;,5\n",
        fields(("montant", "number", {"decimalChar": ",", "groupChar": " ", "constraints": {"minimum": 0}}),
               ("taux", "number", {"decimalChar": ","})),
        {"dialect": {"delimiter": ";"}}, True),
    "numbers at their bounds": (
        "x\n0.1\n0.10000000000000001\n0.09999999999999999\n1E-1\n",
        fields(("x", "number", {"constraints": {"minimum": 0.1, "maximum": "0.1"}})), {}, True),
    "quoted cells and line breaks inside them": (
        'name,notes\n"Dupont, Marie","a ""quoted"" word"\n"x","two\nlines"\nplain,"a"b\n',
        fields(("name", "string", {"constraints": {"pattern": "[^,]+"}}), ("notes", "string", {"constraints": {"maxLength": 9}})),
        {}, True),
    "cp1252 with a semicolon": (
        "commune;nom\n00001;Montréal\n1;Évian\n".encode("cp1252"),
        fields(("commune", "string", {"constraints": {"pattern": "[0-9]{5}"}}), ("nom", "string", {})),
        {"encoding": "cp1252", "dialect": {"delimiter": ";"}}, True),
    "tab separated": ("a\tb\n1\t2\nx\t3\n", fields(("a", "integer", {}), ("b", "integer", {})), {"format": "tsv"}, True),
    "one column with a blank line": ("a\n1\n\n2\n", fields(("a", "integer", {})), {}, False),
    "rows with missing or extra cells": ("a,b\n1,2\n3\n4,5,6\n", fields(("a", "integer", {}), ("b", "integer", {})), {}, False),
    "header not matching the schema": ("a,c\n1,2\n", fields(("a", "integer", {}), ("b", "integer", {})), {}, False),
    "bare number off": ("n\n€5\n12 %\n", fields(("n", "integer", {"bareNumber": False})), {}, True),
    "string formats": ("mail,id\nx@example.org,550e8400-e29b-41d4-a716-446655440000\nnot a mail,123\n",
                       fields(("mail", "string", {"format": "email"}), ("id", "string", {"format": "uuid"})), {}, True),
    "declared byte count": ("a\n1\n", fields(("a", "integer", {})), {"bytes": 99}, False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_crafted_files(tmp_path, name):
    data, schema, extra, decided = CASES[name]
    path = write(tmp_path, data)
    agree({"name": "file", "path": path, "schema": schema, **extra}, tmp_path, decided=decided)


def test_error_limit_cuts_at_the_same_error(tmp_path):
    rows = "".join(f"{i},{'x' if i % 3 else i}\n" for i in range(1, 400))
    path = write(tmp_path, "a,b\n" + rows)
    schema = fields(("a", "integer", {"constraints": {"maximum": 10}}), ("b", "integer", {}))
    result = agree({"name": "file", "path": path, "schema": schema}, tmp_path, limit=50, decided=True)
    assert len(result["tasks"][0]["errors"]) == 50
    assert result["findings"][-1]["code"] == "too-many-errors" or len(result["findings"]) == 50


def test_duplicates_across_batches(tmp_path, monkeypatch):
    """Keys remembered from earlier batches name the latest earlier row, as Frictionless does."""
    from catalog.validate import csv_batches

    monkeypatch.setattr(csv_batches, "BATCH_ROWS", 7)
    monkeypatch.setattr(csv_batches, "BLOCK_BYTES", 64)
    rows = "".join(f"{i % 13},{i % 5}\n" for i in range(60))
    path = write(tmp_path, "k,u\n" + rows)
    schema = {**fields(("k", "integer", {}), ("u", "integer", {"constraints": {"unique": True}})), "primaryKey": ["k"]}
    result = agree({"name": "file", "path": path, "schema": schema}, tmp_path, decided=True)
    notes = [e["note"] for e in result["tasks"][0]["errors"]]
    assert "the same as in the row at position 15" in notes


@pytest.mark.parametrize("ending", ["\r\n", "\r", "\n"])
def test_small_blocks_cut_between_line_ends(tmp_path, monkeypatch, ending):
    """Blocks are cut at line ends; a CR LF split across two blocks must not make a blank row."""
    from catalog.validate import csv_batches

    monkeypatch.setattr(csv_batches, "BLOCK_BYTES", 5)
    text = ending.join(["a,b", "1,x", "22,y", "z,3", "4,", "5,éé", ""])
    path = write(tmp_path, text.encode("cp1252"))
    schema = fields(("a", "integer", {}), ("b", "string", {"constraints": {"required": True, "maxLength": 1}}))
    result = agree({"name": "file", "path": path, "schema": schema, "encoding": "cp1252"}, tmp_path, decided=True)
    assert [e["rowNumber"] for e in result["tasks"][0]["errors"]] == [4, 5, 6]


def test_an_unexpected_failure_fails_the_tests_and_falls_back_for_users(tmp_path, monkeypatch):
    from catalog.validate import field_checks

    def broken(self, column, want_values):  # a fake, only to inject the failure
        raise RuntimeError("injected")

    monkeypatch.setattr(field_checks.FieldCheck, "run", broken)
    data, schema, extra, _ = CASES["every kind of bad cell"]
    path = write(tmp_path, data)
    resource = frictionless.Resource({"name": "file", "path": path, "schema": schema, **extra}, basepath=str(tmp_path))
    with pytest.raises(RuntimeError, match="injected"):  # under the test suite a fast-path bug is loud
        table_checks.validate(resource, LIMIT)
    monkeypatch.delenv("PYTEST_CURRENT_TEST")  # as a user runs it: Frictionless still gives the report
    result = agree({"name": "file", "path": path, "schema": schema, **extra}, tmp_path, decided=False)
    assert not result["valid"]
    same_bytes({"name": "file", "path": path, "schema": schema}, tmp_path, tmp_path, decided=True)


def package_agree(descriptor, basepath, decided_resources=()):
    make = lambda: frictionless.Package(copy.deepcopy(descriptor), basepath=str(basepath))
    slow = outcome(lambda: make().validate(limit_errors=LIMIT))
    assert outcome(lambda: table_checks.validate_package(make(), LIMIT)) == slow
    for name in decided_resources:
        assert table_checks.fast_report(make().get_resource(name), LIMIT) is not None, f"{name} should be decided"
    return slow


def test_foreign_keys(tmp_path):
    write(tmp_path, "stop_id,zone,name\nS1,1,Gare\nS2,1,Mairie\nS3,2,Lycée\n,3,Sans id\n", "stops.csv")
    write(tmp_path, "trip_id,stop_id,zone,seq,next\nT1,S1,1,1,2\nT1,S9,1,2,3\nT1,,1,3,9\nT2,S3,1,1,\n"
                    "T2,S3,2,2,1\nT2,x,,3,1\n", "stop_times.csv")
    stops = {"name": "stops", "path": "stops.csv",
             "schema": fields(("stop_id", "string", {}), ("zone", "integer", {}), ("name", "string", {}))}
    times = {"name": "stop_times", "path": "stop_times.csv", "schema": {
        **fields(("trip_id", "string", {}), ("stop_id", "string", {"constraints": {"pattern": "S[0-9]"}}),
                 ("zone", "integer", {}), ("seq", "integer", {"constraints": {"unique": False}}), ("next", "integer", {})),
        "foreignKeys": [
            {"fields": ["stop_id"], "reference": {"resource": "stops", "fields": ["stop_id"]}},
            {"fields": ["stop_id", "zone"], "reference": {"resource": "stops", "fields": ["stop_id", "zone"]}},
            {"fields": "next", "reference": {"resource": "", "fields": "seq"}},
        ]}}
    result = package_agree({"name": "feed", "resources": [stops, times]}, tmp_path, ["stop_times"])
    kinds = [e["type"] for t in result["tasks"] for e in t["errors"]]
    assert kinds.count("foreign-key") >= 4


def test_foreign_keys_between_types_are_left_to_frictionless(tmp_path):
    write(tmp_path, "code\n1\n2\n", "ref.csv")
    write(tmp_path, "code\n1\n3\n", "data.csv")
    ref = {"name": "ref", "path": "ref.csv", "schema": fields(("code", "integer", {}))}
    data = {"name": "data", "path": "data.csv", "schema": {**fields(("code", "string", {})),
            "foreignKeys": [{"fields": ["code"], "reference": {"resource": "ref", "fields": ["code"]}}]}}
    package_agree({"name": "p", "resources": [ref, data]}, tmp_path)
    make = lambda: frictionless.Package({"name": "p", "resources": [ref, data]}, basepath=str(tmp_path))
    assert table_checks.fast_report(make().get_resource("data"), LIMIT) is None


# --- normalised output (catalog package) ---------------------------------------------------

def same_bytes(descriptor, basepath, tmp_path, decided=True):
    """The column writer and the row-by-row writer give the same file, byte for byte."""
    from catalog.normalise import CellsLost
    from catalog.normalise import write_csv as slow_write
    from catalog.normalise_columns import write_csv as fast_write

    slow, quick = tmp_path / "slow.out", tmp_path / "fast.out"
    quick_result = fast_write(copy.deepcopy(descriptor), str(basepath), quick)
    quick_rows = quick_result[0] if quick_result is not None else None
    try:
        slow_rows = _row_by_row(slow_write, descriptor, basepath, slow)
    except frictionless.FrictionlessException:
        assert quick_rows is None  # a resource Frictionless cannot read is never written here either
        return
    except CellsLost as lost:  # both writers count the same cells read and written
        assert quick_result is None or quick_result[2] != quick_result[3], lost.message
        slow_rows = quick_rows
    if decided is not None:
        assert (quick_rows is not None) == decided
    if quick_rows is not None:
        assert quick_rows == slow_rows and quick.read_bytes() == slow.read_bytes()


def _row_by_row(write, descriptor, basepath, target):
    from catalog import normalise_columns

    saved = normalise_columns.write_csv
    normalise_columns.write_csv = lambda *args, **kwargs: None  # the hook in normalise steps aside
    try:
        return write(copy.deepcopy(descriptor), str(basepath), target)
    finally:
        normalise_columns.write_csv = saved


@pytest.mark.parametrize("name", sorted(n for n in CASES if CASES[n][3]))
def test_normalised_files_are_the_same(tmp_path, name):
    data, schema, extra, _ = CASES[name]
    path = write(tmp_path, data)
    same_bytes({"name": "file", "path": path, "schema": schema, **extra}, tmp_path, tmp_path)


def test_normalised_french_table(tmp_path):
    from tests.benchmarks.inputs import IRVE_BAD, IRVE_SCHEMA, irve, spoil

    frame = spoil(irve(3000), IRVE_BAD, 0.01)
    frame.to_csv(tmp_path / "irve.csv", index=False, sep=";", encoding="cp1252", lineterminator="\r\n")
    same_bytes({"name": "irve", "path": "irve.csv", "schema": IRVE_SCHEMA, "encoding": "cp1252",
                "dialect": {"delimiter": ";"}}, tmp_path, tmp_path)


# --- real files --------------------------------------------------------------------------------

def _examples(shared):
    for schema_path in sorted((shared / "schemas").rglob("schema*.json")):
        for csv_path in sorted(schema_path.parent.glob("exemple*.csv")):
            yield schema_path, csv_path


def test_real_schema_examples(shared_data, tmp_path):
    checked = decided = 0
    for schema_path, csv_path in _examples(shared_data):
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        descriptor = {"name": "example", "path": csv_path.name, "schema": schema}
        agree(descriptor, csv_path.parent)
        same_bytes(descriptor, csv_path.parent, tmp_path, decided=None)
        checked += 1
        try:
            decided += table_checks.fast_report(frictionless.Resource(copy.deepcopy(descriptor), basepath=str(csv_path.parent)),
                                        LIMIT) is not None
        except frictionless.FrictionlessException:
            pass
    assert checked >= 12
    assert decided >= 6  # most real examples are decided by the fast path itself


def test_top_level_required_is_handled_as_frictionless_does(shared_data):
    """comptage-mobilites and plf declare `required` on fields, not in `constraints`; Frictionless 5 rejects it."""
    for folder in ("comptage-mobilites", "plf"):
        base = shared_data / "schemas" / folder
        schema = json.loads((base / "schema.json").read_text(encoding="utf-8"))
        assert any("required" in field for field in schema["fields"])
        for csv_path in sorted(base.glob("*.csv")):
            result = agree({"name": "example", "path": csv_path.name, "schema": schema}, base, decided=False)
            assert "exception" in result or not result["valid"]


def test_real_data_packages(shared_data):
    for folder in ("irve", "dispositif-aide"):
        base = shared_data / "schemas" / folder
        descriptor = json.loads((base / "datapackage.json").read_text(encoding="utf-8"))
        make = lambda: frictionless.Package(copy.deepcopy(descriptor), basepath=str(base))
        slow = outcome(lambda: make().validate(limit_errors=LIMIT))
        assert outcome(lambda: table_checks.validate_package(make(), LIMIT)) == slow


@pytest.mark.parametrize("name", ["covoiturage-calvados-utf8bom.csv", "covoiturage-corse-latin1-semicolon.csv",
                                  "loire-atlantique-subventions-associations.csv",
                                  "plf-2012-jaune-associations-subventionnees-2010.cp1252.csv",
                                  "plf-2017-nomenclature-mission-programme-action.cp1252.csv"])
def test_real_french_csv_with_inferred_schemas(shared_data, name, tmp_path):
    """Frictionless infers each schema from a sample; the rest of the file then breaks it here and there."""
    base = shared_data / "csv"
    described = frictionless.describe(str(base / name)).to_descriptor()
    described["path"] = name
    agree(described, base)
    same_bytes(described, base, tmp_path, decided=None)


def test_real_gtfs_feed_with_foreign_keys(shared_data, tmp_path):
    with zipfile.ZipFile(shared_data / "gtfs" / "libellus-castres-mazamet.zip") as archive:
        for member in ("stops.txt", "trips.txt", "stop_times.txt"):
            (tmp_path / member.replace(".txt", ".csv")).write_bytes(archive.read(member))
    def header(name):
        return (tmp_path / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    strings = lambda name: {"fields": [{"name": n, "type": "string"} for n in header(name)]}
    times = strings("stop_times")
    times["fields"] = [dict(f, type="integer") if f["name"] == "stop_sequence" else f for f in times["fields"]]
    times["foreignKeys"] = [{"fields": ["stop_id"], "reference": {"resource": "stops", "fields": ["stop_id"]}},
                            {"fields": ["trip_id"], "reference": {"resource": "trips", "fields": ["trip_id"]}}]
    resources = [{"name": n, "path": f"{n}.csv", "schema": strings(n)} for n in ("stops", "trips")]
    resources.append({"name": "stop_times", "path": "stop_times.csv", "schema": times})
    package_agree({"name": "gtfs", "resources": resources}, tmp_path, ["stop_times"])


def test_real_gtfs_stop_times(shared_data, tmp_path):
    with zipfile.ZipFile(shared_data / "gtfs" / "libellus-castres-mazamet.zip") as archive:
        (tmp_path / "stop_times.csv").write_bytes(archive.read("stop_times.txt"))
    schema = fields(
        ("trip_id", "string", {"constraints": {"required": True}}),
        ("arrival_time", "string", {"constraints": {"pattern": "[0-9]{1,2}:[0-5][0-9]:[0-5][0-9]"}}),
        ("departure_time", "string", {"constraints": {"pattern": "[0-9]{2}:[0-5][0-9]:[0-5][0-9]"}}),
        ("stop_id", "string", {"constraints": {"required": True, "pattern": "[0-9]+"}}),
        ("stop_sequence", "integer", {"constraints": {"minimum": 1}}),
    )
    header = (tmp_path / "stop_times.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    known = {f["name"]: f for f in schema["fields"]}
    schema = {"fields": [known.get(n, {"name": n, "type": "string"}) for n in header],
              "primaryKey": ["trip_id", "stop_sequence"]}
    agree({"name": "stop_times", "path": "stop_times.csv", "schema": schema}, tmp_path)
    same_bytes({"name": "stop_times", "path": "stop_times.csv", "schema": schema}, tmp_path, tmp_path)


# --- generated tables ------------------------------------------------------------------------

GOOD = {"integer": ["0", "7", "-12", "100"], "number": ["0", "1.5", "-2.25", "99.9"],
        "string": ["AB1", "bus", "tram", "x"], "boolean": ["true", "false"], "date": ["2025-01-31", "2024-02-29"]}
BAD = ["", "x", "1.5", "-", "Bus", "2025-02-30", " 3", "1e3", "NaN", "é", "AB12345", "true", "0",
       "a,b", 'say "hi"', "two\nlines", "AB1\n"]
CONSTRAINTS = {
    "integer": [{}, {"required": True}, {"minimum": 0}, {"maximum": 50}, {"enum": [0, 7, 100]}, {"unique": True}],
    "number": [{}, {"required": True}, {"minimum": 0}, {"maximum": 99.9}],
    "string": [{}, {"required": True}, {"pattern": "[A-Z]+[0-9]"}, {"enum": ["bus", "tram"]}, {"maxLength": 3},
               {"minLength": 2}, {"unique": True}],
    "boolean": [{}, {"required": True}],
    "date": [{}, {"required": True}],
}


@st.composite
def tables_with_bad_cells(draw):
    width = draw(st.integers(1, 4))
    kinds = [draw(st.sampled_from(sorted(GOOD))) for _ in range(width)]
    constraints = [draw(st.sampled_from(CONSTRAINTS[k])) for k in kinds]
    height = draw(st.integers(0, 30))
    rows = [[draw(st.sampled_from(GOOD[k] + BAD) if draw(st.booleans()) else st.sampled_from(GOOD[k]))
             for k in kinds] for _ in range(height)]
    primary = draw(st.sampled_from([[], [0], list(range(min(width, 2)))]))
    return kinds, constraints, rows, primary


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables_with_bad_cells())
def test_generated_tables_agree(tmp_path, table):
    kinds, constraints, rows, primary = table
    names = [f"c{i}" for i in range(len(kinds))]
    schema = {"fields": [{"name": n, "type": k, "constraints": c} for n, k, c in zip(names, kinds, constraints)]}
    if primary and all(kinds[i] in ("integer", "string") for i in primary):
        schema["primaryKey"] = [names[i] for i in primary]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([names] + rows)  # quotes cells holding , " or line breaks
    path = write(tmp_path, text.getvalue(), "generated.csv")
    agree({"name": "generated", "path": path, "schema": schema}, tmp_path)
    same_bytes({"name": "generated", "path": path, "schema": schema}, tmp_path, tmp_path, decided=None)


def test_the_error_limit_stops_at_the_same_row_and_counts_the_same(tmp_path):
    """Within the last row reached, each side keeps errors in its own order; the rows and the count agree."""
    rows = "\n".join(["id,code,price"] + [f"x{i},ab,-{i}" for i in range(40)]) + "\n"
    path = write(tmp_path, rows)
    schema = fields(("id", "integer", {}), ("code", "string", {"constraints": {"pattern": "[A-Z]+"}}),
                    ("price", "number", {"constraints": {"minimum": 0}}))
    make = lambda: frictionless.Resource({"name": "file", "path": path, "schema": schema}, basepath=str(tmp_path))
    theirs, ours = make().validate(limit_errors=50), table_checks.fast_report(make(), 50)
    assert ours is not None and len(ours.tasks[0].errors) == len(theirs.tasks[0].errors) == 50
    assert [e.row_number for e in ours.tasks[0].errors] == [e.row_number for e in theirs.tasks[0].errors]


# --- workbooks and GeoJSON, through the one reader ----------------------------------------------
# A sheet is read as the text its cells show (catalog.sheets through catalog.reading.open_table);
# the table checks and Frictionless then validate that same text, with the sheet's row numbers.

TYPED_VALUES = {"integer": [0, 7, -12, 100, 22530001100015], "number": [1.5, -2.25, 0.1 + 0.2, 99.9, 1e20],
                "date": [__import__("datetime").datetime(2024, 2, 29), __import__("datetime").date(2025, 1, 31)],
                "boolean": [True, False], "string": ["AB1", "bus", "tram", "x", "Zoé", "0123", "=1+1"]}


def _workbook(path, header, rows):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Notice"
    book.active.append(["read me"])
    sheet = book.create_sheet("Data")
    for row in [header, *rows]:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # typed text, not a formula
    book.save(path)


def agree_on_sheet(tmp_path, header, rows, schema, limit=LIMIT):
    from catalog.reading import open_table

    _workbook(tmp_path / "book.xlsx", header, rows)
    descriptor = {"name": "book", "path": "book.xlsx", "dialect": {"sheet": "Data"}, "schema": schema}
    with open_table(descriptor, tmp_path / "book.xlsx", str(tmp_path), "book.xlsx") as reading:
        assert reading.readable and reading.format == "csv"
        return agree(reading.descriptor, reading.basepath, limit)


def test_a_workbook_agrees_cell_for_cell(tmp_path):
    """Numbers, dates and booleans stored as such, in fields of every type: the text shown is checked."""
    header = ["siret", "montant", "date", "ouvert", "nom"]
    rows = [[22530001100015, 1500.5, __import__("datetime").datetime(2018, 7, 25), True, "Mairie"],
            [225300011, "1 500", "25/07/2018", "oui", 42],
            [None, -3, __import__("datetime").date(2024, 2, 29), False, None],
            ["22530001100015", 0.1 + 0.2, None, None, "=1+1"]]
    schema = fields(("siret", "string", {"constraints": {"pattern": "[0-9]{14}", "required": True}}),
                    ("montant", "number", {"constraints": {"minimum": 0}}), ("date", "date", {}),
                    ("ouvert", "boolean", {}), ("nom", "string", {"constraints": {"maxLength": 5}}))
    report = agree_on_sheet(tmp_path, header, rows, schema)
    errors = {(e["rowNumber"], e["fieldName"], e["type"]) for t in report["tasks"] for e in t["errors"]}
    # The 9-digit SIRET, the amount written as text, the French date and "oui" are found on their sheet rows.
    assert {(3, "siret", "constraint-error"), (3, "montant", "type-error"), (3, "date", "type-error"),
            (3, "ouvert", "type-error"), (4, "siret", "constraint-error"), (4, "montant", "constraint-error")} <= errors


@st.composite
def sheets_with_typed_cells(draw):
    width = draw(st.integers(1, 4))
    kinds = [draw(st.sampled_from(sorted(TYPED_VALUES))) for _ in range(width)]
    declared = [draw(st.sampled_from([k, "string"])) for k in kinds]  # a number in a string field, too
    constraints = [draw(st.sampled_from(CONSTRAINTS[d])) for d in declared]
    pool = [v for values in TYPED_VALUES.values() for v in values]
    rows = [[draw(st.sampled_from(TYPED_VALUES[k] + [None]) if draw(st.booleans()) else st.sampled_from(pool))
             for k in kinds] for _ in range(draw(st.integers(1, 15)))]
    rows[-1][0] = rows[-1][0] if rows[-1][0] is not None else "end"  # a sheet drops trailing empty rows
    return declared, constraints, rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheets_with_typed_cells())
def test_generated_workbooks_agree(tmp_path, table):
    declared, constraints, rows = table
    names = [f"c{i}" for i in range(len(declared))]
    schema = {"fields": [{"name": n, "type": k, "constraints": c} for n, k, c in zip(names, declared, constraints)]}
    agree_on_sheet(tmp_path, names, rows, schema)


def test_geojson_properties_get_the_findings_of_the_same_table_as_csv(tmp_path):
    """The personal-data and formula checks see a GeoJSON's properties as they see a CSV's columns
    (catalog.geojson_rows through the checks' one form): the same findings, a feature for a row."""
    from catalog.validate.cells import check_cells
    from catalog.validate.context import TableContext
    from catalog.validate.geojson import check_geojson

    header = ["nom", "contact", "note", "code"]
    rows = [["Jean DUPONT", "jean.dupont@gmail.com", "=HYPERLINK(\"x\")", "01053"],
            ["Marie Martin", "marie.martin@orange.fr", "ok", "2A004"],
            ["Paul Durand", "06 12 34 56 78", "@SUM(A1)", ""]] * 4
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    (tmp_path / "t.csv").write_text(text.getvalue(), encoding="utf-8")
    features = [{"type": "Feature", "properties": dict(zip(header, r)),
                 "geometry": {"type": "Point", "coordinates": [2.4, 46.6]}} for r in rows]
    (tmp_path / "t.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")

    def summary(found):
        return sorted((f.code, f.column, f.message.split(" (first")[0]) for f in found
                      if f.code in ("personal-data", "formula-injection"))

    as_csv = summary(check_cells(TableContext("t", tmp_path / "t.csv", {}), "csv", "utf-8", ","))
    as_geojson = summary(check_geojson(tmp_path / "t.geojson", "t"))
    assert as_csv and as_geojson == as_csv


# --- quoted values -----------------------------------------------------------------------------

RAW_PIECES = ["a", "7", ",", '"', '""', "\n", "\r\n", "\r", "é", " "]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(RAW_PIECES), max_size=80), st.sampled_from([5, 16, 1 << 20]))
def test_raw_quotes_agree_whatever_the_blocks(tmp_path, monkeypatch, pieces, block):
    """Text with quotes where RFC 4180 puts them is split by pyarrow, in blocks cut between
    records; a quote anywhere else sends the text to the csv module. Either way every error is
    Frictionless' own, and the normalised file the same bytes."""
    from catalog.validate import csv_batches

    monkeypatch.setattr(csv_batches, "BLOCK_BYTES", block)
    path = write(tmp_path, "a,b,c\n" + "".join(pieces), "raw.csv")
    schema = fields(("a", "string", {"constraints": {"maxLength": 3}}), ("b", "integer", {}), ("c", "string", {}))
    agree({"name": "raw", "path": path, "schema": schema}, tmp_path)
    same_bytes({"name": "raw", "path": path, "schema": schema}, tmp_path, tmp_path, decided=None)


def test_a_file_quoted_by_the_rules_is_split_by_pyarrow(tmp_path):
    """Exports quote every text cell, or the few holding a delimiter: a single quote used to
    send the whole file to the csv module, at several times the time."""
    from catalog.validate import csv_batches

    rows = ['"id";"nom";"note"'] + [f'{i};"Dupont; Marie";"dit ""oui""\r\nensuite"' for i in range(50)]
    path = write(tmp_path, "\r\n".join(rows) + "\r\n", "quoted.csv")
    schema = fields(("id", "integer", {}), ("nom", "string", {}), ("note", "string", {"constraints": {"maxLength": 5}}))
    descriptor = {"name": "quoted", "path": path, "schema": schema, "dialect": {"delimiter": ";"}}
    plan = csv_batches.plan(frictionless.Resource(copy.deepcopy(descriptor), basepath=str(tmp_path)))
    assert plan.quoted and plan.arrow_safe
    result = agree(descriptor, tmp_path, decided=True)
    assert len(result["tasks"][0]["errors"]) == 50  # every note is longer than 5



def test_from_a_quote_outside_the_rules_the_csv_module_reads_on(tmp_path, monkeypatch):
    """Pieces before it are split by pyarrow; the rest, from the record where the piece starts,
    by the csv module, with no error lost or counted twice."""
    from catalog.validate import csv_batches

    monkeypatch.setattr(csv_batches, "BLOCK_BYTES", 64)
    read_on = []
    real = csv_batches._csv_batches
    monkeypatch.setattr(csv_batches, "_csv_batches", lambda plan, rows, offset=0: read_on.append(offset)
                        or real(plan, rows, offset))
    rows = ["id;nom;note"] + [f'{i};"Dupont; Marie";{i}' for i in range(40)] + ['40;Ecole "Jean Moulin";x'] + \
        [f'{i};"Durand";{i if i % 7 else "y"}' for i in range(41, 80)]
    path = write(tmp_path, "\n".join(rows) + "\n", "stray.csv")
    schema = fields(("id", "integer", {}), ("nom", "string", {}), ("note", "integer", {}))
    result = agree({"name": "stray", "path": path, "schema": schema, "dialect": {"delimiter": ";"}}, tmp_path,
                   decided=True)
    assert read_on and read_on[0] > 0  # pyarrow read the first pieces
    assert [e["rowNumber"] for e in result["tasks"][0]["errors"]] == [42] + [i + 2 for i in range(42, 80) if i % 7 == 0]


def test_a_quoted_crlf_across_pyarrow_blocks_is_read_whole(tmp_path, monkeypatch):
    """pyarrow drops the LF of a quoted CR LF that straddles two of its internal blocks."""
    from catalog.validate import csv_batches

    path = write(tmp_path, b"a,b\r\n" + b'"ab\r\ncd",x\r\n' * 30, "crlf.csv")
    schema = fields(("a", "string", {"constraints": {"maxLength": 5}}), ("b", "string", {}))
    for block in range(6, 40, 3):
        monkeypatch.setattr(csv_batches, "BLOCK_BYTES", block)
        result = agree({"name": "crlf", "path": path, "schema": schema}, tmp_path, decided=True)
        assert len(result["tasks"][0]["errors"]) == 30  # "ab\r\ncd" is 6 characters long


# --- a big file, planned without Frictionless -----------------------------------------------------

BIG_SCHEMA = {"fields": [
    {"name": "trip_id", "type": "string", "constraints": {"required": True, "pattern": "T[0-9]{6}"}},
    {"name": "seq", "type": "integer", "constraints": {"required": True, "minimum": 0}},
    {"name": "kind", "type": "integer", "constraints": {"enum": [0, 1, 2, 3]}},
    {"name": "price", "type": "number", "decimalChar": ",", "constraints": {"maximum": 100}},
    {"name": "day", "type": "date"}]}
BIG_BAD = {"trip_id": ["", "trip 12"], "seq": ["-1", "x", "-", "+5", " 7"], "kind": ["9", "oui", "-"],
           "price": ["1.5", "1e2", "101", "+2,5"], "day": ["2025-02-30", "31/01/2025"]}


def _big_csv(path):
    """A CSV a fifth larger than the light path takes, one bad cell in 97 rows, the column turning round."""
    from catalog.validate import text_table

    names = [f["name"] for f in BIG_SCHEMA["fields"]]
    rows, number, size = [], 0, 0
    while size <= text_table.SMALL_BYTES * 1.2:
        row = [f"T{number:06d}", str(number % 40), str(number % 4), f"{number % 90},5", "2025-01-31"]
        if number % 97 == 50:
            column = (number // 97) % len(names)
            choices = BIG_BAD[names[column]]
            row[column] = choices[(number // 97 // len(names)) % len(choices)]
        rows.append(row)
        size += len(",".join(row)) + 1
        number += 1
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([names] + rows)
    path.write_text(text.getvalue(), encoding="utf-8")


def _validated_in_a_fresh_process(folder, *args):
    """(the findings of `catalog validate *args --json` run in `folder`, whether it imported
    Frictionless, the exit code)."""
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    probe = ("import sys, runpy\nsys.argv = ['catalog', 'validate', *sys.argv[1:], '--json']\n"
             "try:\n    runpy.run_module('catalog.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print('FRICTIONLESS', 'frictionless' in sys.modules, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=folder,
                          env={"PYTHONPATH": str(repo), "PATH": "/usr/bin:/bin"}, timeout=300)
    assert "FRICTIONLESS" in done.stderr and "Traceback" not in done.stderr, done.stderr[-3000:]
    findings = [f for target in json.loads(done.stdout)["targets"] for f in target["findings"]]
    return findings, "FRICTIONLESS True" in done.stderr, json.loads(done.stdout)["exit_code"]


def _frictionless_cells(folder, name, path):
    report = frictionless.Resource({"name": name, "path": path, "schema": BIG_SCHEMA},
                                   basepath=str(folder)).validate(limit_errors=LIMIT)
    return sorted(((e.row_number, e.field_name, e.type, e.cell) for e in report.tasks[0].errors), key=str)


def _cells(findings):
    return sorted(((f["row"], f["column"], f["code"], f["value"]) for f in findings
                   if f["code"] in ("type-error", "constraint-error")), key=str)


def test_a_large_csv_with_a_plain_schema_is_checked_without_importing_frictionless(tmp_path):
    """`catalog validate big.csv --schema s.json`, the case the 1M-row benchmark measures: a
    descriptor plain_descriptor.py accepts is planned without Frictionless (0.2 s of imports),
    and the findings are Frictionless' own, row for row, for cells its reader alone knew before
    ("-", "+5" in an integer field, "1e2" in a number field)."""
    _big_csv(tmp_path / "big.csv")
    (tmp_path / "schema.json").write_text(json.dumps(BIG_SCHEMA), encoding="utf-8")
    findings, imported, code = _validated_in_a_fresh_process(tmp_path, "big.csv", "--schema", "schema.json")
    theirs = _frictionless_cells(tmp_path, "big", "big.csv")
    assert code == 1
    assert not imported and len(theirs) > 100 and _cells(findings) == theirs


def test_a_large_table_of_a_dataset_with_a_plain_schema_is_checked_without_frictionless(tmp_path):
    """The same table in a dataset folder: its descriptor's schema is plain, so the vectorised
    checks are planned without Frictionless there too, with Frictionless' findings."""
    folder = tmp_path / "horaires"
    folder.mkdir()
    _big_csv(folder / "horaires.csv")
    (folder / "datapackage.json").write_text(json.dumps({
        "name": "horaires", "title": "Horaires", "description": "Passages aux arrêts.", "licenses": [
            {"name": "etalab-2.0", "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence", "title": "Licence Ouverte 2.0"}],
        "resources": [{"name": "horaires", "path": "horaires.csv", "schema": BIG_SCHEMA}]}), encoding="utf-8")
    findings, imported, code = _validated_in_a_fresh_process(tmp_path, "horaires")
    theirs = _frictionless_cells(folder, "horaires", "horaires.csv")
    assert len(theirs) > 100 and _cells(findings) == theirs
    assert not imported, [f["code"] for f in findings if f["code"] not in ("type-error", "constraint-error")]


def test_a_large_csv_broken_far_down_is_reported_as_frictionless_reports_it(tmp_path):
    """A ragged row near the end of a large file makes the plain plan step aside after it fed
    the cell checks most of the file: the report is still Frictionless' own (the ragged row
    named), exit 1 without a traceback, and the e-mail address above it is reported once."""
    _big_csv(tmp_path / "big.csv")
    lines = (tmp_path / "big.csv").read_text(encoding="utf-8").splitlines()
    lines[-50] = "jean.dupont@gmail.com," + lines[-50].split(",", 1)[1]
    ragged_row = len(lines) - 10 + 1  # the header is row 1
    lines.insert(ragged_row - 1, "T999999,1")  # two cells where the header has five
    (tmp_path / "big.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "schema.json").write_text(json.dumps(BIG_SCHEMA), encoding="utf-8")
    findings, _, code = _validated_in_a_fresh_process(tmp_path, "big.csv", "--schema", "schema.json")
    assert code == 1
    report = frictionless.Resource({"name": "big", "path": "big.csv", "schema": BIG_SCHEMA},
                                   basepath=str(tmp_path)).validate(limit_errors=LIMIT)
    errors = report.tasks[0].errors
    assert _cells(findings) == sorted(((e.row_number, e.field_name, e.type, e.cell) for e in errors
                                       if e.type in ("type-error", "constraint-error")), key=str)
    # One finding per ragged row, where Frictionless lists each missing cell.
    ragged = {e.row_number for e in errors if e.type in ("missing-cell", "extra-cell")}
    assert ragged == {f["row"] for f in findings if f["code"] in ("missing-cell", "extra-cell")} == {ragged_row}
    assert len([f for f in findings if f["code"].startswith("personal-data")]) == 1, [f["code"] for f in findings]
