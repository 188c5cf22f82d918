"""What a text file really is: its encoding and its delimiter.

French public bodies export from Excel and old ERPs: cp1252 or Latin-1, `;`,
sometimes a UTF-8 BOM. We detect the truth from the bytes so the message can say
what to declare, rather than letting a parser fail later with a cryptic error.
"""
from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from pathlib import Path

from catalog.errors import UnusableInput

CHUNK = 1 << 20
# Bytes 0x80-0x9F are printable in cp1252 (€ ’ œ …) but control codes in Latin-1:
# their presence tells the two apart. 0x81 0x8D 0x8F 0x90 0x9D are unassigned in cp1252.
CP1252_ONLY = set(range(0x80, 0xA0)) - {0x81, 0x8D, 0x8F, 0x90, 0x9D}
NOT_CP1252_ONLY = bytes(b for b in range(256) if b not in CP1252_ONLY)  # deleted to find the others
ASCII_BYTES = bytes(range(0x80))  # deleted to keep the high bytes

# Old exports that are not Windows': "CSV (Macintosh)" from Excel for Mac (Mac Roman, lines ended
# by CR alone) and DOS code page 850 from dBase, old ERPs and the Windows console. Their bytes for
# "é", "è", "à", "ç" are other characters in cp1252, or none (0x81 0x8D 0x8F 0x90 0x9D): the
# encoding whose reading looks most like French is the file's. Lower-case accented letters weigh
# most; capitals and French punctuation (’ « » – °) tip the balance of a short file.
OLD_ENCODINGS = ("cp850", "mac_roman")
FRENCH_WEIGHTS = {**dict.fromkeys("éèêëàâîïôùûçœæ", 2), **dict.fromkeys("ÉÈÊÀÂÎÔÙÛÇŒ’«»–—°€", 1)}
SCORED_BYTES = 4 * CHUNK  # high bytes counted from the first blocks that hold any

NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with a byte-order mark (BOM)", "cp1252": "Windows-1252 (cp1252)",
         "latin-1": "ISO-8859-1 (Latin-1)", "ascii": "ASCII", "cp850": "DOS code page 850 (cp850)",
         "mac_roman": "Mac Roman (Excel for Mac's \"CSV (Macintosh)\")",
         "utf-16": "UTF-16 (what Excel's \"Unicode text\" export writes)"}


@dataclass
class Sniffed:
    encoding: str  # utf-8, utf-8-sig, cp1252, latin-1, cp850 or mac_roman (ascii files report utf-8)
    ascii_only: bool
    delimiter: str | None
    double_encoded: str | None = None  # a word whose UTF-8 was encoded to UTF-8 again ("DÃ©partement")


# UTF-8 read as Latin-1/cp1252 and saved as UTF-8 again: "é" (C3 A9) becomes "Ã©" (C3 83 C2 A9), "’"
# becomes "â€™". "Ã" before a Latin-1 symbol, or "â€", never occur in French text written once.
DOUBLE_ENCODED = re.compile(rb"\xc3\x83\xc2[\x80-\xbf]|\xc3\x83[\xa0-\xbf]|\xc3\xa2\xe2\x82\xac")
WORD = re.compile(rb"[^\s,;\t|\"]{0,30}$")


def normalise(encoding: str | None) -> str:
    value = (encoding or "utf-8").lower().replace("_", "-")
    return {
        "utf8": "utf-8", "utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf8-sig": "utf-8-sig",
        "cp1252": "cp1252", "windows-1252": "cp1252", "win-1252": "cp1252",
        "latin-1": "latin-1", "latin1": "latin-1", "iso-8859-1": "latin-1", "iso8859-1": "latin-1",
        "iso-8859-15": "latin-9", "ascii": "ascii", "us-ascii": "ascii",
        "utf16": "utf-16", "utf-16": "utf-16", "utf-16le": "utf-16", "utf-16be": "utf-16",
        "cp850": "cp850", "ibm850": "cp850", "850": "cp850",
        "mac-roman": "mac_roman", "macroman": "mac_roman", "macintosh": "mac_roman", "x-mac-roman": "mac_roman",
    }.get(value, value)


def sniff_encoding(path: Path) -> tuple[str, bool]:
    """Stream the whole file once: UTF-8 only if every byte decodes.

    Raises UnusableInput for a file that is not text at all (NUL bytes: a
    spreadsheet or an archive renamed .csv), rather than calling it cp1252."""
    return _scan(path)[:2]


def _scan(path: Path) -> tuple[str, bool, str | None]:
    """(encoding, ASCII only, a double-encoded word or None), from one pass over the file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, ascii_only, cp1252_bytes, first = True, True, False, True
    bom, twice, tail = False, None, b""
    high, scored = [0] * 256, 0  # how often each byte 0x80-0xFF occurs, in the first blocks holding any
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            if first:
                if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    return "utf-16", False, None
                bom, first = block.startswith(codecs.BOM_UTF8), False
            if b"\x00" in block:
                raise UnusableInput(
                    f"{Path(path).name}: not a text file: it holds binary data (NUL bytes), so it cannot be "
                    "read as CSV.",
                    "If it is a spreadsheet, give it its real extension (.xlsx, .xls, .ods); otherwise export "
                    "the table again as CSV (UTF-8).")
            if ascii_only and not block.isascii():
                ascii_only = False
            if not ascii_only:
                if utf8:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError:
                        utf8 = False
                if not cp1252_bytes and block.translate(None, NOT_CP1252_ONLY):
                    cp1252_bytes = True
                if scored < SCORED_BYTES:
                    for byte in set(block.translate(None, ASCII_BYTES)):
                        high[byte] += block.count(byte)
                    scored += len(block)
                if utf8 and twice is None:
                    twice = _double_encoded_word(tail + block)
            tail = block[-8:]
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if bom:
        return "utf-8-sig", False, twice
    if utf8:
        return "utf-8", ascii_only, twice
    return _single_byte(high, cp1252_bytes), False, None


def _single_byte(high: list[int], cp1252_bytes: bool) -> str:
    """cp1252, Latin-1, cp850 or Mac Roman: the one whose reading of the counted bytes looks most
    like French; cp1252 (or Latin-1) unless another looks strictly more so."""
    def letters(encoding, least=1):
        return sum(n * weight for byte, n in enumerate(high)
                   if n and (weight := FRENCH_WEIGHTS.get(bytes([byte]).decode(encoding, "replace"), 0)) >= least)

    windows = "cp1252" if cp1252_bytes else "latin-1"
    undefined = any(high[b] for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D))  # no character in cp1252
    best = max(OLD_ENCODINGS, key=letters)
    # Lower-case letters are the evidence: capitals alone are mojibake read one way or another.
    if letters(best, least=2) and letters(best) > (0 if undefined else letters("cp1252")):
        return best
    return windows


def sniff_delimiter(path: Path, encoding: str) -> str | None:
    with open(path, "r", encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(64 * 1024)
    lines = [line for line in sample.splitlines() if line.strip()][:50]
    if not lines:
        return None
    # The header's most frequent separator: right in practice when the sniffer gives up on an
    # irregular file, or guesses one the header does not use (a "," header over rows ending ";;").
    counts = {d: lines[0].count(d) for d in ",;\t|"}
    best = max(counts, key=counts.get)
    try:
        guessed = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        guessed = None
    if guessed and (counts.get(guessed) or not counts[best]):
        return guessed
    return best if counts[best] else None


def header_line(path: Path, encoding: str) -> str:
    """The file's first line (its header), decoded."""
    with open(path, "r", encoding=encoding, errors="replace", newline="") as handle:
        return handle.readline(64 * 1024)


def sniff(path: Path) -> Sniffed:
    encoding, ascii_only, twice = _scan(path)
    return Sniffed(encoding, ascii_only, sniff_delimiter(path, encoding), twice)


def _double_encoded_word(data: bytes) -> str | None:
    """The first word of `data` whose UTF-8 was encoded to UTF-8 twice, or None."""
    match = DOUBLE_ENCODED.search(data)
    if not match:
        return None
    start = match.start() - len(WORD.search(data[:match.start()]).group(0))
    end = re.compile(rb"[\s,;\t|\"]|$").search(data, match.end()).start()
    return data[start:min(end, start + 60)].decode("utf-8", "replace")


def compatible(declared: str, actual: Sniffed) -> bool:
    """Whether reading the file with the declared encoding gives the right text."""
    declared = normalise(declared)
    if actual.ascii_only:
        return True
    if actual.encoding == "utf-16":
        return declared == "utf-16"
    if actual.encoding in ("utf-8", "utf-8-sig"):
        return declared in ("utf-8", "utf-8-sig")
    if actual.encoding == "latin-1":  # no 0x80-0x9F bytes: cp1252 and Latin-1 read it alike
        return declared in ("latin-1", "cp1252", "latin-9")
    if actual.encoding in OLD_ENCODINGS:
        return declared == actual.encoding
    return declared == "cp1252"


def describe(encoding: str) -> str:
    return NAMES.get(encoding, encoding)


def declaration(encoding: str) -> str:
    """The value to write in the descriptor's `encoding` for a detected encoding."""
    return {"utf-8-sig": "utf-8", "latin-1": "iso-8859-1"}.get(encoding, encoding)


def double_encoded_finding(actual: Sniffed, display: str):
    """The finding for a file whose text was encoded to UTF-8 twice, or None."""
    from catalog.findings import Finding

    if not actual.double_encoded:
        return None
    return Finding(
        "double-encoded", f'the text was converted to UTF-8 twice: "{actual.double_encoded}" is how its accented '
        "letters now read, in the file itself (no declared encoding can repair it).",
        "Export the table again from its source as UTF-8, or convert this file back once (e.g. "
        "`iconv -f utf-8 -t latin1 file.csv > fixed.csv`, then declare that file's encoding).",
        file=display, value=actual.double_encoded)
