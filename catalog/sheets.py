"""A spreadsheet sheet as the text a person sees in its cells, written out as a UTF-8 CSV.

Every later step (type and constraint checks, cell checks, the normaliser) reads that
text, exactly as it reads a CSV file: a number typed in a cell of a `string` field is the
string it shows (`22530001100015`, not `2.2530001100015E13` and not nothing), a date is its
ISO form, and the field's type is checked on that text. Values are written as values, not
as their display format: no thousands separators, `1` for a cell shown as `100%`.

- integers (and floats with nothing after the point): `30000`; other numbers: `28732.32`
  (at most 15 significant digits, as Excel shows them, never an exponent);
- dates `2018-07-25`, date-times `2018-07-25T14:30:00`, times `14:30:00`;
- booleans `TRUE` / `FALSE` (Frictionless reads both as booleans);
- formulas: the value Excel computed and stored with the file; one never computed (a
  workbook written by a program rather than saved by Excel) is reported, not guessed;
- error cells as Excel shows them (`#N/A`, `#DIV/0!`).

Rows keep their spreadsheet numbers (header = row 1); rows are padded to the header's
width and trailing empty rows and columns (formatting only) are dropped.
"""
from __future__ import annotations

import contextlib
import csv
import datetime
import decimal
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

SPREADSHEET_FORMATS = {"xlsx", "xls", "xlsm", "ods"}


class SheetError(Exception):
    """The workbook cannot be read (damaged, another kind of file, a sheet that does not exist)."""

    def __init__(self, message, fix=""):
        super().__init__(message)
        self.message, self.fix = message, fix


@dataclass
class SheetText:
    """What rendering one sheet gave: its name, the other sheets holding data, and what
    the reader noticed (merged header cells, formulas never computed)."""

    name: str
    names: list[str]  # every sheet of the workbook, in order
    rows: int = 0  # rows written, header included
    empty: bool = False
    merged_header: list[str] = field(default_factory=list)  # e.g. ["A1:B1"]
    uncomputed: list[str] = field(default_factory=list)  # cells holding a formula with no stored value
    cut: bool = False  # stopped at the row limit asked for: more rows follow
    width: int = 0  # cells in the first row written (the header's, trailing empty ones left out)
    widest: int = 0  # cells in the widest row written: wider than the header when a header cell is empty
    # Per row read (a sample only: see write_sheet), its filled cells: {column: is a number}.
    _kinds: list = field(default_factory=list, repr=False)

    def numeric_in(self, rows) -> set[int]:
        """The columns whose filled cells on these rows (0-based) are all numbers in the workbook,
        where a text cell would show the same digits: told only for a sample (`limit`)."""
        seen: dict[int, bool] = {}
        for row in rows:
            for index, is_number in (self._kinds[row] if row < len(self._kinds) else {}).items():
                seen[index] = seen.get(index, True) and is_number
        return {index for index, only in seen.items() if only}

    def kinds(self, rows, keep: bool):
        """The rows of (text, is a number) pairs as rows of text; with `keep`, which cells were numbers."""
        for row in rows:
            if keep:
                self._kinds.append({i: number for i, (value, number) in enumerate(row) if value != ""})
            yield [value for value, _ in row]


def number_text(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    # Excel shows at most 15 significant digits: 0.1 + 0.2 is stored 0.30000000000000004, shown 0.3.
    shown = float(f"{float(value):.15g}")
    if shown.is_integer() and abs(shown) < 1e17:
        return str(int(shown))
    text = repr(shown)
    if "e" in text or "E" in text:
        text = format(decimal.Decimal(text), "f")
    return text


def cell_text(value) -> str:
    """The text of one cell value as openpyxl gives it."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float)):
        return number_text(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):  # a duration cell ([h]:mm:ss)
        seconds = int(value.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def pick(names: list[str], sheet) -> str:
    """The sheet named (a name, or a 1-based position as Frictionless numbers them); the first by default."""
    if sheet is None or sheet == "":
        return names[0]
    if isinstance(sheet, str) and sheet in names:
        return sheet
    if isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit()):
        number = int(sheet)
        if 1 <= number <= len(names):
            return names[number - 1]
    shown = ", ".join(f'"{n}"' for n in names)
    raise SheetError(f"the workbook has no sheet {sheet!r} (its sheets: {shown}).",
                     "Name one of its sheets (its name, or its position counting from 1).")


def write_sheet(path: Path, fmt: str, sheet, target: Path, limit: int | None = None) -> SheetText:
    """Write sheet `sheet` of the workbook at `path` to `target` as UTF-8 CSV; say what was seen.
    `limit`: at most that many rows below the header (a sample)."""
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if fmt == "xls":
            result = _write_xls(path, sheet, writer, limit)
        elif fmt == "ods":
            result = _write_ods(path, sheet, writer, limit)
        else:
            result = _write_xlsx(path, sheet, writer, limit)
    if result.widest > result.width:
        _pad(target, result.widest)
    return result


def _pad(target: Path, width: int) -> None:
    """Rows padded to the widest: a column whose header cell is empty but whose cells below are
    filled is a column without a name (Frictionless' blank-label), not extra cells on every row."""
    padded = target.with_suffix(".padded.csv")
    with open(target, encoding="utf-8", newline="") as source, \
            open(padded, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for row in csv.reader(source):
            writer.writerow(row + [""] * (width - len(row)))
    padded.replace(target)


def _rows_out(rows, writer, result: SheetText, limit: int | None = None) -> int:
    """Write rows (lists of text) padded to the header's width, without trailing empty rows."""
    width, pending, written = None, 0, 0
    for cells in rows:
        if limit is not None and written > limit:
            result.cut = True
            break
        while cells and cells[-1] == "":
            cells.pop()
        if width is None:
            width = max(len(cells), 1)
        if not cells:
            pending += 1  # written only if a filled row comes after it
            continue
        for _ in range(pending):
            writer.writerow([""] * width)
        written += pending + 1
        pending = 0
        writer.writerow(cells + [""] * (width - len(cells)))
        result.widest = max(result.widest, len(cells))
    result.width = width or 0
    return written


def _write_xlsx(path, sheet, writer, limit=None) -> SheetText:
    try:
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it ignores
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - a damaged workbook raises anything
        raise SheetError(f"the file is not a readable Excel workbook ({type(error).__name__}).") from None
    try:
        names = list(book.sheetnames)
        name = pick(names, sheet)
        work = book[name]
        result = SheetText(name, names)
        rows = ([(cell_text(v), isinstance(v, (int, float)) and not isinstance(v, bool)) for v in row]
                for row in work.iter_rows(values_only=True))
        result.rows = _rows_out(result.kinds(rows, limit is not None), writer, result, limit)
        result.empty = result.rows == 0
        xml = _sheet_xml_name(path, names.index(name))
    finally:
        book.close()
    if xml:
        result.merged_header, result.uncomputed = _scan_xml(path, xml)
    return result


def _sheet_xml_name(path, index) -> str | None:
    """The zip member holding the sheet at `index` (workbook order), from the workbook's relations."""
    try:
        with zipfile.ZipFile(path) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return None
    ids = re.findall(r'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]+)"', workbook) or \
        re.findall(r'<(?:\w+:)?sheet\b[^>]*?\bid="([^"]+)"', workbook)
    if index >= len(ids):
        return None
    for rel in re.findall(r"<Relationship\b[^>]*>", rels):
        if f'Id="{ids[index]}"' in rel:
            target = re.search(r'Target="([^"]+)"', rel).group(1)
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


FORMULA_WITHOUT_VALUE = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f(?:\s[^>]*)?(?:/>|>[^<]*</f>)\s*(?:<v>\s*</v>\s*|<v\s*/>\s*)?</c>')
MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"')


def _scan_xml(path, member) -> tuple[list[str], list[str]]:
    """Merged ranges touching the header row, and formula cells with no stored value: read from
    the sheet's XML in blocks (openpyxl's streaming reader shows neither)."""
    merged, uncomputed, tail = [], [], b""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
            while block := stream.read(1 << 20):
                data = tail + block
                cut = data.rfind(b"</c>") + 4 if b"</c>" in data else 0
                for match in FORMULA_WITHOUT_VALUE.finditer(data, 0, cut):
                    if len(uncomputed) < 1000:
                        uncomputed.append(match.group(1).decode())
                for match in MERGE.finditer(data):
                    if match.group(2) == b"1":
                        ref = f"{match.group(1).decode()}1:{match.group(3).decode()}{match.group(4).decode()}"
                        if ref not in merged:
                            merged.append(ref)
                tail = data[max(cut, len(data) - 4096):] if cut < len(data) else b""
    except (KeyError, zipfile.BadZipFile, OSError):
        pass
    return merged, uncomputed


def _write_xls(path, sheet, writer, limit=None) -> SheetText:
    try:
        import xlrd

        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            book = xlrd.open_workbook(str(path), formatting_info=True, logfile=io.StringIO(), on_demand=True)
    except Exception as error:  # noqa: BLE001
        raise SheetError(f"the file is not a readable Excel workbook ({type(error).__name__}).") from None
    try:
        names = book.sheet_names()
        name = pick(names, sheet)
        work = book.sheet_by_name(name)
        result = SheetText(name, names)

        def text(cell):
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    parts = xlrd.xldate_as_tuple(cell.value, book.datemode)
                except xlrd.xldate.XLDateError:
                    return number_text(cell.value)
                if parts[:3] == (0, 0, 0):
                    return datetime.time(*parts[3:]).isoformat()
                return cell_text(datetime.datetime(*parts))
            if cell.ctype == xlrd.XL_CELL_BOOLEAN:
                return "TRUE" if cell.value else "FALSE"
            if cell.ctype == xlrd.XL_CELL_NUMBER:
                return number_text(cell.value)
            if cell.ctype == xlrd.XL_CELL_ERROR:
                return xlrd.error_text_from_code.get(cell.value, "#ERROR")
            return "" if cell.value is None else str(cell.value)

        rows = ([(text(c), c.ctype == xlrd.XL_CELL_NUMBER) for c in work.row(i)] for i in range(work.nrows))
        result.rows = _rows_out(result.kinds(rows, limit is not None), writer, result, limit)
        result.empty = result.rows == 0
        for top, bottom, left, right in getattr(work, "merged_cells", []):
            if top == 0 and (right - left > 1 or bottom - top > 1):
                result.merged_header.append(f"{_column(left)}1:{_column(right - 1)}{bottom}")
    finally:
        book.release_resources()
    return result


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _ods_book(path):
    """An OpenDocument workbook (LibreOffice Calc's own format, the one France's interoperability
    framework recommends), read by calamine: its cells come typed like openpyxl's."""
    try:
        from python_calamine import CalamineWorkbook

        return CalamineWorkbook.from_path(str(path))
    except Exception as error:  # noqa: BLE001 - a damaged workbook raises anything
        raise SheetError(f"the file is not a readable OpenDocument spreadsheet ({type(error).__name__}).") from None


def _ods_rows(work):
    """A sheet's rows from A1: calamine starts each row at the first used column."""
    indent = [""] * work.start[1] if work.start else []
    for row in work.iter_rows():
        yield indent + list(row)


ODS_TABLE = re.compile(rb"<table:table\b[^>]*>")
ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell\b([^>]*?)(/?)>")
ODS_SPAN = re.compile(rb'table:number-columns-(spanned|repeated)="(\d+)"')


def _ods_merged_header(path, index) -> list[str]:
    """The merged cells of the sheet's first row, read from content.xml in blocks (calamine does
    not tell them for OpenDocument): a spanned cell is one label over several columns."""
    merged, data = [], b""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
            while len(data) < (64 << 20) and (block := stream.read(1 << 20)):
                data += block
                tables = list(ODS_TABLE.finditer(data))
                if len(tables) > index and b"</table:table-row>" in data[tables[index].end():]:
                    break
    except (KeyError, zipfile.BadZipFile, OSError):
        return merged
    tables = list(ODS_TABLE.finditer(data))
    if len(tables) <= index:
        return merged
    start = data.find(b"<table:table-row", tables[index].end())
    end = data.find(b"</table:table-row>", start)
    if start < 0 or end < 0:
        return merged
    column = 0
    for match in ODS_CELL.finditer(data, start, end):
        spans = dict(ODS_SPAN.findall(match.group(1)))
        width = int(spans.get(b"spanned", 1))
        if width > 1 and len(merged) < 50:
            merged.append(f"{_column(column)}1:{_column(column + width - 1)}1")
        column += int(spans.get(b"repeated", 1))
    return merged


def _write_ods(path, sheet, writer, limit=None) -> SheetText:
    book = _ods_book(path)
    try:
        names = list(book.sheet_names)
        name = pick(names, sheet)
        work = book.get_sheet_by_name(name)
        result = SheetText(name, names)
        rows = ([(cell_text(None if v == "" else v), isinstance(v, (int, float)) and not isinstance(v, bool))
                 for v in row] for row in _ods_rows(work))
        result.rows = _rows_out(result.kinds(rows, limit is not None), writer, result, limit)
        result.empty = result.rows == 0
        result.merged_header = _ods_merged_header(path, names.index(name))
    except SheetError:
        raise
    except Exception as error:  # noqa: BLE001
        raise SheetError(f"the file is not a readable OpenDocument spreadsheet ({type(error).__name__}).") from None
    finally:
        book.close()
    return result


def sheet_names(path: Path, fmt: str) -> list[str]:
    """Every sheet of the workbook, hidden ones included, in order ([] when it cannot be read)."""
    try:
        if fmt == "ods":
            book = _ods_book(path)
            try:
                return list(book.sheet_names)
            finally:
                book.close()
        if fmt == "xls":
            import xlrd

            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                book = xlrd.open_workbook(str(path), logfile=io.StringIO(), on_demand=True)
            try:
                return book.sheet_names()
            finally:
                book.release_resources()
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True)
        try:
            return list(book.sheetnames)
        finally:
            book.close()
    except Exception:  # noqa: BLE001 - a damaged workbook raises anything; its reading says why
        return []


def sheets_with_data(path: Path, fmt: str) -> list[str]:
    """The names of the sheets holding at least one filled cell (to explain an empty first sheet)."""
    found = []
    if fmt == "ods":
        book = _ods_book(path)
        try:
            for name in book.sheet_names:
                rows = _ods_rows(book.get_sheet_by_name(name))
                if any(v not in (None, "") for _, row in zip(range(50), rows) for v in row):
                    found.append(name)
        finally:
            book.close()
        return found
    if fmt == "xls":
        import xlrd

        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            book = xlrd.open_workbook(str(path), logfile=io.StringIO(), on_demand=True)
        try:
            for name in book.sheet_names():
                work = book.sheet_by_name(name)
                if any(str(c.value).strip() for i in range(min(work.nrows, 50)) for c in work.row(i)):
                    found.append(name)
        finally:
            book.release_resources()
        return found
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for name in book.sheetnames:
            rows = book[name].iter_rows(values_only=True, max_row=50)
            if any(v not in (None, "") for row in rows for v in row):
                found.append(name)
    finally:
        book.close()
    return found
