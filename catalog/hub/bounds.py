"""What one anonymous request may cost a hub worker: SQLite's own limits on every connection,
and a bound on the rows a query hands to Python.

Datasette stops a query that runs past `sql_time_limit_ms` by checking the clock every 1,000
SQLite instructions, but one instruction can take seconds and gigabytes: `zeroblob(1000000000)`
killed a worker, `printf('%.*c', 1000000000, 'x')` ran 5.5 s against a 3 s limit. So:
- every value (string or blob) is at most MAX_VALUE_BYTES (SQLITE_LIMIT_LENGTH): the single
  instruction that would build a larger one fails at once, and the clock is checked again soon;
- SQLite's heap in the worker is capped (`PRAGMA hard_heap_limit`): a query needing more gets
  "out of memory", an error page, and the worker lives on;
- the rows of one query are counted as Python receives them: past MAX_RESULT_BYTES the query
  stops with an error that says to ask for fewer rows (a 5,000-row page of large values would
  otherwise be gigabytes of Python objects before the time limit is reached);
- SQL text, expression depth, compound SELECTs and LIKE patterns get tighter limits than SQLite's
  defaults, which are meant for trusted applications;
- a long CSV export shares its worker: Datasette writes a streamed CSV one row per ASGI message,
  and on a fast connection no message ever waits, so one export of a million-row table held its
  worker for its whole length (short queries waited up to 14 s behind four of them). A whole
  table is exported by a thread, and other CSV answers are gathered into larger messages, the
  worker turning to other requests between two of them (catalog.hub.exports).

Settings (environment, read when the server starts): CATALOG_SQL_MAX_VALUE_BYTES,
CATALOG_SQL_MAX_RESULT_BYTES, CATALOG_SQL_HEAP_BYTES.
"""
from __future__ import annotations

import os
import sqlite3

from datasette import hookimpl

MiB = 1024 * 1024
MAX_VALUE_BYTES = int(os.environ.get("CATALOG_SQL_MAX_VALUE_BYTES", 16 * MiB))  # a detailed boundary is ~1 MB
MAX_RESULT_BYTES = int(os.environ.get("CATALOG_SQL_MAX_RESULT_BYTES", 64 * MiB))
HEAP_BYTES = int(os.environ.get("CATALOG_SQL_HEAP_BYTES", 256 * MiB))
LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: MAX_VALUE_BYTES,
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 100_000,
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 100,
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 50,
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 1_000,
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,
}
_heap_set = False


@hookimpl
def prepare_connection(conn):
    global _heap_set
    for limit, value in LIMITS.items():
        conn.setlimit(limit, value)
    if not _heap_set:  # one limit for the whole process, shared by its connections
        conn.execute(f"PRAGMA hard_heap_limit = {int(HEAP_BYTES)}")
        _heap_set = True


class ResultTooLarge(sqlite3.OperationalError):
    pass


def _size(row) -> int:
    return sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in row)


class _Cursor:
    """A cursor whose fetches stop once the rows received pass MAX_RESULT_BYTES."""

    def __init__(self, cursor):
        self._cursor, self._bytes = cursor, 0

    def __getattr__(self, name):
        return getattr(self._cursor, name)

    def __iter__(self):
        return self

    def __next__(self):
        row = next(self._cursor)
        self._charge(row)
        return row

    def _charge(self, row):
        self._bytes += _size(row)
        if self._bytes > MAX_RESULT_BYTES:
            raise ResultTooLarge(f"the result is larger than {MAX_RESULT_BYTES // MiB} MB: ask for fewer rows "
                                 "(_size=, LIMIT) or fewer or shorter columns")

    def fetchone(self):
        row = self._cursor.fetchone()
        if row is not None:
            self._charge(row)
        return row

    def fetchmany(self, size=None):
        rows = []
        for _ in range(self._cursor.arraysize if size is None else size):
            row = self.fetchone()
            if row is None:
                break
            rows.append(row)
        return rows

    def fetchall(self):
        return list(self)

    def execute(self, *args, **kwargs):
        self._cursor.execute(*args, **kwargs)
        return self


class _Connection:
    """The connection Datasette's query functions receive: the real one, with counted cursors."""

    def __init__(self, conn):
        self._conn = conn

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def cursor(self, *args, **kwargs):
        return _Cursor(self._conn.cursor(*args, **kwargs))

    def execute(self, *args, **kwargs):
        return _Cursor(self._conn.execute(*args, **kwargs))


def bounded(fn):
    """`fn(conn)` as Datasette runs it, with a connection whose results are counted."""
    return lambda conn: fn(_Connection(conn))
