"""One field's cells checked a column at a time, with Frictionless' own answer where it matters.

For each column we compute, vectorised, the cells that are certainly fine (a
plain integer within its bounds, a string of the right length, an empty
optional cell...). Every other cell goes, once per distinct value, through
the very cell reader Frictionless builds for that field, so each reported
error carries Frictionless' own type and note. The vectorised part may only
say "fine" when Frictionless would: when in doubt, it leaves the cell to the reader.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalog.arrow_values import bools, int64s, numpy_of, scalar, strings
from catalog.validate.cell_rules import INT_RE, number_pattern, number_refuses_dot, verdict  # noqa: F401 - INT_RE: the rule
from catalog.validate.patterns import fixed_width, matches_fixed_width, re2_equivalent
from catalog.validate.csv_batches import NotDecidable, digits_only, integer_cells, missing_cells

CACHE_LIMIT = 200_000  # distinct values remembered per field; beyond, the memory is reset
BOUNDS = {"minimum": "greater_equal", "maximum": "less_equal",
          "exclusiveMinimum": "greater", "exclusiveMaximum": "less"}


@dataclass
class FieldSpec:
    """What the column checks need of one field, from Frictionless' field object or from a plain
    descriptor (plain_descriptor.py): a plain one spares importing Frictionless, 0.2 s of a big
    file's validation, and still gives Frictionless' verdicts (typed_rows.FieldRule)."""

    name: str
    type: str
    format: str
    constraints: dict
    missing: list  # the cells that read as missing
    bare_number: bool
    float_number: bool
    decimal_char: str
    group_char: str
    read: Callable  # cell -> (typed value, ((error type, note), ...)) as Frictionless' cell reader says
    bound: Callable  # a bound of the descriptor -> its value as Frictionless reads it, or None

    @classmethod
    def of_frictionless(cls, field, schema) -> "FieldSpec":
        reader = field.create_cell_reader()

        def read(cell):
            value, notes = reader(cell)
            return value, verdict(notes)
        missing = field.missing_values if field.has_defined("missing_values") else schema.missing_values
        return cls(field.name, field.type, field.format or "default", dict(field.constraints or {}),
                   [str(v) for v in missing], getattr(field, "bare_number", True),
                   getattr(field, "float_number", False), getattr(field, "decimal_char", None) or ".",
                   getattr(field, "group_char", None) or "", read, field.create_value_reader())

    @classmethod
    def of_plain(cls, field: dict, schema: dict, fallback) -> "FieldSpec":
        """A field of a plain schema; `fallback` gives Frictionless' reader, imported only for a
        cell no plain rule settles (typed_rows.FrictionlessReaders)."""
        from catalog.validate.text_table import StepAside
        from catalog.validate.typed_rows import FieldRule, descriptor_value

        missing = schema.get("missingValues", [""])
        rule = FieldRule(field, missing, fallback.reader(field["name"]))

        def read(cell):
            try:
                return rule.read_uncached(cell)
            except StepAside as error:  # Frictionless' reader raised: Frictionless says what then
                raise NotDecidable(str(error)) from None
        return cls(field["name"], field.get("type", "string"), field.get("format", "default"),
                   dict(field.get("constraints", {})), sorted(rule.missing), True, False,
                   field.get("decimalChar", "."), field.get("groupChar", ""), read,
                   lambda value: descriptor_value(field, value))


def field_specs(plan) -> list[FieldSpec]:
    """The fields of a `csv_batches.Plan`, one per column, from whichever schema planned it."""
    if plan.plain_schema is None:
        return [FieldSpec.of_frictionless(f, plan.schema) for f in plan.schema.fields]
    from catalog.validate.typed_rows import FrictionlessReaders

    fallback = FrictionlessReaders(plan.plain_schema)  # Frictionless' readers, built once for the schema
    return [FieldSpec.of_plain(f, plan.plain_schema, fallback) for f in plan.plain_schema["fields"]]


class FieldCheck:
    """The checks of one field; `run(column)` gives its errors and, for keys, its typed values."""

    def __init__(self, field: FieldSpec, number: int):
        self.field = field
        self.number = number  # 1-based position, as in Frictionless errors
        self.missing = strings(list(field.missing))
        self.constraints = field.constraints
        self.required = bool(self.constraints.get("required"))
        pattern = self.constraints.get("pattern")
        self.fixed_width = fixed_width(pattern) if isinstance(pattern, str) else None
        self.re2 = re2_equivalent(pattern) if isinstance(pattern, str) and self.fixed_width is None else None
        self.cache: dict = {}

    def read(self, cell: str):
        """Frictionless' verdict on one cell: (typed value, ((error type, note), ...))."""
        found = self.cache.get(cell)
        if found is None:
            found = self.field.read(cell)
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
        undecided = np.flatnonzero(~numpy_of(ok, False))  # a null verdict: the reader decides
        bad_rows, verdicts = np.empty(0, dtype=np.int64), []
        typed = None
        if want_values:
            typed = self._typed(column, missing, values)
        if len(undecided):
            encoded = column.take(int64s(undecided)).dictionary_encode()
            results = [self.read(cell) for cell in encoded.dictionary.to_pylist()]
            codes = numpy_of(encoded.indices)
            is_bad = np.array([bool(r[1]) for r in results], dtype=bool)
            picked = is_bad[codes]
            bad_rows = undecided[picked]
            verdicts = [results[c][1] for c in codes[picked]]
            if want_values:
                typed = _patch(typed, undecided, [results[c][0] for c in codes], self.field.type)
        # A cell is blank (for blank-row detection) when it reads as missing without a type error.
        return bad_rows, verdicts, typed, numpy_of(missing)

    def _certainly_fine(self, column, missing):
        """A boolean array: True where Frictionless surely reports nothing; and typed values."""
        field, kind = self.field, self.field.type
        nothing = bools(np.zeros(len(column), dtype=bool))
        handled = {"required", "unique"}
        if kind == "string" and field.format == "default":
            ok = pc.invert(missing)
            lengths = None
            for name in ("minLength", "maxLength"):
                if name in self.constraints:
                    limit = self.constraints[name]
                    if not isinstance(limit, int) or isinstance(limit, bool):
                        return nothing, None
                    lengths = lengths if lengths is not None else pc.utf8_length(column)
                    test = pc.greater_equal if name == "minLength" else pc.less_equal
                    ok = pc.and_(ok, test(lengths, scalar(limit)))
                    handled.add(name)
            enum = self.constraints.get("enum")
            if enum is not None and all(isinstance(v, str) for v in enum):
                ok = pc.and_(ok, pc.is_in(column, value_set=strings(enum)))
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
                values = pc.cast(pc.if_else(ok, column, scalar("0")) if pc.any(missing).as_py() else column, pa.int64())
            else:
                ok = pc.and_(pc.invert(missing), bools(integer_cells(column)))  # INT_RE, from the bytes
                values = pc.cast(pc.if_else(ok, column, scalar("0")), pa.int64())
            for name, compare in BOUNDS.items():
                if name in self.constraints:
                    bound = self.constraints[name]
                    if not isinstance(bound, int) or isinstance(bound, bool):
                        return nothing, values
                    ok = pc.and_(ok, getattr(pc, compare)(values, scalar(bound)))
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
        decimal, group = field.decimal_char, field.group_char
        pattern = number_pattern(decimal, group)
        if pattern is None:
            return nothing, None
        text = pc.replace_substring(column, group, "") if group else column
        ok = pc.and_(pc.invert(missing), pc.match_substring_regex(text, pattern))
        if number_refuses_dot(decimal, group):
            ok = pc.and_(ok, pc.invert(pc.match_substring(column, ".")))
        if decimal != ".":
            text = pc.replace_substring(text, decimal, ".")
        values = pc.cast(pc.if_else(ok, text, scalar("0")), pa.float64())
        for name, compare in BOUNDS.items():
            if name in self.constraints:
                bound = field.bound(self.constraints[name])
                if bound is None or bound != bound:
                    return nothing, None
                bound = float(bound)
                # Floats are exact far from the bound; values close to it go to Decimal, like Frictionless.
                margin = 1e-9 * max(1.0, abs(bound))
                near = pc.less_equal(pc.abs(pc.subtract(values, scalar(bound))), scalar(margin))
                ok = pc.and_(ok, pc.and_(getattr(pc, compare)(values, scalar(bound)), pc.invert(near)))
                handled.add(name)
        if set(self.constraints) - handled:
            return nothing, None
        return ok, None

    def _typed(self, column, missing, values):
        """Typed key values for unique and primary-key checks: strings or int64, null where missing."""
        kind = self.field.type
        if kind == "string" and self.field.format == "default":
            return pc.if_else(missing, scalar(None, pa.string()), column)
        if kind == "integer" and values is not None:
            return pc.if_else(missing, scalar(None, pa.int64()), values)
        raise NotDecidable(f"unique keys of type {kind}")


def _one_of(values, enum):
    """`values` in the integer enum: two comparisons for a run like [0, 1, 2, 3] (GTFS codes),
    a hash lookup otherwise."""
    if set(enum) == set(range(min(enum), max(enum) + 1)):
        return pc.and_(pc.greater_equal(values, scalar(min(enum))), pc.less_equal(values, scalar(max(enum))))
    return pc.is_in(values, value_set=int64s(enum))


def _patch(typed, rows, values, kind):
    """Replace typed values at `rows` (ascending) with the reader's values (None where it failed)."""
    if kind == "integer" and any(v is not None and not (-(2**63) <= v < 2**63) for v in values):
        raise NotDecidable("integer keys beyond 64 bits")
    mask = np.zeros(len(typed), dtype=bool)
    mask[rows] = True
    new = strings(values) if pa.types.is_string(typed.type) else int64s(values)
    return pc.replace_with_mask(typed, bools(mask), new)
