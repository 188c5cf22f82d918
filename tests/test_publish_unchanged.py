"""A publish reads only the datasets whose files changed (catalog.publish.unchanged): what every
file the publish opened shows, counted by an audit hook (Python's own record of `open`), over a
real hub built by the scale benchmark's generator. Whatever a dataset depends on, when it
changes, makes the dataset read again; a stale, corrupt or foreign record only costs reading."""
from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from catalog.hashing import RACY_NS
from catalog.hub.metadata import hub_metadata
from catalog.publish import unchanged
from catalog.publish.datasette import hashes_path, metadata_path, publish_datasette
from catalog.validate import validate
from tests.benchmarks.big_hub import change_one, make_big_hub

DATASETS, PUBLISHERS = 12, 3
_opened: list[str] | None = None


def _hook(event, args):
    if event == "open" and _opened is not None and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.path.abspath(os.fsdecode(args[0])))


sys.addaudithook(_hook)  # for the whole test process; records only inside `publish` below


def publish(root: Path, **options):
    """Publish the hub; return the result and every file under datasets/, publishers/ and the
    packages folder that was opened meanwhile (relative to root)."""
    global _opened
    _opened = []
    try:
        result = publish_datasette((), root, root / "build" / "hub.db", root / "build" / "packages", **options)
    finally:
        opened, _opened = _opened, None
    base = os.path.abspath(root)
    watched = tuple(os.path.join(base, *parts) + os.sep
                    for parts in (("datasets",), ("publishers",), ("build", "packages")))
    inputs = {os.path.relpath(p, base) for p in opened if p.startswith(watched)}
    return result, inputs


def read_datasets(opened: set[str]) -> set[str]:
    """The dataset ids whose own files (source or package) were opened."""
    found = set()
    for path in opened:
        parts = Path(path).parts
        if parts[0] == "datasets" and len(parts) > 3:
            found.add(f"{parts[1]}/{parts[2]}")
        elif parts[:2] == ("build", "packages") and len(parts) > 4:
            name = parts[3]
            if name.startswith("."):  # a package built aside: .<dataset>.<random>
                name = name[1:].rsplit(".", 1)[0]
            found.add(f"{parts[2]}/{name}")
    return found


def settle():
    """Past the racy window: files written before now count as settled for the next record."""
    time.sleep(RACY_NS / 1e9 + 0.2)


@pytest.fixture
def hub(tmp_path):
    root = tmp_path / "hub"
    ids = make_big_hub(root, DATASETS, PUBLISHERS)
    settle()
    result, opened = publish(root)
    assert not result.refused and len(result.ids("load")) == DATASETS
    assert read_datasets(opened) == set(ids)  # the first publish reads everything
    return root, ids


def hub_hashes(root: Path) -> dict[str, str]:
    with sqlite3.connect(root / "build" / "hub.db") as conn:
        return dict(conn.execute("SELECT id, content_hash FROM catalog_datasets").fetchall())


def test_a_one_changed_publish_reads_only_the_changed_dataset(hub):
    root, ids = hub
    result, opened = publish(root)  # nothing changed: nothing read
    assert read_datasets(opened) == set() and not result.written
    assert not any(p.startswith("publishers") for p in opened)  # publisher profiles remembered too
    before = hub_hashes(root)
    change_one(root, ids[3], 1)
    result, opened = publish(root)
    assert read_datasets(opened) == {ids[3]}
    assert result.ids("load") == [ids[3]] and len(result.ids("keep")) == DATASETS - 1
    after = hub_hashes(root)
    assert {k for k in after if after[k] != before[k]} == {ids[3]}


def test_the_metadata_updated_for_one_dataset_is_the_whole_metadata(hub):
    root, ids = hub
    for number, dataset in enumerate(ids[:3]):
        change_one(root, dataset, 10 + number)
    result, opened = publish(root)
    assert result.written and sorted(result.ids("load")) == sorted(ids[:3])
    import sqlite_utils

    db = sqlite_utils.Database(sqlite3.connect(f"file:{root / 'build' / 'hub.db'}?mode=ro", uri=True))
    try:
        written = json.loads(metadata_path(root / "build" / "hub.db").read_text(encoding="utf-8"))
        assert written == hub_metadata(db, "hub")
    finally:
        db.close()


def test_a_file_put_back_with_its_size_and_mtime_is_read_again_and_personal_data_is_caught(hub):
    """Same size, mtime restored: the ctime (which nobody can set) still tells the change."""
    root, ids = hub
    data = root / "datasets" / ids[5] / "data.csv"
    text, stat = data.read_text(encoding="utf-8"), data.stat()
    lines = text.splitlines()
    cells = lines[1].split(",")
    size = len(cells[1].encode())
    cells[1] = ("jean.martin@gmail.com " + "x" * size)[:size]  # an address, in as many bytes as the name
    assert size > 22
    data.write_text("\n".join([lines[0], ",".join(cells)] + lines[2:]) + "\n", encoding="utf-8")
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (data.stat().st_size, data.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    before = hub_hashes(root)
    result, opened = publish(root)
    assert ids[5] in read_datasets(opened)
    assert ids[5] in result.refused
    report = validate([str(data.parent)], root)
    assert any(f["code"].startswith("personal") for t in report.to_dict()["targets"] for f in t["findings"])
    assert hub_hashes(root) == before  # its published version stays, the leak is not published


def test_added_removed_and_moved_datasets(hub):
    root, ids = hub
    datasets = root / "datasets"
    # Added: a copy of a dataset under a new name.
    source = datasets / ids[0]
    added = source.parent / "jeu-nouveau"
    added.mkdir()
    descriptor = json.loads((source / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["name"] = "jeu-nouveau"
    (added / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    (added / "data.csv").write_bytes((source / "data.csv").read_bytes())
    settle()  # else it is read again next time too (see the racy test below)
    result, opened = publish(root)
    new_id = f"{source.parent.name}/jeu-nouveau"
    assert result.ids("load") == [new_id] and read_datasets(opened) == {new_id}
    # Removed.
    gone = datasets / ids[1]
    for path in gone.iterdir():
        path.unlink()
    gone.rmdir()
    result, opened = publish(root)
    assert result.ids("remove") == [ids[1]] and read_datasets(opened) == set()
    assert ids[1] not in hub_hashes(root)
    # Moved to another publisher: a new id there, the old one leaves the hub.
    moving = datasets / ids[2]
    other = sorted(p.name for p in datasets.iterdir() if p.name != moving.parent.name)[0]
    moving.rename(datasets / other / moving.name)
    result, opened = publish(root)
    moved_id = f"{other}/{moving.name}"
    assert result.ids("load") == [moved_id] and result.ids("remove") == [ids[2]]
    assert read_datasets(opened) == {moved_id}


def test_a_changed_publisher_profile_rereads_its_datasets_only(hub):
    root, ids = hub
    publisher = ids[0].split("/")[0]
    profile = root / "publishers" / f"{publisher}.yml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("Éditeur", "Éditrice"), encoding="utf-8")
    result, opened = publish(root)
    mine = {i for i in ids if i.startswith(publisher + "/")}
    assert read_datasets(opened) == mine
    assert set(result.ids("load")) == mine  # the profile is part of each package (its contributor)
    with sqlite3.connect(root / "build" / "hub.db") as conn:
        titles = dict(conn.execute("SELECT slug, title FROM catalog_publishers").fetchall())
    assert titles[publisher].startswith("Éditrice")


def test_a_new_catalog_version_or_another_setting_rereads_everything(hub, monkeypatch):
    root, ids = hub
    monkeypatch.setattr(unchanged, "__version__", "99.0")  # as after an upgrade
    result, opened = publish(root)
    assert read_datasets(opened) == set(ids) and not result.refused
    result, opened = publish(root)
    assert read_datasets(opened) == set()  # recorded again under the new version
    result, opened = publish(root, min_quality=10)
    assert read_datasets(opened) == set(ids)
    result, opened = publish(root, min_quality=101)  # above every score: the gate is asked again
    assert set(result.refused) == set(ids) and read_datasets(opened) == set(ids)


def test_a_changed_catalog_module_rereads_everything_under_the_same_version(hub, monkeypatch, tmp_path):
    """A fix to a rule (the personal-data gate, a reader) must reach every dataset, even when
    the version number was not raised."""
    import shutil

    root, ids = hub
    code = tmp_path / "installed" / "catalog"
    shutil.copytree(Path(unchanged.__file__).resolve().parents[1], code,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(unchanged, "__file__", str(code / "publish" / "unchanged.py"))
    publish(root)
    settle()
    publish(root)
    result, opened = publish(root)
    assert read_datasets(opened) == set()
    rule = code / "validate" / "personal" / "__init__.py"
    rule.write_text(rule.read_text(encoding="utf-8") + "\n# a fixed rule\n", encoding="utf-8")
    result, opened = publish(root)
    assert read_datasets(opened) == set(ids)


def test_a_dataset_recorded_in_the_tick_its_files_changed_is_read_again(tmp_path):
    """git's racily clean rule: files written just before the record could change again unseen."""
    root = tmp_path / "hub"
    ids = make_big_hub(root, 4, 2)
    publish(root)  # right after writing the files: none of them is settled yet
    result, opened = publish(root)
    assert read_datasets(opened) == set(ids)
    settle()
    publish(root)
    result, opened = publish(root)
    assert read_datasets(opened) == set()


@pytest.mark.parametrize("damage", ["not json", "foreign", "wrong shapes", "lies"])
def test_a_corrupt_or_foreign_record_means_reading_again_never_a_wrong_hub(hub, damage):
    root, ids = hub
    path = hashes_path(root / "build" / "hub.db")
    data = json.loads(path.read_text(encoding="utf-8"))
    section = data["sections"][unchanged.SECTION]
    if damage == "not json":
        path.write_text("{" + path.read_text(encoding="utf-8")[:100], encoding="utf-8")
    else:
        if damage == "foreign":
            section["settings"]["root"] = "/elsewhere"
        elif damage == "wrong shapes":
            section["datasets"] = {k: {"id": 3, "files": "x"} for k in section["datasets"]}
            section["publishers"] = {k: {"publisher": {"slug": ["x"]}} for k in section["publishers"]}
            section["hub"] = "x"
        else:  # an entry that claims another content: the hub must not take it for its own
            for entry in section["datasets"].values():
                entry["content_hash"] = "0" * 64
        path.write_text(json.dumps(data), encoding="utf-8")
    change_one(root, ids[4], 3)
    before = hub_hashes(root)
    result, opened = publish(root)
    assert read_datasets(opened) == set(ids)
    assert result.ids("load") == [ids[4]] and not result.refused
    after = hub_hashes(root)
    assert {k for k in after if after[k] != before[k]} == {ids[4]}
    result, opened = publish(root)  # and the record is whole again (the one just changed is still racy)
    assert read_datasets(opened) <= {ids[4]}


def test_a_metadata_file_changed_by_hand_is_rebuilt_whole(hub):
    """The metadata is updated in place only when it is, byte for byte, what the last publish wrote."""
    root, ids = hub
    path = metadata_path(root / "build" / "hub.db")
    metadata = json.loads(path.read_text(encoding="utf-8"))
    table = next(name for name, entry in metadata["databases"]["hub"]["tables"].items()
                 if entry.get("about_url") == f"/-/dataset/{ids[7]}")
    metadata["databases"]["hub"]["tables"][table]["title"] = "Piégé"
    path.write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
    change_one(root, ids[8], 4)
    result, _ = publish(root)
    assert result.ids("load") == [ids[8]]
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["databases"]["hub"]["tables"][table]["title"] != "Piégé"
    import sqlite_utils

    db = sqlite_utils.Database(sqlite3.connect(f"file:{root / 'build' / 'hub.db'}?mode=ro", uri=True))
    try:
        assert written == hub_metadata(db, "hub")
    finally:
        db.close()


def test_a_package_or_zip_gone_from_the_packages_folder_is_made_again(hub):
    root, ids = hub
    zipped = root / "build" / "packages" / f"{ids[9]}.zip"
    zipped.unlink()
    result, opened = publish(root)
    assert read_datasets(opened) == {ids[9]} and zipped.is_file()
    assert ids[9] not in result.refused and result.ids("load") == []  # same data: the hub keeps its tables


def test_a_changed_schema_file_rereads_and_reloads_its_dataset(tmp_path):
    root = tmp_path / "hub"
    ids = make_big_hub(root, 4, 2)
    folder = root / "datasets" / ids[1]
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    schema = descriptor["resources"][0].pop("schema")
    descriptor["resources"][0]["schema"] = "schema.json"
    (folder / "schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    settle()
    publish(root)
    schema["fields"][1]["description"] = "Nom de l'élément, tel qu'affiché."
    (folder / "schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    result, opened = publish(root)
    assert read_datasets(opened) == {ids[1]} and result.ids("load") == [ids[1]]
    with sqlite3.connect(root / "build" / "hub.db") as conn:
        columns = conn.execute("SELECT columns FROM catalog_tables WHERE dataset_id = ?", [ids[1]]).fetchone()[0]
    assert "tel qu'affiché" in columns


def test_a_link_put_in_place_of_a_data_file_is_seen_and_refused(hub):
    """Same bytes, but now read through a link leading out of the dataset folder: refused."""
    root, ids = hub
    data = root / "datasets" / ids[6] / "data.csv"
    outside = root / "elsewhere.csv"
    outside.write_bytes(data.read_bytes())
    data.unlink()
    data.symlink_to(outside)
    before = hub_hashes(root)
    result, opened = publish(root)
    assert ids[6] in result.refused
    assert hub_hashes(root) == before
