"""Identifiers and the references between files: a row must have its id, an id
must be unique in its file, and a value naming a row of another file (a trip's
route_id, a stop's parent_station) must find that row."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from catalog.findings import Finding
from catalog.validate.gtfs.columns import isin
from catalog.validate.gtfs.reading import Reader
from catalog.validate.gtfs.tally import Tally, positions


def missing_values(file: str, rows: np.ndarray, values: pd.Series, column: str, fix: str,
                   message: str) -> list[Finding]:
    """Rows where `column` is empty, each reported with `message`."""
    tally = Tally("gtfs-missing-value", file, f"an empty {column}", fix)
    tally.add(positions((values == "").to_numpy()), lambda p: tally.finding(message, int(rows[p]), column, ""))
    return tally.findings()


def check_ids(reader: Reader, frame: pd.DataFrame, column: str, found, required=True):
    """Empty and duplicate identifiers of one table."""
    values = frame[column]
    rows = frame["__row__"].to_numpy()
    if required:
        found += missing_values(reader.file, rows, values, column,
                                f"Give every row of {reader.name} a {column}.",
                                f"{column} is empty: every row of {reader.name} needs one.")
    duplicated = (values.duplicated(keep="first") & (values != "")).to_numpy()
    if duplicated.any():
        first = pd.Series(rows, index=values).groupby(level=0, sort=False).first()
        dup = Tally("gtfs-duplicate-id", reader.file, f"a {column} already used on an earlier row",
                    f"Give each row of {reader.name} its own {column}, or remove the repeated rows.")
        dup.add(positions(duplicated), lambda p: dup.finding(
            f"{column} {values.iat[p]!r} is used more than once in {reader.name} "
            f"(first on row {first[values.iat[p]]}).", int(rows[p]), column, values.iat[p]))
        found += dup.findings()


def reference_tally(reader: Reader, column: str, target_file: str, target_column: str) -> Tally:
    """The tally of `column` values of the reader's file that `target_file` does not list."""
    return Tally(
        "gtfs-invalid-reference", reader.file, f"a {column} not found in {target_file}",
        f"Add the missing {target_column} to {target_file}, or correct the {column} in {reader.name}.")


def references(reader: Reader, frame: pd.DataFrame, column: str, target: pa.Array | None,
               target_file: str, target_column: str, tally: Tally | None = None):
    """Rows whose non-empty `column` names nothing in `target`; adds to (and returns) the tally."""
    tally = tally or reference_tally(reader, column, target_file, target_column)
    if target is None or column not in frame:
        return tally
    values = frame[column]
    rows = frame["__row__"].to_numpy()
    bad = (values != "").to_numpy() & ~isin(values, target)
    tally.add(positions(bad), lambda p: tally.finding(
        f"{column} {values.iat[p]!r} does not exist in {target_file}: nothing in the feed "
        f"describes it.", int(rows[p]), column, values.iat[p]))
    return tally
