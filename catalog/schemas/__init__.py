"""National schemas (schema.data.gouv.fr) referred to by name and version.

A resource's `"schema": "etalab/schema-irve-statique@2.3.1"` is a reference, resolved from a
catalogue in schema.data.gouv.fr's JSON format (`{"schemas": [{"name", "title", "schema_url",
"schema_type", "versions": [{"version_name", "schema_url"}]}]}`):

- `reference.py`: what a reference looks like, parsed;
- `catalogue.py`: the local catalogues (the cache written by `catalog schemas sync`, then the
  snapshot shipped in the package) and resolution to a Table Schema;
- `sync.py`: refreshing the cache from a catalogue URL;
- `match.py`: which national schema a file's headers follow.
"""
from catalog.schemas.catalogue import Resolved, catalogues, resolve
from catalog.schemas.reference import Reference, is_reference, parse

__all__ = ["Reference", "Resolved", "catalogues", "is_reference", "parse", "resolve"]
