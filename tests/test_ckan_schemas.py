"""Issue #13 on a real CKAN 2.12 (tests/ckan_portal.py): a national schema reference reaches the
portal's resource the way data.gouv.fr records it, and the quality gate keeps refused datasets
off the portal entirely while the others of the same run are published."""
from __future__ import annotations

import json
import shutil

import ckanapi
import pytest
from rdflib import URIRef
from rdflib.namespace import DCAT, DCTERMS

from tests.ckan_portal import ckan_portal  # noqa: F401 - the session fixture
from tests.conftest import ROOT
from tests.test_ckan import crafted_hub, portal_client, run_cli
from tests.test_ckan_admin import dcat_graph

IRVE_URL = "https://schema.data.gouv.fr/schemas/etalab/schema-irve-statique/2.3.1/schema-statique.json"


def bundled_irve(root, slug):
    """The bundled IRVE dataset (`"schema": "etalab/schema-irve-statique@2.3.1"`) under a
    publisher `slug` of its own, so that no other test's run on the same portal meets it."""
    (root / "publishers").mkdir(parents=True)
    shutil.copy(ROOT / "publishers" / "departement-de-sample.yml", root / "publishers" / f"{slug}.yml")
    folder = root / "datasets" / slug / "bornes-recharge"
    shutil.copytree(ROOT / "datasets" / "departement-de-sample" / "bornes-recharge", folder)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert [r.get("schema") for r in descriptor["resources"]][0] == "etalab/schema-irve-statique@2.3.1"
    return folder


def test_a_national_schema_reference_reaches_the_ckan_resource(tmp_path, ckan_portal):
    bundled_irve(tmp_path, "natschema")
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    ckan = portal_client(ckan_portal)
    package = ckan.action.package_show(id="natschema-bornes-recharge")
    resources = {r["catalog_name"]: r for r in package["resources"]}
    irve = ckan.action.resource_show(id=resources["irve"]["id"])
    # data.gouv.fr's resource `schema`: {"name", "version"} (and the schema's address), kept as JSON
    # text because CKAN keeps extra resource fields as strings.
    assert json.loads(irve["schema"]) == {"name": "etalab/schema-irve-statique", "version": "2.3.1",
                                          "url": IRVE_URL}
    assert irve["conforms_to"] == IRVE_URL
    assert "schema" not in resources["datapackage"]  # the descriptor follows no national schema

    # DCAT, as harvesters (data.gouv.fr among them) read it from the portal: dct:conformsTo on
    # the dataset and on the IRVE distribution.
    extras = {e["key"]: e["value"] for e in package.get("extras", [])}
    assert json.loads(package.get("conforms_to") or extras["conforms_to"]) == [IRVE_URL]
    graph = dcat_graph(ckan_portal, "natschema-bornes-recharge")
    dataset = next(graph.subjects(DCTERMS.identifier, None))
    assert graph.value(dataset, DCTERMS.conformsTo) == URIRef(IRVE_URL)
    conforming = [d for d in graph.objects(dataset, DCAT.distribution)
                  if (d, DCTERMS.conformsTo, URIRef(IRVE_URL)) in graph]
    assert len(conforming) == 1
    assert "irve" in str(graph.value(conforming[0], DCAT.downloadURL) or graph.value(conforming[0], DCAT.accessURL))


def refused_sets(root):
    """Three datasets the gate refuses (poor metadata, no title, a placeholder left) beside the
    good `<slug>-equipements` of crafted_hub, all of publisher `gate`."""
    good = crafted_hub(root, "gate", tarifs=False, geojson=False)
    source = json.loads((good / "datapackage.json").read_text(encoding="utf-8"))
    changes = {"poor": {"description": "Trop court.", "licenses": [], "catalog": {}},
               "untitled": {"title": None},
               "unfinished": {"description": "TODO: describe the data in at least 100 characters."}}
    for name, change in changes.items():
        folder = good.parent / name
        folder.mkdir()
        shutil.copy(good / "data.csv", folder / "data.csv")
        descriptor = {k: v for k, v in {**source, "name": name, **change}.items() if v is not None}
        (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    return good


def test_the_quality_gate_keeps_refused_datasets_off_the_portal(tmp_path, ckan_portal):
    refused_sets(tmp_path)
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 1, result.output  # documented: 1 a dataset was refused
    out = result.output
    for name in ("poor", "untitled", "unfinished"):
        assert f"gate/{name} was not published" in out, out
    assert "under --min-quality 60" in out
    for criterion in ("licence", "description", "update frequency", "spatial coverage"):
        assert criterion in out.split("gate/poor was not published")[1].split("\n")[0]
    assert "no title" in out.split("gate/untitled was not published")[1].split("\n")[0]
    unfinished = out.split("gate/unfinished was not published")[1].split("\n")[0]
    assert "placeholders" in unfinished and "description" in unfinished

    ckan = portal_client(ckan_portal)
    assert ckan.action.package_show(id="gate-gate-equipements")["state"] == "active"  # the good one went
    organisation = ckan.action.organization_show(id="gate", include_datasets=True)
    assert [p["name"] for p in organisation["packages"]] == ["gate-gate-equipements"]
    assert ckan.action.datastore_search(resource_id="gate__gate_equipements_equipements", limit=1)["records"]
    for name in ("poor", "untitled", "unfinished"):
        with pytest.raises(ckanapi.NotFound):
            ckan.action.package_show(id=f"gate-{name}")
        with pytest.raises(ckanapi.NotFound):  # no DataStore table either
            ckan.action.datastore_search(resource_id=f"gate__{name}_equipements", limit=1)
    assert ckan.action.package_search(q="name:gate-*", include_private=True)["count"] == 1

    # Lowered, the gate lets the poorly described one through; the others are always refused.
    result = run_cli(tmp_path, ckan_portal, "--min-quality", "0")
    assert result.exit_code == 1, result.output
    assert "gate/poor was not published" not in result.output
    assert ckan.action.package_show(id="gate-poor")["state"] == "active"
    for name in ("untitled", "unfinished"):
        with pytest.raises(ckanapi.NotFound):
            ckan.action.package_show(id=f"gate-{name}")


def test_the_ckan_resource_follows_the_reference_when_it_changes_or_goes(tmp_path, ckan_portal):
    """A dataset moved to another version is said to conform to that one; a dataset that stops
    referring to a national schema must not go on claiming it on the portal."""
    from catalog.datasets import load_dataset

    folder = bundled_irve(tmp_path, "natmove")
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    ckan = portal_client(ckan_portal)

    def irve():
        package = ckan.action.package_show(id="natmove-bornes-recharge")
        return next(r for r in package["resources"] if r.get("catalog_name") == "irve")

    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"][0]["schema"] = "etalab/schema-irve-statique@2.3.0"
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    older = IRVE_URL.replace("2.3.1", "2.3.0")
    assert json.loads(irve()["schema"]) == {"name": "etalab/schema-irve-statique", "version": "2.3.0", "url": older}
    assert irve()["conforms_to"] == older

    # The same columns, from a file of the dataset's own: no national schema any more.
    schema = load_dataset(folder).schema(descriptor["resources"][0])
    (folder / "schema-irve.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    descriptor["resources"][0]["schema"] = "schema-irve.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    assert not irve().get("schema"), irve().get("schema")
    # It still follows the schema file's own published address, which is what it now says.
    assert irve()["conforms_to"] == schema["path"] != older

    # Refused again later (with a placeholder now), it keeps its published version: not
    # updated, and not taken for an orphan even when pruning.
    before = ckan.action.package_show(id="gate-poor")
    path = tmp_path / "datasets" / "gate" / "poor" / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["title"] = "TODO: a title"
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    result = run_cli(tmp_path, ckan_portal, "--min-quality", "0", "--prune", "delete")
    assert result.exit_code == 1 and "gate/poor was not published" in result.output, result.output
    after = ckan.action.package_show(id="gate-poor")
    assert after["state"] == "active" and after["private"] is False
    assert (after["title"], after["metadata_modified"]) == (before["title"], before["metadata_modified"])
