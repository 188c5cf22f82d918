"""Reading one file of the feed as CSV: its header, then chunks of strings with
only the columns a check needs, so stop_times.txt never sits whole in memory.
The cells come from the one reader (catalog.delimited.text_batches), as for every
other table; only the columns a check needs become pandas frames.
Files that are empty, malformed or not in UTF-8 are reported here, once."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from catalog.findings import Finding
from catalog.delimited import UnclosedQuote, Unsplittable, text_batches, text_records
from catalog.validate.gtfs.feed import Feed

CHUNK_ROWS = 500_000


class Malformed(Exception):
    pass


class Reader:
    """Reads one member as CSV chunks of strings with only the wanted columns.
    Each chunk gets a `__row__` column: the file row number, header = 1."""

    def __init__(self, feed: Feed, name: str, found: list[Finding]):
        self.feed, self.name, self.found = feed, name, found
        self.file = feed.display(name)
        self.header: list[str] | None = None  # stripped column names
        self.raw_header: list[str] = []
        self.header_line = ""
        self.errors = "strict"

    def read_header(self) -> bool:
        try:
            # The raw first line too: it shows a separator other than the comma.
            with self.feed.openers[self.name]() as stream:
                first = stream.readline(1 << 20)
            self.header_line = first.decode("utf-8-sig", errors="replace")
            records = text_records(self.feed.openers[self.name], "utf-8-sig", ",")
            try:
                header = next(records, None)
            finally:
                records.close()
        except Unsplittable as error:
            self._malformed(error)
            return False
        if not header or not any(c.strip() for c in header):
            self.found.append(Finding(
                "gtfs-empty-file", "the file is empty: it has no header row naming the columns.",
                f"Export {self.name} again with its header row and data, or remove it if the feed does "
                "not need it.", file=self.file))
            return False
        self.raw_header = header
        self.header = [c.strip() for c in self.raw_header]
        return True

    def require(self, columns) -> bool:
        """Report required columns that are absent; True when all are there."""
        missing = [c for c in columns if c not in self.header]
        for column in missing:
            fix = f"Add a {column} column to {self.name} (column names are lower case, in the header row)."
            if ";" in self.header_line and "," not in self.header_line:
                fix = (f"{self.name} seems to use ';' between columns: GTFS files must use commas. "
                       "Export it again as comma-separated values.")
            self.found.append(Finding(
                "gtfs-missing-column", f"the required column {column} is missing.", fix,
                file=self.file, row=1, column=column))
        return not missing

    def has(self, column):
        return column in self.header

    def chunks(self, columns):
        wanted = set(columns)
        # The first of a repeated column, as a reader of the file by name would take it.
        positions = {}
        for index, name in enumerate(self.header):
            if name in wanted:
                positions.setdefault(name, index)
        if not positions:
            return
        pending, size = [], 0
        try:
            for batch in text_batches(self.feed.openers[self.name], "utf-8-sig", ",", rows=CHUNK_ROWS,
                                      errors=self.errors, closed_quotes=True):
                # Only the wanted columns are kept: the others are freed with the batch.
                pending.append(([batch.columns[index] for index in positions.values()], batch.first_row, batch.rows))
                size += batch.rows
                if size >= CHUNK_ROWS:
                    yield self._frame(pending, positions)
                    pending, size = [], 0
            if pending:
                yield self._frame(pending, positions)
        except UnclosedQuote as error:
            raise Malformed(str(error)) from None
        except Unsplittable as error:
            raise Malformed(str(error)) from None

    @staticmethod
    def _frame(batches, positions) -> pd.DataFrame:
        """The wanted columns of consecutive batches ((columns, first row, rows)) as one frame of
        strings, blank rows left out (they keep their numbers: `__row__` is the file row, header = 1)."""
        columns = {name: pa.concat_arrays([b[0][at] for b in batches]).to_numpy(zero_copy_only=False)
                   for at, name in enumerate(positions)}
        rows = np.concatenate([np.arange(first, first + count, dtype=np.int32) for _, first, count in batches])
        chunk = pd.DataFrame(columns).assign(__row__=rows)
        blank = np.logical_and.reduce([values == "" for values in columns.values()])
        if blank.any():
            chunk = chunk[~blank]
        return chunk.reset_index(drop=True)

    def table(self, columns) -> pd.DataFrame:
        parts = list(self.chunks(columns))
        if not parts:
            return pd.DataFrame({c: pd.Series([], dtype=str) for c in columns if self.has(c)}
                                | {"__row__": np.array([], np.int32)})
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def run(self, process):
        """process(reader) reads the file; on a decoding error it runs again,
        tolerating the bad bytes, after reporting the encoding. Returns its
        result, or None when the file is not a readable CSV table."""
        try:
            try:
                return process(self)
            except UnicodeDecodeError:
                self.found.append(Finding(
                    "gtfs-encoding",
                    "the file is not saved as UTF-8 (probably Windows-1252 or Latin-1): accented letters "
                    "such as é or à would show as garbage in journey planners.",
                    f"Save {self.name} as UTF-8 (in Excel or LibreOffice: \"CSV UTF-8\").",
                    file=self.file))
                self.errors = "replace"
                return process(self)
        except Malformed as error:
            self._malformed(error)
            return None

    def _malformed(self, error):
        self.found.append(Finding(
            "gtfs-malformed-file",
            f"the file is not a readable comma-separated table ({str(error).strip()}).",
            "Check that every row has as many commas as the header row and that quotes (\") are "
            "closed; export the file again as CSV.", file=self.file))
