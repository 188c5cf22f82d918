"""The hub's "see and find" pages, a Datasette plugin registered beside `catalog.hub.plugin`:

- `/-/search?q=` and `/-/search.json?q=`: the hub-wide search (`catalog.hub.search`);
- charts and maps on the dataset pages (`catalog.hub.charts`, `catalog.hub.maps`), and
  `/-/charts/<publisher>/<dataset>`, the charts of one dataset on their own page.

Strings are English msgids wrapped in `_()`, translated by the hub's catalogues (catalog/hub/i18n.py).
"""
from __future__ import annotations

import json

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from catalog.hub import charts as hub_charts
from catalog.hub import maps, pages, search
from catalog.hub.words import theme_label
from catalog.hub.i18n import gettext as _


def _hub(datasette):
    from catalog.hub.plugin import _hub as hub_database

    return hub_database(datasette)


def _chosen(request) -> dict:
    return {name: request.args.get(name) for name in search.FILTERS if request.args.get(name)}


async def search_view(datasette, request):
    database = _hub(datasette)
    if database is None or not await pages.is_hub(database):
        raise NotFound("This server holds no hub database.")
    if not (await database.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [search.FTS])).rows:
        message = _("This hub was published before it had a search index: publish it again "
                    "(catalog publish datasette) to build it.")
        if request.url_vars.get("format") == "json":
            return Response.json({"ok": False, "error": message}, status=503)
        return Response.text(message, status=503)
    found = await search.search(database, request.args.get("q") or "", _chosen(request), request.args.get("page"),
                                request.args.get("size") or search.PER_PAGE)
    if request.url_vars.get("format") == "json":
        found = dict(found, results=[{k: v for k, v in r.items() if k != "snippet"} for r in found["results"]])
        for table in found["tables"]:
            table["url"] = _table_search_url(datasette, database.name, table["table"], found["q"])
        return Response.json(found, headers={"Access-Control-Allow-Origin": "*"})
    for table in found["tables"]:
        table["url"] = _table_search_url(datasette, database.name, table["table"], found["q"])
    for result in found["results"]:
        result["snippet_html"] = _marked(result.get("snippet"))
    choices = await search.choices(database)
    # Labels in the reader's language (the cached choices are shared by every request).
    choices = dict(choices, theme=[dict(c, label=theme_label(c["value"])) for c in choices["theme"]])
    context = {"found": found, "choices": choices, "database": database.name}
    return Response.html(await datasette.render_template("hub_search.html", context, request=request))


def _table_search_url(datasette, database: str, table: str, q: str) -> str:
    from urllib.parse import urlencode

    return datasette.urls.table(database, table) + "?" + urlencode({"_search": search.table_search_query(q),
                                                                     "_searchmode": "raw"})


def _marked(snippet):
    """FTS5's snippet with its markers as <mark>, everything else escaped."""
    from markupsafe import Markup, escape

    if not snippet:
        return None
    text = str(escape(snippet))
    return Markup(text.replace(search.MARK_START, "<mark>").replace(search.MARK_END, "</mark>"))


async def _dataset(database, dataset_id: str):
    rows = (await database.execute("SELECT d.*, c.descriptor FROM catalog_datasets d JOIN catalog_descriptors c "
                                   "ON c.id = d.id WHERE d.id = ?", [dataset_id])).rows
    if not rows:
        return None, None
    row = dict(rows[0])
    try:
        descriptor = json.loads(row.pop("descriptor") or "{}")
    except ValueError:
        descriptor = {}
    return row, descriptor


async def charts_for(datasette, database, dataset_id: str):
    dataset, descriptor = await _dataset(database, dataset_id)
    if dataset is None:
        return None, []
    tables = [dict(r) for r in (await database.execute("SELECT * FROM catalog_tables WHERE dataset_id = ?",
                                                       [dataset_id])).rows]
    return dataset, await hub_charts.dataset_charts(database, datasette.urls, descriptor, tables)


def vega_url(datasette) -> str:
    return getattr(datasette, "hub_vega_url", "")


async def charts_view(datasette, request):
    database = _hub(datasette)
    dataset_id = f"{request.url_vars['publisher']}/{request.url_vars['dataset']}"
    dataset, charts = await charts_for(datasette, database, dataset_id) if database else (None, [])
    if dataset is None:
        raise NotFound(f"No dataset {dataset_id} on this hub.")
    if request.url_vars.get("format") == "json":
        return Response.json([{k: c[k] for k in ("slug", "title", "type", "category", "value", "data_url", "see_url")}
                              | {"values": c["values"]} for c in charts])
    return Response.html(await datasette.render_template(
        "hub_charts_page.html", {"dataset": dataset, "charts": charts, "vega_url": vega_url(datasette)},
        request=request))


@hookimpl
def extra_template_vars(template, request, datasette):
    if template != "hub_dataset.html" or request is None or "publisher" not in (request.url_vars or {}):
        return {}

    async def dataset_extras():
        database = _hub(datasette)
        dataset_id = f"{request.url_vars['publisher']}/{request.url_vars['dataset']}"
        _, charts = await charts_for(datasette, database, dataset_id)
        route_map = None
        if maps.has_routes(await maps.gtfs_tables(database, dataset_id)):
            url = f"/-/routes/{dataset_id}.geojson"
            lines = await maps.route_lines(database, dataset_id)
            route_map = {"routes": url, "config": json.dumps({"routes": url, "tiles": maps.tiles(),
                                                              **leaflet_urls(datasette)}),
                         "lines": [f["properties"] for f in lines["features"]]}
        return {"hub_charts": charts, "vega_url": vega_url(datasette), "hub_route_map": route_map}

    return dataset_extras


def leaflet_urls(datasette) -> dict:
    import datasette_leaflet

    return {"leaflet_js": datasette.urls.static_plugins("datasette-leaflet", datasette_leaflet.JS_FILE),
            "leaflet_css": datasette.urls.static_plugins("datasette-leaflet", datasette_leaflet.CSS_FILE)}


def _map_config(datasette, database: str | None, table: str | None) -> dict | None:
    if not database or not table:
        return None
    config = datasette.plugin_config("catalog-map", database=database, table=table)
    return config if isinstance(config, dict) and (config.get("geometry") or config.get("points")) else None


@hookimpl
def extra_js_urls(template, database, table, datasette):
    if template == "table.html" and _map_config(datasette, database, table):
        return [{"url": "/hub-assets/hub-maps.js", "module": True}]
    return []


@hookimpl(tryfirst=True)
def render_cell(value, column, table, database, datasette):
    """The geometry of a mapped GeoJSON table is on the one map above the table, not a map per row."""
    config = _map_config(datasette, database, table)
    if config and column == config.get("geometry") and isinstance(value, str):
        from markupsafe import Markup, escape

        try:
            kind = json.loads(value).get("type") or ""
        except (ValueError, AttributeError):
            return None
        return Markup(f'<span class="hub-geometry">{escape(kind)}</span>')
    return None


async def map_config_view(datasette, request):
    from datasette.utils import tilde_decode

    database, table = request.url_vars["database"], tilde_decode(request.url_vars["table"])
    config = _map_config(datasette, database, table)
    if config is None:
        raise NotFound("No hub map for this table.")
    metadata = datasette.table_metadata(database, table) or {}
    title = metadata.get("title") or table
    return Response.json({**config, "tiles": maps.tiles(), **leaflet_urls(datasette),
                          "title": _("Map: %(title)s", title=title),
                          "offline_note": _("Base map unavailable: the shapes are drawn on a plain background."),
                          "count_note": _("%(count)s rows on the map.", count="%(count)s")})


async def routes_view(datasette, request):
    database = _hub(datasette)
    dataset_id = f"{request.url_vars['publisher']}/{request.url_vars['dataset']}"
    if database is None or not await pages.is_hub(database):
        raise NotFound("This server holds no hub database.")
    lines = await maps.route_lines(database, dataset_id)
    if not lines["features"]:
        raise NotFound(f"No bus or train lines in {dataset_id}.")
    return Response(json.dumps(lines, ensure_ascii=False), content_type="application/geo+json; charset=utf-8",
                    headers={"Access-Control-Allow-Origin": "*"})


async def landing_view(datasette, request):
    """The hub's landing page, without Datasette's own index work: Datasette counts and checks
    the permissions of every table for its index (6,000 queries and 80 ms a request on a hub of
    80 datasets, growing with each table), all of which the hub's page leaves unused."""
    database = _hub(datasette)
    if database is None or not await pages.is_hub(database):
        from datasette.views.index import IndexView

        return await IndexView(datasette).get(request)
    return Response.html(await datasette.render_template(
        "index.html", {"databases": [], "metadata": datasette.metadata(), "private": False,
                       "top_homepage": None}, request=request, view_name="index"))


@hookimpl
def register_routes():
    return [(r"^/$", landing_view),
            (r"^/-/search(\.(?P<format>json))?$", search_view),
            (r"^/-/charts/(?P<publisher>[^/]+)/(?P<dataset>[^/.]+)(\.(?P<format>json))?$", charts_view),
            (r"^/-/map/(?P<database>[^/]+)/(?P<table>[^/]+)\.json$", map_config_view),
            (r"^/-/routes/(?P<publisher>[^/]+)/(?P<dataset>[^/.]+)\.geojson$", routes_view)]
