"""The reader's language on the web: chosen per request (cookie, then Accept-Language), switched
by a link on every page. The catalogues and formats themselves are `catalog.hub.i18n`."""
from __future__ import annotations

from urllib.parse import quote

from datasette.utils.asgi import Response

from catalog.hub import i18n


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


async def switch_language(request):
    """`/-/lang/en?next=/hub/table`: remembers the reader's choice for a year, back to the page."""
    code = request.url_vars["code"]
    target = request.args.get("next") or "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target \
            or any(ord(c) < 32 or ord(c) == 127 for c in target) or len(target) > 4000:
        target = "/"  # only pages of this hub: never an open redirect
    response = Response.redirect(target)
    response.set_cookie(i18n.COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response
