"""Whole-table CSV exports (`/hub/<table>.csv?_stream=on`) written off the event loop.

Datasette streams a table as CSV a page of 5,000 rows at a time, each page built by the
table view and written one row per ASGI message, all on the worker's event loop: 1,000,000
rows took 55 s, during which the worker answered nothing else between pages (200 ms each),
and four exports pushed the p99 of indexed JSON queries past a second. The same bytes are
written here by a thread: SQLite reads the table in key order (it releases the interpreter
while it reads), the csv module formats batches of rows, and 64 KB messages go back to the
loop, which meanwhile serves other requests. At most EXPORT_THREADS exports run at once per
worker; more wait for a free thread.

Only a plain export of a whole table is taken over: the table's rows in its key order
(`rowid` first for a table without primary key), with `_dl`, `_header=off` and `_size`
honoured as Datasette does; anything else (filters, sorting, labels, views, SQL) is left to
Datasette. Output, headers and the `max_csv_mb` limit are Datasette's; a test compares them
byte for byte. The CSV answers left to Datasette are gathered into STREAM_CHUNK_BYTES messages,
and the worker turns to other requests between two of them (`asgi_wrapper`).
"""
from __future__ import annotations

import asyncio
import csv
import io
import os
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl, unquote

from datasette import hookimpl

from catalog.hub import bounds

EXPORT_THREADS = int(os.environ.get("CATALOG_EXPORT_THREADS", 2))
PLAIN = {"_stream", "_size", "_dl", "_header", "_nofacet", "_nocount", "_nosuggest"}
BATCH_ROWS = 1000
CHUNK_BYTES = 64 * 1024
STREAM_CHUNK_BYTES = 64 * 1024  # other CSV answers, gathered into messages of this size
SWITCH_SECONDS = 0.001
_pool = ThreadPoolExecutor(EXPORT_THREADS, thread_name_prefix="catalog-export")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def plain_export(datasette, database, scope) -> str | None:
    """The table a request exports whole, or None when Datasette must answer it."""
    if scope.get("method") != "GET":
        return None
    path = scope.get("path", "")
    prefix = f"/{database.name}/"
    if not path.startswith(prefix) or not path.endswith(".csv"):
        return None
    table = unquote(path[len(prefix):-len(".csv")])
    if "/" in table or "~" in table or not table:
        return None
    args = dict(parse_qsl((scope.get("query_string") or b"").decode("latin-1"), keep_blank_values=True))
    if not args.get("_stream") or set(args) - PLAIN:
        return None
    if datasette.metadata("allow", database=database.name, table=table) or datasette.metadata(
            "allow", database=database.name) or datasette.metadata("allow"):
        return None  # permissions are Datasette's to check
    return table


def _connect(path: str):
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True, check_same_thread=False)
    bounds.prepare_connection(conn)
    return conn


def _ordinary(path: str, table: str) -> bool:
    """An ordinary table (not a view, not a virtual table such as a full-text index)."""
    conn = _connect(path)
    try:
        found = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()
        return bool(found) and not str(found[0] or "").upper().startswith("CREATE VIRTUAL")
    finally:
        conn.close()


def _rows(conn, table: str):
    """The table's columns and rows, in Datasette's order: its primary key, else its rowid."""
    info = conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    if not info:
        return None
    pks = [row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5])]
    columns = [row[1] for row in info]
    if pks:
        names, order = columns, ", ".join(_quote(c) for c in pks)
        select = ", ".join(_quote(c) for c in columns)
    else:
        names, order = ["rowid", *columns], "rowid"
        select = "rowid, " + ", ".join(_quote(c) for c in columns)
    return names, pks, conn.execute(f"SELECT {select} FROM {_quote(table)} ORDER BY {order}")


def _export(path: str, table: str, header: bool, limit_bytes: int, push, blob_url):
    """Runs in an export thread: formats the table and hands each 64 KB to `push(bytes)`."""
    conn = _connect(path)
    try:
        buffer, sent = io.StringIO(), 0
        writer = csv.writer(buffer)

        def flush(final=False):
            nonlocal sent
            data = buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            if limit_bytes and sent + len(data) > limit_bytes:
                push(f"CSV contains more than {limit_bytes} bytes".encode(), True)
                return False
            sent += len(data)
            push(data, final)
            return True

        try:
            found = _rows(conn, table)
            if found is None:
                push(f"Table not found: {table}".encode(), True)
                return
            names, pks, cursor = found
            if header:
                writer.writerow(names)
            while True:
                rows = cursor.fetchmany(BATCH_ROWS)
                if not rows:
                    break
                if any(isinstance(v, bytes) for row in rows for v in row):
                    rows = [[blob_url(dict(zip(names, row)), pks, column) if isinstance(v, bytes) else v
                             for column, v in zip(names, row)] for row in rows]
                writer.writerows(rows)
                if buffer.tell() >= CHUNK_BYTES and not flush():
                    return
        except sqlite3.Error as error:  # as Datasette does: the message ends the stream
            buffer.write(str(error))
        flush(final=True)
    finally:
        conn.close()


async def serve(datasette, database, table: str, scope, send) -> bool:
    """Export the table; False (nothing sent) when it is not an ordinary table: Datasette answers."""
    from datasette.utils import path_from_row_pks

    loop = asyncio.get_running_loop()
    if not await loop.run_in_executor(_pool, _ordinary, database.path, table):
        return False

    # The export thread formats rows holding the interpreter lock: hand it back to the loop's
    # thread every millisecond rather than every five, so short requests wait less behind it.
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_SECONDS))

    args = dict(parse_qsl((scope.get("query_string") or b"").decode("latin-1"), keep_blank_values=True))
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    if args.get("_dl"):
        headers = [(b"content-type", b"text/csv; charset=utf-8"),
                   (b"content-disposition", f'attachment; filename="{table}.csv"'.encode())]
    base = (datasette.plugin_config("catalog-hub") or {}).get("base_url") or ""

    def blob_url(row, pks, column):
        key = path_from_row_pks(row, pks, not pks)
        return base + datasette.urls.row_blob(database.name, table, key, column)

    def push(data: bytes, final: bool):
        message = {"type": "http.response.body", "body": data, "more_body": not final}
        asyncio.run_coroutine_threadsafe(send(message), loop).result()  # waits while the client is slow

    await send({"type": "http.response.start", "status": 200, "headers": headers})
    limit = int(datasette.setting("max_csv_mb") or 0) * 1024 * 1024
    await loop.run_in_executor(_pool, _export, database.path, table, args.get("_header") != "off", limit, push,
                               blob_url)
    return True


def _sharing(app):
    """CSV answers sent in STREAM_CHUNK_BYTES messages, yielding the event loop after each."""

    async def shared(scope, receive, send):
        buffered, size = [], 0

        async def send_in_chunks(message):
            nonlocal size
            if message["type"] != "http.response.body":
                await send(message)
                return
            buffered.append(message.get("body", b""))
            size += len(buffered[-1])
            more = message.get("more_body", False)
            if size >= STREAM_CHUNK_BYTES or not more:
                body = b"".join(buffered)
                buffered.clear()
                size = 0
                await send({"type": "http.response.body", "body": body, "more_body": more})
                if more:
                    await asyncio.sleep(0)  # let the other requests of this worker run

        await app(scope, receive, send_in_chunks)

    return shared


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        sharing = _sharing(app)

        async def route(scope, receive, send):
            if scope.get("type") != "http" or not scope.get("path", "").endswith(".csv"):
                await app(scope, receive, send)
                return
            database = datasette.databases.get(scope["path"].split("/")[1])
            table = plain_export(datasette, database, scope) if database and database.path else None
            if not (table and not database.is_mutable and await serve(datasette, database, table, scope, send)):
                await sharing(scope, receive, send)

        return route

    return wrap
