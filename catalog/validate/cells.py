"""Stream a table once, in chunks, through every cell-level check."""
from __future__ import annotations

from catalog.findings import WARNING, Finding
from catalog.validate.context import TableContext


def chunk_checks(table: TableContext):
    # Imported here so each check module stays independent of the pipeline.
    from catalog.validate.formulas import FormulaInjectionCheck
    from catalog.validate.geo import LatLonCheck
    from catalog.validate.links import PopupLinkCheck
    from catalog.validate.personal import PersonalDataCheck

    return [PersonalDataCheck(table), FormulaInjectionCheck(table), LatLonCheck(table), PopupLinkCheck(table)]


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


def check_cells(table: TableContext, fmt: str, encoding: str, delimiter: str, on_rows=None,
                shared: SharedRead | None = None, layout=None) -> list[Finding]:
    """Every cell-level finding of one table; `shared` holds them when the table checks'
    reading already fed them the whole file. Otherwise the cells are read as text by the one
    reader (`catalog.delimited.text_batches`; a spreadsheet reaches here as its sheet's text), from
    the header row the dialect declares (`layout`, `Reading.layout`)."""
    if shared is not None and shared.complete:
        return shared.findings()
    from catalog.delimited import Unsplittable, text_batches

    checks = chunk_checks(table)
    last = None
    try:
        for batch in text_batches(table.path, encoding, delimiter, layout=layout):
            for check in checks:
                check.feed_arrow(batch.names, batch.columns, batch.first_row)
            last = batch
            if on_rows:
                on_rows(batch.rows)
    except (Unsplittable, OSError) as error:
        unclosed = _unclosed_quote(table, encoding, delimiter) if "field larger" in str(error) else None
        if unclosed:
            return [unclosed] + [f for c in checks for f in c.findings()]
        # Structure errors are reported by Frictionless with their rows; say only that cell checks stopped.
        stopped = getattr(error, "row", None)
        return [Finding("cell-checks-incomplete", f"cell checks stopped{f' at row {stopped}' if stopped else ''}: "
                        f"{error}", "Fix the structure errors reported for this file first.", file=table.file,
                        severity=WARNING)] + [f for c in checks for f in c.findings()]
    if last is not None and _open_at_end(table.path, last):
        unclosed = _unclosed_quote(table, encoding, delimiter)
        if unclosed:  # Frictionless reads the rest of the file as one value and sees nothing wrong
            return [unclosed] + [f for c in checks for f in c.findings()]
    return [f for c in checks for f in c.findings()]


def _open_at_end(path, last) -> bool:
    """True when the file seems to end inside a quoted value: the last cell read holds a line
    break and the file does not end with the quote that would close it."""
    tail = last.columns[-1][last.rows - 1].as_py() if last.rows and last.columns else ""
    if "\n" not in tail and "\r" not in tail:
        return False
    with open(path, "rb") as handle:
        handle.seek(max(0, handle.seek(0, 2) - 8))
        return not handle.read().rstrip(b"\r\n").endswith(b'"')


def other_sheets(reading) -> list[Finding]:
    """The workbook is republished whole (under `original/`): the sheets the table does not come
    from go through the personal-data gate too, each read as the same text (catalog/reading.py)."""
    if reading.sheet is None or reading.source is None:
        return []
    from catalog.delimited import text_batches
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
                    from catalog.validate.personal.parts import gate_batches
                    found += gate_batches(text_batches(sheet.path), table)
                    continue
                check = PersonalDataCheck(table)
                names, columns = text_table.columns(text)
                if text.rows:
                    check.feed_columns(names, columns, 2)
                found += check.findings()
    return found


def _arrow_codec(encoding: str, delimiter: str) -> str | None:
    """The codec name when pyarrow can split text of this encoding on this delimiter as pandas
    does (quote, NUL and line ends are single bytes that cannot be the delimiter); else None."""
    import codecs

    from catalog.delimited import ASCII_SAFE

    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        return None
    if codec not in ASCII_SAFE or len(delimiter) != 1 or delimiter in '\r\n"\x00':
        return None
    return codec


def _plain_header(names: list[str]) -> bool:
    """Two or more distinct, non-blank labels and no byte-order mark: labels every reader
    gives alike (Frictionless' table checks, which share their reading, require them)."""
    return len(names) >= 2 and len(set(names)) == len(names) and all(names) and not names[0].startswith("\ufeff")


class SharedRead:
    """The cell checks of one table, fed with the Arrow columns the table checks read
    (`table_checks.validate(..., shared=...)`), so a large file is parsed once instead of twice.

    It takes a reading only when its columns are the very ones `check_cells` would
    read itself (`catalog.delimited.text_batches`): same codec, same delimiter, `"` as the quote
    character (the table checks split quoted values with pyarrow only where their quotes follow
    the rules, as the one reader does), a plain header of two or more distinct labels. If it was not fed the whole
    file (another reading, a fallback half-way), `complete` stays False and
    `check_cells` reads the file on its own, with fresh checks."""

    def __init__(self, table: TableContext, encoding: str | None, delimiter: str | None):
        self.table = table
        self.encoding, self.delimiter = encoding or "utf-8", delimiter or ","
        self.checks = None
        self.complete = False
        self.stopped_at = None  # the last row read, when the table checks stopped at the error limit

    def accepts(self, encoding: str, delimiter: str, quote: str | None, labels: list[str]) -> bool:
        codec = _arrow_codec(encoding, delimiter)
        if codec is None or codec != _arrow_codec(self.encoding, self.delimiter) or delimiter != self.delimiter \
                or (quote or '"') != '"' or not _plain_header(labels):
            return False
        self.checks = chunk_checks(self.table)
        return True

    def restart(self) -> None:
        """Forget a reading that stopped half-way (a plan that stepped aside): the next one feeds
        fresh checks, or `check_cells` reads the file itself."""
        self.checks, self.complete, self.stopped_at = None, False, None

    def feed(self, names, arrays, first_row: int) -> None:
        for check in self.checks:
            check.feed_arrow(names, arrays, first_row)

    def findings(self) -> list[Finding]:
        found = [f for c in self.checks for f in c.findings()]
        if self.stopped_at is not None:
            found.insert(0, Finding("cell-checks-incomplete", ERROR_LIMIT_STOP.format(self.stopped_at),
                                    "Fix the errors reported, then validate again: the rest of the file is checked then.",
                                    file=self.table.file, row=self.stopped_at, severity=WARNING))
        return found


def _unclosed_quote(table: TableContext, encoding, delimiter) -> Finding | None:
    """The record whose opening quote is never closed (catalog.delimited.unclosed_quote)."""
    from catalog.delimited import unclosed_quote

    found = unclosed_quote(table.path, encoding, delimiter)
    if found is None:
        return None
    record, start, header, cells = found
    column = header[len(cells) - 1] if 0 < len(cells) <= len(header) else None
    return Finding("unclosed-quote", f"a quoted value opened on line {start:,} is never closed: everything after "
                   "it, to the end of the file, is read as one value.",
                   'Add the closing quote (") at the end of that value, or double the quote ("") if it is part '
                   "of the text; if the file was cut short, export it again.",
                   file=table.file, row=record, column=column,
                   value='"' + cells[-1].split("\n", 1)[0][:60] if cells else None)


ERROR_LIMIT_STOP = "the personal-data, formula and coordinate checks stopped with them, at row {:,}."


def add_cell_findings(found: list[Finding], cell_findings: list[Finding]) -> list[Finding]:
    """`found` (structure findings) plus the cell checks' findings, less the "cell checks
    stopped" warning for a file already reported unreadable, and with the stop at the error
    limit said in the "too many errors" warning itself: one cause, one message."""
    from catalog.validate.tables import READ_ERRORS

    unreadable = {f.file for f in found if f.code in READ_ERRORS | {"error", "unusable-input"}}
    limit = {f.file: f for f in found if f.code == "too-many-errors"}
    kept = []
    for finding in cell_findings:
        if finding.code == "cell-checks-incomplete" and finding.file in unreadable:
            continue
        if finding.code == "cell-checks-incomplete" and finding.file in limit and finding.message.startswith(
                ERROR_LIMIT_STOP.split("{")[0]):
            limit[finding.file].message += " " + finding.message[0].upper() + finding.message[1:]
            continue
        kept.append(finding)
    return found + kept
