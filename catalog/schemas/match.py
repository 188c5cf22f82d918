"""Which national schema a table's headers follow, so `describe` can offer `--schema`."""
from __future__ import annotations

import json
from dataclasses import dataclass

from catalog.schemas.catalogue import catalogues, known, latest_version

MIN_SHARE = 0.8  # of the schema's fields found in the headers, and of the headers in the schema


@dataclass
class Match:
    reference: str  # etalab/schema-irve-statique@2.3.1
    title: str
    version: str
    shared: int  # headers that are fields of the schema
    fields: int
    headers: int

    @property
    def label(self):
        return f"{self.title} {self.version}"


def _fields(found, name, version) -> list[str] | None:
    path = next((p for c in found if (p := c.file(name, version))), None)
    if path is None or path.stat().st_size > 5 * 1024**2:
        return None
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    items = schema.get("fields") if isinstance(schema, dict) else None
    return [f["name"] for f in items if isinstance(f, dict) and isinstance(f.get("name"), str)] if isinstance(
        items, list) else None


def matches(headers: list[str]) -> list[Match]:
    """National schemas (their latest stored version) whose fields the headers mostly are, best first."""
    found = catalogues()
    headers_set = {h.strip() for h in headers if h.strip()}
    results = []
    for name, entry in known(found).items():
        if not entry.versions or entry.schema_type not in ("", "tableschema"):
            continue
        version = latest_version(entry)
        names = _fields(found, name, version)
        if not names:
            continue
        shared = len(headers_set & set(names))
        if shared >= MIN_SHARE * len(names) and shared >= MIN_SHARE * len(headers_set):
            results.append(Match(f"{name}@{version}", entry.title, version, shared, len(names), len(headers_set)))
    return sorted(results, key=lambda m: (-m.shared / m.fields, m.reference))
