"""The catalogue as a DCAT-AP graph, built from the packaged descriptors.

Every node has a URI made from the hub's base URL and the names of the publisher,
dataset and resource it describes (no blank nodes, nothing random, nothing from the
clock): a harvester that sees the same URI again updates its copy instead of adding
a duplicate, and the serialisation can be made byte-for-byte reproducible.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

from catalog import licences
from catalog.export import vocab
from catalog.export.vocab import GSP, SPDX, VCARD


@dataclass
class Entry:
    """One dataset to describe: its packaged descriptor and where the package lies."""

    publisher: str
    name: str
    descriptor: dict  # the packaged datapackage.json

    @property
    def id(self):
        return f"{self.publisher}/{self.name}"


@dataclass
class Uris:
    """The one place URIs are made: change it and every harvester sees new datasets."""

    base: str  # without trailing slash

    def _path(self, *segments) -> str:
        return "/".join(quote(str(s), safe="") for s in segments)

    @property
    def catalog(self):
        return URIRef(f"{self.base}/catalog")

    def publisher(self, slug):
        return URIRef(f"{self.base}/publishers/{self._path(slug)}")

    def dataset(self, publisher, name):
        return URIRef(f"{self.base}/datasets/{self._path(publisher, name)}")

    def landing_page(self, publisher, name):
        """The dataset's page on the hub (catalog/hub/plugin.py's route)."""
        return URIRef(f"{self.base}/-/dataset/{self._path(publisher, name)}")

    def distribution(self, publisher, name, resource):
        return URIRef(f"{self.dataset(publisher, name)}/resources/{self._path(resource)}")

    def download(self, publisher, name, path):
        """Where `catalog serve` offers a packaged file (contracts.md: /packages/...)."""
        parts = [publisher, name] + str(path).split("/")
        return URIRef(f"{self.base}/packages/{self._path(*parts)}")


@dataclass
class Built:
    graph: Graph
    datasets: int = 0
    distributions: int = 0
    warnings: list[str] = field(default_factory=list)


def new_graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in vocab.PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def build(entries: list[Entry], publishers: dict, base: str, title: str,
          catalog_publisher: str | None = None, external: list[dict] = ()) -> Built:
    """The whole catalogue: one dcat:Catalog, a dcat:Dataset per entry, a dcat:Distribution
    per packaged resource. `publishers` maps slugs to catalog.publishers.Publisher;
    `external` are works by others (contracts.md: reuses/<slug>.yml) that use the datasets."""
    uris = Uris(base)
    built = Built(new_graph())
    g = built.graph
    catalog = uris.catalog
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCT.title, Literal(title)))
    g.add((catalog, DCT.description, Literal(
        f"Catalogue DCAT-AP des données ouvertes publiées sur {base}.")))
    g.add((catalog, FOAF.homepage, URIRef(base + "/")))
    g.add((catalog, DCT.language, vocab.LANGUAGE.FRA))
    g.add((catalog, DCAT.themeTaxonomy, URIRef(vocab.EU + "data-theme")))
    known = {e.id for e in entries}
    described = set()
    for entry in sorted(entries, key=lambda e: e.id):
        dataset = _dataset(g, uris, entry, publishers.get(entry.publisher), known, built)
        g.add((catalog, DCAT.dataset, dataset))
        described.add(entry.publisher)
    _referenced_by(g, uris, external, known)
    slug = catalog_publisher or (next(iter(described)) if len(described) == 1 else None)
    if slug and slug in publishers:
        g.add((catalog, DCT.publisher, _agent(g, uris, slug, publishers[slug], {})[0]))
    elif slug:
        built.warnings.append(f"catalogue publisher {slug!r} has no profile publishers/{slug}.yml; "
                              "the catalogue is exported without dct:publisher.")
    else:
        built.warnings.append("the catalogue has no dct:publisher (DCAT-AP asks for one): pass "
                              "--publisher SLUG, the publisher profile of the body running the hub.")
    return built


def _agent(g: Graph, uris: Uris, slug: str, profile, descriptor: dict):
    """The publisher as foaf:Organization, from its profile (or, without one, from the
    package's contributor entry, which `catalog package` copied from the profile)."""
    agent = uris.publisher(slug)
    if profile is not None:
        name, homepage, email = profile.title, profile.homepage, profile.email
    else:
        contributor = next((c for c in descriptor.get("contributors") or []
                            if isinstance(c, dict) and c.get("role") == "publisher"), {})
        name = contributor.get("title") or descriptor.get("catalog", {}).get("publisher_title") or slug
        homepage, email = contributor.get("path"), contributor.get("email")
    g.add((agent, RDF.type, FOAF.Agent))
    g.add((agent, RDF.type, FOAF.Organization))
    g.add((agent, FOAF.name, Literal(name)))
    if homepage:
        g.add((agent, FOAF.homepage, URIRef(homepage)))
    if email:
        g.add((agent, FOAF.mbox, URIRef(f"mailto:{email}")))
    if profile is not None:
        g.add((agent, DCT.identifier, Literal(profile.siren)))
        kind = vocab.PUBLISHER_TYPES.get(profile.kind)
        if kind:
            g.add((agent, DCT.type, vocab.PUBLISHER_TYPE[kind]))
    return agent, name, email, homepage


def _date(value, what: str, entry: Entry, built: Built):
    if not value:
        return None
    try:
        return Literal(date.fromisoformat(str(value)[:10]).isoformat(), datatype=XSD.date)
    except ValueError:
        built.warnings.append(f"{entry.id}: {what} {value!r} is not an ISO date (YYYY-MM-DD); left out.")
        return None


def _dataset(g: Graph, uris: Uris, entry: Entry, profile, known: set, built: Built):
    d = entry.descriptor
    hub = d.get("catalog") if isinstance(d.get("catalog"), dict) else {}
    node = uris.dataset(entry.publisher, entry.name)
    built.datasets += 1
    g.add((node, RDF.type, DCAT.Dataset))
    g.add((node, DCT.identifier, Literal(entry.id)))
    g.add((node, DCT.title, Literal(d.get("title") or entry.name)))
    g.add((node, DCT.description, Literal(d.get("description") or d.get("title") or entry.name)))
    g.add((node, DCT.language, vocab.LANGUAGE.FRA))
    g.add((node, DCT.accessRights, vocab.ACCESS_RIGHT.PUBLIC))
    page = uris.landing_page(entry.publisher, entry.name)
    g.add((node, DCAT.landingPage, page))
    g.add((page, RDF.type, FOAF.Document))
    if d.get("version"):
        g.add((node, OWL.versionInfo, Literal(str(d["version"]))))
    for predicate, key in ((DCT.issued, "created"), (DCT.modified, "modified")):
        value = _date(d.get(key) or hub.get(key), key, entry, built)
        if value is not None:
            g.add((node, predicate, value))

    agent, name, email, homepage = _agent(g, uris, entry.publisher, profile, d)
    g.add((node, DCT.publisher, agent))
    if email:
        contact = URIRef(f"{agent}#contact")
        g.add((contact, RDF.type, VCARD.Organization))
        g.add((contact, VCARD.fn, Literal(name)))
        g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{email}")))
        if homepage:
            g.add((contact, VCARD.hasURL, URIRef(homepage)))
        g.add((node, DCAT.contactPoint, contact))

    dataset_licences = [_licence(g, item) for item in d.get("licenses") or []]
    dataset_licences = [uri for uri in dataset_licences if uri is not None]
    if not dataset_licences and profile is not None:
        dataset_licences = [_licence(g, {"name": profile.licence})]
    for uri in dataset_licences[:1]:  # DCAT-AP: at most one licence per dataset
        g.add((node, DCT.license, uri))

    for keyword in sorted({str(k) for k in d.get("keywords") or hub.get("keywords") or []}):
        g.add((node, DCAT.keyword, Literal(keyword)))
    codes = vocab.themes(hub.get("theme"))
    if hub.get("theme") and not codes:
        built.warnings.append(f"{entry.id}: theme {hub.get('theme')!r} has no EU data theme in "
                              "catalog/export/vocab.py; exported without dcat:theme.")
    for code in codes:
        theme = vocab.THEME[code]
        g.add((node, DCAT.theme, theme))
        g.add((theme, SKOS.prefLabel, Literal(vocab.THEME_LABELS[code], lang="fr")))
    frequency = vocab.FREQUENCIES.get(str(hub.get("frequency") or "").lower())
    if frequency:
        g.add((node, DCT.accrualPeriodicity, vocab.FREQUENCY[frequency]))
    elif hub.get("frequency"):
        built.warnings.append(f"{entry.id}: frequency {hub['frequency']!r} is not one the hub knows; "
                              "exported without dct:accrualPeriodicity.")

    _spatial(g, node, hub.get("spatial"))
    _temporal(g, node, hub.get("temporal"), entry, built)
    _lineage(g, uris, node, d, known)
    for resource in d.get("resources") or []:
        if isinstance(resource, dict) and resource.get("path"):
            g.add((node, DCAT.distribution, _distribution(g, uris, entry, resource, dataset_licences[:1])))
            built.distributions += 1
    return node


def _licence(g: Graph, item) -> URIRef | None:
    """A licence as the URI harvesters recognise (udata matches Etalab's page URL)."""
    if not isinstance(item, dict):
        return None
    known = licences.canonical(item.get("name"))
    url = licences.LICENCES[known]["path"] if known else item.get("path")
    if not url or not str(url).startswith(("http://", "https://")):
        return None
    uri = URIRef(url)
    g.add((uri, RDF.type, DCT.LicenseDocument))
    title = licences.LICENCES[known]["title"] if known else item.get("title")
    if title:
        g.add((uri, DCT.title, Literal(title)))
    if known:
        g.add((uri, DCT.identifier, Literal(licences.LICENCES[known]["spdx"])))
    return uri


def _spatial(g: Graph, node, spatial):
    if not isinstance(spatial, dict):
        return
    location = URIRef(f"{node}#spatial")
    g.add((node, DCT.spatial, location))
    g.add((location, RDF.type, DCT.Location))
    if spatial.get("label"):
        g.add((location, SKOS.prefLabel, Literal(str(spatial["label"]), lang="fr")))
        g.add((location, RDFS.label, Literal(str(spatial["label"]), lang="fr")))
    bbox = spatial.get("bbox")
    if isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) for v in bbox):
        west, south, east, north = bbox
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"
        g.add((location, DCAT.bbox, Literal(wkt, datatype=GSP.wktLiteral)))
        # data.gouv.fr reads GeoJSON literals (and an older WKT datatype) from dct:spatial.
        geojson = json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":"))
        g.add((location, DCAT.bbox, Literal(geojson, datatype=URIRef(vocab.GEOJSON))))
    # INSEE's URIs for the communes covered, for harvesters that resolve them (typed, since
    # DCAT-AP's shapes ask every dct:spatial value to be a dct:Location).
    for code in sorted({str(c) for c in spatial.get("insee") or []}):
        commune = URIRef(f"http://id.insee.fr/geo/commune/{quote(code)}")
        g.add((node, DCT.spatial, commune))
        g.add((commune, RDF.type, DCT.Location))


def _temporal(g: Graph, node, temporal, entry, built):
    if not isinstance(temporal, dict):
        return
    start = _date(temporal.get("start"), "temporal start", entry, built)
    end = _date(temporal.get("end"), "temporal end", entry, built)
    if start is None and end is None:
        return
    period = URIRef(f"{node}#temporal")
    g.add((node, DCT.temporal, period))
    g.add((period, RDF.type, DCT.PeriodOfTime))
    if start is not None:
        g.add((period, DCAT.startDate, start))
    if end is not None:
        g.add((period, DCAT.endDate, end))


def _lineage(g: Graph, uris: Uris, node, descriptor: dict, known: set):
    """A reuse points at the datasets it is derived from, with the exact version and content
    hash of each source (the package's `sources`); other sources with a web address too."""
    for source in descriptor.get("sources") or []:
        if not isinstance(source, dict):
            continue
        name = str(source.get("name") or "")
        if name in known:
            publisher, dataset = name.split("/", 1)
            target = uris.dataset(publisher, dataset)
            g.add((node, DCT.source, target))
            g.add((node, PROV.wasDerivedFrom, target))
            derivation = URIRef(f"{node}#derived-from-{quote(name.replace('/', '--'), safe='')}")
            g.add((node, PROV.qualifiedDerivation, derivation))
            g.add((derivation, RDF.type, PROV.Derivation))
            g.add((derivation, PROV.entity, target))
            if source.get("version"):
                g.add((derivation, OWL.versionInfo, Literal(str(source["version"]))))
            digest = str(source.get("hash") or "")
            if digest.startswith("sha256:"):
                _checksum(g, derivation, digest.split(":", 1)[1])
        elif str(source.get("path") or "").startswith(("http://", "https://")):
            g.add((node, DCT.source, URIRef(source["path"])))


def _referenced_by(g: Graph, uris: Uris, external, known: set):
    """Applications, articles or papers built on a dataset: dct:isReferencedBy (DCAT-AP 3)."""
    for work in sorted(external or [], key=lambda w: str(w.get("url"))):
        url = str(work.get("url") or "")
        if not url.startswith(("http://", "https://")):
            continue
        page = URIRef(url)
        for name in sorted(set(work.get("datasets") or []) & known):
            g.add((uris.dataset(*name.split("/", 1)), DCT.isReferencedBy, page))
        if work.get("title"):
            g.add((page, DCT.title, Literal(str(work["title"]))))
        if work.get("author"):
            g.add((page, DCT.creator, Literal(str(work["author"]))))


def _checksum(g: Graph, node, hexdigest: str):
    checksum = URIRef(f"{node}-checksum" if "#" in str(node) else f"{node}#checksum")
    g.add((node, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    # A plain literal, not xsd:hexBinary: udata (data.gouv.fr) stores the literal's Python
    # value, and a hexBinary literal would reach it as bytes.
    g.add((checksum, SPDX.checksumValue, Literal(hexdigest)))


def _distribution(g: Graph, uris: Uris, entry: Entry, resource: dict, licence):
    name = str(resource.get("name") or resource["path"])
    node = uris.distribution(entry.publisher, entry.name, name)
    download = uris.download(entry.publisher, entry.name, resource["path"])
    g.add((node, RDF.type, DCAT.Distribution))
    g.add((node, DCT.identifier, Literal(f"{entry.id}/{name}")))
    g.add((node, DCT.title, Literal(str(resource.get("title") or name))))
    if resource.get("description"):
        g.add((node, DCT.description, Literal(str(resource["description"]))))
    g.add((node, DCAT.downloadURL, download))
    # DCAT-AP requires accessURL; for a direct download it is the same address.
    g.add((node, DCAT.accessURL, download))
    mediatype = resource.get("mediatype")
    if mediatype:
        g.add((node, DCAT.mediaType, URIRef(vocab.MEDIA_TYPE + mediatype)))
    fmt = str(resource.get("format") or "").lower()
    if fmt in vocab.FILE_TYPES:
        g.add((node, DCT.format, vocab.FILE_TYPE[vocab.FILE_TYPES[fmt]]))
    if fmt == "gtfs":
        g.add((node, DCT.conformsTo, URIRef(vocab.GTFS_REFERENCE)))
    if isinstance(resource.get("bytes"), int):
        g.add((node, DCAT.byteSize, Literal(resource["bytes"], datatype=XSD.nonNegativeInteger)))
    digest = str(resource.get("hash") or "")
    if digest.startswith("sha256:"):
        _checksum(g, node, digest.split(":", 1)[1])
    own = [uri for uri in (_licence(g, item) for item in resource.get("licenses") or []) if uri is not None]
    for uri in (own or licence)[:1]:
        g.add((node, DCT.license, uri))
    g.add((node, DCT.accessRights, vocab.ACCESS_RIGHT.PUBLIC))
    return node
