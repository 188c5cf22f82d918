"""The controlled vocabularies DCAT-AP harvesters expect, and the hub's words mapped onto them.

Harvesters (data.europa.eu, data.gouv.fr's udata) match on these exact URIs: a
theme or frequency given as free text is dropped or becomes a mere tag.
"""
from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
EU = "http://publications.europa.eu/resource/authority/"
THEME = Namespace(EU + "data-theme/")
FREQUENCY = Namespace(EU + "frequency/")
FILE_TYPE = Namespace(EU + "file-type/")
LANGUAGE = Namespace(EU + "language/")
ACCESS_RIGHT = Namespace(EU + "access-right/")
PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")
# udata reads these two literal datatypes for dct:spatial; the WKT one is GeoSPARQL's.
GEOJSON = "https://www.iana.org/assignments/media-types/application/vnd.geo+json"
MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
GTFS_REFERENCE = "https://gtfs.org/documentation/schedule/reference/"

PREFIXES = {
    "dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "vcard": VCARD, "spdx": SPDX, "locn": LOCN,
    "gsp": GSP, "adms": ADMS, "dcatap": DCATAP, "prov": PROV, "owl": OWL, "skos": SKOS,
    "rdf": RDF, "rdfs": RDFS, "xsd": XSD,
}

# EU data themes with their French labels: udata turns a theme's skos:prefLabel into a tag.
THEME_LABELS = {
    "AGRI": "Agriculture, pêche, sylviculture et alimentation",
    "ECON": "Économie et finances",
    "EDUC": "Éducation, culture et sport",
    "ENER": "Énergie",
    "ENVI": "Environnement",
    "GOVE": "Gouvernement et secteur public",
    "HEAL": "Santé",
    "INTR": "Questions internationales",
    "JUST": "Justice, système juridique et sécurité publique",
    "REGI": "Régions et villes",
    "SOCI": "Population et société",
    "TECH": "Science et technologie",
    "TRAN": "Transports",
}

# The hub's themes (README: transport, energy, budget, facilities, boundaries, mobility,
# population…) onto EU data themes; a public budget is both government and finance.
THEMES = {
    "transport": ["TRAN"], "mobility": ["TRAN"], "energy": ["ENER"],
    "budget": ["GOVE", "ECON"], "finance": ["ECON", "GOVE"], "economy": ["ECON"],
    "facilities": ["GOVE", "SOCI"], "boundaries": ["REGI"], "territory": ["REGI"],
    "planning": ["REGI"], "population": ["SOCI"], "housing": ["SOCI"], "society": ["SOCI"],
    "environment": ["ENVI"], "health": ["HEAL"], "education": ["EDUC"], "culture": ["EDUC"],
    "sport": ["EDUC"], "tourism": ["ECON"], "agriculture": ["AGRI"], "justice": ["JUST"],
    "safety": ["JUST"], "science": ["TECH"], "technology": ["TECH"],
    "international": ["INTR"], "government": ["GOVE"],
}

# README frequencies onto the EU frequency vocabulary, chosen so that udata maps them back
# to the same words (UPDATE_CONT -> continuous, AS_NEEDED -> punctual, ANNUAL_2 -> semiannual).
FREQUENCIES = {
    "continuous": "UPDATE_CONT", "hourly": "HOURLY", "daily": "DAILY", "weekly": "WEEKLY",
    "biweekly": "BIWEEKLY", "monthly": "MONTHLY", "bimonthly": "BIMONTHLY",
    "quarterly": "QUARTERLY", "semiannual": "ANNUAL_2", "annual": "ANNUAL",
    "biennial": "BIENNIAL", "irregular": "IRREG", "punctual": "AS_NEEDED",
    "never": "NEVER", "unknown": "UNKNOWN",
}

FILE_TYPES = {
    "csv": "CSV", "geojson": "GEOJSON", "json": "JSON", "zip": "ZIP", "gtfs": "ZIP",
    "xlsx": "XLSX", "xls": "XLS", "ods": "ODS", "pdf": "PDF", "txt": "TXT", "xml": "XML",
    "parquet": "PARQUET", "shp": "SHP",
}

# ADMS publisher types for the kinds the hub knows; kinds with no sure match get none.
PUBLISHER_TYPES = {
    "town": "LocalAuthority", "intercommunality": "LocalAuthority",
    "département": "RegionalAuthority",
}


def themes(theme) -> list[str]:
    """EU theme codes for the hub theme(s) of a dataset, in a stable order."""
    names = theme if isinstance(theme, list) else [theme]
    codes = []
    for name in names:
        for code in THEMES.get(str(name or "").strip().lower(), []):
            if code not in codes:
                codes.append(code)
    return codes
