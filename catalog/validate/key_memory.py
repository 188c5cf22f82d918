"""Unique fields and primary keys across chunks, in a few bytes per row.

Frictionless keeps a dict of every key it has seen and, for a repeated key,
names the *latest* earlier row holding it. We keep the same answer with 64-bit
hashes of the typed keys in sorted numpy runs (16 bytes a row, merged like a
log-structured tree, so adding a chunk is O(chunk log n)). Two different keys
sharing a hash would make us report a false duplicate, so every duplicate
found is later checked against the real values (`TableCheck._verify`) before it is reported.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from catalog.arrow_values import nulls, numpy_of

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
NULL_KEY = np.uint64(0x5A17E11D0C0FFEE5)  # a null cell's hash, unlike any text's or number's
SLICE_BYTES = 4 << 20  # text hashed a few MB at a time: temporaries of 8 bytes per byte of text


def mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser over a uint64 array: every input bit moves every output bit."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


# One random-looking word per (byte position modulo 64, byte value): a text's hash starts as the
# sum of its bytes' words (tabulation hashing, a gather and a sum per byte, vectorised).
BYTE_WORDS = mix(np.arange(1, 64 * 256 + 1, dtype=np.uint64) * GOLDEN)


def key_hashes(columns: list[pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """(uint64 hash per row, all-null mask) of the typed key columns (int64 or text).

    Equal keys hash alike; a null differs from "" and from 0. Different keys may share a hash
    (rarely): duplicates are checked against the real values before they are reported."""
    hashes, all_null = None, None
    for column in columns:
        missing = nulls(column)
        if pa.types.is_integer(column.type):
            part = mix(numpy_of(column, 0).astype(np.int64).view(np.uint64) + GOLDEN)
        elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type) \
                or pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            part = _text_hashes(column)
        else:
            raise TypeError(f"key hashes of {column.type}")
        part[missing] = NULL_KEY
        hashes = part if hashes is None else mix(hashes * GOLDEN + part)
        all_null = missing if all_null is None else all_null & missing
    return hashes, all_null


def _text_hashes(column) -> np.ndarray:
    """Per cell, a hash of its bytes and length, from the column's offsets and data buffers."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    found = [np.zeros(0, dtype=np.uint64)]
    for chunk in chunks:
        _, offsets, data = chunk.buffers()[:3]
        wide = pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type)
        ends = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
        body = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
        ends = ends.astype(np.int64)
        first = 0
        while first < len(chunk):  # rows whose text fits in SLICE_BYTES (at least one row)
            last = max(first + 1, int(np.searchsorted(ends, ends[first] + SLICE_BYTES, side="right")) - 1)
            found.append(_slice_hashes(body, ends[first:last + 1]))
            first = last
    return np.concatenate(found)


def _slice_hashes(body: np.ndarray, ends: np.ndarray) -> np.ndarray:
    starts, lengths = ends[:-1], np.diff(ends)
    text = body[ends[0]:ends[-1]]
    position = np.arange(len(text), dtype=np.int64) - np.repeat(starts - ends[0], lengths)
    words = BYTE_WORDS[((position & 63) << 8) | text]
    if len(lengths) and lengths.max() > 64:  # each further 64 bytes weighed apart: "a"*64 + "b" is not "b" + "a"*64
        words = words * (mix((position >> 6).astype(np.uint64)) | np.uint64(1))
    # A running sum (wrapping, modulo 2**64) gives every cell's sum at once, empty cells included.
    running = np.zeros(len(text) + 1, dtype=np.uint64)
    np.cumsum(words, out=running[1:])
    sums = running[ends[1:] - ends[0]] - running[starts - ends[0]]
    return mix(sums ^ ((lengths + 1).astype(np.uint64) * GOLDEN))


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
