"""The bounded sample `describe` infers from: a table's header and first rows, as text.

The bound is set before reading starts (`sample_rows`, and at most MAX_SAMPLE_BYTES of text),
so describing a 2 GB export takes the time of its first rows. Encoding and delimiter come from
the validator's sniffer (`catalog.validate.sniff`), and the cells from the one reader
(`catalog.reading`), so `describe` declares what `validate` checks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from catalog.errors import UnusableInput
from catalog.reading import Unsplittable, open_table, text_batches
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
    header, rows, complete = _sample(path, lambda labels: text_batches(path, sniffed.encoding, delimiter,
                                                                       labels=labels), sample_rows)
    return Sample(header, rows, complete, sniff.declaration(sniffed.encoding), delimiter)


def _sample(path: Path, read, sample_rows):
    """The header and the first non-blank rows, read by the one reader (`read(labels)`, a
    catalog.reading.text_batches that puts the header's labels in `labels`)."""
    labels, rows, complete, size = [], [], True, 0
    batches = read(labels)
    try:
        for batch in batches:
            for cells in zip(*[column.to_pylist() for column in batch.columns]):
                if not any(cell.strip() for cell in cells):
                    continue
                if len(rows) >= sample_rows or size > MAX_SAMPLE_BYTES:
                    complete = False
                    break
                size += sum(len(cell) for cell in cells)
                rows.append(list(cells))
            if not complete:
                break
    except Unsplittable:  # a cell past the csv module's limit (an unclosed quote): describe what came before
        complete = False
    finally:
        batches.close()
    header = labels or None
    if header is None or not any(name.strip() for name in header):
        raise UnusableInput(f"{path.name}: the file is empty: no header row." if header is None else
                            f"{path.name}: the first row is empty: it must be the header row naming the columns.",
                            "Export the table again with its header row first." if header is None else
                            "Delete the empty rows above the header row.")
    return header, rows, complete


def read_excel(path: Path, sheet: str | None, sample_rows: int = DEFAULT_SAMPLE_ROWS) -> Sample:
    """The sample of a workbook's sheet, as the text its cells show: the very text `validate`
    checks and `package` writes (catalog.sheets, through catalog.reading)."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt != "xls":
        from catalog.safety import open_zip

        open_zip(path, path.name).close()  # a workbook is a zip: sized before anything is unpacked
    descriptor = {"name": "sheet", "path": path.name, "format": fmt}
    with open_table(descriptor, path, str(path.parent), path.name, sheet=sheet, sample=sample_rows) as reading:
        problem = next((f for f in reading.findings if f.code in ("format-error", "empty-sheet")), None)
        if problem is not None:
            raise UnusableInput(f"{reading.display}: {problem.message}",
                                problem.fix or "Choose another sheet with --sheet.")
        header, rows, complete = _sample(path, lambda labels: text_batches(reading.path, labels=labels), sample_rows)
        seen = reading.sheet
    while header and not header[-1].strip():  # trailing formatted-but-empty columns
        header.pop()
    return Sample(header, [r[:len(header)] for r in rows], complete and not seen.cut, sheet=seen.name,
                  sheets=list(seen.names), numeric=seen.numeric)
