"""National schemas referred to by name and version: resolved offline from the shipped snapshot,
refreshed from a catalogue served here by a real HTTP server, and carried into packages, DCAT,
the hub and CKAN."""
from __future__ import annotations

import contextlib
import csv
import functools
import http.server
import io
import json
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS as DCT

from catalog.cli import main
from catalog.schemas.catalogue import SNAPSHOT
from catalog.validate import validate
from tests.conftest import ROOT

IRVE = "departement-de-sample/bornes-recharge"
REFERENCE = "etalab/schema-irve-statique@2.3.1"


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def hub_with(tmp_path: Path, *datasets: str) -> Path:
    root = tmp_path / "hub"
    (root / "datasets").mkdir(parents=True)
    shutil.copytree(ROOT / "publishers", root / "publishers")
    for dataset in datasets:
        shutil.copytree(ROOT / "datasets" / dataset, root / "datasets" / dataset)
    return root


@contextlib.contextmanager
def serving(folder: Path):
    """A real HTTP server on a free loopback port, serving `folder`."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def national_site(folder: Path, base: str, versions=("2.3.1", "2.4.0"), extra=None) -> str:
    """A schema.data.gouv.fr-like site: schemas.json plus one schema file per version."""
    source = json.loads((SNAPSHOT / "etalab/schema-irve-statique/2.3.1/schema-statique.json").read_text("utf-8"))
    entries = []
    for version in versions:
        schema = dict(source, version=version)
        path = folder / "schemas/etalab/schema-irve-statique" / version / "schema-statique.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
        entries.append({"version_name": version,
                        "schema_url": f"{base}/schemas/etalab/schema-irve-statique/{version}/schema-statique.json"})
    catalogue = {"$schema": "https://opendataschema.frama.io/catalog/schema-catalog.json", "version": 1,
                 "schemas": [{"name": "etalab/schema-irve-statique", "title": "IRVE statique",
                              "schema_url": entries[-1]["schema_url"], "schema_type": "tableschema",
                              "versions": entries}, *(extra or [])]}
    (folder / "schemas/schemas.json").write_text(json.dumps(catalogue), encoding="utf-8")
    return f"{base}/schemas/schemas.json"


def test_references_resolve_offline_from_the_shipped_snapshot(shared_data):
    """Every schema the shared examples use ships in the package, byte for byte as published."""
    pairs = {"etalab/schema-irve-statique@2.3.1": "irve/statique/schema-statique.json",
             "etalab/schema-irve-dynamique@2.3.1": "irve/dynamique/schema-dynamique.json",
             "etalab/schema-stationnement@0.1.5": "stationnement/schema.json",
             "etalab/schema-lieux-covoiturage@0.2.0": "lieux-covoiturage/schema.json",
             "etalab/schema-dispositif-aide@0.2.0": "dispositif-aide/schema.json",
             "scdl/subventions@2.1.1": "subventions-scdl/schema.json"}
    from catalog.schemas import resolve
    for reference, path in pairs.items():
        resolved = resolve(reference)
        assert resolved.schema == json.loads((shared_data / "schemas" / path).read_text(encoding="utf-8"))
        assert not resolved.outdated
    # IRVE 2.3.0 ships too (the same fields; its metadata differs): offline, it is known to be outdated.
    older = resolve("etalab/schema-irve-statique@2.3.0")
    assert older.outdated and older.latest == "2.3.1"
    assert older.schema["fields"] == resolve(REFERENCE).schema["fields"] and older.schema != resolve(REFERENCE).schema
    result = run("validate", ROOT / "datasets" / IRVE / "irve-statique.csv", "--schema",
                 "etalab/schema-irve-statique@2.3.0", "--json")
    outdated = [f for f in json.loads(result.output)["targets"][0]["findings"] if f["code"] == "schema-outdated"]
    assert len(outdated) == 1 and "version 2.3.1 is the latest" in outdated[0]["message"]
    result = run("validate", shared_data / "schemas/stationnement/exemple-invalide.csv",
                 "--schema", "etalab/schema-stationnement@0.1.5", "--json")
    report = json.loads(result.output)
    findings = report["targets"][0]["findings"]
    assert result.exit_code == 1 and [f["code"] for f in findings].count("constraint-error") == 2
    assert {f["schema"] for f in findings} == {"etalab/schema-stationnement@0.1.5"}
    text = run("validate", shared_data / "schemas/stationnement/exemple-invalide.csv",
               "--schema", "etalab/schema-stationnement@0.1.5").output
    assert "national schema etalab/schema-stationnement@0.1.5" in text


def _bad_rows(folder: Path):
    """Two broken cells in the charging points: a power that is text, an INSEE code of four digits
    (and a charging point id repeated, which the national schema does not forbid)."""
    path = folder / "irve-statique.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = rows[0]
    rows[3][header.index("puissance_nominale")] = "vingt-deux"
    rows[5][header.index("code_insee_commune")] = "1234"
    rows[7][header.index("id_pdc_itinerance")] = rows[6][header.index("id_pdc_itinerance")]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_the_bundled_irve_dataset_refers_to_the_national_schema_with_the_same_findings(tmp_path):
    by_reference = hub_with(tmp_path / "a", IRVE)
    local_copy = hub_with(tmp_path / "b", IRVE)
    folder = local_copy / "datasets" / IRVE
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    resource = descriptor["resources"][0]
    assert resource["schema"] == REFERENCE
    from catalog.datasets import load_dataset
    schema = load_dataset(folder).schema(resource)  # the reference resolved, public contacts included
    (folder / "schema-statique.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    resource["schema"] = "schema-statique.json"
    del resource["catalog"]
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    for root in (by_reference, local_copy):
        assert validate([str(root / "datasets" / IRVE)], root).valid
        _bad_rows(root / "datasets" / IRVE)

    def findings(root):
        report = validate([str(root / "datasets" / IRVE)], root)
        return [f.to_dict() for f in report.targets[0].findings], report.exit_code

    ours, code = findings(by_reference)
    theirs, local_code = findings(local_copy)
    assert code == local_code == 1
    assert {f["code"] for f in ours} >= {"type-error", "constraint-error"} and len(ours) == 2
    assert {f["schema"] for f in ours} == {REFERENCE}  # findings name the schema and its version
    assert [dict(f, schema=None) for f in ours] == theirs


def test_unknown_reference_is_a_clear_error(tmp_path):
    root = hub_with(tmp_path, IRVE)
    path = root / "datasets" / IRVE / "datapackage.json"
    for reference, said in [("etalab/schema-irve-statiqe@2.3.1", "unknown national schema"),
                            ("etalab/schema-irve-statique@9.0.0", "has no version '9.0.0'"),
                            ("etalab/schema-irve-statique", "names no version")]:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        descriptor["resources"][0]["schema"] = reference
        path.write_text(json.dumps(descriptor), encoding="utf-8")
        result = run("validate", root / "datasets" / IRVE, "--root", root)
        assert result.exit_code == 2, result.output
        assert said in result.output and "Traceback" not in result.output
        assert "catalog schemas sync" in result.output or "@2.3.1" in result.output
    result = run("validate", ROOT / "datasets" / IRVE / "irve-statique.csv", "--schema", "nobody/nothing@1.0")
    assert result.exit_code == 2 and "unknown national schema" in result.output


def test_sync_from_a_catalogue_then_an_outdated_version_is_said(tmp_path, monkeypatch):
    root = hub_with(tmp_path, IRVE)
    site = tmp_path / "site"
    with serving(site) as base:
        url = national_site(site, base)
        # Before syncing, 2.4.0 is not known here: refer to it and it is refused.
        assert run("validate", ROOT / "datasets" / IRVE / "irve-statique.csv", "--schema",
                   "etalab/schema-irve-statique@2.4.0").exit_code == 2
        result = run("schemas", "sync", "--url", url, "--root", root)
        assert result.exit_code == 0, result.output
    assert "etalab/schema-irve-statique@2.4.0" in run("schemas", "list").output
    report = json.loads(run("validate", root / "datasets" / IRVE, "--root", root, "--json").output)
    outdated = [f for f in report["targets"][0]["findings"] if f["code"] == "schema-outdated"]
    assert report["exit_code"] == 0 and len(outdated) == 1
    assert outdated[0]["severity"] == "warning" and "2.4.0" in outdated[0]["message"]
    assert outdated[0]["schema"] == REFERENCE
    # The newer version now resolves offline (the server is gone), from the cache.
    result = run("validate", ROOT / "datasets" / IRVE / "irve-statique.csv", "--schema",
                 "etalab/schema-irve-statique@2.4.0", "--json")
    findings = json.loads(result.output)["targets"][0]["findings"]
    assert result.exit_code in (0, 1) and "unusable-input" not in {f["code"] for f in findings}, result.output
    assert {f["schema"] for f in findings} <= {"etalab/schema-irve-statique@2.4.0"}
    assert not {"type-error", "constraint-error", "missing-label"} & {f["code"] for f in findings}


def test_a_failed_sync_leaves_the_cache_as_it_was(tmp_path):
    site = tmp_path / "site"
    with serving(site) as base:
        assert run("schemas", "sync", "--url", national_site(site, base)).exit_code == 0
        before = run("schemas", "list").output
        (site / "schemas/schemas.json").write_text("{not json", encoding="utf-8")
        broken = run("schemas", "sync", "--url", f"{base}/schemas/schemas.json")
        missing = run("schemas", "sync", "--url", f"{base}/nothing.json")
    unreachable = run("schemas", "sync", "--url", base, "--timeout", "2")
    for result in (broken, missing, unreachable):
        assert result.exit_code == 2 and "Traceback" not in result.output
    assert "HTTP 404" in missing.output
    assert run("schemas", "list").output == before


def test_a_hostile_catalogue_writes_nothing_outside_the_cache(tmp_path):
    site = tmp_path / "site"
    cache = Path(__import__("os").environ["CATALOG_SCHEMAS_CACHE"])
    with serving(site) as base:
        hostile = [{"name": "../../escape", "schema_type": "tableschema",
                    "versions": [{"version_name": "1.0.0", "schema_url": f"{base}/schemas/x.json"}]},
                   {"name": "evil/local-file", "schema_type": "tableschema",
                    "versions": [{"version_name": "1.0.0", "schema_url": "file:///etc/passwd"}]},
                   {"name": "evil/traversal", "schema_type": "tableschema",
                    "versions": [{"version_name": "../../../1", "schema_url": f"{base}/schemas/x.json"}]}]
        url = national_site(site, base, extra=hostile)
        (site / "schemas/x.json").write_text(json.dumps({"fields": []}), encoding="utf-8")
        result = run("schemas", "sync", "--url", url)
    assert result.exit_code == 0, result.output
    assert "escape" in result.output and "local-file" in result.output
    written = {p.resolve() for p in tmp_path.rglob("*")} - {p.resolve() for p in site.rglob("*")}
    assert all(p.is_relative_to(cache.parent.resolve()) or p == site.resolve() for p in written), written
    assert not (tmp_path / "escape").exists()


def test_the_reference_travels_into_the_package_dcat_and_ckan(tmp_path):
    root = hub_with(tmp_path, IRVE)
    packages = tmp_path / "packages"
    assert run("package", root / "datasets" / IRVE, "--root", root, "--packages", packages).exit_code == 0
    packaged = json.loads((packages / IRVE / "datapackage.json").read_text(encoding="utf-8"))
    schema = packaged["resources"][0]["schema"]
    assert schema["catalog"] == {
        "reference": REFERENCE, "name": "etalab/schema-irve-statique", "version": "2.3.1", "title": "IRVE statique",
        "url": "https://schema.data.gouv.fr/schemas/etalab/schema-irve-statique/2.3.1/schema-statique.json"}
    assert len(schema["fields"]) == 40  # the resolved schema as well as the reference
    import frictionless
    assert frictionless.validate(str(packages / IRVE / "datapackage.json")).valid
    out = tmp_path / "catalog.ttl"
    result = run("export", "dcat", "--root", root, "--packages", packages, "--out", out,
                 "--base-url", "https://data.example.fr")
    assert result.exit_code == 0, result.output
    graph = Graph().parse(out)
    standard = URIRef(schema["catalog"]["url"])
    assert list(graph.subjects(DCT.conformsTo, standard))
    assert str(graph.value(standard, DCT.title)) == "IRVE statique 2.3.1"
    from catalog.publish.ckan_plan import resource_specs
    specs = resource_specs(packages / IRVE, packaged)
    assert json.loads(specs[0]["fields"]["schema"]) == {
        "name": "etalab/schema-irve-statique", "version": "2.3.1", "url": schema["catalog"]["url"]}
    assert "schema" not in specs[-1]["fields"]  # the datapackage.json itself follows no national schema


def test_the_hub_dataset_page_says_which_schema_the_data_conforms_to(tmp_path):
    from tests.servers import running_hub

    root = hub_with(tmp_path, IRVE, "ville-de-sampleville/budget")
    db, packages = tmp_path / "build/hub.db", tmp_path / "build/packages"
    result = run("publish", "datasette", "--root", root, "--db", db, "--packages", packages)
    assert result.exit_code == 0, result.output
    with running_hub(root, db, packages) as hub:
        page = hub.get(f"/-/dataset/{IRVE}").text
        other = hub.get("/-/dataset/ville-de-sampleville/budget").text
    assert "Conforme à" in page and "IRVE statique 2.3.1" in page and REFERENCE in page  # French by default
    assert ('href="https://schema.data.gouv.fr/schemas/etalab/schema-irve-statique/2.3.1/schema-statique.json"'
            in page)
    assert "Conforme à" not in other


def test_a_schema_file_without_suffix_is_still_a_file(tmp_path):
    """`schemas/irve` names a file of the dataset folder, not a national schema, when that file exists."""
    root = hub_with(tmp_path, IRVE)
    folder = root / "datasets" / IRVE
    from catalog.datasets import load_dataset
    dataset = load_dataset(folder)
    schema = dataset.schema(dataset.resources[0])
    (folder / "schemas").mkdir()
    (folder / "schemas" / "irve").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0]["schema"] = "schemas/irve"
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    report = validate([str(folder)], root)
    assert report.valid, [(f.code, f.message) for f in report.targets[0].findings]
    assert not any(f.schema for f in report.targets[0].findings)
