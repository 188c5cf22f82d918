"""A GeoJSON file as a DataStore table: one row per feature, its properties plus `geometry`.

The same shape the hub database gives GeoJSON (catalog/hubdb.py), so a reuser finds
the same columns in Datasette and in CKAN: rows and column kinds are catalog.geojson_rows'.
"""
from __future__ import annotations

from pathlib import Path

from catalog import geojson_rows

VERSION = "1"  # bump when the columns made from a file change: tables are then reloaded


# GeoJSON column kinds (catalog.geojson_rows) as DataStore types.
DATASTORE_KINDS = {"boolean": "bool", "integer": "int8", "number": "numeric", "object": "json", "string": "text"}


def read(path: Path) -> tuple[list[dict], list[str], list[dict]]:
    """(DataStore fields, primary key, records) of one GeoJSON file."""
    records = [geojson_rows.row(feature) for feature in geojson_rows.features(geojson_rows.load(path))]
    kinds = geojson_rows.column_kinds(records)
    fields = [{"id": key, "type": DATASTORE_KINDS[kind]} for key, kind in kinds.items()]
    mixed = [key for key, kind in kinds.items() if kind == "string"]
    for record in records:
        for key in mixed:  # a column of mixed values: each one as text
            value = record.get(key)
            if value is not None and not isinstance(value, str):
                record[key] = geojson_rows.cell_text(value)
    fields.append({"id": "geometry", "type": "json", "info": {"notes": "GeoJSON geometry (WGS84)"}})
    ids = [r.get("id") for r in records]
    key = ["id"] if "id" in kinds and None not in ids and len(set(map(str, ids))) == len(ids) else []
    return fields, key, records
