"""Datasette metadata for the hub, written from the hub's own catalog tables.

Every table carries its dataset's title, description, licence, source (the
publisher) and a link to its dataset page; every column its description; tables
get facets, a label column (how Datasette shows a foreign key) and the map columns
datasette-cluster-map should use; SQL reuses become canned queries.
"""
from __future__ import annotations

import json
import re

import sqlite_utils

from catalog.weblinks import web_link

HUB_TITLE = "Open data hub"
HUB_DESCRIPTION = ("Every dataset of the territory's public bodies in one place: browse the tables, "
                   "filter, map, download, or query them over the JSON and SQL API.")
NO_COLUMN = "-"  # a column name no table has
HIDDEN = ("catalog_descriptors", "catalog_search_docs", "catalog_search")
CATALOG_TABLES = {
    "catalog_datasets": ("Datasets", "One row per published dataset: publisher, licence, last update, "
                                     "tables, row counts, quality score and download links."),
    "catalog_publishers": ("Publishers", "The public bodies publishing on this hub."),
    "catalog_tables": ("Tables", "One row per data table, with its columns and how the hub presents it."),
    "catalog_reuses": ("Reuses", "Works built on the datasets: applications, visualisations, articles, "
                                 "and datasets derived from others."),
}


def _loads(text, default):
    try:
        return json.loads(text) if text else default
    except ValueError:
        return default


def canned_queries(descriptors: list[dict]) -> dict:
    """One canned query per SQL reuse, named after the dataset."""
    queries = {}
    for descriptor in descriptors:
        reuse = (descriptor.get("catalog") or {}).get("reuse") or {}
        if reuse.get("method") != "sql" or not reuse.get("sql"):
            continue
        parameters = reuse.get("parameters") if isinstance(reuse.get("parameters"), dict) else {}
        named = [p for p in dict.fromkeys(re.findall(r"(?<!:):([A-Za-z_]\w*)", reuse["sql"]))]
        description = descriptor.get("description") or ""
        if parameters:
            defaults = ", ".join(f"{k} = {v}" for k, v in parameters.items())
            description = f"{description} Default parameters: {defaults}.".strip()
        queries[descriptor["name"]] = {
            "sql": reuse["sql"], "title": descriptor.get("title") or descriptor["name"],
            "description": description, "params": named,
        }
    return queries


def _hub_map(row: dict) -> dict | None:
    """The hub's own map of a table (catalog/static/hub-maps.js): all the features of a GeoJSON
    table on one map, or a table with several point pairs (a derived table and its sources)."""
    if row.get("geometry_column"):
        return {"geometry": row["geometry_column"], "label": row.get("label_column")}
    pairs = _loads(row.get("points"), [])
    if len(pairs) > 1:
        return {"points": pairs, "label": row.get("label_column")}
    return None


def hub_metadata(db: sqlite_utils.Database, database: str = "hub") -> dict:
    datasets = {r["id"]: r for r in db.query("SELECT * FROM catalog_datasets")}
    publishers = {r["slug"]: r for r in db.query("SELECT * FROM catalog_publishers")}
    descriptors = [_loads(r["descriptor"], {}) for r in db.query("SELECT descriptor FROM catalog_descriptors ORDER BY id")]
    tables = {}
    for row in db.query("SELECT * FROM catalog_tables ORDER BY name"):
        dataset = datasets.get(row["dataset_id"]) or {}
        publisher = publishers.get(dataset.get("publisher")) or {}
        sources = _loads(dataset.get("reuse_of"), [])
        entry = {
            "title": row["title"] if row["title"] == dataset.get("title")
            else f"{dataset.get('title')} — {row['title']}",
            "description": " ".join(t for t in (row["description"], dataset.get("description")) if t),
            "license": dataset.get("licence") or "", "license_url": web_link(dataset.get("licence_url")) or "",
            "source": dataset.get("publisher_title") or dataset.get("publisher") or "",
            "source_url": web_link(publisher.get("homepage")) or "",
            "about": f"Dataset: {dataset.get('title')}" + (f" (derived from {', '.join(sources)})" if sources else ""),
            "about_url": f"/-/dataset/{row['dataset_id']}",
            "columns": {k: v for k, v in _loads(row["columns"], {}).items() if v},
        }
        facets = _loads(row["facets"], [])
        if facets:
            entry["facets"] = facets
        if row["label_column"]:
            entry["label_column"] = row["label_column"]
        if row["latitude_column"] and row["longitude_column"]:
            entry["plugins"] = {"datasette-cluster-map": {"latitude_column": row["latitude_column"],
                                                          "longitude_column": row["longitude_column"]}}
        hub_map = _hub_map(row)
        if hub_map:
            entry.setdefault("plugins", {})["catalog-map"] = hub_map
            if hub_map.get("points"):
                # The hub's map shows every pair; datasette-cluster-map would add a second map of the
                # first pair alone. It draws nothing when its configured columns are not in the table.
                entry["plugins"]["datasette-cluster-map"] = {"latitude_column": NO_COLUMN,
                                                             "longitude_column": NO_COLUMN}
        tables[row["name"]] = entry
    for name, (title, description) in CATALOG_TABLES.items():
        tables[name] = {"title": title, "description": description, "source": "catalog",
                        "about": "How this hub is built", "about_url": "/"}
    for name in HIDDEN:
        tables[name] = {"hidden": True}
    return {
        "title": HUB_TITLE,
        "description": HUB_DESCRIPTION,
        "databases": {database: {"title": "Hub", "description": "All the datasets of the hub, one table per resource.",
                                 "tables": tables, "queries": canned_queries(descriptors)}},
    }
