"""How large an input may become once read, checked before the work starts.

A few megabytes can expand into gigabytes: a zip or gzip bomb, an xlsx whose shared strings
unpack to a gigabyte (the spreadsheet readers hold them all), one 200 MB line, 20,000 columns,
a GeoJSON of ten million vertices. Each is measured here with a streaming pass over the raw or
decompressed bytes (bounded memory, stopped as soon as a limit is passed), and refused with a
message naming the limit and the setting that changes it, before any parser sees it.

Settings (environment): CATALOG_MAX_UNPACKED_BYTES (every compressed input, once unpacked:
zip and gzip files, a declared `compression`, an xlsx workbook), CATALOG_MAX_SHARED_STRINGS_BYTES,
CATALOG_MAX_LINE_BYTES, CATALOG_MAX_COLUMNS, CATALOG_MAX_GEOJSON_VERTICES.
"""
from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from pathlib import Path

from catalog.errors import UnusableInput

MAX_UNPACKED_BYTES = int(os.environ.get("CATALOG_MAX_UNPACKED_BYTES", 4 * 1024**3))
MAX_SHARED_STRINGS_BYTES = int(os.environ.get("CATALOG_MAX_SHARED_STRINGS_BYTES", 64 * 1024**2))
MAX_LINE_BYTES = int(os.environ.get("CATALOG_MAX_LINE_BYTES", 8 * 1024**2))
MAX_COLUMNS = int(os.environ.get("CATALOG_MAX_COLUMNS", 2000))  # SQLite's own limit on a table's columns
MAX_GEOJSON_VERTICES = int(os.environ.get("CATALOG_MAX_GEOJSON_VERTICES", 2_000_000))
# A real CSV deflates 5 to 20 times; past MAX_RATIO (and 50 MB) it is a bomb, whatever the limit.
MAX_RATIO = 200
RATIO_FLOOR = 50 * 1024**2
CHUNK = 1 << 20
DELIMITERS = b",;\t|"


class TooLarge(UnusableInput):
    """An input that would grow past a limit once read."""


def _refuse(display, what, setting, limit, fix, unit="bytes"):
    raise TooLarge(f"{display}: {what}, more than the {limit:,} {unit} allowed; refused before reading it.",
                   f"{fix} (or set {setting} for a trusted file, on a machine with the memory for it).")


def compression(path: Path, declared=None) -> str | None:
    """How a file is compressed: declared on the resource, else by its content (zip, gzip)."""
    if declared:
        return str(declared).lower()
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic.startswith(b"PK\x03\x04"):
        return "zip"
    if magic.startswith(b"\x1f\x8b"):
        return "gz"
    return None


def _gzip_chunks(path: Path, display: str):
    """The decompressed bytes of a gzip file, a chunk at a time, refused past MAX_UNPACKED_BYTES."""
    total, packed = 0, max(1, Path(path).stat().st_size)
    try:
        with gzip.open(path, "rb") as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    return
                total += len(chunk)
                if total > MAX_UNPACKED_BYTES:
                    _refuse(display, "it unpacks to too many bytes", "CATALOG_MAX_UNPACKED_BYTES", MAX_UNPACKED_BYTES,
                            "Publish the file uncompressed or split it")
                _ratio(display, total, packed)
                yield chunk
    except (OSError, EOFError, zlib.error) as error:
        raise UnusableInput(f"{display}: not a readable gzip file ({error}).",
                            "Compress it again with gzip, or publish it uncompressed.") from None


def _ratio(display, unpacked: int, packed: int):
    if unpacked > RATIO_FLOOR and unpacked / packed > MAX_RATIO:
        raise TooLarge(f"{display}: it would expand to {unpacked:,} bytes or more ({unpacked / packed:.0f} times its "
                       "packed size, which no real data file reaches); refused as unsafe.",
                       "Publish the files uncompressed or split the archive; set CATALOG_MAX_UNPACKED_BYTES "
                       "to raise the limit for a trusted file.")


def _zip_members(path: Path, display: str):
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise UnusableInput(f"{display}: not a readable zip archive ({error}).",
                            "Re-create the archive with a standard zip tool.") from None


def check_zip(path: Path, display: str, shared_strings: bool = False):
    """Zip members are sized from the archive's directory (Python's reader never returns more than
    a member's declared size); an xlsx workbook's shared strings are held whole by its readers."""
    try:
        members = _zip_members(path, display)
    except UnusableInput:
        if shared_strings:
            return  # a damaged workbook: its reader says so in its own words
        raise
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        _refuse(display, f"it unpacks to {unpacked:,} bytes", "CATALOG_MAX_UNPACKED_BYTES", MAX_UNPACKED_BYTES,
                "Publish the files uncompressed or split the archive")
    _ratio(display, unpacked, max(1, sum(m.compress_size for m in members)))
    if shared_strings:
        strings = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
        if strings > MAX_SHARED_STRINGS_BYTES:
            _refuse(display, f"its shared strings (the workbook's texts) unpack to {strings:,} bytes",
                    "CATALOG_MAX_SHARED_STRINGS_BYTES", MAX_SHARED_STRINGS_BYTES,
                    "Export the sheet as CSV (UTF-8) and publish that")


def _file_chunks(path: Path):
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                return
            yield chunk


def _unquoted_breaks(chunk: bytes, quoted: bool):
    """Offsets of the line breaks of `chunk` that end a record: those outside quotes (a quoted
    value may hold line breaks). Quotes are paired as they come (`""` inside a value opens and
    closes), jumping from quote to quote with `find`, so a chunk costs one step per quote."""
    pos, newline = 0, -1
    while True:
        quote = chunk.find(b'"', pos)
        if quoted:
            if quote < 0:
                return
            pos, quoted = quote + 1, False
            continue
        if newline < pos:
            newline = chunk.find(b"\n", pos)
        while newline >= 0 and (quote < 0 or newline < quote):
            yield newline
            newline = chunk.find(b"\n", newline + 1)
        if quote < 0:
            return
        pos, quoted = quote + 1, True


def _last_unquoted_break(chunk: bytes, quoted_at_end: bool) -> int:
    """The last record-ending line break of `chunk`, found from its end (see _unquoted_breaks)."""
    end, quoted, newline = len(chunk), quoted_at_end, len(chunk)
    while True:
        quote = chunk.rfind(b'"', 0, end)
        if quoted:
            if quote < 0:
                return -1
            end, quoted = quote, False
            continue
        if newline >= end:
            newline = chunk.rfind(b"\n", 0, end)
        if newline > quote:
            return newline
        if quote < 0:
            return -1
        end, quoted = quote, True


def check_lines(chunks, display: str):
    """No record longer than MAX_LINE_BYTES, a quoted value spanning several lines included, and
    no more than MAX_COLUMNS columns in the header (the most frequent of , ; tab | in it, plus
    one). Only the first and last record break of each chunk are looked for: a record inside a
    chunk is shorter than the chunk (all are looked for only when the limit is smaller)."""
    run, longest, header, in_header, quoted = 0, 0, b"", True, False
    for chunk in chunks:
        if quoted or b'"' in chunk:
            breaks = _unquoted_breaks(chunk, quoted)
            first = next(breaks, -1)
            quoted_at_end = quoted ^ bool(chunk.count(b'"') & 1)
            last = _last_unquoted_break(chunk, quoted_at_end) if first >= 0 else -1
            inner = [first, *breaks] if MAX_LINE_BYTES < len(chunk) and first >= 0 else []
            quoted = quoted_at_end
        else:
            first, last = chunk.find(b"\n"), chunk.rfind(b"\n")
            inner = []
            if MAX_LINE_BYTES < len(chunk):
                longest = max(longest, max(map(len, chunk.split(b"\n")[1:-1]), default=0))
        if in_header:
            header += chunk if first < 0 else chunk[:first]
            if first >= 0 or len(header) > MAX_LINE_BYTES:
                _columns(header[:MAX_LINE_BYTES], display)
                in_header = False
        if first < 0:
            run += len(chunk)
        else:
            longest = max(longest, run + first)
            longest = max([longest, *(b - a - 1 for a, b in zip(inner, inner[1:]))])
            run = len(chunk) - last - 1
        if max(longest, run) > MAX_LINE_BYTES:
            if quoted:
                _refuse(display, "a quoted value runs over too many bytes (its line breaks included)",
                        "CATALOG_MAX_LINE_BYTES", MAX_LINE_BYTES,
                        "Close the quote that opens it (a stray \" starts a value that only the next \" ends) "
                        "or split the long value")
            _refuse(display, "a line is too long", "CATALOG_MAX_LINE_BYTES", MAX_LINE_BYTES,
                    "Check the file's line breaks (a file from an old Mac uses CR only) or split the long values")
    if in_header and header:
        _columns(header, display)


def _columns(header: bytes, display: str):
    columns = 1 + max(header.count(bytes([d])) for d in DELIMITERS)
    if columns > MAX_COLUMNS:
        _refuse(display, f"its header has {columns:,} columns", "CATALOG_MAX_COLUMNS", MAX_COLUMNS,
                "Publish the table in long form (one row per value), or split it into several tables", "columns")


def check_table(path: Path, display: str, fmt: str, declared_compression=None):
    """A table file before it is read: compressed size, then lines and columns of the text."""
    packed = compression(path, declared_compression)
    if fmt in ("xlsx", "xlsm") or (packed == "zip" and fmt in ("xlsx", "xls", "ods")):
        check_zip(path, display, shared_strings=True)
        return
    if packed in ("zip",):
        check_zip(path, display)
        return  # its members are checked by whoever reads them (GTFS: catalog.validate.gtfs)
    if fmt in ("csv", "tsv", "txt") or packed in ("gz", "gzip"):
        check_lines(_gzip_chunks(path, display) if packed in ("gz", "gzip") else _file_chunks(path), display)


def check_geojson(path: Path, display: str):
    """Vertices are counted before JSON parsing: each position opens a bracket, so the number of
    `[` bounds the number of vertices (a parsed vertex costs ~150 bytes of Python objects)."""
    brackets = 0
    for chunk in _file_chunks(path):
        brackets += chunk.count(b"[")
        if brackets > MAX_GEOJSON_VERTICES * 1.1 + 1000:  # rings and lists open brackets too
            _refuse(display, "it holds too many vertices", "CATALOG_MAX_GEOJSON_VERTICES", MAX_GEOJSON_VERTICES,
                    "Simplify the geometries (e.g. mapshaper -simplify 10%) or split the file", "vertices")


def check_input(path: Path, display: str, fmt: str = "", declared_compression=None):
    """Any data file before it is read, by what it is: GeoJSON, zip (a GTFS feed), workbook, text table."""
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt == "geojson" or Path(path).suffix.lower() == ".geojson":
        check_geojson(path, display)
    elif fmt in ("zip", "gtfs") and not declared_compression:
        check_zip(path, display)
    else:
        check_table(path, display, fmt, declared_compression)
