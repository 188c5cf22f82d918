"""A GeoJSON file as a DataStore table: one row per feature, its properties plus `geometry`.

The same shape the hub database gives GeoJSON (catalog/hubdb.py), so a reuser finds
the same columns in Datasette and in CKAN. GeoJSON carries no Table Schema, so column
types come from the values: only integers -> int8, numbers -> numeric, only booleans ->
bool, objects and lists -> json, anything else (or a mix) -> text.
"""
from __future__ import annotations

import json
from pathlib import Path

VERSION = "1"  # bump when the columns made from a file change: tables are then reloaded


def _features(data):
    if data.get("type") == "FeatureCollection":
        return data.get("features") or []
    if data.get("type") == "Feature":
        return [data]
    return [{"type": "Feature", "geometry": data, "properties": {}}]


def _kind(types: set) -> str:
    if not types:
        return "text"
    if types == {bool}:
        return "bool"
    if types <= {int}:
        return "int8"
    if types <= {int, float}:
        return "numeric"
    if types <= {dict, list}:
        return "json"
    return "text"


def read(path: Path) -> tuple[list[dict], list[str], list[dict]]:
    """(DataStore fields, primary key, records) of one GeoJSON file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    records, types = [], {}
    for feature in _features(data):
        record = {}
        properties = feature.get("properties") or {}
        if feature.get("id") is not None and "id" not in properties:
            record["id"] = feature["id"]
        for key, value in properties.items():
            record["geometry_property" if key == "geometry" else key] = value
        for key, value in record.items():
            types.setdefault(key, set())
            if value is not None:
                types[key].add(type(value))
        record["geometry"] = feature.get("geometry")
        records.append(record)
    fields = [{"id": key, "type": _kind(kinds)} for key, kinds in types.items()]
    mixed = [f["id"] for f in fields if f["type"] == "text"]
    for record in records:
        for key in mixed:  # a column of mixed values: each one as text
            value = record.get(key)
            if value is not None and not isinstance(value, str):
                record[key] = json.dumps(value, ensure_ascii=False)
    fields.append({"id": "geometry", "type": "json", "info": {"notes": "GeoJSON geometry (WGS84)"}})
    ids = [r.get("id") for r in records]
    key = ["id"] if "id" in types and None not in ids and len(set(map(str, ids))) == len(ids) else []
    return fields, key, records
