"""Table Schema patterns decided without Python's `re`, a column at a time.

Frictionless checks a `pattern` with `re.match("^pattern$", cell)`, one cell at a time.
Most patterns of real schemas are simple enough to decide otherwise, with the very same
verdict: a fixed-width sequence of ASCII literals and classes (codes, identifiers, times)
byte by byte with numpy, anything else built from literals, classes, repeats, groups and
alternatives with pyarrow's RE2 engine. Any other pattern (Unicode classes, flags,
look-arounds) is left to Python (None).
"""
from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalog.arrow_values import bools, strings
from catalog.validate.csv_batches import chunk_buffers

SAFE_OPS = {"LITERAL", "NOT_LITERAL", "ANY", "IN", "MAX_REPEAT", "MIN_REPEAT", "SUBPATTERN", "BRANCH", "AT"}
SAFE_IN = {"LITERAL", "RANGE", "NEGATE"}
SAFE_AT = {"AT_BEGINNING", "AT_END", "AT_BEGINNING_STRING", "AT_END_STRING"}


def re2_equivalent(pattern: str) -> str | None:
    """An RE2 regex (pyarrow's engine) accepting exactly what Frictionless' re.match("^p$") accepts.

    Only for patterns built from literals, ranges, classes, repeats, groups and
    alternatives: no \\d, \\w, \\s or \\b (Unicode-aware in Python, ASCII in RE2), no
    flags, no look-arounds or back-references. Otherwise None: Python decides."""
    try:
        from re import _parser as sre_parse
    except ImportError:  # Python < 3.11
        import sre_parse
    if re.search(r"\{(?!\d)|\\\d", pattern):  # "{,n}" and "\\1"-style escapes read differently
        return None
    try:
        parsed = sre_parse.parse("^{0}$".format(pattern))
        compiled = "^(?:^{0}$)".format(pattern)
        pc.match_substring_regex(strings(["probe"]), compiled)  # RE2 must accept it as written
    except Exception:
        return None
    if parsed.state.flags & ~(sre_parse.SRE_FLAG_UNICODE):
        return None

    def safe(items):
        for op, arg in items:
            name = str(op)
            if name not in SAFE_OPS:
                return False
            if name == "IN" and any(str(o) not in SAFE_IN for o, _ in arg):
                return False
            if name == "AT" and str(arg) not in SAFE_AT:
                return False
            if name in ("MAX_REPEAT", "MIN_REPEAT") and not safe(arg[2]):
                return False
            if name == "SUBPATTERN" and (arg[1] or arg[2] or not safe(arg[3])):
                return False
            if name == "BRANCH" and not all(safe(branch) for branch in arg[1]):
                return False
        return True

    return compiled if safe(parsed) else None


def fixed_width(pattern: str) -> np.ndarray | None:
    """For a pattern of one fixed length made of ASCII literals and classes (`T[0-9]{6}`,
    `[0-9]{2}:[0-5][0-9]`, codes and identifiers): a (length, 256) table of the bytes allowed
    at each position. A cell of that many bytes, each allowed, surely matches in Python's re
    too; every other cell is left to it. None for any other pattern."""
    try:
        from re import _parser as sre_parse
    except ImportError:  # Python < 3.11
        import sre_parse
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:
        return None
    if parsed.state.flags & ~sre_parse.SRE_FLAG_UNICODE:
        return None

    def positions(items, top):
        out = []
        for index, (op, arg) in enumerate(items):
            name = str(op)
            if name == "LITERAL" and arg < 128:
                allowed = np.zeros(256, dtype=bool)
                allowed[arg] = True
                out.append(allowed)
            elif name == "IN":
                allowed = np.zeros(256, dtype=bool)
                for kind, value in arg:
                    if str(kind) == "LITERAL" and value < 128:
                        allowed[value] = True
                    elif str(kind) == "RANGE" and value[1] < 128:
                        allowed[value[0]:value[1] + 1] = True
                    else:  # a negated class, \d or \w (Unicode in Python), a non-ASCII letter
                        return None
                out.append(allowed)
            elif name == "MAX_REPEAT" and arg[0] == arg[1] and arg[0] <= 64:
                inner = positions(arg[2], False)
                if inner is None:
                    return None
                out += inner * arg[0]
            elif name == "SUBPATTERN" and not arg[1] and not arg[2]:
                inner = positions(arg[3], False)
                if inner is None:
                    return None
                out += inner
            elif name == "AT" and top and ((str(arg) == "AT_BEGINNING" and index == 0)
                                           or (str(arg) == "AT_END" and index == len(items) - 1)):
                continue  # the ^ and $ Frictionless adds anyway
            else:
                return None
        return out

    found = positions(list(parsed), True)
    if not found:
        return None
    table = np.array(found)
    return None if table[:, [ord("\n"), ord("\r")]].any() else table


def matches_fixed_width(column: pa.Array, table: np.ndarray) -> pa.Array:
    """True where a cell is exactly len(table) bytes, each allowed at its position (numpy
    over the column's bytes: a tenth of the time of a regular expression)."""
    width = len(table)
    result = np.zeros(len(column), dtype=bool)
    starts, _ = next(chunk_buffers(column))  # one chunk: the column is combined
    fits = np.diff(starts) == width
    if not fits.any():
        return bools(result)
    # The cells of that width, back to back: one row of bytes each.
    _, data = next(chunk_buffers(column if fits.all() else column.filter(bools(fits))))
    cells = np.frombuffer(data, dtype=np.uint8).reshape(-1, width)
    good = np.ones(len(cells), dtype=bool)
    for position, allowed in enumerate(table):
        column_bytes = cells[:, position]
        runs = _runs(allowed)
        if len(runs) > 3:  # a scattered class: one lookup rather than many comparisons
            good &= allowed[column_bytes]
            continue
        hit = None
        for low, high in runs:  # comparisons of a strided view: no gather
            inside = column_bytes == low if low == high else (column_bytes >= low) & (column_bytes <= high)
            hit = inside if hit is None else hit | inside
        good &= hit
    result[fits] = good
    return bools(result)


def _runs(allowed: np.ndarray) -> list[tuple[int, int]]:
    """The allowed bytes as (first, last) runs: [0-9A-F] -> [(48, 57), (65, 70)]."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], allowed.astype(np.int8), [0]])))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]
