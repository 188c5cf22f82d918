"""Which text from a descriptor, a profile or a table may become a link on the hub.

Descriptors are written by publishers, not by the hub's operator: a licence `path` of
`javascript:…` would run script on the hub's origin when clicked. Only absolute `http(s)`
addresses become links (and `mailto:` for e-mail addresses); everything else is shown as
text. Browsers ignore tabs, line breaks and leading control characters in a scheme
(`java\tscript:` is `javascript:`), so those are judged the way a browser reads them.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")  # stripped at the ends, removed inside schemes
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def scheme(value) -> str | None:
    """The scheme a browser would see in `value` (lower case), or None for a relative reference."""
    if not isinstance(value, str):
        return None
    text = _IGNORED_BY_BROWSERS.sub("", value)
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", text)
    return match.group(1).lower() if match else None


def web_link(value) -> str | None:
    """`value` when it is an absolute http(s) address a browser reads as written, else None."""
    if not isinstance(value, str) or _IGNORED_BY_BROWSERS.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc or "\\" in value:
        return None
    return value


def mail_link(value) -> str | None:
    """`mailto:` + `value` when it is one plain e-mail address, else None."""
    if isinstance(value, str) and _EMAIL.fullmatch(value):
        return f"mailto:{value}"
    return None


def refused(value) -> bool:
    """Whether a link-like value names a scheme the hub never links to (`javascript:`, `data:`, `file:`…).
    Relative references are not refused: they are simply not made links."""
    found = scheme(value)
    return found is not None and found not in WEB_SCHEMES + ("mailto",)
