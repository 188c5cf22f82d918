"""`catalog validate`: decide what each path is, run every check, gather one report."""
from __future__ import annotations

from pathlib import Path

from catalog.findings import Finding, Report, Target, unusable_target
from catalog.validate.files import TABLE_SUFFIXES, validate_file, validate_gtfs_folder


def validate(paths=(), root: Path = Path("."), schema: Path | None = None, progress=None,
             public: tuple[str, ...] = (), sheet=None) -> Report:
    """Validate datasets, publisher profiles and bare files; never writes anything.

    With no paths, every dataset under `root/datasets` and every profile under
    `root/publishers`. `progress(name)` is called before each target. `public` names
    columns of bare files that hold public contacts (a dataset declares them in its schema)."""
    root = Path(root)
    report = Report()
    work = list(_expand(paths, root, schema, tuple(public), sheet)) if paths else _everything(root)
    for label, run in work:
        if progress:
            progress(label, len(work))
        report.targets.append(run())
    return report


# Datasets, descriptors and profiles are imported for the paths that are one: a bare file needs
# neither Frictionless nor YAML.
def validate_dataset(path: Path, root: Path) -> Target:
    from catalog.validate.dataset import validate_dataset as run
    return run(path, root)


def discover(root):
    from catalog.datasets import discover as found
    return found(root)


def find_descriptor(folder):
    from catalog.datasets import find_descriptor as found
    return found(folder)


def _everything(root):
    work = [(p.stem, (lambda p=p: validate_profile(p))) for p in sorted((root / "publishers").glob("*.y*ml"))]
    work += [(f"{d.parent.name}/{d.name}", (lambda d=d: validate_dataset(d, root))) for d in discover(root)]
    work += [(f"{d.parent.name}/{d.name}", (lambda d=d: _undescribed(d))) for d in _undescribed_folders(root)]
    from catalog.reuses import validate_external
    work += [(f"reuses/{p.stem}", (lambda p=p: validate_external(p))) for p in sorted((root / "reuses").glob("*.y*ml"))]
    if not work:  # "0 checked: valid" would read as success
        where = str(root.resolve())
        work = [(where, lambda: unusable_target(
            "file", where, where, f"{where}: nothing to validate: no dataset under datasets/<publisher>/<dataset>/, "
            "no profile under publishers/, no reuse under reuses/.",
            "Run the command from the hub folder (or pass --root), or name what to validate: a dataset "
            "folder, a descriptor, a profile or a data file."))]
    return work


DATA_SUFFIXES = TABLE_SUFFIXES | {".geojson", ".json", ".zip", ".parquet"}


def _undescribed_folders(root):
    """datasets/<publisher>/<dataset>/ folders holding data but no descriptor: `discover`
    cannot see them, and skipping them silently would hide a dataset nobody publishes."""
    base = Path(root) / "datasets"
    return [d for d in sorted(base.glob("*/*")) if _undescribed_dataset(d)] if base.is_dir() else []


def _undescribed_under(folder: Path):
    """The same, for a folder named on the command line: a hub, datasets/, a publisher's or a dataset's."""
    candidates = {folder, *folder.glob("*"), *folder.glob("*/*"), *folder.glob("datasets/*/*")}
    return sorted(d for d in candidates if _undescribed_dataset(d))


def _undescribed_dataset(folder: Path) -> bool:
    return (folder.is_dir() and folder.resolve().parent.parent.name == "datasets" and not find_descriptor(folder)
            and not folder.name.startswith((".", "_")) and bool(_data_files(folder)))


def _data_files(folder):
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
                  and not p.name.startswith("."))


def _undescribed(folder: Path) -> Target:
    folder = folder.resolve()
    files = _data_files(folder)
    shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    where = f"datasets/{folder.parent.name}/{folder.name}/"
    target = Target("dataset", f"{folder.parent.name}/{folder.name}", str(folder))
    target.add([Finding(
        "missing-descriptor",
        f"{where} holds data ({shown}) but no datapackage.json describing it, so it was not checked "
        "and cannot be published.",
        f"Run `catalog describe {where}{files[0]}` (naming each data file of the folder): it writes "
        "datapackage.json, French habits declared, then fill in the TODO placeholders it lists "
        '(README, "catalog describe"). Or move the files out of datasets/.',
        file="datapackage.json")])
    return target


def _expand(paths, root, schema, public=(), sheet=None):
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            yield str(raw), (lambda raw=raw: unusable_target("file", str(raw), str(raw),
                                                        f"{raw}: no such file or folder.", "Check the path."))
        elif path.is_dir() and find_descriptor(path):
            yield str(raw), (lambda path=path: validate_dataset(path, root))
        elif path.is_dir() and (path / "stops.txt").exists():
            yield str(raw), (lambda path=path, raw=raw: validate_gtfs_folder(path, str(raw)))
        elif path.is_dir():
            found = sorted({d.parent for d in path.rglob("datapackage.*") if d.name in
                            ("datapackage.json", "datapackage.yaml", "datapackage.yml")})
            found += sorted(path.glob("*.y*ml")) if path.name in ("publishers", "reuses") else []
            undescribed = _undescribed_under(path)
            for folder in undescribed:
                yield str(folder), (lambda folder=folder: _undescribed(folder))
            if not found and not undescribed:
                yield str(raw), (lambda raw=raw: unusable_target(
                    "file", str(raw), str(raw), f"{raw}: no dataset (datapackage.json) in this folder.",
                    "Name a dataset folder, a descriptor or a data file."))
            for item in found:
                if item.is_dir():
                    yield str(item), (lambda item=item: validate_dataset(item, root))
                else:
                    yield str(item), (lambda item=item: _validate_yaml(item))
        elif path.name.startswith("datapackage."):
            yield str(raw), (lambda path=path: validate_dataset(path, root))
        elif path.parent.name in ("publishers", "reuses") and path.suffix in (".yml", ".yaml"):
            yield str(raw), (lambda path=path: _validate_yaml(path))
        else:
            yield str(raw), (lambda path=path, raw=raw: validate_file(path, str(raw), schema, public, sheet))


def _validate_yaml(path: Path) -> Target:
    """publishers/<slug>.yml is a publisher profile, reuses/<slug>.yml an external reuse."""
    if path.parent.name == "reuses":
        from catalog.reuses import validate_external
        return validate_external(path)
    return validate_profile(path)


def validate_profile(path: Path) -> Target:
    from catalog.publishers import check_profile

    target = Target("publisher", path.stem, str(path))
    _, found = check_profile(path, str(path))
    target.add(found)
    return target
