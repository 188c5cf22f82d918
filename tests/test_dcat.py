"""`catalog export dcat`: DCAT-AP that harvesters can read, with stable URIs.

The harvester's expectations are written as SHACL shapes (checked with pyshacl) and
SPARQL queries over the exported graph, on small crafted hubs and on the bundled datasets.
"""
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, PROV, RDF

from catalog.cli import main
from catalog.datasets import discover, load_dataset
from catalog.errors import UnusableInput
from catalog.export import export_dcat
from catalog.export.graph import Entry, build
from catalog.hashing import file_sha256
from catalog.publishers import load_publishers
from tests.hub import PROFILE, make_hub

BASE = "https://data.testville.example.fr"
EU = "http://publications.europa.eu/resource/authority/"
SPDX = "http://spdx.org/rdf/terms#"
BUS_PROFILE = PROFILE.replace("Ville de Testville", "Testville Bus").replace("kind: town", "kind: transport-operator") \
    .replace("opendata@", "donnees@").replace("213700008", "900000001")
STOPS = "stop_id,stop_name,stop_lat,stop_lon\nS1,Mairie,46.60,2.40\nS2,Gare,46.61,2.41\n"
ZONES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"id": 1, "nom": "Centre"},
     "geometry": {"type": "Point", "coordinates": [2.40, 46.60]}}]}

# What a DCAT-AP harvester (data.gouv.fr, data.europa.eu) needs to create a dataset page
# with downloads: the shapes fail on any node that lacks it.
SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix : <urn:test:shapes#> .

:Catalog a sh:NodeShape ; sh:targetClass dcat:Catalog ;
  sh:property [ sh:path dct:title ; sh:minCount 1 ] ;
  sh:property [ sh:path dct:description ; sh:minCount 1 ] ;
  sh:property [ sh:path dcat:dataset ; sh:minCount 1 ; sh:class dcat:Dataset ] .

:Dataset a sh:NodeShape ; sh:targetClass dcat:Dataset ;
  sh:property [ sh:path dct:title ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ] ;
  sh:property [ sh:path dct:description ; sh:minCount 1 ; sh:maxCount 1 ] ;
  sh:property [ sh:path dct:identifier ; sh:minCount 1 ; sh:maxCount 1 ] ;
  sh:property [ sh:path dct:publisher ; sh:minCount 1 ; sh:maxCount 1 ; sh:class foaf:Agent ] ;
  sh:property [ sh:path dct:license ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path dcat:keyword ; sh:minCount 1 ; sh:nodeKind sh:Literal ] ;
  sh:property [ sh:path dcat:theme ; sh:minCount 1 ;
                sh:pattern "^http://publications\\\\.europa\\\\.eu/resource/authority/data-theme/[A-Z]{4}$" ] ;
  sh:property [ sh:path dct:spatial ; sh:minCount 1 ; sh:nodeKind sh:IRI ; sh:class dct:Location ] ;
  sh:property [ sh:path dct:temporal ; sh:minCount 1 ; sh:class dct:PeriodOfTime ] ;
  sh:property [ sh:path dct:accrualPeriodicity ; sh:minCount 1 ; sh:maxCount 1 ;
                sh:pattern "^http://publications\\\\.europa\\\\.eu/resource/authority/frequency/" ] ;
  sh:property [ sh:path dcat:contactPoint ; sh:minCount 1 ; sh:node :Contact ] ;
  sh:property [ sh:path dcat:distribution ; sh:minCount 1 ; sh:class dcat:Distribution ] .

:Contact a sh:NodeShape ;
  sh:property [ sh:path vcard:fn ; sh:minCount 1 ] ;
  sh:property [ sh:path vcard:hasEmail ; sh:minCount 1 ; sh:pattern "^mailto:[^@]+@" ] .

:Agent a sh:NodeShape ; sh:targetObjectsOf dct:publisher ;
  sh:property [ sh:path foaf:name ; sh:minCount 1 ] ;
  sh:property [ sh:path foaf:homepage ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path foaf:mbox ; sh:minCount 1 ; sh:pattern "^mailto:" ] .

:Period a sh:NodeShape ; sh:targetClass dct:PeriodOfTime ;
  sh:property [ sh:path dcat:startDate ; sh:minCount 1 ; sh:datatype xsd:date ] ;
  sh:property [ sh:path dcat:endDate ; sh:maxCount 1 ; sh:datatype xsd:date ] .

:Distribution a sh:NodeShape ; sh:targetClass dcat:Distribution ;
  sh:property [ sh:path dcat:accessURL ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path dcat:downloadURL ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path dcat:mediaType ; sh:minCount 1 ; sh:maxCount 1 ;
                sh:pattern "^https://www\\\\.iana\\\\.org/assignments/media-types/[a-z]+/[-+.a-z0-9]+$" ] ;
  sh:property [ sh:path dct:format ; sh:minCount 1 ] ;
  sh:property [ sh:path dcat:byteSize ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:nonNegativeInteger ] ;
  sh:property [ sh:path dct:license ; sh:minCount 1 ] ;
  sh:property [ sh:path spdx:checksum ; sh:minCount 1 ; sh:maxCount 1 ; sh:node :Checksum ] .

:Checksum a sh:NodeShape ;
  sh:property [ sh:path spdx:algorithm ; sh:hasValue spdx:checksumAlgorithm_sha256 ] ;
  sh:property [ sh:path spdx:checksumValue ; sh:minCount 1 ; sh:pattern "^[0-9a-f]{64}$" ] .
"""

# A dataset's location must carry a bounding box harvesters can draw (udata reads
# GeoJSON literals): written as SPARQL, the other way of stating what we expect.
DATASETS_WITHOUT_GEOJSON_BBOX = """
SELECT ?dataset WHERE {
  ?dataset a dcat:Dataset .
  FILTER NOT EXISTS {
    ?dataset dct:spatial ?where . ?where a dct:Location ; dcat:bbox ?box .
    FILTER (datatype(?box) = <https://www.iana.org/assignments/media-types/application/vnd.geo+json>)
  }
}"""
DISTRIBUTIONS_OUTSIDE_PACKAGES = """
SELECT ?distribution ?url WHERE {
  ?dataset a dcat:Dataset ; dcat:distribution ?distribution .
  ?distribution dcat:downloadURL ?url .
  FILTER (!STRSTARTS(STR(?url), CONCAT(?base, "/packages/")))
}"""


def crafted_hub(root: Path) -> Path:
    """Two publishers, two datasets, three resources (CSV, GeoJSON, CSV)."""
    make_hub(root, descriptor={"catalog": {
        "theme": "facilities", "frequency": "annual", "keywords": ["équipements", "mairie"],
        "spatial": {"label": "Testville", "insee": ["00001"], "bbox": [2.3, 46.5, 2.5, 46.7]},
        "temporal": {"start": "2025-01-01", "end": "2025-12-31"},
    }})
    (root / "publishers" / "testville.yml").write_text(PROFILE, encoding="utf-8")
    folder = root / "datasets" / "testville" / "equipements"
    (folder / "zones.geojson").write_text(json.dumps(ZONES), encoding="utf-8")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append({"name": "zones", "title": "Zones", "path": "zones.geojson", "format": "geojson"})
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")

    (root / "publishers" / "testville-bus.yml").write_text(BUS_PROFILE, encoding="utf-8")
    bus = root / "datasets" / "testville-bus" / "arrets"
    bus.mkdir(parents=True)
    (bus / "stops.csv").write_text(STOPS, encoding="utf-8")
    (bus / "datapackage.json").write_text(json.dumps({
        "name": "arrets", "title": "Arrêts de bus de Testville",
        "description": "Arrêts du réseau de bus de Testville (données d'exemple fictives) : identifiant, "
                       "nom et position de chaque arrêt desservi par le réseau urbain.",
        "version": "2.1.0", "licenses": [{"name": "ODbL-1.0"}],
        "catalog": {"theme": "transport", "frequency": "monthly", "keywords": ["bus", "arrêts"],
                    "spatial": {"label": "Testville", "bbox": [2.3, 46.5, 2.5, 46.7]},
                    "temporal": {"start": "2025-09-01"}},
        "resources": [{"name": "stops", "path": "stops.csv", "format": "csv", "schema": {"fields": [
            {"name": "stop_id", "type": "string", "description": "Identifiant"},
            {"name": "stop_name", "type": "string", "description": "Nom"},
            {"name": "stop_lat", "type": "number", "description": "Latitude WGS84"},
            {"name": "stop_lon", "type": "number", "description": "Longitude WGS84"}],
            "primaryKey": ["stop_id"]}}],
    }, ensure_ascii=False), encoding="utf-8")
    return root


def export(root, tmp, fmt="ttl", **options):
    out = tmp / "out" / f"catalog.{fmt}"
    result = export_dcat(root, out, fmt, BASE, tmp / "packages", **options)
    return result, out


def parse(path: Path) -> Graph:
    return Graph().parse(path, format="turtle" if path.suffix == ".ttl" else "json-ld")


SHACL_RESULTS = """
SELECT ?focus ?path ?message WHERE {
  ?result a sh:ValidationResult ; sh:focusNode ?focus ; sh:resultMessage ?message .
  OPTIONAL { ?result sh:resultPath ?path }
}"""


def harvester_problems(graph: Graph) -> list:
    """One line per unmet expectation: `<path> on <node>: <message>`; empty when all is well."""
    conforms, results, _ = shacl_validate(graph, shacl_graph=SHAPES, shacl_graph_format="turtle")
    problems = sorted(f"{row.path} on {row.focus}: {row.message}" for row in results.query(
        SHACL_RESULTS, initNs={"sh": URIRef("http://www.w3.org/ns/shacl#")}))
    assert conforms == (not problems)
    problems += [f"no GeoJSON bbox: {row.dataset}" for row in graph.query(DATASETS_WITHOUT_GEOJSON_BBOX)]
    problems += [f"download outside /packages/: {row.url}" for row in graph.query(
        DISTRIBUTIONS_OUTSIDE_PACKAGES, initBindings={"base": Literal(BASE)})]
    return problems


@pytest.fixture
def hub(tmp_path):
    return crafted_hub(tmp_path / "hub")


def test_both_formats_parse_to_the_same_graph(hub, tmp_path):
    ttl_result, ttl = export(hub, tmp_path, "ttl")
    _, jsonld = export(hub, tmp_path, "jsonld")
    ttl_graph, jsonld_graph = parse(ttl), parse(jsonld)
    assert len(ttl_graph) > 50
    assert ttl_graph.isomorphic(jsonld_graph)
    assert set(ttl_graph.subjects(RDF.type, DCAT.Dataset)) == {
        URIRef(f"{BASE}/datasets/testville/equipements"), URIRef(f"{BASE}/datasets/testville-bus/arrets")}
    assert len(set(ttl_graph.subjects(RDF.type, DCAT.Distribution))) == 3
    assert len(set(ttl_graph.subjects(RDF.type, DCAT.Catalog))) == 1
    assert (ttl_result.datasets, ttl_result.distributions) == (2, 3)


def test_crafted_hub_has_what_a_harvester_needs(hub, tmp_path):
    _, out = export(hub, tmp_path, publisher="testville")
    graph = parse(out)
    assert harvester_problems(graph) == []
    bus = URIRef(f"{BASE}/datasets/testville-bus/arrets")
    assert graph.value(bus, DCAT.theme) == URIRef(EU + "data-theme/TRAN")
    assert graph.value(bus, DCT.accrualPeriodicity) == URIRef(EU + "frequency/MONTHLY")
    assert graph.value(bus, DCT.license) == URIRef("https://opendatacommons.org/licenses/odbl/1-0/")
    assert {str(k) for k in graph.objects(bus, DCAT.keyword)} == {"bus", "arrêts"}
    publisher = graph.value(bus, DCT.publisher)
    assert str(graph.value(publisher, URIRef("http://xmlns.com/foaf/0.1/name"))) == "Testville Bus"
    town = URIRef(f"{BASE}/datasets/testville/equipements")
    assert set(graph.objects(town, DCAT.theme)) == {URIRef(EU + "data-theme/GOVE"), URIRef(EU + "data-theme/SOCI")}
    period = graph.value(town, DCT.temporal)
    assert [str(graph.value(period, p)) for p in (DCAT.startDate, DCAT.endDate)] == ["2025-01-01", "2025-12-31"]
    assert graph.value(town, DCAT.landingPage) == URIRef(f"{BASE}/-/dataset/testville/equipements")
    catalog = URIRef(f"{BASE}/catalog")
    assert graph.value(catalog, DCT.publisher) == URIRef(f"{BASE}/publishers/testville")


def test_the_shapes_catch_a_dataset_a_harvester_could_not_use(hub, tmp_path):
    """The checks above can fail: a theme with no EU equivalent, no keywords, no coverage."""
    path = hub / "datasets" / "testville-bus" / "arrets" / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["catalog"] = {"theme": "miscellany", "frequency": "monthly"}
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    result, out = export(hub, tmp_path)
    problems = "\n".join(harvester_problems(parse(out)))
    bus = f"{BASE}/datasets/testville-bus/arrets"
    for path in ("http://www.w3.org/ns/dcat#theme", "http://www.w3.org/ns/dcat#keyword",
                 "http://purl.org/dc/terms/spatial", "http://purl.org/dc/terms/temporal"):
        assert f"{path} on {bus}" in problems
    assert f"no GeoJSON bbox: {bus}" in problems
    assert f"{BASE}/datasets/testville/equipements" not in problems
    assert any("miscellany" in warning for warning in result.warnings)


def test_distributions_describe_the_served_files(hub, tmp_path):
    _, out = export(hub, tmp_path)
    graph = parse(out)
    checked = 0
    for folder in discover(hub):
        dataset = load_dataset(folder)
        package = tmp_path / "packages" / dataset.publisher / dataset.name
        descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
        for resource in descriptor["resources"]:
            node = URIRef(f"{BASE}/datasets/{dataset.id}/resources/{resource['name']}")
            served = package / resource["path"]
            url = f"{BASE}/packages/{dataset.id}/{resource['path']}"
            assert graph.value(node, DCAT.downloadURL) == URIRef(url)
            assert graph.value(node, DCAT.accessURL) == URIRef(url)
            assert graph.value(node, DCAT.byteSize).toPython() == served.stat().st_size
            checksum = graph.value(node, URIRef(SPDX + "checksum"))
            assert str(graph.value(checksum, URIRef(SPDX + "checksumValue"))) == file_sha256(served)
            assert (URIRef(f"{BASE}/datasets/{dataset.id}"), DCAT.distribution, node) in graph
            checked += 1
    assert checked == 3
    zones = URIRef(f"{BASE}/datasets/testville/equipements/resources/zones")
    assert graph.value(zones, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/application/geo+json")
    assert graph.value(zones, DCT.format) == URIRef(EU + "file-type/GEOJSON")


def _cli_export(hub, tmp_path, name, seed):
    """The real command in a fresh interpreter, with its own hash seed (set orders differ)."""
    out = tmp_path / name
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    result = subprocess.run([sys.executable, "-m", "catalog.cli", "export", "dcat", "--root", str(hub),
                             "--packages", str(tmp_path / "packages"), "--base-url", BASE + "/",
                             "--out", str(out)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("suffix", ["ttl", "jsonld"])
def test_exporting_twice_gives_the_same_bytes(hub, tmp_path, suffix):
    first = _cli_export(hub, tmp_path, f"a.{suffix}", 1)
    second = _cli_export(hub, tmp_path, f"b.{suffix}", 2)
    assert first.read_bytes() == second.read_bytes()
    assert b"_:" not in first.read_bytes() and b'"@id": "_:' not in first.read_bytes()  # no blank nodes


def test_uris_stay_the_same_when_the_data_changes(hub, tmp_path):
    """A new version of a dataset is the same dataset to a harvester: same URIs, new figures."""
    _, out = export(hub, tmp_path)
    before = parse(out)
    with open(hub / "datasets" / "testville-bus" / "arrets" / "stops.csv", "a", encoding="utf-8") as handle:
        handle.write("S3,Piscine,46.62,2.42\n")
    result, out = export(hub, tmp_path)
    after = parse(out)
    assert result.packaged == ["testville-bus/arrets"]  # only the changed dataset is packaged again

    def uris(graph):
        return {s for s in graph.subjects() if isinstance(s, URIRef)}

    assert uris(before) == uris(after)
    stops = URIRef(f"{BASE}/datasets/testville-bus/arrets/resources/stops")
    assert after.value(stops, DCAT.byteSize).toPython() > before.value(stops, DCAT.byteSize).toPython()


def test_reuse_points_at_its_sources_with_their_versions():
    """A packaged reuse (contracts.md: `sources` entries name `<publisher>/<dataset>`)."""
    sources = [{"title": "Arrêts", "name": "testville-bus/arrets", "version": "2.1.0",
                "hash": "sha256:" + "a" * 64, "path": "../../testville-bus/arrets"},
               {"title": "Communes", "name": "testville/communes", "version": "1.0.0",
                "hash": "sha256:" + "b" * 64, "path": "../communes"}]
    reuse = Entry("testville", "arrets-par-commune", {
        "title": "Arrêts par commune", "version": "1.0.0", "licenses": [{"name": "etalab-2.0"}],
        "sources": sources, "catalog": {"reuse": {"sources": [s["name"] for s in sources], "method": "within"}},
        "resources": [{"name": "arrets_par_commune", "path": "data/arrets_par_commune.csv",
                       "mediatype": "text/csv", "format": "csv", "bytes": 10, "hash": "sha256:" + "c" * 64}]})
    entries = [reuse] + [Entry(*s["name"].split("/"), {"title": s["title"], "resources": []}) for s in sources]
    graph = build(entries, {}, BASE, "Test").graph
    node = URIRef(f"{BASE}/datasets/testville/arrets-par-commune")
    expected = {URIRef(f"{BASE}/datasets/{s['name']}") for s in sources}
    assert set(graph.objects(node, PROV.wasDerivedFrom)) == expected
    assert set(graph.objects(node, DCT.source)) == expected
    recorded = {(str(graph.value(d, PROV.entity)), str(graph.value(d, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))))
                for d in graph.objects(node, PROV.qualifiedDerivation)}
    assert recorded == {(f"{BASE}/datasets/testville-bus/arrets", "2.1.0"), (f"{BASE}/datasets/testville/communes", "1.0.0")}


def add_reuse(root: Path):
    """A SQL reuse by the town combining both publishers' datasets (derived at packaging)."""
    folder = root / "datasets" / "testville" / "arrets-mairie"
    folder.mkdir(parents=True)
    (folder / "datapackage.json").write_text(json.dumps({
        "name": "arrets-mairie", "title": "Arrêts de bus et mairie",
        "description": "Chaque arrêt de bus de Testville avec le nom de l'équipement numéro 1 : réutilisation "
                       "d'exemple qui croise les données de deux producteurs.",
        "version": "1.0.0", "licenses": [{"name": "etalab-2.0"}],
        "catalog": {"theme": "transport", "frequency": "monthly", "keywords": ["bus"],
                    "spatial": {"label": "Testville", "bbox": [2.3, 46.5, 2.5, 46.7]},
                    "temporal": {"start": "2025-09-01"},
                    "reuse": {"sources": ["testville-bus/arrets", "testville/equipements"], "method": "sql",
                              "sql": "SELECT s.stop_id, s.stop_name, e.nom FROM arrets_stops AS s "
                                     "JOIN equipements_equipements AS e ON e.id = 1 ORDER BY s.stop_id"}},
        "resources": [{"name": "arrets", "path": "arrets.csv", "format": "csv", "schema": {"fields": [
            {"name": "stop_id", "type": "string", "description": "Identifiant de l'arrêt"},
            {"name": "stop_name", "type": "string", "description": "Nom de l'arrêt"},
            {"name": "nom", "type": "string", "description": "Nom de l'équipement"}]}}],
    }, ensure_ascii=False), encoding="utf-8")


def test_a_packaged_reuse_carries_its_sources_and_their_hashes(hub, tmp_path):
    add_reuse(hub)
    _, out = export(hub, tmp_path)
    graph = parse(out)
    assert harvester_problems(graph) == []
    reuse = URIRef(f"{BASE}/datasets/testville/arrets-mairie")
    sources = {URIRef(f"{BASE}/datasets/testville-bus/arrets"), URIRef(f"{BASE}/datasets/testville/equipements")}
    assert set(graph.objects(reuse, PROV.wasDerivedFrom)) == sources

    def lineage():
        result = {}
        for derivation in graph.objects(reuse, PROV.qualifiedDerivation):
            checksum = graph.value(derivation, URIRef(SPDX + "checksum"))
            result[str(graph.value(derivation, PROV.entity))] = str(graph.value(checksum, URIRef(SPDX + "checksumValue")))
        return result

    before = lineage()
    stops = json.loads((tmp_path / "packages" / "testville-bus" / "arrets" / "datapackage.json").read_text())
    assert before[f"{BASE}/datasets/testville-bus/arrets"] == stops["catalog"]["content_hash"]
    with open(hub / "datasets" / "testville-bus" / "arrets" / "stops.csv", "a", encoding="utf-8") as handle:
        handle.write("S3,Piscine,46.62,2.42\n")
    result, out = export(hub, tmp_path)
    assert sorted(result.packaged) == ["testville-bus/arrets", "testville/arrets-mairie"]  # the source and its reuse
    graph = parse(out)
    after = lineage()
    assert after[f"{BASE}/datasets/testville-bus/arrets"] != before[f"{BASE}/datasets/testville-bus/arrets"]
    assert after[f"{BASE}/datasets/testville/equipements"] == before[f"{BASE}/datasets/testville/equipements"]
    rows = json.loads((tmp_path / "packages" / "testville" / "arrets-mairie" / "datapackage.json").read_text())
    assert rows["resources"][0]["catalog"]["rows"] == 3


def test_no_build_refuses_a_reuse_derived_from_an_older_source(hub, tmp_path):
    add_reuse(hub)
    export(hub, tmp_path)
    with open(hub / "datasets" / "testville-bus" / "arrets" / "stops.csv", "a", encoding="utf-8") as handle:
        handle.write("S3,Piscine,46.62,2.42\n")
    from catalog.package import package
    assert not package([str(hub / "datasets" / "testville-bus" / "arrets")], hub, tmp_path / "packages").refused
    with pytest.raises(UnusableInput) as raised:
        export(hub, tmp_path, build=False)
    assert "testville/arrets-mairie" in str(raised.value) and "testville-bus/arrets" not in str(raised.value)


def test_external_reuses_are_referenced_by_the_datasets_they_use():
    entries = [Entry("testville", "equipements", {"title": "Équipements", "resources": []}),
               Entry("testville-bus", "arrets", {"title": "Arrêts", "resources": []})]
    external = [{"slug": "carte", "title": "Carte des équipements", "url": "https://carte.example.org/",
                 "type": "application", "author": "Association Carto", "datasets": ["testville/equipements"]}]
    graph = build(entries, {}, BASE, "Test", external=external).graph
    page = URIRef("https://carte.example.org/")
    assert list(graph.subjects(DCT.isReferencedBy, page)) == [URIRef(f"{BASE}/datasets/testville/equipements")]
    assert str(graph.value(page, DCT.title)) == "Carte des équipements"


def test_missing_packages_are_built_and_nothing_else_is_written(hub, tmp_path):
    before = sorted(p.relative_to(hub) for p in hub.rglob("*"))
    result, out = export(hub, tmp_path)
    assert sorted(result.packaged) == ["testville-bus/arrets", "testville/equipements"]
    assert sorted(p.relative_to(hub) for p in hub.rglob("*")) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["catalog.ttl"]  # no temporary file left
    again, _ = export(hub, tmp_path)
    assert again.packaged == []


def test_no_build_refuses_and_names_the_datasets(hub, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["export", "dcat", "--root", str(hub), "--packages", str(tmp_path / "packages"),
                                  "--out", str(tmp_path / "c.ttl"), "--base-url", BASE, "--no-build"])
    assert result.exit_code == 2
    assert "testville-bus/arrets" in result.output and "catalog package" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "c.ttl").exists() and not (tmp_path / "packages").exists()


def test_an_invalid_dataset_stops_the_export_and_keeps_the_previous_file(hub, tmp_path):
    _, out = export(hub, tmp_path)
    previous = out.read_bytes()
    with open(hub / "datasets" / "testville-bus" / "arrets" / "stops.csv", "a", encoding="utf-8") as handle:
        handle.write("S1,Doublon,46.6,2.4\n")  # breaks the primary key
    runner = CliRunner()
    result = runner.invoke(main, ["export", "dcat", "--root", str(hub), "--packages", str(tmp_path / "packages"),
                                  "--out", str(out), "--base-url", BASE])
    assert result.exit_code == 1, result.output
    assert "testville-bus/arrets" in result.output and "catalog validate" in result.output
    assert out.read_bytes() == previous


@pytest.mark.parametrize("url", ["data.testville.fr", "ftp://data.testville.fr", "https://hub.fr/?x=1", ""])
def test_a_bad_base_url_is_one_clear_error(hub, tmp_path, url):
    result = CliRunner().invoke(main, ["export", "dcat", "--root", str(hub), "--base-url", url,
                                       "--packages", str(tmp_path / "p"), "--out", str(tmp_path / "c.ttl")])
    assert result.exit_code == 2
    assert "--base-url" in result.output and "How to fix" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "p").exists()


def test_an_unwritable_out_is_one_clear_error(hub, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    result = CliRunner().invoke(main, ["export", "dcat", "--root", str(hub), "--base-url", BASE,
                                       "--packages", str(tmp_path / "p"), "--out", str(tmp_path / "file" / "c.ttl")])
    assert result.exit_code == 2, result.output
    assert "cannot write there" in result.output and "Traceback" not in result.output


def test_stdout_and_format_from_suffix(hub, tmp_path):
    runner = CliRunner()
    args = ["export", "dcat", "--root", str(hub), "--packages", str(tmp_path / "packages"), "--base-url", BASE]
    result = runner.invoke(main, args + ["--out", "-", "--format", "ttl"])
    assert result.exit_code == 0, result.output
    graph = Graph().parse(data=result.stdout_bytes.decode(), format="turtle")
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 2
    result = runner.invoke(main, args + ["--out", str(tmp_path / "catalogue.jsonld")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "catalogue.jsonld").read_text(encoding="utf-8"))["@graph"]


def test_every_announced_url_resolves_on_a_running_hub(hub, tmp_path):
    """A harvester follows the URLs: on a real `catalog serve`, each download gives the
    announced bytes and hash, and each landing page exists."""
    server = subprocess.Popen(
        [sys.executable, "-m", "catalog.cli", "serve", "--root", str(hub), "--db", str(tmp_path / "hub.db"),
         "--packages", str(tmp_path / "packages"), "--port", "0"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=tmp_path)
    try:
        lines = []
        while not (match := re.search(r"open (http://127\.0\.0\.1:\d+)/", "".join(lines))):
            line = server.stderr.readline()
            assert line, "catalog serve stopped: " + "".join(lines)
            lines.append(line)
        base = match.group(1)
        for _ in range(100):  # the address is printed just before uvicorn starts answering
            try:
                httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        export_dcat(hub, tmp_path / "catalog.ttl", "ttl", base, tmp_path / "packages")
        graph = parse(tmp_path / "catalog.ttl")
        distributions = list(graph.subjects(RDF.type, DCAT.Distribution))
        assert len(distributions) == 3
        with httpx.Client(timeout=10) as client:
            for node in distributions:
                response = client.get(str(graph.value(node, DCAT.downloadURL)))
                assert response.status_code == 200, node
                assert len(response.content) == graph.value(node, DCAT.byteSize).toPython()
                checksum = graph.value(node, URIRef(SPDX + "checksum"))
                assert hashlib.sha256(response.content).hexdigest() == str(
                    graph.value(checksum, URIRef(SPDX + "checksumValue")))
            for dataset in graph.subjects(RDF.type, DCAT.Dataset):
                page = client.get(str(graph.value(dataset, DCAT.landingPage)))
                assert page.status_code == 200, dataset
                assert str(graph.value(dataset, DCT.title)) in page.text
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- the bundled datasets (datasets/, publishers/) -------------------------------------------

@pytest.fixture(scope="module")
def bundled(project_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bundled")
    result = export_dcat(project_root, tmp / "catalog.jsonld", "jsonld", BASE, tmp / "packages")
    return result, parse(tmp / "catalog.jsonld"), tmp / "packages"


def test_bundled_catalogue_has_one_dataset_per_dataset(bundled, project_root):
    result, graph, packages = bundled
    datasets = [load_dataset(folder) for folder in discover(project_root)]
    assert len(datasets) >= 6
    assert {str(s) for s in graph.subjects(RDF.type, DCAT.Dataset)} == {f"{BASE}/datasets/{d.id}" for d in datasets}
    resources = sum(len(json.loads((packages / d.id / "datapackage.json").read_text(encoding="utf-8"))["resources"])
                    for d in datasets)
    assert len(set(graph.subjects(RDF.type, DCAT.Distribution))) == resources == result.distributions
    assert {d.publisher for d in datasets} == {str(p).rsplit("/", 1)[1] for p in graph.objects(None, DCT.publisher)}
    assert {d.publisher for d in datasets} <= set(load_publishers(project_root))


def test_bundled_catalogue_has_what_a_harvester_needs(bundled):
    _, graph, _ = bundled
    assert harvester_problems(graph) == []


def test_bundled_reuses_carry_their_sources(bundled, project_root):
    _, graph, _ = bundled
    reuses = [d for d in map(load_dataset, discover(project_root)) if "reuse" in d.hub]
    assert len(reuses) >= 3
    for reuse in reuses:
        node = URIRef(f"{BASE}/datasets/{reuse.id}")
        expected = {URIRef(f"{BASE}/datasets/{name}") for name in reuse.hub["reuse"]["sources"]}
        assert set(graph.objects(node, PROV.wasDerivedFrom)) == expected, reuse.id
        assert all((source, RDF.type, DCAT.Dataset) in graph for source in expected)


def test_bundled_external_reuses_are_referenced(bundled, project_root):
    from catalog.reuses import load_external

    _, graph, _ = bundled
    works = load_external(project_root)
    assert works
    for work in works:
        expected = {URIRef(f"{BASE}/datasets/{name}") for name in work["datasets"]}
        assert set(graph.subjects(DCT.isReferencedBy, URIRef(work["url"]))) == expected, work["slug"]
