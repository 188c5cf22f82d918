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
import itertools
import json
import os
import threading
from pathlib import Path

from datasette import hookimpl
from datasette.database import Database
from datasette.utils.asgi import NotFound, Response

from catalog.hub import bounds, pages

WATCH_SECONDS = 1.0
_generations = itertools.count(1)
_connections = threading.local()


class HubDatabase(Database):
    """An immutable Datasette database whose file can be swapped while serving.

    Datasette keeps one connection per thread keyed by the database name, so after a
    swap some threads would go on reading the old file. Here each HubDatabase is a
    new generation: a thread meeting a newer one closes its old connection (it runs one
    query at a time, so nothing is using it) and opens the new file.
    """

    def __init__(self, datasette, path: str):
        super().__init__(datasette, path=path, is_mutable=False)
        self.generation = next(_generations)

    async def execute_fn(self, fn):
        fn = bounds.bounded(fn)  # what a query hands to Python is counted (catalog.hub.bounds)
        if self.ds.executor is None:
            return await super().execute_fn(fn)

        def in_thread():
            held = getattr(_connections, "by_name", None)
            if held is None:
                held = _connections.by_name = {}
            generation, conn = held.get(self.name, (None, None))
            if generation != self.generation:
                if conn is not None:
                    conn.close()
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                held[self.name] = (self.generation, conn)
            return fn(conn)

        return await asyncio.get_event_loop().run_in_executor(self.ds.executor, in_thread)


def _config(datasette) -> dict:
    return datasette.plugin_config("catalog-hub") or {}


def _hub(datasette):
    name = _config(datasette).get("database")
    if name and name in datasette.databases:
        return datasette.databases[name]
    return next((db for n, db in datasette.databases.items() if n != "_internal"), None)


def _base(datasette, request) -> str:
    """The hub's configured public address (`catalog serve --base-url`), never the Host header."""
    return _config(datasette).get("base_url") or f"{request.scheme}://{request.host}"


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
    context = await pages.dataset_page(database, datasette.urls, _base(datasette, request), dataset_id) if database else None
    if context is None:
        raise NotFound(f"No dataset {dataset_id} on this hub.")
    return Response.html(await datasette.render_template("hub_dataset.html", context, request=request))


@hookimpl
def asgi_wrapper():
    """API calls skip facet suggestions: they are links for people browsing, and computing
    them took half the time of a filtered JSON request on a million-row table. They also
    skip the facets the metadata sets for pages (a third of the remaining time), unless
    they ask for facets with `_facet=`; pages keep both."""

    def wrap(app):
        async def without_suggestions(scope, receive, send):
            if scope.get("type") == "http" and scope.get("path", "").endswith((".json", ".csv")):
                query = scope.get("query_string") or b""
                added = [] if b"_nosuggest" in query else [b"_nosuggest=1"]
                if b"_facet" not in query and b"_nofacet" not in query:
                    added.append(b"_nofacet=1")
                if added:
                    scope = dict(scope, query_string=b"&".join(([query] if query else []) + added))
            await app(scope, receive, send)

        return without_suggestions

    return wrap


@hookimpl
def register_routes():
    return [(r"^/-/dataset/(?P<publisher>[^/]+)/(?P<dataset>[^/]+)$", dataset_view)]


def _identity(path: str):
    """Changes when either the database or its metadata file is replaced."""
    from catalog.publish.datasette import metadata_path

    try:
        stat = os.stat(path)
    except OSError:
        return None
    try:
        metadata = os.stat(metadata_path(Path(path))).st_mtime_ns
    except OSError:
        metadata = None
    return stat.st_ino, stat.st_mtime_ns, metadata


def _reload(datasette, name: str, path: str):
    """Point the hub database (and its metadata) at the file now at `path`."""
    from catalog.publish.datasette import metadata_path

    metadata_file = metadata_path(Path(path))
    if metadata_file.is_file():
        metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
        metadata.setdefault("plugins", {})["catalog-hub"] = _config(datasette)
        datasette._metadata_local = metadata
    datasette.remove_database(name)
    datasette.add_database(HubDatabase(datasette, path), name=name)


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
                try:
                    _reload(datasette, name, path)
                except Exception as error:  # keep serving the hub already loaded, and say why
                    print(f"catalog serve: could not load the new hub {path}: {error}", flush=True)

    async def start():
        asyncio.get_running_loop().create_task(watch())

    return start
