"""Write a table as plain UTF-8 CSV: `,` delimiter, `.` decimals, ISO dates.

Frictionless reads the cells with the schema's own rules (decimalChar, groupChar,
date formats, true/false values), so what comes out is the typed value; we then
write that value one way only, which makes the output reproducible byte for byte.
"""
from __future__ import annotations

import copy
import csv
import datetime
import decimal
import json

import frictionless

# Reading options that describe how the source was written; the output needs none.
SOURCE_ONLY = ("decimalChar", "groupChar", "bareNumber", "trueValues", "falseValues")


def cell(value, geopoint_format=None) -> str:
    if value is None:
        return ""
    if geopoint_format == "default" and isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{cell(value[0])},{cell(value[1])}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        text = format(value, "f")
        return text
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _keep_boolean_words(field: dict) -> None:
    """The publisher's words for true and false leave the schema with the source's spelling;
    the hub still shows them, as the field's labels (`catalog.labels`, see catalog/hub/display.py)."""
    if field.get("type") != "boolean" or not (field.get("trueValues") or field.get("falseValues")):
        return
    hub = field.get("catalog") if isinstance(field.get("catalog"), dict) else {}
    if hub.get("labels"):
        return
    words = {"true": (field.get("trueValues") or [None])[0], "false": (field.get("falseValues") or [None])[0]}
    words = {k: v for k, v in words.items() if isinstance(v, str)}
    if words:
        field["catalog"] = {**hub, "labels": words}


def output_schema(schema: dict) -> dict:
    """The schema of the normalised file: same fields, default formats."""
    schema = copy.deepcopy(schema)
    for field in schema.get("fields", []):
        _keep_boolean_words(field)
        for key in SOURCE_ONLY:
            field.pop(key, None)
        if field.get("type") in ("date", "datetime", "time") and field.get("format") not in (None, "default", "any"):
            field["format"] = "default"
    schema.pop("missingValues", None)
    return schema


def write_csv(resource_descriptor: dict, basepath: str, target, on_rows=None) -> int:
    """Stream the resource's typed rows into `target` (a path); return the row count."""
    from catalog.validate import fast_write  # the same bytes a column at a time, when it can decide

    rows = fast_write.write_csv(resource_descriptor, basepath, target, on_rows)
    if rows is not None:
        return rows
    resource = frictionless.Resource(copy.deepcopy(resource_descriptor), basepath=basepath)
    count = 0
    with resource, open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(resource.schema.field_names)
        # Only geopoints' default "lon,lat" form is not JSON; every other value has one way to be written.
        formats = [(f.format or "default") if f.type == "geopoint" else None for f in resource.schema.fields]
        for row in resource.row_stream:
            writer.writerow([cell(v, g) for v, g in zip(row.to_list(), formats)])
            count += 1
            if on_rows and count % 100_000 == 0:
                on_rows(100_000)
    return count
