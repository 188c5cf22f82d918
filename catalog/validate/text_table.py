"""A small CSV file read as text in plain Python: the structure errors Frictionless would
report on it without a schema, and the columns the cell checks read (with a plain schema,
typed_rows.py checks the same records against it).

A table without a schema is read as text (catalog/reading.py), so no cell parser decides
anything: what Frictionless reports on it is the table's structure (blank and repeated
header labels, rows with missing or extra cells, blank rows), and Python's `csv` module
splits the rows exactly as Frictionless' CSV parser does (the same `csv.Sniffer` guess on
the same 100-line sample). Reading it here spares importing Frictionless, pandas, numpy
and pyarrow, most of the time `catalog validate` takes on the small files agencies
check most (tests/benchmarks/small_files.py).

Whatever this module cannot promise to read as the full path does (a large file, bytes
that do not decode, a quoting dialect other than `"`, an unclosed quote, the error limit
reached...) raises `StepAside`, and the file takes the full path. Any other exception is
raised under the test suite (catalog.errors.fail_loudly), never hidden as slowness.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

from catalog.validate.table_report import TableError, TableReport, TaskReport

SMALL_BYTES = 1 << 20  # above, the vectorised full path pays for its imports
SAMPLE_LINES = 100  # Frictionless' CSV parser sniffs its dialect on this many lines
SAMPLE_ROWS = 100  # and its Detector looks for the header among this many rows


class StepAside(Exception):
    """This file needs the full path (Frictionless, Arrow, pandas) to be read as it reads it."""


@dataclass
class TextTable:
    labels: list[str]  # the header's cells as read (Frictionless strips them for its labels)
    rows: list[list[str]]  # every record after the header, as split


def eligible(path: Path, fmt: str, dialect=None) -> bool:
    """A small local CSV file whose dialect says no more than its delimiter (a raw export's
    title rows or notes, declared as header and comment rows, are the full path's): the light
    path may read it (with a schema, only a plain one: plain_descriptor.py)."""
    return set(dialect or {}) <= {"delimiter"} and small(path, fmt) and path.stat().st_size > 0


def small(path: Path, fmt: str) -> bool:
    """A CSV small enough that reading it in plain Python costs less than importing Arrow."""
    return fmt in ("csv", "tsv", "txt") and path.stat().st_size <= SMALL_BYTES


def read(path: Path, encoding: str, delimiter: str | None, fmt: str) -> TextTable:
    """The records of the file as Frictionless' CSV parser splits them, header first;
    `delimiter` None for a sheet's text, which declares none."""
    data = path.read_bytes()
    try:
        codecs.lookup(encoding)
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise StepAside("bytes that do not decode: Frictionless reports them") from None
    if "\x00" in text:
        raise StepAside("NUL bytes")
    newline = "" if fmt != "tsv" else None  # Frictionless' text stream translates line ends for TSV only
    _, records = split(io.StringIO(text, newline=newline), delimiter)
    try:
        records = list(records)
    except csv.Error as error:  # an unclosed quote, a field past csv's size limit
        raise StepAside(f"csv: {error}") from None
    if not records or not records[0]:
        raise StepAside("no header: Frictionless says why")
    if header_row(records) != 1:
        raise StepAside("Frictionless would take a later row for the header")
    return TextTable(records[0], records[1:])


def split(lines, delimiter: str | None, strict: bool = True):
    """(dialect, records) of an iterator of text lines as Frictionless' CSV parser splits them:
    the dialect it builds from the first SAMPLE_LINES (`plain_dialect`), then every record,
    lazily."""
    sample = list(itertools.islice(lines, SAMPLE_LINES))
    dialect = plain_dialect("".join(sample), delimiter, strict)
    return dialect, csv.reader(itertools.chain(sample, lines), dialect=dialect)


def header_row(records: list[list[str]]) -> int:
    """The row Frictionless' Detector takes for the header when none is declared: the first of
    the sample whose width is within 10% (at least 1) of the sample's average width."""
    widths = [len(cells) for cells in records[:SAMPLE_ROWS]]
    width = round(sum(widths) / len(widths))
    drift = max(round(width * 0.1), 1)
    return next((number for number, cells in enumerate(widths, start=1) if width - drift <= cells <= width + drift), 1)


def plain_dialect(sample: str, delimiter: str, strict: bool = True):
    """The dialect Frictionless' CsvParser builds for a declared delimiter: its quote character
    and initial-space habit are guessed by `csv.Sniffer` on the sample. Only the plain result
    (`"` quotes, no escape, no initial space skipped) is read here: the other readers of the
    full path split such files their own ways. A sheet's text declares no delimiter: there
    Frictionless guesses one among `,\t;|`, while the cell checks read it with `,`, the one
    it is written with; a guess other than `,` is the full path's."""
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiter or ",\t;|")
    except csv.Error:
        sniffed = csv.excel()
    if delimiter is None and sniffed.delimiter != ",":
        raise StepAside("a sheet's text in which Frictionless would guess another delimiter")
    delimiter = delimiter or ","
    quote = '"' if sniffed.quotechar in ("'", None) else sniffed.quotechar
    if quote != '"' or sniffed.skipinitialspace or getattr(sniffed, "escapechar", None):
        raise StepAside("a sniffed dialect beyond the plain one")

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    # Frictionless reads leniently; strict reading raises where quoting is odd (a quote never
    # closed, a character after a closing quote), which is where the light path steps aside for
    # the full path's readers. They read leniently (`strict=False`), as Frictionless does.
    Dialect.strict = strict
    return Dialect


def field_names(labels: list[str]) -> list[str]:
    """The `string` fields Frictionless infers from a header (catalog/reading.py's text schema):
    labels stripped, a blank one named `fieldN`, a repeated one `name2`, `name3`…"""
    names, used = [], set()
    for index, label in enumerate(labels, start=1):
        name = label.strip() or f"field{index}"
        new, suffix = name, 2
        while new in used:
            new, suffix = f"{name}{suffix}", suffix + 1
        used.add(new)
        names.append(new)
    return names


def structure_report(table: TextTable, name: str, limit: int) -> TableReport:
    """Frictionless' errors on this table read with a text schema: header labels, then each row's
    extra and missing cells, or the row alone when it is blank. Reaching `limit` steps aside:
    which errors Frictionless keeps then is its business."""
    labels = [label.strip() for label in table.labels]
    names = field_names(table.labels)
    errors = []
    for number, (label, field) in enumerate(zip(labels, names), start=1):
        if not label:
            errors.append(TableError("blank-label", "", label="", field_name=field, field_number=number))
            continue
        earlier = [str(n) for n, seen in enumerate(labels[:number - 1], start=1) if seen == label]
        if earlier:
            errors.append(TableError("duplicate-label", 'at position "%s"' % ", ".join(earlier), label=label,
                                     field_name=field, field_number=number))
    width = len(names)
    for row_number, cells in enumerate(table.rows, start=2):
        if all(cell == "" for cell in cells[:width]):
            errors.append(TableError("blank-row", "", row_number))
        else:
            errors += [TableError("extra-cell", "", row_number, cell, "", number)
                       for number, cell in enumerate(cells[width:], start=width + 1)]
            errors += [TableError("missing-cell", "", row_number, "", names[number - 1], number)
                       for number in range(len(cells) + 1, width + 1)]
        if len(errors) >= limit:
            raise StepAside("the error limit")
    return TableReport([TaskReport(name, errors)])


def columns(table: TextTable) -> tuple[list[str], list[list[str]]]:
    """The table as the cell checks of the full path read it (catalog.delimited): its labels as
    written, every record cut or padded to the header's width, a column a list of cells."""
    names = list(table.labels)
    width = len(names)
    padded = [row[:width] + [""] * (width - len(row)) for row in table.rows]
    return names, [list(column) for column in zip(*padded)] if padded else [[] for _ in names]
