"""One field's cells checked a column at a time, with Frictionless' own answer where it matters.

For each column we compute, vectorised, the cells that are certainly fine (a
plain integer within its bounds, a string of the right length, an empty
optional cell...). Every other cell goes, once per distinct value, through
the very cell reader Frictionless builds for that field, so each reported
error carries Frictionless' own type and note. The vectorised part may only
say "fine" when Frictionless would: when in doubt, it leaves the cell to the reader.
"""
from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalog.validate.fast_read import NotDecidable, chunk_buffers, digits_only, integer_cells, missing_cells

CACHE_LIMIT = 200_000  # distinct values remembered per field; beyond, the memory is reset
INT_RE = r"^-?[0-9]{1,18}$"  # Python's int() accepts these, and they fit in int64
BOUNDS = {"minimum": "greater_equal", "maximum": "less_equal",
          "exclusiveMinimum": "greater", "exclusiveMaximum": "less"}


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
        pc.match_substring_regex(pa.array(["probe"]), compiled)  # RE2 must accept it as written
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
        return pa.array(result)
    # The cells of that width, back to back: one row of bytes each.
    _, data = next(chunk_buffers(column if fits.all() else column.filter(pa.array(fits))))
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
    return pa.array(result)


def _runs(allowed: np.ndarray) -> list[tuple[int, int]]:
    """The allowed bytes as (first, last) runs: [0-9A-F] -> [(48, 57), (65, 70)]."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], allowed.astype(np.int8), [0]])))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


class FieldCheck:
    """The checks of one field; `run(column)` gives its errors and, for keys, its typed values."""

    def __init__(self, field, schema, number: int):
        self.field = field
        self.number = number  # 1-based position, as in Frictionless errors
        self.reader = field.create_cell_reader()
        missing = field.missing_values if field.has_defined("missing_values") else schema.missing_values
        self.missing = pa.array([str(v) for v in missing], type=pa.string())
        self.constraints = dict(field.constraints or {})
        self.required = bool(self.constraints.get("required"))
        pattern = self.constraints.get("pattern")
        self.fixed_width = fixed_width(pattern) if isinstance(pattern, str) else None
        self.re2 = re2_equivalent(pattern) if isinstance(pattern, str) and self.fixed_width is None else None
        self.cache: dict = {}

    def read(self, cell: str):
        """Frictionless' verdict on one cell: (typed value, ((error type, note), ...))."""
        found = self.cache.get(cell)
        if found is None:
            value, notes = self.reader(cell)
            notes = dict(notes or {})
            kind = notes.pop("type", None)
            verdict = (("type-error", kind),) if kind else tuple(("constraint-error", n) for n in notes.values())
            found = (value, verdict)
            if len(self.cache) >= CACHE_LIMIT:
                self.cache.clear()
            self.cache[cell] = found
        return found

    def run(self, column: pa.Array, want_values: bool):
        """(bad row offsets, their verdicts, typed values or None, blank mask)."""
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        missing = missing_cells(column, self.missing)
        ok, values = self._certainly_fine(column, missing)
        if self.required:
            ok = pc.and_(ok, pc.invert(missing))
        else:
            ok = pc.or_(ok, missing)
        undecided = np.flatnonzero(~ok.to_numpy(zero_copy_only=False))
        bad_rows, verdicts = np.empty(0, dtype=np.int64), []
        typed = None
        if want_values:
            typed = self._typed(column, missing, values)
        if len(undecided):
            encoded = column.take(pa.array(undecided)).dictionary_encode()
            results = [self.read(cell) for cell in encoded.dictionary.to_pylist()]
            codes = encoded.indices.to_numpy(zero_copy_only=False)
            is_bad = np.array([bool(r[1]) for r in results], dtype=bool)
            picked = is_bad[codes]
            bad_rows = undecided[picked]
            verdicts = [results[c][1] for c in codes[picked]]
            if want_values:
                typed = _patch(typed, undecided, [results[c][0] for c in codes], self.field.type)
        # A cell is blank (for blank-row detection) when it reads as missing without a type error.
        return bad_rows, verdicts, typed, missing.to_numpy(zero_copy_only=False)

    def _certainly_fine(self, column, missing):
        """A boolean array: True where Frictionless surely reports nothing; and typed values."""
        field, kind = self.field, self.field.type
        nothing = pa.array(np.zeros(len(column), dtype=bool))
        handled = {"required", "unique"}
        if kind == "string" and (field.format or "default") == "default":
            ok = pc.invert(missing)
            lengths = None
            for name in ("minLength", "maxLength"):
                if name in self.constraints:
                    limit = self.constraints[name]
                    if not isinstance(limit, int) or isinstance(limit, bool):
                        return nothing, None
                    lengths = lengths if lengths is not None else pc.utf8_length(column)
                    test = pc.greater_equal if name == "minLength" else pc.less_equal
                    ok = pc.and_(ok, test(lengths, limit))
                    handled.add(name)
            enum = self.constraints.get("enum")
            if enum is not None and all(isinstance(v, str) for v in enum):
                ok = pc.and_(ok, pc.is_in(column, value_set=pa.array(enum, type=pa.string())))
                handled.add("enum")
            if self.fixed_width is not None:
                ok = pc.and_(ok, matches_fixed_width(column, self.fixed_width))
                handled.add("pattern")
            elif self.re2 is not None:
                # Same verdict as Python's re on cells without a line break ($ differs there).
                ok = pc.and_(ok, pc.and_(pc.match_substring_regex(column, self.re2),
                                         pc.invert(pc.match_substring(column, "\n"))))
                handled.add("pattern")
            if set(self.constraints) - handled:  # other patterns: Python's re decides, per distinct value
                return nothing, None
            return ok, column
        if kind == "integer" and field.bare_number is True:
            if digits_only(column, 18):  # the usual column of counts: INT_RE holds everywhere, seen at once
                ok = pc.invert(missing)
                values = pc.cast(pc.if_else(ok, column, "0") if pc.any(missing).as_py() else column, pa.int64())
            else:
                ok = pc.and_(pc.invert(missing), pa.array(integer_cells(column)))  # INT_RE, from the bytes
                values = pc.cast(pc.if_else(ok, column, "0"), pa.int64())
            for name, compare in BOUNDS.items():
                if name in self.constraints:
                    bound = self.constraints[name]
                    if not isinstance(bound, int) or isinstance(bound, bool):
                        return nothing, values
                    ok = pc.and_(ok, getattr(pc, compare)(values, bound))
                    handled.add(name)
            enum = self.constraints.get("enum")
            if enum is not None and all(isinstance(v, int) and not isinstance(v, bool) for v in enum):
                ok = pc.and_(ok, _one_of(values, enum))
                handled.add("enum")
            if set(self.constraints) - handled:
                return nothing, values
            return ok, values
        if kind == "number" and not field.float_number and field.bare_number is True:
            return self._numbers(column, missing, handled, nothing)
        return nothing, None

    def _numbers(self, column, missing, handled, nothing):
        field = self.field
        decimal, group = field.decimal_char or ".", field.group_char or ""
        if len(decimal) != 1 or decimal in "-0123456789" or (group and (group in "-0123456789" or group == decimal)):
            return nothing, None
        text = pc.replace_substring(column, group, "") if group else column
        pattern = r"^-?[0-9]{1,15}(" + ("\\" + decimal) + r"[0-9]{1,15})?$"
        ok = pc.and_(pc.invert(missing), pc.match_substring_regex(text, pattern))
        if decimal != "." and group != ".":
            ok = pc.and_(ok, pc.invert(pc.match_substring(column, ".")))
        if decimal != ".":
            text = pc.replace_substring(text, decimal, ".")
        values = pc.cast(pc.if_else(ok, text, "0"), pa.float64())
        reader = field.create_value_reader()
        for name, compare in BOUNDS.items():
            if name in self.constraints:
                bound = reader(self.constraints[name])
                if bound is None or bound != bound:
                    return nothing, None
                bound = float(bound)
                # Floats are exact far from the bound; values close to it go to Decimal, like Frictionless.
                margin = 1e-9 * max(1.0, abs(bound))
                near = pc.less_equal(pc.abs(pc.subtract(values, bound)), margin)
                ok = pc.and_(ok, pc.and_(getattr(pc, compare)(values, bound), pc.invert(near)))
                handled.add(name)
        if set(self.constraints) - handled:
            return nothing, None
        return ok, None

    def _typed(self, column, missing, values):
        """Typed key values for unique and primary-key checks: strings or int64, null where missing."""
        kind = self.field.type
        if kind == "string" and (self.field.format or "default") == "default":
            return pc.if_else(missing, pa.scalar(None, pa.string()), column)
        if kind == "integer" and values is not None:
            return pc.if_else(missing, pa.scalar(None, pa.int64()), values)
        raise NotDecidable(f"unique keys of type {kind}")


def _one_of(values, enum):
    """`values` in the integer enum: two comparisons for a run like [0, 1, 2, 3] (GTFS codes),
    a hash lookup otherwise."""
    if set(enum) == set(range(min(enum), max(enum) + 1)):
        return pc.and_(pc.greater_equal(values, min(enum)), pc.less_equal(values, max(enum)))
    return pc.is_in(values, value_set=pa.array(enum, type=pa.int64()))


def _patch(typed, rows, values, kind):
    """Replace typed values at `rows` (ascending) with the reader's values (None where it failed)."""
    if kind == "integer" and any(v is not None and not (-(2**63) <= v < 2**63) for v in values):
        raise NotDecidable("integer keys beyond 64 bits")
    mask = np.zeros(len(typed), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(typed, pa.array(mask), pa.array(values, type=typed.type))
