"""Content hashes: what makes re-publishing unchanged data free and releases traceable."""
from __future__ import annotations

import hashlib
from pathlib import Path

BLOCK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def tree_sha256(files: dict[str, Path]) -> str:
    """One hash over named files: the name and content of each, in name order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + file_sha256(files[name]).encode() + b"\n")
    return digest.hexdigest()
