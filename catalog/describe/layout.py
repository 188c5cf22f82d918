"""Where the table lies in a raw export: the title lines above its header, the totals and notes below.

Spreadsheet and CSV exports from finance or HR software rarely start with the header: a title,
the body that produced it and an empty line come first, and a "Total" row and a "Source : …"
note close it. The file is kept as it is; the layout is declared in its dialect (Frictionless'
`headerRows` and `commentRows`), so `validate` and `package` read the table alone. The rules
only ever move the header down past rows narrower than the table, and only set aside rows that
cannot be records: a totals row narrower than the table, notes of one cell after the last record.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

MAX_PREAMBLE = 30  # rows searched for a header below the first: a title block is a few lines
NOTE = re.compile(r"^(source|sources|note|notes|nb|n\.b|lecture|champ|mise a jour|maj|donnees|extraction|"
                  r"edite|edition|genere|\*|\(\d+\)|\d+\)|©)", re.IGNORECASE)
TOTAL = re.compile(r"^(sous[- ]?)?(total|totaux)\b|^ensemble\b|^montant total\b", re.IGNORECASE)


@dataclass
class Layout:
    header_row: int = 1  # 1-based, in the numbering Frictionless gives rows (blank ones count)
    comment_rows: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was set aside, in words
    blank_rows: int = 0  # empty rows left in the table (not set aside): each one a row without a key

    def dialect(self) -> dict:
        """The dialect keys declaring this layout (none for a plain table)."""
        keys = {}
        if self.header_row != 1:
            keys["headerRows"] = [self.header_row]
        if self.comment_rows:
            keys["commentRows"] = list(self.comment_rows)
        return keys


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.strip().lower()) if not unicodedata.combining(c))


def _filled(record) -> int:
    return sum(1 for cell in record if cell.strip())


def _numeric(cell: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d\s.,  ]*\d[\d\s.,  ]*%?|\d{1,4}[-/]\d{1,2}[-/]\d{1,4}", cell.strip()))


def _labels(record) -> bool:
    """A header's shape: names, not values."""
    cells = [c for c in record if c.strip()]
    return bool(cells) and not any(_numeric(c) for c in cells)


def _first(record) -> str:
    return next((c.strip() for c in record if c.strip()), "")


def find_layout(records: list[list[str]], complete: bool) -> Layout:
    """The layout of a table given its first records, every one (blank ones included) in file
    order; `complete` when they are the whole file (notes below the table are only looked for
    then: a sample's last row is no end)."""
    filled = [_filled(r) for r in records]
    wide = Counter(n for n in filled if n >= 2)
    if not wide:
        return Layout(header_row=_first_filled(filled))
    width = max(wide.items(), key=lambda item: (item[1], item[0]))[0]  # the table's usual width
    layout = Layout(header_row=_first_filled(filled))
    start = layout.header_row - 1
    if width >= 2 and filled[start] < width:
        # The first row is narrower than the table: a title block, if a row of labels as wide as
        # the table follows within a few lines with only narrow rows above it.
        for index in range(start, min(len(records), start + MAX_PREAMBLE)):
            if filled[index] >= max(2, -(-width * 2 // 3)):
                if _labels(records[index]) and all(n <= max(1, width // 2) for n in filled[start:index]):
                    layout.header_row = index + 1
                break
    header = layout.header_row - 1
    if layout.header_row > 1 and not any(filled[:header]):
        # Only empty lines above the header (an export that begins with a line break): no title.
        layout.notes.append(f"the table starts at row {layout.header_row}, below "
                            + ("an empty line" if header == 1 else f"{header} empty lines"))
    elif layout.header_row > 1:
        title = _first(records[_first_filled(filled) - 1])
        layout.notes.append(f"the table starts at row {layout.header_row}, below a title"
                            + (f" ({title[:60]!r})" if title else ""))
    last = max((i for i in range(header + 1, len(records)) if filled[i]), default=header)
    if complete and width >= 3:
        # Notes below the table: one-cell rows at the end, below an empty row or worded as notes.
        end = last
        while end > header and (filled[end] == 0 or filled[end] == 1 and not _numeric(_first(records[end]))):
            end -= 1
        block = [i for i in range(end + 1, last + 1)]
        texts = [_first(records[i]) for i in block if filled[i]]
        if texts and (any(filled[i] == 0 for i in block) or all(NOTE.match(_plain(t)) for t in texts)):
            layout.comment_rows += [i + 1 for i in block]
            rows = f"rows {block[0] + 1}-{block[-1] + 1}" if len(block) > 1 else f"row {block[0] + 1}"
            layout.notes.append(f"{rows} below the table are notes ({texts[0][:60]!r})")
            last = end
    # Totals: a row narrower than the table whose first cell says it sums the others.
    for index in range(header + 1, last + 1):
        if 0 < filled[index] < width and TOTAL.match(_plain(_first(records[index]))):
            layout.comment_rows.append(index + 1)
            layout.notes.append(f"row {index + 1} ({_first(records[index])[:40]!r}) is a totals row")
    layout.comment_rows.sort()
    return layout


def _first_filled(filled) -> int:
    return next((i + 1 for i, n in enumerate(filled) if n), 1)
