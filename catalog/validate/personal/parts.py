"""Every part of a file goes through the gate, not only the table the hub loads: each
member of an archive (a GTFS zip's agency.txt, and the files GTFS does not define), each
sheet of a workbook (hidden ones, and hidden rows and columns, which readers return like
any other), since the original file is republished whole under `original/` and in
`/packages/`."""
from __future__ import annotations

import csv
import io
import itertools
import posixpath
import zipfile

from catalog.arrow_values import strings
from catalog.findings import WARNING, Finding
from catalog.validate.context import TableContext
from catalog.validate.personal.check import PersonalDataCheck

CHUNK_ROWS = 100_000
TEXT_SAMPLE = 1 << 16  # bytes read to tell a table from other text
TABLE_SUFFIXES = (".txt", ".csv", ".tsv")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def gate_batches(batches, table: TableContext) -> list[Finding]:
    """The gate's findings over the `TextBatch`es of one table (catalog.delimited.text_batches)."""
    check = PersonalDataCheck(table)
    for batch in batches:
        check.feed_arrow(batch.names, batch.columns, batch.first_row)
    return check.findings()


def _decode(sample: bytes) -> tuple[str, str]:
    """The sample's text and its encoding: UTF-8, or Windows-1252 (French exports) otherwise."""
    try:
        return sample.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as error:
        if error.start > len(sample) - 4:  # cut in the middle of a character
            return sample[:error.start].decode("utf-8-sig"), "utf-8"
        return sample.decode("cp1252", errors="replace"), "cp1252"


def gate_text(opener, display: str, table_fields=None) -> list[Finding]:
    """A text member: a table when its first lines split into the same number of cells
    (GTFS files, CSV), otherwise its lines, each read as free text."""
    with opener() as stream:
        sample = stream.read(TEXT_SAMPLE)
    if b"\x00" in sample:
        return [_unread(display, "it is not text")]
    text, encoding = _decode(sample)
    delimiter = _table_delimiter(text)
    table = TableContext(display, None, table_fields or {})
    if delimiter:
        from catalog.delimited import Unsplittable, text_batches

        try:  # a row longer than the header, a cell too large: read line by line below, every cell seen
            return gate_batches(text_batches(opener, encoding, delimiter, whole_records=True), table)
        except Unsplittable:
            pass
    with opener() as stream:
        lines = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")

        def batches():
            from catalog.delimited import TextBatch

            first = 1
            while batch := [line.rstrip("\r\n") for line in itertools.islice(lines, CHUNK_ROWS)]:
                yield TextBatch(["(text)"], [strings(batch)], first)
                first += len(batch)

        return gate_batches(batches(), TableContext(display, None, {}, record="line"))


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


def gate_workbook(source, display: str) -> list[Finding]:
    """Every sheet of a workbook (a path, or the bytes of an archive's member), hidden sheets,
    rows and columns included, each read as the text its cells show (catalog.reading); findings
    name the sheet after the file: `budget.xlsx [sheet "Agents"]`."""
    import tempfile
    from pathlib import Path

    from catalog.delimited import text_batches
    from catalog.reading import every_sheet

    with tempfile.TemporaryDirectory(prefix="catalog-gate-") as work:
        path = Path(source) if not isinstance(source, bytes) else Path(work) / posixpath.basename(display)
        if isinstance(source, bytes):
            path.write_bytes(source)
        found = []
        with every_sheet(path, display) as readings:
            if not readings:
                return [_unread(display, "it is not a readable workbook")]
            for sheet in readings:
                if not sheet.readable:
                    return [_unread(display, "it is not a readable workbook")]
                if not sheet.sheet.empty:
                    found += gate_batches(text_batches(sheet.path), TableContext(sheet.display, None, {}))
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
