"""The hub's "see and find" pages, a Datasette plugin registered beside `catalog.hub.plugin`:

- `/-/search?q=` and `/-/search.json?q=`: the hub-wide search (`catalog.hub.search`);
- charts and maps on the dataset pages (`catalog.hub.charts`, `catalog.hub.maps`), and
  `/-/charts/<publisher>/<dataset>`, the charts of one dataset on their own page.

Strings are English msgids wrapped in `_()`: the hub's gettext catalogues translate them.
"""
from __future__ import annotations

import json

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from catalog.hub import pages, search


def _hub(datasette):
    from catalog.hub.plugin import _hub as hub_database

    return hub_database(datasette)


def _untranslated(message, **variables):
    return message % variables if variables else message


@hookimpl
def prepare_jinja2_environment(env):
    # The hub's i18n installs the real gettext; until it does, the msgids read as they are.
    env.globals.setdefault("_", _untranslated)


def _chosen(request) -> dict:
    return {name: request.args.get(name) for name in search.FILTERS if request.args.get(name)}


async def search_view(datasette, request):
    database = _hub(datasette)
    if database is None or not await pages.is_hub(database):
        raise NotFound("This server holds no hub database.")
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
    context = {"found": found, "choices": await search.choices(database), "database": database.name}
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


@hookimpl
def register_routes():
    return [(r"^/-/search(\.(?P<format>json))?$", search_view)]
