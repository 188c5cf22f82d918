"""Only the checks Frictionless makes, through catalog's vectorised validator, as a command.

    python -m tests.benchmarks.fast_only FILE SCHEMA [ENCODING DELIMITER]

prints a Frictionless-shaped JSON report, so the benchmark can time the table checks
alone (catalog validate adds personal-data, formula and geography checks) and
compare their errors with `frictionless validate`'s.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import frictionless

from catalog.validate import fast, tables


def main(argv):
    path, schema = Path(argv[0]), json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    descriptor = {"name": "table", "path": path.name, "schema": schema}
    if len(argv) > 2:
        descriptor.update({"encoding": argv[2], "dialect": {"delimiter": argv[3]}})
    resource = frictionless.Resource(descriptor, basepath=str(path.parent.resolve()))
    report = fast.validate(resource, tables.LIMIT_ERRORS)
    print(json.dumps({"valid": report.valid,
                      "tasks": [{"errors": [e.to_descriptor() for e in t.errors]} for t in report.tasks]}))
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
