"""A GeoJSON file as a table, decided once: one row per feature, its `id` (when its properties
have none), its properties (one named `geometry` becomes `geometry_property`), then its
`geometry`.

Every step that turns features into rows reads them here: the checks of `validate` (the
properties' text, `text_batches`), the hub database (catalog/hubdb.py), the CKAN DataStore
(catalog/publish/ckan_geojson.py), the columns a reuse may query (catalog/reuse/sources.py).
GeoJSON has no Table Schema, so a column's kind comes from its values (`column_kinds`), with
one rule for every target: only booleans, only integers, only numbers, only objects and
arrays, or else text, where a value that is not a string is written as JSON (`cell_text`).
"""
from __future__ import annotations

import json
from pathlib import Path

GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                  "GeometryCollection"}
BATCH_FEATURES = 100_000


def load(path: Path):
    """The document of a GeoJSON file (UTF-8, a byte-order mark allowed)."""
    return json.loads(Path(path).read_bytes().decode("utf-8-sig"))


def features(document) -> list:
    """The features of a FeatureCollection, a lone Feature, or a bare geometry (as a feature
    without properties); [] for anything else."""
    if not isinstance(document, dict):
        return []
    kind = document.get("type")
    if kind == "FeatureCollection":
        found = document.get("features")
        return found if isinstance(found, list) else []
    if kind == "Feature":
        return [document]
    if kind in GEOMETRY_TYPES:
        return [{"type": "Feature", "geometry": document, "properties": {}}]
    return []


def properties(feature) -> dict:
    found = feature.get("properties") if isinstance(feature, dict) else None
    return found if isinstance(found, dict) else {}


def row(feature) -> dict:
    """One feature as a row: {id?, properties..., geometry}, in that order."""
    values = {}
    own = properties(feature)
    if isinstance(feature, dict) and feature.get("id") is not None and "id" not in own:
        values["id"] = feature["id"]
    for key, value in own.items():
        values["geometry_property" if key == "geometry" else key] = value
    values["geometry"] = feature.get("geometry") if isinstance(feature, dict) else None
    return values


def columns(found: list) -> list[str]:
    """The columns of the rows of these features, in order of first appearance, `geometry` last."""
    names = {}
    for feature in found:
        for key in row(feature):
            if key != "geometry":
                names.setdefault(key, None)
    return list(names) + ["geometry"]


def column_kinds(rows: list[dict]) -> dict[str, str]:
    """Each column but `geometry`: "boolean", "integer", "number", "object" (objects and arrays)
    or "string" (text, or values of mixed kinds), from the values that are not null."""
    seen: dict[str, set] = {}
    for values in rows:
        for key, value in values.items():
            if key != "geometry":
                kinds = seen.setdefault(key, set())
                if value is not None:
                    kinds.add(dict if isinstance(value, list) else type(value))
    return {key: _kind(kinds) for key, kinds in seen.items()}


def _kind(kinds: set) -> str:
    if not kinds:
        return "string"
    if kinds == {bool}:
        return "boolean"
    if kinds == {int}:
        return "integer"
    if kinds <= {int, float}:
        return "number"
    if kinds == {dict}:
        return "object"
    return "string"


def cell_text(value) -> str:
    """A property value as the text of a cell: a string as it is, null as empty, anything else
    as JSON (`true`, `12`, `{"a":1}` as written)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def text_batches(found: list, rows: int = BATCH_FEATURES):
    """The features' rows but their geometry (checked on its own) as `TextBatch`es of the one
    reader's form: Arrow string columns named as the hub names them; `first_row` counts
    features from 1."""
    from catalog.arrow_values import strings
    from catalog.delimited import TextBatch

    names = columns(found)[:-1]
    if not names:
        return
    for start in range(0, len(found), rows):
        part = [row(feature) for feature in found[start:start + rows]]
        yield TextBatch(names, [strings([cell_text(values.get(name)) for values in part]) for name in names],
                        start + 1)
