"""The landing page of a large hub: publishers and themes with their counts, each opening the
search page filtered on it (paginated), instead of one card per dataset.

Counted by SQLite from the catalog tables: the page costs the same with 1,000 datasets as with 50.
"""
from __future__ import annotations

from urllib.parse import urlencode

from catalog.hub.words import theme_label

CARDS = 60  # beyond this many datasets the landing page groups them


async def _rows(database, sql, params=None) -> list[dict]:
    return [dict(r) for r in (await database.execute(sql, params or [])).rows]


async def count(database) -> int:
    return (await _rows(database, "SELECT COUNT(*) AS n FROM catalog_datasets"))[0]["n"]


async def landing_groups(database) -> dict:
    totals = (await _rows(database, "SELECT COUNT(*) AS datasets, COALESCE(SUM(rows), 0) AS rows "
                                    "FROM catalog_datasets"))[0]
    tables = (await _rows(database, "SELECT COUNT(*) AS n FROM catalog_tables"))[0]["n"]
    publishers = await _rows(database, """
        SELECT d.publisher AS slug, COALESCE(p.title, MAX(d.publisher_title)) AS title, p.kind AS kind,
               p.description AS description, COUNT(*) AS count
        FROM catalog_datasets AS d LEFT JOIN catalog_publishers AS p ON p.slug = d.publisher
        GROUP BY d.publisher ORDER BY title""")
    themes = await _rows(database, "SELECT theme, COUNT(*) AS count FROM catalog_datasets WHERE theme != '' "
                                   "GROUP BY theme ORDER BY count DESC, theme")
    latest = await _rows(database, "SELECT id, title, publisher_title, last_update FROM catalog_datasets "
                                   "WHERE last_update != '' ORDER BY last_update DESC, title LIMIT 10")
    for publisher in publishers:
        publisher["url"] = "/-/search?" + urlencode({"publisher": publisher["slug"]})
    for theme in themes:
        theme["url"] = "/-/search?" + urlencode({"theme": theme["theme"]})
        theme["label"] = theme_label(theme["theme"])
    for dataset in latest:
        dataset["url"] = f"/-/dataset/{dataset['id']}"
    return {"grouped": True, "publishers": publishers, "themes": themes, "latest": latest,
            "datasets_count": totals["datasets"], "rows_count": totals["rows"], "tables_count": tables,
            "reuses": [], "database": database.name}
