"""Publishing is serialised and leaves nothing behind, with real `catalog` processes.

- Two publishes at once: the second one used to build from the same old hub and lose the
  first one's update, or the first one's swap dropped the second's. A full publish is paused
  (SIGSTOP) while its new hub is being built; a second publish changing one dataset must wait
  for it, then build on its result.
- Killed runs (SIGKILL while a hub and packages are being built) leave temporary files and
  work folders; the next run removes them, and the hub never serves them.
- A download running while a publish swaps a new package in gets one whole version.
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.hub import make_hub
from tests.servers import running_hub

ROOT = Path(__file__).resolve().parents[1]
BIG_ROWS = 150_000


def catalog(*args, cwd):
    return subprocess.Popen([sys.executable, "-m", "catalog.cli", *map(str, args)], cwd=cwd,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def build_hub(root: Path):
    """Testville's small `equipements` and a large `compteurs` table (its load takes a while)."""
    make_hub(root)
    big = root / "datasets" / "testville" / "compteurs"
    big.mkdir(parents=True)
    with open(big / "compteurs.csv", "w", encoding="utf-8") as handle:
        handle.write("id,passages\n")
        handle.writelines(f"{i},{i % 977}\n" for i in range(BIG_ROWS))
    descriptor = json.loads((root / "datasets" / "testville" / "equipements" / "datapackage.json").read_text())
    descriptor.update(name="compteurs", resources=[{
        "name": "compteurs", "path": "compteurs.csv", "format": "csv", "schema": {
            "fields": [{"name": "id", "type": "integer", "description": "Compteur"},
                       {"name": "passages", "type": "integer", "description": "Passages"}],
            "primaryKey": ["id"]}}])
    (big / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")


def wait_for(predicate, timeout=120, step=0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(step)
    raise AssertionError("timed out")


def building(build: Path):
    return [p for p in build.glob(".hub.db.*.tmp")]


def hub_names(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT nom FROM equipements_equipements ORDER BY id")]


def test_a_second_publish_waits_and_its_update_is_kept(tmp_path):
    build_hub(tmp_path)
    first = catalog("publish", "datasette", cwd=tmp_path)
    try:
        wait_for(lambda: building(tmp_path / "build"))
        first.send_signal(signal.SIGSTOP)  # the full publish is building its new hub
        equipements = tmp_path / "datasets" / "testville" / "equipements" / "data.csv"
        equipements.write_text(equipements.read_text().replace("Mairie", "Hôtel de ville"), encoding="utf-8")
        second = catalog("publish", "datasette", "datasets/testville/equipements", cwd=tmp_path)
        try:
            second.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass  # waiting for the first one, as it should
    finally:
        first.send_signal(signal.SIGCONT)
    first_output, _ = first.communicate(timeout=300)
    second_output, _ = second.communicate(timeout=300)
    assert first.returncode == 0, first_output
    assert second.returncode == 0, second_output
    assert hub_names(tmp_path / "build" / "hub.db")[0] == "Hôtel de ville", (first_output, second_output)
    assert "waiting for another catalog run" in second_output
    assert "testville/equipements: loaded (changed)" in second_output


def test_killed_runs_leave_nothing_behind(tmp_path):
    build_hub(tmp_path)
    build = tmp_path / "build"
    for _ in range(2):
        run = catalog("publish", "datasette", cwd=tmp_path)
        wait_for(lambda: building(build))
        run.kill()
        run.wait()
    leftovers = building(build) + [p for p in (build / "packages").rglob(".*")]
    assert leftovers, "the killed runs should have left work behind for this test to mean anything"
    with running_hub(tmp_path, build / "hub-served.db", build / "packages", cwd=tmp_path) as hub:
        for path in leftovers:
            if "packages" in path.parts:
                relative = path.relative_to(build / "packages").as_posix()
                assert hub.get(f"/packages/{relative}").status_code == 404
                assert hub.get(f"/packages/{relative}/datapackage.json").status_code == 404
    done = catalog("publish", "datasette", cwd=tmp_path)
    output, _ = done.communicate(timeout=300)
    assert done.returncode == 0, output
    left = sorted(p.name for p in build.glob(".*"))
    left += sorted(str(p) for p in (build / "packages").rglob(".*"))
    assert left == []


def test_a_download_during_a_publish_gets_one_whole_version(tmp_path):
    build_hub(tmp_path)
    folder = tmp_path / "datasets" / "testville" / "compteurs"
    # Incompressible and larger than what loopback sockets buffer: the download is still running.
    (folder / "mesures.bin").write_bytes(random.Random(1).randbytes(24 * 1024 * 1024))
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["resources"].append({"name": "mesures", "path": "mesures.bin", "format": "bin"})
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    build = tmp_path / "build"
    assert catalog("publish", "datasette", cwd=tmp_path).wait(timeout=300) == 0
    zip_path = build / "packages" / "testville" / "compteurs.zip"
    before = zip_path.read_bytes()
    with running_hub(tmp_path, build / "hub.db", build / "packages", cwd=tmp_path) as hub:
        with httpx.stream("GET", f"{hub.url}/packages/testville/compteurs.zip", timeout=60) as response:
            chunks = response.iter_bytes(64 * 1024)
            received = [next(chunks)]
            big = tmp_path / "datasets" / "testville" / "compteurs" / "compteurs.csv"
            big.write_text(big.read_text().replace(",0\n", ",1\n"), encoding="utf-8")
            assert catalog("publish", "datasette", cwd=tmp_path).wait(timeout=300) == 0
            assert zip_path.read_bytes() != before  # the new version is in place
            received += list(chunks)
            assert int(response.headers["content-length"]) == len(before)
    assert b"".join(received) == before
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.testzip() is None


def test_a_killed_dry_run_leaves_no_work_folder(tmp_path):
    """`publish ckan --dry-run` packages into a folder of the system's temporary folder. A portal
    that accepts the connection and never answers keeps runs alive after that folder is made: one
    is killed (SIGKILL), one stays alive; the next run removes the dead run's folder only."""
    import socket

    make_hub(tmp_path)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp)}
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # never accepted: the kernel completes the connection, no answer ever comes

    def dry_run(url):
        return subprocess.Popen([sys.executable, "-m", "catalog.cli", "publish", "ckan", "--dry-run", "--url", url],
                                cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def folders():
        return {p for p in temp.glob("catalog-dry-run-*") if p.is_dir()}

    silent_url = "http://127.0.0.1:%d" % silent.getsockname()[1]
    alive = dry_run(silent_url)
    killed = None
    try:
        live_folder, = wait_for(folders, timeout=60)
        killed = dry_run(silent_url)
        dead_folder, = wait_for(lambda: folders() - {live_folder}, timeout=60)
        killed.kill()
        killed.wait()
        assert killed.returncode == -signal.SIGKILL and alive.poll() is None
        assert folders() == {dead_folder, live_folder}
        refused = dry_run("http://127.0.0.1:1")  # nothing listens there: the run stops early
        output, _ = refused.communicate(timeout=120)
        assert refused.returncode == 2, output
        assert "Traceback" not in output
        assert folders() == {live_folder}
        assert alive.poll() is None
    finally:
        for run in (alive, killed):
            if run and run.poll() is None:
                run.kill()
                run.wait()
        silent.close()
