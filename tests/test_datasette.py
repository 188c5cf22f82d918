"""`catalog publish datasette` and `catalog serve`: a real server, queried over HTTP."""
import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile

import pytest
import sqlite_utils

from catalog.errors import InvalidData
from catalog.hubdb import load_package
from catalog.publish.datasette import metadata_path, publish_datasette
from tests.servers import FACILITIES, STOPS, make_two_publisher_hub, running_hub


@pytest.fixture(scope="session")
def crafted(tmp_path_factory):
    """Two publishers, served by `catalog serve`, which builds the hub itself on first run."""
    root = make_two_publisher_hub(tmp_path_factory.mktemp("crafted"))
    with running_hub(root, root / "build" / "hub.db", root / "build" / "packages") as hub:
        yield hub


def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))


def test_serve_built_the_hub_on_first_run(crafted):
    assert crafted.db.is_file() and metadata_path(crafted.db).is_file()
    assert "building it from" in crafted.log.read_text()


def test_filtered_json_returns_the_expected_rows(crafted):
    response = crafted.get("/hub/arrets_stops.json", params={"code_insee": "00002", "_shape": "array"})
    assert response.status_code == 200
    expected = [{"stop_id": s[0], "stop_name": s[1], "stop_lat": s[2], "stop_lon": s[3], "code_insee": s[4],
                 "abri": 1 if s[5] == "true" else 0} for s in STOPS if s[4] == "00002"]
    assert response.json() == expected
    numeric = crafted.get("/hub/arrets_stops.json", params={"stop_lat__gte": "46.65", "_shape": "array"}).json()
    assert [r["stop_id"] for r in numeric] == ["S3", "S4"]  # numbers compare as numbers, not text


def test_foreign_key_is_a_link(crafted):
    html = crafted.get("/hub/arrets_stop_times").text
    assert 'href="/hub/arrets_stops/S1"' in html
    assert "Gare routière" in html  # the label column names the linked row
    row = crafted.get("/hub/arrets_stops/S1.json", params={"_extras": "foreign_key_tables"}).json()
    assert row["foreign_key_tables"][0]["other_table"] == "arrets_stop_times"


def test_metadata_carries_licence_and_source_of_every_table(crafted):
    metadata = crafted.get("/-/metadata.json").json()
    tables = metadata["databases"]["hub"]["tables"]
    data_tables = crafted.get("/hub/catalog_tables.json", params={"_shape": "array"}).json()
    assert {t["name"] for t in data_tables} == {"equipements_equipements", "arrets_stops", "arrets_stop_times"}
    for table in data_tables:
        entry = tables[table["name"]]
        assert entry["license"] and entry["license_url"].startswith("https://"), table["name"]
        assert entry["source"] and entry["source_url"].startswith("https://"), table["name"]
        assert all(entry["columns"].get(c) for c in json.loads(table["columns"])), table["name"]
    assert tables["arrets_stops"]["license"] == "Open Data Commons Open Database License 1.0"
    assert tables["arrets_stops"]["source"] == "Transports de Testville"
    assert tables["equipements_equipements"]["license"].startswith("Licence Ouverte")
    assert tables["arrets_stops"]["columns"]["stop_name"] == "Nom de l'arrêt"


def test_csv_export_matches_the_packaged_csv(crafted):
    for table, path in (("equipements_equipements", "testville/equipements/data/equipements.csv"),
                        ("arrets_stop_times", "transports-testville/arrets/data/stop_times.csv")):
        exported = crafted.get(f"/hub/{table}.csv", params={"_stream": "on", "_size": "max"})
        assert exported.status_code == 200
        packaged = (crafted.packages / path).read_text(encoding="utf-8")
        assert csv_rows(exported.text) == csv_rows(packaged), table
        served = crafted.get(f"/packages/{path}")
        assert served.status_code == 200 and served.text == packaged


def test_sql_join_across_two_publishers(crafted):
    sql = ("select e.nom, count(s.stop_id) as arrets from equipements_equipements e "
           "join arrets_stops s on s.code_insee = e.code_insee group by e.id order by e.id")
    response = crafted.get("/hub.json", params={"sql": sql, "_shape": "array"})
    assert response.status_code == 200, response.text
    per_commune = {}
    for stop in STOPS:
        per_commune[stop[4]] = per_commune.get(stop[4], 0) + 1
    assert response.json() == [{"nom": f[1], "arrets": per_commune[f[4]]} for f in FACILITIES]


def test_full_text_search_on_searchable_fields(crafted):
    rows = crafted.get("/hub/arrets_stops.json", params={"_search": "moulin", "_shape": "array"}).json()
    assert [r["stop_id"] for r in rows] == ["S3"]


def test_catalog_datasets_lists_every_dataset(crafted):
    rows = {r["id"]: r for r in crafted.get("/hub/catalog_datasets.json", params={"_shape": "array"}).json()}
    assert set(rows) == {"testville/equipements", "transports-testville/arrets"}
    arrets = rows["transports-testville/arrets"]
    assert arrets["publisher_title"] == "Transports de Testville" and arrets["theme"] == "transport"
    assert arrets["version"] == "2.1.0" and arrets["last_update"] == "2025-07-02" and arrets["quality"] > 0
    assert arrets["rows"] == len(STOPS) + 4
    assert {t["table"]: t["rows"] for t in json.loads(arrets["tables"])} == {"arrets_stops": 4,
                                                                             "arrets_stop_times": 4}
    archive = crafted.get(arrets["zip_url"])
    assert archive.status_code == 200
    assert "datapackage.json" in zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert crafted.get(arrets["package_url"]).json()["name"] == "arrets"


def test_landing_page_lists_publishers_and_datasets(crafted):
    html = crafted.get("/").text
    for text in ("Transports de Testville", "Ville de Testville", 'href="/-/dataset/transports-testville/arrets"',
                 'href="/packages/transports-testville/arrets.zip"', 'href="/hub/arrets_stops"',
                 "Open Data Commons Open Database License 1.0", "Mis à jour le 2 juillet 2025",
                 "Couvre la période depuis le 1er janvier 2025"):
        assert text in html, text


def test_dataset_page_examples_all_work(crafted):
    page = crafted.get("/-/dataset/transports-testville/arrets")
    assert page.status_code == 200
    assert "Horaires de passage" in page.text and 'id="api"' in page.text
    examples = [line.split("'")[1] for line in page.text.splitlines() if line.strip().startswith("<pre>curl '")]
    assert len(examples) >= 8  # rows, filter, SQL, search, CSV for stops; rows, filter, SQL, CSV for times
    import html as html_lib
    for url in examples:
        response = crafted.get(html_lib.unescape(url).removeprefix(crafted.url))
        assert response.status_code == 200, url
        if ".json" in url:
            body = response.json()  # an array, or objects with their next page (`next_url`)
            assert (body if isinstance(body, list) else body["rows"]), url
    assert crafted.get("/-/dataset/transports-testville/nope").status_code == 404


def test_map_plugin_is_configured_for_coordinates(crafted):
    html = crafted.get("/hub/arrets_stops").text
    assert 'DATASETTE_CLUSTER_MAP_LATITUDE_COLUMN = "stop_lat"' in html


def test_republish_unchanged_does_no_work(tmp_path):
    root = make_two_publisher_hub(tmp_path)
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    first = publish_datasette((), root, db, out)
    assert first.written and sorted(first.ids("load")) == ["testville/equipements", "transports-testville/arrets"]
    before = (db.stat().st_mtime_ns, db.stat().st_ino, (out / "testville/equipements/datapackage.json").stat().st_mtime_ns)
    second = publish_datasette((), root, db, out)
    assert not second.written and second.ids("load") == []
    assert (db.stat().st_mtime_ns, db.stat().st_ino,
            (out / "testville/equipements/datapackage.json").stat().st_mtime_ns) == before
    # One dataset changes: only it is reloaded, the other's table is carried over as it was.
    stops = root / "datasets/transports-testville/arrets/stops.csv"
    stops.write_text(stops.read_text(encoding="utf-8") + "S5,Stade,46.67,2.47,00002,false\n", encoding="utf-8")
    third = publish_datasette((), root, db, out)
    assert third.ids("load") == ["transports-testville/arrets"] and third.ids("keep") == ["testville/equipements"]
    hub = sqlite_utils.Database(db)
    assert hub["arrets_stops"].count == 5 and hub["equipements_equipements"].count == 3
    assert hub.execute("select rows from catalog_datasets where id = 'transports-testville/arrets'").fetchone() == (9,)


def test_swap_is_atomic_for_readers_and_servers(tmp_path):
    root = make_two_publisher_hub(tmp_path)
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    with running_hub(root, db, out) as hub:
        reader = sqlite3.connect(db)
        reader.execute("BEGIN")
        assert reader.execute("select count(*) from arrets_stops").fetchone() == (4,)
        stops = root / "datasets/transports-testville/arrets/stops.csv"
        stops.write_text(stops.read_text(encoding="utf-8") + "S5,Stade,46.67,2.47,00002,false\n", encoding="utf-8")
        assert publish_datasette((), root, db, out).ids("load") == ["transports-testville/arrets"]
        # The reader opened before the swap keeps reading the whole old hub.
        assert reader.execute("select count(*) from arrets_stops").fetchone() == (4,)
        assert reader.execute("select count(*) from equipements_equipements").fetchone() == (3,)
        reader.close()
        # The running server picks up the new file by itself.
        import time
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            rows = hub.get("/hub/arrets_stops.json", params={"_shape": "array"}).json()
            if len(rows) == 5:
                break
            time.sleep(0.3)
        assert len(rows) == 5
        assert hub.get("/hub/equipements_equipements.json", params={"_shape": "array"}).status_code == 200


def test_failed_build_leaves_the_old_hub_intact(tmp_path, monkeypatch):
    root = make_two_publisher_hub(tmp_path)
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    publish_datasette((), root, db, out)
    before = db.read_bytes()
    stops = root / "datasets/transports-testville/arrets/stops.csv"
    stops.write_text(stops.read_text(encoding="utf-8") + "S5,Stade,46.67,2.47,00002,false\n", encoding="utf-8")

    def broken(*args, **kwargs):  # a fake, only to inject the failure
        raise OSError("disk full")

    monkeypatch.setattr("catalog.publish.datasette.load_package", broken)
    with pytest.raises(OSError):
        publish_datasette((), root, db, out)
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir() if p.is_file()) == ["hub.db", "hub.hashes.json", "hub.metadata.json"]


def test_failed_zip_leaves_packages_and_hub_intact(tmp_path, monkeypatch):
    """The zip is written while the hub loads: its failure still stops everything before any swap."""
    root = make_two_publisher_hub(tmp_path)
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    publish_datasette((), root, db, out)
    package_folder, zip_path = out / "transports-testville" / "arrets", out / "transports-testville" / "arrets.zip"
    before = (db.read_bytes(), (package_folder / "datapackage.json").read_bytes(), zip_path.read_bytes())
    stops = root / "datasets/transports-testville/arrets/stops.csv"
    stops.write_text(stops.read_text(encoding="utf-8") + "S5,Stade,46.67,2.47,00002,false\n", encoding="utf-8")
    loaded = []

    def broken(folder, target):  # a fake, only to inject the failure once the hub has started loading
        deadline = time.monotonic() + 30
        while not loaded and time.monotonic() < deadline:
            time.sleep(0.01)
        raise OSError("disk full")

    def load(db, folder, progress=None, **options):
        loaded.append(folder)
        return load_package(db, folder, progress, **options)

    monkeypatch.setattr("catalog.package._zip", broken)
    monkeypatch.setattr("catalog.publish.datasette.load_package", load)
    with pytest.raises(OSError, match="disk full"):
        publish_datasette((), root, db, out)
    assert loaded and not loaded[0].is_relative_to(package_folder)  # the hub loaded the package built aside
    assert before == (db.read_bytes(), (package_folder / "datapackage.json").read_bytes(), zip_path.read_bytes())
    assert sorted(p.name for p in package_folder.parent.iterdir()) == ["arrets", "arrets.zip"]
    assert sorted(p.name for p in db.parent.iterdir() if p.is_file()) == ["hub.db", "hub.hashes.json", "hub.metadata.json"]
    # The next run, without the failure, publishes the change.
    monkeypatch.undo()
    assert publish_datasette((), root, db, out).ids("load") == ["transports-testville/arrets"]
    assert sqlite_utils.Database(db)["arrets_stops"].count == 5
    assert b"S5,Stade" in zipfile.ZipFile(zip_path).read("data/stops.csv")


def test_invalid_dataset_is_refused_with_exit_1(tmp_path):
    root = make_two_publisher_hub(tmp_path)
    stops = root / "datasets/transports-testville/arrets/stops.csv"
    stops.write_text(stops.read_text(encoding="utf-8") + "S5,Stade,pas-un-nombre,2.47,00002,false\n",
                     encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "catalog.cli", "publish", "datasette", "--root", str(root),
                             "--db", str(tmp_path / "hub.db"), "--out", str(tmp_path / "packages")],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "transports-testville/arrets was not published" in result.stderr
    assert "catalog validate" in result.stderr and "Traceback" not in result.stderr
    hub = sqlite_utils.Database(tmp_path / "hub.db")
    assert [r["id"] for r in hub.query("select id from catalog_datasets")] == ["testville/equipements"]


def test_serve_refuses_a_file_that_is_not_a_database(tmp_path):
    (tmp_path / "hub.db").write_text("not sqlite\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "catalog.cli", "serve", "--db", str(tmp_path / "hub.db"),
                             "--port", "0", "--packages", str(tmp_path / "packages")],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and "not a SQLite database" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_rebuilds_missing_metadata_from_the_hub(tmp_path):
    root = make_two_publisher_hub(tmp_path)
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    publish_datasette((), root, db, out)
    metadata_path(db).unlink()
    with running_hub(root, db, out) as hub:
        tables = hub.get("/-/metadata.json").json()["databases"]["hub"]["tables"]
        assert tables["arrets_stops"]["source"] == "Transports de Testville"
    assert not metadata_path(db).exists()  # served from the hub itself, nothing written


def test_api_calls_skip_facet_suggestions_pages_keep_them(crafted):
    html = crafted.get("/hub/arrets_stop_times").text
    assert "Facettes suggérées" in html
    data = crafted.get("/hub/arrets_stop_times.json").json()
    assert data["suggested_facets"] == [] and len(data["rows"]) == 4


def test_two_datasets_with_the_same_tables_are_refused(tmp_path):
    root = make_two_publisher_hub(tmp_path)
    twin = root / "datasets" / "transports-testville" / "equipements"
    shutil.copytree(root / "datasets" / "testville" / "equipements", twin)
    db = tmp_path / "hub.db"
    with pytest.raises(InvalidData) as error:
        publish_datasette((), root, db, tmp_path / "packages")
    assert "equipements_equipements" in str(error.value) and "Rename the dataset" in str(error.value)
    assert not db.exists()


def test_publishing_one_dataset_keeps_the_others(tmp_path):
    root = make_two_publisher_hub(tmp_path)
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    publish_datasette((), root, db, out)
    command = [sys.executable, "-m", "catalog.cli", "publish", "datasette", "--root", str(root), "--db", str(db),
               "--out", str(out), str(root / "datasets" / "testville" / "equipements")]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "testville/equipements: keep (unchanged)" in result.stdout and "nothing written" in result.stdout
    hub = sqlite_utils.Database(db)
    assert sorted(r["id"] for r in hub.query("select id from catalog_datasets")) == [
        "testville/equipements", "transports-testville/arrets"]
