"""The bounded sample `describe` infers from: a table's header and first rows, as text.

The bound is set before reading starts (`sample_rows`, and at most MAX_SAMPLE_BYTES of text),
so describing a 2 GB export takes the time of its first rows. Encoding and delimiter come from
the validator's sniffer (`catalog.validate.sniff`), and the records from the one reader
(`catalog.reading`; a sheet as the text its cells show), so `describe` declares what `validate`
checks.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from catalog.describe.layout import MAX_PREAMBLE, Layout, find_layout
from catalog.errors import UnusableInput
from catalog.delimited import Unsplittable, text_records
from catalog.reading import open_table
from catalog.validate import sniff

MAX_SAMPLE_BYTES = 64 * 1024**2
DEFAULT_SAMPLE_ROWS = 50_000


@dataclass
class Sample:
    header: list[str]
    rows: list[list[str]]
    complete: bool  # the sample is the whole table
    encoding: str | None = None  # as declared in a descriptor ("utf-8", "cp1252", "iso-8859-1")
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)  # spreadsheet columns whose cells are all numbers
    layout: Layout = field(default_factory=Layout)  # a title above the header, totals and notes below
    _columns: list | None = field(default=None, repr=False)

    def column(self, index: int) -> list[str]:
        """The cells of one column (rows short of cells give empty ones), transposed once for all."""
        if self._columns is None:
            width = len(self.header)
            padded = (row if len(row) == width else (row + [""] * width)[:width] for row in self.rows)
            self._columns = [list(cells) for cells in zip(*padded)] if self.rows else [[] for _ in self.header]
        return self._columns[index]


def read_csv(path: Path, sample_rows: int = DEFAULT_SAMPLE_ROWS) -> Sample:
    sniffed = sniff.sniff(path)  # streams the file once, in 1 MB blocks: its encoding must hold for every byte
    delimiter = sniffed.delimiter or ("\t" if path.suffix.lower() == ".tsv" else ",")
    # The csv module's cell limit is the process's, and Frictionless raises it on import: the sample
    # stops at a cell larger than the module's own default (128 KiB), whatever ran before.
    limit = csv.field_size_limit(128 * 1024)
    try:
        header, rows, complete, layout, _ = _sample(text_records(path, sniffed.encoding, delimiter), sample_rows)
    finally:
        csv.field_size_limit(limit)
    if header is None:
        raise UnusableInput(f"{path.name}: the file is empty: no header row.",
                            "Export the table again with its header row.")
    return Sample(header, rows, complete, sniff.declaration(sniffed.encoding), delimiter, layout=layout)


def _sample(reader, sample_rows, enough=None):
    """`reader`: the records of the table as the one reader splits them (catalog.delimited.text_records);
    `enough(records, characters)` may end the sample early, as not the whole table."""
    records, complete, size, kept = [], True, 0, 0
    for record in _records(reader):
        if record is None:  # unreadable from here on (an unclosed quote): describe what came before
            complete = False
            break
        if enough is not None and enough(len(records), size):
            complete = False
            break
        # Blank records count too: a file of a million empty lines is read no further than the bound.
        if len(records) >= 2 * (sample_rows + MAX_PREAMBLE) or size > MAX_SAMPLE_BYTES:
            complete = False
            break
        if any(cell.strip() for cell in record):
            if kept >= sample_rows + MAX_PREAMBLE:
                complete = False
                break
            kept += 1
        size += sum(len(cell) for cell in record) + len(record)
        records.append(record)
    return _laid_out(records, complete, sample_rows)


def _laid_out(records, complete, sample_rows):
    """(header, rows, complete, layout, row offsets of the rows): the records less what the layout
    sets aside (the title above the header, blank rows, totals and notes)."""
    if not any(any(c.strip() for c in r) for r in records):
        return None, [], complete, Layout(), []
    layout = find_layout(records, complete)
    skipped = set(layout.comment_rows)
    header = records[layout.header_row - 1]
    rows, offsets = [], []
    layout.blank_rows = sum(1 for index in range(layout.header_row, len(records))
                            if index + 1 not in skipped and not any(c.strip() for c in records[index]))
    for index in range(layout.header_row, len(records)):
        if index + 1 not in skipped and any(c.strip() for c in records[index]):
            if len(rows) == sample_rows:
                return header, rows, False, layout, offsets
            rows.append(records[index])
            offsets.append(index)
    return header, rows, complete, layout, offsets


LAYOUT_SAMPLE = 5_000  # records read to find a bare file's layout; its notes are looked for below only if they hold it all
# ...unless the file is surely far longer: then its first thousand records tell its header and
# width as well as five thousand would, in a fifth of the time (40 ms of a big file's validation).
LAYOUT_WIDTH_SAMPLE = 1_000


def layout_of(path: Path, fmt: str, encoding: str | None = None, delimiter: str | None = None,
              sheet=None) -> Layout:
    """The layout of a bare table file (no descriptor declares it), from its first records."""
    if fmt in ("xlsx", "xlsm", "xls", "ods"):
        try:
            return read_excel(path, sheet, LAYOUT_SAMPLE).layout
        except UnusableInput:
            return Layout()  # the reading that follows says why the workbook is unreadable
    size = path.stat().st_size

    def enough(count, characters):
        # A character takes 1 to 4 bytes: the file holds more than LAYOUT_SAMPLE records of this
        # size even if every one of them took 4.
        return count >= LAYOUT_WIDTH_SAMPLE and size > 4 * LAYOUT_SAMPLE * characters / count

    limit = csv.field_size_limit(128 * 1024)
    try:
        return _sample(text_records(path, encoding, delimiter), LAYOUT_SAMPLE, enough)[3]
    finally:
        csv.field_size_limit(limit)


def _records(reader):
    """The reader's records, then None if it stops on a row it cannot split (`validate` says where)."""
    try:
        yield from reader
    except Unsplittable:
        yield None


def read_excel(path: Path, sheet: str | None, sample_rows: int = DEFAULT_SAMPLE_ROWS) -> Sample:
    """The sample of a workbook's sheet, as the text its cells show: the very text `validate`
    checks and `package` writes (catalog.sheets, through catalog.reading)."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt != "xls":
        import zipfile

        from catalog.safety import open_zip

        if not zipfile.is_zipfile(path):  # said as a workbook, not as an archive
            raise UnusableInput(f"{path.name}: not a readable workbook: it is damaged (a truncated download or "
                                f"copy) or another kind of file renamed .{fmt}.",
                                "Open it in LibreOffice Calc or Excel and save it again, or export the sheet as CSV "
                                "(UTF-8); a CSV file renamed only needs its real extension, .csv.")
        open_zip(path, path.name).close()  # a workbook is a zip: sized before anything is unpacked
    descriptor = {"name": "sheet", "path": path.name, "format": fmt}
    bound = 2 * (sample_rows + MAX_PREAMBLE)  # as _sample bounds a text file's records
    with open_table(descriptor, path, str(path.parent), path.name, sheet=sheet, text_schema=False, sample=bound) as reading:
        problem = next((f for f in reading.findings if f.code in ("format-error", "empty-sheet")), None)
        if problem is not None:
            raise UnusableInput(f"{reading.display}: {problem.message}",
                                problem.fix or "Choose another sheet with --sheet.")
        header, rows, complete, layout, offsets = _sample(text_records(reading.path), sample_rows)
        seen = reading.sheet
    if header is None:
        raise UnusableInput(f"{path.name}: sheet {seen.name!r} is empty.", "Choose another sheet with --sheet.")
    # Trailing formatted-but-empty columns go; one holding cells under an empty header cell stays, to be
    # refused as a column without a name (as in a CSV) rather than left out of the schema.
    while header and not header[-1].strip() and not any(
            len(r) >= len(header) and r[len(header) - 1].strip() for r in rows):
        header.pop()
    return Sample(header, [r[:len(header)] for r in rows], complete and not seen.cut, sheet=seen.name,
                  sheets=list(seen.names), numeric=seen.numeric_in(offsets), layout=layout)
