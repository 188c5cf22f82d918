"""Write a table as plain UTF-8 CSV: `,` delimiter, `.` decimals, ISO dates.

Frictionless reads the cells with the schema's own rules (decimalChar, groupChar,
date formats, true/false values), so what comes out is the typed value; we then
write that value one way only, which makes the output reproducible byte for byte.
"""
from __future__ import annotations

import copy
import csv

import frictionless

from catalog.cell_text import cell
from catalog.errors import InvalidData

# Reading options that describe how the source was written; the output needs none.
SOURCE_ONLY = ("decimalChar", "groupChar", "bareNumber", "trueValues", "falseValues")


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


class CellsLost(InvalidData):
    """Fewer non-empty cells were written than read in some column: the package is refused."""


def check_kept(names, read, written, file: str):
    """Raise CellsLost naming every column where cells read (not missing) != cells written."""
    lost = [(name, r, w) for name, r, w in zip(names, read, written) if r != w]
    if lost:
        said = "; ".join(f'column "{name}": {r:,} cells read, {w:,} written' for name, r, w in lost)
        raise CellsLost(f"{file}: the normalised table would lose cells ({said}); the package was not written.",
                        "Validate the dataset (`catalog validate`): each lost cell is a value its field's type "
                        "cannot read. Correct the values or the field's type.")


def write_csv(resource_descriptor: dict, basepath: str, target, on_rows=None, file: str = "") -> int:
    """Stream the resource's typed rows into `target` (a path); return the row count.

    Every column's non-empty cells are counted as read (not a missing value) and as written:
    a difference raises CellsLost, naming the columns (nothing read is lost)."""
    from catalog.normalise_columns import write_csv as write_columns  # the same bytes a column at a time

    written = write_columns(resource_descriptor, basepath, target, on_rows)
    if written is not None:
        rows, names, read, kept = written
        check_kept(names, read, kept, file or str(target))
        return rows
    resource = frictionless.Resource(copy.deepcopy(resource_descriptor), basepath=basepath)
    count = 0
    with resource, open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        names = resource.schema.field_names
        writer.writerow(names)
        missing = [set(f.missing_values if f.has_defined("missing_values") else resource.schema.missing_values)
                   for f in resource.schema.fields]
        read, kept = [0] * len(names), [0] * len(names)
        # Only geopoints' default "lon,lat" form is not JSON; every other value has one way to be written.
        formats = [(f.format or "default") if f.type == "geopoint" else None for f in resource.schema.fields]
        for row in resource.row_stream:
            out = [cell(v, g) for v, g in zip(row.to_list(), formats)]
            for i, (raw, text) in enumerate(zip(row.cells, out)):
                read[i] += raw is not None and str(raw) not in missing[i]
                kept[i] += text != ""
            writer.writerow(out)
            count += 1
            if on_rows and count % 100_000 == 0:
                on_rows(100_000)
    check_kept(names, read, kept, file or str(target))
    return count
