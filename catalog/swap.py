"""Replacing a folder by one built beside it, so that nothing is ever half-written: readers
see the old folder or the new one, whole (packages, described datasets, the schema cache)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from catalog.safety import output_path


def swap_in(new: Path, target: Path):
    """Replace `target` by `new`: readers see the old or the new, whole. In one step where the
    system can exchange two folders (Linux), else with two renames (a moment with neither)."""
    if target.exists() and _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # now the old folder; files being read from it stay readable
        return
    old = None
    if target.exists():
        old = output_path(target.parent, f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(new, target)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False where it is not available."""
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_cwd, exchange = -100, 2  # AT_FDCWD, RENAME_EXCHANGE (linux/fs.h)
    return renameat2(at_cwd, os.fsencode(os.path.abspath(a)), at_cwd, os.fsencode(os.path.abspath(b)), exchange) == 0


FICLONE = 0x40049409  # linux/fs.h (fcntl.FICLONE from Python 3.12)


def copy_aside(source: Path, target: Path) -> str:
    """`target` made a copy of `source` to build on, without touching `source`: "reflink" where the
    filesystem shares the blocks until either file changes (btrfs, XFS, bcachefs: constant time,
    whatever the size), else "copy", a kernel-side copy (sendfile; ext4, tmpfs)."""
    try:
        import fcntl

        with open(source, "rb") as src, open(target, "wb") as dst:
            fcntl.ioctl(dst.fileno(), getattr(fcntl, "FICLONE", FICLONE), src.fileno())
        return "reflink"
    except (ImportError, OSError):  # not Linux, or a filesystem without shared blocks
        shutil.copyfile(source, target)
        return "copy"
