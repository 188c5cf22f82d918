"""`catalog validate`: decide what each path is, run every check, gather one report."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import frictionless

from catalog.datasets import (
    Dataset, discover, find_descriptor, is_tabular, load_dataset, resource_format,
)
from catalog.errors import UnusableInput
from catalog.findings import ERROR, WARNING, Finding, Report, Target
from catalog.publishers import check_profile
from catalog.validate import fast, metadata, sniff, tables
from catalog.validate.cells import SharedRead, add_cell_findings, check_cells
from catalog.validate.context import FRANCE_BBOXES, TableContext

GTFS_NAMES = {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
              "calendar_dates.txt", "shapes.txt", "frequencies.txt", "transfers.txt", "feed_info.txt"}
TABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xls", ".ods"}


def validate(paths=(), root: Path = Path("."), schema: Path | None = None, progress=None) -> Report:
    """Validate datasets, publisher profiles and bare files; never writes anything.

    With no paths, every dataset under `root/datasets` and every profile under
    `root/publishers`. `progress(name)` is called before each target."""
    root = Path(root)
    report = Report()
    work = list(_expand(paths, root, schema)) if paths else _everything(root)
    for label, run in work:
        if progress:
            progress(label, len(work))
        report.targets.append(run())
    return report


def _everything(root):
    work = [(p.stem, (lambda p=p: validate_profile(p))) for p in sorted((root / "publishers").glob("*.y*ml"))]
    work += [(f"{d.parent.name}/{d.name}", (lambda d=d: validate_dataset(d, root))) for d in discover(root)]
    work += [(f"{d.parent.name}/{d.name}", (lambda d=d: _undescribed(d))) for d in _undescribed_folders(root)]
    from catalog.reuses import validate_external
    work += [(f"reuses/{p.stem}", (lambda p=p: validate_external(p))) for p in sorted((root / "reuses").glob("*.y*ml"))]
    if not work:  # "0 checked: valid" would read as success
        where = str(root.resolve())
        work = [(where, lambda: _unusable(
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
        f"Create {where}datapackage.json: in that folder, `frictionless describe {files[0]} --type package "
        "--json > datapackage.json` writes a first draft; then add title, description, licence and the "
        '"catalog" key (README, "Dataset descriptors"). Or move the files out of datasets/.',
        file="datapackage.json")])
    return target


def _expand(paths, root, schema):
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            yield str(raw), (lambda raw=raw: _unusable("file", str(raw), str(raw),
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
                yield str(raw), (lambda raw=raw: _unusable(
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
            yield str(raw), (lambda path=path, raw=raw: validate_file(path, str(raw), schema))


def _validate_yaml(path: Path) -> Target:
    """publishers/<slug>.yml is a publisher profile, reuses/<slug>.yml an external reuse."""
    if path.parent.name == "reuses":
        from catalog.reuses import validate_external
        return validate_external(path)
    return validate_profile(path)


def _unusable(kind, name, path, message, fix=""):
    target = Target(kind, name, path)
    target.add([Finding("unusable-input", message, fix, file=path)])
    return target


def validate_profile(path: Path) -> Target:
    target = Target("publisher", path.stem, str(path))
    _, found = check_profile(path, str(path))
    target.add(found)
    return target


def _bboxes(hub):
    spatial = hub.get("spatial") if isinstance(hub.get("spatial"), dict) else {}
    bbox = spatial.get("bbox")
    if isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) for v in bbox):
        # A small margin: points on a boundary or just across it are still plausible.
        west, south, east, north = bbox
        pad_x, pad_y = max(0.02, (east - west) * 0.05), max(0.02, (north - south) * 0.05)
        return [(west - pad_x, south - pad_y, east + pad_x, north + pad_y)]
    return list(FRANCE_BBOXES)


def validate_dataset(path: Path, root: Path) -> Target:
    try:
        dataset = load_dataset(path)
    except UnusableInput as error:
        return _unusable("dataset", str(path), str(path), error.message, error.fix or "")
    target = Target("dataset", dataset.id, str(dataset.folder))
    project = _project_root(dataset)
    profile = (project or Path(root)) / "publishers" / f"{dataset.publisher}.yml"
    publisher_known = profile.is_file() and check_profile(profile)[0] is not None
    if not publisher_known:
        # Inside a hub the folder names the publisher; a package checked on its own only gets a warning.
        target.add([Finding("unknown-publisher",
                            f"the dataset folder's publisher {dataset.publisher!r} has no valid profile "
                            f"(publishers/{dataset.publisher}.yml).",
                            "Place the dataset under datasets/<publisher>/<dataset>/ and create or fix that "
                            "publisher's profile.", file=dataset.descriptor_path.name,
                            severity=ERROR if project else WARNING)])
    try:
        if project and dataset.hub.get("reuse") is not None:
            from catalog.reuse import check_reuse  # derived: checked against its sources' schemas
            target.add(check_reuse(dataset, project))
        else:
            target.add(_check_resources(dataset))
    except UnusableInput as error:
        target.add([Finding("unusable-input", error.message, error.fix or "", file=dataset.descriptor_path.name)])
    target.quality = metadata.quality(dataset, publisher_known)
    return target


def _project_root(dataset: Dataset) -> Path | None:
    """The hub folder when the dataset sits in its datasets/<publisher>/ tree."""
    candidate = dataset.folder.parent.parent.parent
    if dataset.folder.parent.parent.name == "datasets" and (candidate / "publishers").is_dir():
        return candidate
    return None


def _check_resources(dataset: Dataset) -> list[Finding]:
    found = []
    descriptor_file = dataset.descriptor_path.name
    if not dataset.resources:
        return [Finding("descriptor-error", "the descriptor lists no resources.",
                        'Add a "resources" list naming each data file.', file=descriptor_file)]
    bboxes = _bboxes(dataset.hub)
    frictionless_resources, tabular, gtfs_files = [], [], {}
    for index, resource in enumerate(dataset.resources):
        name = resource.get("name") or f"resource {index + 1}"
        display = resource.get("path") if isinstance(resource.get("path"), str) else name
        path = dataset.resource_path(resource)
        if path is None:
            found.append(Finding("unsafe-path", f"resource {name!r} has a path {resource.get('path')!r} "
                                 "outside the dataset folder (or a URL); it was not read.",
                                 "Put the file inside the dataset folder and give its relative path.",
                                 file=descriptor_file))
            continue
        if not path.is_file():
            found.append(Finding("missing-file", f"resource {name!r} names a file that does not exist.",
                                 "Add the file or correct the resource's path.", file=display))
            continue
        fmt = resource_format(resource)
        if fmt in ("geojson",) or path.suffix.lower() == ".geojson":
            from catalog.validate.geo import check_geojson
            found += check_geojson(path, display, bboxes)
            continue
        if fmt in ("zip", "gtfs") and dataset.is_gtfs:
            from catalog.validate.gtfs import check_gtfs_zip
            found += check_gtfs_zip(path, display)
            continue
        if not is_tabular(resource):
            continue
        try:
            schema = dataset.schema(resource)
        except UnusableInput as error:
            found.append(Finding("unusable-input", error.message, error.fix or "", file=descriptor_file))
            continue
        effective = copy.deepcopy(resource)
        if schema is not None:
            effective["schema"] = schema
        if fmt in ("csv", "tsv", "txt"):
            found += _habits(path, display, resource, effective)
        frictionless_resources.append((display, effective))
        tabular.append((display, path, fmt, effective, schema))
        if dataset.is_gtfs and path.name in GTFS_NAMES:
            gtfs_files[path.name] = path
    readings = []  # per table: its context, the cell checks' reading, encoding and delimiter
    for display, path, fmt, effective, schema in tabular:
        fields = {f.get("name"): f for f in (schema or {}).get("fields", []) if isinstance(f, dict)}
        table = TableContext(display, path, fields, bboxes)
        dialect = effective.get("dialect") if isinstance(effective.get("dialect"), dict) else {}
        readings.append((table, fmt, effective.get("encoding"), dialect.get("delimiter")))
    shared = [SharedRead(table, encoding, delimiter) for table, _, encoding, delimiter in readings]
    found += _frictionless_package(dataset, frictionless_resources, shared)
    for (table, fmt, encoding, delimiter), reading in zip(readings, shared):
        found = add_cell_findings(found, check_cells(table, fmt, encoding, delimiter, shared=reading))
    if dataset.is_gtfs and gtfs_files:
        from catalog.validate.gtfs import check_gtfs_files
        prefix = str(Path(next(d for d, *_ in tabular if d.endswith(".txt"))).parent)
        found += check_gtfs_files(gtfs_files, "" if prefix == "." else prefix)
    return found


def _habits(path, display, resource, effective) -> list[Finding]:
    """Compare the declared encoding and delimiter with the file; validate with the truth."""
    found = []
    actual = sniff.sniff(path)
    declared = resource.get("encoding") or "utf-8"
    if not sniff.compatible(declared, actual):
        found.append(Finding(
            "encoding-mismatch",
            (f"the descriptor says the file is {sniff.describe(sniff.normalise(declared))}, " if resource.get("encoding")
             else "no encoding is declared, so UTF-8 is assumed, ")
            + f"but the file is {sniff.describe(actual.encoding)}: accented letters would be garbled.",
            f'Declare "encoding": "{sniff.declaration(actual.encoding)}" on this resource '
            "(or re-save the file as UTF-8).", file=display, value=declared))
        effective["encoding"] = sniff.declaration(actual.encoding)
    elif not resource.get("encoding"):
        effective["encoding"] = sniff.declaration(actual.encoding)
    dialect = resource.get("dialect") if isinstance(resource.get("dialect"), dict) else {}
    declared_delimiter = dialect.get("delimiter", "\t" if path.suffix.lower() == ".tsv" else ",")
    if actual.delimiter and actual.delimiter != declared_delimiter:
        shown = {"\t": "a tab", ";": "';'", ",": "','", "|": "'|'"}
        found.append(Finding(
            "delimiter-mismatch",
            f"the descriptor says columns are separated by {shown.get(declared_delimiter, repr(declared_delimiter))}, "
            f"but the file uses {shown.get(actual.delimiter, repr(actual.delimiter))}.",
            f'Declare "dialect": {{"delimiter": {json.dumps(actual.delimiter)}}} on this resource.',
            file=display, value=declared_delimiter))
        effective["dialect"] = {**dialect, "delimiter": actual.delimiter}
    return found


def _frictionless_package(dataset: Dataset, resources, shared) -> list[Finding]:
    """Frictionless' checks of every table at once (foreign keys span tables); `shared[i]`
    is fed the batches read of resources[i] for its cell checks."""
    if not resources:
        return []
    displays, readings = {}, {}
    descriptor = {"name": "validation", "resources": []}
    for index, (display, resource) in enumerate(resources):
        entry = {k: v for k, v in resource.items() if k not in ("catalog",)}
        entry["name"] = f"r{index}" if not isinstance(entry.get("name"), str) else entry["name"]
        displays[entry["name"]] = display
        readings[entry["name"]] = shared[index]
        descriptor["resources"].append(entry)
    try:
        package = frictionless.Package(descriptor, basepath=str(dataset.folder))
        with tables.quiet_xls_reader({str(r.get("format") or r.get("path", "")).rsplit(".", 1)[-1].lower()
                                      for _, r in resources}):
            report = fast.validate_package(package, tables.LIMIT_ERRORS, readings)  # Frictionless' report, vectorised
    except frictionless.FrictionlessException as error:
        return tables.translate_exception(error, dataset.descriptor_path.name,
                                          [(d, r.get("schema")) for d, r in resources])
    return tables.findings_of(report, lambda task: displays.get(task.name, task.name))


def validate_gtfs_folder(path: Path, display: str) -> Target:
    from catalog.validate.gtfs import check_gtfs_files
    target = Target("file", display, str(path))
    target.add(check_gtfs_files({p.name: p for p in path.glob("*.txt")}, display))
    return target


def validate_file(path: Path, display: str, schema: Path | None = None) -> Target:
    target = Target("file", display, str(path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".zip":
            from catalog.validate.gtfs import check_gtfs_zip
            target.add(check_gtfs_zip(path, display))
        elif suffix in (".geojson", ".json"):
            from catalog.validate.geo import check_geojson
            target.add(check_geojson(path, display))
        elif suffix in TABLE_SUFFIXES:
            target.add(_bare_table(path, display, schema))
        else:
            target.add([Finding("unsupported-file", f"{display}: the hub does not know how to read "
                                f"'{suffix or path.name}' files.",
                                "Validate a CSV, Excel, GeoJSON or GTFS zip file, or a dataset folder.",
                                file=display)])
    except UnusableInput as error:
        target.add([Finding("unusable-input", error.message, error.fix or "", file=display)])
    return target


def _bare_table(path: Path, display: str, schema_path: Path | None) -> list[Finding]:
    found = []
    fmt = suffix = path.suffix.lower().lstrip(".")
    descriptor = {"name": "file", "path": path.name, "format": "csv" if suffix == "txt" else suffix}
    if schema_path:
        from catalog.yamlio import load
        descriptor["schema"] = load(Path(schema_path))
        if not isinstance(descriptor["schema"], dict):
            raise UnusableInput(f"{schema_path}: not a Table Schema (a JSON or YAML object with \"fields\").",
                                "Give --schema the schema.json file that describes the table's columns.")
    fields = {f.get("name"): f for f in (descriptor.get("schema") or {}).get("fields", []) if isinstance(f, dict)}
    if fmt in ("csv", "tsv", "txt"):
        actual = sniff.sniff(path)
        descriptor["encoding"] = sniff.declaration(actual.encoding)
        if actual.delimiter:
            descriptor["dialect"] = {"delimiter": actual.delimiter}
        if actual.encoding not in ("utf-8", "utf-8-sig") and not actual.ascii_only:
            found.append(Finding(
                "encoding-detected", f"the file is encoded in {sniff.describe(actual.encoding)}, not UTF-8.",
                f'Declare "encoding": "{sniff.declaration(actual.encoding)}" in its descriptor; '
                "`catalog package` writes it out as UTF-8.", file=display, severity=WARNING))
    table = TableContext(display, path, fields, list(FRANCE_BBOXES))
    shared = SharedRead(table, descriptor.get("encoding"), (descriptor.get("dialect") or {}).get("delimiter"))
    try:
        # Without a schema nothing declares a type: Frictionless would guess types from the first
        # rows and call later rows wrong, so every column is text (structure is still checked).
        detector = None if descriptor.get("schema") else frictionless.Detector(field_type="string")
        resource = frictionless.Resource(descriptor, basepath=str(path.parent), detector=detector)
        with tables.quiet_xls_reader({fmt}):
            report = fast.validate(resource, tables.LIMIT_ERRORS, shared)  # Frictionless' report, vectorised
        found += tables.findings_of(report, lambda task: display)
    except frictionless.FrictionlessException as error:
        found += tables.translate_exception(error, display, [(display, descriptor.get("schema"))])
    found = add_cell_findings(found, check_cells(table, fmt, descriptor.get("encoding"),
                                                 (descriptor.get("dialect") or {}).get("delimiter"), shared=shared))
    return found
