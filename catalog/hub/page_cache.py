"""The landing page and the search, rendered once per published hub and then served from memory.

A hub only changes when `catalog publish datasette` swaps a new file in, and each swap becomes a
new database generation in every worker (catalog.hub.plugin.HubDatabase). So these answers are
kept per (generation, path, query string, language, host): a page of an older hub can never be
served again once the worker has loaded the new one, and a French page is never served to an
English reader. Rendering the landing page or a search page costs 4-5 ms; with 16 clients on
two workers each request waits behind about eight others, so that cost, not SQLite, set the p99.

The wrapper runs innermost of the hub's (tryfirst): the language is chosen and the Host header
pinned (catalog.hub.security) before it, and each response still gets its own CSP nonce after it.
Answers carry a weak ETag (the same page with another nonce is the same page) and a request
whose If-None-Match names it gets a bodiless 304.

Only anonymous GETs are kept: a request with a cookie other than the language one, or with an
Authorization header, is rendered as usual, since Datasette pages may show who is signed in;
so is an answer setting a cookie. Memory is bounded: MAX_ENTRY_BYTES an answer, MAX_BYTES a
worker, the least recently used answers going first.
"""
from __future__ import annotations

import hashlib
import re
from collections import OrderedDict

from datasette import hookimpl

from catalog.hub import i18n

CACHED_PATHS = re.compile(r"/(?:-/search(?:\.json)?)?")  # the landing page, the search page and its JSON twin
MAX_ENTRY_BYTES = 1 << 20
MAX_BYTES = 32 << 20
MAX_KEY_CHARS = 4000  # a longer query string is rendered every time rather than kept


class Pages:
    """A bounded least-recently-used store of answers: key -> (status, headers, body, etag)."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes, self.size, self.entries = max_bytes, 0, OrderedDict()
        self.generation = None  # of the hub the entries were rendered from (keys start with it)

    def get(self, key):
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key, entry):
        cost = len(entry[2]) + len(repr(key))
        if cost > self.max_bytes:
            return
        if key[0] != self.generation:  # a new hub: the answers of the old one can never be asked for again
            self.entries.clear()
            self.size, self.generation = 0, key[0]
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= old[4]
        while self.entries and self.size + cost > self.max_bytes:
            self.size -= self.entries.popitem(last=False)[1][4]
        self.entries[key] = entry + (cost,)
        self.size += cost


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value
    return None


def _anonymous(scope) -> bool:
    if _header(scope, b"authorization") is not None:
        return False
    cookies = (_header(scope, b"cookie") or b"").decode("latin-1")
    names = {part.split("=", 1)[0].strip() for part in cookies.split(";") if part.strip()}
    return names <= {i18n.COOKIE}


def _hub(datasette):
    from catalog.hub.plugin import _hub as hub_database

    return hub_database(datasette)


def _key(datasette, scope):
    if scope.get("type") != "http" or scope.get("method") != "GET" or not CACHED_PATHS.fullmatch(scope.get("path", "")):
        return None
    query = scope.get("query_string") or b""
    if len(query) > MAX_KEY_CHARS or not _anonymous(scope):
        return None
    generation = getattr(_hub(datasette), "generation", None)
    if generation is None:  # not a hub database: nothing says when it changes
        return None
    host = _header(scope, b"host") or b""
    return generation, scope["path"], query, i18n.current(), scope.get("scheme"), host


def _matches(scope, etag: bytes) -> bool:
    asked = _header(scope, b"if-none-match")
    if not asked:
        return False
    tags = {tag.strip().removeprefix(b"W/") for tag in asked.split(b",")}
    return b"*" in tags or etag.removeprefix(b"W/") in tags


async def _reply(scope, send, entry, state: bytes):
    status, headers, body, etag = entry[:4]
    if _matches(scope, etag):
        await send({"type": "http.response.start", "status": 304,
                    "headers": [(b"etag", etag), (b"x-cache", state)]})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(body)).encode()), (b"x-cache", state)]})
    await send({"type": "http.response.body", "body": body})


def _keepable(message) -> bool:
    return message["status"] == 200 and not any(k.lower() == b"set-cookie" for k, _ in message.get("headers") or [])


def cached(datasette, app, pages: Pages | None = None):
    pages = pages if pages is not None else Pages()

    async def serve(scope, receive, send):
        key = _key(datasette, scope)
        if key is None:
            await app(scope, receive, send)
            return
        entry = pages.get(key)
        if entry is not None:
            await _reply(scope, send, entry, b"hit")
            return
        start, parts, size, passing = None, [], 0, False

        async def capture(message):
            nonlocal start, size, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                if not _keepable(message):
                    passing = True
                    await send(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            if size > MAX_ENTRY_BYTES:  # too big to keep: sent as it comes
                passing = True
                await send(start)
                await send({"type": "http.response.body", "body": b"".join(parts),
                            "more_body": message.get("more_body", False)})
                return
            if message.get("more_body"):
                return
            body = b"".join(parts)
            etag = b'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
            headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() not in (b"content-length", b"etag")]
            entry = (start["status"], headers + [(b"etag", etag)], body, etag)
            if getattr(_hub(datasette), "generation", None) == key[0]:  # not rendered from a hub since replaced
                pages.put(key, entry)
            await _reply(scope, send, entry, b"miss")

        await app(scope, receive, capture)

    return serve


@hookimpl(tryfirst=True)
def asgi_wrapper(datasette):
    def wrap(app):
        return cached(datasette, app)

    return wrap
