"""Filling one DataStore table (a normalised CSV, or a GeoJSON file) on a resource that
no reader relies on yet: a new resource, or one without a table (see ckan_tables for
how a reload swaps it in).

Two loaders:
- the DataStore API: the typed table is created, then rows are sent as JSON batches,
  several at once (the portal inserts concurrent batches in parallel);
- ckanext-xloader, where the portal runs it: the typed table is created first with each
  column's Data Dictionary `type_override`, then xloader's job COPYs the uploaded CSV into
  it, keeping those types (34,900 rows/s against 11,350 for concurrent JSON batches, 500,000
  rows on a quiet 2-core machine: tests/ckan/benchmark.py).

CSV rows are streamed, never held whole in memory; a GeoJSON file is read whole, as the hub does.
"""
from __future__ import annotations

import csv
import json
import os
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from catalog.publish import ckan_geojson
from catalog.publish.ckan_client import Client, NotFound, PortalFailure

BATCH = 10_000
# Batches in flight at once. The portal parses, checks and inserts them in parallel: on the
# 2-core test machine (loaded), 60,000 rows took 30-42 s one batch at a time, 13-14 s with 3
# in flight, 9-14 s with 6.
WORKERS = max(1, int(os.environ.get("CATALOG_CKAN_WORKERS", "4")))


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
         progress=None, label: str = "", xloader: bool = False, timeout: float = 120) -> int:
    """(Re)create the resource's typed table, without alias, and fill it; returns the row count."""
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
        pass  # no table yet (a table here is what a crash left: nobody reads it)
    if xloader and spec["fields"] is not None:
        return _load_with_xloader(client, resource_id, fields, key, rows, progress, label, timeout)
    client.call("datastore_create", resource_id=resource_id, fields=fields, primary_key=key, force=True)
    return _insert(client, resource_id, chunks, rows, progress, label)


def _insert(client, resource_id, chunks, rows, progress, label) -> int:
    done = 0
    if progress:
        progress(label, 0, rows)

    def send(batch):
        # The table was created empty just before, so plain inserts are safe and the fastest.
        # No record count per batch: CKAN 2.12 then cancels and reschedules a count job on each
        # call, and concurrent calls racing for that job fail with HTTP 500 on a portal whose
        # job worker runs; the count is made once, at the end.
        client.call("datastore_upsert", resource_id=resource_id, records=batch, method="insert", force=True,
                    calculate_record_count=False)
        return len(batch)

    # At most WORKERS batches in flight, so memory stays bounded whatever the file's size.
    with ThreadPoolExecutor(WORKERS) as pool:
        pending = set()
        try:
            for batch in chunks:
                pending.add(pool.submit(send, batch))
                if len(pending) >= WORKERS:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        done += future.result()
                        if progress:
                            progress(label, done, rows)
            for future in pending:
                done += future.result()
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    client.call("datastore_upsert", resource_id=resource_id, records=[], method="insert", force=True,
                calculate_record_count=True)
    if progress:
        progress(label, done, rows)
    return done


def _load_with_xloader(client, resource_id, fields, key, rows, progress, label, timeout) -> int:
    """Typed empty table, then xloader's COPY of the uploaded file into it."""
    typed = [{**f, "info": {**(f.get("info") or {}), "type_override": f["type"]}} for f in fields]
    client.call("datastore_create", resource_id=resource_id, fields=typed, primary_key=key, force=True)
    if progress:
        progress(label, 0, rows)
    client.call("xloader_submit", resource_id=resource_id, ignore_hash=True)
    # A job runs in the portal's worker: follow it, as long as it keeps moving.
    deadline, last = time.monotonic() + timeout, None
    while True:
        status = client.call("xloader_status", resource_id=resource_id)
        state = status.get("status")
        if state == "complete":
            break
        if state == "error":
            error = (status.get("task_info") or {}).get("error") or {}
            message = error.get("message") if isinstance(error, dict) else error
            raise PortalFailure(f"the portal's xloader could not load the table ({message or 'no reason given'})")
        # Its status changes only when the job starts, once the rows are in, and at the end;
        # the job's log gains a line at each step (every 100,000 rows of its full-text pass).
        moved = (status.get("last_updated"), len((status.get("task_info") or {}).get("logs") or []))
        if moved != last:
            last, deadline = moved, time.monotonic() + timeout
        elif time.monotonic() > deadline:
            raise PortalFailure(f"the portal's xloader job made no progress in {timeout:.0f} s (is its worker running?)")
        time.sleep(0.3)
    info = client.call("datastore_info", id=resource_id)
    types = {f["id"]: f["type"] for f in info.get("fields") or []}
    loaded = (info.get("meta") or {}).get("count")
    wrong = [f["id"] for f in fields if types.get(f["id"]) != f["type"]]
    if wrong or (rows is not None and loaded != rows):
        raise PortalFailure(f"the portal's xloader loaded {loaded} rows with columns {', '.join(wrong) or 'as typed'}"
                            f" instead of {rows} typed rows")
    if progress:
        progress(label, loaded, rows)
    return loaded
