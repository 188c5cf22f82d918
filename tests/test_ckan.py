"""`catalog publish ckan` against a real CKAN 2.12 (see tests/ckan/ and tests/ckan_portal.py).

Every test publishes its own small hub under its own publisher, so the tests share one
portal without seeing each other's datasets.
"""
import csv
import json
import shutil

import ckanapi
import pytest
from click.testing import CliRunner

from catalog.cli import main
from catalog.publish import ckan_client
from catalog.publish.ckan import publish_ckan
from catalog.validate import validate
from tests.ckan_portal import ckan_portal  # noqa: F401 - the session fixture
from tests.hub import make_hub

SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "description": "Identifiant"},
        {"name": "nom", "type": "string", "title": "Nom", "description": "Nom de l'équipement"},
        {"name": "ouverture", "type": "date", "description": "Date d'ouverture au public"},
        {"name": "accessible", "type": "boolean", "description": "Accessible aux fauteuils roulants"},
        {"name": "surface", "type": "number", "description": "Surface utile en m²"},
        {"name": "latitude", "type": "number", "description": "Latitude WGS84"},
        {"name": "longitude", "type": "number", "description": "Longitude WGS84"},
    ],
    "primaryKey": ["id"],
}
ROWS = [
    [1, "Mairie", "2001-05-14", "true", "1250.5", 46.60, 2.40],
    [2, "Gymnase Jean Moulin", "", "false", "", 46.61, 2.41],
    [3, "Médiathèque", "2019-09-01", "true", "830", 46.62, 2.42],
]
# The same rows as the DataStore must give them back: typed, empty cells as nulls.
EXPECTED = [
    {"id": 1, "nom": "Mairie", "ouverture": "2001-05-14", "accessible": True, "surface": 1250.5,
     "latitude": 46.6, "longitude": 2.4},
    {"id": 2, "nom": "Gymnase Jean Moulin", "ouverture": None, "accessible": False, "surface": None,
     "latitude": 46.61, "longitude": 2.41},
    {"id": 3, "nom": "Médiathèque", "ouverture": "2019-09-01", "accessible": True, "surface": 830,
     "latitude": 46.62, "longitude": 2.42},
]
TARIFS = "code,libelle,prix\nA,Plein tarif,4.5\nB,Tarif réduit,2\n"
GEOJSON = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"nom": "Parc"},
     "geometry": {"type": "Point", "coordinates": [2.41, 46.61]}}]}


def crafted_hub(root, slug, rows=ROWS, tarifs=True, geojson=True, dataset=None):
    """A hub with one publisher `slug` and its dataset `<slug>-equipements` (unique on the portal)."""
    dataset = dataset or f"{slug}-equipements"
    make_hub(root, rows=rows, schema=SCHEMA)
    profile = (root / "publishers" / "testville.yml").read_text().replace("Ville de Testville", f"Ville de {slug}")
    (root / "publishers" / "testville.yml").unlink()
    (root / "publishers" / f"{slug}.yml").write_text(profile)
    folder = root / "datasets" / slug / dataset
    folder.parent.mkdir(parents=True)
    shutil.move(root / "datasets" / "testville" / "equipements", folder)
    shutil.rmtree(root / "datasets" / "testville")
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["name"] = folder.name
    descriptor["catalog"]["keywords"] = ["équipements publics", "sport", "culture"]
    if tarifs:
        (folder / "tarifs.csv").write_text(TARIFS)
        descriptor["resources"].append({"name": "tarifs", "path": "tarifs.csv", "format": "csv", "schema": {
            "fields": [{"name": "code", "type": "string", "description": "Code du tarif"},
                       {"name": "libelle", "type": "string", "description": "Libellé du tarif"},
                       {"name": "prix", "type": "number", "description": "Prix en euros"}],
            "primaryKey": ["code"]}})
    if geojson:
        (folder / "parcs.geojson").write_text(json.dumps(GEOJSON))
        descriptor["resources"].append({"name": "parcs", "path": "parcs.geojson", "format": "geojson"})
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2))
    return folder


def run_cli(root, portal, *args, api_key_file=None, url=None):
    """`catalog publish ckan` of the hub at `root` to the portal (or to `url`, a proxy in front of it)."""
    options = ["--api-key-file", str(api_key_file)] if api_key_file else []
    env = {} if api_key_file else {"CKAN_API_KEY": portal.token}
    return CliRunner().invoke(
        main, ["publish", "ckan", "--url", url or portal.url, "--root", str(root), "--out", str(root / "build"),
               *options, *args], env=env)


def run_through_proxy(root, portal, *args, fail_on=None, edit=None):
    """`run_cli` with a FaultyProxy in front of the portal: (result, the proxy, closed)."""
    proxy = FaultyProxy(portal.url, fail_on=fail_on, edit=edit)
    try:
        return run_cli(root, portal, *args, url=proxy.url), proxy
    finally:
        proxy.close()


def portal_client(portal):
    return ckanapi.RemoteCKAN(portal.url, apikey=portal.token)


def datastore_rows(ckan, resource_id):
    answer = ckan.action.datastore_search(resource_id=resource_id, limit=1000, sort="_id")
    return [{k: v for k, v in r.items() if k != "_id"} for r in answer["records"]], answer["fields"]


def by_key(package):
    return {r["catalog_name"]: r for r in package["resources"] if r.get("catalog_name")}


def test_first_publish_creates_everything(tmp_path, ckan_portal):
    crafted_hub(tmp_path, "first")
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    ckan = portal_client(ckan_portal)

    organisation = ckan.action.organization_show(id="first")
    assert organisation["title"] == "Ville de first"
    assert {e["key"]: e["value"] for e in organisation["extras"]}["homepage"] == "https://www.testville.example.fr"

    package = ckan.action.package_show(id="first-first-equipements")
    assert package["organization"]["name"] == "first"
    # The Solr stand-in indexed it: CKAN's own search and counts see it.
    assert ckan.action.package_search(fq=f"owner_org:{organisation['id']}")["count"] == 1
    assert ckan.action.organization_show(id="first")["package_count"] == 1
    assert package["title"] == "Équipements publics (exemple)"
    assert package["notes"].startswith("Liste des équipements publics")
    assert package["license_id"] == "lov2"  # etalab-2.0: the portal's own Licence Ouverte entry
    assert package["version"] == "1.0.0"
    assert package["maintainer_email"] == "opendata@testville.example.fr"
    assert sorted(t["name"] for t in package["tags"]) == ["culture", "sport", "équipements publics"]
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["catalog_id"] == "first/first-equipements" and extras["catalog_theme"] == "facilities"

    resources = by_key(package)
    assert sorted(resources) == ["datapackage", "equipements", "parcs", "tarifs"]
    packaged = json.loads((tmp_path / "build" / "first" / "first-equipements" / "datapackage.json").read_text())
    for entry in packaged["resources"]:
        assert resources[entry["name"]]["hash"] == entry["hash"].removeprefix("sha256:")  # plain hex, for DCAT
        assert resources[entry["name"]]["hash_algorithm"] == "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"
    assert resources["parcs"]["format"] == "GeoJSON"
    assert all(resources[k]["datastore_active"] for k in ("equipements", "tarifs", "parcs"))
    assert not resources["datapackage"]["datastore_active"]

    # The uploaded file is the packaged one, byte for byte.
    uploaded = ckan.session.get(resources["equipements"]["url"]).content
    assert uploaded == (tmp_path / "build" / "first" / "first-equipements" / "data" / "equipements.csv").read_bytes()

    rows, fields = datastore_rows(ckan, "first__first_equipements_equipements")  # alias: publisher__hub table
    assert rows == EXPECTED
    types = {f["id"]: f["type"] for f in fields}
    assert types == {"_id": "int", "id": "int8", "nom": "text", "ouverture": "date", "accessible": "bool",
                     "surface": "numeric", "latitude": "numeric", "longitude": "numeric"}
    assert {f["id"]: f.get("info", {}).get("label") for f in fields}["nom"] == "Nom"
    rows, _ = datastore_rows(ckan, resources["tarifs"]["id"])
    assert rows == [{"code": "A", "libelle": "Plein tarif", "prix": 4.5},
                    {"code": "B", "libelle": "Tarif réduit", "prix": 2}]
    rows, fields = datastore_rows(ckan, "first__first_equipements_parcs")  # GeoJSON: properties + geometry
    assert rows == [{"nom": "Parc", "geometry": GEOJSON["features"][0]["geometry"]}]
    assert [f["type"] for f in fields] == ["int", "text", "json"]
    info = ckan.action.datastore_info(id=resources["equipements"]["id"])
    assert info["meta"]["count"] == 3


def test_second_publish_changes_nothing(tmp_path, ckan_portal):
    crafted_hub(tmp_path, "again")
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    ckan = portal_client(ckan_portal)
    before = ckan.action.package_show(id="again-again-equipements")
    organisation = ckan.action.organization_show(id="again")

    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    assert "0 create, 0 update, 9 unchanged, 0 prune; 0 DataStore rows" in result.output

    after = ckan.action.package_show(id="again-again-equipements")
    assert after["metadata_modified"] == before["metadata_modified"]
    assert [(r["id"], r["metadata_modified"]) for r in after["resources"]] == \
        [(r["id"], r["metadata_modified"]) for r in before["resources"]]
    assert ckan.action.organization_show(id="again")["title"] == organisation["title"]


def test_editing_one_csv_updates_only_that_resource(tmp_path, ckan_portal):
    folder = crafted_hub(tmp_path, "edits")
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    ckan = portal_client(ckan_portal)
    before = by_key(ckan.action.package_show(id="edits-edits-equipements"))

    (folder / "tarifs.csv").write_text(TARIFS.replace("Plein tarif,4.5", "Plein tarif,5") + "C,Gratuit,0\n")
    result = run_cli(tmp_path, ckan_portal, "--dry-run")
    line = next(line for line in result.output.splitlines() if "edits-edits-equipements/tarifs" in line)
    assert line.startswith("update     datastore    edits-edits-equipements/tarifs  (file changed, "), line
    assert line.endswith(" bytes; 3 rows into a new table, swapped in when complete)"), line
    assert "unchanged  resource     edits-edits-equipements/equipements" in result.output
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output

    after = by_key(ckan.action.package_show(id="edits-edits-equipements"))
    # The reloaded table is a new resource in the old one's place; the others are untouched.
    assert [r["catalog_name"] for r in ckan.action.package_show(id="edits-edits-equipements")["resources"]] == \
        list(before)
    assert {k: r["id"] for k, r in after.items() if k != "tarifs"} == \
        {k: r["id"] for k, r in before.items() if k != "tarifs"}
    assert after["tarifs"]["name"] == before["tarifs"]["name"] and not after["tarifs"].get("catalog_staging")
    assert len(after) == 4
    assert after["tarifs"]["hash"] != before["tarifs"]["hash"]
    for untouched in ("equipements", "parcs"):
        assert after[untouched]["metadata_modified"] == before[untouched]["metadata_modified"]
        assert after[untouched]["hash"] == before[untouched]["hash"]
    rows, _ = datastore_rows(ckan, after["tarifs"]["id"])
    assert rows == [{"code": "A", "libelle": "Plein tarif", "prix": 5},
                    {"code": "B", "libelle": "Tarif réduit", "prix": 2},
                    {"code": "C", "libelle": "Gratuit", "prix": 0}]
    assert datastore_rows(ckan, after["equipements"]["id"])[0] == EXPECTED
    assert "update     datastore    edits-edits-equipements/tarifs" in result.output
    assert "equipements/equipements" not in result.output  # not re-uploaded, not reloaded


def test_metadata_change_updates_the_dataset_only(tmp_path, ckan_portal):
    folder = crafted_hub(tmp_path, "meta")
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    ckan = portal_client(ckan_portal)
    ckan.action.package_patch(id="meta-meta-equipements",
                              extras=[{"key": "local_note", "value": "added on the portal"}] +
                              ckan.action.package_show(id="meta-meta-equipements")["extras"])
    before = by_key(ckan.action.package_show(id="meta-meta-equipements"))
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["title"] = "Équipements publics de Testville"
    descriptor["catalog"]["keywords"] = ["sport", "loisirs"]
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))

    plan = run_cli(tmp_path, ckan_portal, "--dry-run").output
    assert "update     dataset      meta-meta-equipements  (title, tags changed)" in plan
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    package = ckan.action.package_show(id="meta-meta-equipements")
    assert package["title"] == "Équipements publics de Testville"
    assert sorted(t["name"] for t in package["tags"]) == ["loisirs", "sport"]
    assert {e["key"]: e["value"] for e in package["extras"]}["local_note"] == "added on the portal"
    after = by_key(package)
    for key in ("equipements", "tarifs", "parcs"):  # data files: not uploaded again
        assert (after[key]["id"], after[key]["hash"], after[key]["last_modified"]) == \
            (before[key]["id"], before[key]["hash"], before[key]["last_modified"])
    assert after["datapackage"]["hash"] != before["datapackage"]["hash"]  # the descriptor itself changed


def test_same_dataset_name_under_two_publishers(tmp_path, ckan_portal):
    """DataStore aliases are namespaced by publisher: the same hub table name never collides."""
    ckan = portal_client(ckan_portal)
    for slug in ("twin-a", "twin-b"):
        crafted_hub(tmp_path / slug, slug, dataset="jumeaux", tarifs=False, geojson=False)
        plan = run_cli(tmp_path / slug, ckan_portal, "--dry-run")
        assert "Warning" not in plan.stderr, plan.stderr
        result = run_cli(tmp_path / slug, ckan_portal)
        assert result.exit_code == 0, result.output
        assert "Warning" not in result.stderr
    first = by_key(ckan.action.package_show(id="twin-a-jumeaux"))["equipements"]
    second = by_key(ckan.action.package_show(id="twin-b-jumeaux"))["equipements"]
    assert ckan.action.datastore_search(resource_id="twin_a__jumeaux_equipements")["resource_id"] == first["id"]
    assert ckan.action.datastore_search(resource_id="twin_b__jumeaux_equipements")["resource_id"] == second["id"]
    assert datastore_rows(ckan, second["id"])[0] == EXPECTED
    assert "0 create, 0 update, 5 unchanged" in run_cli(tmp_path / "twin-b", ckan_portal).output


def test_dry_run_writes_nothing(tmp_path, ckan_portal):
    crafted_hub(tmp_path, "dry")
    result = run_cli(tmp_path, ckan_portal, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "create     organisation dry" in result.output
    assert "create     datastore    dry-dry-equipements/equipements  (3 rows)" in result.output
    assert "Nothing was written" in result.output
    ckan = portal_client(ckan_portal)
    with pytest.raises(ckanapi.NotFound):
        ckan.action.organization_show(id="dry")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="dry-dry-equipements")
    assert not (tmp_path / "build").exists()  # not even the local packages


def test_prune_removes_only_with_the_flag(tmp_path, ckan_portal):
    folder = crafted_hub(tmp_path, "prune")
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "parcs"]
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    ckan = portal_client(ckan_portal)
    # A link added on the portal by hand, under the name of one of ours: never touched.
    by_hand = ckan.action.resource_create(package_id="prune-prune-equipements", name="equipements",
                                          url="https://www.testville.example.fr/plan.pdf", format="PDF")

    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    assert "keep       resource" not in result.output  # a normal run prints what it wrote, and what needs a decision
    assert "parcs" in by_key(ckan.action.package_show(id="prune-prune-equipements"))
    assert "keep       resource     prune-prune-equipements/parcs  (no longer in the package; --prune removes it)" \
        in run_cli(tmp_path, ckan_portal, "--dry-run").output

    result = run_cli(tmp_path, ckan_portal, "--prune")
    assert result.exit_code == 0, result.output
    assert "prune      resource     prune-prune-equipements/parcs" in result.output
    resources = ckan.action.package_show(id="prune-prune-equipements")["resources"]
    assert sorted(r.get("catalog_name", "by hand") for r in resources) == ["by hand", "datapackage", "equipements",
                                                                           "tarifs"]
    kept = next(r for r in resources if r["id"] == by_hand["id"])
    assert (kept["name"], kept["url"], kept["metadata_modified"]) == \
        ("equipements", by_hand["url"], by_hand["metadata_modified"])


def ensure_theme_groups(portal):
    """The groups of the crafted hubs' theme (facilities: GOVE, SOCI), so that a test counting
    writes does not depend on whether an earlier test created them."""
    ckan = portal_client(portal)
    for name in ("theme-gove", "theme-soci"):
        try:
            ckan.action.group_show(id=name)
        except ckanapi.NotFound:
            ckan.action.group_create(name=name)


# Before a DataStore call (ckanapi), and before the revision that sends the files (httpx, multipart).
@pytest.mark.parametrize("stop_before", ["datastore_upsert", "package_revise"])
def test_portal_stopping_midway_then_converging(tmp_path, ckan_portal, monkeypatch, stop_before):
    slug = "halt-" + stop_before.split("_")[1]
    crafted_hub(tmp_path, slug)
    ensure_theme_groups(ckan_portal)
    token_file = tmp_path / "token"
    token_file.write_text(ckan_portal.token + "\n")

    def stopping_before(method):
        def wrapper(self, action, *args, **data):
            # The real portal really stops: its web process is killed before that write.
            if action == stop_before:
                ckan_portal.stop_web()
            return method(self, action, *args, **data)
        return wrapper

    for name in ("call", "upload_files"):
        monkeypatch.setattr(ckan_client.Client, name, stopping_before(getattr(ckan_client.Client, name)))
    try:
        result = run_cli(tmp_path, ckan_portal, api_key_file=token_file)
    finally:
        monkeypatch.undo()
        ckan_portal.start_web()
    assert result.exit_code == 3, result.output
    assert "refused or dropped the connection" in result.stderr
    done = [f"create organisation {slug}", f"create dataset {slug}-{slug}-equipements"]
    assert f"Published ({len(done)}):\n" + "".join(f"    {line}\n" for line in done) in result.stderr
    assert f"create datastore {slug}-{slug}-equipements/equipements" in result.stderr.split("Not published (")[1]
    assert "run the same command" in result.stderr
    assert "Traceback" not in result.stderr

    again = run_cli(tmp_path, ckan_portal, api_key_file=token_file)
    assert again.exit_code == 0, again.output
    ckan = portal_client(ckan_portal)
    package = ckan.action.package_show(id=f"{slug}-{slug}-equipements")
    assert sorted(r["catalog_name"] for r in package["resources"]) == ["datapackage", "equipements", "parcs", "tarifs"]
    assert datastore_rows(ckan, by_key(package)["equipements"]["id"])[0] == EXPECTED
    assert "0 create, 0 update, 9 unchanged" in run_cli(tmp_path, ckan_portal, api_key_file=token_file).output
    for output in (result.output, result.stderr, again.output, again.stderr):
        assert ckan_portal.token not in output


class FaultyProxy:
    """Forwards every request to the portal, except that it answers HTTP 500 to one action
    (`fail_on`), and lets `edit(action, answer)` change the answers."""

    def __init__(self, target, fail_on=None, edit=None):
        import http.server
        import threading

        import httpx

        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                action = self.path.split("?")[0].rsplit("/", 1)[-1]
                if action == fail_on and not proxy.failed:
                    proxy.failed = True
                    page = b"<html><body>Internal Server Error</body></html>"
                    self.send_response(500)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = httpx.request(self.command, target + self.path, headers=headers, content=body, timeout=60)
                content = edit(action, answer.content) if edit else answer.content
                self.send_response(answer.status_code)
                for key in ("Content-Type",):
                    if key in answer.headers:
                        self.send_header(key, answer.headers[key])
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = _forward

        self.failed = False
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_http_500_midway_then_converging(tmp_path, ckan_portal):
    crafted_hub(tmp_path, "boom")
    result, proxy = run_through_proxy(tmp_path, ckan_portal, fail_on="datastore_upsert")
    assert proxy.failed
    assert result.exit_code == 3, result.output
    assert "stopped at create datastore boom-boom-equipements/equipements: the portal answered " \
           "`datastore_upsert` with HTTP 500" in result.stderr
    assert "<html>" not in result.stderr and "Traceback" not in result.stderr
    ckan = portal_client(ckan_portal)
    half = by_key(ckan.action.package_show(id="boom-boom-equipements"))
    assert "hash" not in half["equipements"] or not half["equipements"]["hash"]  # not marked complete

    again = run_cli(tmp_path, ckan_portal)
    assert again.exit_code == 0, again.output
    assert "update     resource     boom-boom-equipements/equipements" in again.output  # same resource, redone
    after = by_key(ckan.action.package_show(id="boom-boom-equipements"))
    assert after["equipements"]["id"] == half["equipements"]["id"]
    assert sorted(after) == ["datapackage", "equipements", "parcs", "tarifs"]
    assert datastore_rows(ckan, after["equipements"]["id"])[0] == EXPECTED


def test_portal_without_datastore_gets_the_files(tmp_path, ckan_portal):
    def without_datastore(action, content):
        if action != "status_show":
            return content
        answer = json.loads(content)
        answer["result"]["extensions"] = [e for e in answer["result"]["extensions"] if e != "datastore"]
        return json.dumps(answer).encode()

    crafted_hub(tmp_path, "nostore", geojson=False)
    result, proxy = run_through_proxy(tmp_path, ckan_portal, edit=without_datastore)
    assert result.exit_code == 0, result.output
    assert "has no DataStore" in result.stderr and "datastore " not in result.stdout
    resources = by_key(portal_client(ckan_portal).action.package_show(id="nostore-nostore-equipements"))
    assert sorted(resources) == ["datapackage", "equipements", "tarifs"]
    assert all(len(r["hash"]) == 64 and not r["datastore_active"] for r in resources.values())
    # The same portal with its DataStore: the tables are loaded, the files are not uploaded again.
    again = run_cli(tmp_path, ckan_portal)
    assert "update     datastore    nostore-nostore-equipements/equipements  (table missing; 3 rows)" in again.stdout
    assert "resource" not in again.stdout.replace("Published", "")


def test_token_never_appears_in_output_or_files(tmp_path, ckan_portal):
    crafted_hub(tmp_path, "secret")
    wrong = "not-a-token-" + ckan_portal.token[:20]
    bad = CliRunner().invoke(main, ["publish", "ckan", "--url", ckan_portal.url, "--root", str(tmp_path),
                                    "--out", str(tmp_path / "build")], env={"CKAN_API_KEY": wrong})
    assert bad.exit_code == 2 and "API token" in bad.stderr, bad.output
    assert "does not know this API token" in bad.stderr and "nothing was written" in bad.stderr
    assert ckan_portal.token[:20] not in bad.output
    for args in (("--dry-run",), (), ("--dry-run",)):
        result = run_cli(tmp_path, ckan_portal, *args)
        assert result.exit_code == 0, result.output
        assert ckan_portal.token not in result.output
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert ckan_portal.token.encode() not in path.read_bytes(), path


def test_token_without_rights_stops_with_what_was_done(tmp_path, ckan_portal):
    for slug in ("rights-a", "rights-b"):  # two publishers in one hub
        crafted_hub(tmp_path, slug, tarifs=False, geojson=False)
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    ckan = portal_client(ckan_portal)
    ckan.action.user_create(name="editor-a", email="editor-a@testville.example.fr", password="editor-a-password")
    ckan.action.organization_member_create(id="rights-a", username="editor-a", role="editor")
    editor_token = ckan.action.api_token_create(user="editor-a", name="tests")["token"]
    for slug in ("rights-a", "rights-b"):
        path = tmp_path / "datasets" / slug / f"{slug}-equipements" / "datapackage.json"
        descriptor = json.loads(path.read_text())
        descriptor["title"] = "Équipements (titre revu)"
        path.write_text(json.dumps(descriptor, ensure_ascii=False))

    result = CliRunner().invoke(main, ["publish", "ckan", "--url", ckan_portal.url, "--root", str(tmp_path), "--out",
                                       str(tmp_path / "build")], env={"CKAN_API_KEY": editor_token})
    assert result.exit_code == 3, result.output
    assert "stopped at update dataset rights-b-rights-b-equipements: the portal refused `package_revise`" \
        in result.stderr
    assert "Published (2):\n    update dataset rights-a-rights-a-equipements\n" \
           "    update resource rights-a-rights-a-equipements/datapackage\n" in result.stderr
    assert "editor or admin" in result.stderr
    assert editor_token not in result.output
    assert ckan.action.package_show(id="rights-a-rights-a-equipements")["title"] == "Équipements (titre revu)"
    assert ckan.action.package_show(id="rights-b-rights-b-equipements")["title"] != "Équipements (titre revu)"


def test_portal_that_does_not_answer_times_out(tmp_path):
    import socket

    crafted_hub(tmp_path, "silent")
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        result = CliRunner().invoke(main, ["publish", "ckan", "--url", url, "--timeout", "1",
                                                           "--root", str(tmp_path), "--out", str(tmp_path / "b")],
                                                    env={"CKAN_API_KEY": "x"})
    assert result.exit_code == 2, result.output
    assert "did not answer `status_show` in time" in result.stderr and "nothing was written" in result.stderr


def test_invalid_and_personal_data_datasets_are_refused(tmp_path, ckan_portal):
    crafted_hub(tmp_path / "bad", "invalid", rows=[[1, "Mairie", "hier", "true", "10", 46.6, 2.4]])
    people = [[1, "jean.dupont@gmail.com", "2001-05-14", "true", "10", 46.6, 2.4],
              [2, "marie.martin@orange.fr", "2002-05-14", "true", "12", 46.61, 2.41]]
    crafted_hub(tmp_path / "people", "personal", rows=people, tarifs=False, geojson=False)
    ckan = portal_client(ckan_portal)
    for root, name, code in ((tmp_path / "bad", "invalid", "type-error"),
                             (tmp_path / "people", "personal", "personal-data")):
        report = validate([str(root / "datasets" / name / f"{name}-equipements")], root)
        assert code in {f.code for target in report.targets for f in target.findings}
        result = run_cli(root, ckan_portal)
        assert result.exit_code == 1, result.output
        assert f"Error: {name}/{name}-equipements was not published" in result.stderr
        with pytest.raises(ckanapi.NotFound):
            ckan.action.package_show(id=f"{name}-{name}-equipements")


def test_bundled_datasets(tmp_path, ckan_portal, project_root):
    bundled = [project_root / "datasets" / "ville-de-sampleville" / "budget",
               project_root / "datasets" / "departement-de-sample" / "communes"]
    result = publish_ckan([str(p) for p in bundled], project_root, tmp_path / "packages", url=ckan_portal.url,
                          api_key=ckan_portal.token)
    assert not result.refused and result.rows > 0
    ckan = portal_client(ckan_portal)
    budget = ckan.action.package_show(id="ville-de-sampleville-budget")
    assert budget["organization"]["name"] == "ville-de-sampleville"
    table = next(r for r in budget["resources"] if r["datastore_active"])
    folder = tmp_path / "packages" / "ville-de-sampleville" / "budget"
    descriptor = json.loads((folder / "datapackage.json").read_text())
    entry = next(e for e in descriptor["resources"] if e["name"] == table["catalog_name"])
    with open(folder / entry["path"], encoding="utf-8") as handle:
        source = list(csv.DictReader(handle))
    rows, fields = datastore_rows(ckan, table["id"])
    assert len(rows) == len(source) == entry["catalog"]["rows"]
    numbers = [f["name"] for f in entry["schema"]["fields"] if f["type"] == "number"]
    assert numbers and {f["id"]: f["type"] for f in fields}[numbers[0]] == "numeric"
    assert [r[numbers[0]] for r in rows] == [float(s[numbers[0]]) if s[numbers[0]] else None for s in source]
    communes = ckan.action.package_show(id="departement-de-sample-communes")
    assert {r["format"] for r in communes["resources"]} == {"GeoJSON", "JSON"}
    again = publish_ckan([str(p) for p in bundled], project_root, tmp_path / "packages", url=ckan_portal.url,
                         api_key=ckan_portal.token)
    assert not [s for s in again.steps if s.writes] and again.rows == 0
