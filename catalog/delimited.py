"""A delimited text table (CSV, TSV, a GTFS file) as the cells it holds, as text: the one reader
of cells for the checks that read every cell (personal data, formulas, coordinates, map-bubble
links), the personal-data gate on every part of a published file, the GTFS feed checks and
`describe`'s sample. A sheet of a workbook reaches it as the text its cells show
(`catalog.reading.open_table`), GeoJSON properties as batches of the same form
(`catalog.geojson_rows`).

Rows are numbered as Frictionless numbers them (header = 1, blank and ragged rows kept), and
split by the rules of its parser (Python's csv module), so a finding points at the row
Frictionless' own errors point at.
"""
from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass

TEXT_BATCH_ROWS = 100_000
# Encodings in which '"', NUL, delimiters and line ends are single ASCII bytes.
ASCII_SAFE = {"utf-8", "utf-8-sig", "ascii", "cp1252", "latin-1", "iso8859-1", "iso8859-15"}


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
            if not data:
                return
            cut = record_end(data, at_end=not block)
            if cut <= 0 and block and len(data) <= LONGEST_RECORD:
                carry = data
                continue
            piece, carry = data[:cut], data[cut:]
            quoted = b'"' in data
            if cut <= 0 or b"\x00" in piece or (quoted and not self._plain_quotes(piece, first)):
                self.stream = io.BufferedReader(_Chained(piece + carry, self.stream))  # the csv module reads it all from here
                break
            text = piece.decode(self.codec, errors=self.errors)
            if first and text.startswith("\ufeff"):
                text = text[1:]
            first = False
            yield from self._split(text, quoted)
            if not block:
                return
        text = io.TextIOWrapper(self.stream, self.codec, errors=self.errors, newline="")
        lines = _Lines(text) if self.closed_quotes else text  # the last line is looked at only then
        yield from self._csv(lines, first)
        last = self.last_record[-1] if self.last_record else ""
        if self.closed_quotes and ("\n" in last or "\r" in last) and not lines.last.rstrip("\r\n").endswith('"'):
            raise UnclosedQuote("a quoted value is never closed: it runs to the end of the file", self.row - 1)

    def _plain_quotes(self, piece: bytes, first: bool) -> bool:
        """Quotes pyarrow splits as the csv module does, and a header that is one line."""
        if first and piece.startswith(b"\xef\xbb\xbf"):
            piece = piece[3:]
        if not quotes_follow_rules(piece, self.delimiter):
            return False
        return self.names is not None or _first_line(piece.decode("latin-1"))[0].count('"') % 2 == 0

    def _split(self, text: str, quoted: bool = False):
        """Whole records: the header, then pyarrow's split (the csv module's where pyarrow
        refuses, a blank or ragged line: the same cells either way). Quoted values are split by
        pyarrow only when their quotes follow the rules (`quotes_follow_rules`)."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        if self.names is None:
            header, _, text = _first_line(text)
            self.names = next(csv.reader([header], delimiter=self.delimiter)) if '"' in header \
                else header.split(self.delimiter)
            if not text:
                return
        width = len(self.names)
        names = [f"c{i}" for i in range(width)]  # labels may repeat or be blank
        data = text.encode("utf-8")
        try:
            table = pacsv.read_csv(
                pa.py_buffer(data),
                read_options=pacsv.ReadOptions(column_names=names, use_threads=True,
                                               block_size=arrow_block(len(data), self.BLOCK, quoted)),
                parse_options=arrow_split(self.delimiter, quoted),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False))
        except pa.ArrowInvalid:
            records = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter,
                                 quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE)
            yield from self._records(records)
            return
        for start in range(0, table.num_rows, self.rows):
            part = table.slice(start, self.rows)
            yield TextBatch(self.names, [part.column(i).combine_chunks() for i in range(width)], self.row)
            self.row += part.num_rows

    def _csv(self, text, first: bool):
        try:
            records = _records(text, self.delimiter, first)
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
        from catalog.arrow_values import strings

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
            yield TextBatch(self.names, [strings(c) for c in zip(*chunk)], self.row)
            self.row += len(chunk)


QUOTE, LF, CR = 34, 10, 13
# A record longer than this (a quoted value left open, on purpose or not) is left to the csv
# module, which reads on in one pass, rather than scanned again with every block read.
LONGEST_RECORD = 16 << 20


def arrow_block(piece_size: int, block: int, quoted: bool) -> int:
    """pyarrow's block size for a piece: with quoted values, the whole piece in one block, since
    pyarrow (up to 21 at least) drops the LF of a quoted CR LF that straddles two of its blocks."""
    return max(block, piece_size + 1) if quoted else block


def arrow_split(delimiter: str, quoted: bool):
    """pyarrow's split of whole records as the csv module's: every line a record, kept blank
    or ragged (pyarrow then refuses it); quoted values read, line ends included, when `quoted`."""
    import pyarrow.csv as pacsv

    return pacsv.ParseOptions(delimiter=delimiter, quote_char='"' if quoted else False, double_quote=quoted,
                              escape_char=False, newlines_in_values=quoted, ignore_empty_lines=False)


def record_end(data: bytes, at_end: bool) -> int:
    """The length of the longest prefix of `data`, which begins where a record begins, that ends
    where a record ends: after a line end outside every quoted value (an even number of quote
    characters before it). 0 when there is none yet; at the end of the text, all of it unless a
    quoted value is left open."""
    if b'"' not in data:
        if at_end:
            return len(data)
        return max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1
    import numpy as np

    buf = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(buf == QUOTE)
    if at_end:
        return len(data) if len(quotes) % 2 == 0 else 0
    returns = np.flatnonzero(buf[:-1] == CR)
    returns = returns[buf[returns + 1] != LF]  # CR LF ends at its LF
    ends = np.flatnonzero(buf == LF)
    if len(returns):
        ends = np.sort(np.concatenate([ends, returns]))
    outside = ends[np.searchsorted(quotes, ends) % 2 == 0]
    return int(outside[-1]) + 1 if len(outside) else 0


def quotes_follow_rules(piece: bytes, delimiter: str) -> bool:
    """True when every quote character of `piece` (whole records) stands where RFC 4180 puts
    one: opening a value (after a delimiter, a line end or the start), closing it (before a
    delimiter, a line end or the end), or doubled inside it. Then pyarrow and Python's csv
    module, which Frictionless reads with, split the text alike; a quote anywhere else (`5"`,
    `"a" b`) each treats its own way, so the csv module reads such text."""
    import numpy as np

    # Padded with a line end on each side: the start and the end of the piece bound a value.
    buf = np.frombuffer(b"\n" + piece + b"\n", dtype=np.uint8)
    quotes = np.flatnonzero(buf == QUOTE)
    if len(quotes) % 2:
        return False
    if not len(quotes):
        return True
    edge = np.zeros(256, dtype=bool)
    edge[[ord(delimiter), LF, CR, QUOTE]] = True
    # The 1st, 3rd... quotes open a value (or end a doubled quote), the others close one.
    return bool(edge[buf[quotes[0::2] - 1]].all() and edge[buf[quotes[1::2] + 1]].all())


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
            return (record + 1, read + 1, header, []) if record >= 1 else None
    # The lenient reader gives a value left open at the end of the file like any other: only the
    # strict one tells it (`"deux\nlignes",` is a closed value with a line break, not an open one).
    return (record, start, header, cells) if record >= 2 and _ends_inside_quotes(path, encoding, delimiter) else None


def _ends_inside_quotes(path, encoding, delimiter) -> bool:
    with open(path, encoding=encoding or "utf-8", errors="replace", newline="") as handle:
        try:
            for _ in csv.reader(handle, delimiter=delimiter or ",", strict=True):
                pass
        except csv.Error as error:
            return "unexpected end of data" in str(error) or "field larger than field limit" in str(error)
    return False


def _records(text, delimiter: str, first: bool):
    """The csv module's records of a text stream (Frictionless' parser splits the same way), the
    byte-order mark dropped from the first cell of the file. The reader itself is returned after
    the first record: no Python step per record."""
    records = csv.reader(text, delimiter=delimiter)
    if not first:
        return records
    head = next(records, None)
    if head is None:
        return iter(())
    if head and head[0].startswith("\ufeff"):
        head[0] = head[0][1:]
    return itertools.chain([head], records)


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
