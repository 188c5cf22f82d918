"""`catalog publish ckan` seen as a CKAN administrator sees it, on the real CKAN 2.12 of the
suite (with ckanext-dcat and ckanext-geoview; xloader where a test needs it): previews,
licences, DCAT for harvesters, orphans, changes made on the portal, atomic reloads, aliases.
"""
import json

import ckanapi
import pytest

from tests.ckan_portal import ckan_portal  # noqa: F401 - the session fixture
from tests.test_ckan import by_key, crafted_hub, portal_client, run_cli


def test_tables_get_their_previews(tmp_path, ckan_portal):
    crafted_hub(tmp_path, "views")
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    ckan = portal_client(ckan_portal)
    resources = by_key(ckan.action.package_show(id="views-views-equipements"))
    kinds = {key: sorted(v["view_type"] for v in ckan.action.resource_view_list(id=r["id"]))
             for key, r in resources.items()}
    assert "datatables_view" in kinds["equipements"] and "datatables_view" in kinds["tarifs"]
    assert "geo_view" in kinds["parcs"]  # the portal's map viewer, for the GeoJSON file
    assert "datatables_view" not in kinds["datapackage"]
    # Publishing again creates no second view.
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    (tmp_path / "datasets" / "views" / "views-equipements" / "tarifs.csv").write_text("code,libelle,prix\nA,Plein,4\n")
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    for key in ("equipements", "tarifs"):
        resource = by_key(ckan.action.package_show(id="views-views-equipements"))[key]
        types = [v["view_type"] for v in ckan.action.resource_view_list(id=resource["id"])]
        assert types.count("datatables_view") == 1, types


ETALAB = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


def test_licence_ouverte_is_the_portals_own_entry(tmp_path, ckan_portal):
    crafted_hub(tmp_path, "lo")
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    assert "licence" not in result.stderr.lower()  # nothing to warn about
    package = portal_client(ckan_portal).action.package_show(id="lo-lo-equipements")
    assert package["license_id"] == "lov2"
    assert package["license_title"] == "Licence Ouverte / Open Licence version 2.0"
    assert package["license_url"] == ETALAB
    assert {r["license"] for r in package["resources"]} == {ETALAB}


def without_licence_ouverte(action, content):
    if action != "license_list":
        return content
    answer = json.loads(content)
    answer["result"] = [e for e in answer["result"] if e["id"] != "lov2"]
    return json.dumps(answer).encode()


@pytest.mark.parametrize("option, chosen", [((), "other-at"), (("--licence-map", "etalab-2.0=other-open"), "other-open")])
def test_licence_missing_from_the_portal_is_mapped_with_a_warning(tmp_path, ckan_portal, option, chosen):
    from tests.test_ckan import run_through_proxy

    slug = f"map-{chosen}"
    crafted_hub(tmp_path, slug, tarifs=False, geojson=False)
    result, proxy = run_through_proxy(tmp_path, ckan_portal, *option, edit=without_licence_ouverte)
    assert result.exit_code == 0, result.output
    assert f"no entry for etalab-2.0" in result.stderr and f"published as {chosen} (Other (" in result.stderr
    assert "--licence-map etalab-2.0=ID" in result.stderr
    package = portal_client(ckan_portal).action.package_show(id=f"{slug}-{slug}-equipements")
    assert package["license_id"] == chosen
    assert {r["license"] for r in package["resources"]} == {ETALAB}


def test_bad_licence_map_is_a_usage_error(tmp_path):
    from click.testing import CliRunner

    from catalog.cli import main

    result = CliRunner().invoke(main, ["publish", "ckan", "--url", "http://127.0.0.1:9", "--dry-run", "--root",
                                       str(tmp_path), "--licence-map", "wtfpl=other-open"])
    assert result.exit_code == 2 and "expected LICENCE=PORTAL_ID" in result.stderr, result.output


def dcat_graph(portal, name):
    """The dataset as ckanext-dcat serves it to harvesters (its /dataset/NAME.ttl endpoint)."""
    import httpx
    from rdflib import Graph

    answer = httpx.get(f"{portal.url}/dataset/{name}.ttl", timeout=60)
    assert answer.status_code == 200, answer.text[:500]
    return Graph().parse(data=answer.text, format="turtle")


def test_harvesters_get_full_dcat(tmp_path, ckan_portal):
    import hashlib

    from rdflib import URIRef
    from rdflib.namespace import DCAT, DCTERMS

    from tests.test_ckan import SCHEMA

    SPDX = "http://spdx.org/rdf/terms#"
    folder = crafted_hub(tmp_path, "dcat", geojson=False)
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["catalog"]["modified"] = "2024-03-05"
    # A resource whose schema is a published one (its canonical address in `path`).
    (folder / "schema.json").write_text(json.dumps({**SCHEMA, "path": "https://schema.example.fr/equipements/1.0.json"}))
    descriptor["resources"][0]["schema"] = "schema.json"
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    result = run_cli(tmp_path, ckan_portal, "--hub-url", "https://hub.pays-de-sample.example.fr")
    assert result.exit_code == 0, result.output
    ckan = portal_client(ckan_portal)
    package = ckan.action.package_show(id="dcat-dcat-equipements")
    g = dcat_graph(ckan_portal, "dcat-dcat-equipements")
    dataset = next(g.subjects(DCTERMS.identifier, None))
    assert str(g.value(dataset, DCTERMS.identifier)) == "dcat/dcat-equipements"
    assert str(g.value(dataset, DCAT.landingPage)) == \
        "https://hub.pays-de-sample.example.fr/-/dataset/dcat/dcat-equipements"
    eu = "http://publications.europa.eu/resource/authority/"
    assert {str(t) for t in g.objects(dataset, DCAT.theme)} == {eu + "data-theme/GOVE", eu + "data-theme/SOCI"}
    assert str(g.value(dataset, DCTERMS.accrualPeriodicity)).startswith(eu + "frequency/")
    assert str(g.value(dataset, DCTERMS.modified)).startswith("2024-03-05")  # the data's date, not today's
    assert str(g.value(dataset, DCTERMS.conformsTo)) == "https://schema.example.fr/equipements/1.0.json"
    distributions = list(g.objects(dataset, DCAT.distribution))
    assert len(distributions) == len(package["resources"]) == 3
    for distribution in distributions:
        assert g.value(distribution, DCTERMS.license) == URIRef(ETALAB)
        checksum = g.value(distribution, URIRef(SPDX + "checksum"))
        value = str(g.value(checksum, URIRef(SPDX + "checksumValue")))
        assert str(g.value(checksum, URIRef(SPDX + "algorithm"))) == SPDX + "checksumAlgorithm_sha256"
        url = str(g.value(distribution, DCAT.downloadURL) or g.value(distribution, DCAT.accessURL))
        assert hashlib.sha256(ckan.session.get(url).content).hexdigest() == value  # the file served


def test_dataset_removed_locally_is_an_orphan_until_pruned(tmp_path, ckan_portal):
    import shutil

    crafted_hub(tmp_path, "orph", tarifs=False, geojson=False)
    second = crafted_hub(tmp_path / "second", "orph", tarifs=False, geojson=False, dataset="orph-parcs")
    shutil.move(second, tmp_path / "datasets" / "orph" / "orph-parcs")
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    ckan = portal_client(ckan_portal)
    shutil.rmtree(tmp_path / "datasets" / "orph" / "orph-parcs")

    plan = run_cli(tmp_path, ckan_portal, "--dry-run")
    assert plan.exit_code == 0, plan.output
    assert "orphan     dataset      orph-orph-parcs  (no longer in datasets/; --prune makes it private" in plan.output
    assert "1 orphan" in plan.output
    result = run_cli(tmp_path, ckan_portal)  # without --prune: listed, left public
    assert "orph-orph-parcs: no longer in datasets/" in result.stderr
    assert ckan.action.package_show(id="orph-orph-parcs")["private"] is False

    result = run_cli(tmp_path, ckan_portal, "--prune")
    assert result.exit_code == 0, result.output
    assert "prune      dataset      orph-orph-parcs  (no longer in datasets/: made private)" in result.output
    assert ckan.action.package_show(id="orph-orph-parcs")["private"] is True
    assert ckan.action.package_show(id="orph-orph-equipements")["private"] is False
    assert "prune      dataset" not in run_cli(tmp_path, ckan_portal, "--prune").output  # already private

    result = run_cli(tmp_path, ckan_portal, "--prune=delete")
    assert result.exit_code == 0, result.output
    assert "prune      dataset      orph-orph-parcs  (no longer in datasets/: deleted)" in result.output
    assert ckan.action.package_show(id="orph-orph-parcs")["state"] == "deleted"
    assert "orph-parcs" not in run_cli(tmp_path, ckan_portal, "--dry-run").output  # gone for good


def test_dataset_hidden_on_the_portal_is_a_conflict_until_forced(tmp_path, ckan_portal):
    crafted_hub(tmp_path, "hide", tarifs=False, geojson=False)
    crafted_hub(tmp_path / "other", "gone", tarifs=False, geojson=False)
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    assert run_cli(tmp_path / "other", ckan_portal).exit_code == 0
    ckan = portal_client(ckan_portal)
    ckan.action.package_patch(id="hide-hide-equipements", private=True)
    ckan.action.package_delete(id="gone-gone-equipements")
    for root, name, why in ((tmp_path, "hide", "made private on the portal"),
                            (tmp_path / "other", "gone", "deleted on the portal")):
        result = run_cli(root, ckan_portal)
        assert result.exit_code == 0, result.output
        assert f"conflict   dataset      {name}-{name}-equipements  ({why}: left as it is; --force" in result.output
        assert f"{name}-{name}-equipements: {why}" in result.stderr
    assert ckan.action.package_show(id="hide-hide-equipements")["private"] is True
    assert ckan.action.package_show(id="gone-gone-equipements")["state"] == "deleted"

    assert run_cli(tmp_path, ckan_portal, "--force").exit_code == 0
    assert run_cli(tmp_path / "other", ckan_portal, "--force").exit_code == 0
    assert ckan.action.package_show(id="hide-hide-equipements")["private"] is False
    assert ckan.action.package_show(id="gone-gone-equipements")["state"] == "active"


def test_title_and_licence_edited_on_the_portal_are_kept(tmp_path, ckan_portal):
    folder = crafted_hub(tmp_path, "edits-portal", tarifs=False, geojson=False)
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    ckan = portal_client(ckan_portal)
    ckan.action.package_patch(id="edits-portal-edits-portal-equipements", title="Équipements (titre du portail)",
                              license_id="odc-odbl")
    result = run_cli(tmp_path, ckan_portal)  # the descriptor did not change: the portal's edit stands
    assert result.exit_code == 0 and "conflict" not in result.output, result.output
    package = ckan.action.package_show(id="edits-portal-edits-portal-equipements")
    assert (package["title"], package["license_id"]) == ("Équipements (titre du portail)", "odc-odbl")

    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["title"] = "Équipements (titre du descripteur)"
    descriptor["description"] = "Nouvelle description."
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    result = run_cli(tmp_path, ckan_portal)  # both changed the title: conflict, the portal's kept
    assert "conflict   dataset      edits-portal-edits-portal-equipements  (title edited on the portal and in the descriptor" \
        in result.output, result.output
    package = ckan.action.package_show(id="edits-portal-edits-portal-equipements")
    assert package["title"] == "Équipements (titre du portail)"
    assert package["notes"] == "Nouvelle description."  # changed on our side only: written
    assert package["license_id"] == "odc-odbl"

    assert run_cli(tmp_path, ckan_portal, "--force").exit_code == 0
    package = ckan.action.package_show(id="edits-portal-edits-portal-equipements")
    assert (package["title"], package["license_id"]) == ("Équipements (titre du descripteur)", "lov2")


def test_wrong_token_with_nothing_to_write_is_refused(tmp_path, ckan_portal):
    from click.testing import CliRunner

    from catalog.cli import main

    crafted_hub(tmp_path, "tokencheck", tarifs=False, geojson=False)
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    result = CliRunner().invoke(main, ["publish", "ckan", "--url", ckan_portal.url, "--root", str(tmp_path), "--out",
                                       str(tmp_path / "build")], env={"CKAN_API_KEY": "not-a-real-token"})
    assert result.exit_code == 2, result.output
    assert "does not know this API token" in result.stderr and "not-a-real-token" not in result.output


def test_an_address_that_is_not_ckan_says_so(tmp_path):
    import http.server
    import threading

    from click.testing import CliRunner

    from catalog.cli import main

    class Page(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = b"<html><body>Bienvenue sur le site de la ville</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    crafted_hub(tmp_path, "notckan", tarifs=False, geojson=False)
    try:
        result = CliRunner().invoke(main, ["publish", "ckan", "--url", f"http://127.0.0.1:{server.server_address[1]}",
                                           "--root", str(tmp_path), "--dry-run"])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 2, result.output
    assert "does not answer as a CKAN API (HTTP 200 to /api/3/action/status_show" in result.stderr
    assert "see the portal's log" not in result.stderr


def test_dry_run_without_token_with_a_private_dataset(tmp_path, ckan_portal):
    from click.testing import CliRunner

    from catalog.cli import main

    crafted_hub(tmp_path, "anon", tarifs=False, geojson=False)
    second = crafted_hub(tmp_path / "second", "anon", tarifs=False, geojson=False, dataset="anon-prive")
    import shutil
    shutil.move(second, tmp_path / "datasets" / "anon" / "anon-prive")
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    portal_client(ckan_portal).action.package_patch(id="anon-anon-prive", private=True)
    result = CliRunner().invoke(main, ["publish", "ckan", "--url", ckan_portal.url, "--root", str(tmp_path),
                                       "--dry-run"], env={"CKAN_API_KEY": ""})
    assert result.exit_code == 0, result.output
    assert "unknown    dataset      anon-anon-prive  (private on the portal: a token that may see it" in result.output
    assert "unchanged  dataset      anon-anon-equipements" in result.output


def test_logo_and_sources_reach_the_portal(tmp_path, ckan_portal):
    from tests.test_ckan import EXPECTED  # noqa: F401 - same fixtures

    crafted_hub(tmp_path, "logos", tarifs=False, geojson=False)
    logo = png(4, 4)
    (tmp_path / "publishers" / "logo.png").write_bytes(logo)
    profile = tmp_path / "publishers" / "logos.yml"
    profile.write_text(profile.read_text() + "logo: logo.png\n")
    folder = tmp_path / "datasets" / "logos" / "logos-equipements"
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["sources"] = [{"title": "Communes", "name": "departement-de-sample/communes"}]
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    ckan = portal_client(ckan_portal)
    organisation = ckan.action.organization_show(id="logos")
    assert organisation["image_url"].endswith("logo.png")
    assert ckan.session.get(organisation["image_display_url"]).content == logo
    extras = {e["key"]: e["value"] for e in ckan.action.package_show(id="logos-logos-equipements")["extras"]}
    link = f"{ckan_portal.url}/dataset/departement-de-sample-communes"
    assert extras["derived_from"] == link and json.loads(extras["source"]) == [link]
    assert "organisation" not in run_cli(tmp_path, ckan_portal).output.split("Published")[0]  # not re-uploaded
    # A logo outside publishers/ is never read.
    profile.write_text(profile.read_text().replace("logo: logo.png", "logo: ../datasets/logos/logos-equipements/data.csv"))
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    assert ckan.action.organization_show(id="logos")["image_url"].endswith("logo.png")


def png(width, height):
    """A small valid PNG (grey pixels), written with the standard library."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_plan_wording(tmp_path, ckan_portal):
    from tests.test_ckan import SCHEMA

    folder = crafted_hub(tmp_path, "wording", rows=[[1, "Mairie", "2001-05-14", "true", "12", 46.6, 2.4]],
                         tarifs=False, geojson=False)
    plan = run_cli(tmp_path, ckan_portal, "--dry-run")
    assert "create     datastore    wording-wording-equipements/equipements  (1 row)" in plan.output, plan.output
    result = run_cli(tmp_path, ckan_portal)
    assert "; 1 DataStore row in " in result.output
    # A column renamed in the file and its schema: the file changed, the table follows.
    (folder / "data.csv").write_text((folder / "data.csv").read_text().replace("surface", "surface_m2", 1))
    descriptor = json.loads((folder / "datapackage.json").read_text())
    schema = json.loads(json.dumps(SCHEMA).replace('"surface"', '"surface_m2"'))
    descriptor["resources"][0]["schema"] = schema
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    plan = run_cli(tmp_path, ckan_portal, "--dry-run")
    assert plan.exit_code == 0, plan.output
    assert "update     datastore    wording-wording-equipements/equipements  (file changed, " in plan.output
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    assert "keep       " not in result.output and "unchanged  " not in result.output
    fields = portal_client(ckan_portal).action.datastore_search(
        resource_id="wording__wording_equipements_equipements", limit=1)["fields"]
    assert "surface_m2" in [f["id"] for f in fields]


def test_themes_become_groups(tmp_path, ckan_portal):
    crafted_hub(tmp_path, "groups", tarifs=False, geojson=False)
    folder = tmp_path / "datasets" / "groups" / "groups-equipements"
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["catalog"]["theme"] = "energy"
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    ckan = portal_client(ckan_portal)
    package = ckan.action.package_show(id="groups-groups-equipements")
    assert [g["name"] for g in package["groups"]] == ["theme-ener"]
    assert ckan.action.group_show(id="theme-ener")["title"] == "Énergie"
    ckan.action.member_create(id="theme-ener", object=package["id"], object_type="package", capacity="public")
    ckan.action.group_create(name="coups-de-coeur")
    ckan.action.member_create(id="coups-de-coeur", object=package["id"], object_type="package", capacity="public")
    assert "0 create, 0 update" in run_cli(tmp_path, ckan_portal).output  # the portal's own group is kept
    assert sorted(g["name"] for g in ckan.action.package_show(id="groups-groups-equipements")["groups"]) == \
        ["coups-de-coeur", "theme-ener"]


def package_activities(ckan, name):
    """The dataset's activity stream, oldest first: (package activities, view activities)."""
    stream = [a["activity_type"] for a in ckan.action.package_activity_list(id=name, limit=1000)][::-1]
    return [t for t in stream if t.endswith(" package")], [t for t in stream if t.endswith(" resource view")]


def views_of(ckan, package):
    return {r["catalog_name"]: [(v["view_type"], v["title"]) for v in ckan.action.resource_view_list(id=r["id"])]
            for r in package["resources"]}


def test_activity_stream_has_one_revision_per_step_of_the_publication(tmp_path, ckan_portal):
    folder = crafted_hub(tmp_path, "acts")  # 4 files, 3 of them tables
    ckan = portal_client(ckan_portal)
    name = "acts-acts-equipements"
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    changes, views = package_activities(ckan, name)
    # The dataset with every resource's metadata, then the files with the tables' completion marks.
    assert changes == ["new package", "changed package"], changes
    # Plus one activity per view the portal's defaults create (CKAN records each), nothing else.
    made = views_of(ckan, ckan.action.package_show(id=name))
    assert len(views) == sum(len(v) for v in made.values()) and made["parcs"], made

    assert run_cli(tmp_path, ckan_portal).exit_code == 0  # unchanged: no activity at all
    assert package_activities(ckan, name) == (changes, views)

    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["title"] = "Équipements (titre revu)"
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    assert run_cli(tmp_path, ckan_portal).exit_code == 0  # metadata only: one revision
    assert package_activities(ckan, name) == (changes + ["changed package"], views)

    (folder / "tarifs.csv").write_text("code,libelle,prix\nA,Plein tarif,5\n")
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    after, views_after = package_activities(ckan, name)
    # A reload: its new resource, then the files and marks, then its old copy deleted (with its table);
    # its views are the old copy's.
    assert after[len(changes) + 1:] == ["changed package"] * 3, after
    assert len(views_after) - len(views) == len(views_of(ckan, ckan.action.package_show(id=name))["tarifs"])


def test_reloaded_table_keeps_its_place_name_and_views(tmp_path, ckan_portal):
    folder = crafted_hub(tmp_path, "keeps")
    ckan = portal_client(ckan_portal)
    name = "keeps-keeps-equipements"
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    before = ckan.action.package_show(id=name)
    old = by_key(before)["tarifs"]
    # The portal's staff retitle the table's preview and add a second one of their own.
    table_view = ckan.action.resource_view_list(id=old["id"])[0]
    ckan.action.resource_view_update(id=table_view["id"], title="Grille tarifaire", view_type=table_view["view_type"],
                                     description="Vue choisie par l'équipe du portail")
    ckan.action.resource_view_create(resource_id=old["id"], view_type="datatables_view", title="Tarifs, filtrés",
                                     filterable=False)
    views = views_of(ckan, ckan.action.package_show(id=name))
    configured = [{k: v for k, v in view.items() if k not in ("id", "resource_id")}
                  for view in ckan.action.resource_view_list(id=old["id"])]

    (folder / "tarifs.csv").write_text("code,libelle,prix\nA,Plein tarif,5\nB,Réduit,2.5\n")
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    after = ckan.action.package_show(id=name)
    new = by_key(after)["tarifs"]
    assert new["id"] != old["id"]  # a new table is swapped in (see the README on resource ids)
    assert [r["catalog_name"] for r in after["resources"]] == [r["catalog_name"] for r in before["resources"]]
    assert [r["name"] for r in after["resources"]] == [r["name"] for r in before["resources"]]
    assert views_of(ckan, after) == views
    assert [{k: v for k, v in view.items() if k not in ("id", "resource_id")}
            for view in ckan.action.resource_view_list(id=new["id"])] == configured
    assert ckan.action.datastore_search(resource_id=new["id"])["total"] == 2
    # The old id is gone with its table (see the README); the alias is the stable name.
    with pytest.raises(ckanapi.NotFound):
        ckan.action.datastore_search(resource_id=old["id"])
    assert ckan.action.datastore_search(resource_id="keeps__keeps_equipements_tarifs")["resource_id"] == new["id"]
