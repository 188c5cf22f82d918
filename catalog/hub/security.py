"""Response headers that keep a hostile dataset from running script on the hub's origin.

- Every response: `X-Content-Type-Options: nosniff`, and a Content-Security-Policy. Pages get
  a policy whose scripts are the hub's own files and the inline scripts of Datasette's and the
  hub's templates, marked with a fresh nonce per response; nothing else runs: not an injected
  `<script>`, not an inline event handler, not a `javascript:` link (a licence link or a map
  popup's `link` written by a publisher). Map tiles are images from OpenStreetMap's servers,
  which both map plugins use.
- `/packages/`: files written by publishers are never active content here. Data types the hub
  produces keep their type (CSV, JSON, GeoJSON, zip, text), everything else (an `.html` or
  `.svg` original) is served as an attachment of type `application/octet-stream`, all of them
  under a sandboxing policy; paths with a hidden part (`.<name>.<random>/`, a build in progress
  or left by a killed run) are not served at all.

Datasette's templates escape every value they print, so the only `<script` tags in a page are
the templates' own: the nonce is added to those tags as the page is sent.
"""
from __future__ import annotations

import base64
import os
import re

from datasette import hookimpl

MAP_TILES = os.environ.get("CATALOG_MAP_TILES", "https://*.tile.openstreetmap.org")
PAGE_POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: " + MAP_TILES + "; connect-src 'self'; font-src 'self'; object-src 'none'; "
               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
FILE_POLICY = "default-src 'none'; sandbox"
PACKAGES = "/packages/"
# The types of the files `catalog package` writes; anything else is downloaded, never displayed.
PACKAGE_TYPES = {".csv": b"text/csv; charset=utf-8", ".json": b"application/json",
                 ".geojson": b"application/geo+json", ".zip": b"application/zip",
                 ".txt": b"text/plain; charset=utf-8"}
_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.IGNORECASE)


def _headers(message, drop=()):
    return [(k, v) for k, v in message.get("headers", []) if k.lower() not in drop]


def _is_hidden(path: str) -> bool:
    return any(part.startswith(".") for part in path[len(PACKAGES):].split("/"))


async def _not_found(send):
    await send({"type": "http.response.start", "status": 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"x-content-type-options", b"nosniff"),
                            (b"content-security-policy", FILE_POLICY.encode())]})
    await send({"type": "http.response.body", "body": b"Not found"})


def _package_file(app):
    async def serve(scope, receive, send):
        path = scope.get("path", "")
        if _is_hidden(path):
            await _not_found(send)
            return
        kind = PACKAGE_TYPES.get(os.path.splitext(path)[1].lower())

        async def send_safely(message):
            if message["type"] == "http.response.start":
                headers = _headers(message, (b"content-type", b"content-disposition", b"x-content-type-options",
                                             b"content-security-policy"))
                if kind:
                    headers.append((b"content-type", kind))
                else:
                    headers += [(b"content-type", b"application/octet-stream"),
                                (b"content-disposition", b"attachment")]
                headers += [(b"x-content-type-options", b"nosniff"),
                            (b"content-security-policy", FILE_POLICY.encode())]
                message = dict(message, headers=headers)
            await send(message)

        await app(scope, receive, send_safely)

    return serve


def _page(app):
    async def serve(scope, receive, send):
        nonce = base64.b64encode(os.urandom(16))
        policy = PAGE_POLICY.format(nonce=nonce.decode()).encode()
        start, body = None, []

        async def send_with_policy(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = _headers(message, (b"content-security-policy", b"x-content-type-options"))
                headers += [(b"content-security-policy", policy), (b"x-content-type-options", b"nosniff")]
                message = dict(message, headers=headers)
                kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if kind.startswith(b"text/html"):
                    start = message  # held until the whole page is there: its script tags get the nonce
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                page = _SCRIPT_TAG.sub(b'<script nonce="' + nonce + b'"', b"".join(body))
                headers = _headers(start, (b"content-length",)) + [(b"content-length", str(len(page)).encode())]
                await send(dict(start, headers=headers))
                message = {"type": "http.response.body", "body": page}
            await send(message)

        await app(scope, receive, send_with_policy)

    return serve


@hookimpl
def asgi_wrapper():
    def wrap(app):
        packages, pages = _package_file(app), _page(app)

        async def secured(scope, receive, send):
            if scope.get("type") != "http":
                await app(scope, receive, send)
            elif scope.get("path", "").startswith(PACKAGES):
                await packages(scope, receive, send)
            else:
                await pages(scope, receive, send)

        return secured

    return wrap
