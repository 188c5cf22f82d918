"""The hub's Datasette plugin, registered by `catalog serve`.

- the landing page (templates/index.html) gets the publishers and their datasets;
- `/-/dataset/<publisher>/<dataset>` shows one dataset: tables, downloads, lineage,
  reuses and ready-to-run API requests;
- a freshly published hub is picked up without a restart: `catalog publish datasette`
  swaps the file in with os.replace, so a new inode at the same path means a new hub.
  Requests already running finish on the old file, which stays open until then.
"""
from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from datasette import hookimpl
from datasette.database import Database
from datasette.utils.asgi import NotFound, Response

from catalog.hub import pages

WATCH_SECONDS = 1.0


def _config(datasette) -> dict:
    return datasette.plugin_config("catalog-hub") or {}


def _hub(datasette):
    name = _config(datasette).get("database")
    if name and name in datasette.databases:
        return datasette.databases[name]
    return next((db for n, db in datasette.databases.items() if n != "_internal"), None)


def _base(request) -> str:
    return f"{request.scheme}://{request.host}"


@hookimpl
def extra_template_vars(template, datasette):
    if template != "index.html":
        return {}

    async def hub():
        database = _hub(datasette)
        if database is None or not await pages.is_hub(database):
            return {"hub": None}
        return {"hub": await pages.landing(database, datasette.urls)}

    return hub


@hookimpl
def extra_css_urls(datasette):
    return [{"url": "/hub-assets/hub.css"}]


async def dataset_view(datasette, request):
    database = _hub(datasette)
    dataset_id = f"{request.url_vars['publisher']}/{request.url_vars['dataset']}"
    context = await pages.dataset_page(database, datasette.urls, _base(request), dataset_id) if database else None
    if context is None:
        raise NotFound(f"No dataset {dataset_id} on this hub.")
    return Response.html(await datasette.render_template("hub_dataset.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/dataset/(?P<publisher>[^/]+)/(?P<dataset>[^/]+)$", dataset_view)]


def _identity(path: str):
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _reload(datasette, name: str, path: str):
    """Point the hub database (and its metadata) at the file now at `path`."""
    from catalog.publish.datasette import metadata_path

    metadata_file = metadata_path(Path(path))
    if metadata_file.is_file():
        metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
        metadata.setdefault("plugins", {})["catalog-hub"] = _config(datasette)
        datasette._metadata_local = metadata
    datasette.remove_database(name)
    datasette.add_database(Database(datasette, path=path, is_mutable=False), name=name)


@hookimpl
def startup(datasette):
    config = _config(datasette)
    name, path = config.get("database"), config.get("path")
    if not name or not path:
        return None

    async def watch():
        seen = _identity(path)
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            now = _identity(path)
            if now and now != seen:
                seen = now
                _reload(datasette, name, path)

    async def start():
        asyncio.get_running_loop().create_task(watch())

    return start
