"""How one table file is read, decided once, for every step that reads it.

`validate` (Frictionless' structure, type and key checks, then the cell checks) and
`package` (the normaliser writing `data/<name>.csv`, which the hub loads) all open a
table through `open_table`, so a cell is checked and written from the same text:

- the dialect is read in either Frictionless form (v1 `{"delimiter": ";"}`, or v5
  `{"csv": {"delimiter": ";"}}` / `{"excel": {"sheet": "..."}}` as `frictionless describe`
  writes it);
- a spreadsheet sheet (chosen with `dialect.sheet`, or `--sheet` for a bare file) becomes
  the text its cells show (`catalog.sheets`), written to a temporary UTF-8 CSV that every
  reader then reads like any CSV file;
- a table without a schema is read as text: every column a `string` field named by its
  header (guessed types would call `2A` a bad integer, and lose it in the package).
"""
from __future__ import annotations

import contextlib
import copy
import csv
import io
import itertools
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from catalog.findings import Finding
from catalog.sheets import SPREADSHEET_FORMATS, SheetError, SheetText, sheets_with_data, write_sheet

# Frictionless v5 groups format options under the format's name; v1 keeps them at the top.
DIALECT_GROUPS = ("csv", "excel", "json", "ods", "inline", "sql")


def flat_dialect(dialect) -> dict:
    """A resource's dialect as one flat dict of v1-style keys, whichever form it was written in."""
    if not isinstance(dialect, dict):
        return {}
    flat = {k: v for k, v in dialect.items() if k not in DIALECT_GROUPS and k != "$schema"}
    for group in DIALECT_GROUPS:
        if isinstance(dialect.get(group), dict):
            flat.update(dialect[group])
    return flat


def resource_format(resource: dict) -> str:
    fmt = str(resource.get("format") or "").lower()
    path = resource.get("path")
    if not fmt and isinstance(path, str) and "." in path:
        fmt = path.rsplit(".", 1)[1].lower()
    return fmt


def is_spreadsheet(resource: dict) -> bool:
    return resource_format(resource) in SPREADSHEET_FORMATS


@dataclass
class Reading:
    """One table, ready to read: the Frictionless descriptor and base path to read it with
    (a sheet's text CSV in place of the workbook), and what the reading itself found."""

    display: str  # the file as the user knows it; a workbook's sheet is named: `f.xlsx [sheet "S"]`
    path: Path  # the bytes the readers read
    format: str  # "csv" or "tsv" once a sheet is text; else the resource's own format
    encoding: str | None
    delimiter: str | None
    descriptor: dict  # for frictionless.Resource(descriptor, basepath=basepath)
    basepath: str
    sheet: SheetText | None = None
    findings: list[Finding] = field(default_factory=list)
    source: Path | None = None  # the file itself (the workbook a sheet's text comes from)
    file: str = ""  # the file as the user knows it, without the sheet

    @property
    def layout(self) -> tuple[int, frozenset]:
        """(the header's row, the comment rows) the dialect declares (`headerRows`, `commentRows`):
        a raw export's title above its header and totals or notes below are not records."""
        dialect = flat_dialect(self.descriptor.get("dialect"))
        rows = dialect.get("headerRows")
        header = rows[-1] if isinstance(rows, list) and rows and all(isinstance(r, int) and r >= 1 for r in rows) else 1
        comments = dialect.get("commentRows")
        return header, frozenset(r for r in comments if isinstance(r, int)) if isinstance(comments, list) else frozenset()

    @property
    def readable(self) -> bool:
        """False when the reading itself failed (an unreadable workbook, a missing sheet)."""
        return not any(f.code in ("format-error", "empty-sheet") for f in self.findings)


def sheet_display(display: str, sheet: SheetText) -> str:
    """The file as findings name it: the workbook and the sheet read."""
    return f'{display} [sheet "{sheet.name}"]'


@contextlib.contextmanager
def open_table(descriptor: dict, source: Path, basepath: str, display: str, sheet=None, sample: int | None = None):
    """Yield the `Reading` of a table resource whose data is at `source`; temporary files
    (a sheet's text) are removed on exit. `sheet` overrides the dialect's (`--sheet`);
    `sample`: a sheet's text stops after that many rows below its header."""
    descriptor = copy.deepcopy(descriptor)
    if isinstance(descriptor.get("schema"), dict):
        descriptor["schema"] = with_national_rules(descriptor["schema"])
    dialect = flat_dialect(descriptor.get("dialect"))
    fmt = resource_format(descriptor)
    if fmt not in SPREADSHEET_FORMATS:
        if fmt in ("csv", "tsv", "txt") and (descriptor.get("dialect") is None or isinstance(descriptor["dialect"], dict)):
            # Declared, never guessed: Frictionless would sniff a delimiter the declaration did not give.
            dialect.setdefault("delimiter", "\t" if fmt == "tsv" else ",")
            descriptor["dialect"] = {k: v for k, v in dialect.items() if k != "sheet"}
            if fmt == "txt":  # GTFS's .txt files are CSV: Frictionless would take them for plain text
                descriptor["format"] = fmt = "csv"
        if not descriptor.get("schema"):
            _set_text_schema(descriptor, basepath)
        yield Reading(display, source, fmt, descriptor.get("encoding"), dialect.get("delimiter"), descriptor, basepath)
        return
    work = Path(tempfile.mkdtemp(prefix="catalog-sheet-"))
    try:
        target = work / "sheet.csv"
        wanted = sheet if sheet is not None else dialect.get("sheet")
        try:
            seen = write_sheet(source, fmt, wanted, target, sample)
        except SheetError as error:
            yield Reading(display, source, fmt, None, None, descriptor, basepath,
                          findings=[Finding("format-error", f"{error.message}", error.fix or _RESAVE, file=display)])
            return
        shown = sheet_display(display, seen)
        readable = {k: v for k, v in descriptor.items() if k not in ("path", "format", "mediatype", "encoding",
                                                                    "dialect", "scheme", "compression", "bytes",
                                                                    "hash", "innerpath", "type")}
        readable.update({"path": target.name, "format": "csv", "encoding": "utf-8"})
        header = {k: v for k, v in dialect.items() if k in ("header", "headerRows", "headerJoin", "commentChar", "commentRows")}
        if header:
            readable["dialect"] = header
        if not readable.get("schema"):
            _set_text_schema(readable, str(work))
        reading = Reading(shown, target, "csv", "utf-8", ",", readable, str(work), seen, source=Path(source),
                          file=display)
        reading.findings += _sheet_findings(source, fmt, seen, shown, wanted is not None,
                                            set(dialect.get("commentRows") or ()))
        yield reading
    finally:
        shutil.rmtree(work, ignore_errors=True)


_RESAVE = ("Open it in Excel or LibreOffice Calc and save it again as .xlsx (Excel workbook), or export the "
           "sheet as CSV (UTF-8) and use that file instead.")


def _sheet_findings(source, fmt, seen: SheetText, shown, chosen: bool, comments=frozenset()) -> list[Finding]:
    found = []
    if seen.empty:
        others = [n for n in sheets_with_data(source, fmt) if n != seen.name]
        if others:
            listed = ", ".join(f'"{n}"' for n in others)
            found.append(Finding(
                "empty-sheet", f'the sheet "{seen.name}" is empty; the data is on the sheet {listed}.',
                f'Name the sheet to read: "dialect": {{"sheet": "{others[0]}"}} on the resource (or '
                f'`--sheet "{others[0]}"` for a file on its own), or move the data to the first sheet.',
                file=shown))
        else:
            found.append(Finding("empty-sheet", f'the sheet "{seen.name}" is empty: the workbook holds no table.',
                                 "Export the table again, with its header row naming the columns.", file=shown))
    if seen.merged_header:
        cells = ", ".join(seen.merged_header[:5])
        found.append(Finding(
            "merged-header", f"header cells are merged ({cells}): a merged cell is one label over several "
            "columns, so the columns after its first have no name.",
            "Unmerge the header cells and give every column its own one-line label in row 1 (a second header "
            "row of sub-labels belongs in each column's own label).", file=shown, row=1))
    # A totals row declared a comment row is no data: its formulas' values are not read.
    uncomputed = [ref for ref in seen.uncomputed if _row_of(ref) not in comments]
    if uncomputed:
        cells = ", ".join(uncomputed[:5]) + (f" and {len(uncomputed) - 5} more" if len(uncomputed) > 5 else "")
        found.append(Finding(
            "formula-not-computed", f"formula cells have no computed value stored in the file ({cells}): the "
            "workbook was written by a program that does not calculate, so their values are unknown.",
            "Open the workbook in Excel or LibreOffice Calc and save it (that stores every formula's value), "
            "or write the values instead of formulas.", file=shown, row=_row_of(uncomputed[0])))
    return found


# schema.data.gouv.fr schemas state some rules as "custom_checks" (Validata's) rather than as Table
# Schema constraints; those that are a pattern are checked as one.
CUSTOM_PATTERNS = {"french-siret-value": r"^\d{14}$", "french-siren-value": r"^\d{9}$"}


def with_national_rules(schema: dict) -> dict:
    """The schema with its pattern-like `custom_checks` as `pattern` constraints on their fields."""
    checks = schema.get("custom_checks")
    if not isinstance(checks, list):
        return schema
    patterns = {}
    for check in checks:
        if isinstance(check, dict) and check.get("name") in CUSTOM_PATTERNS and isinstance(check.get("params"), dict):
            patterns[check["params"].get("column")] = CUSTOM_PATTERNS[check["name"]]
    fields = schema.get("fields") if isinstance(schema.get("fields"), list) else []
    for spec in fields:
        if isinstance(spec, dict) and spec.get("name") in patterns and spec.get("type", "string") == "string":
            constraints = spec.setdefault("constraints", {})
            if isinstance(constraints, dict):
                constraints.setdefault("pattern", patterns[spec["name"]])
    return schema


def _row_of(ref: str) -> int | None:
    digits = "".join(c for c in ref if c.isdigit())
    return int(digits) if digits else None


def _set_text_schema(descriptor, basepath):
    schema = text_schema(descriptor, basepath)
    if schema is None:
        descriptor.pop("schema", None)
    else:
        descriptor["schema"] = schema


def text_schema(descriptor: dict, basepath: str) -> dict | None:
    """A schema of `string` fields named by the file's header: nothing declares a type, so
    every cell is read as the text it is. None when the header cannot be read (Frictionless
    then reports why)."""
    import frictionless

    probe = {k: v for k, v in descriptor.items() if k not in ("schema",)}
    try:
        resource = frictionless.Resource(probe, basepath=basepath,
                                         detector=frictionless.Detector(field_type="string", sample_size=1))
        resource.infer()
        fields = resource.schema.to_descriptor().get("fields") or []
    except Exception:  # noqa: BLE001 - the validation that follows reports the unreadable file
        return None
    return {"fields": [{"name": f["name"], "type": "string"} for f in fields]} if fields else None


@contextlib.contextmanager
def zip_tables(path: Path, display: str):
    """Yield [(file name, path of its bytes unpacked aside, display)] for every table (`.txt`
    member) of a GTFS zip, in name order: each is then read like a loose file (open_table), by the
    package and by any check that reads cells. The archive is sized and its member paths checked
    before anything is unpacked (catalog.safety.open_zip); the files are removed on exit."""
    from catalog.safety import open_zip
    from catalog.validate.gtfs.feed import zip_members

    work = Path(tempfile.mkdtemp(prefix="catalog-zip-"))
    try:
        tables = []
        with open_zip(Path(path), display) as archive:
            members, _ = zip_members(archive, display)
            for name, member in sorted(members.items()):
                target = work / name
                with archive.open(member) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
                tables.append((name, target, f"{display}/{member}"))
        yield tables
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def every_sheet(path: Path, display: str, skip: str | None = None):
    """Yield the `Reading` of every sheet of a workbook (but `skip`), hidden ones and hidden rows
    and columns included, each read as text like the sheet a resource names: for the checks
    that must see the whole file (personal data), not only the sheet published as a table."""
    from catalog.sheets import sheet_names

    fmt = resource_format({"path": str(path)})
    with contextlib.ExitStack() as stack:
        readings = []
        for name in sheet_names(path, fmt):
            if name == skip:
                continue
            descriptor = {"name": "sheet", "path": Path(path).name, "format": fmt}
            readings.append(stack.enter_context(open_table(descriptor, Path(path), str(Path(path).parent),
                                                           display, sheet=name)))
        yield readings


# The cells of any table as text, for the checks that read every cell (personal data, formulas,
# coordinates), for `describe` and for the personal-data gate on a published file's parts.

TEXT_BATCH_ROWS = 100_000


@dataclass
class TextBatch:
    """Consecutive records of a table as Arrow string columns, one per header label."""

    names: list[str]  # the header's labels, as written (repeated or blank ones included)
    columns: list  # pyarrow string arrays, one per label
    first_row: int  # the file row of the first record: the header is row 1

    @property
    def rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0


class Unsplittable(Exception):
    """The text cannot be split into records from here on (a cell past the csv module's size
    limit); the batches before were whole. `row`: the first record not read."""

    def __init__(self, message: str, row: int):
        super().__init__(message)
        self.row = row


class UnclosedQuote(Unsplittable):
    """The text ends inside a quoted value (raised after the last batch, when asked for)."""


def text_batches(source, encoding: str | None = "utf-8", delimiter: str | None = ",",
                 rows: int | None = None, whole_records: bool = False, labels: list | None = None,
                 layout: tuple[int, frozenset] | None = None, errors: str = "replace", closed_quotes: bool = False):
    """Yield the `TextBatch`es of a delimited text table: `source` is a path or a callable
    opening a binary stream (a zip member). The first record is the header; every later record
    is kept, blank or ragged, so that row numbers are Frictionless' (missing cells are empty,
    cells past the header's width are not read: Frictionless reports both). Undecodable bytes
    are replaced (the encoding has its own finding). With `whole_records`, a record longer than
    the header raises Unsplittable instead (a gate that must see every cell reads it otherwise).

    Blocks of whole lines holding no quote character are split by pyarrow (in C++, one pass);
    from the first block holding one, Python's csv module reads the rest with the same rules
    as Frictionless' parser, so a quoted value may span lines. A record cannot begin inside a
    block before that first quote, so the two agree on every record."""
    import codecs

    from catalog.validate.csv_batches import ASCII_SAFE

    opener = source if callable(source) else (lambda: open(source, "rb"))
    encoding, delimiter = encoding or "utf-8", delimiter or ","
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        codec = "utf-8"
    fast = codec in ASCII_SAFE and len(delimiter) == 1 and delimiter not in '\r\n"\x00'
    header_row, comments = layout or (1, frozenset())
    with opener() as stream:
        # A declared layout is rare and small (a raw export): the csv module reads it all.
        reader = _TextReader(stream, codec, delimiter, rows or TEXT_BATCH_ROWS,
                             fast=fast and header_row == 1 and not comments, whole_records=whole_records,
                             header_row=header_row, comments=comments, errors=errors, closed_quotes=closed_quotes)
        try:
            yield from reader.batches()
        finally:
            if labels is not None and reader.names is not None:
                labels[:] = reader.names


class _TextReader:
    BLOCK = 2 << 20

    def __init__(self, stream, codec, delimiter, rows, *, fast, whole_records, header_row, comments, errors,
                 closed_quotes):
        self.stream, self.codec, self.delimiter, self.rows, self.fast = stream, codec, delimiter, rows, fast
        self.whole_records, self.errors, self.closed_quotes = whole_records, errors, closed_quotes
        self.header_row, self.comments = header_row, comments
        self.last_record: list[str] = []
        self.names: list[str] | None = None
        self.row = header_row + 1  # the file row of the next record read

    def batches(self):
        carry, first = b"", True
        while self.fast:
            block = self.stream.read(self.BLOCK)
            data = carry + block
            cut = len(data) if not block else max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1
            if not data:
                return
            if cut <= 0:
                carry = data
                continue
            piece, carry = data[:cut], data[cut:]
            if b'"' in piece or b"\x00" in piece:
                self.stream = io.BufferedReader(_Chained(piece + carry, self.stream))  # the csv module reads it all from here
                break
            text = piece.decode(self.codec, errors=self.errors)
            if first and text.startswith("\ufeff"):
                text = text[1:]
            first = False
            yield from self._split(text)
            if not block:
                return
        lines = _Lines(io.TextIOWrapper(self.stream, self.codec, errors=self.errors, newline=""))
        yield from self._csv(lines, first)
        last = self.last_record[-1] if self.last_record else ""
        if self.closed_quotes and ("\n" in last or "\r" in last) and not lines.last.rstrip("\r\n").endswith('"'):
            raise UnclosedQuote("a quoted value is never closed: it runs to the end of the file", self.row - 1)

    def _split(self, text: str):
        """Whole lines without quotes: the header, then pyarrow's split (the csv module's where
        pyarrow refuses, a blank or ragged line: the same cells either way)."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        if self.names is None:
            header, _, text = _first_line(text)
            self.names = header.split(self.delimiter)
            if not text:
                return
        width = len(self.names)
        names = [f"c{i}" for i in range(width)]  # labels may repeat or be blank
        try:
            table = pacsv.read_csv(
                pa.py_buffer(text.encode("utf-8")),
                read_options=pacsv.ReadOptions(column_names=names, block_size=self.BLOCK, use_threads=True),
                parse_options=pacsv.ParseOptions(delimiter=self.delimiter, quote_char=False, double_quote=False,
                                                 escape_char=False, newlines_in_values=False,
                                                 ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False))
        except pa.ArrowInvalid:
            records = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, quoting=csv.QUOTE_NONE)
            yield from self._records(records)
            return
        for start in range(0, table.num_rows, self.rows):
            part = table.slice(start, self.rows)
            yield TextBatch(self.names, [part.column(i).combine_chunks() for i in range(width)], self.row)
            self.row += part.num_rows

    def _csv(self, text, first: bool):
        records = _records(text, self.delimiter, first)
        try:
            if self.names is None:
                for _ in range(self.header_row - 1):
                    next(records, None)
                header = next(records, None)
                if header is None:
                    return
                self.names = header
            if self.comments:
                records = ([] if number in self.comments else record
                           for number, record in enumerate(records, start=self.row))
            yield from self._records(records)
        except csv.Error as error:
            raise Unsplittable(str(error), self.row) from None

    def _records(self, records):
        import pyarrow as pa

        width = len(self.names)
        while True:
            chunk = list(itertools.islice(records, self.rows))
            if not chunk:
                return
            self.last_record = chunk[-1]
            if self.whole_records:
                longer = next((i for i, r in enumerate(chunk) if len(r) > width), None)
                if longer is not None:
                    raise Unsplittable(f"row {self.row + longer:,} has more cells than the header", self.row + longer)
            chunk = [r if len(r) == width else (r + [""] * width)[:width] for r in chunk]
            yield TextBatch(self.names, [pa.array(c, type=pa.string()) for c in zip(*chunk)], self.row)
            self.row += len(chunk)


def text_records(source, encoding: str | None = "utf-8", delimiter: str | None = ","):
    """Every record of a delimited text (a path, or a callable opening a binary stream) as the
    list of its cells, header and blank records included, split by the rules `text_batches`
    follows: for a step that must see the rows before deciding which one is the header
    (`describe` finding a raw export's layout). Raises Unsplittable where the text cannot be split."""
    opener = source if callable(source) else (lambda: open(source, "rb"))
    with opener() as stream:
        number = 0
        try:
            for number, record in enumerate(_records(io.TextIOWrapper(stream, encoding or "utf-8", errors="replace",
                                                                      newline=""), delimiter or ",", True), 1):
                yield record
        except csv.Error as error:
            raise Unsplittable(str(error), number + 1) from None


def unclosed_quote(path, encoding: str | None, delimiter: str | None):
    """Where a file that ends inside a quoted value opens it: (record number, line it starts on,
    header, cells of that record), the record being the last one, as it runs to the end of the
    file. None when the file has no such record."""
    header, cells, record, start, read = [], [], 0, 0, 0
    with open(path, encoding=encoding or "utf-8", errors="replace", newline="") as handle:
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
    return (record, start, header, cells) if record >= 2 else None


def _records(text, delimiter: str, first: bool):
    """The csv module's records of a text stream (Frictionless' parser splits the same way), the
    byte-order mark dropped from the first cell of the file."""
    records = csv.reader(text, delimiter=delimiter)
    for record in records:
        if first and record and record[0].startswith("\ufeff"):
            record[0] = record[0][1:]
        first = False
        yield record


def _first_line(text: str) -> tuple[str, str, str]:
    cut = min((i for i in (text.find("\n"), text.find("\r")) if i >= 0), default=-1)
    if cut < 0:
        return text, "", ""
    width = 2 if text.startswith("\r\n", cut) else 1
    return text[:cut], text[cut:cut + width], text[cut + width:]


class _Lines:
    """The lines of a text stream, remembering the last one read."""

    def __init__(self, text):
        self.text, self.last = text, ""

    def __iter__(self):
        return self

    def __next__(self):
        self.last = next(self.text)
        return self.last


class _Chained(io.RawIOBase):
    """Bytes already read, then the rest of the stream."""

    def __init__(self, head: bytes, rest):
        self.head, self.rest = head, rest

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.head:
            size = min(len(buffer), len(self.head))
            buffer[:size], self.head = self.head[:size], self.head[size:]
            return size
        data = self.rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)
