"""A reuse's sources: where they are, the tables they give, and their lineage.

Two SQLite databases stand for the hub: one with empty tables shaped from the sources'
schemas (validation: it tells whether a query or a column still fits, before any data is
packaged), and one loaded from the packaged sources with the hub's own loader (derivation),
so a reuse sees exactly the tables and columns the Datasette hub serves.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils

from catalog import hubdb
from catalog.datasets import Dataset, find_descriptor, is_tabular, load_dataset, resource_format
from catalog.errors import InvalidData, UnusableInput
from catalog.naming import table_name

# SQLite authorizer codes a read-only query needs; anything else (ATTACH, PRAGMA, writes) is refused.
READ_ONLY = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, getattr(sqlite3, "SQLITE_RECURSIVE", 33)}


def source_folder(root: Path, source: str) -> Path | None:
    folder = Path(root) / "datasets" / source
    return folder if find_descriptor(folder) else None


def read_only(db: sqlite_utils.Database):
    """From now on the connection only reads: a reuse query cannot attach files or write."""
    db.conn.set_authorizer(lambda action, *_: sqlite3.SQLITE_OK if action in READ_ONLY else sqlite3.SQLITE_DENY)


def _geojson_columns(path: Path) -> list[str]:
    """The columns the hub loader gives a GeoJSON file (catalog.geojson_rows)."""
    from catalog import geojson_rows

    try:
        return geojson_rows.columns(geojson_rows.features(geojson_rows.load(path)))
    except (OSError, ValueError):
        return []


def tables_of(dataset: Dataset) -> dict[str, list[str]]:
    """The hub tables a dataset gives, with their columns, from its descriptor and schemas."""
    tables = {}
    for resource in dataset.resources:
        path = dataset.resource_path(resource)
        name = resource.get("name") or (path.stem if path else None)
        if not name:
            continue
        fmt = resource_format(resource)
        if fmt == "geojson" or str(resource.get("path", "")).lower().endswith(".geojson"):
            if path and path.is_file():
                tables[table_name(dataset.name, name)] = _geojson_columns(path)
        elif is_tabular(resource) and fmt != "zip":
            try:
                schema = dataset.schema(resource)
            except UnusableInput:
                schema = None
            if schema:
                tables[table_name(dataset.name, name)] = list(hubdb.columns_of({"schema": schema}))
    return tables


def schema_db(datasets: list[Dataset]) -> sqlite_utils.Database:
    """An in-memory database with the sources' tables, empty: queries prepare against it."""
    db = sqlite_utils.Database(memory=True)
    for dataset in datasets:
        for table, columns in tables_of(dataset).items():
            db[table].create({column: str for column in columns})
    return db


def hub_db(package_folders: list[Path]) -> sqlite_utils.Database:
    """An in-memory database loaded from packaged sources by the hub's own loader."""
    db = sqlite_utils.Database(memory=True)
    for folder in package_folders:
        hubdb.load_package(db, folder)
    return db


def packaged(out: Path, source: str, refused: dict) -> Path:
    """The package folder of a source written by `catalog package`, or why there is none."""
    if source in refused:
        raise InvalidData(f"its source {source} was not packaged ({refused[source]}).",
                          f"Fix {source} first: run `catalog validate datasets/{source}`.")
    folder = Path(out) / source
    if not (folder / "datapackage.json").is_file():
        raise InvalidData(f"its source {source} has no package in {out}.",
                          f"Package the source first: `catalog package datasets/{source}`.")
    return folder


def lineage(package_folders: dict[str, Path]) -> list[dict]:
    """Data Package `sources` entries: each source's name, version and content hash."""
    entries = []
    for source, folder in package_folders.items():
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        hub = descriptor.get("catalog") or {}
        entries.append({
            "title": descriptor.get("title") or source,
            "name": source,
            "version": descriptor.get("version") or "",
            "hash": f"sha256:{hub.get('content_hash', '')}",
            # Relative to the reuse's own package: valid on disk and under the hub's /packages/.
            "path": f"../../{source}/datapackage.json",
        })
    return entries


def load_sources(root: Path, sources: list[str]) -> tuple[list[Dataset], list[str]]:
    """The source datasets that exist, and the names of those that do not."""
    found, missing = [], []
    for source in sources:
        folder = source_folder(root, source)
        if folder is None:
            missing.append(source)
            continue
        try:
            found.append(load_dataset(folder))
        except UnusableInput:
            missing.append(source)
    return found, missing
