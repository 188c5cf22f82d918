"""What the landing page and the dataset pages show, read from the hub's catalog tables.

Plain functions over a Datasette `Database` (async `execute`), so the plugin
stays a thin layer of routes and hooks.
"""
from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from catalog.weblinks import web_link


def _json(text, default):
    try:
        return json.loads(text) if text else default
    except ValueError:
        return default


def _link(value) -> str | None:
    """What may be an href: an http(s) address, or a path on this hub (built here, e.g. /-/dataset/…)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and web_link(
            "http://hub" + value):
        return value
    return web_link(value)


def _safe_links(dataset: dict | None = None, publisher: dict | None = None, reuses=()):
    """Descriptors and profiles are written by others: only safe links reach the templates,
    whatever an older hub database holds."""
    if dataset is not None:
        dataset["licence_url"] = web_link(dataset.get("licence_url"))
    if publisher is not None:
        publisher["homepage"] = web_link(publisher.get("homepage"))
    for reuse in reuses:
        reuse["url"] = _link(reuse.get("url")) or ""


async def _rows(database, sql, params=None) -> list[dict]:
    results = await database.execute(sql, params or [])
    return [dict(row) for row in results.rows]


async def is_hub(database) -> bool:
    # One lookup, not the list of every table name (4.5 ms a request on a hub of 1,000 datasets).
    found = await database.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'catalog_datasets'")
    return bool(found.rows)


def _table_entry(row: dict, db_name: str, urls) -> dict:
    entry = dict(row)
    entry["url"] = urls.table(db_name, row["name"])
    entry["has_map"] = bool((row["latitude_column"] and row["longitude_column"]) or row["geometry_column"]
                            or len(_json(row.get("points"), [])) > 1)
    entry["facets"] = _json(row["facets"], [])
    entry["columns"] = _json(row["columns"], {})
    entry["searchable"] = _json(row["searchable"], [])
    entry["format"] = "GeoJSON" if (row.get("download_url") or "").endswith(".geojson") else "CSV"
    return entry


def _reused_by(reuses: list[dict]) -> dict[str, list[dict]]:
    by_dataset = {}
    for reuse in reuses:
        for dataset_id in _json(reuse["datasets"], []):
            by_dataset.setdefault(dataset_id, []).append(reuse)
    return by_dataset


async def landing(database, urls) -> dict:
    """Publishers with their datasets (tables, map, downloads, reuses), for the index page;
    on a large hub, publishers and themes with their counts (catalog/hub/groups.py)."""
    from catalog.hub import groups

    if await groups.count(database) > groups.CARDS:
        return await groups.landing_groups(database)
    publishers = await _rows(database, "SELECT * FROM catalog_publishers ORDER BY title")
    datasets = await _rows(database, "SELECT * FROM catalog_datasets ORDER BY title")
    tables = await _rows(database, "SELECT * FROM catalog_tables ORDER BY name")
    reuses = await _rows(database, "SELECT * FROM catalog_reuses ORDER BY kind DESC, title")
    reused_by = _reused_by(reuses)
    tables_of = {}
    for row in tables:
        tables_of.setdefault(row["dataset_id"], []).append(_table_entry(row, database.name, urls))
    known = {p["slug"] for p in publishers}
    for dataset in datasets:
        dataset["tables"] = tables_of.get(dataset["id"], [])
        dataset["reused_by"] = reused_by.get(dataset["id"], [])
        dataset["reuse_of"] = _json(dataset["reuse_of"], [])
        dataset["keywords"] = _json(dataset["keywords"], [])
        dataset["url"] = f"/-/dataset/{dataset['id']}"
        dataset["map_table"] = next((t for t in dataset["tables"] if t["has_map"]), None)
        if dataset["publisher"] not in known:  # a dataset whose profile is gone still shows
            known.add(dataset["publisher"])
            publishers.append({"slug": dataset["publisher"], "title": dataset["publisher_title"], "kind": "",
                               "homepage": "", "description": ""})
    for publisher in publishers:
        publisher["datasets"] = [d for d in datasets if d["publisher"] == publisher["slug"]]
        _safe_links(publisher=publisher)
    for dataset in datasets:
        _safe_links(dataset=dataset, reuses=dataset["reused_by"])
    _safe_links(reuses=reuses)
    titles = {d["id"]: d["title"] for d in datasets}
    for reuse in reuses:
        reuse["datasets"] = [{"id": i, "title": titles.get(i, i), "known": i in titles}
                             for i in _json(reuse["datasets"], [])]
    return {
        "publishers": [p for p in publishers if p["datasets"]],
        "datasets_count": len(datasets), "tables_count": len(tables),
        "rows_count": sum(d["rows"] or 0 for d in datasets),
        "reuses": reuses, "database": database.name,
    }


async def _example_value(database, table: str, column: str):
    rows = await _rows(database, f'SELECT "{column}" AS v FROM "{table}" WHERE "{column}" IS NOT NULL '
                                 f'AND "{column}" != \'\' LIMIT 1')
    return rows[0]["v"] if rows else None


async def api_examples(database, urls, base: str, table: dict) -> list[dict]:
    """Ready-to-run requests for one table, with values that really are in it."""
    name, db_name = table["name"], database.name
    json_url = urls.table(db_name, name, format="json")
    examples = [{"title": "The first rows, as a JSON array",
                 "url": f"{base}{json_url}?_shape=array&_size=5"}]
    candidates = table["facets"] + [c for c in table["columns"] if c.endswith(("_id", "code", "insee"))]
    for column in candidates:
        value = await _example_value(database, name, column)
        if value is not None:
            examples.append({"title": f"Filter: rows where {column} = {value}",
                             "url": f"{base}{json_url}?{urlencode({column: value, '_shape': 'array'})}"})
            sql = (f'select "{column}", count(*) as rows from "{name}" group by "{column}" '
                   f"order by rows desc limit 10")
            break
    else:
        sql = f'select * from "{name}" limit 10'
    examples.append({"title": "Any read-only SQL query (?sql=)",
                     "url": f"{base}{urls.database(db_name, format='json')}?sql={quote(sql)}&_shape=array"})
    if table["searchable"]:
        word = await _example_value(database, name, table["searchable"][0])
        word = str(word).split()[0] if word else "gare"
        examples.append({"title": f"Full-text search in {', '.join(table['searchable'])}",
                         "url": f"{base}{json_url}?{urlencode({'_search': word, '_shape': 'array'})}"})
    examples.append({"title": "The whole table as CSV (streamed)",
                     "url": f"{base}{urls.table(db_name, name, format='csv')}?_stream=on&_size=max"})
    return examples


async def dataset_page(database, urls, base: str, dataset_id: str) -> dict | None:
    """Everything the dataset page shows; None when the hub has no such dataset."""
    found = await _rows(database, "SELECT * FROM catalog_datasets WHERE id = ?", [dataset_id])
    if not found:
        return None
    dataset = found[0]
    publisher = (await _rows(database, "SELECT * FROM catalog_publishers WHERE slug = ?",
                             [dataset["publisher"]]) or [{"slug": dataset["publisher"],
                                                          "title": dataset["publisher_title"]}])[0]
    descriptor = _json((await _rows(database, "SELECT descriptor FROM catalog_descriptors WHERE id = ?",
                                    [dataset_id]) or [{}])[0].get("descriptor"), {})
    tables = [_table_entry(r, database.name, urls) for r in
              await _rows(database, "SELECT * FROM catalog_tables WHERE dataset_id = ? ORDER BY name", [dataset_id])]
    known = {r["id"] for r in await _rows(database, "SELECT id FROM catalog_datasets")}
    reuses = [r for r in await _rows(database, "SELECT * FROM catalog_reuses ORDER BY kind DESC, title")
              if dataset_id in _json(r["datasets"], [])]
    lineage = []
    for source in descriptor.get("sources") or []:
        if not isinstance(source, dict):
            continue
        name = source.get("name") or ""
        lineage.append({**source, "url": f"/-/dataset/{name}" if name in known else web_link(source.get("path"))})
    for table in tables:
        table["examples"] = await api_examples(database, urls, base, table)
    reuse = (descriptor.get("catalog") or {}).get("reuse") or {}
    query = None
    if reuse.get("method") == "sql" and reuse.get("sql"):
        params = reuse.get("parameters") if isinstance(reuse.get("parameters"), dict) else {}
        query_url = urls.table(database.name, descriptor.get("name"), format="json")
        query = {"name": descriptor.get("name"), "sql": reuse["sql"],
                 "url": urls.table(database.name, descriptor.get("name")),
                 "example": f"{base}{query_url}?{urlencode({**params, '_shape': 'array'})}"}
    files = [{"name": r.get("name"), "title": r.get("title") or r.get("name"), "format": r.get("format"),
              "bytes": r.get("bytes"), "url": f"/packages/{dataset_id}/{r.get('path')}"}
             for r in descriptor.get("resources") or [] if isinstance(r, dict)]
    dataset.update(keywords=_json(dataset["keywords"], []), reuse_of=_json(dataset["reuse_of"], []))
    _safe_links(dataset=dataset, publisher=publisher, reuses=reuses)
    return {"dataset": dataset, "publisher": publisher, "tables": tables, "lineage": lineage, "reuses": reuses,
            "files": files, "query": query, "reuse": reuse, "database": database.name, "base": base,
            "descriptor": descriptor, "conforms_to": conforms_to(descriptor)}


def conforms_to(descriptor: dict) -> list[dict]:
    """The national schemas (name, version, title, url) the dataset's tables were checked against."""
    found = {}
    for resource in descriptor.get("resources") or []:
        schema = resource.get("schema") if isinstance(resource, dict) else None
        national = schema.get("catalog") if isinstance(schema, dict) else None
        if isinstance(national, dict) and national.get("reference"):
            url = str(national.get("url") or "")
            found[national["reference"]] = {**national, "url": url if url.startswith(("https://", "http://")) else ""}
    return list(found.values())
