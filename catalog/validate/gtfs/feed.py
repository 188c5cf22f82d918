"""Where a feed's files are: members of a zip (possibly in one sub-folder) or
loose files, each opened on demand as a binary stream."""
from __future__ import annotations

import io
import posixpath
import zipfile
from typing import Callable

from catalog.findings import Finding
from catalog.validate.gtfs.required import REQUIRED_FILES


class Feed:
    """The feed's files: name -> function opening a binary stream, name -> display."""

    def __init__(self, openers: dict[str, Callable[[], io.IOBase]], displays: dict[str, str],
                 where: str | None, prefix: str | None = None):
        self.openers = openers
        self.displays = displays
        self.where = where  # the feed as the user knows it (zip path or folder)
        self.prefix = (where or "") if prefix is None else prefix

    def display(self, name):
        # Absent files are named too, so a missing-file finding says where it was expected.
        return self.displays.get(name) or (f"{self.prefix}/{name}" if self.prefix else name)

    def __contains__(self, name):
        return name in self.openers


def zip_members(archive: zipfile.ZipFile, display: str):
    """{"stops.txt": "member/name"} for the feed's folder inside the archive, and notes."""
    names = [i.filename for i in archive.infolist() if not i.is_dir()]
    # macOS' zip tool adds resource forks and dot-files that are not part of the feed.
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


def folder_of(members: dict[str, str]) -> str:
    for name, member in members.items():
        return member[: -len(name)]
    return ""
