"""`normalise.write_csv`, a column at a time: the same bytes, without a Python object per cell.

`catalog package` rewrites every table as plain UTF-8 CSV: each cell is read with
the field's Frictionless reader, then written one way only (`catalog.cell_text.cell`).
Most cells are already in that form (a string, `12`, `2.5`) and are copied as they
are, decided with vectorised tests; every other cell goes, once per distinct value,
through the very reader and `cell_text.cell`, so the output is byte for byte the
one the row-by-row writer gives. Files the fast reader cannot split exactly are
left to it (None is returned).
"""
from __future__ import annotations

import copy
import csv
import io

import frictionless
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalog.cell_text import cell
from catalog.validate.csv_batches import (NotDecidable, batches, chunk_buffers, digits_only, missing_cells, plan,
                                        unexpected)

CACHE_LIMIT = 200_000
# Cells that read and write back unchanged (no sign to drop, no leading zero, no exponent).
SAME_INTEGER = r"^(0|-?[1-9][0-9]{0,17})$"
SAME_NUMBER = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$"


def write_csv(resource_descriptor: dict, basepath: str, target, on_rows=None):
    """Write the normalised table to `target`; return (row count, field names, non-missing cells
    read per column, non-empty cells written per column). None when only the row-by-row writer
    can tell (nothing is written then)."""
    try:
        resource = frictionless.Resource(copy.deepcopy(resource_descriptor), basepath=basepath)
        table = plan(resource)
        writers = [ColumnWriter(field, table.schema) for field in table.schema.fields]
        source = batches(table)
        first = next(source, None)  # structure problems surface here, before anything is written
    except (NotDecidable, frictionless.FrictionlessException):
        return None
    except Exception as error:  # a fast-path bug: the row-by-row writer decides, but not under tests
        unexpected(error)
        return None
    count = 0
    names = list(table.schema.field_names)
    read, kept = [0] * len(writers), [0] * len(writers)
    try:
        with open(target, "wb") as handle:
            handle.write(_csv_text([table.schema.field_names]))
            while first is not None:
                columns = []
                for i, (w, column) in enumerate(zip(writers, first)):
                    out, present = w.write(column)
                    read[i] += present
                    kept[i] += len(out) - pc.sum(pc.equal(pc.binary_length(out), 0)).as_py() if len(out) else 0
                    columns.append(out)
                handle.write(_joined(columns) if _plain(columns) else _csv_text(zip(*[c.to_pylist() for c in columns])))
                rows = len(columns[0]) if columns else 0
                count += rows
                if on_rows:
                    on_rows(rows)
                first = next(source, None)
    except NotDecidable:  # found further down: the row-by-row writer starts over on `target`
        return None
    except Exception as error:
        unexpected(error)
        return None
    return count, names, read, kept


def _csv_text(rows) -> bytes:
    """Rows as Python's csv module writes them (the reference for every byte)."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


def _plain(columns) -> bool:
    """True when the csv module would quote nothing: no delimiter, quote or line break in any
    cell, and more than one column (a lone empty cell is written as "")."""
    return len(columns) > 1 and not any(mark in data for c in columns for _, data in chunk_buffers(c)
                                        for mark in (b",", b'"', b"\r", b"\n"))


def _joined(columns) -> bytes:
    """Cells joined with ',' and rows ended with a line feed, all in Arrow."""
    lines = pc.binary_join_element_wise(*columns, pa.scalar(""), ",")  # a trailing ',' ...
    lines = pc.utf8_replace_slice(lines, -1, pa.scalar(2**31 - 1).as_py(), "\n")  # ... becomes the line end
    lines = lines.cast(pa.large_string()) if not isinstance(lines, pa.LargeStringArray) else lines
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]].tobytes()


class ColumnWriter:
    def __init__(self, field, schema):
        self.field = field
        self.reader = field.create_cell_reader()
        self.geopoint = (field.format or "default") if field.type == "geopoint" else None
        self.cell = cell
        missing = field.missing_values if field.has_defined("missing_values") else schema.missing_values
        self.missing = pa.array([str(v) for v in missing], type=pa.string())
        self.cache: dict = {}

    def written(self, raw: str) -> str:
        found = self.cache.get(raw)
        if found is None:
            found = self.cell(self.reader(raw)[0], self.geopoint)
            if len(self.cache) >= CACHE_LIMIT:
                self.cache.clear()
            self.cache[raw] = found
        return found

    def write(self, column):
        """(the written cells, the number of cells read that are not a missing value)."""
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        missing = missing_cells(column, self.missing)
        present = len(column) - (pc.sum(missing).as_py() or 0)
        same, rewritten = self._simple(column)
        out = pc.if_else(missing, "", rewritten)
        keep = pc.or_(missing, same) if same is not None else missing
        others = np.flatnonzero(~keep.to_numpy(zero_copy_only=False))
        if len(others):
            encoded = column.take(pa.array(others)).dictionary_encode()
            written = [self.written(raw) for raw in encoded.dictionary.to_pylist()]
            values = [written[code] for code in encoded.indices.to_pylist()]
            mask = np.zeros(len(column), dtype=bool)
            mask[others] = True
            out = pc.replace_with_mask(out, pa.array(mask), pa.array(values, type=pa.string()))
        return out, present

    def _simple(self, column):
        """(where a plain rewrite gives the written cell, that rewrite); (None, column): nowhere known."""
        field, kind = self.field, self.field.type
        if kind == "string" and (field.format or "default") == "default":
            return pa.array(np.ones(len(column), dtype=bool)), column
        if kind == "integer" and field.bare_number is True:
            if digits_only(column, 18, leading_zeros=False):  # SAME_INTEGER everywhere, seen at once
                return pa.array(np.ones(len(column), dtype=bool)), column
            return pc.match_substring_regex(column, SAME_INTEGER), column
        if kind == "number" and not field.float_number and field.bare_number is True and not field.group_char:
            decimal = field.decimal_char or "."
            if decimal == ".":
                return pc.match_substring_regex(column, SAME_NUMBER), column
            if decimal == ",":  # 12,5 reads as Decimal("12.5") and is written 12.5
                return (pc.match_substring_regex(column, SAME_NUMBER.replace("\\.", ",")),
                        pc.replace_substring(column, ",", "."))
        return None, column
