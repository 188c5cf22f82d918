"""`catalog validate` with its error limit raised, for the benchmark's no-limit comparison.

    python -m tests.benchmarks.unlimited LIMIT validate FILE --schema SCHEMA --json

The CLI has no option for the limit (1,000 errors a file, as Frictionless' default): this
runs the very same command with `catalog.validate.tables.LIMIT_ERRORS` set to LIMIT, so
both tools read the whole file with 0.2% bad cells instead of stopping within its first
70,000 rows.
"""
from __future__ import annotations

import sys

from catalog.validate import tables


def main(argv):
    tables.LIMIT_ERRORS = int(argv[0])
    from catalog.cli import main as catalog
    from catalog.heap import own_process

    own_process()  # as the `catalog` executable does
    catalog(args=argv[1:], prog_name="catalog")


if __name__ == "__main__":
    main(sys.argv[1:])
