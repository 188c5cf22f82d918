"""Links between datasets and the works that use them: a reuse's sources (with the
version and content hash it was derived from) and the external reuses citing a dataset."""
from __future__ import annotations

from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS as DCT, OWL, PROV, RDF

from catalog.export.terms import add_checksum


def add_lineage(g: Graph, uris, node, descriptor: dict, known: set):
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
                add_checksum(g, derivation, digest.split(":", 1)[1])
        elif str(source.get("path") or "").startswith(("http://", "https://")):
            g.add((node, DCT.source, URIRef(source["path"])))


def add_referenced_by(g: Graph, uris, external, known: set):
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
