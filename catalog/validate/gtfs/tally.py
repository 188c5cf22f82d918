"""Findings counted per problem and file: a feed with a systematic error gets
a readable list and a total, not one finding per row of stop_times.txt."""
from __future__ import annotations

from typing import Callable

import numpy as np

from catalog.findings import ERROR, Finding

LIMIT = 20  # per-row findings listed for one problem in one file; the rest are counted


class Tally:
    """Per-row findings of one problem in one file: the first LIMIT listed, then a count."""

    def __init__(self, code, file, what, fix, severity=ERROR):
        self.code, self.file, self.what, self.fix, self.severity = code, file, what, fix, severity
        self.count = 0
        self.items: list[Finding] = []

    def add(self, rows: np.ndarray, make: Callable[[int], Finding]):
        """`rows` are positions (any order) whose findings `make(position)` builds;
        only the first LIMIT overall (by file row) are built."""
        self.count += len(rows)
        room = LIMIT - len(self.items)
        if room > 0:
            self.items.extend(make(int(p)) for p in rows[:room])

    def finding(self, message, row=None, column=None, value=None):
        return Finding(self.code, message, self.fix, file=self.file, row=row, column=column,
                       value=None if value is None else str(value), severity=self.severity)

    def findings(self) -> list[Finding]:
        out = sorted(self.items, key=lambda f: f.row or 0)
        if self.count > LIMIT:
            out.append(Finding(
                self.code,
                f"{self.count:,} rows in all have {self.what}; only the first {LIMIT} are listed.",
                self.fix, file=self.file, severity=self.severity))
        return out


def positions(mask, rows=None) -> np.ndarray:
    """Positions where mask is true, in file-row order."""
    where = np.flatnonzero(np.asarray(mask, dtype=bool))
    if rows is not None and len(where) > 1:
        where = where[np.argsort(np.asarray(rows)[where], kind="stable")]
    return where

