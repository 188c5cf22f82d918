"""One writer at a time: a lock on the hub database and one on the packages folder.

Two publishes at once would each build from the same old hub and the second swap would
drop the first one's datasets (it printed `loaded (changed)` and the hub kept the old
version). Every command that writes takes the locks of what it writes, in one order
(packages, then hub), waits for a run holding them, and, holding them, removes what killed
runs left behind (work folders and temporary files, which only a running writer makes).

The locks are `flock` locks on the folders themselves (the packages folder, the hub's folder):
nothing is added to them, and the kernel releases a lock when its process dies, even by
SIGKILL, so a killed run never leaves a stale lock.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from catalog.errors import UnusableInput

WAIT_SECONDS = float(os.environ.get("CATALOG_LOCK_WAIT", 3600))  # a full publish of a large hub takes minutes
_held: dict[str, int] = {}  # locked folder -> depth, in this process (publish datasette packages, then loads)


@contextlib.contextmanager
def holding(folder: Path, what: str, on_wait=None):
    """Hold the lock of `folder` (created if needed); wait up to WAIT_SECONDS for another run,
    saying so once through `on_wait(message)` (default: on stderr)."""
    on_wait = on_wait or (lambda message: print(message, file=sys.stderr, flush=True))
    Path(folder).mkdir(parents=True, exist_ok=True)
    key = str(Path(folder).resolve())
    if key in _held:  # this process already holds it (a command calling another)
        _held[key] += 1
        try:
            yield False
        finally:
            _held[key] -= 1
        return
    handle = os.open(key, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        deadline, told = time.monotonic() + WAIT_SECONDS, False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and on_wait:
                    on_wait(f"waiting for another catalog run writing {what}…")
                    told = True
                if time.monotonic() > deadline:
                    raise UnusableInput(f"{what} is still being written by another catalog run after "
                                        f"{WAIT_SECONDS:.0f} s.", "Wait for it to finish, then run the command again "
                                        "(CATALOG_LOCK_WAIT sets how long to wait, in seconds).") from None
                time.sleep(0.1)
        _held[key] = 1
        try:
            yield True
        finally:
            del _held[key]
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


@contextlib.contextmanager
def writing_packages(out: Path, on_wait=None):
    """Hold the packages folder; on first taking it, clear what killed runs left there."""
    out = Path(out)
    with holding(out, f"the packages folder {out}", on_wait) as first:
        if first:
            sweep_packages(out)
        yield


@contextlib.contextmanager
def writing_hub(db: Path, on_wait=None):
    """Hold the hub database; on first taking it, clear the temporary files killed runs left beside it."""
    db = Path(db)
    with holding(db.parent, f"the hub {db}", on_wait) as first:
        if first:
            sweep_hub(db)
        yield


@contextlib.contextmanager
def scratch_folder(prefix: str = "catalog-dry-run-"):
    """A new folder in the system's temporary folder, held (locked) by this run and removed at its
    end. A killed run cannot remove its own: the next run removes every such folder of this user
    that no live run holds. Folders are made and swept under one lock file, so that no run ever
    sees another's folder between its creation and its lock."""
    tmp = Path(tempfile.gettempdir())
    with contextlib.ExitStack() as stack:
        with _guard(tmp / f"{prefix}{os.getuid()}.lock") as guarded:
            if guarded:
                sweep_scratch(tmp, prefix)
            folder = Path(tempfile.mkdtemp(prefix=prefix))
            try:
                stack.enter_context(holding(folder, f"the work folder {folder}"))
            finally:
                stack.callback(shutil.rmtree, folder, ignore_errors=True)  # removed before it is released
        yield folder


@contextlib.contextmanager
def _guard(path: Path):
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:  # another user's, or a link someone put there: no sweeping, the run goes on
        yield False
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield True
    finally:
        os.close(handle)


def sweep_scratch(tmp: Path, prefix: str) -> list[Path]:
    """This user's `<prefix><random>/` folders whose lock nobody holds: their runs are dead."""
    made = re.compile(rf"{re.escape(prefix)}{_RANDOM}")
    removed = []
    for path in Path(tmp).glob(f"{prefix}*"):
        if not made.fullmatch(path.name):
            continue
        try:
            if path.lstat().st_uid != os.getuid():
                continue
            handle = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:  # not a folder, a link, or gone
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            continue  # a live run's
        try:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        finally:
            os.close(handle)
    return removed


# What runs make beside their output, and nothing else (a packages folder may be `.`, beside `.git`):
# tempfile's random part is 8 characters of [a-z0-9_].
_RANDOM = r"[a-z0-9_]{8}"
_PACKAGE_WORK = re.compile(rf"\.reuse\.{_RANDOM}")
_PUBLISHER_WORK = re.compile(rf"\.[a-z0-9][a-z0-9._-]*\.(?:{_RANDOM}|zip\.tmp|old)")


def sweep_packages(out: Path) -> list[Path]:
    """Work folders (`.<name>.<random>/`, `.reuse.<random>/`), `.<name>.zip.tmp` and `.<name>.old` are
    only ever made by a run writing the folder, and none is running: each is a killed run's."""
    out = Path(out)
    if not out.is_dir():
        return []
    leftovers = [p for p in out.glob(".*") if _PACKAGE_WORK.fullmatch(p.name)]
    leftovers += [p for publisher in out.iterdir() if publisher.is_dir() and not publisher.name.startswith(".")
                  for p in publisher.glob(".*") if _PUBLISHER_WORK.fullmatch(p.name)]
    for path in leftovers:
        _remove(path)
    return leftovers


def sweep_hub(db: Path) -> list[Path]:
    """`.hub.db.<random>.tmp`, its `.json` metadata and the split loader's `..hub.db.<random>.tmp.<random>.part`."""
    db = Path(db)
    if not db.parent.is_dir():
        return []
    name = re.escape(db.name)
    made = re.compile(rf"\.{name}\.{_RANDOM}\.(?:tmp|json)|\.\.{name}\.{_RANDOM}\.tmp\.{_RANDOM}\.part")
    leftovers = [p for p in db.parent.glob(f"*.{db.name}.*") if made.fullmatch(p.name)]
    for path in leftovers:
        _remove(path)
    return leftovers


def _remove(path: Path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
