"""Input files are hashed again only when their stat changed (catalog.hashing.Fingerprints), and a
file rewritten in the same clock tick as it was hashed is never taken for unchanged."""
from __future__ import annotations

import json
import os
import time

from catalog import hashing
from catalog.hashing import Fingerprints, file_sha256
from catalog.publish.datasette import hashes_path, publish_datasette
from tests.hub import make_hub


def test_a_file_changed_in_the_tick_it_was_hashed_is_hashed_again(tmp_path):
    """Where file times are coarse (a jiffy, FAT's 2 s), a file rewritten right after it was hashed
    can keep its whole stat: the index then holds the old content's hash under the file's very
    stamp, recorded when the file had just changed. Such an entry is never trusted."""
    path = tmp_path / "data.csv"
    path.write_bytes(b"b,001\n")
    stat = os.stat(path)
    stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev]
    old_content_hash = file_sha256_of(b"a,001\n")
    for seen in (stat.st_ctime_ns, stat.st_ctime_ns + hashing.RACY_NS // 2):  # hashed in that tick, or soon after
        (tmp_path / "hashes.json").write_text(json.dumps({"files": {os.path.abspath(path): stamp + [
            seen, old_content_hash]}}), encoding="utf-8")
        assert Fingerprints(tmp_path / "hashes.json").sha256(path) == file_sha256(path)


def file_sha256_of(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_an_old_file_is_not_read_again_until_its_stat_changes(tmp_path, monkeypatch):
    path = tmp_path / "data.csv"
    path.write_bytes(b"id,nom\n1,Mairie\n")
    index = Fingerprints(tmp_path / "hashes.json")
    expected = index.sha256(path)
    time.sleep(hashing.RACY_NS / 1e9 + 0.2)  # old enough now: its next stat is trusted
    assert index.sha256(path) == expected
    index.save()
    reads = []
    real = hashing.file_sha256
    monkeypatch.setattr(hashing, "file_sha256", lambda p: reads.append(p) or real(p))  # counts, still reads
    again = Fingerprints(tmp_path / "hashes.json")  # as the next run finds it
    assert again.sha256(path) == expected and reads == []
    path.write_bytes(b"id,nom\n1,Mairie\n2,Gare\n")
    assert again.sha256(path) == real(path) != expected and reads == [path]


def test_a_broken_or_hostile_index_only_costs_hashing_again(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"x\n")
    stamp = os.stat(path)
    lie = [stamp.st_size, stamp.st_mtime_ns, stamp.st_ctime_ns, stamp.st_ino, stamp.st_dev, 10**19, "0" * 64]
    for content in ("{not json", json.dumps({"files": {str(path): lie[:6] + ["../../etc"]}}),
                    json.dumps({"files": {str(path): lie}}), json.dumps([1, 2])):
        (tmp_path / "hashes.json").write_text(content, encoding="utf-8")
        # A made-up entry is trusted only if its stamp is the file's and the file is old: never here.
        assert Fingerprints(tmp_path / "hashes.json").sha256(path) == file_sha256(path)


def test_publish_sees_a_same_size_rewrite_and_records_the_index_beside_the_hub(tmp_path):
    root = tmp_path
    make_hub(root)
    db, out = root / "build" / "hub.db", root / "build" / "packages"
    assert publish_datasette((), root, db, out).ids("load") == ["testville/equipements"]
    assert hashes_path(db).is_file() and not list(out.rglob(".*"))
    data = root / "datasets" / "testville" / "equipements" / "data.csv"
    stamp = os.stat(data)
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace("Mairie", "Mairix"), encoding="utf-8")  # same size
    os.utime(data, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert publish_datasette((), root, db, out).ids("load") == ["testville/equipements"]
    assert publish_datasette((), root, db, out).written is False  # and unchanged once published


def test_the_new_hub_starts_as_a_copy_that_leaves_the_old_one_alone(tmp_path):
    from catalog.swap import copy_aside

    old = tmp_path / "hub.db"
    old.write_bytes(os.urandom(3 << 20))
    before = old.read_bytes()
    how = copy_aside(old, tmp_path / "new.db")
    assert how in ("reflink", "copy")
    assert (tmp_path / "new.db").read_bytes() == before
    with open(tmp_path / "new.db", "r+b") as new:  # building on the copy never reaches the old file
        new.write(b"\0" * 4096)
    assert old.read_bytes() == before
    root = tmp_path / "hubroot"
    make_hub(root)
    db, out = root / "build" / "hub.db", root / "build" / "packages"
    assert publish_datasette((), root, db, out).copied == ""  # no hub yet: built from nothing
    data = root / "datasets" / "testville" / "equipements" / "data.csv"
    data.write_text(data.read_text(encoding="utf-8") + "4,Stade,46.63,2.43\n", encoding="utf-8")
    assert publish_datasette((), root, db, out).copied in ("reflink", "copy")
