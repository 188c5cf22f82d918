"""`catalog package`: standard, reproducible data packages, one per dataset.

Output per dataset, in `<out>/<publisher>/<dataset>/`: a resolved datapackage.json
(schemas inlined, publisher as contributor, bytes and sha256 of every file), the
data normalised to UTF-8 CSV under `data/`, the original files under `original/`,
and with `zip=True` `<out>/<publisher>/<dataset>.zip`. Everything is built in a
temporary folder beside the target and swapped in, and nothing in it depends on
the clock, so packaging the same input twice gives the same bytes.
"""
from __future__ import annotations

import copy
import filecmp
import json
import os
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from catalog import licences
from catalog.datasets import Dataset, discover, find_descriptor, is_tabular, load_dataset, resource_format
from catalog.errors import InvalidData, UnusableInput
from catalog.hashing import Fingerprints, file_sha256, tree_sha256
from catalog.locks import writing_packages
from catalog.normalise import CellsLost, output_schema, write_csv
from catalog.reading import open_table
from catalog.publishers import load_publishers
from catalog.safety import as_name, inside, output_path
from catalog.swap import swap_in
from catalog.validate import validate

MEDIATYPES = {"csv": "text/csv", "geojson": "application/geo+json", "json": "application/json",
              "zip": "application/zip", "gtfs": "application/zip"}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so zips do not change with the clock


@dataclass
class Packaged:
    dataset_id: str
    folder: Path
    descriptor: dict
    changed: bool
    zip_path: Path | None = None


class Staged:
    """A package built aside whose zip is still to be written, by a thread that `start()` starts
    (the caller chooses when: see `catalog.hubdb.load_package`'s `rows_in`): `finish()` waits for
    it, then swaps folder and zip in, as `package_one` does at once when nothing is staged."""

    def __init__(self, dataset_id: str, work: Path, target: Path, zip_tmp: Path | None, zip_path: Path | None):
        self.dataset_id, self.work, self.target, self.zip_tmp, self.zip_path = \
            dataset_id, work, target, zip_tmp, zip_path
        self._thread, self._error, self._to_zip = None, None, False

    def zip(self, background: bool):
        if not background:
            _zip(self.work, self.zip_tmp)
        else:
            self._to_zip = True

    def start(self):
        """Start writing the zip. zlib and crc32 release the GIL: it overlaps the caller's work,
        best work that releases it too, such as SQLite building indexes."""
        if self._to_zip and self._thread is None:
            self._thread = threading.Thread(target=self._zip_in_thread, name=f"zip {self.dataset_id}")
            self._thread.start()

    def _zip_in_thread(self):
        try:
            _zip(self.work, self.zip_tmp)
        except BaseException as error:  # re-raised by finish(), in the caller's thread
            self._error = error

    def finish(self):
        try:
            self.start()
            self._wait()
            if self._error is not None:
                raise self._error
            swap_in(self.work, self.target)
            if self.zip_tmp:
                os.replace(self.zip_tmp, self.zip_path)
        finally:
            self.discard()

    def discard(self):
        self._wait()  # never delete files a zip thread is still reading
        shutil.rmtree(self.work, ignore_errors=True)
        if self.zip_tmp:
            self.zip_tmp.unlink(missing_ok=True)

    def _wait(self):
        if self._thread is not None:
            self._thread.join()


@dataclass
class PackageRun:
    packaged: list[Packaged] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # dataset id -> why
    unreadable: set[str] = field(default_factory=set)  # refused ids that could not be read at all
    staged: list[Staged] = field(default_factory=list)  # with background=True: not swapped in yet

    @property
    def exit_code(self):
        """2 when some dataset could not even be read, 1 when one is invalid, else 0 (README)."""
        return 2 if self.unreadable else 1 if self.refused else 0

    def staged_folders(self) -> dict[str, Path]:
        """Dataset id -> the folder its staged package can be read from until `finish()`."""
        return {s.dataset_id: s.work for s in self.staged}

    def start(self, dataset_id: str):
        """Start writing the zip of that dataset's staged package, if any (see `Staged.start`)."""
        for item in self.staged:
            if item.dataset_id == dataset_id:
                item.start()

    def finish(self):
        """Swap in the staged packages, in packaging order; the first failure (e.g. writing a zip)
        is raised and the packages after it are discarded, as if packaging had stopped there."""
        staged, self.staged = self.staged, []
        for number, item in enumerate(staged):
            try:
                item.finish()
            except BaseException:
                for rest in staged[number + 1:]:
                    rest.discard()
                raise


def dataset_folders(paths, root: Path) -> list[Path]:
    if not paths:
        return discover(root)
    folders = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UnusableInput(f"{raw}: no such file or folder.", "Check the path.")
        if path.is_file():
            path = path.parent
        if find_descriptor(path):
            folders.append(path)
        else:
            found = sorted({d.parent for d in path.rglob("datapackage.*") if d.name.split(".")[-1] in ("json", "yaml", "yml")})
            if not found:
                raise UnusableInput(f"{raw}: no dataset (datapackage.json) here.", "Name a dataset folder.")
            folders += found
    return folders


def inputs_of(dataset: Dataset, root: Path) -> dict[str, Path]:
    """Every file the package is made from: what its content hash covers."""
    files = {"datapackage": dataset.descriptor_path}
    profile = Path(root) / "publishers" / f"{dataset.publisher}.yml"
    if profile.is_file():
        files["publisher"] = profile
    for resource in dataset.resources:
        path = dataset.resource_path(resource)
        if path and path.is_file():
            files[f"data/{resource.get('path')}"] = path
        for key in ("schema", "dialect"):
            reference = resource.get(key)
            referenced = inside(dataset.folder, reference) if isinstance(reference, str) else None
            if referenced and referenced.is_file():
                files[f"{key}/{reference}"] = referenced
    return files


def package(paths=(), root: Path = Path("."), out: Path = Path("build/packages"), zip: bool = False,
            force: bool = False, background: bool = False, fingerprints: Fingerprints | None = None,
            publishers: dict | None = None) -> PackageRun:
    """Validate then package each dataset; invalid ones are refused, not packaged.

    `background=True`: zips are left to write to threads (`run.start(dataset_id)`) and the packages
    in `run.staged` (readable at `run.staged_folders()`) until the caller's `run.finish()` swaps
    them in; meanwhile the caller can load the data, e.g. into the hub database.
    `fingerprints` (catalog.hashing): what the caller's hub recorded of its input files.
    `publishers`: load_publishers(root), when the caller has it already."""
    root, out = Path(root), Path(out)
    run = PackageRun()
    publishers = load_publishers(root) if publishers is None else publishers
    from catalog.reuse import with_sources

    folders = dataset_folders(paths, root)
    if not folders:  # an empty run would look like success
        raise UnusableInput(f"no dataset to package in {root.resolve() / 'datasets'} (a dataset is a folder "
                            "datasets/<publisher>/<dataset>/ holding a datapackage.json).",
                            "Run the command from the hub folder holding datasets/ (or pass --root), "
                            "or name dataset folders.")
    with writing_packages(out):
        try:
            _package_all(with_sources(folders, root), root, out, zip, force, background, publishers, run,
                         fingerprints)
        except BaseException:
            run.finish()  # the packages made before the failure land, as they do without background
            raise
    return run


def _package_all(folders, root, out, zip, force, background, publishers, run: PackageRun, fingerprints=None):
    from catalog.reuse import derived_reuse, is_reuse

    for folder in folders:  # a reuse's sources come first
        report = validate([str(folder)], root)
        dataset = load_dataset(folder) if report.exit_code != 2 else None
        name = dataset.id if dataset else str(folder)
        if not report.valid:
            errors = sum(t.to_dict()["errors"] for t in report.targets)
            run.refused[name] = f"{errors} validation error(s); run `catalog validate {folder}` to see them"
            if report.exit_code == 2:
                run.unreadable.add(name)
            continue
        if is_reuse(dataset):  # its data is derived from the packaged sources
            run.finish()  # which must be in place
            try:
                with derived_reuse(dataset, out, run.refused) as derived:
                    run.packaged.append(package_one(derived, root, out, publishers, report.targets[0].score, zip,
                                                    force))
            except InvalidData as error:
                run.refused[name] = error.message
            continue
        try:
            run.packaged.append(package_one(dataset, root, out, publishers, report.targets[0].score, zip, force,
                                            run.staged if background else None, fingerprints))
        except CellsLost as error:  # nothing read may be lost: the package is refused, and says where
            run.refused[name] = error.message


def package_one(dataset: Dataset, root: Path, out: Path, publishers, quality, zip=False, force=False,
                staged: list | None = None, fingerprints: Fingerprints | None = None) -> Packaged:
    """Package one valid dataset; with a `staged` list, its zip is written in the background and
    the package appended there for the caller to finish (see `package`)."""
    target = output_path(out, dataset.publisher, dataset.name)
    content_hash = tree_sha256(inputs_of(dataset, root), fingerprints)
    existing = target / "datapackage.json"
    zip_path = output_path(out, dataset.publisher, f"{dataset.name}.zip") if zip else None
    if not force and existing.is_file():
        previous = json.loads(existing.read_text(encoding="utf-8"))
        if previous.get("catalog", {}).get("content_hash") == content_hash and (not zip or zip_path.is_file()):
            return Packaged(dataset.id, target, previous, False, zip_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dataset.name}.", dir=output_path(out, dataset.publisher)))
    zip_tmp = output_path(out, dataset.publisher, f".{dataset.name}.zip.tmp") if zip else None
    pending = Staged(dataset.id, work, target, zip_tmp, zip_path)
    try:
        descriptor = _build(dataset, work, publishers.get(dataset.publisher), quality, content_hash)
        if zip:
            pending.zip(background=staged is not None)
    except BaseException:
        pending.discard()
        raise
    if staged is None:
        pending.finish()
    else:
        staged.append(pending)
    return Packaged(dataset.id, target, descriptor, True, zip_path)


def _contributor(publisher):
    if publisher is None:
        return []
    entry = {"title": publisher.title, "role": "publisher", "path": publisher.homepage, "email": publisher.email}
    return [entry]


def _licences(dataset, publisher):
    result = []
    for entry in dataset.descriptor.get("licenses") or []:
        known = licences.canonical(entry.get("name")) if isinstance(entry, dict) else None
        result.append(licences.descriptor(known) if known else entry)
    if not result and publisher:
        result.append(licences.descriptor(publisher.licence))
    return result


def _build(dataset: Dataset, work: Path, publisher, quality, content_hash) -> dict:
    source = dataset.descriptor
    hub = copy.deepcopy(dataset.hub)
    hub.update({"publisher": dataset.publisher, "publisher_title": publisher.title if publisher else dataset.publisher,
                "quality": quality, "content_hash": content_hash})
    descriptor = {
        "profile": "data-package",
        "name": dataset.name,
        "id": dataset.id,
        "title": source.get("title", dataset.name),
        "description": source.get("description", ""),
        "version": source.get("version", "0.0.0"),
        "licenses": _licences(dataset, publisher),
        "sources": source.get("sources") or [],
        "contributors": _contributor(publisher) + [c for c in source.get("contributors") or []
                                                   if isinstance(c, dict) and c.get("role") != "publisher"],
        "keywords": hub.get("keywords") or source.get("keywords") or [],
    }
    if source.get("created"):
        descriptor["created"] = source["created"]
    descriptor["catalog"] = hub
    (work / "data").mkdir()
    resources, gtfs_members = [], []
    taken = {dataset.resource_name(r) for r in dataset.resources}
    for resource in dataset.resources:
        path = dataset.resource_path(resource)
        original = output_path(work / "original", path.relative_to(dataset.folder))
        original.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, original)
        name = dataset.resource_name(resource)
        fmt = resource_format(resource)
        entry = {k: resource[k] for k in ("name", "title", "description", "sources", "licenses") if k in resource}
        entry["name"] = name
        if is_tabular(resource) and fmt != "zip":
            effective = copy.deepcopy(resource)
            effective.pop("catalog", None)
            schema = dataset.schema(resource)
            if schema is None and dataset.is_gtfs:
                from catalog.validate.gtfs.types import reference_schema
                schema = reference_schema(path.name, path)
            # Reading one resource alone: foreign keys to sibling resources were checked by validate.
            if schema:
                effective["schema"] = {k: v for k, v in schema.items() if k != "foreignKeys"}
            if dataset.dialect(resource) is not None:
                effective["dialect"] = dataset.dialect(resource)
            out_path = output_path(work / "data", f"{name}.csv")
            with open_table(effective, path, str(dataset.folder), resource.get("path") or name) as reading:
                rows = write_csv(reading.descriptor, reading.basepath, out_path, file=reading.display)
                schema = schema or reading.descriptor.get("schema")  # read as text: every column a string
            entry.update({"path": f"data/{name}.csv", "format": "csv", "mediatype": "text/csv",
                          "encoding": "utf-8", "schema": output_schema(schema or {})})
            national = dataset.national_schema(resource)
            if national is not None:  # the reference travels with the schema it resolved to
                entry["schema"]["catalog"] = national.describe()
            entry["catalog"] = {**(resource.get("catalog") or {}), "rows": rows}
            if dataset.is_gtfs and path.suffix == ".txt":
                gtfs_members.append((path.name, out_path))
        else:
            if dataset.is_gtfs and fmt in ("zip", "gtfs"):
                # The feed's files become tables, as loose GTFS files do; the zip itself follows.
                resources += _gtfs_zip_tables(path, resource.get("path") or name, work, taken)
            suffix = path.suffix.lower()
            out_path = output_path(work / "data", f"{name}{suffix}")
            shutil.copyfile(path, out_path)
            entry.update({"path": f"data/{name}{suffix}", "format": fmt or suffix.lstrip("."),
                          "mediatype": MEDIATYPES.get(fmt, "application/octet-stream"), "type": "file"})
        entry["bytes"] = out_path.stat().st_size
        entry["hash"] = f"sha256:{file_sha256(out_path)}"
        resources.append(entry)
    if gtfs_members:
        feed = work / "data" / "gtfs.zip"
        with zipfile.ZipFile(feed, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, member_path in sorted(gtfs_members):
                _add(archive, member, member_path)
        resources.append({"name": "gtfs", "title": "Flux GTFS complet", "path": "data/gtfs.zip", "format": "gtfs",
                          "mediatype": "application/zip", "type": "file", "bytes": feed.stat().st_size,
                          "hash": f"sha256:{file_sha256(feed)}"})
    descriptor["resources"] = resources
    text = json.dumps(descriptor, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    (work / "datapackage.json").write_text(text, encoding="utf-8")
    return descriptor


def _gtfs_zip_tables(path: Path, display: str, work: Path, taken: set) -> list[dict]:
    """One normalised table per file of a GTFS zip, typed by the GTFS reference (data/<file>.csv)."""
    from catalog.reading import zip_tables
    from catalog.validate.gtfs.types import reference_schema

    entries = []
    with zip_tables(path, display) as members:
        for member, source, shown in members:
            name = as_name(Path(member).stem)
            if name in taken:
                name = as_name(f"{Path(display).stem}-{name}")
            taken.add(name)
            schema = reference_schema(member, source)
            descriptor = {"name": name, "path": source.name, "format": "csv", "encoding": "utf-8-sig",
                          "dialect": {"delimiter": ","}}
            if schema:
                descriptor["schema"] = schema
            out_path = output_path(work / "data", f"{name}.csv")
            with open_table(descriptor, source, str(source.parent), shown) as reading:
                rows = write_csv(reading.descriptor, reading.basepath, out_path, file=shown)
                schema = reading.descriptor.get("schema") or {}
            entries.append({"name": name, "title": member, "path": f"data/{name}.csv", "format": "csv",
                            "mediatype": "text/csv", "encoding": "utf-8", "schema": output_schema(schema),
                            "catalog": {"rows": rows, "gtfs_file": member}, "bytes": out_path.stat().st_size,
                            "hash": f"sha256:{file_sha256(out_path)}"})
    return entries


# Level 1 deflates a large CSV about 7 times faster than zlib's default level (6) for a zip
# about a fifth larger: publishing a million rows should not wait seconds on compression.
ZIP_LEVEL = 1


def _add(archive: zipfile.ZipFile, name: str, path: Path):
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = ZIP_LEVEL  # ZipFile.open(info, "w") takes the level from the ZipInfo
    info.external_attr = 0o644 << 16
    with open(path, "rb") as source, archive.open(info, "w") as sink:
        shutil.copyfileobj(source, sink, 1 << 20)


def _zip(folder: Path, target: Path):
    """The package folder as one zip, less the original files that are byte for byte their
    normalised copy under data/ (a UTF-8 CSV written as we write it): the zip would hold the
    same data twice and take twice as long to deflate."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    data = [p for p in files if p.relative_to(folder).parts[0] == "data"]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
        for path in files:
            if path.relative_to(folder).parts[0] == "original" and any(_same_bytes(path, d) for d in data):
                continue
            _add(archive, path.relative_to(folder).as_posix(), path)


def _same_bytes(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and filecmp.cmp(a, b, shallow=False)
