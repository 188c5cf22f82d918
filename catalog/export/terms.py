"""The DCAT terms a dataset or a distribution carries: licence, coverage in space and
time, dates, checksums. Each adds its triples to the graph and returns nothing it does
not need to."""
from __future__ import annotations

import json
from datetime import date
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, RDF, RDFS, SKOS, XSD

from catalog import licences
from catalog.export import vocab
from catalog.export.vocab import GSP, SPDX


def iso_date(value, what: str, entry, built):
    if not value:
        return None
    try:
        return Literal(date.fromisoformat(str(value)[:10]).isoformat(), datatype=XSD.date)
    except ValueError:
        built.warnings.append(f"{entry.id}: {what} {value!r} is not an ISO date (YYYY-MM-DD); left out.")
        return None


def licence_uri(g: Graph, item) -> URIRef | None:
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


def add_spatial(g: Graph, node, spatial):
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


def add_temporal(g: Graph, node, temporal, entry, built):
    if not isinstance(temporal, dict):
        return
    start = iso_date(temporal.get("start"), "temporal start", entry, built)
    end = iso_date(temporal.get("end"), "temporal end", entry, built)
    if start is None and end is None:
        return
    period = URIRef(f"{node}#temporal")
    g.add((node, DCT.temporal, period))
    g.add((period, RDF.type, DCT.PeriodOfTime))
    if start is not None:
        g.add((period, DCAT.startDate, start))
    if end is not None:
        g.add((period, DCAT.endDate, end))


def add_checksum(g: Graph, node, hexdigest: str):
    checksum = URIRef(f"{node}-checksum" if "#" in str(node) else f"{node}#checksum")
    g.add((node, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    # A plain literal, not xsd:hexBinary: udata (data.gouv.fr) stores the literal's Python
    # value, and a hexBinary literal would reach it as bytes.
    g.add((checksum, SPDX.checksumValue, Literal(hexdigest)))
