"""Validation of a reuse before anything is derived or published.

A reuse breaks when a source disappears or a column it uses is renamed. Both are found
here from the sources' descriptors and schemas alone, and reported against the reuse,
so the publisher of a source learns what it breaks before publishing.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from catalog.datasets import Dataset
from catalog.errors import UnusableInput
from catalog.findings import Finding
from catalog.reuse import sources as source_tables
from catalog.reuse.sql import ReuseLimit, run_sql
from catalog.reuse.spec import Spec, SpecError, parse


def check_reuse(dataset: Dataset, root: Path) -> list[Finding]:
    descriptor_file = dataset.descriptor_path.name
    reuse = dataset.id

    def finding(code, message, fix, column=None, value=None):
        return Finding(code, f"reuse {reuse}: {message}", fix, file=descriptor_file, column=column, value=value)

    try:
        spec = parse(dataset.hub.get("reuse"))
    except SpecError as error:
        return [finding("reuse-spec", error.message, error.fix,
                        column="catalog.reuse" + (f".{error.key}" if error.key else ""))]
    found = []
    if dataset.id in spec.sources:
        return [finding("reuse-spec", "it names itself as a source.", "Remove it from `sources`.", "catalog.reuse.sources")]
    datasets, missing = source_tables.load_sources(root, spec.sources)
    for source in missing:
        found.append(finding("reuse-source-missing", f"its source {source} does not exist in this hub.",
                             f"Correct the name in `sources`, or add datasets/{source}/ (a dataset folder with "
                             "its datapackage.json).", "catalog.reuse.sources", source))
    if missing:
        return found
    db = source_tables.schema_db(datasets)
    owners = {table: d.id for d in datasets for table in source_tables.tables_of(d)}
    available = ", ".join(sorted(owners)) or "none"
    columns = None
    if spec.method == "sql":
        columns, problem = _prepare(db, spec)
        if isinstance(problem, ReuseLimit):
            found.append(finding("reuse-limit", "a trial run of its SQL over empty source tables was stopped: "
                                 + problem.message, problem.fix, "catalog.reuse.sql"))
        elif problem:
            found.append(finding(
                "reuse-broken", f"its SQL no longer runs on its sources: {problem}.",
                "A source table or column was renamed or removed: correct `catalog.reuse.sql` or restore the "
                f"source's column. Tables of the sources: {available}.", "catalog.reuse.sql"))
    else:
        found += _check_layers(spec, db, owners, available, finding)
        columns = spec.spatial_columns()
    if columns is not None:
        carried = [f["name"] for f in spec.carried_fields()]
        found += _check_output(dataset, columns, finding, carried)
    return found


# The trial run is over empty tables: a query still running after this is one that never ends.
TRIAL_SECONDS = 5
TRIAL_BYTES = 64 * 1024 * 1024


def _prepare(db, spec: Spec):
    """Run the query to its end over empty tables, bounded (catalog.reuse.derive.run_sql): SQLite
    names a missing table or column, and a query that runs away without data (a recursive CTE
    without an end) is caught here rather than at publish time."""
    source_tables.read_only(db)
    try:
        columns, _ = run_sql(db.conn, spec.sql, spec.parameters, TRIAL_SECONDS, TRIAL_BYTES)
        return columns, None
    except ReuseLimit as error:
        return None, error
    except sqlite3.Error as error:  # no such column / table, syntax, missing parameter, not authorised
        return None, str(error)
    except (ValueError, TypeError, OverflowError) as error:  # a parameter default of an unsupported type
        return None, str(error)


def _check_layers(spec: Spec, db, owners, available, finding) -> list[Finding]:
    found = []
    for layer in spec.layers:
        if layer.table not in db.table_names():
            found.append(finding("reuse-broken", f"`{layer.role}` reads table {layer.table}, which none of its "
                                 "sources gives.", f"Use one of the sources' tables: {available}.",
                                 f"catalog.reuse.{layer.role}.table", layer.table))
            continue
        existing = db[layer.table].columns_dict
        for column in layer.read:
            if column not in existing:
                found.append(finding(
                    "reuse-broken", f"`{layer.role}` uses column {column!r} of {layer.table} "
                    f"({owners[layer.table]}), which its schema no longer has.",
                    f"Columns of {layer.table}: {', '.join(existing)}. Correct the reuse, or restore the column "
                    f"in {owners[layer.table]}.", f"catalog.reuse.{layer.role}", column))
    return found


def _check_output(dataset: Dataset, columns: list[str], finding, carried=()) -> list[Finding]:
    """The reuse declares the one table it derives, with a schema matching what the method gives;
    the coordinates a spatial method carries may be left out (the packager adds them)."""
    resources = dataset.resources
    if len(resources) != 1:
        return [finding("reuse-output", f"it declares {len(resources)} resources; a reuse derives exactly one table.",
                        'Describe the derived table as the only resource: {"name": ..., "path": "<name>.csv", '
                        '"schema": "<name>.schema.json"}.', "resources")]
    resource = resources[0]
    if dataset.resource_path(resource) is None or not str(resource.get("path", "")).endswith(".csv"):
        return [finding("reuse-output", f"the derived table's path {resource.get('path')!r} is not a CSV file name "
                        "inside the dataset folder.", 'Give a plain file name, e.g. "path": "derived.csv".', "path")]
    try:
        schema = dataset.schema(resource)
    except UnusableInput as error:
        return [finding("reuse-output", error.message, error.fix or "", "schema")]
    if not schema:
        return [finding("reuse-output", "the derived table has no Table Schema.",
                        "Describe each derived column in a schema: " + ", ".join(columns) + ".", "schema")]
    names = [f.get("name") for f in schema.get("fields", []) if isinstance(f, dict)]
    if names != columns and names != [c for c in columns if c not in carried]:
        return [finding("reuse-output", f"the derived table's columns {columns} differ from its schema's fields "
                        f"{names}.", "Make the schema's fields the derived columns, in the same order "
                        "(or change the query's column aliases).", "schema")]
    return []
