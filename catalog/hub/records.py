"""The hub's own tables, describing everything else in the database.

- `catalog_datasets`: one row per dataset, what a journalist looks for first
  (publisher, title, theme, licence, version, last update, tables and row counts,
  quality score, download links, content hash, lineage of reuses);
- `catalog_publishers`: the publisher profiles;
- `catalog_tables`: one row per hub table (title, description, column descriptions,
  facets, map columns), from which the Datasette metadata is written;
- `catalog_reuses`: works built on the datasets, external and derived;
- `catalog_descriptors`: the packaged datapackage.json of each dataset (hidden).

Keeping this inside the database makes it self-describing: the metadata and the
pages can always be rebuilt from the one file being served.
"""
from __future__ import annotations

import json

import sqlite_utils

from catalog.hubdb import (SQL_TYPES, has_table, as_list, field_hub, geopoint_columns, is_geojson, is_table,
                           table_fields)
from catalog.naming import table_name

NAME_HINTS = ("name", "nom", "title", "titre", "libelle", "libellé", "label")
MAX_FACETS = 4
FACET_SCAN_ROWS = 200_000  # larger tables only get the facets their schema declares
LAT = ("latitude", "lat")
LON = ("longitude", "lon", "lng", "long")

DATASETS = {"id": str, "publisher": str, "publisher_title": str, "name": str, "title": str, "description": str,
            "theme": str, "licence": str, "licence_url": str, "version": str, "last_update": str, "period": str,
            "frequency": str, "spatial": str, "keywords": str, "tables": str, "rows": int, "quality": int,
            "package_url": str, "zip_url": str, "content_hash": str, "sources": str, "reuse_of": str,
            "reuse_method": str, "inputs_key": str}
TABLES = {"name": str, "dataset_id": str, "resource": str, "title": str, "description": str, "rows": int,
          "columns": str, "facets": str, "latitude_column": str, "longitude_column": str, "geometry_column": str,
          "label_column": str, "searchable": str, "download_url": str, "points": str}
PUBLISHERS = {"slug": str, "title": str, "kind": str, "homepage": str, "email": str, "description": str,
              "licence": str}
REUSES = {"slug": str, "title": str, "url": str, "type": str, "author": str, "datasets": str, "kind": str,
          "description": str}


def ensure_tables(db: sqlite_utils.Database):
    names = ("catalog_publishers", "catalog_datasets", "catalog_tables", "catalog_reuses", "catalog_descriptors")
    # One look at the schema: sqlite_utils lists every table of the hub for each check.
    present = {row[0] for row in db.execute(
        f"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({', '.join('?' for _ in names)})", names)}
    if present == set(names):
        return
    db["catalog_publishers"].create(PUBLISHERS, pk="slug", if_not_exists=True)
    db["catalog_datasets"].create(DATASETS, pk="id", if_not_exists=True,
                                  foreign_keys=[("publisher", "catalog_publishers", "slug")])
    db["catalog_tables"].create(TABLES, pk="name", if_not_exists=True,
                                foreign_keys=[("dataset_id", "catalog_datasets", "id")])
    db["catalog_reuses"].create(REUSES, pk="slug", if_not_exists=True)
    db["catalog_descriptors"].create({"id": str, "descriptor": str}, pk="id", if_not_exists=True)


def _licence(descriptor):
    licences = descriptor.get("licenses") or [{}]
    first = licences[0] if isinstance(licences[0], dict) else {}
    return first.get("title") or first.get("name") or "", first.get("path") or ""


def last_update(descriptor) -> str:
    """When the data last changed, when the descriptor says so (`modified`, as DCAT's dct:modified)."""
    hub = descriptor.get("catalog") or {}
    return str(descriptor.get("modified") or hub.get("modified") or descriptor.get("lastModified")
               or hub.get("updated") or descriptor.get("created") or hub.get("created") or "")


def period(descriptor) -> str:
    temporal = (descriptor.get("catalog") or {}).get("temporal") or {}
    start, end = temporal.get("start") or "", temporal.get("end") or ""
    return f"{start} – {end}" if start and end else (f"since {start}" if start else (f"until {end}" if end else ""))


def package_urls(descriptor) -> tuple[str, str]:
    publisher, name = descriptor["catalog"]["publisher"], descriptor["name"]
    return f"/packages/{publisher}/{name}/datapackage.json", f"/packages/{publisher}/{name}.zip"


def reuse_sources(descriptor) -> list[str]:
    reuse = (descriptor.get("catalog") or {}).get("reuse") or {}
    return [s for s in reuse.get("sources") or [] if isinstance(s, str)]


def dataset_row(descriptor: dict, tables: list[dict]) -> dict:
    hub = descriptor.get("catalog") or {}
    licence, licence_url = _licence(descriptor)
    package_url, zip_url = package_urls(descriptor)
    return {
        "id": f"{hub['publisher']}/{descriptor['name']}", "publisher": hub["publisher"],
        "publisher_title": hub.get("publisher_title") or hub["publisher"], "name": descriptor["name"],
        "title": descriptor.get("title") or descriptor["name"], "description": descriptor.get("description") or "",
        "theme": hub.get("theme") or "", "licence": licence, "licence_url": licence_url,
        "version": descriptor.get("version") or "", "last_update": last_update(descriptor),
        "period": period(descriptor),
        "frequency": hub.get("frequency") or "", "spatial": (hub.get("spatial") or {}).get("label") or "",
        "keywords": json.dumps(descriptor.get("keywords") or [], ensure_ascii=False),
        "tables": json.dumps([{"table": t["name"], "title": t["title"], "rows": t["rows"]} for t in tables],
                             ensure_ascii=False),
        "rows": sum(t["rows"] for t in tables), "quality": hub.get("quality"),
        "package_url": package_url, "zip_url": zip_url, "content_hash": hub.get("content_hash") or "",
        "sources": json.dumps(descriptor.get("sources") or [], ensure_ascii=False),
        "reuse_of": json.dumps(reuse_sources(descriptor)),
        "reuse_method": ((hub.get("reuse") or {}).get("method") or ""),
    }


def _declared_location(resource: dict, fields: list[dict]) -> tuple[str, str] | None:
    """The WGS84 pair a descriptor declares (`catalog describe` writes it): `"catalog":
    {"coordinates": {"latitude", "longitude", "crs"}}` on the resource, whatever the names."""
    declared = (resource.get("catalog") or {}).get("coordinates") if isinstance(resource.get("catalog"), dict) else None
    if not isinstance(declared, dict) or declared.get("crs", "EPSG:4326") != "EPSG:4326":
        return None
    numeric = {f["name"] for f in fields if f.get("type") in ("number", "integer")}
    lat, lon = declared.get("latitude"), declared.get("longitude")
    return (lat, lon) if lat in numeric and lon in numeric else None


def _location(fields: list[dict]) -> tuple[str | None, str | None]:
    """The latitude/longitude pair of a table, when it has exactly one."""
    split = geopoint_columns(fields)
    if split:
        return "latitude", "longitude"
    numeric = [f["name"] for f in fields if f.get("type") in ("number", "integer")]

    def matches(name, words):
        low = name.lower()
        return low in words or any(low.endswith("_" + w) for w in words)

    lats = [n for n in numeric if matches(n, LAT)]
    lons = [n for n in numeric if matches(n, LON)]
    return (lats[0], lons[0]) if len(lats) == 1 and len(lons) == 1 else (None, None)


def point_pairs(fields: list[dict]) -> list[dict]:
    """Every latitude/longitude pair of a table, matched by what precedes the words:
    `latitude`/`longitude`, `stop_lat`/`stop_lon` (a derived table carries its sources' points)."""
    if geopoint_columns(fields):
        return [{"lat": "latitude", "lon": "longitude", "prefix": ""}]
    numeric = [f["name"] for f in fields if f.get("type") in ("number", "integer")]

    def split(name, words):
        low = name.lower()
        for word in words:
            if low == word:
                return ""
            if low.endswith("_" + word):
                return low[: -len(word) - 1]
        return None

    lons = {split(n, LON): n for n in numeric if split(n, LON) is not None}
    pairs = []
    for name in numeric:
        prefix = split(name, LAT)
        if prefix is not None and prefix in lons:
            pairs.append({"lat": name, "lon": lons[prefix], "prefix": prefix})
    return pairs


def _label(columns: list[str], primary: list[str]) -> str | None:
    for hint in NAME_HINTS:
        for column in columns:
            if column not in primary and hint in column.lower():
                return column
    return None


def _facets(db, table: str, fields: list[dict], primary: list[str], rows: int) -> list[str]:
    """Columns worth counting at a glance: declared ones, then short lists of values."""
    declared = [f["name"] for f in fields if field_hub(f).get("facet") or f.get("type") == "boolean"
                or "enum" in (f.get("constraints") or {})]
    found = list(declared)
    if rows <= FACET_SCAN_ROWS and rows > 1:
        for field in fields:
            name = field["name"]
            if (name in found or name in primary or field.get("type") not in (None, "string", "integer", "year")
                    or field_hub(field).get("searchable") or name.lower().endswith("_id")):
                continue
            distinct = db.execute(f'SELECT COUNT(DISTINCT "{name}") FROM "{table}"').fetchone()[0]
            if 1 < distinct <= 25 and distinct < rows / 2:
                found.append(name)
    return found[:MAX_FACETS]


def _describe(field: dict) -> str:
    title, description = field.get("title") or "", field.get("description") or ""
    if title and description and title.lower() not in description.lower():
        return f"{title}: {description}"
    return description or title


def _default_title(descriptor: dict, resource: dict) -> str:
    """A readable title for a table whose resource has none: "stop_times" -> "Stop times"."""
    tables = [r for r in descriptor.get("resources") or [] if is_table(r) or is_geojson(r)]
    if len(tables) == 1:
        return descriptor.get("title") or descriptor["name"]
    words = str(resource.get("name") or "").replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def table_rows(db: sqlite_utils.Database, descriptor: dict, loaded: list[str]) -> list[dict]:
    """A `catalog_tables` row for every table `load_package` wrote for this package."""
    dataset_id = f"{descriptor['catalog']['publisher']}/{descriptor['name']}"
    result = []
    for resource in descriptor.get("resources") or []:
        name = table_name(descriptor["name"], resource.get("name", ""))
        if name not in loaded:
            continue
        rows = db[name].count
        entry = {"name": name, "dataset_id": dataset_id, "resource": resource.get("name"),
                 "title": resource.get("title") or _default_title(descriptor, resource),
                 "description": resource.get("description") or "", "rows": rows,
                 "latitude_column": None, "longitude_column": None, "geometry_column": None,
                 "download_url": f"/packages/{dataset_id}/{resource.get('path')}"}
        if is_table(resource):
            fields = table_fields(resource)
            primary = as_list((resource.get("schema") or {}).get("primaryKey"))
            columns = {f["name"]: _describe(f) for f in fields}
            for column, source, _ in geopoint_columns(fields):
                columns[column] = f"{column.capitalize()} (WGS84), taken from `{source}`."
            entry["latitude_column"], entry["longitude_column"] = _declared_location(resource, fields) or _location(fields)
            entry["points"] = json.dumps(point_pairs(fields))
            entry["facets"] = json.dumps(_facets(db, name, fields, primary, rows))
            entry["label_column"] = _label(list(columns), primary)
            entry["searchable"] = json.dumps([f["name"] for f in fields if field_hub(f).get("searchable")
                                              and SQL_TYPES.get(f.get("type"), str) is str])
        elif is_geojson(resource):
            # GeoJSON properties have no schema: say where they come from rather than nothing.
            origin = resource.get("title") or resource.get("name")
            columns = {c: f"Property `{c}` of each feature in {origin} ({resource.get('path')})."
                       for c in db[name].columns_dict}
            if "id" in columns:
                columns["id"] = "Identifier of the feature (its GeoJSON `id`, or its `id` property)."
            columns["geometry"] = "Shape of the feature, as GeoJSON (WGS84)."
            entry["geometry_column"] = "geometry"
            entry["points"] = "[]"
            entry["facets"] = "[]"
            entry["label_column"] = _label(list(columns), ["id"])
            entry["searchable"] = "[]"
        else:
            continue
        entry["columns"] = json.dumps(columns, ensure_ascii=False)
        result.append(entry)
    return result


def publisher_rows(publishers) -> list[dict]:
    return [{"slug": p.slug, "title": p.title, "kind": p.kind, "homepage": p.homepage, "email": p.email,
             "description": p.description, "licence": p.licence} for p in publishers.values()]


def reuse_rows(external: list[dict], descriptors: list[dict]) -> list[dict]:
    """External works (reuses/*.yml) and derived datasets, both "reusing" their sources."""
    rows = []
    for item in external:
        rows.append({"slug": item["slug"], "title": item.get("title") or item["slug"], "url": item.get("url") or "",
                     "type": item.get("type") or "", "author": item.get("author") or "",
                     "datasets": json.dumps(list(item.get("datasets") or [])),
                     "kind": "external", "description": item.get("description") or ""})
    for descriptor in descriptors:
        sources = reuse_sources(descriptor)
        if not sources:
            continue
        publisher = descriptor["catalog"]["publisher"]
        rows.append({"slug": f"{publisher}-{descriptor['name']}", "title": descriptor.get("title") or descriptor["name"],
                     "url": f"/-/dataset/{publisher}/{descriptor['name']}", "type": "dataset",
                     "author": descriptor["catalog"].get("publisher_title") or publisher,
                     "datasets": json.dumps(sources), "kind": "derived",
                     "description": descriptor.get("description") or ""})
    return sorted(rows, key=lambda r: r["slug"])


def current_rows(db: sqlite_utils.Database, table: str) -> list[dict]:
    if not has_table(db, table):
        return []
    return list(db.query(f'SELECT * FROM "{table}" ORDER BY 1'))
