"""The floor: the raw CSV rows into SQLite with one plain `executemany`, in one transaction.

    python -m tests.benchmarks.executemany FILE.csv DB.sqlite
"""
from __future__ import annotations

import csv
import sqlite3
import sys


def load(csv_path: str, db_path: str, table: str = "stop_times") -> int:
    conn = sqlite3.connect(db_path)
    try:
        with open(csv_path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            columns = ", ".join(f'"{name}"' for name in header)
            conn.execute(f'CREATE TABLE "{table}" ({columns})')
            with conn:
                conn.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(header))})', reader)
        return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    finally:
        conn.close()


if __name__ == "__main__":
    print(load(sys.argv[1], sys.argv[2]))
