"""Stream a table once, in chunks, through every cell-level check."""
from __future__ import annotations

import csv
import warnings

from catalog.findings import WARNING, Finding
from catalog.validate.context import TableContext

CHUNK_ROWS = 100_000


def chunk_checks(table: TableContext):
    # Imported here so each check module stays independent of the pipeline.
    from catalog.validate.formulas import FormulaInjectionCheck
    from catalog.validate.geo import LatLonCheck
    from catalog.validate.personal import PersonalDataCheck

    return [PersonalDataCheck(table), FormulaInjectionCheck(table), LatLonCheck(table)]


def check_columns(table: TableContext, names: list[str], columns: list[list[str]]) -> list[Finding]:
    """Every cell-level finding of a small table already read as lists of text (text_table.py):
    each check imports what it computes with only when a column needs it. A check that cannot
    read plain lists sends the table to the full path (StepAside)."""
    from catalog.validate.text_table import StepAside

    checks = chunk_checks(table)
    if not all(hasattr(check, "feed_columns") for check in checks):
        raise StepAside("a cell check that reads Arrow columns only")
    if columns and columns[0]:
        for check in checks:
            check.feed_columns(names, columns, 2)
    return [f for c in checks for f in c.findings()]


def read_chunks(path, fmt, encoding, delimiter):
    import pandas as pd

    # A spreadsheet reaches here as its sheet's text, a CSV (catalog/reading.py): one reader for both.
    # Every record is kept, blank or ragged (extra fields dropped, missing ones empty), so that
    # row numbers match Frictionless' (header = 1), which reports the structure errors themselves.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        for chunk in pd.read_csv(
            path, sep=delimiter or ",", encoding=encoding or "utf-8", dtype=str, keep_default_na=False,
            chunksize=CHUNK_ROWS, index_col=False, usecols=lambda _: True, engine="c",
            encoding_errors="replace", skip_blank_lines=False,
        ):
            yield chunk.fillna("")


def check_cells(table: TableContext, fmt: str, encoding: str, delimiter: str, on_rows=None,
                shared: SharedRead | None = None) -> list[Finding]:
    """Every cell-level finding of one table; `shared` holds them when the table checks'
    reading already fed them the whole file."""
    if shared is not None and shared.complete:
        return shared.findings()
    if fmt in ("csv", "tsv", "txt") and table.path is not None:
        try:
            return _check_arrow(table, encoding, delimiter, on_rows)
        except NotDecidable:
            pass  # pandas reads it (ragged rows, quotes, bad bytes...), from the start, with fresh checks
    import pandas as pd

    checks = chunk_checks(table)
    first_row = 2
    try:
        for chunk in read_chunks(table.path, fmt, encoding, delimiter):
            chunk.columns = [str(c) for c in chunk.columns]
            chunk.index = pd.RangeIndex(len(chunk))  # checks report a cell's row as first_row + its position
            for check in checks:
                check.feed(chunk, first_row)
            first_row += len(chunk)
            if on_rows:
                on_rows(len(chunk))
    except pd.errors.EmptyDataError:
        return []  # an empty file: its structure finding says so
    except (pd.errors.ParserError, ValueError, OSError) as error:
        unclosed = _unclosed_quote(table, encoding, delimiter) if "EOF inside string" in str(error) else None
        if unclosed:  # Frictionless reads the rest of the file as one value and sees nothing wrong
            return [unclosed] + [f for c in checks for f in c.findings()]
        # Structure errors are reported by Frictionless with their rows; say only that cell checks stopped.
        return [Finding("cell-checks-incomplete", f"cell checks stopped at row {first_row}: {error}",
                        "Fix the structure errors reported for this file first.", file=table.file,
                        severity=WARNING)] + [f for c in checks for f in c.findings()]
    return [f for c in checks for f in c.findings()]


def other_sheets(reading) -> list[Finding]:
    """The workbook is republished whole (under `original/`): the sheets the table does not come
    from go through the personal-data gate too, each read as the same text (catalog/reading.py)."""
    if reading.sheet is None or reading.source is None:
        return []
    from catalog.reading import every_sheet
    from catalog.validate import text_table
    from catalog.validate.personal import PersonalDataCheck

    found = []
    with every_sheet(reading.source, reading.file, skip=reading.sheet.name) as readings:
        for sheet in readings:
            if sheet.readable and not sheet.sheet.empty:
                table = TableContext(sheet.display, sheet.path, {})
                try:  # a small sheet's text is read in plain Python, like a small CSV's
                    if not text_table.small(sheet.path, "csv"):
                        raise text_table.StepAside("a large sheet")
                    text = text_table.read(sheet.path, "utf-8", ",", "csv")
                except text_table.StepAside:
                    from catalog.validate.personal.parts import gate_frames
                    found += gate_frames(_numbered(read_chunks(sheet.path, "csv", "utf-8", ",")), table)
                    continue
                check = PersonalDataCheck(table)
                names, columns = text_table.columns(text)
                if text.rows:
                    check.feed_columns(names, columns, 2)
                found += check.findings()
    return found


def _numbered(chunks):
    first_row = 2
    for chunk in chunks:
        yield chunk, first_row
        first_row += len(chunk)


class NotDecidable(Exception):
    """The file is not one pyarrow splits into the very cells pandas gives."""


def _arrow_codec(encoding: str, delimiter: str) -> str | None:
    """The codec name when pyarrow can split text of this encoding on this delimiter as pandas
    does (quote, NUL and line ends are single bytes that cannot be the delimiter); else None."""
    import codecs

    from catalog.validate.csv_batches import ASCII_SAFE

    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        return None
    if codec not in ASCII_SAFE or len(delimiter) != 1 or delimiter in '\r\n"\x00':
        return None
    return codec


def _plain_header(names: list[str]) -> bool:
    """Two or more distinct, non-blank labels and no byte-order mark: pandas would rename
    nothing (it renames blank and repeated labels and drops a byte-order mark)."""
    return len(names) >= 2 and len(set(names)) == len(names) and all(names) and not names[0].startswith("\ufeff")


class SharedRead:
    """The cell checks of one table, fed with the Arrow columns the table checks read
    (`table_checks.validate(..., shared=...)`), so a large file is parsed once instead of twice.

    It takes a reading only when its columns are the very ones `_check_arrow` would
    read itself: same codec, same delimiter, `"` as the quote character and none in the
    file, a plain header of two or more distinct labels. If it was not fed the whole
    file (another reading, a fallback half-way), `complete` stays False and
    `check_cells` reads the file on its own, with fresh checks."""

    def __init__(self, table: TableContext, encoding: str | None, delimiter: str | None):
        self.table = table
        self.encoding, self.delimiter = encoding or "utf-8", delimiter or ","
        self.checks = None
        self.complete = False

    def accepts(self, encoding: str, delimiter: str, quote: str | None, labels: list[str]) -> bool:
        codec = _arrow_codec(encoding, delimiter)
        if codec is None or codec != _arrow_codec(self.encoding, self.delimiter) or delimiter != self.delimiter \
                or (quote or '"') != '"' or not _plain_header(labels):
            return False
        self.checks = chunk_checks(self.table)
        return True

    def feed(self, names, arrays, first_row: int) -> None:
        for check in self.checks:
            check.feed_arrow(names, arrays, first_row)

    def findings(self) -> list[Finding]:
        return [f for c in self.checks for f in c.findings()]


def _check_arrow(table: TableContext, encoding, delimiter, on_rows) -> list[Finding]:
    """The checks fed from Arrow string columns, for the common CSV whose cells pyarrow splits
    exactly as pandas would: no quote character or NUL byte, one-byte delimiter, at least two
    columns, a plain header, every line a full record. Pyarrow reads it in C++ on every core
    and the checks filter in Arrow before any Python runs (about 0.2 s for a million rows where
    pandas alone took a second); anything else raises NotDecidable before a finding is made."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from catalog.validate.csv_batches import BLOCK_BYTES, pieces

    encoding, delimiter = encoding or "utf-8", delimiter or ","
    if _arrow_codec(encoding, delimiter) is None:
        raise NotDecidable("encoding or dialect")
    with open(table.path, "rb") as handle:
        while block := handle.read(1 << 20):
            if b'"' in block or b"\x00" in block:
                raise NotDecidable("quotes")
    parse = pacsv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False, escape_char=False,
                               newlines_in_values=False, ignore_empty_lines=False)
    checks, first_row, names = chunk_checks(table), 2, None
    try:
        for index, piece in enumerate(pieces(table.path, encoding)):
            read = pacsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=True, column_names=names,
                                     autogenerate_column_names=False)
            convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names} if names else None,
                                           strings_can_be_null=False, quoted_strings_can_be_null=False)
            if names is None:  # the header: read alone, so every column of the data is text
                header, _, piece = piece.partition(b"\n") if b"\n" in piece else piece.partition(b"\r")
                names = header.rstrip(b"\r").decode("utf-8").split(delimiter)
                if not _plain_header(names):  # pandas reads it its own way: let it
                    raise NotDecidable("header")
                if not piece:
                    continue
                read = pacsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=True, column_names=names)
                convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                               strings_can_be_null=False, quoted_strings_can_be_null=False)
            batch = pacsv.read_csv(pa.py_buffer(piece), read_options=read, parse_options=parse,
                                   convert_options=convert)
            arrays = [batch.column(i) for i in range(len(names))]
            for check in checks:
                check.feed_arrow(names, arrays, first_row)
            first_row += batch.num_rows
            if on_rows:
                on_rows(batch.num_rows)
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise NotDecidable(f"structure: {error}") from None
    if names is None:
        return []  # an empty file: its structure finding says so
    return [f for c in checks for f in c.findings()]


def _unclosed_quote(table: TableContext, encoding, delimiter) -> Finding | None:
    """The record whose opening quote is never closed: the last one, as it runs to the end
    of the file, and its last cell."""
    header, cells, record, start, read = [], [], 0, 0, 0
    with open(table.path, encoding=encoding or "utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter or ",")
        try:
            for record, cells in enumerate(reader, start=1):
                start, read = read + 1, reader.line_num
                header = header or cells
        except csv.Error as error:
            if "field larger than field limit" not in str(error):
                return None
            # The unclosed value swallowed more than csv's 128 KiB limit: it starts right after.
            record, start, cells = record + 1, read + 1, []
    if record < 2:
        return None
    column = header[len(cells) - 1] if 0 < len(cells) <= len(header) else None
    return Finding("unclosed-quote", f"a quoted value opened on line {start:,} is never closed: everything after "
                   "it, to the end of the file, is read as one value.",
                   'Add the closing quote (") at the end of that value, or double the quote ("") if it is part '
                   "of the text; if the file was cut short, export it again.",
                   file=table.file, row=record, column=column,
                   value='"' + cells[-1].split("\n", 1)[0][:60] if cells else None)


def add_cell_findings(found: list[Finding], cell_findings: list[Finding]) -> list[Finding]:
    """`found` (structure findings) plus the cell checks' findings, less the "cell checks
    stopped" warning for a file already reported unreadable: one cause, one message."""
    from catalog.validate.tables import READ_ERRORS

    unreadable = {f.file for f in found if f.code in READ_ERRORS | {"error", "unusable-input"}}
    return found + [f for f in cell_findings if not (f.code == "cell-checks-incomplete" and f.file in unreadable)]
