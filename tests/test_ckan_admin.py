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
    from click.testing import CliRunner

    from catalog.cli import main
    from tests.test_ckan import FaultyProxy

    slug = f"map-{chosen}"
    crafted_hub(tmp_path, slug, tarifs=False, geojson=False)
    proxy = FaultyProxy(ckan_portal.url, edit=without_licence_ouverte)
    try:
        result = CliRunner().invoke(main, ["publish", "ckan", "--url", proxy.url, "--root", str(tmp_path), "--out",
                                           str(tmp_path / "build"), *option], env={"CKAN_API_KEY": ckan_portal.token})
    finally:
        proxy.close()
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
