"""Compare catalog's findings with Validata's on the national schemas' example files.

Validata (`validata-table` on PyPI) is the validator French agencies use for schema.data.gouv.fr
schemas. Its pins (Flask, frictionless, …) differ from ours, so it lives in its own virtual
environment and is run there as a subprocess:

    python3 -m venv /tmp/validata-venv && /tmp/validata-venv/bin/pip install validata-table
    python -m tests.benchmarks.validata [--validata-python /tmp/validata-venv/bin/python]

For each example file (`../shared/data/schemas/*/exemple*`) it prints both tools' errors by kind
and the cells (row, column) that one tool flags and the other does not.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "schemas"
DEFAULT_PYTHON = "/tmp/validata-venv/bin/python"

# (example, its schema), as published beside each other.
EXAMPLES = [
    ("irve/statique/exemple-valide-statique.csv", "irve/statique/schema-statique.json"),
    ("irve/dynamique/exemple-valide-dynamique.csv", "irve/dynamique/schema-dynamique.json"),
    ("stationnement/exemple-valide.csv", "stationnement/schema.json"),
    ("stationnement/exemple-invalide.csv", "stationnement/schema.json"),
    ("lieux-covoiturage/exemple-valide.csv", "lieux-covoiturage/schema.json"),
    ("lieux-covoiturage/exemple-valide.xls", "lieux-covoiturage/schema.json"),
    ("lieux-covoiturage/exemple-invalide.csv", "lieux-covoiturage/schema.json"),
    ("comptage-mobilites/exemple-valide.csv", "comptage-mobilites/schema.json"),
    ("comptage-mobilites/exemple-valide-eco-compteur.csv", "comptage-mobilites/schema.json"),
    ("comptage-mobilites/exemple-invalide.csv", "comptage-mobilites/schema.json"),
    ("dispositif-aide/exemple.csv", "dispositif-aide/schema.json"),
    ("subventions-scdl/exemple_valide.csv", "subventions-scdl/schema.json"),
    ("subventions-scdl/exemple_invalide_erreurs_cellules.csv", "subventions-scdl/schema.json"),
    ("subventions-scdl/exemple_invalide_erreurs_colonnes.csv", "subventions-scdl/schema.json"),
    ("plf/plf-2017-exemple-valide.csv", "plf/schema.json"),
]

# Run inside Validata's environment: its public `validate`, each error's `to_dict()`.
VALIDATA_SIDE = r"""
import json, sys
import validata_core
out = []
for data, schema in json.loads(sys.argv[1]):
    try:
        report = validata_core.validate(data, schema)
    except Exception as error:
        out.append({"failure": f"{type(error).__name__}: {error}"})
        continue
    out.append({"errors": [e.to_dict() for e in report.errors], "warnings": [str(w) for w in report.warnings]})
print(json.dumps(out, ensure_ascii=False, default=str))
"""


def validata_findings(python: str, pairs) -> list[dict]:
    done = subprocess.run([python, "-c", VALIDATA_SIDE, json.dumps(pairs)], capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"Validata failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def catalog_findings(data: Path, schema: Path) -> dict:
    from catalog.validate import validate

    report = validate([str(data)], schema=schema)
    findings = [f for t in report.targets for f in t.findings]
    return {"errors": [f for f in findings if f.severity == "error"],
            "warnings": [f for f in findings if f.severity == "warning"], "exit": report.exit_code}


def _cells_ours(findings) -> set:
    return {(f.row, f.column) for f in findings if f.row is not None}


def _cells_theirs(errors) -> set:
    return {(e.get("rowNumber"), e.get("fieldName")) for e in errors if e.get("rowNumber") is not None}


def compare(python: str) -> list[dict]:
    pairs = [(str(SHARED / data), str(SHARED / schema)) for data, schema in EXAMPLES]
    theirs_all = validata_findings(python, pairs)
    rows = []
    for (data, schema), theirs in zip(EXAMPLES, theirs_all):
        ours = catalog_findings(SHARED / data, SHARED / schema)
        row = {"file": data, "ours": Counter(f.code for f in ours["errors"]), "exit": ours["exit"]}
        if "failure" in theirs:
            row.update(theirs=None, failure=theirs["failure"])
        else:
            row["theirs"] = Counter(e.get("type") for e in theirs["errors"])
            mine, other = _cells_ours(ours["errors"]), _cells_theirs(theirs["errors"])
            row["only_ours"] = sorted(mine - other, key=str)
            row["only_theirs"] = sorted(other - mine, key=str)
            row["only_theirs_detail"] = [(e.get("rowNumber"), e.get("fieldName"), e.get("type"), e.get("cell"))
                                         for e in theirs["errors"]
                                         if (e.get("rowNumber"), e.get("fieldName")) in set(row["only_theirs"])]
            row["only_ours_detail"] = [(f.row, f.column, f.code, f.value) for f in ours["errors"]
                                       if (f.row, f.column) in set(row["only_ours"])]
            row["theirs_warnings"] = theirs["warnings"]
        rows.append(row)
    return rows


def _counts(counter) -> str:
    return ", ".join(f"{code} {n}" for code, n in sorted(counter.items())) or "none"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validata-python", default=os.environ.get("VALIDATA_PYTHON", DEFAULT_PYTHON),
                        help="the python of the virtual environment where validata-table is installed")
    args = parser.parse_args(argv)
    if not Path(args.validata_python).exists():
        print(f"No Validata environment at {args.validata_python}: create it with\n"
              "  python3 -m venv /tmp/validata-venv && /tmp/validata-venv/bin/pip install validata-table")
        return 2
    rows = compare(args.validata_python)
    print("| example | catalog errors | Validata errors | cells only catalog flags | cells only Validata flags |")
    print("|---|---|---|---|---|")
    for row in rows:
        theirs = row.get("failure") or _counts(row["theirs"])
        print(f"| {row['file']} | {_counts(row['ours'])} | {theirs} | {len(row.get('only_ours', []))} | "
              f"{len(row.get('only_theirs', []))} |")
    print()
    for row in rows:
        for label, key in (("only catalog", "only_ours_detail"), ("only Validata", "only_theirs_detail")):
            for detail in row.get(key, [])[:8]:
                print(f"{row['file']}: {label}: row {detail[0]}, column {detail[1]}: {detail[2]} ({detail[3]!r})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
