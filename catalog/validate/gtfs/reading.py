"""Reading one file of the feed as CSV: its header, then chunks of strings with
only the columns a check needs, so stop_times.txt never sits whole in memory.
Files that are empty, malformed or not in UTF-8 are reported here, once."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from catalog.findings import Finding
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
            with self.feed.openers[self.name]() as stream:
                frame = pd.read_csv(stream, nrows=0, dtype=str, index_col=False, encoding="utf-8-sig",
                                    encoding_errors="replace")
        except pd.errors.EmptyDataError:
            self.found.append(Finding(
                "gtfs-empty-file", "the file is empty: it has no header row naming the columns.",
                f"Export {self.name} again with its header row and data, or remove it if the feed does "
                "not need it.", file=self.file))
            return False
        except pd.errors.ParserError as error:
            self._malformed(error)
            return False
        self.raw_header = [str(c) for c in frame.columns]
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
        usecols = [raw for raw, c in zip(self.raw_header, self.header) if c in wanted]
        if not usecols:
            return
        # index_col=False: a row with more fields than the header must not turn
        # the first column into an index; the extra fields are not read.
        try:
            with self.feed.openers[self.name]() as stream, warnings.catch_warnings():
                warnings.simplefilter("ignore", pd.errors.ParserWarning)
                reader = pd.read_csv(
                    stream, dtype=str, usecols=usecols, index_col=False, na_filter=False,
                    skip_blank_lines=False, encoding="utf-8-sig", encoding_errors=self.errors,
                    chunksize=CHUNK_ROWS)
                for chunk in reader:
                    chunk.columns = [str(c).strip() for c in chunk.columns]
                    # Blank lines are read (not skipped) so that row numbers match the file.
                    blank = (chunk == "").all(axis=1).to_numpy()
                    rows = (chunk.index.to_numpy() + 2).astype(np.int32)
                    chunk = chunk.assign(__row__=rows)
                    if blank.any():
                        chunk = chunk[~blank]
                    yield chunk.reset_index(drop=True)
        except pd.errors.ParserError as error:
            raise Malformed(str(error)) from None

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
