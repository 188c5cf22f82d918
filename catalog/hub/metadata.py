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

from catalog.hub import display
from catalog.hub.i18n import N_
from catalog.weblinks import web_link

# English source strings: the pages show them translated (`|translated` in the templates).
HUB_TITLE = N_("Open data hub")
HUB_DESCRIPTION = N_("Every dataset of the territory's public bodies in one place: browse the tables, "
                     "filter, map, download, or query them over the JSON and SQL API.")
HIDDEN = ("catalog_descriptors", "catalog_search_docs", "catalog_search")
NO_COLUMN = "-"  # a column name no table has
# The hub's own description of its datasets: public facts, under the licence French public
# bodies use by default (the datasets keep their own licences).
CATALOG_LICENCE = ("Licence Ouverte / Open Licence version 2.0",
                   "https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
CATALOG_TABLES = {
    "catalog_datasets": (N_("Datasets"), N_("One row per published dataset: publisher, licence, last update, "
                                            "tables, row counts, quality score and download links.")),
    "catalog_publishers": (N_("Publishers"), N_("The public bodies publishing on this hub.")),
    "catalog_tables": (N_("Tables"), N_("One row per data table, with its columns and how the hub presents it.")),
    "catalog_reuses": (N_("Reuses"), N_("Works built on the datasets: applications, visualisations, articles, "
                                        "and datasets derived from others.")),
}
ABOUT_HUB = N_("How this hub is built")


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
        queries[descriptor["name"]] = {
            "sql": reuse["sql"], "title": descriptor.get("title") or descriptor["name"],
            "description": descriptor.get("description") or "", "params": named,
            # The page opens with these applied (hub/plugin.py), and links carry them.
            "defaults": {k: str(v) for k, v in parameters.items() if k in named and v is not None},
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


def _schemas(descriptors: list[dict], rows: list[dict]) -> dict[str, tuple[list, list]]:
    """Each hub table's fields and primary key, from the packaged descriptors."""
    resources = {}
    for descriptor in descriptors:
        publisher = (descriptor.get("catalog") or {}).get("publisher")
        for resource in descriptor.get("resources") or []:
            if isinstance(resource, dict) and isinstance(resource.get("schema"), dict):
                resources[(f"{publisher}/{descriptor.get('name')}", resource.get("name"))] = resource["schema"]
    found = {}
    for row in rows:
        schema = resources.get((row["dataset_id"], row["resource"]))
        if schema:
            fields = [f for f in schema.get("fields") or [] if isinstance(f, dict)]
            primary = schema.get("primaryKey") or []
            found[row["name"]] = (fields, [primary] if isinstance(primary, str) else list(primary))
    return found


def display_config(rows: list[dict], descriptors: list[dict], reference=False) -> dict[str, dict]:
    """`plugins.catalog-hub` of each table: labels, formats, commune names, technical columns.
    `reference`: the hub's commune table, when `rows` are not all the hub's tables."""
    schemas = _schemas(descriptors, rows)
    if reference is False:
        reference = _commune_reference(rows, schemas)
    configs = {}
    for name, (fields, primary) in schemas.items():
        config = display.column_display(fields, primary)
        if reference:
            config["communes"] = display.commune_columns(fields, reference["table"], name)
            config["commune_table"] = reference
        configs[name] = config
    return configs


def _commune_reference(rows: list[dict], schemas: dict) -> dict | None:
    return display.commune_reference([{"name": name, "primary": primary, "label": row["label_column"]}
                                      for row in rows for name in [row["name"]] if name in schemas
                                      for primary in [schemas[name][1]]])


def hub_metadata(db: sqlite_utils.Database, database: str = "hub") -> dict:
    datasets = {r["id"]: r for r in db.query("SELECT * FROM catalog_datasets")}
    publishers = {r["slug"]: r for r in db.query("SELECT * FROM catalog_publishers")}
    descriptors = [_loads(r["descriptor"], {}) for r in db.query("SELECT descriptor FROM catalog_descriptors ORDER BY id")]
    rows = list(db.query("SELECT * FROM catalog_tables ORDER BY name"))
    tables = _table_entries(rows, datasets, publishers, display_config(rows, descriptors))
    return _whole(database, tables, canned_queries(descriptors))


def updated_metadata(db: sqlite_utils.Database, database: str, previous, changed: set[str]) -> dict:
    """What hub_metadata(db, database) returns, made from `previous` (what it returned before the
    datasets `changed` were loaded or removed, publishers unchanged) by redoing their tables only.

    Tables depend on their own dataset and publisher, but also on the hub's commune table and
    canned queries: when a changed dataset holds (or held) one of those, the whole is redone, as
    it is when `previous` is not what hub_metadata returns."""
    old_tables = _previous_tables(previous, database)
    if old_tables is None or not changed:
        return hub_metadata(db, database)
    queries = previous["databases"][database].get("queries")
    pages = {f"/-/dataset/{i}" for i in changed}
    mine = [name for name, entry in old_tables.items() if entry.get("about_url") in pages]
    references = (((entry.get("plugins") or {}).get("catalog-hub") or {}).get("commune_table")
                  for entry in old_tables.values())
    reference = next((r for r in references if r), None)  # every table of a hub with one names it
    if not isinstance(queries, dict) or any(i.rsplit("/", 1)[-1] in queries for i in changed) \
            or (reference is not None and (not isinstance(reference, dict) or reference.get("table") in mine)):
        return hub_metadata(db, database)
    marks = ", ".join("?" for _ in changed)
    wanted = sorted(changed)
    datasets = {r["id"]: r for r in db.query(f"SELECT * FROM catalog_datasets WHERE id IN ({marks})", wanted)}
    publishers = {r["slug"]: r for r in db.query("SELECT * FROM catalog_publishers")}
    descriptors = [_loads(r["descriptor"], {}) for r in db.query(
        f"SELECT descriptor FROM catalog_descriptors WHERE id IN ({marks}) ORDER BY id", wanted)]
    rows = list(db.query(f"SELECT * FROM catalog_tables WHERE dataset_id IN ({marks}) ORDER BY name", wanted))
    if canned_queries(descriptors) or _commune_reference(rows, _schemas(descriptors, rows)):
        return hub_metadata(db, database)
    new = _table_entries(rows, datasets, publishers, display_config(rows, descriptors, reference))
    kept = {name: entry for name, entry in old_tables.items()
            if name not in mine and name not in CATALOG_TABLES and name not in HIDDEN}
    kept.update(new)
    return _whole(database, {name: kept[name] for name in sorted(kept)}, queries)


def _previous_tables(previous, database: str) -> dict | None:
    try:
        tables = previous["databases"][database]["tables"]
    except (KeyError, TypeError):
        return None
    if not isinstance(tables, dict) or not all(isinstance(e, dict) for e in tables.values()):
        return None
    return tables


def _table_entries(rows: list[dict], datasets: dict, publishers: dict, displays: dict) -> dict:
    tables = {}
    for row in rows:
        dataset = datasets.get(row["dataset_id"]) or {}
        publisher = publishers.get(dataset.get("publisher")) or {}
        entry = {
            "title": row["title"] if row["title"] == dataset.get("title")
            else f"{dataset.get('title')} — {row['title']}",
            "description": " ".join(t for t in (row["description"], dataset.get("description")) if t),
            "license": dataset.get("licence") or "", "license_url": web_link(dataset.get("licence_url")) or "",
            "source": dataset.get("publisher_title") or dataset.get("publisher") or "",
            "source_url": web_link(publisher.get("homepage")) or "",
            "about": dataset.get("title") or row["dataset_id"],
            "about_url": f"/-/dataset/{row['dataset_id']}",
            "columns": {k: v for k, v in _loads(row["columns"], {}).items() if v},
        }
        facets = _loads(row["facets"], [])
        if facets:
            entry["facets"] = facets
        if row["label_column"]:
            entry["label_column"] = row["label_column"]
        entry["plugins"] = {"catalog-hub": displays.get(row["name"]) or {}}
        if row["latitude_column"] and row["longitude_column"]:
            entry["plugins"]["datasette-cluster-map"] = {"latitude_column": row["latitude_column"],
                                                         "longitude_column": row["longitude_column"],
                                                         "container": "#hub-map"}  # table.html's #map
        hub_map = _hub_map(row)
        if hub_map:
            entry["plugins"]["catalog-map"] = hub_map
            if hub_map.get("points"):
                # The hub's map shows every pair, in table.html's #map (there for datasette-cluster-map):
                # that plugin would draw the first pair alone, and draws nothing when its configured
                # columns are not in the table.
                entry["plugins"]["datasette-cluster-map"] = {"latitude_column": NO_COLUMN,
                                                             "longitude_column": NO_COLUMN}
        tables[row["name"]] = entry
    return tables


def _whole(database: str, tables: dict, queries: dict) -> dict:
    for name, (title, description) in CATALOG_TABLES.items():
        tables[name] = {"title": title, "description": description, "source": "catalog",
                        "about": ABOUT_HUB, "about_url": "/",
                        "license": CATALOG_LICENCE[0], "license_url": CATALOG_LICENCE[1],
                        "plugins": {"catalog-hub": {"labels": {}, "formats": {}, "technical": []}}}
    for name in HIDDEN:
        tables[name] = {"hidden": True}
    return {
        "title": HUB_TITLE,
        "description": HUB_DESCRIPTION,
        "databases": {database: {"title": N_("Hub"),
                                 "description": N_("All the datasets of the hub, one table per resource."),
                                 "tables": tables, "queries": queries}},
    }
