"""Every part of a file goes through the gate, not only the table the hub loads: each
member of an archive (a GTFS zip's agency.txt, and the files GTFS does not define), each
sheet of a workbook (hidden ones, and hidden rows and columns, which readers return like
any other), since the original file is republished whole under `original/` and in
`/packages/`."""
from __future__ import annotations

import csv
import io
import posixpath
import warnings
import zipfile

import pandas as pd
import pyarrow as pa

from catalog.findings import WARNING, Finding
from catalog.validate.context import TableContext
from catalog.validate.personal.check import PersonalDataCheck

CHUNK_ROWS = 100_000
TEXT_SAMPLE = 1 << 16  # bytes read to tell a table from other text
TABLE_SUFFIXES = (".txt", ".csv", ".tsv")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def gate_frames(frames, table: TableContext) -> list[Finding]:
    """The gate's findings over a stream of (pandas DataFrame of strings, first row)."""
    check = PersonalDataCheck(table)
    for frame, first_row in frames:
        frame.columns = [str(c) for c in frame.columns]
        check.feed(frame.reset_index(drop=True), first_row)
    return check.findings()


def _chunks(reader):
    first_row = 2
    for chunk in reader:
        yield chunk.fillna(""), first_row
        first_row += len(chunk)


def _decode(sample: bytes) -> str:
    try:
        return sample.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start > len(sample) - 4:  # cut in the middle of a character
            return sample[:error.start].decode("utf-8-sig")
        return sample.decode("cp1252", errors="replace")


def gate_text(opener, display: str, table_fields=None) -> list[Finding]:
    """A text member: a table when its first lines split into the same number of cells
    (GTFS files, CSV), otherwise its lines, each read as free text."""
    with opener() as stream:
        sample = stream.read(TEXT_SAMPLE)
    if b"\x00" in sample:
        return [_unread(display, "it is not text")]
    text = _decode(sample)
    encoding = "utf-8" if text == sample.decode("utf-8-sig", errors="ignore") else "cp1252"
    delimiter = _table_delimiter(text)
    table = TableContext(display, None, table_fields or {})
    if delimiter:
        header = next(csv.reader([text.splitlines()[0]], delimiter=delimiter))
        if encoding == "utf-8" and len(set(header)) == len(header) and all(header):
            try:
                return _gate_arrow(opener, delimiter, header, table)
            except (pa.ArrowInvalid, UnicodeDecodeError):
                pass  # ragged rows, bad bytes: pandas reads it below, from the start
        try:
            with opener() as stream, warnings.catch_warnings():
                warnings.simplefilter("ignore", pd.errors.ParserWarning)
                reader = pd.read_csv(stream, sep=delimiter, dtype=str, keep_default_na=False, index_col=False,
                                     encoding="utf-8-sig" if encoding == "utf-8" else encoding,
                                     encoding_errors="replace", chunksize=CHUNK_ROWS, skip_blank_lines=False)
                return gate_frames(_chunks(reader), table)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
            pass  # not a regular table: read line by line below
    with opener() as stream:
        lines = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")

        def frames():
            batch, first = [], 1
            for line in lines:
                batch.append(line.rstrip("\r\n"))
                if len(batch) == CHUNK_ROWS:
                    yield pd.DataFrame({"(text)": batch}, dtype=str), first
                    first, batch = first + len(batch), []
            if batch:
                yield pd.DataFrame({"(text)": batch}, dtype=str), first

        return gate_frames(frames(), TableContext(display, None, {}, record="line"))


def _gate_arrow(opener, delimiter: str, header: list[str], table: TableContext) -> list[Finding]:
    """A UTF-8 table streamed through pyarrow's CSV reader, every column as text: a GTFS
    feed's stop_times.txt is not held whole, nor turned into Python strings."""
    import pyarrow.csv as pacsv

    check = PersonalDataCheck(table)
    read = pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 22)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in header}, strings_can_be_null=False,
                                   quoted_strings_can_be_null=False)
    first_row = 2
    with opener() as stream:
        with pacsv.open_csv(stream, read_options=read, parse_options=parse, convert_options=convert) as reader:
            for batch in reader:
                check.feed_arrow(header, batch.columns, first_row)
                first_row += batch.num_rows
    return check.findings()


def _table_delimiter(text: str) -> str | None:
    """The delimiter when the text's first lines (two at least) split into the same number of
    cells, two or more: a table whose first line is its header. Otherwise None: plain text."""
    lines = text.splitlines()[:21]
    if len(lines) > 1 and len(text) == TEXT_SAMPLE:
        lines = lines[:-1]  # the sample may cut the last line
    if len(lines) < 2:
        return None
    for delimiter in (",", ";", "\t", "|"):
        try:
            widths = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        except csv.Error:
            continue
        if len(widths) == 1 and widths.pop() >= 2:
            return delimiter
    return None


def gate_workbook(source, display: str, fields=None, skip_first: bool = False) -> list[Finding]:
    """Every sheet of a workbook (a path or bytes), hidden sheets, rows and columns included;
    with `skip_first`, the first sheet is left to the caller, who checks it with every
    cell check. Findings name the sheet after the file: `budget.xlsx [sheet Agents]`."""
    data = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sheets = pd.read_excel(data, sheet_name=None, dtype=str, header=0)
    except Exception as error:  # noqa: BLE001 - the readers of damaged workbooks raise anything
        return [_unread(display, f"it is not a readable workbook ({type(error).__name__})")]
    found = []
    for index, (name, frame) in enumerate(sheets.items()):
        if skip_first and index == 0:
            continue
        shown = display if index == 0 else f"{display} [sheet {name}]"
        found += gate_frames([(frame.fillna(""), 2)], TableContext(shown, None, fields if index == 0 else {}))
    return found


def gate_archive(archive: zipfile.ZipFile, display: str) -> list[Finding]:
    """Every member of an (already size-checked) archive: tables, text, workbooks, archives
    inside it one level down."""
    found = []
    for info in archive.infolist():
        name = info.filename
        if info.is_dir() or name.startswith("__MACOSX/"):
            continue
        shown = f"{display}/{name}"
        lower = name.lower()
        if lower.endswith(WORKBOOK_SUFFIXES):
            found += gate_workbook(archive.read(info), shown)
        elif lower.endswith(".zip"):
            try:
                with zipfile.ZipFile(io.BytesIO(archive.read(info))) as inner:
                    found += gate_archive(inner, shown)
            except zipfile.BadZipFile:
                found.append(_unread(shown, "it is not a readable zip archive"))
        elif posixpath.basename(name).startswith("."):
            continue
        else:
            found += gate_text(lambda info=info: archive.open(info), shown)
    return found


def gate_file(path, display: str) -> list[Finding]:
    """A file published as it is, whatever its kind: an archive's members, a workbook's
    sheets, a text's lines or table."""
    from pathlib import Path

    from catalog.safety import open_zip

    path = Path(path)
    lower = path.name.lower()
    if lower.endswith(".zip"):
        with open_zip(path, display) as archive:  # sized before anything is unpacked
            return gate_archive(archive, display)
    if lower.endswith(WORKBOOK_SUFFIXES):
        return gate_workbook(path, display)
    return gate_text(lambda: open(path, "rb"), display)


def _unread(display: str, why: str) -> Finding:
    return Finding("cell-checks-incomplete", f"the personal-data check could not read this part: {why}.",
                   "Publish only files the hub can read (CSV or text tables, workbooks), or check this "
                   "one by hand: it is republished as it is.", file=display, severity=WARNING)
