"""Unique fields and primary keys across chunks, in a few bytes per row.

Frictionless keeps a dict of every key it has seen and, for a repeated key,
names the *latest* earlier row holding it. We keep the same answer with 64-bit
hashes of the typed keys in sorted numpy runs (16 bytes a row, merged like a
log-structured tree, so adding a chunk is O(chunk log n)). Two different keys
sharing a hash would make us report a false duplicate, so every duplicate
found is later checked against the real values (`Verifier`) before it is reported.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def key_hashes(columns: list[pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """(uint64 hash per row, all-null mask) of the typed key columns."""
    frame = {}
    for index, column in enumerate(columns):
        nulls = column.is_null().to_numpy(zero_copy_only=False)
        frame[f"n{index}"] = nulls
        if pa.types.is_integer(column.type):
            frame[f"v{index}"] = column.fill_null(0).to_numpy(zero_copy_only=False)
        else:
            frame[f"v{index}"] = column.fill_null("").to_numpy(zero_copy_only=False)
    hashes = pd.util.hash_pandas_object(pd.DataFrame(frame), index=False).to_numpy()
    all_null = np.logical_and.reduce([frame[f"n{i}"] for i in range(len(columns))])
    return hashes, all_null


class KeyMemory:
    """Hash -> latest row number holding it, over every chunk fed so far."""

    def __init__(self):
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted unique hashes, row numbers)

    def feed(self, hashes: np.ndarray, rows: np.ndarray, skip: np.ndarray) -> np.ndarray:
        """The latest earlier row with the same hash for each row (0 when none); remembers the chunk.

        `rows` are ascending file row numbers; rows where `skip` is set are neither
        checked nor remembered (a null key)."""
        matches = np.zeros(len(rows), dtype=np.int64)
        keep = np.flatnonzero(~skip)
        if not len(keep):
            return matches
        h, r = hashes[keep], rows[keep]
        order = np.lexsort((r, h))
        hs, rs = h[order], r[order]
        first = np.ones(len(hs), dtype=bool)
        first[1:] = hs[1:] != hs[:-1]
        found = np.zeros(len(hs), dtype=np.int64)
        found[~first] = rs[:-1][~first[1:]]  # an earlier row of the same chunk
        found[first] = self._lookup(hs[first])
        matches[keep[order]] = found
        last = np.ones(len(hs), dtype=bool)
        last[:-1] = hs[1:] != hs[:-1]
        self._add(hs[last], rs[last])
        return matches

    def _lookup(self, query: np.ndarray) -> np.ndarray:
        result = np.zeros(len(query), dtype=np.int64)
        pending = np.ones(len(query), dtype=bool)
        for hashes, rows in reversed(self.runs):  # newest first: its rows are the latest
            if not pending.any():
                break
            where = np.flatnonzero(pending)
            position = np.searchsorted(hashes, query[where])
            inside = position < len(hashes)
            hit = np.zeros(len(where), dtype=bool)
            hit[inside] = hashes[position[inside]] == query[where][inside]
            result[where[hit]] = rows[position[hit]]
            pending[where[hit]] = False
        return result

    def _add(self, hashes, rows):
        self.runs.append((hashes, rows.astype(np.int64)))
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (old_h, old_r), (new_h, new_r) = self.runs[-2], self.runs[-1]
            h = np.concatenate([old_h, new_h])
            r = np.concatenate([old_r, new_r])
            order = np.argsort(h, kind="stable")  # the newer row sorts after the older one
            h, r = h[order], r[order]
            last = np.ones(len(h), dtype=bool)
            last[:-1] = h[1:] != h[:-1]
            self.runs[-2:] = [(h[last], r[last])]
