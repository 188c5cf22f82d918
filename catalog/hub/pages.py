"""What the landing page and the dataset pages show, read from the hub's catalog tables.

Plain functions over a Datasette `Database` (async `execute`), so the plugin
stays a thin layer of routes and hooks.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from urllib.parse import quote, urlencode

from catalog.hub.i18n import N_, format_period, format_size
from catalog.hub.i18n import gettext as _
from catalog.hub.words import FREQUENCIES, KINDS, REUSE_TYPES, THEMES, label
from catalog.weblinks import web_link

def _period(dataset: dict) -> str:
    """The period covered, in words: `catalog_datasets.period` is written by records.period()
    as "start – end", "since start" or "until end" (ISO dates)."""
    text = dataset.get("period") or ""
    start, dash, end = text.partition(" – ")
    if dash:
        return format_period(start, end)
    if text.startswith("since "):
        return format_period(text[len("since "):], None)
    if text.startswith("until "):
        return format_period(None, text[len("until "):])
    return text


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
    for reuse in reuses:
        reuse["type_label"] = label(REUSE_TYPES, reuse["type"])
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
        dataset["theme_label"] = label(THEMES, dataset["theme"])
        dataset["period_label"] = _period(dataset)
        if dataset["publisher"] not in known:  # a dataset whose profile is gone still shows
            known.add(dataset["publisher"])
            publishers.append({"slug": dataset["publisher"], "title": dataset["publisher_title"], "kind": "",
                               "homepage": "", "description": ""})
    for publisher in publishers:
        publisher["datasets"] = [d for d in datasets if d["publisher"] == publisher["slug"]]
        publisher["kind_label"] = label(KINDS, publisher["kind"])
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
    examples = [{"title": _("The first 5 rows, as JSON objects; %(next)s gives the next page",
                            next="next_url"),
                 "url": f"{base}{json_url}?_shape=objects&_size=5"}]
    candidates = table["facets"] + [c for c in table["columns"] if c.endswith(("_id", "code", "insee"))]
    for column in candidates:
        value = await _example_value(database, name, column)
        if value is not None:
            examples.append({"title": _("Filter: rows where %(column)s = %(value)s", column=column, value=value),
                             "url": f"{base}{json_url}?{urlencode({column: value, '_shape': 'objects', '_size': 100})}"})
            sql = (f'select "{column}", count(*) as rows from "{name}" group by "{column}" '
                   f"order by rows desc limit 10")
            break
    else:
        sql = f'select * from "{name}" limit 10'
    examples.append({"title": _("Any read-only SQL query (?sql=)"),
                     "url": f"{base}{urls.database(db_name, format='json')}?sql={quote(sql)}&_shape=array"})
    if table["searchable"]:
        word = await _example_value(database, name, table["searchable"][0])
        word = str(word).split()[0] if word else "gare"
        examples.append({"title": _("Full-text search in %(columns)s", columns=", ".join(table["searchable"])),
                         "url": f"{base}{json_url}?{urlencode({'_search': word, '_shape': 'objects'})}"})
    examples.append({"title": _("The whole table as CSV (streamed)"),
                     "url": f"{base}{urls.table(db_name, name, format='csv')}?_stream=on&_size=max"})
    return examples


DELIMITERS = {";": N_("semicolon (;)"), ",": N_("comma (,)"), "\t": N_("tab"), "|": N_("vertical bar (|)")}


@functools.lru_cache(maxsize=256)
def _sniffed(path: str, stamp: tuple) -> tuple[str, str]:
    from catalog.validate.sniff import describe, sniff

    found = sniff(Path(path))
    return describe(found.encoding), found.delimiter or ""


@functools.lru_cache(maxsize=1024)
def _same_bytes(path: str, twin: str, stamp: tuple, twin_stamp: tuple) -> bool:
    """Compared once per version of the two files (the stamps), not on every page view."""
    if stamp[0] != twin_stamp[0]:
        return False
    with open(path, "rb") as a, open(twin, "rb") as b:
        while True:
            left, right = a.read(1 << 20), b.read(1 << 20)
            if left != right:
                return False
            if not left:
                return True


def original_files(packages: Path | None, dataset_id: str) -> list[dict]:
    """The files as the publisher exported them (`original/` of the package), when they differ
    from the normalised copy: a French CSV in cp1252 with `;` is linked with both facts."""
    if packages is None:
        return []
    try:
        stamp = (packages / dataset_id / "original").stat()
    except OSError:
        return []
    # A package is swapped in whole (new folders): the folder's identity stands for its files.
    return [dict(entry, size=format_size(entry["bytes"]),
                 delimiter=_(DELIMITERS[entry["delimiter"]]) if entry["delimiter"] in DELIMITERS else entry["delimiter"])
            for entry in _originals(str(packages), dataset_id, (stamp.st_ino, stamp.st_mtime_ns))]


@functools.lru_cache(maxsize=256)
def _originals(packages: str, dataset_id: str, stamp: tuple) -> tuple[dict, ...]:
    folder = Path(packages) / dataset_id / "original"
    if not folder.is_dir():
        return ()
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        twin = Path(packages) / dataset_id / "data" / path.name
        stat = path.stat()
        if twin.is_file() and _same_bytes(str(path), str(twin), (stat.st_size, stat.st_mtime_ns),
                                          (twin.stat().st_size, twin.stat().st_mtime_ns)):
            continue
        entry = {"name": path.name, "url": f"/packages/{dataset_id}/original/{path.relative_to(folder).as_posix()}",
                 "bytes": stat.st_size, "format": path.suffix.lstrip(".").lower(), "encoding": "", "delimiter": ""}
        if entry["format"] in ("csv", "txt", "tsv"):
            entry["encoding"], entry["delimiter"] = _sniffed(str(path), (stat.st_size, stat.st_mtime_ns))
        found.append(entry)
    return tuple(found)


async def dataset_page(database, urls, base: str, dataset_id: str, packages: Path | None = None) -> dict | None:
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
        defaults = f"?{urlencode(params)}" if params else ""
        query = {"name": descriptor.get("name"), "sql": reuse["sql"],
                 "url": urls.table(database.name, descriptor.get("name")) + defaults,
                 "example": f"{base}{query_url}?{urlencode({**params, '_shape': 'array'})}"}
    files = [{"name": r.get("name"), "title": r.get("title") or r.get("name"), "format": r.get("format"),
              "bytes": r.get("bytes"), "size": format_size(r.get("bytes")) if r.get("bytes") else "",
              "url": f"/packages/{dataset_id}/{r.get('path')}"}
             for r in descriptor.get("resources") or [] if isinstance(r, dict)]
    dataset.update(keywords=_json(dataset["keywords"], []), reuse_of=_json(dataset["reuse_of"], []),
                   theme_label=label(THEMES, dataset["theme"]), frequency_label=label(FREQUENCIES, dataset["frequency"]),
                   period_label=_period(dataset))
    publisher["kind_label"] = label(KINDS, publisher.get("kind"))
    for reuse in reuses:
        reuse["type_label"] = label(REUSE_TYPES, reuse["type"])
    _safe_links(dataset=dataset, publisher=publisher, reuses=reuses)
    zip_path = packages / f"{dataset_id}.zip" if packages else None
    return {"dataset": dataset, "publisher": publisher, "tables": tables, "lineage": lineage, "reuses": reuses,
            "files": files, "originals": original_files(packages, dataset_id),
            "zip_size": format_size(zip_path.stat().st_size) if zip_path and zip_path.is_file() else "",
            "query": query, "reuse": reuse, "database": database.name, "base": base,
            "descriptor": descriptor, "json_url": f"/-/dataset/{dataset_id}.json",
            "conforms_to": conforms_to(descriptor)}


def dataset_json(context: dict) -> dict:
    """The dataset page for programs: the same facts, links made absolute, nothing to render."""
    base = context["base"]

    def absolute(url):
        return f"{base}{url}" if isinstance(url, str) and url.startswith("/") else url

    dataset = {k: v for k, v in context["dataset"].items() if not k.endswith("_label") and k != "inputs_key"}
    dataset.update(tables=_json(dataset.get("tables"), []), sources=_json(dataset.get("sources"), []))
    for key in ("package_url", "zip_url"):
        dataset[key] = absolute(dataset.get(key))
    tables = [{"name": t["name"], "title": t["title"], "description": t.get("description") or "", "rows": t["rows"],
               "url": absolute(t["url"]), "json_url": absolute(t["url"] + ".json"),
               "download_url": absolute(t.get("download_url")), "format": t["format"], "columns": t["columns"],
               "facets": t["facets"], "searchable": t["searchable"], "has_map": t["has_map"],
               "examples": t.get("examples") or []} for t in context["tables"]]
    publisher = {k: context["publisher"].get(k) for k in ("slug", "title", "kind", "homepage", "email")}
    return {
        "id": dataset["id"], "page_url": absolute(f"/-/dataset/{dataset['id']}"), "dataset": dataset,
        "publisher": publisher, "tables": tables,
        "files": [{**f, "url": absolute(f["url"])} for f in context["files"]],
        "originals": [{**f, "url": absolute(f["url"])} for f in context["originals"]],
        "lineage": [{**s, "url": absolute(s.get("url"))} for s in context["lineage"]],
        "reused_by": [{k: r.get(k) for k in ("slug", "title", "url", "type", "author", "kind")}
                      for r in context["reuses"]],
        "canned_query": context["query"], "conforms_to": context.get("conforms_to") or [],
        "paging": {"page_size": "_size (default 50, at most 5000)",
                   "next": "each table answer's next_url, until it is null"},
    }


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
