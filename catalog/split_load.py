"""A large table's rows inserted by two processes: SQLite inserts use one core each.

A normalised CSV without a single `"` holds one row per line, so it can be cut at a line
break. A child process (`python -m catalog.split_load`) inserts the rows after the cut into a
table of the same definition, in a database file of its own beside the hub being built, while
the caller inserts the rows before it; the caller then appends the child's rows in their order
(one INSERT ... SELECT, run by SQLite alone), so the table ends with the rowids and contents
one pass gives. When the child fails for any reason, the caller inserts those rows itself, so
errors read as they always did.

Only the standard library is imported here: the child starts in a few hundredths of a second.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

# Below this, starting a process costs about what it saves.
MIN_BYTES = 16 * 1024 * 1024
BLOCK = 1 << 20
# Column names that would stand for the rowid in `ORDER BY rowid`.
ROWID_NAMES = {"rowid", "_rowid_", "oid"}


def csv_field_limit() -> int:
    """Geometries and long descriptions exceed the csv module's 128 KiB cell default: raise the
    (process-wide) limit; the previous one is returned, for a caller that restores it."""
    previous = csv.field_size_limit()
    limit = 2**31 - 1
    while True:
        try:
            csv.field_size_limit(limit)
            return previous
        except OverflowError:
            limit //= 2


def geopoint(value, part):
    """`lon,lat`, `[lon, lat]` or `{"lon": .., "lat": ..}` -> the latitude (part 1) or longitude (0)."""
    if not value:
        return None
    try:
        text = value.strip()
        if text.startswith("{"):
            point = json.loads(text)
            return float(point["lat" if part else "lon"])
        lon, lat = text.strip("[]() ").split(",")
        return float(lat if part else lon)
    except (ValueError, KeyError, TypeError):
        return None


def real(text):
    """A decimal cell as the double nearest to it. SQLite before 3.43 rounds some decimals of
    ten digits or more to a neighbouring double (3.88015202860524 became 3.8801520286052398),
    so number cells are read by Python, which rounds correctly; text that is no finite
    number is left as it is, for column affinity to keep."""
    if text is None or text == "" or "_" in text:
        return text or None
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def register(conn: sqlite3.Connection):
    """The SQL functions the INSERT statements of the hub use."""
    conn.create_function("catalog_geopoint", 2, geopoint, deterministic=True)
    conn.create_function("catalog_real", 1, real, deterministic=True)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def split_point(path: Path) -> tuple[int, int] | None:
    """(byte offset of the cut, number of lines before it, header included), or None when the
    file is small, holds a quote (a cell may then span lines) or there is one core only."""
    size = path.stat().st_size
    if size < max(MIN_BYTES, 1) or _cores() < 2:
        return None
    cut, lines, position = None, 0, 0
    with open(path, "rb") as handle:  # by blocks: the whole file in memory would double its footprint
        while block := handle.read(BLOCK):
            if b'"' in block:
                return None
            if cut is None:
                newline = block.find(b"\n", max(size // 2 - position, 0)) if position + len(block) > size // 2 else -1
                lines += block.count(b"\n", 0, newline + 1 if newline != -1 else len(block))
                if newline != -1:
                    cut = position + newline + 1
            position += len(block)
    return (cut, lines) if cut is not None and cut < size else None


class SecondHalf:
    """The child process inserting the rows after the cut; `close()` always cleans up."""

    def __init__(self, conn: sqlite3.Connection, table: str, path: Path, insert: str):
        """Start the child, or leave `self.lines_before` None when the table is not worth cutting."""
        self.conn, self.table, self.process, self.part, self.lines_before = conn, table, None, None, None
        main = conn.execute("PRAGMA database_list").fetchone()[2]  # '' for an in-memory database
        columns = {row[1].lower() for row in conn.execute(f'PRAGMA table_info("{table}")')}
        cut = split_point(path) if main and not columns & ROWID_NAMES else None
        if cut is None:
            return
        create = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()[0]
        env = dict(os.environ)
        here = str(Path(__file__).resolve().parents[1])  # this very catalog, whatever sys.path says
        env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
        try:
            handle, part = tempfile.mkstemp(prefix=f".{Path(main).name}.", suffix=".part", dir=Path(main).parent)
            os.close(handle)
            self.part = Path(part)
            spec = {"csv": str(path), "offset": cut[0], "db": part, "create": create, "insert": insert}
            # Its output is dropped: if it fails, the caller inserts the rows and reports any error.
            self.process = subprocess.Popen([sys.executable, "-m", "catalog.split_load", json.dumps(spec)],
                                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
        except OSError:  # no scratch file or no process: one pass, as for a small table
            self.close()
            return
        self.lines_before = cut[1]

    def append(self) -> int | None:
        """Wait for the child and append its rows (outside any transaction); None if that failed."""
        if self.process is None or self.process.wait() != 0:
            return None
        self.conn.execute("ATTACH DATABASE ? AS catalog_part", [str(self.part)])
        try:
            with self.conn:  # rolled back on error, e.g. a key both halves hold: then inserted row by row
                cursor = self.conn.execute(f'INSERT INTO main."{self.table}" '
                                           f'SELECT * FROM catalog_part."{self.table}" ORDER BY rowid')
            return cursor.rowcount
        except sqlite3.Error:
            return None
        finally:
            self.conn.execute("DETACH DATABASE catalog_part")

    def close(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.part is not None:
            self.part.unlink(missing_ok=True)


def _insert_part(spec: dict):
    csv_field_limit()
    conn = sqlite3.connect(spec["db"])
    try:
        conn.execute("PRAGMA journal_mode = OFF")  # a scratch file, deleted once appended
        conn.execute("PRAGMA synchronous = OFF")
        register(conn)
        conn.execute(spec["create"])
        with open(spec["csv"], "rb") as raw:
            raw.seek(spec["offset"])
            with conn:
                conn.executemany(spec["insert"], csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))
    finally:
        conn.close()


if __name__ == "__main__":
    _insert_part(json.loads(sys.argv[1]))
