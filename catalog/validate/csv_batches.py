"""Read a CSV resource the way Frictionless does, as Arrow columns of strings.

Frictionless opens the resource first (descriptor checks, encoding, header,
labels, header errors): we keep everything it decides and only replace its
row loop. Rows are then split exactly as its parser would split them: the same
`csv.Sniffer` guess on the same 100-line sample, then either pyarrow (when the
file holds no quote character, or only where RFC 4180 puts them, so that both
split alike: `catalog.delimited.quotes_follow_rules`) or Python's own `csv` module
with the very dialect Frictionless would use. Anything this module cannot reproduce raises `NotDecidable`, and the
caller hands the resource to Frictionless.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from catalog.arrow_values import scalar, strings
from catalog.delimited import (ASCII_SAFE, LONGEST_RECORD, arrow_block, arrow_split, quotes_follow_rules,
                               record_end)


if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
    # pyarrow's default allocator (mimalloc) keeps freed blocks for each of its threads:
    # 60 to 80 MB more resident memory on a million rows, for 3% of the time.
    pa.set_memory_pool(pa.system_memory_pool())

BATCH_ROWS = 100_000
BLOCK_BYTES = 2 << 20  # about 50,000 short rows a batch: less memory, same speed
# Dialect keys whose meaning we reproduce; any other one sends the file to Frictionless.
KNOWN_DIALECT = {"delimiter", "quoteChar", "doubleQuote", "lineTerminator", "escapeChar",
                 "skipInitialSpace", "header", "csv", "$schema"}


class NotDecidable(Exception):
    """The fast path cannot promise Frictionless' answer for this resource."""


def unexpected(error: Exception) -> None:
    """A bug in a column-at-a-time path. Users still get Frictionless' answer (the caller falls
    back); under the test suite it is raised, so a defect cannot hide as mere slowness."""
    from catalog.errors import fail_loudly

    if fail_loudly():
        raise error


@dataclass
class Plan:
    path: Path
    encoding: str
    dialect: type  # a csv.Dialect for Python's csv module
    newline: str | None  # how Frictionless' text stream translates line ends
    labels: list[str]
    name: str  # the resource's
    primary_key: list[str]
    foreign_keys: list[dict]
    lookup: dict  # Frictionless' foreign-key lookup: {resource: {key fields: set of typed tuples}}
    header_case: bool = True
    resource: object = None  # the frictionless.Resource opened, when Frictionless planned the reading
    plain_schema: dict | None = None  # else the plain Table Schema (plain_descriptor.py) it was planned with
    uneven: int | None = None  # where the csv module took over from pyarrow, once read

    @property
    def schema(self):
        """Frictionless' schema (only for a plan made from a Frictionless resource)."""
        return self.resource.schema

    @cached_property
    def arrow_safe(self) -> bool:
        """True when pyarrow splits this file exactly like Python's csv module (decided once)."""
        return _arrow_safe(self)

    @cached_property
    def held(self) -> frozenset:
        """Which of a quote and a NUL byte the file holds, found in one pass."""
        return _holds(self.path, (b'"', b"\x00"))

    @property
    def quoted(self) -> bool:
        """True when the file holds quote characters (then they follow the rules, if arrow_safe)."""
        return b'"' in self.held


def plan(source) -> Plan:
    """Open (a copy of) the resource with Frictionless and decide whether its rows can be read here."""
    try:
        source.to_descriptor(validate=True)
        descriptor = source.to_descriptor()
        resource = source.to_copy()
    except Exception as error:  # descriptor problems are reported by Frictionless itself
        raise NotDecidable(f"descriptor: {error}") from None
    _eligible(resource, descriptor)
    try:
        with resource:
            labels = list(resource.labels or [])
            header_errors = list(resource.header.errors)
            expected = [f.name for f in resource.header.get_expected_fields()]
            encoding = resource.encoding
            path = Path(resource.normpath)
            # Frictionless builds its foreign-key lookup (typed keys of the referenced tables) on open.
            lookup = dict(resource.lookup) if resource.schema.foreign_keys else {}
    except Exception as error:
        raise NotDecidable(f"open: {error}") from None
    names = [f.name for f in resource.schema.fields]
    if header_errors or not labels or labels != names or expected != names or len(set(names)) != len(names):
        raise NotDecidable("header does not match the schema")
    newline = "" if resource.format == "csv" else None
    dialect = _python_dialect(resource, path, encoding, newline)
    schema = resource.schema
    return Plan(path, encoding, dialect, newline, labels, resource.name, list(schema.primary_key),
                list(schema.foreign_keys), lookup, bool(resource.dialect.header_case), resource)


def plain_plan(path: Path, fmt: str, encoding: str, delimiter: str | None, schema: dict, name: str) -> Plan:
    """The plan for a CSV file whose descriptor plain_descriptor.py accepts (`schema` with the
    national rules added): decided here as Frictionless would decide it (the dialect its CSV
    parser builds, the header row its Detector takes, `utf-8` read as `utf-8-sig` over a BOM),
    without importing it. NotDecidable for anything else: Frictionless then plans the reading."""
    from catalog.validate import text_table

    path = Path(path)
    if fmt not in ("csv", "tsv") or os.path.getsize(path) == 0:
        raise NotDecidable("not a CSV file with bytes in it")
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise NotDecidable("an unknown encoding") from None
    if codec == "utf-8":
        with open(path, "rb") as raw:
            if raw.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8:
                encoding = "utf-8-sig"
    newline = "" if fmt == "csv" else None
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding, newline=newline)
        try:
            dialect, records = text_table.split(text, delimiter or ("\t" if fmt == "tsv" else None), strict=False)
            records = list(itertools.islice(records, text_table.SAMPLE_ROWS))
        except (UnicodeDecodeError, csv.Error, text_table.StepAside) as error:
            raise NotDecidable(f"sample: {error}") from None
    names = [f["name"] for f in schema["fields"]]
    if not records or text_table.header_row(records) != 1 or records[0] != names:
        raise NotDecidable("a header other than the field names: Frictionless says how")
    key = schema.get("primaryKey", [])
    return Plan(path, encoding, dialect, newline, list(records[0]), name, [key] if isinstance(key, str) else list(key),
                [], {}, plain_schema=schema)


def _eligible(resource, descriptor):
    import frictionless

    if not isinstance(resource, frictionless.resources.TableResource):
        raise NotDecidable("not a table")
    if resource.format not in ("csv", "tsv") or not isinstance(resource.path, str) or resource.multipart:
        raise NotDecidable("not a single CSV file")
    if resource.scheme != "file" or resource.compression or resource.innerpath:
        raise NotDecidable("not a plain local file")
    if resource.hash or resource.bytes or resource.fields or resource.rows:
        raise NotDecidable("declared statistics are checked by Frictionless")
    if not descriptor.get("schema"):
        raise NotDecidable("no schema: Frictionless would infer one")
    dialect = descriptor.get("dialect") or {}
    if not isinstance(dialect, dict) or set(dialect) - KNOWN_DIALECT or dialect.get("header", True) is not True:
        raise NotDecidable("dialect options beyond delimiter and quoting")


def _python_dialect(resource, path, encoding, newline):
    """The csv dialect Frictionless' CsvParser would build (same sample, same sniffer)."""
    from frictionless.formats.csv.control import CsvControl

    control = CsvControl.from_dialect(resource.dialect)
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding, newline=newline)
        try:
            sample = list(itertools.islice(text, 100))
        except UnicodeDecodeError:
            raise NotDecidable("encoding") from None
    if resource.format == "tsv":
        control.set_not_defined("delimiter", "\t")
    delimiter = control.get_defined("delimiter", default=",\t;|")
    try:
        config = csv.Sniffer().sniff("".join(sample), delimiter)
    except csv.Error:
        config = csv.excel()
    if config.quotechar == "'":
        config.quotechar = '"'
    control.set_not_defined("delimiter", config.delimiter, distinct=True)
    control.set_not_defined("line_terminator", config.lineterminator, distinct=True)
    control.set_not_defined("escape_char", config.escapechar, distinct=True)
    control.set_not_defined("quote_char", config.quotechar, distinct=True)
    control.set_not_defined("skip_initial_space", config.skipinitialspace, distinct=True)
    return control.to_python()


def _arrow_safe(plan: Plan) -> bool:
    """True when pyarrow splits this file exactly like Python's csv module."""
    d = plan.dialect
    try:
        name = codecs.lookup(plan.encoding).name
    except LookupError:
        return False
    if name not in ASCII_SAFE or len(plan.labels) < 2:  # one column: a blank line means a blank row
        return False
    if len(d.delimiter) != 1 or d.escapechar or d.skipinitialspace or d.delimiter in "\r\n\"":
        return False
    if os.path.getsize(plan.path) == 0 or b"\x00" in plan.held:
        return False
    if not plan.quoted:
        return True
    # Quotes are checked piece by piece as the file is read (`_arrow_batches`): from the first
    # piece where one stands outside the rules, the csv module reads on.
    return d.quotechar == '"' and d.doublequote


def _holds(path, wanted: tuple) -> frozenset:
    # Read in blocks rather than mapping the file: a mapped file counts in resident memory.
    found = set()
    with open(path, "rb") as handle:
        while len(found) < len(wanted) and (block := handle.read(1 << 20)):
            found |= {byte for byte in wanted if byte in block}
    return frozenset(found)


def batches(plan: Plan, rows: int = BATCH_ROWS):
    """Yield lists of pyarrow string arrays, one per schema field, `rows` records at most."""
    if plan.arrow_safe:
        yield from _arrow_batches(plan)
    else:
        yield from _csv_batches(plan, rows)


class UnevenAt(Exception):
    """From this byte offset (a record's start) pyarrow cannot be trusted to split the file
    as the csv module does: a record longer than the blocks read, or a quote left open."""

    def __init__(self, offset: int):
        super().__init__(offset)
        self.offset = offset


def pieces(path):
    """(byte offset, bytes) of the file in blocks of whole records.

    A line end outside quoted values ends a record (`catalog.delimited.record_end`), so blocks
    can be cut there and parsed on their own; we read them ourselves because pyarrow's
    streaming reader reads ahead without bound when parsing falls behind."""
    carry, offset = b"", 0
    with open(path, "rb") as handle:
        while True:
            block = handle.read(BLOCK_BYTES)
            data = carry + block
            if not data:
                return
            cut = record_end(data, at_end=not block)
            if (not block and cut < len(data)) or (cut <= 0 and len(data) > LONGEST_RECORD):
                raise UnevenAt(offset)
            if cut <= 0:
                carry = data
                continue
            carry = data[cut:]
            yield offset, data[:cut]
            offset += cut
            if not block:
                return


def _utf8(data: bytes, codec: str, first: bool) -> bytes:
    if codec == "utf-8-sig" and first and data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):]
    if codec in ("utf-8", "utf-8-sig", "ascii"):
        return data  # pyarrow checks it is valid UTF-8
    return data.decode(codec).encode("utf-8")


def chunk_buffers(array):
    """Per chunk of an Arrow string column: (start offsets of its cells, one more at the end;
    the bytes of all its cells). Scanning those bytes at once (`b"@" in data`, memchr) is far
    faster than any per-cell kernel, and tells when a whole chunk holds nothing of interest."""
    for chunk in (array.chunks if isinstance(array, pa.ChunkedArray) else [array]):
        _, offsets, data = chunk.buffers()
        starts = np.frombuffer(offsets, dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
        body = memoryview(data)[starts[0]:starts[-1]].tobytes() if data is not None and len(starts) else b""
        yield starts - (starts[0] if len(starts) else 0), body


DIGITS = b"0123456789"


def digits_only(array, longest: int, leading_zeros: bool = True) -> bool:
    """True when every cell is 1 to `longest` ASCII digits (and, unless `leading_zeros`, none
    but "0" itself starts with 0): a column of plain counts, told from its bytes at once."""
    for starts, data in chunk_buffers(array):
        lengths = np.diff(starts)
        if data.translate(None, DIGITS) or (len(lengths) and (lengths.min() < 1 or lengths.max() > longest)):
            return False
        if not leading_zeros and len(lengths):
            zero = np.frombuffer(data, dtype=np.uint8)[starts[:-1]] == ord("0")
            if (zero & (lengths > 1)).any():
                return False
    return True


def missing_cells(column, missing_values: pa.Array) -> pa.Array:
    """Where a cell is one of the schema's missing values. The usual [""] is the empty
    cells, found from their lengths: thirty times faster than hashing every cell."""
    if len(missing_values) == 1 and missing_values[0].as_py() == "":
        return pc.equal(pc.binary_length(column), scalar(0, pa.int32()))
    return pc.is_in(column, value_set=missing_values)


def integer_cells(array) -> np.ndarray:
    """Per cell, True when it reads `^-?[0-9]{1,18}$` (an optional minus and 1 to 18 ASCII
    digits): the same test as that regular expression, from the column's bytes with numpy."""
    found = []
    for starts, data in chunk_buffers(array):
        lengths = np.diff(starts)
        body = np.frombuffer(data, dtype=np.uint8)
        digits_before = np.concatenate([[0], np.cumsum((body >= 48) & (body <= 57), dtype=np.int64)])
        digits = np.diff(digits_before[starts])
        minus = np.zeros(len(lengths), dtype=bool)
        filled = lengths > 0
        minus[filled] = body[starts[:-1][filled]] == ord("-")
        found.append((digits == lengths - minus) & (digits >= 1) & (digits <= 18))
    return np.concatenate(found) if found else np.zeros(0, dtype=bool)


def _arrow_batches(plan: Plan):
    names = plan.labels
    parse = arrow_split(plan.dialect.delimiter, plan.quoted)
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                                   quoted_strings_can_be_null=False)
    codec = codecs.lookup(plan.encoding).name
    uneven = None
    try:
        for index, (offset, raw) in enumerate(pieces(plan.path)):
            piece = _utf8(raw, codec, index == 0)
            if plan.quoted and not quotes_follow_rules(piece, plan.dialect.delimiter):
                uneven = offset
                break
            read = pacsv.ReadOptions(block_size=arrow_block(len(piece), BLOCK_BYTES, plan.quoted), use_threads=True,
                                     column_names=None if index == 0 else names)
            table = pacsv.read_csv(pa.py_buffer(piece), read_options=read, parse_options=parse,
                                   convert_options=convert)
            if index == 0 and table.column_names != names:
                raise NotDecidable("header read differently")
            if table.num_rows:
                yield [table.column(i) for i in range(len(names))]
    except UnevenAt as error:
        uneven = error.offset
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        # A row with too few or too many cells, a blank line, a bad byte: Frictionless' business.
        raise NotDecidable(f"structure: {error}") from None
    if uneven is not None:  # the records before were whole: the csv module reads the rest
        plan.uneven = uneven
        yield from _csv_batches(plan, BATCH_ROWS, uneven)


def _csv_batches(plan: Plan, rows: int, offset: int = 0):
    """The records from `offset` (the start of the file, whose header is checked, or of a record)."""
    width = len(plan.labels)
    with open(plan.path, "rb") as raw:
        raw.seek(offset)
        text = io.TextIOWrapper(raw, plan.encoding, newline=plan.newline)
        try:
            reader = csv.reader(text, dialect=plan.dialect)
            if offset == 0 and next(reader, None) != plan.labels:
                raise NotDecidable("header read differently")
            while True:
                chunk = list(itertools.islice(reader, rows))
                if not chunk:
                    return
                if any(len(row) != width for row in chunk):
                    raise NotDecidable("rows with missing or extra cells")
                yield [strings(column) for column in zip(*chunk)]
        except (csv.Error, UnicodeDecodeError) as error:
            raise NotDecidable(f"structure: {error}") from None
