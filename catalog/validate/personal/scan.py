"""One cell read for personal data, and the Arrow filter that spares most cells that read.

`scan(value)` lists what a cell holds: e-mail addresses and their kind, phone numbers and
theirs, NIRs, IBANs, a person's name (the whole cell, in free text, or a bare surname under
a header that names persons) and whether it is free text. It is exact but runs in Python,
so a filter first keeps only the cells that could hold any of these: an @ or an obfuscated
one, nine digits or more, or a word that is a first name or a title. The filter has two
forms of one rule: `worth_scanning`, in Arrow over a whole column of a large table, and
`could_hold`, one value at a time, for a small table read without Arrow (text_table.py);
tests/test_small_files.py checks that they agree value for value.
"""
from __future__ import annotations

import re
import unicodedata

from catalog.validate.personal.contacts import WEBMAIL, email_kind, emails_in, phones_in
from catalog.validate.personal.identifiers import ibans_in, nir_shapes_in
from catalog.validate.personal.names import PLACE_WORDS, plain, given_words, is_bare_surname, name_in_text, person_strength

FREE_TEXT_WORDS = 6  # a cell of this many words or more is free text, where names hide in sentences


def scan(value: str, person_column: bool = False) -> list[tuple[str, str, str]]:
    """(kind, sub-kind, the text found) for everything personal-looking in one cell."""
    hits = []
    text = value.strip()
    if not text:
        return hits
    for address in emails_in(text):
        kind = email_kind(address)
        if kind == "personal" and WEBMAIL.match(plain(address.rpartition("@")[2])):
            kind = "personal-webmail"
        hits.append(("email", kind, address))
    digits = sum(map(str.isdigit, text))
    if digits >= 9:
        # A number written as bare digits may be an identifier's: check.py weighs it with the header.
        hits += [("phone", kind if not number.isdigit() else kind + "-bare", number)
                 for number, kind in phones_in(text)]
        if digits >= 13:
            hits += [("nir", "nir" if valid else "shape", n) for n, valid in nir_shapes_in(text)]
        hits += [("iban", "iban", n) for n in ibans_in(text)]
    words = len(text.split())
    free = words >= FREE_TEXT_WORDS
    if free:
        hits.append(("text", "free", ""))
    strength = person_strength(text) if words <= 5 else 0
    if strength:
        hits.append(("name", "full" if strength == 2 else "shape", text))
    elif words >= 2 and (found := name_in_text(text)):
        hits.append(("name", "text", found))
    elif person_column and is_bare_surname(text):
        hits.append(("name", "surname", text))
    return hits


# ---------------------------------------------------------------- the Arrow filter

INERT_BYTES = bytes(b for b in range(0x21, 0x7f) if b != ord("@"))
INERT_CHARS = frozenset(INERT_BYTES.decode("ascii"))
NOT_INERT = bytes(0 if b in INERT_BYTES else 1 for b in range(256))  # a byte's 1 where it is not inert


def inert(value: str) -> bool:
    """`_inert` for one cell: at most 9 printable ASCII characters, no space, no @ (or empty)."""
    return len(value) <= 9 and all(c in INERT_CHARS for c in value)


def _inert(array):
    """(per cell: can no personal-data test flag it?, per cell: its length in bytes).

    Inert cells hold at most 9 printable ASCII characters, no space, no @ (an e-mail needs
    its @, numbers 10 characters, names a space, an obfuscated address more than 9).
    Nearly every cell of a big table of codes, times and amounts is one, and often a whole
    chunk: that is seen from its bytes at once; otherwise the bytes that are not inert are
    found at once too (`bytes.translate`), and only their cells looked up, without a
    per-cell kernel."""
    import numpy as np

    from catalog.validate.csv_batches import chunk_buffers

    inert, lengths = [], []
    for starts, data in chunk_buffers(array):
        length = np.diff(starts)
        if not data.translate(None, INERT_BYTES) and (not len(length) or length.max() <= 9):
            inert.append(np.ones(len(length), dtype=bool))
        else:
            cells = length <= 9
            odd = _positions(data.translate(NOT_INERT))
            if len(odd):
                cells[np.searchsorted(starts, odd, side="right") - 1] = False
            inert.append(cells)
        lengths.append(length)
    if not inert:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    return np.concatenate(inert), np.concatenate(lengths)


def _positions(marks: bytes):
    """Where `marks` holds a 1: found with `bytes.find` (memchr) when they are few, as in a
    column of codes with a stray space, with numpy when they are many (names, addresses)."""
    import numpy as np

    if marks.count(1) > 64:
        return np.flatnonzero(np.frombuffer(marks, dtype=np.uint8))
    found, at = [], marks.find(1)
    while at >= 0:
        found.append(at)
        at = marks.find(1, at + 1)
    return np.array(found, dtype=np.int64)


OBFUSCATION = r"(?i)[\[({<]\s*(at|arobase|@)\s*[\])}>]|\s(at|arobase)\s"
# The same in Python's re: RE2's \s and \d are ASCII only.
OBFUSCATION_RE = re.compile(r"(?i)[\[({<][\t\n\f\r ]*(at|arobase|@)[\t\n\f\r ]*[\])}>]|[\t\n\f\r ](at|arobase)[\t\n\f\r ]")
TOKEN_SPLIT = re.compile(r"[^a-z]+")
_WORDS = None


def _given_words():
    global _WORDS
    if _WORDS is None:
        import pyarrow as pa

        from catalog.arrow_values import strings
        _WORDS = strings(sorted(given_words())).cast(pa.large_string())
    return _WORDS


_PLACES = None


def _place_words():
    global _PLACES
    if _PLACES is None:
        import pyarrow as pa

        from catalog.arrow_values import strings
        _PLACES = strings(sorted(PLACE_WORDS)).cast(pa.large_string())
    return _PLACES


def could_hold(value: str) -> bool:
    """`worth_scanning` for one value: whether `scan` could find anything in it."""
    if "@" in value or OBFUSCATION_RE.search(value) or sum(c in "0123456789" for c in value) >= 9:
        return True
    runs, inside = 0, False  # names need two words: two runs of letters
    for c in value:
        if c.isalpha():
            runs += not inside
            inside = True
        else:
            inside = False
    if runs < 2:
        return False
    decomposed = unicodedata.normalize("NFKD", value.lower())
    tokens = TOKEN_SPLIT.split("".join(c for c in decomposed if unicodedata.category(c) != "Mn"))
    given = given_words()
    for index, token in enumerate(tokens):
        if token in given and len(tokens) > 1 and not (
                (index >= 1 and tokens[index - 1] in PLACE_WORDS) or (index >= 2 and tokens[index - 2] in PLACE_WORDS)):
            return True
    return False


def worth_scanning(values):
    """Per distinct value, whether `scan` could find anything in it; computed in Arrow and
    numpy: an @ or an obfuscated one, nine digits, or a first name or title beside another
    word and not just after a street or establishment word (rue Victor Hugo, Collège Jean
    Moulin are the bulk of a table's text and hold no one)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from catalog.arrow_values import int64s, numpy_of, scalar

    values = values.cast(pa.large_string())
    keep = pc.or_(pc.match_substring(values, "@"), pc.match_substring_regex(values, OBFUSCATION))
    keep = pc.or_(keep, pc.greater_equal(pc.count_substring_regex(values, r"\d"), scalar(9)))
    result = numpy_of(keep, False)
    # Names need two words: two runs of letters (FRSMPP000001, a code, has one).
    worded = np.flatnonzero(numpy_of(pc.match_substring_regex(values, r"\pL[^\pL]+\pL"), False) & ~result)
    if not len(worded):
        return result
    values = values.take(int64s(worded))
    plain = pc.replace_substring_regex(pc.utf8_normalize(pc.utf8_lower(values), "NFKD"), r"\p{Mn}", "")
    tokens = pc.split_pattern_regex(plain, r"[^a-z]+")
    flat = pc.list_flatten(tokens)
    if not len(flat):
        return result
    given = numpy_of(pc.is_in(flat, value_set=_given_words()), False)
    place = numpy_of(pc.is_in(flat, value_set=_place_words()), False)
    parents = numpy_of(pc.list_parent_indices(tokens))
    same = parents[1:] == parents[:-1]  # token i+1 is in the same cell as token i
    before = np.r_[False, same]
    after = np.r_[same, False]
    after_place = np.zeros(len(flat), dtype=bool)  # one or two words after a place word, in the same cell
    after_place[1:] = place[:-1] & same
    after_place[2:] |= place[:-2] & same[:-1] & same[1:]
    candidate = given & (before | after) & ~after_place
    result[worded[parents[candidate]]] = True
    return result
