"""Loading one table (a normalised CSV, or a GeoJSON file) into the CKAN DataStore, in batches.

The table is dropped and created again each time its file changes: rows removed from
the file then disappear too, and a load cut short is simply redone. CSV rows are
streamed, never held whole in memory; a GeoJSON file is read whole, as the hub does.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from catalog.publish import ckan_geojson
from catalog.publish.ckan_client import Client, NotFound, ValidationError

BATCH = 10_000


def _converter(column_type):
    # The CSV is normalised (`.` decimals, ISO dates, true/false), so each type has one spelling.
    if column_type in ("int8", "int4"):
        return int
    if column_type == "bool":
        return lambda text: text == "true"
    if column_type == "json":
        return json.loads
    return str  # numeric, date and timestamp travel as text: PostgreSQL parses them exactly


def batches(path: Path, fields: list[dict], size: int = BATCH):
    """Lists of at most `size` records of a normalised CSV, typed for the DataStore; empty cells are nulls."""
    converters = {f["id"]: _converter(f["type"]) for f in fields}
    with open(path, encoding="utf-8", newline="") as handle:
        batch = []
        for row in csv.DictReader(handle):
            batch.append({k: (converters.get(k, str)(v) if v != "" else None) for k, v in row.items()})
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch


def load(client: Client, resource_id: str, spec: dict, path: Path, rows: int | None = None,
         progress=None, label: str = "", warn=None) -> int:
    """(Re)create the resource's table and insert every row; returns the row count."""
    if spec["fields"] is None:  # GeoJSON: columns from the values
        fields, key, records = ckan_geojson.read(path)
        rows = len(records)
        chunks = (records[start:start + BATCH] for start in range(0, rows, BATCH))
    else:
        fields, key = spec["fields"], spec["primary_key"]
        chunks = batches(path, fields)
    try:
        client.call("datastore_delete", resource_id=resource_id, force=True)
    except NotFound:
        pass  # no table yet
    table = dict(resource_id=resource_id, fields=fields, primary_key=key, force=True)
    try:
        client.call("datastore_create", **({"aliases": spec["aliases"]} if spec["aliases"] else {}), **table)
    except ValidationError as error:
        if "alias" not in (error.error_dict or {}) or not spec["aliases"]:
            raise
        # Two publishers with a dataset of the same name: the first keeps the alias, the
        # table is still reachable by its resource id.
        client.call("datastore_create", **table)
        if warn:
            warn(f"{label}: the DataStore alias {spec['aliases'][0]} already names another table; "
                 "this one is reachable by its resource id only")
    done = 0
    if progress:
        progress(label, 0, rows)
    for batch in chunks:
        # The table was created empty just above, so plain inserts are safe and the fastest.
        client.call("datastore_upsert", resource_id=resource_id, records=batch, method="insert", force=True)
        done += len(batch)
        if progress:
            progress(label, done, rows)
    return done
