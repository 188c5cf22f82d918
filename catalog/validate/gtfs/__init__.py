"""GTFS feeds: the files a journey planner needs, the links between them and
the timetables themselves, checked without loading the whole feed in memory.

Two entry points share one implementation that reads each member as a stream:
`check_gtfs_zip` for a feed published as a zip, `check_gtfs_files` for the
same files lying loose in a dataset folder.

    feed.py        where the files are (zip members or loose files)
    required.py    the files and columns GTFS requires, and their presence
    reading.py     one file's columns, read by the one reader (catalog.reading); empty,
                   malformed, non-UTF-8 files
    tally.py       per-row findings listed up to a limit, then counted
    columns.py     whole-column string operations through Arrow
    references.py  identifiers and the references between files
    tables.py      agency, stops, routes, calendars, shapes, trips
    timetable.py   stop_times.txt: stop_sequence and times along each trip
"""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from catalog.errors import UnusableInput
from catalog.findings import Finding
from catalog.safety import open_zip
from catalog.validate.gtfs import tables
from catalog.validate.gtfs.feed import Feed, folder_of, zip_members
from catalog.validate.gtfs.reading import Reader
from catalog.validate.gtfs.required import CALENDAR_FILES, CHECKED_FILES, REQUIRED_COLUMNS, check_files
from catalog.validate.gtfs.timetable import check_stop_times

__all__ = ["check_gtfs_zip", "check_gtfs_files"]


def check_gtfs_zip(path: Path, display: str) -> list[Finding]:
    """Check a GTFS zip. Raises UnusableInput when the archive cannot be read
    (not a zip, damaged, unsafe). A feed whose files sit in one sub-folder of
    the archive is accepted."""
    with open_zip(Path(path), display) as archive:
        members, notes = zip_members(archive, display)
        feed = Feed(
            {name: (lambda member=member: archive.open(member)) for name, member in members.items()},
            {name: f"{display}/{member}" for name, member in members.items()},
            f"{display}/{folder_of(members)}".rstrip("/"),
        )
        try:
            from catalog.validate.personal.parts import gate_archive

            # Every member goes through the personal-data gate too (agency_email, extra files):
            # the zip is republished whole.
            return notes + _check(feed) + gate_archive(archive, display)
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
    feed = Feed(
        {name: (lambda p=p: open(p, "rb")) for name, p in present.items()},
        {name: f"{prefix}/{name}" if prefix else name for name in present},
        prefix or None,
        prefix,
    )
    return _check(feed)


def _check(feed: Feed) -> list[Finding]:
    found = check_files(feed)
    readers = {}
    for name in CHECKED_FILES:
        if name in feed:
            reader = Reader(feed, name, found)
            if reader.read_header():
                reader.require(REQUIRED_COLUMNS[name])
                readers[name] = reader

    # Each file is checked against the identifiers of those it refers to, so the order matters.
    agency = tables.agency(readers.get("agency.txt"), found)
    stops = tables.stops(readers.get("stops.txt"), found)
    routes = tables.routes(readers.get("routes.txt"), agency, found)
    services = tables.services([readers.get(n) for n in CALENDAR_FILES])
    shapes = tables.shapes(readers.get("shapes.txt"))
    trips = tables.trips(readers.get("trips.txt"), routes, services, shapes, found)
    check_stop_times(readers.get("stop_times.txt"), trips, stops, found)
    return found
