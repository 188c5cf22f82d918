"""A dataset folder checked whole: its descriptor, publisher, resources, and Frictionless'
view of all its tables at once (foreign keys span them); its metadata scored."""
from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path

from catalog.datasets import Dataset, is_tabular, load_dataset, resource_format
from catalog.errors import UnusableInput
from catalog.findings import ERROR, WARNING, Finding, Target, unusable_target
from catalog import limits
from catalog.publishers import check_profile
from catalog.safety import NAME_RULE, as_name
from catalog.validate import metadata, sniff, tables, text_table
from catalog.validate.cells import SharedRead, add_cell_findings, check_cells, check_columns, other_sheets
from catalog.reading import flat_dialect, open_table
from catalog.validate.context import FRANCE_BBOXES, TableContext
from catalog.validate.links import link_findings
from catalog.validate.shape import shape_findings

GTFS_NAMES = {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
              "calendar_dates.txt", "shapes.txt", "frequencies.txt", "transfers.txt", "feed_info.txt"}


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
        return unusable_target("dataset", str(path), str(path), error.message, error.fix or "")
    target = Target("dataset", dataset.id, str(dataset.folder))
    target.add(_name_findings(dataset))
    target.add(link_findings(dataset.descriptor, dataset.descriptor_path.name))
    shape = shape_findings(dataset.descriptor, dataset.descriptor_path.name)
    if shape:  # the checks below read these keys: a wrong shape is reported, not tripped over
        target.add(shape)
        return target
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
    from catalog.validate.charts import check_charts

    target.add(check_charts(dataset, project))
    target.add(metadata.title_findings(dataset))
    target.add(metadata.placeholder_findings(dataset))
    target.quality = metadata.quality(dataset, publisher_known)
    return target


def _name_findings(dataset: Dataset) -> list[Finding]:
    """Names become folders, files and URLs: one that is not a name is refused before anything."""
    found = []
    for key, value in dataset.unsafe_names():
        where = "the folder name" if key.endswith("folder") else f"`{key}`"
        found.append(Finding("unsafe-name", f"{where} {value!r} is not a safe name: names are {NAME_RULE}.",
                             f"Rename it, e.g. {as_name(str(value))!r}" + ("." if key.endswith("folder") else
                             f" (the descriptor's `{key}`)."),
                             file=dataset.descriptor_path.name, column=key, value=str(value)))
    return found


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
    tabular, gtfs_files = [], {}
    national_of = {}  # display name -> the national schema reference it is checked against
    for index, resource in enumerate(dataset.resources):
        name = resource.get("name") or f"resource {index + 1}"
        display = resource.get("path") if isinstance(resource.get("path"), str) else name
        refused = dataset.refused_reference(resource)
        if refused:
            code, what, fix = refused
            found.append(Finding(code, f"resource {name!r}: {what}.", fix, file=descriptor_file))
            continue
        path = dataset.resource_path(resource)
        if not path.is_file():
            found.append(Finding("missing-file", f"resource {name!r} names a file that does not exist.",
                                 "Add the file or correct the resource's path.", file=display))
            continue
        fmt = resource_format(resource)
        try:  # sized before anything reads it: a bomb is refused, not unpacked
            limits.check_input(path, display, fmt, resource.get("compression"))
        except UnusableInput as error:
            found.append(Finding("unusable-input", error.message, error.fix or "", file=display))
            continue
        if fmt in ("geojson",) or path.suffix.lower() == ".geojson":
            from catalog.validate.geojson import check_geojson
            found += check_geojson(path, display, bboxes)
            continue
        if fmt in ("zip", "gtfs") and dataset.is_gtfs:
            from catalog.validate.gtfs import check_gtfs_zip
            found += check_gtfs_zip(path, display)
            continue
        if not is_tabular(resource):
            # Published as it is (a zip of tables, notes, a workbook): it goes through the gate too.
            from catalog.validate.personal.parts import gate_file
            found += gate_file(path, display)
            continue
        try:
            schema, dialect = dataset.schema(resource), dataset.dialect(resource)
        except UnusableInput as error:
            found.append(Finding("unusable-input", error.message, error.fix or "", file=descriptor_file))
            continue
        national = dataset.national_schema(resource)
        if national is not None:
            national_of[display] = str(national.reference)
            found += national_findings(national, display)
        effective = copy.deepcopy(resource)
        effective.pop("catalog", None)
        if schema is None and dataset.is_gtfs and path.name in GTFS_NAMES:
            from catalog.validate.gtfs.types import reference_schema
            schema = reference_schema(path.name, path)
        if schema is not None:
            effective["schema"] = schema
        if dialect is not None:
            effective["dialect"] = dialect
        if fmt in ("csv", "tsv", "txt"):
            found += _habits(path, display, resource, effective)
        hub = resource.get("catalog") if isinstance(resource.get("catalog"), dict) else {}
        tabular.append((display, path, effective, schema, hub.get("crs") or dataset.hub.get("crs")))
        if dataset.is_gtfs and path.name in GTFS_NAMES:
            gtfs_files[path.name] = path
    with contextlib.ExitStack() as stack:
        readings = [stack.enter_context(open_table(effective, path, str(dataset.folder), display))
                    for display, path, effective, *_ in tabular]
        for reading, (display, *_) in zip(readings, tabular):
            found += reading.findings
            if display in national_of:  # a sheet's findings name the sheet
                national_of[reading.display] = national_of[display]
        readable = [(reading, schema, crs) for reading, (*_, schema, crs) in zip(readings, tabular) if reading.readable]
        checks = []  # per table: its context and the cell checks fed by the table checks' reading
        for reading, schema, crs in readable:
            fields = {f.get("name"): f for f in (schema or {}).get("fields", []) if isinstance(f, dict)}
            table = TableContext(reading.display, reading.path, fields, bboxes, crs=crs if isinstance(crs, str) else None)
            # A small table is validated in plain Python (typed_rows.py) or by Frictionless itself,
            # and its text is read in plain Python (text_table.py): nothing to share, no Arrow to import.
            small = text_table.small(reading.path, reading.format)
            checks.append((reading, table, None if small else SharedRead(table, reading.encoding, reading.delimiter)))
        found += _frictionless_package(dataset, [(r, shared) for r, _, shared in checks])
        for reading, table, shared in checks:
            found = add_cell_findings(found, _cell_findings(reading, table, shared))
            found += other_sheets(reading)
    if dataset.is_gtfs and gtfs_files:
        from catalog.validate.gtfs import check_gtfs_files
        prefix = str(Path(next(d for d, *_ in tabular if d.endswith(".txt"))).parent)
        found += check_gtfs_files(gtfs_files, "" if prefix == "." else prefix)
    for finding in found:
        if finding.file in national_of and finding.schema is None:
            finding.schema = national_of[finding.file]
    return found


def national_findings(national, display) -> list[Finding]:
    """A reference to an older version than the catalogue's latest is said, not refused."""
    if not national.outdated:
        return []
    return [Finding("schema-outdated",
                    f"the resource refers to {national.title} version {national.reference.version} "
                    f"({national.reference}), but version {national.latest} is the latest in the schema catalogue.",
                    f'Check the changes, then refer to "{national.reference.name}@{national.latest}".',
                    file=display, value=str(national.reference), severity=WARNING,
                    schema=str(national.reference))]


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
    twice = sniff.double_encoded_finding(actual, display)
    if twice:
        found.append(twice)
    if effective.get("dialect") is not None and not isinstance(effective.get("dialect"), dict):
        return found  # Frictionless says what is wrong with it
    dialect = flat_dialect(effective.get("dialect"))  # a dialect file is read already (Dataset.dialect)
    declared_delimiter = dialect.get("delimiter", "\t" if path.suffix.lower() == ".tsv" else ",")
    # The declared delimiter wins (ragged rows are then reported as such) unless the header does not
    # use it at all while it uses another: then the declaration is wrong, and the truth is read.
    header = sniff.header_line(path, effective["encoding"] or "utf-8")
    effective["dialect"] = {k: v for k, v in dialect.items() if k != "sheet"}
    effective["dialect"]["delimiter"] = declared_delimiter
    if actual.delimiter and actual.delimiter != declared_delimiter and declared_delimiter not in header \
            and actual.delimiter in header:
        shown = {"\t": "a tab", ";": "';'", ",": "','", "|": "'|'"}
        found.append(Finding(
            "delimiter-mismatch",
            f"the descriptor says columns are separated by {shown.get(declared_delimiter, repr(declared_delimiter))}, "
            f"but the file uses {shown.get(actual.delimiter, repr(actual.delimiter))}.",
            f'Declare "dialect": {{"delimiter": {json.dumps(actual.delimiter)}}} on this resource.',
            file=display, value=declared_delimiter))
        effective["dialect"]["delimiter"] = actual.delimiter
    return found


def _cell_findings(reading, table, shared) -> list[Finding]:
    """The cell checks of one table: fed by the table checks' reading (`shared`), or, for a small
    table, over its text read in plain Python, or by their own reading."""
    # A declared layout (a title above the header) is read by the one reader, which knows it.
    if shared is None and text_table.small(reading.path, reading.format) and reading.layout == (1, frozenset()):
        try:
            text = text_table.read(reading.path, reading.encoding or "utf-8", reading.delimiter or ",", reading.format)
            return check_columns(table, *text_table.columns(text))
        except text_table.StepAside:
            pass  # read by the one reader (catalog.delimited)
    return check_cells(table, reading.format, reading.encoding, reading.delimiter, shared=shared,
                       layout=reading.layout)


def _frictionless_package(dataset: Dataset, readings) -> list[Finding]:
    """Frictionless' checks of every table at once (foreign keys span tables); each reading's
    `SharedRead` is fed the batches read of it for its cell checks, and a reading without one (a
    small table) is validated by Frictionless itself, or in plain Python when its descriptor is
    plain (typed_rows.py): then, if every table is, Frictionless is not even imported. Every
    resource keeps its own base path: a sheet is read from its text, written aside."""
    from catalog.validate.table_report import TableReport

    if not readings:
        return []
    names = [reading.descriptor["name"] if isinstance(reading.descriptor.get("name"), str) else f"r{index}"
             for index, (reading, _) in enumerate(readings)]
    displays = dict(zip(names, (reading.display for reading, _ in readings)))
    light = _plain_reports(readings, names)
    report = TableReport([])
    if len(light) < len(readings):
        report = _frictionless_report(dataset, [(name, reading, feed) for name, (reading, feed) in zip(names, readings)
                                                if name not in light])
        if isinstance(report, list):  # the descriptors' faults, said instead of any table's
            return report
    if report.errors and not report.tasks:
        return tables.findings_of(report, lambda task: displays.get(task.name, task.name))
    theirs = {task.name: task for task in report.tasks}
    tasks = [light[name].tasks[0] if name in light else theirs.pop(name) for name in names if name in light or name in theirs]
    merged = TableReport(tasks + list(theirs.values()), report.errors)
    return tables.findings_of(merged, lambda task: displays.get(task.name, task.name))


def _plain_reports(readings, names) -> dict:
    """{name: report} of the tables whose descriptors are plain (plain_descriptor.py): a small
    one's rows read in plain Python (typed_rows.py), a large one's by the vectorised checks
    planned without Frictionless (table_checks.plain_reading_report, feeding its cell checks); none
    when a table refers to another (Frictionless looks foreign keys up across the package) or
    two share a name."""
    from catalog.errors import fail_loudly
    from catalog.validate import table_checks
    from catalog.validate.plain_descriptor import plain_resource
    from catalog.validate.typed_rows import typed_report

    if len(set(names)) != len(names) or any(
            isinstance(r.descriptor.get("schema"), dict) and r.descriptor["schema"].get("foreignKeys")
            for r, _ in readings):
        return {}
    reports = {}
    for name, (reading, feed) in zip(names, readings):
        descriptor = {**reading.descriptor, "name": name}
        if reading.layout != (1, frozenset()) or not plain_resource(descriptor):
            continue
        if feed is not None:
            report = table_checks.plain_reading_report(reading, name, tables.LIMIT_ERRORS, feed)
            if report is not None:
                reports[name] = report
            continue
        if not text_table.small(reading.path, reading.format):
            continue
        # A sheet's text declares no delimiter: Frictionless guesses one (text_table.read steps
        # aside when it would not guess the `,` the text is written with).
        delimiter = None if reading.sheet is not None else reading.delimiter or ","
        try:
            text = text_table.read(reading.path, reading.encoding or "utf-8", delimiter, reading.format)
            reports[name] = typed_report(text, descriptor["schema"], name, tables.LIMIT_ERRORS, reading.encoding or "utf-8")
        except text_table.StepAside:
            continue
        except Exception:  # noqa: BLE001 - a bug here must not cost a report: Frictionless still gives it
            if fail_loudly():
                raise
    return reports


def _frictionless_report(dataset: Dataset, entries):
    """Frictionless' report on these resources as one package ((name, reading, feed) each), or
    the findings of the descriptor fault that stopped it."""
    import frictionless

    from catalog.validate import table_checks

    shared, direct = {}, set()
    try:
        package = frictionless.Package({"name": "validation", "resources": []}, basepath=str(dataset.folder))
        for name, reading, feed in entries:
            entry = dict(reading.descriptor)
            entry["name"] = name
            shared[name] = feed
            if feed is None:
                direct.add(name)
            package.add_resource(frictionless.Resource(entry, basepath=reading.basepath))
        return table_checks.validate_package(package, tables.LIMIT_ERRORS, shared, direct)  # Frictionless', vectorised
    except frictionless.FrictionlessException as error:
        return tables.translate_exception(error, dataset.descriptor_path.name,
                                          [(r.display, r.descriptor.get("schema")) for _, r, _ in entries])
    except tables.CRASHES as error:
        return tables.crash_findings(error, dataset.descriptor_path.name,
                                     [(r.display, r.descriptor.get("schema")) for _, r, _ in entries])
