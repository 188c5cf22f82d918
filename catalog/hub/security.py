"""Response headers that keep a hostile dataset from running script on the hub's origin.

- Every response: `X-Content-Type-Options: nosniff`, and a Content-Security-Policy. Pages get
  a policy whose scripts are the hub's own files and the inline scripts of Datasette's and the
  hub's templates, marked with a fresh nonce per response; nothing else runs: not an injected
  `<script>`, not an inline event handler, not a `javascript:` link (a licence link or a map
  popup's `link` written by a publisher). Map tiles are images from OpenStreetMap's servers,
  which both map plugins use.
- `/packages/` is served by `catalog.hub.downloads` (safe types, attachments, no hidden paths).

Datasette's templates escape every value they print, so the only `<script` tags in a page are
the templates' own: the nonce is added to those tags as the page is sent.
"""
from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from datasette import hookimpl

from catalog.hub import downloads

MAP_TILES = os.environ.get("CATALOG_MAP_TILES", "https://*.tile.openstreetmap.org")
PAGE_POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: " + MAP_TILES + "; connect-src 'self'; font-src 'self'; object-src 'none'; "
               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.IGNORECASE)


def _headers(message, drop=()):
    return [(k, v) for k, v in message.get("headers", []) if k.lower() not in drop]


STATIC = ("/-/static/", "/-/static-plugins/", "/hub-assets/")
STATIC_CACHE = b"public, max-age=86400"  # the files of this installed version: they change with an upgrade
PAGE_CACHE = b"public, max-age=60"  # the hub is only ever replaced whole; Datasette's own default_cache_ttl


def _caching(scope, status, headers) -> bytes | None:
    """Cache-Control for answers that do not change until the next publish (or upgrade)."""
    if any(k.lower() == b"cache-control" for k, _ in headers) or scope.get("method") not in ("GET", "HEAD"):
        return None
    if status not in (200, 304):
        return None
    return STATIC_CACHE if scope.get("path", "").startswith(STATIC) else PAGE_CACHE


def _pinned(scope, base_url):
    """The request as if sent to the configured address: Datasette builds absolute links (`next_url`,
    the API examples) from the Host header, which any client sets to what it likes."""
    if not base_url:
        return scope
    parts = urlsplit(base_url)
    headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in (b"host", b"x-forwarded-host")]
    return dict(scope, scheme=parts.scheme, headers=headers + [(b"host", parts.netloc.encode("idna"))])


def _page(app):
    async def serve(scope, receive, send):
        nonce = base64.b64encode(os.urandom(16))
        policy = PAGE_POLICY.format(nonce=nonce.decode()).encode()
        start, body = None, []

        async def send_with_policy(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = _headers(message, (b"content-security-policy", b"x-content-type-options"))
                if message["status"] != 304:
                    # A 304's headers replace the stored page's: a new nonce would block its scripts.
                    headers.append((b"content-security-policy", policy))
                headers.append((b"x-content-type-options", b"nosniff"))
                caching = _caching(scope, message["status"], headers)
                if caching:
                    headers.append((b"cache-control", caching))
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
def asgi_wrapper(datasette):
    def wrap(app):
        pages = _page(app)

        async def secured(scope, receive, send):
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            config = datasette.plugin_config("catalog-hub") or {}
            scope = _pinned(scope, config.get("base_url"))
            if scope.get("path", "").startswith(downloads.PREFIX) and not scope["path"].endswith("/"):
                await downloads.serve(Path(config["packages"]) if config.get("packages") else None, scope, send)
            else:
                await pages(scope, receive, send)

        return secured

    return wrap
