"""Content hashes: what makes re-publishing unchanged data free and releases traceable.

`Fingerprints` remembers, as git's index does, what each input file hashed to and the stat it
had then (size, mtime, ctime, inode, device), so that a publish re-hashes only the files whose
stat changed: one changed dataset costs its own bytes, not the hub's. A remembered hash is
trusted only for a file last changed (mtime and ctime) more than RACY_NS before its stat was
taken; a file written in the same clock tick as it was hashed could change again without its
stat showing it, so it is hashed again until it is old enough. Setting an mtime back (touch -d,
cp -p) still changes the ctime, which nobody can set.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path

BLOCK = 1 << 20
RACY_NS = 2_000_000_000  # above the coarsest file-time granularity in use (FAT's 2 s)
MAX_ENTRIES = 200_000
MAX_INDEX_BYTES = 64 << 20
_HEX = re.compile(r"[0-9a-f]{64}")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _stamp(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev]


class Fingerprints:
    """File path -> (stat stamp, when it was taken, sha256), read from and saved to one JSON file.

    The file is the tool's own record beside the hub it built (trusted as the hub itself is): a
    missing, oversized or malformed one (or entry) is ignored, which only costs hashing again."""

    def __init__(self, path: Path | None = None, aside: str | None = None):
        """`aside`: the name its work file starts with, `.<aside>.<random>.tmp` (what sweeps know)."""
        self.path = Path(path) if path else None
        self.aside = aside or (self.path.name if self.path else "")
        self.entries: dict[str, list] = {}
        # Other records kept with the hashes (catalog.publish.unchanged), saved in the same write;
        # as read, unchecked: their owner checks them.
        self.sections: dict[str, object] = {}
        self.changed = False
        if self.path is not None:
            self.entries, self.sections = self._read(self.path)

    @staticmethod
    def _read(path: Path) -> tuple[dict[str, list], dict[str, object]]:
        try:
            if path.stat().st_size > MAX_INDEX_BYTES:
                return {}, {}
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}, {}
        if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
            return {}, {}
        sections = data.get("sections") if isinstance(data.get("sections"), dict) else {}
        return {key: entry for key, entry in data["files"].items()
                if isinstance(entry, list) and len(entry) == 7 and all(type(v) is int for v in entry[:6])
                and isinstance(entry[6], str) and _HEX.fullmatch(entry[6])}, sections

    def keep_section(self, name: str, value) -> None:
        """Save `value` (JSON) under `name` with the hashes, replacing what was there."""
        if self.sections.get(name) != value:
            self.sections[name] = value
            self.changed = True

    def sha256(self, path: Path) -> str:
        key = os.path.abspath(path)
        before = os.stat(path)
        stamp = _stamp(before)
        entry = self.entries.get(key)
        seen = time.time_ns()
        # A `seen` in the future (a clock set back, a made-up entry) proves nothing: hashed again.
        if entry is not None and entry[:5] == stamp and max(stamp[1], stamp[2]) < entry[5] - RACY_NS \
                and entry[5] <= seen:
            return entry[6]
        digest = file_sha256(path)
        if _stamp(os.stat(path)) == stamp:  # not written to while it was read
            self.entries[key] = stamp + [seen, digest]
            self.changed = True
        return digest

    def save(self) -> None:
        """Written aside then renamed: a killed run leaves the previous index or this one, whole."""
        if self.path is None or not self.changed:
            return
        entries = self.entries
        if len(entries) > MAX_ENTRIES:  # the most recently seen files are the likeliest to be asked again
            entries = dict(sorted(entries.items(), key=lambda item: item[1][5])[-MAX_ENTRIES:])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{self.aside}.", suffix=".tmp", dir=self.path.parent)
        try:
            # dumps, not dump: json.dump streams through the pure-Python encoder (10x slower).
            text = json.dumps({"version": 1, "files": entries, "sections": self.sections}, separators=(",", ":"))
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.changed = False


def tree_sha256(files: dict[str, Path], fingerprints: Fingerprints | None = None) -> str:
    """One hash over named files: the name and content of each, in name order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        content = fingerprints.sha256(files[name]) if fingerprints is not None else file_sha256(files[name])
        digest.update(name.encode() + b"\0" + content.encode() + b"\n")
    return digest.hexdigest()
