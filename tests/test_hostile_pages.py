"""Only safe links, in a real browser: a hostile dataset runs no script on the hub's origin.

Every payload calls `alert()`; Chromium reports each dialog, so a script that runs fails the
test. The hub is served by `catalog serve`, visited with Debian's chromium through playwright.
Payloads: a `popup` cell of a mapped table (datasette-cluster-map turns its `link` into an
anchor), packaged `.html` and `.svg` files, and `javascript:` links in a hub database written
before validate refused them (licence, publisher homepage, lineage, reuse), whose metadata
Datasette shows on every table page.
"""
import json
import sqlite3

import httpx
import pytest
from click.testing import CliRunner

from catalog.cli import main
from catalog.hub.metadata import hub_metadata
from tests.hub import make_hub
from tests.servers import running_hub

ALERT = "javascript:alert(document.domain)"
SCHEMA = {"fields": [
    {"name": "id", "type": "integer", "description": "Identifiant"},
    {"name": "nom", "type": "string", "description": "Nom"},
    {"name": "latitude", "type": "number", "description": "Latitude WGS84"},
    {"name": "longitude", "type": "number", "description": "Longitude WGS84"},
    {"name": "popup", "type": "string", "description": "Bulle de la carte"},
], "primaryKey": ["id"]}
POPUP = json.dumps({"title": "Mairie <img src=x onerror=alert(1)>", "link": ALERT,
                    "description": "<script>alert(2)</script>"})


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-pages")
    folder = make_hub(root, schema=SCHEMA, data="id,nom,latitude,longitude,popup\n1,Mairie,46.6,2.4,\n")
    (folder / "page.html").write_text("<html><body><script>alert('html')</script></body></html>", encoding="utf-8")
    (folder / "image.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert("svg")</script>'
                                      '</svg>', encoding="utf-8")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] += [{"name": "page", "path": "page.html", "format": "html"},
                                {"name": "image", "path": "image.svg", "format": "svg"}]
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    db, packages = root / "build" / "hub.db", root / "build" / "packages"
    published = invoke("publish", "datasette", "--root", root, "--db", db, "--out", packages)
    assert published.exit_code == 0, published.output
    # A hub written before validate refused such links: the pages must not trust what it holds.
    with sqlite3.connect(db) as conn:
        # validate refuses the bubble's script link: it can only come from a hub written before that
        conn.execute("UPDATE equipements_equipements SET popup = ?", [POPUP])
        conn.execute("UPDATE catalog_datasets SET licence_url = ?, sources = ?", [ALERT, json.dumps(
            [{"title": "Source", "path": ALERT}])])
        conn.execute("UPDATE catalog_publishers SET homepage = ?", [ALERT])
        row = conn.execute("SELECT descriptor FROM catalog_descriptors").fetchone()
        tampered = json.loads(row[0])
        tampered["sources"] = [{"title": "Source", "path": ALERT}]
        conn.execute("UPDATE catalog_descriptors SET descriptor = ?", [json.dumps(tampered)])
        conn.execute("INSERT INTO catalog_reuses (slug, title, url, type, author, datasets, kind, description) "
                     "VALUES ('x', 'Carte', ?, 'application', 'X', ?, 'external', '')",
                     [ALERT, json.dumps(["testville/equipements"])])
    import sqlite_utils
    with sqlite_utils.Database(db) as hub_db:
        metadata = hub_metadata(hub_db, "hub")
    (root / "build" / "hub.metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    with running_hub(root, db, packages, cwd=root) as running:
        yield running


@pytest.fixture
def visit(browser):
    """A page whose dialogs (a payload that ran) are recorded and dismissed."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.ran = []
    page.on("dialog", lambda dialog: (page.ran.append(dialog.message), dialog.dismiss()))
    page.violations = []
    page.on("console", lambda message: page.violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()


def click_every_script_link(page):
    for link in page.locator("a[href]").all():
        href = "".join((link.get_attribute("href") or "").split()).lower()
        if href.startswith(("javascript:", "data:", "vbscript:")):
            link.click(no_wait_after=True)
            page.wait_for_timeout(200)


@pytest.mark.parametrize("path", ["/", "/-/dataset/testville/equipements", "/hub/equipements_equipements",
                                  "/hub/catalog_datasets"])
def test_no_script_link_runs_on_the_pages(hub, visit, path):
    visit.goto(hub.url + path)
    click_every_script_link(visit)
    assert visit.ran == []
    assert visit.locator("a[href^='javascript' i], a[href^='data:' i]").count() == 0


def test_map_popup_link_does_not_run_and_the_map_still_works(hub, visit):
    visit.goto(hub.url + "/hub/equipements_equipements")
    marker = visit.locator(".leaflet-marker-icon").first
    marker.wait_for(state="visible", timeout=30_000)  # the map draws under the policy
    marker.click()
    link = visit.locator(".leaflet-popup-content a").first
    link.wait_for(state="visible", timeout=10_000)
    link.click(no_wait_after=True)
    visit.wait_for_timeout(500)
    assert visit.ran == []
    # The only refusals are the payload's: the hub's own scripts all ran.
    assert all("javascript" in v.lower() or "inline" not in v.lower() for v in visit.violations), visit.violations


def test_landing_filter_script_still_runs(hub, visit):
    visit.goto(hub.url + "/")
    visit.fill("#hub-filter", "aucun-jeu-ne-contient-ces-mots")
    visit.locator(".hub-card").first.wait_for(state="hidden", timeout=5_000)
    assert visit.violations == []


@pytest.mark.parametrize("name", ["page.html", "image.svg"])
def test_packaged_active_files_never_run(hub, visit, name):
    url = f"{hub.url}/packages/testville/equipements/data/{name}"
    try:
        visit.goto(url)
    except Exception:  # a download, not a page: navigation is aborted
        pass
    visit.wait_for_timeout(500)
    assert visit.ran == []
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["content-type"] == "application/octet-stream"


def test_every_response_carries_the_policies(hub):
    for path in ["/", "/-/dataset/testville/equipements", "/hub/equipements_equipements", "/hub",
                 "/hub/equipements_equipements.json", "/packages/testville/equipements/datapackage.json",
                 "/packages/testville/equipements/data/equipements.csv"]:
        response = httpx.get(hub.url + path)
        assert response.status_code == 200, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        policy = response.headers["content-security-policy"]
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[-1].split(";")[0], path
        assert "default-src" in policy, path
    page = httpx.get(hub.url + "/")
    nonce = page.headers["content-security-policy"].split("'nonce-", 1)[1].split("'")[0]
    assert page.text.count("<script") == page.text.count(f'<script nonce="{nonce}"')
    assert nonce != httpx.get(hub.url + "/").headers["content-security-policy"].split("'nonce-", 1)[1].split("'")[0]


def test_work_folders_are_never_served(hub):
    hidden = hub.packages / "testville" / ".equipements.abc123"
    hidden.mkdir()
    (hidden / "datapackage.json").write_text("{}", encoding="utf-8")
    try:
        assert httpx.get(f"{hub.url}/packages/testville/.equipements.abc123/datapackage.json").status_code == 404
    finally:
        (hidden / "datapackage.json").unlink()
        hidden.rmdir()


@pytest.mark.parametrize("change, key", [
    ({"licenses": [{"name": "etalab-2.0", "path": "javascript:alert(1)"}]}, "licenses[0].path"),
    ({"sources": [{"title": "INSEE", "path": " JaVa\tScript:alert(1)"}]}, "sources[0].path"),
    ({"contributors": [{"title": "X", "path": "data:text/html,<script>alert(1)</script>"}]}, "contributors[0].path"),
    ({"homepage": "vbscript:msgbox(1)"}, "homepage"),
])
def test_validate_refuses_script_links(tmp_path, change, key):
    folder = make_hub(tmp_path, descriptor=change)
    result = invoke("validate", folder, "--json")
    assert result.exit_code == 1, result.output
    found = [f for t in json.loads(result.output)["targets"] for f in t["findings"] if f["code"] == "unsafe-link"]
    assert [f["column"] for f in found] == [key]


@pytest.mark.parametrize("value, link", [
    ("https://www.etalab.gouv.fr/licence", True), ("http://a.fr", True), ("javascript:alert(1)", False),
    ("JAVASCRIPT:alert(1)", False), ("java\nscript:alert(1)", False), (" https://a.fr", False), ("//evil.fr", False),
    ("data:text/html,x", False), ("LICENSE.txt", False), ("https:/\\evil.fr", False), (None, False),
])
def test_what_becomes_a_link(value, link):
    from catalog.weblinks import web_link

    assert (web_link(value) is not None) is link


def test_validate_refuses_a_script_link_in_a_map_bubble(tmp_path):
    csv_popup = '"' + POPUP.replace('"', '""') + '"'
    safe = '"' + json.dumps({"title": "Gare", "link": "https://www.testville.example.fr/gare"}).replace('"', '""') + '"'
    folder = make_hub(tmp_path, schema=SCHEMA, data=f"id,nom,latitude,longitude,popup\n1,Gare,46.6,2.4,{safe}\n"
                      f"2,Mairie,46.6,2.4,{csv_popup}\n")
    result = invoke("validate", folder, "--json")
    assert result.exit_code == 1, result.output
    found = [f for t in json.loads(result.output)["targets"] for f in t["findings"] if f["code"] == "unsafe-link"]
    assert [(f["row"], f["column"]) for f in found] == [(3, "popup")]
