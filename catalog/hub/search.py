"""Searching the hub: the query side of `catalog.hub.search_index`.

Plain async functions over a Datasette `Database`, used by `/-/search` (page and JSON) and
the landing page's filter. The reader's words are never passed to FTS5 as syntax: each
word becomes a quoted prefix term, all of them required.
"""
from __future__ import annotations

import difflib
import json
import re
import unicodedata
from urllib.parse import urlencode

from catalog.hub.search_index import DOCS, FTS
from catalog.hub.words import theme_label

MAX_QUERY_CHARS = 200  # a URL's q is untrusted: bounded before any work
MAX_WORDS = 12
PER_PAGE = 20
MAX_PAGE = 500
MAX_PER_PAGE = 1000  # the landing page's filter asks for every matching dataset at once
FILTERS = ("theme", "publisher", "licence")
# Column weights of bm25(): title, keywords, publisher, description, column names, other text.
WEIGHTS = "10.0, 6.0, 3.0, 1.5, 2.0, 1.0"
MARK_START, MARK_END = "\x02", "\x03"


def words(q: str) -> list[str]:
    return re.findall(r"\w+", (q or "")[:MAX_QUERY_CHARS])[:MAX_WORDS]


def fts_query(q: str) -> str | None:
    """`vélo bus` -> `"vélo"* "bus"*` (every word, as a prefix; FTS5 folds accents and case)."""
    terms = [f'"{w}"*' for w in words(q)]
    return " ".join(terms) or None


def fold(text: str) -> str:
    """Lower case, without accents: how the index compares words."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


async def _rows(database, sql, params=None) -> list[dict]:
    return [dict(r) for r in (await database.execute(sql, params or {})).rows]


def _filters(params: dict, chosen: dict) -> str:
    clauses = []
    for name in FILTERS:
        if chosen.get(name):
            clauses.append(f"d.{name} = :{name}")
            params[name] = chosen[name]
    return "".join(f" AND {c}" for c in clauses)


_choices: dict = {}


async def choices(database) -> dict[str, list[dict]]:
    """The values each filter can take, with how many datasets have them (kept for as long as
    the same hub file is served: a published hub is a new database generation)."""
    key = getattr(database, "generation", None)
    if key is not None and key in _choices:
        return _choices[key]
    result = {}
    for name, label in (("theme", "theme"), ("publisher", "publisher_title"), ("licence", "licence")):
        rows = await _rows(database, f"SELECT {name} AS value, MAX({label}) AS label, COUNT(*) AS count "
                                     f"FROM catalog_datasets WHERE {name} != '' GROUP BY {name} ORDER BY label")
        result[name] = rows
    if key is not None:
        _choices.clear()
        _choices[key] = result
    return result


def _clean(chosen: dict) -> dict:
    return {k: str(chosen.get(k) or "")[:200] for k in FILTERS if chosen.get(k)}


def _size(value) -> int:
    try:
        return min(max(1, int(value)), MAX_PER_PAGE)
    except (TypeError, ValueError):
        return PER_PAGE


def _page(value) -> int:
    try:
        return min(max(1, int(value)), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


async def search(database, q: str, chosen: dict | None = None, page=1, per_page=PER_PAGE) -> dict:
    """Datasets ranked by relevance (or, without words, listed by publisher and title), the
    tables whose rows match, and suggestions when nothing does."""
    q = (q or "")[:MAX_QUERY_CHARS].strip()
    chosen, page = _clean(chosen or {}), _page(page)
    per_page = _size(per_page)
    match = fts_query(q)
    params = {"limit": per_page, "offset": (page - 1) * per_page}
    where = _filters(params, chosen)
    tables = []
    if match:
        params["q"] = match
        base = (f"FROM {FTS} JOIN {DOCS} s ON s.id = {FTS}.rowid JOIN catalog_datasets d ON d.id = s.dataset_id "
                f"WHERE {FTS} MATCH :q AND s.kind = 'dataset'{where}")
        total = (await _rows(database, f"SELECT COUNT(*) AS n {base}", params))[0]["n"]
        found = await _rows(database, f"SELECT d.*, s.id AS doc, bm25({FTS}, {WEIGHTS}) AS score "
                                      f"{base} ORDER BY score, d.title LIMIT :limit OFFSET :offset", params)
        if found:
            # Snippets of the page's results only: SQLite would build one for every match before sorting.
            marks = ", ".join(str(int(row["doc"])) for row in found)
            snippets = {r["rowid"]: r["snippet"] for r in await _rows(
                database, f"SELECT rowid, snippet({FTS}, 3, '{MARK_START}', '{MARK_END}', '…', 24) AS snippet "
                          f"FROM {FTS} WHERE {FTS} MATCH :q AND rowid IN ({marks})", {"q": match})}
            for row in found:
                row["snippet"] = snippets.get(row["doc"])
        tables = await _row_hits(database, params, where)
    else:
        base = f"FROM catalog_datasets d WHERE 1{where}"
        total = (await _rows(database, f"SELECT COUNT(*) AS n {base}", params))[0]["n"]
        found = await _rows(database, f"SELECT d.*, NULL AS score, NULL AS snippet {base} "
                                      "ORDER BY d.publisher_title, d.title LIMIT :limit OFFSET :offset", params)
    results = [_result(row) for row in found]
    suggestions = []
    if match and not results and not tables:
        suggestions = await suggest(database, q, chosen)
    pages = max(1, -(-total // per_page))
    return {"q": q, "filters": chosen, "page": page, "pages": pages, "per_page": per_page, "total": total,
            "results": results, "tables": tables, "suggestions": suggestions,
            "next": _link(q, chosen, page + 1) if page < pages else None,
            "previous": _link(q, chosen, page - 1) if page > 1 else None}


def table_search_query(q: str) -> str:
    """What a table's own `?_search=` (with `_searchmode=raw`) is given: the same prefix terms."""
    return fts_query(q) or ""


def _link(q: str, chosen: dict, page: int) -> str:
    return "/-/search?" + urlencode({**({"q": q} if q else {}), **chosen, **({"page": page} if page > 1 else {})})


def _result(row: dict) -> dict:
    try:
        keywords = json.loads(row.get("keywords") or "[]")
    except ValueError:
        keywords = []
    return {"id": row["id"], "title": row["title"], "url": f"/-/dataset/{row['id']}",
            "publisher": row["publisher"], "publisher_title": row["publisher_title"], "theme": row["theme"],
            "theme_label": theme_label(row["theme"]),
            "licence": row["licence"], "last_update": row["last_update"], "rows": row["rows"],
            "keywords": keywords, "description": row["description"],
            "snippet": row.get("snippet"),
            "score": round(-row["score"], 3) if row.get("score") is not None else None}


async def _row_hits(database, params: dict, where: str) -> list[dict]:
    """Tables whose searchable rows match, with how many rows and the first few, best first."""
    base = (f"FROM {FTS} JOIN {DOCS} s ON s.id = {FTS}.rowid JOIN catalog_datasets d ON d.id = s.dataset_id "
            f"WHERE {FTS} MATCH :q AND s.kind = 'row'{where}")
    # bm25() cannot sit inside an aggregate: rank in a subquery, group outside it.
    groups = await _rows(database, "SELECT table_name, dataset_id, dataset_title, COUNT(*) AS count, MIN(score) AS best "
                                   f"FROM (SELECT s.table_name, s.dataset_id, d.title AS dataset_title, "
                                   f"bm25({FTS}, {WEIGHTS}) AS score {base} LIMIT -1) GROUP BY table_name "
                                   "ORDER BY best LIMIT 10", params)
    result = []
    for group in groups:
        examples = await _rows(database, f"SELECT s.title, s.body {base} AND s.table_name = :table "
                                         f"ORDER BY bm25({FTS}, {WEIGHTS}) LIMIT 5",
                               {**params, "table": group["table_name"]})
        titles = await _rows(database, "SELECT title FROM catalog_tables WHERE name = ?", [group["table_name"]])
        result.append({"table": group["table_name"], "title": (titles[0]["title"] if titles else group["table_name"]),
                       "dataset_id": group["dataset_id"], "dataset_title": group["dataset_title"],
                       "count": group["count"], "examples": [e["body"] or e["title"] for e in examples],
                       "url": None})
    return result


async def suggest(database, q: str, chosen: dict) -> list[dict]:
    """What to try instead: close words of the hub's titles and keywords, the query without its
    filters, and the themes."""
    vocabulary = {}
    for row in await _rows(database, "SELECT title, keywords, theme FROM catalog_datasets"):
        text = " ".join([row["title"] or "", row["theme"] or ""] + _json_list(row["keywords"]))
        for word in re.findall(r"\w{3,}", text):
            vocabulary.setdefault(fold(word), word.lower())
    suggestions = []
    for word in words(q):
        for close in difflib.get_close_matches(fold(word), list(vocabulary), n=3, cutoff=0.7):
            if close != fold(word):
                text = q.replace(word, vocabulary[close])
                suggestions.append({"kind": "word", "q": text, "url": _link(text, chosen, 1)})
    if chosen:
        suggestions.append({"kind": "no-filter", "q": q, "url": _link(q, {}, 1)})
    return suggestions[:8]


def _json_list(text) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []
