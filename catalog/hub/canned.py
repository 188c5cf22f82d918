"""Canned queries open with the defaults their reuse declares (`defaults` in the query's metadata,
written by catalog.hub.metadata from `catalog.reuse.parameters`)."""
from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote, urlencode

from datasette.utils.asgi import Response

_known = {}  # (database, hub generation, "canned-defaults") -> {query: defaults}


def canned_defaults(datasette, database: str, name: str) -> dict:
    """The declared default parameters of a canned query (`defaults` in its metadata), or {}.

    Read once per hub: Datasette merges the whole metadata on each lookup, too dear for every
    JSON request."""
    db = datasette.databases.get(database)
    key = (database, getattr(db, "generation", None), "canned-defaults")
    if key not in _known:
        if len(_known) > 100:
            _known.clear()  # one entry per published hub
        queries = datasette.metadata("queries", database=database) or {}
        found = {}
        for query_name, query in (queries.items() if isinstance(queries, dict) else ()):
            defaults = query.get("defaults") if isinstance(query, dict) else None
            if isinstance(defaults, dict):
                found[query_name] = {k: v for k, v in defaults.items() if isinstance(k, str) and isinstance(v, str)}
        _known[key] = found
    return _known[key].get(name) or {}


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
