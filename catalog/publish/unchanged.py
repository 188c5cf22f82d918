"""Datasets unchanged since the last publish: a publish reads only the ones whose files changed.

For each dataset the hub took in, the record keeps the stat (size, mtime, ctime, inode, device)
of every file and folder its package was made from: the dataset folder, the descriptor, the
data, schema and dialect files (and the folders between them), the publisher's profile (or that
there was none); then the package and zip written from them; and what the publish derived: the
dataset's id, its package's content hash, its inputs key. When the next publish finds every
stat as recorded, the dataset is not read again at all (not parsed, gated, hashed, validated
nor packaged), and the hub keeps its tables.

Stats are taken before the files are read, so a file written during the publish never passes
for the version that was read. As in catalog.hashing (git's "racily clean" rule), a file last
changed (mtime or ctime) less than RACY_NS before its stat was taken is not recorded, so read
again next time: it could have changed again within its clock tick. A file put back with its
old size and mtime (touch -d, cp -p) still has a new ctime; a file replaced by another has a new
inode; a file added to or removed from a dataset's folder changes the folder's stat; a link is
stat'ed as a link, and what it leads to too.

The record is the hub's own file (kept with the file hashes, catalog.hashing), but it is read as
untrusted: it counts only for the settings it was made under (catalog version and modules, --min-quality,
the CATALOG_* limits, the hub, root and packages folders), and a malformed record or entry only
means reading the dataset again. Reuses, derived from other datasets, are always read again.
Publisher profiles are remembered the same way (`checked_profile`): every publish needs them all.
"""
from __future__ import annotations

import dataclasses
import os
import stat as stat_module
import time
from pathlib import Path

from catalog import __version__
from catalog.datasets import DESCRIPTOR_NAMES
from catalog.hashing import RACY_NS, Fingerprints
from catalog.publishers import Publisher, check_profile

SECTION = "published-datasets"
FORMAT = 2


def settings(root: Path, out: Path, db: Path, min_quality: int) -> dict:
    """What else a dataset's verdict and package depend on: another value means reading it again."""
    return {"format": FORMAT, "catalog": __version__, "code": code_stamp(), "min_quality": min_quality,
            "root": os.path.abspath(root), "out": os.path.abspath(out), "db": os.path.abspath(db),
            "limits": sorted([k, v] for k, v in os.environ.items() if k.startswith("CATALOG_MAX_"))}


def code_stamp() -> str:
    """The stat of every module of the installed catalog: an upgrade or a fix (a personal-data
    rule, a reader) means reading every dataset again, even while the version number stays."""
    import hashlib

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(package)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json", ".yml", ".yaml", ".tsv", ".csv", ".txt")):
                own = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}:{own.st_size}:{own.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def file_stamp(path) -> str | None:
    """The stat of `path` itself (a link is not followed), and of what a link leads to, as one
    string (compared whole; a short record is read and written faster); None when absent."""
    try:
        own = os.lstat(path)
    except OSError:
        return None
    stamp = f"{own.st_size}:{own.st_mtime_ns}:{own.st_ctime_ns}:{own.st_ino}:{own.st_dev}:{own.st_mode}"
    if stat_module.S_ISLNK(own.st_mode):
        try:
            target = os.stat(path)
        except OSError:
            return stamp + ":-"
        stamp += f":{target.st_size}:{target.st_mtime_ns}:{target.st_ctime_ns}:{target.st_ino}:{target.st_dev}"
    return stamp


def _settled(stamp: str | None, seen: int) -> bool:
    """Not changed within RACY_NS of when its stat was taken (see the module's docstring)."""
    if stamp is None:
        return True
    values = stamp.split(":")
    times = [values[1], values[2]] + (values[7:9] if len(values) == 11 else [])
    return max(int(t) for t in times) < seen - RACY_NS


class Reading:
    """The stats of one dataset's files, taken before they are read (see `Record.before_reading`)."""

    def __init__(self, record: "Record", folder: Path):
        self.record, self.folder = record, os.path.abspath(folder)
        self.real = os.path.realpath(folder)  # what the descriptor's files resolve under
        self.seen = time.time_ns()
        self.stamps: dict[str, str | None] = {}
        # The folder's own stat changes when a file in it is added, removed, renamed or replaced
        # (another descriptor, a link put in place of a file), and when it is itself replaced;
        # the files' stats when they are written.
        self.stamps[self.folder] = record.stamp(self.folder)
        for name in DESCRIPTOR_NAMES:  # the one read, and the ones before it that would be read instead
            path = os.path.join(self.folder, name)
            self.stamps[path] = record.stamp(path)
            if self.stamps[path] is not None:
                break

    def add(self, paths) -> None:
        """Stat these files (read later in the publish), and the folders between them and the dataset's."""
        for path in paths:
            path = os.path.abspath(path)
            parent = os.path.dirname(path)
            while parent.startswith(self.real + os.sep):
                self.stamps.setdefault(parent, self.record.stamp(parent))
                parent = os.path.dirname(parent)
            self.stamps.setdefault(path, self.record.stamp(path))


class Record:
    """Dataset folder -> what it was published from and as (kept in the Fingerprints file)."""

    def __init__(self, fingerprints: Fingerprints, current_settings: dict):
        self.fingerprints, self.settings = fingerprints, current_settings
        raw = fingerprints.sections.get(SECTION)
        entries = raw.get("datasets") if isinstance(raw, dict) and raw.get("settings") == current_settings else None
        self.entries: dict[str, dict] = {k: v for k, v in entries.items() if _valid_entry(v)} \
            if isinstance(entries, dict) else {}
        same = isinstance(raw, dict) and raw.get("settings") == current_settings
        self.hub = raw.get("hub") if same else None
        profiles = raw.get("publishers") if same else None
        self._profiles: dict[str, dict] = {k: v for k, v in profiles.items() if _valid_profile(v)} \
            if isinstance(profiles, dict) else {}
        self.profiles: dict[str, dict] = {}  # the ones checked or found unchanged by this publish
        self._stamps: dict[str, str | None] = {}  # one stat per path and publish (a publisher's profile)
        self._looked_up: set[str] = set()

    def stamp(self, path: str) -> str | None:
        if path not in self._stamps:
            self._stamps[path] = file_stamp(path)
        return self._stamps[path]

    def unchanged(self, folder: Path, hub_rows: dict[str, dict]) -> dict | None:
        """The entry of a dataset none of whose files changed since it was recorded, and which the
        hub still holds as it was published then; None when it must be read again."""
        key = os.path.abspath(folder)
        self._looked_up.add(key)
        entry = self.entries.get(key)
        if entry is None or entry["seen"] > time.time_ns():  # a clock set back proves nothing
            return None
        row = hub_rows.get(entry["id"])
        if not row or row.get("content_hash") != entry["content_hash"] or row.get("inputs_key") != entry["inputs_key"]:
            return None
        # A malformed stamp is never equal to a real one. Paths are relative to the dataset folder
        # ("" for itself) when inside it.
        for path, recorded in entry["files"].items():
            if self.stamp(os.path.join(key, path) if path else key) != recorded:
                return None
        if [self.stamp(p) for p in self._package_files(entry["id"])] != entry["package"] or None in entry["package"]:
            return None  # the tool's own output, changed or gone
        return entry

    def _package_files(self, dataset_id: str) -> list[str]:
        publisher, name = dataset_id.split("/", 1)
        return [os.path.join(self.settings["out"], publisher, name, "datapackage.json"),
                os.path.join(self.settings["out"], publisher, f"{name}.zip")]

    def before_reading(self, folder: Path) -> Reading:
        return Reading(self, folder)

    def remember(self, reading: Reading, dataset_id: str, content_hash: str, inputs_key: str) -> None:
        """Record a dataset once its package is in place and the hub holds it; unless one of its files
        had changed within RACY_NS of its stat (it is read again next time, and recorded then)."""
        if not all(_settled(stamp, reading.seen) for stamp in reading.stamps.values()):
            self.forget(reading.folder)
            return
        inside = reading.real + os.sep
        files = {"": reading.stamps.get(reading.folder)}
        for path, stamp in reading.stamps.items():
            if path != reading.folder:
                files[path[len(inside):] if path.startswith(inside) else path] = stamp
        self.entries[reading.folder] = {
            "id": dataset_id, "seen": reading.seen, "content_hash": content_hash, "inputs_key": inputs_key,
            "files": files, "package": [file_stamp(p) for p in self._package_files(dataset_id)]}

    def forget(self, folder: Path) -> None:
        self.entries.pop(os.path.abspath(folder), None)

    def keep_only_looked_up(self) -> None:
        """Drop the entries of dataset folders this publish did not look up (removed or moved)."""
        self.entries = {k: v for k, v in self.entries.items() if k in self._looked_up}

    def checked_profile(self, path: Path):
        """check_profile(path)'s publisher (or None), parsed and checked again only when the file changed."""
        key = os.path.abspath(path)
        seen, stamp = time.time_ns(), self.stamp(key)
        entry = self._profiles.get(key)
        if entry is not None and entry["stamp"] == stamp and stamp is not None and entry["seen"] <= seen:
            self.profiles[key] = entry
            fields = entry["publisher"]
            return None if fields is None else Publisher(**{**fields, "path": Path(path)})
        publisher = check_profile(path)[0]
        fields = None if publisher is None else {k: v for k, v in dataclasses.asdict(publisher).items() if k != "path"}
        # Kept when settled (see `remember`) and plain strings (what JSON gives back as it was).
        if _settled(stamp, seen) and (fields is None or all(v is None or type(v) is str for v in fields.values())):
            self.profiles[key] = {"stamp": stamp, "seen": seen, "publisher": fields}
        return publisher

    def save(self, hub: dict | None = None) -> None:
        """`hub`: what the hub's metadata was written as (catalog.hub.metadata's incremental update)."""
        self.hub = hub if hub is not None else self.hub
        self.fingerprints.keep_section(SECTION, {"settings": self.settings, "datasets": self.entries,
                                                 "hub": self.hub, "publishers": self.profiles or self._profiles})


def _valid_entry(entry) -> bool:
    """Its shape; its stamps are only ever compared with real ones (see Record.unchanged)."""
    return (isinstance(entry, dict) and isinstance(entry.get("id"), str) and "/" in entry["id"]
            and type(entry.get("seen")) is int
            and isinstance(entry.get("content_hash"), str) and isinstance(entry.get("inputs_key"), str)
            and isinstance(entry.get("files"), dict) and isinstance(entry.get("package"), list))


_PUBLISHER_FIELDS = {f.name for f in dataclasses.fields(Publisher)} - {"path"}


def _valid_profile(entry) -> bool:
    if not isinstance(entry, dict) or type(entry.get("seen")) is not int \
            or not (entry.get("stamp") is None or isinstance(entry.get("stamp"), str)):
        return False
    fields = entry.get("publisher")
    return fields is None or (isinstance(fields, dict) and set(fields) == _PUBLISHER_FIELDS
                              and all(v is None or type(v) is str for v in fields.values()))
