"""Whether a table's descriptor is one Frictionless surely takes as it is, with nothing to say.

A small table whose resource descriptor and Table Schema pass this check is validated in
plain Python (typed_rows.py): Frictionless would find no fault in the descriptor, so the only
findings left are the table's own. Anything this module does not know for certain (another
field type or format, a key it does not list, a value of an odd type, foreign keys, declared
statistics) says no, and Frictionless checks that descriptor and its table itself, with the
findings it gives today. It only ever says yes to a subset of what Frictionless accepts
(tests/test_small_files.py checks this on mutated descriptors).
"""
from __future__ import annotations

import re

from catalog.validate import cell_rules

LIGHT_TYPES = {"string", "integer", "number", "boolean", "date", "datetime", "time", "year", "geopoint"}
# String formats Frictionless knows (its cells are read by Frictionless' reader, lazily).
STRING_FORMATS = {"default", "email", "uri", "uuid"}
# Keys of a field descriptor Frictionless reads; any other (`catalog`, a schema's own `pattern` or
# `enum` beside `constraints`...) it leaves alone.
FIELD_KEYS = {"name", "type", "format", "title", "description", "example", "rdfType", "constraints", "missingValues",
              "trueValues", "falseValues", "bareNumber", "floatNumber", "decimalChar", "groupChar", "arrayItem",
              "required", "categories", "categoriesOrdered", "$schema", "profile"}
KNOWN_FIELD_KEYS = {"name", "type", "format", "title", "description", "example", "rdfType", "constraints"}
TYPE_KEYS = {"boolean": {"trueValues", "falseValues"}, "integer": {"bareNumber"},
             "number": {"bareNumber", "decimalChar", "groupChar"}}
FIELD_CONSTRAINTS = {"string": {"required", "unique", "minLength", "maxLength", "pattern", "enum"},
                     "boolean": {"required", "unique", "enum"},
                     "geopoint": {"required"}}  # a point's value is Frictionless' own tuple type: no lookups
# exclusiveMinimum and exclusiveMaximum are Data Package v2's: Frictionless refuses them in a v1 schema.
NUMERIC_CONSTRAINTS = {"required", "unique", "enum", "minimum", "maximum"}
# Top-level keys of a Table Schema that Frictionless reads; any other is documentation to it
# (schema.data.gouv.fr's title, version, contributors, custom_checks...) as long as it is
# plain JSON, which a descriptor read from JSON or YAML is.
SCHEMA_KEYS = {"fields", "primaryKey", "missingValues", "foreignKeys"}
READ_SCHEMA_KEYS = {"profile", "uniqueKeys", "fieldsMatch"}  # Frictionless interprets these
# The Table Schema v1 profile, as schema.data.gouv.fr's schemas name it; another (v2) is Frictionless'.
V1_PROFILES = {"https://frictionlessdata.io/schemas/table-schema.json",
               "https://specs.frictionlessdata.io/schemas/table-schema.json"}
RESOURCE_KEYS = {"name", "path", "format", "encoding", "dialect", "schema", "title", "description", "mediatype"}
RESOURCE_NAME = re.compile(r"^[a-z0-9._-]+$")
SCHEMA_NAME = re.compile(r"^([-a-z0-9._/])+$")  # Frictionless' pattern for a schema's name


def plain_resource(descriptor: dict) -> bool:
    """A small CSV resource read as text: local relative path, a delimiter at most, a plain schema."""
    if set(descriptor) - RESOURCE_KEYS:
        return False
    name, path = descriptor.get("name"), descriptor.get("path")
    if not (isinstance(name, str) and RESOURCE_NAME.match(name) and isinstance(path, str) and path
            and not path.startswith("/") and ".." not in path.split("/") and "://" not in path
            and "\\" not in path):
        return False
    if descriptor.get("format", path.rsplit(".", 1)[-1].lower()) not in ("csv", "tsv"):
        return False  # Frictionless takes the format from the path's extension when none is declared
    for key in ("title", "description", "mediatype", "encoding"):
        if key in descriptor and not isinstance(descriptor[key], str):
            return False
    dialect = descriptor.get("dialect", {})
    if not isinstance(dialect, dict) or set(dialect) - {"delimiter"}:
        return False
    delimiter = dialect.get("delimiter", ",")
    if not (isinstance(delimiter, str) and len(delimiter) == 1 and delimiter not in '"\r\n'):
        return False
    return plain_schema(descriptor.get("schema"))


def plain_schema(schema) -> bool:
    """A Table Schema of the common types and constraints, that Frictionless reads without a word."""
    if not isinstance(schema, dict) or set(schema) & READ_SCHEMA_KEYS:
        return False
    if "$schema" in schema and schema["$schema"] not in V1_PROFILES:
        return False
    # Frictionless checks a schema's own name, title and description ("Arbres urbains" is no name to it:
    # schema-error); the light path leaves them to it.
    if "name" in schema and not (isinstance(schema["name"], str) and SCHEMA_NAME.match(schema["name"])):
        return False
    if any(key in schema and not isinstance(schema[key], str) for key in ("title", "description")):
        return False
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields or not all(isinstance(f, dict) for f in fields):
        return False
    names = [f.get("name") for f in fields]
    if not all(isinstance(n, str) and n and n == n.strip() for n in names) or len(set(names)) != len(names):
        return False
    if not _strings(schema.get("missingValues", [""])):
        return False
    if schema.get("foreignKeys") not in (None, []):
        return False  # a lookup in this or another table: Frictionless' (foreign keys span tables)
    key = schema.get("primaryKey", [])
    key = [key] if isinstance(key, str) else key
    if not (isinstance(key, list) and all(isinstance(k, str) and k in names for k in key)
            and len(set(key)) == len(key)):
        return False
    for key in set(schema) - SCHEMA_KEYS:
        if not isinstance(key, str):
            return False
    return all(plain_field(f) for f in fields)


def plain_field(field: dict) -> bool:
    kind = field.get("type", "string")
    read = set(field) & FIELD_KEYS
    if kind not in LIGHT_TYPES or read - KNOWN_FIELD_KEYS - TYPE_KEYS.get(kind, set()) - {"missingValues"}:
        return False
    if not all(isinstance(key, str) for key in field):
        return False
    if "missingValues" in field and not _strings(field["missingValues"]):
        return False
    fmt = field.get("format", "default")
    if not isinstance(fmt, str):
        return False
    if kind == "string" and fmt not in STRING_FORMATS:
        return False
    if kind in ("integer", "number", "boolean", "year", "datetime", "time") and fmt != "default":
        return False
    if kind == "geopoint" and fmt not in ("default", "array"):
        return False
    if kind == "date" and fmt != "default" and cell_rules.date_pattern(fmt) is None:
        return False
    for key in ("title", "description", "rdfType"):
        if key in field and not isinstance(field[key], str):
            return False
    if "bareNumber" in field and field["bareNumber"] is not True:
        return False
    for key in ("trueValues", "falseValues"):
        if key in field and not _strings(field[key]):
            return False
    if kind == "number":
        decimal, group = field.get("decimalChar", "."), field.get("groupChar", "")
        if not (isinstance(decimal, str) and isinstance(group, str)) or cell_rules.number_pattern(decimal, group) is None:
            return False
    return _plain_example(field, kind, fmt) and _plain_constraints(field, kind, fmt)


def _plain_example(field: dict, kind: str, fmt: str) -> bool:
    """Frictionless reads a field's `example` as a cell of its type and format (not its decimal or
    group character) and says so when it cannot: only an example the plain reader reads is plain."""
    from catalog.validate.typed_rows import descriptor_value

    example = field.get("example")
    if not example:
        return True
    bare = {"type": kind, "format": fmt}
    if kind == "boolean":
        bare.update({k: field[k] for k in ("trueValues", "falseValues") if k in field})
    return descriptor_value(bare, example) is not None


def _plain_constraints(field: dict, kind: str, fmt: str) -> bool:
    constraints = field.get("constraints", {})
    if not isinstance(constraints, dict):
        return False
    if set(constraints) - FIELD_CONSTRAINTS.get(kind, NUMERIC_CONSTRAINTS):
        return False
    for name in ("required", "unique"):
        if name in constraints and not isinstance(constraints[name], bool):
            return False
    for name in ("minLength", "maxLength"):
        value = constraints.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return False
    if "pattern" in constraints:
        if not isinstance(constraints["pattern"], str):
            return False
        try:
            re.compile("^{0}$".format(constraints["pattern"]))
        except (re.error, RecursionError, OverflowError):
            return False
    if "enum" in constraints and not (isinstance(constraints["enum"], list) and constraints["enum"]):
        return False
    # Bounds and enum values must be read by the plain reader itself, as Frictionless' value
    # reader reads them.
    from catalog.validate.typed_rows import descriptor_value

    wanted = [constraints[n] for n in cell_rules.BOUNDS if n in constraints] + constraints.get("enum", [])
    return all(descriptor_value(field, value) is not None for value in wanted)


def _strings(values) -> bool:
    return isinstance(values, list) and all(isinstance(v, str) for v in values)
