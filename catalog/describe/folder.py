"""Where `describe` writes, and how: names checked, every path inside the target folder, nothing
overwritten without `force`, and the folder built aside then swapped in whole."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from catalog.datasets import DESCRIPTOR_NAMES
from catalog.errors import UnusableInput
from catalog.safety import NAME_RULE, inside, is_name
from catalog.swap import swap_in


def check_name(value: str, what: str) -> str:
    """Publisher and dataset names become folder, package and table names: the hub's one rule."""
    if not is_name(value):
        raise UnusableInput(f"{what} {value!r} is not a valid name.",
                            f"Names are {NAME_RULE}, e.g. {slug(value or 'mon-jeu-de-donnees')!r}.")
    return value


def slug(text: str) -> str:
    """`Toilettes publiques 2025` -> `toilettes-publiques-2025`."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:100] or "donnees"


def file_name(path: Path) -> str:
    """The name a data file takes in the dataset folder: safe, its extension kept."""
    suffix = path.suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", path.suffix) else ""
    return f"{slug(path.stem)}{suffix}"


def target_folder(root: Path, publisher: str, dataset: str) -> Path:
    base = (Path(root) / "datasets").resolve()
    folder = inside(base, f"{publisher}/{dataset}")
    if folder is None or folder.parent.parent != base:
        raise UnusableInput(f"datasets/{publisher}/{dataset}: outside the hub's datasets/ folder.",
                            "Give plain publisher and dataset names.")
    return folder


def write(folder: Path, files: dict[str, Path], descriptor_text: str, force: bool) -> list[str]:
    """Write `files` (name in the folder -> source) and datapackage.json into `folder`.

    A file already in place (the source is the target: describing a folder in place) is kept.
    Anything else already there is refused unless `force`; with `force`, the new folder is built
    aside from the old one and swapped in with two renames. Returns the names written."""
    existing = [n for n in (*DESCRIPTOR_NAMES, *files) if (folder / n).exists()
                and not (n in files and _same_file(files[n], folder / n))]
    if existing and not force:
        raise UnusableInput(f"{folder}: {', '.join(existing)} already exist(s); nothing was written.",
                            "Pass --force to replace them (the other files of the folder are kept), "
                            "or choose another --dataset name.")
    for name in files:
        if inside(folder, name) is None or "/" in name:
            raise UnusableInput(f"{name!r}: not a plain file name.", "Rename the file.")
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        if folder.is_dir():  # keep what is not replaced (other data, schemas, notes)
            for item in folder.iterdir():
                if item.name not in files and item.name not in DESCRIPTOR_NAMES:
                    if item.is_dir() and not item.is_symlink():
                        shutil.copytree(item, work / item.name, symlinks=True)
                    else:
                        shutil.copy2(item, work / item.name, follow_symlinks=False)
        for name, source in files.items():
            shutil.copyfile(source, work / name)
        (work / "datapackage.json").write_text(descriptor_text, encoding="utf-8")
        os.chmod(work, 0o755)
        swap_in(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [*files, "datapackage.json"]


def _same_file(source: Path, target: Path) -> bool:
    try:
        return source.resolve() == target.resolve()
    except OSError:
        return False
