"""`/packages/`: the files `catalog package` wrote, served whole and never as active content.

- The file is opened first and its length taken from the open file: a publish that swaps a
  package in meanwhile cannot make a download mix two versions or end short (the old file
  stays readable through the open descriptor until it is sent; Datasette's static handler
  measured the path, then opened it, and read 4 KB at a time).
- Files written by publishers are not active content on the hub's origin: the data types
  `catalog package` writes keep their type, anything else (an `.html` or `.svg` original) is
  an attachment of type `application/octet-stream`; all under `nosniff` and a sandboxing policy.
- Paths with a hidden part (`.<name>.<random>/`, a build in progress or left by a killed run)
  are not served.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import quote

from catalog.safety import inside

PREFIX = "/packages/"
CHUNK = 256 * 1024
POLICY = b"default-src 'none'; sandbox"
TYPES = {".csv": b"text/csv; charset=utf-8", ".json": b"application/json", ".geojson": b"application/geo+json",
         ".zip": b"application/zip", ".txt": b"text/plain; charset=utf-8"}
CACHE = b"public, max-age=60"  # a package changes only when it is published again (then its ETag too)
COMMON = [(b"x-content-type-options", b"nosniff"), (b"content-security-policy", POLICY)]


async def _answer(send, status: int, text: str):
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *COMMON]})
    await send({"type": "http.response.body", "body": body})


def _open(root: Path, relative: str):
    """The open file under `root` and its stat, or None (hidden part, outside, not a regular file)."""
    if any(part.startswith(".") for part in relative.split("/")):
        return None
    path = inside(root, relative)
    if path is None:
        return None
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    info = os.fstat(handle)
    if not stat.S_ISREG(info.st_mode):
        os.close(handle)
        return None
    return handle, info


async def serve(root: Path, scope, send):
    if scope.get("method") not in ("GET", "HEAD"):
        await _answer(send, 405, "Method not allowed")
        return
    opened = _open(Path(root), scope["path"][len(PREFIX):]) if root else None
    if opened is None:
        await _answer(send, 404, "Not found")
        return
    handle, info = opened
    size = info.st_size
    try:
        name = scope["path"].rsplit("/", 1)[-1]
        kind = TYPES.get(os.path.splitext(name)[1].lower())
        # A publish replaces a package with new files (new inodes): the tag changes with it.
        tag = f'"{info.st_ino:x}-{info.st_mtime_ns:x}-{size:x}"'.encode()
        asked = dict(scope.get("headers") or []).get(b"if-none-match")
        if asked is not None and tag in [t.strip() for t in asked.split(b",")]:
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(b"etag", tag), (b"cache-control", CACHE), *COMMON]})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [(b"content-length", str(size).encode()), (b"etag", tag), (b"cache-control", CACHE), *COMMON]
        if kind:
            headers.append((b"content-type", kind))
        else:
            headers += [(b"content-type", b"application/octet-stream"),
                        (b"content-disposition", f"attachment; filename*=UTF-8''{quote(name)}".encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        left = size
        while left > 0:
            chunk = os.pread(handle, min(CHUNK, left), size - left)
            if not chunk:  # cannot happen to an open file nobody truncates: end the response short, visibly
                raise OSError(f"{name}: the file shrank while it was sent")
            left -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": left > 0})
    finally:
        os.close(handle)
