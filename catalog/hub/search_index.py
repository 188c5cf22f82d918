"""The hub-wide search index, built at publish time (SQLite FTS5).

One document per dataset (title, keywords, publisher, description, column names) and one
per row of the tables whose fields are marked `"catalog": {"searchable": true}`. The text
lives in `catalog_search_docs` (indexed by dataset) and FTS5 indexes it as external
content, so a changed dataset's documents are removed and added by its own id: a publish
costs what changed, not the size of the hub.

Tokenizer `porter unicode61 remove_diacritics 2`: case and accents are folded ("velo" finds
"vélo", "EQUIPEMENT" finds "équipements") and a trailing plural is stripped.
"""
from __future__ import annotations

import json

DOCS = "catalog_search_docs"
FTS = "catalog_search"
from catalog.hubdb import SEARCH_TOKENIZE as TOKENIZE
from catalog.hubdb import has_table
TEXT_COLUMNS = ("title", "keywords", "publisher", "description", "columns", "body")


def ensure(db) -> bool:
    """Create the index when missing; True when it was just created (every dataset must be indexed)."""
    if has_table(db, FTS):
        return False
    with db.conn:
        db.execute(f"""CREATE TABLE IF NOT EXISTS {DOCS} (
            id INTEGER PRIMARY KEY, kind TEXT NOT NULL, dataset_id TEXT NOT NULL, table_name TEXT,
            row_id INTEGER, title TEXT, keywords TEXT, publisher TEXT, description TEXT, columns TEXT, body TEXT)""")
        db.execute(f"DELETE FROM {DOCS}")
        db.execute(f"CREATE INDEX IF NOT EXISTS {DOCS}_dataset ON {DOCS}(dataset_id)")
        db.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5({', '.join(TEXT_COLUMNS)}, content='{DOCS}', "
                   f"content_rowid='id', tokenize='{TOKENIZE}')")
    return True


def remove(db, dataset_id: str) -> None:
    if not has_table(db, FTS):
        return
    columns = ", ".join(TEXT_COLUMNS)
    with db.conn:
        # External content: FTS5 forgets a document when told its old text ('delete' command).
        db.execute(f"INSERT INTO {FTS}({FTS}, rowid, {columns}) SELECT 'delete', id, {columns} FROM {DOCS} "
                   "WHERE dataset_id = ?", [dataset_id])
        db.execute(f"DELETE FROM {DOCS} WHERE dataset_id = ?", [dataset_id])


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def add(db, dataset: dict, tables: list[dict]) -> None:
    """Index one dataset (its `catalog_datasets` row) and the searchable rows of its tables."""
    columns = []
    for table in tables:
        for name, description in (json.loads(table.get("columns") or "{}")).items():
            columns.append(name)
    keywords = " ".join(json.loads(dataset.get("keywords") or "[]"))
    with db.conn:
        db.execute(f"INSERT INTO {DOCS} (kind, dataset_id, title, keywords, publisher, description, columns, body) "
                   "VALUES ('dataset', ?, ?, ?, ?, ?, ?, ?)",
                   [dataset["id"], dataset.get("title") or "", keywords,
                    f"{dataset.get('publisher_title') or ''} {dataset.get('publisher') or ''}",
                    dataset.get("description") or "", " ".join(dict.fromkeys(columns)),
                    f"{dataset.get('theme') or ''} {dataset.get('name') or ''}"])
        for table in tables:
            searchable = json.loads(table.get("searchable") or "[]")
            if not searchable:
                continue
            label = table.get("label_column") if table.get("label_column") in searchable else searchable[0]
            body = " || ' · ' || ".join(f"COALESCE({_q(c)}, '')" for c in searchable)
            db.execute(f"INSERT INTO {DOCS} (kind, dataset_id, table_name, row_id, title, body) "
                       f"SELECT 'row', ?, ?, rowid, {_q(label)}, {body} FROM {_q(table['name'])}",
                       [dataset["id"], table["name"]])
        db.execute(f"INSERT INTO {FTS}(rowid, {', '.join(TEXT_COLUMNS)}) SELECT id, {', '.join(TEXT_COLUMNS)} "
                   f"FROM {DOCS} WHERE dataset_id = ?", [dataset["id"]])


def reindex_all(db) -> None:
    """Every dataset of the hub, from its catalog tables (a hub built before the index existed)."""
    tables_of = {}
    for row in db.query("SELECT * FROM catalog_tables"):
        tables_of.setdefault(row["dataset_id"], []).append(row)
    for dataset in list(db.query("SELECT * FROM catalog_datasets ORDER BY id")):
        remove(db, dataset["id"])
        add(db, dataset, tables_of.get(dataset["id"], []))
