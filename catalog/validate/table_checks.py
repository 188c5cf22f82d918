"""Frictionless' table validation, vectorised: same errors, a fraction of the time.

`validate(resource)` finds the errors `resource.validate()` would find (same rows,
fields, error types and notes, the same error limit) and states them as the project's
own `TableError`s, computed a column at a time over Arrow batches instead of a
Python object per row; Frictionless' cell readers decide every cell the vectorised
tests cannot. Whatever the vectorised path cannot promise to decide
like Frictionless (declared statistics, header problems, rows with missing or
extra cells, odd dialects, undecodable bytes, keys of exotic types) makes it step aside, and
Frictionless validates that resource itself: the two never disagree.

Memory stays flat: one batch of rows at a time, plus 16 bytes a row for unique
fields and primary keys (key_memory).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from catalog.validate.table_report import TableError, TableReport, TaskReport  # noqa: F401 - re-exported

# Arrow, numpy and the column checks are imported by the functions that compute with them:
# a small table is validated by Frictionless itself (`direct`), which needs none of them; and
# Frictionless by the functions given its objects: a plain descriptor's table
# (`plain_report`) is checked without it.
if TYPE_CHECKING:
    import frictionless

ROW_NOTE = "the same as in the row at position %s"
ALL_NONE = 'cells composing the primary keys are all "None"'


def validate(resource: frictionless.Resource, limit_errors: int, shared=None, direct=False):
    """Validate one resource; Frictionless itself when the fast path cannot decide, or when
    told to (`direct`: a small table, where importing the fast path costs more than it saves).

    `shared` (a `cells.SharedRead`) is fed every batch read, to the end of the file."""
    report = None if direct else fast_report(resource, limit_errors, shared)
    return report if report is not None else resource.validate(limit_errors=limit_errors)


def validate_package(package: frictionless.Package, limit_errors: int, shared=None, direct=()) -> TableReport:
    """`package.validate()`, one resource at a time, the fast path where it can decide;
    `shared` maps resource names to the `cells.SharedRead` their batches feed, `direct` names
    the resources Frictionless validates itself."""
    import frictionless

    # Frictionless reads every schema first (a schema file that cannot be read raises here).
    any(res.schema and res.schema.foreign_keys for res in package.resources)
    try:
        package.to_descriptor(validate=True)
    except frictionless.FrictionlessException as exception:
        return TableReport([], exception.to_errors())
    reports = [validate(resource, limit_errors, (shared or {}).get(resource.name), resource.name in direct)
               for resource in package.resources]
    return TableReport([task for report in reports for task in report.tasks],
                       [error for report in reports for error in report.errors])


def fast_report(resource: frictionless.Resource, limit_errors: int, shared=None) -> TableReport | None:
    """The errors Frictionless would find, or None when only Frictionless can tell."""
    from catalog.validate.csv_batches import plan

    return _report(lambda: plan(resource), limit_errors, shared)


def plain_report(path, fmt: str, encoding: str, delimiter: str | None, schema: dict, name: str,
                 limit_errors: int, shared=None) -> TableReport | None:
    """The same for a CSV file whose descriptor plain_descriptor.py accepts, planned without
    Frictionless (`csv_batches.plain_plan`); None when only Frictionless can tell (`shared`
    then forgets what it was fed)."""
    from catalog.validate.csv_batches import plain_plan

    return _report(lambda: plain_plan(path, fmt, encoding, delimiter, schema, name), limit_errors, shared)


def plain_reading_report(reading, name: str, limit_errors: int, shared=None) -> TableReport | None:
    """`plain_report` of a table as `catalog.reading.open_table` opened it (a workbook's sheet as
    its text), when its descriptor is plain and its header on the first row; else None."""
    from catalog.validate.plain_descriptor import plain_resource

    descriptor = {**reading.descriptor, "name": name}
    if reading.format not in ("csv", "tsv") or reading.layout != (1, frozenset()) or not descriptor.get("schema") \
            or not plain_resource({**descriptor, "format": reading.format}):
        return None
    return plain_report(reading.path, reading.format, reading.encoding or "utf-8", reading.delimiter,
                        descriptor["schema"], name, limit_errors, shared)


def _report(make_plan, limit_errors: int, shared) -> TableReport | None:
    from catalog.validate.csv_batches import NotDecidable, unexpected

    try:
        table = make_plan()
        if shared is not None and not (table.arrow_safe and shared.accepts(
                table.encoding, table.dialect.delimiter, table.dialect.quotechar, table.labels)):
            shared = None
        errors = TableCheck(table).errors(limit_errors, shared)
    except Exception as error:  # a fast-path bug must never cost a report: Frictionless still gives it
        if not isinstance(error, NotDecidable):
            unexpected(error)
        if shared is not None:
            shared.restart()
        return None
    warnings = [f"reached error limit: {limit_errors}"] if limit_errors and len(errors) >= limit_errors else []
    return TableReport([TaskReport(table.name, errors, warnings)])


class TableCheck:
    def __init__(self, table):
        from catalog.validate.csv_batches import NotDecidable
        from catalog.validate.field_checks import FieldCheck, field_specs
        from catalog.validate.key_memory import KeyMemory

        self.table = table
        self.fields = field_specs(table)
        names = [f.name for f in self.fields]
        self.checks = [FieldCheck(f, i + 1) for i, f in enumerate(self.fields)]
        self.unique = [i for i, f in enumerate(self.fields) if f.constraints.get("unique")]
        self.primary = [names.index(n) for n in table.primary_key]
        if self.primary and not table.header_case:
            raise NotDecidable("case-insensitive primary key labels")
        self.foreign = self._foreign_groups(names)
        self.keyed = set(self.unique) | set(self.primary) | {i for g in self.foreign for i in g["fields"]}
        self.memories = {i: KeyMemory() for i in self.unique}
        self.primary_memory = KeyMemory()
        self.duplicates = []  # (row, earlier row, field indexes): checked against real values at the end

    def _foreign_groups(self, names):
        """Frictionless' foreign-key groups with their lookup sets, as its row stream checks them."""
        from catalog.validate.csv_batches import NotDecidable

        groups = []
        lookup = self.table.lookup
        for fk in self.table.foreign_keys:
            target = [fk["fields"]] if isinstance(fk["fields"], str) else list(fk["fields"])
            reference = fk["reference"]
            source = [reference["fields"]] if isinstance(reference["fields"], str) else list(reference["fields"])
            group_lookup = lookup.get(reference["resource"])
            if not group_lookup:  # Frictionless skips a group whose lookup is empty
                continue
            keys = group_lookup.get(tuple(source), set())
            kinds = [self.fields[names.index(n)].type for n in target]
            wanted = [str if k == "string" else int for k in kinds]
            # Only str and int keys of the same kind on both sides compare as our typed columns do.
            if any(type(v) is not w for key in keys for v, w in zip(key, wanted) if v is not None):
                raise NotDecidable("foreign keys of other types")
            groups.append({"fields": [names.index(n) for n in target], "names": target, "keys": keys,
                           "resource": reference["resource"], "source": source})
        return groups

    def errors(self, limit: int, shared=None) -> list:
        from catalog.validate.csv_batches import batches

        found = []
        first_row = 2  # the header is row 1
        checking = True
        # Columns are checked two at a time: pyarrow's kernels release the GIL.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="catalog-columns") as pool:
            for columns in batches(self.table):
                if not checking:
                    # Rows are left after the error limit: the cell checks stop here too, as
                    # Frictionless does. The file cannot be packaged until these errors are
                    # fixed, and the next validation reads on.
                    if shared is not None:
                        shared.stopped_at = first_row - 1
                    break
                count = len(columns[0])
                found += self._chunk(columns, first_row, count, pool)
                if limit and len(found) >= limit:
                    found, checking = found[:limit], False
                if shared is not None:
                    shared.feed(self.table.labels, columns, first_row)
                first_row += count
        if shared is not None:
            # From a quote outside the rules the csv module read the rows; the cell checks then
            # read the file themselves, as the one reader splits it (unclosed quotes included).
            shared.complete = self.table.uneven is None
        if self.duplicates:
            self._verify({row for row, _, what in found if what[0] in ("unique", "primary")})
        # Only the errors kept are built.
        return [self._error(cells, row, what) for row, cells, what in found]

    def _chunk(self, columns, first_row, count, pool):
        import numpy as np

        from catalog.arrow_values import int64s
        from catalog.validate.key_memory import key_hashes

        rows = np.arange(first_row, first_row + count, dtype=np.int64)
        blank = np.ones(count, dtype=bool)
        cell_errors = {}  # offset -> {field index: ((type, note), ...)}
        typed = {}
        runs = pool.map(lambda i: self.checks[i].run(columns[i], i in self.keyed), range(len(columns)))
        for i, (bad, verdicts, values, missing) in enumerate(runs):
            blank &= missing
            typed[i] = values
            for offset, verdict in zip(bad.tolist(), verdicts):
                cell_errors.setdefault(offset, {})[i] = verdict
        blank_rows = set(np.flatnonzero(blank).tolist())
        unique_hits, primary_hits = {}, {}  # offset -> [(field, earlier row, value)] / note
        for i in self.unique:
            hashes, nulls = key_hashes([typed[i]])
            matches = self.memories[i].feed(hashes, rows, nulls)
            for offset in np.flatnonzero(matches).tolist():
                earlier = int(matches[offset])
                self.duplicates.append((first_row + offset, earlier, (i,)))
                unique_hits.setdefault(offset, []).append((i, earlier, typed[i][offset].as_py()))
        if self.primary:
            hashes, all_null = key_hashes([typed[i] for i in self.primary])
            matches = self.primary_memory.feed(hashes, rows, all_null)
            for offset in np.flatnonzero(all_null).tolist():
                primary_hits[offset] = ALL_NONE
            for offset in np.flatnonzero(matches).tolist():
                earlier = int(matches[offset])
                self.duplicates.append((first_row + offset, earlier, tuple(self.primary)))
                primary_hits[offset] = ROW_NOTE % earlier
        foreign_hits = {}  # offset -> [(group index, typed values)]
        for g, group in enumerate(self.foreign):
            for offset, values in self._foreign_misses(group, typed):
                foreign_hits.setdefault(offset, []).append((g, values))
        offsets = sorted(set(cell_errors) | blank_rows | set(unique_hits) | set(primary_hits) | set(foreign_hits))
        if not offsets:
            return []
        rows_taken = int64s(offsets)
        picked = [column.take(rows_taken).to_pylist() for column in columns]
        found = []
        for k, offset in enumerate(offsets):
            cells = [c[k] for c in picked]
            plan = self._row_errors(cell_errors.get(offset, {}), offset in blank_rows,
                                    unique_hits.get(offset, []), primary_hits.get(offset),
                                    dict(foreign_hits.get(offset, [])))
            found += [(first_row + offset, cells, what) for what in plan]
        return found

    def _foreign_misses(self, group, typed):
        """(offset, typed key) of rows whose key is not in the referenced table; all-null keys pass."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        from catalog.arrow_values import int64s, nulls as null_cells, numpy_of, strings

        columns = [typed[i] for i in group["fields"]]
        nulls = np.logical_and.reduce([null_cells(c) for c in columns])
        if len(columns) == 1:
            keys = [k[0] for k in group["keys"] if k[0] is not None]
            known = strings(keys) if pa.types.is_string(columns[0].type) else int64s(keys)
            found = numpy_of(pc.is_in(columns[0], value_set=known), False)
            missing = np.flatnonzero(~found & ~nulls)
            values = columns[0].take(int64s(missing)).to_pylist() if len(missing) else []
            return [(offset, (value,)) for offset, value in zip(missing.tolist(), values)]
        rows = list(zip(*[c.to_pylist() for c in columns]))
        return [(offset, key) for offset, key in enumerate(rows) if not nulls[offset] and key not in group["keys"]]

    def _row_errors(self, cells, blank, unique_hits, primary_note, foreign_hits):
        """A row's errors in Frictionless' order: its cells (or the blank row alone, as
        Frictionless reports a blank row), then unique values, the primary key and each foreign key.
        Frictionless' row reads the unique fields' cells first, as it looks their values up, then
        the primary key's and the foreign keys', until one of those lookups lists the row's
        errors (a repeated value, a key left empty or repeated): then the other cells in field
        order (frictionless/table/row.py)."""
        order = []
        repeated = {i for i, _, _ in unique_hits}
        for i in self.unique:
            order.append(i)
            if i in repeated:
                break
        else:
            order += self.primary
            for g, group in enumerate(self.foreign if not primary_note else []):
                order += group["fields"]
                if g in foreign_hits:
                    break
        order = list(dict.fromkeys(order + list(range(len(self.fields)))))
        out = [("blank",)] if blank else [("cell", kind, note, i) for i in order if i in cells
                                          for kind, note in cells[i]]
        out += [("unique", i, earlier, value) for i, earlier, value in unique_hits]
        if primary_note:
            out.append(("primary", primary_note))
        out += [("foreign", g, values) for g, values in sorted(foreign_hits.items())]
        return out

    def _error(self, cells, row, what) -> TableError:
        if what[0] == "cell":
            _, kind, note, i = what
            return TableError(kind, note, row, cells[i], self.fields[i].name, i + 1)
        if what[0] == "blank":
            return TableError("blank-row", "", row)
        if what[0] == "unique":
            _, i, earlier, value = what
            return TableError("unique-error", ROW_NOTE % earlier, row, str(value), self.fields[i].name, i + 1)
        if what[0] == "foreign":
            group, values = self.foreign[what[1]], what[2]
            note = 'for "%s": values "%s" not found in the lookup table "%s" as "%s"' % (
                ", ".join(group["names"]), ", ".join(str(v) for v in values), group["resource"],
                ", ".join(group["source"]))
            return TableError("foreign-key", note, row, field_names=list(group["names"]))
        return TableError("primary-key", what[1], row)

    def _verify(self, reported):
        """Re-read the rows involved in reported duplicates: equal hashes must mean equal keys."""
        from catalog.arrow_values import int64s
        from catalog.validate.csv_batches import NotDecidable, batches

        pairs = [d for d in self.duplicates if d[0] in reported]
        wanted = {row for row, earlier, _ in pairs} | {earlier for _, earlier, _ in pairs}
        if not wanted:
            return
        keys = {}
        first_row = 2
        for columns in batches(self.table):
            count = len(columns[0])
            inside = [r - first_row for r in wanted if first_row <= r < first_row + count]
            if inside:
                rows_taken = int64s(inside)
                picked = [column.take(rows_taken).to_pylist() for column in columns]
                for k, offset in enumerate(inside):
                    keys[first_row + offset] = [self.checks[i].read(picked[i][k])[0] for i in range(len(columns))]
            first_row += count
            if first_row > max(wanted):
                break
        for row, earlier, fields in pairs:
            if [keys[row][i] for i in fields] != [keys[earlier][i] for i in fields]:
                raise NotDecidable("hash collision between different keys")
