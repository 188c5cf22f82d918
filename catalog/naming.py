"""Names shared by every place that turns a data package into tables.

The hub database, the reuse derivations (whose SQL is written against hub
tables) and the CKAN DataStore must agree on one name per resource, so the rule
lives here and nowhere else.
"""
from __future__ import annotations

import re


def slug(text: str) -> str:
    """Lowercase ASCII letters, digits and underscores: safe in SQL and URLs."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_") or "table"


def table_name(dataset_name: str, resource_name: str) -> str:
    """The hub table of one resource: `<dataset>_<resource>`, e.g. `reseau_bus_stops`."""
    return f"{slug(dataset_name)}_{slug(resource_name)}"
