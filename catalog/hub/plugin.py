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

from urllib.parse import quote

from datasette import hookimpl
from datasette.database import Database
from datasette.utils.asgi import NotFound, Response

from catalog.hub import i18n, pages

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


def _base(request) -> str:
    return f"{request.scheme}://{request.host}"


def _here(request) -> str:
    """The page being read, as a local path (what the language switch comes back to)."""
    if request is None:
        return "/"
    path = request.path if request.path.startswith("/") and not request.path.startswith("//") else "/"
    return path + (f"?{request.query_string}" if request.query_string else "")


def languages(request) -> list[dict]:
    here = quote(_here(request), safe="")
    return [{"code": code, "name": i18n.NAMES[code], "current": code == i18n.current(),
             "url": f"/-/lang/{code}?next={here}"} for code in i18n.LOCALES]


@hookimpl
def prepare_jinja2_environment(env):
    i18n.install(env)


@hookimpl
def extra_template_vars(template, request, datasette):
    async def hub_vars():
        database = _hub(datasette)
        found = {"hub_languages": languages(request), "hub_database": database.name if database else None}
        if template == "index.html":
            found["hub"] = (await pages.landing(database, datasette.urls)
                            if database is not None and await pages.is_hub(database) else None)
        return found

    return hub_vars


@hookimpl
def extra_css_urls(datasette):
    return [{"url": "/hub-assets/hub.css"}]


def _packages(datasette) -> Path | None:
    folder = _config(datasette).get("packages")
    return Path(folder) if folder else None


async def dataset_view(datasette, request):
    """A dataset's page, or its JSON twin (`/-/dataset/<publisher>/<dataset>.json`)."""
    database = _hub(datasette)
    name, as_json = request.url_vars["dataset"], False
    if name.endswith(".json"):
        name, as_json = name[: -len(".json")], True
    dataset_id = f"{request.url_vars['publisher']}/{name}"
    context = (await pages.dataset_page(database, datasette.urls, _base(request), dataset_id, _packages(datasette))
               if database else None)
    if context is None:
        raise NotFound(i18n.gettext("No dataset %(name)s on this hub.", name=dataset_id))
    if as_json:
        return Response.json(pages.dataset_json(context), headers={"Access-Control-Allow-Origin": "*"})
    return Response.html(await datasette.render_template("hub_dataset.html", context, request=request))


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return value.decode("latin-1")
    return None


def _cookie(scope, name: str) -> str | None:
    for part in (_header(scope, b"cookie") or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def with_locale(app):
    """Each request runs in its reader's language; pages say they vary with it (caches)."""

    async def in_locale(scope, receive, send):
        if scope.get("type") != "http":
            return await app(scope, receive, send)
        token = i18n.set_current(i18n.negotiate(_header(scope, b"accept-language"), _cookie(scope, i18n.COOKIE)))

        async def vary_send(event):
            if event["type"] == "http.response.start":
                headers = [h for h in event.get("headers") or [] if h[0].lower() != b"vary"]
                headers.append([b"vary", b"Accept-Language, Cookie"])
                event = dict(event, headers=headers)
            await send(event)

        try:
            await app(scope, receive, vary_send)
        finally:
            i18n.reset(token)

    return in_locale


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

        return with_locale(without_suggestions)

    return wrap


async def switch_language(request):
    """`/-/lang/en?next=/hub/table`: remembers the reader's choice for a year, back to the page."""
    code = request.url_vars["code"]
    target = request.args.get("next") or "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"  # only pages of this hub: never an open redirect
    response = Response.redirect(target)
    response.set_cookie(i18n.COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


@hookimpl
def register_routes():
    return [(r"^/-/dataset/(?P<publisher>[^/]+)/(?P<dataset>[^/]+)$", dataset_view),
            (r"^/-/lang/(?P<code>fr|en)$", switch_language)]


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
