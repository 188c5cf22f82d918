"""The hub's Datasette plugin, registered by `catalog serve`: the hooks, each a thin call.

- every page in the reader's language (catalog.hub.language, catalog.hub.i18n), values shown
  readably (render_cell: catalog.hub.display), errors as the hub's pages (catalog.hub.error_pages),
  canned queries with their defaults (catalog.hub.canned), `/packages/` folders listed
  (catalog.hub.listing) and an accessibility statement;
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
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.database import Database
from datasette.utils import tilde_encode
from datasette.utils.asgi import NotFound, Response

from catalog.hub import bounds, canned, display, error_pages, i18n, language, listing, pages

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
def prepare_jinja2_environment(env):
    i18n.install(env)


COMMUNES_MAX = 100_000  # rows of a commune table kept in memory for names (France has ~35,000)
_shown = {}  # (database, generation, table) -> display config; reset with each new hub


def _display(datasette, database: str, table: str | None) -> dict:
    """The table's `plugins.catalog-hub` display settings (see catalog/hub/display.py)."""
    db = datasette.databases.get(database)
    key = (database, getattr(db, "generation", None), table)
    if key not in _shown:
        if len(_shown) > 10_000:
            _shown.clear()
        config = datasette.plugin_config("catalog-hub", database=database, table=table) if table else None
        _shown[key] = config if isinstance(config, dict) and "labels" in config else {}
    return _shown[key]


async def commune_names(datasette, database: str, reference: dict | None) -> dict:
    """INSEE code -> name, read once per hub from its commune table."""
    if not reference:
        return {}
    db = datasette.databases.get(database)
    key = (database, getattr(db, "generation", None), "communes", reference["table"])
    if key not in _shown:
        names = {}
        try:
            result = await db.execute(
                f'SELECT "{reference["key"]}" AS code, "{reference["label"]}" AS name FROM "{reference["table"]}" '
                f"LIMIT {COMMUNES_MAX}")
            names = {str(row["code"]): row["name"] for row in result.rows if row["name"]}
        except Exception as error:  # a hub without the table any more: codes are shown as they are
            print(f"catalog serve: no commune names from {reference['table']}: {error}", flush=True)
        _shown[key] = names
    return _shown[key]


@hookimpl
def render_cell(value, column, table, database, datasette):
    if isinstance(value, (dict, bytes)):
        return None
    if table is None:
        return display.query_cell(column, value)
    config = _display(datasette, database, table)
    if not config:
        return None
    if column in (config.get("communes") or {}) and value not in (None, ""):
        async def with_name():
            reference = config.get("commune_table") or {}
            name = (await commune_names(datasette, database, reference)).get(str(value))
            url = datasette.urls.row(database, reference["table"], tilde_encode(str(value))) if name else None
            return display.cell_html(config, column, value, name, url)

        return with_name()
    return display.cell_html(config, column, value)


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    async def hub_vars():
        hub = _hub(datasette)
        found = {"hub_languages": language.languages(request), "hub_database": hub.name if hub else None,
                 "hub_lookup": display.lookup_label,
                 "hub_query_args": lambda name: urlencode(canned.canned_defaults(datasette, database or "", name))}
        if template == "index.html":
            found["hub"] = (await pages.landing(hub, datasette.urls)
                            if hub is not None and await pages.is_hub(hub) else None)
        if database and table:
            config = _display(datasette, database, table)
            names = await commune_names(datasette, database, config.get("commune_table")) \
                if config.get("communes") else {}

            def value_label(column, value):
                label = display.label_for((config.get("labels") or {}).get(column), value)
                if label is None and column in (config.get("communes") or {}):
                    name = names.get(str(value))
                    label = f"{name} ({value})" if name else None
                return label

            found.update(hub_value_label=value_label,
                         hub_order=lambda columns: display.column_order(columns, config.get("technical") or []))
        return found

    return hub_vars


@hookimpl
def extra_css_urls(datasette):
    return [{"url": "/hub-assets/hub.css"}]


async def dataset_view(datasette, request):
    """A dataset's page, or its JSON twin (`/-/dataset/<publisher>/<dataset>.json`)."""
    database = _hub(datasette)
    name, as_json = request.url_vars["dataset"], False
    if name.endswith(".json"):
        name, as_json = name[: -len(".json")], True
    dataset_id = f"{request.url_vars['publisher']}/{name}"
    context = (await pages.dataset_page(database, datasette.urls, _base(datasette, request), dataset_id,
                                             listing.packages_folder(datasette))
               if database else None)
    if context is None:
        raise NotFound(i18n.gettext("No dataset %(name)s on this hub.", name=dataset_id))
    if as_json:
        return Response.json(pages.dataset_json(context))
    return Response.html(await datasette.render_template("hub_dataset.html", context, request=request))


@hookimpl
def handle_exception(datasette, request, exception):
    """Replaces Datasette's default handler (`catalog serve` unregisters it): with `rich`
    installed, that one printed a traceback for every unknown address and, outside an
    `except` block (an unknown deep URL), failed itself, turning a 404 into a bare 500."""
    return error_pages.error_page(datasette, request, exception)


@hookimpl
def asgi_wrapper(datasette):
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

        return language.with_locale(canned.with_defaults(datasette, without_suggestions))

    return wrap


ACCESSIBILITY_STATEMENT_DATE = "2026-12-04"  # when the statement below was last checked against the hub


async def accessibility_view(datasette, request):
    return Response.html(await datasette.render_template(
        "hub_accessibility.html", {"statement_date": ACCESSIBILITY_STATEMENT_DATE}, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/dataset/(?P<publisher>[^/]+)/(?P<dataset>[^/]+)$", dataset_view),
            (r"^/-/lang/(?P<code>fr|en)$", language.switch_language),
            (r"^/-/(accessibilite|accessibility)$", accessibility_view),
            (r"^/packages/(?P<rest>(?:[^/]+/)*)$", listing.packages_listing)]


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
        cors = datasette.plugin_config("datasette-cors")
        metadata.setdefault("plugins", {})["catalog-hub"] = _config(datasette)
        if cors is not None:
            metadata["plugins"].setdefault("datasette-cors", cors)
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
