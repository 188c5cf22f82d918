"""Spreadsheet formula injection (CSV injection): cells a spreadsheet would run.

Excel and LibreOffice evaluate a cell that starts with `=`, `+`, `-` or `@`
(also after a leading tab or carriage return) as a formula: a published file
could then fetch URLs or start programs on a reuser's computer (OWASP "CSV
Injection"). French data is full of harmless cells that start the same way:
negative amounts "-12,5", international phone numbers "+33 1 23 45 67 89",
bullet text "- voir annexe", Twitter handles "@VilleDeX". So `=` always counts,
while `+`, `-` and `@` count only when followed by something a spreadsheet
would compute with: a function call, a cell reference, an operator chain or a
DDE link (`cmd|' /C calc'!A0`).
"""
from __future__ import annotations

import re

from catalog.findings import Finding
from catalog.validate.context import TableContext

TRIGGERS = "=+-@"
LEADING = "\t\r"
# What a formula does after its sign: call a function, point at cells, or link to a program.
ACTIVE = re.compile(
    r"[A-Za-z_][A-Za-z0-9_.]*\("  # SUM( HYPERLINK( WEBSERVICE( cmd.exe( - no space, unlike prose "voir (annexe)"
    r"|\|"  # DDE: cmd|' /C calc'!A0
    r"|!\$?[A-Za-z]{1,3}\$?\d"  # Sheet1!A1
    r"|^\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?\s*(?:[-+*/^&=<>]|$)"  # A1+1, B2:C9
    r"|^[\d.,\s]+[*/^&]"  # 1*2: arithmetic a spreadsheet evaluates
)
# Numbers as French and English write them, percentages and amounts with a currency.
NUMBER = re.compile(r"[+-]\s?(?:\d[\d\s\u00a0\u202f]*(?:[.,]\d+)?|[.,]\d+)(?:[eE][+-]?\d+)?\s?(?:%|€|EUR|\$)?")
PHONE = re.compile(r"\+\d{1,3}[\s.\-]?(?:\(0\)[\s.\-]?)?\d(?:[\s.\-]?\d){5,13}")


TRIGGER = re.compile(r"[\t\r]*[=+\-@]")  # the cells worth the full test
FIRST = frozenset(TRIGGERS + LEADING)  # a candidate's first character


def _first_bytes(array):
    """The first byte of every cell of an Arrow string column (256 for an empty cell), read
    straight from its buffers; None when no trigger byte occurs in the column at all."""
    import numpy as np

    from catalog.validate.csv_batches import chunk_buffers

    chunks = list(chunk_buffers(array))
    if not any(c.encode() in data for _, data in chunks for c in TRIGGERS + LEADING):
        return None
    parts = []
    for starts, data in chunks:
        firsts = np.full(len(starts) - 1, 256, dtype=np.int16)
        filled = starts[1:] > starts[:-1]
        if filled.any():
            firsts[filled] = np.frombuffer(data, dtype=np.uint8)[starts[:-1][filled]]
        parts.append(firsts)
    return np.concatenate(parts) if parts else None


def is_formula(cell: str) -> bool:
    """Whether a spreadsheet opening the file would evaluate this cell."""
    text = cell.lstrip(LEADING)
    if not text or text[0] not in TRIGGERS:
        return False
    sign, rest = text[0], text[1:]
    if sign == "=":
        return bool(rest.strip("= "))  # "=" or "====" alone are decoration, everything else runs
    if NUMBER.fullmatch(text.strip()) or (sign == "+" and PHONE.fullmatch(text.strip())):
        return False
    if sign in "+-" and rest[:1] in ("=", "+", "-", "@") and rest.strip("-+= "):
        return is_formula(rest) or bool(ACTIVE.search(rest.lstrip("=+-@")))  # "-=1+1", "+-SUM(A1)"
    return bool(ACTIVE.search(rest.strip()))


class FormulaInjectionCheck:
    """Counts, per column, the cells a spreadsheet would execute."""

    def __init__(self, table: TableContext):
        self.table = table
        self.columns: dict[str, dict] = {}

    def feed(self, chunk, first_row: int) -> None:
        """A pandas DataFrame of strings."""
        self.feed_columns([str(c) for c in chunk.columns], [chunk[c].astype(str).tolist() for c in chunk.columns],
                          first_row)

    def feed_columns(self, names, columns, first_row: int) -> None:
        """Plain lists of strings: only cells whose first character is a trigger go through the test."""
        for name, cells in zip(names, columns):
            candidates = [i for i, cell in enumerate(cells) if cell[:1] in FIRST]
            self._count(name, candidates, [cells[i] for i in candidates], first_row)

    def feed_arrow(self, names, arrays, first_row: int) -> None:
        """The same from Arrow string columns: a look at each cell's first byte, in numpy, then
        the exact test on the few cells left."""
        import numpy as np

        from catalog.arrow_values import int64s

        first_bytes = np.zeros(257, dtype=bool)  # by first byte; 256 stands for an empty cell
        first_bytes[[ord(c) for c in FIRST]] = True
        for name, array in zip(names, arrays):
            firsts = _first_bytes(array)
            candidates = np.flatnonzero(first_bytes[firsts]) if firsts is not None else ()
            if len(candidates):
                self._count(name, candidates.tolist(), array.take(int64s(candidates)).to_pylist(), first_row)

    def _count(self, name, candidates, values, first_row):
        """Count the candidates (offsets in the chunk, and their values) a spreadsheet would run."""
        hits = [i for i, value in enumerate(values) if TRIGGER.match(value) and is_formula(value)]
        if not hits:
            return
        seen = self.columns.setdefault(name, {"count": 0, "row": None, "value": None})
        if seen["row"] is None:
            seen["row"], seen["value"] = first_row + int(candidates[hits[0]]), values[hits[0]]
        seen["count"] += len(hits)

    def findings(self) -> list[Finding]:
        found = []
        for name, seen in self.columns.items():
            value = seen["value"]
            shown = value if len(value) <= 80 else value[:77] + "…"
            count = seen["count"]
            record = self.table.record
            first = (f" (first at {record} {seen['row']})" if count > 1 else
                     f" ({record} {seen['row']})" if record != "row" else "")
            found.append(Finding(
                "formula-injection",
                f"{count:,} cell{'s' * (count > 1)} in this column start{'s' * (count == 1)} like a spreadsheet "
                f"formula{first}: Excel or LibreOffice would run "
                f"{'them' if count > 1 else 'it'} when a reuser opens the file.",
                "Remove the leading =, +, - or @ (or put an apostrophe ' before it) in the source, or "
                "export the values as text rather than formulas.",
                file=self.table.file, row=seen["row"], column=name, value=shown.replace("\t", "\\t").replace("\r", "\\r")))
        return found
