"""`catalog publish datasette`: one SQLite hub database holding every dataset.

The new database is built aside, in a temporary file beside the target, and
swapped in with one `os.replace`: a Datasette already serving the old file keeps
its open file and never sees a half-built hub, and a failed build leaves the old
hub untouched. The new file starts as a copy of the old one, so datasets whose
content hash did not change keep their tables as they are; only changed ones are
dropped and reloaded. When nothing changed at all, nothing is written.

The copy shares the old file's blocks where the filesystem can (catalog.swap.copy_aside):
then it costs nothing whatever the hub's size. Elsewhere (ext4) it is a kernel-side copy:
4-15 ms for the 10 MiB hub of 1,000 small datasets, 1.5-2.5 s a GB from the page cache (a
loaded 2-core machine), where SQLite's backup API took 85-150 ms for the same 10 MiB. Only
SQLite's own journal could patch the served file in place, and readers of an immutable file
(what Datasette is given) must never see it change. Input files are only hashed again when
their stat changed (catalog.hashing.Fingerprints).
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import sqlite_utils

from catalog.datasets import load_dataset
from catalog.errors import CatalogError, InvalidData, UnusableInput
from catalog.hashing import Fingerprints, tree_sha256
from catalog.hub import records, search_index
from catalog.hub.metadata import hub_metadata, updated_metadata
from catalog.hubdb import has_table, is_geojson, is_table, load_package, tune_for_build
from catalog.locks import writing_hub, writing_packages
from catalog.naming import table_name
from catalog.package import dataset_folders, inputs_of, package
from catalog.publish.gate import DEFAULT_MIN_QUALITY, refusals
from catalog.publish.unchanged import Record, file_stamp, settings
from catalog.publishers import load_publishers
from catalog.swap import copy_aside


@dataclass
class Step:
    action: str  # "load", "keep", "remove"
    dataset: str
    detail: str = ""


@dataclass
class HubResult:
    db: Path
    metadata: Path
    steps: list[Step] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # dataset id -> why it was not packaged
    unreadable: set[str] = field(default_factory=set)  # refused ids that could not be read at all (exit 2)
    written: bool = False  # False: the hub was already up to date, nothing was touched
    copied: str = ""  # how the new hub started from the old one: "reflink" (shared blocks), "copy" or ""
    metadata_digest: str = ""  # sha256 of the metadata file written (when written)

    def ids(self, action):
        return [s.dataset for s in self.steps if s.action == action]


def metadata_path(db: Path) -> Path:
    """The Datasette metadata lives beside the database: build/hub.db -> build/hub.metadata.json."""
    return Path(db).with_name(Path(db).stem + ".metadata.json")


def hashes_path(db: Path) -> Path:
    """What the hub's input files hashed to, and their stat then: build/hub.db -> build/hub.hashes.json."""
    return Path(db).with_name(Path(db).stem + ".hashes.json")


def database_name(db: Path) -> str:
    return Path(db).stem


def _hub_state(db_path: Path) -> dict[str, dict]:
    """Dataset id -> what the current hub holds of it (content_hash, inputs_key); empty when there is
    no usable hub."""
    if not db_path.is_file():
        return {}
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            columns = {row[1] for row in conn.execute("PRAGMA table_info(catalog_datasets)")}
            if not {"id", "content_hash"} <= columns:
                return {}
            wanted = ", ".join(c for c in ("id", "content_hash", "inputs_key") if c in columns)
            return {r["id"]: dict(r) for r in conn.execute(f"SELECT {wanted} FROM catalog_datasets")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return {}  # not a hub database: rebuilt from scratch, never patched


def _reuse_sources(dataset) -> list[str]:
    reuse = dataset.hub.get("reuse")
    sources = reuse.get("sources") if isinstance(reuse, dict) else None
    return [str(s) for s in sources] if isinstance(sources, list) else []  # a wrong shape: validate says so


def _inputs_key(dataset, root: Path, packaged: dict[str, dict], fingerprints: Fingerprints | None = None) -> str | None:
    """What a dataset's package is made from: its own files, and for a reuse the content hashes
    of its packaged sources (None while one of them is not packaged)."""
    own = tree_sha256(inputs_of(dataset, root), fingerprints)
    sources = _reuse_sources(dataset)
    if not sources:
        return own
    if any(s not in packaged for s in sources):
        return None
    digest = hashlib.sha256(own.encode())
    for source in sources:
        digest.update(b"\0" + str(packaged[source]["catalog"].get("content_hash", "")).encode())
    return digest.hexdigest()


def _load_all(folders, root: Path = Path("."), record: Record | None = None, readings: dict | None = None):
    """`record`: the stat of each dataset's files is taken before they are read, into `readings`."""
    loaded, broken = [], []
    for folder in folders:
        reading = record.before_reading(folder) if record is not None else None
        if reading is not None:
            readings[folder] = reading
        try:
            dataset = load_dataset(folder)
            if reading is not None:
                reading.add([*inputs_of(dataset, root).values(), root / "publishers" / f"{dataset.publisher}.yml"])
            loaded.append((folder, dataset))
        except (CatalogError, OSError):
            broken.append(folder)  # `package` reports what is wrong with it
    # Plain datasets first (then reuses of them, then reuses of reuses): sources before reuses.
    depth, by_id = {}, {d.id: d for _, d in loaded}  # built before sorting: list.sort empties the list

    def level(dataset, seen=()):
        if dataset.id not in depth:
            sources = [by_id[s] for s in _reuse_sources(dataset) if s in by_id and s not in seen]
            depth[dataset.id] = 1 + max((level(s, seen + (dataset.id,)) for s in sources), default=-1)
        return depth[dataset.id]

    loaded.sort(key=lambda item: level(item[1]))
    return loaded, broken


def _ready_packages(loaded, root: Path, out: Path, hub: dict[str, dict], fingerprints: Fingerprints | None = None,
                    ready: dict | None = None):
    """Packages already written from these exact inputs (zip included), and the folders to (re)package.

    This skips validating, deriving and normalising unchanged datasets. A plain dataset's
    package records the hash of its inputs as its content hash; a reuse's package is made
    from derived data, so for it the hub keeps the inputs key it last published it with.
    `ready`: the packages already known to be (datasets not read again, catalog.publish.unchanged).
    """
    ready, stale = dict(ready or {}), []
    for folder, dataset in loaded:
        if dataset.unsafe_names():  # never looked up outside `out`: packaging refuses it
            stale.append(folder)
            continue
        target = out / dataset.publisher / dataset.name
        descriptor = _read_descriptor(target)
        zipped = (out / dataset.publisher / f"{dataset.name}.zip").is_file()
        try:
            key = _inputs_key(dataset, root, ready, fingerprints)
        except (CatalogError, OSError):
            key = None
        content = (descriptor or {}).get("catalog", {}).get("content_hash")
        if _reuse_sources(dataset):
            recorded = hub.get(dataset.id) or {}
            fresh = key is not None and recorded.get("inputs_key") == key and content == recorded.get("content_hash")
        else:
            fresh = key is not None and content == key
        if fresh and zipped:
            ready[dataset.id] = descriptor
        else:
            stale.append(folder)
    return ready, stale


def _read_descriptor(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _id(descriptor: dict) -> str:
    return f"{descriptor['catalog']['publisher']}/{descriptor['name']}"


def _external_reuses(root: Path) -> list[dict]:
    try:
        from catalog.reuses import load_external
    except ImportError:  # reuses are optional: a hub without them is still a hub
        return []
    return load_external(root)


class DatasetteHub:
    """The Datasette target of the publish protocol: plan() then publish() a set of packages."""

    def __init__(self, db: Path, out: Path, root: Path = Path("."), prune: bool = False, keep=(), inputs_keys=None,
                 folders=None, rows_in=None, previous_metadata=None, publishers=None, current=None):
        """`prune`: remove datasets not in the packages published, except those in `keep`.
        `inputs_keys`: what each dataset was made from, recorded so the next run can skip it.
        `folders`: dataset id -> where its package is while not yet swapped into `out`.
        `rows_in(dataset_id)`: called once a table of it is loaded, before its indexes are built.
        `previous_metadata()`: the metadata last written for the current hub, known to be as written
        (or None): only the tables of changed datasets are then redone.
        `publishers`: load_publishers(root), when the caller has it already.
        `current`: _hub_state(db), when the caller read it already (under the same lock)."""
        self.db, self.out, self.root, self.prune, self.keep = Path(db), Path(out), Path(root), prune, set(keep)
        self.inputs_keys = {k: v for k, v in (inputs_keys or {}).items() if v}
        self.folders = dict(folders or {})
        self.rows_in = rows_in
        self.previous_metadata = previous_metadata
        self.publishers = publishers
        self.current = current

    def plan(self, packages: list[dict], current: dict | None = None) -> list[Step]:
        """What publishing these package descriptors would do; writes nothing."""
        current = _hub_state(self.db) if current is None else current
        steps, wanted = [], set()
        for descriptor in packages:
            dataset_id = _id(descriptor)
            wanted.add(dataset_id)
            old = current.get(dataset_id)
            if old and old.get("content_hash") == descriptor["catalog"].get("content_hash"):
                steps.append(Step("keep", dataset_id, "unchanged"))
            else:
                steps.append(Step("load", dataset_id, "new" if not old else "changed"))
        if self.prune:
            steps += [Step("remove", i, "no longer in datasets/") for i in sorted(set(current) - wanted - self.keep)]
        return steps

    def publish(self, packages: list[dict], progress=None, before_swap=None) -> HubResult:
        """`before_swap()`, when given, runs once the new hub is built, just before it is swapped in."""
        current = _hub_state(self.db) if self.current is None else self.current
        self.current = None  # read again by the next publish
        steps = self.plan(packages, current)
        result = HubResult(self.db, metadata_path(self.db), steps)
        by_id = {_id(d): d for d in packages}
        publishers = records.publisher_rows(load_publishers(self.root) if self.publishers is None else self.publishers)
        if not self._needs_work(steps, publishers, current):
            return result
        self.db.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{self.db.name}.", suffix=".tmp", dir=self.db.parent)
        os.close(handle)
        tmp = Path(tmp)
        try:
            if current:
                result.copied = copy_aside(self.db, tmp)  # unchanged datasets keep their tables as they are
            else:
                tmp.unlink()
            publishers_changed = self._build(tmp, steps, by_id, publishers, packages, progress)
            metadata_tmp = tmp.with_suffix(".json")
            previous = self.previous_metadata() if result.copied and self.previous_metadata \
                and not publishers_changed else None
            db = sqlite_utils.Database(tmp)
            try:
                if previous is None:
                    metadata = hub_metadata(db, database_name(self.db))
                else:  # only the changed datasets' tables are redone
                    metadata = updated_metadata(db, database_name(self.db), previous,
                                                {s.dataset for s in steps if s.action != "keep"})
            finally:
                db.close()
            # Compact: an indented dump goes through json's pure-Python encoder (3x slower for 1.4 MB).
            text = json.dumps(metadata, ensure_ascii=False, separators=(",", ":")) + "\n"
            metadata_tmp.write_text(text, encoding="utf-8")
            result.metadata_digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            _fsync(tmp)
            if before_swap:
                before_swap()
            # Metadata first: `catalog serve` reloads both when the database file changes.
            os.replace(metadata_tmp, result.metadata)
            os.replace(tmp, self.db)
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_suffix(".json").unlink(missing_ok=True)
        result.written = True
        return result

    def _needs_work(self, steps, publishers, current) -> bool:
        if any(s.action != "keep" for s in steps) or not metadata_path(self.db).is_file() or not self.db.is_file():
            return True
        if not _has_table(self.db, search_index.FTS):
            return True  # a hub built before the search index: build it
        if any(current.get(i, {}).get("inputs_key") != key for i, key in self.inputs_keys.items() if i in current):
            return True  # same data, new inputs (e.g. a reuse re-derived): record them to skip it next time
        db = sqlite_utils.Database(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True))
        try:
            wanted_reuses = records.reuse_rows(_external_reuses(self.root), _reuse_descriptors(db))
            return (records.current_rows(db, "catalog_publishers") != sorted(publishers, key=lambda r: r["slug"])
                    or records.current_rows(db, "catalog_reuses") != wanted_reuses)
        finally:
            db.close()

    def _build(self, path: Path, steps, by_id, publishers, packages, progress):
        db = sqlite_utils.Database(path)
        try:
            tune_for_build(db)
            records.ensure_tables(db)
            if "inputs_key" not in _columns(db, "catalog_datasets"):  # a hub built by an older version
                db["catalog_datasets"].add_column("inputs_key", str)
            if "points" not in _columns(db, "catalog_tables"):  # a hub built before maps of point pairs
                db["catalog_tables"].add_column("points", str)
            current = {r["id"]: r for r in records.current_rows(db, "catalog_datasets")}
            fresh_index = search_index.ensure(db)
            # Removals first: a dataset moved to another publisher keeps its table names.
            for step in sorted(steps, key=lambda s: s.action != "remove"):
                if step.action == "keep":
                    continue
                if step.dataset in current:
                    self._remove(db, step.dataset, current[step.dataset])
                if step.action == "load":
                    descriptor = by_id[step.dataset]
                    _check_names(db, step.dataset, descriptor)
                    folder = (self.folders.get(step.dataset)
                              or self.out / descriptor["catalog"]["publisher"] / descriptor["name"])
                    loaded = load_package(db, folder, progress,
                                          rows_in=partial(self.rows_in, step.dataset) if self.rows_in else None)
                    tables = records.table_rows(db, descriptor, loaded)
                    db["catalog_tables"].insert_all(tables, replace=True)
                    row = records.dataset_row(descriptor, tables)
                    db["catalog_datasets"].insert(row, replace=True)
                    if not fresh_index:
                        search_index.add(db, row, tables)
                    db["catalog_descriptors"].insert({"id": step.dataset,
                                                      "descriptor": json.dumps(descriptor, ensure_ascii=False)},
                                                     replace=True)
            with db.conn:
                for dataset_id, key in self.inputs_keys.items():
                    db.execute("UPDATE catalog_datasets SET inputs_key = ? WHERE id = ?", [key, dataset_id])
                publishers_changed = (records.current_rows(db, "catalog_publishers")
                                      != sorted(publishers, key=lambda r: r["slug"]))
                db.execute("DELETE FROM catalog_publishers")
                db["catalog_publishers"].insert_all(publishers)
                db.execute("DELETE FROM catalog_reuses")
                # Every dataset the hub holds is in it by now, the ones loaded and the ones kept.
                db["catalog_reuses"].insert_all(records.reuse_rows(_external_reuses(self.root), _reuse_descriptors(db)))
            if fresh_index:  # a new hub, or one built before the index: every dataset, once
                search_index.reindex_all(db)
            free, total = (db.execute(f"PRAGMA {p}").fetchone()[0] for p in ("freelist_count", "page_count"))
            if free > total // 4:  # dropped tables left much empty space: worth compacting once
                db.execute("VACUUM")
            db.execute("PRAGMA journal_mode = DELETE")  # what readers of the swapped-in file expect
        finally:
            db.close()
        return publishers_changed

    @staticmethod
    def _remove(db, dataset_id: str, row: dict):
        search_index.remove(db, dataset_id)
        for entry in json.loads(row.get("tables") or "[]"):
            name = entry["table"]
            if has_table(db, name):
                if db[name].detect_fts():
                    db[name].disable_fts()
                db[name].drop()
        with db.conn:
            db.execute("DELETE FROM catalog_tables WHERE dataset_id = ?", [dataset_id])
            db.execute("DELETE FROM catalog_datasets WHERE id = ?", [dataset_id])
            db.execute("DELETE FROM catalog_descriptors WHERE id = ?", [dataset_id])


def _columns(db, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info([{table}])")}


def _reuse_descriptors(db) -> list[dict]:
    """Descriptors of the hub's derived datasets (the only ones records.reuse_rows uses), in id order."""
    if not has_table(db, "catalog_descriptors"):
        return []
    # Only descriptors naming "reuse" are parsed: parsing all of them grew with the hub.
    return [json.loads(row["descriptor"]) for row in db.query(
        "SELECT descriptor FROM catalog_descriptors WHERE instr(descriptor, '\"reuse\"') > 0 ORDER BY id")]


def _check_names(db, dataset_id: str, descriptor: dict):
    """Table names leave the publisher out (`<dataset>_<resource>`): two publishers' datasets of the
    same name would overwrite each other's tables, so the second one is refused."""
    names = [table_name(descriptor["name"], r.get("name", "")) for r in descriptor.get("resources") or []
             if isinstance(r, dict) and (is_table(r) or is_geojson(r))]
    for name in names:
        owner = db.execute("SELECT dataset_id FROM catalog_tables WHERE name = ? AND dataset_id != ?",
                           [name, dataset_id]).fetchone()
        if owner:
            raise InvalidData(f"{dataset_id}: its table {name} is already the table of {owner[0]} on the hub.",
                              f"Rename the dataset (its `name` in datapackage.json) so that its tables "
                              f"differ from those of {owner[0]}.")


def _has_table(db_path: Path, name: str) -> bool:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [name]).fetchone() is not None
    finally:
        conn.close()


def _fsync(path: Path):
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def publish_datasette(paths=(), root: Path = Path("."), db: Path = Path("build/hub.db"),
                      out: Path = Path("build/packages"), progress=None,
                      min_quality: int = DEFAULT_MIN_QUALITY) -> HubResult:
    """Package the datasets (skipping unchanged ones), then build and swap in the hub database.

    With no PATH, every dataset under datasets/, and datasets gone from there leave the hub.
    Invalid datasets are not packaged: they are listed in `result.refused` (their previous
    version, if any, stays in the hub)."""
    root, db, out = Path(root), Path(db), Path(out)
    folders = dataset_folders(paths, root)
    if not folders:
        raise UnusableInput(f"no dataset to publish under {root / 'datasets'}.",
                            "Name dataset folders, or run from the hub folder holding datasets/.")
    # One publish at a time, from reading the hub's state to swapping the new one in: a second
    # one waits, then builds on the first one's result (its update is never lost).
    with writing_packages(out), writing_hub(db):
        return _publish(paths, root, db, out, folders, progress, min_quality)


def _publish(paths, root: Path, db: Path, out: Path, folders, progress, min_quality) -> HubResult:
    fingerprints = Fingerprints(hashes_path(db), aside=Path(db).name)  # only files whose stat changed are hashed again
    record = Record(fingerprints, settings(root, out, db, min_quality))  # only datasets whose files changed are read
    try:
        return _publish_with(paths, root, db, out, folders, progress, min_quality, fingerprints, record)
    finally:
        fingerprints.save()


def _kept(entry: dict) -> dict:
    """What the hub needs of a package it keeps as it is: its id and content hash (see DatasetteHub.plan)."""
    publisher, name = entry["id"].split("/", 1)
    return {"name": name, "catalog": {"publisher": publisher, "content_hash": entry["content_hash"]}}


def _previous_metadata(db: Path, record: Record):
    """The metadata file beside the hub, when it is what this tool last wrote for this very hub file."""
    def read():
        hub = record.hub if isinstance(record.hub, dict) else {}
        path = metadata_path(db)
        try:
            if hub.get("db") is None or file_stamp(db) != hub.get("db"):
                return None
            data = path.read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != hub.get("metadata_sha256"):
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None
    return read


def _publish_with(paths, root: Path, db: Path, out: Path, folders, progress, min_quality, fingerprints,
                  record: Record) -> HubResult:
    hub_rows = _hub_state(db)
    kept, to_read = {}, []
    for folder in folders:
        entry = record.unchanged(folder, hub_rows)
        if entry is not None:
            kept[entry["id"]] = _kept(entry)
        else:
            to_read.append(folder)
    readings = {}
    loaded, broken = _load_all(to_read, root, record, readings)  # each descriptor read once, for the gate and the rest
    # Never published: its previous version stays on the hub.
    gated = refusals([folder for folder, _ in loaded], root, min_quality, {folder: d for folder, d in loaded})
    gated_folders = {folder for folder, _ in gated.values()}
    loaded = [(folder, dataset) for folder, dataset in loaded if folder not in gated_folders]
    ready, stale = _ready_packages(loaded, root, out, hub_rows, fingerprints, ready=kept)
    publishers = load_publishers(root, record.checked_profile)  # once, for the packages and the hub
    refused, run = {}, None
    if stale or broken:
        # Zips are written while the hub is built; the packages land just before it (see below).
        run = package([str(f) for f in broken + stale], root, out, zip=True, background=True,
                      fingerprints=fingerprints, publishers=publishers)
        ready.update({_id(p.descriptor): p.descriptor for p in run.packaged})
        refused = dict(run.refused)
    refused.update({name: why for name, (_, why) in gated.items()})
    try:
        keys = {}
        for _, dataset in loaded:
            packaged_from = (ready.get(dataset.id) or {}).get("catalog", {}).get("content_hash")
            if packaged_from and not _reuse_sources(dataset):
                keys[dataset.id] = packaged_from  # a plain package's content hash is its inputs key: not hashed again
                continue
            try:
                keys[dataset.id] = _inputs_key(dataset, root, ready, fingerprints)
            except (CatalogError, OSError):
                pass
        # A package's zip is written while SQLite indexes its tables (both without the GIL).
        hub = DatasetteHub(db, out, root, prune=not paths, keep=refused, inputs_keys=keys,
                           folders=run.staged_folders() if run else None, rows_in=run.start if run else None,
                           previous_metadata=_previous_metadata(db, record), publishers=publishers,
                           current=hub_rows)
        # The packages are swapped in before the hub, as when they were packaged first.
        result = hub.publish([ready[k] for k in sorted(ready)], progress, before_swap=run.finish if run else None)
    finally:
        if run:
            run.finish()  # the hub was up to date or failed to build: the new packages land all the same
    result.refused = refused
    result.unreadable = set(run.unreadable) if run else set()
    _remember(record, result, paths, loaded, readings, ready, keys, db)
    return result


def _remember(record: Record, result: HubResult, paths, loaded, readings, ready, keys, db: Path):
    """Record what each plain dataset read this time was published as, now that the hub holds it."""
    for folder in readings:
        record.forget(folder)  # read again: its entry was stale, or there was none
    for folder, dataset in loaded:
        package_descriptor = ready.get(dataset.id)
        content = (package_descriptor or {}).get("catalog", {}).get("content_hash")
        if (folder not in readings or dataset.id in result.refused or _reuse_sources(dataset) or not content
                or keys.get(dataset.id) != content or package_descriptor.get("name") != dataset.name):
            continue
        record.remember(readings[folder], dataset.id, content, keys[dataset.id])
    if not paths:  # every dataset was published: the others are gone
        record.keep_only_looked_up()
    hub = {"db": file_stamp(db), "metadata_sha256": result.metadata_digest} if result.written else None
    record.save(hub)
