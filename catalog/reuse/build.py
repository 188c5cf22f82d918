"""Packaging a reuse: derive its table from the packaged sources, for `catalog.package` to package like any dataset.

The derived dataset is written as an ordinary dataset folder in a temporary place (its
descriptor now carrying `sources` with each source's version and content hash, its table
as CSV) and handed to the ordinary packager. Because the lineage is in the descriptor,
the reuse's own content hash changes whenever a source's does.
"""
from __future__ import annotations

import contextlib
import copy
import csv
import json
import shutil
import sqlite3
import tempfile
from pathlib import Path

import frictionless

from catalog.datasets import Dataset, load_dataset
from catalog.errors import InvalidData, UnusableInput
from catalog.cell_text import cell
from catalog.reuse import sources as source_tables
from catalog.reuse.spec import SpecError, parse
from catalog.safety import output_path


def is_reuse(dataset: Dataset) -> bool:
    return dataset.hub.get("reuse") is not None


def with_sources(folders: list[Path], root: Path) -> list[Path]:
    """The folders to package, each reuse preceded by its sources (recursively), once each."""
    ordered, seen = [], set()

    def visit(folder: Path, path=()):
        key = Path(folder).resolve()
        if key in seen or key in path:
            return
        try:
            dataset = load_dataset(folder)
            spec = parse(dataset.hub["reuse"]) if is_reuse(dataset) else None
        except (UnusableInput, SpecError):
            spec = None  # validation reports it
        for source in spec.sources if spec else []:
            source_folder = source_tables.source_folder(root, source)
            if source_folder:
                visit(source_folder, path + (key,))
        seen.add(key)
        ordered.append(Path(folder))

    for folder in folders:
        visit(folder)
    return ordered


def derive_folder(dataset: Dataset, out: Path, work: Path, refused: dict | None = None) -> Dataset:
    """Write the derived dataset under `work/<publisher>/<name>/` and load it."""
    spec = parse(dataset.hub["reuse"])
    packages = {source: source_tables.packaged(out, source, refused or {}) for source in spec.sources}
    db = source_tables.hub_db(list(packages.values()))
    source_tables.read_only(db)
    # Here, not at the top: geopandas, shapely and pyproj cost a publish that derives nothing ~0.1 s.
    from catalog.reuse import derive

    try:
        columns, rows = derive.run(spec, db)
    except (sqlite3.Error, ValueError, TypeError, KeyError) as error:  # the reuse, not the hub, is at fault
        raise InvalidData(f"deriving it failed: {error}.",
                          f"Run `catalog validate datasets/{dataset.id}` and correct the reuse.") from error
    finally:
        db.conn.close()
    resource = copy.deepcopy(dataset.resources[0])
    schema = dataset.schema(resource)
    carried = {f["name"]: f for f in spec.carried_fields()}
    if [f["name"] for f in schema["fields"]] == [c for c in columns if c not in carried]:
        # The schema left out the coordinates the spatial method carries: they come in their place.
        declared = {f["name"]: f for f in schema["fields"]}
        schema = dict(schema, fields=[declared.get(c) or carried[c] for c in columns])
    if [f["name"] for f in schema["fields"]] != columns:
        raise InvalidData(f"it derived the columns {columns}, not its schema's fields.",
                          "Make the schema's fields the derived columns, in the same order.")
    folder = output_path(work, dataset.publisher, dataset.name)
    folder.mkdir(parents=True)
    data = output_path(folder, resource["path"])
    data.parent.mkdir(parents=True, exist_ok=True)
    with open(data, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([cell(value) for value in row] for row in rows)
    descriptor = copy.deepcopy(dataset.descriptor)
    resource.update({"schema": schema, "format": "csv", "mediatype": "text/csv", "encoding": "utf-8"})
    resource.pop("dialect", None)
    descriptor["resources"] = [resource]
    descriptor["sources"] = source_tables.lineage(packages)
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
    _check_derived(folder, resource, dataset.id)
    return load_dataset(folder)


def _check_derived(folder: Path, resource: dict, reuse: str):
    """The derived rows must fit the schema the reuse promises its users, and pass the
    personal-data gate like any table: a query can build an address out of harmless columns."""
    report = frictionless.Resource(copy.deepcopy(resource), basepath=str(folder)).validate(limit_errors=5)
    if not report.valid:
        error = (report.flatten(["rowNumber", "fieldName", "message"]) or [[None, None, "invalid"]])[0]
        raise InvalidData(f"its derived table does not fit its schema (row {error[0]}, column {error[1]}: "
                          f"{error[2]}).", f"Correct the reuse's schema or its derivation, then run "
                          f"`catalog validate datasets/{reuse}`.")
    from catalog.validate.cells import check_cells
    from catalog.validate.context import TableContext

    fields = {f.get("name"): f for f in resource["schema"].get("fields", []) if isinstance(f, dict)}
    table = TableContext(resource["path"], folder / resource["path"], fields)
    leaks = [f for f in check_cells(table, "csv", "utf-8", ",") if f.code == "personal-data" and f.severity == "error"]
    if leaks:
        first = leaks[0]
        raise InvalidData(f"its derived table holds personal data (personal-data, column {first.column}, "
                          f"row {first.row}: {first.message})", f"Change the reuse's query so that it derives no "
                          f"personal data, or declare the column public if it is (a service's contact); then run "
                          f"`catalog package datasets/{reuse}`.")


@contextlib.contextmanager
def derived_reuse(dataset: Dataset, out: Path, refused: dict | None = None):
    """Yield the reuse derived from its packaged sources, as a dataset folder beside the packages
    (removed on exit) for `catalog.package` to package like any dataset; raises InvalidData."""
    Path(out).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".reuse.", dir=out))  # beside the packages, like every build
    try:
        try:
            derived = derive_folder(dataset, Path(out), work, refused)
        except InvalidData as error:
            raise InvalidData(f"reuse {dataset.id}: {error.message}", error.fix) from error
        yield derived
    finally:
        shutil.rmtree(work, ignore_errors=True)
