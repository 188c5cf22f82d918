"""Guards on what we read and write: names are names, paths stay inside the folder
the user named (for reading) or the output folder (for writing), and archives are
sized before anything is decompressed."""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from catalog.errors import UnusableInput

# One limit for every compressed input (catalog.limits): a GTFS feed of a large national network
# unpacks to a few GB at most; past that, or at a compression ratio no real CSV reaches, it is a bomb.
from catalog.limits import MAX_RATIO, MAX_UNPACKED_BYTES  # noqa: E402


# Dataset, resource, publisher and reuse names become folder and file names, table names and
# URLs: one rule for all of them, so that no name can climb out of a folder or hide a file.
NAME_RULE = ("lower-case letters, digits, '.', '_' and '-', starting with a letter or a digit, "
             "without '..', at most 128 characters")
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}")


def is_name(value) -> bool:
    """Whether `value` is a safe name (NAME_RULE), e.g. `reseau-bus`, `budget_2025`, `stops.v2`."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None and ".." not in value


def as_name(text: str) -> str:
    """A safe name made from free text (a file stem): what a resource without a name is called."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    name = re.sub(r"\.{2,}", ".", re.sub(r"[^a-z0-9._-]+", "-", ascii_text)).strip("._-")[:128]
    return name if is_name(name) else "resource"


class UnsafeOutput(UnusableInput):
    """A path the tool was about to write lies outside its output folder."""


def output_path(base: Path, *parts: str) -> Path:
    """`base/parts...`, checked to stay strictly inside `base` once resolved (`..`, absolute parts,
    symlinks), before anything is written there. Every writer builds its paths with this."""
    root = Path(base).resolve()
    target = root.joinpath(*(str(p) for p in parts)).resolve()
    if root not in target.parents:
        shown = "/".join(str(p) for p in parts)
        raise UnsafeOutput(f"refused to write {shown!r}: it would land outside {base}.",
                           f"Names must be {NAME_RULE}; run `catalog validate` on the dataset.")
    return Path(base).joinpath(*(str(p) for p in parts))


def inside(base: Path, relative: str) -> Path | None:
    """The resolved path of `relative` under `base`, or None when it escapes it
    (absolute paths, `..`, symlinks pointing elsewhere, URLs)."""
    if not isinstance(relative, str) or not relative or "://" in relative or os.path.isabs(relative):
        return None
    # os.path rather than pathlib: called for every file of every dataset on each publish, where
    # pathlib's parsing cost more than the lstat calls themselves.
    base = os.path.realpath(base)
    target = os.path.realpath(os.path.join(base, relative))
    if target != base and not target.startswith(base.rstrip(os.sep) + os.sep):
        return None
    return Path(target)


def not_linked_out(path: Path, display: str) -> None:
    """Refuse a file that is a symbolic link to somewhere outside its own folder (a profile or a
    descriptor written by someone else must not make the tool read another file of the machine)."""
    if inside(Path(path).parent, Path(path).name) is None:
        raise UnusableInput(f"{display}: a link to a file outside its folder; not read.",
                            "Replace the link by the file itself.")


def open_zip(path: Path, display: str | None = None) -> zipfile.ZipFile:
    """Open a zip after checking it is one and that it does not expand past
    MAX_UNPACKED_BYTES; raises UnusableInput with a message for agency staff."""
    display = display or str(path)
    if not Path(path).is_file():
        raise UnusableInput(f"{display}: file not found.", "Check the path.")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise UnusableInput(
            f"{display}: not a readable zip archive ({error}).",
            "Re-create the archive with a standard zip tool.",
        ) from None
    infos = archive.infolist()
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > 50 * 1024**2 and unpacked / packed > MAX_RATIO):
        archive.close()
        raise UnusableInput(
            f"{display}: the archive would expand to {unpacked:,} bytes "
            f"({unpacked / packed:.0f} times its packed size); refused as unsafe.",
            "Publish the files uncompressed or split the archive; "
            "set CATALOG_MAX_UNPACKED_BYTES to raise the limit for a trusted file.",
        )
    for info in infos:
        name = info.filename
        if name.startswith("/") or ".." in Path(name).parts:
            archive.close()
            raise UnusableInput(
                f"{display}: the archive holds an unsafe member path {name!r}.",
                "Re-create the archive with paths relative to its root.",
            )
    return archive
