"""GTFS feeds: the files a journey planner needs, the links between them and
the timetables themselves, checked without loading the whole feed in memory.

Two entry points share one implementation that reads each member as a stream:
`check_gtfs_zip` for a feed published as a zip, `check_gtfs_files` for the
same files lying loose in a dataset folder.

stop_times.txt can hold millions of rows: it is read in chunks with only the
columns we check, kept as compact arrays (trip codes, stop_sequence, times in
seconds, file row numbers) and the per-trip checks run vectorised, sorted by
trip then stop_sequence.
"""
from __future__ import annotations

import io
import posixpath
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from catalog.errors import UnusableInput
from catalog.findings import ERROR, WARNING, Finding
from catalog.safety import open_zip

REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
CALENDAR_FILES = ("calendar.txt", "calendar_dates.txt")
REQUIRED_COLUMNS = {
    "agency.txt": ("agency_name", "agency_url", "agency_timezone"),
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar.txt": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday", "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
}
# Every file the GTFS Schedule reference defines; other .txt files are reported as a warning.
KNOWN_FILES = set(REQUIRED_FILES) | set(CALENDAR_FILES) | {
    "shapes.txt", "frequencies.txt", "transfers.txt", "pathways.txt", "levels.txt", "feed_info.txt",
    "translations.txt", "attributions.txt", "fare_attributes.txt", "fare_rules.txt", "timeframes.txt",
    "fare_media.txt", "fare_products.txt", "fare_leg_rules.txt", "fare_leg_join_rules.txt",
    "fare_transfer_rules.txt", "rider_categories.txt", "areas.txt", "stop_areas.txt", "networks.txt",
    "route_networks.txt", "location_groups.txt", "location_group_stops.txt", "booking_rules.txt",
}
LIMIT = 20  # per-row findings listed for one problem in one file; the rest are counted
CHUNK_ROWS = 500_000
TIME_PATTERN = r"^\d{1,2}:[0-5]\d:[0-5]\d$"  # RE2: \d is ASCII digits only
INT32_MAX = np.iinfo(np.int32).max

TIME_FIX = ("Write times as HH:MM:SS (or H:MM:SS), e.g. 08:05:00; trips running after midnight "
            "continue past 24:00:00, e.g. 25:10:00 for 1:10 the next morning.")


# ---------------------------------------------------------------- entry points

def check_gtfs_zip(path: Path, display: str) -> list[Finding]:
    """Check a GTFS zip. Raises UnusableInput when the archive cannot be read
    (not a zip, damaged, unsafe). A feed whose files sit in one sub-folder of
    the archive is accepted."""
    with open_zip(Path(path), display) as archive:
        members, notes = _zip_members(archive, display)
        feed = _Feed(
            {name: (lambda member=member: archive.open(member)) for name, member in members.items()},
            {name: f"{display}/{member}" for name, member in members.items()},
            f"{display}/{_folder_of(members)}".rstrip("/"),
        )
        try:
            return notes + _check(feed)
        except RuntimeError as error:  # zipfile's word for an encrypted member
            if "encrypted" not in str(error) and "password" not in str(error):
                raise
            raise UnusableInput(
                f"{display}: a file inside the archive is protected by a password.",
                "Re-create the archive without a password.",
            ) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            raise UnusableInput(
                f"{display}: a file inside the archive cannot be unpacked ({error}).",
                "Re-create the archive with a standard zip tool, without a password.",
            ) from None


def check_gtfs_files(files: dict[str, Path], display_prefix: str) -> list[Finding]:
    """Check a feed given as loose files, e.g. {"stops.txt": Path(...)}; findings
    name them `display_prefix/stops.txt` (just `stops.txt` when the prefix is empty)."""
    prefix = display_prefix.rstrip("/")
    present = {name: Path(p) for name, p in files.items() if Path(p).is_file()}
    feed = _Feed(
        {name: (lambda p=p: open(p, "rb")) for name, p in present.items()},
        {name: f"{prefix}/{name}" if prefix else name for name in present},
        prefix or None,
        prefix,
    )
    return _check(feed)


# ---------------------------------------------------------------- where the files are

def _zip_members(archive: zipfile.ZipFile, display: str):
    """{"stops.txt": "member/name"} for the feed's folder inside the archive, and notes."""
    names = [i.filename for i in archive.infolist() if not i.is_dir()]
    names = [n for n in names if not n.startswith("__MACOSX/") and not posixpath.basename(n).startswith(".")]
    txt = [n for n in names if n.lower().endswith(".txt")]
    folders = {posixpath.dirname(n) for n in txt if posixpath.basename(n) in REQUIRED_FILES}
    notes = []
    if "" in folders or not folders:
        folder = ""
    elif len(folders) == 1:
        folder = folders.pop()
    else:
        folder = ""
        notes.append(Finding(
            "gtfs-missing-file",
            f"the archive holds GTFS files in several folders ({', '.join(sorted(folders))}), "
            "so it is not clear which one is the feed.",
            "Publish one feed per archive, with its files at the root of the zip.",
            file=display))
    members = {posixpath.basename(n): n for n in txt if posixpath.dirname(n) == folder}
    return members, notes


def _folder_of(members: dict[str, str]) -> str:
    for name, member in members.items():
        return member[: -len(name)]
    return ""


class _Feed:
    """The feed's files: name -> function opening a binary stream, name -> display."""

    def __init__(self, openers: dict[str, Callable[[], io.IOBase]], displays: dict[str, str],
                 where: str | None, prefix: str | None = None):
        self.openers = openers
        self.displays = displays
        self.where = where  # the feed as the user knows it (zip path or folder)
        self.prefix = (where or "") if prefix is None else prefix

    def display(self, name):
        return self.displays.get(name) or (f"{self.prefix}/{name}" if self.prefix else name)

    def __contains__(self, name):
        return name in self.openers


# ---------------------------------------------------------------- findings, counted

class _Tally:
    """Per-row findings of one problem in one file: the first LIMIT listed, then a count."""

    def __init__(self, code, file, what, fix, severity=ERROR):
        self.code, self.file, self.what, self.fix, self.severity = code, file, what, fix, severity
        self.count = 0
        self.items: list[Finding] = []

    def add(self, rows: np.ndarray, make: Callable[[int], Finding]):
        """`rows` are positions (any order) whose findings `make(position)` builds;
        only the first LIMIT overall (by file row) are built."""
        self.count += len(rows)
        room = LIMIT - len(self.items)
        if room > 0:
            self.items.extend(make(int(p)) for p in rows[:room])

    def finding(self, message, row=None, column=None, value=None):
        return Finding(self.code, message, self.fix, file=self.file, row=row, column=column,
                       value=None if value is None else str(value), severity=self.severity)

    def findings(self) -> list[Finding]:
        out = sorted(self.items, key=lambda f: f.row or 0)
        if self.count > LIMIT:
            out.append(Finding(
                self.code,
                f"{self.count:,} rows in all have {self.what}; only the first {LIMIT} are listed.",
                self.fix, file=self.file, severity=self.severity))
        return out


def _positions(mask, rows=None) -> np.ndarray:
    """Positions where mask is true, in file-row order."""
    where = np.flatnonzero(np.asarray(mask, dtype=bool))
    if rows is not None and len(where) > 1:
        where = where[np.argsort(np.asarray(rows)[where], kind="stable")]
    return where


def _arrow(values) -> pa.Array:
    """A string column as an Arrow array (zero-copy for pandas' Arrow-backed strings)."""
    array = pa.array(values)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    return array


def _bools(array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)


def _isin(values, target: pa.Array) -> np.ndarray:
    """Where the strings of `values` are in `target` (computed by Arrow, not per row in Python)."""
    return _bools(pc.is_in(_arrow(values), value_set=target, skip_nulls=True))


def _ids(values) -> pa.Array:
    """The distinct non-empty identifiers of a column."""
    array = pc.unique(_arrow(values))
    return array.filter(pc.not_equal(array, ""))


# ---------------------------------------------------------------- reading

class _Malformed(Exception):
    pass


class _Reader:
    """Reads one member as CSV chunks of strings with only the wanted columns.
    Each chunk gets a `__row__` column: the file row number, header = 1."""

    def __init__(self, feed: _Feed, name: str, found: list[Finding]):
        self.feed, self.name, self.found = feed, name, found
        self.file = feed.display(name)
        self.header: list[str] | None = None  # stripped column names
        self.raw_header: list[str] = []
        self.header_line = ""
        self.errors = "strict"

    def read_header(self) -> bool:
        try:
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

    def chunks(self, columns, chunksize=CHUNK_ROWS):
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
                    chunksize=chunksize)
                for chunk in reader:
                    chunk.columns = [str(c).strip() for c in chunk.columns]
                    blank = (chunk == "").all(axis=1).to_numpy()
                    rows = (chunk.index.to_numpy() + 2).astype(np.int32)
                    chunk = chunk.assign(__row__=rows)
                    if blank.any():
                        chunk = chunk[~blank]
                    yield chunk.reset_index(drop=True)
        except pd.errors.ParserError as error:
            raise _Malformed(str(error)) from None

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
            except UnicodeDecodeError as error:
                self.found.append(Finding(
                    "gtfs-encoding",
                    "the file is not saved as UTF-8 (probably Windows-1252 or Latin-1): accented letters "
                    "such as é or à would show as garbage in journey planners.",
                    f"Save {self.name} as UTF-8 (in Excel or LibreOffice: \"CSV UTF-8\").",
                    file=self.file))
                self.errors = "replace"
                return process(self)
        except _Malformed as error:
            self._malformed(error)
            return None

    def _malformed(self, error):
        self.found.append(Finding(
            "gtfs-malformed-file",
            f"the file is not a readable comma-separated table ({str(error).strip()}).",
            "Check that every row has as many commas as the header row and that quotes (\") are "
            "closed; export the file again as CSV.", file=self.file))


# ---------------------------------------------------------------- the checks

def _check(feed: _Feed) -> list[Finding]:
    found: list[Finding] = []
    for name in sorted(feed.openers):
        if name not in KNOWN_FILES:
            found.append(Finding(
                "gtfs-unknown-file", f"{name} is not a GTFS file: journey planners will ignore it.",
                "Remove it from the feed, or check its name against the GTFS reference "
                "(gtfs.org/schedule/reference).", file=feed.display(name), severity=WARNING))
    for name in REQUIRED_FILES:
        if name not in feed:
            found.append(Finding(
                "gtfs-missing-file", f"the required file {name} is missing from the feed.",
                f"Add {name} to the feed (GTFS needs agency, stops, routes, trips, stop_times "
                "and calendar or calendar_dates).", file=feed.display(name)))
    if not any(name in feed for name in CALENDAR_FILES):
        found.append(Finding(
            "gtfs-missing-file",
            "neither calendar.txt nor calendar_dates.txt is in the feed: no day of service is known.",
            "Add calendar.txt (weekly pattern) and/or calendar_dates.txt (dates of service).",
            file=feed.where))

    readers = {}
    for name in list(REQUIRED_FILES) + list(CALENDAR_FILES) + ["shapes.txt"]:
        if name in feed:
            reader = _Reader(feed, name, found)
            if reader.read_header():
                reader.require(REQUIRED_COLUMNS[name])
                readers[name] = reader

    agency = _agency(readers.get("agency.txt"), found)
    stops = _stops(readers.get("stops.txt"), found)
    routes = _routes(readers.get("routes.txt"), agency, found)
    services = _services([readers.get(n) for n in CALENDAR_FILES], found)
    shapes = _shapes(readers.get("shapes.txt"), found)
    trips = _trips(readers.get("trips.txt"), routes, services, shapes, found)
    _stop_times(readers.get("stop_times.txt"), trips, stops, found)
    return found


def _check_ids(reader: _Reader, frame: pd.DataFrame, column: str, found, required=True):
    """Empty and duplicate identifiers of one table."""
    values = frame[column]
    rows = frame["__row__"].to_numpy()
    if required:
        empty = _Tally("gtfs-missing-value", reader.file, f"an empty {column}",
                       f"Give every row of {reader.name} a {column}.")
        empty.add(_positions((values == "").to_numpy()), lambda p: empty.finding(
            f"{column} is empty: every row of {reader.name} needs one.", int(rows[p]), column, ""))
        found += empty.findings()
    duplicated = (values.duplicated(keep="first") & (values != "")).to_numpy()
    if duplicated.any():
        first = pd.Series(rows, index=values).groupby(level=0, sort=False).first()
        dup = _Tally("gtfs-duplicate-id", reader.file, f"a {column} already used on an earlier row",
                     f"Give each row of {reader.name} its own {column}, or remove the repeated rows.")
        dup.add(_positions(duplicated), lambda p: dup.finding(
            f"{column} {values.iat[p]!r} is used more than once in {reader.name} "
            f"(first on row {first[values.iat[p]]}).", int(rows[p]), column, values.iat[p]))
        found += dup.findings()


def _references(reader: _Reader, frame: pd.DataFrame, column: str, target: pa.Array | None,
                target_file: str, target_column: str, tally: _Tally | None = None):
    """Rows whose non-empty `column` names nothing in `target`; adds to (and returns) the tally."""
    tally = tally or _Tally(
        "gtfs-invalid-reference", reader.file, f"a {column} not found in {target_file}",
        f"Add the missing {target_column} to {target_file}, or correct the {column} in {reader.name}.")
    if target is None or column not in frame:
        return tally
    values = frame[column]
    rows = frame["__row__"].to_numpy()
    bad = (values != "").to_numpy() & ~_isin(values, target)
    tally.add(_positions(bad), lambda p: tally.finding(
        f"{column} {values.iat[p]!r} does not exist in {target_file}: nothing in the feed "
        f"describes it.", int(rows[p]), column, values.iat[p]))
    return tally


def _agency(reader, found):
    """Agency ids (None when agency.txt is unusable), and how many agencies there are."""
    if reader is None:
        return None

    def process(r):
        return r.table(["agency_id", "agency_name", "agency_url", "agency_timezone"])

    frame = reader.run(process)
    if frame is None:
        return None
    if len(frame) == 0:
        found.append(Finding("gtfs-empty-file", "agency.txt lists no agency.",
                             "Add one row per transport agency of the feed.", file=reader.file))
    if "agency_id" not in frame:
        if len(frame) > 1:
            found.append(Finding(
                "gtfs-missing-column",
                f"agency.txt lists {len(frame)} agencies but has no agency_id column: routes cannot "
                "say which agency runs them.",
                "Add an agency_id column to agency.txt and fill routes.txt agency_id.",
                file=reader.file, row=1, column="agency_id"))
        return {"ids": pa.array([], pa.large_string()), "count": len(frame)}
    _check_ids(reader, frame, "agency_id", found, required=len(frame) > 1)
    return {"ids": _ids(frame["agency_id"]), "count": len(frame)}


def _stops(reader, found):
    if reader is None or not reader.has("stop_id"):
        return None

    def process(r):
        return r.table(["stop_id", "stop_lat", "stop_lon", "location_type", "parent_station"])

    frame = reader.run(process)
    if frame is None:
        return None
    _check_ids(reader, frame, "stop_id", found)
    ids = _ids(frame["stop_id"])
    rows = frame["__row__"].to_numpy()

    # Stops, stations and entrances (location_type 0, 1, 2 or empty) need coordinates;
    # generic nodes (3) and boarding areas (4) do not.
    kind = frame["location_type"].str.strip() if "location_type" in frame else pd.Series("", index=frame.index)
    unknown = (~kind.isin(["", "0", "1", "2", "3", "4"])).to_numpy()
    tally = _Tally("gtfs-invalid-value", reader.file, "an unknown location_type",
                   "Use location_type 0 (or empty) for a stop, 1 station, 2 entrance, 3 generic node, "
                   "4 boarding area.")
    tally.add(_positions(unknown), lambda p: tally.finding(
        f"location_type {kind.iat[p]!r} is not one of 0, 1, 2, 3, 4 (or empty).",
        int(rows[p]), "location_type", kind.iat[p]))
    found += tally.findings()
    needs = ~kind.isin(["3", "4"]).to_numpy()
    for column, low, high in (("stop_lat", -90, 90), ("stop_lon", -180, 180)):
        if column not in frame:
            if needs.any():
                found.append(Finding(
                    "gtfs-missing-column",
                    f"the column {column} is missing: stops, stations and entrances need coordinates.",
                    f"Add {column} to stops.txt with each stop's position (WGS84 decimal degrees).",
                    file=reader.file, row=1, column=column))
            continue
        text = frame[column].str.strip()
        number = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        empty = (text == "").to_numpy()
        bad = needs & ~empty & ~((number >= low) & (number <= high))
        tally = _Tally("gtfs-invalid-coordinate", reader.file, f"a missing or invalid {column}",
                       f"Write {column} in decimal degrees with a dot, between {low} and {high} "
                       "(e.g. 43.6045 for latitude, 1.4440 for longitude).")
        missing = needs & empty
        tally.add(_positions(missing | bad), lambda p: tally.finding(
            f"{column} is empty: stops, stations and entrances need a position."
            if missing[p] else
            f"{column} {text.iat[p]!r} is not a number between {low} and {high}.",
            int(rows[p]), column, text.iat[p]))
        found += tally.findings()

    if "parent_station" in frame:
        found += _references(reader, frame, "parent_station", ids, "stops.txt", "stop_id").findings()
    return ids


def _routes(reader, agency, found):
    if reader is None or not reader.has("route_id"):
        return None

    def process(r):
        return r.table(["route_id", "agency_id", "route_type"])

    frame = reader.run(process)
    if frame is None:
        return None
    _check_ids(reader, frame, "route_id", found)
    if agency is not None:
        if "agency_id" in frame:
            found += _references(reader, frame, "agency_id", agency["ids"], "agency.txt", "agency_id").findings()
        if agency["count"] > 1:
            values = frame["agency_id"] if "agency_id" in frame else pd.Series("", index=frame.index)
            rows = frame["__row__"].to_numpy()
            tally = _Tally("gtfs-missing-value", reader.file, "an empty agency_id",
                           "Fill agency_id on every route: agency.txt lists several agencies.")
            tally.add(_positions((values == "").to_numpy()), lambda p: tally.finding(
                "agency_id is empty, but agency.txt lists several agencies: "
                "it is not known which one runs this route.", int(rows[p]), "agency_id", ""))
            found += tally.findings()
    return _ids(frame["route_id"])


def _services(readers, found):
    """Service ids of calendar.txt and calendar_dates.txt (None if neither is usable)."""
    ids = None
    for reader in readers:
        if reader is None or not reader.has("service_id"):
            continue

        def process(r):
            values = set()
            for chunk in r.chunks(["service_id"]):
                values.update(_ids(chunk["service_id"]).to_pylist())
            return values

        values = reader.run(process)
        if values is not None:
            ids = (ids or set()) | values
    return None if ids is None else _ids(pa.array(sorted(ids), pa.large_string()))


def _shapes(reader, found):
    if reader is None or not reader.has("shape_id"):
        return None

    def process(r):
        values = set()
        for chunk in r.chunks(["shape_id"]):
            values.update(_ids(chunk["shape_id"]).to_pylist())
        return values

    values = reader.run(process)
    return None if values is None else _ids(pa.array(sorted(values), pa.large_string()))


def _trips(reader, routes, services, shapes, found):
    if reader is None or not reader.has("trip_id"):
        return None

    def process(r):
        return r.table(["route_id", "service_id", "trip_id", "shape_id"])

    frame = reader.run(process)
    if frame is None:
        return None
    _check_ids(reader, frame, "trip_id", found)
    rows = frame["__row__"].to_numpy()
    for column in ("route_id", "service_id"):
        if column in frame:
            tally = _Tally("gtfs-missing-value", reader.file, f"an empty {column}",
                           f"Give every trip a {column}.")
            tally.add(_positions((frame[column] == "").to_numpy()), lambda p, column=column: tally.finding(
                f"{column} is empty: every trip needs one.", int(rows[p]), column, ""))
            found += tally.findings()
    found += _references(reader, frame, "route_id", routes, "routes.txt", "route_id").findings()
    calendars = "calendar.txt or calendar_dates.txt"
    found += _references(reader, frame, "service_id", services, calendars, "service_id").findings()
    if shapes is not None:
        found += _references(reader, frame, "shape_id", shapes, "shapes.txt", "shape_id").findings()
    return _ids(frame["trip_id"])


def _seconds(values) -> tuple[np.ndarray, np.ndarray]:
    """Times as int32 seconds, -1 where empty, -2 where invalid; and the invalid mask."""
    text = pc.utf8_trim_whitespace(_arrow(values))
    empty = _bools(pc.equal(text, ""))
    ok = pc.match_substring_regex(text, TIME_PATTERN)
    padded = pc.if_else(ok, pc.utf8_lpad(text, width=8, padding="0"), "00:00:00")

    def part(start):
        return pc.cast(pc.utf8_slice_codeunits(padded, start, start + 2), pa.int32()).to_numpy()

    out = part(0) * 3600 + part(3) * 60 + part(6)
    ok = _bools(ok)
    out[~ok] = -1
    invalid = ~ok & ~empty
    out[invalid] = -2
    return out.astype(np.int32), invalid


def _clock(seconds) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _stop_times(reader, trips, stops, found):
    if reader is None:
        return
    if not (reader.has("trip_id") and reader.has("stop_sequence")):
        # Without trips and order there is no timetable to check; references still can be.
        def process(r):
            tally = _Tally("gtfs-invalid-reference", r.file, "a stop_id not found in stops.txt",
                           "Add the missing stop_id to stops.txt, or correct the stop_id in stop_times.txt.")
            for chunk in r.chunks(["stop_id"]):
                _references(r, chunk, "stop_id", stops, "stops.txt", "stop_id", tally)
            return tally.findings()

        found += reader.run(process) or []
        return

    def process(r):
        return _StopTimes(r, trips, stops).run()

    found += reader.run(process) or []


class _StopTimes:
    """stop_times.txt read chunk by chunk into compact arrays, then checked per trip."""

    def __init__(self, reader: _Reader, trips: pa.Array | None, stops: pa.Array | None):
        self.r, self.trips, self.stops = reader, trips, stops
        file = reader.file
        self.tallies = {
            "trip_ref": _Tally("gtfs-invalid-reference", file, "a trip_id not found in trips.txt",
                               "Add the missing trip to trips.txt, or correct the trip_id in stop_times.txt."),
            "stop_ref": _Tally("gtfs-invalid-reference", file, "a stop_id not found in stops.txt",
                               "Add the missing stop_id to stops.txt, or correct the stop_id in stop_times.txt."),
            "empty": _Tally("gtfs-missing-value", file, "an empty trip_id or stop_id",
                            "Give every row of stop_times.txt a trip_id and a stop_id."),
            "seq": _Tally("gtfs-invalid-stop-sequence", file, "a stop_sequence that is not a whole number",
                          "Number the stops of each trip with whole numbers 0 or more, increasing along "
                          "the trip (e.g. 1, 2, 3)."),
            "time": _Tally("gtfs-invalid-time", file, "an invalid or missing arrival_time or departure_time",
                           TIME_FIX),
            "dup": _Tally("gtfs-duplicate-stop-sequence", file, "a stop_sequence repeated within its trip",
                          "Give each stop of a trip its own stop_sequence, increasing along the trip "
                          "(e.g. 1, 2, 3)."),
            "order": _Tally("gtfs-time-decreasing", file, "a time earlier than the one before it on the trip",
                            "Correct the times so they never go backwards along a trip; a trip running "
                            "past midnight continues past 24:00:00 (e.g. 25:10:00)."),
        }
        # Trip ids seen so far, the trips of trips.txt first: a code >= known is a trip
        # that trips.txt does not list.
        self.trip_values = trips if trips is not None else pa.array([], pa.large_string())
        self.known = len(self.trip_values)

    def run(self) -> list[Finding]:
        parts = [self._chunk(chunk) for chunk in self.r.chunks(
            ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence", "timepoint"])]
        if parts:
            self._per_trip(parts)
        return [f for t in self.tallies.values() for f in t.findings()]

    def _codes(self, trip: pa.Array) -> np.ndarray:
        """Trip ids as int32 codes shared across chunks."""
        index = pc.index_in(trip, value_set=self.trip_values)
        if index.null_count:
            new = pc.unique(trip.filter(index.is_null()))
            self.trip_values = pa.concat_arrays([self.trip_values, new])
            index = pc.index_in(trip, value_set=self.trip_values)
        return index.to_numpy(zero_copy_only=False).astype(np.int32)

    def _chunk(self, chunk: pd.DataFrame):
        t = self.tallies
        rows = chunk["__row__"].to_numpy()
        n = len(chunk)
        trip = chunk["trip_id"]
        stop = chunk["stop_id"] if "stop_id" in chunk else None
        trip_array = _arrow(trip)

        empty_trip = _bools(pc.equal(trip_array, ""))
        empty_stop = (stop == "").to_numpy() if stop is not None else np.zeros(n, bool)
        t["empty"].add(_positions(empty_trip | empty_stop), lambda p: t["empty"].finding(
            f"{'trip_id' if empty_trip[p] else 'stop_id'} is empty: every row needs a trip and a stop.",
            int(rows[p]), "trip_id" if empty_trip[p] else "stop_id", ""))
        codes = self._codes(trip_array)
        if self.trips is not None:
            bad = ~empty_trip & (codes >= self.known)
            t["trip_ref"].add(_positions(bad), lambda p: t["trip_ref"].finding(
                f"trip_id {trip.iat[p]!r} does not exist in trips.txt: these times belong to no known trip.",
                int(rows[p]), "trip_id", trip.iat[p]))
        if self.stops is not None and stop is not None:
            bad = ~empty_stop & ~_isin(stop, self.stops)
            t["stop_ref"].add(_positions(bad), lambda p: t["stop_ref"].finding(
                f"stop_id {stop.iat[p]!r} does not exist in stops.txt: the vehicle would call at an "
                "unknown stop.", int(rows[p]), "stop_id", stop.iat[p]))

        raw = chunk["stop_sequence"]
        text = pc.utf8_trim_whitespace(_arrow(raw))
        digits = pc.match_substring_regex(text, r"^\d{1,10}$")
        seq = pc.cast(pc.if_else(digits, text, "-1"), pa.int64()).to_numpy()
        seq_ok = _bools(digits) & (seq <= INT32_MAX)
        t["seq"].add(_positions(~seq_ok), lambda p: t["seq"].finding(
            "stop_sequence is empty: every stop of a trip needs its position in the trip."
            if not raw.iat[p].strip() else
            f"stop_sequence {raw.iat[p]!r} is not a whole number of 0 or more.",
            int(rows[p]), "stop_sequence", raw.iat[p]))

        times = []
        for column in ("arrival_time", "departure_time"):
            if column not in chunk:
                times.append(np.full(n, -1, dtype=np.int32))
                continue
            values = chunk[column]
            seconds, invalid = _seconds(values)
            t["time"].add(_positions(invalid), lambda p, column=column, values=values: t["time"].finding(
                f"{column} {values.iat[p]!r} is not a valid time: write HH:MM:SS with minutes and "
                "seconds below 60 (hours may pass 24 after midnight).",
                int(rows[p]), column, values.iat[p]))
            times.append(seconds)

        exact = (_bools(pc.equal(pc.utf8_trim_whitespace(_arrow(chunk["timepoint"])), "1"))
                 if "timepoint" in chunk else np.zeros(n, bool))
        keep = ~empty_trip & seq_ok
        return [codes[keep], seq[keep].astype(np.int32), times[0][keep], times[1][keep],
                rows[keep].astype(np.int32), exact[keep]]

    def _per_trip(self, parts: list):
        """The checks along each trip, on all rows at once: sorted by trip then
        stop_sequence (file order breaking ties), each row compared with the one before."""
        t = self.tallies
        columns = []
        for index in range(len(parts[0])):  # one column at a time, freeing its chunks
            columns.append(np.concatenate([part[index] for part in parts]))
            for part in parts:
                part[index] = None
        parts.clear()
        key = (columns[0].astype(np.int64) << 32) | columns[1].astype(np.int64)  # trip, stop_sequence >= 0
        order = np.argsort(key, kind="stable")
        del key
        for index, values in enumerate(columns):
            columns[index] = values[order]  # one array at a time: the unsorted one is freed as we go
        del order
        trip, seq, arrival, departure, rows, exact = columns
        del columns
        n = len(trip)
        first = np.empty(n, dtype=bool)  # first stop of its trip
        first[0] = True
        np.not_equal(trip[1:], trip[:-1], out=first[1:])
        last = np.empty(n, dtype=bool)
        last[-1] = True
        last[:-1] = first[1:]
        names = self.trip_values

        def name(p):
            return names[int(trip[p])].as_py()

        # Duplicated stop_sequence within a trip.
        dup = np.zeros(n, dtype=bool)
        np.equal(seq[1:], seq[:-1], out=dup[1:])
        dup &= ~first
        t["dup"].add(_positions(dup, rows), lambda p: t["dup"].finding(
            f"trip {name(p)!r} has stop_sequence {seq[p]} twice (rows {rows[p - 1]} and {rows[p]}): "
            "the order of its stops is ambiguous.", int(rows[p]), "stop_sequence", seq[p]))
        del dup

        # Times the first and last stop (and timepoints) must have; invalid ones were reported already.
        need = first | last | exact
        for column, values in (("arrival_time", arrival), ("departure_time", departure)):
            missing = need & (values == -1)
            t["time"].add(_positions(missing, rows), lambda p, column=column: t["time"].finding(
                f"{column} is empty on the {'first' if first[p] else 'last' if last[p] else 'timepoint'} "
                f"stop of trip {name(p)!r}: the first and last stops of a trip, and timepoints, need times.",
                int(rows[p]), column, ""))
        del need, missing

        # Departure before arrival at the same stop.
        early = (arrival >= 0) & (departure >= 0) & (departure < arrival)
        t["order"].add(_positions(early, rows), lambda p: t["order"].finding(
            f"departure_time {_clock(departure[p])} is before arrival_time {_clock(arrival[p])} "
            f"at the same stop (trip {name(p)!r}, stop_sequence {seq[p]}).",
            int(rows[p]), "departure_time", _clock(departure[p])))
        del early

        # Arrival before the time at the previous stop of the trip that has one.
        leave = np.where(departure >= 0, departure, arrival)  # last known time at each stop, -1/-2 if none
        reach = np.where(arrival >= 0, arrival, departure)  # first known time at each stop
        known = leave >= 0
        # For each row, the last row of its trip so far with a time (or the trip's first row):
        # a running maximum of positions that restarts at each trip.
        latest = np.where(known | first, np.arange(n, dtype=np.int32), np.int32(0))
        np.maximum.accumulate(latest, out=latest)
        previous = np.zeros(n, dtype=np.int32)
        previous[1:] = latest[:-1]
        del latest
        back = ~first & known[previous] & (reach >= 0) & (reach < leave[previous])
        t["order"].add(_positions(back, rows), lambda p: t["order"].finding(
            f"{'arrival_time' if arrival[p] >= 0 else 'departure_time'} {_clock(reach[p])} is earlier than "
            f"the time {_clock(leave[previous[p]])} at the previous stop of trip {name(p)!r} "
            f"(row {rows[previous[p]]}, stop_sequence {seq[previous[p]]}): the timetable goes backwards.",
            int(rows[p]), "arrival_time" if arrival[p] >= 0 else "departure_time", _clock(reach[p])))
