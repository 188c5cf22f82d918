"""Do `frictionless validate --json` and `catalog validate --json` name the same bad cells?"""
from __future__ import annotations

import json

# Error types Frictionless reports; catalog's other checks (personal data, geography...) are left aside.
FRICTIONLESS_CODES = {"type-error", "constraint-error", "unique-error", "primary-key", "foreign-key",
                      "missing-cell", "extra-cell", "blank-row", "missing-label", "extra-label",
                      "incorrect-label", "blank-label", "duplicate-label"}


def frictionless_cells(stdout: str) -> list[tuple]:
    report = json.loads(stdout)
    return [(e.get("rowNumber"), e.get("fieldName") or None, e["type"])
            for task in report.get("tasks", []) for e in task.get("errors", [])]


def catalog_cells(stdout: str) -> list[tuple]:
    report = json.loads(stdout)
    return [(f.get("row"), f.get("column") or None, f["code"])
            for target in report.get("targets", []) for f in target.get("findings", [])
            if f["code"] in FRICTIONLESS_CODES]


def in_row_order(cells: list[tuple]) -> list[tuple]:
    """Rows in order; within a row each validator states its errors in its own order."""
    return sorted(cells, key=lambda c: (c[0] or 0, c[1] or "", c[2]))


def compare(frictionless_stdout: str, catalog_stdout: str) -> dict:
    theirs, ours = frictionless_cells(frictionless_stdout), catalog_cells(catalog_stdout)
    return {"agree": in_row_order(theirs) == in_row_order(ours), "frictionless_errors": len(theirs), "catalog_errors": len(ours),
            "only_frictionless": [list(c) for c in theirs if c not in set(ours)][:5],
            "only_catalog": [list(c) for c in ours if c not in set(theirs)][:5]}
