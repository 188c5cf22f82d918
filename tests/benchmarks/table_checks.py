"""The table checks alone (what Frictionless checks), timed inside the process.

    python -m tests.benchmarks.table_checks FILE SCHEMA [ENCODING DELIMITER] [--frictionless]

validates the file with catalog's vectorised validator (or, with --frictionless, with
`frictionless.Resource.validate`) and prints a Frictionless-shaped JSON report with
the seconds the validation itself took, interpreter start and imports excluded. The
benchmark uses it to compare the two engines, apart from what `catalog validate`
adds around them (personal-data, formula and geography checks, start-up).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import frictionless

from catalog.validate import table_checks, tables


def main(argv):
    engine_is_frictionless = "--frictionless" in argv
    argv = [a for a in argv if a != "--frictionless"]
    path, schema = Path(argv[0]), json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    descriptor = {"name": "table", "path": path.name, "schema": schema}
    if len(argv) > 2:
        descriptor.update({"encoding": argv[2], "dialect": {"delimiter": argv[3]}})
    resource = frictionless.Resource(descriptor, basepath=str(path.parent.resolve()))
    started = time.perf_counter()
    if engine_is_frictionless:
        report = resource.validate(limit_errors=tables.LIMIT_ERRORS)
    else:
        report = table_checks.validate(resource, tables.LIMIT_ERRORS)
    seconds = time.perf_counter() - started
    print(json.dumps({"valid": report.valid, "seconds": seconds,
                      "tasks": [{"errors": [e.to_descriptor() for e in t.errors]} for t in report.tasks]}))
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
