"""The catalogue as a DCAT-AP graph, built from the packaged descriptors.

Every node has a URI made from the hub's base URL and the names of the publisher,
dataset and resource it describes (no blank nodes, nothing random, nothing from the
clock): a harvester that sees the same URI again updates its copy instead of adding
a duplicate, and the serialisation can be made byte-for-byte reproducible.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, FOAF, OWL, RDF, SKOS, XSD

from catalog.export import vocab
from catalog.export.links import add_lineage, add_referenced_by
from catalog.export.terms import add_checksum, add_spatial, add_temporal, iso_date, licence_uri
from catalog.export.vocab import VCARD


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
    add_referenced_by(g, uris, external, known)
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
        value = iso_date(d.get(key) or hub.get(key), key, entry, built)
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

    dataset_licences = [licence_uri(g, item) for item in d.get("licenses") or []]
    dataset_licences = [uri for uri in dataset_licences if uri is not None]
    if not dataset_licences and profile is not None:
        dataset_licences = [licence_uri(g, {"name": profile.licence})]
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

    add_spatial(g, node, hub.get("spatial"))
    add_temporal(g, node, hub.get("temporal"), entry, built)
    add_lineage(g, uris, node, d, known)
    for resource in d.get("resources") or []:
        if isinstance(resource, dict) and resource.get("path"):
            g.add((node, DCAT.distribution, _distribution(g, uris, entry, resource, dataset_licences[:1])))
            built.distributions += 1
    return node


def _national_schema(g: Graph, node, resource: dict):
    """A table checked against a national schema conforms to that schema's version (a
    dct:Standard), as data.gouv.fr records a resource's schema."""
    schema = resource.get("schema") if isinstance(resource.get("schema"), dict) else {}
    national = schema.get("catalog") if isinstance(schema.get("catalog"), dict) else {}
    url = str(national.get("url") or "")
    if not url.startswith(("https://", "http://")) or any(c in url for c in ' <>"{}|\\^`'):
        return
    standard = URIRef(url)
    g.add((node, DCT.conformsTo, standard))
    g.add((standard, RDF.type, DCT.Standard))
    g.add((standard, DCT.title, Literal(f"{national.get('title')} {national.get('version')}")))
    g.add((standard, DCT.identifier, Literal(str(national.get("reference")))))
    g.add((standard, OWL.versionInfo, Literal(str(national.get("version")))))


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
    _national_schema(g, node, resource)
    if isinstance(resource.get("bytes"), int):
        g.add((node, DCAT.byteSize, Literal(resource["bytes"], datatype=XSD.nonNegativeInteger)))
    digest = str(resource.get("hash") or "")
    if digest.startswith("sha256:"):
        add_checksum(g, node, digest.split(":", 1)[1])
    own = [uri for uri in (licence_uri(g, item) for item in resource.get("licenses") or []) if uri is not None]
    for uri in (own or licence)[:1]:
        g.add((node, DCT.license, uri))
    g.add((node, DCT.accessRights, vocab.ACCESS_RIGHT.PUBLIC))
    return node
