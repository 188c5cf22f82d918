"""A large table is validated without importing pandas (0.24 s of start-up: a quarter of the
whole validation of a million rows, tests/benchmarks/table_checks.py).

pyarrow imports pandas the first time it converts a Python or numpy value (`pa.array`,
`pa.scalar`, a literal given to a compute kernel, `to_numpy`); the checks build their Arrow
values through `catalog.arrow_values` instead, and the key checks hash with numpy
(`key_memory`). Each test validates a generated CSV larger than `text_table.SMALL_BYTES` (so the
vectorised path reads it) in a fresh process, then checks both that pandas was never imported
and that the findings are Frictionless' own, row for row.
"""
from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from pathlib import Path

import frictionless
import pytest

from catalog.validate import table_checks, tables, text_table

REPO = Path(__file__).resolve().parents[1]

SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True, "minimum": 1, "maximum": 10_000_000}},
        {"name": "trip", "type": "string", "constraints": {"required": True, "pattern": "T[0-9]{6}"}},
        {"name": "stop", "type": "string", "constraints": {"pattern": "S[0-9]+(-[A-Z])?"}},
        {"name": "seq", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "kind", "type": "integer", "constraints": {"enum": [0, 1, 2, 3]}},
        {"name": "zone", "type": "integer", "constraints": {"enum": [1, 5, 9]}},
        {"name": "montant", "type": "number", "decimalChar": ",", "constraints": {"minimum": 0}},
        {"name": "ref", "type": "string", "constraints": {"unique": True, "maxLength": 12}},
        {"name": "libelle", "type": "string"},
        {"name": "latitude", "type": "number"},
        {"name": "longitude", "type": "number"},
        {"name": "contact", "type": "string"},
    ],
    "primaryKey": ["trip", "seq"],
}
HEADER = [f["name"] for f in SCHEMA["fields"]]
ROWS = 30_000
# Bad cells, one of each kind, every few thousand rows: (column, value).
SPOILERS = [("id", "0"), ("id", "12x"), ("trip", "X000001"), ("stop", "S12-ab"), ("seq", "-1"), ("kind", "7"),
            ("zone", "4"), ("montant", "12.5"), ("montant", "-3,5"), ("ref", "R000000003"), ("ref", "ABCDEFGHIJKLMN"),
            ("trip", ""), ("seq", "ten")]


def _rows(seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(ROWS):
        trip = i // 20
        rows.append([str(i + 1), f"T{trip:06d}", f"S{rng.randrange(100000)}" + rng.choice(["", "-A", "-Z"]),
                     str(i % 20), str(rng.randrange(4)), rng.choice(["1", "5", "9", ""]),
                     f"{rng.randrange(100000)},{rng.randrange(100):02d}", f"R{i:09d}",
                     rng.choice(["Arrêt Mairie", "Gare SNCF", "Collège Jean Moulin", "Église", ""]) if i % 5000 else "=1+1",
                     f"{46 + rng.random():.6f}", f"{2 + rng.random():.6f}",
                     "" if i % 7 else "accueil@sampleville.fr" if i % 3000 else "jean.dupont@gmail.com"])
    for n, (column, value) in enumerate(SPOILERS * 3):
        rows[(n + 1) * (ROWS // (3 * len(SPOILERS) + 1))][HEADER.index(column)] = value
    rows[ROWS - 5][HEADER.index("trip")], rows[ROWS - 5][HEADER.index("seq")] = rows[100][1], rows[100][3]  # a repeated key
    rows[ROWS - 3][HEADER.index("latitude")], rows[ROWS - 3][HEADER.index("longitude")] = "2.5", "46.5"  # swapped
    return rows


def _write(folder: Path, rows, schema=True) -> tuple[Path, Path | None]:
    path = folder / "big.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:  # amounts with a decimal comma are quoted
        csv.writer(handle, lineterminator="\n").writerows([HEADER] + rows)
    assert path.stat().st_size > text_table.SMALL_BYTES  # the vectorised path reads it
    schema_path = None
    if schema:
        schema_path = folder / "big.schema.json"
        schema_path.write_text(json.dumps(SCHEMA), encoding="utf-8")
    return path, schema_path


PROBE = ("import sys, runpy\nsys.argv = ['catalog', 'validate'] + sys.argv[1:] + ['--json']\n"
         "try:\n    runpy.run_module('catalog.cli', run_name='__main__')\nexcept SystemExit as exit:\n"
         "    print('EXIT', exit.code, file=sys.stderr)\n"
         "print('PANDAS', 'pandas' in sys.modules, file=sys.stderr)\n")


def _validate_in_a_fresh_process(folder: Path, *args) -> tuple[dict, str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], capture_output=True, text=True,
                          cwd=folder, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "CATALOG_STRICT": "1"}, timeout=300)
    assert "PANDAS" in done.stderr, done.stderr[-3000:]
    return json.loads(done.stdout), done.stderr


def _said(findings) -> list[tuple]:
    return sorted((f["row"] or 0, f["column"] or "", f["code"]) for f in findings)


# The project's own cell checks, beside Frictionless' Table Schema errors: (code, row, column).
OWN = [("formula-injection", 2, "libelle"), ("coordinates-swapped", ROWS - 3 + 2, "latitude"),
       ("personal-data", 2, "contact")]


def test_a_large_table_with_a_schema_is_validated_without_pandas(tmp_path):
    path, schema = _write(tmp_path, _rows(11))
    report, stderr = _validate_in_a_fresh_process(tmp_path, path.name, "--schema", schema.name)
    assert "PANDAS False" in stderr, stderr[-3000:]
    descriptor = {"name": "big", "path": path.name, "schema": SCHEMA}
    resource = lambda: frictionless.Resource(json.loads(json.dumps(descriptor)), basepath=str(tmp_path))
    assert table_checks.fast_report(resource(), tables.LIMIT_ERRORS) is not None  # the vectorised path decides
    expected = resource().validate(limit_errors=tables.LIMIT_ERRORS)
    wanted = [f.to_dict() for f in tables.findings_of(expected, lambda task: path.name)]
    assert len(wanted) > 3 * len(SPOILERS)  # every bad cell is an error, and the keys are checked
    assert {"unique-error", "primary-key"} <= {e.type for e in expected.tasks[0].errors}
    found = report["targets"][0]["findings"]
    own = [f for f in found if f["code"] in {code for code, _, _ in OWN}]
    assert _said([f for f in found if f not in own]) == _said(wanted)
    assert sorted((f["code"], f["row"], f["column"]) for f in own) == sorted(OWN)
    assert report["valid"] is False


def test_a_large_table_without_a_schema_is_validated_without_pandas(tmp_path):
    """No schema: the cells are read as text, only the project's own cell checks report."""
    path, _ = _write(tmp_path, _rows(12), schema=False)
    report, stderr = _validate_in_a_fresh_process(tmp_path, path.name)
    assert "PANDAS False" in stderr, stderr[-3000:]
    found = report["targets"][0]["findings"]
    assert sorted((f["code"], f["row"], f["column"]) for f in found) == sorted(OWN)
