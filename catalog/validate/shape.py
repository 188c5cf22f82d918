"""The shape of the metadata the hub reads, checked before anything uses it.

The Data Package specifications leave most keys loosely typed, but the hub reads some of them
as objects, lists or text: `"temporal": "2025"` passed `validate`, then ended `publish` in a
traceback. Every key the hub reads has its shape declared here, once, as a JSON Schema; each
mismatch is a `descriptor-error` naming the key (what `validate` accepts, `publish` publishes).
"""
from __future__ import annotations

import jsonschema

from catalog.findings import Finding

TEXT = {"type": "string"}
TEXTS = {"type": "array", "items": TEXT}
OBJECTS = {"type": "array", "items": {"type": "object"}}
DESCRIPTOR = {
    "type": "object",
    "properties": {
        "name": TEXT, "title": TEXT, "description": TEXT, "version": TEXT, "homepage": TEXT, "created": TEXT,
        "keywords": TEXTS, "licenses": OBJECTS, "sources": OBJECTS, "contributors": OBJECTS,
        "resources": {"type": "array"},
        "catalog": {
            "type": "object",
            "properties": {
                "theme": TEXT, "frequency": TEXT, "modified": TEXT, "profile": TEXT, "keywords": TEXTS,
                "spatial": {"type": "object", "properties": {
                    "label": TEXT, "insee": TEXTS,
                    "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4}}},
                "temporal": {"type": "object", "properties": {"start": TEXT, "end": TEXT}},
                "reuse": {"type": "object"},
            },
        },
    },
}
KINDS = {"object": "an object ({…})", "array": "a list ([…])", "string": "a text (\"…\")", "number": "a number"}


def shape_findings(descriptor, file: str) -> list[Finding]:
    found = []
    for error in sorted(jsonschema.Draft7Validator(DESCRIPTOR).iter_errors(descriptor), key=lambda e: list(e.path)):
        key = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                      for i, p in enumerate(error.absolute_path)) or "(the descriptor)"
        if error.validator == "type":
            expected = KINDS.get(error.validator_value, error.validator_value)
            what = f"`{key}` must be {expected}, not {str(error.instance)[:60]!r}"
        else:
            what = f"`{key}`: {error.message[:160]}"
        found.append(Finding("descriptor-error", what + ".", f"Correct `{key}` (README, \"Dataset descriptors\").",
                             file=file, column=key, value=str(error.instance)[:200]))
    return found
