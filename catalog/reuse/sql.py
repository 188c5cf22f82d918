"""A reuse's SQL, run to its end within bounds: at `validate` over empty source tables (a trial
run), at `package`/`publish` over the packaged sources.

Kept apart from the spatial derivations so that checking a reuse does not import geopandas.
"""
from __future__ import annotations

import os
import sqlite3
import time

from catalog.errors import InvalidData

# A derived table is a few million cells at most; a query past these is a mistake or an attack
# (a runaway recursive CTE used to validate in 0.6 s, then end publish in a MemoryError).
SQL_SECONDS = float(os.environ.get("CATALOG_REUSE_SECONDS", 120))
SQL_MAX_BYTES = int(os.environ.get("CATALOG_REUSE_MAX_BYTES", 512 * 1024 * 1024))
MAX_VALUE_BYTES = 16 * 1024 * 1024


class ReuseLimit(InvalidData):
    """A reuse's query ran past its time or size limit."""


def run_sql(conn, sql: str, parameters, seconds: float = None, max_bytes: int = None):
    """Column names and rows of a reuse's query, stopped past `seconds` or once its rows hold more
    than `max_bytes` (ReuseLimit): SQLite checks the clock every 1,000 instructions, and no single
    value may pass MAX_VALUE_BYTES, so no one instruction runs long either."""
    seconds = SQL_SECONDS if seconds is None else seconds
    max_bytes = SQL_MAX_BYTES if max_bytes is None else max_bytes
    deadline = time.monotonic() + seconds
    previous = conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
    try:
        try:
            cursor = conn.execute(sql, parameters)
            columns = [d[0] for d in cursor.description or []]
            rows, used = [], 0
            while True:
                batch = cursor.fetchmany(1000)
                if not batch:
                    return columns, rows
                for row in batch:
                    used += sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in row)
                    rows.append(list(row))
                if used > max_bytes:
                    raise ReuseLimit(f"its SQL gives more than {max_bytes // 1024 // 1024} MB of rows.",
                                     "Check the query (a recursive CTE without an end, a join without a "
                                     "condition); CATALOG_REUSE_MAX_BYTES raises the limit.")
        except sqlite3.OperationalError as error:
            if str(error) == "interrupted" and time.monotonic() > deadline:
                raise ReuseLimit(f"its SQL ran longer than {seconds:g} s.",
                                 "Check the query (a recursive CTE without an end, a join without a "
                                 "condition); CATALOG_REUSE_SECONDS raises the limit.") from None
            raise
        except MemoryError:
            raise ReuseLimit("its SQL needs more memory than this machine has.",
                             "Check the query; derive fewer rows or columns.") from None
    finally:
        conn.set_progress_handler(None, 1000)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, previous)


