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
import sqlite3
import sys
import threading
import traceback
from pathlib import Path

from urllib.parse import parse_qsl, quote, unquote, urlencode

from datasette import hookimpl
from datasette.database import Database
from datasette.utils.asgi import Base400, NotFound, Response
from datasette.views.base import DatasetteError

from catalog.hub import bounds, display, i18n, pages

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
            names = await commune_names(datasette, database, config.get("commune_table"))
            return display.cell_html(config, column, value, names.get(str(value)))

        return with_name()
    return display.cell_html(config, column, value)


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    async def hub_vars():
        hub = _hub(datasette)
        found = {"hub_languages": languages(request), "hub_database": hub.name if hub else None,
                 "hub_lookup": display.lookup_label,
                 "hub_query_args": lambda name: urlencode(canned_defaults(datasette, database or "", name))}
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
    context = (await pages.dataset_page(database, datasette.urls, _base(datasette, request), dataset_id, _packages(datasette))
               if database else None)
    if context is None:
        raise NotFound(i18n.gettext("No dataset %(name)s on this hub.", name=dataset_id))
    if as_json:
        return Response.json(pages.dataset_json(context))
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


def canned_defaults(datasette, database: str, name: str) -> dict:
    """The declared default parameters of a canned query (`defaults` in its metadata), or {}.

    Read once per hub: Datasette merges the whole metadata on each lookup, too dear for every
    JSON request."""
    db = datasette.databases.get(database)
    key = (database, getattr(db, "generation", None), "canned-defaults")
    if key not in _shown:
        queries = datasette.metadata("queries", database=database) or {}
        found = {}
        for query_name, query in (queries.items() if isinstance(queries, dict) else ()):
            defaults = query.get("defaults") if isinstance(query, dict) else None
            if isinstance(defaults, dict):
                found[query_name] = {k: v for k, v in defaults.items() if isinstance(k, str) and isinstance(v, str)}
        _shown[key] = found
    return _shown[key].get(name) or {}


def with_defaults(datasette, app):
    """A canned query asked for without any of its parameters runs with its declared defaults:
    a page is redirected to the address carrying them (so it can be shared), a .json or .csv
    request gets them added to its query string."""

    async def defaults_applied(scope, receive, send):
        path = scope.get("path") or ""
        parts = path.strip("/").split("/")
        if scope.get("type") == "http" and scope.get("method") == "GET" and len(parts) == 2 \
                and parts[0] in datasette.databases:
            name, _, suffix = parts[1].partition(".")
            defaults = canned_defaults(datasette, parts[0], unquote(name)) if suffix in ("", "json", "csv") else {}
            query = (scope.get("query_string") or b"").decode("latin-1")
            given = {k for k, _ in parse_qsl(query, keep_blank_values=True)}
            if defaults and not given & set(defaults):
                added = urlencode(defaults)
                if not suffix:
                    target = f"{quote(path, safe='/~')}?{query + '&' if query else ''}{added}"
                    return await Response.redirect(target).asgi_send(send)
                scope = dict(scope, query_string=(f"{query}&{added}" if query else added).encode("latin-1"))
        await app(scope, receive, send)

    return defaults_applied


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

        return with_locale(with_defaults(datasette, without_suggestions))

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
def handle_exception(datasette, request, exception):
    """Every error as a page in the hub's style and the reader's language (JSON for .json).

    Replaces Datasette's default handler (`catalog serve` unregisters it): with `rich`
    installed, that one printed a traceback for every unknown address and, outside an
    `except` block (an unknown deep URL), failed itself, turning a 404 into a bare 500."""

    async def page():
        title, message = None, str(exception)
        if isinstance(exception, Base400):
            status, message = exception.status, exception.args[0] if exception.args else ""
        elif isinstance(exception, DatasetteError):
            status, message, title = exception.status, exception.message, exception.title
            if status == 500:
                status = 400  # Datasette's own messages about the request ("Cannot sort table by …")
        elif isinstance(exception, sqlite3.ProgrammingError) and "binding parameter" in str(exception):
            status, message = 404, ""  # a row address with fewer key values than the table's key
        else:
            status = 500
            traceback.print_exception(type(exception), exception, exception.__traceback__, file=sys.stderr)
            message = i18n.gettext("The hub could not answer this request.")
        if status == 404 and message in ("404", "Database not found", "Table not found", "Not found"):
            message = ""  # Datasette's terse English; the page says it in the reader's language
        headers = {"Access-Control-Allow-Origin": "*"} if getattr(datasette, "cors", False) else {}
        if request.path.split("?")[0].endswith(".json"):
            return Response.json({"ok": False, "error": message or i18n.gettext("Page not found"), "status": status,
                                  "title": title}, status=status, headers=headers)
        html = await datasette.render_template("error.html", {"status": status, "error": message, "title": title},
                                               request=request)
        return Response.html(html, status=status, headers=headers)

    return page


async def packages_listing(datasette, request):
    """`/packages/` and a package's folders: what can be downloaded, rather than a bare 403."""
    root = _packages(datasette)
    rest = request.url_vars.get("rest") or ""
    if any(part.startswith(".") for part in rest.split("/")):
        raise NotFound(i18n.gettext("Page not found"))  # builds in progress, as for files (hub/security.py)
    folder = (root / rest).resolve() if root else None
    if folder is None or not folder.is_dir() or (folder != root.resolve() and root.resolve() not in folder.parents):
        raise NotFound(i18n.gettext("Page not found"))
    entries = []
    for path in sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name))[:5000]:
        if path.name.startswith("."):
            continue
        relative = path.relative_to(root.resolve()).as_posix()
        entries.append({"name": path.name + ("/" if path.is_dir() else ""), "url": f"/packages/{quote(relative)}"
                        + ("/" if path.is_dir() else ""), "size": "" if path.is_dir() else i18n.format_size(path.stat().st_size)})
    parts = [p for p in rest.split("/") if p]
    crumbs = [{"name": "packages", "url": "/packages/"}] + [
        {"name": part, "url": "/packages/" + quote("/".join(parts[: i + 1])) + "/"} for i, part in enumerate(parts)]
    dataset = "/".join(parts[:2]) if len(parts) >= 2 else None
    return Response.html(await datasette.render_template(
        "hub_packages.html", {"entries": entries, "path_crumbs": crumbs,
                              "dataset_url": f"/-/dataset/{dataset}" if dataset else None}, request=request))


ACCESSIBILITY_STATEMENT_DATE = "2026-12-04"  # when the statement below was last checked against the hub


async def accessibility_view(datasette, request):
    return Response.html(await datasette.render_template(
        "hub_accessibility.html", {"statement_date": ACCESSIBILITY_STATEMENT_DATE}, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/dataset/(?P<publisher>[^/]+)/(?P<dataset>[^/]+)$", dataset_view),
            (r"^/-/lang/(?P<code>fr|en)$", switch_language),
            (r"^/-/(accessibilite|accessibility)$", accessibility_view),
            (r"^/packages/(?P<rest>(?:[^/]+/)*)$", packages_listing)]


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
